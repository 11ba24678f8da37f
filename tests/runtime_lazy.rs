//! Local use never starts the object stores' tokio runtime (its own test
//! binary, so no other test in the process can have started it).

use zarr::store::runtime;
use zarr::{DataType, Group, Mode, Selection};

#[test]
fn local_and_memory_stores_do_not_start_the_runtime() {
    let d = tempfile::tempdir().unwrap();
    let url = d.path().join("a.zarr");
    for url in [url.to_str().unwrap(), "memory://t-runtime-lazy"] {
        let root = Group::open_root(url, Mode::Create, None).unwrap();
        let meta = root
            .simple_metadata(DataType::Int32, &[100], &[10], None, None)
            .unwrap();
        let a = root.create_array("x", meta).unwrap();
        let sel = Selection::new(&[100], &[0], &[100], None).unwrap();
        let data: Vec<u8> = (0..100i32).flat_map(|v| v.to_ne_bytes()).collect();
        a.write(&sel, DataType::Int32, &data).unwrap();
        let mut back = vec![0u8; 400];
        a.read(&sel, DataType::Int32, &mut back).unwrap();
        assert_eq!(back, data);
    }
    assert!(!runtime::started(), "a local store started the I/O runtime");
    // Opening (not using) an object store does not start it either.
    let _ = zarr::store::open_url("s3://bucket/x", false).unwrap();
    assert!(!runtime::started());
}
