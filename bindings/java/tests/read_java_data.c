/*
 * read_java_data.c - the C API reads what the Java interop writer wrote
 * (bindings/java/run-tests.sh builds and runs it):
 *
 *   read_java_data DIR     checks DIR/java-v3.zarr and DIR/java-v2.zarr
 *
 * Every array of "types/" is read as float64 (exact for all the test values)
 * and as its own type, and compared with the formulas of Expected.java,
 * computed here; "temp" is checked with its fill value. Prints
 * "N passed, N failed" and exits 1 on any failure.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "zarr.h"

static int passed, failed;

static void check(int ok, const char *what, const char *path)
{
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("FAIL  %s (%s): %s\n", what, path, zarr_last_error());
    }
}

/* Expected.java's formulas, of the flat index k. */
static double expected(const char *type, int k)
{
    if (!strcmp(type, "bool")) return k % 3 == 0;
    if (!strcmp(type, "int8")) return (double)((k * 37LL) % 256 - 128);
    if (!strcmp(type, "int16")) return (double)((k * 1237LL) % 65536 - 32768);
    if (!strcmp(type, "int32")) return (double)(k * 100003LL - 3000000);
    if (!strcmp(type, "int64")) return (double)((k - 30) * 3000000000123LL);
    if (!strcmp(type, "uint8")) return (double)((k * 37LL) % 256);
    if (!strcmp(type, "uint16")) return (double)((k * 1237LL) % 65536);
    if (!strcmp(type, "uint32")) return (double)((k * 71000003LL) % 4294967296LL);
    if (!strcmp(type, "uint64")) return (double)((uint64_t)k * (1ULL << 40) + 5);
    if (!strcmp(type, "float16")) return k * 0.5 - 8;
    if (!strcmp(type, "float32")) return k * 0.25 - 10.5;
    return k / 3.0; /* float64 */
}

static const char *TYPES[] = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                              "uint32", "uint64", "float32", "float64", "float16"};
static const int CODES[] = {ZARR_BOOL, ZARR_INT8, ZARR_INT16, ZARR_INT32, ZARR_INT64, ZARR_UINT8,
                            ZARR_UINT16, ZARR_UINT32, ZARR_UINT64, ZARR_FLOAT32, ZARR_FLOAT64,
                            ZARR_FLOAT16};

static void check_hierarchy(const char *path)
{
    int64_t root = -1;
    check(zarr_open(path, ZARR_READ, &root) == ZARR_OK, "open", path);
    if (root < 0) return;
    const uint64_t start[2] = {0, 0}, count[2] = {6, 10};
    for (size_t t = 0; t < sizeof TYPES / sizeof *TYPES; t++) {
        char name[64];
        snprintf(name, sizeof name, "types/%s", TYPES[t]);
        int64_t a = -1;
        check(zarr_array_open(root, name, &a) == ZARR_OK, name, path);
        if (a < 0) continue;
        int dtype = 0;
        check(zarr_array_dtype(a, &dtype) == ZARR_OK && dtype == CODES[t], "data type", path);
        double d[60];
        check(zarr_array_read(a, start, count, NULL, ZARR_FLOAT64, d, sizeof d) == ZARR_OK, "read", path);
        int same = 1;
        for (int k = 0; k < 60; k++) same &= d[k] == expected(TYPES[t], k);
        check(same, name, path);
        /* the stored type itself, for the 64-bit integers (beyond float64's exact range in general) */
        if (CODES[t] == ZARR_INT64) {
            int64_t v[60];
            check(zarr_array_read(a, start, count, NULL, ZARR_NATIVE, v, sizeof v) == ZARR_OK, "read int64", path);
            int ok = 1;
            for (int k = 0; k < 60; k++) ok &= v[k] == (k - 30) * 3000000000123LL;
            check(ok, "int64 values", path);
        }
        if (CODES[t] == ZARR_UINT64) {
            uint64_t v[60];
            check(zarr_array_read(a, start, count, NULL, ZARR_NATIVE, v, sizeof v) == ZARR_OK, "read uint64", path);
            int ok = 1;
            for (int k = 0; k < 60; k++) ok &= v[k] == (uint64_t)k * (1ULL << 40) + 5;
            check(ok, "uint64 values", path);
        }
        char names[64];
        size_t needed = 0;
        check(zarr_array_dimension_names(a, names, sizeof names, &needed) == ZARR_OK &&
                  !strcmp(names, "[\"y\",\"x\"]"),
              "dimension names", path);
        zarr_close(a);
    }
    /* temp: [0:2] the field, [3, ::2, ::2] -1.5, the rest the fill value -999 */
    int64_t temp = -1;
    check(zarr_array_open(root, "temp", &temp) == ZARR_OK, "open temp", path);
    if (temp >= 0) {
        float v[4 * 6 * 5];
        const uint64_t s3[3] = {0, 0, 0}, c3[3] = {4, 6, 5};
        check(zarr_array_read(temp, s3, c3, NULL, ZARR_FLOAT32, v, sizeof v) == ZARR_OK, "read temp", path);
        int ok = 1;
        for (int t = 0; t < 4; t++)
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 5; j++) {
                    float want = -999.0f;
                    if (t < 2) want = (float)(t * 100 + i) + j * 0.25f;
                    if (t == 3 && i % 2 == 0 && j % 2 == 0) want = -1.5f;
                    ok &= v[(t * 6 + i) * 5 + j] == want;
                }
        check(ok, "temp values", path);
        zarr_close(temp);
    }
    zarr_close(root);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: read_java_data DIR\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/java-v3.zarr", argv[1]);
    check_hierarchy(path);
    snprintf(path, sizeof path, "%s/java-v2.zarr", argv[1]);
    check_hierarchy(path);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
