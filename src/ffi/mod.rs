//! The C ABI. This is the only module with `extern "C"` functions and the only
//! one that turns caller pointers into Rust references. Every entry point runs
//! inside [`guard`], which catches panics, maps errors to status codes once,
//! and records the message for `zarr_last_error`.

mod api;
pub(crate) mod args;
pub(crate) mod handles;
mod repo;

pub use api::*;
pub use repo::*;

use crate::error::Error;
use std::cell::RefCell;
use std::ffi::{c_char, c_int, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Success.
pub const ZARR_OK: c_int = 0;
/// An argument is invalid (NULL pointer, bad size, bad stride, bad option).
pub const ZARR_EINVAL: c_int = -1;
/// The store, node or key does not exist.
pub const ZARR_ENOTFOUND: c_int = -2;
/// A node already exists where one is to be created.
pub const ZARR_EEXISTS: c_int = -3;
/// The handle is not open (closed, made up, or of the wrong kind).
pub const ZARR_EBADID: c_int = -4;
/// A metadata document is malformed.
pub const ZARR_EMETA: c_int = -5;
/// A chunk could not be decoded or encoded (the message names the chunk key).
pub const ZARR_ECODEC: c_int = -6;
/// The store failed (the message names the key).
pub const ZARR_EIO: c_int = -7;
/// The selection lies outside the array.
pub const ZARR_EBOUNDS: c_int = -8;
/// A value does not fit the target type.
pub const ZARR_ERANGE: c_int = -9;
/// An unknown data type or memory type code.
pub const ZARR_ETYPE: c_int = -10;
/// A write to a hierarchy opened read-only.
pub const ZARR_EREADONLY: c_int = -11;
/// A codec, data type or feature this library does not support (named in the message).
pub const ZARR_EUNSUPPORTED: c_int = -12;
/// A bug in the library (a caught panic); the message says where.
pub const ZARR_EINTERNAL: c_int = -13;
/// Memory for a chunk or buffer could not be allocated (added in 1.0).
pub const ZARR_ENOMEM: c_int = -14;
/// The branch moved under this commit and the changes overlap (added with repositories).
pub const ZARR_ECONFLICT: c_int = -15;
/// Buffer size that holds any snapshot id and its NUL.
pub const ZARR_SNAPSHOT_ID_LEN: usize = 64;

/// Open for reading only; the hierarchy must exist.
pub const ZARR_READ: c_int = 0;
/// Open for reading and writing; the hierarchy must exist.
pub const ZARR_WRITE: c_int = 1;
/// Open for reading and writing; create the hierarchy if missing.
pub const ZARR_CREATE: c_int = 2;

/// Memory type = the array's own data type.
pub const ZARR_NATIVE: c_int = 0;
pub const ZARR_BOOL: c_int = 1;
pub const ZARR_INT8: c_int = 2;
pub const ZARR_INT16: c_int = 3;
pub const ZARR_INT32: c_int = 4;
pub const ZARR_INT64: c_int = 5;
pub const ZARR_UINT8: c_int = 6;
pub const ZARR_UINT16: c_int = 7;
pub const ZARR_UINT32: c_int = 8;
pub const ZARR_UINT64: c_int = 9;
pub const ZARR_FLOAT32: c_int = 10;
pub const ZARR_FLOAT64: c_int = 11;
/// IEEE half precision (C has no such type: read it as ZARR_FLOAT32).
pub const ZARR_FLOAT16: c_int = 12;
/// Variable-length UTF-8 strings: v3 `string`, v2 `|O` with vlen-utf8 (added after 1.0).
pub const ZARR_STRING: c_int = 13;
/// Fixed-length UTF-32 strings: v3 `fixed_length_utf32`, v2 `<U<n>` / `>U<n>`.
pub const ZARR_FIXED_STRING: c_int = 14;
/// Fixed-size bytes: v2 `|S<n>`, v3 `null_terminated_bytes`.
pub const ZARR_BYTES: c_int = 15;
/// Variable-length bytes: v3 `variable_length_bytes`, v2 `|O` with vlen-bytes.
pub const ZARR_VLEN_BYTES: c_int = 16;
/// numpy datetime64: int64 counts of its unit (zarr_array_time_unit), NaT = INT64_MIN.
pub const ZARR_DATETIME64: c_int = 17;
/// numpy timedelta64: int64 counts of its unit, NaT = INT64_MIN.
pub const ZARR_TIMEDELTA64: c_int = 18;

/// The most threads zarr_set_num_threads accepts.
pub const ZARR_MAX_THREADS: c_int = 1024;
// The header's number is the engine's limit.
const _: () = assert!(ZARR_MAX_THREADS as usize == crate::array::pool::MAX_THREADS);

pub const ZARR_VERSION_MAJOR: c_int = 1;
pub const ZARR_VERSION_MINOR: c_int = 0;
pub const ZARR_VERSION_PATCH: c_int = 0;
/// MAJOR * 10000 + MINOR * 100 + PATCH
pub const ZARR_VERSION_NUMBER: c_int = 10000;

/// The C status of an error: the one mapping, shared with `jni`.
pub(crate) fn status_of(e: &Error) -> c_int {
    match e {
        Error::InvalidArgument(_) => ZARR_EINVAL,
        Error::NotFound(_) => ZARR_ENOTFOUND,
        Error::Exists(_) => ZARR_EEXISTS,
        Error::BadHandle(_) => ZARR_EBADID,
        Error::Metadata(_) => ZARR_EMETA,
        Error::Codec(_) => ZARR_ECODEC,
        Error::Io(_) => ZARR_EIO,
        Error::Bounds(_) => ZARR_EBOUNDS,
        Error::Range(_) => ZARR_ERANGE,
        Error::Type(_) => ZARR_ETYPE,
        Error::ReadOnly(_) => ZARR_EREADONLY,
        Error::Unsupported(_) => ZARR_EUNSUPPORTED,
        Error::Internal(_) => ZARR_EINTERNAL,
        Error::OutOfMemory(_) => ZARR_ENOMEM,
        Error::Conflict(_) => ZARR_ECONFLICT,
    }
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_last_error(msg: String) {
    // Interior NULs would truncate the C string; replace them.
    let c = CString::new(msg.replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|l| *l.borrow_mut() = c);
}

/// The message a caught panic carries (shared with `jni`).
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Run an entry point: panics become ZARR_EINTERNAL, errors their status,
/// and both leave a message for `zarr_last_error` on this thread.
fn guard(f: impl FnOnce() -> Result<(), Error>) -> c_int {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => ZARR_OK,
        Ok(Err(e)) => {
            let s = status_of(&e);
            set_last_error(e.to_string());
            s
        }
        Err(panic) => {
            set_last_error(format!("internal error (please report): {}", panic_message(&*panic)));
            ZARR_EINTERNAL
        }
    }
}

/// A C string argument as UTF-8; NULL or invalid UTF-8 is ZARR_EINVAL.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string valid for the call.
unsafe fn c_str<'a>(p: *const c_char, what: &str) -> Result<&'a str, Error> {
    if p.is_null() {
        return Err(Error::InvalidArgument(format!("{what} is NULL")));
    }
    // SAFETY: non-NULL, and the caller promises NUL termination.
    unsafe { CStr::from_ptr(p) }
        .to_str()
        .map_err(|_| Error::InvalidArgument(format!("{what} is not valid UTF-8")))
}

/// An optional C string argument.
///
/// # Safety
/// As [`c_str`].
unsafe fn c_str_opt<'a>(p: *const c_char, what: &str) -> Result<Option<&'a str>, Error> {
    if p.is_null() {
        Ok(None)
    } else {
        // SAFETY: as the caller promised.
        unsafe { c_str(p, what) }.map(Some)
    }
}

fn non_null<T>(p: *const T, what: &str) -> Result<(), Error> {
    if p.is_null() {
        Err(Error::InvalidArgument(format!("{what} is NULL")))
    } else {
        Ok(())
    }
}

/// Copy `text` snprintf-style into `buf` (always NUL-terminated when
/// `buf_len > 0`) and report the size it needs, NUL included.
///
/// # Safety
/// `buf` is NULL (with `buf_len == 0`) or valid for `buf_len` bytes; `needed` is NULL or valid.
unsafe fn write_text(text: &str, buf: *mut c_char, buf_len: usize, needed: *mut usize) -> Result<(), Error> {
    if buf.is_null() && buf_len > 0 {
        return Err(Error::InvalidArgument("buf is NULL but buf_len is not 0".into()));
    }
    if buf_len > 0 {
        let n = text.len().min(buf_len - 1);
        // SAFETY: buf is valid for buf_len bytes and n + 1 <= buf_len.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), buf as *mut u8, n);
            *buf.add(n) = 0;
        }
    }
    if !needed.is_null() {
        // SAFETY: non-NULL out-parameter supplied by the caller.
        unsafe { *needed = text.len() + 1 };
    }
    Ok(())
}
