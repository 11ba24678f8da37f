//! Compile the dispatch table (C, checked against the system's
//! netcdf_dispatch.h) and link netCDF-C.

fn main() {
    println!("cargo:rerun-if-changed=src/dispatch.c");
    println!("cargo:rerun-if-env-changed=NETCDF_INCLUDE");
    println!("cargo:rerun-if-env-changed=NETCDF_LIBDIR");
    let mut b = cc::Build::new();
    b.file("src/dispatch.c")
        .flag_if_supported("-std=c11")
        .flag_if_supported("-Werror=incompatible-pointer-types")
        .flag_if_supported("-Werror=int-conversion");
    if let Ok(inc) = std::env::var("NETCDF_INCLUDE") {
        b.include(inc);
    }
    b.compile("zn_dispatch");
    if let Ok(dir) = std::env::var("NETCDF_LIBDIR") {
        println!("cargo:rustc-link-search=native={dir}");
    }
    println!("cargo:rustc-link-lib=netcdf");
    // libzarr (with feature no-soname) leaves the SONAME to us.
    println!("cargo:rustc-link-arg-cdylib=-Wl,-soname,libzarr_netcdf.so");
}
