/*
 * nc_write.c - writes a Zarr hierarchy with plain netCDF-C calls through
 * libzarr_netcdf (registered explicitly):
 *   nc_write URL
 * Defines dims time(unlimited) x y, a float variable with bitround
 * quantization (nc_def_var_quantize), deflate and explicit chunks, an int
 * variable with a _FillValue, a group with a double variable; writes 2
 * records one at a time, then a strided put. Values: temp[t][y][x] =
 * t*100 + y*10 + x + 1/3; idx[y][x] = y*5+x except idx[1][1] left as fill.
 * Exits 1 with "error <status> <message>" on failure; checks that bad
 * calls fail with netCDF's statuses.
 */
#include <netcdf.h>
#include <stdio.h>
#include <string.h>

#include "zarr_netcdf.h"

#define CHECK(call)                                                                                \
    do {                                                                                           \
        int st_ = (call);                                                                          \
        if (st_ != NC_NOERR) {                                                                     \
            printf("error %d %s (line %d)\n", st_, nc_strerror(st_), __LINE__);                   \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)
#define EXPECT(call, want)                                                                         \
    do {                                                                                           \
        int st_ = (call);                                                                          \
        if (st_ != (want)) {                                                                       \
            printf("error: line %d returned %d, expected %d\n", __LINE__, st_, (want));           \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    CHECK(zarr_netcdf_register());
    int ncid, dt, dy, dx, vt, vi, grp, vd;
    CHECK(nc_create(argv[1], NC_CLOBBER | NC_NETCDF4, &ncid));
    CHECK(nc_def_dim(ncid, "time", NC_UNLIMITED, &dt));
    CHECK(nc_def_dim(ncid, "y", 3, &dy));
    CHECK(nc_def_dim(ncid, "x", 5, &dx));
    EXPECT(nc_def_dim(ncid, "x", 2, &dx), NC_ENAMEINUSE);
    int d3[3] = {dt, dy, dx}, d2[2] = {dy, dx};
    CHECK(nc_def_var(ncid, "temp", NC_FLOAT, 3, d3, &vt));
    size_t chunks[3] = {1, 3, 5};
    CHECK(nc_def_var_chunking(ncid, vt, NC_CHUNKED, chunks));
    CHECK(nc_def_var_deflate(ncid, vt, 1, 1, 2));
    CHECK(nc_def_var_quantize(ncid, vt, NC_QUANTIZE_BITROUND, 9));
    CHECK(nc_put_att_text(ncid, vt, "units", 1, "K"));
    CHECK(nc_def_var(ncid, "idx", NC_INT, 2, d2, &vi));
    int fill = -7;
    CHECK(nc_def_var_fill(ncid, vi, 0, &fill));
    double range[2] = {-1.5, 99.25};
    CHECK(nc_put_att_double(ncid, NC_GLOBAL, "range", NC_DOUBLE, 2, range));
    CHECK(nc_put_att_text(ncid, NC_GLOBAL, "title", 13, "netCDF writer"));
    EXPECT(nc_def_var(ncid, "s", NC_CHAR, 1, &dx, &vd), NC_EBADTYPE);
    CHECK(nc_def_grp(ncid, "g", &grp));
    CHECK(nc_def_var(grp, "d", NC_DOUBLE, 1, &dx, &vd));
    CHECK(nc_enddef(ncid));

    float rec[3][5];
    for (size_t t = 0; t < 2; t++) {
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 5; x++)
                rec[y][x] = (float)(t * 100 + y * 10 + x) + 1.0f / 3.0f;
        size_t start[3] = {t, 0, 0}, count[3] = {1, 3, 5};
        CHECK(nc_put_vara_float(ncid, vt, start, count, &rec[0][0]));
    }
    int idx[3][5];
    for (int y = 0; y < 3; y++)
        for (int x = 0; x < 5; x++)
            idx[y][x] = y * 5 + x;
    /* rows 0 and 2 whole, row 1 only at x = 0, 2, 4 */
    size_t s0[2] = {0, 0}, c0[2] = {1, 5};
    CHECK(nc_put_vara_int(ncid, vi, s0, c0, idx[0]));
    size_t s2[2] = {2, 0};
    CHECK(nc_put_vara_int(ncid, vi, s2, c0, idx[2]));
    size_t s1[2] = {1, 0}, c1[2] = {1, 3};
    ptrdiff_t st1[2] = {1, 2};
    int row1[3] = {5, 7, 9};
    CHECK(nc_put_vars_int(ncid, vi, s1, c1, st1, row1));
    /* idx[1][1] and idx[1][3] stay fill; a value out of int range is ERANGE */
    double dvals[5] = {0.5, 1.5, 2.5, 3.5, 4.5};
    CHECK(nc_put_var_double(grp, vd, dvals));
    size_t sbad[2] = {3, 0};
    EXPECT(nc_put_vara_int(ncid, vi, sbad, c0, idx[0]), NC_EINVALCOORDS);
    CHECK(nc_close(ncid));

    /* Read back through netCDF. */
    CHECK(nc_open(argv[1], NC_NOWRITE, &ncid));
    size_t nt;
    CHECK(nc_inq_dimid(ncid, "time", &dt));
    CHECK(nc_inq_dimlen(ncid, dt, &nt));
    CHECK(nc_inq_varid(ncid, "idx", &vi));
    if (nt != 2) {
        printf("error: time has %zu records\n", nt);
        return 1;
    }
    int back[3][5];
    CHECK(nc_get_var_int(ncid, vi, &back[0][0]));
    if (back[1][1] != -7 || back[1][2] != 7 || back[2][4] != 14) {
        printf("error: idx read back %d %d %d\n", back[1][1], back[1][2], back[2][4]);
        return 1;
    }
    EXPECT(nc_put_var_int(ncid, vi, &back[0][0]), NC_EPERM);
    CHECK(nc_close(ncid));
    printf("OK\n");
    return 0;
}
