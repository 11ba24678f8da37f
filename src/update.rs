//! The one way a node's metadata changes after creation: read its documents
//! with their versions, apply a change, write them back by compare-and-swap
//! ([`Store::put_if`]) and retry on conflict. Attribute puts, merges and
//! deletes, attribute replacement, dimension names, resizes and appends all
//! go through [`update_node`], so two writers changing different parts of
//! one node (threads, processes, machines) lose neither change.
//!
//! Within the process a striped lock per node serialises updaters (no
//! wasted attempts); across processes the store's compare-and-swap does:
//! the filesystem's lock file, the object store's ETag. A v2 node keeps
//! attributes in `.zattrs` and the rest in `.zarray`: each document that
//! changed is swapped on its own (attributes first, as a plain write does);
//! if the second swap conflicts, the change is applied again on what is
//! stored then.

use crate::consolidated;
use crate::error::{Error, Result};
use crate::metadata::node::{self, NodeDoc, V2_ARRAY, V2_ATTRS, V2_GROUP, V3_META};
use crate::metadata::{n5, parse_object, ArrayMetadata, ZarrFormat};
use crate::store::{self, join, update_key, Condition, Store, Update};
use serde_json::{json, Map, Value};
use std::hash::{Hash, Hasher};
use std::sync::{LazyLock, Mutex, MutexGuard};

/// What a change function decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Store the changed document.
    Write,
    /// Nothing to store (the change was already there, or there is none).
    Keep,
}

static NODE_LOCKS: LazyLock<Vec<Mutex<()>>> = LazyLock::new(|| (0..64).map(|_| Mutex::new(())).collect());

fn lock_node(store_id: &str, path: &str) -> MutexGuard<'static, ()> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    join(store_id, path).hash(&mut h);
    NODE_LOCKS[(h.finish() % NODE_LOCKS.len() as u64) as usize]
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// Update the metadata of the node at `path`: `f` gets the node as stored
/// now and changes it in place; it may run several times (once per attempt,
/// each on the then current document), so it must compute from what it is
/// given, not from state of its own. Returns the node as written (or as
/// found, for [`Change::Keep`]). The consolidated metadata is dropped first
/// (as every metadata change does). A missing node is NotFound.
pub fn update_node(
    store: &dyn Store,
    path: &str,
    mut f: impl FnMut(&mut NodeDoc) -> Result<Change>,
) -> Result<NodeDoc> {
    let _g = lock_node(store.id(), path);
    let key = join(path, V3_META);
    let mut result: Option<NodeDoc> = None;
    let mut invalidated = false;
    update_key(store, &key, |bytes| {
        result = None;
        let Some(bytes) = bytes else { return Ok(Update::Keep) };
        let bytes = bounded(bytes, &key)?;
        let mut doc = node::from_v3_doc(&parse_object(bytes, &key)?, &key)?;
        let change = f(&mut doc)?;
        let out = match change {
            Change::Keep => Update::Keep,
            Change::Write => {
                // The root's own document loses its consolidated copy by
                // being rewritten; other nodes drop the root's first.
                if !path.is_empty() && !invalidated {
                    consolidated::invalidate(store, ZarrFormat::V3)?;
                    invalidated = true;
                }
                Update::Put(v3_bytes(&doc))
            }
        };
        result = Some(doc);
        Ok(out)
    })?;
    if let Some(doc) = result {
        consolidated::bump(store.id());
        return Ok(doc);
    }
    update_v2(store, path, f)
}

/// A document within the size bound every metadata read keeps
/// ([`node::get_document`]).
fn bounded<'a>(bytes: &'a [u8], key: &str) -> Result<&'a [u8]> {
    match bytes.len() as u64 > node::MAX_DOCUMENT_BYTES {
        true => Err(Error::Metadata(format!(
            "{key}: document is larger than {} bytes",
            node::MAX_DOCUMENT_BYTES
        ))),
        false => Ok(bytes),
    }
}

/// A v3 node's `zarr.json`, as [`node::write_group`] / [`node::write_array`] write it.
fn v3_bytes(doc: &NodeDoc) -> Vec<u8> {
    match doc {
        NodeDoc::Group { attributes, .. } => node::pretty(&json!({
            "zarr_format": 3, "node_type": "group", "attributes": attributes
        })),
        NodeDoc::Array(m) => node::pretty(&m.to_v3()),
    }
}

/// A v2 node's `.zarray` / `.zgroup` text and its attributes, as
/// [`node::write_array`] writes them (dimension names as `_ARRAY_DIMENSIONS`).
fn v2_docs(doc: &NodeDoc) -> Result<(Vec<u8>, Map<String, Value>)> {
    match doc {
        NodeDoc::Group { attributes, .. } => Ok((node::pretty(&json!({"zarr_format": 2})), attributes.clone())),
        NodeDoc::Array(m) => {
            let mut attrs = m.attributes.clone();
            if let Some(names) = &m.dimension_names {
                if !attrs.contains_key("_ARRAY_DIMENSIONS") && names.iter().all(Option::is_some) {
                    attrs.insert("_ARRAY_DIMENSIONS".into(), json!(names));
                }
            }
            Ok((node::pretty(&m.to_v2()?), attrs))
        }
    }
}

/// A conditional put; stores without conditional writes get a plain one.
fn put_checked(store: &dyn Store, key: &str, value: &[u8], condition: &Condition) -> Result<bool> {
    match store.put_if(key, value, condition) {
        Err(Error::Unsupported(_)) => store.set(key, value).map(|_| true),
        r => r,
    }
}

fn update_v2(store: &dyn Store, path: &str, mut f: impl FnMut(&mut NodeDoc) -> Result<Change>) -> Result<NodeDoc> {
    let (akey, gkey, attrs_key) = (join(path, V2_ARRAY), join(path, V2_GROUP), join(path, V2_ATTRS));
    for attempt in 0..store::MAX_UPDATE_ATTEMPTS {
        let (main_key, (main, main_version)) = match store.get_with_version(&akey)? {
            Some(x) => (&akey, x),
            None => match store.get_with_version(&gkey)? {
                Some(x) => (&gkey, x),
                // Neither v3 nor v2: an N5 node, or nothing.
                None => return update_n5(store, path, &mut f),
            },
        };
        let attrs_read = store.get_with_version(&attrs_key)?;
        let attrs = match &attrs_read {
            Some((b, _)) => bounded(b, &attrs_key).and_then(|b| parse_object(b, &attrs_key)),
            None => Ok(Map::new()),
        };
        let main_doc = parse_object(bounded(&main, main_key)?, main_key)?;
        let mut doc = if main_key == &akey {
            // A bad .zattrs leaves the rest of the array changeable, as it
            // leaves it readable (`ArrayMetadata::attributes_error`).
            let (attrs, error) = match attrs {
                Ok(a) => (a, None),
                Err(Error::Metadata(m)) => (Map::new(), Some(m)),
                Err(e) => return Err(e),
            };
            let mut doc = node::from_v2_array(&main_doc, attrs, main_key)?;
            if let NodeDoc::Array(m) = &mut doc {
                m.attributes_error = error;
            }
            doc
        } else {
            node::from_v2_group(&main_doc, attrs?, main_key)?
        };
        let before = v2_docs(&doc)?;
        if f(&mut doc)? == Change::Keep {
            return Ok(doc);
        }
        let after = v2_docs(&doc)?;
        consolidated::invalidate(store, ZarrFormat::V2)?;
        if after.1 != before.1 {
            // An emptied `.zattrs` becomes `{}`: deleting is not conditional.
            let text = node::pretty(&Value::Object(after.1.clone()));
            let cond = Condition::from_read(attrs_read.map(|(_, v)| v));
            if !put_checked(store, &attrs_key, &text, &cond)? {
                store::backoff(attempt);
                continue;
            }
        }
        if after.0 != before.0 && !put_checked(store, main_key, &after.0, &Condition::Matches(main_version))? {
            store::backoff(attempt);
            continue;
        }
        consolidated::bump(store.id());
        return Ok(doc);
    }
    Err(Error::Io(format!(
        "updating the metadata of \"{path}\" at {}: gave up after {} conflicting writes by others",
        store.id(),
        store::MAX_UPDATE_ATTEMPTS
    )))
}

/// An N5 node's `attributes.json` (N5 keys and user attributes in one
/// document) changed by compare-and-swap as a v3 `zarr.json` is.
fn update_n5(store: &dyn Store, path: &str, mut f: impl FnMut(&mut NodeDoc) -> Result<Change>) -> Result<NodeDoc> {
    let key = join(path, node::N5_ATTRS);
    let mut result: Option<NodeDoc> = None;
    update_key(store, &key, |bytes| {
        result = None;
        let Some(bytes) = bytes else { return Ok(Update::Keep) };
        let doc = parse_object(bounded(bytes, &key)?, &key)?;
        let mut node = if n5::is_dataset(&doc) {
            NodeDoc::Array(Box::new(n5::from_n5(&doc, &key)?))
        } else {
            NodeDoc::Group {
                format: ZarrFormat::N5,
                attributes: n5::group_attributes(doc),
            }
        };
        let out = match f(&mut node)? {
            Change::Keep => Update::Keep,
            Change::Write => Update::Put(node::pretty(&match &node {
                NodeDoc::Array(m) => m.to_n5()?,
                NodeDoc::Group { attributes, .. } => n5::group_doc(path.is_empty(), attributes),
            })),
        };
        result = Some(node);
        Ok(out)
    })?;
    let doc = result.ok_or_else(|| Error::NotFound(format!("node \"{path}\"")))?;
    consolidated::bump(store.id());
    Ok(doc)
}

/// [`update_node`] for an array: `f` changes its metadata. A node that is
/// not an array (deleted and replaced by a group) is NotFound.
pub fn update_array(
    store: &dyn Store,
    path: &str,
    mut f: impl FnMut(&mut ArrayMetadata) -> Result<Change>,
) -> Result<ArrayMetadata> {
    let not_array = || Error::NotFound(format!("array \"{path}\" was deleted"));
    match update_node(store, path, |doc| match doc {
        NodeDoc::Array(m) => f(m),
        NodeDoc::Group { .. } => Err(not_array()),
    })? {
        NodeDoc::Array(m) => Ok(*m),
        NodeDoc::Group { .. } => Err(not_array()),
    }
}

/// [`update_node`] on the attributes of any node. An array whose stored
/// attributes cannot be read refuses changes to them
/// (`ArrayMetadata::checked_attributes`); [`replace_attributes`] mends it.
pub fn update_attributes(
    store: &dyn Store,
    path: &str,
    mut f: impl FnMut(&mut Map<String, Value>) -> Result<Change>,
) -> Result<NodeDoc> {
    update_node(store, path, |doc| match doc {
        NodeDoc::Group { attributes, .. } => f(attributes),
        NodeDoc::Array(m) => {
            m.checked_attributes()?;
            let change = f(&mut m.attributes)?;
            if m.format == ZarrFormat::V2 {
                sync_v2_dimension_names(m);
            }
            Ok(change)
        }
    })
}

/// Replace the attributes of any node (unreadable ones included).
pub fn replace_attributes(store: &dyn Store, path: &str, attrs: &Map<String, Value>) -> Result<NodeDoc> {
    update_node(store, path, |doc| {
        match doc {
            NodeDoc::Group { attributes, .. } => *attributes = attrs.clone(),
            NodeDoc::Array(m) => {
                m.replace_attributes(attrs.clone());
                if m.format == ZarrFormat::V2 {
                    sync_v2_dimension_names(m);
                }
            }
        }
        Ok(Change::Write)
    })
}

/// v2 keeps dimension names in the attributes (xarray's `_ARRAY_DIMENSIONS`):
/// after the attributes changed, the names follow them.
pub fn sync_v2_dimension_names(m: &mut ArrayMetadata) {
    m.dimension_names = m
        .attributes
        .get("_ARRAY_DIMENSIONS")
        .and_then(Value::as_array)
        .filter(|a| a.len() == m.shape.len())
        .map(|a| a.iter().map(|n| n.as_str().map(str::to_owned)).collect());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::MemoryStore;

    #[test]
    fn v3_and_v2_updates_keep_other_parts() {
        for format in [ZarrFormat::V3, ZarrFormat::V2] {
            let s = MemoryStore::default();
            let mut attrs = Map::new();
            attrs.insert("a".into(), json!(1));
            node::write_group(&s, "g", format, &attrs).unwrap();
            let doc = update_attributes(&s, "g", |a| {
                a.insert("b".into(), json!(2));
                Ok(Change::Write)
            })
            .unwrap();
            let NodeDoc::Group { attributes, .. } = doc else {
                panic!()
            };
            assert_eq!(attributes.len(), 2);
            let Some(NodeDoc::Group { attributes, .. }) = node::read(&s, "g").unwrap() else {
                panic!()
            };
            assert_eq!(attributes.get("a"), Some(&json!(1)));
            assert_eq!(attributes.get("b"), Some(&json!(2)));
            assert!(matches!(
                update_attributes(&s, "nope", |_| Ok(Change::Write)),
                Err(Error::NotFound(_))
            ));
        }
    }

    #[test]
    fn threads_updating_two_attributes_lose_neither() {
        // Separate store handles over one named store: the in-process lock
        // is keyed by the store id, so this also runs the swap itself.
        let s = MemoryStore::named("t-update-threads");
        node::write_group(s.as_ref(), "", ZarrFormat::V3, &Map::new()).unwrap();
        std::thread::scope(|sc| {
            for name in ["x", "y"] {
                let s = s.clone();
                sc.spawn(move || {
                    for i in 0..200 {
                        update_attributes(s.as_ref(), "", |a| {
                            a.insert(format!("{name}{i}"), json!(i));
                            Ok(Change::Write)
                        })
                        .unwrap();
                    }
                });
            }
        });
        let Some(NodeDoc::Group { attributes, .. }) = node::read(s.as_ref(), "").unwrap() else {
            panic!()
        };
        assert_eq!(attributes.len(), 400);
    }

    /// A store whose first conditional writes of a key fail as if another
    /// writer got there first (it then really writes a change of its own).
    #[derive(Debug)]
    struct Racing {
        inner: MemoryStore,
        races: std::sync::atomic::AtomicU32,
    }

    impl Store for Racing {
        fn id(&self) -> &str {
            self.inner.id()
        }
        fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
            self.inner.get(key)
        }
        fn get_range(&self, key: &str, offset: u64, len: u64) -> Result<Option<Vec<u8>>> {
            self.inner.get_range(key, offset, len)
        }
        fn set(&self, key: &str, value: &[u8]) -> Result<()> {
            self.inner.set(key, value)
        }
        fn delete(&self, key: &str) -> Result<()> {
            self.inner.delete(key)
        }
        fn delete_prefix(&self, prefix: &str) -> Result<()> {
            self.inner.delete_prefix(prefix)
        }
        fn list_dir(&self, prefix: &str) -> Result<Vec<store::ListEntry>> {
            self.inner.list_dir(prefix)
        }
        fn put_if(&self, key: &str, value: &[u8], condition: &Condition) -> Result<bool> {
            use std::sync::atomic::Ordering;
            if self.races.load(Ordering::SeqCst) > 0 {
                self.races.fetch_sub(1, Ordering::SeqCst);
                // The other writer: one more attribute, written plainly.
                let Some(NodeDoc::Group { mut attributes, .. }) = node::read(&self.inner, "")? else {
                    panic!()
                };
                let n = attributes.len();
                attributes.insert(format!("other{n}"), json!(n));
                let doc = json!({"zarr_format": 3, "node_type": "group", "attributes": attributes});
                self.inner.set(key, &node::pretty(&doc))?;
            }
            self.inner.put_if(key, value, condition)
        }
    }

    #[test]
    fn conflicts_retry_on_the_new_document() {
        let s = Racing {
            inner: MemoryStore::default(),
            races: std::sync::atomic::AtomicU32::new(3),
        };
        node::write_group(&s.inner, "", ZarrFormat::V3, &Map::new()).unwrap();
        let mut calls = 0;
        update_attributes(&s, "", |a| {
            calls += 1;
            a.insert("mine".into(), json!(true));
            Ok(Change::Write)
        })
        .unwrap();
        assert_eq!(calls, 4, "three conflicts, then the swap");
        let Some(NodeDoc::Group { attributes, .. }) = node::read(&s.inner, "").unwrap() else {
            panic!()
        };
        let keys: Vec<&str> = attributes.keys().map(String::as_str).collect();
        assert_eq!(keys, ["other0", "other1", "other2", "mine"]);
    }
}
