/*
 * test_resize.c - zarr_array_resize and zarr_array_append:
 *  1. grow keeps data, shrink deletes outer chunks and trims edge chunks so a
 *     later grow shows fill, for v2, v3 and sharded v3 (filesystem).
 *  2. append along both axes writes the slab; bad input changes nothing.
 *  3. 2 pthreads x 50 appends (one handle each): the final shape is the sum
 *     and every tagged slab is present exactly once, contiguously.
 */
#include "test_util.h"

#include <pthread.h>

static int open_root(const char *dir, int fmt, int64_t *root)
{
    char opts[64];
    snprintf(opts, sizeof opts, "{\"zarr_format\":%d}", fmt);
    return zarr_open_with_options(dir, ZARR_CREATE, opts, root);
}

/* kind: 0 = v2, 1 = v3, 2 = sharded v3. Shape 7x9, fill -1. */
static int make_array(const char *dir, int kind, int64_t *root, int64_t *arr)
{
    int rc = open_root(dir, kind == 0 ? 2 : 3, root);
    if (rc != ZARR_OK)
        return rc;
    uint64_t shape[2] = {7, 9}, chunks[2] = {3, 4}, shard[2] = {4, 4}, inner[2] = {2, 2};
    int32_t fill = -1;
    if (kind == 2)
        return zarr_array_create_sharded(*root, "x", ZARR_INT32, 2, shape, shard, inner, NULL, &fill, arr);
    return zarr_array_create(*root, "x", ZARR_INT32, 2, shape, chunks, NULL, &fill, arr);
}

static void test_grow_shrink_grow(void)
{
    for (int kind = 0; kind < 3; kind++) {
        char dir[256];
        REQUIRE(tu_mkdtemp(dir, sizeof dir) == 0);
        int64_t root, arr;
        REQUIRE_OK(make_array(dir, kind, &root, &arr));
        int32_t data[63];
        for (int i = 0; i < 63; i++)
            data[i] = i;
        uint64_t st[2] = {0, 0}, ct[2] = {7, 9};
        CHECK_OK(zarr_array_write(arr, st, ct, NULL, ZARR_INT32, data, sizeof data));

        uint64_t big[2] = {10, 12};
        CHECK_OK(zarr_array_resize(arr, big));
        int32_t got[120];
        CHECK_OK(zarr_array_read(arr, st, big, NULL, ZARR_INT32, got, sizeof got));
        for (int i = 0; i < 10; i++)
            for (int j = 0; j < 12; j++)
                CHECKF(got[i * 12 + j] == (i < 7 && j < 9 ? i * 9 + j : -1), "kind %d grow (%d,%d) = %d",
                       kind, i, j, got[i * 12 + j]);

        uint64_t small[2] = {5, 5}, sh[2];
        CHECK_OK(zarr_array_resize(arr, small));
        CHECK_OK(zarr_array_shape(arr, sh));
        CHECK(sh[0] == 5 && sh[1] == 5);
        uint64_t again[2] = {8, 10};
        CHECK_OK(zarr_array_resize(arr, again));
        CHECK_OK(zarr_array_read(arr, st, again, NULL, ZARR_INT32, got, sizeof got));
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 10; j++)
                CHECKF(got[i * 10 + j] == (i < 5 && j < 5 ? i * 9 + j : -1), "kind %d regrow (%d,%d) = %d",
                       kind, i, j, got[i * 10 + j]);
        /* A chunk wholly outside the shrunk shape is gone. */
        char p[512];
        const char *gone = kind == 0 ? "x/2.0" : kind == 1 ? "x/c/2/0" : "x/c/0/2";
        CHECKF(!tu_exists(tu_fmt(p, sizeof p, "%s/%s", dir, gone)), "kind %d: %s kept", kind, gone);
        /* Reopened handles see the new shape. */
        int64_t a2;
        CHECK_OK(zarr_array_open(root, "x", &a2));
        CHECK_OK(zarr_array_shape(a2, sh));
        CHECK(sh[0] == 8 && sh[1] == 10);
        CHECK_OK(zarr_close(a2));
        CHECK_ERR(zarr_array_resize(arr, NULL), ZARR_EINVAL);
        CHECK_OK(zarr_close(arr));
        CHECK_OK(zarr_close(root));
        tu_rmtree(dir);
    }
}

static void test_append(void)
{
    for (int kind = 0; kind < 3; kind++) {
        char dir[256];
        REQUIRE(tu_mkdtemp(dir, sizeof dir) == 0);
        int64_t root, arr;
        REQUIRE_OK(make_array(dir, kind, &root, &arr));
        uint64_t zero[2] = {0, 9};
        CHECK_OK(zarr_array_resize(arr, zero));
        int32_t a[18], b[9], c[6];
        for (int i = 0; i < 18; i++)
            a[i] = 5;
        for (int i = 0; i < 9; i++)
            b[i] = 6;
        for (int i = 0; i < 6; i++)
            c[i] = 7;
        CHECK_OK(zarr_array_append(arr, 0, 2, ZARR_INT32, a, sizeof a));
        CHECK_OK(zarr_array_append(arr, 0, 1, ZARR_NATIVE, b, sizeof b));
        CHECK_OK(zarr_array_append(arr, 1, 2, ZARR_INT32, c, sizeof c));
        uint64_t sh[2];
        CHECK_OK(zarr_array_shape(arr, sh));
        CHECK(sh[0] == 3 && sh[1] == 11);
        int32_t got[33];
        uint64_t st[2] = {0, 0};
        CHECK_OK(zarr_array_read(arr, st, sh, NULL, ZARR_INT32, got, sizeof got));
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 11; j++)
                CHECKF(got[i * 11 + j] == (j >= 9 ? 7 : i < 2 ? 5 : 6), "kind %d (%d,%d) = %d", kind, i, j,
                       got[i * 11 + j]);
        /* Bad axis, short buffer, NULL buffer, out-of-range values: nothing changes. */
        CHECK_ERR(zarr_array_append(arr, 2, 1, ZARR_INT32, a, sizeof a), ZARR_EINVAL);
        CHECK_ERR(zarr_array_append(arr, -1, 1, ZARR_INT32, a, sizeof a), ZARR_EINVAL);
        CHECK_ERR(zarr_array_append(arr, 0, 1, ZARR_INT32, a, 4), ZARR_EINVAL);
        CHECK_ERR(zarr_array_append(arr, 0, 1, ZARR_INT32, NULL, 44), ZARR_EINVAL);
        int64_t huge[11];
        for (int i = 0; i < 11; i++)
            huge[i] = INT64_C(1) << 40;
        CHECK_ERR(zarr_array_append(arr, 0, 1, ZARR_INT64, huge, sizeof huge), ZARR_ERANGE);
        CHECK_OK(zarr_array_shape(arr, sh));
        CHECK(sh[0] == 3 && sh[1] == 11);
        CHECK_OK(zarr_close(arr));
        CHECK_OK(zarr_close(root));
        tu_rmtree(dir);
    }
}

enum { NAPP = 50, COLS = 9 };

struct app_ctx {
    int64_t root;
    int id;
    int fails;
    char msg[512];
};

static void *append_thread(void *p)
{
    struct app_ctx *t = p;
    int64_t arr;
    if (zarr_array_open(t->root, "x", &arr) != ZARR_OK) {
        t->fails++;
        snprintf(t->msg, sizeof t->msg, "array_open: %s", zarr_last_error());
        return NULL;
    }
    int32_t buf[2 * COLS];
    for (int k = 0; k < NAPP; k++) {
        int rows = 1 + k % 2;
        for (int i = 0; i < rows * COLS; i++)
            buf[i] = t->id * 1000 + k;
        if (zarr_array_append(arr, 0, (uint64_t)rows, ZARR_INT32, buf, sizeof buf) != ZARR_OK) {
            t->fails++;
            snprintf(t->msg, sizeof t->msg, "append %d: %s", k, zarr_last_error());
            break;
        }
    }
    zarr_close(arr);
    return NULL;
}

static void test_concurrent_appends(void)
{
    for (int kind = 0; kind < 3; kind++) {
        char dir[256];
        REQUIRE(tu_mkdtemp(dir, sizeof dir) == 0);
        int64_t root, arr;
        REQUIRE_OK(make_array(dir, kind, &root, &arr));
        uint64_t zero[2] = {0, COLS};
        CHECK_OK(zarr_array_resize(arr, zero));
        struct app_ctx ctx[2];
        pthread_t th[2];
        for (int t = 0; t < 2; t++) {
            ctx[t] = (struct app_ctx){.root = root, .id = t};
            REQUIRE(pthread_create(&th[t], NULL, append_thread, &ctx[t]) == 0);
        }
        for (int t = 0; t < 2; t++) {
            pthread_join(th[t], NULL);
            CHECKF(ctx[t].fails == 0, "thread %d: %s", t, ctx[t].msg);
        }
        int64_t a2;
        REQUIRE_OK(zarr_array_open(root, "x", &a2));
        uint64_t sh[2];
        CHECK_OK(zarr_array_shape(a2, sh));
        uint64_t per = 0;
        for (int k = 0; k < NAPP; k++)
            per += 1 + k % 2;
        CHECKF(sh[0] == 2 * per && sh[1] == COLS, "kind %d shape %" PRIu64 "x%" PRIu64, kind, sh[0], sh[1]);
        if (sh[0] == 2 * per) {
            int32_t *got = malloc(sh[0] * COLS * sizeof *got);
            uint64_t st[2] = {0, 0};
            CHECK_OK(zarr_array_read(a2, st, sh, NULL, ZARR_INT32, got, sh[0] * COLS * sizeof *got));
            int seen[2][NAPP] = {{0}};
            int last[2] = {-1, -1};
            for (uint64_t i = 0; i < sh[0];) {
                int32_t tag = got[i * COLS];
                int t = tag / 1000, k = tag % 1000;
                if (tag < 0 || t > 1 || k >= NAPP) {
                    CHECKF(0, "kind %d: row %" PRIu64 " holds %d", kind, i, tag);
                    break;
                }
                int rows = 1 + k % 2;
                for (uint64_t r = i; r < i + (uint64_t)rows && r < sh[0]; r++)
                    for (int j = 0; j < COLS; j++)
                        CHECKF(got[r * COLS + j] == tag, "kind %d: row %" PRIu64 " torn", kind, r);
                seen[t][k]++;
                CHECKF(k > last[t], "kind %d: thread %d out of order", kind, t);
                last[t] = k;
                i += (uint64_t)rows;
            }
            for (int t = 0; t < 2; t++)
                for (int k = 0; k < NAPP; k++)
                    CHECKF(seen[t][k] == 1, "kind %d: slab %d/%d seen %d times", kind, t, k, seen[t][k]);
            free(got);
        }
        CHECK_OK(zarr_close(a2));
        CHECK_OK(zarr_close(arr));
        CHECK_OK(zarr_close(root));
        tu_rmtree(dir);
    }
}

int main(void)
{
    RUN_TEST(test_grow_shrink_grow);
    RUN_TEST(test_append);
    RUN_TEST(test_concurrent_appends);
    return TEST_SUMMARY();
}
