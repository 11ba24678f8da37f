//! Reading and writing shards (`sharding_indexed`). The selection's part in
//! one shard is itself a selection over the inner chunk grid, so inner
//! chunks go through the same scatter and gather code as plain chunks.

use super::selection::ChunkTask;
use super::Selection;
use super::{empty, lock_chunk, pool, scatter, updated_chunk, Array, SharedOut, Src};
use crate::codec::sharding::{linear, ShardingCodec};
use crate::error::{Error, Result};
use crate::metadata::{ArrayMetadata, DataType};

use rayon::prelude::*;

impl Array {
    /// Read the selection's part in one shard: one ranged read for the index,
    /// then one per needed inner chunk.
    pub(super) fn read_shard(
        &self,
        meta: &ArrayMetadata,
        sh: &ShardingCodec,
        t: &ChunkTask,
        sel: &Selection,
        mem_type: DataType,
        out: &SharedOut,
    ) -> Result<()> {
        let key = self.chunk_key(meta, &t.coords);
        let fill = Src::Fill(meta.fill_value.as_bytes());
        let Some(index) = sh.read_index(self.store.as_ref(), &key, &meta.chunk_shape)? else {
            return scatter(fill, meta.dtype, &meta.chunk_shape, &t.pieces, sel, mem_type, out);
        };
        let grid = sh.grid(&meta.chunk_shape);
        let inner = t.sub_tasks(&sh.inner_shape, sel.stride());
        let run = |it: &ChunkTask| -> Result<()> {
            let Some((off, n)) = index[linear(&it.coords, &grid)] else {
                let fill = Src::Fill(meta.fill_value.as_bytes());
                return scatter(fill, meta.dtype, &sh.inner_shape, &it.pieces, sel, mem_type, out);
            };
            let name = inner_name(&key, &it.coords);
            let stored = self.store.get_range(&key, off, n)?.unwrap_or_default();
            if stored.len() as u64 != n {
                return Err(Error::Codec(format!(
                    "chunk {name}: shard is truncated ({} of {n} bytes at offset {off})",
                    stored.len()
                )));
            }
            let chunk = sh.inner.decode(stored, &sh.inner_shape, &name)?;
            scatter(
                Src::Chunk(&chunk),
                meta.dtype,
                &sh.inner_shape,
                &it.pieces,
                sel,
                mem_type,
                out,
            )
        };
        if inner.len() <= 1 {
            inner.iter().try_for_each(run)
        } else {
            let inner_bytes = sh.inner_shape.iter().product::<u64>() as usize * meta.dtype.size();
            self.install(inner_bytes, || inner.par_iter().try_for_each(run))
        }
    }

    /// Write the selection's part in one shard. Inner chunks the write does
    /// not touch keep their stored bytes. A write of the whole shard encodes
    /// in parallel and locks only to store; any other write is a
    /// read-modify-write under the shard's lock, encoding on this thread
    /// (a pool thread waiting under a lock could steal a task that takes
    /// the same lock stripe and deadlock).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn write_shard(
        &self,
        meta: &ArrayMetadata,
        sh: &ShardingCodec,
        t: &ChunkTask,
        sel: &Selection,
        mem_type: DataType,
        input: &[u8],
        write_empty: bool,
    ) -> Result<()> {
        let key = self.chunk_key(meta, &t.coords);
        let grid = sh.grid(&meta.chunk_shape);
        let n_inner = grid.iter().product::<u64>() as usize;
        let inner = t.sub_tasks(&sh.inner_shape, sel.stride());
        // In-bounds extent of inner chunk `c` along dimension `d`.
        let extent = |d: usize, c: u64| {
            let origin = t.coords[d] * meta.chunk_shape[d] + c * sh.inner_shape[d];
            sh.inner_shape[d].min(meta.shape[d].saturating_sub(origin))
        };
        let covers = |it: &ChunkTask| {
            it.pieces
                .iter()
                .enumerate()
                .all(|(d, p)| p.n == extent(d, it.coords[d]))
        };
        // Inner chunks holding any in-bounds element.
        let live: usize = (0..grid.len())
            .map(|d| (0..grid[d]).filter(|&c| extent(d, c) > 0).count())
            .product();
        let whole = inner.len() == live && inner.iter().all(covers);
        let mut guard = (!whole).then(|| lock_chunk(self.store.id(), &key));
        // Other processes' writers too, when the store was opened with process locks.
        let mut process_guard = if whole { None } else { Some(self.store.lock_key(&key)?) };
        let old = if whole { None } else { self.store.get(&key)? };
        let old_index = match &old {
            Some(b) => sh.parse_shard(b, &meta.chunk_shape, &key)?,
            None => vec![None; n_inner],
        };
        let old_bytes = |i: usize| {
            let (b, e) = (old.as_deref()?, old_index[i]?);
            Some(&b[e.0 as usize..(e.0 + e.1) as usize])
        };
        let encode = |it: &ChunkTask| -> Result<(usize, Option<Vec<u8>>)> {
            let i = linear(&it.coords, &grid);
            let name = inner_name(&key, &it.coords);
            let chunk = updated_chunk(
                meta,
                &sh.inner_shape,
                covers(it),
                &it.pieces,
                sel,
                mem_type,
                input,
                &name,
                || {
                    old_bytes(i)
                        .map(|b| sh.inner.decode(b.to_vec(), &sh.inner_shape, &name))
                        .transpose()
                },
            )?;
            if !write_empty && empty::is_all_fill(&chunk, meta.dtype, &meta.fill_value) {
                return Ok((i, None));
            }
            Ok((i, Some(sh.inner.encode(chunk, &sh.inner_shape)?)))
        };
        let encoded: Vec<(usize, Option<Vec<u8>>)> = if !whole || inner.len() <= 1 {
            inner.iter().map(encode).collect::<Result<_>>()?
        } else {
            pool::install(|| inner.par_iter().map(encode).collect::<Result<_>>())?
        };
        let mut chunks: Vec<Option<&[u8]>> = (0..n_inner).map(old_bytes).collect();
        for (i, e) in &encoded {
            chunks[*i] = e.as_deref();
        }
        let shard = sh.assemble(&chunks, &meta.chunk_shape)?;
        guard.get_or_insert_with(|| lock_chunk(self.store.id(), &key));
        if process_guard.is_none() {
            process_guard = Some(self.store.lock_key(&key)?);
        }
        let _process_guard = process_guard;
        match shard {
            Some(shard) => self.store.set(&key, &shard),
            None => self.store.delete(&key),
        }
    }
}

/// An inner chunk's name in error messages: the shard key and its position.
fn inner_name(key: &str, coords: &[u64]) -> String {
    format!("{key} (inner chunk {coords:?})")
}
