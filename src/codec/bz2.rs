//! numcodecs `BZ2` compressor (v2 id `bz2`, v3 `numcodecs.bz2`): a bzip2
//! stream (several concatenated streams on decode, as Python's
//! `bz2.decompress` reads them). Also N5's `bzip2` compression, whose
//! `blockSize` (1..=9, in 100 kB) is bzip2's level.

use super::{BytesCodec, CodecContext};
use crate::error::{Error, Result};
use serde_json::{json, Map, Value};
use std::io::Write;

const NAME: &str = "numcodecs.bz2";
const ID: &str = "bz2";
/// numcodecs' default level.
const DEFAULT_LEVEL: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bz2Codec {
    /// 1..=9 (bzip2's block size in units of 100 kB).
    pub level: u32,
}

fn codec_err(e: impl std::fmt::Display) -> Error {
    Error::Codec(format!("{NAME}: {e}"))
}

impl Bz2Codec {
    pub fn new(level: i64) -> Result<Self> {
        match level {
            1..=9 => Ok(Bz2Codec { level: level as u32 }),
            _ => Err(Error::Metadata(format!(
                "{NAME}: level must be an integer from 1 to 9, got {level}"
            ))),
        }
    }

    /// v3 `numcodecs.bz2` with configuration `{"level": 1..=9}` (optional).
    pub fn from_v3(config: Option<&Value>, ctx: CodecContext) -> Result<Self> {
        match config {
            None | Some(Value::Null) => Ok(Bz2Codec { level: DEFAULT_LEVEL }),
            Some(Value::Object(m)) => {
                let mut m = m.clone();
                m.entry("id").or_insert(ID.into());
                Self::from_v2(&m, ctx)
            }
            Some(other) => Err(Error::Metadata(format!(
                "{NAME}: configuration must be an object, got {other}"
            ))),
        }
    }

    /// numcodecs `{"id": "bz2", "level": int}`.
    pub fn from_v2(obj: &Map<String, Value>, _ctx: CodecContext) -> Result<Self> {
        super::check_v2_id(obj, ID, NAME)?;
        super::check_keys(obj, &["level"], NAME)?;
        match obj.get("level") {
            None => Ok(Bz2Codec { level: DEFAULT_LEVEL }),
            Some(v) => Self::new(
                v.as_i64()
                    .ok_or_else(|| Error::Metadata(format!("{NAME}: level must be an integer, got {v}")))?,
            ),
        }
    }
}

impl BytesCodec for Bz2Codec {
    fn name(&self) -> &'static str {
        NAME
    }

    fn encode(&self, input: Vec<u8>) -> Result<Vec<u8>> {
        self.encode_slice(&input)
    }

    fn encode_slice(&self, input: &[u8]) -> Result<Vec<u8>> {
        let mut e = bzip2::write::BzEncoder::new(
            Vec::with_capacity(input.len() / 2 + 64),
            bzip2::Compression::new(self.level),
        );
        e.write_all(input).map_err(codec_err)?;
        e.finish().map_err(codec_err)
    }

    fn decode(&self, input: Vec<u8>, decoded_len: Option<usize>) -> Result<Vec<u8>> {
        match decoded_len {
            None => self.decode_bounded(input, usize::MAX),
            Some(n) => {
                let out = self.decode_bounded(input, n)?;
                if out.len() != n {
                    return Err(codec_err(format!("decoded {} bytes, expected {n}", out.len())));
                }
                Ok(out)
            }
        }
    }

    fn decode_bounded(&self, input: Vec<u8>, max_len: usize) -> Result<Vec<u8>> {
        super::read_bounded(bzip2::read::MultiBzDecoder::new(&input[..]), max_len, NAME)
    }

    fn decode_stream<'a>(
        &self,
        input: Box<dyn std::io::Read + Send + 'a>,
    ) -> Option<Box<dyn std::io::Read + Send + 'a>> {
        Some(Box::new(bzip2::read::MultiBzDecoder::new(input)))
    }

    fn to_v3_json(&self) -> Option<Value> {
        Some(json!({ "name": NAME, "configuration": { "level": self.level } }))
    }

    fn to_v2_json(&self) -> Option<Value> {
        Some(json!({ "id": ID, "level": self.level }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn read_all(mut r: impl Read) -> Vec<u8> {
        let mut v = vec![];
        r.read_to_end(&mut v).unwrap();
        v
    }

    const CTX: CodecContext = CodecContext { elem_size: 1 };

    #[test]
    fn round_trip_levels_and_bad_input() {
        let data: Vec<u8> = (0..40_000u32).map(|i| ((i / 7) % 251) as u8).collect();
        for level in [1, 9] {
            let c = Bz2Codec::from_v2(json!({"id": "bz2", "level": level}).as_object().unwrap(), CTX).unwrap();
            let enc = c.encode(data.clone()).unwrap();
            assert!(enc.starts_with(b"BZh") && enc.len() < data.len() / 4);
            assert_eq!(read_all(bzip2::read::BzDecoder::new(&enc[..])), data);
            assert_eq!(c.decode(enc.clone(), Some(data.len())).unwrap(), data);
            // Two streams back to back decode as one.
            let two = [enc.clone(), enc.clone()].concat();
            assert_eq!(c.decode(two, None).unwrap(), [data.clone(), data.clone()].concat());
            assert!(matches!(
                c.decode(enc[..enc.len() / 2].to_vec(), Some(data.len())),
                Err(Error::Codec(_))
            ));
            assert!(matches!(c.decode_bounded(enc, 100), Err(Error::Codec(_))));
        }
        assert!(Bz2Codec::from_v2(json!({"id": "bz2", "level": 0}).as_object().unwrap(), CTX).is_err());
        assert!(Bz2Codec::from_v2(json!({"id": "bz2", "lvl": 1}).as_object().unwrap(), CTX).is_err());
        assert_eq!(Bz2Codec::from_v3(None, CTX).unwrap().level, 1);
    }
}
