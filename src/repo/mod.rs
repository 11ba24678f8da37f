//! Versioned, content-addressed hierarchies (docs/repository.md): chunks
//! stored once under their CIDs, per-array manifests as Merkle trees of
//! pages, snapshots, branches and tags. A [`Session`] is a repository seen
//! at one snapshot through the [`Store`] trait, so the hierarchy code above
//! works inside it unchanged.

pub mod cid;
pub mod history;
pub mod manifest;
pub mod objects;
pub mod refs;
pub mod session;
pub mod snapshot;

pub use session::Session;

use crate::error::{Error, Result};
use crate::metadata::ZarrFormat;
use crate::store::{RepoSelect, Store};
use std::sync::Arc;

/// The object that marks a store as a repository.
pub const MARKER: &str = "repo.json";
/// The branch a new repository has, and the one opened when none is named.
pub const MAIN: &str = "main";

/// Whether the store holds a repository (one read of [`MARKER`]).
pub fn is_repository(store: &dyn Store) -> Result<bool> {
    let Some(bytes) = store.get_limited(MARKER, 4096)? else {
        return Ok(false);
    };
    let v: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| Error::Metadata(format!("{MARKER} of {}: {e}", store.id())))?;
    match v.get("libzarr_repository").and_then(|f| f.as_u64()) {
        Some(1) => Ok(true),
        _ => Err(Error::Unsupported(format!(
            "{MARKER} of {}: unknown repository format {v}",
            store.id()
        ))),
    }
}

/// The login name, for commits without an author.
pub fn default_author() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

/// Make an empty repository (a root group of `format`) with branch
/// [`MAIN`]; returns the first snapshot's id.
pub fn create(store: Arc<dyn Store>, format: ZarrFormat, author: Option<&str>) -> Result<String> {
    if store.exists(MARKER)? {
        return Err(Error::Exists(format!("a repository at {}", store.id())));
    }
    for k in ["zarr.json", ".zgroup", ".zarray"] {
        if store.exists(k)? {
            return Err(Error::Exists(format!("a Zarr hierarchy at {} ({k})", store.id())));
        }
    }
    store.set(
        MARKER,
        br#"{"libzarr_repository": 1, "format": "libzarr-repository/1"}"#,
    )?;
    let author = author.map(str::to_owned).unwrap_or_else(default_author);
    let s = Session::open(store, None, Some(MAIN.into()), author, true)?;
    crate::metadata::node::write_group(&s, "", format, &serde_json::Map::new())?;
    s.commit("Repository created")
}

/// Open a session on the repository in `store` as `sel` asks (one of
/// branch, tag, snapshot; default branch [`MAIN`]). `write`: a session
/// whose commits move the branch; refused at a tag or snapshot, and where
/// the store cannot change a ref safely (`can_swap` false: plain HTTP).
pub fn open(store: Arc<dyn Store>, sel: &RepoSelect, write: bool, can_swap: bool) -> Result<Session> {
    let given = [&sel.branch, &sel.tag, &sel.snapshot]
        .iter()
        .filter(|o| o.is_some())
        .count();
    if given > 1 {
        return Err(Error::InvalidArgument(
            "give at most one of \"branch\", \"tag\" and \"snapshot\"".into(),
        ));
    }
    if write && (sel.tag.is_some() || sel.snapshot.is_some()) {
        return Err(Error::ReadOnly(
            "a tag or snapshot opens read-only; open a branch to write".into(),
        ));
    }
    if write && !can_swap {
        return Err(Error::ReadOnly(format!(
            "{} cannot change refs safely (no conditional writes): repositories there open read-only",
            store.id()
        )));
    }
    let author = sel.author.clone().unwrap_or_else(default_author);
    let (head, branch) = if let Some(t) = &sel.tag {
        let k = refs::key(refs::Kind::Tag, t)?;
        let id = refs::read(store.as_ref(), &k)?.ok_or_else(|| Error::NotFound(format!("tag \"{t}\"")))?;
        (id, None)
    } else if let Some(id) = &sel.snapshot {
        cid::check(id, cid::JSON)?;
        (id.clone(), None)
    } else {
        let b = sel.branch.as_deref().unwrap_or(MAIN);
        let k = refs::key(refs::Kind::Branch, b)?;
        let id = refs::read(store.as_ref(), &k)?.ok_or_else(|| Error::NotFound(format!("branch \"{b}\"")))?;
        (id, Some(b.to_owned()))
    };
    Session::open(store, Some(head), branch, author, write)
}
