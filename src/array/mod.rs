//! Arrays: reading and writing hyperslabs through the chunk grid.
//!
//! Reads decode the touched chunks in parallel and copy each selected element
//! once into the caller's buffer (converting if asked). Writes convert and
//! check the whole input first (so a value that does not fit changes nothing),
//! then encode chunks in parallel; a partial chunk write is a read-modify-write
//! under a per-chunk lock, so concurrent writers to one chunk lose nothing.

pub mod convert;
pub mod empty;
pub mod pool;
mod resize;
pub mod selection;
mod shard;

use crate::error::{Error, Result};
use crate::metadata::{node, ArrayMetadata, DataType};
use crate::store::{join, Store};
use rayon::prelude::*;
pub use selection::Selection;
use selection::{ChunkTask, DimPiece};
use serde_json::{Map, Value};
use std::hash::{Hash, Hasher};
use std::io::{BufRead, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, RwLock};

/// Striped locks serialising read-modify-write of one chunk key across all
/// handles of the process.
static CHUNK_LOCKS: LazyLock<Vec<Mutex<()>>> = LazyLock::new(|| (0..1024).map(|_| Mutex::new(())).collect());

fn lock_chunk(store_id: &str, key: &str) -> MutexGuard<'static, ()> {
    // Hash the full location (not its parts): a store opened at a parent
    // directory reaches the same file under a longer key.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    join(store_id, key).hash(&mut h);
    let i = (h.finish() % CHUNK_LOCKS.len() as u64) as usize;
    CHUNK_LOCKS[i].lock().unwrap_or_else(|e| e.into_inner())
}

/// An open array.
#[derive(Debug)]
pub struct Array {
    store: Arc<dyn Store>,
    path: String,
    meta: RwLock<Arc<ArrayMetadata>>,
    write_empty_chunks: AtomicBool,
    read_only: bool,
    /// The store's metadata generation when this handle last knew its node
    /// existed; a change means a check (the node may have been deleted).
    seen_generation: AtomicU64,
}

impl Array {
    /// `generation`: the store's metadata generation read before `meta` was.
    pub(crate) fn from_parts(
        store: Arc<dyn Store>,
        path: String,
        meta: ArrayMetadata,
        read_only: bool,
        generation: u64,
    ) -> Self {
        Array {
            seen_generation: AtomicU64::new(generation),
            store,
            path,
            meta: RwLock::new(Arc::new(meta)),
            write_empty_chunks: AtomicBool::new(false),
            read_only,
        }
    }

    /// Fail with NotFound when the array was deleted (through libzarr, in
    /// this process) since this handle was opened. Costs a store lookup only
    /// after a metadata change.
    pub fn check_exists(&self) -> Result<()> {
        let g = crate::consolidated::generation(self.store.id());
        if g == self.seen_generation.load(Ordering::Acquire) {
            return Ok(());
        }
        let doc = match self.metadata().format {
            crate::metadata::ZarrFormat::V3 => node::V3_META,
            crate::metadata::ZarrFormat::V2 => node::V2_ARRAY,
        };
        if !self.store.exists(&join(&self.path, doc))? {
            return Err(Error::NotFound(format!("array \"{}\" was deleted", self.path)));
        }
        self.seen_generation.store(g, Ordering::Release);
        Ok(())
    }

    pub fn metadata(&self) -> Arc<ArrayMetadata> {
        self.meta.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
    pub fn path(&self) -> &str {
        &self.path
    }
    pub fn shape(&self) -> Vec<u64> {
        self.metadata().shape.clone()
    }
    pub fn chunk_shape(&self) -> Vec<u64> {
        self.metadata().chunk_shape.clone()
    }
    pub fn dtype(&self) -> DataType {
        self.metadata().dtype
    }
    pub fn write_empty_chunks(&self) -> bool {
        self.write_empty_chunks.load(Ordering::Relaxed)
    }
    /// Runtime setting, not stored: store chunks that are all fill value too.
    pub fn set_write_empty_chunks(&self, enable: bool) {
        self.write_empty_chunks.store(enable, Ordering::Relaxed)
    }

    pub fn attributes(&self) -> Map<String, Value> {
        self.metadata().attributes.clone()
    }

    /// Replace the attributes (rewrites the metadata document).
    pub fn set_attributes(&self, attrs: Map<String, Value>) -> Result<()> {
        self.check_writable()?;
        self.check_exists()?;
        let mut guard = self.meta.write().unwrap_or_else(|e| e.into_inner());
        let mut m = (**guard).clone();
        m.attributes = attrs;
        if m.format == crate::metadata::ZarrFormat::V2 {
            // v2 keeps dimension names in the attributes (xarray convention).
            m.dimension_names = m
                .attributes
                .get("_ARRAY_DIMENSIONS")
                .and_then(Value::as_array)
                .filter(|a| a.len() == m.shape.len())
                .map(|a| a.iter().map(|n| n.as_str().map(str::to_owned)).collect());
        }
        node::write_array(self.store.as_ref(), &self.path, &m)?;
        *guard = Arc::new(m);
        Ok(())
    }

    pub fn dimension_names(&self) -> Option<Vec<Option<String>>> {
        self.metadata().dimension_names.clone()
    }

    /// Set (or with None remove) the dimension names: v3 `dimension_names`,
    /// v2 the xarray `_ARRAY_DIMENSIONS` attribute, which needs every name.
    pub fn set_dimension_names(&self, names: Option<Vec<Option<String>>>) -> Result<()> {
        self.check_writable()?;
        self.check_exists()?;
        let mut guard = self.meta.write().unwrap_or_else(|e| e.into_inner());
        let mut m = (**guard).clone();
        if let Some(n) = &names {
            if n.len() != m.shape.len() {
                return Err(Error::InvalidArgument(format!(
                    "{} dimension names for {} dimensions",
                    n.len(),
                    m.shape.len()
                )));
            }
        }
        if m.format == crate::metadata::ZarrFormat::V2 {
            match &names {
                Some(n) if n.iter().any(Option::is_none) => {
                    return Err(Error::InvalidArgument(
                        "v2 _ARRAY_DIMENSIONS needs a name (not null) for every dimension".into(),
                    ))
                }
                Some(n) => m.attributes.insert("_ARRAY_DIMENSIONS".into(), serde_json::json!(n)),
                None => m.attributes.remove("_ARRAY_DIMENSIONS"),
            };
        }
        m.dimension_names = names;
        node::write_array(self.store.as_ref(), &self.path, &m)?;
        *guard = Arc::new(m);
        Ok(())
    }

    fn check_writable(&self) -> Result<()> {
        if self.read_only {
            Err(Error::ReadOnly(format!("array \"{}\" was opened read-only", self.path)))
        } else {
            Ok(())
        }
    }

    fn chunk_key(&self, meta: &ArrayMetadata, coords: &[u64]) -> String {
        join(&self.path, &meta.key_encoding.key(coords))
    }

    /// Read a selection into `out` (C order, native endian, elements of `mem_type`).
    /// On error the contents of `out` are unspecified.
    pub fn read(&self, sel: &Selection, mem_type: DataType, out: &mut [u8]) -> Result<()> {
        self.check_exists()?;
        let meta = self.metadata();
        let need = buffer_bytes(sel, &meta.shape, mem_type, out.len())?;
        let out = &mut out[..need];
        let tasks = sel.chunk_tasks(&meta.chunk_shape);
        let shared = SharedOut::new(out);
        if let Some(sh) = meta.codecs.sharding() {
            let run = |t: &ChunkTask| self.read_shard(&meta, sh, t, sel, mem_type, &shared);
            // A shard read holds one inner chunk at a time per thread.
            let inner_bytes = sh.inner_shape.iter().product::<u64>() as usize * meta.dtype.size();
            return if tasks.len() <= 1 {
                tasks.iter().try_for_each(run)
            } else {
                self.install(inner_bytes, || tasks.par_iter().try_for_each(run))
            };
        }
        let concurrency = self.store.concurrency();
        if concurrency > 0 && tasks.len() > 1 {
            return self.read_batched(&meta, &tasks, sel, mem_type, &shared, concurrency);
        }
        let stream = meta.codecs.can_stream();
        let run = |t: &ChunkTask| -> Result<()> {
            let key = self.chunk_key(&meta, &t.coords);
            let to_out = |src: Src| scatter(src, meta.dtype, &meta.chunk_shape, &t.pieces, sel, mem_type, &shared);
            if stream {
                // Decode while scattering: no whole decoded chunk in memory.
                return match self.store.reader(&key)? {
                    None => to_out(Src::Fill(meta.fill_value.as_bytes())),
                    Some(r) => {
                        let decoded = meta
                            .codecs
                            .decode_stream(r)
                            .ok_or_else(|| Error::Internal("codec chain stopped streaming".into()))?;
                        // Decode in large blocks: asking a decoder for one short
                        // row at a time costs more than the decoding.
                        let buffered = std::io::BufReader::with_capacity(1 << 18, decoded);
                        scatter_stream(buffered, &meta, &t.pieces, sel, mem_type, &shared, &key)
                    }
                };
            }
            match self.store.get(&key)? {
                None => to_out(Src::Fill(meta.fill_value.as_bytes())),
                Some(stored) => to_out(Src::Chunk(&meta.codecs.decode(stored, &meta.chunk_shape, &key)?)),
            }
        };
        if tasks.len() <= 1 {
            tasks.iter().try_for_each(run)
        } else {
            pool::install(|| tasks.par_iter().try_for_each(run))
        }
    }

    /// Write `input` (C order, native endian, elements of `mem_type`) to a selection.
    pub fn write(&self, sel: &Selection, mem_type: DataType, input: &[u8]) -> Result<()> {
        self.check_writable()?;
        self.check_exists()?;
        let meta = self.metadata();
        let need = buffer_bytes(sel, &meta.shape, mem_type, input.len())?;
        let input = &input[..need];
        // All or nothing for conversion errors: check before touching the store.
        convert::check_all(input, mem_type, meta.dtype)?;
        self.write_with(&meta, sel, mem_type, input)
    }

    /// Write an already checked input under the given metadata.
    fn write_with(&self, meta: &ArrayMetadata, sel: &Selection, mem_type: DataType, input: &[u8]) -> Result<()> {
        let tasks = sel.chunk_tasks(&meta.chunk_shape);
        let write_empty = self.write_empty_chunks();
        let run = |t: &ChunkTask| match meta.codecs.sharding() {
            Some(sh) => self.write_shard(meta, sh, t, sel, mem_type, input, write_empty),
            None => self.write_chunk(meta, t, sel, mem_type, input, write_empty),
        };
        if tasks.len() <= 1 {
            tasks.iter().try_for_each(run)
        } else {
            // A write task holds a decoded and an encoded chunk (or shard).
            self.install(meta.chunk_bytes().saturating_mul(2), || {
                tasks.par_iter().try_for_each(run)
            })
        }
    }

    /// The pool chunk tasks run on: the compute pool for local stores; for
    /// stores with request latency an I/O pool as wide as the requests the
    /// store wants in flight (each task mostly waits on the network), but
    /// no wider than ~512 MiB of tasks holding `task_bytes` each.
    fn task_pool(&self, task_bytes: usize) -> Arc<rayon::ThreadPool> {
        match self.store.concurrency() {
            0 => pool::current(),
            n => pool::io(n.min((512usize << 20) / task_bytes.max(1)).max(1)),
        }
    }

    /// Run chunk tasks: on the compute pool for local stores (see
    /// [`pool::install`]), on [`Array::task_pool`] for stores with latency.
    fn install<R: Send>(&self, task_bytes: usize, f: impl FnOnce() -> R + Send) -> R {
        match self.store.concurrency() {
            0 => pool::install(f),
            _ => self.task_pool(task_bytes).install(f),
        }
    }

    /// Read chunks from a store with request latency: the store streams the
    /// chunks' bytes ([`Store::get_stream`], `concurrency` requests in
    /// flight) and every thread of the compute pool decodes them as they
    /// arrive, so I/O and decoding overlap.
    fn read_batched(
        &self,
        meta: &ArrayMetadata,
        tasks: &[ChunkTask],
        sel: &Selection,
        mem_type: DataType,
        out: &SharedOut,
        concurrency: usize,
    ) -> Result<()> {
        let keys: Vec<String> = tasks.iter().map(|t| self.chunk_key(meta, &t.coords)).collect();
        // Requests in flight and fetched values waiting for a decoder: the
        // store's concurrency, but at most ~256 MiB of decoded chunks each.
        let by_memory = (256usize << 20) / meta.chunk_bytes().max(1);
        let buffer = concurrency.min(by_memory).max(1);
        let fetched = Mutex::new(self.store.get_stream(keys.clone(), buffer));
        let failed = AtomicBool::new(false);
        let decode = |i: usize, value: Result<Option<Vec<u8>>>| -> Result<()> {
            let t = &tasks[i];
            let to_out = |src: Src| scatter(src, meta.dtype, &meta.chunk_shape, &t.pieces, sel, mem_type, out);
            match value? {
                None => to_out(Src::Fill(meta.fill_value.as_bytes())),
                Some(stored) => to_out(Src::Chunk(&meta.codecs.decode(stored, &meta.chunk_shape, &keys[i])?)),
            }
        };
        let pool = pool::current();
        let workers = pool.current_num_threads().min(tasks.len()).max(1);
        pool.install(|| {
            (0..workers).into_par_iter().try_for_each(|_| loop {
                if failed.load(Ordering::Relaxed) {
                    return Ok(());
                }
                let next = fetched.lock().unwrap_or_else(|e| e.into_inner()).next();
                let Some((i, value)) = next else { return Ok(()) };
                if let Err(e) = decode(i, value) {
                    failed.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            })
        })
    }

    fn write_chunk(
        &self,
        meta: &ArrayMetadata,
        t: &ChunkTask,
        sel: &Selection,
        mem_type: DataType,
        input: &[u8],
        write_empty: bool,
    ) -> Result<()> {
        let key = self.chunk_key(meta, &t.coords);
        let _guard = lock_chunk(self.store.id(), &key);
        // Other processes' writers too, when the store was opened with process locks.
        let _process_guard = self.store.lock_key(&key)?;
        // Does the selection cover every in-bounds element of this chunk?
        let covers = t.pieces.iter().enumerate().all(|(d, p)| {
            let c = meta.chunk_shape[d];
            let in_bounds = c.min(meta.shape[d] - p.chunk * c);
            p.n == in_bounds
        });
        // The whole chunk as one run of the caller's buffer, same type (a
        // chunk-by-chunk copy): encode it from there, no chunk buffer.
        if let Some(run) = whole_run(meta, t, sel, mem_type, input) {
            if !write_empty && empty::is_all_fill(run, meta.dtype, &meta.fill_value) {
                return self.store.delete(&key);
            }
            return self.store.set(&key, &meta.codecs.encode_slice(run, &meta.chunk_shape)?);
        }
        let chunk = updated_chunk(
            meta,
            &meta.chunk_shape,
            covers,
            &t.pieces,
            sel,
            mem_type,
            input,
            &key,
            || match self.store.get(&key)? {
                Some(stored) => meta.codecs.decode(stored, &meta.chunk_shape, &key).map(Some),
                None => Ok(None),
            },
        )?;
        if !write_empty && empty::is_all_fill(&chunk, meta.dtype, &meta.fill_value) {
            return self.store.delete(&key);
        }
        let encoded = meta.codecs.encode(chunk, &meta.chunk_shape)?;
        self.store.set(&key, &encoded)
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
    if !t.pieces.iter().zip(&meta.chunk_shape).all(|(p, &c)| p.n == c) {
        return None;
    }
    let n = meta.chunk_shape.iter().product::<u64>() as usize;
    let mut found = None;
    let mut runs = 0;
    for_each_run(&meta.chunk_shape, &t.pieces, sel, |c, o, len| {
        runs += 1;
        if c == 0 && len == n {
            found = Some(o);
        }
        // One run is the only case wanted: stop at the second.
        if runs > 1 {
            Err(Error::Internal(String::new()))
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
fn updated_chunk(
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

/// Check a selection against the array's current shape and the caller's
/// buffer; returns the bytes the selection occupies in memory.
fn buffer_bytes(sel: &Selection, shape: &[u64], mem_type: DataType, have: usize) -> Result<usize> {
    sel.check_within(shape)?;
    let need = sel
        .num_elements()
        .and_then(|n| n.checked_mul(mem_type.size()))
        .ok_or_else(|| Error::InvalidArgument("selection is too large".into()))?;
    if have < need {
        return Err(Error::InvalidArgument(format!(
            "buffer holds {have} bytes, the selection needs {need}"
        )));
    }
    Ok(need)
}

/// Create an array's metadata document at `path` and open it.
pub(crate) fn create(store: Arc<dyn Store>, path: &str, meta: ArrayMetadata) -> Result<Array> {
    node::write_array(store.as_ref(), path, &meta)?;
    let generation = crate::consolidated::generation(store.id());
    Ok(Array::from_parts(store, path.to_owned(), meta, false, generation))
}

/// The caller's output buffer, written from several threads at once.
/// Each chunk task writes a disjoint set of elements (the chunks of a regular
/// grid do not overlap), which is what makes the shared mutable access sound.
struct SharedOut {
    ptr: *mut u8,
    len: usize,
}
// SAFETY: see the type's comment: writers touch disjoint byte ranges.
unsafe impl Sync for SharedOut {}
unsafe impl Send for SharedOut {}

impl SharedOut {
    fn new(buf: &mut [u8]) -> Self {
        SharedOut {
            ptr: buf.as_mut_ptr(),
            len: buf.len(),
        }
    }
    /// # Safety
    /// No two live slices may overlap (guaranteed by disjoint chunk pieces).
    #[allow(clippy::mut_from_ref)]
    unsafe fn slice(&self, off: usize, len: usize) -> &mut [u8] {
        assert!(
            off.checked_add(len).is_some_and(|e| e <= self.len),
            "selection arithmetic out of bounds"
        );
        // SAFETY: in bounds (checked above) and disjoint per the contract.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(off), len) }
    }
}

enum Src<'a> {
    Chunk(&'a [u8]),
    /// One element repeated (a missing chunk).
    Fill(&'a [u8]),
}

fn c_strides(shape: &[u64]) -> Vec<usize> {
    let mut s = vec![1usize; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        s[d] = s[d + 1] * shape[d + 1] as usize;
    }
    s
}

/// Visit every innermost run of a chunk piece: calls `f(chunk_elem, out_elem, n)`
/// where the run has `n` elements, consecutive in the output and `stride` apart
/// in the chunk.
fn for_each_run(
    chunk_shape: &[u64],
    pieces: &[DimPiece],
    sel: &Selection,
    mut f: impl FnMut(usize, usize, usize) -> Result<()>,
) -> Result<()> {
    let nd = pieces.len();
    if nd == 0 {
        return f(0, 0, 1);
    }
    let cs = c_strides(chunk_shape);
    let os = c_strides(sel.count());
    let stride = sel.stride();
    // Merge trailing dimensions into one run while they are contiguous in both
    // the chunk and the output: every dimension after `m` wholly covered by the
    // piece and the selection, with stride 1 (so is `m` itself).
    let full = |d: usize| stride[d] == 1 && pieces[d].n == chunk_shape[d] && pieces[d].n == sel.count()[d];
    let mut m = nd - 1;
    let mut run = pieces[m].n as usize;
    while m > 0 && full(m) && stride[m - 1] == 1 {
        m -= 1;
        run *= pieces[m].n as usize;
    }
    // Base offsets of the run's own dimensions (zero beyond `m`, fully covered).
    let (c0, o0) = (m..nd).fold((0usize, 0usize), |(c, o), d| {
        (
            c + pieces[d].local_first as usize * cs[d],
            o + pieces[d].out_first as usize * os[d],
        )
    });
    let mut k = vec![0u64; m];
    loop {
        let mut c = c0;
        let mut o = o0;
        for d in 0..m {
            c += (pieces[d].local_first + k[d] * stride[d]) as usize * cs[d];
            o += (pieces[d].out_first + k[d]) as usize * os[d];
        }
        f(c, o, run)?;
        let mut d = m;
        loop {
            if d == 0 {
                return Ok(());
            }
            d -= 1;
            k[d] += 1;
            if k[d] < pieces[d].n {
                break;
            }
            k[d] = 0;
        }
    }
}

/// Copy a chunk's selected elements into the output buffer.
fn scatter(
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
fn scatter_stream<R: BufRead>(
    mut r: R,
    meta: &ArrayMetadata,
    pieces: &[DimPiece],
    sel: &Selection,
    mem_type: DataType,
    out: &SharedOut,
    key: &str,
) -> Result<()> {
    let dtype = meta.dtype;
    let es = dtype.size();
    let ms = mem_type.size();
    let total = meta.chunk_bytes();
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
    for_each_run(&meta.chunk_shape, pieces, sel, |c, o, n| {
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
    // verify their checksums there.
    let rest = std::io::copy(&mut r, &mut std::io::sink()).map_err(io_err)? as usize;
    if pos + rest != total {
        return Err(Error::Codec(format!(
            "chunk {key}: decoded to {} bytes, expected {total}",
            pos + rest
        )));
    }
    Ok(())
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

/// Attributes of any node as JSON text helpers.
pub fn attrs_from_json(text: &str) -> Result<Map<String, Value>> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(Error::InvalidArgument("attributes must be a JSON object".into())),
        Err(e) => Err(Error::InvalidArgument(format!("attributes are not valid JSON: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every (chunk element, output element) pair the runs visit, in order.
    fn visited(chunk_shape: &[u64], t: &ChunkTask, sel: &Selection) -> Vec<(usize, usize)> {
        let inner = sel.stride().last().copied().unwrap_or(1) as usize;
        let mut v = vec![];
        for_each_run(chunk_shape, &t.pieces, sel, |c, o, n| {
            v.extend((0..n).map(|i| (c + i * inner, o + i)));
            Ok(())
        })
        .unwrap();
        v
    }

    /// The same pairs from the definition: walk every selected index.
    fn expected(chunk_shape: &[u64], t: &ChunkTask, sel: &Selection) -> Vec<(usize, usize)> {
        let nd = chunk_shape.len();
        let cs = c_strides(chunk_shape);
        let os = c_strides(sel.count());
        let mut v = vec![];
        let mut k = vec![0u64; nd];
        'outer: loop {
            let c: usize = (0..nd)
                .map(|d| (t.pieces[d].local_first + k[d] * sel.stride()[d]) as usize * cs[d])
                .sum();
            let o: usize = (0..nd).map(|d| (t.pieces[d].out_first + k[d]) as usize * os[d]).sum();
            v.push((c, o));
            for d in (0..nd).rev() {
                k[d] += 1;
                if k[d] < t.pieces[d].n {
                    continue 'outer;
                }
                k[d] = 0;
            }
            break;
        }
        v
    }

    #[test]
    fn merged_runs_visit_exactly_the_selection() {
        // (shape, chunks, start, count, stride)
        type Case<'a> = (&'a [u64], &'a [u64], &'a [u64], &'a [u64], &'a [i64]);
        let cases: &[Case] = &[
            (&[8, 8, 8], &[4, 4, 4], &[0, 0, 0], &[8, 8, 8], &[1, 1, 1]),
            (&[8, 8, 8], &[4, 4, 4], &[0, 0, 0], &[4, 4, 4], &[1, 1, 1]),
            (&[8, 8, 8], &[4, 4, 4], &[4, 0, 0], &[2, 4, 4], &[1, 1, 1]),
            (&[8, 8, 8], &[4, 4, 4], &[1, 0, 0], &[3, 4, 4], &[2, 1, 1]),
            (&[7, 9, 5], &[3, 4, 5], &[0, 1, 0], &[7, 8, 5], &[1, 1, 1]),
            (&[7, 9, 5], &[3, 4, 5], &[0, 0, 0], &[4, 3, 3], &[2, 3, 2]),
            (&[6, 4], &[2, 4], &[0, 0], &[6, 4], &[1, 1]),
            (&[6, 4], &[2, 4], &[1, 0], &[2, 4], &[2, 1]),
            (&[10], &[3], &[2], &[4], &[2]),
        ];
        for &(shape, chunks, start, count, stride) in cases {
            let sel = Selection::new(shape, start, count, Some(stride)).unwrap();
            for t in sel.chunk_tasks(chunks) {
                assert_eq!(
                    visited(chunks, &t, &sel),
                    expected(chunks, &t, &sel),
                    "{shape:?} {chunks:?} {start:?} {count:?} {stride:?}"
                );
            }
        }
    }
}
