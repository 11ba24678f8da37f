//! The netCDF view of a Zarr hierarchy: groups, dimensions, variables and
//! attributes, built once when a dataset is opened (and grown by define
//! calls when one is written).
//!
//! Dimension names come, in this order, from NCZarr's `_NCZARR_ARRAY` /
//! `_nczarr_array` dimension references (full paths such as `/sub/n`), the
//! array's own names (v3 `dimension_names`, v2 `_ARRAY_DIMENSIONS`), and
//! otherwise `_Anonymous_Dim_<len>` in the root group (NCZarr's spelling).
//! A named dimension is shared with one of the same name and length in the
//! array's group or an ancestor; a name already used there with another
//! length gets `_<len>` appended, so names never clash.

use crate::nc::*;
use serde_json::{Map, Value};
use zarr::{Array, DataType, Group};

/// An attribute's value: numeric elements as native bytes of `xtype`,
/// text as bytes (NC_CHAR), or strings (NC_STRING).
#[derive(Debug, Clone, PartialEq)]
pub enum AttData {
    Bytes(Vec<u8>),
    Strings(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Att {
    pub name: String,
    pub xtype: NcType,
    pub len: usize,
    pub data: AttData,
}

#[derive(Debug)]
pub struct Dim {
    pub name: String,
    pub len: u64,
    /// The group that defines it.
    #[allow(dead_code)]
    pub grp: usize,
    /// Grows with writes (netCDF's NC_UNLIMITED); Zarr arrays get resized.
    pub unlimited: bool,
}

#[derive(Debug)]
pub struct Var {
    pub name: String,
    pub array: Option<std::sync::Arc<Array>>,
    pub xtype: NcType,
    pub dimids: Vec<usize>,
    pub attrs: Vec<Att>,
    /// Chunk shape (set by nc_def_var_chunking before the array exists).
    pub chunks: Vec<u64>,
    /// The fill value as native bytes of `xtype`; None: no fill (v2 null).
    pub fill: Option<Vec<u8>>,
    /// Codec list chosen while defining (nc_def_var_deflate / quantize).
    pub codecs: Vec<Value>,
}

#[derive(Debug)]
pub struct Grp {
    pub name: String,
    /// Path in the Zarr hierarchy ("" for the root).
    pub path: String,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    pub dims: Vec<usize>,
    pub vars: Vec<Var>,
    pub attrs: Vec<Att>,
    pub group: Group,
}

#[derive(Debug)]
pub struct Dataset {
    pub groups: Vec<Grp>,
    pub dims: Vec<Dim>,
    pub writable: bool,
    pub define_mode: bool,
}

/// Attributes that carry Zarr or NCZarr bookkeeping, not user data.
pub fn is_internal_attr(name: &str) -> bool {
    matches!(name, "_ARRAY_DIMENSIONS" | "_NCProperties") || name.to_ascii_lowercase().starts_with("_nczarr")
}

/// The netCDF type of an array of `dt`. Times are their int64 counts
/// (NC_INT64); strings and byte strings have no mapping here yet, so such
/// a variable is refused by name instead of shown wrong.
pub fn nc_type_of(dt: DataType) -> zarr::Result<NcType> {
    Ok(match dt {
        DataType::Bool | DataType::UInt8 => NC_UBYTE,
        DataType::Int8 => NC_BYTE,
        DataType::Int16 => NC_SHORT,
        DataType::UInt16 => NC_USHORT,
        DataType::Int32 => NC_INT,
        DataType::UInt32 => NC_UINT,
        DataType::Int64 => NC_INT64,
        DataType::UInt64 => NC_UINT64,
        DataType::Float16 | DataType::Float32 => NC_FLOAT,
        DataType::Float64 => NC_DOUBLE,
        DataType::DateTime64(_) | DataType::TimeDelta64(_) => NC_INT64,
        DataType::String | DataType::FixedString(_) | DataType::Bytes(_) | DataType::VlenBytes => {
            return Err(zarr::Error::Unsupported(format!(
                "{} variables through the netCDF plugin",
                dt.v3_name()
            )))
        }
    })
}

/// The engine's memory type for a netCDF numeric type.
pub fn data_type_of(t: NcType) -> Option<DataType> {
    Some(match t {
        NC_BYTE => DataType::Int8,
        NC_UBYTE => DataType::UInt8,
        NC_SHORT => DataType::Int16,
        NC_USHORT => DataType::UInt16,
        NC_INT => DataType::Int32,
        NC_UINT => DataType::UInt32,
        NC_INT64 => DataType::Int64,
        NC_UINT64 => DataType::UInt64,
        NC_FLOAT => DataType::Float32,
        NC_DOUBLE => DataType::Float64,
        _ => return None,
    })
}

/// A numeric value on its way between types.
#[derive(Debug, Clone, Copy)]
pub enum Num {
    I(i128),
    F(f64),
}

pub fn load(t: NcType, b: &[u8]) -> Num {
    match t {
        NC_BYTE => Num::I(b[0] as i8 as i128),
        NC_UBYTE | NC_CHAR => Num::I(b[0] as i128),
        NC_SHORT => Num::I(i16::from_ne_bytes([b[0], b[1]]) as i128),
        NC_USHORT => Num::I(u16::from_ne_bytes([b[0], b[1]]) as i128),
        NC_INT => Num::I(i32::from_ne_bytes(b[..4].try_into().unwrap()) as i128),
        NC_UINT => Num::I(u32::from_ne_bytes(b[..4].try_into().unwrap()) as i128),
        NC_INT64 => Num::I(i64::from_ne_bytes(b[..8].try_into().unwrap()) as i128),
        NC_UINT64 => Num::I(u64::from_ne_bytes(b[..8].try_into().unwrap()) as i128),
        NC_FLOAT => Num::F(f32::from_ne_bytes(b[..4].try_into().unwrap()) as f64),
        _ => Num::F(f64::from_ne_bytes(b[..8].try_into().unwrap())),
    }
}

/// Store `v` as type `t`; false when it does not fit (netCDF's NC_ERANGE;
/// the value is still stored, converted as C would).
pub fn store(t: NcType, v: Num, out: &mut Vec<u8>) -> bool {
    macro_rules! int {
        ($ty:ty) => {{
            let (x, ok) = match v {
                Num::I(i) => (i as $ty, i >= <$ty>::MIN as i128 && i <= <$ty>::MAX as i128),
                Num::F(f) => (
                    f as $ty,
                    f.is_finite() && f >= <$ty>::MIN as f64 && f <= <$ty>::MAX as f64,
                ),
            };
            out.extend_from_slice(&x.to_ne_bytes());
            ok
        }};
    }
    match t {
        NC_BYTE => int!(i8),
        NC_UBYTE | NC_CHAR => int!(u8),
        NC_SHORT => int!(i16),
        NC_USHORT => int!(u16),
        NC_INT => int!(i32),
        NC_UINT => int!(u32),
        NC_INT64 => int!(i64),
        NC_UINT64 => int!(u64),
        NC_FLOAT => {
            let f = match v {
                Num::I(i) => i as f64,
                Num::F(f) => f,
            };
            out.extend_from_slice(&(f as f32).to_ne_bytes());
            !(f.is_finite() && (f as f32).is_infinite())
        }
        _ => {
            let f = match v {
                Num::I(i) => i as f64,
                Num::F(f) => f,
            };
            out.extend_from_slice(&f.to_ne_bytes());
            true
        }
    }
}

/// A numpy dtype string as NCZarr records attribute types ("<i4", "<U1").
fn nc_type_of_numpy(s: &str) -> Option<NcType> {
    let code = s.trim_start_matches(['<', '>', '|', '=']);
    Some(match code {
        "i1" => NC_BYTE,
        "u1" => NC_UBYTE,
        "i2" => NC_SHORT,
        "u2" => NC_USHORT,
        "i4" => NC_INT,
        "u4" => NC_UINT,
        "i8" => NC_INT64,
        "u8" => NC_UINT64,
        "f4" => NC_FLOAT,
        "f8" => NC_DOUBLE,
        "b1" | "?" => NC_UBYTE,
        c if c.starts_with('U') || c.starts_with('S') => NC_CHAR,
        _ => return None,
    })
}

fn json_num(v: &Value) -> Option<Num> {
    if let Some(i) = v.as_i64() {
        Some(Num::I(i as i128))
    } else if let Some(u) = v.as_u64() {
        Some(Num::I(u as i128))
    } else if let Some(f) = v.as_f64() {
        Some(Num::F(f))
    } else {
        match v {
            Value::Bool(b) => Some(Num::I(*b as i128)),
            // zarr-python's spellings of non-finite floats.
            Value::String(s) if s == "NaN" => Some(Num::F(f64::NAN)),
            Value::String(s) if s == "Infinity" => Some(Num::F(f64::INFINITY)),
            Value::String(s) if s == "-Infinity" => Some(Num::F(f64::NEG_INFINITY)),
            _ => None,
        }
    }
}

/// The smallest of int, int64, uint64 or double that holds all `nums`.
fn infer_type(nums: &[Num], any_bool: bool) -> NcType {
    if nums.iter().any(|n| matches!(n, Num::F(_))) {
        return NC_DOUBLE;
    }
    if any_bool {
        return NC_UBYTE;
    }
    let ints = nums.iter().map(|n| match n {
        Num::I(i) => *i,
        Num::F(_) => 0,
    });
    let (lo, hi) = ints.fold((0i128, 0i128), |(lo, hi), i| (lo.min(i), hi.max(i)));
    if lo >= i32::MIN as i128 && hi <= i32::MAX as i128 {
        NC_INT
    } else if hi <= i64::MAX as i128 {
        NC_INT64
    } else {
        NC_UINT64
    }
}

/// A JSON attribute value as a netCDF attribute. Strings are text; numbers
/// and lists of numbers are int, int64 or double (or `hint`, NCZarr's
/// recorded type); booleans ubyte; lists of strings NC_STRING; anything
/// else (objects, mixed lists) its JSON text. None for JSON null.
pub fn att_from_json(name: &str, v: &Value, hint: Option<NcType>) -> Option<Att> {
    let text = |s: &str| Att {
        name: name.to_owned(),
        xtype: NC_CHAR,
        len: s.len(),
        data: AttData::Bytes(s.as_bytes().to_vec()),
    };
    let items: Vec<&Value> = match v {
        Value::Null => return None,
        Value::String(s) if hint != Some(NC_FLOAT) && hint != Some(NC_DOUBLE) => return Some(text(s)),
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => return Some(text(&v.to_string())),
        other => vec![other],
    };
    if !items.is_empty() && items.iter().all(|i| i.is_string()) && hint.is_none() {
        return Some(Att {
            name: name.to_owned(),
            xtype: NC_STRING,
            len: items.len(),
            data: AttData::Strings(items.iter().map(|i| i.as_str().unwrap().to_owned()).collect()),
        });
    }
    let nums: Option<Vec<Num>> = items.iter().map(|i| json_num(i)).collect();
    let Some(nums) = nums else {
        return Some(text(&v.to_string()));
    };
    let any_bool = items.iter().any(|i| i.is_boolean());
    let xtype = match hint {
        Some(t) if t != NC_CHAR => t,
        _ => infer_type(&nums, any_bool),
    };
    let mut data = Vec::with_capacity(nums.len() * type_size(xtype).unwrap_or(8));
    for n in &nums {
        store(xtype, *n, &mut data);
    }
    Some(Att {
        name: name.to_owned(),
        xtype,
        len: nums.len(),
        data: AttData::Bytes(data),
    })
}

/// NCZarr's recorded attribute types (`_NCZARR_ATTR` / `_nczarr_attr`).
fn nczarr_types(attrs: &Map<String, Value>) -> Map<String, Value> {
    for k in ["_NCZARR_ATTR", "_nczarr_attr"] {
        if let Some(t) = attrs.get(k).and_then(|a| a.get("types")).and_then(Value::as_object) {
            return t.clone();
        }
    }
    Map::new()
}

pub fn atts_from_json(attrs: &Map<String, Value>, skip_fill: bool) -> Vec<Att> {
    let types = nczarr_types(attrs);
    attrs
        .iter()
        .filter(|(k, _)| !(is_internal_attr(k) || skip_fill && k.as_str() == "_FillValue"))
        .filter_map(|(k, v)| {
            let hint = types.get(k).and_then(Value::as_str).and_then(nc_type_of_numpy);
            att_from_json(k, v, hint)
        })
        .collect()
}

/// An attribute back to JSON for the Zarr side.
pub fn att_to_json(a: &Att) -> Value {
    match &a.data {
        AttData::Strings(s) if s.len() == 1 => Value::String(s[0].clone()),
        AttData::Strings(s) => Value::Array(s.iter().cloned().map(Value::String).collect()),
        AttData::Bytes(b) if a.xtype == NC_CHAR => {
            // netCDF text may end in NULs; JSON strings do not carry them.
            Value::String(String::from_utf8_lossy(b).trim_end_matches('\0').to_owned())
        }
        AttData::Bytes(b) => {
            let size = type_size(a.xtype).unwrap_or(1);
            let vals: Vec<Value> = b
                .chunks_exact(size)
                .map(|c| match load(a.xtype, c) {
                    Num::I(i) if i >= 0 => Value::from(i as u64),
                    Num::I(i) => Value::from(i as i64),
                    Num::F(f) if f.is_nan() => Value::from("NaN"),
                    Num::F(f) if f.is_infinite() => Value::from(if f > 0.0 { "Infinity" } else { "-Infinity" }),
                    // float32 values go out as the shortest decimal that reads back the same.
                    Num::F(f) if a.xtype == NC_FLOAT => {
                        let mut t = (f as f32).to_string();
                        if !t.contains(['.', 'e', 'E']) {
                            t.push_str(".0"); // stays a float for readers
                        }
                        serde_json::from_str(&t).unwrap_or(Value::Null)
                    }
                    Num::F(f) => Value::from(f),
                })
                .collect();
            if vals.len() == 1 {
                vals.into_iter().next().unwrap()
            } else {
                Value::Array(vals)
            }
        }
    }
}

fn half_to_f32(bits: u16) -> f32 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = ((bits >> 10) & 0x1f) as i32;
    let frac = (bits & 0x3ff) as f32;
    sign * match exp {
        0 => frac * 2f32.powi(-24),
        31 if frac == 0.0 => f32::INFINITY,
        31 => f32::NAN,
        e => (1.0 + frac / 1024.0) * 2f32.powi(e - 15),
    }
}

/// The array's fill value as native bytes of its netCDF type.
fn fill_bytes(a: &Array) -> Option<Vec<u8>> {
    let meta = a.metadata();
    if meta.fill_value.is_null {
        return None;
    }
    let b = meta.fill_value.as_bytes();
    Some(match meta.dtype {
        DataType::Float16 => half_to_f32(u16::from_ne_bytes([b[0], b[1]])).to_ne_bytes().to_vec(),
        _ => b.to_vec(),
    })
}

impl Dataset {
    pub fn new(root: Group, writable: bool) -> Self {
        Dataset {
            groups: vec![Grp {
                name: "/".into(),
                path: String::new(),
                parent: None,
                children: vec![],
                dims: vec![],
                vars: vec![],
                attrs: vec![],
                group: root,
            }],
            dims: vec![],
            writable,
            define_mode: false,
        }
    }

    /// Read the whole hierarchy below the root.
    pub fn load(root: Group, writable: bool) -> zarr::Result<Self> {
        let mut ds = Dataset::new(root, writable);
        ds.groups[0].attrs = atts_from_json(&ds.groups[0].group.attributes()?, false);
        ds.load_group(0)?;
        Ok(ds)
    }

    fn load_group(&mut self, gi: usize) -> zarr::Result<()> {
        let members = self.groups[gi].group.list()?;
        let mut children = vec![];
        for (name, kind) in members {
            match kind {
                zarr::NodeKind::Array => {
                    let a = self.groups[gi].group.open_array(&name)?;
                    self.add_var(gi, name, a)?;
                }
                zarr::NodeKind::Group => children.push(name),
            }
        }
        // Variables of a group first, so its dimensions exist before descendants look for them.
        for name in children {
            let g = self.groups[gi].group.open_group(&name)?;
            let attrs = atts_from_json(&g.attributes()?, false);
            let path = g.path().to_owned();
            let ci = self.groups.len();
            self.groups.push(Grp {
                name,
                path,
                parent: Some(gi),
                children: vec![],
                dims: vec![],
                vars: vec![],
                attrs,
                group: g,
            });
            self.groups[gi].children.push(ci);
            self.load_group(ci)?;
        }
        Ok(())
    }

    fn add_var(&mut self, gi: usize, name: String, a: Array) -> zarr::Result<()> {
        let meta = a.metadata();
        let shape = meta.shape.clone();
        let refs = nczarr_dimrefs(&meta.extra, &meta.attributes);
        let names = meta.dimension_names.clone();
        let mut dimids = vec![];
        for (d, &len) in shape.iter().enumerate() {
            let id = match (
                refs.as_ref().and_then(|r| r.get(d)),
                names.as_ref().and_then(|n| n[d].as_ref()),
            ) {
                (Some(r), _) => {
                    let (gpath, dname) = r.rsplit_once('/').unwrap_or(("", r.as_str()));
                    let owner = self.group_by_path(gpath.trim_start_matches('/')).unwrap_or(gi);
                    self.dim_for(owner, dname, len)
                }
                (None, Some(n)) => self.dim_for(gi, n, len),
                (None, None) => self.dim_for(0, &format!("_Anonymous_Dim_{len}"), len),
            };
            dimids.push(id);
        }
        let mut attrs = atts_from_json(&meta.attributes, true);
        let xtype = nc_type_of(meta.dtype).map_err(|e| e.context(format!("variable {}", a.path())))?;
        let fill = fill_bytes(&a);
        // No attribute when the fill is netCDF's default for the type: to
        // netCDF the two mean the same, and copies then dump identically.
        if let Some(f) = fill.as_ref().filter(|f| **f != crate::write::default_fill(xtype)) {
            attrs.insert(
                0,
                Att {
                    name: "_FillValue".into(),
                    xtype,
                    len: 1,
                    data: AttData::Bytes(f.clone()),
                },
            );
        }
        self.groups[gi].vars.push(Var {
            name,
            xtype,
            dimids,
            attrs,
            chunks: meta.chunk_shape.clone(),
            fill,
            codecs: vec![],
            array: Some(std::sync::Arc::new(a)),
        });
        Ok(())
    }

    /// Variable `varid` of group `gi`, or NC_ENOTVAR.
    pub fn var(&self, gi: usize, varid: std::ffi::c_int) -> Result<&Var, std::ffi::c_int> {
        usize::try_from(varid)
            .ok()
            .and_then(|i| self.groups[gi].vars.get(i))
            .ok_or(NC_ENOTVAR)
    }

    pub fn var_mut(&mut self, gi: usize, varid: std::ffi::c_int) -> Result<&mut Var, std::ffi::c_int> {
        usize::try_from(varid)
            .ok()
            .and_then(|i| self.groups[gi].vars.get_mut(i))
            .ok_or(NC_ENOTVAR)
    }

    /// The child group `name` of group `gi`.
    pub fn child(&self, gi: usize, name: &str) -> Option<usize> {
        self.groups[gi]
            .children
            .iter()
            .copied()
            .find(|&c| self.groups[c].name == name)
    }

    pub fn group_by_path(&self, path: &str) -> Option<usize> {
        self.groups.iter().position(|g| g.path == path)
    }

    /// A dimension `name` of length `len` seen from group `gi`: shared with
    /// one of the same name and length in `gi` or an ancestor, else defined
    /// in `gi` (renamed `name_<len>` if the name is taken there).
    pub fn dim_for(&mut self, gi: usize, name: &str, len: u64) -> usize {
        let mut g = Some(gi);
        while let Some(i) = g {
            if let Some(&d) = self.groups[i]
                .dims
                .iter()
                .find(|&&d| self.dims[d].name == name && self.dims[d].len == len)
            {
                return d;
            }
            g = self.groups[i].parent;
        }
        let mut unique = name.to_owned();
        while self.groups[gi].dims.iter().any(|&d| self.dims[d].name == unique) {
            unique = format!("{unique}_{len}");
        }
        self.dims.push(Dim {
            name: unique,
            len,
            grp: gi,
            unlimited: false,
        });
        self.groups[gi].dims.push(self.dims.len() - 1);
        self.dims.len() - 1
    }

    /// Full netCDF name of a group ("/", "/a/b").
    pub fn full_name(&self, gi: usize) -> String {
        if gi == 0 {
            return "/".into();
        }
        let mut parts = vec![];
        let mut g = Some(gi);
        while let Some(i) = g {
            if i != 0 {
                parts.push(self.groups[i].name.as_str());
            }
            g = self.groups[i].parent;
        }
        parts.reverse();
        format!("/{}", parts.join("/"))
    }
}

/// NCZarr's dimension references of an array, if it has them (in `.zarray`
/// as `_NCZARR_ARRAY`, or in the attributes as `_nczarr_array`).
fn nczarr_dimrefs(extra: &Map<String, Value>, attrs: &Map<String, Value>) -> Option<Vec<String>> {
    for src in [extra, attrs] {
        for k in ["_NCZARR_ARRAY", "_nczarr_array"] {
            let Some(obj) = src.get(k) else { continue };
            for key in ["dimrefs", "dimension_references"] {
                if let Some(list) = obj.get(key).and_then(Value::as_array) {
                    return list.iter().map(|v| v.as_str().map(str::to_owned)).collect();
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attribute_types() {
        let a = att_from_json("n", &json!(3), None).unwrap();
        assert_eq!((a.xtype, a.len), (NC_INT, 1));
        let a = att_from_json("n", &json!([1, 5_000_000_000i64]), None).unwrap();
        assert_eq!(a.xtype, NC_INT64);
        let a = att_from_json("n", &json!([1, 2.5]), None).unwrap();
        assert_eq!(a.xtype, NC_DOUBLE);
        assert_eq!(
            a.data,
            AttData::Bytes([1f64, 2.5].iter().flat_map(|v| v.to_ne_bytes()).collect())
        );
        let a = att_from_json("t", &json!("K"), None).unwrap();
        assert_eq!((a.xtype, a.len), (NC_CHAR, 1));
        let a = att_from_json("s", &json!(["a", "bc"]), None).unwrap();
        assert_eq!(a.data, AttData::Strings(vec!["a".into(), "bc".into()]));
        let a = att_from_json("o", &json!({"k": 1}), None).unwrap();
        assert_eq!(a.data, AttData::Bytes(br#"{"k":1}"#.to_vec()));
        assert!(att_from_json("z", &Value::Null, None).is_none());
        // NCZarr's recorded type wins.
        let a = att_from_json("f", &json!(-999), Some(NC_FLOAT)).unwrap();
        assert_eq!(a.data, AttData::Bytes((-999f32).to_ne_bytes().to_vec()));
        assert_eq!(att_to_json(&a), json!(-999.0));
        assert!(is_internal_attr("_NCZARR_ATTR") && is_internal_attr("_nczarr_array"));
    }

    #[test]
    fn conversions_report_range() {
        let mut out = vec![];
        assert!(!store(NC_BYTE, Num::I(300), &mut out));
        assert!(store(NC_SHORT, Num::F(-3.0), &mut out));
        assert!(!store(NC_FLOAT, Num::F(1e300), &mut out));
        assert!(store(NC_FLOAT, Num::F(f64::NAN), &mut out));
        assert_eq!(half_to_f32(0x3c00), 1.0);
        assert_eq!(half_to_f32(0xc000), -2.0);
        assert!(half_to_f32(0x7e00).is_nan());
    }
}
