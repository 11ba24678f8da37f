//! Partial decoding, as the zarrs crate and zarr-python's codec pipeline do
//! it: a codec chain reads one stored chunk through a [`ByteSource`] and
//! decodes only what a [`Region`] of the chunk needs, handing the result
//! over as [`Block`]s (the caller copies them where they belong). Sharding
//! reads the shard's index and then only the inner chunks the region
//! touches, merging nearby ones into one ranged read (nested shards the same
//! way, inside their outer shard's bytes); every other chain decodes the
//! whole chunk, streaming where its codecs can. Codecs never see the store:
//! the source is all they read.

use crate::error::Result;
use crate::store::ByteSource;
use std::io::BufRead;

/// The part of a chunk a read needs: per dimension, `count` indices from
/// `first`, `stride` apart (chunk-local coordinates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub first: Vec<u64>,
    pub count: Vec<u64>,
    pub stride: Vec<u64>,
}

impl Region {
    /// Every element of a chunk of `shape`.
    pub fn all(shape: &[u64]) -> Self {
        Region {
            first: vec![0; shape.len()],
            count: shape.to_vec(),
            stride: vec![1; shape.len()],
        }
    }

    /// Per dimension, which of the region's indices fall inside the block
    /// `[origin, origin + shape)`: `(k, n)`, the number of the first and how
    /// many. None when the block holds none of them.
    pub fn within(&self, origin: &[u64], shape: &[u64]) -> Option<Vec<(u64, u64)>> {
        (0..self.first.len())
            .map(|d| {
                let (f, c, s) = (self.first[d], self.count[d], self.stride[d]);
                let (lo, hi) = (origin[d], origin[d] + shape[d]);
                // First k with f + k*s >= lo, and one past the last with f + k*s < hi.
                let k0 = if lo > f { (lo - f).div_ceil(s) } else { 0 };
                let k1 = if hi > f { ((hi - 1 - f) / s + 1).min(c) } else { 0 };
                (k1 > k0).then_some((k0, k1 - k0))
            })
            .collect()
    }

    /// The part of the region inside a block, in the block's coordinates.
    pub fn restrict(&self, origin: &[u64], shape: &[u64]) -> Option<Region> {
        let w = self.within(origin, shape)?;
        Some(Region {
            first: (0..w.len())
                .map(|d| self.first[d] + w[d].0 * self.stride[d] - origin[d])
                .collect(),
            count: w.iter().map(|p| p.1).collect(),
            stride: self.stride.clone(),
        })
    }

    /// The blocks of a regular grid of `block` that hold any of the
    /// region's indices, in C order.
    pub fn touched(&self, block: &[u64]) -> Vec<Vec<u64>> {
        let per_dim: Vec<Vec<u64>> = (0..self.first.len())
            .map(|d| {
                let (f, c, s, b) = (self.first[d], self.count[d], self.stride[d], block[d]);
                let mut v = vec![];
                let mut k = 0u64;
                while k < c {
                    let i = (f + k * s) / b;
                    v.push(i);
                    // The first selected index in the next block.
                    k = ((i + 1) * b - f).div_ceil(s);
                }
                v
            })
            .collect();
        if per_dim.iter().any(Vec::is_empty) {
            return vec![];
        }
        let mut out = vec![];
        let mut idx = vec![0usize; per_dim.len()];
        loop {
            out.push(idx.iter().enumerate().map(|(d, &i)| per_dim[d][i]).collect());
            let mut d = per_dim.len();
            loop {
                if d == 0 {
                    return out;
                }
                d -= 1;
                idx[d] += 1;
                if idx[d] < per_dim[d].len() {
                    break;
                }
                idx[d] = 0;
            }
        }
    }
}

/// Decoded contents of one block of a chunk (a whole chunk, or an inner
/// chunk of a shard).
pub enum Block<'a> {
    /// Native-endian C-order elements of the block.
    Decoded(&'a [u8]),
    /// Every element is the fill value (nothing stored).
    Fill,
    /// The decoded elements as a stream in C order; the receiver reads it
    /// to its end (codecs check lengths and checksums there).
    Stream(&'a mut dyn BufRead),
}

/// Receives blocks: `(origin in the chunk, block shape, contents)`. Called
/// from several threads at once for the inner chunks of a shard.
pub type Emit<'e> = dyn Fn(&[u64], &[u64], Block<'_>) -> Result<()> + Sync + 'e;

/// A chain's decoder over one stored chunk.
pub trait PartialDecoder {
    /// Hand over blocks covering every element of `region` (and maybe
    /// more); blocks do not overlap. On a [`crate::store::source::changed`]
    /// error the caller starts over with a new source.
    fn decode_region(&self, region: &Region, emit: &Emit) -> Result<()>;
}

/// Any chain: fetch the chunk whole, decode it whole.
pub(crate) struct Whole<'a> {
    pub chain: &'a super::pipeline::CodecChain,
    pub source: &'a dyn ByteSource,
    pub shape: &'a [u64],
}

impl PartialDecoder for Whole<'_> {
    fn decode_region(&self, _region: &Region, emit: &Emit) -> Result<()> {
        let origin = vec![0; self.shape.len()];
        match self.source.get()? {
            None => emit(&origin, self.shape, Block::Fill),
            Some(stored) => {
                let chunk = self.chain.decode(stored, self.shape, self.source.key())?;
                emit(&origin, self.shape, Block::Decoded(&chunk))
            }
        }
    }
}

/// A chain that streams: the stored bytes flow through the decoder to the
/// receiver, never whole in memory.
pub(crate) struct Streamed<'a> {
    pub chain: &'a super::pipeline::CodecChain,
    pub source: &'a dyn ByteSource,
    pub shape: &'a [u64],
}

impl PartialDecoder for Streamed<'_> {
    fn decode_region(&self, _region: &Region, emit: &Emit) -> Result<()> {
        let origin = vec![0; self.shape.len()];
        match self.source.reader()? {
            None => emit(&origin, self.shape, Block::Fill),
            Some(r) => {
                let decoded = self
                    .chain
                    .decode_stream(r)
                    .ok_or_else(|| crate::error::Error::Internal("codec chain stopped streaming".into()))?;
                // Decode in large blocks: asking a decoder for one short row
                // at a time costs more than the decoding.
                let mut buffered = std::io::BufReader::with_capacity(1 << 18, decoded);
                emit(&origin, self.shape, Block::Stream(&mut buffered))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_within_blocks() {
        let r = Region {
            first: vec![1, 0],
            count: vec![4, 3],
            stride: vec![3, 1],
        };
        // Indices 1, 4, 7, 10 and 0, 1, 2.
        assert_eq!(r.within(&[3, 0], &[3, 4]), Some(vec![(1, 1), (0, 3)]));
        assert_eq!(r.within(&[5, 0], &[2, 4]), None);
        assert_eq!(r.within(&[0, 2], &[12, 2]), Some(vec![(0, 4), (2, 1)]));
        let sub = r.restrict(&[3, 2], &[6, 2]).unwrap();
        assert_eq!((sub.first, sub.count), (vec![1, 0], vec![2, 1]));
        // Blocks of 2: rows 1, 4, 7, 10 lie in blocks 0, 2, 3, 5.
        assert_eq!(r.touched(&[2, 4]), vec![vec![0, 0], vec![2, 0], vec![3, 0], vec![5, 0]]);
        assert!(Region::all(&[0, 3]).touched(&[1, 1]).is_empty());
    }
}
