//! libzarr benchmark: the public zarr_benchmarks workload.
//!
//! A `N x N x N` uint16 array (default N = 1024, 2 GiB) in `(N/4)^3` chunks
//! (a 4x4x4 grid), whose element `[z][y][x]` (x fastest) holds
//! `(x + y*y/32 + z*z*z) mod 65536` (64-bit integer arithmetic), stored once
//! uncompressed ("none") and once with zstd level 0 ("zstd0"). Phases:
//!
//! 1. write all (one write call of the whole array, write_empty_chunks off)
//! 2. read all (one read call into one buffer)
//! 3. read chunk by chunk (one read call per chunk into a reused buffer)
//! 4. strided read: stride 4, count N/4 on every axis
//! 5. write all when half the chunks (i+j+k even) are all fill value (0),
//!    write_empty_chunks off; count the chunk files (must be 32 of 64);
//!    read all of that array
//! 6. the floor: the same chunk files decoded with no library in between
//!    (zstd: decompress into a reused buffer from memory, 1 thread and with a
//!    rayon pool the size of the library's; none: std::fs::read the files),
//!    and the ratio read-all time / parallel floor time; plus "floor + copy":
//!    the parallel floor that also copies each chunk's rows into one
//!    whole-array buffer, the work any read-all must do
//! 7. write all with write_empty_chunks on vs off (same data, no fill
//!    chunks): the cost of the emptiness test
//!
//! Every read is verified against the formula (and the bench exits non-zero
//! on a wrong answer). Peak memory is the RSS high-water mark (VmHWM),
//! reset before every timed call by writing "5" to /proc/self/clear_refs.
//!
//! Run: `cargo bench --bench bench -- [--size N] [--repeat R] [--threads T]
//!       [--dir DIR] [--codec none|zstd0|all] [--phases 2,6]` (or scripts/bench.sh).
//! The array goes in a new temporary directory inside DIR (default: inside
//! the cargo target directory), removed at the end, failures included.

use rayon::prelude::*;
use serde_json::{json, Value};
use std::fmt::Display;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;
use zarr::{DataType, Group, Mode, Selection, ZarrFormat};

const MIB: f64 = 1024.0 * 1024.0;

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// MiB with one decimal below 10, none above.
fn mib(b: u64) -> String {
    let m = b as f64 / MIB;
    if m < 10.0 {
        format!("{m:.1}")
    } else {
        format!("{m:.0}")
    }
}

// ---------------------------------------------------------------- failure

/// The working directory (removed on every exit path, failures included).
static WORKDIR: Mutex<Option<PathBuf>> = Mutex::new(None);

fn cleanup() {
    let dir = WORKDIR.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(p) = dir {
        let _ = std::fs::remove_dir_all(&p);
    }
}

fn fail(msg: impl Display) -> ! {
    eprintln!("bench: FAILED: {msg}");
    cleanup();
    std::process::exit(1)
}

trait OrFail<T> {
    fn or_fail(self, what: &str) -> T;
}
impl<T, E: Display> OrFail<T> for Result<T, E> {
    fn or_fail(self, what: &str) -> T {
        match self {
            Ok(v) => v,
            Err(e) => fail(format!("{what}: {e}")),
        }
    }
}

// ---------------------------------------------------------------- arguments

#[derive(Clone, Copy, PartialEq, Eq)]
enum Codec {
    None,
    Zstd0,
}

impl Codec {
    fn name(self) -> &'static str {
        match self {
            Codec::None => "none",
            Codec::Zstd0 => "zstd0",
        }
    }
    fn codecs(self) -> Vec<Value> {
        match self {
            Codec::None => vec![],
            Codec::Zstd0 => vec![json!({"name": "zstd", "configuration": {"level": 0, "checksum": false}})],
        }
    }
}

struct Args {
    size: u64,
    dir: Option<PathBuf>,
    threads: Option<usize>,
    repeat: usize,
    codecs: Vec<Codec>,
    /// Which of phases 1..=7 run (index 0 unused).
    phases: [bool; 8],
    /// The arguments as given (without cargo's `--bench`).
    given: Vec<String>,
}

const USAGE: &str = "usage: cargo bench --bench bench -- [--size N (default 1024, a multiple of 4)] \
[--repeat R (default 3)] [--threads T (zarr::set_num_threads; default: the library's default)] \
[--dir DIR (a temporary directory is made inside it; default: inside the cargo target dir)] \
[--codec none|zstd0|all (default all)] [--phases LIST (e.g. 2,6; default 1,2,3,4,5,6,7; \
the array is always written once)]";

fn parse_args() -> Args {
    let mut a = Args {
        size: 1024,
        dir: None,
        threads: None,
        repeat: 3,
        codecs: vec![Codec::None, Codec::Zstd0],
        phases: [true; 8],
        given: vec![],
    };
    let raw: Vec<String> = std::env::args().skip(1).filter(|s| s != "--bench").collect();
    a.given = raw.clone();
    let mut it = raw.into_iter();
    while let Some(arg) = it.next() {
        let (key, inline) = match arg.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        if key == "--help" || key == "-h" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .unwrap_or_else(|| fail(format!("{key} needs a value\n{USAGE}")))
        };
        match key.as_str() {
            "--size" => a.size = value().parse().or_fail("--size"),
            "--repeat" => a.repeat = value().parse().or_fail("--repeat"),
            "--threads" => a.threads = Some(value().parse().or_fail("--threads")),
            "--dir" => a.dir = Some(PathBuf::from(value())),
            "--phases" => {
                a.phases = [false; 8];
                for p in value().split(',') {
                    match p.trim().parse::<usize>() {
                        Ok(i @ 1..=7) => a.phases[i] = true,
                        _ => fail(format!("--phases: bad phase {p:?} (1 to 7)")),
                    }
                }
            }
            "--codec" => {
                a.codecs = match value().as_str() {
                    "none" => vec![Codec::None],
                    "zstd0" | "zstd" => vec![Codec::Zstd0],
                    "all" => vec![Codec::None, Codec::Zstd0],
                    other => fail(format!("unknown codec {other}\n{USAGE}")),
                }
            }
            // cargo/libtest may pass filters; anything else is a mistake.
            other => fail(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if a.size == 0 || a.size % 4 != 0 {
        fail(format!("--size {} must be a positive multiple of 4", a.size));
    }
    if a.repeat == 0 {
        fail("--repeat must be at least 1");
    }
    a
}

// ---------------------------------------------------------------- data

#[inline(always)]
fn row_base(y: u64, z: u64) -> u64 {
    y * y / 32 + z * z * z
}

/// The workload's value at `[z][y][x]` (`half`: chunks with i+j+k even are 0).
#[inline(always)]
fn expected(x: u64, y: u64, z: u64, c: u64, half: bool) -> u16 {
    if half && (x / c + y / c + z / c) % 2 == 0 {
        0
    } else {
        ((x + row_base(y, z)) % 65536) as u16
    }
}

fn generate(n: u64, c: u64, half: bool) -> Vec<u16> {
    let plane = (n * n) as usize;
    let mut v = vec![0u16; plane * n as usize];
    v.par_chunks_mut(plane).enumerate().for_each(|(z, p)| {
        let z = z as u64;
        for (y, row) in p.chunks_mut(n as usize).enumerate() {
            let y = y as u64;
            let base = row_base(y, z);
            for (x, e) in row.iter_mut().enumerate() {
                let x = x as u64;
                *e = if half && (x / c + y / c + z / c) % 2 == 0 {
                    0
                } else {
                    ((x + base) % 65536) as u16
                };
            }
        }
    });
    v
}

/// Check `buf` (C order, shape `count`) holds the elements at
/// `start + k*stride` of the workload array. Returns the first mismatch found.
fn verify(buf: &[u16], start: [u64; 3], count: [u64; 3], stride: u64, c: u64, half: bool) -> Result<(), String> {
    let plane = (count[1] * count[2]) as usize;
    assert_eq!(buf.len(), plane * count[0] as usize);
    let bad = buf.par_chunks(plane).enumerate().find_map_any(|(a, p)| {
        let z = start[0] + a as u64 * stride;
        for (b, row) in p.chunks(count[2] as usize).enumerate() {
            let y = start[1] + b as u64 * stride;
            for (d, &got) in row.iter().enumerate() {
                let x = start[2] + d as u64 * stride;
                let want = expected(x, y, z, c, half);
                if got != want {
                    return Some(format!("element [z={z}][y={y}][x={x}] is {got}, expected {want}"));
                }
            }
        }
        None
    });
    match bad {
        Some(m) => Err(m),
        None => Ok(()),
    }
}

/// Best memset rate seen over a buffer of at least 64 MiB (GiB/s): a machine fact.
static MEMSET_BEST: Mutex<f64> = Mutex::new(0.0);

/// Fill with 0xABAB (so a read that writes nothing cannot pass verification).
fn poison(buf: &mut [u16]) {
    let t0 = Instant::now();
    buf.par_chunks_mut(1 << 20).for_each(|p| p.fill(0xABAB));
    let dt = t0.elapsed().as_secs_f64();
    let b = std::mem::size_of_val(buf);
    if b >= 64 << 20 {
        let mut m = MEMSET_BEST.lock().unwrap_or_else(|e| e.into_inner());
        *m = m.max(b as f64 / dt / (MIB * 1024.0));
    }
}

fn bytes(v: &[u16]) -> &[u8] {
    // SAFETY: u16 has no padding; u8 has alignment 1.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), std::mem::size_of_val(v)) }
}

fn bytes_mut(v: &mut [u16]) -> &mut [u8] {
    // SAFETY: as above; every byte pattern is a valid u16.
    unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr().cast::<u8>(), std::mem::size_of_val(v)) }
}

// ---------------------------------------------------------------- measuring

static PEAK_OK: AtomicBool = AtomicBool::new(true);
static PEAK: AtomicU64 = AtomicU64::new(0);

fn reset_peak() {
    if std::fs::write("/proc/self/clear_refs", "5").is_err() {
        PEAK_OK.store(false, Ordering::Relaxed);
    }
}

fn read_status_kb(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse::<u64>()
        .ok()
}

fn hwm_bytes() -> Option<u64> {
    read_status_kb("VmHWM:").map(|k| k * 1024)
}

/// Time one call: reset the RSS high-water mark, run, fold the peak into PEAK.
fn timed<T>(f: impl FnOnce() -> T) -> (f64, T) {
    reset_peak();
    let t0 = Instant::now();
    let r = f();
    let dt = t0.elapsed().as_secs_f64();
    match hwm_bytes() {
        Some(h) => {
            PEAK.fetch_max(h, Ordering::Relaxed);
        }
        None => PEAK_OK.store(false, Ordering::Relaxed),
    }
    (dt, r)
}

struct Row {
    order: (u32, usize),
    phase: String,
    codec: &'static str,
    /// Uncompressed bytes one repeat moves (MiB/s are of this).
    bytes: u64,
    times: Vec<f64>,
    peak: Option<u64>,
    /// The caller-visible buffer held during the phase (output or input).
    buffer: u64,
}

impl Row {
    fn best(&self) -> f64 {
        self.times.iter().copied().fold(f64::INFINITY, f64::min)
    }
    fn median(&self) -> f64 {
        let mut t = self.times.clone();
        t.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let m = t.len() / 2;
        if t.len() % 2 == 1 {
            t[m]
        } else {
            (t[m - 1] + t[m]) / 2.0
        }
    }
}

/// Run `repeat` repetitions of `one` (which returns the timed seconds, using
/// `timed` around the measured call(s) only) and record a row.
#[allow(clippy::too_many_arguments)]
fn phase(
    rows: &mut Vec<Row>,
    order: (u32, usize),
    name: &str,
    codec: Codec,
    bytes: u64,
    buffer: u64,
    repeat: usize,
    mut one: impl FnMut(usize) -> f64,
) {
    PEAK.store(0, Ordering::Relaxed);
    let mut times = vec![];
    for r in 0..repeat {
        times.push(one(r));
    }
    let peak = if PEAK_OK.load(Ordering::Relaxed) {
        Some(PEAK.load(Ordering::Relaxed))
    } else {
        None
    };
    let row = Row {
        order,
        phase: name.to_owned(),
        codec: codec.name(),
        bytes,
        times,
        peak,
        buffer,
    };
    eprintln!(
        "  {:<44} {:<5} times {:?} s  best {:.0} MiB/s  peak {}",
        row.phase,
        row.codec,
        row.times.iter().map(|t| (t * 1e4).round() / 1e4).collect::<Vec<_>>(),
        row.bytes as f64 / MIB / row.best(),
        row.peak
            .map(|p| format!("{:.0} MiB", p as f64 / MIB))
            .unwrap_or("n/a".into())
    );
    rows.push(row);
}

/// A whole-array u16 buffer written from several threads (disjoint chunks).
struct OutPtr(usize, usize);

/// Copy one decoded chunk (C order, native-endian u16, `c^3`) to its place in
/// the `n^3` array buffer.
///
/// # Safety
/// No other thread may write the same chunk's region at the same time.
unsafe fn copy_chunk_into(out: &OutPtr, n: u64, c: u64, (i, j, k): (u64, u64, u64), chunk: &[u8]) {
    let (n, c) = (n as usize, c as usize);
    assert!(chunk.len() >= c * c * c * 2 && out.1 == n * n * n);
    let base = out.0 as *mut u16;
    let src = chunk.as_ptr();
    for a in 0..c {
        for b in 0..c {
            let dst = ((i as usize * c + a) * n + j as usize * c + b) * n + k as usize * c;
            let so = (a * c + b) * c * 2;
            // SAFETY: in bounds (dst + c <= n^3 since the chunk lies inside the array).
            unsafe { std::ptr::copy_nonoverlapping(src.add(so), base.add(dst).cast::<u8>(), c * 2) };
        }
    }
}

// ---------------------------------------------------------------- files

fn chunk_path(root: &Path, name: &str, i: u64, j: u64, k: u64) -> PathBuf {
    root.join(name)
        .join("c")
        .join(i.to_string())
        .join(j.to_string())
        .join(k.to_string())
}

/// (regular files, of which temporaries, total bytes) below `dir`.
fn count_files(dir: &Path) -> (usize, usize, u64) {
    let mut files = 0;
    let mut tmps = 0;
    let mut size = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let ft = e.file_type().or_fail("file type");
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() {
                files += 1;
                size += e.metadata().map(|m| m.len()).unwrap_or(0);
                if e.file_name().to_string_lossy().starts_with(".zarr-tmp") {
                    tmps += 1;
                }
            }
        }
    }
    (files, tmps, size)
}

fn all_chunks(g: u64) -> Vec<(u64, u64, u64)> {
    let mut v = vec![];
    for i in 0..g {
        for j in 0..g {
            for k in 0..g {
                v.push((i, j, k));
            }
        }
    }
    v
}

// ---------------------------------------------------------------- machine facts

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn cpuinfo_processors() -> usize {
    std::fs::read_to_string("/proc/cpuinfo")
        .map(|s| s.lines().filter(|l| l.starts_with("processor")).count())
        .unwrap_or(0)
}

fn mem_total_gib() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("MemTotal:")).and_then(|l| {
                l["MemTotal:".len()..]
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
        })
        .map(|k| k / 1024.0 / 1024.0)
        .unwrap_or(0.0)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Filesystem type and mount point holding `p` (longest mount-point prefix).
fn fs_of(p: &Path) -> String {
    let p = std::fs::canonicalize(p).unwrap_or(p.to_path_buf());
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    let mut best: Option<(usize, String)> = None;
    for l in mounts.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() < 3 {
            continue;
        }
        if p.starts_with(f[1]) && best.as_ref().is_none_or(|(n, _)| f[1].len() > *n) {
            best = Some((f[1].len(), format!("{} ({} on {})", f[2], f[1], f[0])));
        }
    }
    best.map(|b| b.1).unwrap_or_else(|| "unknown".into())
}

/// The cargo target directory this bench binary was built into.
fn target_dir() -> PathBuf {
    if let Ok(d) = std::env::var("CARGO_TARGET_DIR") {
        return PathBuf::from(d);
    }
    // .../target/release/deps/bench-HASH
    let exe = std::env::current_exe().or_fail("current_exe");
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(std::env::temp_dir)
}

// ---------------------------------------------------------------- main

fn main() {
    let args = parse_args();
    let started = Instant::now();
    let cmd = std::env::var("ZARR_BENCH_CMD").unwrap_or_else(|_| {
        let mut s = String::from("cargo bench --bench bench --");
        for a in &args.given {
            s.push(' ');
            s.push_str(a);
        }
        s
    });
    std::panic::set_hook(Box::new(|info| {
        eprintln!("bench: panic: {info}");
        cleanup();
        std::process::exit(1);
    }));

    if let Some(t) = args.threads {
        zarr::set_num_threads(t).or_fail("set_num_threads");
    }
    let nthreads = zarr::array::pool::num_threads();

    let n = args.size;
    let c = n / 4;
    let g = 4u64;
    let shape = [n, n, n];
    let chunks = [c, c, c];
    let total = n * n * n * 2;
    let chunk_bytes = c * c * c * 2;
    let ns = n / 4; // strided count
    let strided_bytes = ns * ns * ns * 2;
    let repeat = args.repeat;

    let parent = args.dir.clone().unwrap_or_else(target_dir);
    std::fs::create_dir_all(&parent).or_fail("create --dir");
    let work = tempfile::Builder::new()
        .prefix("zarr-bench-")
        .tempdir_in(&parent)
        .or_fail("make the temporary directory")
        .keep();
    *WORKDIR.lock().unwrap() = Some(work.clone());
    let load_start = loadavg();

    println!("# libzarr benchmark");
    println!();
    println!("command: `{cmd}`");
    println!(
        "array: {n}x{n}x{n} uint16 ({} MiB), chunks {c}^3 ({} MiB, grid 4x4x4), repeats {repeat}, threads {nthreads}",
        mib(total),
        mib(chunk_bytes)
    );
    println!("store: {} [{}]", work.display(), fs_of(&work));
    println!();
    eprintln!("progress (times per repeat):");

    let root = Group::open_root(
        work.to_str().or_fail_opt("work dir is not UTF-8"),
        Mode::Create,
        Some(ZarrFormat::V3),
    )
    .or_fail("open_root");
    let all = Selection::all(&shape);
    let mut rows: Vec<Row> = vec![];
    let mut notes: Vec<String> = vec![];

    for (ci, &codec) in args.codecs.iter().enumerate() {
        let codecs = codec.codecs();
        let name = format!("full_{}", codec.name());
        let half_name = format!("half_{}", codec.name());
        let meta = root
            .simple_metadata(DataType::UInt16, &shape, &chunks, Some(&codecs), None)
            .or_fail("simple_metadata");
        let a = root.create_array(&name, meta.clone()).or_fail("create_array");

        // ---- 1 and 7: write all, write_empty_chunks off (default) vs on,
        // interleaved so background load hits both alike.
        {
            let data = generate(n, c, false);
            let mut off = vec![];
            let mut on = vec![];
            let mut peak_off = 0u64;
            let mut peak_on = 0u64;
            let (p1, p7) = (args.phases[1], args.phases[7]);
            // One untimed write first: the timed writes all overwrite an
            // existing array (the first one would also create directories
            // and grow the page cache), and the read phases need the array.
            a.write(&all, DataType::UInt16, bytes(&data)).or_fail("write all");
            for r in 0..repeat {
                let mut modes = [(false, p1, &mut off, &mut peak_off), (true, p7, &mut on, &mut peak_on)];
                if r % 2 == 1 {
                    // Alternate which goes first, so drift hits both alike.
                    modes.reverse();
                }
                for (enable, run, times, peak) in modes {
                    if !run {
                        continue;
                    }
                    a.set_write_empty_chunks(enable);
                    PEAK.store(0, Ordering::Relaxed);
                    let (t, r) = timed(|| a.write(&all, DataType::UInt16, bytes(&data)));
                    r.or_fail("write all");
                    times.push(t);
                    *peak = (*peak).max(PEAK.load(Ordering::Relaxed));
                }
            }
            a.set_write_empty_chunks(false);
            let peak_ok = PEAK_OK.load(Ordering::Relaxed);
            for (order, label, times, peak) in [
                (1, "1. write all (write_empty_chunks off)", off, peak_off),
                (11, "7. write all, write_empty_chunks on", on, peak_on),
            ] {
                if times.is_empty() {
                    continue;
                }
                let row = Row {
                    order: (order, ci),
                    phase: label.into(),
                    codec: codec.name(),
                    bytes: total,
                    times,
                    peak: peak_ok.then_some(peak),
                    buffer: total,
                };
                eprintln!(
                    "  {:<44} {:<5} times {:?} s",
                    row.phase,
                    row.codec,
                    row.times.iter().map(|t| (t * 1e4).round() / 1e4).collect::<Vec<_>>()
                );
                rows.push(row);
            }
            let (files, tmps, size) = count_files(&work.join(&name).join("c"));
            if files != 64 || tmps != 0 {
                fail(format!(
                    "{name}: {files} chunk files ({tmps} temporaries) after writing, expected 64"
                ));
            }
            notes.push(format!(
                "{}: stored size {} MiB for {} MiB of data (ratio {:.1}x)",
                codec.name(),
                mib(size),
                mib(total),
                total as f64 / size.max(1) as f64
            ));
        }

        // ---- 5a: write all with half the chunks all fill value
        if args.phases[5] {
            let ha = root
                .create_array(&half_name, meta.clone())
                .or_fail("create_array (half)");
            let data = generate(n, c, true);
            phase(
                &mut rows,
                (5, ci),
                "5. write all, half fill chunks",
                codec,
                total,
                total,
                repeat,
                |_| {
                    let (t, r) = timed(|| ha.write(&all, DataType::UInt16, bytes(&data)));
                    r.or_fail("write all (half)");
                    t
                },
            );
            let (files, tmps, _) = count_files(&work.join(&half_name).join("c"));
            notes.push(format!(
                "{}: chunk files after the half-fill write: {files} of 64 (expected 32){}",
                codec.name(),
                if tmps > 0 {
                    format!(", {tmps} temporaries left")
                } else {
                    String::new()
                }
            ));
            if files != 32 || tmps != 0 {
                fail(format!(
                    "{half_name}: {files} chunk files ({tmps} temporaries), expected 32"
                ));
            }
            for (i, j, k) in all_chunks(g) {
                let exists = chunk_path(&work, &half_name, i, j, k).is_file();
                if exists != ((i + j + k) % 2 == 1) {
                    fail(format!("{half_name}: chunk {i}/{j}/{k} exists={exists}, wrong"));
                }
            }
        }

        // ---- 2 and 5b: read all (full and half arrays), one buffer
        if args.phases[2] || args.phases[5] {
            let mut out = vec![0u16; (n * n * n) as usize];
            poison(&mut out);
            if args.phases[2] {
                phase(&mut rows, (2, ci), "2. read all", codec, total, total, repeat, |_| {
                    poison(&mut out);
                    let (t, r) = timed(|| a.read(&all, DataType::UInt16, bytes_mut(&mut out)));
                    r.or_fail("read all");
                    verify(&out, [0; 3], shape, 1, c, false).or_fail("read all returned wrong data");
                    t
                });
            }
            if args.phases[5] {
                let ha = root.open_array(&half_name).or_fail("open_array (half)");
                phase(
                    &mut rows,
                    (6, ci),
                    "5. read all, half fill chunks",
                    codec,
                    total,
                    total,
                    repeat,
                    |_| {
                        poison(&mut out);
                        let (t, r) = timed(|| ha.read(&all, DataType::UInt16, bytes_mut(&mut out)));
                        r.or_fail("read all (half)");
                        verify(&out, [0; 3], shape, 1, c, true).or_fail("read all (half) returned wrong data");
                        t
                    },
                );
            }
        }

        // ---- 3: chunk by chunk into a reused buffer
        if args.phases[3] {
            let mut cbuf = vec![0u16; (c * c * c) as usize];
            poison(&mut cbuf);
            phase(
                &mut rows,
                (3, ci),
                "3. read chunk by chunk",
                codec,
                total,
                chunk_bytes,
                repeat,
                |_| {
                    let mut sum = 0.0;
                    for (i, j, k) in all_chunks(g) {
                        let start = [i * c, j * c, k * c];
                        let sel = Selection::new(&shape, &start, &chunks, None).or_fail("chunk selection");
                        poison(&mut cbuf);
                        let (t, r) = timed(|| a.read(&sel, DataType::UInt16, bytes_mut(&mut cbuf)));
                        r.or_fail("read chunk");
                        sum += t;
                        verify(&cbuf, start, chunks, 1, c, false).or_fail("chunk read returned wrong data");
                    }
                    sum
                },
            );
        }

        // ---- 4: strided read, stride 4 on every axis
        if args.phases[4] {
            let mut sbuf = vec![0u16; (ns * ns * ns) as usize];
            poison(&mut sbuf);
            let sel = Selection::new(&shape, &[0; 3], &[ns; 3], Some(&[4i64; 3])).or_fail("strided selection");
            phase(
                &mut rows,
                (4, ci),
                "4. strided read (stride 4) ¹",
                codec,
                total,
                strided_bytes,
                repeat,
                |_| {
                    poison(&mut sbuf);
                    let (t, r) = timed(|| a.read(&sel, DataType::UInt16, bytes_mut(&mut sbuf)));
                    r.or_fail("strided read");
                    verify(&sbuf, [0; 3], [ns; 3], 4, c, false).or_fail("strided read returned wrong data");
                    t
                },
            );
        }

        // ---- 6: the floor
        if args.phases[6] {
            let paths: Vec<PathBuf> = all_chunks(g)
                .into_iter()
                .map(|(i, j, k)| chunk_path(&work, &name, i, j, k))
                .collect();
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(nthreads)
                .thread_name(|i| format!("floor-{i}"))
                .build()
                .or_fail("floor thread pool");
            let cb = chunk_bytes as usize;
            // zstd: load every chunk file first (not timed).
            let files: Vec<Vec<u8>> = match codec {
                Codec::Zstd0 => paths
                    .iter()
                    .map(|p| std::fs::read(p).or_fail("read chunk file"))
                    .collect(),
                Codec::None => vec![],
            };
            let held: u64 = files.iter().map(|f| f.len() as u64).sum();
            match codec {
                Codec::Zstd0 => {
                    let mut dec = zstd::bulk::Decompressor::new().or_fail("zstd decompressor");
                    let mut buf = vec![1u8; cb];
                    phase(
                        &mut rows,
                        (8, ci),
                        "6. floor: zstd decompress, 1 thread",
                        codec,
                        total,
                        held + cb as u64,
                        repeat,
                        |_| {
                            let (t, ()) = timed(|| {
                                for f in &files {
                                    let got = dec
                                        .decompress_to_buffer(&f[..], &mut buf[..])
                                        .or_fail("zstd decompress");
                                    if got != cb {
                                        fail(format!("floor decompressed {got} bytes, expected {cb}"));
                                    }
                                }
                            });
                            black_box(&buf);
                            t
                        },
                    );
                    // One decompressor and one pre-faulted buffer per pool thread.
                    let slots: Vec<Mutex<(zstd::bulk::Decompressor<'static>, Vec<u8>)>> = (0..nthreads)
                        .map(|_| {
                            Mutex::new((
                                zstd::bulk::Decompressor::new().or_fail("zstd decompressor"),
                                vec![1u8; cb],
                            ))
                        })
                        .collect();
                    let label = format!("6. floor: zstd decompress, {nthreads} thread{}", plural(nthreads));
                    phase(
                        &mut rows,
                        (9, ci),
                        &label,
                        codec,
                        total,
                        held + (nthreads * cb) as u64,
                        repeat,
                        |_| {
                            let (t, ()) = timed(|| {
                                pool.install(|| {
                                    files.par_iter().for_each(|f| {
                                        let i = rayon::current_thread_index().unwrap_or(0);
                                        let mut s = slots[i].lock().unwrap();
                                        let (d, b) = &mut *s;
                                        let got = d.decompress_to_buffer(&f[..], &mut b[..]).or_fail("zstd decompress");
                                        if got != cb {
                                            fail(format!("floor decompressed {got} bytes, expected {cb}"));
                                        }
                                    })
                                })
                            });
                            t
                        },
                    );
                    // Cross-check the floor's data once (untimed): chunk 1/2/3.
                    let (i, j, k) = (1, 2, 3);
                    let idx = ((i * g + j) * g + k) as usize;
                    let got = dec
                        .decompress_to_buffer(&files[idx][..], &mut buf[..])
                        .or_fail("zstd decompress");
                    let vals: Vec<u16> = buf[..got]
                        .chunks_exact(2)
                        .map(|p| u16::from_le_bytes([p[0], p[1]]))
                        .collect();
                    verify(&vals, [i * c, j * c, k * c], chunks, 1, c, false).or_fail("floor decoded wrong data");
                }
                Codec::None => {
                    phase(
                        &mut rows,
                        (8, ci),
                        "6. floor: std::fs::read files, 1 thread",
                        codec,
                        total,
                        0,
                        repeat,
                        |_| {
                            let (t, ()) = timed(|| {
                                for p in &paths {
                                    let v = std::fs::read(p).or_fail("read chunk file");
                                    if v.len() != cb {
                                        fail(format!("chunk file has {} bytes, expected {cb}", v.len()));
                                    }
                                    black_box(&v);
                                }
                            });
                            t
                        },
                    );
                    let label = format!("6. floor: std::fs::read files, {nthreads} thread{}", plural(nthreads));
                    phase(&mut rows, (9, ci), &label, codec, total, 0, repeat, |_| {
                        let (t, ()) = timed(|| {
                            pool.install(|| {
                                paths.par_iter().for_each(|p| {
                                    let v = std::fs::read(p).or_fail("read chunk file");
                                    if v.len() != cb {
                                        fail(format!("chunk file has {} bytes, expected {cb}", v.len()));
                                    }
                                    black_box(&v);
                                })
                            })
                        });
                        t
                    });
                }
            }

            // The floor of a read-all: the same decoding (zstd from memory,
            // none from the files) into a reused per-thread buffer, plus
            // copying each chunk's rows to their place in one whole-array
            // buffer, which any read-all must do.
            let mut out = vec![0u16; (n * n * n) as usize];
            poison(&mut out);
            let outp = OutPtr(out.as_mut_ptr() as usize, out.len());
            let slots: Vec<Mutex<(zstd::bulk::Decompressor<'static>, Vec<u8>)>> = (0..nthreads)
                .map(|_| {
                    Mutex::new((
                        zstd::bulk::Decompressor::new().or_fail("zstd decompressor"),
                        vec![1u8; cb],
                    ))
                })
                .collect();
            let coords = all_chunks(g);
            let label = format!(
                "6. floor + copy into one output buffer, {nthreads} thread{}",
                plural(nthreads)
            );
            phase(
                &mut rows,
                (10, ci),
                &label,
                codec,
                total,
                total + held + (nthreads * cb) as u64,
                repeat,
                |_| {
                    poison(&mut out);
                    let (t, ()) = timed(|| {
                        pool.install(|| {
                            coords.par_iter().enumerate().for_each(|(idx, &(i, j, k))| {
                                let ti = rayon::current_thread_index().unwrap_or(0);
                                let mut s = slots[ti].lock().unwrap();
                                let (d, b) = &mut *s;
                                match codec {
                                    Codec::Zstd0 => {
                                        let got = d
                                            .decompress_to_buffer(&files[idx][..], &mut b[..])
                                            .or_fail("zstd decompress");
                                        if got != cb {
                                            fail(format!("floor decompressed {got} bytes, expected {cb}"));
                                        }
                                    }
                                    Codec::None => {
                                        use std::io::Read;
                                        let mut f = std::fs::File::open(&paths[idx]).or_fail("open chunk file");
                                        f.read_exact(&mut b[..]).or_fail("read chunk file");
                                    }
                                }
                                // SAFETY: chunks are disjoint regions of `out`.
                                unsafe { copy_chunk_into(&outp, n, c, (i, j, k), b) };
                            })
                        })
                    });
                    verify(&out, [0; 3], shape, 1, c, false).or_fail("floor + copy produced wrong data");
                    t
                },
            );
        }
    }

    // ---------------------------------------------------------------- report
    rows.sort_by_key(|r| r.order);
    let find = |order: u32, codec: &str| rows.iter().find(|r| r.order.0 == order && r.codec == codec);
    println!("| phase | codec | MiB/s best | MiB/s median | peak RSS MiB | peak − output MiB |");
    println!("|---|---|---:|---:|---:|---:|");
    for r in &rows {
        let (pk, pm) = match r.peak {
            Some(p) => (
                format!("{:.0}", p as f64 / MIB),
                format!("{:.0}", (p as f64 - r.buffer as f64) / MIB),
            ),
            None => ("n/a".into(), "n/a".into()),
        };
        println!(
            "| {} | {} | {:.0} | {:.0} | {} | {} |",
            r.phase,
            r.codec,
            r.bytes as f64 / MIB / r.best(),
            r.bytes as f64 / MIB / r.median(),
            pk,
            pm
        );
    }
    println!();
    println!(
        "¹ strided: MiB/s are of the whole array ({} MiB, every chunk is decoded); the output is {} MiB. \
\"output\" is the caller's buffer (the input for writes; for floors the chunk files held in memory plus the reused \
decode buffers). Peak RSS is VmHWM, reset before each timed call; it includes the process baseline. Timed writes \
overwrite the array (after one untimed first write); phase 7 alternates with phase 1. \"floor + copy\" is a \
reference, not a strict bound: the floor's decoding into a reused whole-chunk buffer plus copying each chunk's rows \
to their place in one whole-array buffer.",
        mib(total),
        mib(strided_bytes)
    );
    println!();
    for &codec in &args.codecs {
        let cn = codec.name();
        if let (Some(read), Some(floor)) = (find(2, cn), find(9, cn)) {
            println!(
                "- {cn}: read all / parallel floor = {:.2}x (best {:.3} s / {:.3} s; median {:.2}x)",
                read.best() / floor.best(),
                read.best(),
                floor.best(),
                read.median() / floor.median()
            );
        }
        if let (Some(read), Some(floor)) = (find(2, cn), find(10, cn)) {
            println!(
                "- {cn}: read all / (parallel floor + copy into the output) = {:.2}x (best {:.3} s / {:.3} s; median {:.2}x)",
                read.best() / floor.best(),
                read.best(),
                floor.best(),
                read.median() / floor.median()
            );
        }
        if let (Some(off), Some(on)) = (find(1, cn), find(11, cn)) {
            let d = off.best() - on.best();
            println!(
                "- {cn}: emptiness test cost = write-all off − on = {:+.1} ms best ({:+.1}% of {:.3} s), {:+.1} ms median",
                d * 1e3,
                d / on.best() * 100.0,
                on.best(),
                (off.median() - on.median()) * 1e3
            );
        }
    }
    for nt in &notes {
        println!("- {nt}");
    }
    println!();
    println!("machine:");
    println!(
        "- nproc {} (available_parallelism), {} logical CPUs in /proc/cpuinfo, {:.1} GiB RAM",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        cpuinfo_processors(),
        mem_total_gib()
    );
    println!("- CPU: {}", cpu_model());
    if let Ok(o) = std::process::Command::new("rustc").arg("-V").output() {
        println!("- {}", String::from_utf8_lossy(&o.stdout).trim());
    }
    println!(
        "- threads used: {nthreads} (library pool{})",
        match args.threads {
            Some(t) => format!(", --threads {t}"),
            None => ", default".into(),
        }
    );
    println!(
        "- kernel {}, store filesystem {}",
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim(),
        fs_of(&work)
    );
    let memset = *MEMSET_BEST.lock().unwrap_or_else(|e| e.into_inner());
    if memset > 0.0 {
        println!(
            "- memory write bandwidth: {memset:.1} GiB/s (best parallel memset of a big, already-faulted buffer, {} threads)",
            rayon::current_num_threads()
        );
    }
    println!("- load average at start {load_start}, at end {}", loadavg());
    println!("- chunk files read from the page cache (warm), writes go to the page cache (no fsync)");
    println!("- total bench time {:.0} s", started.elapsed().as_secs_f64());
    println!();
    println!("command: `{cmd}`");

    drop(root);
    cleanup();
}

trait OrFailOpt<T> {
    fn or_fail_opt(self, what: &str) -> T;
}
impl<T> OrFailOpt<T> for Option<T> {
    fn or_fail_opt(self, what: &str) -> T {
        self.unwrap_or_else(|| fail(what))
    }
}
