//! Branches and tags: small JSON objects `refs/branch.<name>` and
//! `refs/tag.<name>` holding `{"snapshot": "<id>"}`. Every change of a ref
//! goes through [`compare_and_swap`].

use super::cid::{self, JSON};
use crate::error::{Error, Result};
use crate::store::{Condition, Store};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock, Mutex};

pub const DIR: &str = "refs";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Branch,
    Tag,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Branch => "branch.",
            Kind::Tag => "tag.",
        }
    }
}

/// The store key of a ref; names are 1..=255 of `A-Za-z0-9._-`, not
/// starting with `.` (a ref name never leaves `refs/`).
pub fn key(kind: Kind, name: &str) -> Result<String> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && name.bytes().all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c));
    if !ok {
        return Err(Error::InvalidArgument(format!(
            "bad {} name \"{name}\" (1 to 255 of A-Z a-z 0-9 . _ -, not starting with .)",
            match kind {
                Kind::Branch => "branch",
                Kind::Tag => "tag",
            }
        )));
    }
    Ok(format!("{DIR}/{}{name}", kind.prefix()))
}

fn parse(key: &str, bytes: &[u8]) -> Result<String> {
    let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| Error::Metadata(format!("ref {key}: {e}")))?;
    let id = v
        .get("snapshot")
        .and_then(|s| s.as_str())
        .ok_or_else(|| Error::Metadata(format!("ref {key} has no \"snapshot\"")))?;
    cid::check(id, JSON).map_err(|e| e.context(format!("ref {key}")))?;
    Ok(id.to_owned())
}

/// The snapshot a ref points at, or None if the ref does not exist.
pub fn read(store: &dyn Store, key: &str) -> Result<Option<String>> {
    store.get_limited(key, 4096)?.map(|b| parse(key, &b)).transpose()
}

/// Every branch and tag: (branches, tags), name -> snapshot id.
pub fn list(store: &dyn Store) -> Result<(BTreeMap<String, String>, BTreeMap<String, String>)> {
    let (mut branches, mut tags) = (BTreeMap::new(), BTreeMap::new());
    for e in store.list_dir(DIR)? {
        if e.is_dir {
            continue;
        }
        let k = format!("{DIR}/{}", e.name);
        let (target, name) = if let Some(n) = e.name.strip_prefix(Kind::Branch.prefix()) {
            (&mut branches, n)
        } else if let Some(n) = e.name.strip_prefix(Kind::Tag.prefix()) {
            (&mut tags, n)
        } else {
            continue;
        };
        if let Some(id) = read(store, &k)? {
            target.insert(name.to_owned(), id);
        }
    }
    Ok((branches, tags))
}

/// Process-wide locks by (store id, ref key): threads of one process take
/// turns at a ref (the store's own lock covers other processes).
type RefLocks = HashMap<(String, String), Arc<Mutex<()>>>;
static LOCKS: LazyLock<Mutex<RefLocks>> = LazyLock::new(Default::default);

/// Set the ref at `key` to `new` (None: delete it) if it now points at
/// `expected` (None: if it does not exist). Returns whether it was set.
///
/// This is the one place refs change. Threads of one process take turns
/// by a lock per ref. A move is the store's conditional put on the version
/// just read ([`Store::put_if`]: If-Match / If-None-Match on object stores,
/// a lock file and compare on the filesystem), so writers in other
/// processes and on other machines cannot both win. A store without
/// conditional writes gets a plain write under its key lock (a `flock`
/// with `process_locks`). A delete cannot be conditional: it runs under the
/// key lock after the compare (docs/repository.md, "Refs").
pub fn compare_and_swap(store: &dyn Store, key: &str, expected: Option<&str>, new: Option<&str>) -> Result<bool> {
    let lock = LOCKS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry((store.id().to_owned(), key.to_owned()))
        .or_default()
        .clone();
    let _held = lock.lock().unwrap_or_else(|e| e.into_inner());
    let _cross = store.lock_key(key)?;
    let current = store.get_with_version(key)?;
    let (now, version) = match current {
        Some((bytes, v)) => (Some(parse(key, &bytes)?), Some(v)),
        None => (None, None),
    };
    if now.as_deref() != expected {
        return Ok(false);
    }
    match new {
        Some(id) => {
            let doc = serde_json::json!({ "snapshot": id }).to_string();
            match store.put_if(key, doc.as_bytes(), &Condition::from_read(version)) {
                Err(Error::Unsupported(_)) => store.set(key, doc.as_bytes())?,
                r => return r,
            }
        }
        None => store.delete(key)?,
    }
    Ok(true)
}
