//! Resizing and appending.
//!
//! A shrink deletes the chunks (shards) wholly outside the new shape and
//! sets the elements of the remaining edge chunks that fall outside it to
//! the fill value. zarr-python leaves those elements alone, so growing the
//! array again shows the old data there; we trim so that a grown array
//! shows fill in every element not written since it became part of the
//! array, whatever its history.
//!
//! Resizes and appends of one array are serialised within the process by a
//! lock keyed by the array's location (so separate handles to one array
//! share it). Across processes and machines the shape changes by
//! compare-and-swap of the metadata document ([`crate::update`]): an append
//! reserves its slab by swapping in the grown shape (retrying on the shape
//! another writer swapped in first), then writes the slab there. Partial
//! chunks at a slab's edges, which neighbouring slabs share, are
//! read-modify-written by compare-and-swap too, so concurrent appenders in
//! any number of processes lose nothing.

use super::{convert, lock_chunk, Array, Selection};
use crate::error::{Error, Result};
use crate::metadata::{node, ArrayMetadata, DataType};
use crate::store::join;
use crate::update::Change;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

/// Striped locks serialising resizes and appends of one array.
static RESIZE_LOCKS: LazyLock<Vec<Mutex<()>>> = LazyLock::new(|| (0..64).map(|_| Mutex::new(())).collect());

impl Array {
    fn lock_resize(&self) -> MutexGuard<'static, ()> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        join(self.store.id(), &self.path).hash(&mut h);
        let i = (h.finish() % RESIZE_LOCKS.len() as u64) as usize;
        RESIZE_LOCKS[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The array's metadata as stored now (another handle may have resized
    /// it), installed in this handle. Called under the resize lock.
    fn reload(&self) -> Result<Arc<ArrayMetadata>> {
        match node::read(self.store.as_ref(), &self.path)? {
            Some(node::NodeDoc::Array(m)) => {
                let m: Arc<ArrayMetadata> = Arc::new(*m);
                *self.meta.write().unwrap_or_else(|e| e.into_inner()) = m.clone();
                Ok(m)
            }
            _ => Err(Error::NotFound(format!("array \"{}\" was deleted", self.path))),
        }
    }

    /// Change the shape (same rank). Growing keeps all data. Shrinking
    /// deletes the chunks wholly outside the new shape and rewrites the edge
    /// chunks so their elements outside it hold the fill value: unlike
    /// zarr-python, which leaves them, so that growing again later shows
    /// fill there rather than data from before the shrink. The metadata
    /// document is rewritten last (one store write) and the consolidated
    /// copy is dropped.
    pub fn resize(&self, new_shape: &[u64]) -> Result<()> {
        self.check_writable()?;
        self.check_exists()?;
        let _g = self.lock_resize();
        let meta = self.reload()?;
        self.resize_locked(&meta, new_shape).map(|_| ())
    }

    fn resize_locked(&self, old: &ArrayMetadata, new_shape: &[u64]) -> Result<Arc<ArrayMetadata>> {
        let nd = old.shape.len();
        if new_shape.len() != nd {
            return Err(Error::InvalidArgument(format!(
                "new shape has {} dimensions, the array {nd}",
                new_shape.len()
            )));
        }
        // Before anything changes: such a shape could not be opened again.
        crate::metadata::check_extents(new_shape)?;
        if new_shape.iter().zip(&old.shape).any(|(n, o)| n < o) {
            self.trim(old, new_shape)?;
        }
        let m = crate::update::update_array(self.store.as_ref(), &self.path, |m| {
            if m.shape.len() != nd {
                return Err(Error::InvalidArgument(format!(
                    "array \"{}\" changed rank meanwhile",
                    self.path
                )));
            }
            // A rectilinear grid grows an edge where it no longer covers the shape.
            m.set_shape(new_shape);
            Ok(Change::Write)
        })?;
        let m = Arc::new(m);
        *self.meta.write().unwrap_or_else(|e| e.into_inner()) = m.clone();
        Ok(m)
    }

    /// Before a shrink to `new`: fill the parts of surviving edge chunks
    /// outside `new`, then delete the chunks wholly outside it.
    fn trim(&self, old: &ArrayMetadata, new: &[u64]) -> Result<()> {
        let nd = old.shape.len();
        let grid = old.grid_shape();
        if grid.contains(&0) {
            return Ok(());
        }
        let fill = old.fill_value.as_bytes();
        let mut coords = vec![0u64; nd];
        loop {
            let origin: Vec<u64> = (0..nd).map(|d| old.chunk_origin(d, coords[d])).collect();
            let cs = old.chunk_shape_at(&coords);
            if (0..nd).any(|d| origin[d] >= new[d]) {
                let key = self.chunk_key(old, &coords);
                let _g = lock_chunk(self.store.id(), &key);
                self.store.delete(&key)?;
            } else {
                // In-bounds (old shape) extent of this chunk.
                let end: Vec<u64> = (0..nd).map(|d| (origin[d] + cs[d]).min(old.shape[d])).collect();
                for d in (0..nd).filter(|&d| end[d] > new[d]) {
                    let mut start = origin.clone();
                    let mut count: Vec<u64> = (0..nd).map(|e| end[e] - origin[e]).collect();
                    start[d] = new[d];
                    count[d] = end[d] - new[d];
                    let sel = Selection::new(&old.shape, &start, &count, None)?;
                    let n = count.iter().product::<u64>() as usize;
                    if old.dtype.is_vlen() {
                        self.write_values_with(old, &sel, &vec![fill; n])?;
                    } else {
                        self.write_with(old, &sel, old.dtype, &fill.repeat(n), false)?;
                    }
                }
            }
            let mut d = nd;
            loop {
                if d == 0 {
                    return Ok(());
                }
                d -= 1;
                coords[d] += 1;
                if coords[d] < grid[d] {
                    break;
                }
                coords[d] = 0;
            }
        }
    }

    /// Grow the array by `count` along `axis` and write `input` (the slab:
    /// the shape with `count` on `axis`, C order, elements of `mem_type`)
    /// there, in one call. Safe with concurrent appenders and resizers in
    /// this and other processes and machines: the grow is a compare-and-swap
    /// of the metadata that reserves `count` rows at the end as it is stored
    /// then (retried on conflict), so every slab lands exactly once and
    /// contiguously, and the final length is the sum. Within the process
    /// appends are serialised by a lock held across the grow and the write
    /// (slabs land in the order the appends took it). A value that does not
    /// fit the stored type is an error before anything changes. If the
    /// write fails after the grow, the grown shape stays (the slab reads as
    /// fill where it was not written) and the error is returned: shrinking
    /// back could cut off slabs other writers appended meanwhile.
    pub fn append(&self, axis: usize, count: u64, mem_type: DataType, input: &[u8]) -> Result<()> {
        self.check_writable()?;
        self.check_exists()?;
        let _g = self.lock_resize();
        let meta = self.reload()?;
        let nd = meta.shape.len();
        if axis >= nd {
            return Err(Error::InvalidArgument(format!(
                "axis {axis} is out of range for {nd} dimensions"
            )));
        }
        let mut slab = meta.shape.clone();
        slab[axis] = count;
        let need = slab
            .iter()
            .try_fold(mem_type.size() as u64, |a, &n| a.checked_mul(n))
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| Error::InvalidArgument("slab is too large".into()))?;
        if input.len() < need {
            return Err(Error::InvalidArgument(format!(
                "buffer holds {} bytes, the slab needs {need}",
                input.len()
            )));
        }
        let input = &input[..need];
        if count == 0 {
            return Ok(());
        }
        convert::check_mem_type(meta.dtype, mem_type)?;
        convert::check_all(input, mem_type, meta.dtype)?;
        // Reserve rows [start, start + count) on the shape as stored at the
        // moment of the swap (another process may have appended since the
        // reload above).
        let mut start = 0u64;
        let grown = crate::update::update_array(self.store.as_ref(), &self.path, |m| {
            if m.shape.len() != nd || (0..nd).any(|d| d != axis && m.shape[d] != meta.shape[d]) {
                return Err(Error::InvalidArgument(format!(
                    "array \"{}\" was resized along another axis meanwhile: the slab no longer fits",
                    self.path
                )));
            }
            start = m.shape[axis];
            let mut shape = m.shape.clone();
            shape[axis] = start
                .checked_add(count)
                .ok_or_else(|| Error::InvalidArgument("shape overflows".into()))?;
            // Such a shape could not be opened again.
            crate::metadata::check_extents(&shape)?;
            // A rectilinear grid grows an edge where it no longer covers the shape.
            m.set_shape(&shape);
            Ok(Change::Write)
        })?;
        let grown = Arc::new(grown);
        *self.meta.write().unwrap_or_else(|e| e.into_inner()) = grown.clone();
        let mut origin = vec![0u64; nd];
        origin[axis] = start;
        let sel = Selection::new(&grown.shape, &origin, &slab, None)?;
        // Chunks at the slab's edges are shared with neighbouring slabs:
        // compare-and-swap their read-modify-writes on every store. The
        // last chunk along `axis` is written as if wholly in bounds: rows
        // past this slab's end may already belong to a slab another process
        // appended after ours, and must be merged, not overwritten by fill.
        let mut wide = (*grown).clone();
        let last = wide.shape[axis] - 1;
        wide.shape[axis] = wide.chunk_end(axis, last);
        self.write_with(&wide, &sel, mem_type, input, true)
    }
}
