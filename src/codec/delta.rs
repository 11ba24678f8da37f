use super::{BytesCodec, CodecContext};
use crate::error::{Error, Result};
use serde_json::{Map, Value};
#[derive(Debug)]
pub struct DeltaCodec;
impl DeltaCodec {
    pub fn from_v3(_c: Option<&Value>, _x: CodecContext) -> Result<Self> { Err(Error::Unsupported("delta".into())) }
    pub fn from_v2(_c: &Map<String, Value>, _x: CodecContext) -> Result<Self> { Err(Error::Unsupported("delta".into())) }
}
impl BytesCodec for DeltaCodec {
    fn name(&self) -> &'static str { "delta" }
    fn encode(&self, i: Vec<u8>) -> Result<Vec<u8>> { Ok(i) }
    fn decode(&self, i: Vec<u8>, _d: Option<usize>) -> Result<Vec<u8>> { Ok(i) }
    fn to_v3_json(&self) -> Option<Value> { None }
    fn to_v2_json(&self) -> Option<Value> { None }
}
