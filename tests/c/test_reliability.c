/*
 * test_reliability.c - regression tests for the defects of issue 14 found by
 * probing: what a hostile or damaged store may hold must give an exact
 * status, never a hang, an abort, a write outside the store or a wrong
 * success.
 *
 *   - FIFOs in place of zarr.json, .zattrs and a chunk (open() would block
 *     forever); a chunk and a metadata document linked to /dev/zero; a
 *     metadata document of 200 MB: ZARR_EIO naming the key / ZARR_EMETA.
 *     An alarm() turns any hang into a failed run.
 *   - symbolic links leading out of the store: writes and deletes through
 *     them are refused unless {"follow_symlinks": true}; reads follow them;
 *     deleting a link removes the link only.
 *   - extents of 2^63 and more on create, resize and append: ZARR_EINVAL.
 *   - stale .zarr-tmp.* files of a killed writer are removed by the next
 *     write into their directory; a fresh one (a live writer's) stays.
 *   - exact statuses and messages: bad options JSON, a zero inner chunk
 *     extent, zarr.json as a directory, 100,000 dimensions, a truncated
 *     .zmetadata (and {"consolidated": false}).
 *   - a blosc header claiming 2 GB when blosc is the outermost codec:
 *     ZARR_ECODEC; under a 1 GiB address-space limit (setrlimit in a child
 *     process, skipped when ZARR_TEST_NO_RLIMIT is set: Valgrind and ASan
 *     need more address space than that) still ZARR_ECODEC, and a chunk that
 *     really decodes to 2 GB is ZARR_ENOMEM instead of an abort.
 */
#include "test_util.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

#define SENTINEL_HANDLE ((int64_t)0x5EED5EED5EED5EEDll)

static char base[512];

static void path_of(char *out, size_t n, const char *rel)
{
    snprintf(out, n, "%s/%s", base, rel);
}

static int write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

static bool error_mentions(const char *needle)
{
    const char *e = zarr_last_error();
    if (e && strstr(e, needle))
        return true;
    fprintf(stderr, "    last error \"%s\" does not mention \"%s\"\n", e ? e : "(null)", needle);
    return false;
}

/* A fresh v3 hierarchy under base/<name> with int32 array "a" [8] / [4]
 * holding 0..7 (chunks a/c/0 and a/c/1). */
static int make_store(const char *name, int64_t *root, int64_t *arr)
{
    char url[1024];
    path_of(url, sizeof url, name);
    int rc = zarr_open(url, ZARR_CREATE, root);
    if (rc)
        return rc;
    uint64_t shape[1] = {8}, chunks[1] = {4}, st[1] = {0};
    if ((rc = zarr_array_create(*root, "a", ZARR_INT32, 1, shape, chunks, "[]", NULL, arr)))
        return rc;
    int32_t v[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    return zarr_array_write(*arr, st, shape, NULL, ZARR_INT32, v, sizeof v);
}

/* ----------------------------------------------------- non-regular files */

static void test_fifos_do_not_hang(void)
{
    int64_t root, arr, a2 = SENTINEL_HANDLE;
    REQUIRE_OK(make_store("fifo.zarr", &root, &arr));
    char p[1024];
    /* A FIFO where a chunk should be: the read fails naming the key. */
    path_of(p, sizeof p, "fifo.zarr/a/c/1");
    REQUIRE(unlink(p) == 0 && mkfifo(p, 0600) == 0);
    int32_t out[8];
    uint64_t st[1] = {0}, cnt[1] = {8};
    CHECK_ERR(zarr_array_read(arr, st, cnt, NULL, ZARR_INT32, out, sizeof out), ZARR_EIO);
    CHECK(error_mentions("a/c/1") && error_mentions("FIFO"));
    /* The first chunk alone still reads. */
    cnt[0] = 4;
    CHECK_OK(zarr_array_read(arr, st, cnt, NULL, ZARR_INT32, out, sizeof out));
    CHECK(out[0] == 0 && out[3] == 3);
    /* A FIFO in place of zarr.json. */
    path_of(p, sizeof p, "fifo.zarr/a/zarr.json");
    REQUIRE(unlink(p) == 0 && mkfifo(p, 0600) == 0);
    CHECK_ERR(zarr_array_open(root, "a", &a2), ZARR_EIO);
    CHECK(error_mentions("a/zarr.json"));
    CHECK(a2 == SENTINEL_HANDLE);
    zarr_close(arr);
    zarr_close(root);

    /* v2: a FIFO in place of .zattrs. */
    char url[1024];
    path_of(url, sizeof url, "fifo2.zarr");
    REQUIRE_OK(zarr_open_with_options(url, ZARR_CREATE, "{\"zarr_format\": 2}", &root));
    uint64_t shape[1] = {4};
    REQUIRE_OK(zarr_array_create(root, "b", ZARR_INT32, 1, shape, shape, NULL, NULL, &arr));
    zarr_close(arr);
    path_of(p, sizeof p, "fifo2.zarr/b/.zattrs");
    REQUIRE(mkfifo(p, 0600) == 0);
    CHECK_ERR(zarr_array_open(root, "b", &a2), ZARR_EIO);
    CHECK(error_mentions("b/.zattrs"));
    zarr_close(root);
}

static void test_device_links(void)
{
    int64_t root, arr, a2 = SENTINEL_HANDLE;
    REQUIRE_OK(make_store("dev.zarr", &root, &arr));
    char p[1024];
    path_of(p, sizeof p, "dev.zarr/a/c/0");
    REQUIRE(unlink(p) == 0 && symlink("/dev/zero", p) == 0);
    int32_t out[8];
    uint64_t st[1] = {0}, cnt[1] = {8};
    CHECK_ERR(zarr_array_read(arr, st, cnt, NULL, ZARR_INT32, out, sizeof out), ZARR_EIO);
    CHECK(error_mentions("a/c/0") && error_mentions("character device"));
    /* A metadata document linked to /dev/zero. */
    path_of(p, sizeof p, "dev.zarr/a/zarr.json");
    REQUIRE(unlink(p) == 0 && symlink("/dev/zero", p) == 0);
    CHECK_ERR(zarr_array_open(root, "a", &a2), ZARR_EIO);
    CHECK(error_mentions("a/zarr.json"));
    CHECK(a2 == SENTINEL_HANDLE);
    zarr_close(arr);
    zarr_close(root);
}

static void test_huge_metadata_document(void)
{
    int64_t root, arr, a2 = SENTINEL_HANDLE;
    REQUIRE_OK(make_store("big.zarr", &root, &arr));
    zarr_close(arr);
    char p[1024];
    path_of(p, sizeof p, "big.zarr/a/zarr.json");
    /* 200 MB (sparse: no disk used) of NULs after a valid-looking start. */
    int fd = open(p, O_WRONLY | O_TRUNC);
    REQUIRE(fd >= 0);
    CHECK(write(fd, "{\"zarr_format\": 3, ", 19) == 19);
    CHECK(ftruncate(fd, 200l << 20) == 0);
    close(fd);
    CHECK_ERR(zarr_array_open(root, "a", &a2), ZARR_EMETA);
    CHECK(error_mentions("a/zarr.json") && error_mentions("larger than"));
    zarr_close(root);
}

/* ------------------------------------------------------------- symlinks */

static void test_symlinks_leaving_the_root(void)
{
    char outside[1024], url[1024], p[1024], q[1024];
    path_of(outside, sizeof outside, "elsewhere");
    REQUIRE(mkdir(outside, 0700) == 0);
    /* The outside directory is itself a hierarchy with group "victim" and array "arr". */
    int64_t other, g, arr, root, a = SENTINEL_HANDLE;
    REQUIRE_OK(zarr_open(outside, ZARR_CREATE, &other));
    REQUIRE_OK(zarr_group_create(other, "victim", NULL, &g));
    zarr_close(g);
    uint64_t shape[1] = {4}, st[1] = {0};
    int32_t v[4] = {7, 8, 9, 10}, back[4] = {0};
    REQUIRE_OK(zarr_array_create(other, "arr", ZARR_INT32, 1, shape, shape, NULL, NULL, &arr));
    REQUIRE_OK(zarr_array_write(arr, st, shape, NULL, ZARR_INT32, v, sizeof v));
    zarr_close(arr);
    zarr_close(other);

    path_of(url, sizeof url, "links.zarr");
    REQUIRE_OK(zarr_open(url, ZARR_CREATE, &root));
    path_of(p, sizeof p, "links.zarr/link");
    REQUIRE(symlink(outside, p) == 0);

    /* Reads follow the link. */
    REQUIRE_OK(zarr_array_open(root, "link/arr", &a));
    CHECK_OK(zarr_array_read(a, st, shape, NULL, ZARR_INT32, back, sizeof back));
    CHECK(back[0] == 7 && back[3] == 10);
    /* Writes through it are refused; nothing appears outside. */
    CHECK_ERR(zarr_array_write(a, st, shape, NULL, ZARR_INT32, v, sizeof v), ZARR_EIO);
    CHECK(error_mentions("follow_symlinks"));
    zarr_close(a);
    a = SENTINEL_HANDLE;
    CHECK_ERR(zarr_array_create(root, "link/x", ZARR_INT32, 1, shape, shape, NULL, NULL, &a), ZARR_EIO);
    CHECK(a == SENTINEL_HANDLE);
    path_of(q, sizeof q, "elsewhere/x");
    CHECK(!tu_exists(q));
    /* Deletes through it are refused; the victim survives. */
    CHECK_ERR(zarr_delete(root, "link/victim"), ZARR_EIO);
    path_of(q, sizeof q, "elsewhere/victim/zarr.json");
    CHECK(tu_exists(q));
    CHECK_ERR(zarr_rename(root, "link/victim", "moved"), ZARR_EIO);
    CHECK(tu_exists(q));

    /* With follow_symlinks the caller takes the link as part of the store. */
    int64_t root2, x;
    REQUIRE_OK(zarr_open_with_options(url, ZARR_WRITE, "{\"follow_symlinks\": true}", &root2));
    CHECK_OK(zarr_array_create(root2, "link/x", ZARR_INT32, 1, shape, shape, NULL, NULL, &x));
    zarr_close(x);
    path_of(q, sizeof q, "elsewhere/x/zarr.json");
    CHECK(tu_exists(q));
    zarr_close(root2);

    /* Deleting the link itself removes the link, never its target. */
    CHECK_OK(zarr_delete(root, "link"));
    struct stat sb;
    CHECK(lstat(p, &sb) != 0);
    path_of(q, sizeof q, "elsewhere/arr/zarr.json");
    CHECK(tu_exists(q));
    path_of(q, sizeof q, "elsewhere/victim/zarr.json");
    CHECK(tu_exists(q));
    zarr_close(root);
}

/* --------------------------------------------------------------- extents */

static void test_extents_beyond_2_63(void)
{
    int64_t root, arr, a = SENTINEL_HANDLE;
    REQUIRE_OK(make_store("ext.zarr", &root, &arr));
    uint64_t huge[1] = {(uint64_t)1 << 63}, max[1] = {INT64_MAX}, chunks[1] = {1000};
    CHECK_ERR(zarr_array_create(root, "h", ZARR_INT32, 1, huge, chunks, NULL, NULL, &a), ZARR_EINVAL);
    CHECK(a == SENTINEL_HANDLE);
    CHECK_ERR(zarr_array_create(root, "h", ZARR_INT32, 1, chunks, huge, NULL, NULL, &a), ZARR_EINVAL);
    uint64_t all[1] = {UINT64_MAX};
    CHECK_ERR(zarr_array_resize(arr, huge), ZARR_EINVAL);
    CHECK_ERR(zarr_array_resize(arr, all), ZARR_EINVAL);
    CHECK(error_mentions("2^63"));
    /* The metadata is unchanged and still opens. */
    uint64_t shape[1] = {0};
    int64_t again;
    REQUIRE_OK(zarr_array_open(root, "a", &again));
    CHECK_OK(zarr_array_shape(again, shape));
    CHECK(shape[0] == 8);
    /* 2^63 - 1 itself is allowed; one more by append is not. */
    CHECK_OK(zarr_array_resize(arr, max));
    int32_t one = 5;
    CHECK_ERR(zarr_array_append(arr, 0, 1, ZARR_INT32, &one, sizeof one), ZARR_EINVAL);
    zarr_close(again);
    REQUIRE_OK(zarr_array_open(root, "a", &again));
    CHECK_OK(zarr_array_shape(again, shape));
    CHECK(shape[0] == (uint64_t)INT64_MAX);
    zarr_close(again);
    zarr_close(arr);
    zarr_close(root);
}

/* -------------------------------------------------- stale temporary files */

static void test_stale_temporaries_are_removed(void)
{
    int64_t root, arr;
    REQUIRE_OK(make_store("tmp.zarr", &root, &arr));
    zarr_close(arr);
    zarr_close(root);
    char stale[1024], fresh[1024], url[1024];
    path_of(stale, sizeof stale, "tmp.zarr/a/c/.zarr-tmp.4242.0.00000000deadbeef");
    path_of(fresh, sizeof fresh, "tmp.zarr/a/c/.zarr-tmp.4243.0.00000000feedface");
    REQUIRE(write_file(stale, "half a chunk", 12) == 0);
    REQUIRE(write_file(fresh, "being written", 13) == 0);
    /* The killed writer's file is two hours old. */
    struct timeval tv[2];
    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec -= 7200;
    tv[1] = tv[0];
    REQUIRE(utimes(stale, tv) == 0);
    /* A new writer (a new process would open the store anew, as here). */
    path_of(url, sizeof url, "tmp.zarr");
    REQUIRE_OK(zarr_open(url, ZARR_WRITE, &root));
    REQUIRE_OK(zarr_array_open(root, "a", &arr));
    int32_t v[4] = {9, 9, 9, 9};
    uint64_t st[1] = {0}, cnt[1] = {4};
    CHECK_OK(zarr_array_write(arr, st, cnt, NULL, ZARR_INT32, v, sizeof v));
    CHECK(!tu_exists(stale));
    CHECK(tu_exists(fresh));
    zarr_close(arr);
    zarr_close(root);
}

/* ------------------------------------------------------ exact statuses */

static void test_exact_statuses(void)
{
    char url[1024], p[1024];
    int64_t root = SENTINEL_HANDLE, a = SENTINEL_HANDLE, arr;
    path_of(url, sizeof url, "st.zarr");
    CHECK_ERR(zarr_open_with_options(url, ZARR_CREATE, "{", &root), ZARR_EINVAL);
    CHECK(error_mentions("options") && !strstr(zarr_last_error(), "attributes"));
    CHECK_ERR(zarr_open_with_options(url, ZARR_CREATE, "{\"follow_symlinks\": 1}", &root), ZARR_EINVAL);
    CHECK_ERR(zarr_open_with_options(url, ZARR_CREATE, "{\"consolidated\": \"no\"}", &root), ZARR_EINVAL);
    CHECK(root == SENTINEL_HANDLE);
    REQUIRE_OK(zarr_open(url, ZARR_CREATE, &root));

    uint64_t shape[2] = {10, 10}, shard[2] = {10, 10}, inner[2] = {0, 5};
    CHECK_FAILS(zarr_array_create_sharded(root, "s", ZARR_INT32, 2, shape, shard, inner, NULL, NULL, &a));
    CHECK(error_mentions("zero extent"));

    /* zarr.json that is a directory. */
    path_of(p, sizeof p, "st.zarr/d");
    REQUIRE(mkdir(p, 0700) == 0);
    path_of(p, sizeof p, "st.zarr/d/zarr.json");
    REQUIRE(mkdir(p, 0700) == 0);
    CHECK_ERR(zarr_group_open(root, "d", &a), ZARR_EMETA);
    CHECK(error_mentions("d/zarr.json") && error_mentions("directory"));

    /* 100,000 dimensions: refused at open as at create. */
    path_of(p, sizeof p, "st.zarr/wide");
    REQUIRE(mkdir(p, 0700) == 0);
    path_of(p, sizeof p, "st.zarr/wide/zarr.json");
    size_t cap = 100000 * 4 + 1000, len = 0;
    char *doc = malloc(cap);
    REQUIRE(doc != NULL);
    len += (size_t)snprintf(doc + len, cap - len, "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":[");
    for (int i = 0; i < 100000; i++)
        len += (size_t)snprintf(doc + len, cap - len, i ? ",1" : "1");
    len += (size_t)snprintf(doc + len, cap - len, "],\"data_type\":\"uint8\",\"chunk_grid\":{\"name\":\"regular\","
                                                  "\"configuration\":{\"chunk_shape\":[");
    for (int i = 0; i < 100000; i++)
        len += (size_t)snprintf(doc + len, cap - len, i ? ",1" : "1");
    len += (size_t)snprintf(doc + len, cap - len,
                            "]}},\"chunk_key_encoding\":{\"name\":\"default\"},\"fill_value\":0,"
                            "\"codecs\":[{\"name\":\"bytes\"}]}");
    REQUIRE(len < cap);
    CHECK(write_file(p, doc, len) == 0);
    free(doc);
    CHECK_ERR(zarr_array_open(root, "wide", &a), ZARR_EUNSUPPORTED);
    CHECK(error_mentions("100000 dimensions"));
    CHECK(a == SENTINEL_HANDLE);
    zarr_close(root);

    /* A truncated .zmetadata is ZARR_EMETA at open; {"consolidated": false} skips it. */
    path_of(url, sizeof url, "cons.zarr");
    REQUIRE_OK(zarr_open_with_options(url, ZARR_CREATE, "{\"zarr_format\": 2}", &root));
    uint64_t s1[1] = {4};
    REQUIRE_OK(zarr_array_create(root, "x", ZARR_INT32, 1, s1, s1, NULL, NULL, &arr));
    zarr_close(arr);
    REQUIRE_OK(zarr_consolidate(root));
    zarr_close(root);
    path_of(p, sizeof p, "cons.zarr/.zmetadata");
    struct stat sb;
    REQUIRE(stat(p, &sb) == 0 && sb.st_size > 20);
    REQUIRE(truncate(p, sb.st_size / 2) == 0);
    root = SENTINEL_HANDLE;
    CHECK_ERR(zarr_open(url, ZARR_READ, &root), ZARR_EMETA);
    CHECK(error_mentions(".zmetadata") && error_mentions("consolidated"));
    CHECK(root == SENTINEL_HANDLE);
    REQUIRE_OK(zarr_open_with_options(url, ZARR_READ, "{\"consolidated\": false}", &root));
    CHECK_OK(zarr_array_open(root, "x", &arr));
    zarr_close(arr);
    zarr_close(root);
}

/* ------------------------------------------------ blosc headers and memory */

/* A 208-byte blosc buffer whose header claims `nbytes` decoded bytes. */
static void blosc_liar(unsigned char buf[208], uint32_t nbytes)
{
    memset(buf, 0xA5, 208);
    buf[0] = 2;    /* format version */
    buf[1] = 1;    /* compressor format version */
    buf[2] = 0x01; /* byte shuffle */
    buf[3] = 4;    /* typesize */
    uint32_t fields[3] = {nbytes, 65536, 208};
    for (int f = 0; f < 3; f++)
        for (int i = 0; i < 4; i++)
            buf[4 + 4 * f + i] = (unsigned char)(fields[f] >> (8 * i));
}

/* v2 arrays with a delta filter before blosc, so blosc is the outermost
 * codec (it used to trust its header's size there): "small" [100] int32 in
 * one chunk, "huge" [500,000,000] int32 in one chunk of 2 GB; both chunks
 * are 208-byte blosc buffers claiming 2,000,000,000 bytes. */
static int make_blosc_store(char *url, size_t n)
{
    int64_t root, arr;
    snprintf(url, n, "%s/blosc.zarr", base);
    int rc = zarr_open_with_options(url, ZARR_CREATE, "{\"zarr_format\": 2}", &root);
    if (rc)
        return rc;
    const char *codecs = "[{\"id\":\"delta\",\"dtype\":\"<i4\"},{\"id\":\"blosc\",\"cname\":\"lz4\",\"clevel\":5,"
                         "\"shuffle\":1,\"blocksize\":0}]";
    uint64_t small[1] = {100}, huge[1] = {500000000};
    if ((rc = zarr_array_create(root, "small", ZARR_INT32, 1, small, small, codecs, NULL, &arr)))
        return rc;
    zarr_close(arr);
    if ((rc = zarr_array_create(root, "huge", ZARR_INT32, 1, huge, huge, codecs, NULL, &arr)))
        return rc;
    zarr_close(arr);
    zarr_close(root);
    unsigned char buf[208];
    blosc_liar(buf, 2000000000u);
    char p[1100];
    snprintf(p, sizeof p, "%s/small/0", url);
    if (write_file(p, buf, sizeof buf))
        return -1;
    snprintf(p, sizeof p, "%s/huge/0", url);
    return write_file(p, buf, sizeof buf);
}

/* Read one element of `name`; the status. */
static int read_one(const char *url, const char *name)
{
    int64_t root, arr;
    int rc = zarr_open(url, ZARR_READ, &root);
    if (rc)
        return rc;
    rc = zarr_array_open(root, name, &arr);
    if (rc == 0) {
        int32_t v;
        uint64_t st[1] = {0}, cnt[1] = {1};
        rc = zarr_array_read(arr, st, cnt, NULL, ZARR_INT32, &v, sizeof v);
        zarr_close(arr);
    }
    zarr_close(root);
    return rc;
}

static char *self_path;

static void test_blosc_header_lies(void)
{
    char url[1024];
    REQUIRE_OK(make_blosc_store(url, sizeof url));
    CHECK_ERR(read_one(url, "small"), ZARR_ECODEC);
    CHECK(error_mentions("blosc") && error_mentions("small/0"));
    if (getenv("ZARR_TEST_NO_RLIMIT")) {
        printf("  (address-space limit checks skipped: ZARR_TEST_NO_RLIMIT)\n");
        return;
    }
    /* The same reads in a child limited to 1 GiB of address space. */
    fflush(NULL);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = {1l << 30, 1l << 30};
        if (setrlimit(RLIMIT_AS, &rl) != 0)
            _exit(90);
        execl(self_path, self_path, "--rlimit-child", url, (char *)NULL);
        _exit(91);
    }
    int wst = 0;
    REQUIRE(waitpid(pid, &wst, 0) == pid);
    CHECKF(WIFEXITED(wst) && WEXITSTATUS(wst) == 0, "rlimit child: %s %d",
           WIFEXITED(wst) ? "exit" : "signal", WIFEXITED(wst) ? WEXITSTATUS(wst) : WTERMSIG(wst));
}

/* In the child: small -> ZARR_ECODEC, huge -> ZARR_ENOMEM; exit 0 if so. */
static int rlimit_child(const char *url)
{
    int small = read_one(url, "small");
    int huge = read_one(url, "huge");
    const char *msg = zarr_last_error();
    printf("rlimit child: small %d, huge %d (%s)\n", small, huge, msg ? msg : "");
    return small == ZARR_ECODEC && huge == ZARR_ENOMEM ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--rlimit-child") == 0)
        return rlimit_child(argv[2]);
    self_path = argv[0];
    /* Any hang (a blocking open, an endless read) fails the run. */
    alarm(240);
    if (tu_mkdtemp(base, sizeof base) != 0) {
        fprintf(stderr, "mkdtemp failed\n");
        return 1;
    }
    RUN_TEST(test_blosc_header_lies);
    RUN_TEST(test_fifos_do_not_hang);
    RUN_TEST(test_device_links);
    RUN_TEST(test_huge_metadata_document);
    RUN_TEST(test_symlinks_leaving_the_root);
    RUN_TEST(test_extents_beyond_2_63);
    RUN_TEST(test_stale_temporaries_are_removed);
    RUN_TEST(test_exact_statuses);
    if (!getenv("ZARR_TEST_KEEP"))
        tu_rmtree(base);
    return TEST_SUMMARY();
}
