//! Reads through pinned byte sources: a read racing rewrites of a shard sees
//! the old shard or the new one, never a mix and never an error (on the
//! filesystem, the memory store and an object store); a source keeps one
//! version of its value; nearby inner chunks of a shard are fetched in one
//! ranged request, counted on the filesystem and on an object store.

use object_store::memory::InMemory;
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use zarr::store::fs::FsStore;
use zarr::store::memory::MemoryStore;
use zarr::store::object::ObjectStoreBackend;
use zarr::store::source::{is_changed, LOCAL_COALESCE_GAP, REMOTE_COALESCE_GAP};
use zarr::store::{ObjectOptions, Store};
use zarr::{Array, DataType, Group, Mode, Selection};

#[path = "common/counting.rs"]
mod counting;
use counting::Counting;

fn object_backend() -> ObjectStoreBackend {
    let opts = ObjectOptions {
        max_concurrency: Some(8),
        ..Default::default()
    };
    ObjectStoreBackend::from_object_store(Arc::new(InMemory::new()), "mem://pinned", &opts)
}

fn u32s(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_ne_bytes()).collect()
}
fn to_u32s(b: &[u8]) -> Vec<u32> {
    b.chunks(4).map(|c| u32::from_ne_bytes(c.try_into().unwrap())).collect()
}

/// A uint32 array of `shape` in shards of `shard` made of `inner` chunks
/// stored uncompressed: every version of a shard has the same layout, so
/// an index of one version read with the chunks of another would decode
/// silently to a mix.
fn sharded(store: Arc<dyn Store>, shape: &[u64], shard: &[u64], inner: &[u64], codecs: serde_json::Value) -> Array {
    let root = Group::open_root_in(store, Mode::Create, None).unwrap();
    let list = codecs.as_array().unwrap().clone();
    let meta = root
        .sharded_metadata(DataType::UInt32, shape, shard, inner, Some(&list), None)
        .unwrap();
    root.create_array("x", meta).unwrap()
}

fn plain() -> serde_json::Value {
    json!([{"name": "bytes", "configuration": {"endian": "little"}}])
}

/// Version `g` of the array: element i holds g * 2^20 + i.
fn version(g: u32, n: usize) -> Vec<u32> {
    (0..n as u32).map(|i| (g << 20) + i).collect()
}

/// One writer rewrites the array (one shard) whole, `rewrites` times; two
/// readers read it whole and in a strided part meanwhile. Every read must
/// succeed and show one version throughout.
fn race(store: Arc<dyn Store>) {
    let shape = [64u64, 64];
    let n = 64 * 64;
    let a = Arc::new(sharded(store, &shape, &shape, &[8, 8], plain()));
    a.write(&Selection::all(&shape), DataType::UInt32, &u32s(&version(1, n)))
        .unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let rewrites = 150u32;
    std::thread::scope(|s| {
        let (a2, done2) = (a.clone(), done.clone());
        s.spawn(move || {
            for g in 2..=rewrites {
                a2.write(&Selection::all(&shape), DataType::UInt32, &u32s(&version(g, n)))
                    .unwrap();
            }
            done2.store(true, Ordering::SeqCst);
        });
        for strided in [false, true] {
            let (a, done, reads) = (a.clone(), done.clone(), reads.clone());
            s.spawn(move || {
                // Bounded: stops with the writer, or after 5,000 reads.
                for _ in 0..5_000 {
                    let stop = done.load(Ordering::SeqCst);
                    let sel = if strided {
                        // Every 9th row and 9th column: inner chunks apart from each other.
                        Selection::new(&shape, &[1, 2], &[7, 7], Some(&[9, 9])).unwrap()
                    } else {
                        Selection::all(&shape)
                    };
                    let mut out = vec![0u8; sel.num_elements().unwrap() * 4];
                    a.read(&sel, DataType::UInt32, &mut out)
                        .unwrap_or_else(|e| panic!("a read racing a rewrite failed: {e}"));
                    let got = to_u32s(&out);
                    let g = got[0] >> 20;
                    let want: Vec<u32> = if strided {
                        (0..49)
                            .map(|k| (g << 20) + (1 + 9 * (k / 7)) * 64 + 2 + 9 * (k % 7))
                            .collect()
                    } else {
                        version(g, n)
                    };
                    assert!(
                        got == want,
                        "a read saw a mix of versions (first element of version {g})"
                    );
                    reads.fetch_add(1, Ordering::SeqCst);
                    if stop {
                        break;
                    }
                }
            });
        }
    });
    assert!(reads.load(Ordering::SeqCst) >= 2);
}

#[test]
fn reads_racing_rewrites_see_one_version_filesystem() {
    let d = tempfile::tempdir().unwrap();
    race(Arc::new(FsStore::open(d.path().into(), true).unwrap()));
}

#[test]
fn reads_racing_rewrites_see_one_version_object_store() {
    race(Arc::new(object_backend()));
}

#[test]
fn reads_racing_rewrites_see_one_version_memory() {
    race(Arc::new(MemoryStore::default()));
}

/// A source opened before a rewrite keeps reading the old value (files,
/// memory), or says the value changed (object stores: If-Match fails), so a
/// decode never mixes the two.
#[test]
fn a_source_keeps_one_version() {
    let d = tempfile::tempdir().unwrap();
    let stores: Vec<Arc<dyn Store>> = vec![
        Arc::new(FsStore::open(d.path().into(), true).unwrap()),
        Arc::new(MemoryStore::default()),
    ];
    for s in stores {
        s.set("k", b"old-value-0123").unwrap();
        let src = s.open("k").unwrap();
        assert_eq!(src.get_suffix(4).unwrap().unwrap(), b"0123");
        s.set("k", b"NEW-VALUE-9876").unwrap();
        assert_eq!(src.get_range(0, 9).unwrap().unwrap(), b"old-value", "{}", s.id());
        assert_eq!(src.get().unwrap().unwrap(), b"old-value-0123");
        s.delete("k").unwrap();
        assert_eq!(src.get_range(4, 5).unwrap().unwrap(), b"value");
        // A missing key is a source that answers None.
        assert!(s.open("k").unwrap().get().unwrap().is_none());
    }
    let o = object_backend();
    o.set("k", b"old-value-0123").unwrap();
    let src = o.open("k").unwrap();
    assert_eq!(src.get_suffix(4).unwrap().unwrap(), b"0123");
    assert_eq!(src.get_range(0, 3).unwrap().unwrap(), b"old");
    o.set("k", b"NEW-VALUE-9876").unwrap();
    let e = src.get_range(0, 9).unwrap_err();
    assert!(is_changed(&e), "{e}");
    // A fresh source reads the new value; a missing key answers None.
    assert_eq!(o.open("k").unwrap().get_range(0, 3).unwrap().unwrap(), b"NEW");
    assert!(o.open("nope").unwrap().get_suffix(4).unwrap().is_none());
}

/// Requests and bytes of reads through the counting wrapper.
/// `merged`: the store's gap threshold exceeds three inner chunks (192 KiB).
fn coalescing(store: Arc<Counting<impl Store + 'static>>, merged: bool) {
    // 4 x 4 inner chunks of 128 x 128 uint32 (64 KiB each) per 512 x 512 shard,
    // 2 x 1 shards; zstd inner chunks for the whole-shard reads.
    let shape = [1024u64, 512];
    let a = sharded(
        store.clone(),
        &shape,
        &[512, 512],
        &[128, 128],
        json!([{"name": "bytes", "configuration": {"endian": "little"}}]),
    );
    let n = (shape[0] * shape[1]) as usize;
    let data = version(3, n);
    a.write(&Selection::all(&shape), DataType::UInt32, &u32s(&data))
        .unwrap();
    let index = 16 * 16 + 4;
    let inner = 128 * 128 * 4;
    store.take();
    // Whole array: per shard the index and one request for its 16 adjacent inner chunks.
    let mut out = vec![0u8; n * 4];
    a.read(&Selection::all(&shape), DataType::UInt32, &mut out).unwrap();
    assert!(to_u32s(&out) == data);
    let c = store.take();
    assert_eq!((c.reads, c.bytes), (2 * 2, 2 * (index + 16 * inner)), "whole array");
    // One row of inner chunks of one shard: adjacent, one request.
    let sel = Selection::new(&shape, &[128, 0], &[128, 512], None).unwrap();
    let mut out = vec![0u8; 128 * 512 * 4];
    a.read(&sel, DataType::UInt32, &mut out).unwrap();
    assert_eq!(to_u32s(&out)[..4], data[128 * 512..128 * 512 + 4]);
    let c = store.take();
    assert_eq!((c.reads, c.bytes), (2, index + 4 * inner), "one row of inner chunks");
    // One column of inner chunks: three inner chunks (192 KiB) apart each.
    // Closer than the gap threshold: one request with the gaps; farther:
    // one request per inner chunk.
    let sel = Selection::new(&shape, &[0, 0], &[512, 128], None).unwrap();
    let mut out = vec![0u8; 512 * 128 * 4];
    a.read(&sel, DataType::UInt32, &mut out).unwrap();
    let got = to_u32s(&out);
    assert!((0..512 * 128).all(|i| got[i] == data[(i / 128) * 512 + i % 128]));
    let c = store.take();
    if merged {
        assert_eq!((c.reads, c.bytes), (2, index + 13 * inner), "one column, merged");
    } else {
        assert_eq!((c.reads, c.bytes), (1 + 4, index + 4 * inner), "one column, apart");
    }
}

#[test]
fn nearby_inner_chunks_are_one_request_filesystem() {
    let d = tempfile::tempdir().unwrap();
    let fs = FsStore::open(d.path().into(), true).unwrap();
    coalescing(Arc::new(Counting::new(fs)), 3 * 65536 <= LOCAL_COALESCE_GAP);
}

#[test]
fn nearby_inner_chunks_are_one_request_object_store() {
    coalescing(
        Arc::new(Counting::new(object_backend())),
        3 * 65536 <= REMOTE_COALESCE_GAP,
    );
}

/// Nested shards read by range too: the outer index, then one request for
/// the inner shards the read needs (their own indexes come with them).
#[test]
fn nested_shards_read_what_they_need() {
    let store = Arc::new(Counting::new(MemoryStore::default()));
    let inner = json!([{"name": "sharding_indexed", "configuration": {
        "chunk_shape": [4, 4], "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}],
        "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "crc32c"}]}}]);
    let a = sharded(store.clone(), &[32, 32], &[32, 32], &[16, 16], inner);
    let data = version(5, 32 * 32);
    a.write(&Selection::all(&[32, 32]), DataType::UInt32, &u32s(&data))
        .unwrap();
    store.take();
    let sel = Selection::new(&[32, 32], &[17, 3], &[2, 2], None).unwrap();
    let mut out = vec![0u8; 16];
    a.read(&sel, DataType::UInt32, &mut out).unwrap();
    assert_eq!(
        to_u32s(&out),
        [17 * 32 + 3, 17 * 32 + 4, 18 * 32 + 3, 18 * 32 + 4].map(|i| data[i])
    );
    let c = store.take();
    // Outer index (4 entries) + one inner shard (16 inner chunks of 64 bytes + its index).
    assert_eq!((c.reads, c.bytes), (2, (4 * 16 + 4) + (16 * 64 + 16 * 16 + 4)));
    let mut all = vec![0u8; 32 * 32 * 4];
    a.read(&Selection::all(&[32, 32]), DataType::UInt32, &mut all).unwrap();
    assert!(to_u32s(&all) == data);
}
