//! numcodecs `Quantize` filter (`numcodecs.quantize` in v3): keeps `digits`
//! decimal digits by rounding to a multiple of a power of two,
//! `round(x * 2^bits) / 2^bits` with `bits = ceil(log2(10^digits))`, then
//! casts to `astype`. Decoding only casts back to `dtype`.
//!
//! Arithmetic follows numpy 2 as numcodecs runs it: on a float32 array the
//! Python-float scale is weak, so everything stays float32; rounding is half
//! to even (`np.around`). The exponent is computed with the same libm calls
//! (`pow`, `log10`, `log2`) as CPython's `math` module.
//!
//! In v3 it is an element-wise array->array stage (dtype = astype = the
//! array's type, as zarr-python writes it); in v2 a filter, where `astype`
//! may differ from `dtype` (f8 stored as f4).

use super::delta::{load_as, store_as, with_prim, DType, Kind};
use super::{BytesCodec, CodecContext};
use crate::error::{Error, Result};
use serde_json::{json, Map, Value};

const NAME: &str = "numcodecs.quantize";
const ID: &str = "quantize";

#[derive(Debug, Clone, PartialEq)]
pub struct QuantizeCodec {
    pub digits: i64,
    pub dtype: DType,
    pub astype: DType,
    /// 2^bits, the grid the values are rounded to.
    scale: f64,
}

impl QuantizeCodec {
    pub fn from_v3(config: Option<&Value>, ctx: CodecContext) -> Result<Self> {
        match config {
            Some(Value::Object(m)) => Self::parse(m, ctx),
            _ => Err(Error::Metadata(format!(
                "{NAME}: missing configuration with \"digits\""
            ))),
        }
    }

    pub fn from_v2(obj: &Map<String, Value>, ctx: CodecContext) -> Result<Self> {
        super::check_v2_id(obj, ID, NAME)?;
        Self::parse(obj, ctx)
    }

    fn parse(cfg: &Map<String, Value>, ctx: CodecContext) -> Result<Self> {
        super::check_keys(cfg, &["digits", "dtype", "astype"], NAME)?;
        let digits = cfg
            .get("digits")
            .and_then(Value::as_i64)
            .ok_or_else(|| Error::Metadata(format!("{NAME}: \"digits\" must be an integer")))?;
        let dt = |k: &str| -> Result<Option<DType>> {
            match super::dtype_entry(cfg, k, NAME)? {
                Some(d) if !matches!(d.kind, Kind::F32 | Kind::F64) => Err(Error::Unsupported(format!(
                    "{NAME}: {k} {} (float32 or float64 only)",
                    d.numpy_str()
                ))),
                other => Ok(other),
            }
        };
        // zarr-python fills in a missing dtype from the array; so does the context here.
        let dtype = match dt("dtype")? {
            Some(d) => d,
            None => DType {
                kind: match ctx.elem_size {
                    4 => Kind::F32,
                    8 => Kind::F64,
                    n => {
                        return Err(Error::Unsupported(format!(
                            "{NAME}: only float32 and float64 data (got {n}-byte elements)"
                        )))
                    }
                },
                big_endian: false,
            },
        };
        let astype = dt("astype")?.unwrap_or(dtype);
        Ok(QuantizeCodec {
            digits,
            dtype,
            astype,
            scale: scale(digits),
        })
    }

    fn check(&self, len: usize, dt: DType) -> Result<()> {
        if len % dt.kind.size() != 0 {
            return Err(Error::Codec(format!(
                "{NAME}: {len} bytes is not a whole number of {} elements",
                dt.numpy_str()
            )));
        }
        Ok(())
    }
}

/// numcodecs' scale: precision 10^-digits, its decimal exponent rounded away
/// from zero, then the power of two at or above 10^-exponent.
fn scale(digits: i64) -> f64 {
    let precision = 10f64.powf(-(digits as f64));
    let exp = precision.log10();
    let exp = if exp < 0.0 { exp.floor() } else { exp.ceil() };
    let bits = 10f64.powf(-exp).log2().ceil();
    2f64.powf(bits)
}

impl BytesCodec for QuantizeCodec {
    fn name(&self) -> &'static str {
        NAME
    }

    fn encode(&self, input: Vec<u8>) -> Result<Vec<u8>> {
        self.check(input.len(), self.dtype)?;
        let (d, a) = (self.dtype, self.astype);
        Ok(if d.kind == Kind::F32 {
            let s = self.scale as f32;
            let v: Vec<f32> = load_as::<f32, f32>(&input, d.big_endian)
                .into_iter()
                .map(|x| (s * x).round_ties_even() / s)
                .collect();
            with_prim!(a.kind, A => store_as::<f32, A>(&v, a.big_endian))
        } else {
            let s = self.scale;
            let v: Vec<f64> = load_as::<f64, f64>(&input, d.big_endian)
                .into_iter()
                .map(|x| (s * x).round_ties_even() / s)
                .collect();
            with_prim!(a.kind, A => store_as::<f64, A>(&v, a.big_endian))
        })
    }

    fn decode(&self, input: Vec<u8>, decoded_len: Option<usize>) -> Result<Vec<u8>> {
        self.check(input.len(), self.astype)?;
        let decodes_to = input.len() / self.astype.kind.size() * self.dtype.kind.size();
        super::check_decoded_len(NAME, decodes_to, decoded_len)?;
        let (d, a) = (self.dtype, self.astype);
        Ok(with_prim!(a.kind, A => {
            let v = load_as::<A, A>(&input, a.big_endian);
            with_prim!(d.kind, D => store_as::<A, D>(&v, d.big_endian))
        }))
    }

    fn to_v3_json(&self) -> Option<Value> {
        Some(json!({"name": NAME, "configuration": {
            "digits": self.digits,
            "dtype": self.dtype.numpy_str(),
            "astype": self.astype.numpy_str(),
        }}))
    }

    fn to_v2_json(&self) -> Option<Value> {
        Some(json!({
            "id": ID,
            "digits": self.digits,
            "dtype": self.dtype.numpy_str(),
            "astype": self.astype.numpy_str(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::crc32c::fixtures;

    #[test]
    fn numcodecs_fixtures() {
        for f in fixtures::load("quantize") {
            let c = QuantizeCodec::from_v2(&f.config, CodecContext { elem_size: f.elem_size })
                .unwrap_or_else(|e| panic!("{}: {e}", f.name));
            assert_eq!(c.encode(f.raw.clone()).unwrap(), f.enc, "{}", f.name);
            assert_eq!(c.decode(f.enc.clone(), None).unwrap(), f.dec, "{}", f.name);
        }
    }

    #[test]
    fn scale_matches_numcodecs_docstring() {
        // numcodecs' own examples: digits 1, 2, 3 give grids of 1/16, 1/128, 1/1024.
        assert_eq!(scale(1), 16.0);
        assert_eq!(scale(2), 128.0);
        assert_eq!(scale(3), 1024.0);
        assert_eq!(scale(0), 1.0);
        assert_eq!(scale(-1), 0.125);
    }

    #[test]
    fn config_errors() {
        let ctx = CodecContext { elem_size: 4 };
        let cfg = |v: Value| v.as_object().unwrap().clone();
        assert!(QuantizeCodec::from_v2(&cfg(json!({"id": "quantize", "dtype": "<f4"})), ctx).is_err());
        assert!(matches!(
            QuantizeCodec::from_v2(&cfg(json!({"id": "quantize", "digits": 2, "dtype": "<i4"})), ctx),
            Err(Error::Unsupported(m)) if m.contains("<i4")
        ));
        assert!(QuantizeCodec::from_v2(&cfg(json!({"id": "quantize", "digits": 2, "x": 1})), ctx).is_err());
        // A missing dtype comes from the element size, as zarr-python fills it in.
        let c = QuantizeCodec::from_v3(Some(&json!({"digits": 2})), CodecContext { elem_size: 8 }).unwrap();
        assert_eq!(c.dtype.kind, Kind::F64);
        assert!(QuantizeCodec::from_v3(Some(&json!({"digits": 2})), CodecContext { elem_size: 2 }).is_err());
        // Input of the wrong length is a codec error, not a panic.
        assert!(matches!(c.encode(vec![0; 7]), Err(Error::Codec(_))));
    }
}
