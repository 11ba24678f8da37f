//! `zstd` compressor (zarr v3 core codec; numcodecs `Zstd` in v2).

use super::{BytesCodec, CodecContext};
use crate::error::{Error, Result};
use serde_json::{json, Map, Value};

const NAME: &str = "zstd";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZstdCodec {
    /// zstd level; 0 means zstd's default (3), negative levels are the fast modes.
    pub level: i32,
    /// Write the optional XXH64 content checksum into each frame.
    pub checksum: bool,
}

impl ZstdCodec {
    /// v3 `zstd` with configuration `{"level": int, "checksum": bool}`; both
    /// optional (zarr-python defaults: level 0, checksum false).
    pub fn from_v3(config: Option<&Value>, _ctx: CodecContext) -> Result<Self> {
        let empty = Map::new();
        let cfg = match config {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(m)) => m,
            Some(other) => {
                return Err(Error::Metadata(format!(
                    "{NAME}: configuration must be an object, got {other}"
                )))
            }
        };
        let codec = Self::parse(cfg, &["level", "checksum"])?;
        // zarr-python rejects levels above zstd's maximum instead of clamping.
        if codec.level > zstd::zstd_safe::max_c_level() {
            return Err(Error::Metadata(format!(
                "{NAME}: level {} is above the maximum {}",
                codec.level,
                zstd::zstd_safe::max_c_level()
            )));
        }
        Ok(codec)
    }

    /// numcodecs `{"id": "zstd", "level": int, "checksum": bool}` (both optional);
    /// out-of-range levels are clamped by zstd, as in numcodecs.
    pub fn from_v2(obj: &Map<String, Value>, _ctx: CodecContext) -> Result<Self> {
        match obj.get("id").and_then(Value::as_str) {
            Some(NAME) => {}
            _ => {
                return Err(Error::Metadata(format!(
                    "{NAME}: expected \"id\": \"{NAME}\" in {}",
                    Value::Object(obj.clone())
                )))
            }
        }
        Self::parse(obj, &["id", "level", "checksum"])
    }

    fn parse(cfg: &Map<String, Value>, allowed: &[&str]) -> Result<Self> {
        if let Some(k) = cfg.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(Error::Metadata(format!("{NAME}: unexpected configuration key {k:?}")));
        }
        let level = match cfg.get("level") {
            None => 0,
            Some(v) => v
                .as_i64()
                .and_then(|l| i32::try_from(l).ok())
                .ok_or_else(|| Error::Metadata(format!("{NAME}: level must be an integer, got {v}")))?,
        };
        let checksum = match cfg.get("checksum") {
            None => false,
            Some(v) => v
                .as_bool()
                .ok_or_else(|| Error::Metadata(format!("{NAME}: checksum must be a boolean, got {v}")))?,
        };
        Ok(ZstdCodec { level, checksum })
    }
}

fn codec_err(e: impl std::fmt::Display) -> Error {
    Error::Codec(format!("{NAME}: {e}"))
}

/// Largest compression context a thread keeps between chunks (level 3 on a
/// 32 MiB chunk needs about 1.5 MiB).
const MAX_KEPT_CONTEXT: usize = 16 << 20;

thread_local! {
    static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

fn fresh_compressor() -> Result<zstd::bulk::Compressor<'static>> {
    zstd::bulk::Compressor::new(0).map_err(codec_err)
}

impl ZstdCodec {
    fn compress_with(&self, c: &mut zstd::bulk::Compressor<'static>, input: &[u8]) -> Result<Vec<u8>> {
        use zstd::zstd_safe::CParameter;
        c.set_parameter(CParameter::CompressionLevel(self.level))
            .map_err(codec_err)?;
        c.set_parameter(CParameter::ChecksumFlag(self.checksum))
            .map_err(codec_err)?;
        let mut out = c.compress(input).map_err(codec_err)?;
        // The buffer has room for the worst case (the input's size and more):
        // give the rest back, or a shard's encoded inner chunks each keep a
        // whole chunk's worth of heap while the shard is assembled.
        if out.capacity() > 2 * out.len() + 4096 {
            out.shrink_to_fit();
        }
        Ok(out)
    }
}

thread_local! {
    static DECOMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// Decode every frame of `input` into `out` (its capacity is the limit),
/// with this thread's decompression context: making one per chunk costs
/// about as much as decoding a small inner chunk of a shard. A context
/// keeps no state between frames that changes the output.
fn decompress_into(input: &[u8], out: &mut Vec<u8>) -> Result<()> {
    DECOMPRESSOR.with(|cell| {
        let fresh = || zstd::bulk::Decompressor::new().map_err(codec_err);
        let Ok(mut slot) = cell.try_borrow_mut() else {
            return fresh()?.decompress_to_buffer(input, out).map(drop).map_err(codec_err);
        };
        let d = match slot.as_mut() {
            Some(d) => d,
            None => slot.insert(fresh()?),
        };
        let r = d.decompress_to_buffer(input, out).map(drop).map_err(codec_err);
        if r.is_err() {
            // A failed frame may leave the context mid-frame: start clean.
            *slot = None;
        }
        r
    })
}

impl BytesCodec for ZstdCodec {
    fn name(&self) -> &'static str {
        NAME
    }

    fn encode(&self, input: Vec<u8>) -> Result<Vec<u8>> {
        self.encode_slice(&input)
    }

    fn encode_slice(&self, input: &[u8]) -> Result<Vec<u8>> {
        // Single-shot compression records the content size in the frame header,
        // like numcodecs. One context per thread, reused: making one (and its
        // match tables) per chunk costs as much as compressing a 64^3 inner
        // chunk of a shard. The output does not depend on the context's past.
        COMPRESSOR.with(|cell| {
            let Ok(mut slot) = cell.try_borrow_mut() else {
                return self.compress_with(&mut fresh_compressor()?, input);
            };
            let c = match slot.as_mut() {
                Some(c) => c,
                None => slot.insert(fresh_compressor()?),
            };
            let out = self.compress_with(c, input);
            // High levels on large chunks make contexts of hundreds of MiB:
            // do not keep those alive per thread.
            if out.is_err() || c.context_mut().sizeof() > MAX_KEPT_CONTEXT {
                *slot = None;
            }
            out
        })
    }

    fn decode(&self, input: Vec<u8>, decoded_len: Option<usize>) -> Result<Vec<u8>> {
        if input.is_empty() {
            return Err(codec_err("empty input is not a zstd frame"));
        }
        let out = match decoded_len {
            // ZSTD_decompressDCtx decodes every frame (with or without a content
            // size) and fails rather than write past `n`. The buffer is
            // reserved fallibly: `n` comes from metadata.
            Some(n) => {
                let mut out = super::try_capacity(n, NAME)?;
                decompress_into(&input, &mut out)?;
                out
            }
            // Streaming copes with frames lacking a content size; the decoder
            // continues across concatenated frames.
            None => zstd::stream::decode_all(&input[..]).map_err(codec_err)?,
        };
        if let Some(n) = decoded_len {
            if out.len() != n {
                return Err(codec_err(format!("decoded {} bytes, expected {n}", out.len())));
            }
        }
        Ok(out)
    }

    fn decode_bounded(&self, input: Vec<u8>, max_len: usize) -> Result<Vec<u8>> {
        if input.is_empty() {
            return Err(codec_err("empty input is not a zstd frame"));
        }
        // Stream, so a frame header claiming a huge content size (or none)
        // costs nothing until the data is really there, and stop past the bound.
        let dec = zstd::stream::read::Decoder::with_buffer(&input[..]).map_err(codec_err)?;
        super::read_bounded(dec, max_len, NAME)
    }

    fn decode_stream<'a>(
        &self,
        input: Box<dyn std::io::Read + Send + 'a>,
    ) -> Option<Box<dyn std::io::Read + Send + 'a>> {
        // Decodes concatenated frames and frames without a content size, and
        // checks frame checksums at each frame's end.
        Some(Box::new(zstd::stream::read::Decoder::new(input).ok()?))
    }

    fn to_v3_json(&self) -> Option<Value> {
        Some(json!({
            "name": NAME,
            "configuration": { "level": self.level, "checksum": self.checksum },
        }))
    }

    fn to_v2_json(&self) -> Option<Value> {
        Some(json!({ "id": NAME, "level": self.level, "checksum": self.checksum }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::crc32c::fixtures;
    use std::io::Write;

    const CTX: CodecContext = CodecContext { elem_size: 4 };

    fn sample() -> Vec<u8> {
        (0..10_000u32).flat_map(|i| (i / 7).to_le_bytes()).collect()
    }

    #[test]
    fn round_trip_levels() {
        let data = sample();
        for level in [-5, 0, 1, 3, 19, 22] {
            for checksum in [false, true] {
                let cfg = json!({"level": level, "checksum": checksum});
                let c = ZstdCodec::from_v3(Some(&cfg), CTX).unwrap();
                let enc = c.encode(data.clone()).unwrap();
                assert!(enc.len() < data.len());
                assert_eq!(c.decode(enc.clone(), Some(data.len())).unwrap(), data);
                assert_eq!(c.decode(enc, None).unwrap(), data);
            }
        }
        let c = ZstdCodec::from_v3(None, CTX).unwrap();
        let enc = c.encode(Vec::new()).unwrap();
        assert!(c.decode(enc.clone(), Some(0)).unwrap().is_empty());
        assert!(c.decode(enc, None).unwrap().is_empty());
    }

    #[test]
    fn frames_without_content_size_and_concatenated() {
        let data = sample();
        let mut e = zstd::stream::Encoder::new(Vec::new(), 3).unwrap();
        e.include_contentsize(false).unwrap();
        e.write_all(&data).unwrap();
        let streamed = e.finish().unwrap();
        let c = ZstdCodec::from_v3(None, CTX).unwrap();
        assert_eq!(c.decode(streamed.clone(), Some(data.len())).unwrap(), data);
        assert_eq!(c.decode(streamed.clone(), None).unwrap(), data);

        let mut two = c.encode(data[..1000].to_vec()).unwrap();
        two.extend_from_slice(&streamed);
        let mut want = data[..1000].to_vec();
        want.extend_from_slice(&data);
        assert_eq!(c.decode(two.clone(), Some(want.len())).unwrap(), want);
        assert_eq!(c.decode(two, None).unwrap(), want);
    }

    #[test]
    fn config_parsing() {
        let c = ZstdCodec::from_v3(Some(&json!({"level": -3, "checksum": true})), CTX).unwrap();
        assert_eq!(
            c,
            ZstdCodec {
                level: -3,
                checksum: true
            }
        );
        assert_eq!(
            c.to_v3_json().unwrap(),
            json!({"name": "zstd", "configuration": {"level": -3, "checksum": true}})
        );
        assert_eq!(
            c.to_v2_json().unwrap(),
            json!({"id": "zstd", "level": -3, "checksum": true})
        );
        assert_eq!(
            ZstdCodec::from_v3(None, CTX).unwrap(),
            ZstdCodec {
                level: 0,
                checksum: false
            }
        );
        let v2 = json!({"id": "zstd", "level": 5});
        assert_eq!(
            ZstdCodec::from_v2(v2.as_object().unwrap(), CTX).unwrap(),
            ZstdCodec {
                level: 5,
                checksum: false
            }
        );
        for bad in [
            json!({"level": "3"}),
            json!({"level": 1.5}),
            json!({"level": 23}),
            json!({"checksum": 1}),
            json!({"lvl": 3}),
            json!([]),
        ] {
            assert!(
                matches!(ZstdCodec::from_v3(Some(&bad), CTX), Err(Error::Metadata(_))),
                "{bad}"
            );
        }
        let wrong_id = json!({"id": "gzip", "level": 1});
        assert!(ZstdCodec::from_v2(wrong_id.as_object().unwrap(), CTX).is_err());
    }

    #[test]
    fn corrupt_input_is_an_error() {
        let data = sample();
        let c = ZstdCodec {
            level: 3,
            checksum: true,
        };
        let enc = c.encode(data.clone()).unwrap();
        for n in [0, 1, 4, 10, enc.len() / 2, enc.len() - 1] {
            assert!(c.decode(enc[..n].to_vec(), None).is_err(), "truncated to {n}");
            assert!(c.decode(enc[..n].to_vec(), Some(data.len())).is_err());
        }
        // Wrong expected length, in both directions.
        assert!(c.decode(enc.clone(), Some(data.len() - 1)).is_err());
        assert!(c.decode(enc.clone(), Some(data.len() + 1)).is_err());
        // Bit flips must never panic; with the checksum most must be caught.
        let mut caught = 0;
        for i in (0..enc.len()).step_by(7) {
            let mut bad = enc.clone();
            bad[i] ^= 0x55;
            if c.decode(bad, None).is_err() {
                caught += 1;
            }
        }
        assert!(caught > 0);
        assert!(c.decode(b"not zstd at all".to_vec(), None).is_err());
    }

    #[test]
    fn numcodecs_fixtures() {
        let all = fixtures::load("zstd");
        let mut identical = 0;
        for f in &all {
            let c = ZstdCodec::from_v2(&f.config, CodecContext { elem_size: f.elem_size })
                .unwrap_or_else(|e| panic!("{}: {e}", f.name));
            let got = c.decode(f.enc.clone(), Some(f.raw.len())).unwrap();
            assert_eq!(got, f.dec, "{}", f.name);
            assert_eq!(c.decode(f.enc.clone(), None).unwrap(), f.dec, "{}", f.name);
            let ours = c.encode(f.raw.clone()).unwrap();
            assert_eq!(c.decode(ours.clone(), Some(f.raw.len())).unwrap(), f.raw, "{}", f.name);
            if f.exact {
                assert_eq!(ours, f.enc, "{}", f.name);
            }
            identical += usize::from(ours == f.enc);
        }
        eprintln!(
            "zstd: {identical} of {} fixtures byte-identical to numcodecs",
            all.len()
        );
    }
}
