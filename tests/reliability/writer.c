/* tests/reliability/writer.c - the writer processes of the reliability tests
 * (tests/reliability/test_*.py), against the C API.
 *
 *   writer setup  URL OPTS                create the hierarchy the modes below use
 *   writer append URL OPTS P N            N appends of 3 rows to "a", each row all
 *                                         (P+1)*100000 + i (i = append number)
 *   writer attrs  URL OPTS P N            N attribute puts "p<P>_<i>" = i on the root
 *   writer crash  URL OPTS SEED LOG       the crash workload (below) until killed,
 *                                         appending "<k>\n" to LOG before op k
 *   writer chunks URL OPTS N              N whole-chunk writes to "p" (durability count)
 *   writer rewrite URL OPTS N             N rewrites of the whole sharded "s", rewrite i
 *                                         setting every element to i + 1 (torn reads)
 *
 * OPTS is the options JSON of zarr_open_with_options ("" for none).
 *
 * Crash workload: op k = 1, 2, ... chosen by a xorshift64 generator seeded by
 * SEED; tests/reliability/model.py replays the same sequence.  Ops: a
 * rectangle of "p" (int32, 48 columns, chunks 16x16) set to k; a resize of
 * "p" to 16..95 rows; an append of 1..5 rows of k to "p" (a resize to 48 rows
 * once p has 300); a rectangle of the sharded "s" (32x32, shards 16x16, inner
 * chunks 4x4) set to k; the root attribute "a<k%7>" = k; consolidation.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zarr.h"

#define CHECK(call)                                                                              \
    do {                                                                                         \
        int st_ = (call);                                                                        \
        if (st_ != ZARR_OK) {                                                                    \
            fprintf(stderr, "writer: %s failed: %s (%s)\n", #call, zarr_strerror(st_),            \
                    zarr_last_error());                                                          \
            exit(2);                                                                             \
        }                                                                                        \
    } while (0)

static uint64_t rng;
static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int64_t open_root(const char *url, const char *opts, int mode) {
    int64_t root;
    CHECK(zarr_open_with_options(url, mode, opts[0] ? opts : NULL, &root));
    return root;
}

static void setup(int64_t root) {
    int64_t a, p, s;
    uint64_t a_shape[2] = {0, 8}, a_chunks[2] = {4, 8};
    CHECK(zarr_array_create(root, "a", ZARR_INT32, 2, a_shape, a_chunks, NULL, NULL, &a));
    uint64_t p_shape[2] = {48, 48}, p_chunks[2] = {16, 16};
    CHECK(zarr_array_create(root, "p", ZARR_INT32, 2, p_shape, p_chunks, NULL, NULL, &p));
    uint64_t s_shape[2] = {32, 32}, s_shard[2] = {16, 16}, s_inner[2] = {4, 4};
    CHECK(zarr_array_create_sharded(root, "s", ZARR_INT32, 2, s_shape, s_shard, s_inner, NULL, NULL, &s));
    CHECK(zarr_close(a));
    CHECK(zarr_close(p));
    CHECK(zarr_close(s));
}

/* A rectangle inside rows x cols: start and count. */
static void rect(uint64_t rows, uint64_t cols, uint64_t start[2], uint64_t count[2]) {
    uint64_t lim[2] = {rows, cols};
    for (int d = 0; d < 2; d++) {
        start[d] = next() % lim[d];
        uint64_t room = lim[d] - start[d];
        count[d] = 1 + next() % (room < 20 ? room : 20);
    }
}

static void fill_write(int64_t arr, const uint64_t start[2], const uint64_t count[2], int32_t v) {
    size_t n = (size_t)(count[0] * count[1]);
    int32_t *buf = malloc(n * sizeof *buf);
    for (size_t i = 0; i < n; i++) buf[i] = v;
    CHECK(zarr_array_write(arr, start, count, NULL, ZARR_NATIVE, buf, n * sizeof *buf));
    free(buf);
}

static void crash(int64_t root, uint64_t seed, const char *log) {
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) {
        perror(log);
        exit(2);
    }
    rng = seed * 2654435761u + 1;
    int64_t p, s;
    CHECK(zarr_array_open(root, "p", &p));
    CHECK(zarr_array_open(root, "s", &s));
    uint64_t rows = 48;
    for (int64_t k = 1; k < 1000000; k++) {
        char line[32];
        int len = snprintf(line, sizeof line, "%lld\n", (long long)k);
        if (write(fd, line, (size_t)len) != len) exit(3);
        uint64_t op = next() % 6;
        if (op == 2 && rows >= 300) op = 1; /* keep p small */
        uint64_t start[2], count[2];
        switch (op) {
        case 0:
            rect(rows, 48, start, count);
            fill_write(p, start, count, (int32_t)k);
            break;
        case 1: {
            uint64_t shape[2] = {16 + next() % 80, 48};
            if (rows >= 300) shape[0] = 48;
            CHECK(zarr_array_resize(p, shape));
            rows = shape[0];
            break;
        }
        case 2: {
            uint64_t n = 1 + next() % 5;
            int32_t *buf = malloc((size_t)(n * 48) * sizeof *buf);
            for (uint64_t i = 0; i < n * 48; i++) buf[i] = (int32_t)k;
            CHECK(zarr_array_append(p, 0, n, ZARR_NATIVE, buf, (size_t)(n * 48) * sizeof *buf));
            free(buf);
            rows += n;
            break;
        }
        case 3:
            rect(32, 32, start, count);
            fill_write(s, start, count, (int32_t)k);
            break;
        case 4: {
            char name[16];
            snprintf(name, sizeof name, "a%lld", (long long)(k % 7));
            CHECK(zarr_attr_put(root, name, ZARR_INT64, &k, 1));
            break;
        }
        default:
            CHECK(zarr_consolidate(root));
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: writer MODE URL OPTS [ARGS]\n");
        return 1;
    }
    const char *mode = argv[1], *url = argv[2], *opts = argv[3];
    if (!strcmp(mode, "setup")) {
        int64_t root = open_root(url, opts, ZARR_CREATE);
        setup(root);
        CHECK(zarr_close(root));
        return 0;
    }
    if (argc < 6 && strcmp(mode, "chunks") != 0 && strcmp(mode, "rewrite") != 0) {
        fprintf(stderr, "writer %s: missing arguments\n", mode);
        return 1;
    }
    int64_t root = open_root(url, opts, ZARR_WRITE);
    if (!strcmp(mode, "append")) {
        int p = atoi(argv[4]), n = atoi(argv[5]);
        int64_t a;
        CHECK(zarr_array_open(root, "a", &a));
        int32_t slab[3 * 8];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 3 * 8; j++) slab[j] = (p + 1) * 100000 + i;
            CHECK(zarr_array_append(a, 0, 3, ZARR_NATIVE, slab, sizeof slab));
        }
        CHECK(zarr_close(a));
    } else if (!strcmp(mode, "attrs")) {
        int p = atoi(argv[4]), n = atoi(argv[5]);
        for (int64_t i = 0; i < n; i++) {
            char name[32];
            snprintf(name, sizeof name, "p%d_%lld", p, (long long)i);
            CHECK(zarr_attr_put(root, name, ZARR_INT64, &i, 1));
        }
    } else if (!strcmp(mode, "crash")) {
        crash(root, strtoull(argv[4], NULL, 10), argv[5]);
    } else if (!strcmp(mode, "chunks")) {
        int n = argc > 4 ? atoi(argv[4]) : 1;
        int64_t p;
        CHECK(zarr_array_open(root, "p", &p));
        for (int i = 0; i < n; i++) {
            uint64_t start[2] = {16 * (uint64_t)(i % 3), 16 * (uint64_t)((i / 3) % 3)}, count[2] = {16, 16};
            fill_write(p, start, count, i + 1);
        }
        CHECK(zarr_close(p));
    } else if (!strcmp(mode, "rewrite")) {
        int n = argc > 4 ? atoi(argv[4]) : 1;
        int64_t sh;
        CHECK(zarr_array_open(root, "s", &sh));
        for (int i = 0; i < n; i++) {
            uint64_t start[2] = {0, 0}, count[2] = {32, 32};
            fill_write(sh, start, count, i + 1);
        }
        CHECK(zarr_close(sh));
    } else {
        fprintf(stderr, "writer: unknown mode %s\n", mode);
        return 1;
    }
    CHECK(zarr_close(root));
    return 0;
}
