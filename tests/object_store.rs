//! The object store backend over object_store's in-memory store (no server):
//! the Store contract (ranges, suffixes, listings, prefix deletes) and array
//! round trips through the concurrent read and write paths.

use object_store::memory::InMemory;
use std::sync::Arc;
use zarr::store::object::ObjectStoreBackend;
use zarr::store::{runtime, ListEntry, ObjectOptions, Store};
use zarr::{DataType, Group, Mode, Selection};

fn backend(conc: usize) -> Arc<dyn Store> {
    let opts = ObjectOptions {
        max_concurrency: Some(conc),
        ..Default::default()
    };
    Arc::new(ObjectStoreBackend::from_object_store(
        Arc::new(InMemory::new()),
        "mem://t",
        &opts,
    ))
}

#[test]
fn store_contract() {
    let s = backend(8);
    assert_eq!(s.get("a/b").unwrap(), None);
    assert!(!s.exists("a/b").unwrap());
    s.set("a/b", b"0123456789").unwrap();
    s.set("a/c/d", b"x").unwrap();
    s.set("a/c/e", b"y").unwrap();
    s.set("z", b"").unwrap();
    assert!(s.exists("a/b").unwrap());
    assert_eq!(s.get_range("a/b", 2, 3).unwrap().unwrap(), b"234");
    assert_eq!(s.get_range("a/b", 8, 10).unwrap().unwrap(), b"89");
    assert_eq!(s.get_suffix("a/b", 4).unwrap().unwrap(), b"6789");
    assert_eq!(s.get_suffix("a/b", 40).unwrap().unwrap(), b"0123456789");
    assert_eq!(s.get_range("missing", 0, 4).unwrap(), None);
    assert_eq!(s.get_suffix("missing", 4).unwrap(), None);
    let names = |v: Vec<ListEntry>| v.into_iter().map(|e| (e.name, e.is_dir)).collect::<Vec<_>>();
    assert_eq!(
        names(s.list_dir("").unwrap()),
        [("a".into(), true), ("z".into(), false)]
    );
    assert_eq!(
        names(s.list_dir("a").unwrap()),
        [("b".into(), false), ("c".into(), true)]
    );
    let keys: Vec<String> = ["a/b", "nope", "a/c/d"].iter().map(|k| k.to_string()).collect();
    let mut got: Vec<_> = s.get_stream(keys, 2).map(|(i, v)| (i, v.unwrap())).collect();
    got.sort();
    assert_eq!(
        got,
        [(0, Some(b"0123456789".to_vec())), (1, None), (2, Some(b"x".to_vec()))]
    );
    s.delete_prefix("a/c").unwrap();
    assert_eq!(names(s.list_dir("a").unwrap()), [("b".into(), false)]);
    s.delete("a/b").unwrap();
    s.delete("a/b").unwrap();
    assert!(s.delete_prefix("").is_err());
    assert!(matches!(s.rename_prefix("a", "b"), Err(zarr::Error::Unsupported(_))));
}

#[test]
fn arrays_round_trip_through_the_concurrent_paths() {
    for conc in [1, 4, 64] {
        let root = Group::open_root_in(backend(conc), Mode::Create, None).unwrap();
        let shape = [50u64, 37];
        let data: Vec<u8> = (0..50 * 37).flat_map(|v: i32| (v * 3).to_ne_bytes()).collect();
        let meta = root
            .simple_metadata(DataType::Int32, &shape, &[8, 5], None, None)
            .unwrap();
        let a = root.create_array("x", meta).unwrap();
        a.write(&Selection::all(&shape), DataType::Int32, &data).unwrap();
        let mut out = vec![0u8; data.len()];
        a.read(&Selection::all(&shape), DataType::Int32, &mut out).unwrap();
        assert_eq!(out, data);
        // a strided read converted to f64
        let sel = Selection::new(&shape, &[1, 2], &[10, 7], Some(&[5, 5])).unwrap();
        let mut f = vec![0u8; 70 * 8];
        a.read(&sel, DataType::Float64, &mut f).unwrap();
        let got: Vec<f64> = f.chunks(8).map(|c| f64::from_ne_bytes(c.try_into().unwrap())).collect();
        let want: Vec<f64> = (0..70)
            .map(|i| (((1 + 5 * (i / 7)) * 37 + 2 + 5 * (i % 7)) * 3) as f64)
            .collect();
        assert_eq!(got, want);
        // sharded
        let meta = root
            .sharded_metadata(DataType::Int32, &shape, &[25, 20], &[5, 5], None, None)
            .unwrap();
        let s = root.create_array("s", meta).unwrap();
        s.write(&Selection::all(&shape), DataType::Int32, &data).unwrap();
        let mut out = vec![0u8; data.len()];
        s.read(&Selection::all(&shape), DataType::Int32, &mut out).unwrap();
        assert_eq!(out, data);
        // a corrupt chunk is a codec error naming its key, and stops the read
        root.store().set("x/c/0/0", b"garbage").unwrap();
        let e = a.read(&Selection::all(&shape), DataType::Int32, &mut out).unwrap_err();
        assert!(matches!(&e, zarr::Error::Codec(m) if m.contains("x/c/0/0")), "{e}");
        root.delete("x").unwrap();
        assert!(root.store().list_dir("x").unwrap().is_empty());
    }
    assert!(runtime::started());
}

#[test]
fn block_on_inside_a_runtime_does_not_deadlock() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let s = backend(4);
    s.set("k", b"v").unwrap();
    let got = rt.block_on(async { s.get("k").unwrap() });
    assert_eq!(got.unwrap(), b"v");
    let got: Vec<_> = rt.block_on(async { s.get_stream(vec!["k".into()], 1).collect() });
    assert_eq!(got.len(), 1);
}
