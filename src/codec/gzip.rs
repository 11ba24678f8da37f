//! `gzip` compressor (zarr v3 core codec; numcodecs `GZip` in v2): a gzip
//! (RFC 1952) container, possibly with several members on decode.

use super::{BytesCodec, CodecContext};
use crate::error::{Error, Result};
use flate2::Compression;
use serde_json::{json, Map, Value};
use std::io::{Read, Write};

const NAME: &str = "gzip";
/// numcodecs' default level (v2 objects may omit it).
const DEFAULT_LEVEL: i32 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GzipCodec {
    /// 0..=9; v2 also allows -1 (zlib's default, 6) as Python's gzip module does.
    pub level: i32,
}

impl GzipCodec {
    /// v3 `gzip` with configuration `{"level": 0..=9}` (required by the spec).
    pub fn from_v3(config: Option<&Value>, _ctx: CodecContext) -> Result<Self> {
        let cfg = match config {
            Some(Value::Object(m)) => m,
            None | Some(Value::Null) => return Err(Error::Metadata(format!("{NAME}: missing configuration"))),
            Some(other) => {
                return Err(Error::Metadata(format!(
                    "{NAME}: configuration must be an object, got {other}"
                )))
            }
        };
        if let Some(k) = cfg.keys().find(|k| *k != "level") {
            return Err(Error::Metadata(format!("{NAME}: unexpected configuration key {k:?}")));
        }
        let level = cfg
            .get("level")
            .ok_or_else(|| Error::Metadata(format!("{NAME}: missing \"level\"")))?;
        Ok(GzipCodec {
            level: parse_level(level, 0)?,
        })
    }

    /// numcodecs `{"id": "gzip", "level": int}`.
    pub fn from_v2(obj: &Map<String, Value>, _ctx: CodecContext) -> Result<Self> {
        super::check_v2_id(obj, NAME, NAME)?;
        if let Some(k) = obj.keys().find(|k| *k != "id" && *k != "level") {
            return Err(Error::Metadata(format!("{NAME}: unexpected configuration key {k:?}")));
        }
        let level = match obj.get("level") {
            None => DEFAULT_LEVEL,
            Some(v) => parse_level(v, -1)?,
        };
        Ok(GzipCodec { level })
    }
}

fn parse_level(v: &Value, min: i64) -> Result<i32> {
    match v.as_i64() {
        Some(l) if (min..=9).contains(&l) => Ok(l as i32),
        _ => Err(Error::Metadata(format!(
            "{NAME}: level must be an integer from {min} to 9, got {v}"
        ))),
    }
}

fn codec_err(e: impl std::fmt::Display) -> Error {
    Error::Codec(format!("{NAME}: {e}"))
}

impl BytesCodec for GzipCodec {
    fn name(&self) -> &'static str {
        NAME
    }

    fn encode(&self, input: Vec<u8>) -> Result<Vec<u8>> {
        let level = match self.level {
            -1 => Compression::default(),
            l => Compression::new(l as u32),
        };
        // mtime 0 keeps the output reproducible (numcodecs stores the current time).
        let mut e = flate2::write::GzEncoder::new(Vec::with_capacity(input.len() / 2 + 64), level);
        e.write_all(&input).map_err(codec_err)?;
        e.finish().map_err(codec_err)
    }

    fn decode(&self, input: Vec<u8>, decoded_len: Option<usize>) -> Result<Vec<u8>> {
        // Reserved fallibly: `decoded_len` comes from metadata.
        let mut out = super::try_capacity(decoded_len.unwrap_or(input.len().saturating_mul(4)), NAME)?;
        let dec = flate2::read::MultiGzDecoder::new(&input[..]);
        // Read one byte past the expected size so an over-long stream is noticed
        // without inflating all of it.
        let limit = decoded_len.map_or(u64::MAX, |n| n as u64 + 1);
        dec.take(limit).read_to_end(&mut out).map_err(codec_err)?;
        match decoded_len {
            Some(n) if n != out.len() => Err(codec_err(format!(
                "decoded {} bytes, expected {n}",
                if out.len() > n {
                    format!("more than {n}")
                } else {
                    out.len().to_string()
                }
            ))),
            _ => Ok(out),
        }
    }

    fn decode_bounded(&self, input: Vec<u8>, max_len: usize) -> Result<Vec<u8>> {
        super::read_bounded(flate2::read::MultiGzDecoder::new(&input[..]), max_len, NAME)
    }

    fn decode_stream<'a>(
        &self,
        input: Box<dyn std::io::Read + Send + 'a>,
    ) -> Option<Box<dyn std::io::Read + Send + 'a>> {
        Some(Box::new(flate2::read::MultiGzDecoder::new(input)))
    }

    fn to_v3_json(&self) -> Option<Value> {
        Some(json!({ "name": NAME, "configuration": { "level": self.level } }))
    }

    fn to_v2_json(&self) -> Option<Value> {
        Some(json!({ "id": NAME, "level": self.level }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::crc32c::fixtures;

    const CTX: CodecContext = CodecContext { elem_size: 1 };

    fn sample() -> Vec<u8> {
        (0..50_000u32).map(|i| ((i / 13) % 251) as u8).collect()
    }

    #[test]
    fn round_trip() {
        let data = sample();
        for level in 0..=9 {
            let c = GzipCodec::from_v3(Some(&json!({"level": level})), CTX).unwrap();
            let enc = c.encode(data.clone()).unwrap();
            assert_eq!(&enc[..2], &[0x1f, 0x8b]);
            assert_eq!(c.decode(enc.clone(), Some(data.len())).unwrap(), data);
            assert_eq!(c.decode(enc, None).unwrap(), data);
        }
        let c = GzipCodec { level: -1 };
        let enc = c.encode(Vec::new()).unwrap();
        assert!(c.decode(enc.clone(), Some(0)).unwrap().is_empty());
        assert!(c.decode(enc, None).unwrap().is_empty());
    }

    #[test]
    fn multiple_members() {
        let c = GzipCodec { level: 5 };
        let mut enc = c.encode(b"hello ".to_vec()).unwrap();
        enc.extend(c.encode(b"world".to_vec()).unwrap());
        assert_eq!(c.decode(enc.clone(), None).unwrap(), b"hello world");
        assert_eq!(c.decode(enc, Some(11)).unwrap(), b"hello world");
    }

    #[test]
    fn config_parsing() {
        let c = GzipCodec::from_v3(Some(&json!({"level": 5})), CTX).unwrap();
        assert_eq!(
            c.to_v3_json().unwrap(),
            json!({"name": "gzip", "configuration": {"level": 5}})
        );
        assert_eq!(c.to_v2_json().unwrap(), json!({"id": "gzip", "level": 5}));
        let v2 = json!({"id": "gzip"});
        assert_eq!(GzipCodec::from_v2(v2.as_object().unwrap(), CTX).unwrap().level, 1);
        let v2 = json!({"id": "gzip", "level": -1});
        assert_eq!(GzipCodec::from_v2(v2.as_object().unwrap(), CTX).unwrap().level, -1);
        for bad in [
            json!({"level": -1}),
            json!({"level": 10}),
            json!({"level": "5"}),
            json!({}),
            json!({"level": 5, "x": 1}),
            json!("gzip"),
        ] {
            assert!(
                matches!(GzipCodec::from_v3(Some(&bad), CTX), Err(Error::Metadata(_))),
                "{bad}"
            );
        }
        assert!(GzipCodec::from_v3(None, CTX).is_err());
        let bad = json!({"id": "zlib", "level": 1});
        assert!(GzipCodec::from_v2(bad.as_object().unwrap(), CTX).is_err());
    }

    #[test]
    fn corrupt_input_is_an_error() {
        let data = sample();
        let c = GzipCodec { level: 6 };
        let enc = c.encode(data.clone()).unwrap();
        for n in [1, 2, 9, 10, 15, enc.len() / 2, enc.len() - 8, enc.len() - 1] {
            assert!(c.decode(enc[..n].to_vec(), None).is_err(), "truncated to {n}");
            assert!(c.decode(enc[..n].to_vec(), Some(data.len())).is_err());
        }
        assert!(c.decode(enc.clone(), Some(data.len() - 1)).is_err());
        assert!(c.decode(enc.clone(), Some(data.len() + 1)).is_err());
        // CRC32 and ISIZE in the trailer catch payload corruption; no panics.
        for i in 0..enc.len() {
            let mut bad = enc.clone();
            bad[i] ^= 0x01;
            let _ = c.decode(bad, None);
        }
        let mut bad = enc.clone();
        let crc_pos = bad.len() - 8;
        bad[crc_pos] ^= 0xff;
        assert!(c.decode(bad, None).is_err());
        assert!(c.decode(b"definitely not gzip".to_vec(), None).is_err());
    }

    #[test]
    fn numcodecs_fixtures() {
        let all = fixtures::load("gzip");
        let mut identical = 0;
        for f in &all {
            let c = GzipCodec::from_v2(&f.config, CodecContext { elem_size: f.elem_size })
                .unwrap_or_else(|e| panic!("{}: {e}", f.name));
            assert_eq!(c.decode(f.enc.clone(), Some(f.raw.len())).unwrap(), f.dec, "{}", f.name);
            assert_eq!(c.decode(f.enc.clone(), None).unwrap(), f.dec, "{}", f.name);
            let ours = c.encode(f.raw.clone()).unwrap();
            assert_eq!(c.decode(ours.clone(), None).unwrap(), f.raw, "{}", f.name);
            if f.exact {
                assert_eq!(ours, f.enc, "{}", f.name);
            }
            identical += usize::from(ours == f.enc);
        }
        eprintln!(
            "gzip: {identical} of {} fixtures byte-identical to numcodecs",
            all.len()
        );
    }
}
