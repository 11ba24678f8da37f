//! The codec chain of one array: array->array codecs (transpose), the
//! array->bytes codec (`bytes`, fixing the byte order), then bytes->bytes
//! codecs. v2 arrays map onto the same chain: `order: "F"` is a transpose,
//! the dtype's byte order is the `bytes` codec, filters and the compressor
//! are bytes->bytes codecs.

use super::{registry, transpose, BytesCodec, CodecContext};
use crate::error::{Error, Result};
use crate::metadata::{DataType, Endian, ZarrFormat};
use serde_json::{json, Value};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct CodecChain {
    format: ZarrFormat,
    dtype: DataType,
    /// Permutations applied in order on encode.
    transposes: Vec<Vec<usize>>,
    /// Byte order of the encoded elements; None only for 1-byte types.
    endian: Option<Endian>,
    bytes_codecs: Vec<Arc<dyn BytesCodec>>,
    /// v2: how many of `bytes_codecs` are filters (the rest is the compressor).
    v2_filters: usize,
}

fn codec_name_config(c: &Value) -> Result<(String, Option<&Value>)> {
    match c {
        Value::String(s) => Ok((s.clone(), None)),
        Value::Object(m) => {
            let name = m
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| Error::Metadata(format!("codec {c} has no name")))?;
            Ok((name.to_owned(), m.get("configuration")))
        }
        _ => Err(Error::Metadata(format!("codec {c} is not an object"))),
    }
}

fn parse_endian(config: Option<&Value>, dtype: DataType) -> Result<Option<Endian>> {
    match config.and_then(|c| c.get("endian")) {
        Some(Value::String(s)) if s == "little" => Ok(Some(Endian::Little)),
        Some(Value::String(s)) if s == "big" => Ok(Some(Endian::Big)),
        None | Some(Value::Null) if dtype.size() == 1 => Ok(None),
        None | Some(Value::Null) => Err(Error::Metadata(format!(
            "bytes codec needs \"endian\" for {}",
            dtype.v3_name()
        ))),
        Some(other) => Err(Error::Metadata(format!("bytes codec endian {other} is not valid"))),
    }
}

impl CodecChain {
    /// From a v3 `codecs` list.
    pub fn from_v3(codecs: &[Value], dtype: DataType, ndim: usize) -> Result<Self> {
        let ctx = CodecContext {
            elem_size: dtype.size(),
        };
        let mut chain = CodecChain {
            format: ZarrFormat::V3,
            dtype,
            transposes: vec![],
            endian: None,
            bytes_codecs: vec![],
            v2_filters: 0,
        };
        let mut seen_bytes = false;
        for c in codecs {
            let (name, config) = codec_name_config(c)?;
            match name.as_str() {
                "transpose" if !seen_bytes => chain.transposes.push(transpose::parse_order(config, ndim)?),
                "bytes" | "endian" if !seen_bytes => {
                    chain.endian = parse_endian(config, dtype)?;
                    seen_bytes = true;
                }
                "transpose" | "bytes" | "endian" => {
                    return Err(Error::Metadata(format!(
                        "codec \"{name}\" is out of place in the codec list"
                    )))
                }
                "sharding_indexed" => return Err(Error::Unsupported("codec \"sharding_indexed\" (sharding)".into())),
                _ if !seen_bytes => {
                    // A bytes->bytes codec before any array->bytes codec: either unknown
                    // (say so by name) or misplaced.
                    registry::from_v3(&name, config, ctx)?;
                    return Err(Error::Metadata(format!(
                        "codec \"{name}\" comes before the array->bytes codec"
                    )));
                }
                _ => chain.bytes_codecs.push(registry::from_v3(&name, config, ctx)?),
            }
        }
        if !seen_bytes {
            return Err(Error::Metadata("codecs have no array->bytes codec (\"bytes\")".into()));
        }
        Ok(chain)
    }

    /// From the parts of a v2 `.zarray`.
    pub fn from_v2(
        dtype: DataType,
        endian: Endian,
        order_f: bool,
        ndim: usize,
        filters: &[Value],
        compressor: Option<&Value>,
    ) -> Result<Self> {
        let ctx = CodecContext {
            elem_size: dtype.size(),
        };
        let mut bytes_codecs = vec![];
        for f in filters {
            bytes_codecs.push(registry::from_v2(f, ctx)?);
        }
        if let Some(c) = compressor {
            bytes_codecs.push(registry::from_v2(c, ctx)?);
        }
        Ok(CodecChain {
            format: ZarrFormat::V2,
            dtype,
            transposes: if order_f && ndim > 1 {
                vec![(0..ndim).rev().collect()]
            } else {
                vec![]
            },
            endian: if dtype.size() == 1 { None } else { Some(endian) },
            bytes_codecs,
            v2_filters: filters.len(),
        })
    }

    /// A chain for a new array from a list of codec objects given by a caller
    /// (v3 objects or numcodecs objects). `bytes` (little-endian) is added if
    /// absent. For a v2 array the list maps to filters + one compressor.
    pub fn from_user_list(codecs: &[Value], dtype: DataType, ndim: usize, format: ZarrFormat) -> Result<Self> {
        let ctx = CodecContext {
            elem_size: dtype.size(),
        };
        let mut transposes = vec![];
        let mut endian = if dtype.size() == 1 { None } else { Some(Endian::Little) };
        let mut bytes_codecs = vec![];
        for c in codecs {
            if c.get("id").is_some() {
                bytes_codecs.push(registry::from_v2(c, ctx)?);
                continue;
            }
            let (name, config) = codec_name_config(c)?;
            match name.as_str() {
                "transpose" => transposes.push(transpose::parse_order(config, ndim)?),
                "bytes" | "endian" => endian = parse_endian(config, dtype)?.or(endian),
                "sharding_indexed" => return Err(Error::Unsupported("codec \"sharding_indexed\" (sharding)".into())),
                _ => bytes_codecs.push(registry::from_v3(&name, config, ctx)?),
            }
        }
        let mut chain = CodecChain {
            format,
            dtype,
            transposes,
            endian,
            bytes_codecs,
            v2_filters: 0,
        };
        if format == ZarrFormat::V2 {
            let reverse: Vec<usize> = (0..ndim).rev().collect();
            if chain.transposes.len() > 1 || chain.transposes.iter().any(|t| *t != reverse) {
                return Err(Error::Unsupported(
                    "v2 arrays support only order \"F\" (a full reversing transpose)".into(),
                ));
            }
            let n = chain.bytes_codecs.len();
            // The last codec is the compressor unless it is a filter-only codec.
            let last_is_filter = chain.bytes_codecs.last().is_some_and(|c| c.name().contains("delta"));
            chain.v2_filters = if n == 0 || last_is_filter { n } else { n - 1 };
            for c in &chain.bytes_codecs {
                if c.to_v2_json().is_none() {
                    return Err(Error::Unsupported(format!(
                        "codec \"{}\" has no Zarr v2 form",
                        c.name()
                    )));
                }
            }
        }
        Ok(chain)
    }

    pub fn check_shape(&self, chunk_shape: &[u64]) -> Result<()> {
        for t in &self.transposes {
            transpose::check_perm(t, chunk_shape.len())?;
        }
        Ok(())
    }

    pub fn to_v3_json(&self) -> Vec<Value> {
        let mut out = vec![];
        for t in &self.transposes {
            out.push(json!({"name": "transpose", "configuration": {"order": t}}));
        }
        out.push(match self.endian {
            Some(Endian::Little) => json!({"name": "bytes", "configuration": {"endian": "little"}}),
            Some(Endian::Big) => json!({"name": "bytes", "configuration": {"endian": "big"}}),
            None => json!({"name": "bytes"}),
        });
        out.extend(self.bytes_codecs.iter().filter_map(|c| c.to_v3_json()));
        out
    }

    /// (dtype byte order, order "F", filters, compressor) for a `.zarray`.
    pub fn to_v2_parts(&self) -> Result<(Endian, bool, Vec<Value>, Option<Value>)> {
        let json_of = |c: &Arc<dyn BytesCodec>| {
            c.to_v2_json()
                .ok_or_else(|| Error::Unsupported(format!("codec \"{}\" has no Zarr v2 form", c.name())))
        };
        let filters = self.bytes_codecs[..self.v2_filters]
            .iter()
            .map(json_of)
            .collect::<Result<Vec<_>>>()?;
        let compressor = self.bytes_codecs[self.v2_filters..].first().map(json_of).transpose()?;
        Ok((
            self.endian.unwrap_or(Endian::Little),
            !self.transposes.is_empty(),
            filters,
            compressor,
        ))
    }

    pub fn format(&self) -> ZarrFormat {
        self.format
    }

    /// Encode one chunk given as native-endian C-order elements of `shape`.
    pub fn encode(&self, chunk: Vec<u8>, shape: &[u64]) -> Result<Vec<u8>> {
        let elem = self.dtype.size();
        let mut data = chunk;
        let mut cur_shape = shape.to_vec();
        for perm in &self.transposes {
            data = transpose::permute(&data, elem, &cur_shape, perm);
            cur_shape = perm.iter().map(|&p| cur_shape[p]).collect();
        }
        if let Some(e) = self.endian {
            if e != Endian::NATIVE {
                swap_bytes(&mut data, elem);
            }
        }
        for c in &self.bytes_codecs {
            data = c.encode(data)?;
        }
        Ok(data)
    }

    /// A reader of the decoded chunk (native endian, C order) when the whole
    /// chain can stream: no transpose, native byte order, and at most one
    /// bytes->bytes codec that streams. None: use [`CodecChain::decode`].
    pub fn decode_stream<'a>(
        &self,
        stored: Box<dyn std::io::Read + Send + 'a>,
    ) -> Option<Box<dyn std::io::Read + Send + 'a>> {
        if !self.transposes.is_empty() || self.endian.is_some_and(|e| e != Endian::NATIVE) {
            return None;
        }
        match self.bytes_codecs.as_slice() {
            [] => Some(stored),
            [c] => c.decode_stream(stored),
            _ => None,
        }
    }

    /// Whether [`CodecChain::decode_stream`] will stream (so the caller can
    /// open a streaming reader instead of fetching the value whole).
    pub fn can_stream(&self) -> bool {
        if !self.transposes.is_empty() || self.endian.is_some_and(|e| e != Endian::NATIVE) {
            return false;
        }
        match self.bytes_codecs.as_slice() {
            [] => true,
            [c] => c.decode_stream(Box::new(std::io::empty())).is_some(),
            _ => false,
        }
    }

    /// Decode one stored chunk into native-endian C-order elements of `shape`.
    /// `key` names the chunk in error messages.
    pub fn decode(&self, stored: Vec<u8>, shape: &[u64], key: &str) -> Result<Vec<u8>> {
        let elem = self.dtype.size();
        let expected = shape.iter().product::<u64>() as usize * elem;
        let mut data = stored;
        let n = self.bytes_codecs.len();
        for (i, c) in self.bytes_codecs.iter().enumerate().rev() {
            let hint = if i == 0 { Some(expected) } else { None };
            let _ = n;
            data = c.decode(data, hint).map_err(|e| e.context(format!("chunk {key}")))?;
        }
        if data.len() != expected {
            return Err(Error::Codec(format!(
                "chunk {key}: decoded to {} bytes, expected {expected}",
                data.len()
            )));
        }
        if let Some(e) = self.endian {
            if e != Endian::NATIVE {
                swap_bytes(&mut data, elem);
            }
        }
        if !self.transposes.is_empty() {
            // Shapes after each encode-side transpose, to undo them in reverse.
            let mut shapes = vec![shape.to_vec()];
            for perm in &self.transposes {
                let s = shapes.last().unwrap();
                shapes.push(perm.iter().map(|&p| s[p]).collect());
            }
            for (k, perm) in self.transposes.iter().enumerate().rev() {
                data = transpose::permute(&data, elem, &shapes[k + 1], &transpose::inverse(perm));
            }
        }
        Ok(data)
    }
}

fn swap_bytes(data: &mut [u8], elem: usize) {
    match elem {
        2 => data.chunks_exact_mut(2).for_each(|c| c.swap(0, 1)),
        4 => data.chunks_exact_mut(4).for_each(|c| c.reverse()),
        8 => data.chunks_exact_mut(8).for_each(|c| c.reverse()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_endian_transposed_round_trip() {
        let codecs = vec![
            json!({"name": "transpose", "configuration": {"order": [1, 0]}}),
            json!({"name": "bytes", "configuration": {"endian": "big"}}),
        ];
        let chain = CodecChain::from_v3(&codecs, DataType::Int32, 2).unwrap();
        let data: Vec<u8> = (0i32..6).flat_map(|v| v.to_ne_bytes()).collect();
        let enc = chain.encode(data.clone(), &[2, 3]).unwrap();
        // Column-major, big-endian: 0, 3, 1, 4, 2, 5
        let vals: Vec<i32> = enc
            .chunks(4)
            .map(|c| i32::from_be_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(vals, vec![0, 3, 1, 4, 2, 5]);
        assert_eq!(chain.decode(enc, &[2, 3], "c/0/0").unwrap(), data);
    }

    #[test]
    fn wrong_size_chunk_is_a_codec_error_naming_the_key() {
        let chain = CodecChain::from_v3(
            &[json!({"name": "bytes", "configuration": {"endian": "little"}})],
            DataType::Int16,
            1,
        )
        .unwrap();
        let e = chain.decode(vec![1, 2, 3], &[2], "c/7").unwrap_err();
        assert!(matches!(&e, Error::Codec(m) if m.contains("c/7")), "{e}");
    }

    #[test]
    fn misplaced_codecs_are_rejected() {
        let codecs = vec![
            json!({"name": "zstd", "configuration": {"level": 1}}),
            json!({"name": "bytes"}),
        ];
        assert!(CodecChain::from_v3(&codecs, DataType::UInt8, 1).is_err());
        assert!(CodecChain::from_v3(&[], DataType::UInt8, 1).is_err());
    }
}
