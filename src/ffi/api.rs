//! The `extern "C"` functions of include/zarr.h. Conventions: every function
//! returns `ZARR_OK` or a negative status; out-parameters are written only on
//! success; pointers are checked for NULL; a failure leaves a message for
//! `zarr_last_error` on the calling thread.

use super::args::{self, OpenOptions};
use super::handles::{self, Node};
use super::*;
use crate::array::attrs_from_json;
use crate::error::Error;
use crate::{DataType, Group, Selection};
use serde_json::Value;
use std::ffi::{c_char, c_int, c_uint, c_void};
use std::sync::Arc;

static VERSION: &[u8] = concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes();

/// The library version as text, e.g. "1.0.0".
#[no_mangle]
pub extern "C" fn zarr_version() -> *const c_char {
    VERSION.as_ptr() as *const c_char
}

/// The library version as MAJOR * 10000 + MINOR * 100 + PATCH (compare with ZARR_VERSION_NUMBER).
#[no_mangle]
pub extern "C" fn zarr_version_number() -> c_uint {
    ZARR_VERSION_NUMBER as c_uint
}

/// A static description of a status code (never NULL).
#[no_mangle]
pub extern "C" fn zarr_strerror(status: c_int) -> *const c_char {
    let s: &'static [u8] = match status {
        ZARR_OK => b"success\0",
        ZARR_EINVAL => b"invalid argument\0",
        ZARR_ENOTFOUND => b"not found\0",
        ZARR_EEXISTS => b"already exists\0",
        ZARR_EBADID => b"bad handle\0",
        ZARR_EMETA => b"malformed metadata\0",
        ZARR_ECODEC => b"codec error (corrupt or undecodable chunk)\0",
        ZARR_EIO => b"storage I/O error\0",
        ZARR_EBOUNDS => b"selection out of bounds\0",
        ZARR_ERANGE => b"value out of range of the target type\0",
        ZARR_ETYPE => b"unknown or unsupported type\0",
        ZARR_EREADONLY => b"opened read-only\0",
        ZARR_EUNSUPPORTED => b"unsupported feature\0",
        ZARR_EINTERNAL => b"internal error\0",
        ZARR_ENOMEM => b"out of memory\0",
        ZARR_ECONFLICT => b"conflict: the branch moved and the changes overlap\0",
        _ => b"unknown status\0",
    };
    s.as_ptr() as *const c_char
}

/// The message of this thread's last failed call ("" if none). Valid until the
/// next failing call on this thread.
#[no_mangle]
pub extern "C" fn zarr_last_error() -> *const c_char {
    LAST_ERROR.with(|l| l.borrow().as_ptr())
}

/// Use `n` threads to encode and decode chunks (0 = one per core).
#[no_mangle]
pub extern "C" fn zarr_set_num_threads(n: c_int) -> c_int {
    guard(|| crate::set_num_threads(args::thread_count(n)?))
}

/// Open the root group of the hierarchy at `url`: a path, `file://` URL,
/// `memory://NAME`, or an object store URL (`s3://bucket/prefix`,
/// `az://container/prefix`, `abfs://`, `gs://bucket/prefix`, `http(s)://`
/// read-only) configured from the cloud's environment variables.
/// A hierarchy created by this call is Zarr v3.
///
/// # Safety
/// `url` is a NUL-terminated string; `root` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_open(url: *const c_char, mode: c_int, root: *mut i64) -> c_int {
    // SAFETY: forwarded caller guarantees.
    unsafe { zarr_open_with_options(url, mode, std::ptr::null(), root) }
}

/// As zarr_open, with options as a JSON object (NULL for none):
/// `{"zarr_format": 2}` or `3` picks the format of a hierarchy this call creates
/// (an existing hierarchy keeps its own). `{"process_locks": true}` (filesystem
/// stores) makes every chunk read-modify-write take an
/// exclusive `flock` on a lock file under `.zarr-locks/` in the store root,
/// so separate processes (MPI ranks) writing parts of one chunk lose
/// nothing; all writers must open with it. `{"durable": true}`: on
/// filesystem stores every write fsyncs the file before renaming it into
/// place and the directory after (also after deletes and renames), so what a
/// call reported written survives a power loss; accepted and without effect
/// on object stores (an acknowledged put is durable) and memory stores.
/// Object stores (`s3://`, `az://`,
/// `abfs://`, `gs://`, `http(s)://`) take `endpoint`, `region`,
/// `allow_http`, `anonymous`, `max_concurrency`, `retries`, `timeout_ms`,
/// `connect_timeout_ms`, `retry_timeout_ms`, `backoff_ms`,
/// `multipart_threshold` and credentials (README, "Cloud object stores").
/// `{"follow_symlinks": true}` (filesystem stores) lets writes, renames and
/// deletes act through symbolic links that lead out of the store root;
/// without it they are ZARR_EIO (reads always follow links, and deleting a
/// link removes the link, never its target). `{"consolidated": false}`
/// ignores consolidated metadata (otherwise a broken `.zmetadata` is
/// ZARR_EMETA). Options that are not a JSON object are ZARR_EINVAL.
/// Unknown options are ZARR_EINVAL naming the key.
///
/// # Safety
/// `url` and `options_json` (nullable) are NUL-terminated; `root` is valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_open_with_options(
    url: *const c_char,
    mode: c_int,
    options_json: *const c_char,
    root: *mut i64,
) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let url = unsafe { c_str(url, "url") }?;
        let opts = unsafe { c_str_opt(options_json, "options_json") }?;
        non_null(root, "root")?;
        let mode = args::mode(mode)?;
        let o = OpenOptions::parse(opts, "options_json")?;
        let g = Group::open_root_with(url, mode, o.format, o.store)?;
        let id = handles::insert(Node::Group(Arc::new(g)));
        // SAFETY: checked non-NULL above.
        unsafe { *root = id };
        Ok(())
    })
}

/// Close any handle. Closing a closed or unknown handle is ZARR_EBADID.
#[no_mangle]
pub extern "C" fn zarr_close(handle: i64) -> c_int {
    guard(|| handles::remove(handle))
}

/// Create a group at `path` below `parent` (intermediate groups are created),
/// with attributes from `attrs_json` (a JSON object, or NULL for none).
///
/// # Safety
/// Strings are NUL-terminated (attrs_json may be NULL); `group` is valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_group_create(
    parent: i64,
    path: *const c_char,
    attrs_json: *const c_char,
    group: *mut i64,
) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let path = unsafe { c_str(path, "path") }?;
        let attrs = unsafe { c_str_opt(attrs_json, "attrs_json") }?;
        non_null(group, "group")?;
        let attrs = attrs.map(attrs_from_json).transpose()?.unwrap_or_default();
        let g = handles::group(parent)?.create_group(path, attrs)?;
        let id = handles::insert(Node::Group(Arc::new(g)));
        // SAFETY: checked non-NULL.
        unsafe { *group = id };
        Ok(())
    })
}

/// Open the group at `path` below `parent`.
///
/// # Safety
/// `path` is NUL-terminated; `group` is valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_group_open(parent: i64, path: *const c_char, group: *mut i64) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let path = unsafe { c_str(path, "path") }?;
        non_null(group, "group")?;
        let g = handles::group(parent)?.open_group(path)?;
        let id = handles::insert(Node::Group(Arc::new(g)));
        // SAFETY: checked non-NULL.
        unsafe { *group = id };
        Ok(())
    })
}

/// Create an array from a full metadata document: a v3 `zarr.json` or a v2
/// `.zarray` (told apart by "zarr_format"; it must match the hierarchy's
/// format). A v2 document may carry an "attributes" object for `.zattrs`.
///
/// # Safety
/// Strings are NUL-terminated; `array` is valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_array_create_json(
    parent: i64,
    path: *const c_char,
    metadata_json: *const c_char,
    array: *mut i64,
) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let path = unsafe { c_str(path, "path") }?;
        let doc = unsafe { c_str(metadata_json, "metadata_json") }?;
        non_null(array, "array")?;
        let a = handles::group(parent)?.create_array_json(path, doc)?;
        let id = handles::insert(Node::Array(Arc::new(a)));
        // SAFETY: checked non-NULL.
        unsafe { *array = id };
        Ok(())
    })
}

/// Read `n` values from a caller array, `n` bounded by the rank.
///
/// # Safety
/// `p` is valid for `n` reads (checked non-NULL when n > 0).
unsafe fn dims<'a, T>(p: *const T, n: usize, what: &str) -> Result<&'a [T], Error> {
    if n == 0 {
        return Ok(&[]);
    }
    non_null(p, what)?;
    // SAFETY: non-NULL and the caller promises n elements.
    Ok(unsafe { std::slice::from_raw_parts(p, n) })
}

/// Create an array in the parent's format: `dtype` (ZARR_BOOL..ZARR_FLOAT16),
/// `ndim` dimensions, a regular chunk grid. `codecs_json`: NULL for zstd
/// (level 0), "[]" for no compression, or a JSON list of codec objects
/// (v3 `{"name":..,"configuration":..}` or numcodecs `{"id":..}`); the
/// `bytes` codec (little endian) is added when absent; a v2 hierarchy gets
/// them as filters + compressor. `fill_value`: NULL for zero, else one
/// element of `dtype`. `dtype` ZARR_STRING (added after 1.0) makes a
/// variable-length string array (v3 `string` with `vlen-utf8`, v2 `|O` with
/// the vlen-utf8 filter) whose `fill_value` is NULL (the empty string) or a
/// NUL-terminated UTF-8 string; other string, bytes and time types are made
/// with zarr_array_create_json (ZARR_ETYPE here).
///
/// # Safety
/// `shape` and `chunk_shape` hold `ndim` values; strings are NUL-terminated;
/// `fill_value` (nullable) points to one element; `array` is valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_array_create(
    parent: i64,
    path: *const c_char,
    dtype: c_int,
    ndim: c_int,
    shape: *const u64,
    chunk_shape: *const u64,
    codecs_json: *const c_char,
    fill_value: *const c_void,
    array: *mut i64,
) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let path = unsafe { c_str(path, "path") }?;
        let codecs = unsafe { c_str_opt(codecs_json, "codecs_json") }?;
        non_null(array, "array")?;
        let dt = args::dtype(dtype)?;
        let nd = args::rank(ndim.into(), "ndim")?;
        // SAFETY: caller promises ndim values.
        let shape = unsafe { dims(shape, nd, "shape") }?;
        let chunks = unsafe { dims(chunk_shape, nd, "chunk_shape") }?;
        let codec_list = args::codec_list(codecs, "codecs_json")?;
        // SAFETY: nullable; caller promises one element of dtype.
        let fill = unsafe { fill_bytes(fill_value, dt) };
        let g = handles::group(parent)?;
        let meta = g.simple_metadata(dt, shape, chunks, codec_list.as_deref(), fill)?;
        let a = g.create_array(path, meta)?;
        let id = handles::insert(Node::Array(Arc::new(a)));
        // SAFETY: checked non-NULL.
        unsafe { *array = id };
        Ok(())
    })
}

/// Create a sharded array (v3 hierarchies only; else ZARR_EUNSUPPORTED):
/// chunks of `shard_shape` are stored as one object each (a shard) holding
/// inner chunks of `inner_chunk_shape`, which must divide `shard_shape`.
/// `codecs_json` are the inner chunks' codecs as in `zarr_array_create`
/// (NULL for zstd, "[]" for none); the shard index is little endian with a
/// crc32c, at the end of the shard. Reads fetch only the inner chunks a
/// selection needs; a partial write of a shard rewrites that shard.
/// `fill_value`: NULL for zero, else one element of `dtype`.
///
/// # Safety
/// `shape`, `shard_shape` and `inner_chunk_shape` hold `ndim` values;
/// strings are NUL-terminated; `fill_value` (nullable) points to one
/// element; `array` is valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_array_create_sharded(
    parent: i64,
    path: *const c_char,
    dtype: c_int,
    ndim: c_int,
    shape: *const u64,
    shard_shape: *const u64,
    inner_chunk_shape: *const u64,
    codecs_json: *const c_char,
    fill_value: *const c_void,
    array: *mut i64,
) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let path = unsafe { c_str(path, "path") }?;
        let codecs = unsafe { c_str_opt(codecs_json, "codecs_json") }?;
        non_null(array, "array")?;
        let dt = args::dtype(dtype)?;
        let nd = args::rank(ndim.into(), "ndim")?;
        // SAFETY: caller promises ndim values.
        let shape = unsafe { dims(shape, nd, "shape") }?;
        let shards = unsafe { dims(shard_shape, nd, "shard_shape") }?;
        let inner = unsafe { dims(inner_chunk_shape, nd, "inner_chunk_shape") }?;
        let codec_list = args::codec_list(codecs, "codecs_json")?;
        // SAFETY: nullable; caller promises one element of dtype.
        let fill = unsafe { fill_bytes(fill_value, dt) };
        let g = handles::group(parent)?;
        let meta = g.sharded_metadata(dt, shape, shards, inner, codec_list.as_deref(), fill)?;
        let a = g.create_array(path, meta)?;
        let id = handles::insert(Node::Array(Arc::new(a)));
        // SAFETY: checked non-NULL.
        unsafe { *array = id };
        Ok(())
    })
}

/// One element of `dt` at `p`, or None for NULL. For ZARR_STRING `p` is
/// a NUL-terminated UTF-8 string.
///
/// # Safety
/// `p` is NULL or points to one element of `dt`.
unsafe fn fill_bytes<'a>(p: *const c_void, dt: DataType) -> Option<&'a [u8]> {
    if p.is_null() {
        None
    } else if dt.is_vlen() {
        // SAFETY: the caller promises a NUL-terminated string.
        Some(unsafe { std::ffi::CStr::from_ptr(p as *const c_char) }.to_bytes())
    } else {
        // SAFETY: non-NULL; caller promises one element of dt.
        Some(unsafe { std::slice::from_raw_parts(p as *const u8, dt.size()) })
    }
}

/// Open the array at `path` below `parent` ("" opens an array at the root itself).
///
/// # Safety
/// `path` is NUL-terminated; `array` is valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_array_open(parent: i64, path: *const c_char, array: *mut i64) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let path = unsafe { c_str(path, "path") }?;
        non_null(array, "array")?;
        let a = handles::group(parent)?.open_array(path)?;
        let id = handles::insert(Node::Array(Arc::new(a)));
        // SAFETY: checked non-NULL.
        unsafe { *array = id };
        Ok(())
    })
}

/// Number of dimensions.
///
/// # Safety
/// `ndim` is valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_array_ndim(array: i64, ndim: *mut c_int) -> c_int {
    guard(|| {
        non_null(ndim, "ndim")?;
        let n = handles::array(array)?.shape().len() as c_int;
        // SAFETY: checked non-NULL.
        unsafe { *ndim = n };
        Ok(())
    })
}

/// Shape (ndim values).
///
/// # Safety
/// `shape` is valid for writing ndim values (may be NULL for a 0-d array).
#[no_mangle]
pub unsafe extern "C" fn zarr_array_shape(array: i64, shape: *mut u64) -> c_int {
    guard(|| {
        let s = handles::array(array)?.shape();
        if !s.is_empty() {
            non_null(shape, "shape")?;
            // SAFETY: caller promises ndim values.
            unsafe { std::ptr::copy_nonoverlapping(s.as_ptr(), shape, s.len()) };
        }
        Ok(())
    })
}

/// Chunk shape (ndim values). An array with a `rectilinear` chunk grid
/// (chunks of unequal sizes) has no one chunk shape: ZARR_EUNSUPPORTED,
/// nothing written; read its chunk edges with zarr_array_chunk_shapes_json.
///
/// # Safety
/// `chunk_shape` is valid for writing ndim values (may be NULL for a 0-d array).
#[no_mangle]
pub unsafe extern "C" fn zarr_array_chunk_shape(array: i64, chunk_shape: *mut u64) -> c_int {
    guard(|| {
        let a = handles::array(array)?;
        if a.metadata().chunk_shapes_json().is_some() {
            return Err(Error::Unsupported(
                "a rectilinear chunk grid has no single chunk shape: use zarr_array_chunk_shapes_json".into(),
            ));
        }
        let s = a.chunk_shape();
        if !s.is_empty() {
            non_null(chunk_shape, "chunk_shape")?;
            // SAFETY: caller promises ndim values.
            unsafe { std::ptr::copy_nonoverlapping(s.as_ptr(), chunk_shape, s.len()) };
        }
        Ok(())
    })
}

/// Stored data type (ZARR_BOOL..ZARR_FLOAT16, ZARR_STRING..ZARR_TIMEDELTA64).
///
/// # Safety
/// `dtype` is valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_array_dtype(array: i64, dtype: *mut c_int) -> c_int {
    guard(|| {
        non_null(dtype, "dtype")?;
        let d = args::dtype_code(handles::array(array)?.dtype());
        // SAFETY: checked non-NULL.
        unsafe { *dtype = d };
        Ok(())
    })
}

/// Bytes of one stored element of a fixed-size type (numbers, ZARR_BYTES:
/// n, ZARR_FIXED_STRING: 4 a code point, times: 8); ZARR_ETYPE for the
/// variable-length types (ZARR_STRING, ZARR_VLEN_BYTES).
///
/// # Safety
/// `bytes` is valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_array_element_size(array: i64, bytes: *mut usize) -> c_int {
    guard(|| {
        non_null(bytes, "bytes")?;
        let dt = handles::array(array)?.dtype();
        if dt.is_vlen() {
            return Err(Error::Type(format!("{} elements have no fixed size", dt.v3_name())));
        }
        // SAFETY: checked non-NULL.
        unsafe { *bytes = dt.size() };
        Ok(())
    })
}

/// The unit of a ZARR_DATETIME64 / ZARR_TIMEDELTA64 array as numpy spells
/// it ("s", "ms", "us", "ns", "D", "generic", ...; NUL-terminated) and its
/// scale factor (`datetime64[10ms]`: "ms" and 10). Values are int64 counts
/// of scale_factor units since 1970-01-01T00:00 (datetime64) or of duration
/// (timedelta64); INT64_MIN is NaT. ZARR_ETYPE for other types.
///
/// # Safety
/// `unit` is valid for writing 8 bytes; `scale_factor` for one value.
#[no_mangle]
pub unsafe extern "C" fn zarr_array_time_unit(array: i64, unit: *mut c_char, scale_factor: *mut i64) -> c_int {
    guard(|| {
        non_null(unit, "unit")?;
        non_null(scale_factor, "scale_factor")?;
        let dt = handles::array(array)?.dtype();
        let u = dt
            .time_unit()
            .ok_or_else(|| Error::Type(format!("a {} array has no time unit", dt.v3_name())))?;
        let name = u.unit().as_bytes();
        // Every numpy unit fits ("generic" is the longest: 7 bytes + NUL).
        let mut out = [0u8; 8];
        out[..name.len().min(7)].copy_from_slice(&name[..name.len().min(7)]);
        // SAFETY: checked non-NULL; the caller promises 8 bytes and one value.
        unsafe {
            std::ptr::copy_nonoverlapping(out.as_ptr(), unit as *mut u8, 8);
            *scale_factor = u.scale as i64;
        }
        Ok(())
    })
}

/// Read the values of a string or bytes array: `buf` gets them back to
/// back (no NULs), `offsets[0..=n]` their boundaries, `*needed` the bytes
/// of values. `buf = NULL, buf_len = 0` is a size query (only `*needed`
/// is written; `offsets` may be NULL). A `buf` shorter than needed is
/// ZARR_EINVAL and nothing is written. Strings come back as UTF-8
/// (fixed-length ones without their padding); ZARR_BYTES (without trailing
/// NULs, as numpy reads `|S`) and ZARR_VLEN_BYTES as their bytes. Other
/// types: ZARR_ETYPE.
///
/// # Safety
/// start/count/stride hold ndim values; `buf` is valid for `buf_len`
/// bytes, `offsets` for n + 1 values (n = product of count), `needed` for one.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn zarr_array_read_strings(
    array: i64,
    start: *const u64,
    count: *const u64,
    stride: *const i64,
    buf: *mut c_char,
    buf_len: usize,
    offsets: *mut u64,
    needed: *mut usize,
) -> c_int {
    guard(|| {
        non_null(needed, "needed")?;
        let a = handles::array(array)?;
        // SAFETY: caller guarantees.
        let (sel, _) = unsafe { selection(&a, start, count, stride, ZARR_NATIVE) }?;
        let values = a.read_strings(&sel)?;
        let total = values.iter().map(Vec::len).sum::<usize>();
        if buf.is_null() && buf_len == 0 {
            // SAFETY: checked non-NULL.
            unsafe { *needed = total };
            return Ok(());
        }
        non_null(buf, "buf")?;
        non_null(offsets, "offsets")?;
        if buf_len < total {
            return Err(Error::InvalidArgument(format!(
                "buf holds {buf_len} bytes, the values need {total}"
            )));
        }
        // SAFETY: non-NULL; the caller promises buf_len bytes and n + 1 offsets.
        let (out, offs) = unsafe {
            (
                std::slice::from_raw_parts_mut(buf as *mut u8, buf_len),
                std::slice::from_raw_parts_mut(offsets, values.len() + 1),
            )
        };
        let mut pos = 0usize;
        offs[0] = 0;
        for (i, v) in values.iter().enumerate() {
            out[pos..pos + v.len()].copy_from_slice(v);
            pos += v.len();
            offs[i + 1] = pos as u64;
        }
        // SAFETY: checked non-NULL.
        unsafe { *needed = total };
        Ok(())
    })
}

/// Write n values (n = product of count) given as by
/// zarr_array_read_strings: value i is `buf[offsets[i]] .. buf[offsets[i+1]]`
/// (offsets must not decrease). A fixed-size type refuses a value that does
/// not fit (ZARR_ERANGE), a string type invalid UTF-8 (ZARR_EINVAL); then
/// nothing is written. Other types: ZARR_ETYPE.
///
/// # Safety
/// start/count/stride hold ndim values; `offsets` holds n + 1 values and
/// `buf` at least `offsets[n]` bytes.
#[no_mangle]
pub unsafe extern "C" fn zarr_array_write_strings(
    array: i64,
    start: *const u64,
    count: *const u64,
    stride: *const i64,
    buf: *const c_char,
    offsets: *const u64,
) -> c_int {
    guard(|| {
        let a = handles::array(array)?;
        // SAFETY: caller guarantees.
        let (sel, _) = unsafe { selection(&a, start, count, stride, ZARR_NATIVE) }?;
        let n = sel
            .num_elements()
            .filter(|&n| n < isize::MAX as usize / 8)
            .ok_or_else(|| Error::InvalidArgument("selection is too large".into()))?;
        non_null(offsets, "offsets")?;
        // SAFETY: non-NULL; the caller promises n + 1 offsets.
        let offs = unsafe { std::slice::from_raw_parts(offsets, n + 1) };
        if offs.windows(2).any(|w| w[1] < w[0]) {
            return Err(Error::InvalidArgument("offsets must not decrease".into()));
        }
        let total = usize::try_from(offs[n]).map_err(|_| Error::InvalidArgument("offsets too large".into()))?;
        let data: &[u8] = if total == 0 {
            &[]
        } else {
            non_null(buf, "buf")?;
            // SAFETY: non-NULL; the caller promises offsets[n] bytes.
            unsafe { std::slice::from_raw_parts(buf as *const u8, total) }
        };
        let values: Vec<&[u8]> = offs.windows(2).map(|w| &data[w[0] as usize..w[1] as usize]).collect();
        a.write_strings(&sel, &values)
    })
}

/// Resolve the selection arguments shared by read and write.
///
/// # Safety
/// start/count/stride are NULL or hold ndim values.
unsafe fn selection(
    a: &crate::Array,
    start: *const u64,
    count: *const u64,
    stride: *const i64,
    mem_type: c_int,
) -> Result<(Selection, DataType), Error> {
    let shape = a.shape();
    let nd = shape.len();
    // SAFETY: caller promises ndim values where non-NULL.
    let start = unsafe { dims(start, nd, "start") }?;
    let count = unsafe { dims(count, nd, "count") }?;
    let stride = if stride.is_null() {
        None
    } else {
        Some(unsafe { dims(stride, nd, "stride") }?)
    };
    let sel = Selection::new(&shape, start, count, stride)?;
    Ok((sel, args::mem_type(mem_type, a.dtype())?))
}

/// Read a hyperslab into `buf` (C order, native endian, elements of
/// `mem_type`; ZARR_NATIVE = the stored type). `stride` may be NULL (all 1).
/// For a 0-d array `start` and `count` may be NULL. On failure the buffer's
/// contents are unspecified (as with nc_get_vara).
///
/// # Safety
/// start/count/stride hold ndim values; `buf` is valid for `buf_bytes` bytes.
#[no_mangle]
pub unsafe extern "C" fn zarr_array_read(
    array: i64,
    start: *const u64,
    count: *const u64,
    stride: *const i64,
    mem_type: c_int,
    buf: *mut c_void,
    buf_bytes: usize,
) -> c_int {
    guard(|| {
        let a = handles::array(array)?;
        // SAFETY: caller guarantees.
        let (sel, mt) = unsafe { selection(&a, start, count, stride, mem_type) }?;
        let out: &mut [u8] = if buf_bytes == 0 {
            &mut []
        } else {
            non_null(buf as *const u8, "buf")?;
            // SAFETY: non-NULL and valid for buf_bytes bytes per the caller.
            unsafe { std::slice::from_raw_parts_mut(buf as *mut u8, buf_bytes) }
        };
        a.read(&sel, mt, out)
    })
}

/// Write a hyperslab from `buf` (C order, native endian, elements of
/// `mem_type`). A value that does not fit the stored type is ZARR_ERANGE and
/// nothing is written.
///
/// # Safety
/// start/count/stride hold ndim values; `buf` is valid for `buf_bytes` bytes.
#[no_mangle]
pub unsafe extern "C" fn zarr_array_write(
    array: i64,
    start: *const u64,
    count: *const u64,
    stride: *const i64,
    mem_type: c_int,
    buf: *const c_void,
    buf_bytes: usize,
) -> c_int {
    guard(|| {
        let a = handles::array(array)?;
        // SAFETY: caller guarantees.
        let (sel, mt) = unsafe { selection(&a, start, count, stride, mem_type) }?;
        let input: &[u8] = if buf_bytes == 0 {
            &[]
        } else {
            non_null(buf as *const u8, "buf")?;
            // SAFETY: non-NULL and valid for buf_bytes bytes per the caller.
            unsafe { std::slice::from_raw_parts(buf as *const u8, buf_bytes) }
        };
        a.write(&sel, mt, input)
    })
}

/// Change the array's shape to `new_shape` (ndim values; same rank).
/// Growing keeps all data; the new region reads as fill. Shrinking deletes
/// the chunks (shards) wholly outside the new shape and sets the elements of
/// the edge chunks outside it to the fill value. zarr-python does not trim
/// those; libzarr does so that growing the array again later shows fill
/// there, not data from before the shrink. The metadata is rewritten in one
/// store write, by compare-and-swap (a change another process made to the
/// metadata meanwhile, such as an attribute, is kept), and any consolidated
/// metadata is dropped. Serialised with other resizes and appends of the
/// array in this process; a shrink racing another process's writes to the
/// cut-off region is not coordinated.
///
/// # Safety
/// `new_shape` holds ndim values (may be NULL for a 0-d array).
#[no_mangle]
pub unsafe extern "C" fn zarr_array_resize(array: i64, new_shape: *const u64) -> c_int {
    guard(|| {
        let a = handles::array(array)?;
        let nd = a.shape().len();
        // SAFETY: caller promises ndim values where non-NULL.
        let shape = unsafe { dims(new_shape, nd, "new_shape") }?;
        a.resize(shape)
    })
}

/// Grow the array by `count` along `axis` and write `buf` there in one call.
/// `buf` holds the slab: the array's shape with `count` on `axis`, C order,
/// native endian, elements of `mem_type` (ZARR_NATIVE = the stored type).
/// Safe with concurrent appenders in this and other processes and machines
/// (filesystem and object stores): the grow is a compare-and-swap of the
/// metadata that reserves `count` rows at the end as stored at that moment,
/// retried on conflict, and partial chunks shared with neighbouring slabs
/// are merged by compare-and-swap too, so every slab lands exactly once and
/// contiguously and the final length is the sum. Within the process appends
/// are serialised by a per-array lock held across the grow and the write
/// (slabs land in the order the appends took it). A value that does not fit
/// the stored type is ZARR_ERANGE and nothing changes; if the write fails
/// after the grow, the array keeps the grown shape (the slab reads as fill
/// where it was not written) and the error is returned: shrinking back could
/// cut off slabs that other writers appended meanwhile.
///
/// # Safety
/// `buf` is valid for `buf_bytes` bytes.
#[no_mangle]
pub unsafe extern "C" fn zarr_array_append(
    array: i64,
    axis: c_int,
    count: u64,
    mem_type: c_int,
    buf: *const c_void,
    buf_bytes: usize,
) -> c_int {
    guard(|| {
        let a = handles::array(array)?;
        let axis = args::axis(axis)?;
        let mt = args::mem_type(mem_type, a.dtype())?;
        let input: &[u8] = if buf_bytes == 0 {
            &[]
        } else {
            non_null(buf as *const u8, "buf")?;
            // SAFETY: non-NULL and valid for buf_bytes bytes per the caller.
            unsafe { std::slice::from_raw_parts(buf as *const u8, buf_bytes) }
        };
        a.append(axis, count, mt, input)
    })
}

/// Store chunks that are entirely fill value (1) or leave them out (0, the
/// default). A runtime setting of this handle, not stored in metadata.
#[no_mangle]
pub extern "C" fn zarr_array_set_write_empty_chunks(array: i64, enable: c_int) -> c_int {
    guard(|| {
        handles::array(array)?.set_write_empty_chunks(enable != 0);
        Ok(())
    })
}

/// The write_empty_chunks setting (0 or 1).
///
/// # Safety
/// `enable` is valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_array_get_write_empty_chunks(array: i64, enable: *mut c_int) -> c_int {
    guard(|| {
        non_null(enable, "enable")?;
        let v = handles::array(array)?.write_empty_chunks() as c_int;
        // SAFETY: checked non-NULL.
        unsafe { *enable = v };
        Ok(())
    })
}

/// The attributes of a group or array as JSON object text, snprintf-style:
/// writes at most `buf_len` bytes (always NUL-terminated when buf_len > 0)
/// and sets `*needed` (nullable) to the full size including the NUL.
/// `buf` may be NULL when `buf_len` is 0, to ask for the size.
/// Non-finite floats, which Python's `json` (xarray, zarr-python) writes as
/// the bare literals `NaN`, `Infinity` and `-Infinity`, are read from every
/// document and appear in this text as those same bare literals: the text
/// is what Python's `json.loads` reads back, but a strict JSON parser
/// refuses it; zarr_attr_get gives such a value as a float. zarr_attrs_set
/// accepts the literals too (so this text can be set back).
///
/// # Safety
/// `buf` is valid for `buf_len` bytes; `needed` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_attrs_get(node: i64, buf: *mut c_char, buf_len: usize, needed: *mut usize) -> c_int {
    guard(|| {
        let attrs = match handles::get(node)? {
            Node::Group(g) => g.attributes()?,
            Node::Array(a) => {
                a.check_exists()?;
                a.metadata().checked_attributes()?.clone()
            }
        };
        let text = crate::metadata::json::to_text(&Value::Object(attrs));
        // SAFETY: caller guarantees.
        unsafe { write_text(&text, buf, buf_len, needed) }
    })
}

/// Replace the attributes of a group or array with a JSON object.
///
/// # Safety
/// `json` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn zarr_attrs_set(node: i64, json: *const c_char) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let text = unsafe { c_str(json, "json") }?;
        let attrs = attrs_from_json(text)?;
        match handles::get(node)? {
            Node::Group(g) => g.set_attributes(attrs),
            Node::Array(a) => a.set_attributes(attrs),
        }
    })
}

/// The members of a group as JSON `[{"name":..,"kind":"array"|"group"},..]`,
/// sorted by name, snprintf-style as zarr_attrs_get.
///
/// # Safety
/// `buf` is valid for `buf_len` bytes; `needed` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_list(group: i64, buf: *mut c_char, buf_len: usize, needed: *mut usize) -> c_int {
    guard(|| {
        let members = handles::group(group)?.list()?;
        let v: Vec<Value> = members
            .iter()
            .map(|(n, k)| serde_json::json!({"name": n, "kind": k.as_str()}))
            .collect();
        let text = Value::Array(v).to_string();
        // SAFETY: caller guarantees.
        unsafe { write_text(&text, buf, buf_len, needed) }
    })
}

/// Write consolidated metadata for the whole hierarchy of the root group
/// `root` (v2 `.zmetadata`, v3 `consolidated_metadata` in the root
/// `zarr.json`, as zarr-python does). A later zarr_open reads every node's
/// metadata from it. Any metadata change made through libzarr afterwards
/// drops it; call again after the changes.
#[no_mangle]
pub extern "C" fn zarr_consolidate(root: i64) -> c_int {
    guard(|| handles::group(root)?.consolidate())
}

/// Delete the array or group at `path` below `parent`, with everything under
/// it. Open handles of deleted arrays then fail with ZARR_ENOTFOUND.
///
/// # Safety
/// `path` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn zarr_delete(parent: i64, path: *const c_char) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let path = unsafe { c_str(path, "path") }?;
        handles::group(parent)?.delete(path)
    })
}

/// Rename (move) the array or group at `from` to `to`, both paths below
/// `parent`, with everything under it; groups missing above `to` are
/// created. Done only where the store makes it one cheap step (a directory
/// rename on the filesystem, the memory store): elsewhere ZARR_EUNSUPPORTED
/// rather than a copy of every chunk. ZARR_ENOTFOUND when `from` does not
/// exist, ZARR_EEXISTS when `to` does. Open handles to the old path then fail
/// as if it was deleted; consolidated metadata is dropped, as by any change.
///
/// # Safety
/// `from` and `to` are NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn zarr_rename(parent: i64, from: *const c_char, to: *const c_char) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let from = unsafe { c_str(from, "from") }?;
        // SAFETY: caller guarantees.
        let to = unsafe { c_str(to, "to") }?;
        handles::group(parent)?.rename(from, to)
    })
}

/// The dimension names of an array as a JSON list (entries may be null), or
/// `null` when it has none, snprintf-style as zarr_attrs_get. v3 keeps them in
/// `dimension_names`, v2 in the `_ARRAY_DIMENSIONS` attribute (xarray).
///
/// # Safety
/// `buf` is valid for `buf_len` bytes; `needed` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_array_dimension_names(
    array: i64,
    buf: *mut c_char,
    buf_len: usize,
    needed: *mut usize,
) -> c_int {
    guard(|| {
        let a = handles::array(array)?;
        a.check_exists()?;
        let text = serde_json::json!(a.dimension_names()).to_string();
        // SAFETY: caller guarantees.
        unsafe { write_text(&text, buf, buf_len, needed) }
    })
}

/// The chunk grid's edges as a JSON list, one entry per dimension, in the
/// form of the `rectilinear` grid's `chunk_shapes` (zarr-extensions): a bare
/// integer for chunks of that size repeated along the dimension (every
/// dimension of a regular grid), else a list of edge lengths where `[size,
/// count]` stands for `count` edges of `size`. snprintf-style as
/// zarr_attrs_get.
///
/// # Safety
/// `buf` is valid for `buf_len` bytes; `needed` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_array_chunk_shapes_json(
    array: i64,
    buf: *mut c_char,
    buf_len: usize,
    needed: *mut usize,
) -> c_int {
    guard(|| {
        let m = handles::array(array)?.metadata();
        let v = m
            .chunk_shapes_json()
            .unwrap_or_else(|| serde_json::json!(m.chunk_shape));
        // SAFETY: caller guarantees.
        unsafe { write_text(&v.to_string(), buf, buf_len, needed) }
    })
}

/// Set the dimension names from a JSON list of ndim strings (v3 also allows
/// null entries; v2 needs every name), or remove them with `null`.
///
/// # Safety
/// `names_json` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn zarr_array_set_dimension_names(array: i64, names_json: *const c_char) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let text = unsafe { c_str(names_json, "names_json") }?;
        handles::array(array)?.set_dimension_names(args::dimension_names(text, "names_json")?)
    })
}

// ---------------------------------------------------------------------------
// Added for language bindings (the Fortran module): typed single attributes,
// member listing by index, value conversion, per-dimension names, and the
// `process_locks` open option (handled in zarr_open_with_options above).

/// `zarr_group_member` kind: a group.
pub const ZARR_NODE_GROUP: c_int = 1;
/// `zarr_group_member` kind: an array.
pub const ZARR_NODE_ARRAY: c_int = 2;
/// `zarr_attr_inq` type of a text attribute (a JSON string; its length is in bytes).
pub const ZARR_ATTR_TEXT: c_int = 100;
/// `zarr_attr_inq` type of an attribute that is neither text nor numbers
/// (objects, null, mixed lists): read it with zarr_attrs_get.
pub const ZARR_ATTR_JSON: c_int = 101;

/// The attributes of any node.
fn node_attributes(node: i64) -> Result<serde_json::Map<String, Value>, Error> {
    match handles::get(node)? {
        Node::Group(g) => g.attributes(),
        Node::Array(a) => {
            a.check_exists()?;
            Ok(a.metadata().checked_attributes()?.clone())
        }
    }
}

/// Change one attribute of any node (None removes it) by the core's
/// compare-and-swap update: other attributes changed meanwhile are kept.
fn update_attribute(node: i64, name: &str, value: Option<Value>) -> Result<(), Error> {
    let n = handles::get(node)?;
    match (n, value) {
        (Node::Group(g), Some(v)) => g.update_attributes(crate::attrs::put(name, v)),
        (Node::Group(g), None) => g.update_attributes(crate::attrs::delete(name)),
        (Node::Array(a), Some(v)) => a.update_attributes(crate::attrs::put(name, v)),
        (Node::Array(a), None) => a.update_attributes(crate::attrs::delete(name)),
    }
}

/// One attribute of any node; a missing one is ZARR_ENOTFOUND.
fn attribute(node: i64, name: &str) -> Result<Value, Error> {
    node_attributes(node)?
        .shift_remove(name)
        .ok_or_else(|| Error::NotFound(format!("attribute \"{name}\"")))
}

/// Convert `n` values from `src_type` to `dst_type` (type codes
/// ZARR_BOOL..ZARR_FLOAT16, native endian) with the rules of
/// zarr_array_read/write: a value that does not fit is ZARR_ERANGE, and then
/// `dst` is unspecified. Bindings use it for fill values given in another type.
///
/// # Safety
/// `src` holds `n` values of `src_type`; `dst` has room for `n` of `dst_type`.
#[no_mangle]
pub unsafe extern "C" fn zarr_convert(
    src_type: c_int,
    src: *const c_void,
    dst_type: c_int,
    dst: *mut c_void,
    n: usize,
) -> c_int {
    guard(|| {
        let (st, dt) = (args::dtype(src_type)?, args::dtype(dst_type)?);
        if n == 0 {
            return Ok(());
        }
        non_null(src as *const u8, "src")?;
        non_null(dst as *const u8, "dst")?;
        let (sb, db) = (
            n.checked_mul(st.size())
                .ok_or_else(|| Error::InvalidArgument("n is too large".into()))?,
            n.checked_mul(dt.size())
                .ok_or_else(|| Error::InvalidArgument("n is too large".into()))?,
        );
        // SAFETY: non-NULL, sizes as the caller promises.
        let (s, d) = unsafe {
            (
                std::slice::from_raw_parts(src as *const u8, sb),
                std::slice::from_raw_parts_mut(dst as *mut u8, db),
            )
        };
        crate::array::convert::convert(s, st, st.size(), d, dt, dt.size(), n)
    })
}

/// The number of direct members (arrays and groups) of a group.
///
/// # Safety
/// `n` is valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_group_nmembers(group: i64, n: *mut u64) -> c_int {
    guard(|| {
        non_null(n, "n")?;
        let count = handles::group(group)?.list()?.len() as u64;
        // SAFETY: checked non-NULL.
        unsafe { *n = count };
        Ok(())
    })
}

/// Member `index` (0-based, in name order as zarr_list) of a group: its kind
/// (ZARR_NODE_GROUP or ZARR_NODE_ARRAY) in `*kind` and its name
/// snprintf-style as zarr_attrs_get. An index not below the member count is
/// ZARR_EINVAL. Each call lists the group again.
///
/// # Safety
/// `kind` is valid for writing; `name` is valid for `name_len` bytes;
/// `needed` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_group_member(
    group: i64,
    index: u64,
    kind: *mut c_int,
    name: *mut c_char,
    name_len: usize,
    needed: *mut usize,
) -> c_int {
    guard(|| {
        non_null(kind, "kind")?;
        let members = handles::group(group)?.list()?;
        let (n, k) = usize::try_from(index)
            .ok()
            .and_then(|i| members.get(i))
            .ok_or_else(|| Error::InvalidArgument(format!("member index {index} is not below {}", members.len())))?;
        // SAFETY: caller guarantees.
        unsafe { write_text(n, name, name_len, needed) }?;
        let code = match k {
            crate::NodeKind::Group => ZARR_NODE_GROUP,
            crate::NodeKind::Array => ZARR_NODE_ARRAY,
        };
        // SAFETY: checked non-NULL.
        unsafe { *kind = code };
        Ok(())
    })
}

/// What the attribute `name` of a group or array holds: `*type` is
/// ZARR_ATTR_TEXT (`*len` = bytes of the UTF-8 text, no NUL), ZARR_ATTR_JSON
/// (anything else that is not numbers; `*len` = 0), or for a number, boolean
/// or list of them (`*len` values; a scalar is 1) the type that holds them
/// all: ZARR_BOOL (only booleans), ZARR_INT64, ZARR_UINT64 or ZARR_FLOAT64.
/// A missing attribute is ZARR_ENOTFOUND. `type` and `len` may be NULL.
///
/// # Safety
/// `name` is NUL-terminated; `type_` and `len` are NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_attr_inq(node: i64, name: *const c_char, type_: *mut c_int, len: *mut u64) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let name = unsafe { c_str(name, "name") }?;
        let (t, l) = match crate::attrs::kind(&attribute(node, name)?) {
            crate::attrs::AttrKind::Text(n) => (ZARR_ATTR_TEXT, n as u64),
            crate::attrs::AttrKind::Numbers(dt, n) => (args::dtype_code(dt), n as u64),
            crate::attrs::AttrKind::Json => (ZARR_ATTR_JSON, 0),
        };
        // SAFETY: NULL or valid per the caller.
        unsafe {
            if !type_.is_null() {
                *type_ = t;
            }
            if !len.is_null() {
                *len = l;
            }
        }
        Ok(())
    })
}

/// Read the numeric (or boolean) attribute `name` into `buf` as `mem_type`
/// values (ZARR_BOOL..ZARR_FLOAT16; ZARR_NATIVE = the type zarr_attr_inq
/// reports), converted with the rules of zarr_array_read (a value that does
/// not fit is ZARR_ERANGE, and the buffer's contents are then unspecified,
/// as with zarr_array_read). Text or other JSON is ZARR_ETYPE; a buffer
/// smaller than the values is ZARR_EINVAL. Python's bare `NaN`,
/// `Infinity` and `-Infinity` read as float64 NaN and infinities
/// (zarr_attr_inq: ZARR_FLOAT64).
///
/// # Safety
/// `name` is NUL-terminated; `buf` is valid for `buf_bytes` bytes.
#[no_mangle]
pub unsafe extern "C" fn zarr_attr_get(
    node: i64,
    name: *const c_char,
    mem_type: c_int,
    buf: *mut c_void,
    buf_bytes: usize,
) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let name = unsafe { c_str(name, "name") }?;
        let v = attribute(node, name)?;
        let mt = match (mem_type, crate::attrs::kind(&v)) {
            (ZARR_NATIVE, crate::attrs::AttrKind::Numbers(dt, _)) => dt,
            (ZARR_NATIVE, _) => DataType::Float64, // from_json reports the kind
            (code, _) => args::dtype(code)?,
        };
        let out: &mut [u8] = if buf_bytes == 0 {
            &mut []
        } else {
            non_null(buf as *const u8, "buf")?;
            // SAFETY: non-NULL and valid for buf_bytes bytes per the caller.
            unsafe { std::slice::from_raw_parts_mut(buf as *mut u8, buf_bytes) }
        };
        crate::attrs::from_json(&v, mt, out)
            .map(|_| ())
            .map_err(|e| e.context(format!("attribute \"{name}\"")))
    })
}

/// The text attribute `name`, snprintf-style as zarr_attrs_get. An attribute
/// that is not a JSON string is ZARR_ETYPE.
///
/// # Safety
/// `name` is NUL-terminated; `buf` is valid for `buf_len` bytes; `needed` is
/// NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_attr_get_text(
    node: i64,
    name: *const c_char,
    buf: *mut c_char,
    buf_len: usize,
    needed: *mut usize,
) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let name = unsafe { c_str(name, "name") }?;
        match attribute(node, name)? {
            // A NaN or infinity read from Python's bare literals is a number.
            v if crate::metadata::json::special_float(&v).is_some() => {
                Err(Error::Type(format!("attribute \"{name}\" is a number, not text")))
            }
            // SAFETY: caller guarantees.
            Value::String(s) => unsafe { write_text(&s, buf, buf_len, needed) },
            _ => Err(Error::Type(format!("attribute \"{name}\" is not text"))),
        }
    })
}

/// Set the attribute `name` to `n` values of `mem_type` (ZARR_BOOL..
/// ZARR_FLOAT16, native endian): one value is stored as a JSON scalar,
/// other counts as a list. NaN and infinities have no JSON form
/// (ZARR_EINVAL). Other attributes are kept.
///
/// # Safety
/// `name` is NUL-terminated; `values` holds `n` values of `mem_type`.
#[no_mangle]
pub unsafe extern "C" fn zarr_attr_put(
    node: i64,
    name: *const c_char,
    mem_type: c_int,
    values: *const c_void,
    n: u64,
) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let name = unsafe { c_str(name, "name") }?;
        let mt = args::dtype(mem_type)?;
        let bytes = usize::try_from(n)
            .ok()
            .and_then(|n| n.checked_mul(mt.size()))
            .ok_or_else(|| Error::InvalidArgument(format!("{n} values are too many")))?;
        let input: &[u8] = if bytes == 0 {
            &[]
        } else {
            non_null(values as *const u8, "values")?;
            // SAFETY: non-NULL; caller promises n values.
            unsafe { std::slice::from_raw_parts(values as *const u8, bytes) }
        };
        let v = if n == 0 {
            Value::Array(vec![])
        } else {
            crate::attrs::to_json(mt, input).map_err(|e| e.context(format!("attribute \"{name}\"")))?
        };
        update_attribute(node, name, Some(v))
    })
}

/// Set the attribute `name` to the text `text` (a JSON string). Other
/// attributes are kept.
///
/// # Safety
/// `name` and `text` are NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn zarr_attr_put_text(node: i64, name: *const c_char, text: *const c_char) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let name = unsafe { c_str(name, "name") }?;
        let text = unsafe { c_str(text, "text") }?;
        update_attribute(node, name, Some(Value::String(text.to_owned())))
    })
}

/// Remove the attribute `name` (missing: ZARR_ENOTFOUND).
///
/// # Safety
/// `name` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn zarr_attr_delete(node: i64, name: *const c_char) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let name = unsafe { c_str(name, "name") }?;
        update_attribute(node, name, None)
    })
}

/// The name of dimension `dim` (0-based, stored order) of an array,
/// snprintf-style as zarr_attrs_get; an array without dimension names, or a
/// null name, gives "" (`*needed` = 1). `dim` not below ndim is ZARR_EINVAL.
///
/// # Safety
/// `buf` is valid for `buf_len` bytes; `needed` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_array_dimension_name(
    array: i64,
    dim: c_int,
    buf: *mut c_char,
    buf_len: usize,
    needed: *mut usize,
) -> c_int {
    guard(|| {
        let a = handles::array(array)?;
        a.check_exists()?;
        let nd = a.shape().len();
        let d = usize::try_from(dim)
            .ok()
            .filter(|&d| d < nd)
            .ok_or_else(|| Error::InvalidArgument(format!("dimension {dim} is not in 0..{nd}")))?;
        let names = a.dimension_names();
        let name = names
            .as_ref()
            .and_then(|n| n.get(d).cloned().flatten())
            .unwrap_or_default();
        // SAFETY: caller guarantees.
        unsafe { write_text(&name, buf, buf_len, needed) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_constants_match_the_package() {
        assert_eq!(ZARR_VERSION_MAJOR.to_string(), env!("CARGO_PKG_VERSION_MAJOR"));
        assert_eq!(ZARR_VERSION_MINOR.to_string(), env!("CARGO_PKG_VERSION_MINOR"));
        assert_eq!(ZARR_VERSION_PATCH.to_string(), env!("CARGO_PKG_VERSION_PATCH"));
        assert_eq!(
            ZARR_VERSION_NUMBER,
            ZARR_VERSION_MAJOR * 10000 + ZARR_VERSION_MINOR * 100 + ZARR_VERSION_PATCH
        );
    }

    #[test]
    fn committed_header_is_current() {
        let generated = std::fs::read_to_string(env!("ZARR_GENERATED_HEADER")).unwrap();
        let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/zarr.h")).unwrap();
        assert!(
            generated == committed,
            "include/zarr.h differs from the generated header: run `make header` and commit it"
        );
    }
}
