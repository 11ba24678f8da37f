//! numcodecs `FixedScaleOffset` filter: `round((x - offset) * scale)` stored
//! as `astype`, decoded as `enc / scale + offset` cast to `dtype`. Arithmetic
//! follows numpy 2: float32 operands stay float32 (Python scalars are weak),
//! integers compute in float64; rounding is half to even (`np.around`).
//!
//! `astype` usually has another element size than `dtype` (f8 -> i2): in v3
//! (`numcodecs.fixedscaleoffset`, an array->array codec in zarr-python) the
//! codec pipeline then hands the `bytes` codec elements of `astype`.

use super::delta::{load_as, store_as, with_prim, DType, Kind};
use super::{BytesCodec, CodecContext};
use crate::error::{Error, Result};
use serde_json::{json, Map, Value};

const NAME: &str = "numcodecs.fixedscaleoffset";
const ID: &str = "fixedscaleoffset";

#[derive(Debug, Clone, PartialEq)]
pub struct FixedScaleOffsetCodec {
    pub offset: f64,
    pub scale: f64,
    pub dtype: DType,
    pub astype: DType,
    /// The numbers as written, so metadata round-trips unchanged.
    raw_offset: Value,
    raw_scale: Value,
}

impl FixedScaleOffsetCodec {
    pub fn from_v3(config: Option<&Value>, ctx: CodecContext) -> Result<Self> {
        match config {
            Some(Value::Object(m)) => Self::parse(m, ctx),
            _ => Err(Error::Metadata(format!(
                "{NAME}: missing configuration with \"offset\" and \"scale\""
            ))),
        }
    }

    pub fn from_v2(obj: &Map<String, Value>, ctx: CodecContext) -> Result<Self> {
        super::check_v2_id(obj, ID, NAME)?;
        Self::parse(obj, ctx)
    }

    fn parse(obj: &Map<String, Value>, _ctx: CodecContext) -> Result<Self> {
        super::check_keys(obj, &["offset", "scale", "dtype", "astype"], NAME)?;
        let num = |k: &str| -> Result<(f64, Value)> {
            let v = obj
                .get(k)
                .ok_or_else(|| Error::Metadata(format!("{NAME}: missing \"{k}\"")))?;
            let f = v
                .as_f64()
                .ok_or_else(|| Error::Metadata(format!("{NAME}: \"{k}\" must be a number, got {v}")))?;
            Ok((f, v.clone()))
        };
        let dt = |k: &str| super::dtype_entry(obj, k, NAME);
        let (offset, raw_offset) = num("offset")?;
        let (scale, raw_scale) = num("scale")?;
        let dtype = dt("dtype")?.ok_or_else(|| Error::Metadata(format!("{NAME}: missing \"dtype\"")))?;
        let astype = dt("astype")?.unwrap_or(dtype);
        Ok(FixedScaleOffsetCodec {
            offset,
            scale,
            dtype,
            astype,
            raw_offset,
            raw_scale,
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

impl BytesCodec for FixedScaleOffsetCodec {
    fn name(&self) -> &'static str {
        NAME
    }

    fn encode(&self, input: Vec<u8>) -> Result<Vec<u8>> {
        self.check(input.len(), self.dtype)?;
        let (d, a) = (self.dtype, self.astype);
        Ok(if d.kind == Kind::F32 {
            let (o, s) = (self.offset as f32, self.scale as f32);
            let v: Vec<f32> = load_as::<f32, f32>(&input, d.big_endian)
                .into_iter()
                .map(|x| ((x - o) * s).round_ties_even())
                .collect();
            with_prim!(a.kind, A => store_as::<f32, A>(&v, a.big_endian))
        } else {
            let v: Vec<f64> = with_prim!(d.kind, D => load_as::<D, f64>(&input, d.big_endian))
                .into_iter()
                .map(|x| ((x - self.offset) * self.scale).round_ties_even())
                .collect();
            with_prim!(a.kind, A => store_as::<f64, A>(&v, a.big_endian))
        })
    }

    fn max_encoded_len(&self, decoded_len: usize) -> usize {
        // `astype` may be wider than `dtype` (up to 8 bytes for 1).
        (decoded_len / self.dtype.kind.size().max(1))
            .saturating_mul(self.astype.kind.size())
            .saturating_add(1 << 16)
    }

    fn decode(&self, input: Vec<u8>, decoded_len: Option<usize>) -> Result<Vec<u8>> {
        self.check(input.len(), self.astype)?;
        let decodes_to = input.len() / self.astype.kind.size() * self.dtype.kind.size();
        super::check_decoded_len(NAME, decodes_to, decoded_len)?;
        let (d, a) = (self.dtype, self.astype);
        Ok(if a.kind == Kind::F32 {
            let (o, s) = (self.offset as f32, self.scale as f32);
            let v: Vec<f32> = load_as::<f32, f32>(&input, a.big_endian)
                .into_iter()
                .map(|x| x / s + o)
                .collect();
            with_prim!(d.kind, D => store_as::<f32, D>(&v, d.big_endian))
        } else {
            let v: Vec<f64> = with_prim!(a.kind, A => load_as::<A, f64>(&input, a.big_endian))
                .into_iter()
                .map(|x| x / self.scale + self.offset)
                .collect();
            with_prim!(d.kind, D => store_as::<f64, D>(&v, d.big_endian))
        })
    }

    fn to_v3_json(&self) -> Option<Value> {
        Some(json!({"name": NAME, "configuration": {
            "offset": self.raw_offset,
            "scale": self.raw_scale,
            "dtype": self.dtype.numpy_str(),
            "astype": self.astype.numpy_str(),
        }}))
    }

    fn to_v2_json(&self) -> Option<Value> {
        Some(json!({
            "id": ID,
            "offset": self.raw_offset,
            "scale": self.raw_scale,
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
    fn v3_config() {
        let ctx = CodecContext { elem_size: 8 };
        assert!(matches!(
            FixedScaleOffsetCodec::from_v3(None, ctx),
            Err(Error::Metadata(_))
        ));
        let cfg = json!({"offset": 1000, "scale": 10, "dtype": "<f8", "astype": "<i2"});
        let c = FixedScaleOffsetCodec::from_v3(Some(&cfg), ctx).unwrap();
        assert_eq!(c.to_v3_json().unwrap()["configuration"], cfg);
        let no_dtype = json!({"offset": 1, "scale": 2});
        assert!(FixedScaleOffsetCodec::from_v3(Some(&no_dtype), ctx).is_err());
    }

    #[test]
    fn numcodecs_fixtures() {
        for f in fixtures::load("fixedscaleoffset") {
            let c = FixedScaleOffsetCodec::from_v2(&f.config, CodecContext { elem_size: f.elem_size })
                .unwrap_or_else(|e| panic!("{}: {e}", f.name));
            assert_eq!(c.encode(f.raw.clone()).unwrap(), f.enc, "{}", f.name);
            assert_eq!(c.decode(f.enc.clone(), None).unwrap(), f.dec, "{}", f.name);
        }
    }
}
