#!/usr/bin/env python3
"""libzarr against its peers: read speed on the zarr_benchmarks workload.

An N x N x N uint16 array (default N = 1024, 2 GiB) in (N/4)^3 chunks, whose
element [z][y][x] holds (x + y*y//32 + z*z*z) mod 65536 (int64 arithmetic), is
written ONCE by zarr-python as Zarr v3 (codecs `bytes` + `zstd` level 0, and/or
`bytes` only) into a temporary directory. Then, in this one process, each
implementation reads it back:

- libzarr through ctypes (tests/interop/libzarr.py): zarr_open, zarr_array_open,
  zarr_array_read into a numpy array allocated before the clock starts;
  zarr_set_num_threads(0) (one thread per core);
- zarr-python 3: zarr.open_array(path)[...], with its default configuration;
- tensorstore: ts.open({"driver": "zarr3", ...}).result().read().result(),
  with its default context.

Phases: "read all" (the whole array) and "strided" (every 4th element on each
axis: libzarr stride 4 / count N/4, arr[::4, ::4, ::4] for the others). Each
timed call includes opening the array; every result is checked against the
formula with np.array_equal, and a wrong result exits non-zero. Each phase is
repeated --repeat times, the order of the implementations alternating
(forward, reversed, forward, ...), after one untimed full read by each
implementation (see the warm-up comment in main). MiB/s are of the uncompressed whole array
for both phases (the strided read decodes every chunk too).

Run it through scripts/bench-peers.sh (builds the library, prepares .venv):
    scripts/bench-peers.sh [--size N] [--repeat R] [--dir DIR] [--codec none|zstd0|all]
The Markdown report goes to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import sys
import tempfile
import time
from ctypes import c_int64, c_uint64, c_void_p
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "interop"))

import libzarr as lz  # noqa: E402  (tests/interop/libzarr.py)
import tensorstore as ts  # noqa: E402
import zarr  # noqa: E402
import zarr.codecs  # noqa: E402

MIB = 1024.0 * 1024.0
IMPLS = ("libzarr", "zarr-python", "tensorstore")
PHASES = ("read all", "strided")


def progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def fail(msg: str) -> None:
    progress(f"peers: FAILED: {msg}")
    raise SystemExit(1)


# ------------------------------------------------------------------ data


def expected_array(n: int) -> np.ndarray:
    """The workload array, [z][y][x] = (x + y*y//32 + z*z*z) mod 65536."""
    x = np.arange(n, dtype=np.int64)
    y = np.arange(n, dtype=np.int64)
    base = x[None, :] + (y * y // 32)[:, None]  # [y][x]
    out = np.empty((n, n, n), dtype=np.uint16)
    for z in range(n):
        out[z] = (base + z * z * z) % 65536
    return out


def codec_list(codec: str):
    if codec == "none":
        return None
    return [zarr.codecs.ZstdCodec(level=0, checksum=False)]


def write_array(path: Path, data: np.ndarray, codec: str) -> None:
    n = data.shape[0]
    a = zarr.create_array(
        store=str(path),
        shape=data.shape,
        chunks=(n // 4,) * 3,
        dtype="uint16",
        compressors=codec_list(codec),
        fill_value=0,
        zarr_format=3,
    )
    a[...] = data


def dir_bytes(path: Path) -> tuple[int, int]:
    files = total = 0
    for p in path.rglob("*"):
        if p.is_file() and p.name != "zarr.json":
            files += 1
            total += p.stat().st_size
    return files, total


# ------------------------------------------------------------------ readers
# Each reader returns (seconds, result). The clock covers opening the array
# and reading it; buffers the caller must provide are allocated before it.


def _u64(values) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.uint64)


def read_libzarr(path: Path, n: int, strided: bool):
    c = n // 4 if strided else n
    out = np.empty((c, c, c), dtype=np.uint16)  # pages are faulted during the read
    start = _u64([0, 0, 0])
    cnt = _u64([c, c, c])
    stride = np.ascontiguousarray([4, 4, 4], dtype=np.int64) if strided else None
    stride_p = None if stride is None else stride.ctypes.data_as(ctypes.POINTER(c_int64))
    t0 = time.perf_counter()
    root = lz.open(str(path), lz.READ)
    arr = root.open_array("")
    lz.call(
        "zarr_array_read",
        arr.handle,
        start.ctypes.data_as(ctypes.POINTER(c_uint64)),
        cnt.ctypes.data_as(ctypes.POINTER(c_uint64)),
        stride_p,
        lz.NATIVE,
        out.ctypes.data_as(c_void_p),
        out.nbytes,
    )
    arr.close()
    root.close()
    return time.perf_counter() - t0, out


def read_zarr_python(path: Path, n: int, strided: bool):
    t0 = time.perf_counter()
    a = zarr.open_array(str(path), mode="r")
    if strided:
        r = a[::4, ::4, ::4]
    else:
        r = a[...]
    return time.perf_counter() - t0, r


def read_tensorstore(path: Path, n: int, strided: bool):
    spec = {"driver": "zarr3", "kvstore": {"driver": "file", "path": str(path)}}
    t0 = time.perf_counter()
    t = ts.open(spec, read=True).result()
    if strided:
        t = t[::4, ::4, ::4]
    r = t.read().result()
    return time.perf_counter() - t0, r


READERS = {
    "libzarr": read_libzarr,
    "zarr-python": read_zarr_python,
    "tensorstore": read_tensorstore,
}


# ------------------------------------------------------------------ facts


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpuinfo_processors() -> int:
    try:
        return sum(1 for line in open("/proc/cpuinfo") if line.startswith("processor"))
    except OSError:
        return 0


def mem_total_gib() -> float:
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def loadavg() -> str:
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "unknown"


def fs_of(p: Path) -> str:
    p = p.resolve()
    best = None
    try:
        for line in open("/proc/self/mounts"):
            f = line.split()
            if len(f) >= 3 and (str(p) == f[1] or str(p).startswith(f[1].rstrip("/") + "/")):
                if best is None or len(f[1]) > best[0]:
                    best = (len(f[1]), f"{f[2]} ({f[1]} on {f[0]})")
    except OSError:
        pass
    return best[1] if best else "unknown"


def nproc() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def busy_cpu_seconds() -> float | None:
    """CPU time the whole machine spent busy (all CPUs; /proc/stat, not idle/iowait)."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal ...
    busy = v[0] + v[1] + v[2] + sum(v[5:8])
    return busy / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def thp_mode() -> str:
    try:
        return open("/sys/kernel/mm/transparent_hugepage/enabled").read().strip()
    except OSError:
        return "unknown"


def os_threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 0


def zarr_python_threads() -> str:
    conc = zarr.config.get("async.concurrency")
    workers = zarr.config.get("threading.max_workers")
    batch = zarr.config.get("codec_pipeline.batch_size", None)
    # With threading.max_workers = None, zarr-python's file reads and codec
    # calls (asyncio.to_thread) run on the event loop's default executor.
    effective = "unknown"
    try:
        from zarr.core import sync as zsync

        loop = zsync.loop[0]
        ex = getattr(loop, "_default_executor", None) if loop is not None else None
        if ex is not None:
            effective = f"{ex._max_workers} ({type(ex).__name__} on zarr's event-loop thread)"
    except Exception:  # noqa: BLE001 - private attributes, informative only
        pass
    if effective == "unknown" and workers is None:
        effective = f"{min(32, (os.cpu_count() or 1) + 4)} (asyncio default executor, min(32, cpu_count+4))"
    return (
        f"async.concurrency={conc}, threading.max_workers={workers}, "
        f"codec_pipeline.batch_size={batch}; worker threads: {effective}"
    )


def tensorstore_threads() -> str:
    ctx = ts.Context()
    parts = []
    for res in ("data_copy_concurrency", "file_io_concurrency", "cache_pool"):
        try:
            parts.append(f"{res}={ctx[res].to_json(include_defaults=True)}")
        except Exception as e:  # noqa: BLE001
            parts.append(f"{res}=? ({e})")
    return (
        "default context (each ts.open makes a new one): "
        + ", ".join(parts)
        + "; 'shared' = tensorstore's default limit, shared by all contexts in the process"
    )


# ------------------------------------------------------------------ main


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=1024, help="N (a positive multiple of 4; default 1024)")
    ap.add_argument("--repeat", type=int, default=3, help="repeats per phase (default 3)")
    ap.add_argument("--dir", default=None, help="make the temporary store directory inside DIR")
    ap.add_argument(
        "--codec", default="all", choices=["none", "zstd0", "zstd", "all"], help="default all"
    )
    a = ap.parse_args()
    if a.size <= 0 or a.size % 4:
        ap.error(f"--size {a.size} must be a positive multiple of 4")
    if a.repeat < 1:
        ap.error("--repeat must be at least 1")
    a.codecs = {"none": ["none"], "zstd0": ["zstd0"], "zstd": ["zstd0"], "all": ["none", "zstd0"]}[a.codec]
    return a


def mib(b: float) -> str:
    m = b / MIB
    return f"{m:.1f}" if m < 10 else f"{m:.0f}"


def fmt_rate(v: float) -> str:
    return f"{v:.1f}" if v < 10 else f"{v:.0f}"


def main() -> int:
    args = parse_args()
    cmd = os.environ.get("BENCH_PEERS_CMD") or " ".join(
        shlex.quote(x) for x in [sys.executable, *sys.argv]
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.perf_counter()
    load_start = loadavg()

    n = args.size
    c = n // 4
    total = n * n * n * 2
    lz.set_num_threads(0)

    work = Path(tempfile.mkdtemp(prefix="libzarr-peers-", dir=args.dir))
    try:
        progress(f"peers: store {work}; generating the {n}^3 uint16 array ({total / MIB:.0f} MiB)")
        t0 = time.perf_counter()
        expected = expected_array(n)
        expected_strided = expected[::4, ::4, ::4]
        progress(f"peers: generated in {time.perf_counter() - t0:.1f} s")

        stored = {}
        for codec in args.codecs:
            path = work / f"{codec}.zarr"
            t0 = time.perf_counter()
            write_array(path, expected, codec)
            stored[codec] = dir_bytes(path)
            progress(
                f"peers: wrote {codec} with zarr-python in {time.perf_counter() - t0:.1f} s "
                f"({stored[codec][0]} chunk files, {stored[codec][1] / MIB:.1f} MiB)"
            )

        # Flush the new chunk files to disk now, so that writeback does not overlap
        # the timed reads (the files stay in the page cache).
        t0 = time.perf_counter()
        os.sync()
        progress(f"peers: sync in {time.perf_counter() - t0:.1f} s")

        times: dict[tuple[str, str, str], list[float]] = {}
        busy0, own0, wall0 = busy_cpu_seconds(), own_cpu_seconds(), time.perf_counter()
        for codec in args.codecs:
            path = work / f"{codec}.zarr"
            # Untimed warm-up: one full read each. Besides loading codecs and
            # starting thread pools, this takes the first-touch cost of big
            # allocations out of the timings: numpy madvises arrays of 4 MiB
            # and more for transparent huge pages, and the first huge-page
            # faults of a process are several times slower than later ones.
            for impl in IMPLS:
                secs, r = READERS[impl](path, n, False)
                if not np.array_equal(np.asarray(r), expected):
                    fail(f"{impl} {codec} warm-up read is wrong")
                del r
                progress(f"peers: {codec:5} warm-up     {impl:11} {secs:7.3f} s (untimed)")
            for phase in PHASES:
                strided = phase == "strided"
                want = expected_strided if strided else expected
                for rep in range(args.repeat):
                    order = IMPLS if rep % 2 == 0 else tuple(reversed(IMPLS))
                    for impl in order:
                        secs, r = READERS[impl](path, n, strided)
                        r = np.asarray(r)
                        if r.shape != want.shape or r.dtype != want.dtype or not np.array_equal(r, want):
                            fail(
                                f"{impl} {codec} {phase} repeat {rep + 1}: wrong result "
                                f"(shape {r.shape}, dtype {r.dtype}; expected {want.shape} {want.dtype})"
                            )
                        del r
                        times.setdefault((codec, phase, impl), []).append(secs)
                        progress(
                            f"peers: {codec:5} {phase:8} #{rep + 1} {impl:11} {secs:7.3f} s "
                            f"{total / MIB / secs:8.0f} MiB/s"
                        )

        busy1, own1, wall1 = busy_cpu_seconds(), own_cpu_seconds(), time.perf_counter()
        others = None if busy0 is None or busy1 is None else max(0.0, (busy1 - busy0) - (own1 - own0))
        if others is not None and others > 0.05 * (wall1 - wall0) * nproc():
            progress(
                f"peers: WARNING: other processes used {others:.1f} CPU-s during the "
                f"{wall1 - wall0:.0f} s of reads ({others / ((wall1 - wall0) * nproc()) * 100:.0f}% "
                "of the machine): timings are disturbed"
            )

        # ------------------------------------------------------------ report
        print("# libzarr peer comparison (read)")
        print()
        print(f"command: `{cmd}`")
        print()
        print(
            f"workload: {n}x{n}x{n} uint16 ({mib(total)} MiB), chunks {c}x{c}x{c} (64 chunks), "
            "[z][y][x] = (x + y*y//32 + z*z*z) mod 65536; Zarr v3 written once by zarr-python "
            f"{zarr.__version__}"
        )
        for codec in args.codecs:
            files, size = stored[codec]
            meta = json.loads((work / f"{codec}.zarr" / "zarr.json").read_text())
            desc = json.dumps(meta.get("codecs"), separators=(",", ":"))
            print(
                f"- {codec}: codecs {desc}; {files} chunk files, {size / MIB:.1f} MiB stored "
                f"(ratio {total / size:.2f})"
            )
        print(f"- store: {work} [{fs_of(work)}], removed at the end")
        print()
        print(
            "| phase | codec | implementation | MiB/s best | MiB/s median | s best | s median "
            "| ÷ libzarr (best) | ÷ libzarr (median) |"
        )
        print("|---|---|---|---:|---:|---:|---:|---:|---:|")
        for codec in args.codecs:
            for phase in PHASES:
                ref = times[(codec, phase, "libzarr")]
                ref_best, ref_med = min(ref), statistics.median(ref)
                for impl in IMPLS:
                    t = times[(codec, phase, impl)]
                    best, med = min(t), statistics.median(t)
                    print(
                        f"| {phase} | {codec} | {impl} | {fmt_rate(total / MIB / best)} | "
                        f"{fmt_rate(total / MIB / med)} | {best:.3f} | {med:.3f} | "
                        f"{ref_best / best:.2f} | {ref_med / med:.2f} |"
                    )
        print()
        print(
            f"MiB/s are of the uncompressed whole array ({mib(total)} MiB) for both phases; the "
            f"strided read returns {mib(total / 64)} MiB but decodes every chunk. "
            "\"÷ libzarr\" is the peer's speed divided by libzarr's (below 1: slower than libzarr). "
            "Each timed call opens the array and reads it; the result buffer is new for every call "
            "(libzarr: np.empty before the clock starts, its pages faulted during the read, as the peers "
            "allocate theirs inside the call). Every result is compared with the formula "
            "(np.array_equal). "
            f"{args.repeat} repeat{'s' if args.repeat != 1 else ''} per phase, implementation order "
            "alternating forward/reversed; one untimed full read per implementation and codec first."
        )
        print()
        print("threads:")
        print(f"- libzarr: zarr_set_num_threads(0) = one per core ({nproc()} here)")
        print(f"- zarr-python: {zarr_python_threads()}")
        print(f"- tensorstore: {tensorstore_threads()}")
        print(f"- OS threads in this process after the runs: {os_threads()}")
        print()
        print("machine:")
        print(
            f"- nproc {nproc()}, {cpuinfo_processors()} logical CPUs in /proc/cpuinfo, "
            f"{mem_total_gib():.1f} GiB RAM"
        )
        print(f"- CPU: {cpu_model()}")
        print(f"- kernel {platform.release()}, Python {platform.python_version()}")
        madvise = os.environ.get("NUMPY_MADVISE_HUGEPAGE", "unset (numpy default: on)")
        mode = thp_mode().split("[", 1)[-1].split("]", 1)[0]
        if mode == "always":
            hp = "large allocations of all three get huge pages"
        elif mode == "madvise" and madvise.strip() != "0":
            hp = (
                "numpy-allocated outputs (libzarr's buffer here, zarr-python's result) get huge "
                "pages, tensorstore's own allocations do not"
            )
        else:
            hp = "no huge pages for numpy-allocated outputs"
        print(f"- transparent huge pages: {thp_mode()}; NUMPY_MADVISE_HUGEPAGE={madvise}: {hp}")
        print(
            f"- libzarr {lz.version()} ({lz.lib_path()}), zarr {zarr.__version__}, "
            f"numcodecs {_version('numcodecs')}, tensorstore {_version('tensorstore')}, numpy {np.__version__}"
        )
        print(f"- load average at start {load_start}, at end {loadavg()}")
        if others is not None:
            share = others / ((wall1 - wall0) * nproc()) * 100
            print(
                f"- CPU used by other processes during the reads: {others:.1f} CPU-s in "
                f"{wall1 - wall0:.1f} s, {share:.0f}% of the machine"
                + (" (DISTURBED: rerun on a quiet machine)" if share > 5 else "")
                + f"; this process: {own1 - own0:.1f} CPU-s"
            )
        print("- chunk files read from the page cache (written just before, then os.sync() before the reads)")
        print(f"- total bench time {time.perf_counter() - started:.0f} s")
        print()
        print(f"command: `{cmd}`")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _version(dist: str) -> str:
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:  # noqa: BLE001
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
