//! The write loop, one for every store and layout. The input is converted
//! and checked whole first (a value that does not fit changes nothing), then
//! split into chunk tasks run in parallel. A task that covers every
//! in-bounds element of its chunk encodes the new chunk from the input alone
//! and stores it under the chunk's lock; any other task is a
//! read-modify-write of the stored chunk under that lock
//! ([`Array::read_modify_write`], the one place a stored chunk is read to be
//! rewritten). A shard is a chunk like any other whose new value keeps the
//! stored bytes of the inner chunks the write does not touch; the inner
//! chunks a write covers are encoded before the lock is taken (in parallel),
//! so the lock is held only while the inner chunks that need their old
//! contents are decoded and encoded again (on this thread: a pool thread
//! waiting under a lock could steal a task that takes the same lock stripe
//! and deadlock). Across processes the chunk lock is the store's key lock
//! (`process_locks`), or compare-and-swap where the store asks for it
//! (object stores) and for appends: see [`Array::read_modify_write`].

use super::selection::{ChunkTask, DimPiece};
use super::{buffer_bytes, convert, for_each_run, lock_chunk, pool, Array, Selection};
use crate::codec::sharding::{linear, ShardingCodec};
use crate::error::Result;
use crate::metadata::fill::is_all_fill;
use crate::metadata::{ArrayMetadata, DataType};
use crate::store::{update_key, Update};
use rayon::prelude::*;

/// What one write call stores: the selection, the caller's (checked) input
/// and the settings it runs under.
struct Input<'a> {
    meta: &'a ArrayMetadata,
    sel: &'a Selection,
    mem_type: DataType,
    input: &'a [u8],
    /// The values of a variable-length array's write (then `input` is empty).
    values: &'a [&'a [u8]],
    /// Store chunks that are all fill value too.
    write_empty: bool,
    /// Read-modify-writes by compare-and-swap even where the store does not
    /// ask for it (appends: writers in other processes share edge chunks).
    cas: bool,
    /// Chunk buffers of this call, reused by its tasks: fresh buffers of
    /// tens of MiB come from mmap, and faulting their pages in costs as much
    /// as the copy into them. Freed when the call returns.
    scratch: std::sync::Mutex<Vec<Vec<u8>>>,
}

impl Input<'_> {
    /// The new decoded contents of a chunk (or inner chunk) of `shape`
    /// after this write of `pieces` of it; see [`updated_chunk`].
    fn updated(
        &self,
        shape: &[u64],
        covers: bool,
        pieces: &[DimPiece],
        key: &str,
        old: impl FnOnce() -> Result<Option<Vec<u8>>>,
    ) -> Result<Vec<u8>> {
        if self.meta.dtype.is_vlen() {
            return super::values::updated_values(self.meta, shape, covers, pieces, self.sel, self.values, key, old);
        }
        updated_chunk(
            self.meta,
            shape,
            covers,
            pieces,
            self.sel,
            self.mem_type,
            self.input,
            key,
            old,
        )
    }

    /// Run `f` on a chunk buffer of `len` bytes (contents unspecified) from
    /// this call's scratch buffers.
    fn with_scratch<R>(&self, len: usize, key: &str, f: impl FnOnce(&mut [u8]) -> Result<R>) -> Result<R> {
        let lock = || self.scratch.lock().unwrap_or_else(|e| e.into_inner());
        let found = lock().pop().filter(|b| b.len() == len);
        let mut buf = match found {
            Some(b) => b,
            None => crate::error::try_alloc(len, format_args!("chunk {key}"))?,
        };
        let r = f(&mut buf);
        lock().push(buf);
        r
    }

    /// Whether a decoded chunk is left out of the store (all fill value).
    fn leaves_out(&self, chunk: &[u8]) -> bool {
        !self.write_empty
            && match self.meta.dtype.is_vlen() {
                true => super::values::all_fill(chunk, &self.meta.fill_value),
                false => is_all_fill(chunk, self.meta.dtype, &self.meta.fill_value),
            }
    }
}

impl Array {
    /// Write `input` (C order, native endian, elements of `mem_type`) to a selection.
    pub fn write(&self, sel: &Selection, mem_type: DataType, input: &[u8]) -> Result<()> {
        self.check_writable()?;
        self.check_exists()?;
        let meta = self.metadata();
        let need = buffer_bytes(sel, &meta.shape, mem_type, input.len())?;
        let input = &input[..need];
        convert::check_mem_type(meta.dtype, mem_type)?;
        // All or nothing for conversion errors: check before touching the store.
        convert::check_all(input, mem_type, meta.dtype)?;
        self.write_with(&meta, sel, mem_type, input, false)
    }

    /// Write an already checked input under the given metadata; `cas`: see
    /// [`Input::cas`].
    pub(super) fn write_with(
        &self,
        meta: &ArrayMetadata,
        sel: &Selection,
        mem_type: DataType,
        input: &[u8],
        cas: bool,
    ) -> Result<()> {
        self.write_input(Input {
            meta,
            sel,
            mem_type,
            input,
            values: &[],
            write_empty: self.write_empty_chunks(),
            cas,
            scratch: Default::default(),
        })
    }

    /// Write the (checked) values of a variable-length array.
    pub(super) fn write_values_with(&self, meta: &ArrayMetadata, sel: &Selection, values: &[&[u8]]) -> Result<()> {
        self.write_input(Input {
            meta,
            sel,
            mem_type: meta.dtype,
            input: &[],
            values,
            write_empty: self.write_empty_chunks(),
            cas: false,
            scratch: Default::default(),
        })
    }

    fn write_input(&self, w: Input) -> Result<()> {
        let meta = w.meta;
        let sel = w.sel;
        let tasks = sel.grid_tasks(meta);
        let run = |t: &ChunkTask| self.write_chunk(&w, t);
        if tasks.len() <= 1 {
            tasks.iter().try_for_each(run)
        } else {
            // A write task holds a decoded and an encoded chunk (or shard).
            self.install(meta.chunk_bytes().saturating_mul(2), || {
                tasks.par_iter().try_for_each(run)
            })
        }
    }

    /// One chunk task: the chunk's new value from the input alone when the
    /// task covers it, else from its stored value too.
    fn write_chunk(&self, w: &Input, t: &ChunkTask) -> Result<()> {
        let key = self.chunk_key(w.meta, &t.coords);
        match self.chain.sharding() {
            Some(sh) => {
                let update = ShardUpdate::new(w, sh, t, &key)?;
                if update.needs_old() {
                    self.read_modify_write(w, &key, &t.coords, |old| update.finish(old.as_deref()))
                } else {
                    self.store_chunk(&key, update.finish(None)?)
                }
            }
            None if covers_chunk(w.meta, t) => self.store_chunk(&key, self.encode_chunk(w, t, &key, true, None)?),
            None => self.read_modify_write(w, &key, &t.coords, |old| self.encode_chunk(w, t, &key, false, old)),
        }
    }

    /// A stored chunk (or shard) at `coords` that reads as all fill value.
    fn empty_chunk_at(&self, meta: &ArrayMetadata, coords: &[u64]) -> Result<Vec<u8>> {
        let shape = meta.chunk_shape_at(coords);
        match self.chain.sharding() {
            Some(sh) => sh.empty_shard(&shape),
            None => {
                let fill = meta.fill_value.as_bytes();
                let n = shape.iter().product::<u64>() as usize;
                self.chain.encode(fill.repeat(n), &shape)
            }
        }
    }

    /// The one read-modify-write of a stored chunk: under the chunk's lock
    /// (all handles of this process) and the store's key lock (other
    /// processes, when the store was opened with process locks), read the
    /// stored value (None: not stored), compute the new one with `update`
    /// (None: delete the chunk) and store it. `update` is a pure function
    /// of the old value and may run more than once: a store that detects a
    /// concurrent writer between the read and the write (a conditional put)
    /// retries with the value stored now.
    ///
    /// With compare-and-swap (the store asks for it: object stores, where
    /// the ETag comes with the read; or [`Input::cas`]) no key lock is
    /// taken: [`update_key`] stores the new value only if nobody stored the
    /// key since the read, else updates again on the new value, so no writer
    /// in any process or machine loses an update, at the cost of one decode,
    /// merge and encode more per collision. A delete cannot be conditional:
    /// there a stored chunk that becomes all fill is stored as such (an
    /// empty shard, a chunk of fill), which reads the same.
    fn read_modify_write(
        &self,
        w: &Input,
        key: &str,
        coords: &[u64],
        mut update: impl FnMut(Option<Vec<u8>>) -> Result<Option<Vec<u8>>>,
    ) -> Result<()> {
        let _guard = lock_chunk(self.store.id(), key);
        if w.cas || self.store.conditional_chunk_writes() {
            return update_key(self.store.as_ref(), key, |stored| {
                let existed = stored.is_some();
                Ok(match update(stored.map(<[u8]>::to_vec))? {
                    Some(new) => Update::Put(new),
                    None if existed => Update::Put(self.empty_chunk_at(w.meta, coords)?),
                    None => Update::Keep,
                })
            })
            .map(|_| ());
        }
        let _process_guard = self.store.lock_key(key)?;
        let old = self.store.get(key)?;
        let new = update(old)?;
        self.put(key, new)
    }

    /// Store a chunk's new value made from the input alone (None: delete
    /// it), under the chunk's lock so that it lands before or after any
    /// read-modify-write of the same chunk, never inside one.
    fn store_chunk(&self, key: &str, value: Option<Vec<u8>>) -> Result<()> {
        let _guard = lock_chunk(self.store.id(), key);
        let _process_guard = self.store.lock_key(key)?;
        self.put(key, value)
    }

    fn put(&self, key: &str, value: Option<Vec<u8>>) -> Result<()> {
        match value {
            Some(v) => self.store.set(key, &v),
            None => self.store.delete(key),
        }
    }

    /// The new stored value of a plain (unsharded) chunk; None: all fill,
    /// not stored. `old`: its stored value, read when the task does not
    /// cover it (`covers`).
    fn encode_chunk(
        &self,
        w: &Input,
        t: &ChunkTask,
        key: &str,
        covers: bool,
        old: Option<Vec<u8>>,
    ) -> Result<Option<Vec<u8>>> {
        let shape: &[u64] = &w.meta.chunk_shape_at(&t.coords);
        let vlen = w.meta.dtype.is_vlen();
        // The chunk's part inside the array: formats that store edge chunks
        // clipped (N5) encode only that.
        let valid = valid_extent(w.meta, t, shape);
        // The whole chunk as one run of the caller's buffer, same type (a
        // chunk-by-chunk copy): encode it from there, no chunk buffer.
        if let Some(run) = whole_run(w.meta, t, w.sel, w.mem_type, w.input).filter(|_| !vlen) {
            if w.leaves_out(run) {
                return Ok(None);
            }
            return self.chain.encode_chunk(run, shape, &valid).map(Some);
        }
        // Every element overwritten and a chain that encodes borrowed bytes:
        // gather into a reused buffer.
        let overwrites_all = t.pieces.iter().zip(shape).all(|(p, &c)| p.n == c);
        if overwrites_all && self.chain.encodes_borrowed() && !vlen {
            let len = shape.iter().product::<u64>() as usize * w.meta.dtype.size();
            return w.with_scratch(len, key, |buf| {
                gather(w.input, w.mem_type, w.sel, &t.pieces, buf, w.meta.dtype, shape)?;
                if w.leaves_out(buf) {
                    return Ok(None);
                }
                self.chain.encode_chunk(buf, shape, &valid).map(Some)
            });
        }
        let chunk = w.updated(shape, covers, &t.pieces, key, || {
            old.map(|stored| self.chain.decode(stored, shape, key)).transpose()
        })?;
        if w.leaves_out(&chunk) {
            return Ok(None);
        }
        self.chain.encode_chunk_owned(chunk, shape, &valid).map(Some)
    }
}

/// Per dimension, how many elements of task `t`'s chunk lie inside the array.
fn valid_extent(meta: &ArrayMetadata, t: &ChunkTask, shape: &[u64]) -> Vec<u64> {
    (0..shape.len())
        .map(|d| shape[d].min(meta.shape[d].saturating_sub(meta.chunk_origin(d, t.coords[d]))))
        .collect()
}

/// Whether task `t` reaches every in-bounds element of its chunk (no old
/// contents needed).
fn covers_chunk(meta: &ArrayMetadata, t: &ChunkTask) -> bool {
    let shape = meta.chunk_shape_at(&t.coords);
    t.pieces.iter().enumerate().all(|(d, p)| {
        let c = shape[d];
        p.n == c.min(meta.shape[d] - meta.chunk_origin(d, p.chunk))
    })
}

/// A write of part (or all) of one shard. The inner chunks the write covers
/// are encoded when it is made, in parallel; [`ShardUpdate::finish`] then
/// merges them with the stored shard: the inner chunks the write touches
/// only in part are decoded from it and encoded again, the untouched ones
/// keep their stored bytes.
struct ShardUpdate<'a> {
    w: &'a Input<'a>,
    sh: &'a ShardingCodec,
    key: &'a str,
    grid: Vec<u64>,
    /// This shard's shape (rectilinear grids: its own).
    shape: Vec<u64>,
    /// Encoded covered inner chunks by position (None: all fill, left out).
    covered: Vec<(usize, Option<Vec<u8>>)>,
    /// Inner chunk tasks that need the inner chunk's old contents.
    partial: Vec<ChunkTask>,
    /// Every inner chunk holding an in-bounds element is covered.
    whole: bool,
}

impl<'a> ShardUpdate<'a> {
    fn new(w: &'a Input<'a>, sh: &'a ShardingCodec, t: &ChunkTask, key: &'a str) -> Result<Self> {
        let meta = w.meta;
        let shape = meta.chunk_shape_at(&t.coords).into_owned();
        let grid = sh.grid(&shape);
        // In-bounds extent of inner chunk `c` along dimension `d`.
        let extent = |d: usize, c: u64| {
            let origin = meta.chunk_origin(d, t.coords[d]) + c * sh.inner_shape[d];
            sh.inner_shape[d].min(meta.shape[d].saturating_sub(origin))
        };
        let (covered, partial): (Vec<ChunkTask>, Vec<ChunkTask>) = t
            .sub_tasks(&sh.inner_shape, w.sel.stride())
            .into_iter()
            .partition(|it| {
                it.pieces
                    .iter()
                    .enumerate()
                    .all(|(d, p)| p.n == extent(d, it.coords[d]))
            });
        // Inner chunks holding any in-bounds element.
        let live: usize = (0..grid.len())
            .map(|d| (0..grid[d]).filter(|&c| extent(d, c) > 0).count())
            .product();
        let whole = partial.is_empty() && covered.len() == live;
        let mut u = ShardUpdate {
            w,
            sh,
            key,
            grid,
            shape,
            covered: vec![],
            partial,
            whole,
        };
        let encode = |it: &ChunkTask| u.encode_inner(it, true, None);
        let covered = if covered.len() <= 1 {
            covered.iter().map(encode).collect::<Result<_>>()?
        } else {
            pool::install(|| covered.par_iter().map(encode).collect::<Result<_>>())?
        };
        u.covered = covered;
        Ok(u)
    }

    /// Whether the new shard depends on the stored one.
    fn needs_old(&self) -> bool {
        !self.whole
    }

    /// Encode one inner chunk after the write; `old`: its stored bytes.
    fn encode_inner(&self, it: &ChunkTask, covers: bool, old: Option<&[u8]>) -> Result<(usize, Option<Vec<u8>>)> {
        let (sh, w) = (self.sh, self.w);
        let i = linear(&it.coords, &self.grid);
        let name = format!("{} (inner chunk {:?})", self.key, it.coords);
        let chunk = w.updated(&sh.inner_shape, covers, &it.pieces, &name, || {
            old.map(|b| sh.inner.decode(b.to_vec(), &sh.inner_shape, &name))
                .transpose()
        })?;
        if w.leaves_out(&chunk) {
            return Ok((i, None));
        }
        Ok((i, Some(sh.inner.encode(chunk, &sh.inner_shape)?)))
    }

    /// The new shard from the stored one (None: not stored); None: no inner
    /// chunk left, the shard is deleted.
    fn finish(&self, old: Option<&[u8]>) -> Result<Option<Vec<u8>>> {
        let shape = &self.shape;
        let n_inner = self.grid.iter().product::<u64>() as usize;
        let old_index = match old {
            Some(b) => self.sh.parse_shard(b, shape, self.key)?,
            None => vec![None; n_inner],
        };
        let old_bytes = |i: usize| {
            let (b, e) = (old?, old_index[i]?);
            Some(&b[e.0 as usize..(e.0 + e.1) as usize])
        };
        let partial = self
            .partial
            .iter()
            .map(|it| self.encode_inner(it, false, old_bytes(linear(&it.coords, &self.grid))))
            .collect::<Result<Vec<_>>>()?;
        let mut chunks: Vec<Option<&[u8]>> = (0..n_inner).map(old_bytes).collect();
        for (i, e) in self.covered.iter().chain(&partial) {
            chunks[*i] = e.as_deref();
        }
        self.sh.assemble(&chunks, shape)
    }
}

/// The input bytes of chunk task `t` when they are the whole chunk, in C
/// order, contiguous in `input` and of the array's own type (Bool excluded:
/// its bytes are normalised on the way in).
fn whole_run<'a>(
    meta: &ArrayMetadata,
    t: &ChunkTask,
    sel: &Selection,
    mem_type: DataType,
    input: &'a [u8],
) -> Option<&'a [u8]> {
    if mem_type != meta.dtype || mem_type == DataType::Bool {
        return None;
    }
    let shape = meta.chunk_shape_at(&t.coords);
    if !t.pieces.iter().zip(shape.iter()).all(|(p, &c)| p.n == c) {
        return None;
    }
    let n = shape.iter().product::<u64>() as usize;
    let mut found = None;
    let mut runs = 0;
    for_each_run(&shape, &t.pieces, sel, |c, o, len| {
        runs += 1;
        if c == 0 && len == n {
            found = Some(o);
        }
        // One run is the only case wanted: stop at the second.
        if runs > 1 {
            Err(crate::error::Error::Internal(String::new()))
        } else {
            Ok(())
        }
    })
    .ok()?;
    let es = meta.dtype.size();
    found.and_then(|o| input.get(o * es..(o + n) * es))
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
