//! numcodecs `BitRound` filter (`numcodecs.bitround` in v3): keeps the top
//! `keepbits` mantissa bits of each float, rounding half to even in the
//! integer view exactly as numcodecs does. Decoding is the identity.
//!
//! numcodecs reads the float width from the buffer's dtype; here it comes from
//! the element size (4: float32, 8: float64), little-endian as zarr stores it.

use super::{BytesCodec, CodecContext};
use crate::error::{Error, Result};
use serde_json::{json, Map, Value};

const NAME: &str = "numcodecs.bitround";
const ID: &str = "bitround";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitRoundCodec {
    pub keepbits: u32,
    /// 4 or 8 bytes per element.
    pub elem_size: usize,
}

impl BitRoundCodec {
    pub fn from_v3(config: Option<&Value>, ctx: CodecContext) -> Result<Self> {
        match config {
            Some(Value::Object(m)) => Self::parse(m, ctx),
            _ => Err(Error::Metadata(format!(
                "{NAME}: missing configuration with \"keepbits\""
            ))),
        }
    }

    pub fn from_v2(obj: &Map<String, Value>, ctx: CodecContext) -> Result<Self> {
        super::check_v2_id(obj, ID, NAME)?;
        Self::parse(obj, ctx)
    }

    fn parse(cfg: &Map<String, Value>, ctx: CodecContext) -> Result<Self> {
        for (k, v) in cfg {
            match k.as_str() {
                "keepbits" => {}
                "id" if v.as_str() == Some(ID) => {}
                _ => {
                    return Err(Error::Metadata(format!(
                        "{NAME}: unexpected configuration entry {k:?}: {v}"
                    )))
                }
            }
        }
        let keepbits = cfg
            .get("keepbits")
            .and_then(Value::as_u64)
            .ok_or_else(|| Error::Metadata(format!("{NAME}: \"keepbits\" must be a non-negative integer")))?;
        let mantissa = match ctx.elem_size {
            4 => 23,
            8 => 52,
            n => {
                return Err(Error::Unsupported(format!(
                    "{NAME}: only float32 and float64 data (got {n}-byte elements)"
                )))
            }
        };
        if keepbits > mantissa {
            return Err(Error::Metadata(format!(
                "{NAME}: keepbits {keepbits} exceeds the {mantissa} mantissa bits"
            )));
        }
        Ok(BitRoundCodec {
            keepbits: keepbits as u32,
            elem_size: ctx.elem_size,
        })
    }

    fn mantissa_bits(&self) -> u32 {
        if self.elem_size == 4 {
            23
        } else {
            52
        }
    }
}

macro_rules! round_all {
    ($t:ty, $buf:expr, $maskbits:expr) => {{
        let maskbits = $maskbits;
        let mask: $t = (!0 as $t) << maskbits;
        let half: $t = (1 << (maskbits - 1)) - 1;
        for c in $buf.chunks_exact_mut(std::mem::size_of::<$t>()) {
            let b = <$t>::from_le_bytes(c.try_into().expect("element-sized slice"));
            // numcodecs works on signed ints with wrapping adds; unsigned wraps the same bits.
            let r = b.wrapping_add((b >> maskbits) & 1).wrapping_add(half) & mask;
            c.copy_from_slice(&r.to_le_bytes());
        }
    }};
}

impl BytesCodec for BitRoundCodec {
    fn name(&self) -> &'static str {
        NAME
    }

    fn encode(&self, mut input: Vec<u8>) -> Result<Vec<u8>> {
        if input.len() % self.elem_size != 0 {
            return Err(Error::Codec(format!(
                "{NAME}: input of {} bytes is not a whole number of {}-byte floats",
                input.len(),
                self.elem_size
            )));
        }
        let maskbits = self.mantissa_bits() - self.keepbits;
        if maskbits == 0 {
            return Ok(input);
        }
        if self.elem_size == 4 {
            round_all!(u32, input, maskbits)
        } else {
            round_all!(u64, input, maskbits)
        }
        Ok(input)
    }

    fn decode(&self, input: Vec<u8>, decoded_len: Option<usize>) -> Result<Vec<u8>> {
        super::check_decoded_len(NAME, input.len(), decoded_len)?;
        Ok(input)
    }

    fn to_v3_json(&self) -> Option<Value> {
        Some(json!({"name": NAME, "configuration": {"keepbits": self.keepbits}}))
    }

    fn to_v2_json(&self) -> Option<Value> {
        Some(json!({"id": ID, "keepbits": self.keepbits}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::crc32c::fixtures;

    #[test]
    fn config_and_errors() {
        let ctx = CodecContext { elem_size: 4 };
        let c = BitRoundCodec::from_v3(Some(&json!({"keepbits": 10})), ctx).unwrap();
        assert_eq!(c.to_v2_json().unwrap(), json!({"id": "bitround", "keepbits": 10}));
        assert!(BitRoundCodec::from_v3(Some(&json!({"keepbits": 24})), ctx).is_err());
        assert!(BitRoundCodec::from_v3(Some(&json!({"keepbits": 40})), CodecContext { elem_size: 8 }).is_ok());
        assert!(matches!(
            BitRoundCodec::from_v3(Some(&json!({"keepbits": 3})), CodecContext { elem_size: 2 }),
            Err(Error::Unsupported(_))
        ));
        assert!(BitRoundCodec::from_v3(None, ctx).is_err());
        assert!(c.encode(vec![0; 6]).is_err());
        // keepbits == mantissa bits is the identity.
        let full = BitRoundCodec::from_v3(Some(&json!({"keepbits": 23})), ctx).unwrap();
        assert_eq!(full.encode(vec![1, 2, 3, 4]).unwrap(), [1, 2, 3, 4]);
    }

    #[test]
    fn numcodecs_fixtures() {
        for f in fixtures::load("bitround") {
            let c = BitRoundCodec::from_v2(&f.config, CodecContext { elem_size: f.elem_size })
                .unwrap_or_else(|e| panic!("{}: {e}", f.name));
            assert_eq!(c.to_v2_json().unwrap(), Value::Object(f.config.clone()), "{}", f.name);
            assert_eq!(c.encode(f.raw.clone()).unwrap(), f.enc, "{}", f.name);
            assert_eq!(c.decode(f.enc.clone(), None).unwrap(), f.dec, "{}", f.name);
        }
    }
}
