//! Byte sources: one stored value, opened once ([`super::Store::open`]) and
//! read by a decoder in as many requests as it likes (whole, ranges, suffix,
//! a stream). A source is pinned to one version of its value for its whole
//! life, so a decoder that reads a shard's index and then its inner chunks
//! sees one shard, never the index of one write and the chunks of another:
//! the filesystem keeps one open file (writes rename a new file into place,
//! the open one stays whole), the memory store keeps the value it found,
//! object stores send the ETag of the first answer with every later request
//! (`If-Match`). A request that finds the value changed fails with
//! [`changed`]; the reader then starts over on a fresh source
//! ([`is_changed`]).

use crate::error::{Error, Result};
use std::io::Read;

/// Ranged reads closer than this are merged into one request (the bytes in
/// between are fetched and dropped). One request costs about as much as
/// reading this many bytes more: a system call against a page-cache copy
/// locally, a round trip against ~1 MiB of transfer on object stores.
pub const LOCAL_COALESCE_GAP: u64 = 64 << 10;
/// As [`LOCAL_COALESCE_GAP`], for object stores (object_store's own default).
pub const REMOTE_COALESCE_GAP: u64 = 1 << 20;
/// Largest merged request: bounds the memory one request holds.
pub const MAX_COALESCED: u64 = 16 << 20;

/// One version of one stored value. Every method answers None when the value
/// does not exist (known at the first request).
pub trait ByteSource: Send + Sync {
    /// The key, for messages.
    fn key(&self) -> &str;
    /// The whole value.
    fn get(&self) -> Result<Option<Vec<u8>>>;
    /// `len` bytes from `offset` (fewer at the end of the value).
    fn get_range(&self, offset: u64, len: u64) -> Result<Option<Vec<u8>>>;
    /// The last `len` bytes (the whole value if shorter).
    fn get_suffix(&self, len: u64) -> Result<Option<Vec<u8>>>;
    /// A reader over the whole value, for decoders that stream.
    fn reader(&self) -> Result<Option<Box<dyn Read + Send + '_>>> {
        Ok(self
            .get()?
            .map(|v| Box::new(std::io::Cursor::new(v)) as Box<dyn Read + Send>))
    }
    /// Gap below which two ranged reads are merged (see [`LOCAL_COALESCE_GAP`]).
    fn coalesce_gap(&self) -> u64 {
        LOCAL_COALESCE_GAP
    }
}

const CHANGED: &str = "the value changed while it was being read";

/// The error a pinned source answers when its value was replaced.
pub fn changed(key: &str) -> Error {
    Error::Io(format!("\"{key}\": {CHANGED}"))
}

/// Whether `e` is [`changed`]: the read may start over on a new source.
pub fn is_changed(e: &Error) -> bool {
    matches!(e, Error::Io(m) if m.ends_with(CHANGED))
}

/// A value already in memory (a whole stored value, or an inner shard
/// inside a fetched range of its outer shard).
pub struct BytesSource<'a> {
    key: &'a str,
    data: Option<&'a [u8]>,
}

impl<'a> BytesSource<'a> {
    /// `data`: None for a value that does not exist.
    pub fn new(key: &'a str, data: Option<&'a [u8]>) -> Self {
        BytesSource { key, data }
    }
}

fn range_of(v: &[u8], offset: u64, len: u64) -> Vec<u8> {
    let start = offset.min(v.len() as u64) as usize;
    let end = (start as u64).saturating_add(len).min(v.len() as u64) as usize;
    v[start..end].to_vec()
}

fn suffix_of(v: &[u8], len: u64) -> Vec<u8> {
    let start = v.len().saturating_sub(len.min(usize::MAX as u64) as usize);
    v[start..].to_vec()
}

impl ByteSource for BytesSource<'_> {
    fn key(&self) -> &str {
        self.key
    }
    fn get(&self) -> Result<Option<Vec<u8>>> {
        Ok(self.data.map(<[u8]>::to_vec))
    }
    fn get_range(&self, offset: u64, len: u64) -> Result<Option<Vec<u8>>> {
        Ok(self.data.map(|v| range_of(v, offset, len)))
    }
    fn get_suffix(&self, len: u64) -> Result<Option<Vec<u8>>> {
        Ok(self.data.map(|v| suffix_of(v, len)))
    }
    fn reader(&self) -> Result<Option<Box<dyn Read + Send + '_>>> {
        Ok(self.data.map(|v| Box::new(v) as Box<dyn Read + Send>))
    }
}

/// A value held by reference count (the memory store's snapshot).
pub struct SharedSource {
    pub(crate) key: String,
    pub(crate) data: Option<std::sync::Arc<Vec<u8>>>,
}

impl ByteSource for SharedSource {
    fn key(&self) -> &str {
        &self.key
    }
    fn get(&self) -> Result<Option<Vec<u8>>> {
        Ok(self.data.as_ref().map(|v| v.as_ref().clone()))
    }
    fn get_range(&self, offset: u64, len: u64) -> Result<Option<Vec<u8>>> {
        Ok(self.data.as_ref().map(|v| range_of(v, offset, len)))
    }
    fn get_suffix(&self, len: u64) -> Result<Option<Vec<u8>>> {
        Ok(self.data.as_ref().map(|v| suffix_of(v, len)))
    }
    fn reader(&self) -> Result<Option<Box<dyn Read + Send + '_>>> {
        Ok(self
            .data
            .as_ref()
            .map(|v| Box::new(v.as_slice()) as Box<dyn Read + Send>))
    }
}

/// A source over any store's keyed reads, for stores that do not pin
/// versions themselves (the [`super::Store::open`] default): each request
/// goes to the store on its own, so it is pinned only where the store's
/// values never change in place.
pub struct KeySource<'a, S: super::Store + ?Sized> {
    pub(crate) store: &'a S,
    pub(crate) key: String,
}

impl<S: super::Store + ?Sized> ByteSource for KeySource<'_, S> {
    fn key(&self) -> &str {
        &self.key
    }
    fn get(&self) -> Result<Option<Vec<u8>>> {
        self.store.get(&self.key)
    }
    fn get_range(&self, offset: u64, len: u64) -> Result<Option<Vec<u8>>> {
        self.store.get_range(&self.key, offset, len)
    }
    fn get_suffix(&self, len: u64) -> Result<Option<Vec<u8>>> {
        self.store.get_suffix(&self.key, len)
    }
    fn reader(&self) -> Result<Option<Box<dyn Read + Send + '_>>> {
        self.store.reader(&self.key)
    }
    fn coalesce_gap(&self) -> u64 {
        if self.store.concurrency() > 0 {
            REMOTE_COALESCE_GAP
        } else {
            LOCAL_COALESCE_GAP
        }
    }
}
