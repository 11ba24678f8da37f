/* test_strings.c - zarr_array_read_strings / zarr_array_write_strings, the
 * string, bytes and time type codes, zarr_array_element_size and
 * zarr_array_time_unit, on a memory store (v3 and v2). */
#include "test_util.h"

static void test_vlen_strings(int fmt)
{
    char url[96];
    int64_t root, a;
    REQUIRE_OK(zarr_open_with_options(tu_memory_url(url, sizeof url, fmt == 2 ? "str2" : "str3"), ZARR_CREATE,
                                      fmt == 2 ? "{\"zarr_format\": 2}" : "{\"zarr_format\": 3}", &root));
    uint64_t shape[1] = {5}, chunks[1] = {2};
    REQUIRE_OK(zarr_array_create(root, "s", ZARR_STRING, 1, shape, chunks, NULL, "fill", &a));
    int dt = 0;
    CHECK_OK(zarr_array_dtype(a, &dt));
    CHECK(dt == ZARR_STRING);
    size_t es = 99;
    CHECK_ERR(zarr_array_element_size(a, &es), ZARR_ETYPE);
    CHECK(es == 99);

    /* Write "ab", "", "h\xc3\xa9" at 0, 2, 4 (stride 2). */
    const char vals[] = "ab" "" "h\xc3\xa9";
    uint64_t offs[4] = {0, 2, 2, 5};
    uint64_t start[1] = {0}, count[1] = {3};
    int64_t stride[1] = {2};
    CHECK_OK(zarr_array_write_strings(a, start, count, stride, vals, offs));

    /* Size query: only *needed is written. */
    uint64_t all[1] = {5};
    size_t needed = 0;
    CHECK_OK(zarr_array_read_strings(a, start, all, NULL, NULL, 0, NULL, &needed));
    CHECK(needed == 2 + 4 + 0 + 4 + 3);
    char buf[32];
    uint64_t o[6];
    /* Too small: EINVAL, nothing written. */
    memset(buf, 'x', sizeof buf);
    memset(o, 0xab, sizeof o);
    size_t n2 = 12345;
    CHECK_ERR(zarr_array_read_strings(a, start, all, NULL, buf, needed - 1, o, &n2), ZARR_EINVAL);
    CHECK(buf[0] == 'x' && n2 == 12345 && o[0] == 0xababababababababULL);
    CHECK_OK(zarr_array_read_strings(a, start, all, NULL, buf, sizeof buf, o, &n2));
    CHECK(n2 == needed);
    CHECK(o[0] == 0 && o[1] == 2 && o[2] == 6 && o[3] == 6 && o[4] == 10 && o[5] == 13);
    CHECK(memcmp(buf, "abfillfillh\xc3\xa9", 13) == 0);

    /* Invalid UTF-8: EINVAL, nothing written. */
    const char bad[] = "ok\xff";
    uint64_t boffs[3] = {0, 2, 3};
    uint64_t two[1] = {2};
    CHECK_ERR(zarr_array_write_strings(a, start, two, NULL, bad, boffs), ZARR_EINVAL);
    CHECK_OK(zarr_array_read_strings(a, start, two, NULL, buf, sizeof buf, o, &n2));
    CHECK(n2 == 6 && memcmp(buf, "abfill", 6) == 0);

    /* Numeric memory types on a string array: ETYPE. */
    int32_t ints[5];
    CHECK_ERR(zarr_array_read(a, start, all, NULL, ZARR_INT32, ints, sizeof ints), ZARR_ETYPE);
    CHECK_ERR(zarr_array_read(a, start, all, NULL, ZARR_NATIVE, ints, sizeof ints), ZARR_ETYPE);
    char unit[8];
    int64_t scale = 0;
    CHECK_ERR(zarr_array_time_unit(a, unit, &scale), ZARR_ETYPE);
    CHECK_OK(zarr_close(a));
    CHECK_OK(zarr_close(root));
}

static void test_fixed_and_times(void)
{
    char url[96];
    int64_t root, u, b, t;
    REQUIRE_OK(zarr_open(tu_memory_url(url, sizeof url, "fixed"), ZARR_CREATE, &root));
    REQUIRE_OK(zarr_array_create_json(root, "u",
        "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":[3],"
        "\"data_type\":{\"name\":\"fixed_length_utf32\",\"configuration\":{\"length_bytes\":8}},"
        "\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{\"chunk_shape\":[2]}},"
        "\"chunk_key_encoding\":{\"name\":\"default\",\"configuration\":{\"separator\":\"/\"}},"
        "\"fill_value\":\"\",\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]}", &u));
    REQUIRE_OK(zarr_array_create_json(root, "b",
        "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":[3],"
        "\"data_type\":{\"name\":\"null_terminated_bytes\",\"configuration\":{\"length_bytes\":1}},"
        "\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{\"chunk_shape\":[2]}},"
        "\"chunk_key_encoding\":{\"name\":\"default\",\"configuration\":{\"separator\":\"/\"}},"
        "\"fill_value\":\"\",\"codecs\":[{\"name\":\"bytes\"}]}", &b));
    REQUIRE_OK(zarr_array_create_json(root, "t",
        "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":[3],"
        "\"data_type\":{\"name\":\"numpy.datetime64\",\"configuration\":{\"unit\":\"ms\",\"scale_factor\":10}},"
        "\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{\"chunk_shape\":[2]}},"
        "\"chunk_key_encoding\":{\"name\":\"default\",\"configuration\":{\"separator\":\"/\"}},"
        "\"fill_value\":-9223372036854775808,\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]}",
        &t));
    int dt = 0;
    size_t es = 0;
    CHECK_OK(zarr_array_dtype(u, &dt));
    CHECK(dt == ZARR_FIXED_STRING);
    CHECK_OK(zarr_array_element_size(u, &es));
    CHECK(es == 8);
    CHECK_OK(zarr_array_dtype(b, &dt));
    CHECK(dt == ZARR_BYTES);
    CHECK_OK(zarr_array_dtype(t, &dt));
    CHECK(dt == ZARR_DATETIME64);

    uint64_t start[1] = {0}, count[1] = {3};
    /* Fixed strings: a value of 3 code points does not fit 2: ERANGE, nothing written. */
    const char v[] = "a" "\xc3\xa9z" "";
    uint64_t offs[4] = {0, 4, 4, 4}; /* "a\xc3\xa9z": 3 code points */
    CHECK_ERR(zarr_array_write_strings(u, start, count, NULL, v, offs), ZARR_ERANGE);
    uint64_t fit[4] = {0, 1, 3, 3};
    CHECK_OK(zarr_array_write_strings(u, start, count, NULL, v, fit));
    char buf[16];
    uint64_t o[4];
    size_t needed;
    CHECK_OK(zarr_array_read_strings(u, start, count, NULL, buf, sizeof buf, o, &needed));
    CHECK(needed == 3 && o[1] == 1 && o[2] == 3 && o[3] == 3 && memcmp(buf, "a\xc3\xa9", 3) == 0);
    /* Native elements: UTF-32 code points. */
    uint32_t cps[6];
    CHECK_OK(zarr_array_read(u, start, count, NULL, ZARR_NATIVE, cps, sizeof cps));
    CHECK(cps[0] == 'a' && cps[1] == 0 && cps[2] == 0xe9 && cps[3] == 0 && cps[4] == 0);
    CHECK_ERR(zarr_array_read(u, start, count, NULL, ZARR_UINT32, cps, sizeof cps), ZARR_ETYPE);

    /* |S1 characters. */
    const char chars[] = "xy";
    uint64_t coffs[4] = {0, 1, 2, 2};
    CHECK_OK(zarr_array_write_strings(b, start, count, NULL, chars, coffs));
    char raw[3];
    CHECK_OK(zarr_array_read(b, start, count, NULL, ZARR_NATIVE, raw, sizeof raw));
    CHECK(raw[0] == 'x' && raw[1] == 'y' && raw[2] == 0);
    uint64_t longer[2] = {0, 2};
    CHECK_ERR(zarr_array_write_strings(b, start, (uint64_t[]){1}, NULL, "ab", longer), ZARR_ERANGE);

    /* Times: int64 and native, NaT is INT64_MIN, the unit. */
    int64_t times[3] = {5, INT64_MIN, -7}, back[3];
    CHECK_OK(zarr_array_write(t, start, count, NULL, ZARR_INT64, times, sizeof times));
    CHECK_OK(zarr_array_read(t, start, count, NULL, ZARR_NATIVE, back, sizeof back));
    CHECK(back[0] == 5 && back[1] == INT64_MIN && back[2] == -7);
    double d[3];
    CHECK_ERR(zarr_array_read(t, start, count, NULL, ZARR_FLOAT64, d, sizeof d), ZARR_ETYPE);
    char unit[8];
    int64_t scale = 0;
    CHECK_OK(zarr_array_time_unit(t, unit, &scale));
    CHECK(strcmp(unit, "ms") == 0 && scale == 10);
    CHECK_ERR(zarr_array_read_strings(t, start, count, NULL, NULL, 0, NULL, &needed), ZARR_ETYPE);
    CHECK_OK(zarr_close(u));
    CHECK_OK(zarr_close(b));
    CHECK_OK(zarr_close(t));
    CHECK_OK(zarr_close(root));
}

static void test_v3(void) { test_vlen_strings(3); }
static void test_v2(void) { test_vlen_strings(2); }

int main(void)
{
    RUN_TEST(test_v3);
    RUN_TEST(test_v2);
    RUN_TEST(test_fixed_and_times);
    return TEST_SUMMARY();
}
