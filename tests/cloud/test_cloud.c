/* A plain C program against an object store: the URL and the options JSON
 * come from the environment (ZARR_TEST_URL, ZARR_TEST_OPTIONS), as a model
 * would take them from its configuration. It creates a hierarchy, writes an
 * array of many chunks, reads it back from a second handle (strided too),
 * checks an error status, and exits 0 on success.
 * Built and run by tests/cloud/test_c_program.py against moto. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zarr.h>

#define CHECK(call)                                                                 \
    do {                                                                            \
        int rc_ = (call);                                                           \
        if (rc_ != ZARR_OK) {                                                       \
            fprintf(stderr, "%s:%d: %s -> %d: %s\n", __FILE__, __LINE__, #call, rc_, \
                    zarr_last_error());                                             \
            return 1;                                                               \
        }                                                                           \
    } while (0)

int main(void)
{
    const char *url = getenv("ZARR_TEST_URL");
    const char *opts = getenv("ZARR_TEST_OPTIONS");
    if (!url) {
        fprintf(stderr, "set ZARR_TEST_URL (e.g. s3://bucket/prefix)\n");
        return 2;
    }
    enum { NY = 64, NX = 48 };
    static float field[NY * NX], back[NY * NX], coarse[16 * 12];
    for (int i = 0; i < NY * NX; i++)
        field[i] = (float)i * 0.5f;

    int64_t root, arr;
    CHECK(zarr_open_with_options(url, ZARR_CREATE, opts, &root));
    uint64_t shape[2] = {NY, NX}, chunks[2] = {8, 8};
    float fill = -1.0f;
    CHECK(zarr_array_create(root, "model/t", ZARR_FLOAT32, 2, shape, chunks, NULL, &fill, &arr));
    uint64_t start[2] = {0, 0}, count[2] = {NY, NX};
    CHECK(zarr_array_write(arr, start, count, NULL, ZARR_FLOAT32, field, sizeof field));
    CHECK(zarr_attrs_set(arr, "{\"units\": \"K\"}"));
    CHECK(zarr_close(arr));
    CHECK(zarr_close(root));

    CHECK(zarr_open_with_options(url, ZARR_READ, opts, &root));
    CHECK(zarr_array_open(root, "model/t", &arr));
    CHECK(zarr_array_read(arr, start, count, NULL, ZARR_FLOAT32, back, sizeof back));
    if (memcmp(back, field, sizeof field) != 0) {
        fprintf(stderr, "read back differs\n");
        return 1;
    }
    int64_t stride[2] = {4, 4};
    uint64_t scount[2] = {16, 12};
    CHECK(zarr_array_read(arr, start, scount, stride, ZARR_FLOAT32, coarse, sizeof coarse));
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 12; x++)
            if (coarse[y * 12 + x] != field[(4 * y) * NX + 4 * x]) {
                fprintf(stderr, "strided read differs at %d,%d\n", y, x);
                return 1;
            }
    /* the hierarchy was opened read-only */
    if (zarr_array_write(arr, start, count, NULL, ZARR_FLOAT32, field, sizeof field) != ZARR_EREADONLY) {
        fprintf(stderr, "write through a read-only handle did not fail with ZARR_EREADONLY\n");
        return 1;
    }
    int64_t missing;
    if (zarr_array_open(root, "model/none", &missing) != ZARR_ENOTFOUND) {
        fprintf(stderr, "missing array is not ZARR_ENOTFOUND\n");
        return 1;
    }
    CHECK(zarr_close(arr));
    CHECK(zarr_close(root));
    printf("test_cloud: OK (%s)\n", url);
    return 0;
}
