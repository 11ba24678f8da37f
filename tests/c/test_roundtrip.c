/*
 * test_roundtrip.c - data round trips for every data type, in v3 and v2
 * hierarchies, on the filesystem (mkdtemp) and in memory://; edge chunks,
 * 0-d arrays, strided reads and writes checked against references computed
 * here with plain loops, several codec chains (including the exact bytes of
 * uncompressed chunks on disk), fill values, and memory-type conversions.
 */
#include "test_util.h"

/* ------------------------------------------------------------ data types */

struct dtinfo {
    int code;
    const char *name;
    size_t size;
};

static const struct dtinfo DTYPES[] = {
    {ZARR_BOOL, "bool", 1},       {ZARR_INT8, "int8", 1},       {ZARR_INT16, "int16", 2},
    {ZARR_INT32, "int32", 4},     {ZARR_INT64, "int64", 8},     {ZARR_UINT8, "uint8", 1},
    {ZARR_UINT16, "uint16", 2},   {ZARR_UINT32, "uint32", 4},   {ZARR_UINT64, "uint64", 8},
    {ZARR_FLOAT32, "float32", 4}, {ZARR_FLOAT64, "float64", 8}, {ZARR_FLOAT16, "float16", 2},
};
#define N_DTYPES ((int)(sizeof DTYPES / sizeof DTYPES[0]))

static size_t dt_size(int code)
{
    for (int i = 0; i < N_DTYPES; i++)
        if (DTYPES[i].code == code)
            return DTYPES[i].size;
    return 0;
}

/* A deterministic value for element `i` of type `code`, written natively to
 * dst.  Values cover negative numbers, the full width of 64-bit integers,
 * -0.0 and infinities; float16 values are exact halves. */
static void gen(int code, uint64_t i, void *dst)
{
    switch (code) {
    case ZARR_BOOL: {
        uint8_t v = (uint8_t)((i * 7 + 3) % 3 == 0);
        memcpy(dst, &v, 1);
        break;
    }
    case ZARR_INT8: {
        int8_t v = (int8_t)((int)((i * 37 + 11) % 256) - 128);
        memcpy(dst, &v, 1);
        break;
    }
    case ZARR_UINT8: {
        uint8_t v = (uint8_t)((i * 37 + 11) & 0xff);
        memcpy(dst, &v, 1);
        break;
    }
    case ZARR_INT16: {
        int16_t v = (int16_t)((int32_t)((i * 4099 + 7) % 65536) - 32768);
        memcpy(dst, &v, 2);
        break;
    }
    case ZARR_UINT16: {
        uint16_t v = (uint16_t)((i * 4099 + 7) & 0xffff);
        memcpy(dst, &v, 2);
        break;
    }
    case ZARR_INT32:
    case ZARR_UINT32: {
        uint32_t v = (uint32_t)(i + 1) * 2654435761u;
        memcpy(dst, &v, 4);
        break;
    }
    case ZARR_INT64:
    case ZARR_UINT64: {
        uint64_t v = (i + 1) * 0x9E3779B97F4A7C15ull;
        memcpy(dst, &v, 8);
        break;
    }
    case ZARR_FLOAT32: {
        float v = (float)((double)i * 0.37 - 50.5);
        if (i % 17 == 5)
            v = -0.0f;
        if (i % 23 == 7)
            v = (i % 2) ? INFINITY : -INFINITY;
        memcpy(dst, &v, 4);
        break;
    }
    case ZARR_FLOAT64: {
        double v = (double)i * 3.14159265358979e-3 - 1e300 * (double)(i % 3 == 1);
        if (i % 17 == 5)
            v = -0.0;
        if (i % 29 == 11)
            v = 5e-324; /* smallest subnormal */
        memcpy(dst, &v, 8);
        break;
    }
    case ZARR_FLOAT16: {
        float f = (float)((int)(i % 401) - 200) * 0.25f;
        uint16_t v = tu_float_to_half_exact(f);
        memcpy(dst, &v, 2);
        break;
    }
    default:
        break;
    }
}

/* Value used by the float16 tests for element i (exact in half precision). */
static float half_val(uint64_t i) { return (float)((int)(i % 401) - 200) * 0.25f; }

/* Buffer of n elements of `code`, element k = gen(code, seed + k). */
static unsigned char *gen_buf(int code, uint64_t n, uint64_t seed)
{
    size_t sz = dt_size(code);
    unsigned char *b = malloc(n * sz + 1);
    for (uint64_t k = 0; k < n; k++)
        gen(code, seed + k, b + k * sz);
    return b;
}

/* --------------------------------------------------------- hierarchy setup */

struct where {
    bool fs;               /* filesystem (true) or memory:// */
    int fmt;               /* 2 or 3 */
    char url[1024];        /* root URL */
    char dir[512];         /* temp dir to remove (fs only) */
};

static int open_new(struct where *w, bool fs, int fmt, const char *tag, int64_t *root)
{
    w->fs = fs;
    w->fmt = fmt;
    w->dir[0] = 0;
    if (fs) {
        if (tu_mkdtemp(w->dir, sizeof w->dir) != 0)
            return -100;
        snprintf(w->url, sizeof w->url, "%s/%s.zarr", w->dir, tag);
    } else {
        tu_memory_url(w->url, sizeof w->url, tag);
    }
    char opts[64];
    snprintf(opts, sizeof opts, "{\"zarr_format\": %d}", fmt);
    return zarr_open_with_options(w->url, ZARR_CREATE, opts, root);
}

static void cleanup(struct where *w)
{
    if (w->fs && w->dir[0])
        tu_rmtree(w->dir);
}

/* Path of the chunk file for `coords` of array `arr` (default key encodings). */
static char *chunk_path(char *buf, size_t n, const struct where *w, const char *arr, int ndim,
                        const uint64_t *coords)
{
    int off = snprintf(buf, n, "%s/%s/", w->url, arr);
    if (w->fmt == 3) {
        off += snprintf(buf + off, n - (size_t)off, "c");
        for (int d = 0; d < ndim; d++)
            off += snprintf(buf + off, n - (size_t)off, "/%" PRIu64, coords[d]);
    } else {
        if (ndim == 0)
            snprintf(buf + off, n - (size_t)off, "0");
        for (int d = 0; d < ndim; d++)
            off += snprintf(buf + off, n - (size_t)off, "%s%" PRIu64, d ? "." : "", coords[d]);
    }
    return buf;
}

static char *meta_path(char *buf, size_t n, const struct where *w, const char *arr)
{
    return tu_fmt(buf, n, "%s/%s/%s", w->url, arr, w->fmt == 3 ? "zarr.json" : ".zarray");
}

/* Checks ndim, shape, chunk shape and dtype of an open array. */
static void check_meta(int64_t a, int dtype, int ndim, const uint64_t *shape, const uint64_t *chunks)
{
    int nd = -1, dt = -1;
    uint64_t s[8], c[8];
    memset(s, 0xee, sizeof s);
    memset(c, 0xee, sizeof c);
    CHECK_OK(zarr_array_ndim(a, &nd));
    CHECK(nd == ndim);
    CHECK_OK(zarr_array_dtype(a, &dt));
    CHECKF(dt == dtype, "dtype %d, expected %d", dt, dtype);
    CHECK_OK(zarr_array_shape(a, s));
    CHECK_OK(zarr_array_chunk_shape(a, c));
    for (int d = 0; d < ndim; d++) {
        CHECKF(s[d] == shape[d], "shape[%d]=%" PRIu64 " expected %" PRIu64, d, s[d], shape[d]);
        CHECKF(c[d] == chunks[d], "chunks[%d]=%" PRIu64 " expected %" PRIu64, d, c[d], chunks[d]);
    }
    /* Nothing written past ndim entries. */
    CHECK(s[ndim] == 0xeeeeeeeeeeeeeeeeull && c[ndim] == 0xeeeeeeeeeeeeeeeeull);
}

/* Reads the whole array (native type) and compares it with `ref`. */
static void check_whole(int64_t a, int dtype, int ndim, const uint64_t *shape, const unsigned char *ref,
                        const char *what)
{
    size_t sz = dt_size(dtype);
    uint64_t n = tu_prod(ndim, shape);
    unsigned char *buf = malloc(n * sz + 8);
    memset(buf, 0xab, n * sz + 8);
    uint64_t start[8] = {0};
    int rc = zarr_array_read(a, start, shape, NULL, ZARR_NATIVE, buf, n * sz);
    CHECKF(rc == ZARR_OK, "%s: read returned %d: %s", what, rc, tu_last_error());
    if (rc == ZARR_OK) {
        uint64_t bad = n;
        for (uint64_t k = 0; k < n; k++)
            if (memcmp(buf + k * sz, ref + k * sz, sz) != 0) {
                bad = k;
                break;
            }
        CHECKF(bad == n, "%s: element %" PRIu64 " differs from the reference", what, bad);
    }
    /* Bytes past buf_bytes untouched. */
    CHECK(buf[n * sz] == 0xab && buf[n * sz + 7] == 0xab);
    free(buf);
}

/* Reads a (strided) selection and compares it with the reference computed by loops. */
static void check_selection(int64_t a, int dtype, int ndim, const uint64_t *shape, const unsigned char *ref,
                            const uint64_t *start, const uint64_t *count, const int64_t *stride,
                            const char *what)
{
    size_t sz = dt_size(dtype);
    uint64_t n = tu_prod(ndim, count);
    unsigned char *buf = malloc(n * sz + 1);
    memset(buf, 0xcd, n * sz + 1);
    int rc = zarr_array_read(a, start, count, stride, ZARR_NATIVE, buf, n * sz);
    CHECKF(rc == ZARR_OK, "%s: read returned %d: %s", what, rc, tu_last_error());
    if (rc == ZARR_OK) {
        uint64_t bad = n;
        for (uint64_t k = 0; k < n; k++) {
            uint64_t idx = tu_sel_index(ndim, shape, start, count, stride, k);
            if (memcmp(buf + k * sz, ref + idx * sz, sz) != 0) {
                bad = k;
                break;
            }
        }
        CHECKF(bad == n, "%s: selected element %" PRIu64 " differs from the reference", what, bad);
    }
    free(buf);
}

/* Writes a (strided) selection from gen(seed+k) and applies it to `ref`. */
static void write_selection(int64_t a, int dtype, int ndim, const uint64_t *shape, unsigned char *ref,
                            const uint64_t *start, const uint64_t *count, const int64_t *stride,
                            uint64_t seed, const char *what)
{
    size_t sz = dt_size(dtype);
    uint64_t n = tu_prod(ndim, count);
    unsigned char *buf = gen_buf(dtype, n, seed);
    int rc = zarr_array_write(a, start, count, stride, ZARR_NATIVE, buf, n * sz);
    CHECKF(rc == ZARR_OK, "%s: write returned %d: %s", what, rc, tu_last_error());
    if (rc == ZARR_OK)
        for (uint64_t k = 0; k < n; k++) {
            uint64_t idx = tu_sel_index(ndim, shape, start, count, stride, k);
            memcpy(ref + idx * sz, buf + k * sz, sz);
        }
    free(buf);
}

/* ------------------------------------------------------------- the tests */

/* Full scenario for one dtype in one hierarchy: create, metadata, fill,
 * whole write/read, sub-box, strided read, strided write, reopen read-only. */
static void roundtrip_one(int dtype, const char *dname, bool fs, int fmt)
{
    char what[160];
    snprintf(what, sizeof what, "%s v%d %s", dname, fmt, fs ? "fs" : "memory");
    struct where w;
    int64_t root = -1, a = -1;
    int rc = open_new(&w, fs, fmt, "rt", &root);
    CHECKF(rc == ZARR_OK, "%s: open returned %d: %s", what, rc, tu_last_error());
    if (rc != ZARR_OK) {
        cleanup(&w);
        return;
    }

    const int nd = 3;
    const uint64_t shape[3] = {7, 5, 3}, chunks[3] = {3, 2, 2}; /* edge chunks on every axis */
    const uint64_t n = 7 * 5 * 3;
    const size_t sz = dt_size(dtype);
    char name[64];
    snprintf(name, sizeof name, "arr_%s", dname);
    rc = zarr_array_create(root, name, dtype, nd, shape, chunks, NULL, NULL, &a);
    CHECKF(rc == ZARR_OK, "%s: create returned %d: %s", what, rc, tu_last_error());
    if (rc != ZARR_OK) {
        zarr_close(root);
        cleanup(&w);
        return;
    }
    check_meta(a, dtype, nd, shape, chunks);

    /* Nothing written yet: everything reads as the (zero) fill value. */
    unsigned char *ref = calloc(n, sz);
    check_whole(a, dtype, nd, shape, ref, what);

    /* Whole-array write. */
    unsigned char *data = gen_buf(dtype, n, 0);
    memcpy(ref, data, n * sz);
    uint64_t zero[3] = {0, 0, 0};
    rc = zarr_array_write(a, zero, shape, NULL, ZARR_NATIVE, data, n * sz);
    CHECKF(rc == ZARR_OK, "%s: whole write returned %d: %s", what, rc, tu_last_error());
    free(data);
    check_whole(a, dtype, nd, shape, ref, what);

    /* A box that crosses chunk boundaries and touches the edge chunks. */
    {
        uint64_t st[3] = {1, 1, 0}, ct[3] = {6, 4, 3};
        check_selection(a, dtype, nd, shape, ref, st, ct, NULL, what);
    }
    /* Strided reads (stride NULL vs all ones must agree, too). */
    {
        uint64_t st[3] = {0, 1, 0}, ct[3] = {4, 2, 2};
        int64_t sd[3] = {2, 2, 2};
        check_selection(a, dtype, nd, shape, ref, st, ct, sd, what);
        uint64_t st2[3] = {6, 4, 2}, ct2[3] = {1, 1, 1};
        int64_t sd2[3] = {100, 100, 100}; /* stride irrelevant for count 1 */
        check_selection(a, dtype, nd, shape, ref, st2, ct2, sd2, what);
        uint64_t st3[3] = {1, 0, 0}, ct3[3] = {2, 5, 3};
        int64_t sd3[3] = {5, 1, 1};
        check_selection(a, dtype, nd, shape, ref, st3, ct3, sd3, what);
        int64_t ones[3] = {1, 1, 1};
        check_selection(a, dtype, nd, shape, ref, zero, shape, ones, what);
    }
    /* Strided writes, then whole reads against the updated reference. */
    {
        uint64_t st[3] = {1, 0, 1}, ct[3] = {3, 3, 1};
        int64_t sd[3] = {2, 2, 1};
        write_selection(a, dtype, nd, shape, ref, st, ct, sd, 1000, what);
        check_whole(a, dtype, nd, shape, ref, what);
        uint64_t st2[3] = {0, 4, 0}, ct2[3] = {7, 1, 2};
        int64_t sd2[3] = {1, 3, 2};
        write_selection(a, dtype, nd, shape, ref, st2, ct2, sd2, 2000, what);
        uint64_t st3[3] = {2, 1, 1}, ct3[3] = {2, 3, 2}; /* plain partial box */
        write_selection(a, dtype, nd, shape, ref, st3, ct3, NULL, 3000, what);
        check_whole(a, dtype, nd, shape, ref, what);
        uint64_t st4[3] = {0, 0, 0}, ct4[3] = {3, 2, 2};
        int64_t sd4[3] = {3, 4, 2};
        check_selection(a, dtype, nd, shape, ref, st4, ct4, sd4, what);
    }

    if (fs) {
        char p[1024];
        CHECK(tu_exists(tu_fmt(p, sizeof p, "%s/%s", w.url, fmt == 3 ? "zarr.json" : ".zgroup")));
        CHECK(tu_exists(meta_path(p, sizeof p, &w, name)));
        /* Every chunk (including the edge ones) is on disk since the data is not all zero. */
        uint64_t c0[3] = {0, 0, 0}, clast[3] = {2, 2, 1};
        CHECKF(tu_exists(chunk_path(p, sizeof p, &w, name, 3, c0)), "%s: missing %s", what, p);
        CHECKF(tu_exists(chunk_path(p, sizeof p, &w, name, 3, clast)), "%s: missing %s", what, p);
        uint64_t cbeyond[3] = {3, 0, 0};
        CHECK(!tu_exists(chunk_path(p, sizeof p, &w, name, 3, cbeyond)));
        /* Default codec chain is zstd. */
        char *meta = tu_read_file(meta_path(p, sizeof p, &w, name), NULL);
        CHECK(meta != NULL && strstr(meta, "zstd") != NULL);
        free(meta);
    }

    /* Reopen the hierarchy read-only (a second root on the same store) and read back. */
    CHECK_OK(zarr_close(a));
    int64_t root2 = -1, a2 = -1;
    rc = zarr_open(w.url, ZARR_READ, &root2);
    CHECKF(rc == ZARR_OK, "%s: reopen returned %d: %s", what, rc, tu_last_error());
    CHECK_OK(zarr_close(root));
    if (rc == ZARR_OK) {
        rc = zarr_array_open(root2, name, &a2);
        CHECKF(rc == ZARR_OK, "%s: array_open returned %d: %s", what, rc, tu_last_error());
        if (rc == ZARR_OK) {
            check_meta(a2, dtype, nd, shape, chunks);
            check_whole(a2, dtype, nd, shape, ref, what);
            uint64_t st[3] = {0, 1, 0}, ct[3] = {4, 2, 2};
            int64_t sd[3] = {2, 2, 2};
            check_selection(a2, dtype, nd, shape, ref, st, ct, sd, what);
            CHECK_OK(zarr_close(a2));
        }
        CHECK_OK(zarr_close(root2));
    }
    free(ref);
    cleanup(&w);
}

static void test_all_dtypes(void)
{
    for (int fmt = 3; fmt >= 2; fmt--)
        for (int fs = 1; fs >= 0; fs--)
            for (int i = 0; i < N_DTYPES; i++)
                roundtrip_one(DTYPES[i].code, DTYPES[i].name, fs != 0, fmt);
}

/* 1-d arrays: edge chunk, chunk larger than the array, many chunks. */
static void test_1d_shapes(void)
{
    static const uint64_t cases[][2] = {{10, 4}, {3, 10}, {1, 1}, {1000, 7}, {64, 64}};
    for (int fmt = 3; fmt >= 2; fmt--)
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            struct where w;
            int64_t root = -1, a = -1;
            REQUIRE_OK(open_new(&w, true, fmt, "oned", &root));
            uint64_t shape[1] = {cases[c][0]}, chunks[1] = {cases[c][1]};
            REQUIRE_OK(zarr_array_create(root, "x", ZARR_INT64, 1, shape, chunks, NULL, NULL, &a));
            unsigned char *ref = gen_buf(ZARR_INT64, shape[0], 77);
            uint64_t st[1] = {0};
            CHECK_OK(zarr_array_write(a, st, shape, NULL, ZARR_INT64, ref, shape[0] * 8));
            check_whole(a, ZARR_INT64, 1, shape, ref, "1d");
            /* Every second / third element. */
            for (int64_t s = 2; s <= 3; s++) {
                uint64_t ct[1] = {(shape[0] + (uint64_t)s - 1) / (uint64_t)s};
                int64_t sd[1] = {s};
                check_selection(a, ZARR_INT64, 1, shape, ref, st, ct, sd, "1d strided");
            }
            /* Number of chunk files = ceil(shape/chunk). */
            char p[1024];
            uint64_t nch = (shape[0] + chunks[0] - 1) / chunks[0];
            uint64_t last[1] = {nch - 1}, beyond[1] = {nch};
            CHECK(tu_exists(chunk_path(p, sizeof p, &w, "x", 1, last)));
            CHECK(!tu_exists(chunk_path(p, sizeof p, &w, "x", 1, beyond)));
            free(ref);
            CHECK_OK(zarr_close(a));
            CHECK_OK(zarr_close(root));
            cleanup(&w);
        }
}

/* 0-d arrays: one element, start/count NULL, chunk key "c" (v3) / "0" (v2). */
static void test_0d(void)
{
    for (int fmt = 3; fmt >= 2; fmt--)
        for (int fs = 1; fs >= 0; fs--)
            for (int i = 0; i < N_DTYPES; i++) {
                int dt = DTYPES[i].code;
                size_t sz = DTYPES[i].size;
                struct where w;
                int64_t root = -1, a = -1;
                REQUIRE_OK(open_new(&w, fs != 0, fmt, "zerod", &root));
                unsigned char fill[8], val[8], got[8];
                gen(dt, 5, fill);  /* a non-zero fill value */
                gen(dt, 12, val);
                if (dt == ZARR_BOOL)
                    val[0] = !fill[0];
                CHECK(memcmp(fill, val, sz) != 0);
                REQUIRE_OK(zarr_array_create(root, "s", dt, 0, NULL, NULL, NULL, fill, &a));
                int nd = -1;
                CHECK_OK(zarr_array_ndim(a, &nd));
                CHECK(nd == 0);
                uint64_t dummy[1] = {42};
                CHECK_OK(zarr_array_shape(a, dummy));
                CHECK(dummy[0] == 42);
                /* Unwritten: the fill value. */
                memset(got, 0x5c, sizeof got);
                CHECK_OK(zarr_array_read(a, NULL, NULL, NULL, ZARR_NATIVE, got, sz));
                CHECKF(memcmp(got, fill, sz) == 0, "0-d %s v%d: fill not read back", DTYPES[i].name, fmt);
                char p[1024];
                if (fs)
                    CHECK(!tu_exists(chunk_path(p, sizeof p, &w, "s", 0, NULL)));
                CHECK_OK(zarr_array_write(a, NULL, NULL, NULL, ZARR_NATIVE, val, sz));
                memset(got, 0x5c, sizeof got);
                CHECK_OK(zarr_array_read(a, NULL, NULL, NULL, ZARR_NATIVE, got, sz));
                CHECKF(memcmp(got, val, sz) == 0, "0-d %s v%d: value not read back", DTYPES[i].name, fmt);
                if (fs)
                    CHECKF(tu_exists(chunk_path(p, sizeof p, &w, "s", 0, NULL)), "missing %s", p);
                /* Also with empty (non-NULL) start/count arrays. */
                uint64_t e0[1] = {0};
                memset(got, 0x5c, sizeof got);
                CHECK_OK(zarr_array_read(a, e0, e0, NULL, ZARR_NATIVE, got, sz));
                CHECK(memcmp(got, val, sz) == 0);
                CHECK_OK(zarr_close(a));
                /* Persisted. */
                int64_t r2 = -1, a2 = -1;
                CHECK_OK(zarr_open(w.url, ZARR_READ, &r2));
                CHECK_OK(zarr_array_open(r2, "s", &a2));
                memset(got, 0x5c, sizeof got);
                CHECK_OK(zarr_array_read(a2, NULL, NULL, NULL, ZARR_NATIVE, got, sz));
                CHECK(memcmp(got, val, sz) == 0);
                zarr_close(a2);
                zarr_close(r2);
                CHECK_OK(zarr_close(root));
                cleanup(&w);
            }
}

/* Codec chains: data round trips, and what the metadata/chunk files hold. */
static void test_codecs(void)
{
    static const int types[] = {ZARR_UINT8, ZARR_INT16, ZARR_FLOAT32, ZARR_UINT64, ZARR_FLOAT64};
    for (int fmt = 3; fmt >= 2; fmt--)
        for (size_t ti = 0; ti < sizeof types / sizeof types[0]; ti++)
            for (int variant = 0; variant < 6; variant++) {
                int dt = types[ti];
                size_t sz = dt_size(dt);
                char codecs[512];
                const char *expect_in_meta = NULL;
                bool raw = false, big_t = false;
                switch (variant) {
                case 0:
                    snprintf(codecs, sizeof codecs, "[]");
                    raw = true;
                    break;
                case 1:
                    snprintf(codecs, sizeof codecs, "[{\"name\":\"gzip\",\"configuration\":{\"level\":5}}]");
                    expect_in_meta = "gzip";
                    break;
                case 2:
                    snprintf(codecs, sizeof codecs,
                             "[{\"name\":\"blosc\",\"configuration\":{\"cname\":\"lz4\",\"clevel\":5,"
                             "\"shuffle\":\"shuffle\",\"typesize\":%zu,\"blocksize\":0}}]",
                             sz);
                    expect_in_meta = "blosc";
                    break;
                case 3:
                    snprintf(codecs, sizeof codecs,
                             "[{\"name\":\"zstd\",\"configuration\":{\"level\":1,\"checksum\":true}}]");
                    expect_in_meta = "zstd";
                    break;
                case 4:
                    if (fmt == 2)
                        continue; /* crc32c has no v2 form */
                    snprintf(codecs, sizeof codecs,
                             "[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
                             "{\"name\":\"zstd\",\"configuration\":{\"level\":3,\"checksum\":false}},"
                             "{\"name\":\"crc32c\"}]");
                    expect_in_meta = "crc32c";
                    break;
                case 5:
                    if (sz == 1)
                        continue;
                    /* Full reversing transpose (= v2 order "F") and big-endian, uncompressed. */
                    snprintf(codecs, sizeof codecs,
                             "[{\"name\":\"transpose\",\"configuration\":{\"order\":[2,1,0]}},"
                             "{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}}]");
                    raw = true;
                    big_t = true;
                    break;
                }
                char what[700];
                snprintf(what, sizeof what, "v%d type %d codecs %s", fmt, dt, codecs);
                struct where w;
                int64_t root = -1, a = -1;
                REQUIRE_OK(open_new(&w, true, fmt, "codecs", &root));
                const uint64_t shape[3] = {5, 4, 3}, chunks[3] = {2, 3, 2};
                const uint64_t n = 60;
                int rc = zarr_array_create(root, "c", dt, 3, shape, chunks, codecs, NULL, &a);
                CHECKF(rc == ZARR_OK, "%s: create returned %d: %s", what, rc, tu_last_error());
                if (rc != ZARR_OK) {
                    zarr_close(root);
                    cleanup(&w);
                    continue;
                }
                unsigned char *ref = gen_buf(dt, n, 9);
                uint64_t zero[3] = {0, 0, 0};
                CHECK_OK(zarr_array_write(a, zero, shape, NULL, ZARR_NATIVE, ref, n * sz));
                check_whole(a, dt, 3, shape, ref, what);
                uint64_t st[3] = {1, 0, 0}, ct[3] = {2, 2, 2};
                int64_t sd[3] = {3, 3, 2};
                check_selection(a, dt, 3, shape, ref, st, ct, sd, what);

                char p[1024];
                char *meta = tu_read_file(meta_path(p, sizeof p, &w, "c"), NULL);
                CHECK(meta != NULL);
                if (meta) {
                    if (expect_in_meta)
                        CHECKF(strstr(meta, expect_in_meta) != NULL, "%s: metadata lacks %s:\n%s", what,
                               expect_in_meta, meta);
                    if (raw)
                        CHECKF(!strstr(meta, "zstd") && !strstr(meta, "gzip") && !strstr(meta, "blosc"),
                               "%s: uncompressed array has a compressor:\n%s", what, meta);
                    if (fmt == 2 && big_t) {
                        tu_json_compact(meta);
                        CHECKF(strstr(meta, "\"order\":\"F\"") != NULL, "%s: %s", what, meta);
                        CHECKF(strstr(meta, "\"dtype\":\">") != NULL, "%s: %s", what, meta);
                    }
                    free(meta);
                }
                if (raw) {
                    /* Uncompressed chunks hold exactly the chunk's elements, full
                     * chunk size even at the edges, in the stored layout. */
                    uint64_t cidx[3] = {0, 0, 0};
                    size_t len = 0;
                    unsigned char *file = (unsigned char *)tu_read_file(chunk_path(p, sizeof p, &w, "c", 3, cidx), &len);
                    CHECKF(file != NULL && len == 12 * sz, "%s: chunk 0 is %zu bytes, expected %zu", what, len,
                           12 * sz);
                    if (file && len == 12 * sz) {
                        bool same = true;
                        for (uint64_t i0 = 0; i0 < 2; i0++)
                            for (uint64_t i1 = 0; i1 < 3; i1++)
                                for (uint64_t i2 = 0; i2 < 2; i2++) {
                                    const unsigned char *src = ref + ((i0 * 4 + i1) * 3 + i2) * sz;
                                    /* C order inside the chunk, or F order (transposed). */
                                    uint64_t pos = big_t ? (i2 * 3 + i1) * 2 + i0 : (i0 * 3 + i1) * 2 + i2;
                                    const unsigned char *dst = file + pos * sz;
                                    for (size_t b = 0; b < sz; b++) {
                                        /* x86/ARM hosts are little-endian: memory order = LE */
                                        unsigned char want = big_t ? src[sz - 1 - b] : src[b];
                                        if (dst[b] != want)
                                            same = false;
                                    }
                                }
                        CHECKF(same, "%s: chunk 0 bytes on disk are not the expected layout", what);
                    }
                    free(file);
                    uint64_t edge[3] = {2, 1, 1};
                    CHECKF(tu_file_size(chunk_path(p, sizeof p, &w, "c", 3, edge)) == (long long)(12 * sz),
                           "%s: edge chunk %s is %lld bytes, expected %zu", what, p, tu_file_size(p), 12 * sz);
                }
                /* Reopen and read again (codec chain parsed back from metadata). */
                CHECK_OK(zarr_close(a));
                CHECK_OK(zarr_close(root));
                int64_t r2 = -1, a2 = -1;
                CHECK_OK(zarr_open(w.url, ZARR_READ, &r2));
                CHECK_OK(zarr_array_open(r2, "c", &a2));
                check_whole(a2, dt, 3, shape, ref, what);
                zarr_close(a2);
                zarr_close(r2);
                free(ref);
                cleanup(&w);
            }
}

/* Non-zero fill values are read back for unwritten regions and kept in metadata. */
static void test_fill_values(void)
{
    for (int fmt = 3; fmt >= 2; fmt--) {
        struct where w;
        int64_t root = -1, a = -1, b = -1;
        REQUIRE_OK(open_new(&w, true, fmt, "fill", &root));
        uint64_t shape[2] = {6, 6}, chunks[2] = {4, 4};
        int16_t fill16 = -7;
        REQUIRE_OK(zarr_array_create(root, "i", ZARR_INT16, 2, shape, chunks, NULL, &fill16, &a));
        float fillf = 1.5f;
        REQUIRE_OK(zarr_array_create(root, "f", ZARR_FLOAT32, 2, shape, chunks, "[]", &fillf, &b));
        /* Write one element in chunk (0,0) only. */
        uint64_t st[2] = {1, 2}, one[2] = {1, 1};
        int16_t v = 1234;
        CHECK_OK(zarr_array_write(a, st, one, NULL, ZARR_INT16, &v, sizeof v));
        int16_t ref[36];
        for (int i = 0; i < 36; i++)
            ref[i] = -7;
        ref[1 * 6 + 2] = 1234;
        check_whole(a, ZARR_INT16, 2, shape, (unsigned char *)ref, "int16 fill");
        float fref[36];
        for (int i = 0; i < 36; i++)
            fref[i] = 1.5f;
        check_whole(b, ZARR_FLOAT32, 2, shape, (unsigned char *)fref, "float fill");
        char p[1024];
        char *meta = tu_read_file(meta_path(p, sizeof p, &w, "i"), NULL);
        CHECK(meta != NULL);
        if (meta) {
            tu_json_compact(meta);
            CHECKF(strstr(meta, "\"fill_value\":-7") != NULL, "%s", meta);
            free(meta);
        }
        zarr_close(a);
        zarr_close(b);
        zarr_close(root);
        cleanup(&w);
    }
}

/* Memory-type conversions on read and write. */
static void test_conversions(void)
{
    for (int fmt = 3; fmt >= 2; fmt--)
        for (int fs = 1; fs >= 0; fs--) {
            struct where w;
            int64_t root = -1;
            REQUIRE_OK(open_new(&w, fs != 0, fmt, "conv", &root));
            char p[1024];

            /* --- int32 array: write int32, read float64 / int64 / int16 --- */
            {
                int64_t a = -1;
                uint64_t shape[1] = {20}, chunks[1] = {6}, st[1] = {0};
                REQUIRE_OK(zarr_array_create(root, "i32", ZARR_INT32, 1, shape, chunks, NULL, NULL, &a));
                int32_t v[20];
                for (int i = 0; i < 20; i++)
                    v[i] = (i % 2 ? -1 : 1) * i * 1000;
                v[18] = INT32_MAX;
                v[19] = INT32_MIN;
                CHECK_OK(zarr_array_write(a, st, shape, NULL, ZARR_INT32, v, sizeof v));
                double d[20];
                CHECK_OK(zarr_array_read(a, st, shape, NULL, ZARR_FLOAT64, d, sizeof d));
                bool ok = true;
                for (int i = 0; i < 20; i++)
                    ok = ok && d[i] == (double)v[i];
                CHECK(ok);
                int64_t l[20];
                CHECK_OK(zarr_array_read(a, st, shape, NULL, ZARR_INT64, l, sizeof l));
                ok = true;
                for (int i = 0; i < 20; i++)
                    ok = ok && l[i] == (int64_t)v[i];
                CHECK(ok);
                /* int16: values up to 32000 fit in elements 0..17 ... */
                int16_t s[20];
                uint64_t c18[1] = {18};
                CHECK_OK(zarr_array_read(a, st, c18, NULL, ZARR_INT16, s, sizeof s));
                ok = true;
                for (int i = 0; i < 18; i++)
                    ok = ok && s[i] == (int16_t)v[i];
                CHECK(ok);
                /* ... but INT32_MAX does not: ERANGE (the buffer's contents are
                 * unspecified after a failed read, as documented in zarr.h). */
                CHECK_ERR(zarr_array_read(a, st, shape, NULL, ZARR_INT16, s, sizeof s), ZARR_ERANGE);
                /* Strided read with conversion. */
                uint64_t st2[1] = {1}, ct2[1] = {6};
                int64_t sd2[1] = {3};
                float f[6];
                CHECK_OK(zarr_array_read(a, st2, ct2, sd2, ZARR_FLOAT32, f, sizeof f));
                ok = true;
                for (int k = 0; k < 6; k++)
                    ok = ok && f[k] == (float)v[1 + 3 * k];
                CHECK(ok);
                /* Write float64 (integral values) into int32, strided. */
                double wd[6] = {-1.0, 2.0, -3.0, 4e5, -5e8, 6.0};
                CHECK_OK(zarr_array_write(a, st2, ct2, sd2, ZARR_FLOAT64, wd, sizeof wd));
                for (int k = 0; k < 6; k++)
                    v[1 + 3 * k] = (int32_t)wd[k];
                check_whole(a, ZARR_INT32, 1, shape, (unsigned char *)v, "int32 after float64 write");
                /* A double that does not fit in int32: ERANGE, nothing changes. */
                double big[6] = {1, 2, 3, 4, 5e9, 6};
                CHECK_ERR(zarr_array_write(a, st2, ct2, sd2, ZARR_FLOAT64, big, sizeof big), ZARR_ERANGE);
                double nan6[6] = {1, 2, NAN, 4, 5, 6};
                CHECK_ERR(zarr_array_write(a, st2, ct2, sd2, ZARR_FLOAT64, nan6, sizeof nan6), ZARR_ERANGE);
                check_whole(a, ZARR_INT32, 1, shape, (unsigned char *)v, "int32 after failed writes");
                zarr_close(a);
            }

            /* --- float64 array: 1e6 does not fit int16 --- */
            {
                int64_t a = -1;
                uint64_t shape[2] = {4, 5}, chunks[2] = {3, 3}, st[2] = {0, 0};
                REQUIRE_OK(zarr_array_create(root, "f64", ZARR_FLOAT64, 2, shape, chunks, NULL, NULL, &a));
                double v[20];
                for (int i = 0; i < 20; i++)
                    v[i] = (double)(i * 37 % 601) - 300.0;
                v[3 * 5 + 4] = 1e6; /* last element, in edge chunk (1,1) */
                CHECK_OK(zarr_array_write(a, st, shape, NULL, ZARR_FLOAT64, v, sizeof v));
                int16_t s[20];
                CHECK_ERR(zarr_array_read(a, st, shape, NULL, ZARR_INT16, s, sizeof s), ZARR_ERANGE);
                /* The first three rows fit. */
                uint64_t c3[2] = {3, 5};
                CHECK_OK(zarr_array_read(a, st, c3, NULL, ZARR_INT16, s, 15 * sizeof(int16_t)));
                bool ok = true;
                for (int i = 0; i < 15; i++)
                    ok = ok && s[i] == (int16_t)v[i];
                CHECK(ok);
                float f[20];
                CHECK_OK(zarr_array_read(a, st, shape, NULL, ZARR_FLOAT32, f, sizeof f));
                ok = true;
                for (int i = 0; i < 20; i++)
                    ok = ok && f[i] == (float)v[i];
                CHECK(ok);
                /* Strided read of column 4 as int32 includes 1e6 (fits int32). */
                uint64_t st4[2] = {0, 4}, ct4[2] = {4, 1};
                int32_t col[4];
                CHECK_OK(zarr_array_read(a, st4, ct4, NULL, ZARR_INT32, col, sizeof col));
                CHECK(col[3] == 1000000 && col[0] == (int32_t)v[4]);
                zarr_close(a);
            }

            /* --- uint8 array: a negative int makes the whole write fail, store unchanged --- */
            {
                int64_t a = -1;
                uint64_t shape[1] = {16}, chunks[1] = {4}, st[1] = {0}, c4[1] = {4};
                REQUIRE_OK(zarr_array_create(root, "u8", ZARR_UINT8, 1, shape, chunks, NULL, NULL, &a));
                uint8_t init[4] = {10, 20, 30, 40};
                CHECK_OK(zarr_array_write(a, st, c4, NULL, ZARR_UINT8, init, sizeof init));
                uint8_t ref[16] = {10, 20, 30, 40};
                int32_t src[16];
                for (int i = 0; i < 16; i++)
                    src[i] = 200 + i; /* fits */
                src[9] = -1;           /* does not fit uint8, in chunk 2 */
                CHECK_ERR(zarr_array_write(a, st, shape, NULL, ZARR_INT32, src, sizeof src), ZARR_ERANGE);
                check_whole(a, ZARR_UINT8, 1, shape, ref, "uint8 after ERANGE write");
                if (fs) {
                    uint64_t c1[1] = {1}, c2[1] = {2}, c0[1] = {0};
                    CHECK(tu_exists(chunk_path(p, sizeof p, &w, "u8", 1, c0)));
                    CHECKF(!tu_exists(chunk_path(p, sizeof p, &w, "u8", 1, c1)), "%s was written", p);
                    CHECKF(!tu_exists(chunk_path(p, sizeof p, &w, "u8", 1, c2)), "%s was written", p);
                }
                src[9] = 256;
                CHECK_ERR(zarr_array_write(a, st, shape, NULL, ZARR_INT32, src, sizeof src), ZARR_ERANGE);
                int64_t neg = -5;
                uint64_t st15[1] = {15}, one[1] = {1};
                CHECK_ERR(zarr_array_write(a, st15, one, NULL, ZARR_INT64, &neg, sizeof neg), ZARR_ERANGE);
                check_whole(a, ZARR_UINT8, 1, shape, ref, "uint8 after ERANGE writes");
                /* A valid int32 write converts. */
                src[9] = 0;
                CHECK_OK(zarr_array_write(a, st, shape, NULL, ZARR_INT32, src, sizeof src));
                for (int i = 0; i < 16; i++)
                    ref[i] = (uint8_t)src[i];
                check_whole(a, ZARR_UINT8, 1, shape, ref, "uint8 after int32 write");
                zarr_close(a);
            }

            /* --- 64-bit integers that do not fit each other --- */
            {
                int64_t a = -1, b = -1;
                uint64_t shape[1] = {4}, chunks[1] = {2}, st[1] = {0};
                REQUIRE_OK(zarr_array_create(root, "u64", ZARR_UINT64, 1, shape, chunks, NULL, NULL, &a));
                uint64_t u[4] = {1, 2, (1ull << 63) + 5, UINT64_MAX};
                CHECK_OK(zarr_array_write(a, st, shape, NULL, ZARR_UINT64, u, sizeof u));
                int64_t l[4] = {9, 9, 9, 9};
                CHECK_ERR(zarr_array_read(a, st, shape, NULL, ZARR_INT64, l, sizeof l), ZARR_ERANGE);
                uint64_t c2[1] = {2};
                CHECK_OK(zarr_array_read(a, st, c2, NULL, ZARR_INT64, l, 2 * sizeof(int64_t)));
                CHECK(l[0] == 1 && l[1] == 2);
                uint64_t u2[4] = {0};
                CHECK_OK(zarr_array_read(a, st, shape, NULL, ZARR_NATIVE, u2, sizeof u2));
                CHECK(memcmp(u, u2, sizeof u) == 0);
                int64_t neg[4] = {1, -1, 3, 4};
                CHECK_ERR(zarr_array_write(a, st, shape, NULL, ZARR_INT64, neg, sizeof neg), ZARR_ERANGE);
                CHECK_OK(zarr_array_read(a, st, shape, NULL, ZARR_UINT64, u2, sizeof u2));
                CHECK(memcmp(u, u2, sizeof u) == 0);

                REQUIRE_OK(zarr_array_create(root, "i64", ZARR_INT64, 1, shape, chunks, NULL, NULL, &b));
                int64_t s[4] = {INT64_MIN, -1, 0, INT64_MAX};
                CHECK_OK(zarr_array_write(b, st, shape, NULL, ZARR_INT64, s, sizeof s));
                uint64_t uu[4] = {7, 7, 7, 7};
                CHECK_ERR(zarr_array_read(b, st, shape, NULL, ZARR_UINT64, uu, sizeof uu), ZARR_ERANGE);
                uint64_t st2[1] = {2};
                CHECK_OK(zarr_array_read(b, st2, c2, NULL, ZARR_UINT64, uu, 2 * sizeof(uint64_t)));
                CHECK(uu[0] == 0 && uu[1] == (uint64_t)INT64_MAX);
                zarr_close(a);
                zarr_close(b);
            }

            /* --- float16: write float32, read float32 / float64 / native half bits --- */
            {
                int64_t a = -1;
                uint64_t shape[2] = {9, 7}, chunks[2] = {4, 4}, st[2] = {0, 0};
                REQUIRE_OK(zarr_array_create(root, "f16", ZARR_FLOAT16, 2, shape, chunks, NULL, NULL, &a));
                float f[63];
                uint16_t bits[63];
                for (int i = 0; i < 63; i++) {
                    f[i] = half_val((uint64_t)i * 13);
                    bits[i] = tu_float_to_half_exact(f[i]);
                }
                CHECK_OK(zarr_array_write(a, st, shape, NULL, ZARR_FLOAT32, f, sizeof f));
                float g[63];
                CHECK_OK(zarr_array_read(a, st, shape, NULL, ZARR_FLOAT32, g, sizeof g));
                CHECK(memcmp(f, g, sizeof f) == 0);
                double d[63];
                CHECK_OK(zarr_array_read(a, st, shape, NULL, ZARR_FLOAT64, d, sizeof d));
                bool ok = true;
                for (int i = 0; i < 63; i++)
                    ok = ok && d[i] == (double)f[i];
                CHECK(ok);
                check_whole(a, ZARR_FLOAT16, 2, shape, (unsigned char *)bits, "float16 native bits");
                /* Integral halves read as int16 where they are integers. */
                uint64_t st1[2] = {0, 0}, ct1[2] = {1, 1};
                int16_t i16 = 99;
                CHECK_OK(zarr_array_read(a, st1, ct1, NULL, ZARR_INT16, &i16, sizeof i16));
                CHECK(i16 == (int16_t)f[0]);
                zarr_close(a);
            }

            /* --- NATIVE equals the array type; int8 <-> uint8 in range --- */
            {
                int64_t a = -1;
                uint64_t shape[1] = {8}, chunks[1] = {3}, st[1] = {0};
                REQUIRE_OK(zarr_array_create(root, "i8", ZARR_INT8, 1, shape, chunks, NULL, NULL, &a));
                uint8_t u[8] = {0, 1, 2, 127, 5, 6, 7, 100};
                CHECK_OK(zarr_array_write(a, st, shape, NULL, ZARR_UINT8, u, sizeof u));
                int8_t s[8];
                CHECK_OK(zarr_array_read(a, st, shape, NULL, ZARR_NATIVE, s, sizeof s));
                bool ok = true;
                for (int i = 0; i < 8; i++)
                    ok = ok && s[i] == (int8_t)u[i];
                CHECK(ok);
                uint8_t bad[8] = {0, 1, 2, 128, 5, 6, 7, 100}; /* 128 does not fit int8 */
                CHECK_ERR(zarr_array_write(a, st, shape, NULL, ZARR_UINT8, bad, sizeof bad), ZARR_ERANGE);
                CHECK_OK(zarr_array_read(a, st, shape, NULL, ZARR_INT8, s, sizeof s));
                ok = true;
                for (int i = 0; i < 8; i++)
                    ok = ok && s[i] == (int8_t)u[i];
                CHECK(ok);
                zarr_close(a);
            }
            /* --- bool holds 0/1: other values do not fit --- */
            {
                int64_t a = -1;
                uint64_t shape[1] = {6}, chunks[1] = {4}, st[1] = {0};
                REQUIRE_OK(zarr_array_create(root, "b", ZARR_BOOL, 1, shape, chunks, NULL, NULL, &a));
                int32_t src[6] = {0, 1, 1, 0, 1, 0};
                CHECK_OK(zarr_array_write(a, st, shape, NULL, ZARR_INT32, src, sizeof src));
                double d[6];
                CHECK_OK(zarr_array_read(a, st, shape, NULL, ZARR_FLOAT64, d, sizeof d));
                uint8_t raw[6];
                CHECK_OK(zarr_array_read(a, st, shape, NULL, ZARR_NATIVE, raw, sizeof raw));
                bool ok = true;
                for (int i = 0; i < 6; i++)
                    ok = ok && d[i] == (double)src[i] && raw[i] == (uint8_t)src[i];
                CHECK(ok);
                int32_t two[6] = {0, 1, 2, 0, 1, 0};
                CHECK_ERR(zarr_array_write(a, st, shape, NULL, ZARR_INT32, two, sizeof two), ZARR_ERANGE);
                double neg[6] = {0, 1, 1, -1, 1, 0};
                CHECK_ERR(zarr_array_write(a, st, shape, NULL, ZARR_FLOAT64, neg, sizeof neg), ZARR_ERANGE);
                CHECK_OK(zarr_array_read(a, st, shape, NULL, ZARR_NATIVE, raw, sizeof raw));
                ok = true;
                for (int i = 0; i < 6; i++)
                    ok = ok && raw[i] == (uint8_t)src[i];
                CHECK(ok);
                zarr_close(a);
            }

            /* --- finite values too large for a narrower float do not fit --- */
            {
                int64_t a = -1, h16 = -1;
                uint64_t shape[1] = {3}, chunks[1] = {3}, st[1] = {0};
                REQUIRE_OK(zarr_array_create(root, "f32", ZARR_FLOAT32, 1, shape, chunks, NULL, NULL, &a));
                double big[3] = {1.0, 1e300, 2.0};
                CHECK_ERR(zarr_array_write(a, st, shape, NULL, ZARR_FLOAT64, big, sizeof big), ZARR_ERANGE);
                /* infinities and NaN are not "too large": they convert */
                double special[3] = {INFINITY, -INFINITY, NAN};
                CHECK_OK(zarr_array_write(a, st, shape, NULL, ZARR_FLOAT64, special, sizeof special));
                float f[3] = {0, 0, 0};
                CHECK_OK(zarr_array_read(a, st, shape, NULL, ZARR_FLOAT32, f, sizeof f));
                CHECK(isinf(f[0]) && f[0] > 0 && isinf(f[1]) && f[1] < 0 && isnan(f[2]));
                REQUIRE_OK(zarr_array_create(root, "h16", ZARR_FLOAT16, 1, shape, chunks, NULL, NULL, &h16));
                float over[3] = {1.0f, 70000.0f, 65504.0f}; /* 65504 is the largest half */
                CHECK_ERR(zarr_array_write(h16, st, shape, NULL, ZARR_FLOAT32, over, sizeof over), ZARR_ERANGE);
                over[1] = -65504.0f;
                CHECK_OK(zarr_array_write(h16, st, shape, NULL, ZARR_FLOAT32, over, sizeof over));
                CHECK_OK(zarr_array_read(h16, st, shape, NULL, ZARR_FLOAT32, f, sizeof f));
                CHECK(f[0] == 1.0f && f[1] == -65504.0f && f[2] == 65504.0f);
                zarr_close(a);
                zarr_close(h16);
            }
            CHECK_OK(zarr_close(root));
            cleanup(&w);
        }
}

/* Two roots on the same memory:// name share the data. */
static void test_memory_shared(void)
{
    char url[256];
    tu_memory_url(url, sizeof url, "shared");
    int64_t r1 = -1, r2 = -1, a1 = -1, a2 = -1;
    int64_t sentinel = 0x5a5a;
    int64_t h = sentinel;
    CHECK_ERR(zarr_open(url, ZARR_READ, &h), ZARR_ENOTFOUND);
    CHECK(h == sentinel);
    CHECK_ERR(zarr_open(url, ZARR_WRITE, &h), ZARR_ENOTFOUND);
    CHECK(h == sentinel);
    REQUIRE_OK(zarr_open(url, ZARR_CREATE, &r1));
    REQUIRE_OK(zarr_open(url, ZARR_WRITE, &r2));
    CHECK(r1 != r2);
    uint64_t shape[2] = {3, 3}, chunks[2] = {2, 2}, st[2] = {0, 0};
    REQUIRE_OK(zarr_array_create(r1, "m", ZARR_FLOAT64, 2, shape, chunks, NULL, NULL, &a1));
    double v[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    CHECK_OK(zarr_array_write(a1, st, shape, NULL, ZARR_FLOAT64, v, sizeof v));
    REQUIRE_OK(zarr_array_open(r2, "m", &a2));
    check_whole(a2, ZARR_FLOAT64, 2, shape, (unsigned char *)v, "memory shared");
    CHECK_OK(zarr_close(a1));
    CHECK_OK(zarr_close(a2));
    CHECK_OK(zarr_close(r1));
    CHECK_OK(zarr_close(r2));
}

/* Sharded arrays: whole, partial and strided round trips; argument errors
 * leave the out-parameter untouched. */
static void test_sharded(void)
{
    char url[256];
    tu_memory_url(url, sizeof url, "sharded");
    int64_t root = -1, a = -1, v2 = -1;
    int64_t sentinel = 0x5a5a, h = sentinel;
    REQUIRE_OK(zarr_open(url, ZARR_CREATE, &root));
    uint64_t shape[2] = {10, 7}, shards[2] = {4, 4}, inner[2] = {2, 2}, bad[2] = {3, 2};
    int32_t fill = -9;
    CHECK_ERR(zarr_array_create_sharded(root, "s", ZARR_INT32, 2, shape, shards, NULL, NULL, &fill, &h), ZARR_EINVAL);
    CHECK_ERR(zarr_array_create_sharded(root, "s", ZARR_INT32, 2, shape, shards, inner, NULL, &fill, NULL), ZARR_EINVAL);
    CHECK_ERR(zarr_array_create_sharded(root, "s", ZARR_INT32, 2, shape, shards, bad, NULL, &fill, &h), ZARR_EMETA);
    CHECK(h == sentinel);
    REQUIRE_OK(zarr_array_create_sharded(root, "s", ZARR_INT32, 2, shape, shards, inner, NULL, &fill, &a));
    int32_t all[70], want[70], got[70];
    for (int i = 0; i < 70; i++)
        all[i] = want[i] = i * 3 - 50;
    uint64_t st[2] = {0, 0};
    CHECK_OK(zarr_array_write(a, st, shape, NULL, ZARR_INT32, all, sizeof all));
    /* A partial write across shard borders, then a strided read. */
    uint64_t pst[2] = {3, 2}, pc[2] = {2, 3};
    int32_t part[6] = {1, 2, 3, 4, 5, 6};
    CHECK_OK(zarr_array_write(a, pst, pc, NULL, ZARR_INT32, part, sizeof part));
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            want[(3 + i) * 7 + 2 + j] = part[i * 3 + j];
    CHECK_OK(zarr_array_read(a, st, shape, NULL, ZARR_INT32, got, sizeof got));
    CHECK(memcmp(got, want, sizeof got) == 0);
    uint64_t sc[2] = {4, 3};
    int64_t stride[2] = {3, 3};
    double strided[12];
    CHECK_OK(zarr_array_read(a, st, sc, stride, ZARR_FLOAT64, strided, sizeof strided));
    int ok = 1;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
            ok &= strided[i * 3 + j] == (double)want[i * 3 * 7 + j * 3];
    CHECK(ok);
    CHECK_OK(zarr_close(a));
    char url2[256];
    tu_memory_url(url2, sizeof url2, "sharded-v2");
    REQUIRE_OK(zarr_open_with_options(url2, ZARR_CREATE, "{\"zarr_format\": 2}", &v2));
    CHECK_ERR(zarr_array_create_sharded(v2, "s", ZARR_INT32, 2, shape, shards, inner, NULL, NULL, &h), ZARR_EUNSUPPORTED);
    CHECK(h == sentinel);
    CHECK_OK(zarr_close(v2));
    CHECK_OK(zarr_close(root));
}

int main(void)
{
    RUN_TEST(test_all_dtypes);
    RUN_TEST(test_1d_shapes);
    RUN_TEST(test_0d);
    RUN_TEST(test_codecs);
    RUN_TEST(test_fill_values);
    RUN_TEST(test_conversions);
    RUN_TEST(test_memory_shared);
    RUN_TEST(test_sharded);
    return TEST_SUMMARY();
}
