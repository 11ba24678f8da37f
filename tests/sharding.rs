//! Sharded arrays (`sharding_indexed`) through the safe Rust API: round
//! trips against a reference model, ranged reads, emptiness, faults.

use serde_json::{json, Value};
use std::sync::Arc;
use zarr::store::memory::MemoryStore;
use zarr::store::Store;

#[path = "common/counting.rs"]
mod counting;
use counting::Counting;
use zarr::{DataType, Error, Group, Mode, Selection};

fn i32s(v: &[i32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_ne_bytes()).collect()
}
fn to_i32s(b: &[u8]) -> Vec<i32> {
    b.chunks(4).map(|c| i32::from_ne_bytes(c.try_into().unwrap())).collect()
}

fn sharding_json(inner: &[u64], codecs: Value, location: &str) -> Value {
    json!([{"name": "sharding_indexed", "configuration": {
        "chunk_shape": inner, "codecs": codecs, "index_location": location,
        "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "crc32c"}]}}])
}

#[test]
fn round_trip_against_a_model_both_index_locations_and_stores() {
    let shape = [13u64, 11];
    for loc in ["end", "start"] {
        for fs in [false, true] {
            let d = tempfile::tempdir().unwrap();
            let url = if fs {
                d.path().join("s.zarr").to_str().unwrap().to_owned()
            } else {
                format!("memory://shard-model-{loc}-{}", std::process::id())
            };
            let root = Group::open_root(&url, Mode::Create, None).unwrap();
            let codecs = sharding_json(
                &[3, 2],
                json!([{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "zstd", "configuration": {"level": 1}}]),
                loc,
            );
            let meta = root
                .simple_metadata(
                    DataType::Int32,
                    &shape,
                    &[6, 4],
                    codecs.as_array().map(Vec::as_slice),
                    Some(&(-1i32).to_ne_bytes()),
                )
                .unwrap();
            let a = root.create_array("x", meta).unwrap();
            let doc = a.metadata().to_v3();
            assert_eq!(doc["codecs"][0]["configuration"]["index_location"], loc);
            assert_eq!(doc["chunk_grid"]["configuration"]["chunk_shape"], json!([6, 4]));
            let mut model = vec![-1i32; 13 * 11];
            // (start, count, stride): whole array, partial shards, strided, single elements.
            let writes: &[([u64; 2], [u64; 2], [i64; 2])] = &[
                ([0, 0], [13, 11], [1, 1]),
                ([2, 1], [5, 7], [1, 1]),
                ([0, 0], [7, 6], [2, 2]),
                ([12, 10], [1, 1], [1, 1]),
                ([6, 4], [6, 4], [1, 1]),
            ];
            for (k, (start, count, stride)) in writes.iter().enumerate() {
                let n = (count[0] * count[1]) as usize;
                let vals: Vec<i32> = (0..n).map(|i| (k * 1000 + i) as i32).collect();
                let sel = Selection::new(&shape, start, count, Some(stride)).unwrap();
                a.write(&sel, DataType::Int32, &i32s(&vals)).unwrap();
                for i in 0..count[0] {
                    for j in 0..count[1] {
                        let (r, c) = (start[0] + i * stride[0] as u64, start[1] + j * stride[1] as u64);
                        model[(r * 11 + c) as usize] = vals[(i * count[1] + j) as usize];
                    }
                }
                let mut out = vec![0u8; 13 * 11 * 4];
                a.read(&Selection::all(&shape), DataType::Int32, &mut out).unwrap();
                assert_eq!(to_i32s(&out), model, "{loc} fs={fs} after {start:?} {count:?}");
            }
            // A strided read across shards, converted to f64.
            let sel = Selection::new(&shape, &[1, 0], &[4, 4], Some(&[3, 3])).unwrap();
            let mut out = vec![0u8; 16 * 8];
            a.read(&sel, DataType::Float64, &mut out).unwrap();
            let got: Vec<f64> = out
                .chunks(8)
                .map(|c| f64::from_ne_bytes(c.try_into().unwrap()))
                .collect();
            let want: Vec<f64> = (0..16)
                .map(|i| model[((1 + 3 * (i / 4)) * 11 + 3 * (i % 4)) as usize] as f64)
                .collect();
            assert_eq!(got, want);
            // Reopened from the stored document, the same values.
            let b = root.open_array("x").unwrap();
            let mut again = vec![0u8; 13 * 11 * 4];
            b.read(&Selection::all(&shape), DataType::Int32, &mut again).unwrap();
            assert_eq!(to_i32s(&again), model);
        }
    }
}

#[test]
fn fill_inner_chunks_are_left_out_and_empty_shards_deleted() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::default());
    let root = Group::open_root_in(store.clone(), Mode::Create, None).unwrap();
    let meta = root
        .sharded_metadata(DataType::Int32, &[8], &[4], &[2], Some(&[]), None)
        .unwrap();
    let a = root.create_array("x", meta).unwrap();
    a.write(&Selection::all(&[8]), DataType::Int32, &i32s(&[0, 0, 1, 2, 0, 0, 0, 0]))
        .unwrap();
    // Shard 0 holds one inner chunk (8 bytes) and its index (2 * 16 + 4); shard 1 is not stored.
    assert_eq!(store.get("x/c/0").unwrap().unwrap().len(), 8 + 36);
    assert!(store.get("x/c/1").unwrap().is_none());
    let sel = Selection::new(&[8], &[2], &[2], None).unwrap();
    a.write(&sel, DataType::Int32, &i32s(&[0, 0])).unwrap();
    assert!(store.get("x/c/0").unwrap().is_none());
    a.set_write_empty_chunks(true);
    a.write(&Selection::all(&[8]), DataType::Int32, &i32s(&[0; 8])).unwrap();
    assert_eq!(store.get("x/c/1").unwrap().unwrap().len(), 16 + 36);
}

#[test]
fn reading_one_inner_chunk_reads_only_the_index_and_that_chunk() {
    for loc in ["end", "start"] {
        let counting = Arc::new(Counting::new(MemoryStore::default()));
        let root = Group::open_root_in(counting.clone(), Mode::Create, None).unwrap();
        let codecs = sharding_json(
            &[8, 8],
            json!([{"name": "bytes", "configuration": {"endian": "little"}}]),
            loc,
        );
        let meta = root
            .simple_metadata(
                DataType::Int32,
                &[64, 64],
                &[64, 64],
                codecs.as_array().map(Vec::as_slice),
                None,
            )
            .unwrap();
        let a = root.create_array("x", meta).unwrap();
        let data: Vec<i32> = (1..=64 * 64).collect();
        a.write(&Selection::all(&[64, 64]), DataType::Int32, &i32s(&data))
            .unwrap();
        counting.take();
        let mut out = vec![0u8; 3 * 5 * 4];
        let sel = Selection::new(&[64, 64], &[9, 10], &[3, 5], None).unwrap();
        a.read(&sel, DataType::Int32, &mut out).unwrap();
        // 64 index entries of 16 bytes + crc32c, then one 8x8 int32 chunk: two reads.
        let c = counting.take();
        assert_eq!((c.bytes, c.reads), (64 * 16 + 4 + 8 * 8 * 4, 2), "{loc}");
        let want: Vec<i32> = (0..15).map(|i| data[(9 + i / 5) * 64 + 10 + i % 5]).collect();
        assert_eq!(to_i32s(&out), want);
    }
}

#[test]
fn corrupt_and_truncated_shards_are_codec_errors_naming_the_key() {
    for loc in ["end", "start"] {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::default());
        let root = Group::open_root_in(store.clone(), Mode::Create, None).unwrap();
        let codecs = sharding_json(
            &[2, 2],
            json!([{"name": "bytes", "configuration": {"endian": "little"}}]),
            loc,
        );
        let meta = root
            .simple_metadata(
                DataType::Int32,
                &[4, 4],
                &[4, 4],
                codecs.as_array().map(Vec::as_slice),
                None,
            )
            .unwrap();
        let a = root.create_array("x", meta).unwrap();
        a.write(
            &Selection::all(&[4, 4]),
            DataType::Int32,
            &i32s(&(1..=16).collect::<Vec<_>>()),
        )
        .unwrap();
        let good = store.get("x/c/0/0").unwrap().unwrap();
        let mut out = vec![0u8; 64];
        let expect_codec = |what: &str| {
            let e = a
                .read(&Selection::all(&[4, 4]), DataType::Int32, &mut [0u8; 64])
                .unwrap_err();
            assert!(
                matches!(&e, Error::Codec(m) if m.contains("x/c/0/0")),
                "{loc} {what}: {e}"
            );
            e
        };
        // A wrong index checksum.
        let mut bad = good.clone();
        let at = if loc == "start" { 3 } else { good.len() - 10 };
        bad[at] ^= 0x40;
        store.set("x/c/0/0", &bad).unwrap();
        let e = expect_codec("checksum");
        assert!(e.to_string().contains("crc32c"), "{e}");
        // Truncated: the data lost its tail (index at start) or the index is cut (end).
        store.set("x/c/0/0", &good[..good.len() - 20]).unwrap();
        expect_codec("truncated");
        store.set("x/c/0/0", &good[..10]).unwrap();
        expect_codec("shorter than the index");
        // A partial write of a corrupt shard fails too, changing nothing.
        let sel = Selection::new(&[4, 4], &[0, 0], &[1, 1], None).unwrap();
        assert!(matches!(
            a.write(&sel, DataType::Int32, &i32s(&[7])),
            Err(Error::Codec(_))
        ));
        assert_eq!(store.get("x/c/0/0").unwrap().unwrap(), &good[..10]);
        store.set("x/c/0/0", &good).unwrap();
        a.read(&Selection::all(&[4, 4]), DataType::Int32, &mut out).unwrap();
        assert_eq!(to_i32s(&out), (1..=16).collect::<Vec<_>>());
    }
}

#[test]
fn metadata_round_trip_and_refusals() {
    let root = Group::open_root(
        &format!("memory://shard-meta-{}", std::process::id()),
        Mode::Create,
        None,
    )
    .unwrap();
    // As zarr-python 3 writes it.
    let doc = json!({"zarr_format": 3, "node_type": "array", "shape": [10, 10], "data_type": "uint16",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [5, 10]}},
        "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
        "fill_value": 0, "attributes": {}, "dimension_names": null, "storage_transformers": [],
        "codecs": [{"name": "sharding_indexed", "configuration": {"chunk_shape": [5, 5],
            "codecs": [{"name": "bytes", "configuration": {"endian": "little"}},
                       {"name": "zstd", "configuration": {"level": 0, "checksum": false}}],
            "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "crc32c"}],
            "index_location": "end"}}]});
    let a = root.create_array_json("a", &doc.to_string()).unwrap();
    assert_eq!(a.metadata().to_v3()["codecs"], doc["codecs"]);
    let mut bad = doc.clone();
    bad["codecs"][0]["configuration"]["chunk_shape"] = json!([3, 5]);
    assert!(matches!(
        root.create_array_json("b", &bad.to_string()),
        Err(Error::Metadata(_))
    ));
    // A checksum of the whole shard after sharding is valid v3 (whole-shard path).
    let mut wrapped = doc.clone();
    wrapped["codecs"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "crc32c"}));
    let w = root.create_array_json("c", &wrapped.to_string()).unwrap();
    assert_eq!(w.metadata().to_v3()["codecs"], wrapped["codecs"]);
    // An array->array codec after sharding is not.
    let mut bad = doc.clone();
    bad["codecs"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "transpose", "configuration": {"order": [1, 0]}}));
    assert!(matches!(
        root.create_array_json("d", &bad.to_string()),
        Err(Error::Metadata(m)) if m.contains("transpose")
    ));
    let v2 = Group::open_root(
        &format!("memory://shard-v2-{}", std::process::id()),
        Mode::Create,
        Some(zarr::ZarrFormat::V2),
    )
    .unwrap();
    assert!(matches!(
        v2.sharded_metadata(DataType::Int32, &[4], &[4], &[2], None, None),
        Err(Error::Unsupported(_))
    ));
}

/// The write loop: a task covering its whole chunk (or shard) reads nothing
/// from the store; a partial one reads the stored value once (its
/// read-modify-write), for plain chunks and shards alike.
#[test]
fn whole_chunk_writes_read_nothing_partial_ones_read_once() {
    for sharded in [false, true] {
        let counting = Arc::new(Counting::new(MemoryStore::default()));
        let root = Group::open_root_in(counting.clone(), Mode::Create, None).unwrap();
        let meta = if sharded {
            root.sharded_metadata(DataType::Int32, &[8, 8], &[4, 8], &[2, 4], None, None)
        } else {
            root.simple_metadata(DataType::Int32, &[8, 8], &[4, 8], None, None)
        }
        .unwrap();
        let a = root.create_array("x", meta).unwrap();
        let data: Vec<i32> = (1..=64).collect();
        counting.take();
        a.write(&Selection::all(&[8, 8]), DataType::Int32, &i32s(&data))
            .unwrap();
        assert_eq!(counting.take().reads, 0, "sharded {sharded}: whole write");
        // Rows 4..6 of chunk (shard) 1: whole inner chunks, yet not the whole shard.
        let sel = Selection::new(&[8, 8], &[4, 0], &[2, 8], None).unwrap();
        a.write(&sel, DataType::Int32, &i32s(&[-1; 16])).unwrap();
        let c = counting.take();
        assert_eq!((c.reads, c.found), (1, 1), "sharded {sharded}: partial write");
        let mut out = vec![0u8; 256];
        a.read(&Selection::all(&[8, 8]), DataType::Int32, &mut out).unwrap();
        let want: Vec<i32> = (0..64)
            .map(|i| if (32..48).contains(&i) { -1 } else { i + 1 })
            .collect();
        assert_eq!(to_i32s(&out), want, "sharded {sharded}");
    }
}

/// Writers of disjoint parts of one shard lose nothing: some write whole
/// inner chunks (encoded before the shard's lock is taken), others single
/// elements (a read-modify-write of the shard each).
#[test]
fn concurrent_writers_to_one_shard_lose_nothing() {
    let root = Group::open_root("memory://shard-concurrent", Mode::Create, None).unwrap();
    let meta = root
        .sharded_metadata(DataType::Int32, &[16, 16], &[16, 16], &[4, 4], None, None)
        .unwrap();
    let a = Arc::new(root.create_array("x", meta).unwrap());
    let value = |r: u64, c: u64| (r * 16 + c) as i32 + 1;
    let threads: Vec<_> = (0..16u64)
        .map(|t| {
            let a = a.clone();
            std::thread::spawn(move || {
                // Thread t owns inner chunk (t / 4, t % 4).
                let (r0, c0) = (t / 4 * 4, t % 4 * 4);
                if t % 2 == 0 {
                    let vals: Vec<i32> = (0..16).map(|i| value(r0 + i / 4, c0 + i % 4)).collect();
                    let sel = Selection::new(&[16, 16], &[r0, c0], &[4, 4], None).unwrap();
                    a.write(&sel, DataType::Int32, &i32s(&vals)).unwrap();
                } else {
                    for i in 0..16 {
                        let (r, c) = (r0 + i / 4, c0 + i % 4);
                        let sel = Selection::new(&[16, 16], &[r, c], &[1, 1], None).unwrap();
                        a.write(&sel, DataType::Int32, &i32s(&[value(r, c)])).unwrap();
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut out = vec![0u8; 16 * 16 * 4];
    a.read(&Selection::all(&[16, 16]), DataType::Int32, &mut out).unwrap();
    assert_eq!(to_i32s(&out), (1..=256).collect::<Vec<i32>>());
}
