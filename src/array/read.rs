//! The read loop, one for every store and layout: the selection splits into
//! chunk tasks; each task opens its chunk as a pinned byte source, asks the
//! codec chain's partial decoder for the task's region, and scatters the
//! blocks it hands over (whole chunks, inner chunks of shards, streams,
//! fill) into the caller's buffer, converting as it goes. Tasks run on the
//! chunk pool (local stores) or an I/O pool as wide as the requests the store
//! wants in flight (object stores: each task mostly waits on its requests);
//! that pool is the only concurrency mechanism.

use super::selection::{ChunkTask, DimPiece};
use super::{buffer_bytes, convert, for_each_run, Array, Selection, SharedOut};
use crate::codec::partial::{Block, Region};
use crate::error::{Error, Result};
use crate::metadata::{ArrayMetadata, DataType};
use crate::store::source::{is_changed, BytesSource};
use rayon::prelude::*;
use std::io::{BufRead, Read};

/// How often a chunk read with ranged requests starts over when its value
/// changes under it (an object rewritten between two requests), before it
/// reads the whole value in one request instead.
const RANGED_ATTEMPTS: usize = 4;

impl Array {
    /// Read a selection into `out` (C order, native endian, elements of `mem_type`).
    /// On error the contents of `out` are unspecified.
    pub fn read(&self, sel: &Selection, mem_type: DataType, out: &mut [u8]) -> Result<()> {
        self.check_exists()?;
        let meta = self.metadata();
        convert::check_mem_type(meta.dtype, mem_type)?;
        let need = buffer_bytes(sel, &meta.shape, mem_type, out.len())?;
        let out = &mut out[..need];
        self.read_into(&meta, sel, mem_type, &SharedOut::new(out))
    }

    /// The read loop: every chunk task of `sel` into `shared` (bytes of
    /// `mem_type`, or value slots for variable-length types).
    pub(super) fn read_into(
        &self,
        meta: &ArrayMetadata,
        sel: &Selection,
        mem_type: DataType,
        shared: &SharedOut,
    ) -> Result<()> {
        let tasks = sel.grid_tasks(meta);
        let run = |t: &ChunkTask| self.read_chunk(meta, t, sel, mem_type, shared);
        let sharded = self.chain.sharding();
        if tasks.len() <= 1 && sharded.is_none() {
            // One chunk, decoded on this thread: no hand-over to the pool.
            return tasks.iter().try_for_each(run);
        }
        // What one task holds: a chunk stored and decoded, or for shards a
        // merged read and the inner chunks decoded from it.
        let task_bytes = match sharded {
            None => meta.chunk_bytes().saturating_mul(2),
            Some(sh) => {
                let inner = sh.inner_shape.iter().product::<u64>() as usize * meta.dtype.size();
                (crate::store::source::MAX_COALESCED as usize)
                    .min(meta.chunk_bytes())
                    .max(inner)
            }
        };
        // Inside the pool even for one shard: its inner chunks decode in parallel.
        self.install(task_bytes, || tasks.par_iter().try_for_each(run))
    }

    /// Read one chunk task: open the chunk, decode the task's region, scatter.
    fn read_chunk(
        &self,
        meta: &ArrayMetadata,
        t: &ChunkTask,
        sel: &Selection,
        mem_type: DataType,
        out: &SharedOut,
    ) -> Result<()> {
        let key = self.chunk_key(meta, &t.coords);
        let chunk_shape = meta.chunk_shape_at(&t.coords);
        let region = Region {
            first: t.pieces.iter().map(|p| p.local_first).collect(),
            count: t.pieces.iter().map(|p| p.n).collect(),
            stride: sel.stride().to_vec(),
        };
        let emit = |origin: &[u64], shape: &[u64], block: Block<'_>| -> Result<()> {
            let Some(pieces) = block_pieces(t, &region, origin, shape) else {
                return Ok(());
            };
            let put = |src| scatter(src, meta.dtype, shape, &pieces, sel, mem_type, out);
            match block {
                _ if meta.dtype.is_vlen() => super::values::scatter_values(block, meta, shape, &pieces, sel, out, &key),
                Block::Fill => put(Src::Fill(meta.fill_value.as_bytes())),
                Block::Decoded(d) => put(Src::Chunk(d)),
                Block::Stream(r) => scatter_stream(r, meta.dtype, shape, &pieces, sel, mem_type, out, &key),
            }
        };
        for _ in 1..RANGED_ATTEMPTS {
            let source = self.store.open(&key)?;
            let decoder = self.chain.partial_decoder(source.as_ref(), &chunk_shape);
            match decoder.decode_region(&region, &emit) {
                // Rewritten between two requests: every element of the
                // region is written again from the new version.
                Err(e) if is_changed(&e) => continue,
                r => return r,
            }
        }
        // A value rewritten faster than ranged reads finish: one request
        // for the whole value is one version on every store, and always
        // finishes (at the cost of holding the value in memory once).
        let whole = self.store.get(&key)?;
        let source = BytesSource::new(&key, whole.as_deref());
        let decoder = self.chain.partial_decoder(&source, &chunk_shape);
        decoder.decode_region(&region, &emit)
    }
}

/// A chunk task's pieces inside one decoded block at `origin` of `shape`
/// (in the chunk), local to the block; None when it holds none of them.
fn block_pieces(t: &ChunkTask, region: &Region, origin: &[u64], shape: &[u64]) -> Option<Vec<DimPiece>> {
    let w = region.within(origin, shape)?;
    Some(
        t.pieces
            .iter()
            .zip(w)
            .enumerate()
            .map(|(d, (p, (k, n)))| DimPiece {
                chunk: p.chunk,
                local_first: p.local_first + k * region.stride[d] - origin[d],
                n,
                out_first: p.out_first + k,
            })
            .collect(),
    )
}

pub(super) enum Src<'a> {
    Chunk(&'a [u8]),
    /// One element repeated (a missing chunk).
    Fill(&'a [u8]),
}

/// Copy a chunk's selected elements into the output buffer.
pub(super) fn scatter(
    src: Src,
    dtype: DataType,
    chunk_shape: &[u64],
    pieces: &[DimPiece],
    sel: &Selection,
    mem_type: DataType,
    out: &SharedOut,
) -> Result<()> {
    let es = dtype.size();
    let ms = mem_type.size();
    let inner_stride = sel.stride().last().copied().unwrap_or(1) as usize;
    match src {
        Src::Chunk(chunk) => for_each_run(chunk_shape, pieces, sel, |c, o, n| {
            // SAFETY: runs of different chunks are disjoint output ranges.
            let dst = unsafe { out.slice(o * ms, n * ms) };
            convert::convert(&chunk[c * es..], dtype, inner_stride * es, dst, mem_type, ms, n)
        }),
        Src::Fill(f) => {
            // Convert the fill once, then replicate it (a memset when its bytes agree).
            let mut one = vec![0u8; ms];
            convert::convert(f, dtype, es, &mut one, mem_type, ms, 1)?;
            let same_bytes = one.iter().all(|&b| b == one[0]);
            for_each_run(chunk_shape, pieces, sel, |_, o, n| {
                // SAFETY: runs of different chunks are disjoint output ranges.
                let dst = unsafe { out.slice(o * ms, n * ms) };
                if same_bytes {
                    dst.fill(one[0]);
                } else {
                    dst.chunks_exact_mut(ms).for_each(|e| e.copy_from_slice(&one));
                }
                Ok(())
            })
        }
    }
}

/// As [`scatter`], reading the decoded chunk from a stream in one forward
/// pass (runs come in increasing chunk order), then checking its length.
#[allow(clippy::too_many_arguments)]
fn scatter_stream<R: BufRead>(
    mut r: R,
    dtype: DataType,
    block_shape: &[u64],
    pieces: &[DimPiece],
    sel: &Selection,
    mem_type: DataType,
    out: &SharedOut,
    key: &str,
) -> Result<()> {
    let es = dtype.size();
    let ms = mem_type.size();
    let total = block_shape.iter().product::<u64>() as usize * es;
    let inner_stride = sel.stride().last().copied().unwrap_or(1) as usize;
    // Same type, contiguous run: decode straight into the caller's buffer.
    let direct = inner_stride == 1 && mem_type == dtype && dtype != DataType::Bool;
    let io_err = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            Error::Codec(format!(
                "chunk {key}: decoded data is shorter than the chunk ({total} bytes)"
            ))
        } else {
            Error::Codec(format!("chunk {key}: {e}"))
        }
    };
    let mut pos = 0usize;
    let mut scratch = Vec::new();
    for_each_run(block_shape, pieces, sel, |c, o, n| {
        let off = c * es;
        let skip = (off - pos) as u64;
        if skip > 0 && std::io::copy(&mut r.by_ref().take(skip), &mut std::io::sink()).map_err(io_err)? != skip {
            return Err(io_err(std::io::ErrorKind::UnexpectedEof.into()));
        }
        let span = ((n - 1) * inner_stride + 1) * es;
        // SAFETY: runs of different chunks are disjoint output ranges.
        let dst = unsafe { out.slice(o * ms, n * ms) };
        if direct {
            r.read_exact(dst).map_err(io_err)?;
        } else {
            scratch.resize(span, 0);
            r.read_exact(&mut scratch).map_err(io_err)?;
            convert::convert(&scratch, dtype, inner_stride * es, dst, mem_type, ms, n)?;
        }
        pos = off + span;
        Ok(())
    })?;
    // Read to the end: a stream longer than the chunk is corrupt, and codecs
    // verify their checksums there. One byte past the chunk is enough to
    // know (a bomb or an endless file is not read to its end).
    let left = (total - pos) as u64 + 1;
    let rest = std::io::copy(&mut r.by_ref().take(left), &mut std::io::sink()).map_err(io_err)? as usize;
    if pos + rest != total {
        return Err(Error::Codec(format!(
            "chunk {key}: decoded to {} bytes, expected {total}",
            pos + rest
        )));
    }
    Ok(())
}
