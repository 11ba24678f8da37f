//! Generates the C header from the `ffi` module with cbindgen. The build
//! writes it to OUT_DIR; `include/zarr.h` (committed) is refreshed only when
//! ZARR_UPDATE_HEADER=1 or when it is missing, and a test fails when the two
//! differ, so the shipped header never drifts silently.

use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("zarr.h");
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=ZARR_UPDATE_HEADER");
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    // Only the ffi module tree: the header declares the library's own names,
    // not every `pub const` of the crate or the libc functions it imports.
    cbindgen::Builder::new()
        .with_src(crate_dir.join("src/ffi/mod.rs"))
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write_to_file(&out);
    println!("cargo:rustc-env=ZARR_GENERATED_HEADER={}", out.display());
    let committed = crate_dir.join("include/zarr.h");
    if std::env::var("ZARR_UPDATE_HEADER").as_deref() == Ok("1") || !committed.exists() {
        std::fs::create_dir_all(committed.parent().unwrap()).unwrap();
        std::fs::copy(&out, &committed).unwrap();
    }
    // SONAME with the major version, so libzarr.so.1 can sit beside a later .so.2.
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    // Cargo hands these link arguments to dependents' cdylibs too, so a
    // library that embeds libzarr (libzarr_netcdf) turns them off.
    let embedded = std::env::var_os("CARGO_FEATURE_NO_SONAME").is_some();
    if target_os == "linux" && !embedded {
        let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap();
        println!("cargo:rustc-link-arg-cdylib=-Wl,-soname,libzarr.so.{major}");
    }
}
