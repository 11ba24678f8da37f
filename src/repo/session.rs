//! A session: a repository opened at one snapshot, seen through the
//! [`Store`] trait, so that every call of the engine (reads, writes,
//! resizes, appends, attributes, groups, deletes, renames) works inside it
//! unchanged. Reads see the uncommitted changes first, then the snapshot:
//! a metadata document from the snapshot itself, a chunk key through its
//! array's manifest to the object `chunks/<cid>`. Writes are recorded as
//! pending changes; chunk bytes are stored content-addressed at once, so a
//! commit only writes manifest pages, the snapshot and the branch ref.

use super::manifest::{self, Cache, Entry};
use super::objects;
use super::refs;
use super::snapshot::{self, ManifestRef, Snapshot};
use crate::error::{Error, Result};
use crate::store::{join, ListEntry, Store};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// The last names of the keys that are metadata documents (kept in the
/// snapshot); every other key is a chunk of the array it lies in.
const META_NAMES: [&str; 5] = ["zarr.json", ".zarray", ".zgroup", ".zattrs", ".zmetadata"];

pub fn is_meta_key(key: &str) -> bool {
    META_NAMES.contains(&key.rsplit('/').next().unwrap_or(key))
}

/// The node path of a metadata key and its last name.
fn split_key(key: &str) -> (&str, &str) {
    match key.rsplit_once('/') {
        Some((p, n)) => (p, n),
        None => ("", key),
    }
}

/// Whether `key` lies below node `path` ("" is the root, above everything).
pub(crate) fn under(key: &str, path: &str) -> bool {
    path.is_empty() || key.strip_prefix(path).is_some_and(|r| r.starts_with('/'))
}

/// The array a chunk key belongs to (the longest array path above it) and
/// the key relative to that array.
pub(crate) fn array_of<'k>(arrays: &BTreeSet<String>, key: &'k str) -> Option<(String, &'k str)> {
    let mut end = key.len();
    while let Some(i) = key[..end].rfind('/') {
        if arrays.contains(&key[..i]) {
            return Some((key[..i].to_owned(), &key[i + 1..]));
        }
        end = i;
    }
    arrays.contains("").then(|| (String::new(), key))
}

/// Whether the metadata document `text` at `key` makes its node an array.
fn is_array_doc(key: &str, text: &str) -> bool {
    match split_key(key).1 {
        ".zarray" => true,
        "zarr.json" => crate::metadata::json::parse(text.as_bytes())
            .ok()
            .and_then(|v| v.get("node_type").and_then(|t| t.as_str()).map(|t| t == "array"))
            .unwrap_or(false),
        _ => false,
    }
}

#[derive(Debug, Clone)]
enum Change {
    Meta(String),
    Chunk(Entry),
    Deleted,
}

#[derive(Debug)]
struct State {
    /// The snapshot the session stands on (None: a repository being created).
    head: Option<String>,
    snap: Arc<Snapshot>,
    pending: BTreeMap<String, Change>,
    /// Arrays whose committed chunks were all dropped (a delete or rename
    /// of the node): their manifests are not consulted.
    cleared: BTreeSet<String>,
    /// Array paths of the current view (snapshot and pending metadata).
    arrays: BTreeSet<String>,
}

impl State {
    fn meta(&self, key: &str) -> Option<&str> {
        match self.pending.get(key) {
            Some(Change::Meta(t)) => Some(t),
            Some(_) => None,
            None => self.snap.metadata.get(key).map(|s| s.as_str()),
        }
    }

    /// The effective metadata documents.
    fn metadata(&self) -> BTreeMap<String, String> {
        let mut m = self.snap.metadata.clone();
        for (k, c) in &self.pending {
            match c {
                Change::Meta(t) => {
                    m.insert(k.clone(), t.clone());
                }
                Change::Deleted if is_meta_key(k) => {
                    m.remove(k);
                }
                _ => {}
            }
        }
        m
    }

    fn recompute_arrays(&mut self) {
        self.arrays = self
            .metadata()
            .iter()
            .filter(|(k, t)| is_array_doc(k, t))
            .map(|(k, _)| split_key(k).0.to_owned())
            .collect();
    }

    /// After a change of metadata key `key`: is its node (still) an array?
    fn refresh_array(&mut self, key: &str) {
        let (path, name) = split_key(key);
        if name != "zarr.json" && name != ".zarray" {
            return;
        }
        let path = path.to_owned();
        let v3 = join(&path, "zarr.json");
        let v2 = join(&path, ".zarray");
        let is = self.meta(&v3).is_some_and(|t| is_array_doc(&v3, t)) || self.meta(&v2).is_some();
        if is {
            self.arrays.insert(path);
        } else {
            self.arrays.remove(&path);
        }
    }
}

/// Where a key's value lives.
enum Found {
    Bytes(Vec<u8>),
    Object(String, u64),
    Missing,
}

static SESSIONS: AtomicU64 = AtomicU64::new(1);

#[derive(Debug)]
pub struct Session {
    base: Arc<dyn Store>,
    id: String,
    branch: Option<String>,
    author: String,
    writable: bool,
    pub(crate) cache: Cache,
    state: RwLock<State>,
}

impl Session {
    /// A session at snapshot `head` of the repository in `base`, on
    /// `branch` (commits move it) or detached (None: read-only).
    pub fn open(
        base: Arc<dyn Store>,
        head: Option<String>,
        branch: Option<String>,
        author: String,
        writable: bool,
    ) -> Result<Session> {
        let snap = match &head {
            Some(id) => Snapshot::load(base.as_ref(), id)?,
            None => Snapshot::empty(),
        };
        let mut state = State {
            head,
            snap: Arc::new(snap),
            pending: BTreeMap::new(),
            cleared: BTreeSet::new(),
            arrays: BTreeSet::new(),
        };
        state.recompute_arrays();
        let n = SESSIONS.fetch_add(1, Ordering::Relaxed);
        Ok(Session {
            id: format!("{}#repo-session-{n}", base.id()),
            base,
            writable: writable && branch.is_some(),
            branch,
            author,
            cache: Cache::default(),
            state: RwLock::new(state),
        })
    }

    fn st(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }
    fn st_mut(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn base(&self) -> &Arc<dyn Store> {
        &self.base
    }
    pub fn branch(&self) -> Option<&str> {
        self.branch.as_deref()
    }
    pub fn is_writable(&self) -> bool {
        self.writable
    }
    /// The snapshot the session stands on.
    pub fn head(&self) -> Option<String> {
        self.st().head.clone()
    }
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.st().snap.clone()
    }
    pub fn has_changes(&self) -> bool {
        let st = self.st();
        !st.pending.is_empty() || !st.cleared.is_empty()
    }

    fn check_writable(&self) -> Result<()> {
        if self.writable {
            Ok(())
        } else {
            Err(Error::ReadOnly(
                "this repository session is read-only (opened for reading, or at a tag or snapshot)".into(),
            ))
        }
    }

    fn resolve(&self, key: &str) -> Result<Found> {
        let st = self.st();
        if let Some(c) = st.pending.get(key) {
            return Ok(match c {
                Change::Meta(t) => Found::Bytes(t.as_bytes().to_vec()),
                Change::Chunk(e) => Found::Object(objects::chunk_key(&e.cid), e.size),
                Change::Deleted => Found::Missing,
            });
        }
        if is_meta_key(key) {
            return Ok(match st.snap.metadata.get(key) {
                Some(t) => Found::Bytes(t.as_bytes().to_vec()),
                None => Found::Missing,
            });
        }
        let Some((path, rel)) = array_of(&st.arrays, key) else {
            return Ok(Found::Missing);
        };
        if st.cleared.contains(&path) {
            return Ok(Found::Missing);
        }
        let Some(m) = st.snap.manifests.get(&path) else {
            return Ok(Found::Missing);
        };
        let root_cid = m.root.clone();
        drop(st);
        let root = self.cache.root(self.base.as_ref(), &root_cid)?;
        Ok(match self.cache.lookup(self.base.as_ref(), &root, rel)? {
            Some(e) => Found::Object(objects::chunk_key(&e.cid), e.size),
            None => Found::Missing,
        })
    }

    fn missing_object(key: &str, object: &str) -> Error {
        Error::Io(format!("{key}: repository object {object} is missing"))
    }

    /// Every key of the current view below `prefix/` (all keys for ""),
    /// with where its value lives. Chunk keys come only from the arrays at
    /// or above `prefix` unless `all_chunks` (arrays below `prefix` are
    /// seen through their metadata keys).
    fn keys_below(&self, prefix: &str, all_chunks: bool) -> Result<BTreeMap<String, Change>> {
        let st = self.st();
        let mut out = BTreeMap::new();
        for (k, t) in &st.snap.metadata {
            if under(k, prefix) && !st.pending.contains_key(k) {
                out.insert(k.clone(), Change::Meta(t.clone()));
            }
        }
        let arrays: Vec<(String, String)> = st
            .snap
            .manifests
            .iter()
            .filter(|(p, _)| st.arrays.contains(*p) && !st.cleared.contains(*p))
            .filter(|(p, _)| {
                let below = under(p, prefix) && p.as_str() != prefix;
                if below {
                    all_chunks
                } else {
                    p.as_str() == prefix || under(prefix, p)
                }
            })
            .map(|(p, m)| (p.clone(), m.root.clone()))
            .collect();
        for (k, c) in &st.pending {
            if under(k, prefix) && !matches!(c, Change::Deleted) {
                out.insert(k.clone(), c.clone());
            }
        }
        let pending: HashSet<String> = st.pending.keys().cloned().collect();
        drop(st);
        for (p, root_cid) in arrays {
            let root = self.cache.root(self.base.as_ref(), &root_cid)?;
            for (rel, e) in self.cache.all(self.base.as_ref(), &root)? {
                let k = join(&p, &rel);
                if under(&k, prefix) && !pending.contains(&k) {
                    out.insert(k, Change::Chunk(e));
                }
            }
        }
        Ok(out)
    }

    /// The chunks of array `path` in the current view (committed and
    /// pending), by key relative to the array.
    pub fn chunk_entries(&self, path: &str) -> Result<BTreeMap<String, Entry>> {
        let keys = self.keys_below(path, false)?;
        Ok(keys
            .into_iter()
            .filter_map(|(k, c)| match c {
                Change::Chunk(e) => {
                    let rel = if path.is_empty() {
                        k.clone()
                    } else {
                        k[path.len() + 1..].to_owned()
                    };
                    Some((rel, e))
                }
                _ => None,
            })
            .collect())
    }

    /// The metadata document text at `key` in the current view.
    pub fn meta_doc(&self, key: &str) -> Option<String> {
        self.st().meta(key).map(|s| s.to_owned())
    }

    /// Drop the uncommitted changes (chunk objects already stored stay
    /// until `gc`).
    pub fn reset(&self) {
        let mut st = self.st_mut();
        st.pending.clear();
        st.cleared.clear();
        st.recompute_arrays();
    }

    /// Commit the pending changes to the session's branch and go on from
    /// the new snapshot. When the branch moved since the session's
    /// snapshot, the changes are rebased onto its head if they touch no
    /// key (metadata document or chunk) the other commits touched; else
    /// `Error::Conflict`, and the changes stay for a retry or a reset.
    pub fn commit(&self, message: &str) -> Result<String> {
        self.check_writable()?;
        let branch = self.branch.clone().ok_or_else(|| Error::ReadOnly("no branch".into()))?;
        let ref_key = refs::key(refs::Kind::Branch, &branch)?;
        let mut st = self.st_mut();
        // Each retry follows a commit that someone else completed.
        for _ in 0..10_000 {
            let snap = self.build(&st, message)?;
            let id = snap.store(self.base.as_ref())?;
            if refs::compare_and_swap(self.base.as_ref(), &ref_key, st.head.as_deref(), Some(&id))? {
                st.head = Some(id.clone());
                st.snap = Arc::new(snap);
                st.pending.clear();
                st.cleared.clear();
                st.recompute_arrays();
                return Ok(id);
            }
            let Some(cur) = refs::read(self.base.as_ref(), &ref_key)? else {
                return Err(Error::NotFound(format!(
                    "branch \"{branch}\" (deleted during the session)"
                )));
            };
            let theirs = Snapshot::load(self.base.as_ref(), &cur)?;
            self.check_disjoint(&st, &theirs)?;
            st.head = Some(cur);
            st.snap = Arc::new(theirs);
            st.recompute_arrays();
        }
        Err(Error::Conflict(format!(
            "branch \"{branch}\" kept moving; nothing committed"
        )))
    }

    /// The snapshot of the current view (writes its manifest pages).
    fn build(&self, st: &State, message: &str) -> Result<Snapshot> {
        let mut changes: BTreeMap<String, BTreeMap<String, Option<Entry>>> = BTreeMap::new();
        for (k, c) in &st.pending {
            if is_meta_key(k) {
                continue;
            }
            if let Some((p, rel)) = array_of(&st.arrays, k) {
                let v = match c {
                    Change::Chunk(e) => Some(e.clone()),
                    _ => None,
                };
                changes.entry(p).or_default().insert(rel.to_owned(), v);
            }
        }
        let mut manifests = BTreeMap::new();
        for p in &st.arrays {
            let base = if st.cleared.contains(p) {
                None
            } else {
                st.snap.manifests.get(p)
            };
            match (changes.get(p), base) {
                (None, Some(m)) => {
                    manifests.insert(p.clone(), m.clone());
                }
                (ch, b) => {
                    let root = b.map(|m| self.cache.root(self.base.as_ref(), &m.root)).transpose()?;
                    let none = BTreeMap::new();
                    let new = manifest::update(self.base.as_ref(), &self.cache, root.as_deref(), ch.unwrap_or(&none))?;
                    let root_cid = manifest::write_root(self.base.as_ref(), &new)?;
                    manifests.insert(
                        p.clone(),
                        ManifestRef {
                            root: root_cid,
                            chunks: new.chunks(),
                        },
                    );
                }
            }
        }
        Ok(Snapshot {
            format: snapshot::FORMAT.into(),
            parents: st.head.iter().cloned().collect(),
            time: snapshot::now_rfc3339(),
            author: self.author.clone(),
            message: message.to_owned(),
            metadata: st.metadata(),
            manifests,
        })
    }

    /// Error::Conflict unless the pending changes and the changes from
    /// the session's snapshot to `theirs` touch disjoint keys.
    fn check_disjoint(&self, st: &State, theirs: &Snapshot) -> Result<()> {
        let ours = &st.snap;
        let mut keys: HashSet<String> = HashSet::new();
        let mut arrays: BTreeSet<String> = BTreeSet::new();
        for k in ours.metadata.keys().chain(theirs.metadata.keys()) {
            if ours.metadata.get(k) != theirs.metadata.get(k) {
                keys.insert(k.clone());
            }
        }
        for p in ours.manifests.keys().chain(theirs.manifests.keys()) {
            match (ours.manifests.get(p), theirs.manifests.get(p)) {
                (Some(a), Some(b)) if a.root != b.root => {
                    let ra = self.cache.root(self.base.as_ref(), &a.root)?;
                    let rb = self.cache.root(self.base.as_ref(), &b.root)?;
                    let (x, y, z) = manifest::diff(self.base.as_ref(), &self.cache, &ra, &rb)?;
                    keys.extend(x.iter().chain(&y).chain(&z).map(|r| join(p, r)));
                }
                (Some(_), Some(_)) => {}
                _ => {
                    arrays.insert(p.clone());
                }
            }
        }
        let conflict = |what: &str| {
            Err(Error::Conflict(format!(
                "the branch moved under this commit and both changed {what}; nothing committed \
                 (the changes are kept: retry or reset)"
            )))
        };
        for k in st.pending.keys() {
            if keys.contains(k) || arrays.iter().any(|p| under(k, p)) {
                return conflict(&format!("\"{k}\""));
            }
        }
        for p in &st.cleared {
            if arrays.contains(p) || keys.iter().any(|k| under(k, p)) {
                return conflict(&format!("array \"{p}\""));
            }
        }
        Ok(())
    }
}

impl Store for Session {
    fn id(&self) -> &str {
        &self.id
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        match self.resolve(key)? {
            Found::Bytes(b) => Ok(Some(b)),
            Found::Object(o, _) => Ok(Some(self.base.get(&o)?.ok_or_else(|| Self::missing_object(key, &o))?)),
            Found::Missing => Ok(None),
        }
    }

    fn get_range(&self, key: &str, offset: u64, len: u64) -> Result<Option<Vec<u8>>> {
        match self.resolve(key)? {
            Found::Bytes(b) => {
                let s = (offset.min(b.len() as u64)) as usize;
                let e = (offset.saturating_add(len).min(b.len() as u64)) as usize;
                Ok(Some(b[s..e].to_vec()))
            }
            Found::Object(o, _) => Ok(Some(
                self.base
                    .get_range(&o, offset, len)?
                    .ok_or_else(|| Self::missing_object(key, &o))?,
            )),
            Found::Missing => Ok(None),
        }
    }

    fn get_suffix(&self, key: &str, len: u64) -> Result<Option<Vec<u8>>> {
        match self.resolve(key)? {
            Found::Bytes(mut b) => {
                let start = b.len().saturating_sub(len.min(usize::MAX as u64) as usize);
                b.drain(..start);
                Ok(Some(b))
            }
            Found::Object(o, _) => Ok(Some(
                self.base
                    .get_suffix(&o, len)?
                    .ok_or_else(|| Self::missing_object(key, &o))?,
            )),
            Found::Missing => Ok(None),
        }
    }

    fn exists(&self, key: &str) -> Result<bool> {
        Ok(!matches!(self.resolve(key)?, Found::Missing))
    }

    fn size(&self, key: &str) -> Result<Option<u64>> {
        Ok(match self.resolve(key)? {
            Found::Bytes(b) => Some(b.len() as u64),
            Found::Object(_, n) => Some(n),
            Found::Missing => None,
        })
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<()> {
        self.check_writable()?;
        if is_meta_key(key) {
            let text = String::from_utf8(value.to_vec())
                .map_err(|_| Error::InvalidArgument(format!("metadata document {key} is not UTF-8")))?;
            let mut st = self.st_mut();
            st.pending.insert(key.to_owned(), Change::Meta(text));
            st.refresh_array(key);
            return Ok(());
        }
        if array_of(&self.st().arrays, key).is_none() {
            return Err(Error::InvalidArgument(format!(
                "key \"{key}\" is neither a metadata document nor a chunk of an array in this repository"
            )));
        }
        let c = objects::put_chunk(self.base.as_ref(), value)?;
        self.st_mut().pending.insert(
            key.to_owned(),
            Change::Chunk(Entry {
                cid: c,
                size: value.len() as u64,
            }),
        );
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<()> {
        self.check_writable()?;
        let mut st = self.st_mut();
        st.pending.insert(key.to_owned(), Change::Deleted);
        if is_meta_key(key) {
            st.refresh_array(key);
        }
        Ok(())
    }

    fn delete_prefix(&self, prefix: &str) -> Result<()> {
        self.check_writable()?;
        let mut st = self.st_mut();
        let old: Vec<String> = st.snap.metadata.keys().filter(|k| under(k, prefix)).cloned().collect();
        st.pending.retain(|k, _| !under(k, prefix));
        for k in old {
            st.pending.insert(k, Change::Deleted);
        }
        let gone: Vec<String> = st.snap.manifests.keys().filter(|p| under(p, prefix)).cloned().collect();
        st.cleared.extend(gone);
        st.recompute_arrays();
        Ok(())
    }

    fn rename_prefix(&self, from: &str, to: &str) -> Result<()> {
        self.check_writable()?;
        if from.is_empty() || to.is_empty() || under(to, from) {
            return Err(Error::InvalidArgument(format!("cannot rename \"{from}\" to \"{to}\"")));
        }
        // Chunks move by their content addresses: no chunk data is copied.
        let moved = self.keys_below(from, true)?;
        let mut st = self.st_mut();
        let gone: Vec<String> = st.snap.manifests.keys().filter(|p| under(p, from)).cloned().collect();
        st.cleared.extend(gone);
        for (k, c) in moved {
            let new = format!("{to}{}", &k[from.len()..]);
            st.pending.insert(new, c);
            st.pending.insert(k, Change::Deleted);
        }
        st.recompute_arrays();
        Ok(())
    }

    fn list_dir(&self, prefix: &str) -> Result<Vec<ListEntry>> {
        let keys = self.keys_below(prefix, false)?;
        let mut names: BTreeMap<String, bool> = BTreeMap::new();
        for k in keys.keys() {
            let rest = if prefix.is_empty() {
                k.as_str()
            } else {
                &k[prefix.len() + 1..]
            };
            let (name, dir) = match rest.split_once('/') {
                Some((n, _)) => (n, true),
                None => (rest, false),
            };
            *names.entry(name.to_owned()).or_insert(false) |= dir;
        }
        Ok(names
            .into_iter()
            .map(|(name, is_dir)| ListEntry { name, is_dir })
            .collect())
    }

    fn concurrency(&self) -> usize {
        self.base.concurrency()
    }
}
