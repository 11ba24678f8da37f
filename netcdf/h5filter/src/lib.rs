//! HDF5 filter plugins, with NCZarr codec information, on libzarr's codecs:
//! for netCDF-C builds that have NCZarr filters (Debian's 4.9 has none), so
//! that such a netCDF-C (and HDF5 itself) decodes and encodes zstd and
//! blosc chunks with the same code libzarr uses.
//!
//! An HDF5 plugin library holds one filter, so this crate is built once per
//! filter (`--features zstd` → `lib__nch5zstd.so`, `--features blosc` →
//! `lib__nch5blosc.so`, the names netCDF-C gives its own) and the libraries
//! are found through `HDF5_PLUGIN_PATH`. Each exports:
//! - `H5PLget_plugin_type` / `H5PLget_plugin_info`: the `H5Z_class2_t`;
//! - `NCZ_get_codec_info`: the `NCZ_codec_t` that maps numcodecs JSON
//!   (`{"id": "zstd", "level": 5}`) to HDF5 parameters and back.
//!
//! Buffers handed back to HDF5 and netCDF-C come from the C `malloc` and
//! are released with `free`, as netCDF-C's own plugins do.

use serde_json::{json, Value};
use std::ffi::{c_char, c_int, c_uint, c_void, CStr};

#[cfg(all(feature = "zstd", feature = "blosc"))]
compile_error!("build zarr_h5filter with one of the features zstd or blosc, not both");

extern "C" {
    fn malloc(n: usize) -> *mut c_void;
    fn free(p: *mut c_void);
}

const NC_NOERR: c_int = 0;
const NC_EFILTER: c_int = -132;
const H5Z_FLAG_REVERSE: c_uint = 0x0100;
const H5Z_CLASS_T_VERS: c_int = 1;
const H5PL_TYPE_FILTER: c_int = 0;
const NCZ_CODEC_CLASS_VER: c_int = 1;
const NCZ_CODEC_HDF5: c_int = 1;

type FilterFn = unsafe extern "C" fn(c_uint, usize, *const c_uint, usize, *mut usize, *mut *mut c_void) -> usize;

/// HDF5's `H5Z_class2_t` (H5Zpublic.h, version 1).
#[repr(C)]
pub struct H5ZClass2 {
    version: c_int,
    id: c_int,
    encoder_present: c_uint,
    decoder_present: c_uint,
    name: *const c_char,
    can_apply: *const c_void,
    set_local: *const c_void,
    filter: FilterFn,
}
// SAFETY: a constant table of a number, a static string and function pointers.
unsafe impl Sync for H5ZClass2 {}

/// netCDF-C's `NCZ_codec_t` (netcdf_filter_build.h, version 1).
#[repr(C)]
pub struct NczCodec {
    version: c_int,
    sort: c_int,
    codecid: *const c_char,
    hdf5id: c_uint,
    initialize: Option<extern "C" fn()>,
    finalize: Option<extern "C" fn()>,
    to_hdf5: unsafe extern "C" fn(*const c_char, *mut usize, *mut *mut c_uint) -> c_int,
    hdf5_to_codec: unsafe extern "C" fn(usize, *const c_uint, *mut *mut c_char) -> c_int,
    modify_parameters:
        unsafe extern "C" fn(c_int, c_int, *mut usize, *mut *mut c_uint, *mut usize, *mut *mut c_uint) -> c_int,
}
// SAFETY: as H5ZClass2.
unsafe impl Sync for NczCodec {}

/// One filter: its ids and the mapping between HDF5 parameters and JSON.
mod spec {
    use super::*;

    #[cfg(feature = "blosc")]
    pub const HDF5_ID: c_uint = 32001;
    #[cfg(feature = "blosc")]
    pub const NAME: &CStr = c"blosc";
    #[cfg(not(feature = "blosc"))]
    pub const HDF5_ID: c_uint = 32015;
    #[cfg(not(feature = "blosc"))]
    pub const NAME: &CStr = c"zstd";

    #[cfg(feature = "blosc")]
    const CNAMES: [&str; 6] = ["blosclz", "lz4", "lz4hc", "snappy", "zlib", "zstd"];

    /// The numcodecs object for HDF5 parameters, and the element size the
    /// codec should assume (blosc's typesize).
    #[cfg(feature = "blosc")]
    pub fn codec_json(p: &[c_uint]) -> Option<(Value, usize)> {
        // netCDF-C's H5Zblosc: [filter rev, blosc format, typesize, blocksize, clevel, shuffle, compcode]
        let g = |i: usize, d: c_uint| p.get(i).copied().unwrap_or(d);
        let cname = *CNAMES.get(g(6, 0) as usize)?;
        let v = json!({"id": "blosc", "cname": cname, "clevel": g(4, 5), "shuffle": g(5, 1), "blocksize": g(3, 0)});
        Some((v, g(2, 1).max(1) as usize))
    }

    #[cfg(not(feature = "blosc"))]
    pub fn codec_json(p: &[c_uint]) -> Option<(Value, usize)> {
        let level = p.first().map_or(3, |&l| l as i32);
        Some((json!({"id": "zstd", "level": level}), 1))
    }

    #[cfg(feature = "blosc")]
    pub fn hdf5_params(v: &Value) -> Option<Vec<c_uint>> {
        if v.get("id")?.as_str()? != "blosc" {
            return None;
        }
        let cname = v.get("cname").and_then(Value::as_str).unwrap_or("lz4");
        let code = CNAMES.iter().position(|c| *c == cname)? as c_uint;
        let n = |k: &str, d: u64| v.get(k).and_then(Value::as_u64).unwrap_or(d) as c_uint;
        Some(vec![2, 2, 0, n("blocksize", 0), n("clevel", 5), n("shuffle", 1), code])
    }

    #[cfg(not(feature = "blosc"))]
    pub fn hdf5_params(v: &Value) -> Option<Vec<c_uint>> {
        if v.get("id")?.as_str()? != "zstd" {
            return None;
        }
        Some(vec![v.get("level").and_then(Value::as_i64).unwrap_or(3) as c_uint])
    }
}

static CLASS: H5ZClass2 = H5ZClass2 {
    version: H5Z_CLASS_T_VERS,
    id: spec::HDF5_ID as c_int,
    encoder_present: 1,
    decoder_present: 1,
    name: spec::NAME.as_ptr(),
    can_apply: std::ptr::null(),
    set_local: std::ptr::null(),
    filter: h5_filter,
};

static CODEC: NczCodec = NczCodec {
    version: NCZ_CODEC_CLASS_VER,
    sort: NCZ_CODEC_HDF5,
    codecid: spec::NAME.as_ptr(),
    hdf5id: spec::HDF5_ID,
    initialize: None,
    finalize: None,
    to_hdf5: ncz_codec_to_hdf5,
    hdf5_to_codec: ncz_hdf5_to_codec,
    modify_parameters: ncz_modify_parameters,
};

#[no_mangle]
pub extern "C" fn H5PLget_plugin_type() -> c_int {
    H5PL_TYPE_FILTER
}

#[no_mangle]
pub extern "C" fn H5PLget_plugin_info() -> *const c_void {
    &CLASS as *const H5ZClass2 as *const c_void
}

#[no_mangle]
pub extern "C" fn NCZ_get_codec_info() -> *const c_void {
    &CODEC as *const NczCodec as *const c_void
}

/// Encode or decode `input` with the codec the parameters describe.
pub fn run_codec(params: &[c_uint], reverse: bool, input: &[u8]) -> Result<Vec<u8>, String> {
    let (json, elem) = spec::codec_json(params).ok_or("bad filter parameters")?;
    let codec = zarr::codec::registry::from_v2(&json, zarr::codec::CodecContext { elem_size: elem })
        .map_err(|e| e.to_string())?;
    if reverse {
        codec.decode(input.to_vec(), None).map_err(|e| e.to_string())
    } else {
        codec.encode(input.to_vec()).map_err(|e| e.to_string())
    }
}

/// HDF5's filter callback: replaces `*buf` by the encoded (or, with
/// H5Z_FLAG_REVERSE, decoded) bytes; 0 on failure, as HDF5 expects.
unsafe extern "C" fn h5_filter(
    flags: c_uint,
    cd_nelmts: usize,
    cd_values: *const c_uint,
    nbytes: usize,
    buf_size: *mut usize,
    buf: *mut *mut c_void,
) -> usize {
    let r = std::panic::catch_unwind(|| {
        if buf.is_null() || buf_size.is_null() {
            return 0;
        }
        // SAFETY: HDF5 passes cd_nelmts parameters and a buffer of nbytes valid bytes.
        let (params, input) = unsafe {
            let params = if cd_values.is_null() {
                &[][..]
            } else {
                std::slice::from_raw_parts(cd_values, cd_nelmts)
            };
            (params, std::slice::from_raw_parts(*buf as *const u8, nbytes))
        };
        match run_codec(params, flags & H5Z_FLAG_REVERSE != 0, input) {
            Ok(out) => {
                // SAFETY: a fresh malloc of out.len() bytes replaces HDF5's buffer,
                // which is released with free (netCDF-C's plugins do the same).
                unsafe {
                    let p = malloc(out.len().max(1)) as *mut u8;
                    if p.is_null() {
                        return 0;
                    }
                    std::ptr::copy_nonoverlapping(out.as_ptr(), p, out.len());
                    free(*buf);
                    *buf = p as *mut c_void;
                    *buf_size = out.len();
                }
                out.len()
            }
            Err(e) => {
                eprintln!("libzarr h5filter ({}): {e}", spec::NAME.to_string_lossy());
                0
            }
        }
    });
    r.unwrap_or(0)
}

/// A malloc'd copy of `v` (caller frees).
unsafe fn malloc_copy<T: Copy>(v: &[T]) -> *mut T {
    // SAFETY: fresh allocation of the right size, filled in bounds.
    unsafe {
        let p = malloc(std::mem::size_of_val(v).max(1)) as *mut T;
        if !p.is_null() {
            std::ptr::copy_nonoverlapping(v.as_ptr(), p, v.len());
        }
        p
    }
}

unsafe extern "C" fn ncz_codec_to_hdf5(codec: *const c_char, nparamsp: *mut usize, paramsp: *mut *mut c_uint) -> c_int {
    if codec.is_null() || nparamsp.is_null() || paramsp.is_null() {
        return NC_EFILTER;
    }
    // SAFETY: a NUL-terminated JSON text from netCDF-C.
    let text = unsafe { CStr::from_ptr(codec) }.to_string_lossy();
    let Some(params) = serde_json::from_str::<Value>(&text)
        .ok()
        .as_ref()
        .and_then(spec::hdf5_params)
    else {
        return NC_EFILTER;
    };
    // SAFETY: out-pointers from netCDF-C; the vector is malloc'd for it to free.
    unsafe {
        *nparamsp = params.len();
        *paramsp = malloc_copy(&params);
    }
    NC_NOERR
}

unsafe extern "C" fn ncz_hdf5_to_codec(nparams: usize, params: *const c_uint, codecp: *mut *mut c_char) -> c_int {
    if codecp.is_null() || (nparams > 0 && params.is_null()) {
        return NC_EFILTER;
    }
    // SAFETY: nparams values from netCDF-C.
    let p = if nparams == 0 {
        &[][..]
    } else {
        unsafe { std::slice::from_raw_parts(params, nparams) }
    };
    let Some((v, _)) = spec::codec_json(p) else {
        return NC_EFILTER;
    };
    let mut text = v.to_string().into_bytes();
    text.push(0);
    // SAFETY: out-pointer; a malloc'd NUL-terminated string for netCDF-C to free.
    unsafe { *codecp = malloc_copy(&text) as *mut c_char };
    NC_NOERR
}

/// Visible parameters become the working ones unchanged; blosc's typesize
/// (left 0 by the JSON) is the caller's business through HDF5's set_local,
/// which netCDF-C does not call for NCZarr, so it stays 1 (byte shuffle).
unsafe extern "C" fn ncz_modify_parameters(
    _ncid: c_int,
    _varid: c_int,
    vnparamsp: *mut usize,
    vparamsp: *mut *mut c_uint,
    wnparamsp: *mut usize,
    wparamsp: *mut *mut c_uint,
) -> c_int {
    if vnparamsp.is_null() || vparamsp.is_null() || wnparamsp.is_null() || wparamsp.is_null() {
        return NC_EFILTER;
    }
    // SAFETY: netCDF-C's in/out pointers; the working vector is a fresh malloc.
    unsafe {
        let n = *vnparamsp;
        let v = if n == 0 || (*vparamsp).is_null() {
            &[][..]
        } else {
            std::slice::from_raw_parts(*vparamsp, n)
        };
        *wnparamsp = n;
        *wparamsp = malloc_copy(v);
    }
    NC_NOERR
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_round_trip() {
        let p = spec::hdf5_params(&spec::codec_json(&[]).unwrap().0).unwrap();
        let (v, _) = spec::codec_json(&p).unwrap();
        assert_eq!(spec::hdf5_params(&v).unwrap(), p);
        let data: Vec<u8> = (0..4000u32).flat_map(|i| (i / 7).to_le_bytes()).collect();
        let enc = run_codec(&p, false, &data).unwrap();
        assert!(enc.len() < data.len());
        assert_eq!(run_codec(&p, true, &enc).unwrap(), data);
        assert!(run_codec(&p, true, b"not compressed").is_err());
    }
}
