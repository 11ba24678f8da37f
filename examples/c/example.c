/*
 * example.c - a short tour of the libzarr C API.
 *
 * Build and run (from the repository root, after `cargo build --release`):
 *
 *   cc -std=c11 -Wall -Wextra -I include examples/c/example.c \
 *      -L target/release -lzarr -lm -Wl,-rpath,"$PWD/target/release" -o example
 *   ./example out.zarr          # default path: ./example.zarr
 *
 * libzarr.so has the SONAME libzarr.so.1, so the program asks the loader for
 * libzarr.so.1; cargo writes only libzarr.so, so if the loader reports
 * "libzarr.so.1: cannot open shared object file", add the versioned name once:
 *
 *   ln -sf libzarr.so target/release/libzarr.so.1
 *
 * or, linking the static library instead:
 *
 *   cc -std=c11 -I include examples/c/example.c target/release/libzarr.a \
 *      -lpthread -ldl -lm -o example
 *
 * What it does:
 *   1. creates (or reopens) a Zarr v3 hierarchy at argv[1] with a group "model";
 *   2. creates the float32 array "model/temp" of shape [4, 180, 360] (time, lat,
 *      lon) in chunks of [1, 90, 180], zstd-compressed, fill value -999;
 *   3. writes a synthetic temperature field, sets the attribute {"units":"K"}
 *      and names the dimensions (time, lat, lon) so xarray and netCDF see them;
 *   4. reopens the hierarchy read-only, reads a strided subset back, prints a
 *      few values and checks every value read against the formula.
 * It returns 0 on success and 1 on any failure.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zarr.h"

#define NT 4
#define NLAT 180
#define NLON 360

/* Report a failed call with libzarr's status text and this thread's last
 * error message, then jump to the cleanup code. */
#define TRY(call)                                                                  \
    do {                                                                           \
        int rc_ = (call);                                                          \
        if (rc_ != ZARR_OK) {                                                      \
            fprintf(stderr, "%s:%d: %s failed: %s (%d): %s\n", __FILE__, __LINE__, \
                    #call, zarr_strerror(rc_), rc_, zarr_last_error());            \
            goto fail;                                                             \
        }                                                                          \
    } while (0)

/* The synthetic field: warm at the equator, a wave in longitude, cooling over time. */
static float temperature(int t, int lat, int lon)
{
    const double pi = 3.14159265358979323846;
    double phi = (lat - 89.5) * pi / 180.0;  /* latitude of the cell centre, radians */
    double lam = (lon + 0.5) * pi / 180.0;   /* longitude, radians */
    return (float)(250.0 + 50.0 * cos(phi) + 5.0 * sin(2.0 * lam) - 0.5 * t);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "./example.zarr";
    int64_t root = -1, group = -1, arr = -1;
    int64_t ro_root = -1, ro_arr = -1;
    float *field = NULL;
    int ok = 0;

    printf("libzarr %s\n", zarr_version());

    /* 1. Open the hierarchy, creating it if missing (a new hierarchy is Zarr v3). */
    TRY(zarr_open(path, ZARR_CREATE, &root));

    /* The group "model"; if the example ran before, it already exists. */
    int rc = zarr_group_create(root, "model", NULL, &group);
    if (rc == ZARR_EEXISTS)
        rc = zarr_group_open(root, "model", &group);
    TRY(rc);

    /* 2. The array: float32 [4, 180, 360] in [1, 90, 180] chunks, zstd, fill -999. */
    const uint64_t shape[3] = {NT, NLAT, NLON};
    const uint64_t chunks[3] = {1, 90, 180};
    const char *codecs = "[{\"name\": \"zstd\", \"configuration\": {\"level\": 3, \"checksum\": false}}]";
    const float fill = -999.0f;
    rc = zarr_array_create(group, "temp", ZARR_FLOAT32, 3, shape, chunks, codecs, &fill, &arr);
    if (rc == ZARR_EEXISTS)
        rc = zarr_array_open(group, "temp", &arr);
    TRY(rc);

    /* 3. Write the whole field in one call: C order, native-endian float32. */
    field = malloc(sizeof(float) * NT * NLAT * NLON);
    if (!field) {
        fprintf(stderr, "out of memory\n");
        goto fail;
    }
    for (int t = 0; t < NT; t++)
        for (int i = 0; i < NLAT; i++)
            for (int j = 0; j < NLON; j++)
                field[((size_t)t * NLAT + i) * NLON + j] = temperature(t, i, j);
    const uint64_t origin[3] = {0, 0, 0};
    TRY(zarr_array_write(arr, origin, shape, NULL, ZARR_FLOAT32, field,
                         sizeof(float) * NT * NLAT * NLON));

    /* Attributes are a JSON object (this replaces any previous attributes). */
    TRY(zarr_attrs_set(arr, "{\"units\": \"K\"}"));
    TRY(zarr_array_set_dimension_names(arr, "[\"time\", \"lat\", \"lon\"]"));

    /* Close what we opened for writing; handles are never reused. */
    TRY(zarr_close(arr));
    arr = -1;
    TRY(zarr_close(group));
    group = -1;
    TRY(zarr_close(root));
    root = -1;

    /* 4. Reopen read-only; nested paths open arrays directly. */
    TRY(zarr_open(path, ZARR_READ, &ro_root));
    TRY(zarr_array_open(ro_root, "model/temp", &ro_arr));

    int ndim = 0;
    uint64_t got_shape[3];
    TRY(zarr_array_ndim(ro_arr, &ndim));
    TRY(zarr_array_shape(ro_arr, got_shape));
    printf("model/temp: ndim %d, shape [%llu, %llu, %llu]\n", ndim,
           (unsigned long long)got_shape[0], (unsigned long long)got_shape[1],
           (unsigned long long)got_shape[2]);

    /* snprintf-style text: ask for the size first, then fetch. */
    size_t needed = 0;
    TRY(zarr_attrs_get(ro_arr, NULL, 0, &needed));
    char *attrs = malloc(needed);
    if (!attrs)
        goto fail;
    rc = zarr_attrs_get(ro_arr, attrs, needed, NULL);
    if (rc == ZARR_OK)
        printf("attributes: %s\n", attrs);
    free(attrs);
    TRY(rc);

    /* A strided subset: time steps 1 and 3, every 30th latitude from 10,
     * every 45th longitude from 5 -> a 2 x 6 x 8 block.  Read it as float64
     * to show the conversion between the stored and the memory type. */
    const uint64_t start[3] = {1, 10, 5};
    const uint64_t count[3] = {2, 6, 8};
    const int64_t stride[3] = {2, 30, 45};
    double sub[2 * 6 * 8];
    TRY(zarr_array_read(ro_arr, start, count, stride, ZARR_FLOAT64, sub, sizeof sub));

    /* Check every value against the formula (float32 stored, so compare as float). */
    int mismatches = 0;
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 6; b++)
            for (int c = 0; c < 8; c++) {
                int t = (int)(start[0] + a * stride[0]);
                int i = (int)(start[1] + b * stride[1]);
                int j = (int)(start[2] + c * stride[2]);
                double v = sub[(a * 6 + b) * 8 + c];
                if ((float)v != temperature(t, i, j)) {
                    if (mismatches++ < 5)
                        fprintf(stderr, "mismatch at [%d, %d, %d]: %f != %f\n", t, i, j, v,
                                (double)temperature(t, i, j));
                }
            }
    for (int c = 0; c < 4; c++)
        printf("temp[1, 10, %d] = %.3f K\n", (int)(start[2] + c * stride[2]), sub[c]);
    if (mismatches) {
        fprintf(stderr, "%d values differ\n", mismatches);
        goto fail;
    }

    /* Writing through a read-only hierarchy is refused. */
    float one = 0.0f;
    const uint64_t one_count[3] = {1, 1, 1};
    rc = zarr_array_write(ro_arr, origin, one_count, NULL, ZARR_FLOAT32, &one, sizeof one);
    if (rc != ZARR_EREADONLY) {
        fprintf(stderr, "expected ZARR_EREADONLY, got %d\n", rc);
        goto fail;
    }
    printf("read-only write refused as expected: %s\n", zarr_last_error());
    ok = 1;

fail:
    if (ro_arr >= 0)
        zarr_close(ro_arr);
    if (ro_root >= 0)
        zarr_close(ro_root);
    if (arr >= 0)
        zarr_close(arr);
    if (group >= 0)
        zarr_close(group);
    if (root >= 0)
        zarr_close(root);
    free(field);
    printf("%s\n", ok ? "example: OK" : "example: FAILED");
    return ok ? 0 : 1;
}
