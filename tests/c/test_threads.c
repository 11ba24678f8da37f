/*
 * test_threads.c - concurrency:
 *  1. 8 pthreads write disjoint (strided) elements of the SAME chunk many
 *     times (every write is a partial read-modify-write of that chunk); each
 *     thread re-reads its own elements after every write, and at the end no
 *     write may have been lost.  Half the threads share one array handle, the
 *     others open their own.  Filesystem (v3, v2) and memory://.
 *  2. Readers read static chunks while writers rewrite other chunks of the
 *     same array; readers must always see the right values, and the writers'
 *     final values must all be there.
 *  3. Handles opened and closed concurrently are unique.
 *  4. Two threads put and delete DIFFERENT attributes of one group and of
 *     one array (zarr_attr_put_text / zarr_attr_delete, one through the
 *     shared handle, one through its own): neither loses the other's
 *     changes (each is one compare-and-swap update of the node's metadata).
 *     Filesystem (v3, v2) and memory://.
 * Set ZARR_TEST_ITERS to change the number of iterations (default 150).
 */
#include "test_util.h"

#include <pthread.h>

static int iters(void)
{
    const char *e = getenv("ZARR_TEST_ITERS");
    int n = e ? atoi(e) : 0;
    return n > 0 ? n : 150;
}

enum { NT = 8, ROWS = 16, COLS = 16 };

struct rmw_ctx {
    int64_t root;
    int64_t shared_arr;
    int id;
    int iters;
    int fails;
    char msg[512];
};

/* value of element (r, c) after iteration `it` */
static int32_t rmw_value(int it, int r, int c) { return it * 1000 + r * COLS + c; }

static void *rmw_thread(void *p)
{
    struct rmw_ctx *t = p;
    int64_t arr = t->shared_arr;
    bool own = (t->id % 2) == 1;
    if (own && zarr_array_open(t->root, "same", &arr) != ZARR_OK) {
        t->fails++;
        snprintf(t->msg, sizeof t->msg, "array_open: %s", zarr_last_error());
        return NULL;
    }
    /* Thread t owns columns t and t + 8 of the single 16x16 chunk. */
    uint64_t st[2] = {0, (uint64_t)t->id}, ct[2] = {ROWS, 2};
    int64_t sd[2] = {1, NT};
    int32_t buf[ROWS * 2], back[ROWS * 2];
    for (int it = 0; it < t->iters; it++) {
        for (int r = 0; r < ROWS; r++)
            for (int k = 0; k < 2; k++)
                buf[r * 2 + k] = rmw_value(it, r, t->id + k * NT);
        int rc;
        if (it % 3 == 2) {
            /* a single-element write now and then */
            uint64_t s1[2] = {(uint64_t)(it % ROWS), (uint64_t)t->id}, one[2] = {1, 1};
            int32_t v = rmw_value(it, it % ROWS, t->id);
            rc = zarr_array_write(arr, s1, one, NULL, ZARR_INT32, &v, sizeof v);
            /* keep the rest of the columns at this iteration's values too */
            if (rc == ZARR_OK)
                rc = zarr_array_write(arr, st, ct, sd, ZARR_INT32, buf, sizeof buf);
        } else {
            rc = zarr_array_write(arr, st, ct, sd, ZARR_INT32, buf, sizeof buf);
        }
        if (rc != ZARR_OK) {
            t->fails++;
            snprintf(t->msg, sizeof t->msg, "iteration %d: write %d: %s", it, rc, zarr_last_error());
            break;
        }
        rc = zarr_array_read(arr, st, ct, sd, ZARR_INT32, back, sizeof back);
        if (rc != ZARR_OK) {
            t->fails++;
            snprintf(t->msg, sizeof t->msg, "iteration %d: read %d: %s", it, rc, zarr_last_error());
            break;
        }
        if (memcmp(buf, back, sizeof buf) != 0) {
            /* nobody else writes these columns: a difference is a lost write */
            t->fails++;
            for (int k = 0; k < ROWS * 2; k++)
                if (buf[k] != back[k]) {
                    snprintf(t->msg, sizeof t->msg, "iteration %d: own element %d reads %d, wrote %d", it, k,
                             back[k], buf[k]);
                    break;
                }
            break;
        }
    }
    if (own)
        zarr_close(arr);
    return NULL;
}

static void rmw_case(const char *url, const char *opts, const char *label, const char *codecs)
{
    int64_t root = -1, arr = -1;
    REQUIRE_OK(zarr_open_with_options(url, ZARR_CREATE, opts, &root));
    uint64_t shape[2] = {ROWS, COLS}, chunks[2] = {ROWS, COLS}; /* ONE chunk */
    REQUIRE_OK(zarr_array_create(root, "same", ZARR_INT32, 2, shape, chunks, codecs, NULL, &arr));
    pthread_t th[NT];
    struct rmw_ctx ctx[NT];
    int n = iters();
    for (int i = 0; i < NT; i++) {
        memset(&ctx[i], 0, sizeof ctx[i]);
        ctx[i].root = root;
        ctx[i].shared_arr = arr;
        ctx[i].id = i;
        ctx[i].iters = n;
        REQUIRE(pthread_create(&th[i], NULL, rmw_thread, &ctx[i]) == 0);
    }
    for (int i = 0; i < NT; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < NT; i++)
        CHECKF(ctx[i].fails == 0, "%s: thread %d: %s", label, i, ctx[i].msg);
    /* Final state: every element holds its owner's last value. */
    int32_t all[ROWS * COLS];
    uint64_t st[2] = {0, 0};
    CHECK_OK(zarr_array_read(arr, st, shape, NULL, ZARR_INT32, all, sizeof all));
    int lost = 0, first = -1;
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < COLS; c++)
            if (all[r * COLS + c] != rmw_value(n - 1, r, c)) {
                lost++;
                if (first < 0)
                    first = r * COLS + c;
            }
    CHECKF(lost == 0, "%s: %d elements lost their last write (first: element %d = %d, expected %d)", label, lost,
           first, first >= 0 ? all[first] : 0, first >= 0 ? rmw_value(n - 1, first / COLS, first % COLS) : 0);
    /* And the same through a fresh root (what is in the store, not a cache). */
    int64_t r2 = -1, a2 = -1;
    CHECK_OK(zarr_open(url, ZARR_READ, &r2));
    CHECK_OK(zarr_array_open(r2, "same", &a2));
    int32_t again[ROWS * COLS];
    CHECK_OK(zarr_array_read(a2, st, shape, NULL, ZARR_INT32, again, sizeof again));
    CHECK(memcmp(all, again, sizeof all) == 0);
    zarr_close(a2);
    zarr_close(r2);
    zarr_close(arr);
    zarr_close(root);
}

static void test_same_chunk_rmw(void)
{
    char dir[512], url[1024];
    REQUIRE(tu_mkdtemp(dir, sizeof dir) == 0);
    snprintf(url, sizeof url, "%s/v3.zarr", dir);
    rmw_case(url, "{\"zarr_format\":3}", "fs v3 zstd", NULL);
    snprintf(url, sizeof url, "%s/v3raw.zarr", dir);
    rmw_case(url, "{\"zarr_format\":3}", "fs v3 raw", "[]");
    snprintf(url, sizeof url, "%s/v2.zarr", dir);
    rmw_case(url, "{\"zarr_format\":2}", "fs v2 zstd", NULL);
    tu_memory_url(url, sizeof url, "rmw");
    rmw_case(url, NULL, "memory v3", NULL);
    tu_rmtree(dir);
}

/* ------------------------------------------------ readers next to writers */

enum { NCHUNK = 8, CLEN = 256, NWRITERS = 4, NREADERS = 4 };

struct rw_ctx {
    int64_t root, arr;
    int id;
    int iters;
    int fails;
    long reads;
    char msg[512];
    atomic_int *writers_done;
};

static int64_t static_value(int row, int k) { return (int64_t)row * 1000000 + k; }
static int64_t gen_value(int row, int gen, int k) { return -((int64_t)row * 100000000 + (int64_t)gen * 1000 + k); }

static void *writer_thread(void *p)
{
    struct rw_ctx *t = p;
    int row = t->id; /* rows 0..3 (one chunk each) */
    int64_t buf[CLEN];
    for (int g = 0; g < t->iters; g++) {
        for (int k = 0; k < CLEN; k++)
            buf[k] = gen_value(row, g, k);
        uint64_t st[2] = {(uint64_t)row, 0}, ct[2] = {1, CLEN};
        int rc;
        if (g % 2 == 0) {
            rc = zarr_array_write(t->arr, st, ct, NULL, ZARR_INT64, buf, sizeof buf);
        } else {
            /* partial writes: two strided halves */
            uint64_t c2[2] = {1, CLEN / 2};
            int64_t sd[2] = {1, 2};
            int64_t half[CLEN / 2];
            for (int k = 0; k < CLEN / 2; k++)
                half[k] = buf[2 * k];
            rc = zarr_array_write(t->arr, st, c2, sd, ZARR_INT64, half, sizeof half);
            if (rc == ZARR_OK) {
                uint64_t s2[2] = {(uint64_t)row, 1};
                for (int k = 0; k < CLEN / 2; k++)
                    half[k] = buf[2 * k + 1];
                rc = zarr_array_write(t->arr, s2, c2, sd, ZARR_INT64, half, sizeof half);
            }
        }
        if (rc != ZARR_OK) {
            t->fails++;
            snprintf(t->msg, sizeof t->msg, "writer %d gen %d: %d %s", row, g, rc, zarr_last_error());
            break;
        }
    }
    atomic_fetch_add(t->writers_done, 1);
    return NULL;
}

static void *reader_thread(void *p)
{
    struct rw_ctx *t = p;
    int64_t arr = t->arr;
    /* odd readers use their own array handle */
    if (t->id % 2) {
        if (zarr_array_open(t->root, "rw", &arr) != ZARR_OK) {
            t->fails++;
            snprintf(t->msg, sizeof t->msg, "reader %d open: %s", t->id, zarr_last_error());
            return NULL;
        }
    }
    int64_t buf[NREADERS * CLEN];
    do {
        /* rows 4..7 are never written during the test */
        uint64_t st[2] = {NWRITERS, 0}, ct[2] = {NCHUNK - NWRITERS, CLEN};
        int rc = zarr_array_read(arr, st, ct, NULL, ZARR_INT64, buf, sizeof buf);
        if (rc != ZARR_OK) {
            t->fails++;
            snprintf(t->msg, sizeof t->msg, "reader %d: %d %s", t->id, rc, zarr_last_error());
            break;
        }
        for (int r = 0; r < NCHUNK - NWRITERS; r++)
            for (int k = 0; k < CLEN; k++)
                if (buf[r * CLEN + k] != static_value(NWRITERS + r, k)) {
                    t->fails++;
                    snprintf(t->msg, sizeof t->msg, "reader %d: row %d elem %d = %" PRId64, t->id, NWRITERS + r, k,
                             buf[r * CLEN + k]);
                    goto out;
                }
        /* a strided read across the static rows, as float64 */
        double d[4];
        uint64_t s2[2] = {NWRITERS, 3}, c2[2] = {4, 1};
        int64_t sd2[2] = {1, 1};
        rc = zarr_array_read(arr, s2, c2, sd2, ZARR_FLOAT64, d, sizeof d);
        if (rc != ZARR_OK || d[0] != (double)static_value(NWRITERS, 3) || d[3] != (double)static_value(NCHUNK - 1, 3)) {
            t->fails++;
            snprintf(t->msg, sizeof t->msg, "reader %d: strided read %d", t->id, rc);
            break;
        }
        t->reads++;
    } while (atomic_load(t->writers_done) < NWRITERS || t->reads < 3);
out:
    if (t->id % 2)
        zarr_close(arr);
    return NULL;
}

static void readers_writers_case(const char *url, const char *label)
{
    int64_t root = -1, arr = -1;
    REQUIRE_OK(zarr_open(url, ZARR_CREATE, &root));
    uint64_t shape[2] = {NCHUNK, CLEN}, chunks[2] = {1, CLEN}, st[2] = {0, 0};
    REQUIRE_OK(zarr_array_create(root, "rw", ZARR_INT64, 2, shape, chunks, NULL, NULL, &arr));
    static int64_t init[NCHUNK * CLEN];
    for (int r = 0; r < NCHUNK; r++)
        for (int k = 0; k < CLEN; k++)
            init[r * CLEN + k] = static_value(r, k);
    REQUIRE_OK(zarr_array_write(arr, st, shape, NULL, ZARR_INT64, init, sizeof init));
    atomic_int done = 0;
    pthread_t th[NWRITERS + NREADERS];
    struct rw_ctx ctx[NWRITERS + NREADERS];
    int n = iters();
    for (int i = 0; i < NWRITERS + NREADERS; i++) {
        memset(&ctx[i], 0, sizeof ctx[i]);
        ctx[i].root = root;
        ctx[i].arr = arr;
        ctx[i].id = i < NWRITERS ? i : i - NWRITERS;
        ctx[i].iters = n;
        ctx[i].writers_done = &done;
        REQUIRE(pthread_create(&th[i], NULL, i < NWRITERS ? writer_thread : reader_thread, &ctx[i]) == 0);
    }
    for (int i = 0; i < NWRITERS + NREADERS; i++)
        pthread_join(th[i], NULL);
    long total_reads = 0;
    for (int i = 0; i < NWRITERS + NREADERS; i++) {
        CHECKF(ctx[i].fails == 0, "%s: %s", label, ctx[i].msg);
        if (i >= NWRITERS)
            total_reads += ctx[i].reads;
    }
    CHECK(total_reads >= NREADERS * 3);
    /* Writers' last generation everywhere in rows 0..3, rows 4..7 untouched. */
    static int64_t all[NCHUNK * CLEN];
    CHECK_OK(zarr_array_read(arr, st, shape, NULL, ZARR_INT64, all, sizeof all));
    int bad = 0;
    for (int r = 0; r < NCHUNK; r++)
        for (int k = 0; k < CLEN; k++) {
            int64_t want = r < NWRITERS ? gen_value(r, n - 1, k) : static_value(r, k);
            bad += all[r * CLEN + k] != want;
        }
    CHECKF(bad == 0, "%s: %d elements wrong after the concurrent writes", label, bad);
    zarr_close(arr);
    zarr_close(root);
}

static void test_readers_and_writers(void)
{
    char dir[512], url[1024];
    REQUIRE(tu_mkdtemp(dir, sizeof dir) == 0);
    snprintf(url, sizeof url, "%s/rw.zarr", dir);
    readers_writers_case(url, "fs");
    tu_memory_url(url, sizeof url, "rw");
    readers_writers_case(url, "memory");
    tu_rmtree(dir);
}

/* ------------------------------------------- concurrent open/close of handles */

enum { HT = 8, HN = 100 };

struct h_ctx {
    int64_t root;
    int64_t ids[HN];
    int n;
    int fails;
};

static void *handle_thread(void *p)
{
    struct h_ctx *t = p;
    for (int i = 0; i < HN; i++) {
        int64_t h = -1;
        int rc = (i % 2) ? zarr_array_open(t->root, "h", &h) : zarr_group_open(t->root, "g", &h);
        if (rc != ZARR_OK) {
            t->fails++;
            continue;
        }
        t->ids[t->n++] = h;
        int nd = -1;
        if ((i % 2) && (zarr_array_ndim(h, &nd) != ZARR_OK || nd != 1))
            t->fails++;
        if (zarr_close(h) != ZARR_OK)
            t->fails++;
        if (zarr_close(h) != ZARR_EBADID)
            t->fails++;
    }
    return NULL;
}

static void test_concurrent_handles(void)
{
    char url[256];
    tu_memory_url(url, sizeof url, "handles");
    int64_t root = -1, a = -1, g = -1;
    REQUIRE_OK(zarr_open(url, ZARR_CREATE, &root));
    uint64_t shape[1] = {4};
    REQUIRE_OK(zarr_array_create(root, "h", ZARR_INT8, 1, shape, shape, NULL, NULL, &a));
    REQUIRE_OK(zarr_group_create(root, "g", NULL, &g));
    static struct h_ctx ctx[HT];
    pthread_t th[HT];
    for (int i = 0; i < HT; i++) {
        memset(&ctx[i], 0, sizeof ctx[i]);
        ctx[i].root = root;
        REQUIRE(pthread_create(&th[i], NULL, handle_thread, &ctx[i]) == 0);
    }
    for (int i = 0; i < HT; i++)
        pthread_join(th[i], NULL);
    static int64_t all[HT * HN];
    int n = 0;
    for (int i = 0; i < HT; i++) {
        CHECKF(ctx[i].fails == 0, "handle thread %d: %d failures", i, ctx[i].fails);
        for (int k = 0; k < ctx[i].n; k++)
            all[n++] = ctx[i].ids[k];
    }
    CHECK(n == HT * HN);
    int dups = 0;
    for (int i = 0; i < n; i++) {
        if (all[i] == root || all[i] == a || all[i] == g)
            dups++;
        for (int j = i + 1; j < n; j++)
            dups += all[i] == all[j];
    }
    CHECKF(dups == 0, "%d duplicate handle ids among %d opened concurrently", dups, n);
    zarr_close(g);
    zarr_close(a);
    zarr_close(root);
}

/* --------------------------------------- attributes of one node, two threads */

struct attr_ctx {
    int64_t root, shared;
    const char *path; /* the node, for the thread that opens its own handle */
    bool is_array;
    int id, iters, fails;
    char msg[512];
};

/* Attribute i of thread `id` is put; when i % 4 == 3, attribute i - 1 is
 * deleted again: what stays is every i with i % 4 != 2. */
static void *attr_thread(void *p)
{
    struct attr_ctx *t = p;
    int64_t h = t->shared;
    bool own = t->id == 1;
    if (own && (t->is_array ? zarr_array_open(t->root, t->path, &h) : zarr_group_open(t->root, t->path, &h)) != ZARR_OK) {
        t->fails++;
        snprintf(t->msg, sizeof t->msg, "open: %s", zarr_last_error());
        return NULL;
    }
    for (int i = 0; i < t->iters; i++) {
        char name[64], text[64];
        snprintf(name, sizeof name, "t%d_%d", t->id, i);
        snprintf(text, sizeof text, "value %d of thread %d", i, t->id);
        if (zarr_attr_put_text(h, name, text) != ZARR_OK) {
            t->fails++;
            snprintf(t->msg, sizeof t->msg, "put %s: %s", name, zarr_last_error());
            break;
        }
        if (i % 4 == 3) {
            snprintf(name, sizeof name, "t%d_%d", t->id, i - 1);
            if (zarr_attr_delete(h, name) != ZARR_OK) {
                t->fails++;
                snprintf(t->msg, sizeof t->msg, "delete %s: %s", name, zarr_last_error());
                break;
            }
        }
    }
    if (own)
        zarr_close(h);
    return NULL;
}

/* Every attribute of both threads is there (or deleted) as the threads left it. */
static void check_attrs_of(int64_t h, int n, const char *label)
{
    int missing = 0, extra = 0, wrong = 0;
    for (int id = 0; id < 2; id++)
        for (int i = 0; i < n; i++) {
            char name[64], want[64], got[64];
            snprintf(name, sizeof name, "t%d_%d", id, i);
            snprintf(want, sizeof want, "value %d of thread %d", i, id);
            size_t needed = 0;
            int rc = zarr_attr_get_text(h, name, got, sizeof got, &needed);
            bool kept = i % 4 != 2 || i == n - 1;
            if (kept && rc != ZARR_OK)
                missing++;
            else if (kept && strcmp(got, want) != 0)
                wrong++;
            else if (!kept && rc != ZARR_ENOTFOUND)
                extra++;
        }
    CHECKF(missing == 0 && extra == 0 && wrong == 0,
           "%s: %d attributes lost, %d deleted ones back, %d with a wrong value", label, missing, extra, wrong);
}

static void attrs_case(const char *url, const char *opts, const char *label)
{
    int64_t root = -1, g = -1, a = -1;
    REQUIRE_OK(zarr_open_with_options(url, ZARR_CREATE, opts, &root));
    REQUIRE_OK(zarr_group_create(root, "g", NULL, &g));
    uint64_t shape[1] = {4};
    REQUIRE_OK(zarr_array_create(root, "a", ZARR_INT8, 1, shape, shape, NULL, NULL, &a));
    int n = iters();
    for (int node = 0; node < 2; node++) {
        pthread_t th[2];
        struct attr_ctx ctx[2];
        for (int i = 0; i < 2; i++) {
            memset(&ctx[i], 0, sizeof ctx[i]);
            ctx[i].root = root;
            ctx[i].shared = node ? a : g;
            ctx[i].path = node ? "a" : "g";
            ctx[i].is_array = node == 1;
            ctx[i].id = i;
            ctx[i].iters = n;
            REQUIRE(pthread_create(&th[i], NULL, attr_thread, &ctx[i]) == 0);
        }
        for (int i = 0; i < 2; i++)
            pthread_join(th[i], NULL);
        for (int i = 0; i < 2; i++)
            CHECKF(ctx[i].fails == 0, "%s %s: thread %d: %s", label, ctx[i].path, i, ctx[i].msg);
    }
    /* What is in the store, through a fresh root (no handle's cache). */
    int64_t r2 = -1, g2 = -1, a2 = -1;
    REQUIRE_OK(zarr_open(url, ZARR_READ, &r2));
    REQUIRE_OK(zarr_group_open(r2, "g", &g2));
    REQUIRE_OK(zarr_array_open(r2, "a", &a2));
    char what[128];
    check_attrs_of(g2, n, tu_fmt(what, sizeof what, "%s group", label));
    check_attrs_of(a2, n, tu_fmt(what, sizeof what, "%s array", label));
    zarr_close(a2);
    zarr_close(g2);
    zarr_close(r2);
    zarr_close(a);
    zarr_close(g);
    zarr_close(root);
}

static void test_attributes_from_two_threads(void)
{
    char dir[512], url[1024];
    REQUIRE(tu_mkdtemp(dir, sizeof dir) == 0);
    snprintf(url, sizeof url, "%s/v3.zarr", dir);
    attrs_case(url, "{\"zarr_format\":3}", "fs v3");
    snprintf(url, sizeof url, "%s/v2.zarr", dir);
    attrs_case(url, "{\"zarr_format\":2}", "fs v2");
    tu_memory_url(url, sizeof url, "attrs");
    attrs_case(url, NULL, "memory v3");
    tu_rmtree(dir);
}

int main(void)
{
    RUN_TEST(test_same_chunk_rmw);
    RUN_TEST(test_readers_and_writers);
    RUN_TEST(test_concurrent_handles);
    RUN_TEST(test_attributes_from_two_threads);
    return TEST_SUMMARY();
}
