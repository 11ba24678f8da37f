"""N5 containers through the C API, against two other N5 implementations:
tensorstore's `n5` driver and z5py (z5, C++). An N5 dataset opens with its
dimensions reversed (`dimensions: [X, Y, Z]` is shape `[Z, Y, X]`, C order):
tensorstore presents N5 order, so its reads are compared transposed; z5py
presents the reversed order itself. Expectations are always the other
implementation's own reads, never libzarr's."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
import tensorstore as ts

import libzarr
from helpers import assert_same

# N5 order (x first); libzarr sees (7, 10, 13).
DIMS = [13, 10, 7]
BLOCK = [5, 4, 3]

COMPRESSIONS = {
    "raw": {"type": "raw"},
    "gzip": {"type": "gzip", "level": 5},
    "gzip-zlib": {"type": "gzip", "level": 5, "useZlib": True},
    "bzip2": {"type": "bzip2", "blockSize": 9},
    "xz": {"type": "xz", "preset": 6},
    "blosc": {"type": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1},
    "zstd": {"type": "zstd", "level": 3},
}


def kv(path):
    return {"driver": "file", "path": str(path)}


def ts_n5(path, dtype, compression, dims=DIMS, block=BLOCK, axes=None, create=True):
    meta = {"dimensions": dims, "blockSize": block, "dataType": dtype, "compression": compression}
    if axes:
        meta["axes"] = axes
    spec = {"driver": "n5", "kvstore": kv(path)}
    if create:
        spec.update(metadata=meta, create=True, delete_existing=True)
    return ts.open(spec).result()


def sample(shape, dtype):
    n = int(np.prod(shape))
    v = (np.arange(n) * 37 % 1001 - 300).reshape(shape)
    if np.dtype(dtype).kind == "u":
        v = np.abs(v)
    return v.astype(dtype)


@pytest.mark.parametrize("name", list(COMPRESSIONS))
@pytest.mark.parametrize("dtype", ["int16", "float64", "uint8"])
def test_tensorstore_n5_read_through_the_c_api(tmp_path, name, dtype):
    store = tmp_path / "c.n5"
    arr = ts_n5(store / "g" / "data", dtype, COMPRESSIONS[name], axes=["x", "y", "z"])
    arr[...] = sample(DIMS, dtype)
    arr[0:5, 0:4, 0:3] = 0  # one whole block of zeros
    arr.resolve().result()
    want = np.transpose(ts_n5(store / "g" / "data", dtype, None, create=False).read().result())
    assert not (store / "zarr.json").exists()
    with libzarr.open(store, libzarr.READ) as root:
        assert root.members() == [("g", "group")]
        with root.open_array("g/data") as a:
            assert a.shape == (7, 10, 13) and a.chunk_shape == (3, 4, 5)
            assert a.dimension_names == ["z", "y", "x"]
            assert_same(a.read(), want)
            assert_same(a.read((1, 0, 2), (3, 4, 4), (2, 3, 3)), want[1:7:2, 0:10:3, 2:13:3])
            # Type conversion on the way out.
            assert_same(a.read(mem_type=libzarr.FLOAT64), want.astype("float64"))


def test_z5py_n5_read_through_the_c_api(tmp_path):
    z5py = pytest.importorskip("z5py")
    store = tmp_path / "z5.n5"
    f = z5py.File(str(store), mode="a", use_zarr_format=False)
    want = {}
    for comp, opts in [("raw", {}), ("gzip", {"level": 4}), ("bzip2", {}), ("xz", {}), ("blosc", {})]:
        data = sample((7, 10, 13), "int32")
        ds = f.create_dataset(comp, shape=data.shape, chunks=(3, 4, 5), dtype="int32", compression=comp, **opts)
        ds[:] = data
        want[comp] = z5py.File(str(store), mode="r", use_zarr_format=False)[comp][:]
    with libzarr.open(store, libzarr.READ) as root:
        for comp, w in want.items():
            with root.open_array(comp) as a:
                assert_same(a.read(), w)
                assert_same(a.read((0, 1, 1), (4, 3, 4), (2, 3, 3)), w[0:7:2, 1:10:3, 1:13:3])


WRITE_CODECS = {
    "raw": [],
    "gzip": [{"name": "gzip", "configuration": {"level": 5}}],
    "zlib": [{"id": "zlib", "level": 3}],
    "bz2": [{"id": "bz2", "level": 9}],
    "xz": [{"type": "xz", "preset": 3}],
    "blosc": [{"name": "blosc", "configuration": {"cname": "zstd", "clevel": 3, "shuffle": "shuffle"}}],
    "zstd": [{"name": "zstd", "configuration": {"level": 3}}],
    "default": None,
}


@pytest.mark.parametrize("name", list(WRITE_CODECS))
def test_c_api_writes_n5_that_tensorstore_reads(tmp_path, name):
    store = tmp_path / "w.n5"
    data = sample((7, 10, 13), "int32")
    with libzarr.open(store, libzarr.CREATE) as root:
        with root.create_array("a/b", "int32", (7, 10, 13), (3, 4, 5), codecs=WRITE_CODECS[name]) as a:
            a.write(data)
            a.set_dimension_names(["z", "y", "x"])
            a.set_attrs({"title": "T"})
    doc = json.loads((store / "a" / "b" / "attributes.json").read_text())
    assert doc["dimensions"] == [13, 10, 7] and doc["blockSize"] == [5, 4, 3]
    assert doc["axes"] == ["x", "y", "z"] and doc["title"] == "T"
    assert json.loads((store / "attributes.json").read_text())["n5"].startswith("4.")
    # The corner block (N5 grid 2/2/2) is stored at its clipped size: 3 x 2 x 1.
    raw = (store / "a" / "b" / "2" / "2" / "2").read_bytes()
    assert struct.unpack(">HHIII", raw[:16]) == (0, 3, 3, 2, 1)
    got = ts_n5(store / "a" / "b", None, None, create=False).read().result()
    assert_same(np.transpose(got), data)


def test_n5_partial_writes_strides_resize_and_empty_chunks(tmp_path):
    store = tmp_path / "p"
    with libzarr.open(store, libzarr.CREATE, {"format": "n5"}) as root:
        with root.create_array("x", "float32", (6, 9), (4, 4), codecs=[{"id": "gzip", "level": 1}]) as a:
            a.write(np.full((6, 9), 2.5, "float32"))
            a.write(np.arange(6, dtype="int64").reshape(2, 3), (1, 1), (3, 3), mem_type=libzarr.INT64)
            a.write(np.zeros((4, 4), "float32"))  # block 0/0 becomes all fill: deleted
            assert not (store / "x" / "0" / "0").exists()
            a.resize((6, 11))
    expect = np.full((6, 9), 2.5, "float32")
    expect[1::3, 1::3] = np.arange(6).reshape(2, 3)
    expect[0:4, 0:4] = 0
    grown = np.zeros((6, 11), "float32")
    grown[:, :9] = expect
    got = ts_n5(store / "x", None, None, create=False).read().result()
    assert got.shape == (11, 6)
    assert_same(np.transpose(got), grown)
    with libzarr.open(store, libzarr.WRITE) as root:
        with root.open_array("x") as a:
            a.write_empty_chunks = True
            a.write(np.zeros((4, 4), "float32"))
            assert (store / "x" / "0" / "0").exists()
            a.resize((3, 5))
    got = ts_n5(store / "x", None, None, create=False).read().result()
    assert_same(np.transpose(got), grown[:3, :5])


def test_lz4_is_refused_by_name(tmp_path):
    store = tmp_path / "l.n5"
    store.mkdir()
    (store / "attributes.json").write_text('{"n5": "4.0.0"}')
    (store / "d").mkdir()
    (store / "d" / "attributes.json").write_text(json.dumps(
        {"dimensions": [4], "blockSize": [2], "dataType": "int8", "compression": {"type": "lz4", "blockSize": 65536}}))
    with libzarr.open(store, libzarr.READ) as root:
        with pytest.raises(libzarr.ZarrError) as e:
            root.open_array("d")
    assert e.value.status == libzarr.EUNSUPPORTED and "lz4" in e.value.message
