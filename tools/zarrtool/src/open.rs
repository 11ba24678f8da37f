//! From `URL [PATH]` to a node: the store's root hierarchy when it has root
//! metadata, else the URL taken as pointing at a node directly. A store with
//! no root metadata at all (arrays in a plain directory) is an "implicit"
//! group: its members are the directories below it that hold a node.

use crate::{usage, Fail, R};
use serde_json::{Map, Value};
use std::sync::Arc;
use zarr::store::{self, ObjectOptions, Store, StoreOptions};
use zarr::{Array, Error, Group, Mode, NodeKind};

/// Options for opening stores (`--options`).
#[derive(Debug, Clone, Default)]
pub struct Opts {
    object: Option<Map<String, Value>>,
}

impl Opts {
    pub fn parse(text: Option<&str>) -> R<Opts> {
        let object = match text {
            None => None,
            Some(t) => match serde_json::from_str::<Value>(t) {
                Ok(Value::Object(m)) => {
                    // Check the names once, up front, as bad usage.
                    ObjectOptions::from_json(&m).map_err(|e| usage(format!("--options: {e}")))?;
                    Some(m)
                }
                Ok(_) => return Err(usage("--options must be a JSON object")),
                Err(e) => return Err(usage(format!("--options is not valid JSON: {e}"))),
            },
        };
        Ok(Opts { object })
    }

    /// Store options for `url`: the object options apply to object store URLs only.
    pub fn for_url(&self, url: &str) -> R<StoreOptions> {
        let mut o = StoreOptions::default();
        let is_object = url.split_once("://").is_some_and(|(s, _)| store::is_object_scheme(s));
        if let (true, Some(m)) = (is_object, &self.object) {
            o.object = ObjectOptions::from_json(m)?;
        }
        Ok(o)
    }
}

#[derive(Debug)]
pub enum Node {
    Group(Group),
    Array(Array),
    /// A store location with no metadata of its own.
    Implicit(Implicit),
}

#[derive(Debug, Clone)]
pub struct Implicit {
    url: String,
    mode: Mode,
    opts: Opts,
}

/// A node with its store and the path it is shown under ("" for the node
/// the command was pointed at).
#[derive(Debug)]
pub struct Item {
    pub node: Node,
    pub store: Arc<dyn Store>,
    /// Path relative to the node the command was given.
    pub rel: String,
}

impl Item {
    /// The path shown to people: `/` for the starting node, `/a/b` below it.
    pub fn display(&self) -> String {
        format!("/{}", self.rel)
    }

    /// The last part of the path ("" for the starting node).
    pub fn name(&self) -> &str {
        self.rel.rsplit('/').next().unwrap_or("")
    }

    pub fn attributes(&self) -> R<Map<String, Value>> {
        Ok(match &self.node {
            Node::Group(g) => g.attributes()?,
            Node::Array(a) => a.attributes(),
            Node::Implicit(_) => Map::new(),
        })
    }

    pub fn array(&self) -> R<&Array> {
        match &self.node {
            Node::Array(a) => Ok(a),
            _ => Err(Fail::Zarr(Error::InvalidArgument(format!(
                "\"{}\" is a group, not an array",
                self.display()
            )))),
        }
    }

    /// Direct members, sorted by name.
    pub fn members(&self) -> R<Vec<Item>> {
        let child_rel = |name: &str| {
            if self.rel.is_empty() {
                name.to_owned()
            } else {
                format!("{}/{name}", self.rel)
            }
        };
        let mut out = vec![];
        match &self.node {
            Node::Array(_) => {}
            Node::Group(g) => {
                for (name, kind) in g.list()? {
                    let node = match kind {
                        NodeKind::Group => Node::Group(g.open_group(&name)?),
                        NodeKind::Array => Node::Array(g.open_array(&name)?),
                    };
                    out.push(Item {
                        node,
                        store: self.store.clone(),
                        rel: child_rel(&name),
                    });
                }
            }
            Node::Implicit(imp) => {
                for e in self.store.list_dir("")? {
                    if !e.is_dir {
                        continue;
                    }
                    let url = sub_url(&imp.url, &e.name);
                    // Only directories that hold a node are members.
                    match open_here(&url, imp.mode, &imp.opts) {
                        Ok(Some(mut it)) => {
                            it.rel = child_rel(&e.name);
                            out.push(it)
                        }
                        Ok(None) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        Ok(out)
    }

    /// This item and everything below it, depth first, members in name order.
    pub fn walk(&self, f: &mut impl FnMut(&Item) -> R<()>) -> R<()> {
        f(self)?;
        for m in self.members()? {
            m.walk(f)?;
        }
        Ok(())
    }
}

fn sub_url(url: &str, path: &str) -> String {
    format!("{}/{}", url.trim_end_matches('/'), path.trim_matches('/'))
}

/// The node at `url` itself: Some when the location has metadata.
fn open_here(url: &str, mode: Mode, opts: &Opts) -> R<Option<Item>> {
    let store = store::open_url_with(url, false, opts.for_url(url)?)?;
    match Group::open_root_in(store.clone(), mode, None) {
        Ok(root) => Ok(Some(at(root, store, "")?)),
        Err(Error::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The node at `path` below a root group.
fn at(root: Group, store: Arc<dyn Store>, path: &str) -> R<Item> {
    let node = match root.open_array(path) {
        Ok(a) => Node::Array(a),
        // It is a group (or nothing: then open_group names it).
        Err(Error::InvalidArgument(_)) => Node::Group(if path.trim_matches('/').is_empty() {
            root
        } else {
            root.open_group(path)?
        }),
        Err(Error::NotFound(_)) => Node::Group(
            root.open_group(path)
                .map_err(|_| Error::NotFound(format!("no group or array \"{}\"", path.trim_matches('/'))))?,
        ),
        Err(e) => return Err(e.into()),
    };
    Ok(Item {
        node,
        store,
        rel: String::new(),
    })
}

/// Open `URL [PATH]`.
pub fn open(url: &str, path: &str, mode: Mode, opts: &Opts) -> R<Item> {
    let store = store::open_url_with(url, false, opts.for_url(url)?)?;
    match Group::open_root_in(store.clone(), mode, None) {
        Ok(root) => at(root, store, path),
        Err(Error::NotFound(m)) => {
            if !path.trim_matches('/').is_empty() {
                // No root metadata: the node may still be below, on its own.
                let sub = sub_url(url, path);
                return open(&sub, "", mode, opts);
            }
            // A location with nothing at all is an error, not an empty group.
            if store.list_dir("")?.is_empty() {
                return Err(Error::NotFound(m).into());
            }
            Ok(Item {
                node: Node::Implicit(Implicit {
                    url: url.to_owned(),
                    mode,
                    opts: opts.clone(),
                }),
                store,
                rel: String::new(),
            })
        }
        Err(e) => Err(e.into()),
    }
}

/// The root group at `url` (for the hierarchy operations).
pub fn open_root(url: &str, mode: Mode, opts: &Opts) -> R<Group> {
    Ok(Group::open_root_with(url, mode, None, opts.for_url(url)?)?)
}
