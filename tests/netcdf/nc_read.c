/*
 * nc_read.c - an ordinary netCDF-C program: registers libzarr_netcdf
 * explicitly (no LD_PRELOAD), opens a Zarr hierarchy with nc_open and reads
 * one variable with nc_get_vars_double.
 *
 *   nc_read URL GROUP/VAR START COUNT STRIDE    (comma lists, one per dim)
 *
 * Prints one value per line (%.17g); on a netCDF error prints
 * "error <status> <message>" and exits 1.
 */
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zarr_netcdf.h"

static int list(const char *s, size_t *out, int max)
{
    int n = 0;
    while (*s && n < max) {
        char *end;
        out[n++] = strtoull(s, &end, 10);
        s = *end == ',' ? end + 1 : end;
    }
    return n;
}

#define CHECK(call)                                                                                \
    do {                                                                                           \
        int st_ = (call);                                                                          \
        if (st_ != NC_NOERR) {                                                                     \
            printf("error %d %s\n", st_, nc_strerror(st_));                                       \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: nc_read URL GROUP/VAR START COUNT STRIDE\n");
        return 2;
    }
    CHECK(zarr_netcdf_register());
    int ncid, grp, varid, ndims;
    CHECK(nc_open(argv[1], NC_NOWRITE, &ncid));
    char path[512];
    snprintf(path, sizeof path, "%s", argv[2]);
    char *slash = strrchr(path, '/');
    grp = ncid;
    const char *var = path;
    if (slash) {
        *slash = '\0';
        CHECK(nc_inq_grp_full_ncid(ncid, path, &grp));
        var = slash + 1;
    }
    CHECK(nc_inq_varid(grp, var, &varid));
    CHECK(nc_inq_varndims(grp, varid, &ndims));
    size_t start[16], count[16], st[16];
    ptrdiff_t stride[16];
    if (list(argv[3], start, 16) != ndims || list(argv[4], count, 16) != ndims || list(argv[5], st, 16) != ndims) {
        fprintf(stderr, "need %d values in START, COUNT and STRIDE\n", ndims);
        return 2;
    }
    size_t n = 1;
    for (int i = 0; i < ndims; i++) {
        n *= count[i];
        stride[i] = (ptrdiff_t)st[i];
    }
    double *v = malloc((n ? n : 1) * sizeof *v);
    CHECK(nc_get_vars_double(grp, varid, start, count, stride, v));
    for (size_t i = 0; i < n; i++)
        printf("%.17g\n", v[i]);
    free(v);
    CHECK(nc_close(ncid));
    return 0;
}
