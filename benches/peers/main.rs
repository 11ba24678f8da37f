//! libzarr against the zarrs crate, side by side in one run, with libzstd
//! alone as the codec floor.
//!
//! Workload (zarr_benchmarks): an `N^3` uint16 array (default N = 1024,
//! 2 GiB), element `[z][y][x]` = `(x + y*y/32 + z*z*z) mod 65536` (the data
//! of benches/bench.rs: smooth along x, so zstd level 0 compresses the
//! 32 MiB chunks about 25x, as the zarr_benchmarks data compresses), stored
//! with zstd level 0 in two layouts:
//!
//! - `chunked`: `(N/4)^3` chunks (256^3, 32 MiB at N = 1024);
//! - `sharded`: `(N/4)^3` shards of `(N/16)^3` inner chunks (64^3), zstd 0
//!   inside, index little-endian + crc32c at the end.
//!
//! Cases, each run `--repeat` times in its own child process (so peak memory
//! is that case's alone; the medians are reported):
//!
//! - `read`: the whole array into one buffer (libzarr `Array::read`, zarrs
//!   `retrieve_array_subset`);
//! - `roundtrip`: read every chunk (shard) and write it to a new array with
//!   the same metadata, chunk by chunk, in parallel on rayon's pool, as
//!   `zarrs_reencode` / the zarr_benchmarks round trip do;
//! - `write`: the whole array in one write call;
//! - `floor-rt`: libzstd alone, decompress + compress every stored chunk
//!   (every inner chunk when sharded) from memory, contexts and buffers
//!   reused per thread: the codec work of a round trip, nothing else;
//! - `floor-enc`: libzstd alone, compress every chunk (from chunk buffers
//!   made before the clock starts), nothing stored; `floor-files`: the plain
//!   file writes of those encoded chunks (shards) with `std::fs::write`.
//!
//! Figures: wall time, CPU time (getrusage of the child: user + system, all
//! threads) and peak memory above the caller's own buffers (VmHWM, reset
//! with /proc/self/clear_refs before the timed call, minus the RSS before
//! it, minus what the caller would hold anyway: the output of a read-all,
//! one chunk per thread in a round trip). Both libraries use every core
//! (libzarr's pool and rayon's global pool default to the core count).
//!
//! Every result is checked: reads against the formula, and what a round trip
//! or a write stored is read back by the *other* library and compared with
//! the formula (untimed). A wrong value exits non-zero.
//!
//! Run: `cargo run --release -p zarr_peers_bench -- [--size N] [--repeat R]
//! [--dir DIR] [--cases read,roundtrip,write,floor] [--layouts chunked,sharded]
//! [--check]` (`make bench-peers`). `--check`: a correctness-only run, no
//! timing table (N defaults to 64 there).

use rayon::prelude::*;
use serde_json::{json, Value};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;
use zarr::{DataType, Group, Mode, Selection, ZarrFormat};

const MIB: f64 = 1024.0 * 1024.0;

fn fail(msg: impl std::fmt::Display) -> ! {
    eprintln!("peers-rs: FAILED: {msg}");
    std::process::exit(1)
}

trait OrFail<T> {
    fn or_fail(self, what: &str) -> T;
}
impl<T, E: std::fmt::Debug> OrFail<T> for Result<T, E> {
    fn or_fail(self, what: &str) -> T {
        self.unwrap_or_else(|e| fail(format!("{what}: {e:?}")))
    }
}

// ---------------------------------------------------------------- layout

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Layout {
    Chunked,
    Sharded,
}

impl Layout {
    fn name(self) -> &'static str {
        match self {
            Layout::Chunked => "chunked",
            Layout::Sharded => "sharded",
        }
    }
    fn parse(s: &str) -> Layout {
        match s {
            "chunked" => Layout::Chunked,
            "sharded" => Layout::Sharded,
            _ => fail(format!("unknown layout {s:?} (chunked, sharded)")),
        }
    }
}

#[derive(Clone, Copy)]
struct Geo {
    n: u64,
    /// Chunk (or shard) edge.
    c: u64,
    /// Inner chunk edge (sharded).
    inner: u64,
}

impl Geo {
    fn new(n: u64) -> Geo {
        Geo {
            n,
            c: n / 4,
            inner: n / 16,
        }
    }
    fn shape(&self) -> [u64; 3] {
        [self.n; 3]
    }
    fn total(&self) -> usize {
        (self.n * self.n * self.n) as usize
    }
    fn chunk_elems(&self) -> usize {
        (self.c * self.c * self.c) as usize
    }
    /// Chunk (shard) grid coordinates, z slowest.
    fn chunks(&self) -> Vec<[u64; 3]> {
        let g = self.n / self.c;
        let mut v = vec![];
        for z in 0..g {
            for y in 0..g {
                for x in 0..g {
                    v.push([z, y, x]);
                }
            }
        }
        v
    }
}

#[inline(always)]
fn value(x: u64, y: u64, z: u64) -> u16 {
    ((x + y * y / 32 + z * z * z) % 65536) as u16
}

/// The whole array, C order.
fn generate(n: u64) -> Vec<u16> {
    let plane = (n * n) as usize;
    let mut v = vec![0u16; plane * n as usize];
    v.par_chunks_mut(plane).enumerate().for_each(|(z, p)| {
        for (y, row) in p.chunks_mut(n as usize).enumerate() {
            for (x, e) in row.iter_mut().enumerate() {
                *e = value(x as u64, y as u64, z as u64);
            }
        }
    });
    v
}

/// The box `[start, start + edge)` of the array, C order.
fn generate_box(start: [u64; 3], edge: u64) -> Vec<u16> {
    let mut v = Vec::with_capacity((edge * edge * edge) as usize);
    for z in start[0]..start[0] + edge {
        for y in start[1]..start[1] + edge {
            for x in start[2]..start[2] + edge {
                v.push(value(x, y, z));
            }
        }
    }
    v
}

/// Check a whole-array buffer against the formula.
fn verify_all(buf: &[u16], n: u64, what: &str) {
    let plane = (n * n) as usize;
    if buf.len() != plane * n as usize {
        fail(format!(
            "{what}: {} elements, expected {}",
            buf.len(),
            plane * n as usize
        ));
    }
    let bad = buf.par_chunks(plane).enumerate().find_map_any(|(z, p)| {
        for (y, row) in p.chunks(n as usize).enumerate() {
            for (x, &got) in row.iter().enumerate() {
                let want = value(x as u64, y as u64, z as u64);
                if got != want {
                    return Some(format!("[{z}][{y}][{x}] is {got}, expected {want}"));
                }
            }
        }
        None
    });
    if let Some(m) = bad {
        fail(format!("{what}: element {m}"));
    }
}

fn as_bytes(v: &[u16]) -> &[u8] {
    // SAFETY: u16 has no padding; u8 has alignment 1.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), std::mem::size_of_val(v)) }
}

fn as_bytes_mut(v: &mut [u16]) -> &mut [u8] {
    // SAFETY: as above; every byte pattern is a valid u16.
    unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr().cast::<u8>(), std::mem::size_of_val(v)) }
}

fn zstd0() -> Value {
    json!({"name": "zstd", "configuration": {"level": 0, "checksum": false}})
}

fn libzarr_root(dir: &Path) -> Group {
    let url = dir.to_str().unwrap_or_else(|| fail("non-UTF-8 directory"));
    Group::open_root(url, Mode::Create, Some(ZarrFormat::V3)).or_fail("open libzarr root")
}

fn libzarr_create(root: &Group, name: &str, layout: Layout, g: Geo) -> zarr::Array {
    let codecs = [zstd0()];
    let meta = match layout {
        Layout::Chunked => root.simple_metadata(DataType::UInt16, &g.shape(), &[g.c; 3], Some(&codecs), None),
        Layout::Sharded => root.sharded_metadata(
            DataType::UInt16,
            &g.shape(),
            &[g.c; 3],
            &[g.inner; 3],
            Some(&codecs),
            None,
        ),
    }
    .or_fail("metadata");
    root.create_array(name, meta).or_fail("create array")
}

type ZStore = Arc<zarrs::filesystem::FilesystemStore>;

fn zarrs_store(dir: &Path) -> ZStore {
    Arc::new(zarrs::filesystem::FilesystemStore::new(dir).or_fail("zarrs store"))
}

fn zarrs_open(dir: &Path, name: &str) -> zarrs::array::Array<zarrs::filesystem::FilesystemStore> {
    zarrs::array::Array::open(zarrs_store(dir), &format!("/{name}")).or_fail("zarrs open")
}

fn chunk_sel(g: Geo, idx: [u64; 3]) -> Selection {
    let start = idx.map(|i| i * g.c);
    Selection::new(&g.shape(), &start, &[g.c; 3], None).or_fail("selection")
}

// ---------------------------------------------------------------- measuring

fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes one rusage struct into `r`.
    let mut r: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut r) };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 * 1e-6;
    t(r.ru_utime) + t(r.ru_stime)
}

fn status_kb(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").or_fail("/proc/self/status");
    s.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| fail(format!("no {field} in /proc/self/status")))
}

struct Measured {
    wall: f64,
    cpu: f64,
    /// Bytes above the RSS before the call.
    peak: u64,
}

/// Run `f` with the RSS high-water mark reset; wall, CPU and peak growth.
fn measure(f: impl FnOnce()) -> Measured {
    std::fs::write("/proc/self/clear_refs", "5").or_fail("reset VmHWM (/proc/self/clear_refs)");
    let rss0 = status_kb("VmRSS:") * 1024;
    let (c0, t0) = (cpu_seconds(), Instant::now());
    f();
    let wall = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - c0;
    let hwm = status_kb("VmHWM:") * 1024;
    Measured {
        wall,
        cpu,
        peak: hwm.saturating_sub(rss0),
    }
}

// ---------------------------------------------------------------- the cases

/// What a child reports: the timed parts (name, figures).
type Report = Vec<(String, Measured)>;

fn threads() -> usize {
    rayon::current_num_threads()
}

fn case_read(lib: &str, layout: Layout, g: Geo, data: &Path) -> Report {
    let name = layout.name();
    let out_bytes = (g.total() * 2) as u64;
    match lib {
        "libzarr" => {
            let a = libzarr_root(data).open_array(name).or_fail("open");
            // The caller's buffer, touched before the clock starts.
            let mut out = vec![0xABABu16; g.total()];
            let m = measure(|| {
                a.read(&Selection::all(&g.shape()), DataType::UInt16, as_bytes_mut(&mut out))
                    .or_fail("libzarr read")
            });
            verify_all(&out, g.n, "libzarr read-all");
            vec![("read".into(), m)]
        }
        "zarrs" => {
            let a = zarrs_open(data, name);
            let mut out: Vec<u16> = vec![];
            let mut m = measure(|| out = a.retrieve_array_subset(&a.subset_all()).or_fail("zarrs read"));
            // zarrs allocates the output itself: that is the caller's buffer.
            m.peak = m.peak.saturating_sub(out_bytes);
            verify_all(&out, g.n, "zarrs read-all");
            vec![("read".into(), m)]
        }
        _ => unreachable!(),
    }
}

/// Read the array `name` under `dir` whole with `lib` and check it.
fn check_with(lib: &str, dir: &Path, name: &str, g: Geo, what: &str) {
    let out: Vec<u16> = match lib {
        "libzarr" => {
            let a = libzarr_root(dir).open_array(name).or_fail("open for check");
            let mut out = vec![0xABABu16; g.total()];
            a.read(&Selection::all(&g.shape()), DataType::UInt16, as_bytes_mut(&mut out))
                .or_fail("check read");
            out
        }
        _ => {
            let a = zarrs_open(dir, name);
            a.retrieve_array_subset(&a.subset_all()).or_fail("check read (zarrs)")
        }
    };
    verify_all(&out, g.n, &format!("{what}, read back by {lib}"));
}

fn case_roundtrip(lib: &str, layout: Layout, g: Geo, data: &Path, scratch: &Path) -> Report {
    let name = layout.name();
    let chunks = g.chunks();
    let chunk_bytes = (g.chunk_elems() * 2) as u64;
    let mut m = match lib {
        "libzarr" => {
            let src = libzarr_root(data).open_array(name).or_fail("open");
            let dst = libzarr_root(scratch)
                .create_array("rt", src.metadata().as_ref().clone())
                .or_fail("create");
            let m = measure(|| {
                chunks.par_iter().for_each_init(
                    || vec![0u8; chunk_bytes as usize],
                    |buf, &idx| {
                        let sel = chunk_sel(g, idx);
                        src.read(&sel, DataType::UInt16, buf).or_fail("libzarr chunk read");
                        dst.write(&sel, DataType::UInt16, buf).or_fail("libzarr chunk write");
                    },
                )
            });
            check_with("zarrs", scratch, "rt", g, "libzarr round trip");
            m
        }
        "zarrs" => {
            let src = zarrs_open(data, name);
            let dst = zarrs::array::Array::new_with_metadata(zarrs_store(scratch), "/rt", src.metadata().clone())
                .or_fail("zarrs create");
            dst.store_metadata().or_fail("zarrs metadata");
            let m = measure(|| {
                chunks.par_iter().for_each(|idx| {
                    let bytes: zarrs::array::ArrayBytes<'static> =
                        src.retrieve_chunk(idx).or_fail("zarrs retrieve_chunk");
                    dst.store_chunk(idx, bytes).or_fail("zarrs store_chunk");
                })
            });
            check_with("libzarr", scratch, "rt", g, "zarrs round trip");
            m
        }
        _ => unreachable!(),
    };
    // One decoded chunk per thread is what any chunk-by-chunk caller holds.
    m.peak = m.peak.saturating_sub(threads() as u64 * chunk_bytes);
    vec![("roundtrip".into(), m)]
}

fn case_write(lib: &str, layout: Layout, g: Geo, scratch: &Path) -> Report {
    let data = generate(g.n);
    let m = match lib {
        "libzarr" => {
            let dst = libzarr_create(&libzarr_root(scratch), "w", layout, g);
            measure(|| {
                dst.write(&Selection::all(&g.shape()), DataType::UInt16, as_bytes(&data))
                    .or_fail("libzarr write")
            })
        }
        "zarrs" => {
            // The same metadata libzarr writes (a zarr.json zarrs reads).
            libzarr_create(&libzarr_root(scratch), "w", layout, g);
            let dst = zarrs_open(scratch, "w");
            measure(|| {
                dst.store_array_subset(&dst.subset_all(), &data[..])
                    .or_fail("zarrs write")
            })
        }
        _ => unreachable!(),
    };
    drop(data);
    check_with(
        if lib == "libzarr" { "zarrs" } else { "libzarr" },
        scratch,
        "w",
        g,
        &format!("{lib} write-all"),
    );
    vec![("write".into(), m)]
}

/// The stored chunks' bytes: whole chunk files, or every inner chunk of
/// every shard (from the shard index) when sharded.
fn stored_chunks(layout: Layout, g: Geo, data: &Path) -> Vec<Vec<u8>> {
    let mut out = vec![];
    for idx in g.chunks() {
        let path = data
            .join(layout.name())
            .join(format!("c/{}/{}/{}", idx[0], idx[1], idx[2]));
        let file = std::fs::read(&path).or_fail("read a chunk file");
        match layout {
            Layout::Chunked => out.push(file),
            Layout::Sharded => {
                let inner = ((g.c / g.inner).pow(3)) as usize;
                let index = &file[file.len() - 16 * inner - 4..file.len() - 4];
                for e in index.chunks_exact(16) {
                    let off = u64::from_le_bytes(e[..8].try_into().unwrap()) as usize;
                    let len = u64::from_le_bytes(e[8..].try_into().unwrap()) as usize;
                    if off == usize::MAX {
                        fail("a missing inner chunk in the source array");
                    }
                    out.push(file[off..off + len].to_vec());
                }
            }
        }
    }
    out
}

fn case_floor_rt(layout: Layout, g: Geo, data: &Path) -> Report {
    let chunks = stored_chunks(layout, g, data);
    let decoded_len = match layout {
        Layout::Chunked => g.chunk_elems() * 2,
        Layout::Sharded => (g.inner.pow(3) * 2) as usize,
    };
    let m = measure(|| {
        let total: usize = chunks
            .par_iter()
            .map_init(
                || {
                    (
                        zstd::bulk::Decompressor::new().or_fail("dctx"),
                        zstd::bulk::Compressor::new(0).or_fail("cctx"),
                        vec![0u8; decoded_len],
                        Vec::with_capacity(zstd::zstd_safe::compress_bound(decoded_len)),
                    )
                },
                |(d, c, dec, enc), stored| {
                    let n = d.decompress_to_buffer(stored, &mut dec[..]).or_fail("decompress");
                    enc.clear();
                    c.compress_to_buffer(&dec[..n], enc).or_fail("compress")
                },
            )
            .sum();
        black_box(total);
    });
    vec![("floor-rt".into(), m)]
}

fn case_floor_enc(layout: Layout, g: Geo, scratch: &Path) -> Report {
    // Decoded chunks (inner chunks when sharded, grouped by shard), made
    // before the clock starts.
    let sub = match layout {
        Layout::Chunked => g.c,
        Layout::Sharded => g.inner,
    };
    let per = (g.c / sub) as usize;
    let shards: Vec<Vec<Vec<u8>>> = g
        .chunks()
        .par_iter()
        .map(|idx| {
            let mut v = vec![];
            for a in 0..per as u64 {
                for b in 0..per as u64 {
                    for c in 0..per as u64 {
                        let start = [idx[0] * g.c + a * sub, idx[1] * g.c + b * sub, idx[2] * g.c + c * sub];
                        v.push(as_bytes(&generate_box(start, sub)).to_vec());
                    }
                }
            }
            v
        })
        .collect();
    let mut encoded: Vec<Vec<u8>> = vec![];
    let enc = measure(|| {
        encoded = shards
            .par_iter()
            .map_init(
                || zstd::bulk::Compressor::new(0).or_fail("cctx"),
                |c, inner| {
                    if layout == Layout::Chunked {
                        return c.compress(&inner[0]).or_fail("compress");
                    }
                    // A shard: the inner chunks, then the index (offset,
                    // length per chunk) and its crc32c (zeros here: the
                    // checksum is not codec work).
                    let mut shard = vec![];
                    let mut index = vec![];
                    for chunk in inner {
                        let e = c.compress(chunk).or_fail("compress");
                        index.extend_from_slice(&(shard.len() as u64).to_le_bytes());
                        index.extend_from_slice(&(e.len() as u64).to_le_bytes());
                        shard.extend_from_slice(&e);
                    }
                    shard.extend_from_slice(&index);
                    shard.extend_from_slice(&[0; 4]);
                    shard
                },
            )
            .collect()
    });
    drop(shards);
    let dirs: Vec<PathBuf> = g
        .chunks()
        .iter()
        .map(|i| scratch.join(format!("c/{}/{}", i[0], i[1])))
        .collect();
    for d in &dirs {
        std::fs::create_dir_all(d).or_fail("mkdir");
    }
    let files = measure(|| {
        g.chunks().par_iter().zip(&encoded).for_each(|(i, e)| {
            std::fs::write(scratch.join(format!("c/{}/{}/{}", i[0], i[1], i[2])), e).or_fail("write")
        })
    });
    vec![("floor-enc".into(), enc), ("floor-files".into(), files)]
}

fn run_child(case: &str, lib: &str, layout: Layout, g: Geo, data: &Path, scratch: &Path) {
    // Start both thread pools (rayon's global one, zarrs' and the round
    // trip's; libzarr's own) before any clock: a long-running program pays
    // that once, not per call.
    rayon::broadcast(|_| ());
    zarr::array::pool::current().broadcast(|_| ());
    let report = match case {
        "read" => case_read(lib, layout, g, data),
        "roundtrip" => case_roundtrip(lib, layout, g, data, scratch),
        "write" => case_write(lib, layout, g, scratch),
        "floor-rt" => case_floor_rt(layout, g, data),
        "floor-enc" => case_floor_enc(layout, g, scratch),
        _ => fail(format!("unknown case {case}")),
    };
    for (name, m) in report {
        println!(
            "RESULT {}",
            json!({"part": name, "wall": m.wall, "cpu": m.cpu, "peak": m.peak})
        );
    }
}

// ---------------------------------------------------------------- parent

struct Args {
    size: u64,
    repeat: usize,
    dir: Option<PathBuf>,
    cases: Vec<String>,
    layouts: Vec<Layout>,
    check: bool,
    child: Option<(String, String)>,
    scratch: Option<PathBuf>,
    keep: bool,
}

const USAGE: &str = "usage: peers-rs [--size N (multiple of 16; default 1024, 64 with --check)] \
[--repeat R (default 3)] [--dir DIR (work directory made inside it; default target/)] \
[--cases read,roundtrip,write,floor (default all)] [--layouts chunked,sharded (default both)] \
[--check (correctness only: both libraries read and write, every value compared)] \
[--keep (leave the work directory, e.g. to profile one case with --child CASE LIB --scratch DIR)]";

fn parse_args() -> Args {
    let mut a = Args {
        size: 0,
        repeat: 3,
        dir: None,
        cases: ["read", "roundtrip", "write", "floor"].map(String::from).to_vec(),
        layouts: vec![Layout::Chunked, Layout::Sharded],
        check: false,
        child: None,
        scratch: None,
        keep: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().unwrap_or_else(|| fail(format!("{k} needs a value\n{USAGE}")));
        match k.as_str() {
            "--size" => a.size = v().parse().or_fail("--size"),
            "--repeat" => a.repeat = v().parse().or_fail("--repeat"),
            "--dir" => a.dir = Some(PathBuf::from(v())),
            "--cases" => a.cases = v().split(',').map(String::from).collect(),
            "--layouts" => a.layouts = v().split(',').map(Layout::parse).collect(),
            "--check" => a.check = true,
            "--keep" => a.keep = true,
            "--scratch" => a.scratch = Some(PathBuf::from(v())),
            "--child" => {
                let case = v();
                a.child = Some((case, v()));
            }
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0)
            }
            other => fail(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if a.size == 0 {
        a.size = if a.check { 64 } else { 1024 };
    }
    if !a.size.is_multiple_of(16) {
        fail("--size must be a multiple of 16");
    }
    if a.repeat == 0 {
        fail("--repeat must be at least 1");
    }
    a
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

#[derive(Default)]
struct Stats {
    wall: Vec<f64>,
    cpu: Vec<f64>,
    peak: Vec<f64>,
}

fn spawn(a: &Args, work: &Path, case: &str, lib: &str, layout: Layout, run: usize) -> Vec<(String, Value)> {
    let scratch = work.join(format!("scratch-{case}-{lib}-{}-{run}", layout.name()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).or_fail("mkdir scratch");
    let out = Command::new(std::env::current_exe().or_fail("current_exe"))
        .args([
            "--child",
            case,
            lib,
            "--size",
            &a.size.to_string(),
            "--layouts",
            layout.name(),
        ])
        .arg("--dir")
        .arg(work)
        .arg("--scratch")
        .arg(&scratch)
        .output()
        .or_fail("spawn child");
    let _ = std::fs::remove_dir_all(&scratch);
    if !out.status.success() {
        fail(format!(
            "{case} {lib} {}: {}{}",
            layout.name(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("RESULT "))
        .map(|l| {
            let v: Value = serde_json::from_str(l).or_fail("child result");
            (v["part"].as_str().unwrap_or("?").to_owned(), v)
        })
        .collect()
}

fn main() {
    let a = parse_args();
    let g = Geo::new(a.size);
    if let Some((case, lib)) = &a.child {
        let work = a.dir.clone().unwrap_or_else(|| fail("--child needs --dir"));
        let layout = a.layouts[0];
        let scratch = a.scratch.clone().unwrap_or_else(|| fail("--child needs --scratch"));
        run_child(case, lib, layout, g, &work.join("data"), &scratch);
        return;
    }

    let base = a
        .dir
        .clone()
        .unwrap_or_else(|| std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from));
    let work = base.join(format!("peers-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).or_fail("mkdir work");
    let work = std::fs::canonicalize(&work).or_fail("canonicalize");
    let result = std::panic::catch_unwind(|| run_parent(&a, g, &work));
    if a.keep {
        eprintln!("peers-rs: kept {}", work.display());
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
    if result.is_err() {
        std::process::exit(1);
    }
}

fn run_parent(a: &Args, g: Geo, work: &Path) {
    let data = work.join("data");
    {
        // The source arrays, written once by libzarr (zarrs reads the same
        // files), then read once so the page cache is warm.
        let whole = generate(g.n);
        let root = libzarr_root(&data);
        for &l in &a.layouts {
            libzarr_create(&root, l.name(), l, g)
                .write(&Selection::all(&g.shape()), DataType::UInt16, as_bytes(&whole))
                .or_fail("write the source array");
        }
    }
    let mut stored = 0u64;
    for &l in &a.layouts {
        for idx in g.chunks() {
            let p = data.join(l.name()).join(format!("c/{}/{}/{}", idx[0], idx[1], idx[2]));
            stored += std::fs::read(p).or_fail("warm the page cache").len() as u64;
        }
    }
    let libs = ["libzarr", "zarrs"];
    if a.check {
        for &l in &a.layouts {
            for lib in libs {
                for case in ["read", "roundtrip", "write"] {
                    spawn(a, work, case, lib, l, 0);
                }
            }
        }
        println!(
            "peers-rs --check: N={} layouts {:?}: libzarr and zarrs read, round-trip and write the same values",
            g.n,
            a.layouts.iter().map(|l| l.name()).collect::<Vec<_>>()
        );
        return;
    }

    let array_mib = (g.total() * 2) as f64 / MIB;
    println!(
        "# peers-rs: N={} ({array_mib:.0} MiB uint16), chunks/shards {}^3, inner {}^3, zstd 0; \
         {} stored bytes in all layouts ({:.1}x compression); {} cores; libzarr + zarrs 0.23.14; \
         medians of {} runs, each in its own process",
        g.n,
        g.c,
        g.inner,
        stored,
        array_mib * MIB * a.layouts.len() as f64 / stored as f64,
        threads(),
        a.repeat
    );
    let mut cases: Vec<(&str, &str)> = vec![];
    for c in &a.cases {
        match c.as_str() {
            "read" | "roundtrip" | "write" => {
                for lib in libs {
                    cases.push((c.as_str(), lib));
                }
            }
            "floor" => {
                cases.push(("floor-rt", "zstd"));
                cases.push(("floor-enc", "zstd"));
            }
            other => fail(format!("unknown case {other}")),
        }
    }
    let mut table: std::collections::BTreeMap<(usize, String, String), Stats> = Default::default();
    // Interleave the runs (run 1 of every case, then run 2, ...) so that a
    // burst of load from other processes spreads over all cases.
    for run in 0..a.repeat {
        for (li, &l) in a.layouts.iter().enumerate() {
            for &(case, lib) in &cases {
                for (part, v) in spawn(a, work, case, lib, l, run) {
                    let s = table.entry((li, part, lib.to_owned())).or_default();
                    s.wall.push(v["wall"].as_f64().unwrap_or(f64::NAN));
                    s.cpu.push(v["cpu"].as_f64().unwrap_or(f64::NAN));
                    s.peak.push(v["peak"].as_f64().unwrap_or(f64::NAN));
                }
            }
        }
    }
    let mut med: std::collections::BTreeMap<(usize, String, String), (f64, f64, f64)> = Default::default();
    for (k, s) in &mut table {
        med.insert(
            k.clone(),
            (median(&mut s.wall), median(&mut s.cpu), median(&mut s.peak)),
        );
    }
    println!("| layout | case | library | wall s | CPU s | MiB/s | peak above buffers MiB |");
    println!("|---|---|---|---:|---:|---:|---:|");
    for ((li, part, lib), (w, c, p)) in &med {
        println!(
            "| {} | {part} | {lib} | {w:.3} | {c:.3} | {:.0} | {:.1} |",
            a.layouts[*li].name(),
            array_mib / w,
            p / MIB
        );
    }
    println!();
    println!("| layout | ratio | wall | CPU | peak |");
    println!("|---|---|---:|---:|---:|");
    let get = |li: usize, part: &str, lib: &str| med.get(&(li, part.to_owned(), lib.to_owned())).copied();
    for (li, l) in a.layouts.iter().enumerate() {
        let ln = l.name();
        for part in ["read", "roundtrip", "write"] {
            if let (Some(x), Some(z)) = (get(li, part, "libzarr"), get(li, part, "zarrs")) {
                println!(
                    "| {ln} | {part}: libzarr / zarrs | {:.2} | {:.2} | {:.2} |",
                    x.0 / z.0,
                    x.1 / z.1,
                    x.2 / z.2.max(1.0)
                );
            }
        }
        if let (Some(x), Some(f)) = (get(li, "roundtrip", "libzarr"), get(li, "floor-rt", "zstd")) {
            println!(
                "| {ln} | roundtrip: libzarr / codec floor | {:.2} | {:.2} | |",
                x.0 / f.0,
                x.1 / f.1
            );
        }
        if let (Some(x), Some(f)) = (get(li, "roundtrip", "zarrs"), get(li, "floor-rt", "zstd")) {
            println!(
                "| {ln} | roundtrip: zarrs / codec floor | {:.2} | {:.2} | |",
                x.0 / f.0,
                x.1 / f.1
            );
        }
        if let (Some(x), Some(e), Some(f)) = (
            get(li, "write", "libzarr"),
            get(li, "floor-enc", "zstd"),
            get(li, "floor-files", "zstd"),
        ) {
            println!(
                "| {ln} | write: libzarr / (encode-only floor + file writes) | {:.2} | {:.2} | |",
                x.0 / (e.0 + f.0),
                x.1 / (e.1 + f.1)
            );
        }
    }
    if let (Some(s), Some(u)) = (get(1, "read", "libzarr"), get(0, "read", "libzarr")) {
        if a.layouts == [Layout::Chunked, Layout::Sharded] {
            println!(
                "| both | read: libzarr sharded / chunked | {:.2} | {:.2} | {:.2} |",
                s.0 / u.0,
                s.1 / u.1,
                s.2 / u.2.max(1.0)
            );
        }
    }
}
