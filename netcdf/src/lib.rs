//! libzarr_netcdf: a netCDF-C user-defined format (NC_UDF0) on the libzarr
//! engine, so that unmodified netCDF programs (ncdump, nccopy, models using
//! netcdf-fortran) read and write Zarr v2 and v3.
//!
//! `dispatch.c` holds the dispatch table (checked by the C compiler against
//! the netcdf_dispatch.h it is built with) and the registration; this file
//! implements its entries. Every entry catches panics, checks its pointers,
//! and answers a netCDF status; failures that are not plain lookups log one
//! line to stderr saying what went wrong.
//!
//! ncids: netCDF-C hands `open`/`create` an ncid whose high 16 bits name the
//! dataset; groups are that plus the group's index in the low 16 bits
//! (the netCDF-4 convention), the root being index 0.

// The zn_* entries are called only by netCDF-C through the dispatch table;
// netcdf_dispatch.h's contract for each entry is their safety documentation.
#![allow(clippy::missing_safety_doc)]

mod model;
mod nc;
mod write;

use model::{AttData, Dataset, Num};
use nc::*;
use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

type Shared = Arc<Mutex<Dataset>>;

extern "C" {
    /// In dispatch.c: checks the netCDF-C version and registers the table.
    fn zn_register_impl() -> c_int;
}

/// Register libzarr as netCDF-C's user-defined format 0 (`NC_UDF0`), so
/// `nc_open("file:///x.zarr#mode=udf0", ...)` opens Zarr. Loading the
/// library (LD_PRELOAD) already does this unless
/// ZARR_NETCDF_NO_AUTOREGISTER=1; calling it again is harmless. Returns a
/// netCDF status (NC_ENOTBUILT when the loaded netCDF-C is not the version
/// the plugin was built for).
#[no_mangle]
pub extern "C" fn zarr_netcdf_register() -> c_int {
    // SAFETY: a plain C function with no arguments.
    unsafe { zn_register_impl() }
}

/// The same, under the name netCDF-C 4.10's `.ncrc` key
/// `NETCDF.UDF0.INIT` is documented with.
#[no_mangle]
pub extern "C" fn zarr_netcdf_init() -> c_int {
    zarr_netcdf_register()
}

fn datasets() -> MutexGuard<'static, HashMap<c_int, Shared>> {
    static D: OnceLock<Mutex<HashMap<c_int, Shared>>> = OnceLock::new();
    D.get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn log(msg: &str) {
    eprintln!("libzarr_netcdf: {msg}");
}

/// Run an entry point: a panic becomes NC_EINTERNAL, never an unwind into C.
/// With ZARR_NETCDF_TRACE set, every failing call logs where it failed.
#[track_caller]
fn guard(f: impl FnOnce() -> Result<(), c_int>) -> c_int {
    let at = std::panic::Location::caller();
    let st = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(Ok(())) => NC_NOERR,
        Ok(Err(e)) => e,
        Err(_) => {
            log("internal error (a panic was caught)");
            NC_EINTERNAL
        }
    };
    if st != NC_NOERR && trace() {
        log(&format!(
            "status {st} from the entry point at {}:{}",
            at.file(),
            at.line()
        ));
    }
    st
}

fn trace() -> bool {
    static T: OnceLock<bool> = OnceLock::new();
    *T.get_or_init(|| std::env::var_os("ZARR_NETCDF_TRACE").is_some_and(|v| !v.is_empty() && v != "0"))
}

/// The netCDF status for an engine error, logging the engine's message.
pub(crate) fn nc_err(e: zarr::Error) -> c_int {
    use zarr::Error as E;
    let st = match &e {
        E::InvalidArgument(_) => NC_EINVAL,
        E::NotFound(_) => NC_ENOTFOUND,
        E::Exists(_) => NC_EEXIST,
        E::BadHandle(_) | E::Internal(_) => NC_EINTERNAL,
        E::Metadata(_) => NC_ENOTNC,
        E::Codec(_) => NC_ECANTREAD,
        E::Io(_) => NC_EIO,
        E::Bounds(_) => NC_EINVALCOORDS,
        E::Range(_) => NC_ERANGE,
        E::Type(_) => NC_EBADTYPE,
        E::ReadOnly(_) => NC_EPERM,
        E::Unsupported(_) => NC_ENOTBUILT,
        E::OutOfMemory(_) => NC_ENOMEM,
        // Only versioned repositories conflict; the plugin does not commit.
        E::Conflict(_) => NC_EINTERNAL,
    };
    if st != NC_ERANGE {
        log(&e.to_string());
    }
    st
}

/// The dataset and group index of an ncid.
fn lookup(ncid: c_int) -> Result<(Shared, usize), c_int> {
    let ds = datasets().get(&(ncid & !0xffff)).cloned().ok_or(NC_EBADID)?;
    let gi = (ncid & 0xffff) as usize;
    if gi >= ds.lock().unwrap_or_else(|e| e.into_inner()).groups.len() {
        return Err(NC_EBADGRPID);
    }
    Ok((ds, gi))
}

fn lock(ds: &Shared) -> MutexGuard<'_, Dataset> {
    ds.lock().unwrap_or_else(|e| e.into_inner())
}

fn ext(ncid: c_int) -> c_int {
    ncid & !0xffff
}

/// A NUL-terminated name from C.
unsafe fn name_arg<'a>(p: *const c_char) -> Result<&'a str, c_int> {
    if p.is_null() {
        return Err(NC_EINVAL);
    }
    // SAFETY: the caller passes a NUL-terminated string.
    unsafe { CStr::from_ptr(p) }.to_str().map_err(|_| NC_EBADNAME)
}

/// Copy `s` with its NUL into a caller buffer of NC_MAX_NAME + 1 bytes.
unsafe fn put_name(dst: *mut c_char, s: &str) {
    if dst.is_null() {
        return;
    }
    let n = s.len().min(NC_MAX_NAME);
    // SAFETY: netCDF name buffers hold NC_MAX_NAME + 1 bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), dst as *mut u8, n);
        *dst.add(n) = 0;
    }
}

unsafe fn put<T>(p: *mut T, v: T) {
    if !p.is_null() {
        // SAFETY: a non-NULL out-pointer from netCDF-C is valid for one T.
        unsafe { p.write(v) }
    }
}

/// The `path` netCDF-C hands over: `file:///x.zarr#mode=udf0,...`, a plain
/// path (opened with NC_UDF0), or another libzarr store URL. Returns the
/// URL for libzarr and the words of the `#mode=` fragment.
fn parse_path(path: &str) -> (String, Vec<String>) {
    let (base, frag) = path.split_once('#').unwrap_or((path, ""));
    let mut words = vec![];
    for kv in frag.split('&') {
        if let Some(v) = kv.strip_prefix("mode=") {
            words.extend(v.split(',').filter(|w| !w.is_empty()).map(str::to_ascii_lowercase));
        }
    }
    (undo_s3_rewrite(base), words)
}

/// netCDF-C rewrites `s3://bucket/key` into the AWS path-style URL
/// `https://s3.<region>.amazonaws.com/bucket/key` (or the virtual-host form
/// `https://bucket.s3.<region>.amazonaws.com/key`) before a dispatch table
/// sees it. Turn those back into `s3://` so libzarr's S3 store, with its
/// credentials, region and endpoint from the environment, opens them.
fn undo_s3_rewrite(url: &str) -> String {
    let Some(rest) = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")) else {
        return url.to_owned();
    };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let aws = |h: &str| h == "s3.amazonaws.com" || (h.starts_with("s3.") && h.ends_with(".amazonaws.com"));
    if aws(host) {
        return format!("s3://{path}");
    }
    if let Some((bucket, h)) = host.split_once('.') {
        if aws(h) {
            return format!("s3://{bucket}/{path}");
        }
    }
    url.to_owned()
}

#[no_mangle]
pub unsafe extern "C" fn zn_open(
    path: *const c_char,
    mode: c_int,
    _basepe: c_int,
    _hint: *mut usize,
    _params: *mut c_void,
    _table: *const c_void,
    ncid: c_int,
) -> c_int {
    guard(|| {
        // SAFETY: netCDF-C passes the NUL-terminated path.
        let path = unsafe { name_arg(path) }?;
        let (url, _) = parse_path(path);
        let writable = mode & NC_WRITE != 0;
        let m = if writable { zarr::Mode::Write } else { zarr::Mode::Read };
        let root = match zarr::Group::open_root(&url, m, None) {
            Ok(r) => r,
            Err(zarr::Error::NotFound(msg)) => {
                log(&format!("cannot open {url}: {msg}"));
                return Err(ENOENT);
            }
            Err(e) => return Err(nc_err(e)),
        };
        let ds = Dataset::load(root, writable).map_err(nc_err)?;
        datasets().insert(ext(ncid), Arc::new(Mutex::new(ds)));
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn zn_close(ncid: c_int, _memio: *mut c_void) -> c_int {
    guard(|| {
        let (ds, _) = lookup(ncid)?;
        let st = write::finish(&mut lock(&ds));
        datasets().remove(&ext(ncid));
        st
    })
}

#[no_mangle]
pub extern "C" fn zn_abort(ncid: c_int) -> c_int {
    guard(|| {
        lookup(ncid)?;
        datasets().remove(&ext(ncid));
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn zn_sync(ncid: c_int) -> c_int {
    guard(|| {
        let (ds, _) = lookup(ncid)?;
        let st = write::finish(&mut lock(&ds));
        st
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_format(ncid: c_int, formatp: *mut c_int) -> c_int {
    guard(|| {
        lookup(ncid)?;
        // SAFETY: out-pointer from netCDF-C.
        unsafe { put(formatp, NC_FORMAT_NETCDF4) };
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_format_extended(ncid: c_int, formatp: *mut c_int, modep: *mut c_int) -> c_int {
    guard(|| {
        lookup(ncid)?;
        // SAFETY: out-pointers from netCDF-C.
        unsafe {
            put(formatp, NC_FORMATX_UDF0);
            put(modep, NC_UDF0 | NC_NETCDF4);
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq(
    ncid: c_int,
    ndimsp: *mut c_int,
    nvarsp: *mut c_int,
    nattsp: *mut c_int,
    unlimdimidp: *mut c_int,
) -> c_int {
    guard(|| {
        let (ds, gi) = lookup(ncid)?;
        let ds = lock(&ds);
        let g = &ds.groups[gi];
        // SAFETY: out-pointers from netCDF-C.
        unsafe {
            put(ndimsp, g.dims.len() as c_int);
            put(nvarsp, g.vars.len() as c_int);
            put(nattsp, g.attrs.len() as c_int);
            put(unlimdimidp, -1);
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_type(_ncid: c_int, xtype: NcType, name: *mut c_char, size: *mut usize) -> c_int {
    guard(|| {
        let sz = type_size(xtype).ok_or(NC_EBADTYPE)?;
        // SAFETY: out-pointers from netCDF-C.
        unsafe {
            put_name(name, ATOMIC[xtype as usize].0);
            put(size, sz);
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_dimid(ncid: c_int, name: *const c_char, idp: *mut c_int) -> c_int {
    guard(|| {
        // SAFETY: NUL-terminated name from netCDF-C.
        let name = unsafe { name_arg(name) }?;
        let (ds, gi) = lookup(ncid)?;
        let ds = lock(&ds);
        // Visible dimensions: this group's, then its ancestors'.
        let mut g = Some(gi);
        while let Some(i) = g {
            if let Some(&d) = ds.groups[i].dims.iter().find(|&&d| ds.dims[d].name == name) {
                // SAFETY: out-pointer from netCDF-C.
                unsafe { put(idp, d as c_int) };
                return Ok(());
            }
            g = ds.groups[i].parent;
        }
        Err(NC_EBADDIM)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_dim(ncid: c_int, dimid: c_int, name: *mut c_char, lenp: *mut usize) -> c_int {
    guard(|| {
        let (ds, _) = lookup(ncid)?;
        let ds = lock(&ds);
        let d = usize::try_from(dimid)
            .ok()
            .and_then(|d| ds.dims.get(d))
            .ok_or(NC_EBADDIM)?;
        // SAFETY: out-pointers from netCDF-C.
        unsafe {
            put_name(name, &d.name);
            put(lenp, d.len as usize);
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_unlimdim(ncid: c_int, unlimdimidp: *mut c_int) -> c_int {
    guard(|| {
        lookup(ncid)?;
        // SAFETY: out-pointer from netCDF-C.
        unsafe { put(unlimdimidp, -1) };
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_unlimdims(ncid: c_int, nunlimdimsp: *mut c_int, _ids: *mut c_int) -> c_int {
    guard(|| {
        lookup(ncid)?;
        // SAFETY: out-pointer from netCDF-C.
        unsafe { put(nunlimdimsp, 0) };
        Ok(())
    })
}

/// The attributes of a variable (varid >= 0) or group (NC_GLOBAL).
fn with_atts<R>(
    ncid: c_int,
    varid: c_int,
    f: impl FnOnce(&mut Vec<model::Att>, bool) -> Result<R, c_int>,
) -> Result<R, c_int> {
    let (ds, gi) = lookup(ncid)?;
    let mut ds = lock(&ds);
    let writable = ds.writable;
    let g = &mut ds.groups[gi];
    let atts = if varid == NC_GLOBAL {
        &mut g.attrs
    } else {
        &mut usize::try_from(varid)
            .ok()
            .and_then(|v| g.vars.get_mut(v))
            .ok_or(NC_ENOTVAR)?
            .attrs
    };
    f(atts, writable)
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_att(
    ncid: c_int,
    varid: c_int,
    name: *const c_char,
    xtypep: *mut NcType,
    lenp: *mut usize,
) -> c_int {
    guard(|| {
        // SAFETY: NUL-terminated name from netCDF-C.
        let name = unsafe { name_arg(name) }?;
        with_atts(ncid, varid, |atts, _| {
            let a = atts.iter().find(|a| a.name == name).ok_or(NC_ENOTATT)?;
            // SAFETY: out-pointers from netCDF-C.
            unsafe {
                put(xtypep, a.xtype);
                put(lenp, a.len);
            }
            Ok(())
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_attid(ncid: c_int, varid: c_int, name: *const c_char, idp: *mut c_int) -> c_int {
    guard(|| {
        // SAFETY: NUL-terminated name from netCDF-C.
        let name = unsafe { name_arg(name) }?;
        with_atts(ncid, varid, |atts, _| {
            let i = atts.iter().position(|a| a.name == name).ok_or(NC_ENOTATT)?;
            // SAFETY: out-pointer from netCDF-C.
            unsafe { put(idp, i as c_int) };
            Ok(())
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_attname(ncid: c_int, varid: c_int, attnum: c_int, name: *mut c_char) -> c_int {
    guard(|| {
        with_atts(ncid, varid, |atts, _| {
            let a = usize::try_from(attnum)
                .ok()
                .and_then(|i| atts.get(i))
                .ok_or(NC_ENOTATT)?;
            // SAFETY: name buffer from netCDF-C.
            unsafe { put_name(name, &a.name) };
            Ok(())
        })
    })
}

extern "C" {
    fn malloc(n: usize) -> *mut c_void;
}

#[no_mangle]
pub unsafe extern "C" fn zn_get_att(
    ncid: c_int,
    varid: c_int,
    name: *const c_char,
    value: *mut c_void,
    memtype: NcType,
) -> c_int {
    guard(|| {
        // SAFETY: NUL-terminated name from netCDF-C.
        let name = unsafe { name_arg(name) }?;
        with_atts(ncid, varid, |atts, _| {
            let a = atts.iter().find(|a| a.name == name).ok_or(NC_ENOTATT)?;
            if value.is_null() {
                return if a.len == 0 { Ok(()) } else { Err(NC_EINVAL) };
            }
            let mem = if memtype == NC_NAT { a.xtype } else { memtype };
            match &a.data {
                AttData::Strings(s) => {
                    if mem != NC_STRING {
                        return Err(NC_ECHAR);
                    }
                    let out = value as *mut *mut c_char;
                    for (i, s) in s.iter().enumerate() {
                        // netCDF callers free these with nc_free_string (free()).
                        // SAFETY: a fresh malloc of len+1 bytes, written in bounds;
                        // `out` holds a.len pointers.
                        unsafe {
                            let p = malloc(s.len() + 1) as *mut u8;
                            if p.is_null() {
                                return Err(NC_ENOMEM);
                            }
                            std::ptr::copy_nonoverlapping(s.as_ptr(), p, s.len());
                            *p.add(s.len()) = 0;
                            *out.add(i) = p as *mut c_char;
                        }
                    }
                    Ok(())
                }
                AttData::Bytes(b) => {
                    if (a.xtype == NC_CHAR) != (mem == NC_CHAR) || mem == NC_STRING {
                        return Err(NC_ECHAR);
                    }
                    let msize = type_size(mem).ok_or(NC_EBADTYPE)?;
                    let out = if mem == a.xtype {
                        b.clone()
                    } else {
                        let asize = type_size(a.xtype).ok_or(NC_EBADTYPE)?;
                        let mut out = Vec::with_capacity(a.len * msize);
                        let mut range = false;
                        for c in b.chunks_exact(asize) {
                            range |= !model::store(mem, model::load(a.xtype, c), &mut out);
                        }
                        if range {
                            // SAFETY: netCDF's contract: value holds len elements of memtype.
                            unsafe { std::ptr::copy_nonoverlapping(out.as_ptr(), value as *mut u8, out.len()) };
                            return Err(NC_ERANGE);
                        }
                        out
                    };
                    // SAFETY: value holds len elements of memtype.
                    unsafe { std::ptr::copy_nonoverlapping(out.as_ptr(), value as *mut u8, out.len()) };
                    Ok(())
                }
            }
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_varid(ncid: c_int, name: *const c_char, varidp: *mut c_int) -> c_int {
    guard(|| {
        // SAFETY: NUL-terminated name from netCDF-C.
        let name = unsafe { name_arg(name) }?;
        let (ds, gi) = lookup(ncid)?;
        let ds = lock(&ds);
        let v = ds.groups[gi]
            .vars
            .iter()
            .position(|v| v.name == name)
            .ok_or(NC_ENOTVAR)?;
        // SAFETY: out-pointer from netCDF-C.
        unsafe { put(varidp, v as c_int) };
        Ok(())
    })
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn zn_inq_var_all(
    ncid: c_int,
    varid: c_int,
    name: *mut c_char,
    xtypep: *mut NcType,
    ndimsp: *mut c_int,
    dimidsp: *mut c_int,
    nattsp: *mut c_int,
    shufflep: *mut c_int,
    deflatep: *mut c_int,
    deflate_levelp: *mut c_int,
    fletcher32p: *mut c_int,
    contiguousp: *mut c_int,
    chunksizesp: *mut usize,
    no_fill: *mut c_int,
    fill_valuep: *mut c_void,
    endiannessp: *mut c_int,
    idp: *mut u32,
    nparamsp: *mut usize,
    _params: *mut u32,
) -> c_int {
    guard(|| {
        let (ds, gi) = lookup(ncid)?;
        let ds = lock(&ds);
        let v = ds.var(gi, varid)?;
        let size = type_size(v.xtype).ok_or(NC_EBADTYPE)?;
        // SAFETY: out-pointers from netCDF-C; dimidsp and chunksizesp hold ndims entries.
        unsafe {
            put_name(name, &v.name);
            put(xtypep, v.xtype);
            put(ndimsp, v.dimids.len() as c_int);
            put(nattsp, v.attrs.len() as c_int);
            for (i, &d) in v.dimids.iter().enumerate() {
                if !dimidsp.is_null() {
                    *dimidsp.add(i) = d as c_int;
                }
                if !chunksizesp.is_null() {
                    *chunksizesp.add(i) = v.chunks.get(i).copied().unwrap_or(1) as usize;
                }
            }
            put(shufflep, 0);
            put(deflatep, 0);
            put(deflate_levelp, 0);
            put(fletcher32p, 0);
            put(
                contiguousp,
                if v.dimids.is_empty() { NC_CONTIGUOUS } else { NC_CHUNKED },
            );
            put(no_fill, if v.fill.is_some() { 0 } else { 1 });
            if !fill_valuep.is_null() {
                let zero = vec![0u8; size];
                let f = v.fill.as_deref().unwrap_or(&zero);
                std::ptr::copy_nonoverlapping(f.as_ptr(), fill_valuep as *mut u8, size);
            }
            put(endiannessp, 0);
            put(idp, 0);
            put(nparamsp, 0);
        }
        Ok(())
    })
}

/// start, count and (optional) stride of a checked selection.
type SelArgs = (Vec<u64>, Vec<u64>, Option<Vec<i64>>);

/// Check start/count/stride against a variable's shape the way netCDF-C
/// does, so callers see NC_EINVALCOORDS / NC_EEDGE / NC_ESTRIDE.
unsafe fn selection_args(
    shape: &[u64],
    start: *const usize,
    count: *const usize,
    stride: *const isize,
) -> Result<SelArgs, c_int> {
    let n = shape.len();
    if n > 0 && (start.is_null() || count.is_null()) {
        return Err(NC_EINVAL);
    }
    // SAFETY: netCDF passes ndims entries in each non-NULL array.
    let (st, ct, sd) = unsafe {
        let st: Vec<u64> = (0..n).map(|i| *start.add(i) as u64).collect();
        let ct: Vec<u64> = (0..n).map(|i| *count.add(i) as u64).collect();
        let sd = (!stride.is_null()).then(|| (0..n).map(|i| *stride.add(i) as i64).collect::<Vec<_>>());
        (st, ct, sd)
    };
    for d in 0..n {
        if st[d] > shape[d] || (st[d] == shape[d] && ct[d] > 0) {
            return Err(NC_EINVALCOORDS);
        }
        let s = sd.as_ref().map_or(1, |s| s[d]);
        if s < 1 {
            return Err(NC_ESTRIDE);
        }
        if ct[d] > 0 && st[d] + (ct[d] - 1) * s as u64 >= shape[d] {
            return Err(NC_EEDGE);
        }
    }
    Ok((st, ct, sd))
}

#[no_mangle]
pub unsafe extern "C" fn zn_get_vars(
    ncid: c_int,
    varid: c_int,
    start: *const usize,
    count: *const usize,
    stride: *const isize,
    value: *mut c_void,
    memtype: NcType,
) -> c_int {
    guard(|| {
        let (ds, gi) = lookup(ncid)?;
        let (array, xtype, shape) = {
            let ds = lock(&ds);
            let v = ds.var(gi, varid)?;
            let shape: Vec<u64> = v.dimids.iter().map(|&d| ds.dims[d].len).collect();
            (v.array.clone(), v.xtype, shape)
        };
        let mem = if memtype == NC_NAT { xtype } else { memtype };
        if mem == NC_CHAR {
            return Err(NC_ECHAR);
        }
        let mtype = model::data_type_of(mem).ok_or(NC_EBADTYPE)?;
        // SAFETY: netCDF passes ndims entries in each non-NULL array.
        let (st, ct, sd) = unsafe { selection_args(&shape, start, count, stride) }?;
        let n: u64 = ct.iter().product();
        if n == 0 {
            return Ok(());
        }
        let Some(array) = array else {
            // Defined but never written: all fill.
            return write::fill_out(&ds, gi, varid as usize, mem, n as usize, value);
        };
        if value.is_null() {
            return Err(NC_EINVAL);
        }
        let sel = zarr::Selection::new(&shape, &st, &ct, sd.as_deref()).map_err(nc_err)?;
        let bytes = n as usize * mtype.size();
        // SAFETY: netCDF's contract: value holds the product of count elements of memtype.
        let out = unsafe { std::slice::from_raw_parts_mut(value as *mut u8, bytes) };
        array.read(&sel, mtype, out).map_err(nc_err)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_get_vara(
    ncid: c_int,
    varid: c_int,
    start: *const usize,
    count: *const usize,
    value: *mut c_void,
    memtype: NcType,
) -> c_int {
    // SAFETY: same contract as zn_get_vars, with unit strides.
    unsafe { zn_get_vars(ncid, varid, start, count, std::ptr::null(), value, memtype) }
}

#[no_mangle]
pub extern "C" fn zn_show_metadata(_ncid: c_int) -> c_int {
    NC_NOERR
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_ncid(ncid: c_int, name: *const c_char, grp_ncid: *mut c_int) -> c_int {
    guard(|| {
        // As netCDF-4 does: a NULL name asks for the root group.
        if name.is_null() {
            lookup(ncid)?;
            // SAFETY: out-pointer from netCDF-C.
            unsafe { put(grp_ncid, ext(ncid)) };
            return Ok(());
        }
        // SAFETY: NUL-terminated name from netCDF-C.
        let name = unsafe { name_arg(name) }?;
        let (ds, gi) = lookup(ncid)?;
        let ds = lock(&ds);
        let c = ds.child(gi, name).ok_or(NC_ENOGRP)?;
        // SAFETY: out-pointer from netCDF-C.
        unsafe { put(grp_ncid, ext(ncid) | c as c_int) };
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_grps(ncid: c_int, numgrps: *mut c_int, ncids: *mut c_int) -> c_int {
    guard(|| {
        let (ds, gi) = lookup(ncid)?;
        let ds = lock(&ds);
        let ch = &ds.groups[gi].children;
        // SAFETY: out-pointers from netCDF-C; ncids holds numgrps entries.
        unsafe {
            put(numgrps, ch.len() as c_int);
            if !ncids.is_null() {
                for (i, &c) in ch.iter().enumerate() {
                    *ncids.add(i) = ext(ncid) | c as c_int;
                }
            }
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_grpname(ncid: c_int, name: *mut c_char) -> c_int {
    guard(|| {
        let (ds, gi) = lookup(ncid)?;
        let ds = lock(&ds);
        // SAFETY: name buffer from netCDF-C.
        unsafe { put_name(name, &ds.groups[gi].name) };
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_grpname_full(ncid: c_int, lenp: *mut usize, full_name: *mut c_char) -> c_int {
    guard(|| {
        let (ds, gi) = lookup(ncid)?;
        let full = lock(&ds).full_name(gi);
        // SAFETY: out-pointers from netCDF-C; full_name holds len + 1 bytes
        // (callers ask for the length first).
        unsafe {
            put(lenp, full.len());
            if !full_name.is_null() {
                std::ptr::copy_nonoverlapping(full.as_ptr(), full_name as *mut u8, full.len());
                *full_name.add(full.len()) = 0;
            }
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_grp_parent(ncid: c_int, parent_ncid: *mut c_int) -> c_int {
    guard(|| {
        let (ds, gi) = lookup(ncid)?;
        let p = lock(&ds).groups[gi].parent.ok_or(NC_ENOGRP)?;
        // SAFETY: out-pointer from netCDF-C.
        unsafe { put(parent_ncid, ext(ncid) | p as c_int) };
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_grp_full_ncid(ncid: c_int, full_name: *const c_char, grp_ncid: *mut c_int) -> c_int {
    guard(|| {
        // SAFETY: NUL-terminated name from netCDF-C.
        let name = unsafe { name_arg(full_name) }?;
        let (ds, gi) = lookup(ncid)?;
        let ds = lock(&ds);
        let mut g = if name.starts_with('/') { 0 } else { gi };
        for part in name.split('/').filter(|p| !p.is_empty()) {
            g = ds.child(g, part).ok_or(NC_ENOGRP)?;
        }
        // SAFETY: out-pointer from netCDF-C.
        unsafe { put(grp_ncid, ext(ncid) | g as c_int) };
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_varids(ncid: c_int, nvars: *mut c_int, varids: *mut c_int) -> c_int {
    guard(|| {
        let (ds, gi) = lookup(ncid)?;
        let n = lock(&ds).groups[gi].vars.len();
        // SAFETY: out-pointers from netCDF-C; varids holds nvars entries.
        unsafe {
            put(nvars, n as c_int);
            if !varids.is_null() {
                for i in 0..n {
                    *varids.add(i) = i as c_int;
                }
            }
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_dimids(
    ncid: c_int,
    ndims: *mut c_int,
    dimids: *mut c_int,
    include_parents: c_int,
) -> c_int {
    guard(|| {
        let (ds, gi) = lookup(ncid)?;
        let ds = lock(&ds);
        let mut ids: Vec<usize> = ds.groups[gi].dims.clone();
        if include_parents != 0 {
            let mut g = ds.groups[gi].parent;
            while let Some(i) = g {
                ids.extend(&ds.groups[i].dims);
                g = ds.groups[i].parent;
            }
        }
        ids.sort_unstable();
        // SAFETY: out-pointers from netCDF-C; dimids holds ndims entries.
        unsafe {
            put(ndims, ids.len() as c_int);
            if !dimids.is_null() {
                for (i, &d) in ids.iter().enumerate() {
                    *dimids.add(i) = d as c_int;
                }
            }
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_typeids(ncid: c_int, ntypes: *mut c_int, _typeids: *mut c_int) -> c_int {
    guard(|| {
        lookup(ncid)?;
        // SAFETY: out-pointer from netCDF-C.
        unsafe { put(ntypes, 0) };
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_type_equal(_n1: c_int, t1: NcType, _n2: c_int, t2: NcType, equal: *mut c_int) -> c_int {
    guard(|| {
        type_size(t1).ok_or(NC_EBADTYPE)?;
        type_size(t2).ok_or(NC_EBADTYPE)?;
        // SAFETY: out-pointer from netCDF-C.
        unsafe { put(equal, (t1 == t2) as c_int) };
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_user_type(
    _ncid: c_int,
    _xtype: NcType,
    _name: *mut c_char,
    _size: *mut usize,
    _base: *mut NcType,
    _nfields: *mut usize,
    _class: *mut c_int,
) -> c_int {
    NC_EBADTYPE
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_typeid(_ncid: c_int, name: *const c_char, typeidp: *mut NcType) -> c_int {
    guard(|| {
        // SAFETY: NUL-terminated name from netCDF-C.
        let name = unsafe { name_arg(name) }?;
        let t = ATOMIC.iter().skip(1).position(|(n, _)| *n == name).ok_or(NC_EBADTYPE)? + 1;
        // SAFETY: out-pointer from netCDF-C.
        unsafe { put(typeidp, t as NcType) };
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn zn_set_var_chunk_cache(_ncid: c_int, _varid: c_int, _size: usize, _n: usize, _p: f32) -> c_int {
    NC_NOERR
}

#[no_mangle]
pub unsafe extern "C" fn zn_get_var_chunk_cache(
    ncid: c_int,
    _varid: c_int,
    sizep: *mut usize,
    nelemsp: *mut usize,
    preemptionp: *mut f32,
) -> c_int {
    guard(|| {
        lookup(ncid)?;
        // There is no chunk cache: libzarr decodes what each call needs.
        // SAFETY: out-pointers from netCDF-C.
        unsafe {
            put(sizep, 0);
            put(nelemsp, 0);
            put(preemptionp, 0.0);
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_inq_var_quantize(ncid: c_int, varid: c_int, modep: *mut c_int, nsdp: *mut c_int) -> c_int {
    guard(|| {
        let (ds, gi) = lookup(ncid)?;
        let ds = lock(&ds);
        let v = ds.var(gi, varid)?;
        let (m, nsd) = write::quantize_of(v);
        // SAFETY: out-pointers from netCDF-C.
        unsafe {
            put(modep, m);
            put(nsdp, nsd);
        }
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn zn_var_par_access(_ncid: c_int, _varid: c_int, _par: c_int) -> c_int {
    NC_ENOPAR
}

pub(crate) fn num_of(t: NcType, b: &[u8]) -> Num {
    model::load(t, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let (u, w) = parse_path("file:///d/x.zarr#mode=udf0,udf0,V2");
        assert_eq!(u, "file:///d/x.zarr");
        assert_eq!(w, vec!["udf0", "udf0", "v2"]);
        assert_eq!(parse_path("/plain/p.zarr"), ("/plain/p.zarr".into(), vec![]));
        let (u, _) = parse_path("https://s3.us-east-1.amazonaws.com/bkt/run/x.zarr#mode=udf0,udf0,s3");
        assert_eq!(u, "s3://bkt/run/x.zarr");
        assert_eq!(
            parse_path("https://bkt.s3.eu-west-2.amazonaws.com/x.zarr").0,
            "s3://bkt/x.zarr"
        );
        assert_eq!(
            parse_path("https://example.org/data/x.zarr").0,
            "https://example.org/data/x.zarr"
        );
    }

    #[test]
    fn selections_check_like_netcdf() {
        let shape = [4u64, 5];
        let sel = |s: [usize; 2], c: [usize; 2], d: Option<[isize; 2]>| unsafe {
            selection_args(
                &shape,
                s.as_ptr(),
                c.as_ptr(),
                d.as_ref().map_or(std::ptr::null(), |d| d.as_ptr()),
            )
        };
        assert!(sel([0, 0], [4, 5], None).is_ok());
        assert_eq!(sel([5, 0], [0, 1], None).unwrap_err(), NC_EINVALCOORDS);
        assert!(sel([4, 0], [0, 1], None).is_ok());
        assert_eq!(sel([1, 0], [4, 1], None).unwrap_err(), NC_EEDGE);
        assert_eq!(sel([0, 0], [1, 1], Some([0, 1])).unwrap_err(), NC_ESTRIDE);
        assert_eq!(sel([0, 0], [2, 3], Some([4, 2])).unwrap_err(), NC_EEDGE);
        assert!(sel([0, 0], [2, 3], Some([2, 2])).is_ok());
    }
}
