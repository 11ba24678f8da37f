//! What a store (a URL) holds: Zarr v2, Zarr v3, NCZarr (netCDF-C's Zarr
//! v2 with its bookkeeping), N5, or nothing. The one place that decides it;
//! every entry point (C API, Fortran, Java, the netCDF plugin) opens through
//! `Group::open_root`, which asks [`detect`].
//!
//! A store need not have root metadata: tensorstore, zarrs, older
//! zarr-python and many pipelines write nodes without a root `zarr.json` /
//! `.zgroup`. The root is then an implicit group when a node exists within
//! [`SCAN_DEPTH`] levels below it, found by a bounded scan of listings
//! (never a walk of a whole disk or bucket: at most [`SCAN_MAX_DIRS`]
//! directories per scan; object store listings are bounded by the prefix).
//! The same rule makes a directory below the root an implicit group.

use super::node::{get_document, V2_ARRAY, V2_ATTRS, V2_GROUP, V3_META};
use super::parse_object;
use super::ZarrFormat;
use crate::error::Result;
use crate::store::{join, Store};
use serde_json::Value;

/// N5's per-node document.
pub const N5_ATTRS: &str = "attributes.json";
/// How many levels below a path a node may be for the path to be an implicit group.
pub const SCAN_DEPTH: usize = 2;
/// The most directories one scan lists.
pub const SCAN_MAX_DIRS: usize = 1000;

/// A container format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    ZarrV2,
    ZarrV3,
    /// Zarr v2 written by netCDF-C (NCZarr markers at the root); read as v2.
    NcZarr,
    N5,
}

impl Kind {
    /// The format nodes of this kind are read and created in.
    pub fn zarr_format(self) -> ZarrFormat {
        match self {
            Kind::ZarrV2 | Kind::NcZarr => ZarrFormat::V2,
            Kind::ZarrV3 => ZarrFormat::V3,
            Kind::N5 => ZarrFormat::N5,
        }
    }
}

/// What [`detect`] found at a store's root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    /// Root metadata of this kind.
    Root(Kind),
    /// No root metadata, but nodes below: the root is an implicit group
    /// whose new children take this kind (v3 when v2 and v3 are mixed).
    Implicit(Kind),
    Nothing,
}

/// What the root of `store` holds. `hint_n5` (a `.n5` URL or `n5://`)
/// makes an N5 root `attributes.json` without the `"n5"` key count too.
pub fn detect(store: &dyn Store, hint_n5: bool) -> Result<Detected> {
    if store.exists(V3_META)? {
        return Ok(Detected::Root(Kind::ZarrV3));
    }
    if store.exists(V2_GROUP)? || store.exists(V2_ARRAY)? {
        return Ok(Detected::Root(if is_nczarr(store)? {
            Kind::NcZarr
        } else {
            Kind::ZarrV2
        }));
    }
    if let Some(doc) = get_document(store, N5_ATTRS)? {
        let n5 = parse_object(&doc, N5_ATTRS).map(|d| d.contains_key("n5") || is_n5_dataset(&d));
        // A root attributes.json that is not JSON is N5's (a clear error later), not "nothing".
        if hint_n5 || n5.unwrap_or(true) {
            return Ok(Detected::Root(Kind::N5));
        }
    }
    Ok(match scan(store, "")? {
        Some(k) => Detected::Implicit(k),
        None => Detected::Nothing,
    })
}

/// netCDF-C's markers: a `.nczarr` file, or `_nczarr_superblock` in the
/// root `.zgroup` or `.zattrs`.
fn is_nczarr(store: &dyn Store) -> Result<bool> {
    if store.exists(".nczarr")? {
        return Ok(true);
    }
    for key in [V2_GROUP, V2_ATTRS] {
        if let Some(b) = get_document(store, key)? {
            if parse_object(&b, key).is_ok_and(|d| d.contains_key("_nczarr_superblock")) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// An N5 dataset's attributes.json has these keys.
pub fn is_n5_dataset(doc: &serde_json::Map<String, Value>) -> bool {
    ["dimensions", "blockSize", "dataType"]
        .iter()
        .all(|k| doc.contains_key(*k))
}

/// The node kind whose document is among `names` (a listing of one
/// directory), v3 first as zarr-python decides.
fn marker(names: &[String]) -> Option<Kind> {
    let has = |n: &str| names.iter().any(|x| x == n);
    if has(V3_META) {
        Some(Kind::ZarrV3)
    } else if has(V2_ARRAY) || has(V2_GROUP) {
        Some(Kind::ZarrV2)
    } else if has(N5_ATTRS) {
        Some(Kind::N5)
    } else {
        None
    }
}

/// One listing for the scan. A listing that fails counts as empty: a store
/// that cannot list (a static HTTP server, a missing bucket) has no
/// implicit groups, and a missing hierarchy stays "not found".
fn list(store: &dyn Store, dir: &str) -> Vec<crate::store::ListEntry> {
    store.list_dir(dir).unwrap_or_default()
}

/// The kind of the nodes within [`SCAN_DEPTH`] levels below `path` (v3 when
/// v3 is among them, else v2, else N5), or None when there is none. Nodes
/// are not entered (their chunks are not listed).
pub fn scan(store: &dyn Store, path: &str) -> Result<Option<Kind>> {
    let mut found: Option<Kind> = None;
    let mut level = vec![path.to_owned()];
    let mut listed = 0;
    for _ in 0..SCAN_DEPTH {
        let mut next = vec![];
        for dir in &level {
            for e in list(store, dir) {
                if !e.is_dir || e.name.starts_with('.') {
                    continue;
                }
                if listed >= SCAN_MAX_DIRS {
                    return Ok(found);
                }
                listed += 1;
                let child = join(dir, &e.name);
                let names: Vec<String> = list(store, &child).into_iter().map(|e| e.name).collect();
                match marker(&names) {
                    Some(Kind::ZarrV3) => return Ok(Some(Kind::ZarrV3)),
                    Some(k) => {
                        found = Some(match found {
                            Some(Kind::ZarrV2) => Kind::ZarrV2,
                            _ => k,
                        })
                    }
                    None => next.push(child),
                }
            }
        }
        level = next;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::MemoryStore;

    fn mem(name: &str) -> std::sync::Arc<dyn Store> {
        MemoryStore::named(name)
    }

    #[test]
    fn root_metadata_implicit_and_nothing() {
        let s = mem("detect-unit");
        assert_eq!(detect(s.as_ref(), false).unwrap(), Detected::Nothing);
        s.set("a/b/c/.zarray", b"{}").unwrap(); // three levels down: beyond the bound
        assert_eq!(detect(s.as_ref(), false).unwrap(), Detected::Nothing);
        s.set("x/y/.zarray", b"{}").unwrap();
        assert_eq!(detect(s.as_ref(), false).unwrap(), Detected::Implicit(Kind::ZarrV2));
        s.set("z/zarr.json", b"{}").unwrap();
        assert_eq!(detect(s.as_ref(), false).unwrap(), Detected::Implicit(Kind::ZarrV3));
        s.set(".zgroup", b"{\"zarr_format\": 2}").unwrap();
        assert_eq!(detect(s.as_ref(), false).unwrap(), Detected::Root(Kind::ZarrV2));
        s.set(".zattrs", b"{\"_nczarr_superblock\": {\"version\": \"2.0.0\"}}")
            .unwrap();
        assert_eq!(detect(s.as_ref(), false).unwrap(), Detected::Root(Kind::NcZarr));
        let n = mem("detect-unit-n5");
        n.set("attributes.json", b"{\"n5\": \"4.0.0\"}").unwrap();
        assert_eq!(detect(n.as_ref(), false).unwrap(), Detected::Root(Kind::N5));
        assert_eq!(scan(s.as_ref(), "x").unwrap(), Some(Kind::ZarrV2));
        assert_eq!(scan(s.as_ref(), "z").unwrap(), None);
    }
}
