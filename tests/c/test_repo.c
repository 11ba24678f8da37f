/*
 * test_repo.c - versioned repositories through the C API: a session's
 * changes are invisible until zarr_commit, snapshots and tags read back the
 * values they held, refs and log report what happened, diff names exactly
 * the changed chunk, and the documented statuses for misuse (short id
 * buffer, two refs, writing at a tag, an existing tag, NULL arguments).
 * Expected values are the ones this program wrote.
 */
#include "test_util.h"

static void read_all(int64_t root, const char *path, int32_t *out)
{
    int64_t a = -1;
    uint64_t st[1] = {0}, n[1] = {8};
    CHECK_OK(zarr_array_open(root, path, &a));
    CHECK_OK(zarr_array_read(a, st, n, NULL, ZARR_INT32, out, 8 * sizeof *out));
    zarr_close(a);
}

static void test_commit_tag_time_travel(void)
{
    char dir[512], url[1024], id1[ZARR_SNAPSHOT_ID_LEN], id2[ZARR_SNAPSHOT_ID_LEN], text[4096];
    size_t needed = 0;
    REQUIRE(tu_mkdtemp(dir, sizeof dir) == 0);
    snprintf(url, sizeof url, "%s/r", dir);
    REQUIRE_OK(zarr_repo_create(url, NULL));
    CHECK_ERR(zarr_repo_create(url, NULL), ZARR_EEXISTS);

    int64_t w = -1, r = -1, a = -1;
    REQUIRE_OK(zarr_open(url, ZARR_WRITE, &w));
    uint64_t shape[1] = {8}, chunks[1] = {2}, st[1] = {0};
    REQUIRE_OK(zarr_array_create(w, "v", ZARR_INT32, 1, shape, chunks, NULL, NULL, &a));
    int32_t v1[8] = {1, 2, 3, 4, 5, 6, 7, 8}, got[8];
    CHECK_OK(zarr_array_write(a, st, shape, NULL, ZARR_INT32, v1, sizeof v1));
    zarr_close(a);
    /* Not committed: a reader of the branch does not see the array. */
    REQUIRE_OK(zarr_open(url, ZARR_READ, &r));
    CHECK_ERR(zarr_array_open(r, "v", &a), ZARR_ENOTFOUND);
    zarr_close(r);

    CHECK_ERR(zarr_commit(w, "too short", id1, ZARR_SNAPSHOT_ID_LEN - 1), ZARR_EINVAL);
    CHECK_OK(zarr_commit(w, "first", id1, sizeof id1));
    CHECK(strncmp(id1, "bagaaiera", 9) == 0); /* CIDv1, json codec, sha2-256, base32 */
    CHECK_OK(zarr_tag(w, "v1", NULL));
    CHECK_ERR(zarr_tag(w, "v1", NULL), ZARR_EEXISTS);

    int32_t v2[2] = {-1, -2};
    uint64_t st2[1] = {4}, n2[1] = {2};
    REQUIRE_OK(zarr_array_open(w, "v", &a));
    CHECK_OK(zarr_array_write(a, st2, n2, NULL, ZARR_INT32, v2, sizeof v2));
    zarr_close(a);
    CHECK_OK(zarr_commit(w, "second", id2, sizeof id2));
    CHECK(strcmp(id1, id2) != 0);

    /* The branch head has the new values; the tag and the first snapshot the old. */
    REQUIRE_OK(zarr_open(url, ZARR_READ, &r));
    read_all(r, "v", got);
    CHECK(got[4] == -1 && got[5] == -2 && got[0] == 1 && got[7] == 8);
    zarr_close(r);
    REQUIRE_OK(zarr_open_with_options(url, ZARR_READ, "{\"tag\": \"v1\"}", &r));
    read_all(r, "v", got);
    CHECK(memcmp(got, v1, sizeof v1) == 0);
    zarr_close(r);
    char opts[256];
    snprintf(opts, sizeof opts, "{\"snapshot\": \"%s\"}", id1);
    REQUIRE_OK(zarr_open_with_options(url, ZARR_READ, opts, &r));
    read_all(r, "v", got);
    CHECK(memcmp(got, v1, sizeof v1) == 0);
    zarr_close(r);

    /* Writing at a tag, two refs at once. */
    CHECK_ERR(zarr_open_with_options(url, ZARR_WRITE, "{\"tag\": \"v1\"}", &r), ZARR_EREADONLY);
    CHECK_ERR(zarr_open_with_options(url, ZARR_READ, "{\"tag\": \"v1\", \"branch\": \"main\"}", &r), ZARR_EINVAL);

    /* refs and log */
    CHECK_OK(zarr_refs(w, text, sizeof text, &needed));
    CHECK(strstr(text, "\"main\"") && strstr(text, "\"v1\"") && strstr(text, id2) && strstr(text, id1));
    CHECK(needed == strlen(text) + 1); /* the snprintf rule: the NUL counts */
    CHECK_OK(zarr_log(w, text, sizeof text, &needed));
    char *p2 = strstr(text, id2), *p1 = strstr(text, id1);
    CHECK(p2 && p1 && p2 < p1); /* newest first */
    CHECK(strstr(text, "\"second\"") && strstr(text, "\"first\""));

    /* diff: exactly chunk [2] of v changed (elements 4 and 5). */
    CHECK_OK(zarr_diff(w, id1, id2, text, sizeof text, &needed));
    CHECKF(strstr(text, "\"changed\":[[2]]") != NULL || strstr(text, "\"changed\": [[2]]") != NULL, "diff: %s", text);
    CHECK(strstr(text, "[0]") == NULL && strstr(text, "[1]") == NULL && strstr(text, "[3]") == NULL);

    /* reset drops uncommitted work */
    REQUIRE_OK(zarr_array_open(w, "v", &a));
    CHECK_OK(zarr_array_write(a, st, n2, NULL, ZARR_INT32, v2, sizeof v2));
    zarr_close(a);
    CHECK_OK(zarr_reset(w));
    read_all(w, "v", got);
    CHECK(got[0] == 1 && got[1] == 2);

    /* NULL arguments */
    CHECK_ERR(zarr_repo_create(NULL, NULL), ZARR_EINVAL);
    CHECK_ERR(zarr_tag(w, NULL, NULL), ZARR_EINVAL);
    CHECK_ERR(zarr_refs(w, NULL, 0, NULL), ZARR_OK);
    CHECK_ERR(zarr_commit(-12345, "x", NULL, 0), ZARR_EBADID);
    zarr_close(w);
    CHECK_ERR(zarr_commit(w, "closed", NULL, 0), ZARR_EBADID);
    tu_rmtree(dir);
}

int main(void)
{
    RUN_TEST(test_commit_tag_time_travel);
    return TEST_SUMMARY();
}
