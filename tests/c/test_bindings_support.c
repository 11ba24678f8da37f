/*
 * test_bindings_support.c - the C functions added for language bindings:
 * zarr_convert, zarr_group_nmembers / zarr_group_member, the single
 * attribute calls (zarr_attr_inq, _get, _get_text, _put, _put_text,
 * _delete), zarr_array_dimension_name, and the "process_locks" open option
 * with separate processes (this program re-executed in child mode)
 * writing parts of the same chunks.
 */
#include "test_util.h"

#include <sys/wait.h>

/* Several processes each write single columns of a 2-D float64 array whose
 * chunks hold 4 columns, so neighbours read-modify-write the same chunk.
 * With process locks every value must land: a[j][i] = i + 1000 * j. */
static const char *self_path;
enum { NPROC = 4, COLS = 3, ROWS = 5 };

/* Child mode: write columns p*COLS .. p*COLS+COLS-1, one per call. */
static int child(const char *url, const char *name, int p)
{
    int64_t r, b;
    int bad = zarr_open_with_options(url, ZARR_WRITE, "{\"process_locks\": true}", &r) != ZARR_OK ||
              zarr_array_open(r, name, &b) != ZARR_OK;
    for (int j = p * COLS; j < (p + 1) * COLS && !bad; j++) {
        double row[ROWS];
        for (int i = 0; i < ROWS; i++) row[i] = i + 1000.0 * j;
        uint64_t start[2] = {(uint64_t)j, 0}, count[2] = {1, ROWS};
        bad = zarr_array_write(b, start, count, NULL, ZARR_FLOAT64, row, sizeof row) != ZARR_OK;
    }
    if (!bad) bad = zarr_close(b) != ZARR_OK || zarr_close(r) != ZARR_OK;
    if (bad) fprintf(stderr, "child %d: %s\n", p, zarr_last_error());
    return bad;
}

static void test_process_locks(void)
{
    char dir[512], url[1024];
    REQUIRE(tu_mkdtemp(dir, sizeof dir) == 0);
    snprintf(url, sizeof url, "%s/locks.zarr", dir);
    int rounds = getenv("ZARR_TEST_ITERS") ? 2 : 10;
    for (int round = 0; round < rounds; round++) {
        int64_t root, a;
        REQUIRE_OK(zarr_open_with_options(url, ZARR_CREATE, "{\"process_locks\": true}", &root));
        uint64_t shape[2] = {NPROC * COLS, ROWS}, chunks[2] = {4, ROWS};
        double fill = -1;
        char name[32];
        snprintf(name, sizeof name, "a%d", round);
        REQUIRE_OK(zarr_array_create(root, name, ZARR_FLOAT64, 2, shape, chunks, "[]", &fill, &a));
        pid_t kids[NPROC];
        for (int p = 0; p < NPROC; p++) {
            kids[p] = fork();
            if (kids[p] == 0) {
                /* A fresh program image (this one, in child mode): a forked
                 * copy would inherit the parent's thread pool without its
                 * threads. */
                char pbuf[16];
                snprintf(pbuf, sizeof pbuf, "%d", p);
                execl(self_path, self_path, "--child", url, name, pbuf, (char *)NULL);
                _exit(127);
            }
            REQUIRE(kids[p] > 0);
        }
        for (int p = 0; p < NPROC; p++) {
            int st = -1;
            CHECK(waitpid(kids[p], &st, 0) == kids[p] && WIFEXITED(st) && WEXITSTATUS(st) == 0);
        }
        double all[NPROC * COLS][ROWS];
        uint64_t start[2] = {0, 0};
        REQUIRE_OK(zarr_array_read(a, start, shape, NULL, ZARR_FLOAT64, all, sizeof all));
        int bad = 0;
        for (int j = 0; j < NPROC * COLS; j++)
            for (int i = 0; i < ROWS; i++) bad += all[j][i] != i + 1000.0 * j;
        CHECKF(bad == 0, "round %d: %d values lost", round, bad);
        CHECK_OK(zarr_close(a));
        CHECK_OK(zarr_close(root));
    }
    char lockdir[1100];
    snprintf(lockdir, sizeof lockdir, "%s/.zarr-locks", url);
    CHECK(tu_exists(lockdir));
    /* The lock directory is not a member. */
    int64_t root;
    uint64_t n = 99;
    REQUIRE_OK(zarr_open(url, ZARR_READ, &root));
    CHECK_OK(zarr_group_nmembers(root, &n));
    CHECK(n == (uint64_t)rounds);
    CHECK_OK(zarr_close(root));
    /* Bad option values. */
    CHECK_ERR(zarr_open_with_options(url, ZARR_READ, "{\"process_locks\": 1}", &root), ZARR_EINVAL);
    tu_rmtree(dir);
}

static void test_convert(void)
{
    double d[3] = {1.9, -2.9, 300};
    int16_t s[3] = {0};
    CHECK_OK(zarr_convert(ZARR_FLOAT64, d, ZARR_INT16, s, 3));
    CHECK(s[0] == 1 && s[1] == -2 && s[2] == 300);
    int8_t b[3];
    CHECK_ERR(zarr_convert(ZARR_FLOAT64, d, ZARR_INT8, b, 3), ZARR_ERANGE);
    CHECK_ERR(zarr_convert(ZARR_FLOAT64, d, 99, b, 1), ZARR_ETYPE);
    CHECK_ERR(zarr_convert(ZARR_FLOAT64, NULL, ZARR_INT8, b, 1), ZARR_EINVAL);
    CHECK_OK(zarr_convert(ZARR_FLOAT64, NULL, ZARR_INT8, NULL, 0));
    float f = -999.0f;
    uint16_t h = 0;
    CHECK_OK(zarr_convert(ZARR_FLOAT32, &f, ZARR_FLOAT16, &h, 1));
    CHECK(h == 0xe3ce); /* -999 in IEEE half: sign 1, exponent 9+15, mantissa 999/512-1 */
}

static void test_members_and_attributes(void)
{
    char url[256];
    tu_memory_url(url, sizeof url, "bindings");
    int64_t root, g, a;
    REQUIRE_OK(zarr_open(url, ZARR_CREATE, &root));
    REQUIRE_OK(zarr_group_create(root, "zeta", NULL, &g));
    uint64_t shape[3] = {2, 3, 4};
    REQUIRE_OK(zarr_array_create(root, "alpha", ZARR_INT32, 3, shape, shape, NULL, NULL, &a));

    uint64_t n = 0;
    CHECK_OK(zarr_group_nmembers(root, &n));
    CHECK(n == 2);
    char name[8];
    size_t needed = 0;
    int kind = 0;
    CHECK_OK(zarr_group_member(root, 0, &kind, name, sizeof name, &needed));
    CHECK(strcmp(name, "alpha") == 0 && kind == ZARR_NODE_ARRAY && needed == 6);
    CHECK_OK(zarr_group_member(root, 1, &kind, name, 3, &needed));
    CHECK(strcmp(name, "ze") == 0 && kind == ZARR_NODE_GROUP && needed == 5);
    kind = 77;
    CHECK_ERR(zarr_group_member(root, 2, &kind, name, sizeof name, &needed), ZARR_EINVAL);
    CHECK(kind == 77);
    CHECK_ERR(zarr_group_member(a, 0, &kind, name, sizeof name, &needed), ZARR_EBADID);
    CHECK_ERR(zarr_group_nmembers(root, NULL), ZARR_EINVAL);

    /* numbers */
    int16_t v[3] = {1, -2, 300};
    CHECK_OK(zarr_attr_put(a, "valid", ZARR_INT16, v, 3));
    int type = 0;
    uint64_t len = 0;
    CHECK_OK(zarr_attr_inq(a, "valid", &type, &len));
    CHECK(type == ZARR_INT64 && len == 3);
    double dv[3];
    CHECK_OK(zarr_attr_get(a, "valid", ZARR_FLOAT64, dv, sizeof dv));
    CHECK(dv[0] == 1 && dv[1] == -2 && dv[2] == 300);
    int8_t small[3];
    CHECK_ERR(zarr_attr_get(a, "valid", ZARR_INT8, small, sizeof small), ZARR_ERANGE);
    CHECK_ERR(zarr_attr_get(a, "valid", ZARR_FLOAT64, dv, 2 * sizeof(double)), ZARR_EINVAL);
    float scale = 0.1f;
    CHECK_OK(zarr_attr_put(a, "scale", ZARR_FLOAT32, &scale, 1));
    char json[512];
    CHECK_OK(zarr_attrs_get(a, json, sizeof json, NULL));
    CHECK(strstr(json, "\"scale\":0.1") != NULL && strstr(json, "\"valid\":[1,-2,300]") != NULL);
    float back = 0;
    CHECK_OK(zarr_attr_get(a, "scale", ZARR_FLOAT32, &back, sizeof back));
    CHECK(back == 0.1f);
    int64_t nat[3] = {0};
    CHECK_OK(zarr_attr_get(a, "valid", ZARR_NATIVE, nat, sizeof nat)); /* ZARR_NATIVE: int64 here */
    CHECK(nat[0] == 1 && nat[1] == -2 && nat[2] == 300);
    double nan = NAN;
    CHECK_ERR(zarr_attr_put(a, "bad", ZARR_FLOAT64, &nan, 1), ZARR_EINVAL);
    uint8_t flags[2] = {1, 0};
    CHECK_OK(zarr_attr_put(g, "flags", ZARR_BOOL, flags, 2));
    CHECK_OK(zarr_attr_inq(g, "flags", &type, &len));
    CHECK(type == ZARR_BOOL && len == 2);

    /* text and JSON */
    CHECK_OK(zarr_attr_put_text(a, "units", "degK"));
    CHECK_OK(zarr_attr_inq(a, "units", &type, &len));
    CHECK(type == ZARR_ATTR_TEXT && len == 4);
    char text[3];
    CHECK_OK(zarr_attr_get_text(a, "units", text, sizeof text, &needed));
    CHECK(strcmp(text, "de") == 0 && needed == 5);
    CHECK_ERR(zarr_attr_get_text(a, "valid", text, sizeof text, &needed), ZARR_ETYPE);
    CHECK_ERR(zarr_attr_get(a, "units", ZARR_FLOAT64, dv, sizeof dv), ZARR_ETYPE);
    CHECK_OK(zarr_attrs_set(g, "{\"obj\": {\"a\": 1}, \"flags\": [true, false]}"));
    CHECK_OK(zarr_attr_inq(g, "obj", &type, NULL));
    CHECK(type == ZARR_ATTR_JSON);
    CHECK_ERR(zarr_attr_inq(g, "missing", &type, &len), ZARR_ENOTFOUND);

    /* delete keeps the others */
    CHECK_OK(zarr_attr_delete(a, "scale"));
    CHECK_ERR(zarr_attr_delete(a, "scale"), ZARR_ENOTFOUND);
    CHECK_OK(zarr_attrs_get(a, json, sizeof json, NULL));
    CHECK(strcmp(json, "{\"valid\":[1,-2,300],\"units\":\"degK\"}") == 0);

    /* read-only nodes */
    int64_t ro, roa;
    REQUIRE_OK(zarr_open(url, ZARR_READ, &ro));
    REQUIRE_OK(zarr_array_open(ro, "alpha", &roa));
    CHECK_ERR(zarr_attr_put_text(roa, "units", "K"), ZARR_EREADONLY);

    /* dimension names by index */
    CHECK_OK(zarr_array_dimension_name(a, 0, text, sizeof text, &needed));
    CHECK(strcmp(text, "") == 0 && needed == 1);
    CHECK_OK(zarr_array_set_dimension_names(a, "[\"time\", null, \"x\"]"));
    char dn[16];
    CHECK_OK(zarr_array_dimension_name(a, 0, dn, sizeof dn, &needed));
    CHECK(strcmp(dn, "time") == 0 && needed == 5);
    CHECK_OK(zarr_array_dimension_name(a, 1, dn, sizeof dn, &needed));
    CHECK(strcmp(dn, "") == 0);
    CHECK_OK(zarr_array_dimension_name(a, 2, dn, sizeof dn, &needed));
    CHECK(strcmp(dn, "x") == 0);
    CHECK_ERR(zarr_array_dimension_name(a, 3, dn, sizeof dn, &needed), ZARR_EINVAL);
    CHECK_ERR(zarr_array_dimension_name(a, -1, dn, sizeof dn, &needed), ZARR_EINVAL);

    CHECK_OK(zarr_close(roa));
    CHECK_OK(zarr_close(ro));
    CHECK_OK(zarr_close(a));
    CHECK_OK(zarr_close(g));
    CHECK_OK(zarr_close(root));
}

int main(int argc, char **argv)
{
    self_path = argv[0];
    if (argc == 5 && strcmp(argv[1], "--child") == 0)
        return child(argv[2], argv[3], atoi(argv[4]));
    RUN_TEST(test_process_locks);
    RUN_TEST(test_convert);
    RUN_TEST(test_members_and_attributes);
    return TEST_SUMMARY();
}
