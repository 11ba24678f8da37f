/* tests/lean/test_no_cloud.c - the lean library (built without the cargo
 * features `cloud` and `java`): every object store URL is ZARR_EUNSUPPORTED
 * with a message naming the feature, object store options are refused
 * naming the key, and local stores still write and read. Built and run by
 * tests/lean/run.sh against target/lean/release/libzarr.so. */
#include "../c/test_util.h"

static void object_store_urls_name_the_feature(void)
{
    const char *urls[] = {"s3://bucket/x.zarr",     "s3a://bucket/x.zarr",
                          "az://container/x.zarr",  "abfs://c@acct.dfs.core.windows.net/x.zarr",
                          "gs://bucket/x.zarr",     "gcs://bucket/x.zarr",
                          "http://127.0.0.1:1/x.zarr", "https://example.org/x.zarr"};
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        int64_t root = -1;
        for (int mode = ZARR_READ; mode <= ZARR_CREATE; mode++) {
            CHECK_ERR(zarr_open(urls[i], mode, &root), ZARR_EUNSUPPORTED);
            const char *msg = zarr_last_error();
            if (!strstr(msg, "\"cloud\"") || !strstr(msg, "://")) {
                tu_fail(__FILE__, __LINE__, "%s: message \"%s\" does not name the scheme and the feature", urls[i], msg);
            }
        }
        CHECK(root == -1); /* out-parameter untouched */
    }
}

static void object_store_options_are_refused(void)
{
    char dir[] = "/tmp/zarr-lean-XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char url[512];
    snprintf(url, sizeof url, "%s/opts.zarr", dir);
    int64_t root = -1;
    CHECK_ERR(zarr_open_with_options(url, ZARR_CREATE, "{\"endpoint\": \"http://x\"}", &root), ZARR_EINVAL);
    CHECK(strstr(zarr_last_error(), "endpoint") != NULL && strstr(zarr_last_error(), "cloud") != NULL);
    /* The engine's own options still work. */
    CHECK_OK(zarr_open_with_options(url, ZARR_CREATE, "{\"zarr_format\": 2, \"process_locks\": true}", &root));
    CHECK_OK(zarr_close(root));
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static void local_and_memory_stores_work(void)
{
    char dir[] = "/tmp/zarr-lean-XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char path[512];
    snprintf(path, sizeof path, "%s/local.zarr", dir);
    const char *urls[] = {path, "memory://lean-test"};
    for (size_t u = 0; u < 2; u++) {
        int64_t root, a;
        REQUIRE_OK(zarr_open(urls[u], ZARR_CREATE, &root));
        uint64_t shape[2] = {6, 5}, chunks[2] = {4, 2};
        int32_t fill = -1;
        REQUIRE_OK(zarr_array_create(root, "g/x", ZARR_INT32, 2, shape, chunks, NULL, &fill, &a));
        int32_t in[30], out[30];
        for (int i = 0; i < 30; i++) in[i] = i * 7 - 3;
        uint64_t start[2] = {0, 0};
        CHECK_OK(zarr_array_write(a, start, shape, NULL, ZARR_INT32, in, sizeof in));
        CHECK_OK(zarr_close(a));
        REQUIRE_OK(zarr_array_open(root, "g/x", &a));
        double d[30];
        CHECK_OK(zarr_array_read(a, start, shape, NULL, ZARR_FLOAT64, d, sizeof d));
        CHECK_OK(zarr_array_read(a, start, shape, NULL, ZARR_NATIVE, out, sizeof out));
        int same = 1;
        for (int i = 0; i < 30; i++) same &= out[i] == i * 7 - 3 && d[i] == (double)(i * 7 - 3);
        CHECK(same);
        CHECK_OK(zarr_close(a));
        CHECK_OK(zarr_close(root));
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    RUN_TEST(object_store_urls_name_the_feature);
    RUN_TEST(object_store_options_are_refused);
    RUN_TEST(local_and_memory_stores_work);
    return TEST_SUMMARY();
}
