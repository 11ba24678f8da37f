/*
 * test_basics.c - version macros/functions, zarr_strerror, zarr_last_error
 * (empty before any failure, set by a failure, per thread), zarr_set_num_threads.
 */
#include "test_util.h"

#include <ctype.h>
#include <pthread.h>
#include <sched.h>

#if !defined(ZARR_VERSION_MAJOR) || !defined(ZARR_VERSION_MINOR) || \
    !defined(ZARR_VERSION_PATCH) || !defined(ZARR_VERSION_NUMBER)
#error "zarr.h must define ZARR_VERSION_MAJOR/MINOR/PATCH/NUMBER as macros"
#endif
/* The macros must agree with each other at preprocessing time too. */
#if ZARR_VERSION_NUMBER != (ZARR_VERSION_MAJOR * 10000 + ZARR_VERSION_MINOR * 100 + ZARR_VERSION_PATCH)
#error "ZARR_VERSION_NUMBER != MAJOR*10000 + MINOR*100 + PATCH"
#endif

static const int all_statuses[] = {
    ZARR_OK,     ZARR_EINVAL, ZARR_ENOTFOUND, ZARR_EEXISTS,      ZARR_EBADID,
    ZARR_EMETA,  ZARR_ECODEC, ZARR_EIO,       ZARR_EBOUNDS,      ZARR_ERANGE,
    ZARR_ETYPE,  ZARR_EREADONLY,              ZARR_EUNSUPPORTED, ZARR_EINTERNAL,
};
#define N_STATUSES ((int)(sizeof all_statuses / sizeof all_statuses[0]))

static void test_constants(void)
{
    /* The numeric values are part of the ABI. */
    CHECK(ZARR_OK == 0);
    CHECK(ZARR_EINVAL == -1);
    CHECK(ZARR_ENOTFOUND == -2);
    CHECK(ZARR_EEXISTS == -3);
    CHECK(ZARR_EBADID == -4);
    CHECK(ZARR_EMETA == -5);
    CHECK(ZARR_ECODEC == -6);
    CHECK(ZARR_EIO == -7);
    CHECK(ZARR_EBOUNDS == -8);
    CHECK(ZARR_ERANGE == -9);
    CHECK(ZARR_ETYPE == -10);
    CHECK(ZARR_EREADONLY == -11);
    CHECK(ZARR_EUNSUPPORTED == -12);
    CHECK(ZARR_EINTERNAL == -13);
    CHECK(ZARR_READ == 0);
    CHECK(ZARR_WRITE == 1);
    CHECK(ZARR_CREATE == 2);
    CHECK(ZARR_NATIVE == 0);
    CHECK(ZARR_BOOL == 1);
    CHECK(ZARR_INT8 == 2);
    CHECK(ZARR_INT16 == 3);
    CHECK(ZARR_INT32 == 4);
    CHECK(ZARR_INT64 == 5);
    CHECK(ZARR_UINT8 == 6);
    CHECK(ZARR_UINT16 == 7);
    CHECK(ZARR_UINT32 == 8);
    CHECK(ZARR_UINT64 == 9);
    CHECK(ZARR_FLOAT32 == 10);
    CHECK(ZARR_FLOAT64 == 11);
    CHECK(ZARR_FLOAT16 == 12);
}

static void test_version(void)
{
    CHECK(ZARR_VERSION_NUMBER ==
          ZARR_VERSION_MAJOR * 10000 + ZARR_VERSION_MINOR * 100 + ZARR_VERSION_PATCH);
    CHECK(zarr_version_number() == (unsigned)ZARR_VERSION_NUMBER);
    CHECK(ZARR_VERSION_MINOR < 100 && ZARR_VERSION_PATCH < 100);

    const char *v = zarr_version();
    REQUIRE(v != NULL);
    /* zarr_version() starts with "MAJOR.MINOR.PATCH" (a pre-release/build suffix may follow). */
    char expect[64];
    snprintf(expect, sizeof expect, "%d.%d.%d", ZARR_VERSION_MAJOR, ZARR_VERSION_MINOR,
             ZARR_VERSION_PATCH);
    CHECKF(strncmp(v, expect, strlen(expect)) == 0, "zarr_version()=\"%s\", macros say %s", v,
           expect);
    char next = v[strlen(expect) < strlen(v) ? strlen(expect) : strlen(v)];
    CHECKF(next == '\0' || next == '-' || next == '+' || next == ' ',
           "zarr_version()=\"%s\" has a longer numeric part than %s", v, expect);
    /* Stable pointer: calling again gives the same text. */
    CHECK(strcmp(zarr_version(), v) == 0);
    printf("   libzarr %s (number %u)\n", v, zarr_version_number());
}

static void test_strerror(void)
{
    const char *texts[N_STATUSES];
    for (int i = 0; i < N_STATUSES; i++) {
        const char *s = zarr_strerror(all_statuses[i]);
        CHECKF(s != NULL && s[0] != '\0', "zarr_strerror(%d) is NULL or empty", all_statuses[i]);
        texts[i] = s ? s : "";
    }
    /* Every status has its own description. */
    for (int i = 0; i < N_STATUSES; i++)
        for (int j = i + 1; j < N_STATUSES; j++)
            CHECKF(strcmp(texts[i], texts[j]) != 0, "zarr_strerror(%d) == zarr_strerror(%d) == \"%s\"",
                   all_statuses[i], all_statuses[j], texts[i]);
    /* Unknown statuses still give a usable, non-NULL string. */
    int unknown[] = {-14, -999, 1, 42, -2147483647 - 1, 2147483647};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *s = zarr_strerror(unknown[i]);
        CHECKF(s != NULL && s[0] != '\0', "zarr_strerror(%d) is NULL or empty", unknown[i]);
    }
}

/* zarr_last_error() is "" on a thread that has not seen a failure. */
static void *fresh_thread_last_error(void *arg)
{
    (void)arg;
    const char *e = zarr_last_error();
    return (void *)(uintptr_t)(e != NULL && e[0] == '\0');
}

static void test_last_error_initially_empty(void)
{
    const char *e = zarr_last_error();
    CHECKF(e != NULL && e[0] == '\0', "zarr_last_error() before any call is \"%s\"",
           e ? e : "(NULL)");
    pthread_t t;
    void *res = NULL;
    REQUIRE(pthread_create(&t, NULL, fresh_thread_last_error, NULL) == 0);
    pthread_join(t, &res);
    CHECK(res == (void *)(uintptr_t)1);
}

struct err_thread {
    int id;
    int ok;
    char first[512];
    char msg[600];
};

/* Each thread provokes its own kind of failure many times; its message must
 * never change under it (another thread's failure must not leak into it). */
static void *thread_own_error(void *arg)
{
    struct err_thread *t = arg;
    char url[256];
    snprintf(url, sizeof url, "/nonexistent-zarr-ctest-dir-%d/thread%d.zarr", t->id, t->id);
    int64_t h = 77;
    t->ok = 1;
    for (int i = 0; i < 300; i++) {
        int rc, want;
        switch (t->id % 3) {
        case 0:
            rc = zarr_close(123456789 + t->id);
            want = ZARR_EBADID;
            break;
        case 1:
            rc = zarr_open(NULL, ZARR_READ, &h);
            want = ZARR_EINVAL;
            break;
        default:
            rc = zarr_open(url, ZARR_READ, &h);
            want = ZARR_ENOTFOUND;
            break;
        }
        const char *e = zarr_last_error();
        if (rc != want || h != 77 || !e || !e[0]) {
            t->ok = 0;
            snprintf(t->msg, sizeof t->msg, "iteration %d: rc=%d (want %d) h=%" PRId64 " last_error=\"%s\"",
                     i, rc, want, h, e ? e : "(NULL)");
            return NULL;
        }
        if (i == 0) {
            snprintf(t->first, sizeof t->first, "%s", e);
        } else if (strcmp(t->first, e) != 0) {
            t->ok = 0;
            snprintf(t->msg, sizeof t->msg, "iteration %d: message changed from \"%.200s\" to \"%.200s\"",
                     i, t->first, e);
            return NULL;
        }
        sched_yield();
    }
    return NULL;
}

static void test_last_error_is_per_thread(void)
{
    /* Main thread: provoke one error and remember its message. */
    int64_t h = 5;
    CHECK_ERR(zarr_group_open(123456789, "x", &h), ZARR_EBADID);
    char main_msg[512];
    snprintf(main_msg, sizeof main_msg, "%s", zarr_last_error());
    CHECK(main_msg[0] != '\0');

    enum { NT = 6 };
    pthread_t th[NT];
    struct err_thread ts[NT];
    for (int i = 0; i < NT; i++) {
        memset(&ts[i], 0, sizeof ts[i]);
        ts[i].id = i;
        REQUIRE(pthread_create(&th[i], NULL, thread_own_error, &ts[i]) == 0);
    }
    for (int i = 0; i < NT; i++) {
        pthread_join(th[i], NULL);
        CHECKF(ts[i].ok, "thread %d: %s", i, ts[i].msg);
    }
    /* Different kinds of failure give different messages. */
    CHECK(strcmp(ts[0].first, ts[1].first) != 0);
    CHECK(strcmp(ts[1].first, ts[2].first) != 0);
    /* The missing-path message names the path that was asked for. */
    CHECKF(strstr(ts[2].first, "thread2.zarr") != NULL, "ENOTFOUND message \"%s\" does not name the path",
           ts[2].first);
    /* The other threads' failures did not overwrite this thread's message. */
    CHECKF(strcmp(zarr_last_error(), main_msg) == 0, "main last_error changed from \"%s\" to \"%s\"",
           main_msg, zarr_last_error());
    CHECK(h == 5);
}

static void test_error_message_content(void)
{
    /* A made-up handle: EBADID with a message. */
    int nd = -7;
    CHECK_ERR(zarr_array_ndim(987654321, &nd), ZARR_EBADID);
    CHECK(nd == -7);
    /* NULL pointer: EINVAL with a message. */
    CHECK_ERR(zarr_open(NULL, ZARR_READ, NULL), ZARR_EINVAL);
    /* The message pointer stays valid and readable until the next call on this thread. */
    const char *e1 = zarr_last_error();
    size_t len = strlen(e1);
    CHECK(len > 0);
    for (size_t i = 0; i < len; i++)
        if (!isprint((unsigned char)e1[i]) && !((unsigned char)e1[i] & 0x80)) {
            CHECKF(0, "unprintable byte 0x%02x in last_error \"%s\"", (unsigned char)e1[i], e1);
            break;
        }
}

static void test_num_threads(void)
{
    CHECK_OK(zarr_set_num_threads(1));
    CHECK_OK(zarr_set_num_threads(4));
    CHECK_ERR(zarr_set_num_threads(-1), ZARR_EINVAL);
    CHECK_OK(zarr_set_num_threads(2));

    /* Reads/writes still work with a changed pool. */
    char url[128];
    tu_memory_url(url, sizeof url, "nt");
    int64_t root = -1, arr = -1;
    REQUIRE_OK(zarr_open(url, ZARR_CREATE, &root));
    uint64_t shape[1] = {1000}, chunks[1] = {64};
    REQUIRE_OK(zarr_array_create(root, "a", ZARR_INT32, 1, shape, chunks, NULL, NULL, &arr));
    int32_t w[1000], r[1000];
    for (int i = 0; i < 1000; i++)
        w[i] = i * 3 - 500;
    uint64_t st[1] = {0};
    for (int n = 1; n <= 4; n++) {
        CHECK_OK(zarr_set_num_threads(n));
        CHECK_OK(zarr_array_write(arr, st, shape, NULL, ZARR_INT32, w, sizeof w));
        memset(r, 0, sizeof r);
        CHECK_OK(zarr_array_read(arr, st, shape, NULL, ZARR_INT32, r, sizeof r));
        CHECK(memcmp(w, r, sizeof r) == 0);
        w[n] = -n;
    }
    CHECK_OK(zarr_close(arr));
    CHECK_OK(zarr_close(root));
}

int main(void)
{
    /* Must run first: nothing has failed yet on this thread. */
    RUN_TEST(test_last_error_initially_empty);
    RUN_TEST(test_constants);
    RUN_TEST(test_version);
    RUN_TEST(test_strerror);
    RUN_TEST(test_last_error_is_per_thread);
    RUN_TEST(test_error_message_content);
    RUN_TEST(test_num_threads);
    return TEST_SUMMARY();
}
