//! The filesystem store's defences against what a directory may hold in
//! place of a key (FIFOs, devices, directories), against symbolic links that
//! lead writes out of the store root, and against temporary files left by
//! killed writers. Kept apart from `fs.rs` so its I/O code stays plain.
//!
//! - A value is read only from a regular file: the file is opened with
//!   `O_NONBLOCK` (a FIFO without a writer would block `open` forever) and
//!   checked with `fstat` before any read; a FIFO, socket or device (a chunk
//!   linked to `/dev/zero` would read forever) is [`Error::Io`] naming the key.
//! - Reads follow symbolic links (chunk directories linked to other disks are
//!   common on HPC systems). Writes, renames and deletes do not act through
//!   a link that leads out of the store root unless the store was opened with
//!   `follow_symlinks`; a link that is itself the key or node being deleted
//!   or replaced is removed or replaced, never its target.
//! - Temporary files (`.zarr-tmp.*`) older than [`STALE_TMP_AGE`] are
//!   removed by the first write into their directory through a store handle.

use crate::error::{Error, Result};
use std::collections::HashSet;
use std::fs::{self, File};
use std::io::ErrorKind;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// A temporary file untouched for this long belongs to a writer that died:
/// a live writer's file is written within one store call, and rewritten
/// (its mtime renewed) as long as that call lasts.
pub const STALE_TMP_AGE: Duration = Duration::from_secs(3600);

/// What is at a key's path, for reading.
pub(super) enum Found {
    /// A regular file, opened for reading, with its size.
    File(File, u64),
    /// Nothing there (or a directory: a key is never a directory).
    Missing,
}

/// Open the value at `path` for reading without blocking and make sure it
/// is a regular file. `key` names it in errors.
pub(super) fn open_value(path: &Path, key: &str) -> Result<Found> {
    let f = match fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => return Ok(Found::Missing),
        Err(e) => return Err(Error::io(key, e)),
    };
    let meta = f.metadata().map_err(|e| Error::io(key, e))?;
    let ft = meta.file_type();
    if ft.is_file() {
        Ok(Found::File(f, meta.len()))
    } else if ft.is_dir() {
        Ok(Found::Missing)
    } else {
        let what = if ft.is_fifo() {
            "a FIFO"
        } else if ft.is_char_device() {
            "a character device"
        } else if ft.is_block_device() {
            "a block device"
        } else if ft.is_socket() {
            "a socket"
        } else {
            "not a regular file"
        };
        Err(Error::Io(format!("{key}: is {what}, not a regular file")))
    }
}

/// Whether `path` (links followed) is a directory.
pub(super) fn is_directory(path: &Path) -> bool {
    path.is_dir()
}

/// Refuse to act on `key` below `root` when one of the directories above
/// it is a symbolic link whose target lies outside `canon_root` (the
/// canonical root). The key's own last component is not checked: it is the
/// thing replaced, removed or renamed, link or not.
pub(super) fn check_inside(root: &Path, canon_root: &Path, key: &str, verb: &str) -> Result<()> {
    let parts: Vec<&str> = key.split('/').filter(|p| !p.is_empty()).collect();
    let mut p = root.to_path_buf();
    for part in parts.iter().take(parts.len().saturating_sub(1)) {
        if *part == ".." {
            return Err(Error::InvalidArgument(format!("key \"{key}\" leaves the store root")));
        }
        p.push(part);
        let meta = match fs::symlink_metadata(&p) {
            Ok(m) => m,
            // The rest does not exist yet: it is created as plain directories.
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => return Ok(()),
            Err(e) => return Err(Error::io(key, e)),
        };
        if meta.file_type().is_symlink() {
            let inside = fs::canonicalize(&p).is_ok_and(|t| t.starts_with(canon_root));
            if !inside {
                return Err(Error::Io(format!(
                    "{key}: refusing to {verb} through the symbolic link {}, which leads out of the store root \
                     (open option {{\"follow_symlinks\": true}} allows it)",
                    p.display()
                )));
            }
        }
    }
    Ok(())
}

/// Directories whose stale temporaries this store handle already removed
/// (forgotten when many, to bound its memory).
#[derive(Debug, Default)]
pub(super) struct Swept(Mutex<HashSet<PathBuf>>);

impl Swept {
    /// Remove stale temporary files (`prefix*`, older than
    /// [`STALE_TMP_AGE`]) in `dir`, once per directory and handle.
    pub(super) fn sweep(&self, dir: &Path, prefix: &str) {
        {
            let mut seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
            if seen.len() >= 4096 {
                seen.clear();
            }
            if !seen.insert(dir.to_path_buf()) {
                return;
            }
        }
        remove_stale(dir, prefix, STALE_TMP_AGE);
    }
}

/// Remove files named `prefix*` in `dir` not modified for `age`. Errors are
/// ignored: another writer may be sweeping too.
pub(super) fn remove_stale(dir: &Path, prefix: &str, age: Duration) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    let now = SystemTime::now();
    for ent in rd.flatten() {
        if !ent.file_name().to_str().is_some_and(|n| n.starts_with(prefix)) {
            continue;
        }
        let old = ent
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| now.duration_since(t).is_ok_and(|d| d >= age));
        if old {
            let _ = fs::remove_file(ent.path());
        }
    }
}
