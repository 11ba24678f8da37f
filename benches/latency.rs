//! Latency hiding: an in-memory object store (object_store's InMemory) with
//! a fixed delay added to every request by object_store's ThrottledStore,
//! behind libzarr's object store backend, so requests go through the same
//! code (shared runtime, streamed concurrent reads, the I/O task pool for
//! writes) as S3 or Azure, with no server in the way. Reports the time to
//! write and read an array of many chunks at several `max_concurrency`
//! values against one round trip.
//! Run: `cargo bench --bench latency -- [--chunks 1000] [--delay-ms 20]`.

use object_store::memory::InMemory;
use object_store::throttle::{ThrottleConfig, ThrottledStore};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zarr::store::object::ObjectStoreBackend;
use zarr::store::{ObjectOptions, Store};
use zarr::{DataType, Group, Mode, Selection};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let chunks = arg("--chunks", 1000);
    let delay = Duration::from_millis(arg("--delay-ms", 20));
    let chunk = 4096u64; // float64 elements per chunk (32 KiB)
    let config = ThrottleConfig {
        wait_get_per_call: delay,
        wait_put_per_call: delay,
        wait_delete_per_call: delay,
        wait_list_per_call: delay,
        ..Default::default()
    };
    let memory = Arc::new(ThrottledStore::new(InMemory::new(), config));
    let shape = [chunks * chunk];
    let data: Vec<u8> = (0..shape[0]).flat_map(|i| ((i as f64).sin()).to_ne_bytes()).collect();
    println!(
        "{chunks} chunks of {} KiB (zstd), {} ms added to every request; sequential: >= {:.1} s per pass",
        chunk * 8 / 1024,
        delay.as_millis(),
        (chunks as f64) * delay.as_secs_f64()
    );
    println!("| max_concurrency | write (s) | read (s) | read / one round trip |");
    println!("|---:|---:|---:|---:|");
    for conc in [1u64, 16, 64, 256] {
        if conc == 1 && chunks > 200 {
            // A sequential pass takes chunks x delay: only report the bound.
            println!(
                "| 1 | >= {0:.1} | >= {0:.1} | {1} |",
                chunks as f64 * delay.as_secs_f64(),
                chunks
            );
            continue;
        }
        let opts = ObjectOptions {
            max_concurrency: Some(conc as usize),
            ..Default::default()
        };
        let store: Arc<dyn Store> = Arc::new(ObjectStoreBackend::from_object_store(
            memory.clone(),
            &format!("memory-throttled://bench-{conc}"),
            &opts,
        ));
        let root = Group::open_root_in(store, Mode::Create, None).unwrap();
        let meta = root
            .simple_metadata(DataType::Float64, &shape, &[chunk], None, None)
            .unwrap();
        let a = root.create_array(&format!("a{conc}"), meta).unwrap();
        let all = Selection::all(&shape);
        let t = Instant::now();
        a.write(&all, DataType::Float64, &data).unwrap();
        let tw = t.elapsed().as_secs_f64();
        let mut out = vec![0u8; data.len()];
        let t = Instant::now();
        a.read(&all, DataType::Float64, &mut out).unwrap();
        let tr = t.elapsed().as_secs_f64();
        assert!(out == data, "read back differs");
        println!("| {conc} | {tw:.2} | {tr:.2} | {:.1}x |", tr / delay.as_secs_f64());
    }
}
