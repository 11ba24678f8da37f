/*
 * zarr_netcdf.h - libzarr_netcdf, the netCDF-C plugin of libzarr.
 *
 * Once registered, netCDF-C opens Zarr v2/v3 hierarchies named
 * "file:///abs/path.zarr#mode=udf0" (or any path opened with NC_UDF0) and
 * creates them with nc_create(".../new.zarr#mode=udf0", ...); add ",v2" to
 * the mode words to create Zarr v2.
 *
 * Three ways to register: LD_PRELOAD=libzarr_netcdf.so (a constructor
 * registers on load; ZARR_NETCDF_NO_AUTOREGISTER=1 turns that off), a call
 * to zarr_netcdf_register(), or netCDF-C 4.10's .ncrc keys
 * NETCDF.UDF0.LIBRARY=<path to libzarr_netcdf.so> and
 * NETCDF.UDF0.INIT=zarr_netcdf_init.
 */
#ifndef ZARR_NETCDF_H
#define ZARR_NETCDF_H

#ifdef __cplusplus
extern "C" {
#endif

/* Register libzarr as netCDF-C's user-defined format NC_UDF0. Returns a
 * netCDF status: NC_NOERR, or NC_ENOTBUILT when the netCDF-C loaded at run
 * time is not the version the plugin was built against. Idempotent. */
int zarr_netcdf_register(void);

/* The same, for netCDF-C 4.10's NETCDF.UDF0.INIT. */
int zarr_netcdf_init(void);

#ifdef __cplusplus
}
#endif

#endif /* ZARR_NETCDF_H */
