//! xz (LZMA2 in an .xz container): N5's `xz` compression (`preset` 0..=9,
//! liblzma's presets, as n5-java's XZCompressorOutputStream and
//! tensorstore's n5 driver write it). Not a Zarr codec: numcodecs' LZMA
//! has its own configuration, so this is not in the registry.

use super::BytesCodec;
use crate::error::{Error, Result};
use serde_json::Value;
use std::io::Write;

const NAME: &str = "xz";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XzCodec {
    pub preset: u32,
}

fn codec_err(e: impl std::fmt::Display) -> Error {
    Error::Codec(format!("{NAME}: {e}"))
}

impl XzCodec {
    pub fn new(preset: i64) -> Result<Self> {
        match preset {
            0..=9 => Ok(XzCodec { preset: preset as u32 }),
            _ => Err(Error::Metadata(format!(
                "{NAME}: preset must be an integer from 0 to 9, got {preset}"
            ))),
        }
    }
}

impl BytesCodec for XzCodec {
    fn name(&self) -> &'static str {
        NAME
    }

    fn encode(&self, input: Vec<u8>) -> Result<Vec<u8>> {
        self.encode_slice(&input)
    }

    fn encode_slice(&self, input: &[u8]) -> Result<Vec<u8>> {
        // CRC64 check, as xz(1) and n5-java (XZ for Java's default) write.
        let mut e = xz2::write::XzEncoder::new(Vec::with_capacity(input.len() / 2 + 64), self.preset);
        e.write_all(input).map_err(codec_err)?;
        e.finish().map_err(codec_err)
    }

    fn decode(&self, input: Vec<u8>, decoded_len: Option<usize>) -> Result<Vec<u8>> {
        let out = self.decode_bounded(input, decoded_len.unwrap_or(usize::MAX))?;
        match decoded_len {
            Some(n) if n != out.len() => Err(codec_err(format!("decoded {} bytes, expected {n}", out.len()))),
            _ => Ok(out),
        }
    }

    fn decode_bounded(&self, input: Vec<u8>, max_len: usize) -> Result<Vec<u8>> {
        super::read_bounded(xz2::read::XzDecoder::new_multi_decoder(&input[..]), max_len, NAME)
    }

    fn to_v3_json(&self) -> Option<Value> {
        None
    }

    fn to_v2_json(&self) -> Option<Value> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bad_input() {
        let data: Vec<u8> = (0..40_000u32).map(|i| ((i / 7) % 251) as u8).collect();
        let c = XzCodec::new(6).unwrap();
        let enc = c.encode(data.clone()).unwrap();
        assert!(enc.starts_with(&[0xFD, b'7', b'z', b'X', b'Z', 0]));
        assert_eq!(c.decode(enc.clone(), Some(data.len())).unwrap(), data);
        assert!(matches!(
            c.decode(enc[..enc.len() - 9].to_vec(), Some(data.len())),
            Err(Error::Codec(_))
        ));
        assert!(matches!(c.decode(enc, Some(10)), Err(Error::Codec(_))));
        assert!(XzCodec::new(10).is_err());
    }
}
