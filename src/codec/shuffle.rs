//! numcodecs `Shuffle` (`numcodecs.shuffle` in v3, bytes->bytes): byte `j` of
//! every element is gathered into plane `j`. `elementsize` <= 1 is a copy.

use super::{BytesCodec, CodecContext};
use crate::error::{Error, Result};
use serde_json::{json, Map, Value};

const NAME: &str = "numcodecs.shuffle";
const ID: &str = "shuffle";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShuffleCodec {
    pub elementsize: usize,
}

impl ShuffleCodec {
    pub fn from_v3(config: Option<&Value>, ctx: CodecContext) -> Result<Self> {
        match config {
            // zarr-python 3 fills a missing elementsize in from the data's item size.
            Some(Value::Object(m)) => Self::parse(m, ctx, ctx.elem_size),
            None | Some(Value::Null) => Self::parse(&Map::new(), ctx, ctx.elem_size),
            Some(other) => Err(Error::Metadata(format!(
                "{NAME}: configuration must be an object, got {other}"
            ))),
        }
    }

    pub fn from_v2(obj: &Map<String, Value>, ctx: CodecContext) -> Result<Self> {
        super::check_v2_id(obj, ID, NAME)?;
        // numcodecs' own default is 4, whatever the data.
        Self::parse(obj, ctx, 4)
    }

    fn parse(cfg: &Map<String, Value>, _ctx: CodecContext, default_size: usize) -> Result<Self> {
        for (k, v) in cfg {
            match k.as_str() {
                "elementsize" => {}
                "id" if v.as_str() == Some(ID) => {}
                _ => {
                    return Err(Error::Metadata(format!(
                        "{NAME}: unexpected configuration entry {k:?}: {v}"
                    )))
                }
            }
        }
        let elementsize = match cfg.get("elementsize") {
            None | Some(Value::Null) => default_size,
            Some(v) => v.as_u64().ok_or_else(|| {
                Error::Metadata(format!(
                    "{NAME}: \"elementsize\" must be a non-negative integer, got {v}"
                ))
            })? as usize,
        };
        Ok(ShuffleCodec { elementsize })
    }

    fn check(&self, len: usize) -> Result<()> {
        if self.elementsize > 1 && len % self.elementsize != 0 {
            return Err(Error::Codec(format!(
                "{NAME}: buffer of {len} bytes is not a multiple of elementsize {}",
                self.elementsize
            )));
        }
        Ok(())
    }
}

impl BytesCodec for ShuffleCodec {
    fn name(&self) -> &'static str {
        NAME
    }

    fn encode(&self, input: Vec<u8>) -> Result<Vec<u8>> {
        self.check(input.len())?;
        if self.elementsize <= 1 {
            return Ok(input);
        }
        let n = input.len() / self.elementsize;
        let mut out = vec![0; input.len()];
        for (i, elem) in input.chunks_exact(self.elementsize).enumerate() {
            for (j, &b) in elem.iter().enumerate() {
                out[j * n + i] = b;
            }
        }
        Ok(out)
    }

    fn decode(&self, input: Vec<u8>, decoded_len: Option<usize>) -> Result<Vec<u8>> {
        self.check(input.len())?;
        super::check_decoded_len(NAME, input.len(), decoded_len)?;
        if self.elementsize <= 1 {
            return Ok(input);
        }
        let n = input.len() / self.elementsize;
        let mut out = vec![0; input.len()];
        for (i, elem) in out.chunks_exact_mut(self.elementsize).enumerate() {
            for (j, b) in elem.iter_mut().enumerate() {
                *b = input[j * n + i];
            }
        }
        Ok(out)
    }

    fn to_v3_json(&self) -> Option<Value> {
        Some(json!({"name": NAME, "configuration": {"elementsize": self.elementsize}}))
    }

    fn to_v2_json(&self) -> Option<Value> {
        Some(json!({"id": ID, "elementsize": self.elementsize}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::crc32c::fixtures;

    const CTX: CodecContext = CodecContext { elem_size: 4 };

    #[test]
    fn planes_and_errors() {
        let c = ShuffleCodec::from_v3(Some(&json!({"elementsize": 2})), CTX).unwrap();
        assert_eq!(c.encode(vec![1, 2, 3, 4, 5, 6]).unwrap(), [1, 3, 5, 2, 4, 6]);
        assert_eq!(c.decode(vec![1, 3, 5, 2, 4, 6], None).unwrap(), [1, 2, 3, 4, 5, 6]);
        assert!(matches!(c.encode(vec![0; 3]), Err(Error::Codec(_))));
        assert_eq!(ShuffleCodec::from_v3(None, CTX).unwrap().elementsize, 4);
        let one = ShuffleCodec::from_v3(Some(&json!({"elementsize": 1})), CTX).unwrap();
        assert_eq!(one.encode(vec![1, 2, 3]).unwrap(), [1, 2, 3]);
        assert!(ShuffleCodec::from_v3(Some(&json!({"elementsize": "x"})), CTX).is_err());
        assert!(ShuffleCodec::from_v3(Some(&json!({"other": 1})), CTX).is_err());
    }

    #[test]
    fn numcodecs_fixtures() {
        for f in fixtures::load("shuffle") {
            let c = ShuffleCodec::from_v2(&f.config, CodecContext { elem_size: f.elem_size })
                .unwrap_or_else(|e| panic!("{}: {e}", f.name));
            assert_eq!(c.to_v2_json().unwrap(), Value::Object(f.config.clone()), "{}", f.name);
            assert_eq!(c.decode(f.enc.clone(), None).unwrap(), f.dec, "{}", f.name);
            assert_eq!(c.encode(f.raw.clone()).unwrap(), f.enc, "{}", f.name);
        }
    }
}
