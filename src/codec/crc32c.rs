//! `crc32c` checksum codec (zarr v3 core): appends the little-endian CRC32C
//! (Castagnoli) of the data; decoding verifies and strips it. numcodecs'
//! `{"id": "crc32c"}` (v2) is the same, with `location` "end" (default) or
//! "start".

use super::{BytesCodec, CodecContext};
use crate::error::{Error, Result};
use serde_json::{json, Map, Value};

const NAME: &str = "crc32c";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Crc32cCodec {
    /// numcodecs `location: "start"`: the checksum precedes the data.
    at_start: bool,
}

impl Crc32cCodec {
    /// v3 `crc32c`: the configuration must be absent or an empty object.
    pub fn from_v3(config: Option<&Value>, _ctx: CodecContext) -> Result<Self> {
        match config {
            None | Some(Value::Null) => Ok(Crc32cCodec::default()),
            Some(Value::Object(m)) if m.is_empty() => Ok(Crc32cCodec::default()),
            Some(Value::Object(m)) => {
                let keys: Vec<&str> = m.keys().map(String::as_str).collect();
                Err(Error::Metadata(format!(
                    "{NAME}: unexpected configuration keys {keys:?}"
                )))
            }
            Some(other) => Err(Error::Metadata(format!(
                "{NAME}: configuration must be an object, got {other}"
            ))),
        }
    }

    /// numcodecs `{"id": "crc32c", "location": "start" | "end"}`.
    pub fn from_v2(obj: &Map<String, Value>, _ctx: CodecContext) -> Result<Self> {
        if let Some(k) = obj.keys().find(|k| !["id", "location"].contains(&k.as_str())) {
            return Err(Error::Metadata(format!("{NAME}: unexpected configuration key {k:?}")));
        }
        let at_start = match obj.get("location") {
            None | Some(Value::Null) => false,
            Some(Value::String(l)) if l == "end" => false,
            Some(Value::String(l)) if l == "start" => true,
            Some(other) => {
                return Err(Error::Metadata(format!(
                    "{NAME}: location {other} is not \"start\" or \"end\""
                )))
            }
        };
        Ok(Crc32cCodec { at_start })
    }
}

impl BytesCodec for Crc32cCodec {
    fn name(&self) -> &'static str {
        NAME
    }

    fn encode(&self, mut input: Vec<u8>) -> Result<Vec<u8>> {
        let crc = crc32c::crc32c(&input).to_le_bytes();
        if self.at_start {
            let mut out = Vec::with_capacity(input.len() + 4);
            out.extend_from_slice(&crc);
            out.extend_from_slice(&input);
            return Ok(out);
        }
        input.extend_from_slice(&crc);
        Ok(input)
    }

    fn decode(&self, mut input: Vec<u8>, decoded_len: Option<usize>) -> Result<Vec<u8>> {
        if input.len() < 4 {
            return Err(Error::Codec(format!(
                "{NAME}: input of {} bytes is too short to hold a checksum",
                input.len()
            )));
        }
        let split = input.len() - 4;
        if self.at_start {
            input.rotate_left(4);
        }
        if let Some(n) = decoded_len {
            if n != split {
                return Err(Error::Codec(format!(
                    "{NAME}: expected {n} decoded bytes, input holds {split}"
                )));
            }
        }
        let stored = u32::from_le_bytes(input[split..].try_into().expect("4 bytes"));
        let computed = crc32c::crc32c(&input[..split]);
        if stored != computed {
            return Err(Error::Codec(format!(
                "{NAME} checksum mismatch: stored {stored:#010x}, computed {computed:#010x}"
            )));
        }
        input.truncate(split);
        Ok(input)
    }

    fn to_v3_json(&self) -> Option<Value> {
        if self.at_start {
            return Some(json!({ "name": "numcodecs.crc32c", "configuration": { "location": "start" } }));
        }
        Some(json!({ "name": NAME }))
    }

    fn to_v2_json(&self) -> Option<Value> {
        if self.at_start {
            return Some(json!({ "id": NAME, "location": "start" }));
        }
        Some(json!({ "id": NAME }))
    }
}

/// Loader for the numcodecs interop fixtures in `tests/fixtures/codecs`
/// (written by `make_fixtures.py`), shared by the codec test modules.
#[cfg(test)]
pub(crate) mod fixtures {
    use serde_json::{Map, Value};
    use std::path::PathBuf;

    pub(crate) struct Fixture {
        pub name: String,
        /// numcodecs `get_config()`, plus `typesize` where it was given explicitly.
        pub config: Map<String, Value>,
        /// Item size of the buffer numcodecs saw (blosc's default typesize).
        pub elem_size: usize,
        /// The encoder is deterministic, so our encoding must equal `enc`.
        pub exact: bool,
        pub raw: Vec<u8>,
        pub enc: Vec<u8>,
        /// What numcodecs decodes `enc` to; equals `raw` unless the codec is lossy.
        pub dec: Vec<u8>,
    }

    fn dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/codecs")
    }

    /// Every fixture whose name starts with `prefix`, sorted by name.
    pub(crate) fn load(prefix: &str) -> Vec<Fixture> {
        let dir = dir();
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter_map(|f| f.strip_suffix(".json").map(str::to_owned))
            .filter(|n| n.starts_with(prefix))
            .collect();
        names.sort();
        assert!(!names.is_empty(), "no fixtures named {prefix}* in {}", dir.display());
        names
            .into_iter()
            .map(|name| {
                let read = |ext: &str| std::fs::read(dir.join(format!("{name}.{ext}")));
                let meta: Value = serde_json::from_slice(&read("json").unwrap()).unwrap();
                let raw = read("raw").unwrap();
                let dec = read("dec").unwrap_or_else(|_| raw.clone());
                Fixture {
                    config: meta["config"].as_object().unwrap().clone(),
                    elem_size: meta["elem_size"].as_u64().unwrap() as usize,
                    exact: meta["exact"].as_bool().unwrap(),
                    enc: read("enc").unwrap(),
                    raw,
                    dec,
                    name,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CTX: CodecContext = CodecContext { elem_size: 1 };

    #[test]
    fn round_trip_and_layout() {
        let c = Crc32cCodec::from_v3(None, CTX).unwrap();
        let enc = c.encode(b"123456789".to_vec()).unwrap();
        // Standard CRC-32C check value, stored little-endian at the end.
        assert_eq!(&enc[9..], &0xE306_9283u32.to_le_bytes());
        assert_eq!(c.decode(enc.clone(), Some(9)).unwrap(), b"123456789");
        assert_eq!(c.decode(enc, None).unwrap(), b"123456789");
        let empty = c.encode(Vec::new()).unwrap();
        assert_eq!(empty.len(), 4);
        assert!(c.decode(empty, Some(0)).unwrap().is_empty());
    }

    /// numcodecs 0.16 `CRC32C()` and `CRC32C(location="start")` encoding
    /// `np.arange(4, dtype="<i4")` (bytes printed by numcodecs itself).
    #[test]
    fn numcodecs_v2_locations() {
        let data: Vec<u8> = (0i32..4).flat_map(|v| v.to_le_bytes()).collect();
        let crc = [0xad, 0x3d, 0x5b, 0x83];
        for (obj, want) in [
            (json!({"id": "crc32c"}), [data.clone(), crc.to_vec()].concat()),
            (
                json!({"id": "crc32c", "location": "start"}),
                [crc.to_vec(), data.clone()].concat(),
            ),
        ] {
            let c = Crc32cCodec::from_v2(obj.as_object().unwrap(), CTX).unwrap();
            assert_eq!(c.encode(data.clone()).unwrap(), want);
            assert_eq!(c.decode(want.clone(), Some(16)).unwrap(), data);
            assert_eq!(c.to_v2_json().unwrap(), obj);
        }
    }

    #[test]
    fn config() {
        assert!(Crc32cCodec::from_v3(Some(&json!({})), CTX).is_ok());
        assert!(matches!(
            Crc32cCodec::from_v3(Some(&json!({"x": 1})), CTX),
            Err(Error::Metadata(_))
        ));
        assert!(matches!(
            Crc32cCodec::from_v3(Some(&json!(3)), CTX),
            Err(Error::Metadata(_))
        ));
        assert_eq!(Crc32cCodec::default().to_v3_json().unwrap(), json!({"name": "crc32c"}));
        assert_eq!(Crc32cCodec::default().to_v2_json().unwrap(), json!({"id": "crc32c"}));
        let bad = json!({"id": "crc32c", "location": "middle"});
        assert!(Crc32cCodec::from_v2(bad.as_object().unwrap(), CTX).is_err());
    }

    #[test]
    fn corrupt_input_is_an_error() {
        let c = Crc32cCodec::default();
        let enc = c.encode(vec![7u8; 100]).unwrap();
        for i in 0..enc.len() {
            let mut bad = enc.clone();
            bad[i] ^= 0x10;
            let err = c.decode(bad, None).unwrap_err();
            assert!(err.to_string().contains("crc32c checksum mismatch"), "{err}");
        }
        for n in 0..enc.len() {
            assert!(c.decode(enc[..n].to_vec(), None).is_err());
        }
        assert!(c.decode(enc, Some(99)).is_err());
    }

    #[test]
    fn numcodecs_fixtures() {
        for f in fixtures::load("crc32c") {
            let c = Crc32cCodec::from_v3(None, CTX).unwrap();
            assert_eq!(c.decode(f.enc.clone(), Some(f.raw.len())).unwrap(), f.dec, "{}", f.name);
            assert_eq!(c.encode(f.raw.clone()).unwrap(), f.enc, "{}", f.name);
        }
    }
}
