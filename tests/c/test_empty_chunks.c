/*
 * test_empty_chunks.c - write_empty_chunks on/off, checked on disk with stat():
 * all-fill chunks are not stored (default), a stored chunk that becomes all
 * fill is deleted, enabling the option stores them; NaN fill values; -0.0 is
 * data when the fill is +0.0.  v3 (<array>/c/i/j) and v2 (<array>/i.j) layouts.
 */
#include "test_util.h"

struct hier {
    int fmt;
    char dir[512];
    char url[1024];
};

static int open_new(struct hier *h, int fmt, int64_t *root)
{
    h->fmt = fmt;
    if (tu_mkdtemp(h->dir, sizeof h->dir) != 0)
        return -100;
    snprintf(h->url, sizeof h->url, "%s/e.zarr", h->dir);
    char opts[64];
    snprintf(opts, sizeof opts, "{\"zarr_format\":%d}", fmt);
    return zarr_open_with_options(h->url, ZARR_CREATE, opts, root);
}

/* Is the 2-d chunk (i, j) of array `arr` on disk? */
static bool chunk_on_disk(const struct hier *h, const char *arr, unsigned i, unsigned j)
{
    char p[2048];
    if (h->fmt == 3)
        snprintf(p, sizeof p, "%s/%s/c/%u/%u", h->url, arr, i, j);
    else
        snprintf(p, sizeof p, "%s/%s/%u.%u", h->url, arr, i, j);
    return tu_exists(p);
}

/* Number of the 4 chunks (2x2 grid) of `arr` on disk, as a bit mask (bit 2*i+j). */
static unsigned chunk_mask(const struct hier *h, const char *arr)
{
    unsigned m = 0;
    for (unsigned i = 0; i < 2; i++)
        for (unsigned j = 0; j < 2; j++)
            if (chunk_on_disk(h, arr, i, j))
                m |= 1u << (2 * i + j);
    return m;
}

#define CHECK_MASK(h, arr, want)                                                               \
    do {                                                                                       \
        unsigned m_ = chunk_mask((h), (arr));                                                  \
        CHECKF(m_ == (unsigned)(want), "v%d %s: chunks on disk mask 0x%x, expected 0x%x",       \
               (h)->fmt, (arr), m_, (unsigned)(want));                                         \
    } while (0)

static void test_int_default_off(void)
{
    for (int fmt = 3; fmt >= 2; fmt--) {
        struct hier h;
        int64_t root = -1, a = -1;
        REQUIRE_OK(open_new(&h, fmt, &root));
        uint64_t shape[2] = {8, 8}, chunks[2] = {4, 4};
        REQUIRE_OK(zarr_array_create(root, "i", ZARR_INT32, 2, shape, chunks, NULL, NULL, &a));
        int en = 7;
        CHECK_OK(zarr_array_get_write_empty_chunks(a, &en));
        CHECK(en == 0);

        int32_t zeros[64] = {0};
        int32_t buf[64];
        uint64_t st00[2] = {0, 0}, c44[2] = {4, 4};
        /* Whole chunk (0,0) of zeros (= fill): not stored. */
        CHECK_OK(zarr_array_write(a, st00, c44, NULL, ZARR_INT32, zeros, 16 * sizeof(int32_t)));
        CHECK_MASK(&h, "i", 0);
        /* One zero element into chunk (0,1): still nothing stored. */
        uint64_t st01[2] = {1, 5}, one[2] = {1, 1};
        int32_t z = 0, v = 42;
        CHECK_OK(zarr_array_write(a, st01, one, NULL, ZARR_INT32, &z, sizeof z));
        CHECK_MASK(&h, "i", 0);
        /* A real value: chunk (0,1) stored. */
        CHECK_OK(zarr_array_write(a, st01, one, NULL, ZARR_INT32, &v, sizeof v));
        CHECK_MASK(&h, "i", 0x2);
        memset(buf, 0x55, sizeof buf);
        CHECK_OK(zarr_array_read(a, st00, shape, NULL, ZARR_INT32, buf, sizeof buf));
        {
            bool ok = true;
            for (int k = 0; k < 64; k++)
                ok = ok && buf[k] == (k == 1 * 8 + 5 ? 42 : 0);
            CHECK(ok);
        }
        /* That element back to fill: the chunk is all fill and is deleted. */
        CHECK_OK(zarr_array_write(a, st01, one, NULL, ZARR_INT32, &z, sizeof z));
        CHECK_MASK(&h, "i", 0);
        memset(buf, 0x55, sizeof buf);
        CHECK_OK(zarr_array_read(a, st00, shape, NULL, ZARR_INT32, buf, sizeof buf));
        CHECK(memcmp(buf, zeros, sizeof buf) == 0);

        /* Whole-array write where chunk (1,1) is all zero. */
        int32_t data[64];
        for (int r = 0; r < 8; r++)
            for (int c = 0; c < 8; c++)
                data[r * 8 + c] = (r >= 4 && c >= 4) ? 0 : r * 8 + c + 1;
        CHECK_OK(zarr_array_write(a, st00, shape, NULL, ZARR_INT32, data, sizeof data));
        CHECK_MASK(&h, "i", 0x7);
        memset(buf, 0x55, sizeof buf);
        CHECK_OK(zarr_array_read(a, st00, shape, NULL, ZARR_INT32, buf, sizeof buf));
        CHECK(memcmp(buf, data, sizeof buf) == 0);
        /* A strided write that zeroes every element of chunk (1,0) (rows 4..7, cols 0..3)
         * in two passes: after the second pass the chunk is deleted. */
        uint64_t s1[2] = {4, 0}, c1[2] = {4, 2};
        int64_t sd[2] = {1, 2};
        CHECK_OK(zarr_array_write(a, s1, c1, sd, ZARR_INT32, zeros, 8 * sizeof(int32_t)));
        CHECK_MASK(&h, "i", 0x7);
        uint64_t s2[2] = {4, 1};
        CHECK_OK(zarr_array_write(a, s2, c1, sd, ZARR_INT32, zeros, 8 * sizeof(int32_t)));
        CHECK_MASK(&h, "i", 0x3);
        for (int r = 4; r < 8; r++)
            for (int c = 0; c < 4; c++)
                data[r * 8 + c] = 0;
        memset(buf, 0x55, sizeof buf);
        CHECK_OK(zarr_array_read(a, st00, shape, NULL, ZARR_INT32, buf, sizeof buf));
        CHECK(memcmp(buf, data, sizeof buf) == 0);
        /* Everything back to fill: every chunk deleted. */
        CHECK_OK(zarr_array_write(a, st00, shape, NULL, ZARR_INT32, zeros, sizeof zeros));
        CHECK_MASK(&h, "i", 0);

        /* Enabled: all-fill chunks are stored. */
        CHECK_OK(zarr_array_set_write_empty_chunks(a, 1));
        en = 7;
        CHECK_OK(zarr_array_get_write_empty_chunks(a, &en));
        CHECK(en == 1);
        uint64_t st10[2] = {4, 0};
        CHECK_OK(zarr_array_write(a, st10, c44, NULL, ZARR_INT32, zeros, 16 * sizeof(int32_t)));
        CHECK_MASK(&h, "i", 0x4);
        CHECK_OK(zarr_array_write(a, st00, shape, NULL, ZARR_INT32, zeros, sizeof zeros));
        CHECK_MASK(&h, "i", 0xf);
        memset(buf, 0x55, sizeof buf);
        CHECK_OK(zarr_array_read(a, st00, shape, NULL, ZARR_INT32, buf, sizeof buf));
        CHECK(memcmp(buf, zeros, sizeof buf) == 0);

        /* A fresh handle on the same array starts with the default (off). */
        int64_t a2 = -1;
        CHECK_OK(zarr_array_open(root, "i", &a2));
        en = 7;
        CHECK_OK(zarr_array_get_write_empty_chunks(a2, &en));
        CHECK(en == 0);
        /* Off again: rewriting fill into stored all-fill chunks deletes them. */
        CHECK_OK(zarr_array_set_write_empty_chunks(a, 0));
        en = 7;
        CHECK_OK(zarr_array_get_write_empty_chunks(a, &en));
        CHECK(en == 0);
        CHECK_OK(zarr_array_write(a, st00, c44, NULL, ZARR_INT32, zeros, 16 * sizeof(int32_t)));
        CHECK_MASK(&h, "i", 0xe);
        CHECK_OK(zarr_array_write(a2, st00, shape, NULL, ZARR_INT32, zeros, sizeof zeros));
        CHECK_MASK(&h, "i", 0);
        zarr_close(a2);
        zarr_close(a);
        zarr_close(root);
        tu_rmtree(h.dir);
    }
}

static void test_nonzero_fill(void)
{
    for (int fmt = 3; fmt >= 2; fmt--) {
        struct hier h;
        int64_t root = -1, a = -1;
        REQUIRE_OK(open_new(&h, fmt, &root));
        uint64_t shape[2] = {8, 8}, chunks[2] = {4, 4}, st[2] = {0, 0};
        float fill = -999.0f;
        REQUIRE_OK(zarr_array_create(root, "f", ZARR_FLOAT32, 2, shape, chunks, NULL, &fill, &a));
        float data[64];
        for (int k = 0; k < 64; k++)
            data[k] = -999.0f;
        CHECK_OK(zarr_array_write(a, st, shape, NULL, ZARR_FLOAT32, data, sizeof data));
        CHECK_MASK(&h, "f", 0);
        /* Zero is data when the fill is -999. */
        data[0] = 0.0f;
        data[63] = 0.0f;
        CHECK_OK(zarr_array_write(a, st, shape, NULL, ZARR_FLOAT32, data, sizeof data));
        CHECK_MASK(&h, "f", 0x9);
        float buf[64];
        CHECK_OK(zarr_array_read(a, st, shape, NULL, ZARR_FLOAT32, buf, sizeof buf));
        CHECK(memcmp(buf, data, sizeof buf) == 0);
        /* Conversion on write: -999 as int32 is the fill too. */
        int32_t ifill[16];
        for (int k = 0; k < 16; k++)
            ifill[k] = -999;
        uint64_t c44[2] = {4, 4};
        CHECK_OK(zarr_array_write(a, st, c44, NULL, ZARR_INT32, ifill, sizeof ifill));
        CHECK_MASK(&h, "f", 0x8);
        zarr_close(a);
        zarr_close(root);
        tu_rmtree(h.dir);
    }
}

static void test_nan_fill(void)
{
    for (int fmt = 3; fmt >= 2; fmt--) {
        struct hier h;
        int64_t root = -1, a = -1, b = -1;
        REQUIRE_OK(open_new(&h, fmt, &root));
        uint64_t shape[2] = {8, 8}, chunks[2] = {4, 4}, st[2] = {0, 0};
        double nan = NAN;
        REQUIRE_OK(zarr_array_create(root, "d", ZARR_FLOAT64, 2, shape, chunks, NULL, &nan, &a));
        double buf[64];
        /* Unwritten: NaN. */
        memset(buf, 0, sizeof buf);
        CHECK_OK(zarr_array_read(a, st, shape, NULL, ZARR_FLOAT64, buf, sizeof buf));
        {
            bool ok = true;
            for (int k = 0; k < 64; k++)
                ok = ok && isnan(buf[k]);
            CHECK(ok);
        }
        double data[64];
        for (int k = 0; k < 64; k++)
            data[k] = NAN;
        CHECK_OK(zarr_array_write(a, st, shape, NULL, ZARR_FLOAT64, data, sizeof data));
        CHECK_MASK(&h, "d", 0);
        /* One real number in chunk (1,1). */
        data[7 * 8 + 7] = 1.0;
        CHECK_OK(zarr_array_write(a, st, shape, NULL, ZARR_FLOAT64, data, sizeof data));
        CHECK_MASK(&h, "d", 0x8);
        memset(buf, 0, sizeof buf);
        CHECK_OK(zarr_array_read(a, st, shape, NULL, ZARR_FLOAT64, buf, sizeof buf));
        {
            bool ok = true;
            for (int k = 0; k < 63; k++)
                ok = ok && isnan(buf[k]);
            CHECK(ok && buf[63] == 1.0);
        }
        /* Back to NaN: deleted. */
        uint64_t s77[2] = {7, 7}, one[2] = {1, 1};
        CHECK_OK(zarr_array_write(a, s77, one, NULL, ZARR_FLOAT64, &nan, sizeof nan));
        CHECK_MASK(&h, "d", 0);
        /* NaN fill in metadata, per format. */
        char p[2048];
        snprintf(p, sizeof p, "%s/d/%s", h.url, fmt == 3 ? "zarr.json" : ".zarray");
        char *meta = tu_read_file(p, NULL);
        CHECK(meta != NULL);
        if (meta) {
            tu_json_compact(meta);
            CHECKF(strstr(meta, "\"fill_value\":\"NaN\"") != NULL, "%s", meta);
            free(meta);
        }

        /* float32 NaN fill, written through float64 memory (all NaN again). */
        data[7 * 8 + 7] = NAN;
        float fnan = NAN;
        REQUIRE_OK(zarr_array_create(root, "f", ZARR_FLOAT32, 2, shape, chunks, NULL, &fnan, &b));
        CHECK_OK(zarr_array_write(b, st, shape, NULL, ZARR_FLOAT64, data, sizeof data));
        CHECK_MASK(&h, "f", 0);
        data[0] = 2.5; /* one number in chunk (0,0) */
        CHECK_OK(zarr_array_write(b, st, shape, NULL, ZARR_FLOAT64, data, sizeof data));
        CHECK_MASK(&h, "f", 0x1);
        float f0 = 0;
        CHECK_OK(zarr_array_read(b, st, one, NULL, ZARR_FLOAT32, &f0, sizeof f0));
        CHECK(f0 == 2.5f);
        zarr_close(a);
        zarr_close(b);
        zarr_close(root);
        tu_rmtree(h.dir);
    }
}

static void test_negative_zero_is_data(void)
{
    for (int fmt = 3; fmt >= 2; fmt--) {
        struct hier h;
        int64_t root = -1, a = -1, b = -1;
        REQUIRE_OK(open_new(&h, fmt, &root));
        uint64_t shape[2] = {8, 8}, chunks[2] = {4, 4}, st[2] = {0, 0}, c44[2] = {4, 4};
        double zero = 0.0;
        REQUIRE_OK(zarr_array_create(root, "d", ZARR_FLOAT64, 2, shape, chunks, NULL, &zero, &a));
        double nz[16];
        for (int k = 0; k < 16; k++)
            nz[k] = -0.0;
        CHECK_OK(zarr_array_write(a, st, c44, NULL, ZARR_FLOAT64, nz, sizeof nz));
        CHECK_MASK(&h, "d", 0x1);
        double buf[16];
        memset(buf, 0, sizeof buf);
        CHECK_OK(zarr_array_read(a, st, c44, NULL, ZARR_FLOAT64, buf, sizeof buf));
        {
            bool ok = true;
            for (int k = 0; k < 16; k++)
                ok = ok && buf[k] == 0.0 && signbit(buf[k]);
            CHECK(ok);
        }
        /* +0.0: all fill again, deleted. */
        double pz[16] = {0};
        CHECK_OK(zarr_array_write(a, st, c44, NULL, ZARR_FLOAT64, pz, sizeof pz));
        CHECK_MASK(&h, "d", 0);

        /* float32, single element of -0.0 in an otherwise unwritten chunk. */
        REQUIRE_OK(zarr_array_create(root, "f", ZARR_FLOAT32, 2, shape, chunks, "[]", NULL, &b));
        float fnz = -0.0f;
        uint64_t s[2] = {5, 6}, one[2] = {1, 1};
        CHECK_OK(zarr_array_write(b, s, one, NULL, ZARR_FLOAT32, &fnz, sizeof fnz));
        CHECK_MASK(&h, "f", 0x8);
        float got = 1.0f;
        CHECK_OK(zarr_array_read(b, s, one, NULL, ZARR_FLOAT32, &got, sizeof got));
        CHECK(got == 0.0f && signbit(got));
        zarr_close(a);
        zarr_close(b);
        zarr_close(root);
        tu_rmtree(h.dir);
    }
}

/* Edge chunks: "all fill" means the part inside the array. */
static void test_edge_chunk(void)
{
    for (int fmt = 3; fmt >= 2; fmt--) {
        struct hier h;
        int64_t root = -1, a = -1;
        REQUIRE_OK(open_new(&h, fmt, &root));
        uint64_t shape[2] = {6, 6}, chunks[2] = {4, 4}, st[2] = {0, 0};
        int16_t fill = 3;
        REQUIRE_OK(zarr_array_create(root, "e", ZARR_INT16, 2, shape, chunks, NULL, &fill, &a));
        int16_t d[36];
        for (int k = 0; k < 36; k++)
            d[k] = 3;
        d[5 * 6 + 5] = 4; /* the only non-fill element, in edge chunk (1,1) */
        CHECK_OK(zarr_array_write(a, st, shape, NULL, ZARR_INT16, d, sizeof d));
        CHECK_MASK(&h, "e", 0x8);
        d[5 * 6 + 5] = 3;
        CHECK_OK(zarr_array_write(a, st, shape, NULL, ZARR_INT16, d, sizeof d));
        CHECK_MASK(&h, "e", 0);
        zarr_close(a);
        zarr_close(root);
        tu_rmtree(h.dir);
    }
}

int main(void)
{
    RUN_TEST(test_int_default_off);
    RUN_TEST(test_nonzero_fill);
    RUN_TEST(test_nan_fill);
    RUN_TEST(test_negative_zero_is_data);
    RUN_TEST(test_edge_chunk);
    return TEST_SUMMARY();
}
