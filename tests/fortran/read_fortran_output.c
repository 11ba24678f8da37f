/* Reads what tests/fortran/write_interop.f90 wrote, through the C API, and
 * checks it against the formulas (C order is the reverse of Fortran's):
 *   temp[k][j][i] = (i+1) + 10*(j+1) + 100*(k+1), shape {3, 4, 5}
 *   counts[j][i]: j = 0 is the fill value 7, j = 1 is 10*(i+1) + 2
 *   flags[i] = (i+1) % 2 == 0;  grp/deep = {2^40, -3}
 *   v2 m[j][i] = 10*(i+1) + (j+1), shape {2, 3}
 * Usage: read_fortran_output PATH */
#include <stdio.h>
#include <string.h>
#include <zarr.h>

static int failures = 0, checks = 0;
#define CHECK(c, what) do { checks++; if (!(c)) { failures++; \
    fprintf(stderr, "read_fortran_output: FAILED: %s (%s)\n", what, zarr_last_error()); } } while (0)

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    int64_t root, a;
    CHECK(zarr_open(argv[1], ZARR_READ, &root) == ZARR_OK, "open");
    CHECK(zarr_array_open(root, "temp", &a) == ZARR_OK, "open temp");
    uint64_t shape[3] = {0}, chunks[3] = {0};
    int dt = 0;
    CHECK(zarr_array_shape(a, shape) == ZARR_OK && shape[0] == 3 && shape[1] == 4 && shape[2] == 5, "temp shape {3,4,5}");
    CHECK(zarr_array_chunk_shape(a, chunks) == ZARR_OK && chunks[0] == 1 && chunks[1] == 4 && chunks[2] == 5,
          "temp chunks {1,4,5}");
    CHECK(zarr_array_dtype(a, &dt) == ZARR_OK && dt == ZARR_FLOAT32, "temp float32");
    float t[3][4][5];
    uint64_t start[3] = {0, 0, 0};
    CHECK(zarr_array_read(a, start, shape, NULL, ZARR_FLOAT32, t, sizeof t) == ZARR_OK, "read temp");
    int bad = 0;
    for (int k = 0; k < 3; k++)
        for (int j = 0; j < 4; j++)
            for (int i = 0; i < 5; i++)
                bad += t[k][j][i] != (float)((i + 1) + 10 * (j + 1) + 100 * (k + 1));
    CHECK(bad == 0, "temp values");
    char buf[256];
    CHECK(zarr_array_dimension_names(a, buf, sizeof buf, NULL) == ZARR_OK &&
              strcmp(buf, "[\"time\",\"y\",\"x\"]") == 0, "dimension names [time, y, x]");
    CHECK(zarr_attr_get_text(a, "units", buf, sizeof buf, NULL) == ZARR_OK && strcmp(buf, "K") == 0, "units K");
    double scale = 0;
    CHECK(zarr_attr_get(a, "scale", ZARR_FLOAT64, &scale, sizeof scale) == ZARR_OK && scale == 0.5, "scale 0.5");
    zarr_close(a);

    int16_t c[2][3];
    uint64_t s2[2] = {0, 0}, n2[2] = {2, 3};
    CHECK(zarr_array_open(root, "counts", &a) == ZARR_OK, "open counts");
    CHECK(zarr_array_read(a, s2, n2, NULL, ZARR_INT16, c, sizeof c) == ZARR_OK, "read counts");
    for (int i = 0; i < 3; i++) {
        CHECK(c[0][i] == 7, "counts: unwritten row is fill 7");
        CHECK(c[1][i] == 10 * (i + 1) + 2, "counts: written row");
    }
    zarr_close(a);
    unsigned char f[5];
    uint64_t s1 = 0, n1 = 5;
    CHECK(zarr_array_open(root, "flags", &a) == ZARR_OK, "open flags");
    CHECK(zarr_array_read(a, &s1, &n1, NULL, ZARR_BOOL, f, sizeof f) == ZARR_OK, "read flags");
    for (int i = 0; i < 5; i++) CHECK(f[i] == ((i + 1) % 2 == 0), "flag value");
    zarr_close(a);
    int64_t d[2];
    n1 = 2;
    CHECK(zarr_array_open(root, "grp/deep", &a) == ZARR_OK, "open grp/deep");
    CHECK(zarr_array_read(a, &s1, &n1, NULL, ZARR_INT64, d, sizeof d) == ZARR_OK && d[0] == (int64_t)1 << 40 &&
              d[1] == -3, "grp/deep values");
    zarr_close(a);
    zarr_close(root);

    char v2[1100];
    snprintf(v2, sizeof v2, "%s-v2", argv[1]);
    CHECK(zarr_open(v2, ZARR_READ, &root) == ZARR_OK, "open v2");
    CHECK(zarr_array_open(root, "m", &a) == ZARR_OK, "open m");
    int32_t m[2][3];
    CHECK(zarr_array_read(a, s2, n2, NULL, ZARR_INT32, m, sizeof m) == ZARR_OK, "read m");
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 3; i++) CHECK(m[j][i] == 10 * (i + 1) + (j + 1), "m value");
    zarr_close(a);
    zarr_close(root);
    if (failures) {
        fprintf(stderr, "read_fortran_output: %d of %d checks FAILED\n", failures, checks);
        return 1;
    }
    printf("read_fortran_output: %d checks passed\n", checks);
    return 0;
}
