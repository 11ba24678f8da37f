//! Where a node's documents live in a store, and reading/writing them.
//! v3: `<path>/zarr.json`; v2: `<path>/.zgroup` or `<path>/.zarray`, plus `.zattrs`.

pub use super::detect::N5_ATTRS;
use super::{parse_object, ArrayMetadata, ZarrFormat};
use crate::error::{Error, Result};
use crate::store::{join, Store};
use serde_json::{json, Map, Value};

/// What a group member is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Group,
    Array,
}

impl NodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Group => "group",
            NodeKind::Array => "array",
        }
    }
}

pub const V3_META: &str = "zarr.json";
pub const V2_ARRAY: &str = ".zarray";
pub const V2_GROUP: &str = ".zgroup";
pub const V2_ATTRS: &str = ".zattrs";
pub const V2_CONSOLIDATED: &str = ".zmetadata";

/// The largest metadata document read (`zarr.json`, `.zarray`, `.zgroup`,
/// `.zattrs`, `.zmetadata`, consolidated metadata included): 64 MiB, far
/// above what zarr-python writes for hierarchies of thousands of arrays.
/// A larger one is `Error::Metadata`, found without reading it whole.
pub(crate) const MAX_DOCUMENT_BYTES: u64 = 64 << 20;

/// A metadata document's bytes, None when missing: bounded by
/// [`MAX_DOCUMENT_BYTES`]; a directory where the document should be is
/// `Error::Metadata` (not a missing node).
pub fn get_document(store: &dyn Store, key: &str) -> Result<Option<Vec<u8>>> {
    match store.get_limited(key, MAX_DOCUMENT_BYTES)? {
        Some(b) if b.len() as u64 > MAX_DOCUMENT_BYTES => Err(Error::Metadata(format!(
            "{key}: document is larger than {MAX_DOCUMENT_BYTES} bytes"
        ))),
        Some(b) => Ok(Some(b)),
        None if store.is_directory(key) => Err(Error::Metadata(format!(
            "{key}: is a directory, not a metadata document"
        ))),
        None => Ok(None),
    }
}

/// What is stored at a node path.
#[derive(Debug, Clone)]
pub enum NodeDoc {
    Group {
        format: ZarrFormat,
        attributes: Map<String, Value>,
    },
    Array(Box<ArrayMetadata>),
}

pub fn read_attrs_v2(store: &dyn Store, path: &str) -> Result<Map<String, Value>> {
    let key = join(path, V2_ATTRS);
    match get_document(store, &key)? {
        None => Ok(Map::new()),
        Some(b) => parse_object(&b, &key),
    }
}

/// Parse a v3 `zarr.json` document (`key` names it in errors).
pub fn from_v3_doc(doc: &Map<String, Value>, key: &str) -> Result<NodeDoc> {
    match doc.get("node_type").and_then(Value::as_str) {
        Some("group") => {
            if doc.get("zarr_format").and_then(Value::as_u64) != Some(3) {
                return Err(Error::Metadata(format!("{key}: zarr_format is not 3")));
            }
            let attributes = match doc.get("attributes") {
                None => Map::new(),
                Some(Value::Object(m)) => m.clone(),
                Some(_) => return Err(Error::Metadata(format!("{key}: attributes must be an object"))),
            };
            Ok(NodeDoc::Group {
                format: ZarrFormat::V3,
                attributes,
            })
        }
        Some("array") => Ok(NodeDoc::Array(Box::new(
            ArrayMetadata::from_v3(doc).map_err(|e| e.context(key))?,
        ))),
        _ => Err(Error::Metadata(format!(
            "{key}: node_type is not \"group\" or \"array\""
        ))),
    }
}

/// Parse a v2 `.zarray` document with its attributes.
pub fn from_v2_array(doc: &Map<String, Value>, attrs: Map<String, Value>, key: &str) -> Result<NodeDoc> {
    Ok(NodeDoc::Array(Box::new(
        ArrayMetadata::from_v2(doc, attrs).map_err(|e| e.context(key))?,
    )))
}

/// Parse a v2 `.zgroup` document with its attributes.
pub fn from_v2_group(doc: &Map<String, Value>, attrs: Map<String, Value>, key: &str) -> Result<NodeDoc> {
    if doc.get("zarr_format").and_then(Value::as_u64) != Some(2) {
        return Err(Error::Metadata(format!("{key}: zarr_format is not 2")));
    }
    Ok(NodeDoc::Group {
        format: ZarrFormat::V2,
        attributes: attrs,
    })
}

/// Read the node at `path`, or None when no metadata document is there.
pub fn read(store: &dyn Store, path: &str) -> Result<Option<NodeDoc>> {
    let key = join(path, V3_META);
    if let Some(bytes) = get_document(store, &key)? {
        return from_v3_doc(&parse_object(&bytes, &key)?, &key).map(Some);
    }
    let akey = join(path, V2_ARRAY);
    if let Some(bytes) = get_document(store, &akey)? {
        let doc = parse_object(&bytes, &akey)?;
        // A bad .zattrs leaves the data readable (see attributes_error).
        let (attrs, error) = match read_attrs_v2(store, path) {
            Ok(a) => (a, None),
            Err(Error::Metadata(m)) => (Map::new(), Some(m)),
            Err(e) => return Err(e),
        };
        let mut node = from_v2_array(&doc, attrs, &akey)?;
        if let NodeDoc::Array(meta) = &mut node {
            meta.attributes_error = error;
        }
        return Ok(Some(node));
    }
    let gkey = join(path, V2_GROUP);
    if let Some(bytes) = get_document(store, &gkey)? {
        let doc = parse_object(&bytes, &gkey)?;
        return from_v2_group(&doc, read_attrs_v2(store, path)?, &gkey).map(Some);
    }
    read_n5(store, path)
}

/// The N5 node at `path` (its attributes.json), None when it has none.
/// Probed after the Zarr documents: Zarr wins where a path has both.
pub fn read_n5(store: &dyn Store, path: &str) -> Result<Option<NodeDoc>> {
    let key = join(path, N5_ATTRS);
    let Some(bytes) = get_document(store, &key)? else {
        return Ok(None);
    };
    let doc = parse_object(&bytes, &key)?;
    if super::n5::is_dataset(&doc) {
        return Ok(Some(NodeDoc::Array(Box::new(super::n5::from_n5(&doc, &key)?))));
    }
    Ok(Some(NodeDoc::Group {
        format: ZarrFormat::N5,
        attributes: super::n5::group_attributes(doc),
    }))
}

/// The kind of the node at `path` without parsing array metadata fully
/// (used for listings).
pub fn kind(store: &dyn Store, path: &str) -> Result<Option<&'static str>> {
    let key = join(path, V3_META);
    if let Some(bytes) = get_document(store, &key)? {
        let doc = parse_object(&bytes, &key)?;
        return Ok(match doc.get("node_type").and_then(Value::as_str) {
            Some("group") => Some("group"),
            Some("array") => Some("array"),
            _ => None,
        });
    }
    if store.exists(&join(path, V2_ARRAY))? {
        return Ok(Some("array"));
    }
    if store.exists(&join(path, V2_GROUP))? {
        return Ok(Some("group"));
    }
    let key = join(path, N5_ATTRS);
    if let Some(bytes) = get_document(store, &key)? {
        let doc = parse_object(&bytes, &key)?;
        return Ok(Some(if super::n5::is_dataset(&doc) { "array" } else { "group" }));
    }
    Ok(None)
}

pub(crate) fn pretty(v: &Value) -> Vec<u8> {
    super::json::to_pretty(v)
}

pub fn write_group(store: &dyn Store, path: &str, format: ZarrFormat, attributes: &Map<String, Value>) -> Result<()> {
    super::consolidated::invalidate(store, format)?;
    match format {
        ZarrFormat::N5 => store.set(
            &join(path, N5_ATTRS),
            &pretty(&super::n5::group_doc(path.is_empty(), attributes)),
        ),
        ZarrFormat::V3 => store.set(
            &join(path, V3_META),
            &pretty(&json!({"zarr_format": 3, "node_type": "group", "attributes": attributes})),
        ),
        ZarrFormat::V2 => {
            store.set(&join(path, V2_GROUP), &pretty(&json!({"zarr_format": 2})))?;
            write_attrs_v2(store, path, attributes)
        }
    }
}

fn write_attrs_v2(store: &dyn Store, path: &str, attributes: &Map<String, Value>) -> Result<()> {
    let key = join(path, V2_ATTRS);
    if attributes.is_empty() {
        store.delete(&key)
    } else {
        store.set(&key, &pretty(&Value::Object(attributes.clone())))
    }
}

pub fn write_array(store: &dyn Store, path: &str, meta: &ArrayMetadata) -> Result<()> {
    super::consolidated::invalidate(store, meta.format)?;
    match meta.format {
        ZarrFormat::N5 => {
            let mut doc = meta.to_n5()?;
            if path.is_empty() {
                // A dataset at the container root also marks the container.
                doc["n5"] = super::n5::VERSION.into();
            }
            store.set(&join(path, N5_ATTRS), &pretty(&doc))
        }
        ZarrFormat::V3 => store.set(&join(path, V3_META), &pretty(&meta.to_v3())),
        // Unreadable attributes stay as they are (see attributes_error).
        ZarrFormat::V2 if meta.attributes_error.is_some() => store.set(&join(path, V2_ARRAY), &pretty(&meta.to_v2()?)),
        ZarrFormat::V2 => {
            // Attributes first: a reader never sees the array before its attributes.
            let mut attrs = meta.attributes.clone();
            if let Some(names) = &meta.dimension_names {
                if !attrs.contains_key("_ARRAY_DIMENSIONS") && names.iter().all(Option::is_some) {
                    attrs.insert("_ARRAY_DIMENSIONS".into(), json!(names));
                }
            }
            write_attrs_v2(store, path, &attrs)?;
            store.set(&join(path, V2_ARRAY), &pretty(&meta.to_v2()?))
        }
    }
}
