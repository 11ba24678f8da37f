//! The write loop: the input is converted and checked whole first (a value
//! that does not fit changes nothing), then split into chunk tasks encoded
//! in parallel. A task covering its whole chunk encodes it directly; any
//! other is a read-modify-write under the chunk's lock (shared by all
//! handles of the process, and with process locks by other processes; by
//! compare-and-swap on object stores and for appends: `read_modify_write`). A
//! shard is a chunk whose encoding keeps the stored bytes of the inner
//! chunks a write does not touch.

use super::selection::{ChunkTask, DimPiece};
use super::{buffer_bytes, convert, for_each_run, lock_chunk, pool, Array, Selection};
use crate::codec::sharding::{linear, ShardingCodec};
use crate::error::Result;
use crate::metadata::fill::is_all_fill;
use crate::metadata::{ArrayMetadata, DataType};
use crate::store::{update_key, Update};
use rayon::prelude::*;

impl Array {
    /// Write `input` (C order, native endian, elements of `mem_type`) to a selection.
    pub fn write(&self, sel: &Selection, mem_type: DataType, input: &[u8]) -> Result<()> {
        self.check_writable()?;
        self.check_exists()?;
        let meta = self.metadata();
        let need = buffer_bytes(sel, &meta.shape, mem_type, input.len())?;
        let input = &input[..need];
        // All or nothing for conversion errors: check before touching the store.
        convert::check_all(input, mem_type, meta.dtype)?;
        self.write_with(&meta, sel, mem_type, input, false)
    }

    /// Write an already checked input under the given metadata. `cas`: the
    /// read-modify-writes of partial chunks are compare-and-swaps on any
    /// store (appends ask for it; see [`Array::read_modify_write`]).
    pub(super) fn write_with(
        &self,
        meta: &ArrayMetadata,
        sel: &Selection,
        mem_type: DataType,
        input: &[u8],
        cas: bool,
    ) -> Result<()> {
        let tasks = sel.chunk_tasks(&meta.chunk_shape);
        let write_empty = self.write_empty_chunks();
        let run = |t: &ChunkTask| match self.chain.sharding() {
            Some(sh) => self.write_shard(meta, sh, t, sel, mem_type, input, write_empty, cas),
            None => self.write_chunk(meta, t, sel, mem_type, input, write_empty, cas),
        };
        if tasks.len() <= 1 {
            tasks.iter().try_for_each(run)
        } else {
            // A write task holds a decoded and an encoded chunk (or shard).
            self.task_pool(meta.chunk_bytes().saturating_mul(2))
                .install(|| tasks.par_iter().try_for_each(run))
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn write_chunk(
        &self,
        meta: &ArrayMetadata,
        t: &ChunkTask,
        sel: &Selection,
        mem_type: DataType,
        input: &[u8],
        write_empty: bool,
        cas: bool,
    ) -> Result<()> {
        let key = self.chunk_key(meta, &t.coords);
        let _guard = lock_chunk(self.store.id(), &key);
        // Does the selection cover every in-bounds element of this chunk?
        let covers = t.pieces.iter().enumerate().all(|(d, p)| {
            let c = meta.chunk_shape[d];
            let in_bounds = c.min(meta.shape[d] - p.chunk * c);
            p.n == in_bounds
        });
        self.read_modify_write(&key, !covers, cas, |stored, keep_empty| {
            let chunk = updated_chunk(
                meta,
                &meta.chunk_shape,
                covers,
                &t.pieces,
                sel,
                mem_type,
                input,
                &key,
                || {
                    stored
                        .map(|b| self.chain.decode(b.to_vec(), &meta.chunk_shape, &key))
                        .transpose()
                },
            )?;
            if !write_empty && !keep_empty && is_all_fill(&chunk, meta.dtype, &meta.fill_value) {
                return Ok(None);
            }
            self.chain.encode(chunk, &meta.chunk_shape).map(Some)
        })
    }

    /// The read-modify-write step of one chunk or shard: `merge` computes
    /// the new stored value from the stored one (None: absent; `needs_old`
    /// false: not read, None) and returns None for "all fill, delete it".
    /// Without compare-and-swap: under the store's cross-process lock
    /// (`process_locks`), read, merge, store or delete. With it (`cas`, or
    /// a store that asks for it: object stores, where the ETag comes with
    /// the read): [`update_key`] stores the merge only if nobody stored the
    /// key since the read, else merges again on the new value, so no
    /// writer in any process or machine loses an update; the cost is one
    /// decode, merge and encode more per collision. A delete cannot be
    /// conditional, so there a stored value that becomes all fill is
    /// stored as such (`merge`'s second argument, `keep_empty`, says so).
    /// Callers hold the in-process chunk lock.
    fn read_modify_write(
        &self,
        key: &str,
        needs_old: bool,
        cas: bool,
        mut merge: impl FnMut(Option<&[u8]>, bool) -> Result<Option<Vec<u8>>>,
    ) -> Result<()> {
        if needs_old && (cas || self.store.conditional_chunk_writes()) {
            return update_key(self.store.as_ref(), key, |stored| {
                Ok(match merge(stored, stored.is_some())? {
                    Some(new) => Update::Put(new),
                    None => Update::Keep,
                })
            })
            .map(|_| ());
        }
        // Other processes' writers too, when the store was opened with process locks.
        let _process_guard = self.store.lock_key(key)?;
        let old = if needs_old { self.store.get(key)? } else { None };
        match merge(old.as_deref(), false)? {
            Some(new) => self.store.set(key, &new),
            None => self.store.delete(key),
        }
    }

    /// Write the selection's part in one shard. Inner chunks the write does
    /// not touch keep their stored bytes. A write of the whole shard encodes
    /// in parallel and locks only to store; any other write is a
    /// read-modify-write under the shard's lock, encoding on this thread
    /// (a pool thread waiting under a lock could steal a task that takes
    /// the same lock stripe and deadlock).
    #[allow(clippy::too_many_arguments)]
    fn write_shard(
        &self,
        meta: &ArrayMetadata,
        sh: &ShardingCodec,
        t: &ChunkTask,
        sel: &Selection,
        mem_type: DataType,
        input: &[u8],
        write_empty: bool,
        cas: bool,
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
        // The new shard from the stored one (None: absent, or not read).
        let build = |old: Option<&[u8]>, keep_empty: bool| -> Result<Option<Vec<u8>>> {
            let old_index = match old {
                Some(b) => sh.parse_shard(b, &meta.chunk_shape, &key)?,
                None => vec![None; n_inner],
            };
            let old_bytes = |i: usize| {
                let (b, e) = (old?, old_index[i]?);
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
                if !write_empty && !keep_empty && is_all_fill(&chunk, meta.dtype, &meta.fill_value) {
                    return Ok((i, None));
                }
                Ok((i, Some(sh.inner.encode(chunk, &sh.inner_shape)?)))
            };
            let encoded: Vec<(usize, Option<Vec<u8>>)> = if !whole || inner.len() <= 1 {
                inner.iter().map(encode).collect::<Result<_>>()?
            } else {
                pool::current().install(|| inner.par_iter().map(encode).collect::<Result<_>>())?
            };
            let mut chunks: Vec<Option<&[u8]>> = (0..n_inner).map(old_bytes).collect();
            for (i, e) in &encoded {
                chunks[*i] = e.as_deref();
            }
            sh.assemble(&chunks, &meta.chunk_shape)
        };
        if whole {
            // Encoded in parallel before taking any lock; locked only to store.
            let mut shard = Some(build(None, false)?);
            let _guard = lock_chunk(self.store.id(), &key);
            return self.read_modify_write(&key, false, cas, |_, _| Ok(shard.take().flatten()));
        }
        let _guard = lock_chunk(self.store.id(), &key);
        self.read_modify_write(&key, true, cas, build)
    }
}

/// The new decoded contents of one chunk of `chunk_shape` after a write of
/// `pieces` of it: `covers` says the write reaches every in-bounds element
/// (no old contents needed); otherwise `old` gives the stored chunk decoded.
#[allow(clippy::too_many_arguments)]
pub(super) fn updated_chunk(
    meta: &ArrayMetadata,
    chunk_shape: &[u64],
    covers: bool,
    pieces: &[DimPiece],
    sel: &Selection,
    mem_type: DataType,
    input: &[u8],
    key: &str,
    old: impl FnOnce() -> Result<Option<Vec<u8>>>,
) -> Result<Vec<u8>> {
    let bytes = chunk_shape.iter().product::<u64>() as usize * meta.dtype.size();
    // Every element overwritten (a whole interior chunk): no pre-fill needed.
    let overwrites_all = pieces.iter().zip(chunk_shape).all(|(p, &c)| p.n == c);
    let filled = || -> Result<Vec<u8>> {
        let mut v = crate::error::try_alloc(bytes, format_args!("chunk {key}"))?;
        let f = meta.fill_value.as_bytes();
        if f.iter().any(|&b| b != 0) {
            v.chunks_exact_mut(f.len()).for_each(|e| e.copy_from_slice(f));
        }
        Ok(v)
    };
    let mut chunk = if overwrites_all {
        crate::error::try_alloc(bytes, format_args!("chunk {key}"))?
    } else if covers {
        filled()?
    } else {
        match old()? {
            Some(c) => c,
            None => filled()?,
        }
    };
    gather(input, mem_type, sel, pieces, &mut chunk, meta.dtype, chunk_shape)?;
    Ok(chunk)
}

/// Copy the selected elements of the input into a chunk buffer.
fn gather(
    input: &[u8],
    mem_type: DataType,
    sel: &Selection,
    pieces: &[DimPiece],
    chunk: &mut [u8],
    dtype: DataType,
    chunk_shape: &[u64],
) -> Result<()> {
    let es = dtype.size();
    let ms = mem_type.size();
    let inner_stride = sel.stride().last().copied().unwrap_or(1) as usize;
    for_each_run(chunk_shape, pieces, sel, |c, o, n| {
        convert::convert(
            &input[o * ms..],
            mem_type,
            ms,
            &mut chunk[c * es..],
            dtype,
            inner_stride * es,
            n,
        )
    })
}

/// An inner chunk's name in error messages: the shard key and its position.
fn inner_name(key: &str, coords: &[u64]) -> String {
    format!("{key} (inner chunk {coords:?})")
}
