//! Versioned repositories (src/repo, docs/repository.md): sessions, time
//! travel, dedup, diff cost, verify, concurrent commits, expire + gc.

use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use zarr::repo::{self, objects};
use zarr::store::{memory::MemoryStore, ByteSource, ListEntry, RepoSelect, Store};
use zarr::{DataType, Error, Group, Mode, Selection, ZarrFormat};

fn fresh(name: &str) -> Arc<dyn Store> {
    let s = MemoryStore::named(name);
    s.delete_prefix("").unwrap();
    repo::create(s.clone(), ZarrFormat::V3, Some("tester")).unwrap();
    s
}

fn sel_branch(b: &str) -> RepoSelect {
    RepoSelect {
        branch: Some(b.into()),
        ..Default::default()
    }
}

fn open(store: &Arc<dyn Store>, mode: Mode, mut sel: RepoSelect) -> Group {
    sel.author.get_or_insert_with(|| "tester".into());
    Group::open_repo_in(store.clone(), mode, &sel).unwrap()
}

fn i32s(v: &[i32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_ne_bytes()).collect()
}

fn read_all(g: &Group, path: &str) -> Vec<i32> {
    let a = g.open_array(path).unwrap();
    let shape = a.shape();
    let n: u64 = shape.iter().product();
    let mut out = vec![0u8; n as usize * 4];
    a.read(&Selection::all(&shape), DataType::Int32, &mut out).unwrap();
    out.chunks(4)
        .map(|c| i32::from_ne_bytes(c.try_into().unwrap()))
        .collect()
}

fn make_array(g: &Group, path: &str, shape: &[u64], chunks: &[u64], data: &[i32]) {
    let meta = g
        .simple_metadata(DataType::Int32, shape, chunks, Some(&[]), None)
        .unwrap();
    let a = g.create_array(path, meta).unwrap();
    a.write(&Selection::all(shape), DataType::Int32, &i32s(data)).unwrap();
}

fn session(g: &Group) -> Arc<repo::Session> {
    g.repository().expect("a repository session").clone()
}

fn objects_in(store: &Arc<dyn Store>, dir: &str) -> usize {
    store.list_dir(dir).unwrap().len()
}

#[test]
fn round_trip_and_time_travel() {
    let store = fresh("t-repo-roundtrip");
    let g = open(&store, Mode::Write, RepoSelect::default());
    make_array(&g, "model/temp", &[4, 6], &[2, 3], &(0..24).collect::<Vec<_>>());
    let a = g.open_array("model/temp").unwrap();
    a.set_attributes(json!({"units": "K"}).as_object().unwrap().clone())
        .unwrap();
    g.create_group("aux", Default::default()).unwrap();
    make_array(&g, "aux/tmp", &[2], &[1], &[7, 8]);
    // Uncommitted changes are invisible to others.
    let other = open(&store, Mode::Read, RepoSelect::default());
    assert!(other.open_array("model/temp").is_err());
    let s = session(&g);
    let id1 = s.commit("first").unwrap();
    s.create_ref(repo::refs::Kind::Tag, "v1", None).unwrap();
    // Resize, append, delete, rename, attribute change inside the session.
    a.append(0, 2, DataType::Int32, &i32s(&(100..112).collect::<Vec<_>>()))
        .unwrap();
    a.write(
        &Selection::new(&[6, 6], &[0, 0], &[1, 1], None).unwrap(),
        DataType::Int32,
        &i32s(&[-1]),
    )
    .unwrap();
    a.set_attributes(json!({"units": "degC"}).as_object().unwrap().clone())
        .unwrap();
    g.delete("aux/tmp").unwrap();
    g.rename("model", "renamed").unwrap();
    let id2 = s.commit("second").unwrap();
    assert_ne!(id1, id2);

    let now = open(&store, Mode::Read, RepoSelect::default());
    let v = read_all(&now, "renamed/temp");
    assert_eq!(v.len(), 36);
    assert_eq!(v[0], -1);
    assert_eq!(v[1..24], (1..24).collect::<Vec<_>>()[..]);
    assert_eq!(v[24..], (100..112).collect::<Vec<_>>()[..]);
    assert!(now.open_array("model/temp").is_err());
    assert!(now.open_array("aux/tmp").is_err());
    assert_eq!(now.open_array("renamed/temp").unwrap().attributes()["units"], "degC");

    for sel in [
        RepoSelect {
            tag: Some("v1".into()),
            ..Default::default()
        },
        RepoSelect {
            snapshot: Some(id1.clone()),
            ..Default::default()
        },
    ] {
        let old = open(&store, Mode::Read, sel.clone());
        assert_eq!(read_all(&old, "model/temp"), (0..24).collect::<Vec<_>>());
        assert_eq!(read_all(&old, "aux/tmp"), vec![7, 8]);
        assert_eq!(old.open_array("model/temp").unwrap().attributes()["units"], "K");
        assert!(old.open_array("renamed/temp").is_err());
        // Writing at a tag or snapshot is refused.
        assert!(matches!(
            Group::open_repo_in(store.clone(), Mode::Write, &sel),
            Err(Error::ReadOnly(_))
        ));
    }
    // The log, newest first: second, first, the creation.
    let log = s.log().unwrap();
    let msgs: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(msgs, ["second", "first", "Repository created"]);
    assert_eq!(log[0]["parents"], json!([id1]));
    assert_eq!(log[0]["author"], "tester");
    // A reader pinned at open time does not move; a new one sees the head.
    assert!(other.open_array("model/temp").is_err());
    // A reset drops what was not committed.
    make_array(&g, "scratch", &[2], &[2], &[1, 2]);
    s.reset();
    assert!(!s.has_changes());
    s.commit("empty").unwrap();
    assert!(open(&store, Mode::Read, RepoSelect::default())
        .open_array("scratch")
        .is_err());
}

#[test]
fn identical_chunks_are_stored_once() {
    let store = fresh("t-repo-dedup");
    let g = open(&store, Mode::Write, RepoSelect::default());
    let data: Vec<i32> = (0..64).collect();
    make_array(&g, "a", &[64], &[8], &data);
    make_array(&g, "b", &[64], &[8], &data);
    session(&g).commit("two arrays, same data").unwrap();
    // 8 distinct chunks, each stored once, though 16 chunk keys refer to them.
    assert_eq!(objects_in(&store, objects::CHUNKS), 8);
    let d = session(&g).diff_arrays("a", "b").unwrap();
    assert_eq!(d, json!({"differ": []}));
    // Change two chunks of b: diff_arrays names exactly those.
    let b = g.open_array("b").unwrap();
    b.write(
        &Selection::new(&[64], &[17], &[1], None).unwrap(),
        DataType::Int32,
        &i32s(&[0]),
    )
    .unwrap();
    b.write(
        &Selection::new(&[64], &[60], &[1], None).unwrap(),
        DataType::Int32,
        &i32s(&[0]),
    )
    .unwrap();
    assert_eq!(
        session(&g).diff_arrays("a", "b").unwrap(),
        json!({"differ": [[2], [7]]})
    );
    session(&g).commit("b changed").unwrap();
    assert_eq!(objects_in(&store, objects::CHUNKS), 10);
}

/// Records the keys read through it.
#[derive(Debug)]
struct Recording {
    inner: Arc<dyn Store>,
    keys: Mutex<Vec<String>>,
}

impl Recording {
    fn seen(&self, k: &str) {
        self.keys.lock().unwrap().push(k.to_owned());
    }
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.keys.lock().unwrap())
    }
}

impl Store for Recording {
    fn id(&self) -> &str {
        self.inner.id()
    }
    fn get(&self, key: &str) -> zarr::Result<Option<Vec<u8>>> {
        self.seen(key);
        self.inner.get(key)
    }
    fn get_range(&self, key: &str, o: u64, l: u64) -> zarr::Result<Option<Vec<u8>>> {
        self.seen(key);
        self.inner.get_range(key, o, l)
    }
    fn set(&self, key: &str, value: &[u8]) -> zarr::Result<()> {
        self.inner.set(key, value)
    }
    fn delete(&self, key: &str) -> zarr::Result<()> {
        self.inner.delete(key)
    }
    fn delete_prefix(&self, prefix: &str) -> zarr::Result<()> {
        self.inner.delete_prefix(prefix)
    }
    fn list_dir(&self, prefix: &str) -> zarr::Result<Vec<ListEntry>> {
        self.seen(&format!("list:{prefix}"));
        self.inner.list_dir(prefix)
    }
    fn open(&self, key: &str) -> zarr::Result<Box<dyn ByteSource + '_>> {
        self.seen(key);
        self.inner.open(key)
    }
}

#[test]
fn diff_of_one_chunk_in_ten_thousand_reads_only_the_changed_pages() {
    let base = fresh("t-repo-diffcost");
    let g = open(&base, Mode::Write, RepoSelect::default());
    let n = 10_000u64;
    make_array(&g, "v/x", &[100, 100], &[1, 1], &(0..n as i32).collect::<Vec<_>>());
    let s = session(&g);
    let id1 = s.commit("10000 chunks").unwrap();
    let manifests_before = objects_in(&base, objects::MANIFESTS);
    let a = g.open_array("v/x").unwrap();
    a.write(
        &Selection::new(&[100, 100], &[57, 3], &[1, 1], None).unwrap(),
        DataType::Int32,
        &i32s(&[-5]),
    )
    .unwrap();
    let id2 = s.commit("one chunk").unwrap();
    // The commit wrote one leaf page and one root page.
    assert_eq!(objects_in(&base, objects::MANIFESTS), manifests_before + 2);

    let rec = Arc::new(Recording {
        inner: base.clone(),
        keys: Mutex::new(vec![]),
    });
    let g2 = open(&(rec.clone() as Arc<dyn Store>), Mode::Read, RepoSelect::default());
    let root = s.snapshot().manifests["v/x"].root.clone();
    let pages = {
        let r = repo::manifest::Cache::default().root(base.as_ref(), &root).unwrap();
        r.pages.len()
    };
    assert!(pages > 20, "{pages} pages");
    rec.take();
    let d = session(&g2).diff(Some(&id1), Some(&id2)).unwrap();
    assert_eq!(d, json!({"v/x": {"added": [], "removed": [], "changed": [[57, 3]]}}));
    let read = rec.take();
    let manifest_reads: Vec<&String> = read.iter().filter(|k| k.starts_with("manifests/")).collect();
    let chunk_reads = read.iter().filter(|k| k.starts_with("chunks/")).count();
    assert_eq!(chunk_reads, 0, "{read:?}");
    // Two roots and exactly one leaf page on each side.
    assert_eq!(manifest_reads.len(), 4, "{read:?}");
    assert_eq!(
        read.iter().filter(|k| k.starts_with("snapshots/")).count(),
        2,
        "{read:?}"
    );
}

#[test]
fn verify_finds_a_chunk_changed_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("r").to_str().unwrap().to_owned();
    let store = zarr::store::open_url(&url, true).unwrap();
    repo::create(store.clone(), ZarrFormat::V3, None).unwrap();
    let g = Group::open_root(&url, Mode::Write, None).unwrap();
    make_array(&g, "v/x", &[10], &[1], &(1..=10).collect::<Vec<_>>());
    let s = session(&g);
    s.commit("data").unwrap();
    let (report, bad) = s.verify().unwrap();
    assert!(!bad);
    assert_eq!(report["checked"], 10);
    // Overwrite the object of chunk 5 with other bytes.
    let cid = s.chunk_entries("v/x").unwrap()["c/5"].cid.clone();
    std::fs::write(dir.path().join("r/chunks").join(&cid), i32s(&[99])).unwrap();
    let (report, bad) = s.verify().unwrap();
    assert!(bad);
    assert_eq!(report["bad"], json!([{"key": "v/x/c/5", "cid": cid}]));
}

#[test]
fn concurrent_commits_rebase_when_disjoint_and_conflict_when_not() {
    let store = fresh("t-repo-concurrent");
    let g = open(&store, Mode::Write, RepoSelect::default());
    make_array(&g, "x", &[8], &[1], &[0; 8]);
    session(&g).commit("array").unwrap();
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            std::thread::spawn(move || {
                let g = open(&store, Mode::Write, RepoSelect::default());
                let a = g.open_array("x").unwrap();
                a.write(
                    &Selection::new(&[8], &[i], &[1], None).unwrap(),
                    DataType::Int32,
                    &i32s(&[i as i32 + 1]),
                )
                .unwrap();
                session(&g).commit(&format!("chunk {i}")).unwrap()
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let now = open(&store, Mode::Read, RepoSelect::default());
    assert_eq!(read_all(&now, "x"), (1..=8).collect::<Vec<_>>(), "no commit lost");
    assert_eq!(session(&now).log().unwrap().as_array().unwrap().len(), 10);

    // Overlap: both change chunk 0.
    let s1 = open(&store, Mode::Write, RepoSelect::default());
    let s2 = open(&store, Mode::Write, RepoSelect::default());
    for (g, v) in [(&s1, 10), (&s2, 20)] {
        g.open_array("x")
            .unwrap()
            .write(
                &Selection::new(&[8], &[0], &[1], None).unwrap(),
                DataType::Int32,
                &i32s(&[v]),
            )
            .unwrap();
    }
    session(&s1).commit("s1").unwrap();
    let e = session(&s2).commit("s2").unwrap_err();
    assert!(matches!(e, Error::Conflict(ref m) if m.contains("x/c/0")), "{e}");
    assert!(session(&s2).has_changes(), "the changes are kept");
    assert_eq!(read_all(&open(&store, Mode::Read, RepoSelect::default()), "x")[0], 10);
    // A reset and a redo on a fresh session goes in.
    session(&s2).reset();
    let s3 = open(&store, Mode::Write, sel_branch("main"));
    s3.open_array("x")
        .unwrap()
        .write(
            &Selection::new(&[8], &[0], &[1], None).unwrap(),
            DataType::Int32,
            &i32s(&[30]),
        )
        .unwrap();
    session(&s3).commit("s3").unwrap();
    assert_eq!(read_all(&open(&store, Mode::Read, RepoSelect::default()), "x")[0], 30);
}

#[test]
fn expire_and_gc_free_what_only_old_snapshots_used() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().to_str().unwrap().to_owned();
    let store = zarr::store::open_url(&url, true).unwrap();
    repo::create(store.clone(), ZarrFormat::V3, None).unwrap();
    let g = Group::open_root(&url, Mode::Write, None).unwrap();
    let s = session(&g);
    make_array(&g, "x", &[4], &[1], &[1, 2, 3, 4]);
    let old = s.commit("old").unwrap();
    s.create_ref(repo::refs::Kind::Branch, "keep", Some(&old)).unwrap();
    g.open_array("x")
        .unwrap()
        .write(&Selection::all(&[4]), DataType::Int32, &i32s(&[5, 6, 7, 8]))
        .unwrap();
    s.commit("new").unwrap();
    assert_eq!(objects_in(&store, objects::CHUNKS), 8);
    std::thread::sleep(std::time::Duration::from_millis(20));
    // Branch "keep" holds the old snapshot: nothing to free.
    assert_eq!(s.expire(0).unwrap(), 1, "only the creation snapshot goes");
    assert_eq!(s.gc(0).unwrap(), 0);
    s.delete_branch("keep").unwrap();
    assert_eq!(s.expire(0).unwrap(), 1);
    // A cutoff of an hour spares the young objects.
    assert_eq!(s.gc(3600).unwrap(), 0);
    // The old chunks, the old manifest's page and root go.
    assert_eq!(s.gc(0).unwrap(), 4 + 2);
    assert_eq!(objects_in(&store, objects::CHUNKS), 4);
    let now = Group::open_root(&url, Mode::Read, None).unwrap();
    assert_eq!(read_all(&now, "x"), vec![5, 6, 7, 8]);
    assert!(!session(&now).verify().unwrap().1);
    let log = session(&now).log().unwrap();
    assert_eq!(log.as_array().unwrap().len(), 1, "{log}");
    // Read-only roots cannot collect.
    assert!(matches!(session(&now).gc(0), Err(Error::ReadOnly(_))));
    let _: Value = log;
}

#[test]
fn open_rules() {
    let store = fresh("t-repo-open");
    let two = RepoSelect {
        branch: Some("main".into()),
        tag: Some("t".into()),
        ..Default::default()
    };
    assert!(matches!(
        Group::open_repo_in(store.clone(), Mode::Read, &two),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        Group::open_repo_in(store.clone(), Mode::Read, &sel_branch("nope")),
        Err(Error::NotFound(_))
    ));
    // A plain hierarchy is not a repository.
    let plain = MemoryStore::named("t-repo-open-plain");
    Group::open_root_in(plain.clone(), Mode::Create, None).unwrap();
    assert!(matches!(
        Group::open_repo_in(plain, Mode::Read, &sel_branch("main")),
        Err(Error::NotFound(_))
    ));
    // Creating over an existing repository is refused.
    assert!(matches!(
        repo::create(store.clone(), ZarrFormat::V3, None),
        Err(Error::Exists(_))
    ));
    // A read-only session refuses writes.
    let g = open(&store, Mode::Read, RepoSelect::default());
    assert!(g.create_group("x", Default::default()).is_err());
    assert!(matches!(session(&g).commit("m"), Err(Error::ReadOnly(_))));
}
