/*
 * test_groups_attrs.c - groups (nested, intermediate, reopened), zarr_list
 * content, attributes on groups and arrays (create, replace, persist,
 * snprintf-style truncation and the `needed` size), zarr_array_create_json,
 * file:// URLs and the format of existing hierarchies.
 */
#include "test_util.h"

static char *open_tmp(char *dir, size_t dn, char *url, size_t un)
{
    if (tu_mkdtemp(dir, dn) != 0)
        return NULL;
    snprintf(url, un, "%s/h.zarr", dir);
    return url;
}

/* Position of `"name":"<name>"` in a compacted list text (-1 if absent). */
static long name_pos(const char *json, const char *name)
{
    char needle[256];
    snprintf(needle, sizeof needle, "\"name\":\"%s\"", name);
    const char *p = strstr(json, needle);
    return p ? (long)(p - json) : -1;
}

static void test_nested_groups_and_list(void)
{
    for (int fmt = 3; fmt >= 2; fmt--)
        for (int fs = 1; fs >= 0; fs--) {
            char dir[512] = "", url[1024];
            if (fs) {
                REQUIRE(open_tmp(dir, sizeof dir, url, sizeof url));
            } else {
                tu_memory_url(url, sizeof url, "groups");
            }
            char opts[64];
            snprintf(opts, sizeof opts, "{\"zarr_format\":%d}", fmt);
            int64_t root = -1, g1 = -1, g2 = -1, deep = -1, a1 = -1, x = -1;
            REQUIRE_OK(zarr_open_with_options(url, ZARR_CREATE, opts, &root));
            REQUIRE_OK(zarr_group_create(root, "g1", "{\"a\": 1, \"s\": \"x\"}", &g1));
            REQUIRE_OK(zarr_group_create(g1, "g2", NULL, &g2));
            /* intermediate groups are created */
            REQUIRE_OK(zarr_group_create(root, "deep/er/est", NULL, &deep));
            uint64_t shape[2] = {3, 4};
            REQUIRE_OK(zarr_array_create(root, "arr1", ZARR_UINT16, 2, shape, shape, NULL, NULL, &a1));
            REQUIRE_OK(zarr_array_create(g1, "x", ZARR_FLOAT32, 2, shape, shape, NULL, NULL, &x));
            CHECK(root != g1 && g1 != g2 && g2 != deep && deep != a1 && a1 != x);

            /* root: arr1 (array), deep (group), g1 (group), sorted by name */
            char *l = tu_list(root);
            REQUIRE(l != NULL);
            CHECKF(tu_list_count(l) == 3, "root list: %s", l);
            CHECKF(tu_list_has(l, "arr1", "array"), "%s", l);
            CHECKF(tu_list_has(l, "deep", "group"), "%s", l);
            CHECKF(tu_list_has(l, "g1", "group"), "%s", l);
            CHECKF(!strstr(l, "g2") && !strstr(l, "\"x\""), "root list shows grandchildren: %s", l);
            CHECKF(name_pos(l, "arr1") < name_pos(l, "deep") && name_pos(l, "deep") < name_pos(l, "g1"),
                   "not sorted: %s", l);
            CHECK(l[0] == '[' && l[strlen(l) - 1] == ']');
            free(l);

            l = tu_list(g1);
            REQUIRE(l != NULL);
            CHECKF(tu_list_count(l) == 2 && tu_list_has(l, "g2", "group") && tu_list_has(l, "x", "array"), "%s", l);
            CHECKF(name_pos(l, "g2") < name_pos(l, "x"), "not sorted: %s", l);
            free(l);
            l = tu_list(g2);
            CHECKF(l && strcmp(l, "[]") == 0, "empty group lists as %s", l ? l : "(null)");
            free(l);

            /* open by nested path */
            int64_t h = -1;
            CHECK_OK(zarr_group_open(root, "g1/g2", &h));
            zarr_close(h);
            CHECK_OK(zarr_group_open(root, "deep/er", &h));
            l = tu_list(h);
            CHECKF(l && tu_list_count(l) == 1 && tu_list_has(l, "est", "group"), "%s", l ? l : "(null)");
            free(l);
            zarr_close(h);
            CHECK_OK(zarr_array_open(root, "g1/x", &h));
            int dt = -1;
            CHECK_OK(zarr_array_dtype(h, &dt));
            CHECK(dt == ZARR_FLOAT32);
            zarr_close(h);

            if (fs) {
                char p[1200];
                if (fmt == 3) {
                    CHECK(tu_exists(tu_fmt(p, sizeof p, "%s/zarr.json", url)));
                    CHECK(tu_exists(tu_fmt(p, sizeof p, "%s/g1/zarr.json", url)));
                    CHECK(tu_exists(tu_fmt(p, sizeof p, "%s/g1/g2/zarr.json", url)));
                    CHECK(tu_exists(tu_fmt(p, sizeof p, "%s/deep/er/zarr.json", url)));
                    CHECK(tu_exists(tu_fmt(p, sizeof p, "%s/deep/er/est/zarr.json", url)));
                    char *meta = tu_read_file(tu_fmt(p, sizeof p, "%s/g1/zarr.json", url), NULL);
                    if (meta) {
                        tu_json_compact(meta);
                        CHECKF(strstr(meta, "\"node_type\":\"group\""), "%s", meta);
                        CHECKF(strstr(meta, "\"s\":\"x\""), "attributes not in zarr.json: %s", meta);
                    }
                    free(meta);
                } else {
                    CHECK(tu_exists(tu_fmt(p, sizeof p, "%s/.zgroup", url)));
                    CHECK(tu_exists(tu_fmt(p, sizeof p, "%s/g1/.zgroup", url)));
                    CHECK(tu_exists(tu_fmt(p, sizeof p, "%s/g1/g2/.zgroup", url)));
                    CHECK(tu_exists(tu_fmt(p, sizeof p, "%s/deep/er/.zgroup", url)));
                    CHECK(tu_exists(tu_fmt(p, sizeof p, "%s/g1/x/.zarray", url)));
                    char *za = tu_read_file(tu_fmt(p, sizeof p, "%s/g1/.zattrs", url), NULL);
                    CHECKF(za && strstr(za, "\"s\""), "g1/.zattrs: %s", za ? za : "(missing)");
                    free(za);
                    CHECK(!tu_exists(tu_fmt(p, sizeof p, "%s/zarr.json", url)));
                }
            }

            /* Reopen read-only from scratch: same tree. */
            int64_t ro = -1;
            CHECK_OK(zarr_open(url, ZARR_READ, &ro));
            l = tu_list(ro);
            CHECKF(l && tu_list_count(l) == 3 && tu_list_has(l, "g1", "group") && tu_list_has(l, "arr1", "array"), "%s",
                   l ? l : "(null)");
            free(l);
            zarr_close(ro);
            zarr_close(x);
            zarr_close(a1);
            zarr_close(deep);
            zarr_close(g2);
            zarr_close(g1);
            zarr_close(root);
            if (fs)
                tu_rmtree(dir);
        }
}

static void test_attributes(void)
{
    for (int fmt = 3; fmt >= 2; fmt--) {
        char dir[512], url[1024];
        REQUIRE(open_tmp(dir, sizeof dir, url, sizeof url));
        char opts[64];
        snprintf(opts, sizeof opts, "{\"zarr_format\":%d}", fmt);
        int64_t root = -1, g = -1, a = -1;
        REQUIRE_OK(zarr_open_with_options(url, ZARR_CREATE, opts, &root));
        REQUIRE_OK(zarr_group_create(root, "g", "{\"a\":1,\"s\":\"x\"}", &g));
        uint64_t shape[1] = {5};
        REQUIRE_OK(zarr_array_create(g, "a", ZARR_INT8, 1, shape, shape, NULL, NULL, &a));

        char *t = tu_attrs(g);
        REQUIRE(t != NULL);
        CHECKF(strstr(t, "\"a\":1") && strstr(t, "\"s\":\"x\""), "%s", t);
        free(t);
        t = tu_attrs(a);
        CHECKF(t && strcmp(t, "{}") == 0, "new array attrs: %s", t ? t : "(null)");
        free(t);
        t = tu_attrs(root);
        CHECKF(t && strcmp(t, "{}") == 0, "root attrs: %s", t ? t : "(null)");
        free(t);

        /* Replace (not merge). */
        CHECK_OK(zarr_attrs_set(g, "{\"units\": \"K\", \"n\": [1, 2, 3], \"nested\": {\"k\": true}, \"t\": \"\\u00b0C\"}"));
        t = tu_attrs(g);
        REQUIRE(t != NULL);
        CHECKF(strstr(t, "\"units\":\"K\"") && strstr(t, "\"n\":[1,2,3]") && strstr(t, "\"nested\":{\"k\":true}"), "%s",
               t);
        CHECKF(!strstr(t, "\"s\":"), "attrs_set merged instead of replacing: %s", t);
        /* the degree sign, as UTF-8 or as an escape */
        CHECKF(strstr(t, "\xc2\xb0" "C") || strstr(t, "\\u00b0C") || strstr(t, "\\u00B0C"), "%s", t);
        free(t);
        CHECK_OK(zarr_attrs_set(a, "{\"long_name\":\"temperature\",\"scale\":0.5}"));
        CHECK_OK(zarr_attrs_set(root, "{\"title\":\"test\"}"));

        /* snprintf-style: needed counts the NUL; a short buffer gets a prefix. */
        size_t needed = 0;
        CHECK_OK(zarr_attrs_get(a, NULL, 0, &needed));
        char full[512];
        size_t needed2 = 0;
        REQUIRE(needed > 1 && needed < sizeof full);
        CHECK_OK(zarr_attrs_get(a, full, sizeof full, &needed2));
        CHECK(needed2 == needed);
        CHECK(strlen(full) + 1 == needed);
        char small[6];
        memset(small, 'Z', sizeof small);
        size_t needed3 = 0;
        CHECK_OK(zarr_attrs_get(a, small, sizeof small, &needed3));
        CHECKF(needed3 == needed, "needed %zu with a short buffer, %zu with a large one", needed3, needed);
        CHECKF(small[5] == '\0' && strncmp(small, full, 5) == 0, "short buffer holds \"%.6s\"", small);
        char one[1] = {'Z'};
        needed3 = 0;
        CHECK_OK(zarr_attrs_get(a, one, 1, &needed3));
        CHECK(one[0] == '\0' && needed3 == needed);
        /* exactly strlen bytes: one character short */
        char *exact = malloc(needed);
        memset(exact, 'Z', needed);
        CHECK_OK(zarr_attrs_get(a, exact, needed - 1, NULL));
        CHECK(exact[needed - 2] == '\0' && strncmp(exact, full, needed - 2) == 0 && exact[needed - 1] == 'Z');
        CHECK_OK(zarr_attrs_get(a, exact, needed, NULL));
        CHECK(strcmp(exact, full) == 0);
        free(exact);
        tu_json_compact(full);
        CHECKF(strstr(full, "\"long_name\":\"temperature\"") && strstr(full, "\"scale\":0.5"), "%s", full);

        /* the same for zarr_list */
        needed = 0;
        CHECK_OK(zarr_list(root, NULL, 0, &needed));
        char lfull[256];
        CHECK_OK(zarr_list(root, lfull, sizeof lfull, NULL));
        CHECK(strlen(lfull) + 1 == needed);
        char lsmall[4];
        needed2 = 0;
        CHECK_OK(zarr_list(root, lsmall, sizeof lsmall, &needed2));
        CHECK(needed2 == needed && lsmall[3] == '\0' && strncmp(lsmall, lfull, 3) == 0);

        /* Persisted: reopen read-only. */
        zarr_close(a);
        zarr_close(g);
        zarr_close(root);
        if (fmt == 2) {
            char p[1200];
            char *za = tu_read_file(tu_fmt(p, sizeof p, "%s/g/a/.zattrs", url), NULL);
            CHECKF(za && strstr(za, "temperature"), "g/a/.zattrs: %s", za ? za : "(missing)");
            free(za);
            za = tu_read_file(tu_fmt(p, sizeof p, "%s/.zattrs", url), NULL);
            CHECKF(za && strstr(za, "title"), ".zattrs: %s", za ? za : "(missing)");
            free(za);
        } else {
            char p[1200];
            char *zj = tu_read_file(tu_fmt(p, sizeof p, "%s/g/a/zarr.json", url), NULL);
            CHECKF(zj && strstr(zj, "temperature"), "g/a/zarr.json: %s", zj ? zj : "(missing)");
            free(zj);
        }
        REQUIRE_OK(zarr_open(url, ZARR_READ, &root));
        REQUIRE_OK(zarr_group_open(root, "g", &g));
        REQUIRE_OK(zarr_array_open(root, "g/a", &a));
        t = tu_attrs(g);
        CHECKF(t && strstr(t, "\"units\":\"K\"") && !strstr(t, "\"s\":"), "%s", t ? t : "(null)");
        free(t);
        t = tu_attrs(a);
        CHECKF(t && strstr(t, "\"scale\":0.5"), "%s", t ? t : "(null)");
        free(t);
        t = tu_attrs(root);
        CHECKF(t && strstr(t, "\"title\":\"test\""), "%s", t ? t : "(null)");
        free(t);
        /* Setting attributes does not disturb array data or metadata. */
        int nd = -1;
        CHECK_OK(zarr_array_ndim(a, &nd));
        CHECK(nd == 1);
        zarr_close(a);
        zarr_close(g);
        zarr_close(root);
        tu_rmtree(dir);
    }
}

static void test_create_json(void)
{
    char dir[512], url[1024];
    REQUIRE(open_tmp(dir, sizeof dir, url, sizeof url));
    int64_t root = -1, a = -1;
    REQUIRE_OK(zarr_open(url, ZARR_CREATE, &root));
    const char *meta =
        "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":[6,5],\"data_type\":\"float64\","
        "\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{\"chunk_shape\":[4,2]}},"
        "\"chunk_key_encoding\":{\"name\":\"default\",\"configuration\":{\"separator\":\".\"}},"
        "\"fill_value\":\"NaN\",\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}},"
        "{\"name\":\"gzip\",\"configuration\":{\"level\":1}}],"
        "\"attributes\":{\"source\":\"json\"},\"dimension_names\":[\"y\",\"x\"]}";
    REQUIRE_OK(zarr_array_create_json(root, "j", meta, &a));
    int nd = -1, dt = -1;
    uint64_t s[2] = {0}, c[2] = {0};
    CHECK_OK(zarr_array_ndim(a, &nd));
    CHECK_OK(zarr_array_dtype(a, &dt));
    CHECK_OK(zarr_array_shape(a, s));
    CHECK_OK(zarr_array_chunk_shape(a, c));
    CHECK(nd == 2 && dt == ZARR_FLOAT64 && s[0] == 6 && s[1] == 5 && c[0] == 4 && c[1] == 2);
    char *t = tu_attrs(a);
    CHECKF(t && strstr(t, "\"source\":\"json\""), "%s", t ? t : "(null)");
    free(t);
    /* NaN fill, then data; "." separator puts chunk (1,2) at j/c.1.2 */
    double v[30], r[30];
    uint64_t st[2] = {0, 0};
    CHECK_OK(zarr_array_read(a, st, s, NULL, ZARR_FLOAT64, r, sizeof r));
    bool ok = true;
    for (int i = 0; i < 30; i++)
        ok = ok && isnan(r[i]);
    CHECK(ok);
    for (int i = 0; i < 30; i++)
        v[i] = i * 0.5 - 3;
    CHECK_OK(zarr_array_write(a, st, s, NULL, ZARR_FLOAT64, v, sizeof v));
    CHECK_OK(zarr_array_read(a, st, s, NULL, ZARR_FLOAT64, r, sizeof r));
    CHECK(memcmp(v, r, sizeof v) == 0);
    char p[1200];
    CHECKF(tu_exists(tu_fmt(p, sizeof p, "%s/j/c.1.2", url)), "missing %s", p);
    char *zj = tu_read_file(tu_fmt(p, sizeof p, "%s/j/zarr.json", url), NULL);
    if (zj) {
        tu_json_compact(zj);
        CHECKF(strstr(zj, "\"dimension_names\":[\"y\",\"x\"]") && strstr(zj, "gzip") && strstr(zj, "\"big\""), "%s",
               zj);
    }
    CHECK(zj != NULL);
    free(zj);
    zarr_close(a);

    /* a v2 document into a v3 hierarchy is refused */
    int64_t h = 77;
    const char *v2meta = "{\"zarr_format\":2,\"shape\":[4],\"chunks\":[2],\"dtype\":\"<i4\",\"order\":\"C\","
                         "\"fill_value\":0,\"filters\":null,\"compressor\":null}";
    CHECK_FAILS(zarr_array_create_json(root, "v2", v2meta, &h));
    CHECK(h == 77);
    zarr_close(root);

    /* ... but accepted by a v2 hierarchy, with "attributes" going to .zattrs */
    char url2[1100];
    snprintf(url2, sizeof url2, "%s/v2.zarr", dir);
    REQUIRE_OK(zarr_open_with_options(url2, ZARR_CREATE, "{\"zarr_format\":2}", &root));
    const char *v2attrs = "{\"zarr_format\":2,\"shape\":[4],\"chunks\":[2],\"dtype\":\">i4\",\"order\":\"C\","
                          "\"fill_value\":-1,\"filters\":null,\"compressor\":{\"id\":\"zlib\",\"level\":1},"
                          "\"attributes\":{\"k\":\"v\"}}";
    REQUIRE_OK(zarr_array_create_json(root, "b", v2attrs, &a));
    int32_t iv[4] = {0}, want[4] = {-1, 7, -1, -1};
    uint64_t one[1] = {1}, four[1] = {4}, z[1] = {0};
    int32_t seven = 7;
    CHECK_OK(zarr_array_write(a, one, one, NULL, ZARR_INT32, &seven, sizeof seven));
    CHECK_OK(zarr_array_read(a, z, four, NULL, ZARR_INT32, iv, sizeof iv));
    CHECK(memcmp(iv, want, sizeof iv) == 0);
    char *za = tu_read_file(tu_fmt(p, sizeof p, "%s/b/.zattrs", url2), NULL);
    CHECKF(za && strstr(za, "\"k\""), "b/.zattrs: %s", za ? za : "(missing)");
    free(za);
    CHECK(tu_exists(tu_fmt(p, sizeof p, "%s/b/0", url2)));
    CHECK(!tu_exists(tu_fmt(p, sizeof p, "%s/b/1", url2)));
    zarr_close(a);
    zarr_close(root);
    tu_rmtree(dir);
}

static void test_urls_and_formats(void)
{
    char dir[512], url[1024];
    REQUIRE(open_tmp(dir, sizeof dir, url, sizeof url));
    int64_t root = -1, h = -1;
    /* zarr_open with CREATE makes a v3 hierarchy */
    REQUIRE_OK(zarr_open(url, ZARR_CREATE, &root));
    REQUIRE_OK(zarr_group_create(root, "made_by_path", NULL, &h));
    zarr_close(h);
    zarr_close(root);
    char p[1200];
    CHECK(tu_exists(tu_fmt(p, sizeof p, "%s/zarr.json", url)));
    CHECK(tu_exists(tu_fmt(p, sizeof p, "%s/made_by_path/zarr.json", url)));

    /* file:// URL to the same hierarchy */
    char furl[1100];
    snprintf(furl, sizeof furl, "file://%s", url);
    REQUIRE_OK(zarr_open(furl, ZARR_WRITE, &root));
    char *l = tu_list(root);
    CHECKF(l && tu_list_has(l, "made_by_path", "group"), "%s", l ? l : "(null)");
    free(l);
    REQUIRE_OK(zarr_group_create(root, "made_by_url", NULL, &h));
    zarr_close(h);
    zarr_close(root);
    CHECK(tu_exists(tu_fmt(p, sizeof p, "%s/made_by_url/zarr.json", url)));

    /* CREATE on an existing hierarchy opens it, and it keeps its own format */
    REQUIRE_OK(zarr_open_with_options(url, ZARR_CREATE, "{\"zarr_format\":2}", &root));
    l = tu_list(root);
    CHECKF(l && tu_list_count(l) == 2, "%s", l ? l : "(null)");
    free(l);
    REQUIRE_OK(zarr_group_create(root, "still_v3", NULL, &h));
    zarr_close(h);
    zarr_close(root);
    CHECK(tu_exists(tu_fmt(p, sizeof p, "%s/still_v3/zarr.json", url)));
    CHECK(!tu_exists(tu_fmt(p, sizeof p, "%s/still_v3/.zgroup", url)));

    /* a v2 hierarchy opened without options stays v2 */
    char url2[1100];
    snprintf(url2, sizeof url2, "%s/two.zarr", dir);
    REQUIRE_OK(zarr_open_with_options(url2, ZARR_CREATE, "{\"zarr_format\":2}", &root));
    zarr_close(root);
    REQUIRE_OK(zarr_open(url2, ZARR_WRITE, &root));
    REQUIRE_OK(zarr_group_create(root, "sub", NULL, &h));
    zarr_close(h);
    uint64_t shape[2] = {2, 3};
    int64_t a = -1;
    REQUIRE_OK(zarr_array_create(root, "sub/arr", ZARR_UINT32, 2, shape, shape, NULL, NULL, &a));
    uint32_t v[6] = {1, 2, 3, 4, 5, 6};
    uint64_t st[2] = {0, 0};
    CHECK_OK(zarr_array_write(a, st, shape, NULL, ZARR_UINT32, v, sizeof v));
    zarr_close(a);
    zarr_close(root);
    CHECK(tu_exists(tu_fmt(p, sizeof p, "%s/sub/.zgroup", url2)));
    CHECK(tu_exists(tu_fmt(p, sizeof p, "%s/sub/arr/.zarray", url2)));
    CHECK(tu_exists(tu_fmt(p, sizeof p, "%s/sub/arr/0.0", url2)));
    CHECK(!tu_exists(tu_fmt(p, sizeof p, "%s/zarr.json", url2)));
    tu_rmtree(dir);
}

int main(void)
{
    RUN_TEST(test_nested_groups_and_list);
    RUN_TEST(test_attributes);
    RUN_TEST(test_create_json);
    RUN_TEST(test_urls_and_formats);
    return TEST_SUMMARY();
}
