//! A local filesystem directory store. Every write goes to a hidden temporary
//! file in the target directory and is renamed over the key, so a crash or a
//! failed write never leaves a torn value under the key's name (process
//! crashes). Surviving power loss also needs fsync: the `durable` option
//! ([`FsStore::with_durable`]) syncs each file before its rename and the
//! directory after; off by default, for speed.

use super::fs_guard::{self, Found};
use super::{ListEntry, Store};
use crate::error::{Error, Result};
use std::fs::{self, File};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug)]
pub struct FsStore {
    root: PathBuf,
    id: String,
    process_locks: bool,
    /// The canonical root: writes never go through links leaving it
    /// (unless `follow_symlinks`).
    canon_root: PathBuf,
    follow_symlinks: bool,
    swept: fs_guard::Swept,
    durable: bool,
}

/// Directory (in the store root) holding the per-chunk lock files of
/// [`FsStore::open_with`]`(.., process_locks = true)`. Node names may not
/// start with `.z`, so it is never a member; it may be removed once no
/// writer runs.
pub const LOCK_DIR: &str = ".zarr-locks";

// flock(2) from the C library (std's File::lock needs a newer Rust than
// this crate's rust-version).
extern "C" {
    fn flock(fd: std::ffi::c_int, operation: std::ffi::c_int) -> std::ffi::c_int;
}
const LOCK_EX: std::ffi::c_int = 2;

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Temporary files start with this; listings skip them.
const TMP_PREFIX: &str = ".zarr-tmp.";

impl FsStore {
    pub fn open(root: PathBuf, create: bool) -> Result<Self> {
        Self::open_with(root, create, false)
    }

    /// As [`FsStore::open`]; `process_locks` makes [`Store::lock_key`] take
    /// an exclusive `flock` on `.zarr-locks/<key>.lock`, so that processes
    /// (MPI ranks, also on other hosts where the filesystem supports
    /// `flock`, as NFSv4 and Lustre do) writing parts of one chunk do not
    /// lose each other's elements. Lock files stay behind (removing them
    /// would race with waiting writers).
    pub fn open_with(root: PathBuf, create: bool, process_locks: bool) -> Result<Self> {
        if create {
            fs::create_dir_all(&root).map_err(|e| Error::io(root.display(), e))?;
        } else if !root.is_dir() {
            return Err(Error::NotFound(format!("directory {}", root.display())));
        }
        let canon = fs::canonicalize(&root).unwrap_or(root.clone());
        Ok(FsStore {
            id: format!("file://{}", canon.display()),
            root,
            process_locks,
            canon_root: canon,
            follow_symlinks: false,
            swept: Default::default(),
            durable: false,
        })
    }

    /// Let writes, renames and deletes act through symbolic links that lead
    /// out of the store root (reads always follow links); off by default.
    pub fn with_follow_symlinks(mut self, follow: bool) -> Self {
        self.follow_symlinks = follow;
        self
    }

    /// Refuse to `verb` `key` through a link leaving the root (module `fs_guard`).
    fn check_inside(&self, key: &str, verb: &str) -> Result<()> {
        if self.follow_symlinks {
            return Ok(());
        }
        fs_guard::check_inside(&self.root, &self.canon_root, key, verb)
    }

    /// Fsync data and directory entries before a write returns: every
    /// written file before it is renamed over its key, its directory after
    /// the rename, new directories' parents, and directories after deletes
    /// and renames.
    pub fn with_durable(mut self, durable: bool) -> Self {
        self.durable = durable;
        self
    }

    fn path(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }
}

/// A new temporary file in `dir`, never one another writer already has: the
/// name carries the pid, a counter and a random part, and is created with
/// `create_new` (processes on other hosts may share the directory and the pid).
fn create_temp(dir: &std::path::Path) -> std::io::Result<(PathBuf, File)> {
    use std::hash::{BuildHasher, Hasher};
    loop {
        let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
        let tmp = dir.join(format!(
            "{TMP_PREFIX}{}.{}.{random:016x}",
            std::process::id(),
            TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        match fs::OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

impl FsStore {
    /// An exclusive `flock` on `.zarr-locks/<key>.lock`, shared with other
    /// processes (on NFSv4 and on Lustre mounted with `-o flock`, with other
    /// hosts), held until the guard drops.
    fn flock_sidecar(&self, key: &str) -> Result<super::KeyLock> {
        use std::os::fd::AsRawFd;
        let path = self.root.join(LOCK_DIR).join(format!("{key}.lock"));
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| Error::io(format!("lock for {key}"), e))?;
        }
        let f = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(format!("lock for {key}"), e))?;
        loop {
            // SAFETY: a valid open descriptor owned by `f`; flock only reads it.
            if unsafe { flock(f.as_raw_fd(), LOCK_EX) } == 0 {
                return Ok(super::KeyLock { _file: Some(f) });
            }
            let e = std::io::Error::last_os_error();
            if e.kind() != ErrorKind::Interrupted {
                return Err(Error::io(format!("lock for {key}"), e));
            }
        }
    }

    /// `fs::create_dir_all`; when durable, each directory it makes is
    /// synced into its parent.
    fn create_dirs(&self, dir: &std::path::Path) -> std::io::Result<()> {
        if !self.durable || dir.is_dir() {
            return fs::create_dir_all(dir);
        }
        if let Some(parent) = dir.parent() {
            self.create_dirs(parent)?;
        }
        match fs::create_dir(dir) {
            Ok(()) => self.sync_dir(dir.parent().unwrap_or(dir)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// When durable: fsync a directory, so the entries just made, renamed
    /// or removed in it survive a power loss.
    fn sync_dir(&self, dir: &std::path::Path) -> std::io::Result<()> {
        if self.durable {
            File::open(dir)?.sync_all()?;
        }
        Ok(())
    }

    /// When durable: fsync the directory holding `key` (after a delete or rename).
    fn sync_parent(&self, key: &str) -> Result<()> {
        match self.path(key).parent() {
            Some(d) if self.durable => match self.sync_dir(d) {
                Err(e) if e.kind() != ErrorKind::NotFound => Err(Error::io(key, e)),
                _ => Ok(()),
            },
            _ => Ok(()),
        }
    }
}

impl Store for FsStore {
    fn id(&self) -> &str {
        &self.id
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.get_limited(key, u64::MAX)
    }

    fn get_limited(&self, key: &str, max_len: u64) -> Result<Option<Vec<u8>>> {
        let Found::File(f, size) = fs_guard::open_value(&self.path(key), key)? else {
            return Ok(None);
        };
        // At most one byte past the limit: the caller sees it was exceeded.
        let want = size.min(max_len.saturating_add(1));
        let mut v = Vec::new();
        v.try_reserve_exact(want as usize)
            .map_err(|_| Error::OutOfMemory(format!("cannot allocate {want} bytes to read {key}")))?;
        std::io::Read::read_to_end(&mut std::io::Read::take(f, want), &mut v).map_err(|e| Error::io(key, e))?;
        Ok(Some(v))
    }

    fn is_directory(&self, key: &str) -> bool {
        fs_guard::is_directory(&self.path(key))
    }

    fn get_range(&self, key: &str, offset: u64, len: u64) -> Result<Option<Vec<u8>>> {
        let Found::File(f, size) = fs_guard::open_value(&self.path(key), key)? else {
            return Ok(None);
        };
        let start = offset.min(size);
        let n = len.min(size - start) as usize;
        let mut buf = vec![0u8; n];
        // A positioned read: only the requested range leaves the disk.
        f.read_exact_at(&mut buf, start).map_err(|e| Error::io(key, e))?;
        Ok(Some(buf))
    }

    fn get_suffix(&self, key: &str, len: u64) -> Result<Option<Vec<u8>>> {
        let Found::File(f, size) = fs_guard::open_value(&self.path(key), key)? else {
            return Ok(None);
        };
        let n = len.min(size);
        let mut buf = vec![0u8; n as usize];
        f.read_exact_at(&mut buf, size - n).map_err(|e| Error::io(key, e))?;
        Ok(Some(buf))
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<()> {
        let path = self.path(key);
        let dir = path
            .parent()
            .ok_or_else(|| Error::InvalidArgument(format!("bad key \"{key}\"")))?;
        self.check_inside(key, "write")?;
        // Make the directory only when the temporary file cannot be created
        // for want of it: most chunk writes go to a directory that exists,
        // and a mkdir + stat per chunk is wasted.
        let (tmp, mut f) = match create_temp(dir) {
            Err(e) if e.kind() == ErrorKind::NotFound => {
                self.create_dirs(dir).map_err(|e| Error::io(key, e))?;
                create_temp(dir)
            }
            r => r,
        }
        .map_err(|e| Error::io(key, e))?;
        // Temporaries of writers killed long ago (module fs_guard).
        self.swept.sweep(dir, TMP_PREFIX);
        let result = (|| {
            f.write_all(value)?;
            if self.durable {
                f.sync_all()?;
            }
            drop(f);
            fs::rename(&tmp, &path)?;
            self.sync_dir(dir)
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&tmp);
            return Err(Error::io(key, e));
        }
        Ok(())
    }

    fn lock_key(&self, key: &str) -> Result<super::KeyLock> {
        if !self.process_locks {
            return Ok(super::KeyLock::default());
        }
        self.flock_sidecar(key)
    }

    /// Compare-and-swap under the key's lock file (the one `process_locks`
    /// uses): every `put_if` of a key, from any process on any host that
    /// shares the filesystem, takes the `flock`, compares the digest of the
    /// current value and renames the new one in. Plain `set`s do not take
    /// it; writers that must not lose updates use `put_if` (metadata
    /// always) or `process_locks` (chunks).
    fn put_if(&self, key: &str, value: &[u8], condition: &super::Condition) -> Result<bool> {
        let _lock = self.flock_sidecar(key)?;
        let holds = match (condition, self.get(key)?) {
            (super::Condition::Absent, None) => true,
            (super::Condition::Matches(v), Some(now)) => super::Version::of_bytes(&now) == *v,
            _ => false,
        };
        if holds {
            self.set(key, value)?;
        }
        Ok(holds)
    }

    fn delete(&self, key: &str) -> Result<()> {
        self.check_inside(key, "delete")?;
        match fs::remove_file(self.path(key)) {
            Ok(()) => self.sync_parent(key),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(key, e)),
        }
    }

    fn delete_prefix(&self, prefix: &str) -> Result<()> {
        if prefix.is_empty() {
            return Err(Error::InvalidArgument("refusing to delete the whole store".into()));
        }
        // remove_dir_all removes a link at `prefix` (or below it), never its target.
        self.check_inside(prefix, "delete")?;
        match fs::remove_dir_all(self.path(prefix)) {
            Ok(()) => self.sync_parent(prefix),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(prefix, e)),
        }
    }

    fn rename_prefix(&self, from: &str, to: &str) -> Result<()> {
        if from.is_empty() || to.is_empty() {
            return Err(Error::InvalidArgument("refusing to rename the store's root".into()));
        }
        self.check_inside(from, "rename")?;
        self.check_inside(to, "rename")?;
        let (src, dst) = (self.path(from), self.path(to));
        // rename(2) would replace an empty directory at `to`: refuse any.
        if fs::symlink_metadata(&dst).is_ok() {
            return Err(Error::Exists(format!("\"{to}\"")));
        }
        if let Some(parent) = dst.parent() {
            self.create_dirs(parent).map_err(|e| Error::io(to, e))?;
        }
        fs::rename(&src, &dst).map_err(|e| match e.kind() {
            ErrorKind::NotFound => Error::NotFound(format!("\"{from}\"")),
            _ => Error::io(from, e),
        })?;
        self.sync_parent(from)?;
        self.sync_parent(to)
    }

    fn list_dir(&self, prefix: &str) -> Result<Vec<ListEntry>> {
        let dir = if prefix.is_empty() {
            self.root.clone()
        } else {
            self.path(prefix)
        };
        let rd = match fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(Error::io(prefix, e)),
        };
        let mut out = vec![];
        for ent in rd {
            let ent = ent.map_err(|e| Error::io(prefix, e))?;
            let Ok(name) = ent.file_name().into_string() else {
                continue;
            };
            if name.starts_with(TMP_PREFIX) {
                continue;
            }
            let is_dir = ent.file_type().map(|t| t.is_dir()).unwrap_or(false);
            out.push(ListEntry { name, is_dir });
        }
        out.sort();
        Ok(out)
    }

    fn exists(&self, key: &str) -> Result<bool> {
        Ok(self.path(key).is_file())
    }

    fn open(&self, key: &str) -> Result<Box<dyn super::ByteSource + '_>> {
        // One open file for the whole decode: writes rename a new file over
        // the key, so this one stays the version it was when opened.
        // Non-regular files (FIFOs, devices) are refused before any blocking read.
        let file = match fs_guard::open_value(&self.path(key), key)? {
            Found::File(f, size) => Some((f, size)),
            Found::Missing => None,
        };
        Ok(Box::new(FileSource {
            key: key.to_owned(),
            file,
        }))
    }

    fn size(&self, key: &str) -> Result<Option<u64>> {
        match fs::metadata(self.path(key)) {
            Ok(m) if m.is_file() => Ok(Some(m.len())),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == ErrorKind::NotFound || e.kind() == ErrorKind::NotADirectory => Ok(None),
            Err(e) => Err(Error::io(key, e)),
        }
    }

    fn reader(&self, key: &str) -> Result<Option<Box<dyn std::io::Read + Send>>> {
        match fs_guard::open_value(&self.path(key), key)? {
            // Renames replace the file whole, so an open handle reads one version.
            Found::File(f, _) => Ok(Some(Box::new(std::io::BufReader::with_capacity(1 << 18, f)))),
            Found::Missing => Ok(None),
        }
    }
}

/// A stored value as one open file and its size (None: no such key).
struct FileSource {
    key: String,
    file: Option<(File, u64)>,
}

impl FileSource {
    /// Positioned reads only: several threads may read one source at once.
    fn read_at(&self, offset: u64, len: u64) -> Result<Option<Vec<u8>>> {
        let Some((f, size)) = &self.file else { return Ok(None) };
        let start = offset.min(*size);
        let n = len.min(size - start) as usize;
        let mut buf = crate::error::try_alloc(n, format_args!("reading \"{}\"", self.key))?;
        f.read_exact_at(&mut buf, start).map_err(|e| Error::io(&self.key, e))?;
        Ok(Some(buf))
    }
}

impl super::ByteSource for FileSource {
    fn key(&self) -> &str {
        &self.key
    }
    fn get(&self) -> Result<Option<Vec<u8>>> {
        self.read_at(0, u64::MAX)
    }
    fn get_range(&self, offset: u64, len: u64) -> Result<Option<Vec<u8>>> {
        self.read_at(offset, len)
    }
    fn get_suffix(&self, len: u64) -> Result<Option<Vec<u8>>> {
        let size = self.file.as_ref().map_or(0, |f| f.1);
        self.read_at(size.saturating_sub(len), len)
    }
    fn reader(&self) -> Result<Option<Box<dyn std::io::Read + Send + '_>>> {
        Ok(self.file.as_ref().map(|(f, _)| {
            let r = PosReader { file: f, pos: 0 };
            Box::new(std::io::BufReader::with_capacity(1 << 18, r)) as Box<dyn std::io::Read + Send>
        }))
    }
}

/// Reads a file from the start with positioned reads (the file's own
/// offset is left alone, so readers of one source do not disturb each other).
struct PosReader<'a> {
    file: &'a File,
    pos: u64,
}

impl std::io::Read for PosReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_locks_exclude_each_other() {
        use std::sync::atomic::AtomicBool;
        let d = tempfile::tempdir().unwrap();
        let s = FsStore::open_with(d.path().join("s.zarr"), true, true).unwrap();
        let held = s.lock_key("a/c/0/1").unwrap();
        assert!(d.path().join("s.zarr/.zarr-locks/a/c/0/1.lock").exists());
        // A second lock (its own open file, as another process has) waits.
        let taken = AtomicBool::new(false);
        std::thread::scope(|sc| {
            sc.spawn(|| {
                let _second = s.lock_key("a/c/0/1").unwrap();
                taken.store(true, Ordering::SeqCst);
            });
            std::thread::sleep(std::time::Duration::from_millis(200));
            assert!(
                !taken.load(Ordering::SeqCst),
                "second lock taken while the first was held"
            );
            drop(held);
        });
        assert!(taken.load(Ordering::SeqCst));
        // Other keys are independent; without the option nothing is created.
        let _x = s.lock_key("a/c/0/2").unwrap();
        let _y = s.lock_key("a/c/0/3").unwrap();
        let plain = FsStore::open(d.path().join("p.zarr"), true).unwrap();
        let _z = plain.lock_key("a/c/0/1").unwrap();
        assert!(!d.path().join("p.zarr/.zarr-locks").exists());
    }

    #[test]
    fn set_get_range_delete_list() {
        let d = tempfile::tempdir().unwrap();
        let s = FsStore::open(d.path().join("s.zarr"), true).unwrap();
        s.set("a/b/c/0/0", b"0123456789").unwrap();
        assert_eq!(s.get_range("a/b/c/0/0", 3, 4).unwrap().unwrap(), b"3456");
        assert_eq!(s.get_range("a/b/c/0/0", 8, 100).unwrap().unwrap(), b"89");
        assert_eq!(s.size("a/b/c/0/0").unwrap(), Some(10));
        assert_eq!(s.size("a/b/c").unwrap(), None, "a directory is no value");
        assert_eq!(s.size("a/b/nope").unwrap(), None);
        assert!(s.get("a/b/nope").unwrap().is_none());
        assert!(s.get("a/b/c/0/0/x").unwrap().is_none());
        assert_eq!(
            s.list_dir("a").unwrap(),
            vec![ListEntry {
                name: "b".into(),
                is_dir: true
            }]
        );
        // No temporary file is left behind.
        assert_eq!(s.list_dir("a/b/c/0").unwrap().len(), 1);
        assert_eq!(fs::read_dir(d.path().join("s.zarr/a/b/c/0")).unwrap().count(), 1);
        s.delete("a/b/c/0/0").unwrap();
        s.delete("a/b/c/0/0").unwrap();
        assert!(!s.exists("a/b/c/0/0").unwrap());
        assert!(matches!(
            FsStore::open(d.path().join("missing"), false),
            Err(Error::NotFound(_))
        ));
        s.set("a/bc", b"1").unwrap();
        s.delete_prefix("a/b").unwrap();
        s.delete_prefix("a/b").unwrap();
        assert!(!d.path().join("s.zarr/a/b").exists());
        assert!(s.exists("a/bc").unwrap());
        assert!(s.delete_prefix("").is_err());
    }
}
