//! An in-memory store; `memory://NAME` stores are shared within the process.

use super::{ListEntry, Store};
use crate::error::{Error, Result};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock, Mutex, RwLock};

#[derive(Debug)]
pub struct MemoryStore {
    id: String,
    map: RwLock<BTreeMap<String, Arc<Vec<u8>>>>,
}

/// An anonymous store (not reachable by URL). Each gets its own id: store
/// ids key the chunk locks and the consolidated-metadata generation, so two
/// anonymous stores must not share one.
impl Default for MemoryStore {
    fn default() -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        MemoryStore {
            id: format!("memory-anonymous-{n}"),
            map: Default::default(),
        }
    }
}

static NAMED: LazyLock<Mutex<HashMap<String, Arc<MemoryStore>>>> = LazyLock::new(Default::default);

impl MemoryStore {
    /// The process-wide store of this name, created on first use.
    pub fn named(name: &str) -> Arc<dyn Store> {
        let mut named = NAMED.lock().unwrap_or_else(|e| e.into_inner());
        named
            .entry(name.to_owned())
            .or_insert_with(|| {
                Arc::new(MemoryStore {
                    id: format!("memory://{name}"),
                    map: Default::default(),
                })
            })
            .clone()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Arc<Vec<u8>>>> {
        self.map.read().unwrap_or_else(|e| e.into_inner())
    }
}

impl Store for MemoryStore {
    fn id(&self) -> &str {
        &self.id
    }
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.read().get(key).map(|v| v.as_ref().clone()))
    }
    fn open(&self, key: &str) -> Result<Box<dyn super::ByteSource + '_>> {
        // Values are replaced, never changed in place: keeping the one found pins it.
        Ok(Box::new(super::source::SharedSource {
            key: key.to_owned(),
            data: self.read().get(key).cloned(),
        }))
    }
    fn get_range(&self, key: &str, offset: u64, len: u64) -> Result<Option<Vec<u8>>> {
        Ok(self.read().get(key).map(|v| {
            let start = (offset as usize).min(v.len());
            let end = start.saturating_add(len as usize).min(v.len());
            v[start..end].to_vec()
        }))
    }
    fn get_suffix(&self, key: &str, len: u64) -> Result<Option<Vec<u8>>> {
        Ok(self.read().get(key).map(|v| {
            let start = v.len().saturating_sub(len.min(usize::MAX as u64) as usize);
            v[start..].to_vec()
        }))
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<()> {
        self.map
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_owned(), Arc::new(value.to_vec()));
        Ok(())
    }
    fn delete(&self, key: &str) -> Result<()> {
        self.map.write().unwrap_or_else(|e| e.into_inner()).remove(key);
        Ok(())
    }
    fn delete_prefix(&self, prefix: &str) -> Result<()> {
        let p = format!("{prefix}/");
        self.map
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|k, _| !k.starts_with(&p));
        Ok(())
    }
    fn rename_prefix(&self, from: &str, to: &str) -> Result<()> {
        let (f, t) = (format!("{from}/"), format!("{to}/"));
        // One write lock: other threads see the old layout or the new one.
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        if map.range(t.clone()..).next().is_some_and(|(k, _)| k.starts_with(&t)) {
            return Err(Error::Exists(format!("\"{to}\"")));
        }
        let keys: Vec<String> = map
            .range(f.clone()..)
            .take_while(|(k, _)| k.starts_with(&f))
            .map(|(k, _)| k.clone())
            .collect();
        if keys.is_empty() {
            return Err(Error::NotFound(format!("\"{from}\"")));
        }
        for k in keys {
            let v = map.remove(&k).expect("key listed under the same lock");
            map.insert(format!("{t}{}", &k[f.len()..]), v);
        }
        Ok(())
    }
    fn list_dir(&self, prefix: &str) -> Result<Vec<ListEntry>> {
        let p = if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        };
        let mut out: Vec<ListEntry> = vec![];
        for k in self.read().range(p.clone()..) {
            let Some(rest) = k.0.strip_prefix(&p) else { break };
            let (name, is_dir) = match rest.split_once('/') {
                Some((n, _)) => (n, true),
                None => (rest, false),
            };
            if out.last().is_some_and(|l| l.name == name) {
                continue;
            }
            out.push(ListEntry {
                name: name.to_owned(),
                is_dir,
            });
        }
        out.sort();
        out.dedup_by(|a, b| a.name == b.name);
        Ok(out)
    }
    fn exists(&self, key: &str) -> Result<bool> {
        Ok(self.read().contains_key(key))
    }
    fn put_if(&self, key: &str, value: &[u8], condition: &super::Condition) -> Result<bool> {
        // Check and store under one write lock: atomic for the process.
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        let holds = match (condition, map.get(key)) {
            (super::Condition::Absent, None) => true,
            (super::Condition::Matches(v), Some(now)) => super::Version::of_bytes(now) == *v,
            _ => false,
        };
        if holds {
            map.insert(key.to_owned(), Arc::new(value.to_vec()));
        }
        Ok(holds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_stores_are_shared_and_listable() {
        let a = MemoryStore::named("t-mem-shared");
        a.set("g/zarr.json", b"{}").unwrap();
        a.set("g/x/c/0", b"12345").unwrap();
        let b = MemoryStore::named("t-mem-shared");
        assert_eq!(b.get("g/zarr.json").unwrap().unwrap(), b"{}");
        assert_eq!(b.get_range("g/x/c/0", 1, 2).unwrap().unwrap(), b"23");
        let l = b.list_dir("g").unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(
            l[0],
            ListEntry {
                name: "x".into(),
                is_dir: true
            }
        );
        assert_eq!(
            l[1],
            ListEntry {
                name: "zarr.json".into(),
                is_dir: false
            }
        );
        b.delete("g/x/c/0").unwrap();
        assert!(a.get("g/x/c/0").unwrap().is_none());
        a.set("g/x/zarr.json", b"{}").unwrap();
        a.set("g/xy", b"1").unwrap();
        b.delete_prefix("g/x").unwrap();
        assert!(!a.exists("g/x/zarr.json").unwrap());
        assert!(a.exists("g/xy").unwrap() && a.exists("g/zarr.json").unwrap());
    }
}
