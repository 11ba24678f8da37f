//! numcodecs `Zlib` compressor: a zlib (RFC 1950) stream. In v3 metadata
//! zarr-python names it `numcodecs.zlib`; plain `zlib` is accepted too.

use super::{BytesCodec, CodecContext};
use crate::error::{Error, Result};
use flate2::{Compression, Decompress, FlushDecompress, Status};
use serde_json::{json, Map, Value};
use std::io::Write;

const NAME: &str = "numcodecs.zlib";
const ID: &str = "zlib";
/// numcodecs' default level.
const DEFAULT_LEVEL: i32 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZlibCodec {
    /// -1 (zlib's default, 6) or 0..=9, as Python's `zlib.compress` accepts.
    pub level: i32,
}

impl ZlibCodec {
    /// v3 `numcodecs.zlib` (or `zlib`) with configuration `{"level": int}`
    /// (optional, default 1); zarr-python also tolerates a matching `"id"`.
    pub fn from_v3(config: Option<&Value>, _ctx: CodecContext) -> Result<Self> {
        match config {
            None | Some(Value::Null) => Ok(ZlibCodec { level: DEFAULT_LEVEL }),
            Some(Value::Object(m)) => Self::parse(m),
            Some(other) => Err(Error::Metadata(format!(
                "{NAME}: configuration must be an object, got {other}"
            ))),
        }
    }

    /// numcodecs `{"id": "zlib", "level": int}`.
    pub fn from_v2(obj: &Map<String, Value>, _ctx: CodecContext) -> Result<Self> {
        super::check_v2_id(obj, ID, NAME)?;
        Self::parse(obj)
    }

    fn parse(cfg: &Map<String, Value>) -> Result<Self> {
        for (k, v) in cfg {
            match k.as_str() {
                "level" => {}
                "id" if v.as_str() == Some(ID) => {}
                _ => {
                    return Err(Error::Metadata(format!(
                        "{NAME}: unexpected configuration entry {k:?}: {v}"
                    )))
                }
            }
        }
        let level = match cfg.get("level") {
            None => DEFAULT_LEVEL,
            Some(v) => match v.as_i64() {
                Some(l @ -1..=9) => l as i32,
                _ => {
                    return Err(Error::Metadata(format!(
                        "{NAME}: level must be an integer from -1 to 9, got {v}"
                    )))
                }
            },
        };
        Ok(ZlibCodec { level })
    }
}

fn codec_err(e: impl std::fmt::Display) -> Error {
    Error::Codec(format!("{NAME}: {e}"))
}

/// Inflate one zlib stream. Like Python's `zlib.decompress`, bytes after the
/// end of the stream are ignored, and a stream that stops early is an error.
fn inflate(input: &[u8], decoded_len: Option<usize>) -> Result<Vec<u8>> {
    let mut d = Decompress::new(true);
    // One byte of slack so an over-long stream shows up without inflating all of it.
    // Grown fallibly: `decoded_len` comes from metadata, the rest from the data.
    let first = decoded_len.map_or(input.len().saturating_mul(4).min(1 << 24), |n| n.saturating_add(1));
    let mut out = super::try_capacity(first, NAME)?;
    loop {
        if out.len() == out.capacity() {
            out.try_reserve(out.capacity().max(1 << 16))
                .map_err(|_| Error::OutOfMemory(format!("{NAME}: cannot allocate {} bytes", out.len() * 2)))?;
        }
        let (in_before, out_before) = (d.total_in(), out.len());
        // FlushDecompress::None: miniz_oxide refuses to resume after a `Finish`
        // call that ran out of output space.
        let status = d
            .decompress_vec(&input[in_before as usize..], &mut out, FlushDecompress::None)
            .map_err(codec_err)?;
        if status == Status::StreamEnd {
            return Ok(out);
        }
        if let Some(n) = decoded_len {
            if out.len() > n {
                return Err(codec_err(format!("stream decodes to more than {n} bytes")));
            }
        }
        let stalled = d.total_in() == in_before && out.len() == out_before;
        // Room left in `out` yet no end of stream: the input ran out.
        if stalled || (out.len() < out.capacity() && d.total_in() as usize == input.len()) {
            return Err(codec_err("truncated stream"));
        }
    }
}

impl BytesCodec for ZlibCodec {
    fn name(&self) -> &'static str {
        NAME
    }

    fn encode(&self, input: Vec<u8>) -> Result<Vec<u8>> {
        let level = match self.level {
            -1 => Compression::default(),
            l => Compression::new(l as u32),
        };
        let mut e = flate2::write::ZlibEncoder::new(Vec::with_capacity(input.len() / 2 + 64), level);
        e.write_all(&input).map_err(codec_err)?;
        e.finish().map_err(codec_err)
    }

    fn decode(&self, input: Vec<u8>, decoded_len: Option<usize>) -> Result<Vec<u8>> {
        let out = inflate(&input, decoded_len)?;
        match decoded_len {
            Some(n) if n != out.len() => Err(codec_err(format!("decoded {} bytes, expected {n}", out.len()))),
            _ => Ok(out),
        }
    }

    fn decode_bounded(&self, input: Vec<u8>, max_len: usize) -> Result<Vec<u8>> {
        super::read_bounded(flate2::read::ZlibDecoder::new(&input[..]), max_len, NAME)
    }

    fn decode_stream<'a>(
        &self,
        input: Box<dyn std::io::Read + Send + 'a>,
    ) -> Option<Box<dyn std::io::Read + Send + 'a>> {
        Some(Box::new(flate2::read::ZlibDecoder::new(input)))
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
    use crate::codec::crc32c::fixtures;

    const CTX: CodecContext = CodecContext { elem_size: 1 };

    fn sample() -> Vec<u8> {
        (0..50_000u32).map(|i| ((i / 13) % 251) as u8).collect()
    }

    #[test]
    fn round_trip() {
        let data = sample();
        for level in -1..=9 {
            let c = ZlibCodec::from_v3(Some(&json!({"level": level})), CTX).unwrap();
            let enc = c.encode(data.clone()).unwrap();
            assert_eq!(&enc[..1], &[0x78]);
            assert_eq!(c.decode(enc.clone(), Some(data.len())).unwrap(), data);
            assert_eq!(c.decode(enc, None).unwrap(), data);
        }
        let c = ZlibCodec::from_v3(None, CTX).unwrap();
        let enc = c.encode(Vec::new()).unwrap();
        assert!(c.decode(enc.clone(), Some(0)).unwrap().is_empty());
        assert!(c.decode(enc, None).unwrap().is_empty());
        // Incompressible data larger than the initial capacity guess.
        let noise: Vec<u8> = (0..100_000u64)
            .map(|i| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as u8)
            .collect();
        let enc = c.encode(noise.clone()).unwrap();
        assert_eq!(c.decode(enc, None).unwrap(), noise);
    }

    #[test]
    fn config_parsing() {
        assert_eq!(ZlibCodec::from_v3(None, CTX).unwrap().level, 1);
        let c = ZlibCodec::from_v3(Some(&json!({"id": "zlib", "level": 9})), CTX).unwrap();
        assert_eq!(
            c.to_v3_json().unwrap(),
            json!({"name": "numcodecs.zlib", "configuration": {"level": 9}})
        );
        assert_eq!(c.to_v2_json().unwrap(), json!({"id": "zlib", "level": 9}));
        let v2 = json!({"id": "zlib", "level": 4});
        assert_eq!(ZlibCodec::from_v2(v2.as_object().unwrap(), CTX).unwrap().level, 4);
        for bad in [
            json!({"level": 10}),
            json!({"level": -2}),
            json!({"level": "1"}),
            json!({"id": "gzip"}),
            json!({"lvl": 1}),
            json!(1),
        ] {
            assert!(
                matches!(ZlibCodec::from_v3(Some(&bad), CTX), Err(Error::Metadata(_))),
                "{bad}"
            );
        }
        let no_id = json!({"level": 1});
        assert!(ZlibCodec::from_v2(no_id.as_object().unwrap(), CTX).is_err());
    }

    #[test]
    fn corrupt_input_is_an_error() {
        let data = sample();
        let c = ZlibCodec { level: 6 };
        let enc = c.encode(data.clone()).unwrap();
        for n in [0, 1, 2, 5, enc.len() / 2, enc.len() - 1] {
            assert!(c.decode(enc[..n].to_vec(), None).is_err(), "truncated to {n}");
            assert!(c.decode(enc[..n].to_vec(), Some(data.len())).is_err());
        }
        assert!(c.decode(enc.clone(), Some(data.len() - 1)).is_err());
        assert!(c.decode(enc.clone(), Some(data.len() + 1)).is_err());
        // The adler32 trailer catches payload corruption; nothing may panic.
        for i in 0..enc.len() {
            let mut bad = enc.clone();
            bad[i] ^= 0x01;
            let _ = c.decode(bad, None);
        }
        let mut bad = enc.clone();
        let last = bad.len() - 1;
        bad[last] ^= 0xff;
        assert!(c.decode(bad, None).is_err());
        // Trailing bytes after the stream are ignored, as in Python.
        let mut trailing = enc;
        trailing.extend_from_slice(b"xyz");
        assert_eq!(c.decode(trailing, None).unwrap(), data);
    }

    #[test]
    fn numcodecs_fixtures() {
        let all = fixtures::load("zlib");
        let mut identical = 0;
        for f in &all {
            let c = ZlibCodec::from_v2(&f.config, CodecContext { elem_size: f.elem_size })
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
            "zlib: {identical} of {} fixtures byte-identical to numcodecs",
            all.len()
        );
    }
}
