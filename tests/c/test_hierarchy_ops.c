/*
 * test_hierarchy_ops.c - hierarchy calls from C:
 *  1. zarr_consolidate (v2 .zmetadata, v3 inline consolidated_metadata):
 *     what lands on disk, reopening through it, dropped after a resize so a
 *     reopen sees the new shape; bad handles and read-only roots refused.
 *  2. dimension names: v3 dimension_names (null entries allowed), v2
 *     _ARRAY_DIMENSIONS in .zattrs; wrong count and bad JSON refused.
 *  3. zarr_delete: arrays and groups (recursively); open handles notice.
 *  4. zarr_rename: arrays and groups, into new intermediate groups, on disk
 *     and in memory; every bad call leaves the hierarchy as it was.
 */
#include "test_util.h"

static int open_fmt(const char *url, int fmt, int mode, int64_t *root)
{
    char opts[64];
    snprintf(opts, sizeof opts, "{\"zarr_format\":%d}", fmt);
    return zarr_open_with_options(url, mode, opts, root);
}

/* An int32 array 4x6 holding base + i at flat index i. */
static int make_filled(int64_t parent, const char *path, int32_t base, int64_t *arr)
{
    uint64_t shape[2] = {4, 6}, chunks[2] = {2, 3}, st[2] = {0, 0};
    int rc = zarr_array_create(parent, path, ZARR_INT32, 2, shape, chunks, NULL, NULL, arr);
    if (rc != ZARR_OK)
        return rc;
    int32_t v[24];
    for (int i = 0; i < 24; i++)
        v[i] = base + i;
    return zarr_array_write(*arr, st, shape, NULL, ZARR_INT32, v, sizeof v);
}

/* Does the array at `path` below `parent` hold base + i? */
static bool holds(int64_t parent, const char *path, int32_t base)
{
    int64_t a;
    if (zarr_array_open(parent, path, &a) != ZARR_OK)
        return false;
    uint64_t st[2] = {0, 0}, ct[2] = {4, 6};
    int32_t v[24];
    bool ok = zarr_array_read(a, st, ct, NULL, ZARR_INT32, v, sizeof v) == ZARR_OK;
    for (int i = 0; ok && i < 24; i++)
        ok = v[i] == base + i;
    zarr_close(a);
    return ok;
}

static void test_consolidate(void)
{
    for (int fmt = 2; fmt <= 3; fmt++) {
        char dir[256], path[512];
        REQUIRE(tu_mkdtemp(dir, sizeof dir) == 0);
        int64_t root, g, a;
        REQUIRE_OK(open_fmt(dir, fmt, ZARR_CREATE, &root));
        CHECK_OK(zarr_group_create(root, "model/ocean", "{\"title\":\"run 1\"}", &g));
        CHECK_OK(make_filled(root, "model/ocean/temp", 100, &a));
        CHECK_OK(zarr_consolidate(root));
        /* On disk, in the form zarr-python writes. */
        if (fmt == 2)
            tu_fmt(path, sizeof path, "%s/.zmetadata", dir);
        else
            tu_fmt(path, sizeof path, "%s/zarr.json", dir);
        char *doc = tu_read_file(path, NULL);
        REQUIRE(doc != NULL);
        tu_json_compact(doc);
        if (fmt == 2) {
            CHECKF(strstr(doc, "\"zarr_consolidated_format\":1") != NULL, "%s", doc);
            CHECKF(strstr(doc, "\"model/ocean/temp/.zarray\"") != NULL, "%s", doc);
            CHECKF(strstr(doc, "\"model/ocean/.zattrs\"") != NULL, "%s", doc);
        } else {
            CHECKF(strstr(doc, "\"consolidated_metadata\":{") != NULL, "%s", doc);
            CHECKF(strstr(doc, "\"kind\":\"inline\"") != NULL, "%s", doc);
            CHECKF(strstr(doc, "\"model/ocean/temp\":{") != NULL, "%s", doc);
        }
        free(doc);

        /* Only the root may be consolidated; an array handle is not a group. */
        CHECK_ERR(zarr_consolidate(g), ZARR_EINVAL);
        CHECK_ERR(zarr_consolidate(a), ZARR_EBADID);
        CHECK_ERR(zarr_consolidate(0), ZARR_EBADID);
        CHECK_OK(zarr_close(g));

        /* A read-only open goes through the consolidated copy. */
        int64_t ro;
        REQUIRE_OK(zarr_open(dir, ZARR_READ, &ro));
        CHECK(holds(ro, "model/ocean/temp", 100));
        CHECK_ERR(zarr_consolidate(ro), ZARR_EREADONLY);

        /* A resize drops the consolidated copy: a reopen sees the new shape. */
        uint64_t grown[2] = {5, 6}, sh[2] = {0, 0};
        CHECK_OK(zarr_array_resize(a, grown));
        int64_t again, a2;
        REQUIRE_OK(zarr_open(dir, ZARR_READ, &again));
        REQUIRE_OK(zarr_array_open(again, "model/ocean/temp", &a2));
        CHECK_OK(zarr_array_shape(a2, sh));
        CHECKF(sh[0] == 5 && sh[1] == 6, "v%d: shape after resize %" PRIu64 "x%" PRIu64, fmt, sh[0], sh[1]);
        if (fmt == 2)
            CHECK(!tu_exists(path));
        CHECK_OK(zarr_close(a2));
        CHECK_OK(zarr_close(again));
        CHECK_OK(zarr_close(ro));
        CHECK_OK(zarr_close(a));
        CHECK_OK(zarr_close(root));
        tu_rmtree(dir);
    }
}

static void test_dimension_names(void)
{
    for (int fmt = 2; fmt <= 3; fmt++) {
        char dir[256], path[512], buf[256];
        REQUIRE(tu_mkdtemp(dir, sizeof dir) == 0);
        int64_t root, a;
        REQUIRE_OK(open_fmt(dir, fmt, ZARR_CREATE, &root));
        uint64_t shape[3] = {2, 3, 4};
        REQUIRE_OK(zarr_array_create(root, "t", ZARR_FLOAT32, 3, shape, shape, NULL, NULL, &a));
        size_t needed = 0;
        CHECK_OK(zarr_array_dimension_names(a, buf, sizeof buf, &needed));
        CHECKF(strcmp(buf, "null") == 0 && needed == 5, "v%d: fresh array names %s", fmt, buf);

        CHECK_OK(zarr_array_set_dimension_names(a, "[\"time\", \"lat\", \"lon\"]"));
        CHECK_OK(zarr_array_dimension_names(a, buf, sizeof buf, NULL));
        tu_json_compact(buf);
        CHECKF(strcmp(buf, "[\"time\",\"lat\",\"lon\"]") == 0, "v%d: %s", fmt, buf);
        /* Where other tools look for them. */
        tu_fmt(path, sizeof path, fmt == 2 ? "%s/t/.zattrs" : "%s/t/zarr.json", dir);
        char *doc = tu_read_file(path, NULL);
        REQUIRE(doc != NULL);
        tu_json_compact(doc);
        const char *key = fmt == 2 ? "\"_ARRAY_DIMENSIONS\":[\"time\",\"lat\",\"lon\"]"
                                   : "\"dimension_names\":[\"time\",\"lat\",\"lon\"]";
        CHECKF(strstr(doc, key) != NULL, "v%d: %s", fmt, doc);
        free(doc);

        /* A reopened handle reads them from the store. */
        int64_t b;
        REQUIRE_OK(zarr_array_open(root, "t", &b));
        CHECK_OK(zarr_array_dimension_names(b, buf, sizeof buf, NULL));
        tu_json_compact(buf);
        CHECKF(strcmp(buf, "[\"time\",\"lat\",\"lon\"]") == 0, "v%d reopened: %s", fmt, buf);
        CHECK_OK(zarr_close(b));

        /* null entries: v3 only (xarray's v2 convention needs every name). */
        if (fmt == 3) {
            CHECK_OK(zarr_array_set_dimension_names(a, "[\"time\", null, \"lon\"]"));
            CHECK_OK(zarr_array_dimension_names(a, buf, sizeof buf, NULL));
            tu_json_compact(buf);
            CHECKF(strcmp(buf, "[\"time\",null,\"lon\"]") == 0, "%s", buf);
        } else {
            CHECK_ERR(zarr_array_set_dimension_names(a, "[\"time\", null, \"lon\"]"), ZARR_EINVAL);
        }
        /* Bad input changes nothing. */
        CHECK_ERR(zarr_array_set_dimension_names(a, "[\"x\", \"y\"]"), ZARR_EINVAL);
        CHECK_FAILS(zarr_array_set_dimension_names(a, "[\"x\", "));
        CHECK_ERR(zarr_array_set_dimension_names(a, NULL), ZARR_EINVAL);
        CHECK_OK(zarr_array_dimension_names(a, buf, sizeof buf, NULL));
        tu_json_compact(buf);
        CHECKF(strstr(buf, "\"time\"") == buf + 1, "v%d after bad calls: %s", fmt, buf);
        /* snprintf-style: a short buffer is truncated and NUL-terminated. */
        char small[4];
        CHECK_OK(zarr_array_dimension_names(a, small, sizeof small, &needed));
        CHECK(strlen(small) == 3 && needed > sizeof small);
        /* Removing them. */
        CHECK_OK(zarr_array_set_dimension_names(a, "null"));
        CHECK_OK(zarr_array_dimension_names(a, buf, sizeof buf, NULL));
        CHECK(strcmp(buf, "null") == 0);
        CHECK_OK(zarr_close(a));
        CHECK_OK(zarr_close(root));
        tu_rmtree(dir);
    }
}

static void test_delete(void)
{
    char dir[256], path[512];
    REQUIRE(tu_mkdtemp(dir, sizeof dir) == 0);
    int64_t root, a, b, g;
    REQUIRE_OK(zarr_open(dir, ZARR_CREATE, &root));
    REQUIRE_OK(make_filled(root, "g/a", 0, &a));
    REQUIRE_OK(make_filled(root, "g/sub/b", 50, &b));
    REQUIRE_OK(make_filled(root, "keep", 7, &g));
    CHECK_OK(zarr_close(g));

    CHECK_OK(zarr_delete(root, "g/a"));
    CHECK(!tu_exists(tu_fmt(path, sizeof path, "%s/g/a", dir)));
    CHECK_ERR(zarr_array_open(root, "g/a", &g), ZARR_ENOTFOUND);
    /* The open handle notices. */
    uint64_t st[2] = {0, 0}, ct[2] = {4, 6};
    int32_t v[24];
    CHECK_ERR(zarr_array_read(a, st, ct, NULL, ZARR_INT32, v, sizeof v), ZARR_ENOTFOUND);
    CHECK_ERR(zarr_array_write(a, st, ct, NULL, ZARR_INT32, v, sizeof v), ZARR_ENOTFOUND);
    CHECK_OK(zarr_close(a));

    /* A group goes with everything below it. */
    CHECK_OK(zarr_delete(root, "g"));
    CHECK(!tu_exists(tu_fmt(path, sizeof path, "%s/g", dir)));
    CHECK_ERR(zarr_group_open(root, "g", &g), ZARR_ENOTFOUND);
    CHECK_ERR(zarr_array_read(b, st, ct, NULL, ZARR_INT32, v, sizeof v), ZARR_ENOTFOUND);
    CHECK_OK(zarr_close(b));

    /* Bad calls. */
    CHECK_ERR(zarr_delete(root, "g"), ZARR_ENOTFOUND);
    CHECK_ERR(zarr_delete(root, ""), ZARR_EINVAL);
    CHECK_ERR(zarr_delete(root, "../x"), ZARR_EINVAL);
    CHECK_ERR(zarr_delete(root, NULL), ZARR_EINVAL);
    CHECK_ERR(zarr_delete(-5, "keep"), ZARR_EBADID);
    int64_t ro;
    REQUIRE_OK(zarr_open(dir, ZARR_READ, &ro));
    CHECK_ERR(zarr_delete(ro, "keep"), ZARR_EREADONLY);
    CHECK(holds(root, "keep", 7));
    CHECK_OK(zarr_close(ro));
    CHECK_OK(zarr_close(root));
    tu_rmtree(dir);
}

static void rename_in(const char *url, const char *dir)
{
    char path[512];
    int64_t root, a, g;
    REQUIRE_OK(zarr_open(url, ZARR_CREATE, &root));
    REQUIRE_OK(make_filled(root, "src/temp", 10, &a));
    REQUIRE_OK(make_filled(root, "src/salt", 20, &g));
    CHECK_OK(zarr_close(g));
    REQUIRE_OK(make_filled(root, "other", 30, &g));
    CHECK_OK(zarr_close(g));
    CHECK_OK(zarr_consolidate(root));

    /* An array into groups that do not exist yet. */
    CHECK_OK(zarr_rename(root, "src/temp", "out/daily/temperature"));
    CHECK(holds(root, "out/daily/temperature", 10));
    CHECK_ERR(zarr_array_open(root, "src/temp", &g), ZARR_ENOTFOUND);
    REQUIRE_OK(zarr_group_open(root, "out/daily", &g));
    CHECK_OK(zarr_close(g));
    /* The old handle behaves as if the array was deleted. */
    uint64_t st[2] = {0, 0}, ct[2] = {4, 6};
    int32_t v[24];
    CHECK_ERR(zarr_array_read(a, st, ct, NULL, ZARR_INT32, v, sizeof v), ZARR_ENOTFOUND);
    CHECK_OK(zarr_close(a));
    /* A whole group, relative to a subgroup. */
    CHECK_OK(zarr_rename(root, "src", "renamed"));
    CHECK(holds(root, "renamed/salt", 20));
    CHECK_ERR(zarr_group_open(root, "src", &g), ZARR_ENOTFOUND);
    REQUIRE_OK(zarr_group_open(root, "out", &g));
    CHECK_OK(zarr_rename(g, "daily/temperature", "t2"));
    CHECK(holds(root, "out/t2", 10));
    CHECK_OK(zarr_close(g));
    if (dir) {
        CHECK(tu_exists(tu_fmt(path, sizeof path, "%s/out/t2/c/0/0", dir)));
        CHECK(!tu_exists(tu_fmt(path, sizeof path, "%s/out/daily/temperature", dir)));
    }
    /* A reopen (consolidated metadata was dropped) sees the new layout. */
    int64_t ro;
    REQUIRE_OK(zarr_open(url, ZARR_READ, &ro));
    CHECK(holds(ro, "out/t2", 10));
    CHECK(holds(ro, "renamed/salt", 20));
    CHECK_ERR(zarr_array_open(ro, "src/salt", &g), ZARR_ENOTFOUND);

    /* Bad calls change nothing. */
    CHECK_ERR(zarr_rename(root, "missing", "x"), ZARR_ENOTFOUND);
    CHECK_ERR(zarr_rename(root, "other", "out/t2"), ZARR_EEXISTS);
    CHECK_ERR(zarr_rename(root, "renamed", "renamed/inside"), ZARR_EINVAL);
    CHECK_ERR(zarr_rename(root, "", "x"), ZARR_EINVAL);
    CHECK_ERR(zarr_rename(root, "other", ""), ZARR_EINVAL);
    CHECK_ERR(zarr_rename(root, "other", "out/t2/below"), ZARR_EINVAL);
    CHECK_ERR(zarr_rename(root, NULL, "x"), ZARR_EINVAL);
    CHECK_ERR(zarr_rename(root, "other", NULL), ZARR_EINVAL);
    CHECK_ERR(zarr_rename(ro, "other", "x"), ZARR_EREADONLY);
    CHECK_ERR(zarr_rename(12345, "other", "x"), ZARR_EBADID);
    CHECK(holds(root, "other", 30));
    CHECK(holds(root, "out/t2", 10));
    CHECK_OK(zarr_close(ro));
    CHECK_OK(zarr_close(root));
}

static void test_rename(void)
{
    char dir[256], url[128];
    REQUIRE(tu_mkdtemp(dir, sizeof dir) == 0);
    rename_in(dir, dir);
    tu_rmtree(dir);
    rename_in(tu_memory_url(url, sizeof url, "rename"), NULL);
}

int main(void)
{
    RUN_TEST(test_consolidate);
    RUN_TEST(test_dimension_names);
    RUN_TEST(test_delete);
    RUN_TEST(test_rename);
    return TEST_SUMMARY();
}
