//! The codec registry: every bytes->bytes codec is found here by its v3 name
//! or numcodecs id. A new codec is one file plus one line in [`TABLE`].

use super::{BytesCodec, CodecContext};
use crate::error::{Error, Result};
use serde_json::{Map, Value};
use std::sync::Arc;

type FromV3 = fn(Option<&Value>, CodecContext) -> Result<Arc<dyn BytesCodec>>;
type FromV2 = fn(&Map<String, Value>, CodecContext) -> Result<Arc<dyn BytesCodec>>;

struct Entry {
    /// v3 names (the first is canonical).
    v3: &'static [&'static str],
    /// numcodecs id, for v2 metadata and v3 `numcodecs.<id>` names.
    v2: &'static str,
    from_v3: FromV3,
    from_v2: FromV2,
}

macro_rules! entry {
    ($v3:expr, $v2:expr, $ty:ty) => {
        Entry {
            v3: $v3,
            v2: $v2,
            from_v3: |c, x| Ok(Arc::new(<$ty>::from_v3(c, x)?)),
            from_v2: |o, x| Ok(Arc::new(<$ty>::from_v2(o, x)?)),
        }
    };
}

const TABLE: &[Entry] = &[
    entry!(&["blosc"], "blosc", super::blosc::BloscCodec),
    entry!(&["zstd"], "zstd", super::zstd::ZstdCodec),
    entry!(&["gzip"], "gzip", super::gzip::GzipCodec),
    entry!(&["numcodecs.zlib", "zlib"], "zlib", super::zlib::ZlibCodec),
    entry!(&["crc32c"], "crc32c", super::crc32c::Crc32cCodec),
    entry!(&["numcodecs.delta"], "delta", super::delta::DeltaCodec),
    entry!(
        &["numcodecs.fixedscaleoffset"],
        "fixedscaleoffset",
        super::fixedscaleoffset::FixedScaleOffsetCodec
    ),
    entry!(&["numcodecs.lz4"], "lz4", super::lz4::Lz4Codec),
    entry!(&["numcodecs.bz2"], "bz2", super::bz2::Bz2Codec),
    entry!(&["numcodecs.shuffle"], "shuffle", super::shuffle::ShuffleCodec),
    entry!(&["numcodecs.bitround"], "bitround", super::bitround::BitRoundCodec),
    entry!(&["numcodecs.quantize"], "quantize", super::quantize::QuantizeCodec),
];

/// Build a bytes->bytes codec from a v3 codec name and configuration.
pub fn from_v3(name: &str, config: Option<&Value>, ctx: CodecContext) -> Result<Arc<dyn BytesCodec>> {
    if let Some(e) = TABLE.iter().find(|e| e.v3.contains(&name)) {
        return (e.from_v3)(config, ctx);
    }
    // zarr-python's numcodecs wrappers: `numcodecs.<id>` with the numcodecs config.
    if let Some(id) = name.strip_prefix("numcodecs.") {
        if let Some(e) = TABLE.iter().find(|e| e.v2 == id) {
            let mut obj = match config {
                Some(Value::Object(m)) => m.clone(),
                None | Some(Value::Null) => Map::new(),
                Some(other) => {
                    return Err(Error::Metadata(format!(
                        "codec \"{name}\" configuration {other} is not an object"
                    )))
                }
            };
            obj.insert("id".into(), Value::String(id.into()));
            return (e.from_v2)(&obj, ctx);
        }
    }
    Err(Error::Unsupported(format!("codec \"{name}\"")))
}

/// Build a codec from a numcodecs object (`{"id": .., ...}`), as found in v2 metadata.
pub fn from_v2(obj: &Value, ctx: CodecContext) -> Result<Arc<dyn BytesCodec>> {
    let map = obj
        .as_object()
        .ok_or_else(|| Error::Metadata(format!("codec {obj} is not an object")))?;
    let id = map
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Metadata(format!("codec {obj} has no \"id\"")))?;
    match TABLE.iter().find(|e| e.v2 == id) {
        Some(e) => (e.from_v2)(map, ctx),
        None => Err(Error::Unsupported(format!("codec \"{id}\""))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_codecs_are_named() {
        let ctx = CodecContext { elem_size: 4 };
        let e = from_v3("lzma9000", None, ctx).unwrap_err();
        assert!(matches!(&e, Error::Unsupported(m) if m.contains("lzma9000")));
        let e = from_v2(&serde_json::json!({"id": "bz3"}), ctx).unwrap_err();
        assert!(matches!(&e, Error::Unsupported(m) if m.contains("bz3")));
        assert!(from_v3("zstd", Some(&serde_json::json!({"level": 1, "checksum": false})), ctx).is_ok());
        assert!(from_v3("numcodecs.zstd", Some(&serde_json::json!({"level": 1})), ctx).is_ok());
    }
}
