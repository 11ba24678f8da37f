//! Manifests: an array version's chunk key -> (CID, size) map, as a
//! two-level Merkle tree of content-addressed JSON pages
//! (docs/repository.md, "Manifests").
//!
//! Keys are sorted bytewise and a page ends after every key whose sha2-256
//! starts with a zero byte (about 256 entries a page). The boundaries depend
//! only on the keys themselves, so the page split of a set of entries is
//! canonical (equal manifests have equal root CIDs) and a change of one
//! chunk rewrites the one page that holds it and the root.

use super::cid::{self, JSON};
use super::objects;
use crate::error::{Error, Result};
use crate::store::Store;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// A chunk's content address and stored size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub cid: String,
    pub size: u64,
}

/// One leaf page: entries sorted by key.
pub type Page = Vec<(String, Entry)>;

/// The root page: the leaf pages in key order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Root {
    pub pages: Vec<PageRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRef {
    pub first: String,
    pub last: String,
    pub count: u64,
    pub cid: String,
}

#[derive(Serialize, Deserialize)]
struct PageDoc {
    entries: Vec<(String, String, u64)>,
}

impl Root {
    pub fn chunks(&self) -> u64 {
        self.pages.iter().map(|p| p.count).sum()
    }

    /// The index of the page whose key range holds `key`, if any.
    pub fn page_of(&self, key: &str) -> Option<usize> {
        let i = self.pages.partition_point(|p| p.last.as_str() < key);
        self.pages.get(i).filter(|p| p.first.as_str() <= key).map(|_| i)
    }

    /// The page a new `key` belongs to: the first whose range ends at or
    /// after it, else the last page.
    fn home_of(&self, key: &str) -> usize {
        self.pages
            .partition_point(|p| p.last.as_str() < key)
            .min(self.pages.len().saturating_sub(1))
    }
}

/// Whether a page ends after `key`.
fn is_boundary(key: &str) -> bool {
    Sha256::digest(key.as_bytes())[0] == 0
}

/// Parsed pages and roots by CID (content-addressed, so never stale).
#[derive(Debug, Default)]
pub struct Cache {
    pages: Mutex<HashMap<String, Arc<Page>>>,
    roots: Mutex<HashMap<String, Arc<Root>>>,
}

impl Cache {
    pub fn root(&self, store: &dyn Store, cid_text: &str) -> Result<Arc<Root>> {
        if let Some(r) = self.roots.lock().unwrap_or_else(|e| e.into_inner()).get(cid_text) {
            return Ok(r.clone());
        }
        let bytes = objects::get_doc(store, cid_text)?;
        let root: Root =
            serde_json::from_slice(&bytes).map_err(|e| Error::Metadata(format!("manifest root {cid_text}: {e}")))?;
        let root = Arc::new(root);
        self.roots
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(cid_text.to_owned(), root.clone());
        Ok(root)
    }

    pub fn page(&self, store: &dyn Store, cid_text: &str) -> Result<Arc<Page>> {
        if let Some(p) = self.pages.lock().unwrap_or_else(|e| e.into_inner()).get(cid_text) {
            return Ok(p.clone());
        }
        let bytes = objects::get_doc(store, cid_text)?;
        let doc: PageDoc =
            serde_json::from_slice(&bytes).map_err(|e| Error::Metadata(format!("manifest page {cid_text}: {e}")))?;
        let page: Page = doc
            .entries
            .into_iter()
            .map(|(k, c, size)| (k, Entry { cid: c, size }))
            .collect();
        let page = Arc::new(page);
        self.pages
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(cid_text.to_owned(), page.clone());
        Ok(page)
    }

    /// The entry of `key` in the manifest `root`, reading one page.
    pub fn lookup(&self, store: &dyn Store, root: &Root, key: &str) -> Result<Option<Entry>> {
        let Some(i) = root.page_of(key) else { return Ok(None) };
        let page = self.page(store, &root.pages[i].cid)?;
        Ok(page
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|j| page[j].1.clone()))
    }

    /// Every entry of a manifest, in key order.
    pub fn all(&self, store: &dyn Store, root: &Root) -> Result<Vec<(String, Entry)>> {
        let mut out = Vec::with_capacity(root.chunks() as usize);
        for p in &root.pages {
            out.extend(self.page(store, &p.cid)?.iter().cloned());
        }
        Ok(out)
    }
}

/// Write one leaf page (skipped when the object exists) and describe it.
fn write_page(store: &dyn Store, entries: &[(String, Entry)]) -> Result<PageRef> {
    let doc = PageDoc {
        entries: entries
            .iter()
            .map(|(k, e)| (k.clone(), e.cid.clone(), e.size))
            .collect(),
    };
    let bytes = serde_json::to_vec(&doc).map_err(|e| Error::Internal(e.to_string()))?;
    let c = objects::put_doc(store, &bytes)?;
    Ok(PageRef {
        first: entries[0].0.clone(),
        last: entries[entries.len() - 1].0.clone(),
        count: entries.len() as u64,
        cid: c,
    })
}

/// Split sorted entries at the boundary keys and write the pages.
fn write_split(store: &dyn Store, entries: &[(String, Entry)], out: &mut Vec<PageRef>) -> Result<()> {
    let mut start = 0;
    for (i, (k, _)) in entries.iter().enumerate() {
        if is_boundary(k) {
            out.push(write_page(store, &entries[start..=i])?);
            start = i + 1;
        }
    }
    if start < entries.len() {
        out.push(write_page(store, &entries[start..])?);
    }
    Ok(())
}

/// Write the root page; its CID names the manifest.
pub fn write_root(store: &dyn Store, root: &Root) -> Result<String> {
    let bytes = serde_json::to_vec(root).map_err(|e| Error::Internal(e.to_string()))?;
    objects::put_doc(store, &bytes)
}

/// The manifest `base` (None: empty) with `changes` applied (None removes
/// a key). Only the pages whose key ranges the changes fall into are read
/// and rewritten; the result is the canonical split of the new entries.
pub fn update(
    store: &dyn Store,
    cache: &Cache,
    base: Option<&Root>,
    changes: &BTreeMap<String, Option<Entry>>,
) -> Result<Root> {
    let empty = Root::default();
    let base = base.unwrap_or(&empty);
    if base.pages.is_empty() {
        let entries: Vec<(String, Entry)> = changes
            .iter()
            .filter_map(|(k, e)| e.clone().map(|e| (k.clone(), e)))
            .collect();
        let mut pages = vec![];
        write_split(store, &entries, &mut pages)?;
        return Ok(Root { pages });
    }
    let n = base.pages.len();
    let mut affected = vec![false; n];
    for k in changes.keys() {
        affected[base.home_of(k)] = true;
    }
    // A page whose last (boundary) key goes away merges with the next one.
    for i in 0..n - 1 {
        if affected[i] && matches!(changes.get(&base.pages[i].last), Some(None)) {
            affected[i + 1] = true;
        }
    }
    let mut pages = Vec::with_capacity(n + 1);
    let mut i = 0;
    while i < n {
        if !affected[i] {
            pages.push(base.pages[i].clone());
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < n && affected[j + 1] {
            j += 1;
        }
        // Pages i..=j and the changes that fall in their range.
        let mut merged: BTreeMap<String, Entry> = BTreeMap::new();
        for p in &base.pages[i..=j] {
            for (k, e) in cache.page(store, &p.cid)?.iter() {
                merged.insert(k.clone(), e.clone());
            }
        }
        let lo = if i == 0 {
            None
        } else {
            Some(base.pages[i - 1].last.as_str())
        };
        let hi = if j + 1 == n {
            None
        } else {
            Some(base.pages[j].last.as_str())
        };
        for (k, e) in changes {
            let inside = lo.is_none_or(|lo| k.as_str() > lo) && hi.is_none_or(|hi| k.as_str() <= hi);
            if inside {
                match e {
                    Some(e) => merged.insert(k.clone(), e.clone()),
                    None => merged.remove(k),
                };
            }
        }
        let entries: Vec<(String, Entry)> = merged.into_iter().collect();
        write_split(store, &entries, &mut pages)?;
        i = j + 1;
    }
    Ok(Root { pages })
}

/// Keys that differ between two manifests: (only in `a`, only in `b`, in
/// both with different content). Reads only the pages whose CIDs the other
/// manifest lacks.
pub fn diff(store: &dyn Store, cache: &Cache, a: &Root, b: &Root) -> Result<(Vec<String>, Vec<String>, Vec<String>)> {
    let in_a: std::collections::HashSet<&str> = a.pages.iter().map(|p| p.cid.as_str()).collect();
    let in_b: std::collections::HashSet<&str> = b.pages.iter().map(|p| p.cid.as_str()).collect();
    let mut ea: BTreeMap<String, Entry> = BTreeMap::new();
    for p in a.pages.iter().filter(|p| !in_b.contains(p.cid.as_str())) {
        ea.extend(cache.page(store, &p.cid)?.iter().cloned());
    }
    let mut eb: BTreeMap<String, Entry> = BTreeMap::new();
    for p in b.pages.iter().filter(|p| !in_a.contains(p.cid.as_str())) {
        eb.extend(cache.page(store, &p.cid)?.iter().cloned());
    }
    let (mut only_a, mut only_b, mut changed) = (vec![], vec![], vec![]);
    for (k, e) in &ea {
        match eb.get(k) {
            None => only_a.push(k.clone()),
            Some(f) if f.cid != e.cid => changed.push(k.clone()),
            Some(_) => {}
        }
    }
    for k in eb.keys() {
        if !ea.contains_key(k) {
            only_b.push(k.clone());
        }
    }
    Ok((only_a, only_b, changed))
}

/// The CID a manifest page or root is stored under (for verification).
pub fn doc_cid(bytes: &[u8]) -> String {
    cid::cid(JSON, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::MemoryStore;

    fn entry(i: u64) -> Entry {
        Entry {
            cid: cid::cid(cid::RAW, &i.to_le_bytes()),
            size: i,
        }
    }

    #[test]
    fn incremental_updates_are_canonical() {
        let store = MemoryStore::named("t-manifest-canonical");
        let cache = Cache::default();
        let mut all: BTreeMap<String, Option<Entry>> = BTreeMap::new();
        for i in 0..3000u64 {
            all.insert(format!("c/{i}"), Some(entry(i)));
        }
        let r0 = update(store.as_ref(), &cache, None, &all).unwrap();
        assert!(r0.pages.len() > 3, "{} pages", r0.pages.len());
        assert_eq!(r0.chunks(), 3000);
        // Delete every boundary key of the first pages, change some, add some.
        let mut ch: BTreeMap<String, Option<Entry>> = BTreeMap::new();
        for p in &r0.pages[..3] {
            ch.insert(p.last.clone(), None);
        }
        ch.insert("c/17".into(), Some(entry(99999)));
        for i in 5000..5300u64 {
            ch.insert(format!("c/{i}"), Some(entry(i)));
        }
        ch.insert("a".into(), Some(entry(1)));
        let r1 = update(store.as_ref(), &cache, Some(&r0), &ch).unwrap();
        let mut expect = all.clone();
        for (k, v) in &ch {
            expect.insert(k.clone(), v.clone());
        }
        expect.retain(|_, v| v.is_some());
        let full = update(store.as_ref(), &cache, None, &expect).unwrap();
        assert_eq!(r1, full, "an incremental update gives the canonical split");
        let got = cache.all(store.as_ref(), &r1).unwrap();
        assert_eq!(got.len(), expect.len());
        assert_eq!(cache.lookup(store.as_ref(), &r1, "c/17").unwrap(), Some(entry(99999)));
        assert_eq!(cache.lookup(store.as_ref(), &r1, &r0.pages[0].last).unwrap(), None);
        let (a, b, c) = diff(store.as_ref(), &cache, &r0, &r1).unwrap();
        assert_eq!(a.len(), 3);
        assert_eq!(b.len(), 301);
        assert_eq!(c, vec!["c/17".to_string()]);
    }
}
