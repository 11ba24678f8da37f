//! Writing through the plugin: nc_create, the define calls, nc_put_var*.
//!
//! A variable's Zarr array is created when define mode ends (nc_enddef, or
//! the first data call, as netCDF-4 does), from what the define calls set:
//! chunking (default: the whole variable, halved until a chunk is at most
//! 4 MiB; 1 along an unlimited dimension), compression (deflate: `gzip` in
//! v3, `zlib` in v2; `nc_def_var_filter` with zstd (32015) or deflate (1);
//! shuffle: numcodecs `shuffle`), quantization (bitround), byte order, and
//! the fill value (netCDF's default fill for the type unless `_FillValue`
//! or nc_def_var_fill says otherwise). Attributes are written when define
//! mode ends and at sync/close. Unlimited dimensions grow with the writes:
//! every array using one is resized to its new length.
//!
//! New hierarchies are Zarr v3 unless the path's `#mode=` words include
//! `v2` (or `zarr2`).

use crate::model::{att_to_json, is_internal_attr, Att, AttData, Dataset, Var};
use crate::nc::*;
use crate::{guard, lock, log, lookup, name_arg, nc_err, put, selection_args};
use serde_json::{json, Map, Value};
use std::ffi::{c_char, c_int, c_void};
use std::sync::{Arc, Mutex};

const NC_UNLIMITED: usize = 0;
const NC_QUANTIZE_BITGROOM: c_int = 1;
const NC_QUANTIZE_GRANULARBR: c_int = 2;
const NC_QUANTIZE_BITROUND: c_int = 3;
const NC_ENDIAN_BIG: c_int = 2;
const H5Z_FILTER_DEFLATE: u32 = 1;
const H5Z_FILTER_ZSTD: u32 = 32015;
const NC_ENOFILTER: c_int = -136;

/// netCDF's default fill value of a type, as native bytes.
pub fn default_fill(t: NcType) -> Vec<u8> {
    match t {
        NC_BYTE => (-127i8).to_ne_bytes().to_vec(),
        NC_UBYTE => 255u8.to_ne_bytes().to_vec(),
        NC_SHORT => (-32767i16).to_ne_bytes().to_vec(),
        NC_USHORT => 65535u16.to_ne_bytes().to_vec(),
        NC_INT => (-2147483647i32).to_ne_bytes().to_vec(),
        NC_UINT => 4294967295u32.to_ne_bytes().to_vec(),
        NC_INT64 => (-9223372036854775806i64).to_ne_bytes().to_vec(),
        NC_UINT64 => 18446744073709551614u64.to_ne_bytes().to_vec(),
        NC_FLOAT => 9.969_21e36_f32.to_ne_bytes().to_vec(),
        _ => 9.969_209_968_386_869e36_f64.to_ne_bytes().to_vec(),
    }
}

/// (quantize mode, nsd) of a variable, from its bitround codec.
pub fn quantize_of(v: &Var) -> (c_int, c_int) {
    for c in &v.codecs {
        if c.get("id").and_then(Value::as_str) == Some("bitround") {
            let k = c.get("keepbits").and_then(Value::as_i64).unwrap_or(0);
            return (NC_QUANTIZE_BITROUND, k as c_int);
        }
    }
    (0, 0)
}

fn writable(ds: &Dataset) -> Result<(), c_int> {
    if ds.writable {
        Ok(())
    } else {
        Err(NC_EPERM)
    }
}

/// Writable and in define mode: what nc_def_dim, nc_def_var and nc_def_grp need.
fn defining(ds: &Dataset) -> Result<(), c_int> {
    writable(ds)?;
    if ds.define_mode {
        Ok(())
    } else {
        Err(NC_ENOTINDEFINE)
    }
}

/// A variable may change its storage only before its array exists.
fn definable(v: &Var) -> Result<(), c_int> {
    match v.array {
        None => Ok(()),
        Some(_) => Err(NC_ELATEDEF),
    }
}

const NC_ELATEDEF: c_int = -123;

/// Run a define call on variable `varid` of group `ncid`: the dataset must
/// be writable and the variable's array not yet created. `f` gets the
/// variable and whether the hierarchy is Zarr v2.
#[track_caller]
fn define_var(ncid: c_int, varid: c_int, f: impl FnOnce(&mut Var, bool) -> Result<(), c_int>) -> c_int {
    guard(|| {
        let (ds, gi) = lookup(ncid)?;
        let mut ds = lock(&ds);
        writable(&ds)?;
        let v2 = is_v2(&ds);
        let v = ds.var_mut(gi, varid)?;
        definable(v)?;
        f(v, v2)
    })
}

fn is_v2(ds: &Dataset) -> bool {
    ds.groups[0].group.format() == zarr::ZarrFormat::V2
}

/// Default chunks: the whole variable, halving the longest side until a
/// chunk is at most 4 MiB; 1 along unlimited dimensions.
fn default_chunks(shape: &[u64], unlimited: &[bool], elem: usize) -> Vec<u64> {
    let mut c: Vec<u64> = shape
        .iter()
        .zip(unlimited)
        .map(|(&s, &u)| if u { 1 } else { s.max(1) })
        .collect();
    while c.iter().product::<u64>() * elem as u64 > 4 << 20 {
        let (i, _) = c.iter().enumerate().max_by_key(|(_, &v)| v).unwrap();
        if c[i] == 1 {
            break;
        }
        c[i] = c[i].div_ceil(2);
    }
    c
}

/// Create the arrays of variables defined since the last enddef.
fn end_define(ds: &mut Dataset) -> Result<(), c_int> {
    if !ds.define_mode {
        return Ok(());
    }
    let v2 = is_v2(ds);
    for gi in 0..ds.groups.len() {
        for vi in 0..ds.groups[gi].vars.len() {
            if ds.groups[gi].vars[vi].array.is_some() {
                continue;
            }
            let v = &ds.groups[gi].vars[vi];
            let dtype = crate::model::data_type_of(v.xtype).ok_or(NC_EBADTYPE)?;
            let shape: Vec<u64> = v.dimids.iter().map(|&d| ds.dims[d].len).collect();
            let names: Vec<Option<String>> = v.dimids.iter().map(|&d| Some(ds.dims[d].name.clone())).collect();
            let fill = v.fill.clone().unwrap_or_else(|| default_fill(v.xtype));
            let g = &ds.groups[gi].group;
            let meta = g
                .simple_metadata(dtype, &shape, &v.chunks, Some(&v.codecs), Some(&fill))
                .map_err(nc_err)?;
            let a = g.create_array(&v.name, meta).map_err(nc_err)?;
            if !names.is_empty() {
                a.set_dimension_names(Some(names)).map_err(nc_err)?;
            }
            let _ = v2;
            ds.groups[gi].vars[vi].array = Some(Arc::new(a));
        }
    }
    ds.define_mode = false;
    write_attributes(ds)
}

/// Change the attributes of a variable or group of a writable dataset;
/// outside define mode they are written at once.
fn edit_atts(ncid: c_int, varid: c_int, f: impl FnOnce(&mut Vec<Att>) -> Result<(), c_int>) -> Result<(), c_int> {
    crate::with_atts(
        ncid,
        varid,
        |atts, writable| if writable { f(atts) } else { Err(NC_EPERM) },
    )?;
    let (ds, _) = lookup(ncid)?;
    let ds = lock(&ds);
    if ds.define_mode {
        Ok(())
    } else {
        write_attributes(&ds)
    }
}

fn merged(existing: Map<String, Value>, atts: &[Att], skip_fill: bool) -> Map<String, Value> {
    let mut m: Map<String, Value> = existing.into_iter().filter(|(k, _)| is_internal_attr(k)).collect();
    for a in atts {
        if skip_fill && a.name == "_FillValue" {
            continue;
        }
        m.insert(a.name.clone(), att_to_json(a));
    }
    m
}

fn write_attributes(ds: &Dataset) -> Result<(), c_int> {
    for g in &ds.groups {
        let m = merged(g.group.attributes().map_err(nc_err)?, &g.attrs, false);
        if m != g.group.attributes().map_err(nc_err)? {
            g.group.set_attributes(m).map_err(nc_err)?;
        }
        for v in &g.vars {
            if let Some(a) = &v.array {
                let m = merged(a.attributes(), &v.attrs, true);
                if m != a.attributes() {
                    a.set_attributes(m).map_err(nc_err)?;
                }
            }
        }
    }
    Ok(())
}

/// End define mode and write attributes (sync and close).
pub fn finish(ds: &mut Dataset) -> Result<(), c_int> {
    if !ds.writable {
        return Ok(());
    }
    end_define(ds)?;
    write_attributes(ds)
}

/// A read of a variable with no array yet: all fill value.
pub fn fill_out(
    ds: &Arc<Mutex<Dataset>>,
    gi: usize,
    vi: usize,
    mem: NcType,
    n: usize,
    value: *mut c_void,
) -> Result<(), c_int> {
    let ds = lock(ds);
    let v = &ds.groups[gi].vars[vi];
    let fill = v.fill.clone().unwrap_or_else(|| default_fill(v.xtype));
    let mut one = vec![];
    crate::model::store(mem, crate::num_of(v.xtype, &fill), &mut one);
    if value.is_null() {
        return Err(NC_EINVAL);
    }
    for i in 0..n {
        // SAFETY: netCDF's contract: value holds n elements of memtype.
        unsafe { std::ptr::copy_nonoverlapping(one.as_ptr(), (value as *mut u8).add(i * one.len()), one.len()) };
    }
    Ok(())
}

#[no_mangle]
pub unsafe extern "C" fn zn_create(
    path: *const c_char,
    cmode: c_int,
    _initialsz: usize,
    _basepe: c_int,
    _hint: *mut usize,
    _params: *mut c_void,
    _table: *const c_void,
    ncid: c_int,
) -> c_int {
    guard(|| {
        // SAFETY: NUL-terminated path from netCDF-C.
        let path = unsafe { name_arg(path) }?;
        let (url, words) = crate::parse_path(path);
        let format = if words.iter().any(|w| w == "v2" || w == "zarr2") {
            zarr::ZarrFormat::V2
        } else {
            zarr::ZarrFormat::V3
        };
        if let Ok(existing) = zarr::Group::open_root(&url, zarr::Mode::Write, None) {
            if cmode & NC_NOCLOBBER != 0 {
                log(&format!("{url} exists and NC_NOCLOBBER was given"));
                return Err(NC_EEXIST);
            }
            // NC_CLOBBER: the old hierarchy goes.
            for (name, _) in existing.list().map_err(nc_err)? {
                existing.delete(&name).map_err(nc_err)?;
            }
            if existing.format() != format {
                log(&format!(
                    "{url} holds a Zarr v{} hierarchy; clobbering keeps that format",
                    existing.format().number()
                ));
            }
            existing.set_attributes(Map::new()).map_err(nc_err)?;
        }
        let root = zarr::Group::open_root(&url, zarr::Mode::Create, Some(format)).map_err(nc_err)?;
        let mut ds = Dataset::new(root, true);
        ds.define_mode = true;
        crate::datasets().insert(crate::ext(ncid), Arc::new(Mutex::new(ds)));
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn zn_redef(ncid: c_int) -> c_int {
    guard(|| {
        let (ds, _) = lookup(ncid)?;
        let mut ds = lock(&ds);
        writable(&ds)?;
        if ds.define_mode {
            return Err(NC_EINDEFINE);
        }
        ds.define_mode = true;
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn zn__enddef(ncid: c_int, _a: usize, _b: usize, _c: usize, _d: usize) -> c_int {
    guard(|| {
        let (ds, _) = lookup(ncid)?;
        let mut ds = lock(&ds);
        if !ds.define_mode {
            return Err(NC_ENOTINDEFINE);
        }
        end_define(&mut ds)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_set_fill(ncid: c_int, fillmode: c_int, old: *mut c_int) -> c_int {
    guard(|| {
        let (ds, _) = lookup(ncid)?;
        writable(&lock(&ds))?;
        // Zarr always has a fill value; NC_NOFILL changes nothing stored.
        // SAFETY: out-pointer from netCDF-C.
        unsafe { put(old, 0) };
        let _ = fillmode & NC_NOFILL;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_def_dim(ncid: c_int, name: *const c_char, len: usize, idp: *mut c_int) -> c_int {
    guard(|| {
        // SAFETY: NUL-terminated name from netCDF-C.
        let name = unsafe { name_arg(name) }?;
        let (ds, gi) = lookup(ncid)?;
        let mut ds = lock(&ds);
        defining(&ds)?;
        if ds.groups[gi].dims.iter().any(|&d| ds.dims[d].name == name) {
            return Err(NC_ENAMEINUSE);
        }
        ds.dims.push(crate::model::Dim {
            name: name.to_owned(),
            len: len as u64,
            grp: gi,
            unlimited: len == NC_UNLIMITED,
        });
        let id = ds.dims.len() - 1;
        ds.groups[gi].dims.push(id);
        // SAFETY: out-pointer from netCDF-C.
        unsafe { put(idp, id as c_int) };
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_def_var(
    ncid: c_int,
    name: *const c_char,
    xtype: NcType,
    ndims: c_int,
    dimidsp: *const c_int,
    varidp: *mut c_int,
) -> c_int {
    guard(|| {
        // SAFETY: NUL-terminated name from netCDF-C.
        let name = unsafe { name_arg(name) }?;
        let (ds, gi) = lookup(ncid)?;
        let mut ds = lock(&ds);
        defining(&ds)?;
        if crate::model::data_type_of(xtype).is_none() {
            log(&format!(
                "variable \"{name}\": type {} is not supported (numeric types only; Zarr has no netCDF char or string arrays here)",
                type_size(xtype).map_or("?", |_| ATOMIC[xtype as usize].0)
            ));
            return Err(NC_EBADTYPE);
        }
        if ds.groups[gi].vars.iter().any(|v| v.name == name) || ds.child(gi, name).is_some() {
            return Err(NC_ENAMEINUSE);
        }
        let n = usize::try_from(ndims).map_err(|_| NC_EINVAL)?;
        if n > 0 && dimidsp.is_null() {
            return Err(NC_EINVAL);
        }
        // SAFETY: dimidsp holds ndims entries.
        let dimids: Vec<usize> = (0..n).map(|i| unsafe { *dimidsp.add(i) }).map(|d| d as usize).collect();
        if dimids.iter().any(|&d| d >= ds.dims.len()) {
            return Err(NC_EBADDIM);
        }
        let shape: Vec<u64> = dimids.iter().map(|&d| ds.dims[d].len).collect();
        let unlimited: Vec<bool> = dimids.iter().map(|&d| ds.dims[d].unlimited).collect();
        let chunks = default_chunks(&shape, &unlimited, type_size(xtype).unwrap_or(8));
        ds.groups[gi].vars.push(Var {
            name: name.to_owned(),
            array: None,
            xtype,
            dimids,
            attrs: vec![],
            chunks,
            fill: None,
            codecs: vec![],
        });
        // SAFETY: out-pointer from netCDF-C.
        unsafe { put(varidp, (ds.groups[gi].vars.len() - 1) as c_int) };
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_def_var_fill(ncid: c_int, varid: c_int, no_fill: c_int, fill: *const c_void) -> c_int {
    define_var(ncid, varid, |v, _| {
        if no_fill == 0 && !fill.is_null() {
            let size = type_size(v.xtype).ok_or(NC_EBADTYPE)?;
            // SAFETY: fill points at one value of the variable's type.
            let b = unsafe { std::slice::from_raw_parts(fill as *const u8, size) }.to_vec();
            set_fill_att(v, b);
        }
        Ok(())
    })
}

fn set_fill_att(v: &mut Var, b: Vec<u8>) {
    v.fill = Some(b.clone());
    v.attrs.retain(|a| a.name != "_FillValue");
    v.attrs.insert(
        0,
        Att {
            name: "_FillValue".into(),
            xtype: v.xtype,
            len: 1,
            data: AttData::Bytes(b),
        },
    );
}

#[no_mangle]
pub unsafe extern "C" fn zn_put_att(
    ncid: c_int,
    varid: c_int,
    name: *const c_char,
    xtype: NcType,
    len: usize,
    value: *const c_void,
    memtype: NcType,
) -> c_int {
    guard(|| {
        // SAFETY: NUL-terminated name from netCDF-C.
        let name = unsafe { name_arg(name) }?;
        let (ds, gi) = lookup(ncid)?;
        let mut ds = lock(&ds);
        writable(&ds)?;
        let size = type_size(xtype).ok_or(NC_EBADTYPE)?;
        let mem = if memtype == NC_NAT { xtype } else { memtype };
        let msize = type_size(mem).ok_or(NC_EBADTYPE)?;
        if len > 0 && value.is_null() {
            return Err(NC_EINVAL);
        }
        let data = if xtype == NC_STRING {
            let p = value as *const *const c_char;
            // SAFETY: value holds len C strings.
            let s: Result<Vec<String>, c_int> = (0..len)
                .map(|i| unsafe { name_arg(*p.add(i)) }.map(str::to_owned))
                .collect();
            AttData::Strings(s?)
        } else {
            if (xtype == NC_CHAR) != (mem == NC_CHAR) {
                return Err(NC_ECHAR);
            }
            // SAFETY: value holds len elements of memtype.
            let raw = unsafe { std::slice::from_raw_parts(value as *const u8, len * msize) };
            let mut out = Vec::with_capacity(len * size);
            let mut range = false;
            if mem == xtype {
                out.extend_from_slice(raw);
            } else {
                for c in raw.chunks_exact(msize) {
                    range |= !crate::model::store(xtype, crate::model::load(mem, c), &mut out);
                }
            }
            if range {
                return Err(NC_ERANGE);
            }
            AttData::Bytes(out)
        };
        let att = Att {
            name: name.to_owned(),
            xtype,
            len,
            data,
        };
        if varid == NC_GLOBAL {
            let atts = &mut ds.groups[gi].attrs;
            match atts.iter_mut().find(|a| a.name == name) {
                Some(a) => *a = att,
                None => atts.push(att),
            }
            if !ds.define_mode {
                write_attributes(&ds)?;
            }
            return Ok(());
        }
        let define = ds.define_mode;
        let v = ds.var_mut(gi, varid)?;
        if name == "_FillValue" {
            definable(v)?;
            if xtype != v.xtype || len != 1 {
                return Err(NC_EBADTYPE);
            }
            let AttData::Bytes(b) = att.data else {
                return Err(NC_EBADTYPE);
            };
            set_fill_att(v, b);
            return Ok(());
        }
        match v.attrs.iter_mut().find(|a| a.name == name) {
            Some(a) => *a = att,
            None => v.attrs.push(att),
        }
        if !define {
            write_attributes(&ds)?;
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_del_att(ncid: c_int, varid: c_int, name: *const c_char) -> c_int {
    guard(|| {
        // SAFETY: NUL-terminated name from netCDF-C.
        let name = unsafe { name_arg(name) }?;
        edit_atts(ncid, varid, |atts| {
            let i = atts.iter().position(|a| a.name == name).ok_or(NC_ENOTATT)?;
            atts.remove(i);
            Ok(())
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_rename_att(
    ncid: c_int,
    varid: c_int,
    name: *const c_char,
    newname: *const c_char,
) -> c_int {
    guard(|| {
        // SAFETY: NUL-terminated names from netCDF-C.
        let (name, newname) = unsafe { (name_arg(name)?, name_arg(newname)?) };
        edit_atts(ncid, varid, |atts| {
            if atts.iter().any(|a| a.name == newname) {
                return Err(NC_ENAMEINUSE);
            }
            let a = atts.iter_mut().find(|a| a.name == name).ok_or(NC_ENOTATT)?;
            a.name = newname.to_owned();
            Ok(())
        })
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_rename_unsupported(_ncid: c_int, _id: c_int, _name: *const c_char) -> c_int {
    log("renaming dimensions and variables is not supported through the plugin");
    NC_ENOTBUILT
}

#[no_mangle]
pub unsafe extern "C" fn zn_rename_grp(_ncid: c_int, _name: *const c_char) -> c_int {
    log("renaming groups is not supported through the plugin");
    NC_ENOTBUILT
}

#[no_mangle]
pub unsafe extern "C" fn zn_def_grp(parent: c_int, name: *const c_char, new_ncid: *mut c_int) -> c_int {
    guard(|| {
        // SAFETY: NUL-terminated name from netCDF-C.
        let name = unsafe { name_arg(name) }?;
        let (ds, gi) = lookup(parent)?;
        let mut ds = lock(&ds);
        defining(&ds)?;
        if ds.child(gi, name).is_some() || ds.groups[gi].vars.iter().any(|v| v.name == name) {
            return Err(NC_ENAMEINUSE);
        }
        if ds.groups.len() >= 0xffff {
            return Err(NC_EINVAL);
        }
        let g = ds.groups[gi].group.create_group(name, Map::new()).map_err(nc_err)?;
        let path = g.path().to_owned();
        ds.groups.push(crate::model::Grp {
            name: name.to_owned(),
            path,
            parent: Some(gi),
            children: vec![],
            dims: vec![],
            vars: vec![],
            attrs: vec![],
            group: g,
        });
        let ci = ds.groups.len() - 1;
        ds.groups[gi].children.push(ci);
        // SAFETY: out-pointer from netCDF-C.
        unsafe { put(new_ncid, crate::ext(parent) | ci as c_int) };
        Ok(())
    })
}

/// Replace the codec named `id` (numcodecs id) in a variable's list, or add it.
fn set_codec(v: &mut Var, id: &str, codec: Option<Value>) {
    v.codecs.retain(|c| {
        c.get("id").and_then(Value::as_str) != Some(id) && c.get("name").and_then(Value::as_str) != Some(id)
    });
    if let Some(c) = codec {
        v.codecs.push(c);
    }
    // Filters first (quantize, shuffle), then compressors, then checksums.
    let rank = |c: &Value| match c.get("id").or(c.get("name")).and_then(Value::as_str) {
        Some("bitround") => 0,
        Some("shuffle") => 1,
        Some("crc32c") => 3,
        _ => 2,
    };
    v.codecs.sort_by_key(rank);
}

fn deflate_codec(v2: bool, level: c_int) -> Value {
    if v2 {
        json!({"id": "zlib", "level": level})
    } else {
        json!({"name": "gzip", "configuration": {"level": level}})
    }
}

#[no_mangle]
pub extern "C" fn zn_def_var_deflate(ncid: c_int, varid: c_int, shuffle: c_int, deflate: c_int, level: c_int) -> c_int {
    define_var(ncid, varid, |v, v2| {
        if deflate != 0 && !(0..=9).contains(&level) {
            return Err(NC_EINVAL);
        }
        let elem = type_size(v.xtype).unwrap_or(1);
        set_codec(
            v,
            "shuffle",
            (shuffle != 0).then(|| json!({"id": "shuffle", "elementsize": elem})),
        );
        let id = if v2 { "zlib" } else { "gzip" };
        set_codec(v, id, (deflate != 0).then(|| deflate_codec(v2, level)));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_def_var_filter(
    ncid: c_int,
    varid: c_int,
    id: u32,
    nparams: usize,
    params: *const u32,
) -> c_int {
    define_var(ncid, varid, |v, v2| {
        // SAFETY: params holds nparams values.
        let first = (nparams > 0 && !params.is_null()).then(|| unsafe { *params } as i32);
        match id {
            H5Z_FILTER_DEFLATE => set_codec(
                v,
                if v2 { "zlib" } else { "gzip" },
                Some(deflate_codec(v2, first.unwrap_or(6))),
            ),
            H5Z_FILTER_ZSTD => set_codec(v, "zstd", Some(json!({"id": "zstd", "level": first.unwrap_or(3)}))),
            other => {
                log(&format!(
                    "HDF5 filter {other} has no Zarr codec here (deflate 1 and zstd 32015 do)"
                ));
                return Err(NC_ENOFILTER);
            }
        }
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn zn_def_var_fletcher32(ncid: c_int, varid: c_int, on: c_int) -> c_int {
    define_var(ncid, varid, |v, _| {
        // Zarr's checksum is crc32c; it stands in for HDF5's fletcher32.
        set_codec(v, "crc32c", (on != 0).then(|| json!({"name": "crc32c"})));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_def_var_chunking(ncid: c_int, varid: c_int, storage: c_int, chunks: *const usize) -> c_int {
    guard(|| {
        let (ds, gi) = lookup(ncid)?;
        let mut ds = lock(&ds);
        writable(&ds)?;
        let shape: Vec<u64> = {
            let v = ds.var_mut(gi, varid)?;
            definable(v)?;
            v.dimids.clone().iter().map(|&d| d as u64).collect()
        };
        let lens: Vec<u64> = shape.iter().map(|&d| ds.dims[d as usize].len.max(1)).collect();
        let v = ds.var_mut(gi, varid)?;
        if storage == NC_CONTIGUOUS {
            v.chunks = lens;
            return Ok(());
        }
        if chunks.is_null() {
            return Ok(());
        }
        // SAFETY: chunks holds ndims sizes.
        let c: Vec<u64> = (0..v.dimids.len()).map(|i| unsafe { *chunks.add(i) } as u64).collect();
        if c.contains(&0) {
            return Err(crate::nc::NC_EINVAL);
        }
        v.chunks = c;
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn zn_def_var_endian(ncid: c_int, varid: c_int, endian: c_int) -> c_int {
    define_var(ncid, varid, |v, _| {
        let e = if endian == NC_ENDIAN_BIG { "big" } else { "little" };
        set_codec(
            v,
            "bytes",
            Some(json!({"name": "bytes", "configuration": {"endian": e}})),
        );
        Ok(())
    })
}

#[no_mangle]
pub extern "C" fn zn_def_var_quantize(ncid: c_int, varid: c_int, mode: c_int, nsd: c_int) -> c_int {
    define_var(ncid, varid, |v, _| {
        if v.xtype != NC_FLOAT && v.xtype != NC_DOUBLE {
            return Err(NC_EINVAL);
        }
        // Significant decimal digits become mantissa bits (log2 10 per digit).
        let keepbits = match mode {
            0 => None,
            NC_QUANTIZE_BITROUND => Some(nsd),
            NC_QUANTIZE_BITGROOM | NC_QUANTIZE_GRANULARBR => {
                Some((nsd as f64 * std::f64::consts::LOG2_10).ceil() as c_int)
            }
            _ => return Err(NC_EINVAL),
        };
        let max = if v.xtype == NC_FLOAT { 23 } else { 52 };
        if keepbits.is_some_and(|k| k < 1 || k > max) {
            return Err(NC_EINVAL);
        }
        set_codec(
            v,
            "bitround",
            keepbits.map(|k| json!({"id": "bitround", "keepbits": k})),
        );
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn zn_put_vars(
    ncid: c_int,
    varid: c_int,
    start: *const usize,
    count: *const usize,
    stride: *const isize,
    value: *const c_void,
    memtype: NcType,
) -> c_int {
    guard(|| {
        let (ds, gi) = lookup(ncid)?;
        let mut ds = lock(&ds);
        writable(&ds)?;
        // netCDF-4 leaves define mode by itself when data is written.
        end_define(&mut ds)?;
        let (xtype, dimids) = {
            let v = ds.var(gi, varid)?;
            (v.xtype, v.dimids.clone())
        };
        let mem = if memtype == NC_NAT { xtype } else { memtype };
        if mem == NC_CHAR {
            return Err(NC_ECHAR);
        }
        let mtype = crate::model::data_type_of(mem).ok_or(NC_EBADTYPE)?;
        let n = dimids.len();
        // Unlimited dimensions grow to take the write.
        if n > 0 && !start.is_null() && !count.is_null() {
            for (i, &d) in dimids.iter().enumerate() {
                if !ds.dims[d].unlimited {
                    continue;
                }
                // SAFETY: ndims entries each.
                let (s, c, st) = unsafe {
                    (
                        *start.add(i) as u64,
                        *count.add(i) as u64,
                        if stride.is_null() {
                            1
                        } else {
                            (*stride.add(i)).max(1) as u64
                        },
                    )
                };
                let end = if c == 0 { s } else { s + (c - 1) * st + 1 };
                if end > ds.dims[d].len {
                    grow(&mut ds, d, end)?;
                }
            }
        }
        let shape: Vec<u64> = dimids.iter().map(|&d| ds.dims[d].len).collect();
        // SAFETY: ndims entries each.
        let (st, ct, sd) = unsafe { selection_args(&shape, start, count, stride) }?;
        let total: u64 = ct.iter().product();
        if total == 0 {
            return Ok(());
        }
        if value.is_null() {
            return Err(NC_EINVAL);
        }
        let a = ds.var(gi, varid)?.array.clone().ok_or(NC_EINTERNAL)?;
        drop(ds);
        let sel = zarr::Selection::new(&shape, &st, &ct, sd.as_deref()).map_err(nc_err)?;
        // SAFETY: value holds the product of count elements of memtype.
        let input = unsafe { std::slice::from_raw_parts(value as *const u8, total as usize * mtype.size()) };
        a.write(&sel, mtype, input).map_err(nc_err)
    })
}

/// Grow unlimited dimension `d` to `len`, resizing every array that uses it.
fn grow(ds: &mut Dataset, d: usize, len: u64) -> Result<(), c_int> {
    ds.dims[d].len = len;
    for g in &ds.groups {
        for v in &g.vars {
            if let (Some(a), true) = (&v.array, v.dimids.contains(&d)) {
                let shape: Vec<u64> = v.dimids.iter().map(|&x| ds.dims[x].len).collect();
                a.resize(&shape).map_err(nc_err)?;
            }
        }
    }
    Ok(())
}

#[no_mangle]
pub unsafe extern "C" fn zn_put_vara(
    ncid: c_int,
    varid: c_int,
    start: *const usize,
    count: *const usize,
    value: *const c_void,
    memtype: NcType,
) -> c_int {
    // SAFETY: same contract as zn_put_vars, with unit strides.
    unsafe { zn_put_vars(ncid, varid, start, count, std::ptr::null(), value, memtype) }
}
