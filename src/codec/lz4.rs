//! numcodecs `LZ4` (`numcodecs.lz4` in v3, bytes->bytes): a raw LZ4 block
//! prefixed by the uncompressed size as 4-byte little-endian. lz4_flex has no
//! acceleration knob, so `acceleration` is kept for the metadata only; any
//! valid block decodes the same, so the output need not match liblz4's bytes.

use super::{BytesCodec, CodecContext};
use crate::error::{Error, Result};
use serde_json::{json, Map, Value};

const NAME: &str = "numcodecs.lz4";
const ID: &str = "lz4";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lz4Codec {
    pub acceleration: i64,
}

impl Lz4Codec {
    pub fn from_v3(config: Option<&Value>, ctx: CodecContext) -> Result<Self> {
        match config {
            Some(Value::Object(m)) => Self::parse(m, ctx),
            None | Some(Value::Null) => Self::parse(&Map::new(), ctx),
            Some(other) => Err(Error::Metadata(format!(
                "{NAME}: configuration must be an object, got {other}"
            ))),
        }
    }

    pub fn from_v2(obj: &Map<String, Value>, ctx: CodecContext) -> Result<Self> {
        super::check_v2_id(obj, ID, NAME)?;
        Self::parse(obj, ctx)
    }

    fn parse(cfg: &Map<String, Value>, _ctx: CodecContext) -> Result<Self> {
        for (k, v) in cfg {
            match k.as_str() {
                "acceleration" => {}
                "id" if v.as_str() == Some(ID) => {}
                _ => {
                    return Err(Error::Metadata(format!(
                        "{NAME}: unexpected configuration entry {k:?}: {v}"
                    )))
                }
            }
        }
        let acceleration = match cfg.get("acceleration") {
            None | Some(Value::Null) => 1,
            Some(v) => v
                .as_i64()
                .ok_or_else(|| Error::Metadata(format!("{NAME}: \"acceleration\" must be an integer, got {v}")))?,
        };
        Ok(Lz4Codec { acceleration })
    }
}

/// Decode after `check` accepted the size in the 4-byte header (untrusted:
/// checked, then allocated fallibly, before anything is decompressed).
fn decode_checked(input: &[u8], check: impl FnOnce(usize) -> Result<()>) -> Result<Vec<u8>> {
    let (head, block) = input
        .split_first_chunk::<4>()
        .ok_or_else(|| Error::Codec(format!("{NAME}: {} bytes is too short for the header", input.len())))?;
    let n = u32::from_le_bytes(*head) as usize;
    check(n)?;
    let mut out = crate::error::try_alloc(n, NAME)?;
    let got = lz4_flex::block::decompress_into(block, &mut out).map_err(|e| Error::Codec(format!("{NAME}: {e}")))?;
    if got != n {
        return Err(Error::Codec(format!("{NAME}: decoded {got} bytes, header says {n}")));
    }
    Ok(out)
}

impl BytesCodec for Lz4Codec {
    fn name(&self) -> &'static str {
        NAME
    }

    fn encode(&self, input: Vec<u8>) -> Result<Vec<u8>> {
        let n = u32::try_from(input.len())
            .map_err(|_| Error::Codec(format!("{NAME}: {} bytes exceed the 4-byte size header", input.len())))?;
        let mut out = n.to_le_bytes().to_vec();
        out.extend_from_slice(&lz4_flex::block::compress(&input));
        Ok(out)
    }

    fn decode(&self, input: Vec<u8>, decoded_len: Option<usize>) -> Result<Vec<u8>> {
        decode_checked(&input, |n| match decoded_len {
            Some(want) if want != n => Err(Error::Codec(format!("{NAME}: header says {n} bytes, expected {want}"))),
            _ => Ok(()),
        })
    }

    fn decode_bounded(&self, input: Vec<u8>, max_len: usize) -> Result<Vec<u8>> {
        decode_checked(&input, |n| super::check_bound(NAME, n, max_len))
    }

    fn to_v3_json(&self) -> Option<Value> {
        Some(json!({"name": NAME, "configuration": {"acceleration": self.acceleration}}))
    }

    fn to_v2_json(&self) -> Option<Value> {
        Some(json!({"id": ID, "acceleration": self.acceleration}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::crc32c::fixtures;

    const CTX: CodecContext = CodecContext { elem_size: 4 };

    #[test]
    fn round_trip_and_errors() {
        let c = Lz4Codec::from_v3(None, CTX).unwrap();
        let x: Vec<u8> = (0..5000u32).map(|i| (i % 7) as u8).collect();
        let enc = c.encode(x.clone()).unwrap();
        assert_eq!(enc[..4], 5000u32.to_le_bytes());
        assert!(enc.len() < x.len());
        assert_eq!(c.decode(enc.clone(), Some(5000)).unwrap(), x);
        assert!(c.decode(enc.clone(), Some(4999)).is_err());
        assert!(c.decode(enc[..10].to_vec(), None).is_err());
        assert!(c.decode(vec![1, 2], None).is_err());
        assert_eq!(c.decode(c.encode(vec![]).unwrap(), Some(0)).unwrap(), Vec::<u8>::new());
        assert!(Lz4Codec::from_v3(Some(&json!({"level": 1})), CTX).is_err());
    }

    #[test]
    fn numcodecs_fixtures() {
        for f in fixtures::load("lz4_") {
            let c = Lz4Codec::from_v2(&f.config, CodecContext { elem_size: f.elem_size })
                .unwrap_or_else(|e| panic!("{}: {e}", f.name));
            assert_eq!(c.to_v2_json().unwrap(), Value::Object(f.config.clone()), "{}", f.name);
            assert_eq!(c.decode(f.enc.clone(), Some(f.raw.len())).unwrap(), f.raw, "{}", f.name);
            let ours = c.encode(f.raw.clone()).unwrap();
            assert_eq!(c.decode(ours, Some(f.raw.len())).unwrap(), f.raw, "{}", f.name);
        }
    }
}
