/*
 * test_util.h - tiny test harness for the libzarr C test-suite.
 *
 * Include this header FIRST in every test program (it defines _GNU_SOURCE so
 * that mkdtemp, nftw, truncate, ... are declared under -std=c11).
 *
 *   CHECK(cond)                 a boolean assertion
 *   CHECK_OK(call)              call must return ZARR_OK; prints zarr_last_error() otherwise
 *   CHECK_ERR(call, status)     call must return exactly `status` AND leave a
 *                               non-empty zarr_last_error() message
 *   CHECK_FAILS(call)           call must return some negative status (used only
 *                               where the contract does not pin the exact status)
 *   REQUIRE(cond) / REQUIRE_OK(call)
 *                               like CHECK / CHECK_OK but `return` from the current
 *                               (void) function on failure, so the rest of a test
 *                               that depends on it is skipped
 *   RUN_TEST(fn)                run one `static void fn(void)` test, printing its name
 *   TEST_SUMMARY()              print "<prog>: N checks passed, M failed" and return the
 *                               exit status for main() (non-zero on any failure)
 *
 * The pass/fail counters are C11 atomics, so the macros may be used from
 * several threads at once.
 */
#ifndef ZARR_TEST_UTIL_H
#define ZARR_TEST_UTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "zarr.h"

/* ------------------------------------------------------------ counters */

static atomic_long tu_passed;
static atomic_long tu_failed;
static const char *tu_current_test = "";

static inline const char *tu_status_name(int st)
{
    switch (st) {
    case ZARR_OK: return "ZARR_OK";
    case ZARR_EINVAL: return "ZARR_EINVAL";
    case ZARR_ENOTFOUND: return "ZARR_ENOTFOUND";
    case ZARR_EEXISTS: return "ZARR_EEXISTS";
    case ZARR_EBADID: return "ZARR_EBADID";
    case ZARR_EMETA: return "ZARR_EMETA";
    case ZARR_ECODEC: return "ZARR_ECODEC";
    case ZARR_EIO: return "ZARR_EIO";
    case ZARR_EBOUNDS: return "ZARR_EBOUNDS";
    case ZARR_ERANGE: return "ZARR_ERANGE";
    case ZARR_ETYPE: return "ZARR_ETYPE";
    case ZARR_EREADONLY: return "ZARR_EREADONLY";
    case ZARR_EUNSUPPORTED: return "ZARR_EUNSUPPORTED";
    case ZARR_EINTERNAL: return "ZARR_EINTERNAL";
    case ZARR_ENOMEM: return "ZARR_ENOMEM";
    default: return "(unknown status)";
    }
}

static inline const char *tu_last_error(void)
{
    const char *e = zarr_last_error();
    return e ? e : "(NULL!)";
}

static inline bool tu_has_error_message(void)
{
    const char *e = zarr_last_error();
    return e != NULL && e[0] != '\0';
}

static inline void tu_pass(void) { atomic_fetch_add(&tu_passed, 1); }

__attribute__((format(printf, 3, 4))) static inline void tu_fail(const char *file, int line,
                                                               const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    atomic_fetch_add(&tu_failed, 1);
    fprintf(stderr, "FAIL %s:%d [%s]: %s\n", file, line, tu_current_test, msg);
    fflush(stderr);
}

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (cond)                                                                \
            tu_pass();                                                           \
        else                                                                     \
            tu_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                     \
    } while (0)

__attribute__((format(printf, 4, 5))) static inline void tu_failf(const char *file, int line,
                                                                const char *cond, const char *fmt,
                                                                ...)
{
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tu_fail(file, line, "CHECK(%s): %s", cond, msg);
}

/* CHECK with an extra printf-style explanation on failure. */
#define CHECKF(cond, ...)                                                        \
    do {                                                                         \
        if (cond)                                                                \
            tu_pass();                                                           \
        else                                                                     \
            tu_failf(__FILE__, __LINE__, #cond, __VA_ARGS__);                    \
    } while (0)

#define CHECK_OK(call)                                                           \
    do {                                                                         \
        int tu_rc_ = (call);                                                     \
        if (tu_rc_ == ZARR_OK)                                                   \
            tu_pass();                                                           \
        else                                                                     \
            tu_fail(__FILE__, __LINE__, "%s returned %s (%d): %s", #call,        \
                    tu_status_name(tu_rc_), tu_rc_, tu_last_error());            \
    } while (0)

#define CHECK_ERR(call, expected)                                                \
    do {                                                                         \
        int tu_rc_ = (call);                                                     \
        int tu_ex_ = (expected);                                                 \
        if (tu_rc_ == tu_ex_ && tu_has_error_message())                          \
            tu_pass();                                                           \
        else if (tu_rc_ == tu_ex_)                                               \
            tu_fail(__FILE__, __LINE__,                                          \
                    "%s returned %s as expected but zarr_last_error() is empty", \
                    #call, tu_status_name(tu_rc_));                              \
        else                                                                     \
            tu_fail(__FILE__, __LINE__, "%s: expected %s (%d), got %s (%d): %s", \
                    #call, tu_status_name(tu_ex_), tu_ex_,                       \
                    tu_status_name(tu_rc_), tu_rc_, tu_last_error());            \
    } while (0)

#define CHECK_FAILS(call)                                                        \
    do {                                                                         \
        int tu_rc_ = (call);                                                     \
        if (tu_rc_ < 0 && tu_has_error_message())                                \
            tu_pass();                                                           \
        else                                                                     \
            tu_fail(__FILE__, __LINE__,                                          \
                    "%s: expected a failure with a message, got %s (%d): %s",    \
                    #call, tu_status_name(tu_rc_), tu_rc_, tu_last_error());     \
    } while (0)

#define REQUIRE(cond)                                                            \
    do {                                                                         \
        if (cond) {                                                              \
            tu_pass();                                                           \
        } else {                                                                 \
            tu_fail(__FILE__, __LINE__, "REQUIRE(%s) - skipping rest of test",   \
                    #cond);                                                      \
            return;                                                              \
        }                                                                        \
    } while (0)

#define REQUIRE_OK(call)                                                         \
    do {                                                                         \
        int tu_rc_ = (call);                                                     \
        if (tu_rc_ == ZARR_OK) {                                                 \
            tu_pass();                                                           \
        } else {                                                                 \
            tu_fail(__FILE__, __LINE__,                                          \
                    "%s returned %s (%d): %s - skipping rest of test", #call,    \
                    tu_status_name(tu_rc_), tu_rc_, tu_last_error());            \
            return;                                                              \
        }                                                                        \
    } while (0)

#define RUN_TEST(fn)                                                             \
    do {                                                                         \
        long tu_f0_ = atomic_load(&tu_failed);                                   \
        tu_current_test = #fn;                                                   \
        printf("-- %s\n", #fn);                                                  \
        fflush(stdout);                                                          \
        fn();                                                                    \
        printf("   %s: %s\n", #fn,                                               \
               atomic_load(&tu_failed) == tu_f0_ ? "ok" : "FAILED");             \
        fflush(stdout);                                                          \
    } while (0)

static inline int tu_summary(const char *prog)
{
    long p = atomic_load(&tu_passed), f = atomic_load(&tu_failed);
    printf("%s: %ld checks passed, %ld failed\n", prog, p, f);
    fflush(stdout);
    return f == 0 && p > 0 ? 0 : 1;
}
#define TEST_SUMMARY() tu_summary(__FILE__)

/* ---------------------------------------------------- filesystem helpers */

/* Creates a fresh temporary directory; `out` receives its path. */
static inline int tu_mkdtemp(char *out, size_t n)
{
    const char *base = getenv("TMPDIR");
    if (!base || !base[0])
        base = "/tmp";
    snprintf(out, n, "%s/zarr-ctest.XXXXXX", base);
    if (!mkdtemp(out)) {
        fprintf(stderr, "mkdtemp(%s): %s\n", out, strerror(errno));
        return -1;
    }
    return 0;
}

static inline int tu_rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

/* rm -rf path (set ZARR_TEST_KEEP=1 to keep test directories for inspection). */
static inline void tu_rmtree(const char *path)
{
    const char *keep = getenv("ZARR_TEST_KEEP");
    if (keep && keep[0] == '1') {
        printf("   (kept %s)\n", path);
        return;
    }
    nftw(path, tu_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static inline bool tu_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static inline long long tu_file_size(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    return (long long)st.st_size;
}

/* snprintf into a caller buffer, returning it (for inline path building). */
static inline char *tu_fmt(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return buf;
}

static inline int tu_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    if (fclose(f) != 0 || w != len)
        return -1;
    return 0;
}

/* Reads a whole file into a malloc'd NUL-terminated buffer (NULL on error). */
static inline char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        return NULL;
    }
    for (;;) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n < cap)
            break;
        cap *= 2;
        char *nb = realloc(buf, cap + 1);
        if (!nb) {
            free(buf);
            fclose(f);
            return NULL;
        }
        buf = nb;
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* A process-unique memory:// URL. */
static inline char *tu_memory_url(char *buf, size_t n, const char *tag)
{
    static atomic_int counter;
    int c = atomic_fetch_add(&counter, 1);
    snprintf(buf, n, "memory://ctest-%ld-%s-%d", (long)getpid(), tag, c);
    return buf;
}

/* --------------------------------------------------------- JSON helpers */

/* Removes whitespace outside of JSON string literals, in place, so that
 * strstr() checks do not depend on the library's formatting. */
static inline char *tu_json_compact(char *s)
{
    char *w = s;
    bool in_str = false, esc = false;
    for (char *r = s; *r; r++) {
        char c = *r;
        if (in_str) {
            *w++ = c;
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
            *w++ = c;
        } else if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
            *w++ = c;
        }
    }
    *w = '\0';
    return s;
}

/* Fetches a snprintf-style text (zarr_attrs_get / zarr_list) into a malloc'd
 * buffer, compacted.  Returns NULL (and records a failure) on error. */
typedef int (*tu_text_fn)(int64_t, char *, size_t, size_t *);

static inline char *tu_get_text_at(tu_text_fn fn, int64_t h, const char *file, int line)
{
    size_t needed = 0;
    char probe[2] = {0, 0};
    int rc = fn(h, probe, sizeof probe, &needed);
    if (rc != ZARR_OK) {
        tu_fail(file, line, "text query returned %s (%d): %s", tu_status_name(rc), rc,
                tu_last_error());
        return NULL;
    }
    size_t cap = needed + 16;
    char *buf = malloc(cap);
    size_t needed2 = 0;
    rc = fn(h, buf, cap, &needed2);
    if (rc != ZARR_OK || needed2 != needed || strlen(buf) + 1 != needed) {
        tu_fail(file, line, "text query second call: rc=%d needed=%zu/%zu strlen=%zu: %s", rc,
                needed, needed2, strlen(buf), tu_last_error());
        free(buf);
        return NULL;
    }
    tu_pass();
    return tu_json_compact(buf);
}
#define tu_attrs(h) tu_get_text_at(zarr_attrs_get, (h), __FILE__, __LINE__)
#define tu_list(h) tu_get_text_at(zarr_list, (h), __FILE__, __LINE__)

/* In a compacted zarr_list() text, finds the object whose "name" is `name`
 * and returns true if that same object has "kind":`kind`. */
static inline bool tu_list_has(const char *json, const char *name, const char *kind)
{
    char needle[512], kneedle[128];
    snprintf(needle, sizeof needle, "\"name\":\"%s\"", name);
    snprintf(kneedle, sizeof kneedle, "\"kind\":\"%s\"", kind);
    for (const char *p = strstr(json, needle); p; p = strstr(p + 1, needle)) {
        const char *after = p + strlen(needle);
        if (*after != ',' && *after != '}')
            continue; /* prefix of a longer name */
        const char *open = p;
        while (open > json && *open != '{')
            open--;
        const char *close = strchr(p, '}');
        if (!close)
            return false;
        const char *k = strstr(open, kneedle);
        if (k && k < close)
            return true;
    }
    return false;
}

/* Number of objects in a zarr_list() result (counts "name" keys). */
static inline int tu_list_count(const char *json)
{
    int n = 0;
    for (const char *p = strstr(json, "\"name\":"); p; p = strstr(p + 1, "\"name\":"))
        n++;
    return n;
}

/* ----------------------------------------------------- selection helpers */

static inline uint64_t tu_prod(int ndim, const uint64_t *v)
{
    uint64_t p = 1;
    for (int i = 0; i < ndim; i++)
        p *= v[i];
    return p;
}

/* Flat C-order index (into an array of `shape`) of the k-th element, in C
 * order, of the selection start/count/stride (stride NULL = all 1). */
static inline uint64_t tu_sel_index(int ndim, const uint64_t *shape, const uint64_t *start,
                                    const uint64_t *count, const int64_t *stride, uint64_t k)
{
    uint64_t idx = 0, mul = 1;
    for (int d = ndim - 1; d >= 0; d--) {
        uint64_t c = k % count[d];
        k /= count[d];
        uint64_t coord = start[d] + c * (uint64_t)(stride ? stride[d] : 1);
        idx += coord * mul;
        mul *= shape[d];
    }
    return idx;
}

/* Half-precision bits of a float that is exactly representable as a normal
 * half (or zero).  Only used for test values chosen to be exact. */
static inline uint16_t tu_float_to_half_exact(float f)
{
    uint32_t b;
    memcpy(&b, &f, 4);
    uint16_t sign = (uint16_t)((b >> 16) & 0x8000u);
    if ((b & 0x7fffffffu) == 0)
        return sign;
    int e = (int)((b >> 23) & 0xff) - 127 + 15;
    uint16_t m = (uint16_t)((b >> 13) & 0x3ffu);
    return (uint16_t)(sign | (uint16_t)(e << 10) | m);
}

#endif /* ZARR_TEST_UTIL_H */
