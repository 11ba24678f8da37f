//! Groups and the hierarchy: open a store's root, create and open children
//! by path (intermediate groups are created as needed), list members,
//! attributes.

use crate::array::{self, Array};
use crate::codec::pipeline::CodecChain;
use crate::error::{Error, Result};
use crate::metadata::consolidated::{self, Consolidated};
use crate::metadata::detect::{self, Detected};
use crate::metadata::{node, ArrayMetadata, ChunkKeyEncoding, DataType, FillValue, ZarrFormat};
use crate::repo::{self, Session};
use crate::store::{self, join, RepoSelect, Store};
use crate::update::Change;
use serde_json::{Map, Value};
use std::sync::Arc;

/// How a hierarchy is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Read only; the hierarchy must exist.
    Read,
    /// Read and write; the hierarchy must exist.
    Write,
    /// Read and write; a missing hierarchy is created.
    Create,
}

pub use crate::metadata::node::NodeKind;

/// An open group.
#[derive(Debug, Clone)]
pub struct Group {
    store: Arc<dyn Store>,
    path: String,
    format: ZarrFormat,
    read_only: bool,
    /// The consolidated metadata read when the root was opened, if any.
    cons: Option<Arc<Consolidated>>,
    /// The repository session `store` is, when the URL holds a repository.
    repo: Option<Arc<Session>>,
}

/// Normalise a relative node path: `/`-separated names, no `.`/`..`, no empty
/// names (leading/trailing/double slashes are tolerated), no NUL or backslash.
fn normalize(rel: &str) -> Result<Vec<&str>> {
    let mut parts = vec![];
    for p in rel.split('/') {
        if p.is_empty() {
            continue;
        }
        if p == "."
            || p == ".."
            || p.contains('\\')
            || p.contains('\0')
            || p.starts_with(".z")
            || p == node::V3_META
            || p == node::N5_ATTRS
        {
            return Err(Error::InvalidArgument(format!(
                "bad node name \"{p}\" in path \"{rel}\""
            )));
        }
        parts.push(p);
    }
    Ok(parts)
}

impl Group {
    /// Open the root of the hierarchy at `url`. A new hierarchy (Mode::Create on
    /// a store with no root) is made in `format` (default v3).
    pub fn open_root(url: &str, mode: Mode, format: Option<ZarrFormat>) -> Result<Group> {
        Self::open_root_with(url, mode, format, store::StoreOptions::default())
    }

    /// As [`Group::open_root`], with store options (process locks; object
    /// store endpoint, credentials, concurrency, retries: see
    /// [`store::ObjectOptions`]).
    pub fn open_root_with(
        url: &str,
        mode: Mode,
        format: Option<ZarrFormat>,
        opts: store::StoreOptions,
    ) -> Result<Group> {
        let use_consolidated = !opts.ignore_consolidated;
        // An `n5://` prefix or a `.n5` name: an N5 container (detected as
        // such without the root "n5" key, created as N5).
        let (url, n5_hint) = match url.strip_prefix("n5://") {
            Some(rest) => (rest, true),
            None => (url, url.trim_end_matches('/').ends_with(".n5")),
        };
        let format = match (format, n5_hint) {
            (Some(f), true) if f != ZarrFormat::N5 => {
                return Err(Error::InvalidArgument(format!(
                    "\"{url}\" names an N5 container, not a {} hierarchy",
                    f.name()
                )))
            }
            (None, true) => Some(ZarrFormat::N5),
            (f, _) => f,
        };
        let sel = opts.repo.clone();
        // Plain HTTP has no conditional writes: repositories open read-only there.
        let can_swap = !(url.starts_with("http://") || url.starts_with("https://"));
        let store = store::open_url_with(url, mode == Mode::Create && sel.is_empty(), opts)?;
        Self::open_root_in_with(store, mode, format, use_consolidated, &sel, can_swap)
    }

    pub fn open_root_in(store: Arc<dyn Store>, mode: Mode, format: Option<ZarrFormat>) -> Result<Group> {
        Self::open_root_in_with(store, mode, format, true, &RepoSelect::default(), true)
    }

    /// As [`Group::open_root_in`] for a store that may hold a repository
    /// (docs/repository.md): opened at the ref `sel` names.
    pub fn open_repo_in(store: Arc<dyn Store>, mode: Mode, sel: &RepoSelect) -> Result<Group> {
        Self::open_root_in_with(store, mode, None, true, sel, true)
    }

    /// The repository session of this hierarchy, if it is one.
    pub fn repository(&self) -> Option<&Arc<Session>> {
        self.repo.as_ref()
    }

    /// As [`Group::open_root_in`]; `use_consolidated: false` ignores
    /// consolidated metadata (open option `{"consolidated": false}`).
    fn open_root_in_with(
        store: Arc<dyn Store>,
        mode: Mode,
        format: Option<ZarrFormat>,
        use_consolidated: bool,
        sel: &RepoSelect,
        can_swap: bool,
    ) -> Result<Group> {
        let read_only = mode == Mode::Read;
        // Root metadata first (one read, consolidated metadata with it);
        // without it, metadata::detect decides what the store holds.
        let (root, cons) = consolidated::load_root_with(store.as_ref(), use_consolidated)?;
        // A repository has no root metadata of its own: one more read tells.
        if root.is_none() && repo::is_repository(store.as_ref())? {
            let session = Arc::new(repo::open(store, sel, !read_only, can_swap)?);
            let mut g = Self::open_root_in_with(
                session.clone(),
                if read_only { Mode::Read } else { Mode::Write },
                format,
                use_consolidated,
                &RepoSelect::default(),
                can_swap,
            )?;
            g.repo = Some(session);
            return Ok(g);
        }
        if !sel.is_empty() {
            return Err(Error::NotFound(format!(
                "no repository at {} (the options name a branch, tag, snapshot or author; \
                 zarr_repo_create makes a repository)",
                store.id()
            )));
        }
        let found = match root {
            Some(_) => None,
            None => Some(detect::detect(store.as_ref(), format == Some(ZarrFormat::N5))?),
        };
        let existing = match root {
            Some(node::NodeDoc::Group { format, .. }) => Some(format),
            Some(node::NodeDoc::Array(meta)) => Some(meta.format),
            None => None,
        };
        let format = match (existing, found, mode) {
            (Some(f), _, _) => f,
            // No root metadata but nodes below: an implicit root group, left
            // without metadata; new children take the nodes' format.
            (None, Some(Detected::Implicit(k) | Detected::Root(k)), _) => k.zarr_format(),
            (None, _, Mode::Create) => {
                let f = format.unwrap_or(ZarrFormat::V3);
                node::write_group(store.as_ref(), "", f, &Map::new())?;
                f
            }
            (None, _, _) => {
                return Err(Error::NotFound(format!(
                    "no Zarr hierarchy or N5 container at {}: no zarr.json, .zgroup, .zarray or N5 attributes.json at the root, \
                     nor in directories up to {} levels below it",
                    store.id(),
                    detect::SCAN_DEPTH
                )));
            }
        };
        Ok(Group {
            store,
            path: String::new(),
            format,
            read_only,
            cons,
            repo: None,
        })
    }

    pub fn format(&self) -> ZarrFormat {
        self.format
    }
    pub fn path(&self) -> &str {
        &self.path
    }
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The node at `path`: from the consolidated metadata while it is current
    /// and has the node, else from the store.
    fn read_node(&self, path: &str) -> Result<Option<node::NodeDoc>> {
        if let Some(c) = self.cons.as_ref().filter(|c| c.is_current()) {
            if let Some(doc) = c.get(path) {
                return doc.map(Some);
            }
        }
        node::read(self.store.as_ref(), path)
    }

    fn child(&self, path: String, format: ZarrFormat, read_only: bool) -> Group {
        Group {
            store: self.store.clone(),
            path,
            format,
            read_only,
            cons: self.cons.clone(),
            repo: self.repo.clone(),
        }
    }

    fn check_writable(&self) -> Result<()> {
        if self.read_only {
            Err(Error::ReadOnly("the hierarchy was opened read-only".into()))
        } else {
            Ok(())
        }
    }

    fn full_path(&self, parts: &[&str]) -> String {
        let mut p = self.path.clone();
        for part in parts {
            p = join(&p, part);
        }
        p
    }

    pub fn open_group(&self, rel: &str) -> Result<Group> {
        let path = self.full_path(&normalize(rel)?);
        match self.read_node(&path)? {
            Some(node::NodeDoc::Group { format, .. }) => Ok(self.child(path, format, self.read_only)),
            Some(node::NodeDoc::Array(_)) => {
                Err(Error::InvalidArgument(format!("\"{path}\" is an array, not a group")))
            }
            None if self.is_implicit_group(&path)? => Ok(self.child(path, self.format, self.read_only)),
            None => Err(Error::NotFound(format!("group \"{path}\""))),
        }
    }

    /// A path without metadata that holds nodes within
    /// [`detect::SCAN_DEPTH`] levels below it (see [`detect`]); the root of
    /// an opened hierarchy always is one when it has no metadata.
    fn is_implicit_group(&self, path: &str) -> Result<bool> {
        Ok(path.is_empty() || detect::scan(self.store.as_ref(), path)?.is_some())
    }

    /// Group metadata at this group's path: missing at an implicit group
    /// until attributes are set or `create_group("")` writes it.
    fn has_metadata(&self) -> Result<bool> {
        Ok(node::kind(self.store.as_ref(), &self.path)?.is_some())
    }

    pub fn open_array(&self, rel: &str) -> Result<Array> {
        let path = self.full_path(&normalize(rel)?);
        let generation = consolidated::generation(self.store.id());
        match self.read_node(&path)? {
            Some(node::NodeDoc::Array(meta)) => {
                Array::from_parts(self.store.clone(), path, *meta, self.read_only, generation)
            }
            Some(node::NodeDoc::Group { .. }) => {
                Err(Error::InvalidArgument(format!("\"{path}\" is a group, not an array")))
            }
            None => Err(Error::NotFound(format!("array \"{path}\""))),
        }
    }

    /// Delete the array or group at `rel` and everything below it.
    pub fn delete(&self, rel: &str) -> Result<()> {
        self.check_writable()?;
        let parts = normalize(rel)?;
        if parts.is_empty() {
            return Err(Error::InvalidArgument("delete needs a path below the group".into()));
        }
        let path = self.full_path(&parts);
        if node::kind(self.store.as_ref(), &path)?.is_none() {
            return Err(Error::NotFound(format!("node \"{path}\"")));
        }
        consolidated::invalidate(self.store.as_ref(), self.format)?;
        self.store.delete_prefix(&path)?;
        // Again after the delete: open handles re-check that their node exists.
        consolidated::bump(self.store.id());
        Ok(())
    }

    /// Rename (move) the array or group at `from` to `to`, both below this
    /// group, with everything under it. Groups missing above `to` are
    /// created. Only where the store can do it in one cheap step (a directory
    /// rename on the filesystem, the memory store); elsewhere Unsupported.
    /// Open handles to the old path then behave as if it was deleted.
    pub fn rename(&self, from: &str, to: &str) -> Result<()> {
        self.check_writable()?;
        let (pf, pt) = (normalize(from)?, normalize(to)?);
        if pf.is_empty() || pt.is_empty() {
            return Err(Error::InvalidArgument("rename needs paths below the group".into()));
        }
        if pt.starts_with(&pf) {
            return Err(Error::InvalidArgument(format!(
                "cannot move \"{from}\" into itself (\"{to}\")"
            )));
        }
        let (src, dst) = (self.full_path(&pf), self.full_path(&pt));
        if node::kind(self.store.as_ref(), &src)?.is_none() {
            return Err(Error::NotFound(format!("node \"{src}\"")));
        }
        consolidated::invalidate(self.store.as_ref(), self.format)?;
        // Checks that nothing is at `to` and creates the groups above it.
        self.prepare_new_node(&pt)?;
        self.store.rename_prefix(&src, &dst)?;
        consolidated::bump(self.store.id());
        Ok(())
    }

    /// Write consolidated metadata for the whole hierarchy (root group only).
    pub fn consolidate(&self) -> Result<()> {
        self.check_writable()?;
        if !self.path.is_empty() {
            return Err(Error::InvalidArgument("only the root group can be consolidated".into()));
        }
        consolidated::write(self.store.as_ref(), self.format)
    }

    /// Make sure every group above `parts` exists (creating missing ones), and
    /// that nothing is at `parts` itself yet. Returns the full path.
    fn prepare_new_node(&self, parts: &[&str]) -> Result<String> {
        self.check_writable()?;
        if parts.is_empty() {
            return Err(Error::InvalidArgument("a new node needs a name".into()));
        }
        match node::kind(self.store.as_ref(), &self.path)? {
            Some("group") => {}
            None if self.is_implicit_group(&self.path)? => {}
            None => return Err(Error::NotFound(format!("group \"{}\" (deleted?)", self.path))),
            Some(_) => {
                return Err(Error::InvalidArgument(format!(
                    "\"{}\" is not a group: nodes cannot be created inside it",
                    self.path
                )))
            }
        }
        for i in 1..parts.len() {
            let p = self.full_path(&parts[..i]);
            match node::kind(self.store.as_ref(), &p)? {
                Some("group") => {}
                Some(_) => return Err(Error::InvalidArgument(format!("\"{p}\" is an array, not a group"))),
                // An implicit group stays implicit.
                None if detect::scan(self.store.as_ref(), &p)?.is_some() => {}
                None => node::write_group(self.store.as_ref(), &p, self.format, &Map::new())?,
            }
        }
        let path = self.full_path(parts);
        if node::kind(self.store.as_ref(), &path)?.is_some() {
            return Err(Error::Exists(format!("node \"{path}\"")));
        }
        Ok(path)
    }

    /// Create a group below this one. An empty `rel` on an implicit group
    /// (no metadata of its own) writes its metadata, in its format.
    pub fn create_group(&self, rel: &str, attrs: Map<String, Value>) -> Result<Group> {
        let parts = normalize(rel)?;
        if parts.is_empty() && !self.has_metadata()? {
            self.check_writable()?;
            node::write_group(self.store.as_ref(), &self.path, self.format, &attrs)?;
            return Ok(self.clone());
        }
        let path = self.prepare_new_node(&parts)?;
        node::write_group(self.store.as_ref(), &path, self.format, &attrs)?;
        Ok(self.child(path, self.format, false))
    }

    /// Create an array from a full metadata document (v3 `zarr.json` or v2
    /// `.zarray`, told apart by `zarr_format`; it must match the hierarchy's).
    pub fn create_array_json(&self, rel: &str, doc_text: &str) -> Result<Array> {
        let doc = crate::metadata::parse_object(doc_text.as_bytes(), "array metadata")?;
        // A caller's shape beyond 2^63 - 1 is its argument error, as in zarr_array_create.
        if let Some(shape) = doc.get("shape").and_then(Value::as_array) {
            crate::metadata::check_extents(&shape.iter().filter_map(Value::as_u64).collect::<Vec<_>>())?;
        }
        let meta = match doc.get("zarr_format").and_then(Value::as_u64) {
            Some(3) => ArrayMetadata::from_v3(&doc)?,
            Some(2) => {
                let attrs = match doc.get("attributes") {
                    Some(Value::Object(m)) => m.clone(),
                    _ => Map::new(),
                };
                let mut d = doc.clone();
                d.remove("attributes");
                ArrayMetadata::from_v2(&d, attrs)?
            }
            _ => return Err(Error::Metadata("array metadata has no zarr_format 2 or 3".into())),
        };
        self.create_array(rel, meta)
    }

    /// Create an array from a metadata description.
    pub fn create_array(&self, rel: &str, meta: ArrayMetadata) -> Result<Array> {
        if meta.format != self.format {
            return Err(Error::InvalidArgument(format!(
                "a {} array cannot live in a {} hierarchy",
                meta.format.name(),
                self.format.name()
            )));
        }
        let path = self.prepare_new_node(&normalize(rel)?)?;
        array::create(self.store.clone(), &path, meta)
    }

    /// The metadata of a simple array in this hierarchy's format: `codecs` is a
    /// list of codec objects (v3 `{"name",..}` or numcodecs `{"id",..}`); `None`
    /// means zstd (level 0, zarr-python's default).
    pub fn simple_metadata(
        &self,
        dtype: DataType,
        shape: &[u64],
        chunk_shape: &[u64],
        codecs: Option<&[Value]>,
        fill: Option<&[u8]>,
    ) -> Result<ArrayMetadata> {
        crate::metadata::check_extents(shape)?;
        crate::metadata::check_extents(chunk_shape)?;
        let default = [default_codec()];
        let chain = CodecChain::from_user_list(codecs.unwrap_or(&default), dtype, shape.len(), self.format)?;
        let fill_value = match fill {
            Some(b) => FillValue::from_bytes(dtype, b)?,
            None => FillValue::zero(dtype),
        };
        let meta = ArrayMetadata {
            format: self.format,
            shape: shape.to_vec(),
            chunk_shape: chunk_shape.to_vec(),
            grid: crate::metadata::ChunkGrid::Regular,
            dtype,
            fill_value,
            key_encoding: match self.format {
                ZarrFormat::V3 => ChunkKeyEncoding::Default { separator: '/' },
                ZarrFormat::V2 => ChunkKeyEncoding::V2 { separator: '.' },
                ZarrFormat::N5 => ChunkKeyEncoding::N5,
            },
            codecs: chain.to_metadata()?,
            attributes: Map::new(),
            dimension_names: None,
            attributes_error: None,
            extra: Map::new(),
        };
        // Round-trip through the document to run every check the parser
        // runs, then build the chain once to check it against the chunks.
        let meta = match self.format {
            ZarrFormat::N5 => {
                if fill.is_some_and(|b| b.iter().any(|&x| x != 0)) {
                    return Err(Error::Unsupported("a fill value other than 0 in N5".into()));
                }
                let doc = meta.to_n5()?;
                crate::metadata::n5::from_n5(doc.as_object().unwrap(), "new N5 dataset")
            }
            ZarrFormat::V3 => {
                let doc = meta.to_v3();
                ArrayMetadata::from_v3(doc.as_object().unwrap())
            }
            ZarrFormat::V2 => {
                let doc = meta.to_v2()?;
                ArrayMetadata::from_v2(doc.as_object().unwrap(), Map::new())
            }
        }?;
        CodecChain::for_array(&meta)?;
        Ok(meta)
    }

    /// The metadata of a sharded v3 array: chunks of `shard_shape` are stored
    /// as shards of inner chunks of `inner_shape`, each encoded with `codecs`
    /// (as in [`Group::simple_metadata`]; `None` means zstd); the index is
    /// little-endian with a crc32c, at the end of the shard.
    pub fn sharded_metadata(
        &self,
        dtype: DataType,
        shape: &[u64],
        shard_shape: &[u64],
        inner_shape: &[u64],
        codecs: Option<&[Value]>,
        fill: Option<&[u8]>,
    ) -> Result<ArrayMetadata> {
        if self.format != ZarrFormat::V3 {
            return Err(Error::Unsupported("sharding in a Zarr v2 hierarchy".into()));
        }
        let inner = codecs.map_or_else(|| vec![default_codec()], <[Value]>::to_vec);
        let sharding = serde_json::json!([{"name": "sharding_indexed", "configuration": {
            "chunk_shape": inner_shape,
            "codecs": inner,
            "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "crc32c"}],
            "index_location": "end",
        }}]);
        self.simple_metadata(dtype, shape, shard_shape, sharding.as_array().map(Vec::as_slice), fill)
    }

    /// Direct members, sorted by name.
    pub fn list(&self) -> Result<Vec<(String, NodeKind)>> {
        if let Some(c) = self.cons.as_ref().filter(|c| c.is_current()) {
            if c.get(&self.path).is_some() {
                return Ok(c.children(&self.path));
            }
        }
        let mut out = vec![];
        match node::kind(self.store.as_ref(), &self.path)? {
            Some("array") => return Ok(out),
            None if !self.is_implicit_group(&self.path)? => {
                return Err(Error::NotFound(format!("group \"{}\"", self.path)))
            }
            _ => {}
        }
        for e in self.store.list_dir(&self.path)? {
            if !e.is_dir || e.name.starts_with('.') {
                continue;
            }
            let p = join(&self.path, &e.name);
            match node::kind(self.store.as_ref(), &p) {
                Ok(Some("group")) => out.push((e.name, NodeKind::Group)),
                Ok(Some("array")) => out.push((e.name, NodeKind::Array)),
                // Nodes below without metadata here: an implicit group.
                Ok(None) if matches!(detect::scan(self.store.as_ref(), &p), Ok(Some(_))) => {
                    out.push((e.name, NodeKind::Group))
                }
                // Directories without nodes (or with unreadable metadata) are not members.
                _ => {}
            }
        }
        Ok(out)
    }

    pub fn attributes(&self) -> Result<Map<String, Value>> {
        match self.read_node(&self.path)? {
            Some(node::NodeDoc::Group { attributes, .. }) => Ok(attributes),
            Some(node::NodeDoc::Array(m)) => Ok(m.attributes),
            // An implicit group has no attributes.
            None if self.is_implicit_group(&self.path)? => Ok(Map::new()),
            None => Err(Error::NotFound(format!("group \"{}\"", self.path))),
        }
    }

    pub fn set_attributes(&self, attrs: Map<String, Value>) -> Result<()> {
        self.check_writable()?;
        match crate::update::replace_attributes(self.store.as_ref(), &self.path, &attrs) {
            Err(Error::NotFound(_)) => self.set_implicit_attributes(|a| {
                *a = attrs.clone();
                Ok(Change::Write)
            }),
            r => r.map(|_| ()),
        }
    }

    /// Attributes on an implicit group need its metadata: written now.
    /// (Not by compare-and-swap: the document does not exist yet, and a
    /// concurrent creator of the same group writes the same kind of node.)
    fn set_implicit_attributes(&self, mut f: impl FnMut(&mut Map<String, Value>) -> Result<Change>) -> Result<()> {
        if !self.is_implicit_group(&self.path)? {
            return Err(Error::NotFound(format!("group \"{}\"", self.path)));
        }
        let mut attrs = Map::new();
        f(&mut attrs)?;
        node::write_group(self.store.as_ref(), &self.path, self.format, &attrs)
    }

    /// Change the attributes in place by `f` as they are stored now, by
    /// compare-and-swap ([`crate::update`]): concurrent updates of other
    /// attributes, in this process or others, are kept. `f` may run more
    /// than once.
    pub fn update_attributes(&self, f: impl FnMut(&mut Map<String, Value>) -> Result<Change>) -> Result<()> {
        self.check_writable()?;
        let mut f = f;
        match crate::update::update_attributes(self.store.as_ref(), &self.path, &mut f) {
            Err(Error::NotFound(_)) => self.set_implicit_attributes(f),
            r => r.map(|_| ()),
        }
    }
}

/// zstd level 0, zarr-python's default compressor.
fn default_codec() -> Value {
    serde_json::json!({"name": "zstd", "configuration": {"level": 0, "checksum": false}})
}
