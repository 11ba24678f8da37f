/*
 * test_bad_input.c - every way of calling the API wrongly must fail cleanly:
 * the documented status, a non-empty zarr_last_error(), out-parameters left
 * as they were (sentinels), and no crash.  Covers NULL pointers for every
 * pointer argument, bad modes / type codes / options, closed, made-up and
 * wrong-kind handles, double close, out-of-bounds selections (including
 * overflowing ones), zero/negative strides, short buffers, writes to
 * read-only hierarchies, missing nodes, malformed or unsupported metadata
 * written by hand, and truncated / garbage chunk files (ZARR_ECODEC naming
 * the chunk key).
 */
#include "test_util.h"

#define SENT ((int64_t)0x5EED5EED5EED5EEDll)
#define ISENT (-12345)

struct fixture {
    char dir[512];
    char url[1024];
    int64_t root, group, arr;
};

/* A v3 filesystem hierarchy with group "g" and int32 array "a" [10,10] / [4,4]
 * holding a[i][j] = i*10+j. */
static int fixture_open(struct fixture *f, int fmt)
{
    f->root = f->group = f->arr = -1;
    if (tu_mkdtemp(f->dir, sizeof f->dir) != 0)
        return -100;
    snprintf(f->url, sizeof f->url, "%s/bad.zarr", f->dir);
    char opts[64];
    snprintf(opts, sizeof opts, "{\"zarr_format\":%d}", fmt);
    int rc = zarr_open_with_options(f->url, ZARR_CREATE, opts, &f->root);
    if (rc)
        return rc;
    if ((rc = zarr_group_create(f->root, "g", NULL, &f->group)))
        return rc;
    uint64_t shape[2] = {10, 10}, chunks[2] = {4, 4}, st[2] = {0, 0};
    if ((rc = zarr_array_create(f->root, "a", ZARR_INT32, 2, shape, chunks, NULL, NULL, &f->arr)))
        return rc;
    int32_t v[100];
    for (int i = 0; i < 100; i++)
        v[i] = i;
    return zarr_array_write(f->arr, st, shape, NULL, ZARR_INT32, v, sizeof v);
}

static void fixture_close(struct fixture *f)
{
    if (f->arr >= 0)
        zarr_close(f->arr);
    if (f->group >= 0)
        zarr_close(f->group);
    if (f->root >= 0)
        zarr_close(f->root);
    tu_rmtree(f->dir);
}

/* The fixture array still holds i*10+j everywhere. */
static void check_fixture_data(int64_t arr, const char *what)
{
    uint64_t shape[2] = {10, 10}, st[2] = {0, 0};
    int32_t v[100];
    int rc = zarr_array_read(arr, st, shape, NULL, ZARR_INT32, v, sizeof v);
    CHECKF(rc == ZARR_OK, "%s: read %d: %s", what, rc, tu_last_error());
    bool ok = rc == ZARR_OK;
    for (int i = 0; ok && i < 100; i++)
        ok = v[i] == i;
    CHECKF(ok, "%s: array data changed", what);
}

static const char *V3_GOOD =
    "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":[4,4],\"data_type\":\"int16\","
    "\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{\"chunk_shape\":[2,2]}},"
    "\"chunk_key_encoding\":{\"name\":\"default\",\"configuration\":{\"separator\":\"/\"}},"
    "\"fill_value\":0,\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]}";

/* ------------------------------------------------------------ NULL pointers */

static void test_null_pointers(void)
{
    struct fixture f;
    REQUIRE_OK(fixture_open(&f, 3));
    int64_t h = SENT;
    int iv = ISENT;
    uint64_t shape[2] = {10, 10}, chunks[2] = {4, 4}, st[2] = {0, 0}, ct[2] = {2, 2};
    int32_t buf[4] = {0};
    char newurl[1100];
    snprintf(newurl, sizeof newurl, "%s/new.zarr", f.dir);

    /* zarr_open / zarr_open_with_options */
    CHECK_ERR(zarr_open(NULL, ZARR_CREATE, &h), ZARR_EINVAL);
    CHECK(h == SENT);
    CHECK_ERR(zarr_open(newurl, ZARR_CREATE, NULL), ZARR_EINVAL);
    CHECKF(!tu_exists(newurl), "zarr_open(.., NULL) still created %s", newurl);
    CHECK_ERR(zarr_open(f.url, ZARR_READ, NULL), ZARR_EINVAL);
    CHECK_ERR(zarr_open_with_options(NULL, ZARR_CREATE, NULL, &h), ZARR_EINVAL);
    CHECK(h == SENT);
    CHECK_ERR(zarr_open_with_options(newurl, ZARR_CREATE, "{\"zarr_format\":2}", NULL), ZARR_EINVAL);
    CHECK(!tu_exists(newurl));

    /* groups */
    CHECK_ERR(zarr_group_create(f.root, NULL, NULL, &h), ZARR_EINVAL);
    CHECK(h == SENT);
    CHECK_ERR(zarr_group_create(f.root, "ng", NULL, NULL), ZARR_EINVAL);
    CHECK_ERR(zarr_group_create(f.root, "ng2", "{\"a\":1}", NULL), ZARR_EINVAL);
    CHECK_ERR(zarr_group_open(f.root, "ng", &h), ZARR_ENOTFOUND); /* nothing was created */
    CHECK_ERR(zarr_group_open(f.root, "ng2", &h), ZARR_ENOTFOUND);
    CHECK(h == SENT);
    CHECK_ERR(zarr_group_open(f.root, NULL, &h), ZARR_EINVAL);
    CHECK(h == SENT);
    CHECK_ERR(zarr_group_open(f.root, "g", NULL), ZARR_EINVAL);

    /* arrays */
    const char *meta = "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":[4],\"data_type\":\"int32\","
                       "\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{\"chunk_shape\":[2]}},"
                       "\"chunk_key_encoding\":{\"name\":\"default\",\"configuration\":{\"separator\":\"/\"}},"
                       "\"fill_value\":0,\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]}";
    CHECK_ERR(zarr_array_create_json(f.root, NULL, meta, &h), ZARR_EINVAL);
    CHECK_ERR(zarr_array_create_json(f.root, "j", NULL, &h), ZARR_EINVAL);
    CHECK(h == SENT);
    CHECK_ERR(zarr_array_create_json(f.root, "j", meta, NULL), ZARR_EINVAL);
    CHECK_ERR(zarr_array_open(f.root, "j", &h), ZARR_ENOTFOUND);
    CHECK(h == SENT);

    CHECK_ERR(zarr_array_create(f.root, NULL, ZARR_INT32, 2, shape, chunks, NULL, NULL, &h), ZARR_EINVAL);
    CHECK_ERR(zarr_array_create(f.root, "n1", ZARR_INT32, 2, NULL, chunks, NULL, NULL, &h), ZARR_EINVAL);
    CHECK_ERR(zarr_array_create(f.root, "n2", ZARR_INT32, 2, shape, NULL, NULL, NULL, &h), ZARR_EINVAL);
    CHECK_ERR(zarr_array_create(f.root, "n3", ZARR_INT32, 2, shape, chunks, NULL, NULL, NULL), ZARR_EINVAL);
    CHECK(h == SENT);
    CHECK_ERR(zarr_array_open(f.root, "n3", &h), ZARR_ENOTFOUND);
    CHECK_ERR(zarr_array_open(f.root, NULL, &h), ZARR_EINVAL);
    CHECK_ERR(zarr_array_open(f.root, "a", NULL), ZARR_EINVAL);
    CHECK(h == SENT);

    /* array queries */
    CHECK_ERR(zarr_array_ndim(f.arr, NULL), ZARR_EINVAL);
    CHECK_ERR(zarr_array_shape(f.arr, NULL), ZARR_EINVAL);
    CHECK_ERR(zarr_array_chunk_shape(f.arr, NULL), ZARR_EINVAL);
    CHECK_ERR(zarr_array_dtype(f.arr, NULL), ZARR_EINVAL);
    CHECK_ERR(zarr_array_get_write_empty_chunks(f.arr, NULL), ZARR_EINVAL);

    /* read / write */
    CHECK_ERR(zarr_array_read(f.arr, NULL, ct, NULL, ZARR_INT32, buf, sizeof buf), ZARR_EINVAL);
    CHECK_ERR(zarr_array_read(f.arr, st, NULL, NULL, ZARR_INT32, buf, sizeof buf), ZARR_EINVAL);
    CHECK_ERR(zarr_array_read(f.arr, st, ct, NULL, ZARR_INT32, NULL, sizeof buf), ZARR_EINVAL);
    CHECK_ERR(zarr_array_write(f.arr, NULL, ct, NULL, ZARR_INT32, buf, sizeof buf), ZARR_EINVAL);
    CHECK_ERR(zarr_array_write(f.arr, st, NULL, NULL, ZARR_INT32, buf, sizeof buf), ZARR_EINVAL);
    CHECK_ERR(zarr_array_write(f.arr, st, ct, NULL, ZARR_INT32, NULL, sizeof buf), ZARR_EINVAL);
    check_fixture_data(f.arr, "after NULL writes");

    /* attributes / list: buf NULL with buf_len > 0 is invalid, json NULL is invalid */
    size_t needed = 999;
    CHECK_ERR(zarr_attrs_get(f.arr, NULL, 16, &needed), ZARR_EINVAL);
    CHECK(needed == 999);
    CHECK_ERR(zarr_attrs_set(f.arr, NULL), ZARR_EINVAL);
    CHECK_ERR(zarr_attrs_set(f.root, NULL), ZARR_EINVAL);
    CHECK_ERR(zarr_list(f.root, NULL, 16, &needed), ZARR_EINVAL);
    CHECK(needed == 999);
    /* ... but the documented NULLs are fine */
    CHECK_OK(zarr_attrs_get(f.arr, NULL, 0, NULL));
    CHECK_OK(zarr_attrs_get(f.arr, NULL, 0, &needed));
    CHECK(needed >= 3); /* at least "{}" + NUL */
    char small[8];
    CHECK_OK(zarr_list(f.root, small, sizeof small, NULL));
    CHECK(strlen(small) < sizeof small);

    /* NULL strings where NULL is allowed */
    int64_t g2 = -1;
    CHECK_OK(zarr_group_create(f.root, "attrs_null", NULL, &g2));
    CHECK_OK(zarr_close(g2));
    CHECK(iv == ISENT);
    fixture_close(&f);
}

/* ------------------------------------------------------ bad codes / options */

static void test_bad_codes(void)
{
    struct fixture f;
    REQUIRE_OK(fixture_open(&f, 3));
    int64_t h = SENT;
    char newurl[1100];
    snprintf(newurl, sizeof newurl, "%s/new.zarr", f.dir);

    /* modes */
    int modes[] = {-1, 3, 4, 99, -2147483647 - 1};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        CHECK_ERR(zarr_open(f.url, modes[i], &h), ZARR_EINVAL);
        CHECK_ERR(zarr_open(newurl, modes[i], &h), ZARR_EINVAL);
        CHECK(h == SENT);
    }
    CHECK(!tu_exists(newurl));

    /* options */
    CHECK_ERR(zarr_open_with_options(newurl, ZARR_CREATE, "{\"zarr_format\":4}", &h), ZARR_EINVAL);
    CHECK_ERR(zarr_open_with_options(newurl, ZARR_CREATE, "{\"zarr_format\":\"3\"}", &h), ZARR_EINVAL);
    CHECK_ERR(zarr_open_with_options(newurl, ZARR_CREATE, "{\"no_such_option\":1}", &h), ZARR_EINVAL);
    CHECK_FAILS(zarr_open_with_options(newurl, ZARR_CREATE, "{\"zarr_format\":", &h));
    CHECK_FAILS(zarr_open_with_options(newurl, ZARR_CREATE, "[2]", &h));
    CHECK(h == SENT);
    CHECK(!tu_exists(newurl));

    /* data type codes for array creation: ETYPE */
    uint64_t shape[2] = {10, 10}, chunks[2] = {4, 4}, st[2] = {0, 0}, ct[2] = {2, 2};
    int dtypes[] = {ZARR_NATIVE, 19, -1, 100} /* 13..18 are the string, bytes and time codes */;
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++) {
        CHECK_ERR(zarr_array_create(f.root, "bt", dtypes[i], 2, shape, chunks, NULL, NULL, &h), ZARR_ETYPE);
        CHECK(h == SENT);
    }
    CHECK_ERR(zarr_array_open(f.root, "bt", &h), ZARR_ENOTFOUND);

    /* memory type codes for read/write: ETYPE */
    int32_t buf[64] = {0};
    int mtypes[] = {13, -1, 255};
    for (size_t i = 0; i < sizeof mtypes / sizeof mtypes[0]; i++) {
        CHECK_ERR(zarr_array_read(f.arr, st, ct, NULL, mtypes[i], buf, sizeof buf), ZARR_ETYPE);
        CHECK_ERR(zarr_array_write(f.arr, st, ct, NULL, mtypes[i], buf, sizeof buf), ZARR_ETYPE);
    }
    check_fixture_data(f.arr, "after bad memory types");

    /* bad ndim / shapes */
    CHECK_ERR(zarr_array_create(f.root, "nd", ZARR_INT32, -1, shape, chunks, NULL, NULL, &h), ZARR_EINVAL);
    uint64_t zero_chunk[2] = {4, 0};
    CHECK_FAILS(zarr_array_create(f.root, "zc", ZARR_INT32, 2, shape, zero_chunk, NULL, NULL, &h));
    CHECK(h == SENT);

    /* codec lists */
    CHECK_FAILS(zarr_array_create(f.root, "c1", ZARR_INT32, 2, shape, chunks, "[{", NULL, &h));
    CHECK_FAILS(zarr_array_create(f.root, "c2", ZARR_INT32, 2, shape, chunks, "{\"name\":\"zstd\"}", NULL, &h));
    CHECK_ERR(zarr_array_create(f.root, "c3", ZARR_INT32, 2, shape, chunks, "[{\"name\":\"frobnicate\"}]", NULL, &h),
              ZARR_EUNSUPPORTED);
    CHECKF(strstr(zarr_last_error(), "frobnicate") != NULL, "message \"%s\" does not name the codec",
           zarr_last_error());
    CHECK(h == SENT);
    CHECK_ERR(zarr_array_open(f.root, "c3", &h), ZARR_ENOTFOUND);

    /* bad thread count */
    CHECK_ERR(zarr_set_num_threads(-5), ZARR_EINVAL);
    fixture_close(&f);
}

/* ---------------------------------------------------------------- handles */

/* Every handle-taking function must give ZARR_EBADID for handle `bad`,
 * leaving out-parameters alone. */
static void check_all_ebadid(int64_t bad, const char *what)
{
    int64_t h = SENT;
    int iv = ISENT;
    uint64_t shp[2] = {7, 7}, st[2] = {0, 0}, ct[2] = {1, 1};
    int32_t buf[4] = {0};
    char text[32] = "untouched";
    size_t needed = 4242;
    int before = atomic_load(&tu_failed);

    CHECK_ERR(zarr_close(bad), ZARR_EBADID);
    CHECK_ERR(zarr_group_create(bad, "x", NULL, &h), ZARR_EBADID);
    CHECK_ERR(zarr_group_open(bad, "x", &h), ZARR_EBADID);
    CHECK_ERR(zarr_array_create(bad, "x", ZARR_INT32, 2, shp, shp, NULL, NULL, &h), ZARR_EBADID);
    CHECK_ERR(zarr_array_create_json(bad, "x", V3_GOOD, &h), ZARR_EBADID);
    CHECK_ERR(zarr_array_open(bad, "x", &h), ZARR_EBADID);
    CHECK(h == SENT);
    CHECK_ERR(zarr_array_ndim(bad, &iv), ZARR_EBADID);
    CHECK_ERR(zarr_array_dtype(bad, &iv), ZARR_EBADID);
    CHECK(iv == ISENT);
    CHECK_ERR(zarr_array_shape(bad, shp), ZARR_EBADID);
    CHECK_ERR(zarr_array_chunk_shape(bad, shp), ZARR_EBADID);
    CHECK(shp[0] == 7 && shp[1] == 7);
    CHECK_ERR(zarr_array_read(bad, st, ct, NULL, ZARR_INT32, buf, sizeof buf), ZARR_EBADID);
    CHECK_ERR(zarr_array_write(bad, st, ct, NULL, ZARR_INT32, buf, sizeof buf), ZARR_EBADID);
    CHECK_ERR(zarr_array_set_write_empty_chunks(bad, 1), ZARR_EBADID);
    CHECK_ERR(zarr_array_get_write_empty_chunks(bad, &iv), ZARR_EBADID);
    CHECK(iv == ISENT);
    CHECK_ERR(zarr_attrs_get(bad, text, sizeof text, &needed), ZARR_EBADID);
    CHECK(needed == 4242);
    CHECK_ERR(zarr_attrs_set(bad, "{}"), ZARR_EBADID);
    CHECK_ERR(zarr_list(bad, text, sizeof text, &needed), ZARR_EBADID);
    CHECK(needed == 4242);
    if (atomic_load(&tu_failed) != before)
        fprintf(stderr, "   (the failures above were for handle %" PRId64 ": %s)\n", bad, what);
}

static void test_bad_handles(void)
{
    struct fixture f;
    REQUIRE_OK(fixture_open(&f, 3));

    /* made-up handles */
    check_all_ebadid(123456789, "made up");
    check_all_ebadid(-1, "negative");
    check_all_ebadid(INT64_MAX, "INT64_MAX");
    check_all_ebadid(INT64_MIN, "INT64_MIN");

    /* closed handles, and double close */
    int64_t a2 = -1, g2 = -1, r2 = -1;
    REQUIRE_OK(zarr_array_open(f.root, "a", &a2));
    REQUIRE_OK(zarr_group_open(f.root, "g", &g2));
    REQUIRE_OK(zarr_open(f.url, ZARR_WRITE, &r2));
    CHECK(a2 != f.arr && g2 != f.group && r2 != f.root);
    CHECK_OK(zarr_close(a2));
    CHECK_ERR(zarr_close(a2), ZARR_EBADID);
    CHECK_OK(zarr_close(g2));
    CHECK_ERR(zarr_close(g2), ZARR_EBADID);
    CHECK_OK(zarr_close(r2));
    CHECK_ERR(zarr_close(r2), ZARR_EBADID);
    check_all_ebadid(a2, "closed array");
    check_all_ebadid(g2, "closed group");
    check_all_ebadid(r2, "closed root");
    /* the other handles to the same nodes are unaffected */
    check_fixture_data(f.arr, "after closing another handle");

    /* wrong kind: array functions on groups, group functions on arrays */
    int iv = ISENT;
    int64_t h = SENT;
    uint64_t shp[2] = {9, 9}, st[2] = {0, 0}, ct[2] = {1, 1};
    int32_t buf[1];
    size_t needed = 4242;
    char text[32];
    CHECK_ERR(zarr_array_ndim(f.group, &iv), ZARR_EBADID);
    CHECK_ERR(zarr_array_ndim(f.root, &iv), ZARR_EBADID);
    CHECK_ERR(zarr_array_dtype(f.group, &iv), ZARR_EBADID);
    CHECK_ERR(zarr_array_get_write_empty_chunks(f.group, &iv), ZARR_EBADID);
    CHECK(iv == ISENT);
    CHECK_ERR(zarr_array_shape(f.group, shp), ZARR_EBADID);
    CHECK_ERR(zarr_array_chunk_shape(f.group, shp), ZARR_EBADID);
    CHECK(shp[0] == 9);
    CHECK_ERR(zarr_array_read(f.group, st, ct, NULL, ZARR_INT32, buf, sizeof buf), ZARR_EBADID);
    CHECK_ERR(zarr_array_write(f.group, st, ct, NULL, ZARR_INT32, buf, sizeof buf), ZARR_EBADID);
    CHECK_ERR(zarr_array_set_write_empty_chunks(f.root, 1), ZARR_EBADID);
    CHECK_ERR(zarr_group_create(f.arr, "x", NULL, &h), ZARR_EBADID);
    CHECK_ERR(zarr_group_open(f.arr, "x", &h), ZARR_EBADID);
    CHECK_ERR(zarr_array_open(f.arr, "x", &h), ZARR_EBADID);
    uint64_t s2[2] = {2, 2};
    CHECK_ERR(zarr_array_create(f.arr, "x", ZARR_INT32, 2, s2, s2, NULL, NULL, &h), ZARR_EBADID);
    CHECK(h == SENT);
    CHECK_ERR(zarr_list(f.arr, text, sizeof text, &needed), ZARR_EBADID);
    CHECK(needed == 4242);

    /* handles are never reused */
    enum { N = 50 };
    int64_t ids[N];
    int got = 0;
    for (int i = 0; i < N; i++) {
        int64_t x = -1;
        if (zarr_array_open(f.root, "a", &x) != ZARR_OK)
            break;
        ids[got++] = x;
        if (i % 2 == 0)
            CHECK_OK(zarr_close(x));
    }
    CHECK(got == N);
    bool unique = true;
    for (int i = 0; i < got; i++)
        for (int j = i + 1; j < got; j++)
            unique = unique && ids[i] != ids[j];
    CHECK(unique);
    CHECK(ids[0] != f.arr && ids[0] != f.root && ids[0] != f.group);
    for (int i = 0; i < got; i++) {
        if (i % 2 == 0) {
            CHECK_ERR(zarr_array_ndim(ids[i], &iv), ZARR_EBADID);
        } else {
            iv = ISENT;
            CHECK_OK(zarr_array_ndim(ids[i], &iv));
            CHECK(iv == 2);
            CHECK_OK(zarr_close(ids[i]));
        }
    }
    fixture_close(&f);
}

/* ------------------------------------------------------------- selections */

static void test_bad_selections(void)
{
    struct fixture f;
    REQUIRE_OK(fixture_open(&f, 3));
    int32_t buf[400];
    int64_t a = f.arr;
    struct {
        uint64_t st[2], ct[2];
        int64_t sd[2];
        bool use_sd;
    } oob[] = {
        {{10, 0}, {1, 1}, {1, 1}, false},              /* start == shape */
        {{0, 11}, {1, 1}, {1, 1}, false},              /* start past shape */
        {{8, 8}, {3, 1}, {1, 1}, false},               /* end past shape */
        {{0, 0}, {11, 10}, {1, 1}, false},             /* count larger than shape */
        {{0, 0}, {5, 1}, {3, 1}, true},                /* 0,3,6,9,12: last outside */
        {{1, 0}, {2, 1}, {9, 1}, true},                /* 1,10 */
        {{UINT64_MAX, 0}, {2, 1}, {1, 1}, false},      /* start + count overflows */
        {{UINT64_MAX - 1, 0}, {1, 1}, {1, 1}, false},  /* huge start */
        {{0, 0}, {2, 1}, {INT64_MAX, 1}, true},        /* (count-1)*stride huge */
        {{5, 0}, {3, 1}, {INT64_MAX, 1}, true},        /* overflows u64 */
    };
    for (size_t i = 0; i < sizeof oob / sizeof oob[0]; i++) {
        int rr = zarr_array_read(a, oob[i].st, oob[i].ct, oob[i].use_sd ? oob[i].sd : NULL, ZARR_INT32, buf,
                                 sizeof buf);
        CHECKF(rr == ZARR_EBOUNDS && tu_has_error_message(), "oob read case %zu: got %d: %s", i, rr,
               tu_last_error());
        int rw = zarr_array_write(a, oob[i].st, oob[i].ct, oob[i].use_sd ? oob[i].sd : NULL, ZARR_INT32, buf,
                                  sizeof buf);
        CHECKF(rw == ZARR_EBOUNDS && tu_has_error_message(), "oob write case %zu: got %d: %s", i, rw,
               tu_last_error());
    }
    /* Huge counts: must fail (bounds or size) and not crash or allocate wildly. */
    uint64_t zst[2] = {0, 0}, huge[2] = {UINT64_MAX, UINT64_MAX};
    CHECK_FAILS(zarr_array_read(a, zst, huge, NULL, ZARR_INT32, buf, sizeof buf));
    CHECK_FAILS(zarr_array_write(a, zst, huge, NULL, ZARR_INT32, buf, sizeof buf));
    check_fixture_data(a, "after out-of-bounds writes");

    /* zero / negative strides */
    uint64_t st[2] = {0, 0}, ct[2] = {2, 2};
    int64_t bad_strides[][2] = {{0, 1}, {1, 0}, {-1, 1}, {1, -2}, {INT64_MIN, 1}};
    for (size_t i = 0; i < sizeof bad_strides / sizeof bad_strides[0]; i++) {
        CHECK_ERR(zarr_array_read(a, st, ct, bad_strides[i], ZARR_INT32, buf, sizeof buf), ZARR_EINVAL);
        CHECK_ERR(zarr_array_write(a, st, ct, bad_strides[i], ZARR_INT32, buf, sizeof buf), ZARR_EINVAL);
    }
    check_fixture_data(a, "after bad-stride writes");

    /* buffer too small: 2x2 int32 = 16 bytes */
    CHECK_ERR(zarr_array_read(a, st, ct, NULL, ZARR_INT32, buf, 15), ZARR_EINVAL);
    CHECK_ERR(zarr_array_read(a, st, ct, NULL, ZARR_NATIVE, buf, 0), ZARR_EINVAL);
    CHECK_ERR(zarr_array_write(a, st, ct, NULL, ZARR_INT32, buf, 12), ZARR_EINVAL);
    /* ... counted in the memory type, not the stored type: 4 doubles = 32 bytes */
    CHECK_ERR(zarr_array_read(a, st, ct, NULL, ZARR_FLOAT64, buf, 16), ZARR_EINVAL);
    CHECK_ERR(zarr_array_write(a, st, ct, NULL, ZARR_INT64, buf, 31), ZARR_EINVAL);
    CHECK_ERR(zarr_array_write(a, st, ct, NULL, ZARR_UINT8, buf, 3), ZARR_EINVAL);
    check_fixture_data(a, "after short-buffer writes");
    /* exact and larger buffers are fine */
    CHECK_OK(zarr_array_read(a, st, ct, NULL, ZARR_INT32, buf, 16));
    CHECK(buf[0] == 0 && buf[1] == 1 && buf[2] == 10 && buf[3] == 11);
    CHECK_OK(zarr_array_read(a, st, ct, NULL, ZARR_INT8, buf, 4));
    CHECK_OK(zarr_array_read(a, st, ct, NULL, ZARR_INT32, buf, sizeof buf));
    fixture_close(&f);
}

/* ------------------------------------------------ read-only / missing / exists */

static void test_read_only(void)
{
    struct fixture f;
    REQUIRE_OK(fixture_open(&f, 3));
    int64_t ro = -1, rog = -1, roa = -1, h = SENT;
    REQUIRE_OK(zarr_open(f.url, ZARR_READ, &ro));
    REQUIRE_OK(zarr_group_open(ro, "g", &rog));
    REQUIRE_OK(zarr_array_open(ro, "a", &roa));
    uint64_t shape[2] = {10, 10}, st[2] = {0, 0}, ct[2] = {2, 2};
    int32_t buf[4] = {-1, -2, -3, -4};

    CHECK_ERR(zarr_array_write(roa, st, ct, NULL, ZARR_INT32, buf, sizeof buf), ZARR_EREADONLY);
    CHECK_ERR(zarr_group_create(ro, "new", NULL, &h), ZARR_EREADONLY);
    CHECK_ERR(zarr_group_create(rog, "new", NULL, &h), ZARR_EREADONLY);
    CHECK_ERR(zarr_array_create(ro, "new", ZARR_INT32, 2, shape, shape, NULL, NULL, &h), ZARR_EREADONLY);
    CHECK_ERR(zarr_array_create(rog, "new", ZARR_INT32, 2, shape, shape, NULL, NULL, &h), ZARR_EREADONLY);
    const char *meta = "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":[4],\"data_type\":\"int32\","
                       "\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{\"chunk_shape\":[2]}},"
                       "\"chunk_key_encoding\":{\"name\":\"default\",\"configuration\":{\"separator\":\"/\"}},"
                       "\"fill_value\":0,\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]}";
    CHECK_ERR(zarr_array_create_json(ro, "new", meta, &h), ZARR_EREADONLY);
    CHECK(h == SENT);
    CHECK_ERR(zarr_attrs_set(ro, "{\"x\":1}"), ZARR_EREADONLY);
    CHECK_ERR(zarr_attrs_set(rog, "{\"x\":1}"), ZARR_EREADONLY);
    CHECK_ERR(zarr_attrs_set(roa, "{\"x\":1}"), ZARR_EREADONLY);
    /* Nothing changed on disk; reads still work. */
    char p[1100];
    CHECK(!tu_exists(tu_fmt(p, sizeof p, "%s/new", f.url)));
    CHECK(!tu_exists(tu_fmt(p, sizeof p, "%s/g/new", f.url)));
    check_fixture_data(roa, "read-only handle");
    char *attrs = tu_attrs(roa);
    CHECK(attrs && strcmp(attrs, "{}") == 0);
    free(attrs);
    /* Reads through the read-only root still work; the writable handles still write. */
    CHECK_OK(zarr_array_write(f.arr, st, ct, NULL, ZARR_INT32, buf, sizeof buf));
    int32_t back[4] = {0};
    CHECK_OK(zarr_array_read(roa, st, ct, NULL, ZARR_INT32, back, sizeof back));
    CHECK(memcmp(back, buf, sizeof buf) == 0);
    zarr_close(roa);
    zarr_close(rog);
    zarr_close(ro);
    fixture_close(&f);
}

static void test_missing_and_existing(void)
{
    struct fixture f;
    REQUIRE_OK(fixture_open(&f, 3));
    int64_t h = SENT;
    char p[1100];
    uint64_t shape[1] = {4};
    /* missing hierarchy */
    snprintf(p, sizeof p, "%s/missing.zarr", f.dir);
    CHECK_ERR(zarr_open(p, ZARR_READ, &h), ZARR_ENOTFOUND);
    CHECK_ERR(zarr_open(p, ZARR_WRITE, &h), ZARR_ENOTFOUND);
    CHECK(!tu_exists(p));
    /* an existing directory with no node within two levels below it (the
     * hierarchy made here is three levels down) is not a hierarchy */
    char deep[1200];
    snprintf(p, sizeof p, "%s/plain", f.dir);
    snprintf(deep, sizeof deep, "%s/plain/a/b/deep.zarr", f.dir);
    int64_t d = SENT;
    CHECK_OK(zarr_open(deep, ZARR_CREATE, &d));
    zarr_close(d);
    CHECK_ERR(zarr_open(p, ZARR_READ, &h), ZARR_ENOTFOUND);
    CHECK(strstr(zarr_last_error(), "levels below") != NULL);
    CHECK(h == SENT);
    /* the directory holding the fixture's hierarchy (one level down) opens
     * as an implicit root group, with that hierarchy as its member */
    int64_t up = SENT;
    CHECK_OK(zarr_open(f.dir, ZARR_READ, &up));
    char list[256];
    CHECK_OK(zarr_list(up, list, sizeof list, NULL));
    CHECK(strstr(list, "\"bad.zarr\"") != NULL && strstr(list, "plain") == NULL);
    zarr_close(up);
    /* missing nodes */
    CHECK_ERR(zarr_group_open(f.root, "nope", &h), ZARR_ENOTFOUND);
    CHECK_ERR(zarr_group_open(f.root, "g/nope", &h), ZARR_ENOTFOUND);
    CHECK_ERR(zarr_array_open(f.root, "nope", &h), ZARR_ENOTFOUND);
    CHECK_ERR(zarr_array_open(f.group, "a", &h), ZARR_ENOTFOUND);
    CHECK(h == SENT);
    /* wrong kind of node at the path */
    CHECK_FAILS(zarr_array_open(f.root, "g", &h));
    CHECK_FAILS(zarr_group_open(f.root, "a", &h));
    CHECK(h == SENT);
    /* already existing */
    CHECK_ERR(zarr_group_create(f.root, "g", NULL, &h), ZARR_EEXISTS);
    CHECK_ERR(zarr_group_create(f.root, "a", NULL, &h), ZARR_EEXISTS);
    CHECK_ERR(zarr_array_create(f.root, "a", ZARR_INT8, 1, shape, shape, NULL, NULL, &h), ZARR_EEXISTS);
    CHECK_ERR(zarr_array_create(f.root, "g", ZARR_INT8, 1, shape, shape, NULL, NULL, &h), ZARR_EEXISTS);
    CHECK(h == SENT);
    check_fixture_data(f.arr, "after EEXISTS");
    /* invalid node paths: not UTF-8, or escaping the hierarchy with ".." */
    CHECK_FAILS(zarr_group_create(f.root, "bad\xff\xfename", NULL, &h));
    CHECK_FAILS(zarr_group_create(f.root, "../escaped", NULL, &h));
    CHECK_FAILS(zarr_group_create(f.group, "../../escaped2", NULL, &h));
    CHECK_FAILS(zarr_array_create(f.root, "../escaped3", ZARR_INT8, 1, shape, shape, NULL, NULL, &h));
    CHECK(h == SENT);
    CHECK(!tu_exists(tu_fmt(p, sizeof p, "%s/escaped", f.dir)));
    CHECK(!tu_exists(tu_fmt(p, sizeof p, "%s/escaped2", f.dir)));
    CHECK(!tu_exists(tu_fmt(p, sizeof p, "%s/escaped3", f.dir)));
    CHECK_FAILS(zarr_group_open(f.group, "../../..", &h));
    CHECK(h == SENT);
    int nd = ISENT;
    int64_t a2 = -1;
    CHECK_OK(zarr_array_open(f.root, "a", &a2));
    CHECK_OK(zarr_array_ndim(a2, &nd));
    CHECK(nd == 2);
    zarr_close(a2);
    fixture_close(&f);
}

/* -------------------------------------------------- hand-written bad metadata */

static char *str_replace(const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from);
    if (!p)
        return NULL;
    size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
    char *r = malloc(n);
    snprintf(r, n, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
    return r;
}

/* Writes `text` as the metadata of node `name` (creating the directory) in the
 * hierarchy at `url`, opens a fresh root and checks zarr_array_open's status. */
static void check_meta_file(const char *url, int fmt, const char *name, const char *text, int want,
                            const char *must_name)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", url, name);
    mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/%s/%s", url, name, fmt == 3 ? "zarr.json" : ".zarray");
    if (tu_write_file(p, text, strlen(text)) != 0) {
        CHECKF(0, "could not write %s", p);
        return;
    }
    int64_t r = -1, h = SENT;
    int rc = zarr_open(url, ZARR_READ, &r);
    CHECKF(rc == ZARR_OK, "open %s: %d %s", url, rc, tu_last_error());
    if (rc != ZARR_OK)
        return;
    rc = zarr_array_open(r, name, &h);
    CHECKF(rc == want && tu_has_error_message(), "%s: array_open gave %s (%d) \"%s\", expected %s for:\n  %s", name,
           tu_status_name(rc), rc, tu_last_error(), tu_status_name(want), text);
    if (want != ZARR_OK)
        CHECK(h == SENT);
    if (must_name)
        CHECKF(strstr(zarr_last_error(), must_name) != NULL, "message \"%s\" does not name \"%s\"",
               zarr_last_error(), must_name);
    if (rc == ZARR_OK)
        zarr_close(h);
    zarr_close(r);
}

static void test_bad_metadata_v3(void)
{
    struct fixture f;
    REQUIRE_OK(fixture_open(&f, 3));
    /* Control: the good document opens. */
    check_meta_file(f.url, 3, "good", V3_GOOD, ZARR_OK, NULL);
    /* Malformed JSON */
    check_meta_file(f.url, 3, "m1", "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":[4", ZARR_EMETA, NULL);
    check_meta_file(f.url, 3, "m2", "not json at all", ZARR_EMETA, NULL);
    check_meta_file(f.url, 3, "m3", "", ZARR_EMETA, NULL);
    check_meta_file(f.url, 3, "m4", "[1,2,3]", ZARR_EMETA, NULL);
    /* Well-formed JSON, bad content */
    check_meta_file(f.url, 3, "m5", "{\"zarr_format\":3,\"node_type\":\"array\"}", ZARR_EMETA, NULL);
    char *t;
    t = str_replace(V3_GOOD, "\"shape\":[4,4]", "\"shape\":\"big\"");
    check_meta_file(f.url, 3, "m6", t, ZARR_EMETA, NULL);
    free(t);
    t = str_replace(V3_GOOD, "\"chunk_shape\":[2,2]", "\"chunk_shape\":[2]");
    check_meta_file(f.url, 3, "m7", t, ZARR_EMETA, NULL);
    free(t);
    /* Unknown codec / data type: EUNSUPPORTED naming it (the unknown
     * bytes->bytes codec is placed after "bytes", where it is legal) */
    t = str_replace(V3_GOOD, "}}]}", "}},{\"name\":\"lzma9000\",\"configuration\":{}}]}");
    check_meta_file(f.url, 3, "u1", t, ZARR_EUNSUPPORTED, "lzma9000");
    free(t);
    t = str_replace(V3_GOOD, "\"int16\"", "\"complex256\"");
    check_meta_file(f.url, 3, "u2", t, ZARR_EUNSUPPORTED, "complex256");
    free(t);
    /* Broken root metadata: opening the hierarchy fails with EMETA. */
    char p[1200];
    snprintf(p, sizeof p, "%s/zarr.json", f.url);
    int64_t h = SENT;
    /* close our handles first so nothing rewrites the file */
    zarr_close(f.arr);
    zarr_close(f.group);
    zarr_close(f.root);
    f.arr = f.group = f.root = -1;
    REQUIRE(tu_write_file(p, "{\"zarr_format\":3,", 17) == 0);
    CHECK_ERR(zarr_open(f.url, ZARR_READ, &h), ZARR_EMETA);
    CHECK_ERR(zarr_open(f.url, ZARR_WRITE, &h), ZARR_EMETA);
    CHECK(h == SENT);
    fixture_close(&f);
}

static void test_bad_metadata_v2(void)
{
    struct fixture f;
    REQUIRE_OK(fixture_open(&f, 2));
    const char *good = "{\"zarr_format\":2,\"shape\":[4,4],\"chunks\":[2,2],\"dtype\":\"<i2\",\"order\":\"C\","
                       "\"fill_value\":0,\"filters\":null,\"compressor\":null}";
    check_meta_file(f.url, 2, "good", good, ZARR_OK, NULL);
    check_meta_file(f.url, 2, "m1", "{\"zarr_format\":2,\"shape\":[4,4],\"chunks\":[2,", ZARR_EMETA, NULL);
    check_meta_file(f.url, 2, "m2", "{\"zarr_format\":2,\"shape\":[4,4]}", ZARR_EMETA, NULL);
    char *t = str_replace(good, "\"compressor\":null", "\"compressor\":{\"id\":\"bz3\",\"level\":1}");
    check_meta_file(f.url, 2, "u1", t, ZARR_EUNSUPPORTED, "bz3");
    free(t);
    t = str_replace(good, "\"<i2\"", "\"<c16\"");
    check_meta_file(f.url, 2, "u2", t, ZARR_EUNSUPPORTED, "<c16");
    free(t);
    fixture_close(&f);
}

static void test_bad_create_json(void)
{
    struct fixture f;
    REQUIRE_OK(fixture_open(&f, 3));
    int64_t h = SENT;
    CHECK_ERR(zarr_array_create_json(f.root, "j1", "{\"zarr_format\":3,", &h), ZARR_EMETA);
    CHECK_ERR(zarr_array_create_json(f.root, "j2", "{\"zarr_format\":3,\"node_type\":\"array\"}", &h), ZARR_EMETA);
    char *t = str_replace(V3_GOOD, "}}]}", "}},{\"name\":\"frobnicate\"}]}");
    CHECK_ERR(zarr_array_create_json(f.root, "j3", t, &h), ZARR_EUNSUPPORTED);
    CHECKF(strstr(zarr_last_error(), "frobnicate") != NULL, "\"%s\"", zarr_last_error());
    free(t);
    t = str_replace(V3_GOOD, "\"int16\"", "\"complex256\"");
    CHECK_ERR(zarr_array_create_json(f.root, "j4", t, &h), ZARR_EUNSUPPORTED);
    CHECKF(strstr(zarr_last_error(), "complex256") != NULL, "\"%s\"", zarr_last_error());
    free(t);
    CHECK(h == SENT);
    for (int i = 1; i <= 4; i++) {
        char name[8];
        snprintf(name, sizeof name, "j%d", i);
        CHECK_ERR(zarr_array_open(f.root, name, &h), ZARR_ENOTFOUND);
    }
    /* attributes must be a JSON object */
    CHECK_FAILS(zarr_attrs_set(f.arr, "{\"x\":"));
    CHECK_FAILS(zarr_attrs_set(f.arr, "[1,2]"));
    CHECK_FAILS(zarr_group_create(f.root, "ga", "{bad", &h));
    CHECK(h == SENT);
    CHECK_ERR(zarr_group_open(f.root, "ga", &h), ZARR_ENOTFOUND);
    /* and the control: the good document creates an array */
    CHECK_OK(zarr_array_create_json(f.root, "ok", V3_GOOD, &h));
    if (h != SENT)
        zarr_close(h);
    fixture_close(&f);
}

/* -------------------------------------------------------- corrupted chunks */

static void corrupt_case(int fmt, const char *codecs, const char *label)
{
    char dir[512], url[1024], p[1200];
    REQUIRE(tu_mkdtemp(dir, sizeof dir) == 0);
    snprintf(url, sizeof url, "%s/corrupt.zarr", dir);
    char opts[64];
    snprintf(opts, sizeof opts, "{\"zarr_format\":%d}", fmt);
    int64_t root = -1, a = -1;
    REQUIRE_OK(zarr_open_with_options(url, ZARR_CREATE, opts, &root));
    uint64_t shape[2] = {8, 8}, chunks[2] = {4, 4}, st[2] = {0, 0}, c44[2] = {4, 4};
    REQUIRE_OK(zarr_array_create(root, "t", ZARR_INT32, 2, shape, chunks, codecs, NULL, &a));
    int32_t v[64];
    for (int i = 0; i < 64; i++)
        v[i] = 1000 + i * 7;
    REQUIRE_OK(zarr_array_write(a, st, shape, NULL, ZARR_INT32, v, sizeof v));
    zarr_close(a);
    zarr_close(root);

    /* (0,1): truncated to half; (1,0): same length, garbage; (1,1): empty file */
    const char *k01 = fmt == 3 ? "c/0/1" : "0.1";
    const char *k10 = fmt == 3 ? "c/1/0" : "1.0";
    const char *k11 = fmt == 3 ? "c/1/1" : "1.1";
    snprintf(p, sizeof p, "%s/t/%s", url, k01);
    long long len = tu_file_size(p);
    REQUIRE(len > 1);
    REQUIRE(truncate(p, len / 2) == 0);
    snprintf(p, sizeof p, "%s/t/%s", url, k10);
    len = tu_file_size(p);
    REQUIRE(len > 0);
    /* Uncompressed chunks of the right length are valid whatever the bytes,
     * so there the garbage is also 5 bytes too long. */
    if (codecs && strcmp(codecs, "[]") == 0)
        len += 5;
    unsigned char *garbage = malloc((size_t)len);
    uint32_t x = 12345;
    for (long long i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        garbage[i] = (unsigned char)(x >> 16);
    }
    REQUIRE(tu_write_file(p, garbage, (size_t)len) == 0);
    free(garbage);
    snprintf(p, sizeof p, "%s/t/%s", url, k11);
    REQUIRE(truncate(p, 0) == 0);

    REQUIRE_OK(zarr_open(url, ZARR_WRITE, &root));
    REQUIRE_OK(zarr_array_open(root, "t", &a));
    int32_t buf[64];
    /* The intact chunk (0,0) still reads. */
    CHECK_OK(zarr_array_read(a, st, c44, NULL, ZARR_INT32, buf, 16 * sizeof(int32_t)));
    bool ok = true;
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
            ok = ok && buf[r * 4 + c] == v[r * 8 + c];
    CHECKF(ok, "%s: intact chunk (0,0) reads wrong values", label);

    struct {
        uint64_t st[2];
        const char *key;
    } bad[] = {{{0, 4}, k01}, {{4, 0}, k10}, {{4, 4}, k11}};
    for (int i = 0; i < 3; i++) {
        int rc = zarr_array_read(a, bad[i].st, c44, NULL, ZARR_INT32, buf, 16 * sizeof(int32_t));
        const char *e = zarr_last_error();
        CHECKF(rc == ZARR_ECODEC, "%s: read of chunk %s gave %s (%d): %s", label, bad[i].key, tu_status_name(rc), rc,
               e);
        CHECKF(strstr(e, bad[i].key) != NULL, "%s: ECODEC message \"%s\" does not name chunk key %s", label, e,
               bad[i].key);
        /* A partial write needs the old chunk: ECODEC too, naming the key. */
        uint64_t one[2] = {1, 1};
        int32_t val = 5;
        rc = zarr_array_write(a, bad[i].st, one, NULL, ZARR_INT32, &val, sizeof val);
        e = zarr_last_error();
        CHECKF(rc == ZARR_ECODEC, "%s: partial write into chunk %s gave %s (%d): %s", label, bad[i].key,
               tu_status_name(rc), rc, e);
        CHECKF(strstr(e, bad[i].key) != NULL, "%s: message \"%s\" does not name %s", label, e, bad[i].key);
    }
    /* A read over the whole array fails too, naming one of the bad keys. */
    int rc = zarr_array_read(a, st, shape, NULL, ZARR_INT32, buf, sizeof buf);
    const char *e = zarr_last_error();
    CHECKF(rc == ZARR_ECODEC, "%s: whole read gave %d: %s", label, rc, e);
    CHECKF(strstr(e, k01) || strstr(e, k10) || strstr(e, k11), "%s: \"%s\" names no bad chunk", label, e);
    zarr_close(a);
    zarr_close(root);
    tu_rmtree(dir);
}

static void test_corrupt_chunks(void)
{
    corrupt_case(3, NULL, "v3 zstd");
    corrupt_case(3, "[]", "v3 raw");
    corrupt_case(3, "[{\"name\":\"gzip\",\"configuration\":{\"level\":1}}]", "v3 gzip");
    corrupt_case(3, "[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},{\"name\":\"crc32c\"}]",
                 "v3 crc32c");
    corrupt_case(2, NULL, "v2 zstd");
    corrupt_case(2, "[]", "v2 raw");
}

int main(void)
{
    RUN_TEST(test_null_pointers);
    RUN_TEST(test_bad_codes);
    RUN_TEST(test_bad_handles);
    RUN_TEST(test_bad_selections);
    RUN_TEST(test_read_only);
    RUN_TEST(test_missing_and_existing);
    RUN_TEST(test_bad_metadata_v3);
    RUN_TEST(test_bad_metadata_v2);
    RUN_TEST(test_bad_create_json);
    RUN_TEST(test_corrupt_chunks);
    return TEST_SUMMARY();
}
