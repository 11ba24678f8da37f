//! Data types of stored arrays and of caller memory, and fill values.
//!
//! Besides the numeric types, stored arrays may hold (issue 13, README
//! "Strings, characters and times"):
//! - fixed-size bytes (`Bytes(n)`: v2 `|S<n>`, v3 `null_terminated_bytes`),
//! - fixed-length UTF-32 text (`FixedString(n)`, n code points: v2
//!   `<U<n>`/`>U<n>`, v3 `fixed_length_utf32` with `length_bytes` 4n),
//! - variable-length UTF-8 strings and bytes (`String`, `VlenBytes`: v3
//!   `string` / `variable_length_bytes`, v2 `|O` with the numcodecs
//!   `vlen-utf8` / `vlen-bytes` filter),
//! - times (`DateTime64`, `TimeDelta64`: int64 counts of a unit, NaT =
//!   INT64_MIN; v3 `numpy.datetime64` {unit, scale_factor}, v2 `<M8[unit]`).
//!
//! Fixed-size types are elements of a fixed byte size like the numbers; the
//! variable-length ones are handled as value lists (`codec::vlen`).

use crate::error::{Error, Result};
use serde_json::Value;

/// A time unit as numpy spells it, with zarr-python's `scale_factor`
/// (`datetime64[10ms]` is unit "ms", scale 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeUnit {
    unit: u8,
    pub scale: u32,
}

/// numpy's datetime units (zarr-python's DATETIME_UNIT).
const TIME_UNITS: [&str; 15] = [
    "Y", "M", "W", "D", "h", "m", "s", "ms", "us", "\u{3bc}s", "ns", "ps", "fs", "as", "generic",
];

impl TimeUnit {
    pub fn new(unit: &str, scale: i64) -> Result<TimeUnit> {
        let u = TIME_UNITS
            .iter()
            .position(|&n| n == unit)
            .ok_or_else(|| Error::Unsupported(format!("time unit \"{unit}\"")))?;
        let scale = u32::try_from(scale)
            .ok()
            .filter(|&s| s >= 1 && s <= i32::MAX as u32)
            .ok_or_else(|| Error::Metadata(format!("time scale_factor {scale} is not in 1..2^31")))?;
        Ok(TimeUnit { unit: u as u8, scale })
    }
    /// The unit's name as numpy spells it ("s", "ms", "D", ...).
    pub fn unit(&self) -> &'static str {
        TIME_UNITS[self.unit as usize]
    }
    /// numpy's bracket text: "s", "10ms" (empty for generic).
    fn numpy(&self) -> String {
        match (self.unit(), self.scale) {
            ("generic", _) => String::new(),
            (u, 1) => u.to_owned(),
            (u, n) => format!("{n}{u}"),
        }
    }
    /// Parse numpy's bracket text ("s", "10ms").
    fn parse_numpy(s: &str) -> Result<TimeUnit> {
        let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let scale = if digits == 0 {
            1
        } else {
            s[..digits]
                .parse::<i64>()
                .map_err(|_| Error::Unsupported(format!("time unit \"{s}\"")))?
        };
        TimeUnit::new(&s[digits..], scale)
    }
}

/// An element type. The same enum names stored types and memory types; the
/// numbering of [`DataType::code`] is the C ABI's `ZARR_BOOL`..`ZARR_TIMEDELTA64`.
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
    /// Variable-length UTF-8 text (ZARR_STRING).
    String,
    /// `n` UTF-32 code points, NUL-padded (ZARR_FIXED_STRING).
    FixedString(u32),
    /// `n` bytes, NUL-padded (ZARR_BYTES).
    Bytes(u32),
    /// Variable-length bytes (ZARR_VLEN_BYTES).
    VlenBytes,
    DateTime64(TimeUnit),
    TimeDelta64(TimeUnit),
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
    /// Bytes of one element. Variable-length types count 1: what reaches
    /// the codecs after their array->bytes codec is plain bytes (their
    /// chunks are value lists, never element buffers).
    pub fn size(self) -> usize {
        use DataType::*;
        match self {
            Bool | Int8 | UInt8 => 1,
            Int16 | UInt16 | Float16 => 2,
            Int32 | UInt32 | Float32 => 4,
            Int64 | UInt64 | Float64 | DateTime64(_) | TimeDelta64(_) => 8,
            FixedString(n) => 4 * n as usize,
            Bytes(n) => n as usize,
            String | VlenBytes => 1,
        }
    }

    /// The unit byte swapping works on (1: no byte order).
    pub fn swap_unit(self) -> usize {
        match self {
            DataType::FixedString(_) => 4,
            DataType::Bytes(_) | DataType::String | DataType::VlenBytes => 1,
            t => t.size(),
        }
    }

    /// Variable-length strings or bytes: chunks are value lists.
    pub fn is_vlen(self) -> bool {
        matches!(self, DataType::String | DataType::VlenBytes)
    }

    /// Any of the types read and written as strings (`zarr_array_read_strings`).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            DataType::String | DataType::VlenBytes | DataType::FixedString(_) | DataType::Bytes(_)
        )
    }

    /// The unit of a time type.
    pub fn time_unit(self) -> Option<TimeUnit> {
        match self {
            DataType::DateTime64(u) | DataType::TimeDelta64(u) => Some(u),
            _ => None,
        }
    }

    /// One of the twelve numeric (and bool) types.
    pub fn is_numeric(self) -> bool {
        ALL_TYPES.contains(&self)
    }

    pub fn is_float(self) -> bool {
        matches!(self, DataType::Float16 | DataType::Float32 | DataType::Float64)
    }

    /// The C ABI type code (ZARR_BOOL = 1 ... ZARR_FLOAT16 = 12, ZARR_STRING
    /// = 13 ... ZARR_TIMEDELTA64 = 18).
    pub fn code(self) -> i32 {
        match self {
            DataType::String => 13,
            DataType::FixedString(_) => 14,
            DataType::Bytes(_) => 15,
            DataType::VlenBytes => 16,
            DataType::DateTime64(_) => 17,
            DataType::TimeDelta64(_) => 18,
            t => ALL_TYPES.iter().position(|a| *a == t).unwrap_or(0) as i32 + 1,
        }
    }

    /// The type of a code; the parameterised types (14, 15, 17, 18) have
    /// no type without their length or unit: None.
    pub fn from_code(code: i32) -> Option<DataType> {
        if code >= 1 && (code as usize) <= ALL_TYPES.len() {
            Some(ALL_TYPES[code as usize - 1])
        } else if code == 13 {
            Some(DataType::String)
        } else if code == 16 {
            Some(DataType::VlenBytes)
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
            String => "string",
            FixedString(_) => "fixed_length_utf32",
            Bytes(_) => "null_terminated_bytes",
            VlenBytes => "variable_length_bytes",
            DateTime64(_) => "numpy.datetime64",
            TimeDelta64(_) => "numpy.timedelta64",
        }
    }

    /// The v3 `data_type` entry, as zarr-python 3 writes it.
    pub fn v3_json(self) -> Value {
        use DataType::*;
        let cfg = |c: Value| serde_json::json!({"name": self.v3_name(), "configuration": c});
        match self {
            FixedString(n) => cfg(serde_json::json!({"length_bytes": 4 * n as u64})),
            Bytes(n) => cfg(serde_json::json!({"length_bytes": n})),
            DateTime64(u) | TimeDelta64(u) => cfg(serde_json::json!({"unit": u.unit(), "scale_factor": u.scale})),
            t => Value::String(t.v3_name().into()),
        }
    }

    /// Parse a v3 `data_type` entry (a name, or `{name, configuration}`).
    pub fn from_v3_json(v: &Value) -> Result<DataType> {
        let (name, cfg) = match v {
            Value::String(s) => (s.as_str(), None),
            Value::Object(m) => match m.get("name").and_then(Value::as_str) {
                Some(n) => (n, m.get("configuration")),
                None => return Err(Error::Metadata(format!("data_type {v} has no name"))),
            },
            other => return Err(Error::Unsupported(format!("data type {other}"))),
        };
        let int = |k: &str| -> Result<i64> {
            cfg.and_then(|c| c.get(k))
                .and_then(Value::as_i64)
                .ok_or_else(|| Error::Metadata(format!("data type \"{name}\" needs an integer \"{k}\"")))
        };
        let length = |k: &str, unit: i64| -> Result<u32> {
            let n = int(k)?;
            u32::try_from(n / unit)
                .ok()
                .filter(|&l| l >= 1 && n % unit == 0 && l < (1 << 30))
                .ok_or_else(|| Error::Metadata(format!("data type \"{name}\": {k} {n} is not valid")))
        };
        Ok(match name {
            // zarr-python 3.0 wrote "variable_length_utf8" for what 3.1 calls "string".
            "string" | "variable_length_utf8" => DataType::String,
            "variable_length_bytes" => DataType::VlenBytes,
            "fixed_length_utf32" => DataType::FixedString(length("length_bytes", 4)?),
            "null_terminated_bytes" => DataType::Bytes(length("length_bytes", 1)?),
            "numpy.datetime64" | "numpy.timedelta64" => {
                let unit = cfg
                    .and_then(|c| c.get("unit"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| Error::Metadata(format!("data type \"{name}\" needs a \"unit\"")))?;
                let u = TimeUnit::new(unit, int("scale_factor")?)?;
                if name == "numpy.datetime64" {
                    DataType::DateTime64(u)
                } else {
                    DataType::TimeDelta64(u)
                }
            }
            n => DataType::from_v3_name(n)?,
        })
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
        let order = if endian == Endian::Little { '<' } else { '>' };
        let (kind, size) = match self {
            String | VlenBytes => return "|O".into(),
            Bytes(n) => return format!("|S{n}"),
            FixedString(n) => return format!("{order}U{n}"),
            DateTime64(u) | TimeDelta64(u) => {
                let k = if matches!(self, DateTime64(_)) { 'M' } else { 'm' };
                return match u.numpy() {
                    b if b.is_empty() => format!("{order}{k}8"),
                    b => format!("{order}{k}8[{b}]"),
                };
            }
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
        let rest = chars.as_str();
        // Strings, bytes and times: `|S5`, `<U6`, `<M8[s]`, `<m8[10ms]`.
        let count = |t: &str| {
            t.parse::<u32>()
                .ok()
                .filter(|n| (1..(1 << 30)).contains(n))
                .ok_or_else(unsupported)
        };
        if let Some(n) = rest.strip_prefix('S') {
            return Ok((Bytes(count(n)?), Endian::Little));
        }
        if let Some(n) = rest.strip_prefix('U') {
            return Ok((FixedString(count(n)?), endian));
        }
        for (k, time) in [("M8", true), ("m8", false)] {
            if let Some(b) = rest.strip_prefix(k) {
                let unit = match b {
                    "" => TimeUnit::new("generic", 1)?,
                    _ => b
                        .strip_prefix('[')
                        .and_then(|b| b.strip_suffix(']'))
                        .ok_or_else(unsupported)
                        .and_then(TimeUnit::parse_numpy)?,
                };
                return Ok((if time { DateTime64(unit) } else { TimeDelta64(unit) }, endian));
            }
        }
        let dt = match rest {
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
    /// Zero, or for variable-length types the empty value.
    pub fn zero(dt: DataType) -> Self {
        FillValue {
            bytes: vec![0; if dt.is_vlen() { 0 } else { dt.size() }],
            is_null: false,
        }
    }

    /// One element of `dt` (for variable-length types: the value itself,
    /// UTF-8 for strings).
    pub fn from_bytes(dt: DataType, bytes: &[u8]) -> Result<Self> {
        if dt == DataType::String && std::str::from_utf8(bytes).is_err() {
            return Err(Error::InvalidArgument("string fill value is not valid UTF-8".into()));
        }
        if !dt.is_vlen() && bytes.len() != dt.size() {
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
        if !dt.is_numeric() {
            return Ok(FillValue {
                bytes: text_fill_from_json(dt, v).ok_or_else(bad)?,
                is_null: false,
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
            DataType::String
            | DataType::VlenBytes
            | DataType::Bytes(_)
            | DataType::FixedString(_)
            | DataType::DateTime64(_)
            | DataType::TimeDelta64(_) => text_fill_to_json(dt, b),
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

/// The fill value of a non-numeric type from its JSON form, as zarr-python
/// 3 writes it (v2 and v3 alike): strings as text, byte types base64, times
/// an integer count (or "NaT"). None: not valid for the type.
fn text_fill_from_json(dt: DataType, v: &Value) -> Option<Vec<u8>> {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.decode(s).ok();
    let padded = |mut b: Vec<u8>, n: usize| {
        (b.len() <= n).then(|| {
            b.resize(n, 0);
            b
        })
    };
    match (dt, v) {
        // zarr-python reads a number as its text (str(0) is "0").
        (DataType::String, Value::String(s)) => Some(s.as_bytes().to_vec()),
        (DataType::String, Value::Number(n)) => Some(n.to_string().into_bytes()),
        (DataType::VlenBytes, Value::String(s)) => b64(s),
        (DataType::Bytes(n), Value::String(s)) => padded(b64(s)?, n as usize),
        (DataType::FixedString(n), Value::String(s)) => {
            let units: Vec<u8> = s.chars().flat_map(|c| (c as u32).to_ne_bytes()).collect();
            padded(units, 4 * n as usize)
        }
        (DataType::DateTime64(_) | DataType::TimeDelta64(_), Value::String(s)) if s == "NaT" => {
            Some(i64::MIN.to_ne_bytes().to_vec())
        }
        (DataType::DateTime64(_) | DataType::TimeDelta64(_), Value::Number(n)) => {
            Some(n.as_i64()?.to_ne_bytes().to_vec())
        }
        _ => None,
    }
}

fn text_fill_to_json(dt: DataType, b: &[u8]) -> Value {
    use base64::Engine;
    let b64 = |b: &[u8]| Value::String(base64::engine::general_purpose::STANDARD.encode(b));
    match dt {
        DataType::String => Value::String(String::from_utf8_lossy(b).into_owned()),
        DataType::VlenBytes => b64(b),
        // numpy drops trailing NULs of `|S` scalars, so zarr-python does.
        DataType::Bytes(_) => b64(&b[..b.iter().rposition(|&x| x != 0).map_or(0, |i| i + 1)]),
        DataType::FixedString(_) => Value::String(
            b.chunks_exact(4)
                .map(|c| u32::from_ne_bytes(c.try_into().unwrap()))
                .take_while(|&u| u != 0)
                .filter_map(char::from_u32)
                .collect(),
        ),
        _ => i64::from_ne_bytes(b[..8].try_into().unwrap()).into(),
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
    fn string_bytes_and_time_names() {
        let ms10 = TimeUnit::new("ms", 10).unwrap();
        let cases: [(&str, DataType, Endian); 8] = [
            ("|S5", DataType::Bytes(5), Endian::Little),
            ("<U6", DataType::FixedString(6), Endian::Little),
            (">U6", DataType::FixedString(6), Endian::Big),
            (
                "<M8[s]",
                DataType::DateTime64(TimeUnit::new("s", 1).unwrap()),
                Endian::Little,
            ),
            ("<M8[10ms]", DataType::DateTime64(ms10), Endian::Little),
            (
                ">m8[D]",
                DataType::TimeDelta64(TimeUnit::new("D", 1).unwrap()),
                Endian::Big,
            ),
            (
                "<m8",
                DataType::TimeDelta64(TimeUnit::new("generic", 1).unwrap()),
                Endian::Little,
            ),
            (
                "<M8[us]",
                DataType::DateTime64(TimeUnit::new("us", 1).unwrap()),
                Endian::Little,
            ),
        ];
        for (name, dt, e) in cases {
            assert_eq!(DataType::from_v2_name(name).unwrap(), (dt, e), "{name}");
            assert_eq!(dt.v2_name(e), name);
            assert_eq!(DataType::from_v3_json(&dt.v3_json()).unwrap(), dt, "{name}");
        }
        assert_eq!(DataType::String.v2_name(Endian::Little), "|O");
        assert_eq!(
            DataType::FixedString(6).v3_json(),
            json!({"name": "fixed_length_utf32", "configuration": {"length_bytes": 24}})
        );
        assert_eq!(
            DataType::DateTime64(ms10).v3_json(),
            json!({"name": "numpy.datetime64", "configuration": {"unit": "ms", "scale_factor": 10}})
        );
        assert_eq!(
            DataType::Bytes(1).v3_json(),
            json!({"name": "null_terminated_bytes", "configuration": {"length_bytes": 1}})
        );
        assert_eq!(DataType::from_v3_json(&json!("string")).unwrap(), DataType::String);
        assert_eq!(
            DataType::from_v3_json(&json!("variable_length_bytes")).unwrap(),
            DataType::VlenBytes
        );
        for bad in ["|S0", "<U", "<M8[parsec]", "<M8[s", "|V8"] {
            assert!(DataType::from_v2_name(bad).is_err(), "{bad}");
        }
        let odd = json!({"name": "fixed_length_utf32", "configuration": {"length_bytes": 6}});
        assert!(DataType::from_v3_json(&odd).is_err());
        let unit = json!({"name": "numpy.datetime64", "configuration": {"unit": "fortnight", "scale_factor": 1}});
        assert!(matches!(DataType::from_v3_json(&unit), Err(Error::Unsupported(m)) if m.contains("fortnight")));
        // Codes: the ABI's numbers, never positions.
        let codes = [
            (DataType::String, 13),
            (DataType::FixedString(2), 14),
            (DataType::Bytes(1), 15),
            (DataType::VlenBytes, 16),
            (DataType::DateTime64(ms10), 17),
            (DataType::TimeDelta64(ms10), 18),
        ];
        for (dt, code) in codes {
            assert_eq!(dt.code(), code);
        }
        assert_eq!(DataType::Float16.code(), 12);
    }

    #[test]
    fn string_bytes_and_time_fill_values() {
        // As zarr-python writes them: base64 bytes, text, integer times.
        let s = FillValue::from_json(DataType::Bytes(3), &json!("YWI="), true).unwrap();
        assert_eq!(s.as_bytes(), b"ab\0");
        assert_eq!(s.to_json(DataType::Bytes(3), false), json!("YWI="));
        assert!(FillValue::from_json(DataType::Bytes(1), &json!("YWI="), true).is_err());
        let u = FillValue::from_json(DataType::FixedString(3), &json!("hé"), true).unwrap();
        let want: Vec<u8> = ['h', 'é', '\0']
            .iter()
            .flat_map(|&c| (c as u32).to_ne_bytes())
            .collect();
        assert_eq!(u.as_bytes(), &want[..]);
        assert_eq!(u.to_json(DataType::FixedString(3), true), json!("hé"));
        let t = DataType::DateTime64(TimeUnit::new("s", 1).unwrap());
        let nat = FillValue::from_json(t, &json!("NaT"), true).unwrap();
        assert_eq!(nat.as_bytes(), i64::MIN.to_ne_bytes());
        assert_eq!(nat.to_json(t, true), json!(i64::MIN));
        let five = FillValue::from_json(t, &json!(5), false).unwrap();
        assert_eq!(five.as_bytes(), 5i64.to_ne_bytes());
        let st = FillValue::from_json(DataType::String, &json!("nix"), true).unwrap();
        assert_eq!(st.as_bytes(), b"nix");
        assert_eq!(
            FillValue::from_json(DataType::String, &json!(0), false)
                .unwrap()
                .as_bytes(),
            b"0"
        );
        assert!(FillValue::from_json(DataType::String, &Value::Null, false)
            .unwrap()
            .as_bytes()
            .is_empty());
        let vb = FillValue::from_json(DataType::VlenBytes, &json!("AP8="), true).unwrap();
        assert_eq!(vb.as_bytes(), [0u8, 0xff]);
        assert_eq!(vb.to_json(DataType::VlenBytes, true), json!("AP8="));
        assert!(FillValue::from_bytes(DataType::String, &[0xff]).is_err());
        assert!(FillValue::from_json(DataType::FixedString(1), &json!(3), true).is_err());
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
