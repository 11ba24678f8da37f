//! `dump`: CDL in the style of ncdump, showing what netCDF programs see
//! through libzarr's netCDF plugin (netcdf/src/model.rs), so that
//! `zarrtool dump` and `ncdump` of the same store agree:
//! - dimensions come from NCZarr dimension references, else the array's
//!   dimension names (v3 `dimension_names`, v2 `_ARRAY_DIMENSIONS`), else
//!   `_Anonymous_Dim_<len>` in the root group; a name is shared with a
//!   dimension of the same name and length in the group or an ancestor, and
//!   a name taken with another length gets `_<len>` appended;
//! - types are netCDF's: bool is ubyte, float16 is float;
//! - attributes: strings are text, lists of strings `string`, numbers the
//!   smallest of int, int64, uint64 or double, booleans ubyte, anything else
//!   its JSON text; Zarr bookkeeping (`_ARRAY_DIMENSIONS`, `_nczarr*`) is
//!   hidden; `_FillValue` comes first, left out when it is netCDF's default
//!   fill for the type;
//! - data values equal to the fill value print as `_`, as in ncdump.
//!
//! Values are exact (the shortest text that reads back to the same value,
//! like `ncdump -p 9,17` but shorter), not rounded to ncdump's default 7 and
//! 15 significant digits.

use crate::open::{Item, Node};
use crate::slice::{self, Slab};
use crate::values::{self, cdl_float, for_each_block};
use crate::{Fail, R};
use serde_json::{Map, Value};
use std::fmt::Write as _;
use std::io::Write;
use zarr::{Array, DataType};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NcType {
    Byte,
    UByte,
    Short,
    UShort,
    Int,
    UInt,
    Int64,
    UInt64,
    Float,
    Double,
}

impl NcType {
    fn of(dt: DataType) -> NcType {
        use DataType::*;
        match dt {
            Bool | UInt8 => NcType::UByte,
            Int8 => NcType::Byte,
            Int16 => NcType::Short,
            UInt16 => NcType::UShort,
            Int32 => NcType::Int,
            UInt32 => NcType::UInt,
            // Times are int64 counts of their unit.
            Int64 | DateTime64(_) | TimeDelta64(_) => NcType::Int64,
            UInt64 => NcType::UInt64,
            Float16 | Float32 => NcType::Float,
            Float64 => NcType::Double,
            // Strings and bytes are not dumped yet (their reads are refused by type).
            String | FixedString(_) | Bytes(_) | VlenBytes => NcType::UByte,
        }
    }
    fn cdl_name(self) -> &'static str {
        use NcType::*;
        match self {
            Byte => "byte",
            UByte => "ubyte",
            Short => "short",
            UShort => "ushort",
            Int => "int",
            UInt => "uint",
            Int64 => "int64",
            UInt64 => "uint64",
            Float => "float",
            Double => "double",
        }
    }
    /// CDL's suffix for integer attribute values of this type.
    fn int_suffix(self) -> &'static str {
        use NcType::*;
        match self {
            Byte => "b",
            UByte => "UB",
            Short => "s",
            UShort => "US",
            UInt => "U",
            Int64 => "LL",
            UInt64 => "ULL",
            _ => "",
        }
    }
}

/// A number on its way to text.
#[derive(Debug, Clone, Copy)]
enum Num {
    I(i128),
    F(f64),
}

#[derive(Debug)]
enum AttVal {
    Text(String),
    Strings(Vec<String>),
    Nums(NcType, Vec<Num>),
}

#[derive(Debug)]
struct Att {
    name: String,
    val: AttVal,
}

fn is_internal_attr(name: &str) -> bool {
    matches!(name, "_ARRAY_DIMENSIONS" | "_NCProperties") || name.to_ascii_lowercase().starts_with("_nczarr")
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
            Value::String(s) if s == "NaN" => Some(Num::F(f64::NAN)),
            Value::String(s) if s == "Infinity" => Some(Num::F(f64::INFINITY)),
            Value::String(s) if s == "-Infinity" => Some(Num::F(f64::NEG_INFINITY)),
            _ => None,
        }
    }
}

/// The plugin's typing of a JSON attribute value.
fn att_from_json(name: &str, v: &Value) -> Option<Att> {
    let text = |s: String| Att {
        name: name.to_owned(),
        val: AttVal::Text(s),
    };
    let items: Vec<&Value> = match v {
        Value::Null => return None,
        Value::String(s) => return Some(text(s.clone())),
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => return Some(text(v.to_string())),
        other => vec![other],
    };
    if !items.is_empty() && items.iter().all(|i| i.is_string()) {
        return Some(Att {
            name: name.to_owned(),
            val: AttVal::Strings(items.iter().map(|i| i.as_str().unwrap().to_owned()).collect()),
        });
    }
    let Some(nums) = items.iter().map(|i| json_num(i)).collect::<Option<Vec<Num>>>() else {
        return Some(text(v.to_string()));
    };
    let t = if nums.iter().any(|n| matches!(n, Num::F(_))) {
        NcType::Double
    } else if items.iter().any(|i| i.is_boolean()) {
        NcType::UByte
    } else {
        let (lo, hi) = nums.iter().fold((0i128, 0i128), |(lo, hi), n| match n {
            Num::I(i) => (lo.min(*i), hi.max(*i)),
            Num::F(_) => (lo, hi),
        });
        if lo >= i32::MIN as i128 && hi <= i32::MAX as i128 {
            NcType::Int
        } else if hi <= i64::MAX as i128 {
            NcType::Int64
        } else {
            NcType::UInt64
        }
    };
    Some(Att {
        name: name.to_owned(),
        val: AttVal::Nums(t, nums),
    })
}

fn atts_from_json(attrs: &Map<String, Value>) -> Vec<Att> {
    attrs
        .iter()
        .filter(|(k, _)| !is_internal_attr(k) && k.as_str() != "_FillValue")
        .filter_map(|(k, v)| att_from_json(k, v))
        .collect()
}

/// CDL string escapes, as ncdump writes them.
fn quote(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            '\r' => o.push_str("\\r"),
            '\0' => o.push_str("\\0"),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn num_text(t: NcType, n: Num) -> String {
    match (t, n) {
        (NcType::Float, Num::F(f)) => cdl_float(f, true, true),
        (NcType::Float, Num::I(i)) => cdl_float(i as f64, true, true),
        (NcType::Double, Num::F(f)) => cdl_float(f, false, true),
        (NcType::Double, Num::I(i)) => cdl_float(i as f64, false, true),
        (t, Num::I(i)) => format!("{i}{}", t.int_suffix()),
        (t, Num::F(f)) => format!("{}{}", f as i128, t.int_suffix()),
    }
}

/// `owner:name = values ;` (owner "" for group attributes).
fn att_line(owner: &str, a: &Att) -> String {
    match &a.val {
        AttVal::Text(s) => format!("{owner}:{} = {} ;", a.name, quote(s)),
        AttVal::Strings(v) => format!(
            "string {owner}:{} = {} ;",
            a.name,
            v.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ")
        ),
        AttVal::Nums(t, v) => format!(
            "{owner}:{} = {} ;",
            a.name,
            v.iter().map(|n| num_text(*t, *n)).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// netCDF's default fill value of a type (what ncdump marks `_` when a
/// variable has no `_FillValue`).
fn default_fill(t: NcType) -> Num {
    use NcType::*;
    match t {
        Byte => Num::I(-127),
        UByte => Num::I(255),
        Short => Num::I(-32767),
        UShort => Num::I(65535),
        Int => Num::I(-2147483647),
        UInt => Num::I(4294967295),
        Int64 => Num::I(-9223372036854775806),
        UInt64 => Num::I(18446744073709551614),
        Float => Num::F(f32::from_bits(0x7cf0_0000) as f64),
        Double => Num::F(9.969_209_968_386_869e36),
    }
}

/// An element of memory type `mem` as a number.
fn load(mem: DataType, b: &[u8]) -> Num {
    use DataType::*;
    match mem {
        Bool | UInt8 => Num::I(b[0] as i128),
        Int8 => Num::I(b[0] as i8 as i128),
        Int16 => Num::I(i16::from_ne_bytes([b[0], b[1]]) as i128),
        UInt16 => Num::I(u16::from_ne_bytes([b[0], b[1]]) as i128),
        Int32 => Num::I(i32::from_ne_bytes(b[..4].try_into().unwrap()) as i128),
        UInt32 => Num::I(u32::from_ne_bytes(b[..4].try_into().unwrap()) as i128),
        Int64 | DateTime64(_) | TimeDelta64(_) => Num::I(i64::from_ne_bytes(b[..8].try_into().unwrap()) as i128),
        UInt64 => Num::I(u64::from_ne_bytes(b[..8].try_into().unwrap()) as i128),
        Float16 | Float32 => Num::F(f32::from_ne_bytes(b[..4].try_into().unwrap()) as f64),
        Float64 => Num::F(f64::from_ne_bytes(b[..8].try_into().unwrap())),
        String | FixedString(_) | Bytes(_) | VlenBytes => Num::I(b.first().copied().unwrap_or(0) as i128),
    }
}

/// ncdump's test for the fill mark: equal, or both NaN.
fn is_fill(v: Num, fill: Num) -> bool {
    match (v, fill) {
        (Num::I(a), Num::I(b)) => a == b,
        (Num::F(a), Num::F(b)) => a == b || (a.is_nan() && b.is_nan()),
        _ => false,
    }
}

struct Dim {
    name: String,
    len: u64,
}

struct Var<'a> {
    name: String,
    array: &'a Array,
    nc: NcType,
    dimids: Vec<usize>,
    attrs: Vec<Att>,
    /// What ncdump marks `_`.
    fill: Num,
}

struct Grp<'a> {
    name: String,
    /// Path below the dumped node ("" for it).
    path: String,
    parent: Option<usize>,
    children: Vec<usize>,
    dims: Vec<usize>,
    vars: Vec<Var<'a>>,
    attrs: Vec<Att>,
}

struct Dataset<'a> {
    groups: Vec<Grp<'a>>,
    dims: Vec<Dim>,
}

/// NCZarr's dimension references of an array (full paths such as `/g/time`).
fn nczarr_dimrefs(meta: &zarr::metadata::ArrayMetadata) -> Option<Vec<String>> {
    for src in [&meta.extra, &meta.attributes] {
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

impl<'a> Dataset<'a> {
    fn dim_for(&mut self, gi: usize, name: &str, len: u64) -> usize {
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
        self.dims.push(Dim { name: unique, len });
        self.groups[gi].dims.push(self.dims.len() - 1);
        self.dims.len() - 1
    }

    fn add_var(&mut self, gi: usize, name: String, a: &'a Array) {
        let meta = a.metadata();
        let refs = nczarr_dimrefs(&meta);
        let mut dimids = vec![];
        for (d, &len) in meta.shape.iter().enumerate() {
            let named = meta.dimension_names.as_ref().and_then(|n| n[d].clone());
            let id = match (refs.as_ref().and_then(|r| r.get(d)), named) {
                (Some(r), _) => {
                    let (gpath, dname) = r.rsplit_once('/').unwrap_or(("", r.as_str()));
                    let gpath = gpath.trim_start_matches('/');
                    let owner = self.groups.iter().position(|g| g.path == gpath).unwrap_or(gi);
                    self.dim_for(owner, dname, len)
                }
                (None, Some(n)) => self.dim_for(gi, &n, len),
                (None, None) => self.dim_for(0, &format!("_Anonymous_Dim_{len}"), len),
            };
            dimids.push(id);
        }
        let nc = NcType::of(meta.dtype);
        let mem = values::mem_type(meta.dtype);
        let mut attrs = atts_from_json(&meta.attributes);
        let fill = if meta.fill_value.is_null {
            default_fill(nc)
        } else {
            let mut b = vec![0u8; mem.size()];
            zarr::array::convert::convert(
                meta.fill_value.as_bytes(),
                meta.dtype,
                meta.dtype.size(),
                &mut b,
                mem,
                mem.size(),
                1,
            )
            .map(|_| load(mem, &b))
            .unwrap_or(default_fill(nc))
        };
        let is_default = match (fill, default_fill(nc)) {
            (Num::I(a), Num::I(b)) => a == b,
            (Num::F(a), Num::F(b)) => a.to_bits() == b.to_bits(),
            _ => false,
        };
        if !meta.fill_value.is_null && !is_default {
            attrs.insert(
                0,
                Att {
                    name: "_FillValue".into(),
                    val: AttVal::Nums(nc, vec![fill]),
                },
            );
        }
        self.groups[gi].vars.push(Var {
            name,
            array: a,
            nc,
            dimids,
            attrs,
            fill,
        });
    }
}

/// Every item of the tree, kept alive while the dataset borrows its arrays.
struct Tree {
    items: Vec<Item>,
    /// For each item: its parent's index.
    parent: Vec<Option<usize>>,
}

fn collect(item: Item) -> R<Tree> {
    let mut t = Tree {
        items: vec![],
        parent: vec![],
    };
    fn rec(t: &mut Tree, item: Item, parent: Option<usize>) -> R<()> {
        let members = item.members()?;
        t.items.push(item);
        t.parent.push(parent);
        let me = t.items.len() - 1;
        for m in members {
            rec(t, m, Some(me))?;
        }
        Ok(())
    }
    rec(&mut t, item, None)?;
    Ok(t)
}

fn build<'a>(tree: &'a Tree, root_var_name: &str) -> R<Dataset<'a>> {
    let mut ds = Dataset {
        groups: vec![],
        dims: vec![],
    };
    let root = &tree.items[0];
    ds.groups.push(Grp {
        name: "/".into(),
        path: String::new(),
        parent: None,
        children: vec![],
        dims: vec![],
        vars: vec![],
        attrs: vec![],
    });
    if let Node::Array(a) = &root.node {
        ds.add_var(0, root_var_name.to_owned(), a);
        return Ok(ds);
    }
    ds.groups[0].attrs = atts_from_json(&root.attributes()?);
    load_group(tree, &mut ds, 0, 0)?;
    Ok(ds)
}

/// Arrays of a group first (in name order), then its groups: the plugin's
/// order, which decides where shared dimensions are defined.
fn load_group<'a>(tree: &'a Tree, ds: &mut Dataset<'a>, item: usize, gi: usize) -> R<()> {
    let kids: Vec<usize> = (0..tree.items.len())
        .filter(|&i| tree.parent[i] == Some(item))
        .collect();
    for &k in &kids {
        if let Node::Array(a) = &tree.items[k].node {
            ds.add_var(gi, tree.items[k].name().to_owned(), a);
        }
    }
    for &k in &kids {
        if matches!(tree.items[k].node, Node::Array(_)) {
            continue;
        }
        let it = &tree.items[k];
        let ci = ds.groups.len();
        ds.groups.push(Grp {
            name: it.name().to_owned(),
            path: it.rel.clone(),
            parent: Some(gi),
            children: vec![],
            dims: vec![],
            vars: vec![],
            attrs: atts_from_json(&it.attributes()?),
        });
        ds.groups[gi].children.push(ci);
        load_group(tree, ds, k, ci)?;
    }
    Ok(())
}

/// ncdump's dataset name: the last part of the URL, without its extension.
fn dataset_name(url: &str) -> String {
    let u = url.split(['#', '?']).next().unwrap_or(url).trim_end_matches('/');
    let last = u.rsplit('/').next().unwrap_or(u);
    let stem = match last.rfind('.') {
        Some(i) if i > 0 => &last[..i],
        _ => last,
    };
    if stem.is_empty() {
        "zarr".into()
    } else {
        stem.to_owned()
    }
}

struct Printer<'a, 'b> {
    ds: &'b Dataset<'a>,
    header_only: bool,
    wanted: &'b [String],
    slice: Option<&'b str>,
    out: &'b mut dyn Write,
}

impl Printer<'_, '_> {
    fn var_path(&self, gi: usize, name: &str) -> String {
        let p = &self.ds.groups[gi].path;
        if p.is_empty() {
            name.to_owned()
        } else {
            format!("{p}/{name}")
        }
    }

    fn wants(&self, gi: usize, name: &str) -> bool {
        if self.wanted.is_empty() {
            return true;
        }
        let full = self.var_path(gi, name);
        self.wanted
            .iter()
            .any(|w| w.trim_start_matches('/') == full || (!w.contains('/') && w == name))
    }

    fn group(&mut self, gi: usize, depth: usize) -> R<()> {
        let ind = "  ".repeat(depth);
        let g = &self.ds.groups[gi];
        if !g.dims.is_empty() {
            writeln!(self.out, "{ind}dimensions:")?;
            for &d in &g.dims {
                let dim = &self.ds.dims[d];
                writeln!(self.out, "{ind}\t{} = {} ;", dim.name, dim.len)?;
            }
        }
        if !g.vars.is_empty() {
            writeln!(self.out, "{ind}variables:")?;
            for v in &g.vars {
                let dims: Vec<&str> = v.dimids.iter().map(|&d| self.ds.dims[d].name.as_str()).collect();
                if dims.is_empty() {
                    writeln!(self.out, "{ind}\t{} {} ;", v.nc.cdl_name(), v.name)?;
                } else {
                    writeln!(self.out, "{ind}\t{} {}({}) ;", v.nc.cdl_name(), v.name, dims.join(", "))?;
                }
                for a in &v.attrs {
                    writeln!(self.out, "{ind}\t\t{}", att_line(&v.name, a))?;
                }
            }
        }
        if !g.attrs.is_empty() {
            let what = if gi == 0 { "global" } else { "group" };
            writeln!(self.out, "\n{ind}// {what} attributes:")?;
            for a in &g.attrs {
                writeln!(self.out, "{ind}\t\t{}", att_line("", a))?;
            }
        }
        if !self.header_only && g.vars.iter().any(|v| self.wants(gi, &v.name)) {
            writeln!(self.out, "{ind}data:")?;
            for v in &g.vars {
                if self.wants(gi, &v.name) {
                    writeln!(self.out)?;
                    self.data(v, &ind)?;
                }
            }
        }
        for &c in &g.children.clone() {
            writeln!(self.out, "\n{ind}group: {} {{", self.ds.groups[c].name)?;
            self.group(c, depth + 1)?;
            writeln!(self.out, "{ind}  }} // group {}", self.ds.groups[c].name)?;
        }
        Ok(())
    }

    fn data(&mut self, v: &Var, ind: &str) -> R<()> {
        let a = v.array;
        let shape = a.shape();
        let slab = match self.slice {
            Some(s) => slice::parse(s, &shape).map_err(|e| match e {
                Fail::Usage(m) => Fail::Usage(format!("variable {}: {m}", v.name)),
                other => other,
            })?,
            None => Slab::all(&shape),
        };
        let mem = values::mem_type(a.dtype());
        let ms = mem.size();
        // Rank >= 2: one row of the last dimension per line, as ncdump.
        let row = if shape.len() >= 2 {
            slab.count[shape.len() - 1] as usize
        } else {
            0
        };
        let total: u64 = slab.count.iter().product();
        if let Some(s) = self.slice {
            writeln!(self.out, "{ind} // {}[{s}]", v.name)?;
        }
        if row > 0 {
            // Rows are not indented with the group, as in ncdump.
            write!(self.out, "{ind} {} =\n  ", v.name)?;
        } else {
            write!(self.out, "{ind} {} = ", v.name)?;
        }
        let mut n = 0u64;
        let mut line = String::new();
        let out = &mut *self.out;
        for_each_block(a, &slab, mem, |buf| {
            for e in buf.chunks_exact(ms) {
                let val = load(mem, e);
                let text = if is_fill(val, v.fill) {
                    "_".to_owned()
                } else {
                    values::cdl(mem, e)
                };
                n += 1;
                line.push_str(&text);
                if n < total {
                    line.push(',');
                    if row > 0 && n % row as u64 == 0 {
                        writeln!(out, "{line}")?;
                        line.clear();
                        write!(out, "  ")?;
                    } else if row == 0 && line.len() > 72 {
                        writeln!(out, "{line}")?;
                        line.clear();
                        write!(out, "    ")?;
                    } else {
                        line.push(' ');
                    }
                }
            }
            Ok(())
        })?;
        writeln!(self.out, "{line} ;")?;
        Ok(())
    }
}

pub fn dump(item: Item, url: &str, header_only: bool, wanted: &[String], slice: Option<&str>) -> R<()> {
    let name = dataset_name(url);
    let tree = collect(item)?;
    let ds = build(&tree, &name)?;
    // Every name asked for must be a variable, as in ncdump.
    for w in wanted {
        let found = ds.groups.iter().enumerate().any(|(gi, g)| {
            g.vars.iter().any(|v| {
                let full = if ds.groups[gi].path.is_empty() {
                    v.name.clone()
                } else {
                    format!("{}/{}", ds.groups[gi].path, v.name)
                };
                w.trim_start_matches('/') == full || (!w.contains('/') && *w == v.name)
            })
        });
        if !found {
            return Err(Fail::Zarr(zarr::Error::NotFound(format!("variable \"{w}\""))));
        }
    }
    let mut buf = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let mut head = String::new();
    let _ = writeln!(head, "netcdf {name} {{");
    buf.write_all(head.as_bytes())?;
    let mut p = Printer {
        ds: &ds,
        header_only,
        wanted,
        slice,
        out: &mut buf,
    };
    p.group(0, 0)?;
    writeln!(buf, "}}")?;
    buf.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn attribute_text() {
        let a = att_from_json("levels", &json!([1, 2, 3])).unwrap();
        assert_eq!(att_line("", &a), ":levels = 1, 2, 3 ;");
        let a = att_from_json("scale", &json!(0.5)).unwrap();
        assert_eq!(att_line("t", &a), "t:scale = 0.5 ;");
        let a = att_from_json("big", &json!(5_000_000_000i64)).unwrap();
        assert_eq!(att_line("", &a), ":big = 5000000000LL ;");
        let a = att_from_json("s", &json!(["a", "b\"c"])).unwrap();
        assert_eq!(att_line("v", &a), "string v:s = \"a\", \"b\\\"c\" ;");
        let a = att_from_json("flag", &json!(true)).unwrap();
        assert_eq!(att_line("", &a), ":flag = 1UB ;");
        assert_eq!(dataset_name("file:///tmp/x/run.zarr/"), "run");
        assert_eq!(dataset_name("s3://bucket"), "bucket");
    }
}
