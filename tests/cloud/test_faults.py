"""Fault injection with a proxy in front of moto: 500s, timeouts, a
connection cut halfway through a PUT, the server gone mid-write. The C call
fails with ZARR_EIO and a message naming the key and URL, and the store
holds the old chunk or the new one, never a torn one."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import libzarr


def setup_array(proxy, bucket, handles, **opts):
    options = {"endpoint": proxy.endpoint, "retries": 2, "backoff_ms": 10, "timeout_ms": 3000, **opts}
    root = handles.open(f"s3://{bucket}/f.zarr", libzarr.CREATE, options)
    a = handles.track(root.create_array("a", np.int32, (8, 8), (4, 4), codecs="[]"))
    old = np.arange(64, dtype="<i4").reshape(8, 8)
    a.write(old)
    return a, old


def stored(moto, bucket, key):
    return moto.client().get_object(Bucket=bucket, Key=key)["Body"].read()


def check_whole(moto, bucket, old, new, key="f.zarr/a/c/0/0"):
    """The stored chunk (uncompressed) is exactly the old or the new one."""
    got = np.frombuffer(stored(moto, bucket, key), "<i4").reshape(4, 4)
    assert np.array_equal(got, old[:4, :4]) or np.array_equal(got, new[:4, :4]), got


def test_transient_500s_are_retried(moto, proxy, bucket, handles):
    a, old = setup_array(proxy, bucket, handles)
    proxy.add_rule("PUT", "/c/0/0", "500", count=2)  # fewer than 1 + retries tries
    new = old + 100
    a.write(new)
    np.testing.assert_array_equal(a.read(), new)
    puts = [p for m, p in proxy.requests if m == "PUT" and p.endswith("/c/0/0")]
    assert len(puts) >= 4  # first write, then 2 failures and a success


def test_persistent_500_is_eio_naming_key_and_old_chunk_stays(moto, proxy, bucket, handles):
    a, old = setup_array(proxy, bucket, handles)
    proxy.add_rule("PUT", "/c/0/0", "500", count=100)
    new = old + 100
    with pytest.raises(libzarr.ZarrError) as e:
        a.write(new)
    assert e.value.status == libzarr.EIO
    assert "a/c/0/0" in e.value.message and f"s3://{bucket}/f.zarr" in e.value.message
    assert "after 2 retries" in e.value.message
    check_whole(moto, bucket, old, new)
    np.testing.assert_array_equal(a.read()[:4, :4], old[:4, :4])


def test_timeout_is_eio_without_hanging(moto, proxy, bucket, handles):
    a, old = setup_array(proxy, bucket, handles, timeout_ms=500, retries=1)
    proxy.add_rule("GET", "/c/", "hang", count=100)
    t0 = time.monotonic()
    with pytest.raises(libzarr.ZarrError) as e:
        a.read()
    assert e.value.status == libzarr.EIO
    assert time.monotonic() - t0 < 20
    assert "/c/" in e.value.message


def test_connection_cut_mid_put_leaves_no_torn_chunk(moto, proxy, bucket, handles):
    a, old = setup_array(proxy, bucket, handles, retries=1)
    proxy.add_rule("PUT", "/c/0/0", "cut", count=100)
    new = old + 7
    with pytest.raises(libzarr.ZarrError) as e:
        a.write(new)
    assert e.value.status == libzarr.EIO
    check_whole(moto, bucket, old, new)
    # the other chunks of that write may have landed: each is whole
    for key in ("0/1", "1/0", "1/1"):
        got = np.frombuffer(stored(moto, bucket, f"f.zarr/a/c/{key}"), "<i4")
        i, j = (int(k) for k in key.split("/"))
        assert np.array_equal(got, old[4 * i:4 * i + 4, 4 * j:4 * j + 4].ravel()) or np.array_equal(
            got, new[4 * i:4 * i + 4, 4 * j:4 * j + 4].ravel()
        )


def test_server_stopped_mid_write(moto, proxy, bucket, handles):
    options = {"endpoint": proxy.endpoint, "retries": 1, "backoff_ms": 10, "connect_timeout_ms": 500,
               "max_concurrency": 4}
    root = handles.open(f"s3://{bucket}/stop.zarr", libzarr.CREATE, options)
    a = handles.track(root.create_array("a", np.int32, (64, 64), (8, 8), codecs="[]"))
    old = np.arange(64 * 64, dtype="<i4").reshape(64, 64)
    a.write(old)
    proxy.delay = 0.05
    new = old * 3
    errors = []

    def writer():
        try:
            a.write(new)
        except libzarr.ZarrError as e:
            errors.append(e)

    t = threading.Thread(target=writer)
    n0 = len(proxy.requests)
    t.start()
    deadline = time.monotonic() + 30
    while len(proxy.requests) < n0 + 6 and time.monotonic() < deadline:
        time.sleep(0.01)
    proxy.kill()  # the server goes away halfway through the write
    t.join(60)
    assert not t.is_alive()
    assert errors and errors[0].status == libzarr.EIO, errors
    assert "127.0.0.1" in errors[0].message
    changed = 0
    for i in range(8):
        for j in range(8):
            got = np.frombuffer(stored(moto, bucket, f"stop.zarr/a/c/{i}/{j}"), "<i4").reshape(8, 8)
            block = (slice(8 * i, 8 * i + 8), slice(8 * j, 8 * j + 8))
            if np.array_equal(got, new[block]):
                changed += 1
            else:
                np.testing.assert_array_equal(got, old[block])
    assert changed < 64


def test_failed_multipart_upload_is_aborted(moto, proxy, bucket, handles):
    opts = {"endpoint": proxy.endpoint, "retries": 1, "backoff_ms": 10, "multipart_threshold": 8 << 20}
    root = handles.open(f"s3://{bucket}/mp.zarr", libzarr.CREATE, opts)
    n = 5 << 20  # 20 MiB of int32 in one chunk: three parts
    a = handles.track(root.create_array("big", np.int32, (n,), (n,), codecs="[]"))
    old = np.arange(n, dtype="<i4")
    a.write(old)  # a multipart upload that succeeds
    assert any("uploadId" in p for m, p in proxy.requests if m == "PUT")
    np.testing.assert_array_equal(a.read(), old)
    proxy.add_rule("PUT", "partNumber=2", "500", count=100)
    with pytest.raises(libzarr.ZarrError) as e:
        a.write(old + 1)
    assert e.value.status == libzarr.EIO
    uploads = moto.client().list_multipart_uploads(Bucket=bucket)
    assert not uploads.get("Uploads"), uploads["Uploads"]
    got = np.frombuffer(stored(moto, bucket, "mp.zarr/big/c/0"), "<i4")
    np.testing.assert_array_equal(got, old)


def test_transient_connection_reset_and_timeout_are_retried(moto, proxy, bucket, handles):
    a, old = setup_array(proxy, bucket, handles, timeout_ms=1000, retries=2)
    proxy.add_rule("PUT", "/c/1/1", "cut", count=1)  # connection reset mid-body, once
    new = old - 5
    a.write(new)
    proxy.add_rule("GET", "/c/0/1", "hang", count=1)  # one GET times out
    np.testing.assert_array_equal(a.read(), new)
    cuts = [p for m, p in proxy.requests if m == "PUT" and p.endswith("/c/1/1")]
    gets = [p for m, p in proxy.requests if m == "GET" and p.endswith("/c/0/1")]
    assert len(cuts) >= 2 and len(gets) >= 2
