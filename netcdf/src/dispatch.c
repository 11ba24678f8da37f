/*
 * dispatch.c - the netCDF-C user-defined-format dispatch table of
 * libzarr_netcdf, its registration, and the LD_PRELOAD constructor.
 *
 * The table is C so that the compiler checks every entry's signature
 * against the netcdf_dispatch.h it is built with; the entries themselves
 * (zn_*) are implemented in Rust (src/lib.rs) on the libzarr engine.
 * Entries this plugin does not implement point at netCDF-C's own
 * NC_RO_* (read-only), NC_NOTNC4_* and NC_NOOP_* helpers.
 */
#include <netcdf.h>
#include <netcdf_dispatch.h>
#include <netcdf_meta.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The table below is laid out for this version; another one must not build. */
_Static_assert(NC_DISPATCH_VERSION == 5,
               "libzarr_netcdf implements netCDF-C dispatch table version 5; "
               "this netcdf_dispatch.h has another NC_DISPATCH_VERSION");

/* Implemented in Rust. */
int zn_create(const char *path, int cmode, size_t initialsz, int basepe, size_t *hint, void *params,
              const NC_Dispatch *table, int ncid);
int zn_open(const char *path, int mode, int basepe, size_t *hint, void *params, const NC_Dispatch *table,
            int ncid);
int zn_redef(int ncid);
int zn__enddef(int ncid, size_t a, size_t b, size_t c, size_t d);
int zn_sync(int ncid);
int zn_abort(int ncid);
int zn_close(int ncid, void *memio);
int zn_set_fill(int ncid, int fillmode, int *old);
int zn_inq_format(int ncid, int *formatp);
int zn_inq_format_extended(int ncid, int *formatp, int *modep);
int zn_inq(int ncid, int *ndimsp, int *nvarsp, int *nattsp, int *unlimdimidp);
int zn_inq_type(int ncid, nc_type xtype, char *name, size_t *size);
int zn_def_dim(int ncid, const char *name, size_t len, int *idp);
int zn_inq_dimid(int ncid, const char *name, int *idp);
int zn_inq_dim(int ncid, int dimid, char *name, size_t *lenp);
int zn_inq_unlimdim(int ncid, int *unlimdimidp);
int zn_inq_att(int ncid, int varid, const char *name, nc_type *xtypep, size_t *lenp);
int zn_inq_attid(int ncid, int varid, const char *name, int *idp);
int zn_inq_attname(int ncid, int varid, int attnum, char *name);
int zn_get_att(int ncid, int varid, const char *name, void *value, nc_type memtype);
int zn_put_att(int ncid, int varid, const char *name, nc_type xtype, size_t len, const void *value,
               nc_type memtype);
int zn_def_var(int ncid, const char *name, nc_type xtype, int ndims, const int *dimidsp, int *varidp);
int zn_inq_varid(int ncid, const char *name, int *varidp);
int zn_get_vara(int ncid, int varid, const size_t *start, const size_t *count, void *value, nc_type memtype);
int zn_put_vara(int ncid, int varid, const size_t *start, const size_t *count, const void *value,
                nc_type memtype);
int zn_get_vars(int ncid, int varid, const size_t *start, const size_t *count, const ptrdiff_t *stride,
                void *value, nc_type memtype);
int zn_put_vars(int ncid, int varid, const size_t *start, const size_t *count, const ptrdiff_t *stride,
                const void *value, nc_type memtype);
int zn_inq_var_all(int ncid, int varid, char *name, nc_type *xtypep, int *ndimsp, int *dimidsp,
                   int *nattsp, int *shufflep, int *deflatep, int *deflate_levelp, int *fletcher32p,
                   int *contiguousp, size_t *chunksizesp, int *no_fill, void *fill_valuep,
                   int *endiannessp, unsigned int *idp, size_t *nparamsp, unsigned int *params);
int zn_def_var_fill(int ncid, int varid, int no_fill, const void *fill_value);
int zn_show_metadata(int ncid);
int zn_inq_unlimdims(int ncid, int *nunlimdimsp, int *unlimdimidsp);
int zn_inq_ncid(int ncid, const char *name, int *grp_ncid);
int zn_inq_grps(int ncid, int *numgrps, int *ncids);
int zn_inq_grpname(int ncid, char *name);
int zn_inq_grpname_full(int ncid, size_t *lenp, char *full_name);
int zn_inq_grp_parent(int ncid, int *parent_ncid);
int zn_inq_grp_full_ncid(int ncid, const char *full_name, int *grp_ncid);
int zn_inq_varids(int ncid, int *nvars, int *varids);
int zn_inq_dimids(int ncid, int *ndims, int *dimids, int include_parents);
int zn_inq_typeids(int ncid, int *ntypes, int *typeids);
int zn_inq_type_equal(int ncid1, nc_type typeid1, int ncid2, nc_type typeid2, int *equal);
int zn_def_grp(int parent_ncid, const char *name, int *new_ncid);
int zn_inq_user_type(int ncid, nc_type xtype, char *name, size_t *size, nc_type *base_nc_typep,
                     size_t *nfieldsp, int *classp);
int zn_inq_typeid(int ncid, const char *name, nc_type *typeidp);
int zn_def_var_deflate(int ncid, int varid, int shuffle, int deflate, int deflate_level);
int zn_def_var_fletcher32(int ncid, int varid, int fletcher32);
int zn_def_var_chunking(int ncid, int varid, int storage, const size_t *chunksizesp);
int zn_def_var_endian(int ncid, int varid, int endian);
int zn_def_var_filter(int ncid, int varid, unsigned int id, size_t nparams, const unsigned int *parms);
int zn_set_var_chunk_cache(int ncid, int varid, size_t size, size_t nelems, float preemption);
int zn_get_var_chunk_cache(int ncid, int varid, size_t *sizep, size_t *nelemsp, float *preemptionp);
int zn_def_var_quantize(int ncid, int varid, int quantize_mode, int nsd);
int zn_inq_var_quantize(int ncid, int varid, int *quantize_modep, int *nsdp);
int zn_rename_unsupported(int ncid, int id, const char *name);
int zn_rename_att(int ncid, int varid, const char *name, const char *newname);
int zn_del_att(int ncid, int varid, const char *name);
int zn_rename_grp(int ncid, const char *name);
int zn_var_par_access(int ncid, int varid, int par_access);

static NC_Dispatch zn_table = {
    NC_FORMATX_UDF0,
    NC_DISPATCH_VERSION,

    zn_create,
    zn_open,

    zn_redef,
    zn__enddef,
    zn_sync,
    zn_abort,
    zn_close,
    zn_set_fill,
    zn_inq_format,
    zn_inq_format_extended,

    zn_inq,
    zn_inq_type,

    zn_def_dim,
    zn_inq_dimid,
    zn_inq_dim,
    zn_inq_unlimdim,
    zn_rename_unsupported,

    zn_inq_att,
    zn_inq_attid,
    zn_inq_attname,
    zn_rename_att,
    zn_del_att,
    zn_get_att,
    zn_put_att,

    zn_def_var,
    zn_inq_varid,
    zn_rename_unsupported,

    zn_get_vara,
    zn_put_vara,
    zn_get_vars,
    zn_put_vars,
    NC_NOTNC3_get_varm,
    NC_NOTNC3_put_varm,

    zn_inq_var_all,

    zn_var_par_access,
    zn_def_var_fill,

    zn_show_metadata,
    zn_inq_unlimdims,
    zn_inq_ncid,
    zn_inq_grps,
    zn_inq_grpname,
    zn_inq_grpname_full,
    zn_inq_grp_parent,
    zn_inq_grp_full_ncid,
    zn_inq_varids,
    zn_inq_dimids,
    zn_inq_typeids,
    zn_inq_type_equal,
    zn_def_grp,
    zn_rename_grp,
    zn_inq_user_type,
    zn_inq_typeid,

    NC_NOTNC4_def_compound,
    NC_NOTNC4_insert_compound,
    NC_NOTNC4_insert_array_compound,
    NC_NOTNC4_inq_compound_field,
    NC_NOTNC4_inq_compound_fieldindex,
    NC_NOTNC4_def_vlen,
    NC_NOTNC4_put_vlen_element,
    NC_NOTNC4_get_vlen_element,
    NC_NOTNC4_def_enum,
    NC_NOTNC4_insert_enum,
    NC_NOTNC4_inq_enum_member,
    NC_NOTNC4_inq_enum_ident,
    NC_NOTNC4_def_opaque,
    zn_def_var_deflate,
    zn_def_var_fletcher32,
    zn_def_var_chunking,
    zn_def_var_endian,
    zn_def_var_filter,
    zn_set_var_chunk_cache,
    zn_get_var_chunk_cache,

    NC_NOOP_inq_var_filter_ids,
    NC_NOOP_inq_var_filter_info,

    zn_def_var_quantize,
    zn_inq_var_quantize,

    NC_NOOP_inq_filter_avail,
};

/* Register the plugin as netCDF-C's user-defined format 0. Returns a netCDF
 * status; refuses (NC_ENOTBUILT) when the netCDF-C loaded at run time is
 * another major.minor than the one the table was built for. Exported as
 * zarr_netcdf_register / zarr_netcdf_init by src/lib.rs (a Rust cdylib
 * exports only Rust symbols). */
int zn_register_impl(void)
{
    int major = 0, minor = 0;
    const char *v = nc_inq_libvers();
    if (!v || sscanf(v, "%d.%d", &major, &minor) != 2 || major != NC_VERSION_MAJOR ||
        minor != NC_VERSION_MINOR) {
        fprintf(stderr,
                "libzarr_netcdf: not registering: built for netCDF-C %d.%d (dispatch table "
                "version %d), but the loaded netCDF-C is \"%s\"\n",
                NC_VERSION_MAJOR, NC_VERSION_MINOR, NC_DISPATCH_VERSION, v ? v : "(unknown)");
        return NC_ENOTBUILT;
    }
    int st = nc_def_user_format(NC_UDF0, &zn_table, NULL);
    if (st != NC_NOERR)
        fprintf(stderr, "libzarr_netcdf: nc_def_user_format(NC_UDF0) failed: %s\n", nc_strerror(st));
    return st;
}

/* Loaded with LD_PRELOAD (or linked), register at load time. Set
 * ZARR_NETCDF_NO_AUTOREGISTER=1 to leave it to the application. */
__attribute__((constructor)) static void zn_autoregister(void)
{
    const char *off = getenv("ZARR_NETCDF_NO_AUTOREGISTER");
    if (off && *off && strcmp(off, "0") != 0)
        return;
    zn_register_impl();
}
