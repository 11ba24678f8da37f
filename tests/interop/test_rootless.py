"""Stores without root metadata, as tensorstore writes them (its zarr and
zarr3 drivers write arrays only, never groups): the C API opens the root as
an implicit group, walks the implicit groups, and reads every array element
by element as tensorstore itself reads it, whole and strided."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tensorstore as ts
import zarr

import libzarr
from helpers import assert_same

SHAPE = (9, 14)


def kv(path):
    return {"driver": "file", "path": str(path)}


def v2(dtype, compressor, order="C", fill=0):
    return {"driver": "zarr", "metadata": {"shape": list(SHAPE), "chunks": [4, 5], "dtype": dtype,
                                           "order": order, "compressor": compressor, "fill_value": fill}}


def v3(codecs, dtype="int16", fill=0):
    return {"driver": "zarr3", "metadata": {
        "shape": list(SHAPE), "data_type": dtype, "fill_value": fill, "codecs": codecs,
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [4, 6]}}}}


def shard(inner_codecs, location):
    return {"name": "sharding_indexed", "configuration": {
        "chunk_shape": [2, 3], "codecs": inner_codecs, "index_location": location,
        "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "crc32c"}]}}


BYTES = [{"name": "bytes", "configuration": {"endian": "little"}}]
LAYOUTS = {
    "v2-blosc-F-bigendian": v2(">i4", {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1}, "F"),
    "v2-zlib": v2("<f8", {"id": "zlib", "level": 3}),
    "v2-gzip-bigendian-nanfill": v2(">f4", {"id": "gzip", "level": 4}, fill="NaN"),
    "v3-sharded-end": v3([shard(BYTES, "end")]),
    "v3-sharded-start": v3([shard(BYTES, "start")]),
    "v3-sharded-nested": v3([{"name": "sharding_indexed", "configuration": {
        "chunk_shape": [2, 6], "codecs": [shard(BYTES, "end")]}}]),
    "v3-transpose-blosc": v3([{"name": "transpose", "configuration": {"order": [1, 0]}},
                              {"name": "bytes", "configuration": {"endian": "little"}},
                              {"name": "blosc", "configuration": {"cname": "zstd", "clevel": 3,
                                                                   "shuffle": "shuffle", "typesize": 2}}]),
    "v3-gzip-bigendian-nanfill": v3([{"name": "bytes", "configuration": {"endian": "big"}},
                                     {"name": "gzip", "configuration": {"level": 5}}],
                                    dtype="float32", fill="NaN"),
}


def ts_write(path, spec):
    spec = dict(spec, kvstore=kv(path), create=True, delete_existing=True)
    arr = ts.open(spec).result()
    dtype = arr.dtype.numpy_dtype
    data = (np.arange(np.prod(SHAPE)).reshape(SHAPE) % 97 * 3 - 40).astype(dtype)
    arr[...] = data
    if dtype.kind == "f":
        arr[0:4, 0:5] = np.nan  # a whole chunk of NaN fill: left out of the store
    # tensorstore's own read is the expectation, never libzarr's.
    return ts.open(dict(spec, create=False, delete_existing=False, open=True)).result().read().result()


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_tensorstore_arrays_without_root_metadata(tmp_path, layout):
    store = tmp_path / "s"
    want = ts_write(store / "g" / "arr", LAYOUTS[layout])
    assert not any((store / n).exists() for n in ("zarr.json", ".zgroup", ".zattrs"))
    assert not any((store / "g" / n).exists() for n in ("zarr.json", ".zgroup"))
    with libzarr.open(store, libzarr.READ) as root:
        assert root.list() == [{"name": "g", "kind": "group"}]
        assert root.members() == [("g", "group")]
        assert root.attrs == {}
        with root.open_array("g/arr") as a:
            assert_same(a.read(), want)
            assert_same(a.read((1, 2), (4, 4), (2, 3)), want[1:9:2, 2:14:3])
        with root.open_group("g") as g:
            assert g.list() == [{"name": "arr", "kind": "array"}]


def test_mixed_v2_and_v3_and_v3_wins(tmp_path):
    store = tmp_path / "mixed"
    a2 = ts_write(store / "two", LAYOUTS["v2-zlib"])
    a3 = ts_write(store / "deep" / "three", LAYOUTS["v3-sharded-end"])
    # One path holding both documents: zarr-python reads the v3 one.
    both = store / "both"
    zarr.create_array(str(both), shape=(3,), chunks=(3,), dtype="i2", zarr_format=2, fill_value=1)
    z3 = zarr.create_array(str(both), shape=(4,), chunks=(2,), dtype="i4", zarr_format=3, overwrite=False)
    z3[:] = np.arange(4, dtype="i4") + 10
    assert (both / ".zarray").exists() and (both / "zarr.json").exists()
    want_both = zarr.open_array(str(both), mode="r")[:]
    with libzarr.open(store, libzarr.READ) as root:
        assert root.members() == [("both", "array"), ("deep", "group"), ("two", "array")]
        with root.open_array("two") as a:
            assert_same(a.read(), a2)
        with root.open_array("deep/three") as a:
            assert_same(a.read(), a3)
        with root.open_array("both") as a:
            assert_same(a.read(), want_both)
            assert a.shape == (4,)


@pytest.mark.parametrize("found, fmt", [("v2-zlib", 2), ("v3-sharded-end", 3)])
def test_write_mode_children_take_the_format_found(tmp_path, found, fmt):
    store = tmp_path / "w"
    ts_write(store / "existing", LAYOUTS[found])
    data = np.arange(12, dtype="i2").reshape(3, 4)
    with libzarr.open(store, libzarr.WRITE) as root:
        # Uncompressed: tensorstore's zarr driver refuses numcodecs' zstd "checksum" key.
        with root.create_array("new/x", "int16", (3, 4), (2, 2), codecs=[]) as a:
            a.write(data)
    assert not any((store / n).exists() for n in ("zarr.json", ".zgroup"))  # root stays implicit
    assert (store / "new" / "x" / ("zarr.json" if fmt == 3 else ".zarray")).exists()
    got = ts.open({"driver": "zarr3" if fmt == 3 else "zarr", "kvstore": kv(store / "new" / "x")}).result()
    assert_same(got.read().result(), data)
    assert_same(zarr.open_array(str(store / "new" / "x"), mode="r")[:], data)
    # zarr_group_create(root, "") writes the root's metadata.
    with libzarr.open(store, libzarr.WRITE) as root:
        root.create_group("", {"title": "now explicit"}).close()
    assert zarr.open_group(str(store), mode="r").attrs["title"] == "now explicit"


def test_nothing_within_two_levels_is_not_found(tmp_path):
    ts_write(tmp_path / "e" / "a" / "b" / "c", LAYOUTS["v2-zlib"])  # three levels down
    with pytest.raises(libzarr.ZarrError) as e:
        libzarr.open(tmp_path / "e", libzarr.READ)
    assert e.value.status == libzarr.ENOTFOUND
    assert "zarr.json" in e.value.message and "levels below" in e.value.message
