//! The JNI entry points of the Java bindings (`bindings/java`, package
//! `io.github.libzarr`). Besides `ffi`, this is the only module that touches
//! raw pointers, and its `Java_io_github_libzarr_Native_*` functions are the
//! only exported symbols outside `ffi`. They are compiled in with the cargo
//! feature `java` (on by default) and so live in the same `libzarr.so` as the
//! C ABI; `--no-default-features` leaves them out.
//!
//! Every entry point runs inside [`entry`], which catches panics and turns
//! every failure into a pending Java exception (`ZarrException` with the C
//! status code), so no native failure takes the JVM down. Handles are ids in
//! this module's own table (never reused, as in `ffi`): a stale id is a
//! `ZARR_EBADID` exception, never a dangling pointer. The Java side guards
//! each handle with a read/write lock so `close` waits for calls in flight.
//!
//! Data crosses the boundary in two ways. Primitive Java arrays are copied
//! through a native buffer with `Get/Set<Type>ArrayRegion` (no array is
//! pinned while the engine reads or writes chunks). Direct `ByteBuffer`s are
//! read and written in place through `GetDirectBufferAddress`: no copy
//! between Java and the engine.

use crate::array::convert;
use crate::error::Error;
use crate::ffi::args::{self, MAX_NDIM};
use crate::ffi::ZARR_EINTERNAL;
use crate::{Array, DataType, Group, Selection};
use ::jni::objects::{JByteBuffer, JClass, JLongArray, JObject, JPrimitiveArray, JString, JThrowable, JValue};
use ::jni::sys::{jboolean, jbyteArray, jdouble, jint, jlong, jlongArray, jsize, jstring, JNI_FALSE, JNI_TRUE};
use ::jni::JNIEnv;
use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};

use std::sync::Arc;

/// Why an entry point failed: an engine error to throw, or a Java exception
/// that is already pending (a JNI call failed) and must be left alone.
enum Fail {
    Zarr(Error),
    Pending,
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Fail::Zarr(e)
    }
}

impl From<::jni::errors::Error> for Fail {
    fn from(e: ::jni::errors::Error) -> Self {
        match e {
            ::jni::errors::Error::JavaException => Fail::Pending,
            other => Fail::Zarr(Error::Internal(format!("JNI call failed: {other}"))),
        }
    }
}

type JResult<T> = Result<T, Fail>;

/// The C status code of an error (`ffi`'s mapping: Java sees the same numbers).
fn status_of(e: &Error) -> jint {
    crate::ffi::status_of(e)
}

/// Throw `io.github.libzarr.ZarrException(status, message)`; if that class
/// cannot be made, a RuntimeException with the message.
fn throw_zarr(env: &mut JNIEnv, status: jint, msg: &str) {
    if env.exception_check().unwrap_or(true) {
        return;
    }
    let made = (|| -> ::jni::errors::Result<()> {
        let text = env.new_string(msg)?;
        let obj = env.new_object(
            "io/github/libzarr/ZarrException",
            "(ILjava/lang/String;)V",
            &[JValue::Int(status), JValue::Object(&text)],
        )?;
        env.throw(JThrowable::from(obj))
    })();
    if made.is_err() {
        let _ = env.exception_clear();
        let _ = env.throw_new("java/lang/RuntimeException", format!("libzarr ({status}): {msg}"));
    }
}

/// Run an entry point: its value, or `default` with a Java exception pending.
fn entry<'l, T>(env: &mut JNIEnv<'l>, default: T, f: impl FnOnce(&mut JNIEnv<'l>) -> JResult<T>) -> T {
    match catch_unwind(AssertUnwindSafe(|| f(env))) {
        Ok(Ok(v)) => v,
        Ok(Err(Fail::Pending)) => default,
        Ok(Err(Fail::Zarr(e))) => {
            throw_zarr(env, status_of(&e), &e.to_string());
            default
        }
        Err(panic) => {
            let what = crate::ffi::panic_message(&*panic);
            throw_zarr(env, ZARR_EINTERNAL, &format!("internal error (please report): {what}"));
            default
        }
    }
}

// ------------------------------------------------------------ handle table

// Java handles live in the C API's table (`ffi::handles`): same ids, same rules.
use crate::ffi::handles::{array, get as node, group, insert, Node};

// ------------------------------------------------------------ conversions

fn string(env: &mut JNIEnv, s: &JString, what: &str) -> JResult<String> {
    if s.is_null() {
        return Err(Error::InvalidArgument(format!("{what} is null")).into());
    }
    Ok(env.get_string(s)?.into())
}

fn string_opt(env: &mut JNIEnv, s: &JString, what: &str) -> JResult<Option<String>> {
    if s.is_null() {
        Ok(None)
    } else {
        string(env, s, what).map(Some)
    }
}

fn new_string(env: &mut JNIEnv, s: &str) -> JResult<jstring> {
    Ok(env.new_string(s)?.into_raw())
}

/// A `long[]` as u64 values (negative values are ZARR_EINVAL); null is None.
fn u64s(env: &mut JNIEnv, a: &JLongArray, what: &str) -> JResult<Option<Vec<u64>>> {
    Ok(i64s(env, a, what)?.map(|v| args::extents(&v, what)).transpose()?)
}

fn i64s(env: &mut JNIEnv, a: &JLongArray, what: &str) -> JResult<Option<Vec<i64>>> {
    if a.is_null() {
        return Ok(None);
    }
    let n = env.get_array_length(a)? as usize;
    if n > MAX_NDIM {
        return Err(Error::InvalidArgument(format!("{what} has {n} values (at most {MAX_NDIM})")).into());
    }
    let mut v = vec![0i64; n];
    env.get_long_array_region(a, 0, &mut v)?;
    Ok(Some(v))
}

fn long_array(env: &mut JNIEnv, v: &[u64]) -> JResult<jlongArray> {
    let out = env.new_long_array(v.len() as jsize)?;
    let vals: Vec<i64> = v.iter().map(|&x| x as i64).collect();
    env.set_long_array_region(&out, 0, &vals)?;
    Ok(out.into_raw())
}

/// The selection and memory type of a read or write (`stride` may be null).
fn selection(
    env: &mut JNIEnv,
    a: &Array,
    start: &JLongArray,
    count: &JLongArray,
    stride: &JLongArray,
    mem_type: jint,
) -> JResult<(Selection, DataType, usize)> {
    let shape = a.shape();
    let start = u64s(env, start, "start")?.unwrap_or_default();
    let count = u64s(env, count, "count")?.unwrap_or_default();
    let stride = i64s(env, stride, "stride")?;
    let sel = Selection::new(&shape, &start, &count, stride.as_deref())?;
    let mt = args::mem_type(mem_type, a.dtype())?;
    let n = sel
        .num_elements()
        .ok_or_else(|| Error::InvalidArgument("selection is too large".into()))?;
    Ok((sel, mt, n))
}

/// A zeroed Vec of `n` elements, allocated fallibly.
fn try_vec<T: Copy + Default>(n: usize) -> Result<Vec<T>, Error> {
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| Error::OutOfMemory(format!("cannot allocate a buffer of {n} elements")))?;
    v.resize(n, T::default());
    Ok(v)
}

/// The bytes of a slice of Java primitives (jboolean, jbyte .. jdouble).
fn as_bytes<T: Copy>(v: &[T]) -> &[u8] {
    // SAFETY: only called with JNI primitive types, which have no padding and
    // no invalid byte patterns; the length covers exactly the slice.
    unsafe { std::slice::from_raw_parts(v.as_ptr() as *const u8, std::mem::size_of_val(v)) }
}

fn as_bytes_mut<T: Copy>(v: &mut [T]) -> &mut [u8] {
    // SAFETY: as `as_bytes`; the engine writes only valid values of the
    // memory type (jboolean receives 0 or 1).
    unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr() as *mut u8, std::mem::size_of_val(v)) }
}

/// Run `$body` with `$obj` as the Java primitive array of memory type `$mt`
/// (`$elem` its element type). An object of another class is ZARR_ETYPE:
/// the JNI region calls on a mismatched array would be undefined behaviour.
macro_rules! with_java_array {
    ($env:expr, $mt:expr, $obj:expr, |$arr:ident: $elem:ident| $body:expr) => {{
        let sig = match $mt {
            DataType::Bool => "[Z",
            DataType::Int8 => "[B",
            DataType::Int16 => "[S",
            DataType::Int32 => "[I",
            DataType::Int64 => "[J",
            DataType::Float32 => "[F",
            DataType::Float64 => "[D",
            other => return Err(Error::Type(format!("no Java array type for {}", other.v3_name())).into()),
        };
        if $obj.is_null() {
            return Err(Error::InvalidArgument("the data array is null".into()).into());
        }
        if !$env.is_instance_of(&$obj, sig)? {
            return Err(Error::Type(format!("the data array is not a {sig} array")).into());
        }
        match $mt {
            DataType::Bool => {
                type $elem = ::jni::sys::jboolean;
                let $arr: JPrimitiveArray<$elem> = $obj.into();
                $body
            }
            DataType::Int8 => {
                type $elem = ::jni::sys::jbyte;
                let $arr: JPrimitiveArray<$elem> = $obj.into();
                $body
            }
            DataType::Int16 => {
                type $elem = ::jni::sys::jshort;
                let $arr: JPrimitiveArray<$elem> = $obj.into();
                $body
            }
            DataType::Int32 => {
                type $elem = ::jni::sys::jint;
                let $arr: JPrimitiveArray<$elem> = $obj.into();
                $body
            }
            DataType::Int64 => {
                type $elem = ::jni::sys::jlong;
                let $arr: JPrimitiveArray<$elem> = $obj.into();
                $body
            }
            DataType::Float32 => {
                type $elem = ::jni::sys::jfloat;
                let $arr: JPrimitiveArray<$elem> = $obj.into();
                $body
            }
            _ => {
                type $elem = ::jni::sys::jdouble;
                let $arr: JPrimitiveArray<$elem> = $obj.into();
                $body
            }
        }
    }};
}

/// Copy `n` elements between a Java primitive array and a native buffer.
trait Region: Copy + Default + ::jni::objects::TypeArray {
    fn get_region(env: &JNIEnv, a: &JPrimitiveArray<Self>, buf: &mut [Self]) -> ::jni::errors::Result<()>;
    fn set_region(env: &JNIEnv, a: &JPrimitiveArray<Self>, buf: &[Self]) -> ::jni::errors::Result<()>;
}

macro_rules! region {
    ($t:ty, $get:ident, $set:ident) => {
        impl Region for $t {
            fn get_region(env: &JNIEnv, a: &JPrimitiveArray<Self>, buf: &mut [Self]) -> ::jni::errors::Result<()> {
                env.$get(a, 0, buf)
            }
            fn set_region(env: &JNIEnv, a: &JPrimitiveArray<Self>, buf: &[Self]) -> ::jni::errors::Result<()> {
                env.$set(a, 0, buf)
            }
        }
    };
}
region!(::jni::sys::jboolean, get_boolean_array_region, set_boolean_array_region);
region!(::jni::sys::jbyte, get_byte_array_region, set_byte_array_region);
region!(::jni::sys::jshort, get_short_array_region, set_short_array_region);
region!(::jni::sys::jint, get_int_array_region, set_int_array_region);
region!(::jni::sys::jlong, get_long_array_region, set_long_array_region);
region!(::jni::sys::jfloat, get_float_array_region, set_float_array_region);
region!(::jni::sys::jdouble, get_double_array_region, set_double_array_region);

fn check_len<T: ::jni::objects::TypeArray>(env: &JNIEnv, arr: &JPrimitiveArray<T>, n: usize) -> JResult<()> {
    if arr.is_null() {
        return Err(Error::InvalidArgument("the data array is null".into()).into());
    }
    let len = env.get_array_length(arr)? as usize;
    if len < n {
        return Err(Error::InvalidArgument(format!("array holds {len} elements, the selection needs {n}")).into());
    }
    Ok(())
}

fn read_region<T: Region>(
    env: &JNIEnv,
    arr: &JPrimitiveArray<T>,
    a: &Array,
    sel: &Selection,
    mt: DataType,
    n: usize,
) -> JResult<()> {
    check_len(env, arr, n)?;
    let mut buf: Vec<T> = try_vec(n)?;
    a.read(sel, mt, as_bytes_mut(&mut buf))?;
    T::set_region(env, arr, &buf)?;
    Ok(())
}

fn write_region<T: Region>(
    env: &JNIEnv,
    arr: &JPrimitiveArray<T>,
    a: &Array,
    sel: &Selection,
    mt: DataType,
    n: usize,
) -> JResult<()> {
    check_len(env, arr, n)?;
    let mut buf: Vec<T> = try_vec(n)?;
    T::get_region(env, arr, &mut buf)?;
    a.write(sel, mt, as_bytes(&buf))?;
    Ok(())
}

/// The bytes `[offset, offset + length)` of a direct buffer.
fn direct<'b>(env: &JNIEnv, buf: &JByteBuffer, offset: jint, length: jint) -> JResult<&'b mut [u8]> {
    if buf.is_null() {
        return Err(Error::InvalidArgument("the buffer is null".into()).into());
    }
    let addr = env
        .get_direct_buffer_address(buf)
        .map_err(|_| Error::InvalidArgument("the buffer is not a direct ByteBuffer".into()))?;
    let cap = env.get_direct_buffer_capacity(buf)?;
    let (off, len) = (offset as usize, length as usize);
    if offset < 0 || length < 0 || off.checked_add(len).is_none_or(|end| end > cap) {
        return Err(
            Error::InvalidArgument(format!("buffer range {offset}+{length} is outside its capacity {cap}")).into(),
        );
    }
    if len == 0 {
        return Ok(&mut []);
    }
    // SAFETY: the JVM gives the address of a direct buffer of `cap` bytes that
    // it never moves; [off, off + len) lies inside it (checked above). The
    // Java caller keeps the buffer reachable for the whole call
    // (Reference.reachabilityFence), so the memory outlives the slice.
    Ok(unsafe { std::slice::from_raw_parts_mut(addr.add(off), len) })
}

/// One fill value element of `dt` from a Java Number: `kind` 0 = none,
/// 1 = the integer `l`, 2 = the float `d` (converted with the netCDF rules).
fn fill_bytes(dt: DataType, kind: jint, l: jlong, d: jdouble) -> Result<Option<Vec<u8>>, Error> {
    let (src, st) = match kind {
        0 => return Ok(None),
        1 => (l.to_ne_bytes().to_vec(), DataType::Int64),
        2 => (d.to_ne_bytes().to_vec(), DataType::Float64),
        _ => return Err(Error::InvalidArgument(format!("fill kind {kind}"))),
    };
    let mut out = vec![0u8; dt.size()];
    convert::convert(&src, st, st.size(), &mut out, dt, dt.size(), 1).map_err(|e| e.context("fill value"))?;
    Ok(Some(out))
}

// ------------------------------------------------------------ entry points

/// The library version, e.g. "1.0.0".
#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_version<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>) -> jstring {
    entry(&mut env, std::ptr::null_mut(), |env| {
        new_string(env, env!("CARGO_PKG_VERSION"))
    })
}

#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_setNumThreads<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>, n: jint) {
    entry(&mut env, (), |_| Ok(crate::set_num_threads(args::thread_count(n)?)?))
}

/// Open a root group: `mode` as ZARR_READ/WRITE/CREATE, `format` 0 (default), 2 or 3.
#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_open<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    url: JString<'l>,
    mode: jint,
    format: jint,
) -> jlong {
    entry(&mut env, 0, |env| {
        let url = string(env, &url, "url")?;
        let mode = args::mode(mode)?;
        // 0: the default (v3 for a new hierarchy), as an absent option in C.
        let format = match format {
            0 => None,
            n => Some(args::zarr_format(n.into())?),
        };
        Ok(insert(Node::Group(Arc::new(Group::open_root(&url, mode, format)?))))
    })
}

#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_close<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>, h: jlong) {
    entry(&mut env, (), |_| Ok(crate::ffi::handles::remove(h)?))
}

#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_groupCreate<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    parent: jlong,
    path: JString<'l>,
    attrs: JString<'l>,
) -> jlong {
    entry(&mut env, 0, |env| {
        let path = string(env, &path, "path")?;
        let attrs = string_opt(env, &attrs, "attributes")?;
        let attrs = attrs
            .as_deref()
            .map(crate::array::attrs_from_json)
            .transpose()?
            .unwrap_or_default();
        let g = group(parent)?.create_group(&path, attrs)?;
        Ok(insert(Node::Group(Arc::new(g))))
    })
}

#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_groupOpen<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    parent: jlong,
    path: JString<'l>,
) -> jlong {
    entry(&mut env, 0, |env| {
        let path = string(env, &path, "path")?;
        Ok(insert(Node::Group(Arc::new(group(parent)?.open_group(&path)?))))
    })
}

#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_arrayOpen<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    parent: jlong,
    path: JString<'l>,
) -> jlong {
    entry(&mut env, 0, |env| {
        let path = string(env, &path, "path")?;
        Ok(insert(Node::Array(Arc::new(group(parent)?.open_array(&path)?))))
    })
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
extern "system" fn Java_io_github_libzarr_Native_arrayCreate<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    parent: jlong,
    path: JString<'l>,
    dtype: jint,
    shape: JLongArray<'l>,
    chunks: JLongArray<'l>,
    codecs: JString<'l>,
    fill_kind: jint,
    fill_long: jlong,
    fill_double: jdouble,
) -> jlong {
    entry(&mut env, 0, |env| {
        let path = string(env, &path, "path")?;
        let codecs = string_opt(env, &codecs, "codecs")?;
        let codecs = args::codec_list(codecs.as_deref(), "codecs")?;
        let dt = args::dtype(dtype)?;
        let shape = u64s(env, &shape, "shape")?.unwrap_or_default();
        let chunks = u64s(env, &chunks, "chunk shape")?.unwrap_or_default();
        let fill = fill_bytes(dt, fill_kind, fill_long, fill_double)?;
        let g = group(parent)?;
        let meta = g.simple_metadata(dt, &shape, &chunks, codecs.as_deref(), fill.as_deref())?;
        Ok(insert(Node::Array(Arc::new(g.create_array(&path, meta)?))))
    })
}

#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_arrayCreateJson<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    parent: jlong,
    path: JString<'l>,
    doc: JString<'l>,
) -> jlong {
    entry(&mut env, 0, |env| {
        let path = string(env, &path, "path")?;
        let doc = string(env, &doc, "metadata")?;
        Ok(insert(Node::Array(Arc::new(
            group(parent)?.create_array_json(&path, &doc)?,
        ))))
    })
}

#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_shape<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    h: jlong,
) -> jlongArray {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let a = array(h)?;
        a.check_exists()?;
        long_array(env, &a.shape())
    })
}

#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_chunkShape<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    h: jlong,
) -> jlongArray {
    entry(&mut env, std::ptr::null_mut(), |env| {
        long_array(env, &array(h)?.chunk_shape())
    })
}

#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_dtype<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>, h: jlong) -> jint {
    entry(&mut env, 0, |_| Ok(args::dtype_code(array(h)?.dtype())))
}

/// The fill value as one element of the stored type, native-endian bytes.
#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_fillValue<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    h: jlong,
) -> jbyteArray {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let meta = array(h)?.metadata();
        Ok(env.byte_array_from_slice(meta.fill_value.as_bytes())?.into_raw())
    })
}

/// The path of a group or array below the root ("" for the root).
#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_path<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>, h: jlong) -> jstring {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let p = match node(h)? {
            Node::Group(g) => g.path().to_owned(),
            Node::Array(a) => a.path().to_owned(),
        };
        new_string(env, &p)
    })
}

/// The Zarr format (2 or 3) of a group's hierarchy or of an array.
#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_format<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>, h: jlong) -> jint {
    entry(&mut env, 0, |_| {
        Ok(match node(h)? {
            Node::Group(g) => g.format().number() as jint,
            Node::Array(a) => a.metadata().format.number() as jint,
        })
    })
}

/// Dimension names as JSON: a list (entries may be null) or `null`.
#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_dimensionNames<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    h: jlong,
) -> jstring {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let a = array(h)?;
        a.check_exists()?;
        new_string(env, &serde_json::json!(a.dimension_names()).to_string())
    })
}

#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_setDimensionNames<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    h: jlong,
    names: JString<'l>,
) {
    entry(&mut env, (), |env| {
        let text = string(env, &names, "names")?;
        Ok(array(h)?.set_dimension_names(args::dimension_names(&text, "names")?)?)
    })
}

/// Attributes of a group or array as JSON object text.
#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_attributes<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    h: jlong,
) -> jstring {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let attrs = match node(h)? {
            Node::Group(g) => g.attributes()?,
            Node::Array(a) => {
                a.check_exists()?;
                a.metadata().checked_attributes()?.clone()
            }
        };
        new_string(env, &crate::metadata::json::to_text(&Value::Object(attrs)))
    })
}

#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_setAttributes<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    h: jlong,
    json: JString<'l>,
) {
    entry(&mut env, (), |env| {
        let attrs = crate::array::attrs_from_json(&string(env, &json, "attributes")?)?;
        match node(h)? {
            Node::Group(g) => g.set_attributes(attrs)?,
            Node::Array(a) => a.set_attributes(attrs)?,
        }
        Ok(())
    })
}

/// Members of a group as JSON `[{"name":..,"kind":"array"|"group"},..]`, sorted.
#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_list<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>, h: jlong) -> jstring {
    entry(&mut env, std::ptr::null_mut(), |env| {
        let v: Vec<Value> = group(h)?
            .list()?
            .iter()
            .map(|(n, k)| serde_json::json!({"name": n, "kind": k.as_str()}))
            .collect();
        new_string(env, &Value::Array(v).to_string())
    })
}

#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_delete<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    h: jlong,
    path: JString<'l>,
) {
    entry(&mut env, (), |env| {
        let path = string(env, &path, "path")?;
        Ok(group(h)?.delete(&path)?)
    })
}

#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_consolidate<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>, h: jlong) {
    entry(&mut env, (), |_| Ok(group(h)?.consolidate()?))
}

#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_resize<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    h: jlong,
    shape: JLongArray<'l>,
) {
    entry(&mut env, (), |env| {
        let shape = u64s(env, &shape, "shape")?.unwrap_or_default();
        Ok(array(h)?.resize(&shape)?)
    })
}

#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_setWriteEmptyChunks<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    h: jlong,
    enable: jboolean,
) {
    entry(&mut env, (), |_| {
        array(h)?.set_write_empty_chunks(enable != JNI_FALSE);
        Ok(())
    })
}

#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_writeEmptyChunks<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    h: jlong,
) -> jboolean {
    entry(&mut env, JNI_FALSE, |_| {
        Ok(if array(h)?.write_empty_chunks() {
            JNI_TRUE
        } else {
            JNI_FALSE
        })
    })
}

/// Read a hyperslab into a Java primitive array whose element type is
/// `mem_type` (BOOL boolean[], INT8 byte[], INT16 short[], INT32 int[],
/// INT64 long[], FLOAT32 float[], FLOAT64 double[]). `stride` may be null.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
extern "system" fn Java_io_github_libzarr_Native_read<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    h: jlong,
    start: JLongArray<'l>,
    count: JLongArray<'l>,
    stride: JLongArray<'l>,
    mem_type: jint,
    out: JObject<'l>,
) {
    entry(&mut env, (), |env| {
        let a = array(h)?;
        let (sel, mt, n) = selection(env, &a, &start, &count, &stride, mem_type)?;
        with_java_array!(env, mt, out, |arr: E| read_region::<E>(env, &arr, &a, &sel, mt, n))
    })
}

/// Write a hyperslab from a Java primitive array (types as for `read`).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
extern "system" fn Java_io_github_libzarr_Native_write<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    h: jlong,
    start: JLongArray<'l>,
    count: JLongArray<'l>,
    stride: JLongArray<'l>,
    mem_type: jint,
    input: JObject<'l>,
) {
    entry(&mut env, (), |env| {
        let a = array(h)?;
        let (sel, mt, n) = selection(env, &a, &start, &count, &stride, mem_type)?;
        with_java_array!(env, mt, input, |arr: E| write_region::<E>(env, &arr, &a, &sel, mt, n))
    })
}

/// Read a hyperslab straight into bytes `[offset, offset + length)` of a
/// direct ByteBuffer (native byte order, elements of `mem_type`; 0 = stored type).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
extern "system" fn Java_io_github_libzarr_Native_readDirect<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    h: jlong,
    start: JLongArray<'l>,
    count: JLongArray<'l>,
    stride: JLongArray<'l>,
    mem_type: jint,
    buf: JByteBuffer<'l>,
    offset: jint,
    length: jint,
) {
    entry(&mut env, (), |env| {
        let a = array(h)?;
        let (sel, mt, _) = selection(env, &a, &start, &count, &stride, mem_type)?;
        let out = direct(env, &buf, offset, length)?;
        Ok(a.read(&sel, mt, out)?)
    })
}

/// Write a hyperslab straight from bytes `[offset, offset + length)` of a direct ByteBuffer.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
extern "system" fn Java_io_github_libzarr_Native_writeDirect<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    h: jlong,
    start: JLongArray<'l>,
    count: JLongArray<'l>,
    stride: JLongArray<'l>,
    mem_type: jint,
    buf: JByteBuffer<'l>,
    offset: jint,
    length: jint,
) {
    entry(&mut env, (), |env| {
        let a = array(h)?;
        let (sel, mt, _) = selection(env, &a, &start, &count, &stride, mem_type)?;
        let input = direct(env, &buf, offset, length)?;
        Ok(a.write(&sel, mt, input)?)
    })
}

/// Create a sharded v3 array: shards of `shards`, inner chunks of `inner`
/// (fill as in `arrayCreate`).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
extern "system" fn Java_io_github_libzarr_Native_arrayCreateSharded<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    parent: jlong,
    path: JString<'l>,
    dtype: jint,
    shape: JLongArray<'l>,
    shards: JLongArray<'l>,
    inner: JLongArray<'l>,
    codecs: JString<'l>,
    fill_kind: jint,
    fill_long: jlong,
    fill_double: jdouble,
) -> jlong {
    entry(&mut env, 0, |env| {
        let path = string(env, &path, "path")?;
        let codecs = string_opt(env, &codecs, "codecs")?;
        let codecs = args::codec_list(codecs.as_deref(), "codecs")?;
        let dt = args::dtype(dtype)?;
        let shape = u64s(env, &shape, "shape")?.unwrap_or_default();
        let shards = u64s(env, &shards, "shard shape")?.unwrap_or_default();
        let inner = u64s(env, &inner, "inner chunk shape")?.unwrap_or_default();
        let fill = fill_bytes(dt, fill_kind, fill_long, fill_double)?;
        let g = group(parent)?;
        let meta = g.sharded_metadata(dt, &shape, &shards, &inner, codecs.as_deref(), fill.as_deref())?;
        Ok(insert(Node::Array(Arc::new(g.create_array(&path, meta)?))))
    })
}

/// Grow the array by `count` along `axis` and write the slab from a Java
/// primitive array (types as for `read`; its whole length is the slab).
#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_append<'l>(
    mut env: JNIEnv<'l>,
    _c: JClass<'l>,
    h: jlong,
    axis: jint,
    count: jlong,
    mem_type: jint,
    input: JObject<'l>,
) {
    entry(&mut env, (), |env| {
        let a = array(h)?;
        let axis = args::axis(axis)?;
        let count = args::non_negative(count, "count")?;
        let mt = args::dtype(mem_type)?;
        with_java_array!(env, mt, input, |arr: E| {
            let n = env.get_array_length(&arr)? as usize;
            let mut buf: Vec<E> = try_vec(n)?;
            E::get_region(env, &arr, &mut buf)?;
            a.append(axis, count, mt, as_bytes(&buf))?;
            Ok(())
        })
    })
}

/// How many handles are open (the Java tests check that the Cleaner closes
/// forgotten handles).
#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_openHandleCount<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>) -> jlong {
    entry(&mut env, 0, |_| Ok(crate::ffi::handles::count() as jlong))
}

/// A deliberate panic, to test that panics become exceptions (used by the
/// Java test-suite only; harmless otherwise).
#[no_mangle]
extern "system" fn Java_io_github_libzarr_Native_panicForTest<'l>(mut env: JNIEnv<'l>, _c: JClass<'l>) {
    entry(&mut env, (), |_| -> JResult<()> {
        panic!("panic requested by the test-suite")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_values_convert_with_the_netcdf_rules() {
        assert_eq!(fill_bytes(DataType::Int16, 0, 0, 0.0).unwrap(), None);
        assert_eq!(
            fill_bytes(DataType::Int16, 1, -7, 0.0).unwrap(),
            Some((-7i16).to_ne_bytes().to_vec())
        );
        assert_eq!(
            fill_bytes(DataType::Float32, 2, 0, -999.0).unwrap(),
            Some((-999f32).to_ne_bytes().to_vec())
        );
        assert!(matches!(fill_bytes(DataType::UInt8, 1, 300, 0.0), Err(Error::Range(_))));
        assert!(matches!(
            fill_bytes(DataType::Int32, 2, 0, f64::NAN),
            Err(Error::Range(_))
        ));
    }

    #[test]
    fn status_codes_match_the_c_header() {
        assert_eq!(status_of(&Error::Range("x".into())), -9);
        assert_eq!(status_of(&Error::BadHandle("x".into())), -4);
        assert_eq!(status_of(&Error::OutOfMemory("x".into())), -14);
    }
}
