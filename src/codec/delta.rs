//! numcodecs `Delta` filter (`numcodecs.delta` in v3 metadata): stores the
//! first element and then differences between neighbours, optionally in
//! another numeric type.
//!
//! Arithmetic follows numpy exactly: differences are taken in `dtype`
//! (wrapping for integers), then cast to `astype`; decoding is
//! `np.cumsum(enc, out=dec)`, which accumulates in the *promoted* type of
//! `astype` and `dtype` (e.g. `f8` for `dtype=f4, astype=f8`, `i8` for
//! `u4`/`i4`) and casts each partial sum to `dtype`. Casts are numpy's unsafe
//! casts: integers wrap, floats truncate towards zero.

use super::{BytesCodec, CodecContext};
use crate::error::{Error, Result};
use serde_json::{json, Map, Value};
use std::any::Any;

const NAME: &str = "numcodecs.delta";
const ID: &str = "delta";

/// Element kind of a numpy dtype supported by the filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
}

impl Kind {
    pub fn size(self) -> usize {
        match self {
            Kind::I8 | Kind::U8 => 1,
            Kind::I16 | Kind::U16 => 2,
            Kind::I32 | Kind::U32 | Kind::F32 => 4,
            Kind::I64 | Kind::U64 | Kind::F64 => 8,
        }
    }

    fn code(self) -> char {
        match self {
            Kind::I8 | Kind::I16 | Kind::I32 | Kind::I64 => 'i',
            Kind::U8 | Kind::U16 | Kind::U32 | Kind::U64 => 'u',
            Kind::F32 | Kind::F64 => 'f',
        }
    }

    fn from_code(code: char, size: usize) -> Option<Kind> {
        Some(match (code, size) {
            ('i', 1) => Kind::I8,
            ('i', 2) => Kind::I16,
            ('i', 4) => Kind::I32,
            ('i', 8) => Kind::I64,
            ('u', 1) => Kind::U8,
            ('u', 2) => Kind::U16,
            ('u', 4) => Kind::U32,
            ('u', 8) => Kind::U64,
            ('f', 4) => Kind::F32,
            ('f', 8) => Kind::F64,
            _ => return None,
        })
    }

    /// numpy's `np.result_type(a, b)` restricted to these kinds.
    fn promote(a: Kind, b: Kind) -> Kind {
        use Kind::*;
        if a == b {
            return a;
        }
        let (ca, cb) = (a.code(), b.code());
        let size = a.size().max(b.size());
        match (ca, cb) {
            ('f', 'f') => Kind::from_code('f', size).unwrap(),
            ('f', _) | (_, 'f') => {
                let (f, i) = if ca == 'f' { (a, b) } else { (b, a) };
                // float32 holds 8- and 16-bit integers exactly; wider ones need float64.
                if f == F32 && i.size() <= 2 {
                    F32
                } else {
                    F64
                }
            }
            ('i', 'i') | ('u', 'u') => Kind::from_code(ca, size).unwrap(),
            _ => {
                let (s, u) = if ca == 'i' { (a, b) } else { (b, a) };
                if s.size() > u.size() {
                    s
                } else if u.size() < 8 {
                    Kind::from_code('i', 2 * u.size()).unwrap()
                } else {
                    F64
                }
            }
        }
    }
}

/// A numpy dtype: element kind plus byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DType {
    pub kind: Kind,
    pub big_endian: bool,
}

impl DType {
    /// Parse what `np.dtype(s)` accepts for these kinds: `"<i4"`, `">f8"`,
    /// `"|u1"`, `"=i2"`, `"i4"`, names such as `"int32"`/`"float64"`, and the
    /// fixed-size one-letter codes `b B h H i I q Q f d`.
    pub fn parse(s: &str) -> Option<DType> {
        let native_big = cfg!(target_endian = "big");
        let named = match s {
            "int8" | "b" => Some(Kind::I8),
            "int16" | "h" => Some(Kind::I16),
            "int32" | "i" => Some(Kind::I32),
            "int64" | "q" => Some(Kind::I64),
            "uint8" | "B" => Some(Kind::U8),
            "uint16" | "H" => Some(Kind::U16),
            "uint32" | "I" => Some(Kind::U32),
            "uint64" | "Q" => Some(Kind::U64),
            "float32" | "f" => Some(Kind::F32),
            "float64" | "float" | "d" => Some(Kind::F64),
            _ => None,
        };
        if let Some(kind) = named {
            return Some(DType {
                kind,
                big_endian: native_big,
            });
        }
        let (big_endian, rest) = match s.as_bytes().first()? {
            b'<' => (false, &s[1..]),
            b'>' => (true, &s[1..]),
            b'=' | b'|' => (native_big, &s[1..]),
            _ => (native_big, s),
        };
        let mut chars = rest.chars();
        let code = chars.next()?;
        let size: usize = chars.as_str().parse().ok()?;
        // numpy only accepts '|' (byte order not applicable) for single bytes.
        if s.starts_with('|') && size != 1 {
            return None;
        }
        Some(DType {
            kind: Kind::from_code(code, size)?,
            big_endian,
        })
    }

    /// numpy's `dtype.str`: `|` for single bytes, else `<`/`>` + code + size.
    pub fn numpy_str(self) -> String {
        let order = match (self.kind.size(), self.big_endian) {
            (1, _) => '|',
            (_, true) => '>',
            (_, false) => '<',
        };
        format!("{order}{}{}", self.kind.code(), self.kind.size())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaCodec {
    /// Type of the decoded data.
    pub dtype: DType,
    /// Type of the encoded differences.
    pub astype: DType,
}

impl DeltaCodec {
    /// v3 `numcodecs.delta` with configuration `{"dtype": .., "astype": ..}`
    /// (`astype` optional; a matching `"id"` is tolerated, as in zarr-python).
    pub fn from_v3(config: Option<&Value>, _ctx: CodecContext) -> Result<Self> {
        match config {
            Some(Value::Object(m)) => Self::parse(m),
            None | Some(Value::Null) => Err(Error::Metadata(format!("{NAME}: missing configuration with \"dtype\""))),
            Some(other) => Err(Error::Metadata(format!(
                "{NAME}: configuration must be an object, got {other}"
            ))),
        }
    }

    /// numcodecs `{"id": "delta", "dtype": "<i4", "astype": "<i4"}` (`astype` optional).
    pub fn from_v2(obj: &Map<String, Value>, _ctx: CodecContext) -> Result<Self> {
        super::check_v2_id(obj, ID, NAME)?;
        Self::parse(obj)
    }

    fn parse(cfg: &Map<String, Value>) -> Result<Self> {
        for (k, v) in cfg {
            match k.as_str() {
                "dtype" | "astype" => {}
                "id" if v.as_str() == Some(ID) => {}
                _ => {
                    return Err(Error::Metadata(format!(
                        "{NAME}: unexpected configuration entry {k:?}: {v}"
                    )))
                }
            }
        }
        let field = |key: &str| -> Result<Option<DType>> {
            let Some(v) = cfg.get(key).filter(|v| !v.is_null()) else {
                return Ok(None);
            };
            let s = v
                .as_str()
                .ok_or_else(|| Error::Metadata(format!("{NAME}: {key} must be a string, got {v}")))?;
            DType::parse(s).map(Some).ok_or_else(|| {
                Error::Unsupported(format!(
                    "{NAME}: unsupported {key} {s:?} (expected a signed, unsigned or \
                     floating-point type of 1, 2, 4 or 8 bytes, such as \"<i4\")"
                ))
            })
        };
        let dtype = field("dtype")?.ok_or_else(|| Error::Metadata(format!("{NAME}: missing \"dtype\"")))?;
        let astype = field("astype")?.unwrap_or(dtype);
        Ok(DeltaCodec { dtype, astype })
    }

    fn config(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("dtype".into(), self.dtype.numpy_str().into());
        m.insert("astype".into(), self.astype.numpy_str().into());
        m
    }
}

/// A fixed-size number as numpy stores it, with numpy's cast and arithmetic rules.
pub(super) trait Prim: Copy + Default + 'static {
    const SIZE: usize;
    fn load(b: &[u8], big_endian: bool) -> Self;
    fn store(self, out: &mut Vec<u8>, big_endian: bool);
    /// `self - rhs` in this type (wrapping for integers).
    fn sub(self, rhs: Self) -> Self;
    /// `self + rhs` in this type (wrapping for integers).
    fn add(self, rhs: Self) -> Self;
    fn to_num(self) -> Num;
    /// numpy's unsafe cast from another type's value.
    fn from_num(n: Num) -> Self;
}

/// Exact intermediate for casts: every supported integer fits in i128 and
/// every float in f64.
#[derive(Clone, Copy)]
pub(super) enum Num {
    Int(i128),
    Float(f64),
}

/// x86-64 `cvttsd2si` with a 32-bit result, which numpy's float->int casts
/// compile to for targets up to 32 bits: truncation, and `i32::MIN` for NaN or
/// out-of-range values (numpy calls those results undefined).
fn trunc_i32(f: f64) -> i32 {
    if f > -2_147_483_649.0 && f < 2_147_483_648.0 {
        f as i32
    } else {
        i32::MIN
    }
}

/// As [`trunc_i32`] with a 64-bit result.
fn trunc_i64(f: f64) -> i64 {
    if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        f as i64
    } else {
        i64::MIN
    }
}

macro_rules! int_prim {
    ($t:ty, |$f:ident| $from_float:expr) => {
        impl Prim for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn load(b: &[u8], big_endian: bool) -> Self {
                let a = b.try_into().expect("element-sized slice");
                if big_endian {
                    <$t>::from_be_bytes(a)
                } else {
                    <$t>::from_le_bytes(a)
                }
            }
            fn store(self, out: &mut Vec<u8>, big_endian: bool) {
                if big_endian {
                    out.extend_from_slice(&self.to_be_bytes())
                } else {
                    out.extend_from_slice(&self.to_le_bytes())
                }
            }
            fn sub(self, rhs: Self) -> Self {
                self.wrapping_sub(rhs)
            }
            fn add(self, rhs: Self) -> Self {
                self.wrapping_add(rhs)
            }
            fn to_num(self) -> Num {
                Num::Int(self as i128)
            }
            fn from_num(n: Num) -> Self {
                match n {
                    // Integer casts keep the low bits (wrap), as in C.
                    Num::Int(i) => i as $t,
                    Num::Float($f) => $from_float,
                }
            }
        }
    };
}

int_prim!(i8, |f| trunc_i32(f) as i8);
int_prim!(i16, |f| trunc_i32(f) as i16);
int_prim!(i32, |f| trunc_i32(f));
int_prim!(u8, |f| trunc_i32(f) as u8);
int_prim!(u16, |f| trunc_i32(f) as u16);
int_prim!(u32, |f| trunc_i64(f) as u32);
int_prim!(i64, |f| trunc_i64(f));
// The compiler's unsigned 64-bit conversion: values from 2^63 up are shifted
// into signed range first.
int_prim!(u64, |f| if f >= 9_223_372_036_854_775_808.0 {
    (trunc_i64(f - 9_223_372_036_854_775_808.0) as u64) ^ (1 << 63)
} else {
    trunc_i64(f) as u64
});

macro_rules! float_prim {
    ($t:ty) => {
        impl Prim for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn load(b: &[u8], big_endian: bool) -> Self {
                let a = b.try_into().expect("element-sized slice");
                if big_endian {
                    <$t>::from_be_bytes(a)
                } else {
                    <$t>::from_le_bytes(a)
                }
            }
            fn store(self, out: &mut Vec<u8>, big_endian: bool) {
                if big_endian {
                    out.extend_from_slice(&self.to_be_bytes())
                } else {
                    out.extend_from_slice(&self.to_le_bytes())
                }
            }
            fn sub(self, rhs: Self) -> Self {
                self - rhs
            }
            fn add(self, rhs: Self) -> Self {
                self + rhs
            }
            fn to_num(self) -> Num {
                Num::Float(self as f64)
            }
            fn from_num(n: Num) -> Self {
                // Both round to nearest, ties to even, like the C casts numpy uses.
                match n {
                    Num::Int(i) => i as $t,
                    Num::Float(f) => f as $t,
                }
            }
        }
    };
}

float_prim!(f32);
float_prim!(f64);

/// numpy's cast from `S` to `D`; the bits are kept as they are (NaN payloads
/// included) when the types are the same.
fn cast<S: Prim, D: Prim>(v: S) -> D {
    match (&v as &dyn Any).downcast_ref::<D>() {
        Some(&same) => same,
        None => D::from_num(v.to_num()),
    }
}

/// Run `$body` with `$P` bound to the Rust type of the [`Kind`] `$kind`.
macro_rules! with_prim {
    ($kind:expr, $P:ident => $body:expr) => {
        match $kind {
            Kind::I8 => {
                type $P = i8;
                $body
            }
            Kind::I16 => {
                type $P = i16;
                $body
            }
            Kind::I32 => {
                type $P = i32;
                $body
            }
            Kind::I64 => {
                type $P = i64;
                $body
            }
            Kind::U8 => {
                type $P = u8;
                $body
            }
            Kind::U16 => {
                type $P = u16;
                $body
            }
            Kind::U32 => {
                type $P = u32;
                $body
            }
            Kind::U64 => {
                type $P = u64;
                $body
            }
            Kind::F32 => {
                type $P = f32;
                $body
            }
            Kind::F64 => {
                type $P = f64;
                $body
            }
        }
    };
}

pub(super) use with_prim;

pub(super) fn load_as<S: Prim, D: Prim>(bytes: &[u8], big_endian: bool) -> Vec<D> {
    bytes
        .chunks_exact(S::SIZE)
        .map(|b| cast(S::load(b, big_endian)))
        .collect()
}

pub(super) fn store_as<S: Prim, D: Prim>(vals: &[S], big_endian: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(vals.len() * D::SIZE);
    for &v in vals {
        cast::<S, D>(v).store(&mut out, big_endian);
    }
    out
}

fn encode_typed<D: Prim>(input: &[u8], dtype: DType, astype: DType) -> Vec<u8> {
    let mut v = load_as::<D, D>(input, dtype.big_endian);
    // Back to front so each difference still sees the original predecessor.
    for i in (1..v.len()).rev() {
        v[i] = v[i].sub(v[i - 1]);
    }
    with_prim!(astype.kind, A => store_as::<D, A>(&v, astype.big_endian))
}

fn decode_typed<T: Prim>(input: &[u8], dtype: DType, astype: DType) -> Vec<u8> {
    let mut acc = with_prim!(astype.kind, A => load_as::<A, T>(input, astype.big_endian));
    for i in 1..acc.len() {
        acc[i] = acc[i - 1].add(acc[i]);
    }
    with_prim!(dtype.kind, D => store_as::<T, D>(&acc, dtype.big_endian))
}

fn check_len(len: usize, dt: DType, what: &str) -> Result<()> {
    if len % dt.kind.size() != 0 {
        return Err(Error::Codec(format!(
            "{NAME}: {what} of {len} bytes is not a whole number of {} elements",
            dt.numpy_str()
        )));
    }
    Ok(())
}

impl BytesCodec for DeltaCodec {
    fn name(&self) -> &'static str {
        NAME
    }

    fn encode(&self, input: Vec<u8>) -> Result<Vec<u8>> {
        check_len(input.len(), self.dtype, "input")?;
        // numcodecs fails on an empty buffer (it indexes element 0); an empty
        // output is the natural answer. Element 0 gets the same wrapping cast
        // as the differences, where numpy 2 may raise OverflowError instead.
        Ok(with_prim!(self.dtype.kind, D => encode_typed::<D>(&input, self.dtype, self.astype)))
    }

    fn max_encoded_len(&self, decoded_len: usize) -> usize {
        // `astype` may be wider than `dtype` (up to 8 bytes for 1).
        (decoded_len / self.dtype.kind.size().max(1))
            .saturating_mul(self.astype.kind.size())
            .saturating_add(1 << 16)
    }

    fn decode(&self, input: Vec<u8>, decoded_len: Option<usize>) -> Result<Vec<u8>> {
        check_len(input.len(), self.astype, "encoded input")?;
        let n = input.len() / self.astype.kind.size() * self.dtype.kind.size();
        if let Some(want) = decoded_len {
            if want != n {
                return Err(Error::Codec(format!(
                    "{NAME}: input decodes to {n} bytes, expected {want}"
                )));
            }
        }
        let acc = Kind::promote(self.dtype.kind, self.astype.kind);
        Ok(with_prim!(acc, T => decode_typed::<T>(&input, self.dtype, self.astype)))
    }

    fn to_v3_json(&self) -> Option<Value> {
        Some(json!({ "name": NAME, "configuration": self.config() }))
    }

    fn to_v2_json(&self) -> Option<Value> {
        let mut m = Map::new();
        m.insert("id".into(), ID.into());
        m.extend(self.config());
        Some(Value::Object(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::crc32c::fixtures;

    const CTX: CodecContext = CodecContext { elem_size: 4 };

    fn codec(dtype: &str, astype: &str) -> DeltaCodec {
        DeltaCodec::from_v3(Some(&json!({"dtype": dtype, "astype": astype})), CTX).unwrap()
    }

    #[test]
    fn encodes_differences() {
        let c = codec("<i2", "|i1");
        let x: Vec<u8> = [100i16, 102, 104, 106].iter().flat_map(|v| v.to_le_bytes()).collect();
        let enc = c.encode(x.clone()).unwrap();
        assert_eq!(enc, [100u8, 2, 2, 2]);
        assert_eq!(c.decode(enc, Some(8)).unwrap(), x);
    }

    #[test]
    fn round_trip_every_type_and_byte_order() {
        let kinds = ["i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f4", "f8"];
        for k in kinds {
            for order in ["<", ">"] {
                let dt = format!("{order}{k}");
                let c = codec(&dt, &dt);
                let x = if k.starts_with('f') {
                    // Small integers keep float sums exact.
                    with_prim!(c.dtype.kind, P => {
                        let v: Vec<P> =
                            (0..64i128).map(|i| P::from_num(Num::Int((i * 37) % 101 - 50))).collect();
                        store_as::<P, P>(&v, c.dtype.big_endian)
                    })
                } else {
                    // Arbitrary bytes: integer differences wrap and still invert exactly.
                    (0..64 * c.dtype.kind.size() as u32)
                        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                        .collect()
                };
                let enc = c.encode(x.clone()).unwrap();
                assert_eq!(enc.len(), x.len());
                assert_ne!(enc, x, "{dt}");
                assert_eq!(c.decode(enc, Some(x.len())).unwrap(), x, "{dt}");
            }
        }
    }

    #[test]
    fn byte_order_is_honoured() {
        let c = codec(">u2", "<i4");
        let enc = c.encode(vec![0x01, 0x00, 0x01, 0x05]).unwrap();
        // 256 then 261 - 256 = 5, as little-endian int32.
        assert_eq!(enc, [0, 1, 0, 0, 5, 0, 0, 0]);
        assert_eq!(c.decode(enc, None).unwrap(), [0x01, 0x00, 0x01, 0x05]);
    }

    #[test]
    fn numpy_accumulates_in_the_promoted_type() {
        // np.cumsum(np.array([16777217, 1], 'i4'), out=np.empty(2, 'f4')) accumulates
        // in float64: [16777216, 16777218], not float32's [16777216, 16777216].
        let c = codec("<f4", "<i4");
        let enc: Vec<u8> = [16_777_217i32, 1].iter().flat_map(|v| v.to_le_bytes()).collect();
        let dec = c.decode(enc, None).unwrap();
        assert_eq!(dec[4..], 16_777_218f32.to_le_bytes());
        // u1 differences accumulated into i2 do not wrap at 8 bits.
        let c = codec("<i2", "|u1");
        assert_eq!(c.decode(vec![200, 200], None).unwrap(), [200, 0, 144, 1]);
    }

    #[test]
    fn numpy_promotion_rules() {
        use Kind::*;
        let cases = [
            (I8, U8, I16),
            (I16, U8, I16),
            (I32, U32, I64),
            (I64, U32, I64),
            (I64, U64, F64),
            (U16, U32, U32),
            (I16, F32, F32),
            (U16, F32, F32),
            (I32, F32, F64),
            (U8, F64, F64),
            (F32, F64, F64),
            (I8, I64, I64),
        ];
        for (a, b, want) in cases {
            assert_eq!(Kind::promote(a, b), want, "{a:?} {b:?}");
            assert_eq!(Kind::promote(b, a), want, "{b:?} {a:?}");
        }
    }

    #[test]
    fn numpy_float_to_int_casts() {
        // Values numpy 2.4 gives on x86-64 for `np.array(vals).astype(..)`.
        let vals = [f64::NAN, f64::INFINITY, -1e10, 3e5, -3e5, 2f64.powi(63), -1.5, 4e9];
        let as_i16: Vec<i16> = vals.iter().map(|&f| i16::from_num(Num::Float(f))).collect();
        assert_eq!(as_i16, [0, 0, 0, -27680, 27680, 0, -1, 0]);
        let as_i32: Vec<i32> = vals.iter().map(|&f| i32::from_num(Num::Float(f))).collect();
        let m = i32::MIN;
        assert_eq!(as_i32, [m, m, m, 300_000, -300_000, m, -1, m]);
        let as_u64: Vec<u64> = vals.iter().map(|&f| u64::from_num(Num::Float(f))).collect();
        assert_eq!(
            as_u64,
            [
                1 << 63,
                0,
                18_446_744_063_709_551_616,
                300_000,
                18_446_744_073_709_251_616,
                1 << 63,
                u64::MAX,
                4_000_000_000
            ]
        );
    }

    #[test]
    fn dtype_strings() {
        for (s, canon) in [
            ("<i4", "<i4"),
            (">u2", ">u2"),
            ("|u1", "|u1"),
            ("<i1", "|i1"),
            ("int16", "<i2"),
            ("float64", "<f8"),
            ("i8", "<i8"),
            ("=f4", "<f4"),
            ("d", "<f8"),
        ] {
            assert_eq!(DType::parse(s).map(DType::numpy_str).as_deref(), Some(canon), "{s}");
        }
        for bad in ["", "<", "<i3", "<f2", "<c8", "|i4", "bool", "<U4", "object"] {
            assert!(DType::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn config_parsing() {
        let c = codec("<u2", ">i4");
        assert_eq!(
            c.to_v3_json().unwrap(),
            json!({"name": "numcodecs.delta", "configuration": {"dtype": "<u2", "astype": ">i4"}})
        );
        assert_eq!(
            c.to_v2_json().unwrap(),
            json!({"id": "delta", "dtype": "<u2", "astype": ">i4"})
        );
        let v2 = json!({"id": "delta", "dtype": "<f8"});
        let c = DeltaCodec::from_v2(v2.as_object().unwrap(), CTX).unwrap();
        assert_eq!(c.astype, c.dtype);
        let v3 = json!({"id": "delta", "dtype": "uint32", "astype": null});
        assert_eq!(DeltaCodec::from_v3(Some(&v3), CTX).unwrap().dtype.numpy_str(), "<u4");

        for bad in [
            json!({}),
            json!({"dtype": 4}),
            json!({"dtype": "<i4", "x": 1}),
            json!("<i4"),
        ] {
            assert!(
                matches!(DeltaCodec::from_v3(Some(&bad), CTX), Err(Error::Metadata(_))),
                "{bad}"
            );
        }
        for bad in [json!({"dtype": "<c16"}), json!({"dtype": "<i4", "astype": "bool"})] {
            let err = DeltaCodec::from_v3(Some(&bad), CTX).unwrap_err();
            assert!(matches!(err, Error::Unsupported(_)), "{bad}");
            assert!(err.to_string().contains("numcodecs.delta"));
        }
        assert!(DeltaCodec::from_v3(None, CTX).is_err());
        let wrong = json!({"id": "zlib", "dtype": "<i4"});
        assert!(DeltaCodec::from_v2(wrong.as_object().unwrap(), CTX).is_err());
    }

    #[test]
    fn bad_lengths() {
        let c = codec("<i4", "<i2");
        assert!(matches!(c.encode(vec![0; 6]), Err(Error::Codec(_))));
        assert!(matches!(c.decode(vec![0; 5], None), Err(Error::Codec(_))));
        assert!(c.decode(vec![0; 6], Some(6)).is_err());
        assert_eq!(c.decode(vec![0; 6], Some(12)).unwrap(), vec![0; 12]);
        assert!(c.encode(Vec::new()).unwrap().is_empty());
        assert!(c.decode(Vec::new(), Some(0)).unwrap().is_empty());
    }

    #[test]
    fn numcodecs_fixtures() {
        for f in fixtures::load("delta") {
            let c = DeltaCodec::from_v2(&f.config, CodecContext { elem_size: f.elem_size })
                .unwrap_or_else(|e| panic!("{}: {e}", f.name));
            assert_eq!(c.to_v2_json().unwrap(), Value::Object(f.config.clone()), "{}", f.name);
            let dec_len = f.enc.len() / c.astype.kind.size() * c.dtype.kind.size();
            assert_eq!(c.decode(f.enc.clone(), Some(dec_len)).unwrap(), f.dec, "{}", f.name);
            assert_eq!(c.encode(f.raw.clone()).unwrap(), f.enc, "{}", f.name);
        }
    }
}
