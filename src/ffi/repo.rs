//! The C API of versioned repositories (docs/repository.md, README
//! "Versioned repositories"). A repository is opened with
//! `zarr_open_with_options`; these functions take any group handle of it.

use super::args::OpenOptions;
use super::handles;
use super::*;
use crate::error::Error;
use crate::repo::{self, refs::Kind, Session};
use std::ffi::{c_char, c_int};
use std::sync::Arc;

fn session(root: i64) -> Result<Arc<Session>, Error> {
    handles::group(root)?
        .repository()
        .cloned()
        .ok_or_else(|| Error::InvalidArgument(format!("handle {root} is not a group of a repository")))
}

/// Write a JSON value snprintf-style (as zarr_attrs_get).
///
/// # Safety
/// As [`write_text`].
unsafe fn write_json(v: &serde_json::Value, buf: *mut c_char, len: usize, needed: *mut usize) -> Result<(), Error> {
    // SAFETY: forwarded caller guarantees.
    unsafe { write_text(&v.to_string(), buf, len, needed) }
}

/// Create an empty repository (a root group, Zarr v3 unless options say
/// `{"zarr_format": 2}`) with branch "main" at `url` (a path, `file://`,
/// `memory://` or object store URL; store options as zarr_open_with_options,
/// and `"author"` for the first commit). A repository or Zarr hierarchy
/// already there is ZARR_EEXISTS.
///
/// # Safety
/// `url` and `options_json` (nullable) are NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn zarr_repo_create(url: *const c_char, options_json: *const c_char) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let url = unsafe { c_str(url, "url") }?;
        let opts = unsafe { c_str_opt(options_json, "options_json") }?;
        let o = OpenOptions::parse(opts, "options_json")?;
        let r = &o.store.repo;
        if r.branch.is_some() || r.tag.is_some() || r.snapshot.is_some() {
            return Err(Error::InvalidArgument(
                "zarr_repo_create takes no \"branch\", \"tag\" or \"snapshot\"".into(),
            ));
        }
        let author = r.author.clone();
        let store = crate::store::open_url_with(url, true, o.store)?;
        repo::create(store, o.format.unwrap_or(crate::ZarrFormat::V3), author.as_deref()).map(|_| ())
    })
}

/// Commit the session's changes to its branch; the new snapshot's id goes
/// to `snapshot_id` (NULL: not wanted; else `len` at least
/// ZARR_SNAPSHOT_ID_LEN, or ZARR_EINVAL and nothing is committed). When the
/// branch moved, disjoint changes are rebased onto its head; overlapping
/// ones are ZARR_ECONFLICT and stay in the session (retry or zarr_reset).
/// A read-only root (ZARR_READ, a tag or a snapshot) is ZARR_EREADONLY.
///
/// # Safety
/// `message` is NUL-terminated (NULL: empty); `snapshot_id` is NULL or valid for `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn zarr_commit(root: i64, message: *const c_char, snapshot_id: *mut c_char, len: usize) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let message = unsafe { c_str_opt(message, "message") }?.unwrap_or("");
        if !snapshot_id.is_null() && len < ZARR_SNAPSHOT_ID_LEN {
            return Err(Error::InvalidArgument(format!(
                "snapshot_id buffer of {len} bytes: ZARR_SNAPSHOT_ID_LEN ({ZARR_SNAPSHOT_ID_LEN}) needed"
            )));
        }
        let id = session(root)?.commit(message)?;
        if !snapshot_id.is_null() {
            // SAFETY: valid for len >= ZARR_SNAPSHOT_ID_LEN > id.len() bytes.
            unsafe { write_text(&id, snapshot_id, len, std::ptr::null_mut()) }?;
        }
        Ok(())
    })
}

/// Discard the session's uncommitted changes. Array handles opened on
/// arrays the changes created or altered keep the metadata they read.
#[no_mangle]
pub extern "C" fn zarr_reset(root: i64) -> c_int {
    guard(|| {
        session(root)?.reset();
        Ok(())
    })
}

/// Tag snapshot `snapshot_id` (NULL: the session's current snapshot) as
/// `tag`; an existing tag is ZARR_EEXISTS (tags never move).
///
/// # Safety
/// `tag` is NUL-terminated; `snapshot_id` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn zarr_tag(root: i64, tag: *const c_char, snapshot_id: *const c_char) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let tag = unsafe { c_str(tag, "tag") }?;
        let id = unsafe { c_str_opt(snapshot_id, "snapshot_id") }?;
        session(root)?.create_ref(Kind::Tag, tag, id)
    })
}

/// Create branch `branch` at `snapshot_id` (NULL: the session's current
/// snapshot); an existing branch is ZARR_EEXISTS.
///
/// # Safety
/// `branch` is NUL-terminated; `snapshot_id` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn zarr_branch_create(root: i64, branch: *const c_char, snapshot_id: *const c_char) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let branch = unsafe { c_str(branch, "branch") }?;
        let id = unsafe { c_str_opt(snapshot_id, "snapshot_id") }?;
        session(root)?.create_ref(Kind::Branch, branch, id)
    })
}

/// Delete branch `branch` (its snapshots stay until expired); a missing
/// branch is ZARR_ENOTFOUND, the session's own branch ZARR_EINVAL.
///
/// # Safety
/// `branch` is NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn zarr_branch_delete(root: i64, branch: *const c_char) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let branch = unsafe { c_str(branch, "branch") }?;
        session(root)?.delete_branch(branch)
    })
}

/// The repository's refs as JSON: `{"branches": {"main": "id"}, "tags": {"v1": "id"}}`
/// (snprintf rule of zarr_attrs_get).
///
/// # Safety
/// `json` is NULL (with `len` 0) or valid for `len` bytes; `needed` is NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn zarr_refs(root: i64, json: *mut c_char, len: usize, needed: *mut usize) -> c_int {
    guard(|| {
        let v = session(root)?.refs_json()?;
        // SAFETY: caller guarantees.
        unsafe { write_json(&v, json, len, needed) }
    })
}

/// The history from the session's snapshot, newest first:
/// `[{"id", "parents", "time", "author", "message"}, ...]` (snprintf rule).
/// History before expired snapshots is not listed.
///
/// # Safety
/// As zarr_refs.
#[no_mangle]
pub unsafe extern "C" fn zarr_log(root: i64, json: *mut c_char, len: usize, needed: *mut usize) -> c_int {
    guard(|| {
        let v = session(root)?.log()?;
        // SAFETY: caller guarantees.
        unsafe { write_json(&v, json, len, needed) }
    })
}

/// Chunks that differ between snapshots `from_id` and `to_id` per array, as
/// sorted chunk grid coordinates (shards for sharded arrays):
/// `{"v/x": {"added": [[0, 3]], "removed": [], "changed": [[5, 1]]}, "v/new": {"array": "added"}}`;
/// unchanged arrays are left out, `"metadata": true` marks changed array
/// metadata. From the manifests alone, no chunk data is read. NULL `to_id`:
/// the session's snapshot; NULL `from_id`: the first parent of `to_id`.
///
/// # Safety
/// `from_id`, `to_id` NULL or NUL-terminated; `json`/`needed` as zarr_refs.
#[no_mangle]
pub unsafe extern "C" fn zarr_diff(
    root: i64,
    from_id: *const c_char,
    to_id: *const c_char,
    json: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let from = unsafe { c_str_opt(from_id, "from_id") }?;
        let to = unsafe { c_str_opt(to_id, "to_id") }?;
        let v = session(root)?.diff(from, to)?;
        // SAFETY: caller guarantees.
        unsafe { write_json(&v, json, len, needed) }
    })
}

/// Chunk coordinates where arrays `path_a` and `path_b` (paths from the
/// root, one chunk grid) hold different chunks in the session's current
/// view, by content address, without reading data: `{"differ": [[0, 1], ...]}`.
/// A chunk stored in one and absent in the other differs. Arrays of
/// different shapes or chunk grids are ZARR_EINVAL.
///
/// # Safety
/// `path_a`, `path_b` NUL-terminated; `json`/`needed` as zarr_refs.
#[no_mangle]
pub unsafe extern "C" fn zarr_diff_arrays(
    root: i64,
    path_a: *const c_char,
    path_b: *const c_char,
    json: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> c_int {
    guard(|| {
        // SAFETY: caller guarantees.
        let a = unsafe { c_str(path_a, "path_a") }?;
        let b = unsafe { c_str(path_b, "path_b") }?;
        let v = session(root)?.diff_arrays(a.trim_matches('/'), b.trim_matches('/'))?;
        // SAFETY: caller guarantees.
        unsafe { write_json(&v, json, len, needed) }
    })
}

/// Re-hash every chunk (and manifest page) reachable from the session's
/// snapshot: `{"checked": N, "bad": [{"key": "v/x/c/5", "cid": "..."}]}`.
/// ZARR_OK when nothing is bad; ZARR_ECODEC, with the text still written,
/// when something is.
///
/// # Safety
/// As zarr_refs.
#[no_mangle]
pub unsafe extern "C" fn zarr_verify(root: i64, json: *mut c_char, len: usize, needed: *mut usize) -> c_int {
    guard(|| {
        let (v, bad) = session(root)?.verify()?;
        // SAFETY: caller guarantees.
        unsafe { write_json(&v, json, len, needed) }?;
        if bad {
            let n = v["bad"].as_array().map_or(0, |b| b.len());
            return Err(Error::Codec(format!(
                "verify: {n} object(s) do not match their content addresses"
            )));
        }
        Ok(())
    })
}

/// Drop snapshots older than `older_than_seconds` from history (branch
/// heads, tagged snapshots and the session's own stay); their count goes to
/// `*expired`. Needs a root opened for writing on a branch.
///
/// # Safety
/// `expired` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_expire(root: i64, older_than_seconds: i64, expired: *mut u64) -> c_int {
    guard(|| {
        let n = session(root)?.expire(older_than_seconds)?;
        if !expired.is_null() {
            // SAFETY: non-NULL out-parameter supplied by the caller.
            unsafe { *expired = n };
        }
        Ok(())
    })
}

/// Delete chunk and manifest objects that no snapshot reaches and that are
/// older than `older_than_seconds` (give it more than the longest running
/// session, whose uncommitted chunks no snapshot reaches yet); the count
/// goes to `*deleted`. Stores that cannot tell an object's age (memory)
/// delete only with 0. A read-only root is ZARR_EREADONLY.
///
/// # Safety
/// `deleted` is NULL or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn zarr_gc(root: i64, older_than_seconds: i64, deleted: *mut u64) -> c_int {
    guard(|| {
        let n = session(root)?.gc(older_than_seconds)?;
        if !deleted.is_null() {
            // SAFETY: non-NULL out-parameter supplied by the caller.
            unsafe { *deleted = n };
        }
        Ok(())
    })
}
