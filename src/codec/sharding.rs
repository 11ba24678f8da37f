//! The v3 `sharding_indexed` codec: one stored object (a shard) holds a grid
//! of inner chunks, each encoded by an inner codec chain, plus an index of
//! `(offset, nbytes)` u64 pairs in C order of the inner grid (both 2^64-1 for
//! an inner chunk that is not stored). The engine's chunk grid is the shard
//! grid. Reads go through [`ShardDecoder`]: one ranged read for the index,
//! then only the inner chunks a region needs, nearby ones merged into one
//! ranged read ([`crate::store::source::LOCAL_COALESCE_GAP`]), decoded in
//! parallel on the calling pool; a nested shard is decoded the same way
//! inside its outer shard's bytes.
//!
//! When other codecs surround sharding (a transpose before, a checksum or
//! compressor after), there is no ranged access to exploit: the chain
//! decodes and encodes whole shards through [`ShardingCodec::decode_whole`]
//! and [`ShardingCodec::encode_whole`]. Those always leave out inner chunks
//! that are all fill value (as zarr-python's default does); readers see
//! fill either way.

use super::partial::{Block, Emit, PartialDecoder, Region};
use super::pipeline::CodecChain;
use crate::error::{Error, Result};
use crate::metadata::fill::is_all_fill;
use crate::metadata::{DataType, FillValue};
use crate::store::source::{changed, BytesSource, MAX_COALESCED};
use crate::store::ByteSource;
use rayon::prelude::*;
use serde_json::{json, Value};

/// Index entry of an inner chunk that is not stored.
const EMPTY: u64 = u64::MAX;

#[derive(Debug, Clone)]
pub struct ShardingCodec {
    /// Shape of one inner chunk.
    pub inner_shape: Vec<u64>,
    /// Codecs of the inner chunks.
    pub inner: CodecChain,
    /// Codecs of the index (a uint64 array of shape inner grid + [2]).
    index: CodecChain,
    index_at_start: bool,
    /// Encoded index bytes beyond 16 per entry (4 with crc32c).
    index_overhead: usize,
    dtype: DataType,
    /// The array's fill value: what a missing inner chunk decodes to.
    fill: FillValue,
}

/// Where an inner chunk lies in its shard; None: not stored.
pub type Entry = Option<(u64, u64)>;

impl ShardingCodec {
    /// From the codec's v3 configuration. `user`: the inner codec list comes
    /// from a caller (the `bytes` codec may be left out, numcodecs ids allowed).
    pub fn from_v3(config: Option<&Value>, dtype: DataType, ndim: usize, user: bool) -> Result<Self> {
        let cfg = config
            .and_then(Value::as_object)
            .ok_or_else(|| Error::Metadata("sharding_indexed needs a configuration".into()))?;
        let inner_shape: Vec<u64> = cfg
            .get("chunk_shape")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().map(Value::as_u64).collect::<Option<Vec<_>>>())
            .ok_or_else(|| Error::Metadata("sharding_indexed chunk_shape must be a list of integers".into()))?;
        if inner_shape.len() != ndim {
            return Err(Error::Metadata(format!(
                "sharding_indexed chunk_shape {inner_shape:?} does not fit {ndim} dimensions"
            )));
        }
        if inner_shape.contains(&0) {
            return Err(Error::Metadata(format!(
                "sharding_indexed chunk_shape {inner_shape:?} has a zero extent"
            )));
        }
        let list = |k: &str| -> Result<Option<&Vec<Value>>> {
            match cfg.get(k) {
                None => Ok(None),
                Some(Value::Array(a)) => Ok(Some(a)),
                Some(_) => Err(Error::Metadata(format!("sharding_indexed {k} must be a list"))),
            }
        };
        let inner_list = list("codecs")?.ok_or_else(|| Error::Metadata("sharding_indexed has no codecs".into()))?;
        let inner = if user {
            CodecChain::from_user_list(inner_list, dtype, ndim, crate::metadata::ZarrFormat::V3)?
        } else {
            CodecChain::from_v3(inner_list, dtype, ndim)?
        };
        let default_index = [
            json!({"name": "bytes", "configuration": {"endian": "little"}}),
            json!({"name": "crc32c"}),
        ];
        let index_list = list("index_codecs")?.map_or(&default_index[..], |v| v.as_slice());
        // Only fixed-size index codecs: the index is fetched by its known size.
        for c in index_list {
            let name = c.get("name").and_then(Value::as_str).or(c.as_str()).unwrap_or("");
            if name != "bytes" && name != "crc32c" {
                return Err(Error::Unsupported(format!("sharding_indexed index codec \"{name}\"")));
            }
        }
        let index = CodecChain::from_v3(index_list, DataType::UInt64, ndim + 1)?;
        let index_at_start = match cfg.get("index_location") {
            None => false,
            Some(Value::String(s)) if s == "end" => false,
            Some(Value::String(s)) if s == "start" => true,
            Some(other) => {
                return Err(Error::Metadata(format!("sharding_indexed index_location {other}")));
            }
        };
        let mut shape = vec![1u64; ndim];
        shape.push(2);
        let index_overhead = index.encode(vec![0u8; 16], &shape)?.len() - 16;
        Ok(ShardingCodec {
            inner_shape,
            inner,
            index,
            index_at_start,
            index_overhead,
            dtype,
            fill: FillValue::zero(dtype),
        })
    }

    /// Set the fill value that missing inner chunks decode to (the metadata
    /// parser calls this once it knows the array's fill value).
    pub fn set_fill(&mut self, fill: &FillValue) {
        self.fill = fill.clone();
        self.inner.set_fill(fill);
    }

    pub fn to_v3_json(&self) -> Value {
        json!({"name": "sharding_indexed", "configuration": {
            "chunk_shape": self.inner_shape,
            "codecs": self.inner.to_v3_json(),
            "index_codecs": self.index.to_v3_json(),
            "index_location": if self.index_at_start { "start" } else { "end" },
        }})
    }

    /// The shard shape must be a whole number of inner chunks.
    pub fn check_shape(&self, shard_shape: &[u64]) -> Result<()> {
        if shard_shape.len() != self.inner_shape.len()
            || shard_shape.iter().zip(&self.inner_shape).any(|(s, i)| s % i != 0)
        {
            return Err(Error::Metadata(format!(
                "shard shape {shard_shape:?} is not a multiple of the inner chunk shape {:?}",
                self.inner_shape
            )));
        }
        self.inner.check_shape(&self.inner_shape)
    }

    /// Inner chunks per dimension of a shard.
    pub fn grid(&self, shard_shape: &[u64]) -> Vec<u64> {
        shard_shape.iter().zip(&self.inner_shape).map(|(s, i)| s / i).collect()
    }

    /// An upper bound of the encoded size of a shard of `shard_shape`: every
    /// inner chunk at its own chain's bound, plus the index.
    pub fn max_encoded_len(&self, shard_shape: &[u64]) -> usize {
        let inner = self.inner_shape.iter().product::<u64>().max(1);
        let n = shard_shape.iter().product::<u64>().div_ceil(inner) as usize;
        n.saturating_mul(self.inner.max_stored_len(&self.inner_shape))
            .saturating_add(self.index_bytes(n))
    }

    fn index_bytes(&self, n: usize) -> usize {
        n * 16 + self.index_overhead
    }

    fn index_shape(grid: &[u64]) -> Vec<u64> {
        let mut s = grid.to_vec();
        s.push(2);
        s
    }

    fn decode_index(&self, stored: Vec<u8>, grid: &[u64], key: &str) -> Result<Vec<Entry>> {
        let raw = self
            .index
            .decode(stored, &Self::index_shape(grid), &format!("{key} (shard index)"))?;
        raw.chunks_exact(16)
            .map(|e| {
                let off = u64::from_ne_bytes(e[..8].try_into().unwrap());
                let n = u64::from_ne_bytes(e[8..].try_into().unwrap());
                match (off, n) {
                    (EMPTY, EMPTY) => Ok(None),
                    _ if off.checked_add(n).is_some() => Ok(Some((off, n))),
                    _ => Err(Error::Codec(format!("chunk {key}: bad shard index entry ({off}, {n})"))),
                }
            })
            .collect()
    }

    /// Fetch and check a shard's index with one ranged read; None: no shard.
    pub fn read_index(&self, source: &dyn ByteSource, shard_shape: &[u64]) -> Result<Option<Vec<Entry>>> {
        let key = source.key();
        let grid = self.grid(shard_shape);
        let size = self.index_bytes(grid.iter().product::<u64>() as usize);
        let got = if self.index_at_start {
            source.get_range(0, size as u64)?
        } else {
            source.get_suffix(size as u64)?
        };
        let Some(bytes) = got else { return Ok(None) };
        if bytes.len() < size {
            return Err(Error::Codec(format!(
                "chunk {key}: shard of {} bytes is shorter than its index ({size} bytes)",
                bytes.len()
            )));
        }
        self.decode_index(bytes, &grid, key).map(Some)
    }

    /// The index of a whole shard held in memory, each entry checked to lie
    /// inside it.
    pub fn parse_shard(&self, shard: &[u8], shard_shape: &[u64], key: &str) -> Result<Vec<Entry>> {
        let grid = self.grid(shard_shape);
        let size = self.index_bytes(grid.iter().product::<u64>() as usize);
        if shard.len() < size {
            return Err(Error::Codec(format!(
                "chunk {key}: shard of {} bytes is shorter than its index ({size} bytes)",
                shard.len()
            )));
        }
        let idx = if self.index_at_start {
            &shard[..size]
        } else {
            &shard[shard.len() - size..]
        };
        let entries = self.decode_index(idx.to_vec(), &grid, key)?;
        if let Some((off, n)) = entries.iter().flatten().find(|(o, n)| o + n > shard.len() as u64) {
            return Err(Error::Codec(format!(
                "chunk {key}: inner chunk at {off}+{n} lies past the shard's {} bytes",
                shard.len()
            )));
        }
        Ok(entries)
    }

    /// A shard from its encoded inner chunks (C order of the inner grid);
    /// None when no inner chunk is stored (the shard is deleted).
    pub fn assemble(&self, chunks: &[Option<&[u8]>], shard_shape: &[u64]) -> Result<Option<Vec<u8>>> {
        if chunks.iter().all(Option::is_none) {
            return Ok(None);
        }
        self.build(chunks, shard_shape).map(Some)
    }

    /// A shard without inner chunks (only its index): reads as fill value.
    pub fn empty_shard(&self, shard_shape: &[u64]) -> Result<Vec<u8>> {
        let n = self.grid(shard_shape).iter().product::<u64>() as usize;
        self.build(&vec![None; n], shard_shape)
    }

    fn build(&self, chunks: &[Option<&[u8]>], shard_shape: &[u64]) -> Result<Vec<u8>> {
        let grid = self.grid(shard_shape);
        let isize = self.index_bytes(chunks.len());
        let data: usize = chunks.iter().flatten().map(|c| c.len()).sum();
        let mut out = Vec::with_capacity(data + isize);
        let mut pos = if self.index_at_start { isize as u64 } else { 0 };
        let mut index = Vec::with_capacity(chunks.len() * 16);
        for c in chunks {
            let (off, n) = match c {
                Some(c) => {
                    let e = (pos, c.len() as u64);
                    pos += c.len() as u64;
                    e
                }
                None => (EMPTY, EMPTY),
            };
            index.extend_from_slice(&off.to_ne_bytes());
            index.extend_from_slice(&n.to_ne_bytes());
        }
        let index = self.index.encode(index, &Self::index_shape(&grid))?;
        if index.len() != isize {
            return Err(Error::Internal("shard index size differs from the expected".into()));
        }
        if self.index_at_start {
            out.extend_from_slice(&index);
        }
        chunks.iter().flatten().for_each(|c| out.extend_from_slice(c));
        if !self.index_at_start {
            out.extend_from_slice(&index);
        }
        Ok(out)
    }
}

impl ShardingCodec {
    /// Decode a whole shard held in memory into native-endian C-order
    /// elements of `shard_shape` (missing inner chunks are fill value).
    pub fn decode_whole(&self, shard: Vec<u8>, shard_shape: &[u64], key: &str) -> Result<Vec<u8>> {
        let elem = self.dtype.size();
        let entries = self.parse_shard(&shard, shard_shape, key)?;
        let grid = self.grid(shard_shape);
        let n = shard_shape.iter().product::<u64>() as usize;
        let mut out = crate::error::try_alloc(n * elem, format_args!("shard {key}"))?;
        let f = self.fill.as_bytes();
        out.chunks_exact_mut(elem).for_each(|c| c.copy_from_slice(f));
        for (i, e) in entries.iter().enumerate() {
            let Some((off, len)) = *e else { continue };
            let coords = unlinear(i, &grid);
            let name = format!("{key} (inner chunk {coords:?})");
            let bytes = shard[off as usize..(off + len) as usize].to_vec();
            let chunk = self.inner.decode(bytes, &self.inner_shape, &name)?;
            let origin: Vec<u64> = coords.iter().zip(&self.inner_shape).map(|(c, s)| c * s).collect();
            rows(shard_shape, &self.inner_shape, &origin, elem, |o, i, len| {
                out[o..o + len].copy_from_slice(&chunk[i..i + len])
            });
        }
        Ok(out)
    }

    /// Encode a whole shard from native-endian C-order elements of
    /// `shard_shape`. Inner chunks that are all fill value are left out; a
    /// shard with none stored is its index alone.
    pub fn encode_whole(&self, chunk: &[u8], shard_shape: &[u64]) -> Result<Vec<u8>> {
        let elem = self.dtype.size();
        let grid = self.grid(shard_shape);
        let n_inner = grid.iter().product::<u64>() as usize;
        let inner_len = self.inner_shape.iter().product::<u64>() as usize * elem;
        let mut encoded: Vec<Option<Vec<u8>>> = Vec::with_capacity(n_inner);
        for i in 0..n_inner {
            let coords = unlinear(i, &grid);
            let origin: Vec<u64> = coords.iter().zip(&self.inner_shape).map(|(c, s)| c * s).collect();
            let mut block = vec![0u8; inner_len];
            rows(shard_shape, &self.inner_shape, &origin, elem, |o, i, len| {
                block[i..i + len].copy_from_slice(&chunk[o..o + len])
            });
            encoded.push(if is_all_fill(&block, self.dtype, &self.fill) {
                None
            } else {
                Some(self.inner.encode(block, &self.inner_shape)?)
            });
        }
        let refs: Vec<Option<&[u8]>> = encoded.iter().map(Option::as_deref).collect();
        match self.assemble(&refs, shard_shape)? {
            Some(s) => Ok(s),
            None => {
                // Every inner chunk is fill: an index of empty entries alone.
                let index: Vec<u8> = (0..n_inner * 2).flat_map(|_| EMPTY.to_ne_bytes()).collect();
                self.index.encode(index, &Self::index_shape(&grid))
            }
        }
    }
}

/// Reads a region of one shard: its index, then the inner chunks the region
/// touches. Inner chunks stored close together (gaps up to the source's
/// [`ByteSource::coalesce_gap`], at most [`MAX_COALESCED`] bytes a read)
/// are fetched in one ranged read; the reads and the decoding run in
/// parallel on the current rayon pool.
pub struct ShardDecoder<'a> {
    codec: &'a ShardingCodec,
    source: &'a dyn ByteSource,
    shape: &'a [u64],
}

/// Stored inner chunks fetched by one ranged read: `(coords, offset, nbytes)`.
struct Run {
    offset: u64,
    len: u64,
    chunks: Vec<(Vec<u64>, u64, u64)>,
}

/// Group stored inner chunks (sorted by offset) into ranged reads.
fn coalesce(mut stored: Vec<(Vec<u64>, u64, u64)>, gap: u64) -> Vec<Run> {
    stored.sort_by_key(|c| c.1);
    let mut runs: Vec<Run> = vec![];
    for (coords, off, n) in stored {
        let end = off + n;
        if let Some(r) = runs.last_mut() {
            let r_end = r.offset + r.len;
            if off <= r_end.saturating_add(gap) && end.max(r_end) - r.offset <= MAX_COALESCED {
                r.len = end.max(r_end) - r.offset;
                r.chunks.push((coords, off, n));
                continue;
            }
        }
        runs.push(Run {
            offset: off,
            len: n,
            chunks: vec![(coords, off, n)],
        });
    }
    runs
}

impl<'a> ShardDecoder<'a> {
    pub fn new(codec: &'a ShardingCodec, source: &'a dyn ByteSource, shape: &'a [u64]) -> Self {
        ShardDecoder { codec, source, shape }
    }

    /// Decode one inner chunk from its stored bytes and hand it over.
    fn inner(&self, coords: &[u64], bytes: &[u8], region: &Region, emit: &Emit) -> Result<()> {
        let key = self.source.key();
        let inner = &self.codec.inner_shape;
        let origin: Vec<u64> = coords.iter().zip(inner).map(|(c, s)| c * s).collect();
        let name = format!("{key} (inner chunk {coords:?})");
        if self.codec.inner.sharding().is_some() {
            // A nested shard: its own index and inner chunks, within these bytes.
            let Some(sub) = region.restrict(&origin, inner) else {
                return Ok(());
            };
            let source = BytesSource::new(&name, Some(bytes));
            let shifted = |o: &[u64], s: &[u64], b: Block<'_>| {
                let o: Vec<u64> = o.iter().zip(&origin).map(|(a, b)| a + b).collect();
                emit(&o, s, b)
            };
            return self
                .codec
                .inner
                .partial_decoder(&source, inner)
                .decode_region(&sub, &shifted);
        }
        let chunk = self.codec.inner.decode(bytes.to_vec(), inner, &name)?;
        emit(&origin, inner, Block::Decoded(&chunk))
    }

    fn run(&self, r: &Run, region: &Region, emit: &Emit) -> Result<()> {
        let key = self.source.key();
        // The index said the shard exists: a source pinned to it cannot lose it.
        let bytes = self.source.get_range(r.offset, r.len)?.ok_or_else(|| changed(key))?;
        if (bytes.len() as u64) < r.len {
            // Name the first inner chunk that lies past the end.
            let (coords, off, n) = r
                .chunks
                .iter()
                .find(|c| c.1 + c.2 > r.offset + bytes.len() as u64)
                .unwrap_or(&r.chunks[0]);
            let have = (r.offset + bytes.len() as u64).saturating_sub(*off).min(*n);
            return Err(Error::Codec(format!(
                "chunk {key} (inner chunk {coords:?}): shard is truncated ({have} of {n} bytes at offset {off})"
            )));
        }
        let one = |(coords, off, n): &(Vec<u64>, u64, u64)| {
            let at = (off - r.offset) as usize;
            self.inner(coords, &bytes[at..at + *n as usize], region, emit)
        };
        if r.chunks.len() > 1 {
            r.chunks.par_iter().try_for_each(one)
        } else {
            r.chunks.iter().try_for_each(one)
        }
    }
}

impl PartialDecoder for ShardDecoder<'_> {
    fn decode_region(&self, region: &Region, emit: &Emit) -> Result<()> {
        let Some(index) = self.codec.read_index(self.source, self.shape)? else {
            return emit(&vec![0; self.shape.len()], self.shape, Block::Fill);
        };
        let grid = self.codec.grid(self.shape);
        let inner = &self.codec.inner_shape;
        let mut stored = vec![];
        for coords in region.touched(inner) {
            match index[linear(&coords, &grid)] {
                Some((off, n)) => stored.push((coords, off, n)),
                None => {
                    let origin: Vec<u64> = coords.iter().zip(inner).map(|(c, s)| c * s).collect();
                    emit(&origin, inner, Block::Fill)?;
                }
            }
        }
        let runs = coalesce(stored, self.source.coalesce_gap());
        if runs.len() > 1 {
            runs.par_iter().try_for_each(|r| self.run(r, region, emit))
        } else {
            runs.iter().try_for_each(|r| self.run(r, region, emit))
        }
    }
}

/// Call `f(outer_offset, inner_offset, len)` (in bytes) for each row of an
/// `inner`-shaped block at `origin` inside a C-order array of shape `outer`.
fn rows(outer: &[u64], inner: &[u64], origin: &[u64], elem: usize, mut f: impl FnMut(usize, usize, usize)) {
    let n = inner.len();
    if n == 0 {
        return f(0, 0, elem);
    }
    let row = inner[n - 1] as usize * elem;
    let nrows = inner[..n - 1].iter().product::<u64>() as usize;
    let mut idx = vec![0u64; n - 1];
    for r in 0..nrows {
        let mut o = 0u64;
        for d in 0..n {
            let c = origin[d] + if d < n - 1 { idx[d] } else { 0 };
            o = o * outer[d] + c;
        }
        f(o as usize * elem, r * row, row);
        for d in (0..n - 1).rev() {
            idx[d] += 1;
            if idx[d] < inner[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}

/// The coordinates of position `i` in the C-order index of `grid`.
fn unlinear(mut i: usize, grid: &[u64]) -> Vec<u64> {
    let mut c = vec![0u64; grid.len()];
    for d in (0..grid.len()).rev() {
        c[d] = i as u64 % grid[d];
        i /= grid[d] as usize;
    }
    c
}

/// Position of inner chunk `coords` in the C-order index of `grid`.
pub fn linear(coords: &[u64], grid: &[u64]) -> usize {
    coords.iter().zip(grid).fold(0u64, |a, (&c, &g)| a * g + c) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec(location: &str) -> ShardingCodec {
        let cfg = json!({"chunk_shape": [2, 2], "index_location": location,
            "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}],
            "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "crc32c"}]});
        ShardingCodec::from_v3(Some(&cfg), DataType::Int32, 2, false).unwrap()
    }

    #[test]
    fn assemble_and_read_index_both_locations() {
        for loc in ["end", "start"] {
            let c = codec(loc);
            assert_eq!(c.to_v3_json()["configuration"]["index_location"], loc);
            c.check_shape(&[4, 2]).unwrap();
            assert!(c.check_shape(&[3, 2]).is_err());
            let a = [1u8; 16];
            let shard = c.assemble(&[None, Some(&a)], &[4, 2]).unwrap().unwrap();
            assert_eq!(shard.len(), 16 + 2 * 16 + 4);
            let entries = c.parse_shard(&shard, &[4, 2], "c/0/0").unwrap();
            let off = if loc == "start" { 36 } else { 0 };
            assert_eq!(entries, vec![None, Some((off, 16))]);
            let source = BytesSource::new("s", Some(&shard));
            assert_eq!(c.read_index(&source, &[4, 2]).unwrap().unwrap(), entries);
            assert!(c
                .read_index(&BytesSource::new("none", None), &[4, 2])
                .unwrap()
                .is_none());
            assert!(c.assemble(&[None, None], &[4, 2]).unwrap().is_none());
            // A flipped index byte fails its checksum, naming the shard.
            let mut bad = shard.clone();
            let i = if loc == "start" { 0 } else { 16 };
            bad[i] ^= 1;
            let e = c.parse_shard(&bad, &[4, 2], "c/0/0").unwrap_err();
            assert!(
                matches!(&e, Error::Codec(m) if m.contains("c/0/0") && m.contains("crc32c")),
                "{e}"
            );
            // Truncated: shorter than the index, or entries past the end.
            assert!(matches!(
                c.parse_shard(&shard[..10], &[4, 2], "k"),
                Err(Error::Codec(_))
            ));
        }
    }

    #[test]
    fn config_errors() {
        let bad = json!({"chunk_shape": [2], "codecs": [{"name": "bytes"}],
            "index_codecs": [{"name": "bytes"}, {"name": "zstd"}]});
        assert!(
            matches!(ShardingCodec::from_v3(Some(&bad), DataType::UInt8, 1, false), Err(Error::Unsupported(m)) if m.contains("zstd"))
        );
        assert!(ShardingCodec::from_v3(None, DataType::UInt8, 1, false).is_err());
        assert_eq!(linear(&[1, 2], &[3, 4]), 6);
    }

    /// 4x4 int16 shard of 2x2 inner shards of 1x1 inner chunks, fill 7.
    #[test]
    fn nested_shard_round_trip_leaves_out_fill() {
        let cfg = json!({"chunk_shape": [2, 2], "codecs": [{"name": "sharding_indexed", "configuration": {
            "chunk_shape": [1, 1], "codecs": [{"name": "bytes", "configuration": {"endian": "big"}}]}}]});
        let mut c = ShardingCodec::from_v3(Some(&cfg), DataType::Int16, 2, false).unwrap();
        let fill = FillValue::from_bytes(DataType::Int16, &7i16.to_ne_bytes()).unwrap();
        c.set_fill(&fill);
        c.check_shape(&[4, 4]).unwrap();
        // Only element (3, 1) differs from the fill.
        let mut vals = [7i16; 16];
        vals[13] = -2;
        let data: Vec<u8> = vals.iter().flat_map(|v| v.to_ne_bytes()).collect();
        let shard = c.encode_whole(&data, &[4, 4]).unwrap();
        let entries = c.parse_shard(&shard, &[4, 4], "k").unwrap();
        // Outer grid 2x2: only the lower-left inner shard is stored.
        assert_eq!(
            entries.iter().map(Option::is_some).collect::<Vec<_>>(),
            [false, false, true, false]
        );
        let (off, n) = entries[2].unwrap();
        // That inner shard: 4 entries of 16 bytes + crc32c, and one 2-byte big-endian chunk.
        assert_eq!(n, 2 + 4 * 16 + 4);
        assert_eq!(&shard[off as usize..off as usize + 2], &(-2i16).to_be_bytes());
        assert_eq!(c.decode_whole(shard, &[4, 4], "k").unwrap(), data);
        // All fill: an index alone, which decodes to fill.
        let all = [7i16; 16].iter().flat_map(|v| v.to_ne_bytes()).collect::<Vec<u8>>();
        let empty = c.encode_whole(&all, &[4, 4]).unwrap();
        assert_eq!(empty.len(), 4 * 16 + 4);
        assert_eq!(c.decode_whole(empty, &[4, 4], "k").unwrap(), all);
    }

    /// A bytes->bytes codec that passes bytes through and records which
    /// rayon thread decoded each chunk.
    #[derive(Debug)]
    struct Recording(std::sync::Mutex<std::collections::BTreeSet<usize>>);

    impl crate::codec::BytesCodec for Recording {
        fn name(&self) -> &'static str {
            "recording"
        }
        fn encode(&self, input: Vec<u8>) -> Result<Vec<u8>> {
            Ok(input)
        }
        fn decode(&self, input: Vec<u8>, _: Option<usize>) -> Result<Vec<u8>> {
            let t = rayon::current_thread_index().expect("decoded on a pool thread");
            self.0.lock().unwrap().insert(t);
            // Long enough that idle threads steal the other inner chunks.
            std::thread::sleep(std::time::Duration::from_millis(2));
            Ok(input)
        }
        fn to_v3_json(&self) -> Option<Value> {
            None
        }
        fn to_v2_json(&self) -> Option<Value> {
            None
        }
    }

    /// The inner chunks of one shard decode on several threads of the pool
    /// the read runs on, and every one lands where it belongs.
    #[test]
    fn inner_chunks_of_one_shard_decode_in_parallel() {
        let cfg = json!({"chunk_shape": [2, 2], "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}]});
        let mut c = ShardingCodec::from_v3(Some(&cfg), DataType::UInt8, 2, false).unwrap();
        let rec = std::sync::Arc::new(Recording(Default::default()));
        c.inner.push_bytes_codec(rec.clone());
        let shape = [16u64, 16];
        let data: Vec<u8> = (0..=255).collect();
        let shard = c.encode_whole(&data, &shape).unwrap();
        let source = BytesSource::new("k", Some(&shard));
        let out = std::sync::Mutex::new(vec![0u8; 256]);
        let blocks = std::sync::atomic::AtomicUsize::new(0);
        let emit = |o: &[u64], s: &[u64], b: Block<'_>| -> Result<()> {
            let Block::Decoded(d) = b else {
                panic!("every inner chunk is stored")
            };
            blocks.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut out = out.lock().unwrap();
            rows(&shape, s, o, 1, |oo, i, n| {
                out[oo..oo + n].copy_from_slice(&d[i..i + n])
            });
            Ok(())
        };
        let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
        pool.install(|| {
            ShardDecoder::new(&c, &source, &shape)
                .decode_region(&Region::all(&shape), &emit)
                .unwrap()
        });
        assert_eq!(blocks.into_inner(), 64);
        assert_eq!(out.into_inner().unwrap(), data);
        let threads = rec.0.lock().unwrap().len();
        assert!(threads > 1, "64 inner chunks decoded on {threads} thread(s)");
    }

    #[test]
    fn rows_walk_a_block() {
        let mut seen = vec![];
        rows(&[3, 4], &[2, 2], &[1, 2], 1, |o, i, n| seen.push((o, i, n)));
        assert_eq!(seen, vec![(6, 0, 2), (10, 2, 2)]);
        assert_eq!(unlinear(6, &[3, 4]), vec![1, 2]);
    }
}
