//! Key/value stores. Keys are `/`-separated relative paths (`a/b/zarr.json`,
//! `a/b/c/0/1`); the Store trait is all the engine needs of a backend.

pub mod fs;
mod fs_guard;
pub mod memory;
#[cfg(feature = "cloud")]
pub mod object;
#[cfg(feature = "cloud")]
pub mod runtime;
pub mod source;

#[cfg(not(feature = "cloud"))]
mod no_cloud;
#[cfg(not(feature = "cloud"))]
pub use no_cloud::ObjectOptions;
#[cfg(feature = "cloud")]
pub use object::ObjectOptions;
pub use source::ByteSource;

use crate::error::{Error, Result};
use std::sync::Arc;

/// One value fetched by [`Store::get_stream`]: its index among the keys asked
/// for, and the value (None: the key does not exist).
pub type Fetched = (usize, Result<Option<Vec<u8>>>);

/// One entry of a listing: a child name under a prefix, and whether it is a
/// "directory" (has keys below it).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ListEntry {
    pub name: String,
    pub is_dir: bool,
}

pub trait Store: Send + Sync + std::fmt::Debug {
    /// A stable identity for this store (used to key the per-chunk locks).
    fn id(&self) -> &str;
    /// The whole value, or None if the key does not exist.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>>;
    /// `len` bytes from `offset` (fewer at the end of the value), or None if the key does not exist.
    fn get_range(&self, key: &str, offset: u64, len: u64) -> Result<Option<Vec<u8>>>;
    /// The last `len` bytes (the whole value if shorter), or None if the key
    /// does not exist. Stores with ranged reads override this (shard indexes
    /// at the end are read this way).
    fn get_suffix(&self, key: &str, len: u64) -> Result<Option<Vec<u8>>> {
        Ok(self.get(key)?.map(|mut v| {
            let start = v.len().saturating_sub(len.min(usize::MAX as u64) as usize);
            v.drain(..start);
            v
        }))
    }
    /// As [`Store::get`], but reading at most `max_len + 1` bytes: a value
    /// longer than `max_len` comes back longer than `max_len` (and possibly
    /// cut), so the caller can refuse it without holding all of it.
    /// Metadata documents are read this way (their size is bounded).
    fn get_limited(&self, key: &str, max_len: u64) -> Result<Option<Vec<u8>>> {
        let _ = max_len;
        self.get(key)
    }
    /// Whether a "directory" (not a value) sits at `key` in a store that
    /// has real directories (filesystem stores); false elsewhere. Tells a
    /// metadata document that is a directory from a missing one.
    fn is_directory(&self, key: &str) -> bool {
        let _ = key;
        false
    }
    /// Store a value atomically: a reader sees the old or the new value, never a mix.
    fn set(&self, key: &str, value: &[u8]) -> Result<()>;
    /// Remove a key; removing a missing key is not an error.
    fn delete(&self, key: &str) -> Result<()>;
    /// Remove every key below `prefix/` (a node and everything under it);
    /// a missing prefix is not an error.
    fn delete_prefix(&self, prefix: &str) -> Result<()>;
    /// The children directly under `prefix` (`""` for the root), sorted by name.
    fn list_dir(&self, prefix: &str) -> Result<Vec<ListEntry>>;
    fn exists(&self, key: &str) -> Result<bool> {
        Ok(self.get(key)?.is_some())
    }
    /// The stored size of a value in bytes, or None if the key does not
    /// exist (for listings such as `zarrtool ls`). Stores that can tell
    /// without reading the value (a file's metadata, an object's HEAD)
    /// override this.
    fn size(&self, key: &str) -> Result<Option<u64>> {
        Ok(self.get(key)?.map(|v| v.len() as u64))
    }
    /// Move every key below `from/` to the same place below `to/`, as one
    /// cheap step (a directory rename). `to` must not exist. Stores where
    /// that would mean copying every object (object stores) leave this
    /// unsupported, so a rename is never a slow copy in disguise.
    fn rename_prefix(&self, from: &str, to: &str) -> Result<()> {
        let _ = (from, to);
        Err(Error::Unsupported(format!(
            "rename on store \"{}\" (it would copy every object)",
            self.id()
        )))
    }
    /// How many requests this store wants in flight at once, for stores
    /// with request latency (object stores): reads then fetch chunks with
    /// [`Store::get_stream`] and writes run on an I/O pool this wide. 0
    /// (local stores, the default): no latency to hide, the chunk pool reads
    /// (streaming from files) and writes directly.
    fn concurrency(&self) -> usize {
        0
    }
    /// The whole values of `keys`, each with its index in `keys`, in the
    /// order they arrive. Object stores keep up to [`Store::concurrency`]
    /// requests in flight, but never more than `buffer`, and at most
    /// `buffer` fetched values waiting (the caller bounds memory with it);
    /// the default reads one by one, in order. Dropping the iterator
    /// cancels what is left.
    fn get_stream(&self, keys: Vec<String>, buffer: usize) -> Box<dyn Iterator<Item = Fetched> + Send + '_> {
        let _ = buffer;
        Box::new(keys.into_iter().enumerate().map(|(i, k)| (i, self.get(&k))))
    }
    /// A reader over the value, or None if the key does not exist. Stores that
    /// can stream (files) override this so a chunk need not be held whole.
    fn reader(&self, key: &str) -> Result<Option<Box<dyn std::io::Read + Send>>> {
        Ok(self
            .get(key)?
            .map(|v| Box::new(std::io::Cursor::new(v)) as Box<dyn std::io::Read + Send>))
    }
    /// The value of `key` as a [`ByteSource`]: one version of it, read by a
    /// decoder in as many requests as it needs. The default sends each
    /// request to the store's keyed reads (not pinned); the crate's stores
    /// pin (see [`source`]). A missing key is a source whose reads answer None.
    fn open(&self, key: &str) -> Result<Box<dyn ByteSource + '_>> {
        Ok(Box::new(source::KeySource {
            store: self,
            key: key.to_owned(),
        }))
    }
    /// Take an exclusive lock on `key` shared with other processes, held
    /// until the returned guard drops; stores without cross-process locks
    /// (the default) return a guard that holds nothing. Writers take it
    /// around the read-modify-write of a chunk or shard.
    fn lock_key(&self, _key: &str) -> Result<KeyLock> {
        Ok(KeyLock::default())
    }
    /// The value with its [`Version`], or None if the key does not exist:
    /// the first half of a compare-and-swap ([`Store::put_if`]). The default
    /// (and the local stores) use a digest of the value; object stores the
    /// ETag / version the store returns with the bytes.
    fn get_with_version(&self, key: &str) -> Result<Option<(Vec<u8>, Version)>> {
        Ok(self.get(key)?.map(|v| {
            let version = Version::of_bytes(&v);
            (v, version)
        }))
    }
    /// Store `value` only if the key is as `condition` says (absent, or at
    /// the version [`Store::get_with_version`] returned), atomically with
    /// respect to every other `put_if` on the key: from other threads,
    /// processes and machines. `Ok(false)`: the condition did not hold
    /// (someone else wrote first; read again and retry). Stores that cannot
    /// do it (the default) are Unsupported: [`update_key`] then falls back
    /// to a plain read-modify-write, safe within the process only.
    fn put_if(&self, key: &str, value: &[u8], condition: &Condition) -> Result<bool> {
        let _ = (value, condition);
        Err(Error::Unsupported(format!(
            "conditional writes of \"{key}\" on store \"{}\"",
            self.id()
        )))
    }
    /// Whether read-modify-writes of chunks should use [`Store::put_if`]
    /// (object stores: the ETag comes with the read, so it costs no extra
    /// request). Local stores say no: the filesystem coordinates chunk
    /// writers with `process_locks`, a memory store is its process's own.
    fn conditional_chunk_writes(&self) -> bool {
        false
    }
}

/// The version of a stored value, as [`Store::get_with_version`] returns it:
/// an object store's ETag and (where the store keeps them) version id, or a
/// digest of the bytes for local stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub e_tag: Option<String>,
    pub version: Option<String>,
}

impl Version {
    /// The SHA-256 of `value`: a stand-in for an ETag where the store has
    /// none (the filesystem's compare-and-swap compares it under the key's
    /// lock file). Collision-resistant, so a changed value never passes
    /// for the one read, and stable (std's hasher is not promised to be the
    /// same across builds).
    pub fn of_bytes(value: &[u8]) -> Version {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(value);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        Version {
            e_tag: Some(hex),
            version: None,
        }
    }
}

/// What [`Store::put_if`] requires of the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// The key must not exist.
    Absent,
    /// The key must hold this version.
    Matches(Version),
}

impl Condition {
    /// The condition that a read returning `version` saw.
    pub fn from_read(version: Option<Version>) -> Condition {
        version.map_or(Condition::Absent, Condition::Matches)
    }
}

/// What an [`update_key`] step decides.
#[derive(Debug)]
pub enum Update {
    /// Store this value (only if nobody wrote the key since the read).
    Put(Vec<u8>),
    /// Leave the key as it is.
    Keep,
}

/// How many conflicting writes [`update_key`] tolerates before giving up.
pub(crate) const MAX_UPDATE_ATTEMPTS: u32 = 2000;

/// Read-modify-write one key by compare-and-swap: read the value with its
/// version, let `f` compute the new value from it, store that only if the
/// key is unchanged, and on a conflict read again and retry (bounded, with
/// jittered exponential backoff from 1 ms to 50 ms). No update is lost, with
/// writers in other threads, processes or machines, as long as they all
/// write the key through `put_if`. `f` may run several times; it sees each
/// attempt's current value. Returns the value the key holds afterwards
/// (None: absent and kept so). Stores without conditional writes fall back
/// to one plain read and write (callers hold an in-process lock).
///
/// A conditional put whose success reply is lost, and which the object store
/// client then retries, reports a conflict with our own write; the update
/// then runs again on top of itself (an append grows twice, its second slab
/// reads as fill). Finding our own bytes on the re-read cannot tell this
/// from another writer that computed the same value (two appends from one
/// shape), so it is not taken as success: a duplicated step is visible, a
/// lost one would not be.
pub fn update_key(
    store: &dyn Store,
    key: &str,
    mut f: impl FnMut(Option<&[u8]>) -> Result<Update>,
) -> Result<Option<Vec<u8>>> {
    for attempt in 0..MAX_UPDATE_ATTEMPTS {
        let current = store.get_with_version(key)?;
        let (value, version) = match current {
            Some((v, ver)) => (Some(v), Some(ver)),
            None => (None, None),
        };
        let new = match f(value.as_deref())? {
            Update::Keep => return Ok(value),
            Update::Put(new) => new,
        };
        match store.put_if(key, &new, &Condition::from_read(version)) {
            Ok(true) => return Ok(Some(new)),
            Ok(false) => backoff(attempt),
            Err(Error::Unsupported(_)) => {
                store.set(key, &new)?;
                return Ok(Some(new));
            }
            Err(e) => return Err(e),
        }
    }
    Err(Error::Io(format!(
        "updating \"{key}\" at {}: gave up after {MAX_UPDATE_ATTEMPTS} conflicting writes by others",
        store.id()
    )))
}

/// Sleep before retry `attempt` (0-based) of a conflicting update: a random
/// time up to 1 ms * 2^attempt, at most 50 ms, so that writers which
/// collided spread out instead of colliding again.
pub fn backoff(attempt: u32) {
    use std::hash::{BuildHasher, Hasher};
    let cap_us = (1000u64 << attempt.min(6)).min(50_000);
    let r = std::collections::hash_map::RandomState::new().build_hasher().finish();
    std::thread::sleep(std::time::Duration::from_micros(200 + r % cap_us));
}

/// A cross-process lock on one key, released when dropped (closing the
/// lock file releases the `flock`).
#[derive(Debug, Default)]
pub struct KeyLock {
    _file: Option<std::fs::File>,
}

/// Options for opening a store.
#[derive(Debug, Clone, Default)]
pub struct StoreOptions {
    /// Filesystem stores: serialise chunk read-modify-writes across
    /// processes with a `flock` on a lock file per chunk under
    /// `.zarr-locks/` in the store root. No effect on memory stores
    /// (a process's memory store is its own).
    pub process_locks: bool,
    /// Filesystem stores: let writes, renames and deletes act through
    /// symbolic links that lead out of the store root (reads always follow
    /// links). No effect on other stores.
    pub follow_symlinks: bool,
    /// Open the hierarchy without its consolidated metadata (a broken one
    /// is an error otherwise); read when a hierarchy is opened.
    pub ignore_consolidated: bool,
    /// Filesystem stores: fsync every written file before it is renamed
    /// into place and the directory after, so an acknowledged write
    /// survives a power loss (README, "Reliability"). Accepted and without
    /// effect on object stores (an acknowledged put is durable) and memory
    /// stores.
    pub durable: bool,
    /// Object stores: endpoint, credentials, concurrency, retries.
    pub object: ObjectOptions,
}

/// Open the store a URL names: a plain path, `file://` URL or `memory://NAME`.
/// `create` makes a missing filesystem directory.
pub fn open_url(url: &str, create: bool) -> Result<Arc<dyn Store>> {
    open_url_with(url, create, StoreOptions::default())
}

/// As [`open_url`], with options; also opens object stores (`s3://`,
/// `az://`, `abfs://`, `gs://`, `http(s)://`), configured by
/// `options.object` and the environment. Object store options given for a
/// local store, and process locks for an object store, are errors.
pub fn open_url_with(url: &str, create: bool, options: StoreOptions) -> Result<Arc<dyn Store>> {
    if let Some((scheme, _)) = url.split_once("://") {
        if is_object_scheme(scheme) {
            if options.process_locks {
                return Err(Error::InvalidArgument(format!(
                    "option \"process_locks\" applies only to filesystem stores, not to {scheme}://"
                )));
            }
            #[cfg(feature = "cloud")]
            return Ok(Arc::new(object::ObjectStoreBackend::open(url, &options.object)?));
            #[cfg(not(feature = "cloud"))]
            return Err(no_cloud::unsupported(scheme));
        }
    }
    if !options.object.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "store options apply only to object stores, not to \"{url}\""
        )));
    }
    if let Some(name) = url.strip_prefix("memory://") {
        return Ok(memory::MemoryStore::named(name));
    }
    let path = if let Some(rest) = url.strip_prefix("file://") {
        // file:///abs/path or file://localhost/abs/path
        let rest = rest.strip_prefix("localhost").unwrap_or(rest);
        if !rest.starts_with('/') {
            return Err(Error::InvalidArgument(format!("file URL \"{url}\" is not absolute")));
        }
        percent_decode(rest)?
    } else if let Some((scheme, _)) = url.split_once("://") {
        return Err(Error::Unsupported(format!("store URL scheme \"{scheme}\"")));
    } else {
        url.to_owned()
    };
    if path.is_empty() {
        return Err(Error::InvalidArgument("empty store path".into()));
    }
    Ok(Arc::new(
        fs::FsStore::open_with(path.into(), create, options.process_locks)?
            .with_follow_symlinks(options.follow_symlinks)
            .with_durable(options.durable),
    ))
}

/// Whether a URL scheme names an object store (`s3://` and the others): a
/// build without the `cloud` feature still knows them, to say so clearly.
pub fn is_object_scheme(scheme: &str) -> bool {
    matches!(
        scheme,
        "s3" | "s3a" | "az" | "azure" | "abfs" | "abfss" | "gs" | "gcs" | "http" | "https"
    )
}

fn percent_decode(s: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| Error::InvalidArgument(format!("bad percent escape in \"{s}\"")))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| Error::InvalidArgument(format!("path \"{s}\" is not UTF-8")))
}

/// Join a node path and a key below it.
pub fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}/{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_if_on_memory_and_filesystem() {
        let d = tempfile::tempdir().unwrap();
        let fs_store = fs::FsStore::open(d.path().join("s.zarr"), true).unwrap();
        let stores: [&dyn Store; 2] = [&memory::MemoryStore::default(), &fs_store];
        for s in stores {
            assert!(s.put_if("k", b"one", &Condition::Absent).unwrap());
            assert!(!s.put_if("k", b"two", &Condition::Absent).unwrap(), "{}", s.id());
            let (v, ver) = s.get_with_version("k").unwrap().unwrap();
            assert_eq!(v, b"one");
            assert!(s.put_if("k", b"two", &Condition::Matches(ver.clone())).unwrap());
            // The version read before the last write no longer matches.
            assert!(!s.put_if("k", b"three", &Condition::Matches(ver)).unwrap());
            assert_eq!(s.get("k").unwrap().unwrap(), b"two");
            // update_key appends to what is there.
            let out = update_key(s, "k", |v| {
                let mut v = v.unwrap().to_vec();
                v.extend_from_slice(b"+");
                Ok(Update::Put(v))
            })
            .unwrap();
            assert_eq!(out.unwrap(), b"two+");
            assert_eq!(s.get("k").unwrap().unwrap(), b"two+");
        }
        // The filesystem swap locks a sidecar file and leaves no temporary.
        assert!(d.path().join("s.zarr/.zarr-locks/k.lock").exists());
        assert_eq!(fs_store.list_dir("").unwrap().iter().filter(|e| !e.is_dir).count(), 1);
    }

    #[test]
    fn local_urls() {
        assert!(matches!(open_url("s3x://bucket/x", false), Err(Error::Unsupported(m)) if m.contains("s3x")));
        assert!(open_url("file://relative", false).is_err());
        assert_eq!(percent_decode("/a%20b").unwrap(), "/a b");
        assert!(open_url("memory://t-local-urls", true).is_ok());
        let d = std::env::temp_dir();
        assert!(open_url(d.to_str().unwrap(), false).is_ok());
    }

    #[cfg(not(feature = "cloud"))]
    #[test]
    fn object_store_urls_need_the_cloud_feature() {
        for url in ["s3://b/x", "az://c/x", "gs://b/x", "http://h/x", "https://h/x"] {
            let e = open_url(url, false).unwrap_err();
            assert!(
                matches!(&e, Error::Unsupported(m) if m.contains("\"cloud\"")),
                "{url}: {e}"
            );
        }
        let o = serde_json::json!({"endpoint": "http://x"});
        assert!(ObjectOptions::from_json(o.as_object().unwrap()).is_err());
    }

    #[cfg(feature = "cloud")]
    #[test]
    fn object_store_options_only_for_object_stores() {
        let opts = StoreOptions {
            object: ObjectOptions {
                region: Some("x".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(open_url_with("memory://t-urls", true, opts).is_err());
        let locks = StoreOptions {
            process_locks: true,
            ..Default::default()
        };
        assert!(open_url_with("s3://bucket/x", false, locks).is_err());
    }
}
