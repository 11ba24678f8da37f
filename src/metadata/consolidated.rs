//! Consolidated metadata: every node's metadata in one document at the root,
//! so opening a hierarchy and its nodes costs one metadata read. v2 keeps it
//! in `.zmetadata`, v3 in the `consolidated_metadata` key zarr-python writes
//! into the root `zarr.json`.
//!
//! Staleness rule: a metadata change made through libzarr (attributes,
//! dimension names, new or deleted nodes) first drops the consolidated copy
//! from the store, then bumps a per-store generation so that every copy
//! cached in this process stops being used. Until then, the consolidated copy
//! wins over the nodes' own documents, as in zarr-python.
//!
//! Across processes: dropping and writing the v3 copy are compare-and-swap
//! updates of the root `zarr.json` (no change to the root made meanwhile is
//! lost). Consolidation is a snapshot: a node changed by another process
//! while [`write`] collects may be missing from it or be there in its older
//! form; consolidate once the writers are done (as zarr-python advises).

use super::node::{self, NodeDoc, NodeKind, V2_ARRAY, V2_ATTRS, V2_CONSOLIDATED, V2_GROUP, V3_META};
use super::{parse_object, ZarrFormat};
use crate::error::{Error, Result};
use crate::store::{join, update_key, Store, Update};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock, Mutex};

/// Metadata generation per store id, bumped by every libzarr metadata change.
static GENERATIONS: LazyLock<Mutex<HashMap<String, u64>>> = LazyLock::new(Default::default);

pub fn generation(store_id: &str) -> u64 {
    let g = GENERATIONS.lock().unwrap_or_else(|e| e.into_inner());
    g.get(store_id).copied().unwrap_or(0)
}

pub(crate) fn bump(store_id: &str) {
    let mut g = GENERATIONS.lock().unwrap_or_else(|e| e.into_inner());
    *g.entry(store_id.to_owned()).or_insert(0) += 1;
}

/// One node's documents as found in the consolidated metadata.
#[derive(Debug)]
enum Raw {
    V3(Map<String, Value>),
    V2Array(Map<String, Value>, Map<String, Value>),
    V2Group(Map<String, Value>, Map<String, Value>),
}

/// The consolidated metadata of one hierarchy, as read when its root was opened.
#[derive(Debug)]
pub struct Consolidated {
    store_id: String,
    generation: u64,
    nodes: BTreeMap<String, Raw>,
}

impl Consolidated {
    /// False once libzarr changed any metadata of the store since this was read.
    pub fn is_current(&self) -> bool {
        generation(&self.store_id) == self.generation
    }

    /// The node at `path`, or None when the consolidated metadata lacks it.
    pub fn get(&self, path: &str) -> Option<Result<NodeDoc>> {
        let what = format!("consolidated metadata of \"{path}\"");
        Some(match self.nodes.get(path)? {
            Raw::V3(doc) => node::from_v3_doc(doc, &what),
            Raw::V2Array(doc, attrs) => node::from_v2_array(doc, attrs.clone(), &what),
            Raw::V2Group(doc, attrs) => node::from_v2_group(doc, attrs.clone(), &what),
        })
    }

    /// Direct members of the group at `path`, sorted by name.
    pub fn children(&self, path: &str) -> Vec<(String, NodeKind)> {
        let mut out = vec![];
        for (k, raw) in &self.nodes {
            let (parent, name) = k.rsplit_once('/').unwrap_or(("", k));
            if k.is_empty() || parent != path {
                continue;
            }
            let kind = match raw {
                Raw::V3(doc) => match doc.get("node_type").and_then(Value::as_str) {
                    Some("array") => NodeKind::Array,
                    Some("group") => NodeKind::Group,
                    _ => continue,
                },
                Raw::V2Array(..) => NodeKind::Array,
                Raw::V2Group(..) => NodeKind::Group,
            };
            out.push((name.to_owned(), kind));
        }
        out
    }
}

fn parse_v3(v: &Value) -> Option<BTreeMap<String, Raw>> {
    if v.get("kind").and_then(Value::as_str) != Some("inline") {
        return None;
    }
    let mut nodes = BTreeMap::new();
    for (k, doc) in v.get("metadata")?.as_object()? {
        nodes.insert(k.trim_matches('/').to_owned(), Raw::V3(doc.as_object()?.clone()));
    }
    Some(nodes)
}

fn parse_v2(doc: &Map<String, Value>) -> Option<BTreeMap<String, Raw>> {
    if doc.get("zarr_consolidated_format").and_then(Value::as_u64) != Some(1) {
        return None;
    }
    type Docs = (
        Option<Map<String, Value>>,
        Option<Map<String, Value>>,
        Map<String, Value>,
    );
    let mut by_path: BTreeMap<String, Docs> = BTreeMap::new();
    for (k, v) in doc.get("metadata")?.as_object()? {
        let (path, name) = k.rsplit_once('/').unwrap_or(("", k));
        let Some(v) = v.as_object() else { continue };
        let e = by_path.entry(path.to_owned()).or_default();
        match name {
            V2_ARRAY => e.0 = Some(v.clone()),
            V2_GROUP => e.1 = Some(v.clone()),
            V2_ATTRS => e.2 = v.clone(),
            _ => {}
        }
    }
    Some(
        by_path
            .into_iter()
            .filter_map(|(p, (a, g, attrs))| match (a, g) {
                (Some(a), _) => Some((p, Raw::V2Array(a, attrs))),
                (None, Some(g)) => Some((p, Raw::V2Group(g, attrs))),
                (None, None) => None,
            })
            .collect(),
    )
}

/// Read the root node of `store` and its consolidated metadata, if any. A
/// consolidated document that cannot be used is ignored: the nodes' own
/// documents are always there to fall back on.
pub fn load_root(store: &dyn Store) -> Result<(Option<NodeDoc>, Option<Arc<Consolidated>>)> {
    load_root_with(store, true)
}

/// As [`load_root`]; `use_consolidated: false` skips consolidated metadata
/// (open option `{"consolidated": false}`): the nodes' own documents are read.
/// When used, a v2 `.zmetadata` that is not a valid consolidated document
/// (truncated, say) is `Error::Metadata` rather than silently ignored.
pub fn load_root_with(
    store: &dyn Store,
    use_consolidated: bool,
) -> Result<(Option<NodeDoc>, Option<Arc<Consolidated>>)> {
    // Read the generation before the store: a change after this point makes
    // what is read below stale.
    let generation = generation(store.id());
    let wrap = |nodes| {
        Arc::new(Consolidated {
            store_id: store.id().to_owned(),
            generation,
            nodes,
        })
    };
    if let Some(bytes) = node::get_document(store, V3_META)? {
        let doc = parse_object(&bytes, V3_META)?;
        let root = node::from_v3_doc(&doc, V3_META)?;
        let cons = doc
            .get("consolidated_metadata")
            .filter(|_| use_consolidated)
            .and_then(parse_v3)
            .map(|mut nodes| {
                // zarr-python leaves the root out; keep it so it is served too.
                let mut own = doc.clone();
                own.remove("consolidated_metadata");
                nodes.insert(String::new(), Raw::V3(own));
                wrap(nodes)
            });
        return Ok((Some(root), cons));
    }
    let v2 = match use_consolidated {
        true => node::get_document(store, V2_CONSOLIDATED)?,
        false => None,
    };
    if let Some(bytes) = v2 {
        let hint = "(open with {\"consolidated\": false} to ignore it)";
        let doc = parse_object(&bytes, V2_CONSOLIDATED).map_err(|e| e.context(hint))?;
        let nodes = parse_v2(&doc)
            .ok_or_else(|| Error::Metadata(format!("{V2_CONSOLIDATED}: not consolidated metadata {hint}")))?;
        let cons = wrap(nodes);
        if let Some(root) = cons.get("") {
            return Ok((Some(root?), Some(cons)));
        }
    }
    Ok((node::read(store, "")?, None))
}

/// Drop the consolidated copy from the store and mark cached copies stale,
/// before a metadata change.
pub fn invalidate(store: &dyn Store, format: ZarrFormat) -> Result<()> {
    match format {
        // N5 has no consolidated metadata.
        ZarrFormat::N5 => {}
        ZarrFormat::V2 => store.delete(V2_CONSOLIDATED)?,
        ZarrFormat::V3 => {
            // A compare-and-swap of the root document: a change another
            // process makes to the root meanwhile is kept.
            update_key(store, V3_META, |bytes| {
                let Some(Ok(mut doc)) = bytes.map(|b| parse_object(b, V3_META)) else {
                    return Ok(Update::Keep);
                };
                Ok(match doc.remove("consolidated_metadata") {
                    Some(_) => Update::Put(node::pretty(&Value::Object(doc))),
                    None => Update::Keep,
                })
            })?;
        }
    }
    bump(store.id());
    Ok(())
}

/// Gather the documents of every node below `path` (arrays' chunks are not visited).
fn collect(store: &dyn Store, format: ZarrFormat, path: &str, out: &mut Map<String, Value>) -> Result<()> {
    for e in store.list_dir(path)? {
        if !e.is_dir {
            continue;
        }
        let p = join(path, &e.name);
        let read = |name: &str| -> Result<Option<Map<String, Value>>> {
            let key = join(&p, name);
            node::get_document(store, &key)?
                .map(|b| parse_object(&b, &key))
                .transpose()
        };
        match format {
            ZarrFormat::N5 => return Err(Error::Unsupported("consolidated metadata in an N5 container".into())),
            ZarrFormat::V3 => {
                let Some(mut doc) = read(V3_META)? else { continue };
                // A nested group's own consolidated copy would be stale here.
                doc.remove("consolidated_metadata");
                let group = doc.get("node_type").and_then(Value::as_str) == Some("group");
                out.insert(p.clone(), Value::Object(doc));
                if group {
                    collect(store, format, &p, out)?;
                }
            }
            ZarrFormat::V2 => {
                let group = if let Some(a) = read(V2_ARRAY)? {
                    out.insert(join(&p, V2_ARRAY), Value::Object(a));
                    false
                } else if let Some(mut g) = read(V2_GROUP)? {
                    g.remove("consolidated_metadata");
                    out.insert(join(&p, V2_GROUP), Value::Object(g));
                    true
                } else {
                    continue;
                };
                let attrs = read(V2_ATTRS)?.unwrap_or_default();
                out.insert(join(&p, V2_ATTRS), Value::Object(attrs));
                if group {
                    collect(store, format, &p, out)?;
                }
            }
        }
    }
    Ok(())
}

/// Write the consolidated metadata of the hierarchy whose root group is at
/// the root of `store`, in zarr-python's layout.
pub fn write(store: &dyn Store, format: ZarrFormat) -> Result<()> {
    if format == ZarrFormat::N5 {
        return Err(Error::Unsupported("consolidated metadata in an N5 container".into()));
    }
    let mut nodes = Map::new();
    collect(store, format, "", &mut nodes)?;
    match format {
        ZarrFormat::N5 => unreachable!("refused above"),
        ZarrFormat::V3 => {
            // Swapped into the root document, so a change of the root's own
            // attributes by another process meanwhile is kept.
            update_key(store, V3_META, |bytes| {
                let bytes = bytes.ok_or_else(|| Error::NotFound("root zarr.json".into()))?;
                let mut root = parse_object(bytes, V3_META)?;
                if root.get("node_type").and_then(Value::as_str) != Some("group") {
                    return Err(Error::InvalidArgument(
                        "only a group hierarchy can be consolidated".into(),
                    ));
                }
                root.insert(
                    "consolidated_metadata".into(),
                    json!({"kind": "inline", "must_understand": false, "metadata": nodes}),
                );
                Ok(Update::Put(node::pretty(&Value::Object(root))))
            })?;
        }
        ZarrFormat::V2 => {
            let g = store
                .get(V2_GROUP)?
                .ok_or_else(|| Error::InvalidArgument("only a group hierarchy can be consolidated".into()))?;
            nodes.insert(V2_GROUP.into(), Value::Object(parse_object(&g, V2_GROUP)?));
            let attrs = node::read_attrs_v2(store, "")?;
            nodes.insert(V2_ATTRS.into(), Value::Object(attrs));
            let doc = json!({"zarr_consolidated_format": 1, "metadata": nodes});
            store.set(V2_CONSOLIDATED, &node::pretty(&doc))?;
        }
    }
    bump(store.id());
    Ok(())
}
