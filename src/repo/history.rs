//! What a session does with the repository's history: refs, the log,
//! diffs from manifests, verification, expiry and garbage collection.

use super::cid::{self, RAW};
use super::manifest::Entry;
use super::objects::{self, CHUNKS, MANIFESTS, SNAPSHOTS};
use super::refs::{self, Kind};
use super::session::Session;
use super::snapshot::{self, Snapshot};
use crate::error::{Error, Result};
use crate::store::join;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

/// The array's rank from its metadata document text (None: not an array).
fn ndim_of(doc: Option<&String>) -> Option<usize> {
    let v = crate::metadata::json::parse(doc?.as_bytes()).ok()?;
    v.get("shape")?.as_array().map(|a| a.len())
}

/// The array's metadata document in a metadata map (v3 first, as reads do).
fn array_doc<'a>(meta: &'a BTreeMap<String, String>, path: &str) -> Option<&'a String> {
    meta.get(&join(path, "zarr.json"))
        .or_else(|| meta.get(&join(path, ".zarray")))
}

/// Grid coordinates of a chunk key relative to its array: v3 `c/1/2` or
/// `c.1.2`, v2 (and v3 "v2" encoding) `1.2` or `1/2`; `c` or `0` for rank 0.
pub fn coords(rel: &str, ndim: usize) -> Option<Vec<u64>> {
    if ndim == 0 {
        return Some(vec![]);
    }
    let body = rel.strip_prefix("c/").or_else(|| rel.strip_prefix("c.")).unwrap_or(rel);
    let c: Vec<u64> = body.split(['/', '.']).map(|p| p.parse().ok()).collect::<Option<_>>()?;
    (c.len() == ndim).then_some(c)
}

fn coord_list(keys: &[String], ndim: usize) -> Value {
    let mut c: Vec<Vec<u64>> = keys.iter().filter_map(|k| coords(k, ndim)).collect();
    c.sort();
    json!(c)
}

/// Whether the metadata of the node at `path` differs between two maps.
fn node_meta_differs(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>, path: &str) -> bool {
    ["zarr.json", ".zarray", ".zattrs"].iter().any(|n| {
        let k = join(path, n);
        a.get(&k) != b.get(&k)
    })
}

impl Session {
    fn resolve_id(&self, id: Option<&str>) -> Result<String> {
        match id {
            Some(id) => {
                cid::check(id, cid::JSON)?;
                Ok(id.to_owned())
            }
            None => self
                .head()
                .ok_or_else(|| Error::InvalidArgument("the session has no snapshot yet".into())),
        }
    }

    fn load(&self, id: &str) -> Result<Snapshot> {
        Snapshot::load(self.base().as_ref(), id)
    }

    /// Make a new tag or branch at `id` (None: the session's snapshot).
    pub fn create_ref(&self, kind: Kind, name: &str, id: Option<&str>) -> Result<()> {
        let key = refs::key(kind, name)?;
        let id = self.resolve_id(id)?;
        self.load(&id)?; // it must exist
        if !refs::compare_and_swap(self.base().as_ref(), &key, None, Some(&id))? {
            return Err(Error::Exists(format!("ref \"{name}\"")));
        }
        Ok(())
    }

    pub fn delete_branch(&self, name: &str) -> Result<()> {
        let key = refs::key(Kind::Branch, name)?;
        if self.branch() == Some(name) {
            return Err(Error::InvalidArgument(format!(
                "branch \"{name}\" is the one this session is on"
            )));
        }
        let cur =
            refs::read(self.base().as_ref(), &key)?.ok_or_else(|| Error::NotFound(format!("branch \"{name}\"")))?;
        if !refs::compare_and_swap(self.base().as_ref(), &key, Some(&cur), None)? {
            return Err(Error::Conflict(format!("branch \"{name}\" moved while being deleted")));
        }
        Ok(())
    }

    /// `{"branches": {name: id}, "tags": {name: id}}`.
    pub fn refs_json(&self) -> Result<Value> {
        let (b, t) = refs::list(self.base().as_ref())?;
        Ok(json!({"branches": b, "tags": t}))
    }

    /// The history from the session's snapshot, newest first; stops where
    /// snapshots were expired.
    pub fn log(&self) -> Result<Value> {
        let mut out = vec![];
        let mut seen = HashSet::new();
        let mut queue: VecDeque<String> = self.head().into_iter().collect();
        while let Some(id) = queue.pop_front() {
            if !seen.insert(id.clone()) {
                continue;
            }
            let s = match self.load(&id) {
                Ok(s) => s,
                Err(Error::NotFound(_)) => continue,
                Err(e) => return Err(e),
            };
            queue.extend(s.parents.iter().cloned());
            out.push(json!({"id": id, "parents": s.parents, "time": s.time, "author": s.author, "message": s.message}));
        }
        Ok(Value::Array(out))
    }

    /// Chunks that differ between two snapshots, per array, from the
    /// manifests alone (None `to`: the session's snapshot; None `from`:
    /// the first parent of `to`).
    pub fn diff(&self, from: Option<&str>, to: Option<&str>) -> Result<Value> {
        let to_id = self.resolve_id(to)?;
        let b = self.load(&to_id)?;
        let a = match from {
            Some(f) => self.load(&self.resolve_id(Some(f))?)?,
            None => match b.parents.first() {
                Some(p) => self.load(p)?,
                None => Snapshot::empty(),
            },
        };
        let store = self.base().as_ref();
        let mut out = Map::new();
        let paths: BTreeSet<&String> = a.manifests.keys().chain(b.manifests.keys()).collect();
        for p in paths {
            let entry = match (a.manifests.get(p), b.manifests.get(p)) {
                (None, Some(_)) => json!({"array": "added"}),
                (Some(_), None) => json!({"array": "removed"}),
                (Some(ma), Some(mb)) => {
                    let meta = node_meta_differs(&a.metadata, &b.metadata, p);
                    if ma.root == mb.root && !meta {
                        continue;
                    }
                    let mut e = Map::new();
                    let ndim = ndim_of(array_doc(&b.metadata, p)).unwrap_or(0);
                    let (removed, added, changed) = if ma.root == mb.root {
                        (vec![], vec![], vec![])
                    } else {
                        let ra = self.cache.root(store, &ma.root)?;
                        let rb = self.cache.root(store, &mb.root)?;
                        super::manifest::diff(store, &self.cache, &ra, &rb)?
                    };
                    e.insert("added".into(), coord_list(&added, ndim));
                    e.insert("removed".into(), coord_list(&removed, ndim));
                    e.insert("changed".into(), coord_list(&changed, ndim));
                    if meta {
                        e.insert("metadata".into(), Value::Bool(true));
                    }
                    Value::Object(e)
                }
                (None, None) => continue,
            };
            out.insert(p.clone(), entry);
        }
        Ok(Value::Object(out))
    }

    /// Chunk coordinates where arrays `pa` and `pb` (same chunk grid) of
    /// the session's current view hold different chunks (or one holds a
    /// chunk and the other none), by content address: `{"differ": [...]}`.
    pub fn diff_arrays(&self, pa: &str, pb: &str) -> Result<Value> {
        let grid = |p: &str| -> Result<(Value, Value)> {
            let doc = self
                .meta_doc(&join(p, "zarr.json"))
                .or_else(|| self.meta_doc(&join(p, ".zarray")))
                .ok_or_else(|| Error::NotFound(format!("array \"{p}\"")))?;
            let v = crate::metadata::json::parse(doc.as_bytes()).map_err(|e| Error::Metadata(format!("{p}: {e}")))?;
            if v.get("node_type").and_then(|t| t.as_str()) == Some("group") {
                return Err(Error::InvalidArgument(format!("\"{p}\" is a group, not an array")));
            }
            let g = v
                .get("chunk_grid")
                .or_else(|| v.get("chunks"))
                .cloned()
                .unwrap_or(Value::Null);
            Ok((v.get("shape").cloned().unwrap_or(Value::Null), g))
        };
        let (sa, ga) = grid(pa)?;
        let (sb, gb) = grid(pb)?;
        if sa != sb || ga != gb {
            return Err(Error::InvalidArgument(format!(
                "arrays \"{pa}\" and \"{pb}\" do not share one chunk grid (shape {sa} / {sb}, chunks {ga} / {gb})"
            )));
        }
        let ndim = sa.as_array().map(|a| a.len()).unwrap_or(0);
        let ea = self.chunk_entries(pa)?;
        let eb = self.chunk_entries(pb)?;
        // Keys are compared by grid coordinates (the two may differ in key encoding).
        let by_coords = |m: BTreeMap<String, Entry>| -> BTreeMap<Vec<u64>, String> {
            m.into_iter()
                .filter_map(|(k, e)| coords(&k, ndim).map(|c| (c, e.cid)))
                .collect()
        };
        let (ca, cb) = (by_coords(ea), by_coords(eb));
        let keys: BTreeSet<&Vec<u64>> = ca.keys().chain(cb.keys()).collect();
        let differ: Vec<&Vec<u64>> = keys.into_iter().filter(|c| ca.get(*c) != cb.get(*c)).collect();
        Ok(json!({ "differ": differ }))
    }

    /// Re-hash every chunk and manifest page reachable from the session's
    /// snapshot: `(report, any bad)`.
    pub fn verify(&self) -> Result<(Value, bool)> {
        let snap = self.snapshot();
        let store = self.base().as_ref();
        let mut checked = 0u64;
        let mut bad = vec![];
        for (p, m) in &snap.manifests {
            let root = match self.cache.root(store, &m.root) {
                Ok(r) => r,
                Err(e) => {
                    bad.push(json!({"key": format!("{MANIFESTS}/{}", m.root), "array": p, "error": e.to_string()}));
                    continue;
                }
            };
            for page in &root.pages {
                let entries = match self.cache.page(store, &page.cid) {
                    Ok(x) => x,
                    Err(e) => {
                        bad.push(
                            json!({"key": format!("{MANIFESTS}/{}", page.cid), "array": p, "error": e.to_string()}),
                        );
                        continue;
                    }
                };
                for (rel, e) in entries.iter() {
                    checked += 1;
                    let ok = store
                        .get(&objects::chunk_key(&e.cid))?
                        .is_some_and(|b| cid::matches(&e.cid, RAW, &b));
                    if !ok {
                        bad.push(json!({"key": join(p, rel), "cid": e.cid}));
                    }
                }
            }
        }
        let any = !bad.is_empty();
        Ok((json!({"checked": checked, "bad": bad}), any))
    }

    /// Every snapshot id stored.
    fn all_snapshots(&self) -> Result<Vec<String>> {
        Ok(self
            .base()
            .list_dir(SNAPSHOTS)?
            .into_iter()
            .filter(|e| !e.is_dir && cid::check(&e.name, cid::JSON).is_ok())
            .map(|e| e.name)
            .collect())
    }

    fn keep_set(&self) -> Result<HashSet<String>> {
        let (b, t) = refs::list(self.base().as_ref())?;
        Ok(b.into_values().chain(t.into_values()).chain(self.head()).collect())
    }

    /// Delete the snapshots older than `older_than_seconds` that no branch
    /// or tag points at (and not the session's own): history before them
    /// is gone; what they alone reached is freed by `gc`.
    pub fn expire(&self, older_than_seconds: i64) -> Result<u64> {
        self.check_maintenance()?;
        let cutoff = cutoff_text(older_than_seconds);
        let keep = self.keep_set()?;
        let mut n = 0;
        for id in self.all_snapshots()? {
            if keep.contains(&id) {
                continue;
            }
            let s = match self.load(&id) {
                Ok(s) => s,
                Err(_) => continue, // not ours to judge; gc leaves it too
            };
            if s.time < cutoff {
                self.base().delete(&format!("{SNAPSHOTS}/{id}"))?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// Delete chunk and manifest objects that no stored snapshot reaches
    /// and that were written more than `older_than_seconds` ago (objects of
    /// commits still in progress are young). Where a store cannot tell an
    /// object's age (memory stores), only `older_than_seconds <= 0` deletes.
    pub fn gc(&self, older_than_seconds: i64) -> Result<u64> {
        self.check_maintenance()?;
        let store = self.base().as_ref();
        let mut reach: HashSet<String> = HashSet::new();
        for id in self.all_snapshots()? {
            let s = self.load(&id)?;
            for m in s.manifests.values() {
                reach.insert(m.root.clone());
                let root = self.cache.root(store, &m.root)?;
                for p in &root.pages {
                    reach.insert(p.cid.clone());
                    for (_, e) in self.cache.page(store, &p.cid)?.iter() {
                        reach.insert(e.cid.clone());
                    }
                }
            }
        }
        let cutoff = std::time::SystemTime::now()
            .checked_sub(std::time::Duration::from_secs(older_than_seconds.max(0) as u64))
            .unwrap_or(std::time::UNIX_EPOCH);
        let mut n = 0;
        for dir in [CHUNKS, MANIFESTS] {
            for e in store.list_dir(dir)? {
                if e.is_dir || reach.contains(&e.name) {
                    continue;
                }
                let key = format!("{dir}/{}", e.name);
                let old = match store.modified(&key)? {
                    Some(t) => t < cutoff || older_than_seconds <= 0,
                    None => older_than_seconds <= 0,
                };
                if old {
                    store.delete(&key)?;
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    fn check_maintenance(&self) -> Result<()> {
        if self.is_writable() {
            Ok(())
        } else {
            Err(Error::ReadOnly(
                "expire and gc need a root opened for writing on a branch".into(),
            ))
        }
    }
}

fn cutoff_text(older_than_seconds: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as i64 - older_than_seconds.max(0);
    snapshot::rfc3339(secs, now.subsec_millis())
}
