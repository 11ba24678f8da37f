//! Single attributes with typed values, for bindings modelled on netCDF's
//! `nc_put_att` / `nc_get_att` (the Fortran module's `zarr_put_att` and
//! `zarr_get_att`). Attributes stay JSON: one value is stored as a JSON
//! scalar, several (or none) as a list; text is a JSON string. Reading
//! converts JSON numbers and booleans to the caller's type with the netCDF
//! rules of [`crate::array::convert`] (a value that does not fit is
//! [`Error::Range`]). Python's bare `NaN`, `Infinity` and `-Infinity` (read
//! as markers, see [`crate::metadata::json`]) are Float64 numbers here.

use crate::array::convert;
use crate::error::{Error, Result};
use crate::metadata::{json::special_float, DataType};
use crate::update::Change;
use serde_json::{Map, Number, Value};

/// The change that sets attribute `name` to `value`, for
/// `Group::update_attributes` / `Array::update_attributes`: one attribute
/// read-modify-written by compare-and-swap, so concurrent puts of other
/// attributes (threads, processes) are kept (`zarr_attr_put*`).
pub fn put(name: &str, value: Value) -> impl FnMut(&mut Map<String, Value>) -> Result<Change> + '_ {
    move |attrs| {
        if attrs.get(name) == Some(&value) {
            return Ok(Change::Keep);
        }
        attrs.insert(name.to_owned(), value.clone());
        Ok(Change::Write)
    }
}

/// The change that removes attribute `name` (missing: NotFound), as [`put`]
/// (`zarr_attr_delete`).
pub fn delete(name: &str) -> impl FnMut(&mut Map<String, Value>) -> Result<Change> + '_ {
    move |attrs| match attrs.shift_remove(name) {
        Some(_) => Ok(Change::Write),
        None => Err(Error::NotFound(format!("attribute \"{name}\""))),
    }
}

/// What an attribute holds, as far as typed access is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrKind {
    /// A JSON string of this many bytes (UTF-8, no terminator).
    Text(usize),
    /// `len` numbers (or booleans), all representable in `dtype`: Bool when
    /// all are booleans, Int64 when all are integers that fit it, UInt64
    /// when some integer needs it, else Float64. A scalar has `len` 1.
    Numbers(DataType, usize),
    /// Anything else (objects, null, nested or mixed lists): JSON only.
    Json,
}

/// A JSON number or a non-finite float read from Python's bare literals.
fn is_number(v: &Value) -> bool {
    v.is_number() || special_float(v).is_some()
}

/// Classify an attribute value.
pub fn kind(v: &Value) -> AttrKind {
    let items: &[Value] = match v {
        _ if special_float(v).is_some() => std::slice::from_ref(v),
        Value::String(s) => return AttrKind::Text(s.len()),
        Value::Array(a) => a,
        Value::Number(_) | Value::Bool(_) => std::slice::from_ref(v),
        _ => return AttrKind::Json,
    };
    if items.is_empty() {
        return AttrKind::Numbers(DataType::Float64, 0);
    }
    if items.iter().all(Value::is_boolean) {
        return AttrKind::Numbers(DataType::Bool, items.len());
    }
    if !items.iter().all(is_number) {
        return AttrKind::Json;
    }
    let dt = if items.iter().all(Value::is_i64) {
        DataType::Int64
    } else if items.iter().all(|x| x.is_i64() || x.is_u64()) {
        DataType::UInt64
    } else {
        DataType::Float64
    };
    AttrKind::Numbers(dt, items.len())
}

/// JSON for `bytes` holding values of `dt` (native endian): one value as a
/// scalar, others as a list. Floats are written in the shortest form that
/// reads back to the same value of their own type (a float32 0.1 is `0.1`);
/// NaN and infinities have no JSON form and are [`Error::InvalidArgument`].
pub fn to_json(dt: DataType, bytes: &[u8]) -> Result<Value> {
    if !dt.is_numeric() {
        return Err(Error::Type(format!("attribute values of type {}", dt.v3_name())));
    }
    let size = dt.size();
    if bytes.len() % size != 0 {
        return Err(Error::InvalidArgument(format!(
            "{} bytes are not a whole number of {} values",
            bytes.len(),
            dt.v3_name()
        )));
    }
    let one = |b: &[u8]| -> Result<Value> {
        let float = |x: f64, text: String| -> Result<Value> {
            if !x.is_finite() {
                return Err(Error::InvalidArgument(format!("attribute value {x} has no JSON form")));
            }
            // The shortest text of the value in its own type, read as f64.
            let v: f64 = text.parse().unwrap_or(x);
            Ok(Number::from_f64(v).map(Value::Number).unwrap_or(Value::Null))
        };
        Ok(match dt {
            DataType::Bool => Value::Bool(b[0] != 0),
            DataType::Int8 => (b[0] as i8).into(),
            DataType::Int16 => i16::from_ne_bytes(b.try_into().unwrap()).into(),
            DataType::Int32 => i32::from_ne_bytes(b.try_into().unwrap()).into(),
            DataType::Int64 => i64::from_ne_bytes(b.try_into().unwrap()).into(),
            DataType::UInt8 => b[0].into(),
            DataType::UInt16 => u16::from_ne_bytes(b.try_into().unwrap()).into(),
            DataType::UInt32 => u32::from_ne_bytes(b.try_into().unwrap()).into(),
            DataType::UInt64 => u64::from_ne_bytes(b.try_into().unwrap()).into(),
            DataType::Float16 => {
                let x = half::f16::from_ne_bytes(b.try_into().unwrap());
                float(x.to_f64(), x.to_string())?
            }
            DataType::Float32 => {
                let x = f32::from_ne_bytes(b.try_into().unwrap());
                float(x as f64, x.to_string())?
            }
            DataType::Float64 => {
                let x = f64::from_ne_bytes(b.try_into().unwrap());
                float(x, x.to_string())?
            }
            t => return Err(Error::Type(format!("attribute values of type {}", t.v3_name()))),
        })
    };
    let mut values = bytes.chunks_exact(size).map(one).collect::<Result<Vec<_>>>()?;
    if values.len() == 1 {
        Ok(values.pop().unwrap())
    } else {
        Ok(Value::Array(values))
    }
}

/// Convert a numeric (or boolean) attribute value to `mem_type` into `out`
/// (native endian), returning the number of values. Text and other JSON are
/// [`Error::Type`]; `out` too small is [`Error::InvalidArgument`]; a value
/// that does not fit `mem_type` is [`Error::Range`].
pub fn from_json(v: &Value, mem_type: DataType, out: &mut [u8]) -> Result<usize> {
    let n = match kind(v) {
        AttrKind::Numbers(_, n) => n,
        AttrKind::Text(_) => return Err(Error::Type("the attribute is text, not numbers".into())),
        AttrKind::Json => {
            return Err(Error::Type(
                "the attribute is not a number or list of numbers (read it as JSON)".into(),
            ))
        }
    };
    let size = mem_type.size();
    if out.len() < n * size {
        return Err(Error::InvalidArgument(format!(
            "the attribute has {n} values but the buffer holds {}",
            out.len() / size
        )));
    }
    let items: &[Value] = match v {
        Value::Array(a) => a,
        _ => std::slice::from_ref(v),
    };
    for (i, item) in items.iter().enumerate() {
        let (src_t, src): (DataType, [u8; 8]) = if let Some(b) = item.as_bool() {
            (DataType::Bool, [b as u8, 0, 0, 0, 0, 0, 0, 0])
        } else if let Some(x) = item.as_i64() {
            (DataType::Int64, x.to_ne_bytes())
        } else if let Some(x) = item.as_u64() {
            (DataType::UInt64, x.to_ne_bytes())
        } else {
            let x = special_float(item).or_else(|| item.as_f64()).unwrap_or(f64::NAN);
            (DataType::Float64, x.to_ne_bytes())
        };
        let dst = &mut out[i * size..(i + 1) * size];
        convert::convert(&src, src_t, src_t.size(), dst, mem_type, size, 1)
            .map_err(|e| e.context(format!("attribute value {i}")))?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds() {
        assert_eq!(kind(&json!("K")), AttrKind::Text(1));
        assert_eq!(kind(&json!(3)), AttrKind::Numbers(DataType::Int64, 1));
        assert_eq!(kind(&json!([1, 2.5])), AttrKind::Numbers(DataType::Float64, 2));
        assert_eq!(kind(&json!([1u64 << 63])), AttrKind::Numbers(DataType::UInt64, 1));
        assert_eq!(kind(&json!([true, false])), AttrKind::Numbers(DataType::Bool, 2));
        assert_eq!(kind(&json!([1, "a"])), AttrKind::Json);
        assert_eq!(kind(&json!({"a": 1})), AttrKind::Json);
        assert_eq!(kind(&json!([])), AttrKind::Numbers(DataType::Float64, 0));
    }

    #[test]
    fn python_nan_and_infinity_are_floats() {
        let v = crate::metadata::json::parse(b"{\"a\": NaN, \"b\": [1, -Infinity], \"t\": \"NaN\"}").unwrap();
        assert_eq!(kind(&v["a"]), AttrKind::Numbers(DataType::Float64, 1));
        assert_eq!(kind(&v["b"]), AttrKind::Numbers(DataType::Float64, 2));
        assert_eq!(kind(&v["t"]), AttrKind::Text(3));
        let mut out = [0u8; 16];
        assert_eq!(from_json(&v["a"], DataType::Float64, &mut out).unwrap(), 1);
        assert!(f64::from_ne_bytes(out[..8].try_into().unwrap()).is_nan());
        assert_eq!(from_json(&v["b"], DataType::Float32, &mut out).unwrap(), 2);
        assert_eq!(f32::from_ne_bytes(out[4..8].try_into().unwrap()), f32::NEG_INFINITY);
        // NaN has no integer value.
        assert!(matches!(
            from_json(&v["a"], DataType::Int32, &mut out),
            Err(Error::Range(_))
        ));
    }

    #[test]
    fn float32_shortest_and_round_trip() {
        let v = to_json(DataType::Float32, &0.1f32.to_ne_bytes()).unwrap();
        assert_eq!(v, json!(0.1));
        let mut out = [0u8; 4];
        assert_eq!(from_json(&v, DataType::Float32, &mut out).unwrap(), 1);
        assert_eq!(f32::from_ne_bytes(out), 0.1f32);
    }

    #[test]
    fn lists_ranges_and_errors() {
        let bytes: Vec<u8> = [1i16, -2, 300].iter().flat_map(|x| x.to_ne_bytes()).collect();
        let v = to_json(DataType::Int16, &bytes).unwrap();
        assert_eq!(v, json!([1, -2, 300]));
        let mut out = [0u8; 3];
        assert!(matches!(from_json(&v, DataType::Int8, &mut out), Err(Error::Range(_))));
        let mut out = [0u8; 24];
        assert_eq!(from_json(&v, DataType::Float64, &mut out).unwrap(), 3);
        assert_eq!(f64::from_ne_bytes(out[16..].try_into().unwrap()), 300.0);
        assert!(matches!(
            from_json(&v, DataType::Float64, &mut [0u8; 16]),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            from_json(&json!("x"), DataType::Int32, &mut [0u8; 4]),
            Err(Error::Type(_))
        ));
        assert!(to_json(DataType::Float64, &f64::NAN.to_ne_bytes()).is_err());
    }
}
