//! Arrays: reading and writing hyperslabs through the chunk grid.
//!
//! [`read`] is the one read loop (selection -> chunk tasks -> the codec
//! chain's partial decoder over a pinned byte source -> scatter into the
//! caller's buffer), [`write`] the one write loop (whole chunks encoded
//! directly, partial chunks and shards read-modify-written under the chunk
//! lock), for every store and layout. Both copy each selected element once,
//! converting between the memory type and the stored type.

pub mod convert;
pub mod pool;
mod read;
mod resize;
pub mod selection;
mod values;
mod write;

use crate::codec::pipeline::CodecChain;
use crate::error::{Error, Result};
use crate::metadata::{node, ArrayMetadata, DataType};
use crate::store::{join, Store};
use selection::DimPiece;
pub use selection::Selection;
use serde_json::{Map, Value};
use std::hash::{Hash, Hasher};
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
    /// The live codec chain, built from the metadata's codecs on open (an
    /// array's codecs, type and chunk shape never change).
    chain: Arc<CodecChain>,
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
    ) -> Result<Self> {
        let chain = Arc::new(chain_for(&meta)?);
        Ok(Array {
            chain,
            seen_generation: AtomicU64::new(generation),
            store,
            path,
            meta: RwLock::new(Arc::new(meta)),
            write_empty_chunks: AtomicBool::new(false),
            read_only,
        })
    }

    /// Fail with NotFound when the array was deleted (through libzarr, in
    /// this process) since this handle was opened. Costs a store lookup only
    /// after a metadata change.
    pub fn check_exists(&self) -> Result<()> {
        let g = crate::metadata::consolidated::generation(self.store.id());
        if g == self.seen_generation.load(Ordering::Acquire) {
            return Ok(());
        }
        let doc = match self.metadata().format {
            crate::metadata::ZarrFormat::V3 => node::V3_META,
            crate::metadata::ZarrFormat::V2 => node::V2_ARRAY,
            crate::metadata::ZarrFormat::N5 => node::N5_ATTRS,
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
        let doc = crate::update::replace_attributes(self.store.as_ref(), &self.path, &attrs)?;
        self.install_metadata(doc)
    }

    /// Change the attributes in place by `f` as they are stored now, by
    /// compare-and-swap ([`crate::update`]): concurrent updates of other
    /// attributes, in this process or others, are kept. `f` may run more
    /// than once.
    pub fn update_attributes(
        &self,
        f: impl FnMut(&mut Map<String, Value>) -> Result<crate::update::Change>,
    ) -> Result<()> {
        self.check_writable()?;
        self.check_exists()?;
        let doc = crate::update::update_attributes(self.store.as_ref(), &self.path, f)?;
        self.install_metadata(doc)
    }

    /// Take the metadata an update stored as this handle's.
    fn install_metadata(&self, doc: node::NodeDoc) -> Result<()> {
        match doc {
            node::NodeDoc::Array(m) => {
                *self.meta.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(*m);
                Ok(())
            }
            node::NodeDoc::Group { .. } => Err(Error::NotFound(format!("array \"{}\" was deleted", self.path))),
        }
    }

    pub fn dimension_names(&self) -> Option<Vec<Option<String>>> {
        self.metadata().dimension_names.clone()
    }

    /// Set (or with None remove) the dimension names: v3 `dimension_names`,
    /// v2 the xarray `_ARRAY_DIMENSIONS` attribute, which needs every name.
    pub fn set_dimension_names(&self, names: Option<Vec<Option<String>>>) -> Result<()> {
        self.check_writable()?;
        self.check_exists()?;
        let m = crate::update::update_array(self.store.as_ref(), &self.path, |m| {
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
            m.dimension_names = names.clone();
            Ok(crate::update::Change::Write)
        })?;
        *self.meta.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(m);
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

/// The array's codec chain, checked against every chunk shape of its grid:
/// in a rectilinear grid each distinct edge of each dimension (a sharding
/// codec's inner chunks, regular inside each shard, must divide them all;
/// the extension allows sharding there and says no more).
fn chain_for(meta: &ArrayMetadata) -> Result<CodecChain> {
    let chain = CodecChain::for_array(meta)?;
    if let crate::metadata::ChunkGrid::Rectilinear(dims) = &meta.grid {
        for (d, g) in dims.iter().enumerate() {
            let crate::metadata::RectDim::Bounds(b) = g else {
                continue;
            };
            let mut edges: Vec<u64> = b.windows(2).map(|w| w[1] - w[0]).collect();
            edges.sort_unstable();
            edges.dedup();
            for e in edges {
                let mut shape = meta.chunk_shape.clone();
                shape[d] = e;
                chain.check_shape(&shape)?;
            }
        }
    }
    Ok(chain)
}

/// Create an array's metadata document at `path` and open it.
pub(crate) fn create(store: Arc<dyn Store>, path: &str, meta: ArrayMetadata) -> Result<Array> {
    // Refuse codecs that cannot be built before anything is written.
    chain_for(&meta)?;
    node::write_array(store.as_ref(), path, &meta)?;
    let generation = crate::metadata::consolidated::generation(store.id());
    Array::from_parts(store, path.to_owned(), meta, false, generation)
}

/// The caller's output buffer, written from several threads at once.
/// Each chunk task writes a disjoint set of elements (the chunks of a regular
/// grid do not overlap), which is what makes the shared mutable access sound.
/// For value lists (variable-length strings and bytes) it holds `Vec<u8>`
/// slots, one per selected element, instead of bytes.
struct SharedOut {
    ptr: *mut u8,
    len: usize,
    slots: bool,
}
// SAFETY: see the type's comment: writers touch disjoint byte ranges.
unsafe impl Sync for SharedOut {}
unsafe impl Send for SharedOut {}

impl SharedOut {
    fn new(buf: &mut [u8]) -> Self {
        SharedOut {
            ptr: buf.as_mut_ptr(),
            len: buf.len(),
            slots: false,
        }
    }
    /// Output slots for value lists, one per selected element.
    fn values(slots: &mut [Vec<u8>]) -> Self {
        SharedOut {
            ptr: slots.as_mut_ptr() as *mut u8,
            len: slots.len(),
            slots: true,
        }
    }
    /// Value slots `off..off + len` (made by [`SharedOut::values`]).
    ///
    /// # Safety
    /// As [`SharedOut::slice`].
    #[allow(clippy::mut_from_ref)]
    unsafe fn value_slots(&self, off: usize, len: usize) -> &mut [Vec<u8>] {
        assert!(
            self.slots && off.checked_add(len).is_some_and(|e| e <= self.len),
            "selection arithmetic out of bounds"
        );
        // SAFETY: in bounds, made from a slice of Vec<u8>, disjoint per the contract.
        unsafe { std::slice::from_raw_parts_mut((self.ptr as *mut Vec<u8>).add(off), len) }
    }
    /// # Safety
    /// No two live slices may overlap (guaranteed by disjoint chunk pieces).
    #[allow(clippy::mut_from_ref)]
    unsafe fn slice(&self, off: usize, len: usize) -> &mut [u8] {
        assert!(
            !self.slots && off.checked_add(len).is_some_and(|e| e <= self.len),
            "selection arithmetic out of bounds"
        );
        // SAFETY: in bounds (checked above) and disjoint per the contract.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(off), len) }
    }
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

/// Attributes of any node as JSON text helpers.
pub fn attrs_from_json(text: &str) -> Result<Map<String, Value>> {
    // As documents are read: Python's bare NaN / Infinity are accepted.
    match crate::metadata::json::parse(text.as_bytes()) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(Error::InvalidArgument("attributes must be a JSON object".into())),
        Err(e) => Err(Error::InvalidArgument(format!("attributes are not valid JSON: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::selection::ChunkTask;
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
