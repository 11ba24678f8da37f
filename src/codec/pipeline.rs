//! The codec chain of one array: array->array codecs (transpose, and in v3
//! element-wise filters such as `numcodecs.delta`), the
//! array->bytes codec (`bytes`, fixing the byte order), then bytes->bytes
//! codecs. v2 arrays map onto the same chain: `order: "F"` is a transpose,
//! the dtype's byte order is the `bytes` codec, filters and the compressor
//! are bytes->bytes codecs.

use super::n5block::N5BlockCodec;
use super::sharding::ShardingCodec;
use super::{registry, transpose, BytesCodec, CodecContext};
use crate::error::{Error, Result};
use crate::metadata::{ArrayMetadata, CodecMetadata, DataType, Endian, ZarrFormat};
use serde_json::{json, Value};
use std::sync::Arc;

/// Chunks that decode to more bytes than this stream through the decoder
/// into the caller's buffer (a read's memory does not grow with the chunk
/// size); smaller ones are decoded whole, in one call, then scattered:
/// one-shot decompression saves the stream's buffer copies.
pub const STREAM_ABOVE: u64 = 8 << 20;

#[derive(Debug, Clone)]
pub struct CodecChain {
    format: ZarrFormat,
    dtype: DataType,
    /// Array->array stages, applied in order on encode.
    stages: Vec<Stage>,
    /// Byte order of the encoded elements; None only for 1-byte types.
    endian: Option<Endian>,
    bytes_codecs: Vec<Arc<dyn BytesCodec>>,
    /// v2: how many of `bytes_codecs` are filters (the rest is the compressor).
    v2_filters: usize,
    /// `sharding_indexed` as the array->bytes codec. Alone, the array code
    /// handles shards itself (ranged reads of inner chunks); with codecs
    /// around it, or nested in another shard, the chain encodes and decodes
    /// whole shards.
    sharding: Option<Arc<ShardingCodec>>,
    /// `vlen-utf8` / `vlen-bytes` as the array->bytes codec (variable-length
    /// types): the chain's decoded chunk is the framed value list
    /// (`codec::vlen`), so only the bytes->bytes codecs run here.
    vlen: bool,
    /// N5 blocks (header, big-endian elements, compression) as the whole
    /// chain: an N5 dataset has nothing else.
    n5: Option<Arc<N5BlockCodec>>,
}

/// The most bytes a variable-length chunk may decode to (its size is not
/// known from its shape): a bound for decompression bombs, far above real
/// chunks.
pub const VLEN_MAX_DECODED: usize = 1 << 34;

/// The object codec name a variable-length type needs (None: not one).
fn vlen_codec_of(dtype: DataType) -> Option<&'static str> {
    match dtype {
        DataType::String => Some(super::vlen::UTF8),
        DataType::VlenBytes => Some(super::vlen::BYTES),
        _ => None,
    }
}

/// A `vlen-utf8` / `vlen-bytes` codec name (v3, numcodecs id, or zarr-python's
/// `numcodecs.` form) as the array->bytes codec of `dtype`; None when `name`
/// is not a vlen codec; `Error::Unsupported` when it does not fit `dtype`.
fn vlen_codec(name: &str, dtype: DataType) -> Option<Result<()>> {
    let n = name.strip_prefix("numcodecs.").unwrap_or(name);
    if n != super::vlen::UTF8 && n != super::vlen::BYTES {
        return None;
    }
    Some(match vlen_codec_of(dtype) {
        Some(want) if want == n => Ok(()),
        _ => Err(Error::Unsupported(format!(
            "codec \"{name}\" on a {} array",
            dtype.v3_name()
        ))),
    })
}

/// An array->array stage.
#[derive(Debug, Clone)]
enum Stage {
    Transpose(Vec<usize>),
    /// A codec on the flattened native-endian elements (zarr-python runs
    /// numcodecs filters such as delta here in v3), and the element type it
    /// produces (another type only for fixedscaleoffset's `astype`).
    Elementwise(Arc<dyn BytesCodec>, DataType),
}

/// Codecs zarr-python 3 treats as array->array (before `bytes`).
fn is_array_to_array(name: &str) -> bool {
    matches!(
        name,
        "numcodecs.delta" | "numcodecs.bitround" | "numcodecs.quantize" | "numcodecs.fixedscaleoffset"
    )
}

/// numcodecs filters (not compressors): a v2 list ending in one has no compressor.
fn is_v2_filter(name: &str) -> bool {
    matches!(
        name,
        "numcodecs.delta"
            | "numcodecs.bitround"
            | "numcodecs.quantize"
            | "numcodecs.fixedscaleoffset"
            | "numcodecs.shuffle"
    )
}

/// The data type a numcodecs `dtype`/`astype` string names ("<i2", "float32").
fn numcodecs_dtype(s: &str) -> Option<DataType> {
    super::delta::DType::parse(s)
        .and_then(|d| DataType::from_v2_name(&d.numpy_str()).ok())
        .map(|(d, _)| d)
}

/// An element-wise stage for `dtype` (the element type reaching it): the
/// filter works on that type in native byte order and keeps it, except that
/// fixedscaleoffset and delta may store another type (`astype`). Byte order in the
/// configuration is ignored: the `bytes` codec fixes it, as zarr-python does
/// for little-endian `astype` (its own round trip breaks for big-endian).
fn elementwise(name: &str, config: Option<&Value>, dtype: DataType) -> Result<Stage> {
    let ctx = CodecContext {
        elem_size: dtype.size(),
    };
    // bitround has no dtype in its config: it takes the float width from the array.
    if name == "numcodecs.bitround" {
        if !matches!(dtype, DataType::Float32 | DataType::Float64) || cfg!(target_endian = "big") {
            return Err(Error::Unsupported(format!(
                "codec \"{name}\" on {} (float32 or float64 only)",
                dtype.v3_name()
            )));
        }
        return Ok(Stage::Elementwise(registry::from_v3(name, config, ctx)?, dtype));
    }
    let native = dtype.v2_name(Endian::NATIVE);
    // Missing means the array's own type; numpy names ("float32") count too.
    let named = |k: &str| match config.and_then(|c| c.get(k)) {
        None | Some(Value::Null) => Ok(dtype),
        Some(Value::String(t)) => numcodecs_dtype(t).ok_or(()),
        Some(_) => Err(()),
    };
    let out = match named("astype") {
        Ok(t) if t == dtype => t,
        // zarr-python resolves these two to their astype (the others keep the type).
        Ok(t) if matches!(name, "numcodecs.fixedscaleoffset" | "numcodecs.delta") && t != DataType::Bool => t,
        _ => {
            return Err(Error::Unsupported(format!(
                "codec \"{name}\" with an astype other than the array's ({})",
                dtype.v3_name()
            )))
        }
    };
    if named("dtype") != Ok(dtype) {
        return Err(Error::Unsupported(format!(
            "codec \"{name}\" with a dtype other than the array's ({})",
            dtype.v3_name()
        )));
    }
    // The stage runs on native-endian elements; other settings (quantize's
    // digits, fixedscaleoffset's scale and offset) pass through.
    let mut config = match config {
        Some(Value::Object(m)) => m.clone(),
        _ => serde_json::Map::new(),
    };
    config.remove("id");
    config.insert("dtype".into(), native.clone().into());
    config.insert("astype".into(), out.v2_name(Endian::NATIVE).into());
    let config = Value::Object(config);
    let codec = registry::from_v3(name, Some(&config), ctx)?;
    Ok(Stage::Elementwise(codec, out))
}

/// The element type `stages` produce from `dtype`.
fn stages_out(stages: &[Stage], dtype: DataType) -> DataType {
    stages
        .iter()
        .rev()
        .find_map(|st| match st {
            Stage::Elementwise(_, t) => Some(*t),
            Stage::Transpose(_) => None,
        })
        .unwrap_or(dtype)
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
        None | Some(Value::Null) if dtype.swap_unit() == 1 => Ok(None),
        None | Some(Value::Null) => Err(Error::Metadata(format!(
            "bytes codec needs \"endian\" for {}",
            dtype.v3_name()
        ))),
        Some(other) => Err(Error::Metadata(format!("bytes codec endian {other} is not valid"))),
    }
}

impl CodecChain {
    /// The live chain of an array from its codec metadata, checked against
    /// its chunk shape; missing inner chunks of shards decode to its fill value.
    pub fn for_array(meta: &ArrayMetadata) -> Result<Self> {
        let ndim = meta.chunk_shape.len();
        let mut chain = match &meta.codecs {
            CodecMetadata::V3(list) => Self::from_v3(list, meta.dtype, ndim)?,
            CodecMetadata::V2 {
                endian,
                order_f,
                filters,
                compressor,
            } => Self::from_v2(meta.dtype, *endian, *order_f, ndim, filters, compressor.as_ref())?,
            CodecMetadata::N5(compression) => Self::n5(compression, meta.dtype)?,
        };
        chain.set_fill(&meta.fill_value);
        chain.check_shape(&meta.chunk_shape)?;
        Ok(chain)
    }

    /// The chain of an N5 dataset with `compression`.
    pub fn n5(compression: &Value, dtype: DataType) -> Result<Self> {
        Ok(CodecChain {
            format: ZarrFormat::N5,
            dtype,
            stages: vec![],
            endian: None,
            bytes_codecs: vec![],
            v2_filters: 0,
            sharding: None,
            vlen: false,
            n5: Some(Arc::new(N5BlockCodec::new(compression, dtype)?)),
        })
    }

    /// The codec metadata that names this chain in its format's document.
    pub fn to_metadata(&self) -> Result<CodecMetadata> {
        if let Some(n5) = &self.n5 {
            return Ok(CodecMetadata::N5(n5.compression().clone()));
        }
        Ok(match self.format {
            ZarrFormat::N5 => return Err(Error::Internal("N5 chain without its block codec".into())),
            ZarrFormat::V3 => CodecMetadata::V3(self.to_v3_json()),
            ZarrFormat::V2 => {
                let (endian, order_f, filters, compressor) = self.to_v2_parts()?;
                CodecMetadata::V2 {
                    endian,
                    order_f,
                    filters,
                    compressor,
                }
            }
        })
    }

    /// From a v3 `codecs` list.
    pub fn from_v3(codecs: &[Value], dtype: DataType, ndim: usize) -> Result<Self> {
        let ctx = CodecContext {
            elem_size: dtype.size(),
        };
        let mut chain = CodecChain {
            format: ZarrFormat::V3,
            dtype,
            stages: vec![],
            endian: None,
            bytes_codecs: vec![],
            v2_filters: 0,
            sharding: None,
            vlen: false,
            n5: None,
        };
        let mut seen_bytes = false;
        for c in codecs {
            let (name, config) = codec_name_config(c)?;
            if let Some(ok) = vlen_codec(&name, dtype).filter(|_| !seen_bytes) {
                ok?;
                if !chain.stages.is_empty() {
                    return Err(Error::Unsupported(format!(
                        "array->array codecs before \"{name}\" (variable-length types)"
                    )));
                }
                chain.vlen = true;
                seen_bytes = true;
                continue;
            }
            if dtype.is_vlen() && !seen_bytes && matches!(name.as_str(), "bytes" | "endian" | "sharding_indexed") {
                return Err(Error::Unsupported(format!(
                    "codec \"{name}\" on a {} array (it needs \"{}\")",
                    dtype.v3_name(),
                    vlen_codec_of(dtype).unwrap_or_default()
                )));
            }
            match name.as_str() {
                "transpose" if !seen_bytes => chain
                    .stages
                    .push(Stage::Transpose(transpose::parse_order(config, ndim)?)),
                n if !seen_bytes && is_array_to_array(n) => {
                    let stage = elementwise(n, config, chain.encoded_dtype())?;
                    chain.stages.push(stage)
                }
                "bytes" | "endian" if !seen_bytes => {
                    chain.endian = parse_endian(config, chain.encoded_dtype())?;
                    seen_bytes = true;
                }
                "transpose" | "bytes" | "endian" => {
                    return Err(Error::Metadata(format!(
                        "codec \"{name}\" is out of place in the codec list"
                    )))
                }
                "sharding_indexed" if !seen_bytes => {
                    chain.check_sharding_type()?;
                    chain.sharding = Some(Arc::new(ShardingCodec::from_v3(config, dtype, ndim, false)?));
                    seen_bytes = true;
                }
                "sharding_indexed" => {
                    return Err(Error::Metadata(
                        "codec \"sharding_indexed\" is out of place in the codec list".into(),
                    ))
                }
                _ if !seen_bytes => {
                    // A bytes->bytes codec before any array->bytes codec: either unknown
                    // (say so by name) or misplaced.
                    registry::from_v3(&name, config, ctx)?;
                    return Err(Error::Metadata(format!(
                        "codec \"{name}\" comes before the array->bytes codec"
                    )));
                }
                _ => {
                    // Bytes codecs see elements of the type the stages produced.
                    let ctx = CodecContext {
                        elem_size: chain.encoded_dtype().size(),
                    };
                    chain.bytes_codecs.push(registry::from_v3(&name, config, ctx)?)
                }
            }
        }
        if !seen_bytes {
            return Err(Error::Metadata("codecs have no array->bytes codec (\"bytes\")".into()));
        }
        if dtype.is_vlen() && !chain.vlen {
            return Err(Error::Unsupported(format!(
                "a {} array needs the \"{}\" codec",
                dtype.v3_name(),
                vlen_codec_of(dtype).unwrap_or_default()
            )));
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
        // A `|O` array's first filter is its object codec (checked by the metadata).
        let vlen = dtype.is_vlen();
        let filters = if vlen {
            let id = filters
                .first()
                .and_then(|f| f.get("id"))
                .and_then(Value::as_str)
                .unwrap_or("");
            vlen_codec(id, dtype).unwrap_or_else(|| {
                Err(Error::Unsupported(format!(
                    "object codec \"{id}\" on a {} array",
                    dtype.v3_name()
                )))
            })?;
            if order_f && ndim > 1 {
                return Err(Error::Unsupported(format!(
                    "order \"F\" on a {} array",
                    dtype.v3_name()
                )));
            }
            &filters[1..]
        } else {
            filters
        };
        for f in filters {
            // bitround sees the stored bytes and assumes little-endian floats.
            if endian == Endian::Big && dtype.size() > 1 && f.get("id").and_then(Value::as_str) == Some("bitround") {
                return Err(Error::Unsupported("filter \"bitround\" on big-endian data".into()));
            }
            bytes_codecs.push(registry::from_v2(f, ctx)?);
        }
        if let Some(c) = compressor {
            bytes_codecs.push(registry::from_v2(c, ctx)?);
        }
        Ok(CodecChain {
            format: ZarrFormat::V2,
            dtype,
            stages: if order_f && ndim > 1 && !vlen {
                vec![Stage::Transpose((0..ndim).rev().collect())]
            } else {
                vec![]
            },
            endian: if dtype.swap_unit() == 1 { None } else { Some(endian) },
            bytes_codecs,
            v2_filters: filters.len(),
            sharding: None,
            vlen,
            n5: None,
        })
    }

    /// A chain for a new array from a list of codec objects given by a caller
    /// (v3 objects or numcodecs objects). `bytes` (little-endian) is added if
    /// absent. For a v2 array the list maps to filters + one compressor.
    pub fn from_user_list(codecs: &[Value], dtype: DataType, ndim: usize, format: ZarrFormat) -> Result<Self> {
        if format == ZarrFormat::N5 {
            return Self::n5(&super::n5block::compression_from_user(codecs)?, dtype);
        }
        let mut stages = vec![];
        // Set only by an explicit `bytes` codec; little-endian otherwise.
        let mut endian = None;
        let mut bytes_codecs = vec![];
        let mut sharding = None;
        // Array->array codecs must come before sharding: they reshape what it splits.
        let before_sharding = |sharding: &Option<_>, name: &str| match sharding {
            Some(_) => Err(Error::InvalidArgument(format!(
                "codec \"{name}\" after \"sharding_indexed\" (array->array codecs come before it)"
            ))),
            None => Ok(()),
        };
        for c in codecs {
            // The vlen codec of a variable-length type: added below anyway.
            let vname = c
                .get("id")
                .or_else(|| c.get("name"))
                .and_then(Value::as_str)
                .or_else(|| c.as_str());
            if let Some(ok) = vname.and_then(|n| vlen_codec(n, dtype)) {
                ok?;
                continue;
            }
            if dtype.is_vlen() && matches!(vname, Some("bytes" | "endian" | "sharding_indexed" | "transpose")) {
                return Err(Error::Unsupported(format!(
                    "codec \"{}\" on a {} array",
                    vname.unwrap_or_default(),
                    dtype.v3_name()
                )));
            }
            // Later codecs see elements of the type the stages so far produce.
            let cur = stages_out(&stages, dtype);
            let ctx = CodecContext { elem_size: cur.size() };
            if let Some(id) = c.get("id").and_then(Value::as_str) {
                let v3_name = format!("numcodecs.{id}");
                if format == ZarrFormat::V3 && is_array_to_array(&v3_name) {
                    before_sharding(&sharding, &v3_name)?;
                    stages.push(elementwise(&v3_name, Some(c), cur)?);
                } else {
                    let codec = registry::from_v2(c, ctx)?;
                    // A codec with no v3 form (fixedscaleoffset) must not land in v3 metadata.
                    if format == ZarrFormat::V3 && codec.to_v3_json().is_none() {
                        registry::from_v3(&v3_name, Some(c), ctx)?;
                        return Err(Error::Unsupported(format!("codec \"{v3_name}\" in v3")));
                    }
                    bytes_codecs.push(codec);
                }
                continue;
            }
            let (name, config) = codec_name_config(c)?;
            match name.as_str() {
                "transpose" => {
                    before_sharding(&sharding, &name)?;
                    stages.push(Stage::Transpose(transpose::parse_order(config, ndim)?))
                }
                n if format == ZarrFormat::V3 && is_array_to_array(n) => {
                    before_sharding(&sharding, n)?;
                    stages.push(elementwise(n, config, cur)?)
                }
                // A caller may leave out the byte order: little-endian, as zarr-python.
                "bytes" | "endian" => match config.and_then(|c| c.get("endian")) {
                    None | Some(Value::Null) => {}
                    Some(_) => endian = parse_endian(config, cur)?.or(endian),
                },
                "sharding_indexed" if format == ZarrFormat::V3 && sharding.is_none() => {
                    if cur != dtype {
                        return Err(Error::Unsupported(
                            "a type-changing codec (fixedscaleoffset astype) before \"sharding_indexed\"".into(),
                        ));
                    }
                    sharding = Some(Arc::new(ShardingCodec::from_v3(config, dtype, ndim, true)?))
                }
                "sharding_indexed" => {
                    return Err(Error::Unsupported(
                        "codec \"sharding_indexed\" here (v3 only, once)".into(),
                    ))
                }
                _ => bytes_codecs.push(registry::from_v3(&name, config, ctx)?),
            }
        }
        let mut chain = CodecChain {
            format,
            dtype,
            stages,
            endian,
            bytes_codecs,
            v2_filters: 0,
            sharding,
            vlen: dtype.is_vlen(),
            n5: None,
        };
        if chain.vlen && !chain.stages.is_empty() {
            return Err(Error::Unsupported(format!(
                "array->array codecs on a {} array",
                dtype.v3_name()
            )));
        }
        chain.endian = match chain.sharding {
            Some(_) => None,
            None if chain.encoded_dtype().swap_unit() == 1 => None,
            None => Some(chain.endian.unwrap_or(Endian::Little)),
        };
        if format == ZarrFormat::V2 {
            let reverse: Vec<usize> = (0..ndim).rev().collect();
            let full_reverse = |st: &Stage| matches!(st, Stage::Transpose(t) if *t == reverse);
            if chain.stages.len() > 1 || !chain.stages.iter().all(full_reverse) {
                return Err(Error::Unsupported(
                    "v2 arrays support only order \"F\" (a full reversing transpose)".into(),
                ));
            }
            let n = chain.bytes_codecs.len();
            // The last codec is the compressor unless it is a filter-only codec.
            let last_is_filter = chain.bytes_codecs.last().is_some_and(|c| is_v2_filter(c.name()));
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

    /// The unit the `bytes` codec swaps for elements of `elem` bytes: the
    /// code unit for UTF-32 text, the element otherwise.
    fn swap_unit(&self, elem: usize) -> usize {
        match self.encoded_dtype() {
            DataType::FixedString(_) => 4,
            _ => elem,
        }
    }

    /// Whether the array->bytes codec is `vlen-utf8` / `vlen-bytes`.
    pub fn is_vlen(&self) -> bool {
        self.vlen
    }

    /// The element type after the array->array stages (what `bytes` encodes).
    fn encoded_dtype(&self) -> DataType {
        stages_out(&self.stages, self.dtype)
    }

    /// Shards hold the array's own type (their fill value is the array's).
    fn check_sharding_type(&self) -> Result<()> {
        if self.encoded_dtype() != self.dtype {
            return Err(Error::Unsupported(
                "a type-changing codec (fixedscaleoffset astype) before \"sharding_indexed\"".into(),
            ));
        }
        Ok(())
    }

    pub fn check_shape(&self, chunk_shape: &[u64]) -> Result<()> {
        let mut shape = chunk_shape.to_vec();
        for st in &self.stages {
            if let Stage::Transpose(t) = st {
                transpose::check_perm(t, shape.len())?;
                shape = t.iter().map(|&p| shape[p]).collect();
            }
        }
        match &self.sharding {
            Some(s) => s.check_shape(&shape),
            None => Ok(()),
        }
    }

    /// Give nested sharding codecs the array's fill value (what a missing
    /// inner chunk decodes to).
    pub fn set_fill(&mut self, fill: &crate::metadata::FillValue) {
        if let Some(s) = &mut self.sharding {
            Arc::make_mut(s).set_fill(fill);
        }
    }

    pub fn to_v3_json(&self) -> Vec<Value> {
        let mut out = vec![];
        for st in &self.stages {
            match st {
                Stage::Transpose(t) => out.push(json!({"name": "transpose", "configuration": {"order": t}})),
                Stage::Elementwise(c, _) => out.extend(c.to_v3_json()),
            }
        }
        out.push(match (&self.sharding, self.endian) {
            _ if self.vlen => json!({"name": vlen_codec_of(self.dtype).unwrap_or_default(), "configuration": {}}),
            (Some(s), _) => s.to_v3_json(),
            (None, Some(Endian::Little)) => json!({"name": "bytes", "configuration": {"endian": "little"}}),
            (None, Some(Endian::Big)) => json!({"name": "bytes", "configuration": {"endian": "big"}}),
            (None, None) => json!({"name": "bytes"}),
        });
        out.extend(self.bytes_codecs.iter().filter_map(|c| c.to_v3_json()));
        out
    }

    /// (dtype byte order, order "F", filters, compressor) for a `.zarray`.
    pub fn to_v2_parts(&self) -> Result<(Endian, bool, Vec<Value>, Option<Value>)> {
        if self.n5.is_some() {
            return Err(Error::Unsupported("N5 compression has no Zarr v2 form".into()));
        }
        if self.sharding.is_some() {
            return Err(Error::Unsupported(
                "codec \"sharding_indexed\" has no Zarr v2 form".into(),
            ));
        }
        let json_of = |c: &Arc<dyn BytesCodec>| {
            c.to_v2_json()
                .ok_or_else(|| Error::Unsupported(format!("codec \"{}\" has no Zarr v2 form", c.name())))
        };
        let mut filters = self.bytes_codecs[..self.v2_filters]
            .iter()
            .map(json_of)
            .collect::<Result<Vec<_>>>()?;
        if let Some(id) = vlen_codec_of(self.dtype).filter(|_| self.vlen) {
            // The object codec is a `|O` array's first filter.
            filters.insert(0, json!({"id": id}));
        }
        let compressor = self.bytes_codecs[self.v2_filters..].first().map(json_of).transpose()?;
        Ok((
            self.endian.unwrap_or(Endian::Little),
            !self.stages.is_empty(),
            filters,
            compressor,
        ))
    }

    /// Tests: append a bytes->bytes codec (one the registry does not know).
    #[cfg(test)]
    pub(crate) fn push_bytes_codec(&mut self, c: Arc<dyn BytesCodec>) {
        self.bytes_codecs.push(c);
    }

    pub fn format(&self) -> ZarrFormat {
        self.format
    }

    /// The sharding codec when this chain is `sharding_indexed` alone, so
    /// the array code can read inner chunks by range. None for a chain with
    /// codecs around sharding: it goes through [`CodecChain::decode`].
    pub fn sharding(&self) -> Option<&ShardingCodec> {
        match (self.stages.is_empty(), self.bytes_codecs.is_empty()) {
            (true, true) => self.sharding.as_deref(),
            _ => None,
        }
    }

    /// The decoder of one stored chunk of `shape` read through `source`:
    /// ranged reads of the inner chunks for sharding alone, a stream for
    /// chains that stream and chunks above [`STREAM_ABOVE`], the whole
    /// chunk otherwise.
    pub fn partial_decoder<'a>(
        &'a self,
        source: &'a dyn crate::store::ByteSource,
        shape: &'a [u64],
    ) -> Box<dyn super::partial::PartialDecoder + 'a> {
        use super::partial::{Streamed, Whole};
        if let Some(sh) = self.sharding() {
            return Box::new(super::sharding::ShardDecoder::new(sh, source, shape));
        }
        let decoded = shape.iter().product::<u64>().saturating_mul(self.dtype.size() as u64);
        if !self.vlen && self.can_stream() && decoded > STREAM_ABOVE {
            return Box::new(Streamed {
                chain: self,
                source,
                shape,
            });
        }
        Box::new(Whole {
            chain: self,
            source,
            shape,
        })
    }

    /// Encode one chunk given as native-endian C-order elements of `shape`.
    pub fn encode(&self, chunk: Vec<u8>, shape: &[u64]) -> Result<Vec<u8>> {
        if let Some(n5) = &self.n5 {
            return n5.encode(&chunk, shape, shape);
        }
        let mut elem = self.dtype.size();
        let n_elems = shape.iter().product::<u64>() as usize;
        let mut data = chunk;
        let mut cur_shape = shape.to_vec();
        for st in &self.stages {
            match st {
                Stage::Transpose(perm) => {
                    data = transpose::permute(&data, elem, &cur_shape, perm);
                    cur_shape = perm.iter().map(|&p| cur_shape[p]).collect();
                }
                Stage::Elementwise(c, out) => {
                    data = c.encode(data)?;
                    elem = out.size();
                    if data.len() != n_elems * elem {
                        return Err(Error::Internal(format!(
                            "array->array codec {} gave {} bytes for {n_elems} elements of {}",
                            c.name(),
                            data.len(),
                            out.v3_name()
                        )));
                    }
                }
            }
        }
        if let Some(sh) = &self.sharding {
            data = sh.encode_whole(&data, &cur_shape)?;
        } else if let Some(e) = self.endian {
            if e != Endian::NATIVE {
                swap_bytes(&mut data, self.swap_unit(elem));
            }
        }
        for c in &self.bytes_codecs {
            data = c.encode(data)?;
        }
        Ok(data)
    }

    /// As [`CodecChain::encode`] from borrowed bytes: a chain of bytes->bytes
    /// codecs alone (native byte order) hands them to its first codec
    /// without a copy; any other chain copies and encodes.
    pub fn encode_slice(&self, chunk: &[u8], shape: &[u64]) -> Result<Vec<u8>> {
        if let Some(n5) = &self.n5 {
            return n5.encode(chunk, shape, shape);
        }
        match self.bytes_codecs.split_first() {
            Some((first, rest)) if self.encodes_borrowed() => {
                rest.iter().try_fold(first.encode_slice(chunk)?, |d, c| c.encode(d))
            }
            _ => self.encode(chunk.to_vec(), shape),
        }
    }

    /// Encode a chunk of the array's grid whose first `valid` elements per
    /// dimension lie inside the array (fewer than `shape` at its upper
    /// edges). Formats that store edge chunks whole (Zarr) encode all of
    /// it; N5 stores only the valid part, as N5 requires.
    pub fn encode_chunk(&self, chunk: &[u8], shape: &[u64], valid: &[u64]) -> Result<Vec<u8>> {
        match &self.n5 {
            Some(n5) => n5.encode(chunk, shape, valid),
            None => self.encode_slice(chunk, shape),
        }
    }

    /// As [`CodecChain::encode_chunk`], taking the chunk buffer.
    pub fn encode_chunk_owned(&self, chunk: Vec<u8>, shape: &[u64], valid: &[u64]) -> Result<Vec<u8>> {
        match &self.n5 {
            Some(n5) => n5.encode(&chunk, shape, valid),
            None => self.encode(chunk, shape),
        }
    }

    /// Whether [`CodecChain::encode_slice`] reads the chunk where it lies
    /// (no copy): bytes->bytes codecs alone, in native byte order.
    pub fn encodes_borrowed(&self) -> bool {
        self.stages.is_empty()
            && self.sharding.is_none()
            && self.n5.is_none()
            && self.endian.is_none_or(|e| e == Endian::NATIVE)
            && !self.bytes_codecs.is_empty()
    }

    /// A reader of the decoded chunk (native endian, C order) when the whole
    /// chain can stream: no transpose, native byte order, and at most one
    /// bytes->bytes codec that streams. None: use [`CodecChain::decode`].
    pub fn decode_stream<'a>(
        &self,
        stored: Box<dyn std::io::Read + Send + 'a>,
    ) -> Option<Box<dyn std::io::Read + Send + 'a>> {
        if self.sharding.is_some()
            || self.n5.is_some()
            || !self.stages.is_empty()
            || self.endian.is_some_and(|e| e != Endian::NATIVE)
        {
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
        if self.sharding.is_some()
            || self.n5.is_some()
            || !self.stages.is_empty()
            || self.endian.is_some_and(|e| e != Endian::NATIVE)
        {
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
        if self.vlen {
            // The framed value list: its size is not known from the shape
            // (the array code checks the framing).
            return self.bytes_codecs.iter().rev().try_fold(stored, |d, c| {
                c.decode_bounded(d, VLEN_MAX_DECODED)
                    .map_err(|e| e.context(format!("chunk {key}")))
            });
        }
        if let Some(n5) = &self.n5 {
            let max = n5.max_stored_len(shape);
            if stored.len() > max {
                return Err(Error::Codec(format!(
                    "chunk {key}: {} stored bytes are more than any encoding of it takes ({max})",
                    stored.len()
                )));
            }
            return n5.decode(stored, shape, key);
        }
        let n_elems = shape.iter().product::<u64>() as usize;
        // Element types reaching each stage, then what the stages produce.
        let mut types = vec![self.dtype];
        for st in &self.stages {
            let t = *types.last().unwrap();
            types.push(match st {
                Stage::Elementwise(_, out) => *out,
                Stage::Transpose(_) => t,
            });
        }
        let elem = types.last().unwrap().size();
        let expected = n_elems * elem;
        if n_elems * self.dtype.size().max(elem) > 1 << 30 {
            // Codecs allocate the decoded size infallibly: make sure it can be had.
            let mut probe: Vec<u8> = Vec::new();
            probe
                .try_reserve_exact(expected)
                .map_err(|_| Error::OutOfMemory(format!("cannot allocate {expected} bytes to decode chunk {key}")))?;
        }
        // Each bytes->bytes codec's output is bounded by what the codecs
        // nearer the array can take, so a hostile header or a decompression
        // bomb anywhere in the chain stops there (ZARR_ECODEC) instead of
        // taking the memory; the innermost knows its exact size.
        let bounds = self.output_bounds(shape, expected);
        let max_stored = self
            .bytes_codecs
            .last()
            .map_or(bounds[0], |c| c.max_encoded_len(bounds[bounds.len() - 1]));
        if stored.len() > max_stored && !(self.bytes_codecs.is_empty() && self.sharding.is_none()) {
            return Err(Error::Codec(format!(
                "chunk {key}: {} stored bytes are more than any encoding of it takes ({max_stored})",
                stored.len()
            )));
        }
        let mut data = stored;
        for (i, c) in self.bytes_codecs.iter().enumerate().rev() {
            let decoded = if i == 0 && self.sharding.is_none() {
                c.decode(data, Some(expected))
            } else {
                c.decode_bounded(data, bounds[i])
            };
            data = decoded.map_err(|e| e.context(format!("chunk {key}")))?;
        }
        // Shapes after each encode-side stage, to undo them in reverse.
        let mut shapes = vec![shape.to_vec()];
        for st in &self.stages {
            let s = shapes.last().unwrap();
            shapes.push(match st {
                Stage::Transpose(perm) => perm.iter().map(|&p| s[p]).collect(),
                Stage::Elementwise(..) => s.clone(),
            });
        }
        if let Some(sh) = &self.sharding {
            data = sh.decode_whole(data, shapes.last().unwrap(), key)?;
        }
        if data.len() != expected {
            return Err(Error::Codec(format!(
                "chunk {key}: decoded to {} bytes, expected {expected}",
                data.len()
            )));
        }
        if let Some(e) = self.endian {
            if e != Endian::NATIVE {
                swap_bytes(&mut data, self.swap_unit(elem));
            }
        }
        for (k, st) in self.stages.iter().enumerate().rev() {
            let elem = types[k].size();
            data = match st {
                Stage::Transpose(perm) => transpose::permute(&data, elem, &shapes[k + 1], &transpose::inverse(perm)),
                Stage::Elementwise(c, _) => {
                    let out = c
                        .decode(data, Some(n_elems * elem))
                        .map_err(|e| e.context(format!("chunk {key}")))?;
                    if out.len() != n_elems * elem {
                        return Err(Error::Codec(format!(
                            "chunk {key}: {} decoded to {} bytes, expected {}",
                            c.name(),
                            out.len(),
                            n_elems * elem
                        )));
                    }
                    out
                }
            };
        }
        Ok(data)
    }
}

impl CodecChain {
    /// The most bytes each bytes->bytes codec may decode to for a chunk of
    /// `shape` (`expected` bytes once through the array->bytes codec): entry
    /// `i` bounds codec `i`'s output; entry 0 is the array->bytes codec's
    /// input (exact without sharding, a bound with it).
    fn output_bounds(&self, shape: &[u64], expected: usize) -> Vec<usize> {
        let mut bound = match &self.sharding {
            Some(sh) => sh.max_encoded_len(shape),
            None => expected,
        };
        let mut out = Vec::with_capacity(self.bytes_codecs.len().max(1));
        out.push(bound);
        for c in self.bytes_codecs.iter().take(self.bytes_codecs.len().saturating_sub(1)) {
            bound = c.max_encoded_len(bound);
            out.push(bound);
        }
        out
    }

    /// An upper bound of the stored size of a chunk of `shape`: what any
    /// sane encoder of this chain produces at most. Readers refuse more.
    pub fn max_stored_len(&self, shape: &[u64]) -> usize {
        if self.vlen {
            return VLEN_MAX_DECODED;
        }
        if let Some(n5) = &self.n5 {
            return n5.max_stored_len(shape);
        }
        let n_elems = shape.iter().product::<u64>() as usize;
        let expected = n_elems.saturating_mul(stages_out(&self.stages, self.dtype).size());
        let bounds = self.output_bounds(shape, expected);
        self.bytes_codecs
            .last()
            .map_or(bounds[0], |c| c.max_encoded_len(bounds[bounds.len() - 1]))
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
    fn vlen_chains() {
        let codecs = vec![
            json!({"name": "vlen-utf8", "configuration": {}}),
            json!({"name": "zstd", "configuration": {"level": 0, "checksum": false}}),
        ];
        let chain = CodecChain::from_v3(&codecs, DataType::String, 1).unwrap();
        assert!(chain.is_vlen());
        assert_eq!(chain.to_v3_json(), codecs);
        let framed = crate::codec::vlen::encode(&["a", "bc"]).unwrap();
        let enc = chain.encode(framed.clone(), &[2]).unwrap();
        assert_ne!(enc, framed);
        assert_eq!(chain.decode(enc, &[2], "c/0").unwrap(), framed);
        // The wrong vlen codec, or `bytes`, on a string array is refused by name.
        let wrong = [json!({"name": "vlen-bytes"})];
        assert!(
            matches!(CodecChain::from_v3(&wrong, DataType::String, 1), Err(Error::Unsupported(m)) if m.contains("vlen-bytes"))
        );
        let bytes = [json!({"name": "bytes"})];
        assert!(matches!(
            CodecChain::from_v3(&bytes, DataType::String, 1),
            Err(Error::Unsupported(_))
        ));
        assert!(CodecChain::from_v3(&[json!({"name": "vlen-utf8"})], DataType::Int32, 1).is_err());
        // v2: the object codec is the first filter, kept first on the way out.
        let v2 = CodecChain::from_v2(
            DataType::VlenBytes,
            Endian::Little,
            false,
            1,
            &[json!({"id": "vlen-bytes"})],
            Some(&json!({"id": "zlib", "level": 1})),
        )
        .unwrap();
        let (_, _, filters, compressor) = v2.to_v2_parts().unwrap();
        assert_eq!(filters, vec![json!({"id": "vlen-bytes"})]);
        assert_eq!(compressor.unwrap()["id"], "zlib");
        // A caller's list for a new string array: vlen-utf8 is added.
        let user = CodecChain::from_user_list(
            &[json!({"id": "zstd", "level": 1})],
            DataType::String,
            1,
            ZarrFormat::V2,
        )
        .unwrap();
        assert_eq!(user.to_v2_parts().unwrap().2, vec![json!({"id": "vlen-utf8"})]);
    }

    #[test]
    fn utf32_swaps_code_units() {
        // `>U2` "ab": each 4-byte code unit big-endian.
        let chain = CodecChain::from_v3(
            &[json!({"name": "bytes", "configuration": {"endian": "big"}})],
            DataType::FixedString(2),
            1,
        )
        .unwrap();
        let native: Vec<u8> = ['a', 'b'].iter().flat_map(|&c| (c as u32).to_ne_bytes()).collect();
        let enc = chain.encode(native.clone(), &[1]).unwrap();
        assert_eq!(enc, [0, 0, 0, b'a', 0, 0, 0, b'b']);
        assert_eq!(chain.decode(enc, &[1], "k").unwrap(), native);
    }

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
    fn v3_delta_is_an_array_to_array_codec() {
        // As zarr-python 3.1 writes it: numcodecs.delta before bytes.
        let codecs = vec![
            json!({"name": "numcodecs.delta", "configuration": {"dtype": "<i4"}}),
            json!({"name": "bytes", "configuration": {"endian": "big"}}),
        ];
        let chain = CodecChain::from_v3(&codecs, DataType::Int32, 1).unwrap();
        let out = chain.to_v3_json();
        assert_eq!(out[0]["name"], "numcodecs.delta");
        assert_eq!(out[1]["name"], "bytes");
        let data: Vec<u8> = [5i32, 7, 4].iter().flat_map(|v| v.to_ne_bytes()).collect();
        let enc = chain.encode(data.clone(), &[3]).unwrap();
        let vals: Vec<i32> = enc
            .chunks(4)
            .map(|c| i32::from_be_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(vals, vec![5, 2, -3]);
        assert_eq!(chain.decode(enc, &[3], "c/0").unwrap(), data);
        // A user list puts it before bytes too; an astype change is refused by name.
        let user = CodecChain::from_user_list(
            &[json!({"id": "delta", "dtype": "<i4"})],
            DataType::Int32,
            1,
            ZarrFormat::V3,
        )
        .unwrap();
        assert_eq!(user.to_v3_json()[0]["name"], "numcodecs.delta");
        // An astype narrows the stored elements, as zarr-python resolves it.
        let narrow = [
            json!({"name": "numcodecs.delta", "configuration": {"dtype": "<i4", "astype": "<i2"}}),
            json!({"name": "bytes", "configuration": {"endian": "big"}}),
        ];
        let chain = CodecChain::from_v3(&narrow, DataType::Int32, 1).unwrap();
        let enc = chain.encode(data.clone(), &[3]).unwrap();
        let vals: Vec<i16> = enc
            .chunks(2)
            .map(|c| i16::from_be_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(vals, vec![5, 2, -3]);
        assert_eq!(chain.decode(enc, &[3], "c/0").unwrap(), data);
        // A dtype other than the array's is refused by name.
        let bad = [
            json!({"name": "numcodecs.delta", "configuration": {"dtype": "<i2"}}),
            json!({"name": "bytes"}),
        ];
        assert!(
            matches!(CodecChain::from_v3(&bad, DataType::Int32, 1), Err(Error::Unsupported(m)) if m.contains("numcodecs.delta"))
        );
    }

    /// transpose -> sharding -> crc32c: the chain decodes whole shards.
    #[test]
    fn codecs_around_sharding() {
        let codecs = vec![
            json!({"name": "transpose", "configuration": {"order": [1, 0]}}),
            json!({"name": "sharding_indexed", "configuration": {"chunk_shape": [1, 2],
                "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}]}}),
            json!({"name": "crc32c"}),
        ];
        let chain = CodecChain::from_v3(&codecs, DataType::UInt8, 2).unwrap();
        assert!(
            chain.sharding().is_none(),
            "no ranged fast path with codecs around sharding"
        );
        let names: Vec<Value> = chain.to_v3_json().iter().map(|c| c["name"].clone()).collect();
        assert_eq!(names, ["transpose", "sharding_indexed", "crc32c"]);
        // The shard shape is the transposed chunk shape: [2, 3] -> [3, 2].
        chain.check_shape(&[2, 3]).unwrap();
        assert!(chain.check_shape(&[3, 2]).is_err());
        let data: Vec<u8> = (1..=6).collect();
        let enc = chain.encode(data.clone(), &[2, 3]).unwrap();
        // Transposed rows (1,4), (2,5), (3,6) are the three inner chunks, in order.
        assert_eq!(&enc[..6], &[1, 4, 2, 5, 3, 6]);
        assert_eq!(chain.decode(enc.clone(), &[2, 3], "c/0/0").unwrap(), data);
        let mut bad = enc;
        bad[0] ^= 1;
        assert!(chain.decode(bad, &[2, 3], "c/0/0").is_err());
        // A user list may not put an array->array codec after sharding.
        let user = [codecs[1].clone(), codecs[0].clone()];
        assert!(CodecChain::from_user_list(&user, DataType::UInt8, 2, ZarrFormat::V3).is_err());
    }

    #[test]
    fn unknown_codecs_are_refused_by_name_when_the_array_opens() {
        let doc = json!({"zarr_format": 3, "node_type": "array", "shape": [4], "data_type": "int32",
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [2]}},
            "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
            "fill_value": 0, "codecs": [{"name": "frobnicate"}]});
        let meta = ArrayMetadata::from_v3(doc.as_object().unwrap()).unwrap();
        let err = CodecChain::for_array(&meta).unwrap_err();
        assert!(
            matches!(&err, Error::Unsupported(m) if m.contains("frobnicate")),
            "{err}"
        );
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
