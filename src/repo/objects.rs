//! The repository's object directories (docs/repository.md, "Layout"):
//! `chunks/<cid>`, `manifests/<cid>`, `snapshots/<cid>`. Objects are
//! immutable and named by their content, so a write of an object that
//! exists is skipped, and any two writers of one name write the same bytes.

use super::cid::{self, JSON, RAW};
use crate::error::{Error, Result};
use crate::store::Store;

pub const CHUNKS: &str = "chunks";
pub const MANIFESTS: &str = "manifests";
pub const SNAPSHOTS: &str = "snapshots";

pub fn chunk_key(c: &str) -> String {
    format!("{CHUNKS}/{c}")
}

/// Store `bytes` under `dir/<cid>` unless it is there; returns the CID.
pub fn put(store: &dyn Store, dir: &str, codec: u64, bytes: &[u8]) -> Result<String> {
    let c = cid::cid(codec, bytes);
    let key = format!("{dir}/{c}");
    if !store.exists(&key)? {
        store.set(&key, bytes)?;
    }
    Ok(c)
}

pub fn put_chunk(store: &dyn Store, bytes: &[u8]) -> Result<String> {
    put(store, CHUNKS, RAW, bytes)
}

/// A manifest page or root.
pub fn put_doc(store: &dyn Store, bytes: &[u8]) -> Result<String> {
    put(store, MANIFESTS, JSON, bytes)
}

/// Read a JSON object of `dir`, checking its bytes against its name (these
/// documents are small, and a wrong one would misdirect every read).
pub fn get_checked(store: &dyn Store, dir: &str, c: &str) -> Result<Vec<u8>> {
    cid::check(c, JSON)?;
    let key = format!("{dir}/{c}");
    let bytes = store
        .get(&key)?
        .ok_or_else(|| Error::NotFound(format!("repository object {key}")))?;
    if !cid::matches(c, JSON, &bytes) {
        return Err(Error::Codec(format!(
            "repository object {key}: its bytes do not match its content address"
        )));
    }
    Ok(bytes)
}

pub fn get_doc(store: &dyn Store, c: &str) -> Result<Vec<u8>> {
    get_checked(store, MANIFESTS, c)
}
