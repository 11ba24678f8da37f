"""S3 (moto's server): the C API writes and reads, zarr-python (obstore)
reads and writes the same objects."""

from __future__ import annotations

import numpy as np
import pytest
import zarr

import libzarr
from conftest import ACCESS_KEY, SECRET, obstore_s3


def test_c_writes_c_and_zarr_python_read(moto, bucket, s3_opts, handles):
    url = f"s3://{bucket}/c.zarr"
    root = handles.open(url, libzarr.CREATE, s3_opts)
    data = np.arange(40 * 30, dtype="<f4").reshape(40, 30)
    a = handles.track(root.create_array("g/temp", np.float32, data.shape, (7, 8)))
    a.write(data)
    a.set_attrs({"units": "K"})
    part = np.full((3, 4), -1, dtype="<f4")
    a.write(part, (5, 6))
    data[5:8, 6:10] = part
    np.testing.assert_array_equal(a.read(), data)
    np.testing.assert_array_equal(a.read((1, 2), (10, 5), (3, 4)), data[1:31:3, 2:22:4])
    assert [m["name"] for m in root.list()] == ["g"]
    # zarr-python sees the same hierarchy
    g = zarr.open_group(store=obstore_s3(moto, bucket, "c.zarr"), mode="r")
    np.testing.assert_array_equal(g["g/temp"][...], data)
    assert g["g/temp"].attrs["units"] == "K"
    # a second C handle, read-only, through zarr_open without options but
    # with the endpoint from the environment
    import os

    os.environ["AWS_ENDPOINT_URL"] = moto.endpoint
    try:
        ro = handles.open(url, libzarr.READ)
    finally:
        del os.environ["AWS_ENDPOINT_URL"]
    np.testing.assert_array_equal(handles.track(ro.open_array("g/temp")).read(), data)


@pytest.mark.parametrize("fmt", [2, 3])
def test_zarr_python_writes_c_reads(moto, bucket, s3_opts, handles, fmt):
    store = obstore_s3(moto, bucket, "py.zarr")
    g = zarr.open_group(store=store, mode="w", zarr_format=fmt)
    data = np.random.default_rng(1).integers(0, 1000, size=(50, 20)).astype("<i4")
    a = g.create_array("x", shape=data.shape, chunks=(6, 7), dtype="<i4", fill_value=-5)
    a[...] = data
    a[40:, :] = -5  # chunks all fill: zarr-python leaves them out
    data[40:, :] = -5
    if fmt == 3:
        s = g.create_array("sh", shape=(64, 64), shards=(32, 32), chunks=(8, 8), dtype="<u2")
        sdata = np.arange(64 * 64, dtype="<u2").reshape(64, 64)
        s[...] = sdata
    root = handles.open(f"s3://{bucket}/py.zarr", libzarr.READ, s3_opts)
    x = handles.track(root.open_array("x"))
    np.testing.assert_array_equal(x.read(), data)
    np.testing.assert_array_equal(x.read((3, 1), (4, 3), (9, 5)), data[3:39:9, 1:15:5])
    if fmt == 3:
        # ranged reads: one shard index, then only the needed inner chunks
        s = handles.track(root.open_array("sh"))
        np.testing.assert_array_equal(s.read(), sdata)
        np.testing.assert_array_equal(s.read((10, 30), (5, 7)), sdata[10:15, 30:37])


def test_c_writes_sharded_zarr_python_reads(moto, bucket, s3_opts, handles):
    root = handles.open(f"s3://{bucket}/sh.zarr", libzarr.CREATE, s3_opts)
    a = handles.track(root.create_sharded("s", np.int16, (40, 40), (20, 20), (5, 5)))
    data = np.arange(1600, dtype="<i2").reshape(40, 40)
    a.write(data)
    a.write(np.zeros((2, 2), "<i2"), (1, 1))
    data[1:3, 1:3] = 0
    g = zarr.open_group(store=obstore_s3(moto, bucket, "sh.zarr"), mode="r")
    np.testing.assert_array_equal(g["s"][...], data)
    np.testing.assert_array_equal(a.read(), data)


def test_hierarchy_operations(moto, bucket, s3_opts, handles):
    root = handles.open(f"s3://{bucket}/h", libzarr.CREATE, {**s3_opts, "zarr_format": 2})
    for name in ("a", "b/c"):
        handles.track(root.create_array(name, np.uint8, (10,), (3,))).write(np.arange(10, dtype="u1"))
    assert sorted(m["name"] for m in root.list()) == ["a", "b"]
    root.consolidate()
    root.delete("b")
    assert [m["name"] for m in root.list()] == ["a"]
    objs = moto.client().list_objects_v2(Bucket=bucket, Prefix="h/b/")
    assert objs.get("KeyCount", 0) == 0
    with pytest.raises(libzarr.ZarrError) as e:
        root.rename("a", "z")
    assert e.value.status == libzarr.EUNSUPPORTED
    g = zarr.open_group(store=obstore_s3(moto, bucket, "h"), mode="r", zarr_format=2)
    np.testing.assert_array_equal(g["a"][...], np.arange(10, dtype="u1"))


def test_missing_hierarchy_and_bucket_are_not_found(moto, bucket, s3_opts):
    for url in (f"s3://{bucket}/nothing", "s3://no-such-bucket-libzarr/x"):
        with pytest.raises(libzarr.ZarrError) as e:
            libzarr.open(url, libzarr.READ, s3_opts)
        assert e.value.status == libzarr.ENOTFOUND, e.value


def test_options_are_checked(bucket, s3_opts):
    for bad, key in [
        ({"endpiont": "x"}, "endpiont"),
        ({"max_concurrency": "many"}, "max_concurrency"),
        ({"account_name": "a"}, "account_name"),
        ({"zarr_format": 4}, "zarr_format"),
    ]:
        with pytest.raises(libzarr.ZarrError) as e:
            libzarr.open(f"s3://{bucket}/o", libzarr.CREATE, {**s3_opts, **bad})
        assert e.value.status == libzarr.EINVAL
        assert key in e.value.message
    # store options make no sense for a local path
    with pytest.raises(libzarr.ZarrError) as e:
        libzarr.open("memory://opts", libzarr.CREATE, {"endpoint": "http://x"})
    assert e.value.status == libzarr.EINVAL


def test_no_secret_in_any_message(moto, bucket, s3_opts, handles):
    """The secret (in the environment and in the options) never appears."""
    msgs = []

    def expect_error(fn):
        with pytest.raises(libzarr.ZarrError) as e:
            fn()
        msgs.append(str(e.value))
        return e.value

    dead = {"endpoint": "http://127.0.0.1:9", "retries": 0, "timeout_ms": 2000,
            "secret_access_key": SECRET, "access_key_id": ACCESS_KEY}
    e = expect_error(lambda: libzarr.open(f"s3://{bucket}/x", libzarr.CREATE, dead))
    assert e.status == libzarr.EIO
    assert "127.0.0.1:9" in e.message and "zarr.json" in e.message
    expect_error(lambda: libzarr.open(f"s3://{bucket}/x", libzarr.CREATE, {**dead, "session_token": 7}))
    # wrong signature: moto answers 403 for a bad key when auth is enforced;
    # without that, a write to a missing bucket fails at the server
    e = expect_error(lambda: libzarr.open("s3://no-such-bucket-zz/x", libzarr.CREATE,
                                          {**s3_opts, "secret_access_key": SECRET}))
    assert e.status == libzarr.EIO
    for m in msgs:
        assert SECRET not in m, m
        assert libzarr.last_error().find(SECRET) < 0


def test_many_calling_threads_share_the_runtime(moto, bucket, s3_opts, handles):
    """Eight threads, each with its own handle, write and read at once."""
    import threading

    errors = []

    def work(i):
        try:
            root = libzarr.open(f"s3://{bucket}/t{i}", libzarr.CREATE, {**s3_opts, "max_concurrency": 8})
            a = root.create_array("a", np.int32, (40, 40), (8, 8))
            data = np.arange(1600, dtype="<i4").reshape(40, 40) + i
            for _ in range(3):
                a.write(data)
                np.testing.assert_array_equal(a.read(), data)
            a.close()
            root.close()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors


def test_store_without_root_metadata_bounded_by_prefix(moto, bucket, s3_opts, handles):
    """An array written with no group metadata above it opens through an
    implicit root; a sibling prefix sharing the name's start is not listed."""
    data = np.arange(24, dtype="<i2").reshape(4, 6)
    for prefix in ("rl.zarr/g/x", "rl.zarr2/y"):
        a = zarr.create_array(store=obstore_s3(moto, bucket, prefix), shape=data.shape, chunks=(2, 4),
                              dtype="<i2", zarr_format=2)
        a[...] = data
    root = handles.open(f"s3://{bucket}/rl.zarr", libzarr.READ, s3_opts)
    assert root.list() == [{"name": "g", "kind": "group"}]
    np.testing.assert_array_equal(handles.track(root.open_array("g/x")).read(), data)
    with pytest.raises(libzarr.ZarrError) as e:
        libzarr.open(f"s3://{bucket}/rl", libzarr.READ, s3_opts)
    assert e.value.status == libzarr.ENOTFOUND, e.value
