//! Data types of stored arrays and of caller memory, and fill values.

use crate::error::{Error, Result};
use serde_json::Value;

/// An element type. The same enum names stored types and memory types; the
/// numbering of [`DataType::code`] is the C ABI's `ZARR_BOOL`..`ZARR_FLOAT16`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataType {
    Bool,
    Int8,
    Int16,
    Int32,
    Int64,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Float32,
    Float64,
    Float16,
}

/// Byte order of stored data (memory is always native).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endian {
    Little,
    Big,
}

impl Endian {
    pub const NATIVE: Endian = if cfg!(target_endian = "little") {
        Endian::Little
    } else {
        Endian::Big
    };
}

pub const ALL_TYPES: [DataType; 12] = [
    DataType::Bool,
    DataType::Int8,
    DataType::Int16,
    DataType::Int32,
    DataType::Int64,
    DataType::UInt8,
    DataType::UInt16,
    DataType::UInt32,
    DataType::UInt64,
    DataType::Float32,
    DataType::Float64,
    DataType::Float16,
];

impl DataType {
    pub fn size(self) -> usize {
        use DataType::*;
        match self {
            Bool | Int8 | UInt8 => 1,
            Int16 | UInt16 | Float16 => 2,
            Int32 | UInt32 | Float32 => 4,
            Int64 | UInt64 | Float64 => 8,
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, DataType::Float16 | DataType::Float32 | DataType::Float64)
    }

    /// The C ABI type code (ZARR_BOOL = 1 ... ZARR_FLOAT16 = 12).
    pub fn code(self) -> i32 {
        ALL_TYPES.iter().position(|t| *t == self).unwrap() as i32 + 1
    }

    pub fn from_code(code: i32) -> Option<DataType> {
        if code >= 1 && (code as usize) <= ALL_TYPES.len() {
            Some(ALL_TYPES[code as usize - 1])
        } else {
            None
        }
    }

    /// The v3 `data_type` name.
    pub fn v3_name(self) -> &'static str {
        use DataType::*;
        match self {
            Bool => "bool",
            Int8 => "int8",
            Int16 => "int16",
            Int32 => "int32",
            Int64 => "int64",
            UInt8 => "uint8",
            UInt16 => "uint16",
            UInt32 => "uint32",
            UInt64 => "uint64",
            Float32 => "float32",
            Float64 => "float64",
            Float16 => "float16",
        }
    }

    pub fn from_v3_name(name: &str) -> Result<DataType> {
        ALL_TYPES
            .iter()
            .copied()
            .find(|t| t.v3_name() == name)
            .ok_or_else(|| Error::Unsupported(format!("data type \"{name}\"")))
    }

    /// The v2 (numpy) dtype string, e.g. `<i4`, `|b1`.
    pub fn v2_name(self, endian: Endian) -> String {
        use DataType::*;
        let (kind, size) = match self {
            Bool => ('b', 1),
            Int8 => ('i', 1),
            UInt8 => ('u', 1),
            Int16 => ('i', 2),
            Int32 => ('i', 4),
            Int64 => ('i', 8),
            UInt16 => ('u', 2),
            UInt32 => ('u', 4),
            UInt64 => ('u', 8),
            Float16 => ('f', 2),
            Float32 => ('f', 4),
            Float64 => ('f', 8),
        };
        let order = if size == 1 {
            '|'
        } else if endian == Endian::Little {
            '<'
        } else {
            '>'
        };
        format!("{order}{kind}{size}")
    }

    /// Parse a v2 dtype string into a type and its stored byte order.
    pub fn from_v2_name(s: &str) -> Result<(DataType, Endian)> {
        use DataType::*;
        let unsupported = || Error::Unsupported(format!("data type \"{s}\""));
        let mut chars = s.chars();
        let order = chars.next().ok_or_else(unsupported)?;
        let endian = match order {
            '<' | '|' => Endian::Little,
            '>' => Endian::Big,
            _ => return Err(unsupported()),
        };
        let dt = match chars.as_str() {
            "b1" => Bool,
            "i1" => Int8,
            "u1" => UInt8,
            "i2" => Int16,
            "i4" => Int32,
            "i8" => Int64,
            "u2" => UInt16,
            "u4" => UInt32,
            "u8" => UInt64,
            "f2" => Float16,
            "f4" => Float32,
            "f8" => Float64,
            _ => return Err(unsupported()),
        };
        Ok((dt, endian))
    }
}

/// A fill value: one element of the array's type, native-endian bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct FillValue {
    bytes: Vec<u8>,
    /// The document said null (v2 only): reads show zero, and the metadata
    /// keeps `null` when written back.
    pub is_null: bool,
}

impl FillValue {
    pub fn zero(dt: DataType) -> Self {
        FillValue {
            bytes: vec![0; dt.size()],
            is_null: false,
        }
    }

    pub fn from_bytes(dt: DataType, bytes: &[u8]) -> Result<Self> {
        if bytes.len() != dt.size() {
            return Err(Error::InvalidArgument(format!(
                "fill value has {} bytes, {} needs {}",
                bytes.len(),
                dt.v3_name(),
                dt.size()
            )));
        }
        if dt == DataType::Bool && bytes[0] > 1 {
            return Err(Error::Range("bool fill value must be 0 or 1".into()));
        }
        Ok(FillValue {
            bytes: bytes.to_vec(),
            is_null: false,
        })
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// True when the fill is a float NaN: emptiness then means "every element is NaN".
    pub fn is_nan(&self, dt: DataType) -> bool {
        match dt {
            DataType::Float16 => half::f16::from_ne_bytes([self.bytes[0], self.bytes[1]]).is_nan(),
            DataType::Float32 => f32::from_ne_bytes(self.bytes[..4].try_into().unwrap()).is_nan(),
            DataType::Float64 => f64::from_ne_bytes(self.bytes[..8].try_into().unwrap()).is_nan(),
            _ => false,
        }
    }

    /// Parse the `fill_value` of a v2 (`v3 == false`) or v3 document.
    pub fn from_json(dt: DataType, v: &Value, v3: bool) -> Result<Self> {
        let bad = || Error::Metadata(format!("fill_value {v} is not valid for {}", dt.v3_name()));
        if v.is_null() {
            if v3 {
                return Err(Error::Metadata("fill_value null is not allowed in v3".into()));
            }
            return Ok(FillValue {
                is_null: true,
                ..FillValue::zero(dt)
            });
        }
        let bytes: Vec<u8> = match dt {
            DataType::Bool => match v {
                Value::Bool(b) => vec![*b as u8],
                Value::Number(n) if n.as_u64() == Some(0) || n.as_u64() == Some(1) => {
                    vec![n.as_u64().unwrap() as u8]
                }
                _ => return Err(bad()),
            },
            DataType::Float16 | DataType::Float32 | DataType::Float64 => {
                // A bare Python literal (NaN, Infinity, -Infinity) first.
                let f = match v {
                    _ if super::json::special_float(v).is_some() => super::json::special_float(v).unwrap_or_default(),
                    Value::Number(n) => n.as_f64().ok_or_else(bad)?,
                    Value::String(s) => match s.as_str() {
                        "NaN" => f64::NAN,
                        "Infinity" => f64::INFINITY,
                        "-Infinity" => f64::NEG_INFINITY,
                        hex if hex.starts_with("0x") => {
                            // v3: the raw bits, big-endian hex of the element.
                            let bits = u64::from_str_radix(&hex[2..], 16).map_err(|_| bad())?;
                            if hex.len() != 2 + 2 * dt.size() {
                                return Err(bad());
                            }
                            return Ok(FillValue {
                                bytes: bits_to_native(dt, bits),
                                is_null: false,
                            });
                        }
                        _ => return Err(bad()),
                    },
                    _ => return Err(bad()),
                };
                float_bytes(dt, f)
            }
            _ => {
                let bytes = match v {
                    Value::Number(n) => {
                        if let Some(i) = n.as_i64() {
                            int_bytes(dt, i as i128)
                        } else if let Some(u) = n.as_u64() {
                            int_bytes(dt, u as i128)
                        } else {
                            // zarr-python may write 0.0 for an int fill; accept integral floats.
                            let f = n.as_f64().unwrap_or(f64::NAN);
                            if f.fract() == 0.0 && f.is_finite() {
                                int_bytes(dt, f as i128)
                            } else {
                                None
                            }
                        }
                    }
                    _ => None,
                };
                bytes.ok_or_else(bad)?
            }
        };
        Ok(FillValue { bytes, is_null: false })
    }

    /// The JSON form for a v2 (`v3 == false`) or v3 document.
    pub fn to_json(&self, dt: DataType, v3: bool) -> Value {
        if self.is_null && !v3 {
            return Value::Null;
        }
        let b = &self.bytes;
        match dt {
            DataType::Bool => Value::Bool(b[0] != 0),
            DataType::Int8 => (b[0] as i8).into(),
            DataType::UInt8 => b[0].into(),
            DataType::Int16 => i16::from_ne_bytes([b[0], b[1]]).into(),
            DataType::UInt16 => u16::from_ne_bytes([b[0], b[1]]).into(),
            DataType::Int32 => i32::from_ne_bytes(b[..4].try_into().unwrap()).into(),
            DataType::UInt32 => u32::from_ne_bytes(b[..4].try_into().unwrap()).into(),
            DataType::Int64 => i64::from_ne_bytes(b[..8].try_into().unwrap()).into(),
            DataType::UInt64 => u64::from_ne_bytes(b[..8].try_into().unwrap()).into(),
            DataType::Float16 => float_json(half::f16::from_ne_bytes([b[0], b[1]]).to_f64(), dt, self, v3),
            DataType::Float32 => float_json(f32::from_ne_bytes(b[..4].try_into().unwrap()) as f64, dt, self, v3),
            DataType::Float64 => float_json(f64::from_ne_bytes(b[..8].try_into().unwrap()), dt, self, v3),
        }
    }
}

/// The native bytes of an element given as its integer bit pattern.
fn bits_to_native(dt: DataType, bits: u64) -> Vec<u8> {
    match dt.size() {
        2 => (bits as u16).to_ne_bytes().to_vec(),
        4 => (bits as u32).to_ne_bytes().to_vec(),
        _ => bits.to_ne_bytes().to_vec(),
    }
}

fn float_json(f: f64, dt: DataType, fv: &FillValue, v3: bool) -> Value {
    if f.is_nan() {
        // A NaN with a non-canonical payload keeps its bits in v3 (hex form).
        let canonical = float_bytes(dt, f64::NAN);
        if v3 && canonical != fv.bytes {
            let bits: u64 = match dt.size() {
                2 => u16::from_ne_bytes([fv.bytes[0], fv.bytes[1]]) as u64,
                4 => u32::from_ne_bytes(fv.bytes[..4].try_into().unwrap()) as u64,
                _ => u64::from_ne_bytes(fv.bytes[..8].try_into().unwrap()),
            };
            return Value::String(format!("0x{:0width$x}", bits, width = 2 * dt.size()));
        }
        Value::String("NaN".into())
    } else if f == f64::INFINITY {
        Value::String("Infinity".into())
    } else if f == f64::NEG_INFINITY {
        Value::String("-Infinity".into())
    } else {
        serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

fn float_bytes(dt: DataType, f: f64) -> Vec<u8> {
    match dt {
        DataType::Float16 => half::f16::from_f64(f).to_ne_bytes().to_vec(),
        DataType::Float32 => (f as f32).to_ne_bytes().to_vec(),
        _ => f.to_ne_bytes().to_vec(),
    }
}

fn int_bytes(dt: DataType, v: i128) -> Option<Vec<u8>> {
    use DataType::*;
    Some(match dt {
        Int8 => i8::try_from(v).ok()?.to_ne_bytes().to_vec(),
        Int16 => i16::try_from(v).ok()?.to_ne_bytes().to_vec(),
        Int32 => i32::try_from(v).ok()?.to_ne_bytes().to_vec(),
        Int64 => i64::try_from(v).ok()?.to_ne_bytes().to_vec(),
        UInt8 => u8::try_from(v).ok()?.to_ne_bytes().to_vec(),
        UInt16 => u16::try_from(v).ok()?.to_ne_bytes().to_vec(),
        UInt32 => u32::try_from(v).ok()?.to_ne_bytes().to_vec(),
        UInt64 => u64::try_from(v).ok()?.to_ne_bytes().to_vec(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn v2_names_round_trip() {
        for dt in ALL_TYPES {
            for e in [Endian::Little, Endian::Big] {
                let s = dt.v2_name(e);
                let (back, be) = DataType::from_v2_name(&s).unwrap();
                assert_eq!(back, dt);
                if dt.size() > 1 {
                    assert_eq!(be, e);
                }
            }
        }
        assert!(matches!(DataType::from_v2_name("<c16"), Err(Error::Unsupported(m)) if m.contains("<c16")));
    }

    #[test]
    fn float_fill_values() {
        let nan = FillValue::from_json(DataType::Float32, &json!("NaN"), true).unwrap();
        assert!(nan.is_nan(DataType::Float32));
        assert_eq!(nan.to_json(DataType::Float32, true), json!("NaN"));
        let inf = FillValue::from_json(DataType::Float64, &json!("-Infinity"), false).unwrap();
        assert_eq!(inf.as_bytes(), f64::NEG_INFINITY.to_ne_bytes());
        // 0x7fc00001 is a NaN with a payload: kept bit for bit.
        let hex = FillValue::from_json(DataType::Float32, &json!("0x7fc00001"), true).unwrap();
        assert_eq!(hex.as_bytes(), 0x7fc00001u32.to_ne_bytes());
        assert_eq!(hex.to_json(DataType::Float32, true), json!("0x7fc00001"));
        let one = FillValue::from_json(DataType::Float64, &json!("0x3ff0000000000000"), true).unwrap();
        assert_eq!(one.as_bytes(), 1.0f64.to_ne_bytes());
        assert!(FillValue::from_json(DataType::Float32, &json!("0x3ff0000000000000"), true).is_err());
    }

    #[test]
    fn int_fill_values_check_range() {
        assert!(FillValue::from_json(DataType::UInt8, &json!(256), true).is_err());
        assert!(FillValue::from_json(DataType::UInt8, &json!(-1), true).is_err());
        let v = FillValue::from_json(DataType::UInt64, &json!(u64::MAX), true).unwrap();
        assert_eq!(v.to_json(DataType::UInt64, true), json!(u64::MAX));
        let n = FillValue::from_json(DataType::Int16, &Value::Null, false).unwrap();
        assert!(n.is_null);
        assert_eq!(n.to_json(DataType::Int16, false), Value::Null);
        assert!(FillValue::from_json(DataType::Int16, &Value::Null, true).is_err());
    }
}
