//! Sharded-layout benchmark: a 512^3 uint16 array (the zarr_benchmarks
//! formula) in 256^3 shards of 32^3 inner chunks, zstd level 1, on the
//! filesystem. Times a full read and 1,000 reads of one random inner chunk
//! each, and counts the bytes the store returned (a wrapper around the
//! filesystem store), to show a single-chunk read fetches only the index
//! and that chunk. Run: `cargo bench --bench sharded -- [--size N]`.

use serde_json::json;
use std::sync::Arc;
use std::time::Instant;
use zarr::store::fs::FsStore;
use zarr::{DataType, Group, Mode, Selection, ZarrFormat};

#[path = "../tests/common/counting.rs"]
mod counting;
use counting::Counting;

fn value(z: u64, y: u64, x: u64) -> u16 {
    ((x + y * y / 32 + z * z * z) % 65536) as u16
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args
        .iter()
        .position(|a| a == "--size")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.parse().expect("--size N"))
        .unwrap_or(512);
    let (shard, inner) = (n / 2, 32u64.min(n / 2));
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let store = Arc::new(Counting::new(FsStore::open(dir.path().join("s.zarr"), true).unwrap()));
    let root = Group::open_root_in(store.clone(), Mode::Create, Some(ZarrFormat::V3)).unwrap();
    let shape = [n, n, n];
    let codecs = [json!({"name": "zstd", "configuration": {"level": 1, "checksum": false}})];
    let meta = root
        .sharded_metadata(DataType::UInt16, &shape, &[shard; 3], &[inner; 3], Some(&codecs), None)
        .unwrap();
    let a = root.create_array("a", meta).unwrap();
    let total = (n * n * n) as usize;
    let mut data = Vec::with_capacity(total * 2);
    for z in 0..n {
        for y in 0..n {
            for x in 0..n {
                data.extend_from_slice(&value(z, y, x).to_ne_bytes());
            }
        }
    }
    let mib = (total * 2) as f64 / (1 << 20) as f64;
    let t = Instant::now();
    a.write(&Selection::all(&shape), DataType::UInt16, &data).unwrap();
    let write_s = t.elapsed().as_secs_f64();
    store.take();

    let mut out = vec![0u8; total * 2];
    let t = Instant::now();
    a.read(&Selection::all(&shape), DataType::UInt16, &mut out).unwrap();
    let read_s = t.elapsed().as_secs_f64();
    assert!(out == data, "full read differs from the data written");
    // Requests that found a value (every shard and inner chunk exists here).
    let c = store.take();
    let (full_bytes, full_reqs) = (c.bytes, c.found);

    // 1,000 single inner chunks at pseudo-random grid positions (fixed seed).
    let grid = n / inner;
    let mut state = 0x9e3779b97f4a7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % grid
    };
    let mut buf = vec![0u8; (inner * inner * inner * 2) as usize];
    let t = Instant::now();
    for _ in 0..1000 {
        let c = [next(), next(), next()];
        let start = [c[0] * inner, c[1] * inner, c[2] * inner];
        a.read(
            &Selection::new(&shape, &start, &[inner; 3], None).unwrap(),
            DataType::UInt16,
            &mut buf,
        )
        .unwrap();
        let first = u16::from_ne_bytes([buf[0], buf[1]]);
        assert_eq!(first, value(start[0], start[1], start[2]), "inner chunk {c:?} differs");
    }
    let random_s = t.elapsed().as_secs_f64();
    let c = store.take();
    let (rand_bytes, rand_reqs) = (c.bytes, c.found);
    let index_bytes = (shard / inner).pow(3) * 16 + 4;
    let stored: u64 = std::fs::read_dir(dir.path().join("s.zarr/a/c"))
        .map(|_| walk(&dir.path().join("s.zarr/a/c")))
        .unwrap_or(0);

    println!("# libzarr sharded benchmark\n");
    println!("command: `cargo bench --bench sharded -- --size {n}`");
    println!(
        "array {n}^3 uint16 ({mib:.0} MiB), shards {shard}^3, inner chunks {inner}^3, zstd 1; stored {:.1} MiB; {} threads\n",
        stored as f64 / (1 << 20) as f64,
        zarr::array::pool::num_threads()
    );
    println!("| phase | time | MiB/s | store bytes read | requests |");
    println!("|---|---:|---:|---:|---:|");
    println!("| write all | {write_s:.3} s | {:.0} | | |", mib / write_s);
    println!(
        "| read all | {read_s:.3} s | {:.0} | {full_bytes} | {full_reqs} |",
        mib / read_s
    );
    println!(
        "| 1,000 random inner chunks | {random_s:.3} s | {:.0} | {rand_bytes} | {rand_reqs} |",
        1000.0 * (inner.pow(3) * 2) as f64 / (1 << 20) as f64 / random_s
    );
    println!(
        "\nper inner-chunk read: {:.0} bytes from the store in {:.1} requests (index {index_bytes} bytes + one compressed inner chunk); {:.0} µs each",
        rand_bytes as f64 / 1000.0,
        rand_reqs as f64 / 1000.0,
        random_s * 1e6 / 1000.0
    );
}

fn walk(p: &std::path::Path) -> u64 {
    let mut total = 0;
    for e in std::fs::read_dir(p).unwrap().flatten() {
        let m = e.metadata().unwrap();
        total += if m.is_dir() { walk(&e.path()) } else { m.len() };
    }
    total
}
