//! Zarr v2 and v3 metadata documents, read into one in-memory description
//! ([`ArrayMetadata`]) and written back in the array's own format.

pub mod consolidated;
pub mod detect;
pub mod dtype;
pub mod fill;
pub mod json;
pub mod n5;
pub mod node;

use crate::error::{Error, Result};
pub use dtype::{DataType, Endian, FillValue};
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZarrFormat {
    V2,
    V3,
    /// An N5 container (n5-java, z5, tensorstore's `n5` driver): see [`n5`].
    N5,
}

impl ZarrFormat {
    /// The Zarr format number; 0 for N5, which is not a Zarr format.
    pub fn number(self) -> u8 {
        match self {
            ZarrFormat::V2 => 2,
            ZarrFormat::V3 => 3,
            ZarrFormat::N5 => 0,
        }
    }

    /// "Zarr v2", "Zarr v3" or "N5", for messages.
    pub fn name(self) -> &'static str {
        match self {
            ZarrFormat::V2 => "Zarr v2",
            ZarrFormat::V3 => "Zarr v3",
            ZarrFormat::N5 => "N5",
        }
    }
}

/// How chunk grid coordinates become store keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkKeyEncoding {
    /// v3 "default": `c/1/2` (or `c.1.2`); a 0-d array's only chunk is `c`.
    Default { separator: char },
    /// v2 and v3 "v2": `1.2` (or `1/2`); a 0-d array's only chunk is `0`.
    V2 { separator: char },
    /// N5: the block's grid position in N5's (reversed) dimension order,
    /// `/`-separated: chunk `[i, j, k]` of a C-order view is `k/j/i`.
    N5,
}

impl ChunkKeyEncoding {
    pub fn key(&self, coords: &[u64]) -> String {
        let (prefix, sep) = match *self {
            ChunkKeyEncoding::Default { separator } => (Some("c"), separator),
            ChunkKeyEncoding::V2 { separator } => (None, separator),
            ChunkKeyEncoding::N5 => {
                let parts: Vec<String> = coords.iter().rev().map(u64::to_string).collect();
                return parts.join("/");
            }
        };
        let mut s = String::new();
        if let Some(p) = prefix {
            s.push_str(p);
        }
        if coords.is_empty() && prefix.is_none() {
            s.push('0');
        }
        for (i, c) in coords.iter().enumerate() {
            if i > 0 || prefix.is_some() {
                s.push(sep);
            }
            s.push_str(&c.to_string());
        }
        s
    }
}

fn parse_separator(v: Option<&Value>, default: char) -> Result<char> {
    match v {
        None | Some(Value::Null) => Ok(default),
        Some(Value::String(s)) if s == "/" => Ok('/'),
        Some(Value::String(s)) if s == "." => Ok('.'),
        Some(other) => Err(Error::Metadata(format!("bad chunk key separator {other}"))),
    }
}

/// An array's codecs as its document names them: metadata only. The live
/// chain is built from it where the array is opened
/// (`codec::pipeline::CodecChain::for_array`), which is also where an
/// unknown codec or a bad configuration is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum CodecMetadata {
    /// The v3 `codecs` list.
    V3(Vec<Value>),
    /// The v2 `.zarray` parts: the dtype's byte order, `order: "F"`,
    /// `filters` and `compressor`.
    V2 {
        endian: Endian,
        order_f: bool,
        filters: Vec<Value>,
        compressor: Option<Value>,
    },
    /// N5's `compression` object (`{"type": "gzip", "level": 6, ...}`);
    /// elements are always big-endian, blocks carry a header (codec::n5block).
    N5(Value),
}

/// One dimension of a `rectilinear` chunk grid (zarr-extensions
/// `chunk-grids/rectilinear`, written by zarr-python 3.2+ and zarrs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RectDim {
    /// A bare integer: chunks of this size, repeated to cover any extent.
    Step(u64),
    /// Explicit edge lengths, kept as their bounds `[0, e0, e0 + e1, ...]`
    /// (one more than the edges) so a coordinate finds its chunk by binary search.
    Bounds(Vec<u64>),
}

impl RectDim {
    /// The chunk holding coordinate `x`, its origin and its (exclusive,
    /// saturating) end.
    #[inline]
    pub fn locate(&self, x: u64) -> (u64, u64, u64) {
        match self {
            RectDim::Step(s) => {
                let c = x / s;
                (c, c * s, (c + 1).saturating_mul(*s))
            }
            RectDim::Bounds(b) => {
                // Past the last edge (never inside the array): one chunk to the end.
                let i = b.partition_point(|&e| e <= x);
                if i >= b.len() {
                    return (b.len() as u64 - 1, b[b.len() - 1], u64::MAX);
                }
                let c = i - 1;
                (c as u64, b[c], b[c + 1])
            }
        }
    }

    /// Origin and extent of chunk `c`.
    pub fn chunk(&self, c: u64) -> (u64, u64) {
        match self {
            RectDim::Step(s) => (c.saturating_mul(*s), *s),
            RectDim::Bounds(b) => match (b.get(c as usize), b.get(c as usize + 1)) {
                (Some(&o), Some(&e)) => (o, e - o),
                _ => (b[b.len() - 1], 0),
            },
        }
    }

    /// Number of chunks covering `extent`.
    pub fn count(&self, extent: u64) -> u64 {
        match self {
            RectDim::Step(s) => extent.div_ceil(*s),
            RectDim::Bounds(b) => b.partition_point(|&e| e < extent) as u64,
        }
    }

    fn edges(&self) -> Option<Vec<u64>> {
        match self {
            RectDim::Step(_) => None,
            RectDim::Bounds(b) => Some(b.windows(2).map(|w| w[1] - w[0]).collect()),
        }
    }

    /// The document's form: a bare integer, or the edges run-length encoded
    /// where that is shorter (as zarr-python writes them).
    fn to_json(&self) -> Value {
        let Some(edges) = self.edges() else {
            let RectDim::Step(s) = self else { unreachable!() };
            return json!(s);
        };
        let mut runs: Vec<(u64, u64)> = vec![];
        for e in &edges {
            match runs.last_mut() {
                Some((v, n)) if v == e => *n += 1,
                _ => runs.push((*e, 1)),
            }
        }
        if runs.len() < edges.len() {
            Value::Array(
                runs.into_iter()
                    .map(|(v, n)| if n == 1 { json!(v) } else { json!([v, n]) })
                    .collect(),
            )
        } else {
            json!(edges)
        }
    }
}

/// How an array is cut into chunks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkGrid {
    /// Every chunk of `ArrayMetadata::chunk_shape`.
    Regular,
    /// Per dimension its own chunk edges; `ArrayMetadata::chunk_shape`
    /// then holds the largest chunk per dimension (for buffer sizing).
    Rectilinear(Vec<RectDim>),
}

fn parse_rectilinear(cfg: Option<&Value>, ndim: usize) -> Result<Vec<RectDim>> {
    let cfg = cfg
        .and_then(Value::as_object)
        .ok_or_else(|| Error::Metadata("rectilinear chunk grid has no configuration".into()))?;
    match cfg.get("kind").and_then(Value::as_str) {
        Some("inline") => {}
        Some(k) => return Err(Error::Unsupported(format!("rectilinear chunk grid kind \"{k}\""))),
        None => return Err(Error::Metadata("rectilinear chunk grid has no kind".into())),
    }
    let dims = cfg
        .get("chunk_shapes")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::Metadata("rectilinear chunk_shapes must be a list".into()))?;
    if dims.len() != ndim {
        return Err(Error::Metadata(format!(
            "shape has {ndim} dimensions but rectilinear chunk_shapes has {}",
            dims.len()
        )));
    }
    let positive = |v: &Value, d: usize| -> Result<u64> {
        v.as_u64()
            .filter(|&x| x > 0 && x <= i64::MAX as u64)
            .ok_or_else(|| Error::Metadata(format!("rectilinear chunk_shapes[{d}]: {v} is not a positive integer")))
    };
    dims.iter()
        .enumerate()
        .map(|(d, v)| match v {
            Value::Array(items) => {
                let mut bounds = vec![0u64];
                for it in items {
                    let (size, n) = match it {
                        Value::Array(pair) if pair.len() == 2 => (positive(&pair[0], d)?, positive(&pair[1], d)?),
                        Value::Array(_) => {
                            return Err(Error::Metadata(format!(
                                "rectilinear chunk_shapes[{d}]: {it} is not an integer or [size, count]"
                            )))
                        }
                        _ => (positive(it, d)?, 1),
                    };
                    // A run-length entry may not blow up memory: one bound per chunk.
                    if n > (1 << 24) || bounds.len() as u64 + n > (1 << 24) {
                        return Err(Error::Unsupported(format!(
                            "rectilinear chunk_shapes[{d}] has more than 2^24 chunks"
                        )));
                    }
                    for _ in 0..n {
                        let next = bounds[bounds.len() - 1]
                            .checked_add(size)
                            .filter(|&x| x <= i64::MAX as u64)
                            .ok_or_else(|| Error::Metadata(format!("rectilinear chunk_shapes[{d}] overflows")))?;
                        bounds.push(next);
                    }
                }
                if bounds.len() < 2 {
                    return Err(Error::Metadata(format!("rectilinear chunk_shapes[{d}] is empty")));
                }
                Ok(RectDim::Bounds(bounds))
            }
            _ => Ok(RectDim::Step(positive(v, d)?)),
        })
        .collect()
}

/// Everything the engine needs to know about one array.
#[derive(Debug, Clone)]
pub struct ArrayMetadata {
    pub format: ZarrFormat,
    pub shape: Vec<u64>,
    /// The regular grid's chunk shape; for a rectilinear grid the largest
    /// chunk per dimension (per-chunk shapes: [`ArrayMetadata::chunk_shape_at`]).
    pub chunk_shape: Vec<u64>,
    pub grid: ChunkGrid,
    pub dtype: DataType,
    pub fill_value: FillValue,
    pub key_encoding: ChunkKeyEncoding,
    pub codecs: CodecMetadata,
    /// v2 stores these in `.zattrs`, v3 in `zarr.json`.
    pub attributes: Map<String, Value>,
    pub dimension_names: Option<Vec<Option<String>>>,
    /// Why the attributes could not be read (a v2 `.zattrs` that is not a
    /// JSON object, a v3 `attributes` that is not an object), None when they
    /// could: the array's data stays readable, attribute calls fail with
    /// `Error::Metadata` carrying this, and rewrites of the metadata leave
    /// the bad document as it is until the attributes are replaced.
    pub attributes_error: Option<String>,
    /// Unknown top-level keys of the document, kept so a rewrite loses nothing.
    pub extra: Map<String, Value>,
}

/// Dimension names from netCDF-C's NCZarr bookkeeping, for arrays it wrote
/// without the xarray attribute: `_NCZARR_ARRAY` in `.zarray` (netCDF-C
/// 4.8-4.9) or `_nczarr_array` in the attributes, whose `dimrefs` (or
/// `dimension_references`) are full paths such as `/group/time`; the name
/// is the last part.
fn nczarr_dimension_names(
    doc: &Map<String, Value>,
    attrs: &Map<String, Value>,
    ndim: usize,
) -> Option<Vec<Option<String>>> {
    let obj = doc
        .get("_NCZARR_ARRAY")
        .or_else(|| attrs.get("_nczarr_array"))
        .or_else(|| attrs.get("_NCZARR_ARRAY"))?;
    let refs = obj
        .get("dimrefs")
        .or_else(|| obj.get("dimension_references"))?
        .as_array()
        .filter(|r| r.len() == ndim)?;
    refs.iter()
        .map(|r| r.as_str().map(|p| Some(p.rsplit('/').next().unwrap_or(p).to_owned())))
        .collect()
}

/// The largest chunk per dimension of a rectilinear grid.
fn rect_max(dims: &[RectDim]) -> Vec<u64> {
    dims.iter()
        .map(|g| match g {
            RectDim::Step(s) => *s,
            RectDim::Bounds(b) => b.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(1),
        })
        .collect()
}

fn u64_list(v: Option<&Value>, what: &str) -> Result<Vec<u64>> {
    let arr = v
        .and_then(Value::as_array)
        .ok_or_else(|| Error::Metadata(format!("{what} must be a list of integers")))?;
    arr.iter()
        .map(|x| {
            x.as_u64()
                .ok_or_else(|| Error::Metadata(format!("{what} must be a list of non-negative integers, got {x}")))
        })
        .collect()
}

fn expect_object(text: &[u8], what: &str) -> Result<Map<String, Value>> {
    let v: Value = json::parse(text).map_err(|e| Error::Metadata(format!("{what} is not valid JSON: {e}")))?;
    match v {
        Value::Object(m) => Ok(m),
        _ => Err(Error::Metadata(format!("{what} is not a JSON object"))),
    }
}

/// Parse a JSON object document (metadata or attributes); Python's bare
/// `NaN`, `Infinity` and `-Infinity` are accepted (see [`json`]).
pub fn parse_object(text: &[u8], what: &str) -> Result<Map<String, Value>> {
    expect_object(text, what)
}

/// The most dimensions an array may have (also at open: a document with
/// more is `Error::Unsupported`, as at create).
pub(crate) const MAX_NDIM: usize = 64;

/// A shape given by a caller (create, resize, append): every extent at most
/// 2^63 - 1 (netCDF, numpy and zarr-python index with signed 64-bit
/// integers), else `Error::InvalidArgument` naming the dimension.
pub fn check_extents(shape: &[u64]) -> Result<()> {
    match shape.iter().position(|&x| x > i64::MAX as u64) {
        Some(d) => Err(Error::InvalidArgument(format!(
            "extent {} of dimension {d} exceeds 2^63 - 1",
            shape[d]
        ))),
        None => Ok(()),
    }
}

impl ArrayMetadata {
    pub(crate) fn check(&self) -> Result<()> {
        if self.shape.len() > MAX_NDIM {
            return Err(Error::Unsupported(format!(
                "{} dimensions (at most {MAX_NDIM})",
                self.shape.len()
            )));
        }
        if self.shape.len() != self.chunk_shape.len() {
            return Err(Error::Metadata(format!(
                "shape has {} dimensions but chunk shape has {}",
                self.shape.len(),
                self.chunk_shape.len()
            )));
        }
        // netCDF, numpy and zarr-python index with signed 64-bit integers.
        if self.shape.iter().chain(&self.chunk_shape).any(|&x| x > i64::MAX as u64) {
            return Err(Error::Metadata("an extent exceeds 2^63 - 1".into()));
        }
        if self.chunk_shape.contains(&0) {
            return Err(Error::Metadata("chunk shape has a zero extent".into()));
        }
        if let ChunkGrid::Rectilinear(dims) = &self.grid {
            if self.format != ZarrFormat::V3 {
                return Err(Error::Internal("rectilinear grid outside Zarr v3".into()));
            }
            for (d, (g, &n)) in dims.iter().zip(&self.shape).enumerate() {
                if let RectDim::Bounds(b) = g {
                    if b[b.len() - 1] < n {
                        return Err(Error::Metadata(format!(
                            "rectilinear chunk edges of dimension {d} sum to {} but the extent is {n}",
                            b[b.len() - 1]
                        )));
                    }
                }
            }
        }
        let elems = self
            .chunk_shape
            .iter()
            .try_fold(1u64, |a, &b| a.checked_mul(b))
            .and_then(|n| n.checked_mul(self.dtype.size() as u64))
            .filter(|&n| n <= isize::MAX as u64)
            .ok_or_else(|| Error::Metadata("chunk shape is too large".into()))?;
        let _ = elems;
        if let Some(names) = &self.dimension_names {
            if names.len() != self.shape.len() {
                return Err(Error::Metadata("dimension_names length differs from shape".into()));
            }
        }
        match (&self.codecs, self.format) {
            (CodecMetadata::V3(_), ZarrFormat::V3)
            | (CodecMetadata::V2 { .. }, ZarrFormat::V2)
            | (CodecMetadata::N5(_), ZarrFormat::N5) => Ok(()),
            _ => Err(Error::Internal("codec metadata of another format".into())),
        }
    }

    /// The shape of chunk `coords` (borrowed for a regular grid: no cost there).
    #[inline]
    pub fn chunk_shape_at(&self, coords: &[u64]) -> std::borrow::Cow<'_, [u64]> {
        match &self.grid {
            ChunkGrid::Regular => std::borrow::Cow::Borrowed(&self.chunk_shape),
            ChunkGrid::Rectilinear(dims) => dims.iter().zip(coords).map(|(g, &c)| g.chunk(c).1).collect(),
        }
    }

    /// Origin of chunk `c` along dimension `d`.
    #[inline]
    pub fn chunk_origin(&self, d: usize, c: u64) -> u64 {
        match &self.grid {
            ChunkGrid::Regular => c.saturating_mul(self.chunk_shape[d]),
            ChunkGrid::Rectilinear(dims) => dims[d].chunk(c).0,
        }
    }

    /// Exclusive end of the chunk holding coordinate `x` along dimension `d`.
    pub fn chunk_end(&self, d: usize, x: u64) -> u64 {
        match &self.grid {
            ChunkGrid::Regular => (x / self.chunk_shape[d] + 1).saturating_mul(self.chunk_shape[d]),
            ChunkGrid::Rectilinear(dims) => dims[d].locate(x).2,
        }
    }

    /// Number of chunks along each dimension covering the shape.
    pub fn grid_shape(&self) -> Vec<u64> {
        match &self.grid {
            ChunkGrid::Regular => self
                .shape
                .iter()
                .zip(&self.chunk_shape)
                .map(|(n, c)| n.div_ceil(*c))
                .collect(),
            ChunkGrid::Rectilinear(dims) => dims.iter().zip(&self.shape).map(|(g, &n)| g.count(n)).collect(),
        }
    }

    /// The grid after a resize to `new_shape`, as zarr-python 3.4 does it
    /// (the extension leaves it open): a dimension of explicit edges that no
    /// longer covers its extent gets one more chunk reaching exactly the new
    /// extent; a shrink keeps the edges (trailing edges past the extent are
    /// allowed), so growing back reuses them.
    pub fn grid_for_shape(&self, new_shape: &[u64]) -> ChunkGrid {
        match &self.grid {
            ChunkGrid::Regular => ChunkGrid::Regular,
            ChunkGrid::Rectilinear(dims) => ChunkGrid::Rectilinear(
                dims.iter()
                    .zip(new_shape)
                    .map(|(g, &n)| match g {
                        RectDim::Bounds(b) if b[b.len() - 1] < n => {
                            let mut b = b.clone();
                            b.push(n);
                            RectDim::Bounds(b)
                        }
                        g => g.clone(),
                    })
                    .collect(),
            ),
        }
    }

    /// Set the shape, growing a rectilinear grid to cover it; the largest
    /// chunk per dimension follows.
    pub fn set_shape(&mut self, new_shape: &[u64]) {
        self.grid = self.grid_for_shape(new_shape);
        self.shape = new_shape.to_vec();
        if let ChunkGrid::Rectilinear(dims) = &self.grid {
            self.chunk_shape = rect_max(dims);
        }
    }

    /// The per-dimension chunk edges as the document writes them (a bare
    /// integer for a regular step), or None for a regular grid.
    pub fn chunk_shapes_json(&self) -> Option<Value> {
        match &self.grid {
            ChunkGrid::Regular => None,
            ChunkGrid::Rectilinear(dims) => Some(Value::Array(dims.iter().map(RectDim::to_json).collect())),
        }
    }

    /// Bytes of one decoded chunk (native, C order).
    pub fn chunk_bytes(&self) -> usize {
        self.chunk_shape.iter().product::<u64>() as usize * self.dtype.size()
    }

    /// Parse a v3 `zarr.json` array document.
    pub fn from_v3(doc: &Map<String, Value>) -> Result<Self> {
        if doc.get("zarr_format").and_then(Value::as_u64) != Some(3) {
            return Err(Error::Metadata("zarr_format is not 3".into()));
        }
        if doc.get("node_type").and_then(Value::as_str) != Some("array") {
            return Err(Error::Metadata("node_type is not \"array\"".into()));
        }
        let shape = u64_list(doc.get("shape"), "shape")?;
        let dtype = match doc.get("data_type") {
            Some(v) => DataType::from_v3_json(v)?,
            None => return Err(Error::Metadata("data_type is missing".into())),
        };
        let grid = doc
            .get("chunk_grid")
            .and_then(Value::as_object)
            .ok_or_else(|| Error::Metadata("chunk_grid is missing".into()))?;
        let (chunk_shape, grid) = match grid.get("name").and_then(Value::as_str) {
            Some("regular") => (
                u64_list(
                    grid.get("configuration").and_then(|c| c.get("chunk_shape")),
                    "chunk_grid.configuration.chunk_shape",
                )?,
                ChunkGrid::Regular,
            ),
            Some("rectilinear") => {
                let dims = parse_rectilinear(grid.get("configuration"), shape.len())?;
                (rect_max(&dims), ChunkGrid::Rectilinear(dims))
            }
            Some(other) => return Err(Error::Unsupported(format!("chunk grid \"{other}\""))),
            None => return Err(Error::Metadata("chunk_grid has no name".into())),
        };
        let kenc = doc
            .get("chunk_key_encoding")
            .and_then(Value::as_object)
            .ok_or_else(|| Error::Metadata("chunk_key_encoding is missing".into()))?;
        let sep = kenc.get("configuration").and_then(|c| c.get("separator"));
        let key_encoding = match kenc.get("name").and_then(Value::as_str) {
            Some("default") => ChunkKeyEncoding::Default {
                separator: parse_separator(sep, '/')?,
            },
            Some("v2") => ChunkKeyEncoding::V2 {
                separator: parse_separator(sep, '.')?,
            },
            Some(other) => return Err(Error::Unsupported(format!("chunk key encoding \"{other}\""))),
            None => return Err(Error::Metadata("chunk_key_encoding has no name".into())),
        };
        let fill_value = FillValue::from_json(
            dtype,
            doc.get("fill_value")
                .ok_or_else(|| Error::Metadata("fill_value is missing".into()))?,
            true,
        )?;
        let codecs_json = doc
            .get("codecs")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::Metadata("codecs must be a list".into()))?;
        let codecs = CodecMetadata::V3(codecs_json.clone());
        if let Some(st) = doc.get("storage_transformers") {
            match st.as_array() {
                Some(a) if a.is_empty() => {}
                _ => return Err(Error::Unsupported(format!("storage transformers {st}"))),
            }
        }
        let dimension_names = match doc.get("dimension_names") {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) => Some(
                a.iter()
                    .map(|n| match n {
                        Value::Null => Ok(None),
                        Value::String(s) => Ok(Some(s.clone())),
                        _ => Err(Error::Metadata("dimension_names holds a non-string".into())),
                    })
                    .collect::<Result<Vec<_>>>()?,
            ),
            Some(_) => return Err(Error::Metadata("dimension_names must be a list".into())),
        };
        let mut attributes_error = None;
        let attributes = match doc.get("attributes") {
            None => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => {
                attributes_error = Some("attributes must be an object".to_owned());
                Map::new()
            }
        };
        const KNOWN: [&str; 11] = [
            "zarr_format",
            "node_type",
            "shape",
            "data_type",
            "chunk_grid",
            "chunk_key_encoding",
            "fill_value",
            "codecs",
            "attributes",
            "dimension_names",
            "storage_transformers",
        ];
        let mut extra = Map::new();
        for (k, v) in doc {
            if k == "attributes" && attributes_error.is_some() {
                // Kept as found, so a rewrite (a resize, say) does not drop it.
                extra.insert(k.clone(), v.clone());
                continue;
            }
            if KNOWN.contains(&k.as_str()) {
                continue;
            }
            // Extensions must say must_understand: false, or we cannot read safely.
            let optional = v.get("must_understand").and_then(Value::as_bool) == Some(false);
            if !optional {
                return Err(Error::Unsupported(format!("metadata extension \"{k}\"")));
            }
            extra.insert(k.clone(), v.clone());
        }
        let m = ArrayMetadata {
            format: ZarrFormat::V3,
            shape,
            chunk_shape,
            grid,
            dtype,
            fill_value,
            key_encoding,
            codecs,
            attributes,
            dimension_names,
            attributes_error,
            extra,
        };
        m.check()?;
        Ok(m)
    }

    /// Replace the attributes (this also ends an `attributes_error`).
    pub fn replace_attributes(&mut self, attrs: Map<String, Value>) {
        self.attributes = attrs;
        if self.attributes_error.take().is_some() {
            self.extra.remove("attributes");
        }
    }

    /// The attributes, or `Error::Metadata` when they could not be read.
    pub fn checked_attributes(&self) -> Result<&Map<String, Value>> {
        match &self.attributes_error {
            Some(e) => Err(Error::Metadata(format!("the attributes cannot be read: {e}"))),
            None => Ok(&self.attributes),
        }
    }

    /// Parse a v2 `.zarray` document (attributes come separately from `.zattrs`).
    pub fn from_v2(doc: &Map<String, Value>, attributes: Map<String, Value>) -> Result<Self> {
        if doc.get("zarr_format").and_then(Value::as_u64) != Some(2) {
            return Err(Error::Metadata("zarr_format is not 2".into()));
        }
        let shape = u64_list(doc.get("shape"), "shape")?;
        let chunk_shape = u64_list(doc.get("chunks"), "chunks")?;
        let (dtype, endian) = match doc.get("dtype") {
            // numpy objects: what they hold is the object codec's (the first filter).
            Some(Value::String(s)) if s == "|O" => {
                let first = doc
                    .get("filters")
                    .and_then(Value::as_array)
                    .and_then(|f| f.first())
                    .and_then(|f| f.get("id"))
                    .and_then(Value::as_str);
                match first {
                    Some("vlen-utf8") => (DataType::String, Endian::Little),
                    Some("vlen-bytes") => (DataType::VlenBytes, Endian::Little),
                    Some(other) => {
                        return Err(Error::Unsupported(format!(
                            "data type \"|O\" with object codec \"{other}\""
                        )))
                    }
                    None => {
                        return Err(Error::Unsupported(
                            "data type \"|O\" without an object codec (vlen-utf8 or vlen-bytes) as first filter".into(),
                        ))
                    }
                }
            }
            Some(Value::String(s)) => DataType::from_v2_name(s)?,
            Some(other) => return Err(Error::Unsupported(format!("data type {other}"))),
            None => return Err(Error::Metadata("dtype is missing".into())),
        };
        let order_f = match doc.get("order").and_then(Value::as_str) {
            Some("C") | None => false,
            Some("F") => true,
            Some(o) => return Err(Error::Metadata(format!("order \"{o}\" is not C or F"))),
        };
        let fill_value = FillValue::from_json(dtype, doc.get("fill_value").unwrap_or(&Value::Null), false)?;
        let separator = parse_separator(doc.get("dimension_separator"), '.')?;
        let filters = match doc.get("filters") {
            None | Some(Value::Null) => vec![],
            Some(Value::Array(a)) => a.clone(),
            Some(_) => return Err(Error::Metadata("filters must be a list or null".into())),
        };
        let compressor = match doc.get("compressor") {
            None | Some(Value::Null) => None,
            Some(v @ Value::Object(_)) => Some(v.clone()),
            Some(_) => return Err(Error::Metadata("compressor must be an object or null".into())),
        };
        let codecs = CodecMetadata::V2 {
            endian,
            order_f,
            filters,
            compressor,
        };
        let dimension_names = attributes
            .get("_ARRAY_DIMENSIONS")
            .and_then(Value::as_array)
            .filter(|a| a.len() == shape.len())
            .map(|a| a.iter().map(|n| n.as_str().map(str::to_owned)).collect())
            .or_else(|| nczarr_dimension_names(doc, &attributes, shape.len()));
        let mut extra = Map::new();
        for (k, v) in doc {
            if ![
                "zarr_format",
                "shape",
                "chunks",
                "dtype",
                "order",
                "fill_value",
                "dimension_separator",
                "filters",
                "compressor",
            ]
            .contains(&k.as_str())
            {
                extra.insert(k.clone(), v.clone());
            }
        }
        let m = ArrayMetadata {
            format: ZarrFormat::V2,
            shape,
            chunk_shape,
            grid: ChunkGrid::Regular,
            dtype,
            fill_value,
            key_encoding: ChunkKeyEncoding::V2 { separator },
            codecs,
            attributes,
            dimension_names,
            attributes_error: None,
            extra,
        };
        m.check()?;
        Ok(m)
    }

    /// The v3 `zarr.json` document.
    pub fn to_v3(&self) -> Value {
        let (kname, sep) = match self.key_encoding {
            ChunkKeyEncoding::Default { separator } => ("default", separator),
            ChunkKeyEncoding::V2 { separator } => ("v2", separator),
            ChunkKeyEncoding::N5 => ("v2", '/'),
        };
        let mut doc = Map::new();
        doc.insert("shape".into(), json!(self.shape));
        doc.insert("data_type".into(), self.dtype.v3_json());
        let grid = match self.chunk_shapes_json() {
            None => json!({"name": "regular", "configuration": {"chunk_shape": self.chunk_shape}}),
            Some(shapes) => json!({"name": "rectilinear", "configuration": {"kind": "inline", "chunk_shapes": shapes}}),
        };
        doc.insert("chunk_grid".into(), grid);
        doc.insert(
            "chunk_key_encoding".into(),
            json!({"name": kname, "configuration": {"separator": sep.to_string()}}),
        );
        doc.insert("fill_value".into(), self.fill_value.to_json(self.dtype, true));
        let codecs = match &self.codecs {
            CodecMetadata::V3(list) => list.clone(),
            // Never made: `check` refuses v2 codecs in a v3 array.
            CodecMetadata::V2 { .. } | CodecMetadata::N5(_) => vec![],
        };
        doc.insert("codecs".into(), Value::Array(codecs));
        doc.insert("attributes".into(), Value::Object(self.attributes.clone()));
        doc.insert("zarr_format".into(), json!(3));
        doc.insert("node_type".into(), json!("array"));
        doc.insert("storage_transformers".into(), json!([]));
        if let Some(names) = &self.dimension_names {
            doc.insert("dimension_names".into(), json!(names));
        }
        for (k, v) in &self.extra {
            doc.insert(k.clone(), v.clone());
        }
        Value::Object(doc)
    }

    /// The v2 `.zarray` document (attributes go to `.zattrs`).
    pub fn to_v2(&self) -> Result<Value> {
        let separator = match self.key_encoding {
            ChunkKeyEncoding::V2 { separator } => separator,
            ChunkKeyEncoding::Default { .. } | ChunkKeyEncoding::N5 => {
                return Err(Error::Internal("v2 array with a v3 or N5 key encoding".into()))
            }
        };
        let CodecMetadata::V2 {
            endian,
            order_f,
            filters,
            compressor,
        } = self.codecs.clone()
        else {
            return Err(Error::Internal("v2 array with v3 codecs".into()));
        };
        let mut doc = Map::new();
        doc.insert("zarr_format".into(), json!(2));
        doc.insert("shape".into(), json!(self.shape));
        doc.insert("chunks".into(), json!(self.chunk_shape));
        doc.insert("dtype".into(), json!(self.dtype.v2_name(endian)));
        doc.insert("order".into(), json!(if order_f { "F" } else { "C" }));
        doc.insert("fill_value".into(), self.fill_value.to_json(self.dtype, false));
        doc.insert(
            "filters".into(),
            if filters.is_empty() {
                Value::Null
            } else {
                Value::Array(filters)
            },
        );
        doc.insert("compressor".into(), compressor.unwrap_or(Value::Null));
        doc.insert("dimension_separator".into(), json!(separator.to_string()));
        for (k, v) in &self.extra {
            doc.insert(k.clone(), v.clone());
        }
        Ok(Value::Object(doc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_keys() {
        let d = ChunkKeyEncoding::Default { separator: '/' };
        assert_eq!(d.key(&[1, 2]), "c/1/2");
        assert_eq!(d.key(&[]), "c");
        let d = ChunkKeyEncoding::Default { separator: '.' };
        assert_eq!(d.key(&[0, 3]), "c.0.3");
        let v = ChunkKeyEncoding::V2 { separator: '.' };
        assert_eq!(v.key(&[1, 2]), "1.2");
        assert_eq!(v.key(&[]), "0");
        let v = ChunkKeyEncoding::V2 { separator: '/' };
        assert_eq!(v.key(&[4, 5, 6]), "4/5/6");
    }

    #[test]
    fn v3_rejects_unknown_things_by_name() {
        let base = r#"{"zarr_format":3,"node_type":"array","shape":[4],"data_type":"int32",
            "chunk_grid":{"name":"regular","configuration":{"chunk_shape":[2]}},
            "chunk_key_encoding":{"name":"default","configuration":{"separator":"/"}},
            "fill_value":0,"codecs":[{"name":"bytes","configuration":{"endian":"little"}}]}"#;
        let doc = parse_object(base.as_bytes(), "zarr.json").unwrap();
        let m = ArrayMetadata::from_v3(&doc).unwrap();
        assert_eq!(m.shape, vec![4]);
        // Codecs are checked where the chain is built (codec::pipeline's tests).
        let bad_codec = base.replace("\"bytes\"", "\"frobnicate\"");
        let m = ArrayMetadata::from_v3(&parse_object(bad_codec.as_bytes(), "z").unwrap()).unwrap();
        assert_eq!(m.to_v3()["codecs"][0]["name"], "frobnicate");
        let bad_type = base.replace("\"int32\"", "\"complex256\"");
        let err = ArrayMetadata::from_v3(&parse_object(bad_type.as_bytes(), "z").unwrap()).unwrap_err();
        assert!(
            matches!(&err, Error::Unsupported(m) if m.contains("complex256")),
            "{err}"
        );
        let ext = base.replace("\"fill_value\"", "\"my_ext\":{\"x\":1},\"fill_value\"");
        assert!(ArrayMetadata::from_v3(&parse_object(ext.as_bytes(), "z").unwrap()).is_err());
        let ext_ok = base.replace(
            "\"fill_value\"",
            "\"my_ext\":{\"must_understand\":false},\"fill_value\"",
        );
        let m = ArrayMetadata::from_v3(&parse_object(ext_ok.as_bytes(), "z").unwrap()).unwrap();
        assert!(m.to_v3().get("my_ext").is_some());
        assert!(parse_object(b"{not json", "zarr.json").is_err());
    }

    #[test]
    fn v2_round_trip() {
        let text = r#"{"zarr_format":2,"shape":[5,7],"chunks":[2,3],"dtype":">f8","order":"F",
            "fill_value":"NaN","filters":null,"compressor":null,"dimension_separator":"/"}"#;
        let m = ArrayMetadata::from_v2(&parse_object(text.as_bytes(), "z").unwrap(), Map::new()).unwrap();
        assert_eq!(m.dtype, DataType::Float64);
        assert!(m.fill_value.is_nan(DataType::Float64));
        assert_eq!(m.key_encoding.key(&[1, 2]), "1/2");
        let back = m.to_v2().unwrap();
        assert_eq!(back["dtype"], ">f8");
        assert_eq!(back["order"], "F");
        assert_eq!(back["fill_value"], "NaN");
        assert_eq!(back["dimension_separator"], "/");
    }
}
