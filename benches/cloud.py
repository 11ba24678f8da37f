"""Cloud read benchmark: a 256 MiB float64 array in 1,024 chunks (256 KiB
each, zstd) on a local moto S3 server, read whole by libzarr (C API through
ctypes), zarr-python 3 (obstore) and tensorstore, first with no added delay
and then with a fixed delay added to every request by a proxy. All readers
go through the same proxy. Prints a Markdown table to stdout.

Run with scripts/bench-cloud.sh (make bench-cloud):
    scripts/bench-cloud.sh [--mib 256] [--chunks 1024] [--delay-ms 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "cloud"), str(ROOT / "tests" / "interop")]

import conftest  # noqa: E402,F401 - sets the S3 credentials in the environment
import libzarr  # noqa: E402
import servers  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=int, default=256)
    ap.add_argument("--chunks", type=int, default=1024)
    ap.add_argument("--delay-ms", type=float, default=10.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=64)
    args = ap.parse_args()

    import tensorstore as ts
    import zarr
    import zarr.storage
    from obstore.store import S3Store

    n_elems = args.mib * (1 << 20) // 8
    rows = args.chunks  # one chunk per row block: shape (chunks*32, n/(chunks*32))
    chunk_rows = 32
    cols = n_elems // (rows * chunk_rows)
    shape, chunks = (rows * chunk_rows, cols), (chunk_rows, cols)

    log = Path(tempfile.mkdtemp(prefix="zarr-bench-cloud-"))
    moto = servers.Moto(log)
    proxy = servers.FaultProxy(moto.port)
    try:
        moto.client().create_bucket(Bucket="bench")
        # write with zarr-python directly to moto
        direct = S3Store("bench", prefix="a.zarr", endpoint=moto.endpoint, region="us-east-1",
                         access_key_id=conftest.ACCESS_KEY, secret_access_key=conftest.SECRET,
                         client_options={"allow_http": True})
        g = zarr.open_group(store=zarr.storage.ObjectStore(direct), mode="w")
        x = np.sin(np.arange(n_elems, dtype="f8") / 1000.0).reshape(shape)
        a = g.create_array("x", shape=shape, chunks=chunks, dtype="<f8")
        t0 = time.perf_counter()
        a[...] = x
        print(f"zarr-python wrote {args.mib} MiB in {args.chunks} chunks in {time.perf_counter() - t0:.1f} s",
              file=sys.stderr)

        def via_proxy_zp():
            s = S3Store("bench", prefix="a.zarr", endpoint=proxy.endpoint, region="us-east-1",
                        access_key_id=conftest.ACCESS_KEY, secret_access_key=conftest.SECRET,
                        client_options={"allow_http": True})
            return zarr.open_group(store=zarr.storage.ObjectStore(s, read_only=True), mode="r")["x"]

        def read_libzarr():
            root = libzarr.open("s3://bench/a.zarr", libzarr.READ,
                                {"endpoint": proxy.endpoint, "max_concurrency": args.concurrency})
            arr = root.open_array("x")
            out = arr.read()
            arr.close()
            root.close()
            return out

        def read_zarr_python():
            return via_proxy_zp()[...]

        def read_tensorstore():
            t = ts.open({
                "driver": "zarr3",
                "kvstore": {"driver": "s3", "bucket": "bench", "path": "a.zarr/x/",
                            "endpoint": proxy.endpoint, "aws_region": "us-east-1"},
                "context": {"cache_pool": {"total_bytes_limit": 0}},
            }, read=True).result()
            return t.read().result()

        def raw_gets():
            import asyncio

            import obstore

            s = S3Store("bench", prefix="a.zarr", endpoint=proxy.endpoint, region="us-east-1",
                        access_key_id=conftest.ACCESS_KEY, secret_access_key=conftest.SECRET,
                        client_options={"allow_http": True})

            async def go():
                sem = asyncio.Semaphore(args.concurrency)

                async def one(k):
                    async with sem:
                        r = await obstore.get_async(s, k)
                        return await r.bytes_async()

                return await asyncio.gather(*(one(f"x/c/{i}/0") for i in range(rows)))

            n = sum(len(b) for b in asyncio.run(go()))
            assert n > 0
            return x  # nothing decoded: the server's floor

        readers = [("libzarr", read_libzarr), ("zarr-python 3.1.6 (obstore)", read_zarr_python),
                   ("tensorstore", read_tensorstore),
                   (f"floor: GET every chunk, {args.concurrency} at once, no decoding (obstore)", raw_gets)]
        results = {}
        for delay in (0.0, args.delay_ms / 1000):
            proxy.delay = delay
            for name, fn in readers:
                best = None
                inflight = 0
                for _ in range(args.repeat):
                    proxy.max_in_flight = 0
                    t0 = time.perf_counter()
                    out = fn()
                    dt = time.perf_counter() - t0
                    inflight = max(inflight, proxy.max_in_flight)
                    assert np.array_equal(out, x), name
                    del out
                    best = dt if best is None else min(best, dt)
                results[(name, delay)] = (best, inflight)
                print(f"{name} delay {delay * 1000:.0f} ms: {best:.2f} s, max {inflight} in flight", file=sys.stderr)
    finally:
        proxy.close()
        moto.close()

    cmd = os.environ.get("BENCH_CLOUD_CMD", "scripts/bench-cloud.sh")
    print(f"Command: `{cmd}`; {args.mib} MiB float64, {args.chunks} chunks of {chunks}, zstd; "
          f"best of {args.repeat}; all readers through the same local proxy to moto.\n")
    d = args.delay_ms
    print(f"| reader | no delay (s) | +{d:g} ms/request (s) | max in flight | vs libzarr, no delay | vs libzarr, +{d:g} ms |")
    print("|---|---|---|---|---|---|")
    base0 = results[("libzarr", 0.0)][0]
    base1 = results[("libzarr", d / 1000)][0]
    for name, _ in readers:
        t0, _ = results[(name, 0.0)]
        t1, f1 = results[(name, d / 1000)]
        print(f"| {name} | {t0:.2f} | {t1:.2f} | {f1} | {t0 / base0:.2f}x | {t1 / base1:.2f}x |")
    print(f"\nSequential requests at +{d:g} ms would take at least {args.chunks * d / 1000:.1f} s.")


if __name__ == "__main__":
    main()
