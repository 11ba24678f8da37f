//! A store wrapper that counts the reads going through it, for the tests and
//! benchmarks that show how much a read fetches. Included with `#[path]` by
//! tests/sharding.rs, tests/hierarchy.rs and benches/sharded.rs; each uses
//! part of it.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use zarr::store::{ByteSource, ListEntry, Store};

#[derive(Debug)]
pub struct Counting<S> {
    pub inner: S,
    /// get / get_range / get_suffix calls, and those that found a value.
    reads: AtomicU64,
    found: AtomicU64,
    /// Bytes those reads returned.
    bytes: AtomicU64,
    exists: AtomicU64,
}

/// What [`Counting::take`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub bytes: u64,
    pub reads: u64,
    pub found: u64,
}

impl<S: Store> Counting<S> {
    pub fn new(inner: S) -> Self {
        Counting {
            inner,
            reads: AtomicU64::new(0),
            found: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            exists: AtomicU64::new(0),
        }
    }

    fn seen(&self, v: Option<Vec<u8>>) -> Option<Vec<u8>> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        if let Some(b) = &v {
            self.found.fetch_add(1, Ordering::SeqCst);
            self.bytes.fetch_add(b.len() as u64, Ordering::SeqCst);
        }
        v
    }

    /// The read counts since the last take (existence checks not included).
    pub fn take(&self) -> Counts {
        Counts {
            bytes: self.bytes.swap(0, Ordering::SeqCst),
            reads: self.reads.swap(0, Ordering::SeqCst),
            found: self.found.swap(0, Ordering::SeqCst),
        }
    }

    /// Reads plus existence checks: every metadata lookup (not reset by take;
    /// compare before and after).
    pub fn lookups(&self) -> u64 {
        self.reads.load(Ordering::SeqCst) + self.exists.load(Ordering::SeqCst)
    }
}

impl<S: Store> Store for Counting<S> {
    fn id(&self) -> &str {
        self.inner.id()
    }
    fn get(&self, key: &str) -> zarr::Result<Option<Vec<u8>>> {
        Ok(self.seen(self.inner.get(key)?))
    }
    fn get_range(&self, key: &str, offset: u64, len: u64) -> zarr::Result<Option<Vec<u8>>> {
        Ok(self.seen(self.inner.get_range(key, offset, len)?))
    }
    fn get_suffix(&self, key: &str, len: u64) -> zarr::Result<Option<Vec<u8>>> {
        Ok(self.seen(self.inner.get_suffix(key, len)?))
    }
    fn set(&self, key: &str, value: &[u8]) -> zarr::Result<()> {
        self.inner.set(key, value)
    }
    fn delete(&self, key: &str) -> zarr::Result<()> {
        self.inner.delete(key)
    }
    fn delete_prefix(&self, prefix: &str) -> zarr::Result<()> {
        self.inner.delete_prefix(prefix)
    }
    fn list_dir(&self, prefix: &str) -> zarr::Result<Vec<ListEntry>> {
        self.inner.list_dir(prefix)
    }
    fn exists(&self, key: &str) -> zarr::Result<bool> {
        self.exists.fetch_add(1, Ordering::SeqCst);
        self.inner.exists(key)
    }
    /// The inner store's own (pinned) source, its requests counted.
    fn open(&self, key: &str) -> zarr::Result<Box<dyn ByteSource + '_>> {
        Ok(Box::new(CountingSource {
            inner: self.inner.open(key)?,
            counts: self,
        }))
    }
    fn concurrency(&self) -> usize {
        self.inner.concurrency()
    }
    // `reader` keeps the trait's default (through `get`), so streamed reads are counted too.
}

/// A byte source whose requests count as the store's reads.
struct CountingSource<'a, S> {
    inner: Box<dyn ByteSource + 'a>,
    counts: &'a Counting<S>,
}

impl<S: Store> ByteSource for CountingSource<'_, S> {
    fn key(&self) -> &str {
        self.inner.key()
    }
    fn get(&self) -> zarr::Result<Option<Vec<u8>>> {
        Ok(self.counts.seen(self.inner.get()?))
    }
    fn get_range(&self, offset: u64, len: u64) -> zarr::Result<Option<Vec<u8>>> {
        Ok(self.counts.seen(self.inner.get_range(offset, len)?))
    }
    fn get_suffix(&self, len: u64) -> zarr::Result<Option<Vec<u8>>> {
        Ok(self.counts.seen(self.inner.get_suffix(len)?))
    }
    fn coalesce_gap(&self) -> u64 {
        self.inner.coalesce_gap()
    }
    // `reader` keeps the trait's default (through `get`), so streamed reads are counted too.
}
