"""Latency hiding: with 20 ms added to every request, a read or write of
many chunks keeps many requests in flight (measured by the proxy). The time
is printed, not asserted (timings flake on shared machines)."""

from __future__ import annotations

import time

import numpy as np

import libzarr


def test_many_chunk_read_and_write_overlap_requests(moto, proxy, bucket, handles):
    opts = {"endpoint": proxy.endpoint, "max_concurrency": 32}
    root = handles.open(f"s3://{bucket}/lat.zarr", libzarr.CREATE, opts)
    a = handles.track(root.create_array("a", np.float64, (200, 100), (10, 10)))  # 200 chunks
    data = np.random.default_rng(0).random((200, 100))
    proxy.delay = 0.02
    proxy.max_in_flight = 0
    t0 = time.monotonic()
    a.write(data)
    tw = time.monotonic() - t0
    write_overlap = proxy.max_in_flight
    proxy.max_in_flight = 0
    t0 = time.monotonic()
    back = a.read()
    tr = time.monotonic() - t0
    np.testing.assert_array_equal(back, data)
    print(f"\n200 chunks at 20 ms/request: write {tw:.2f} s (max {write_overlap} in flight), "
          f"read {tr:.2f} s (max {proxy.max_in_flight} in flight); sequential would be >= 4 s each")
    assert write_overlap > 1
    assert proxy.max_in_flight > 1
    # bounded by max_concurrency
    assert proxy.max_in_flight <= 32 and write_overlap <= 32


def test_max_concurrency_one_is_sequential(moto, proxy, bucket, handles):
    root = handles.open(f"s3://{bucket}/seq.zarr", libzarr.CREATE,
                        {"endpoint": proxy.endpoint, "max_concurrency": 1})
    a = handles.track(root.create_array("a", np.uint8, (100,), (10,)))
    a.write(np.arange(100, dtype="u1"))
    proxy.max_in_flight = 0
    np.testing.assert_array_equal(a.read(), np.arange(100, dtype="u1"))
    assert proxy.max_in_flight == 1
