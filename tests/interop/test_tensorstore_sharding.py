"""Sharded arrays with tensorstore (another implementation than zarr-python):
tensorstore writes, the C API reads; the C API writes, tensorstore reads."""

from __future__ import annotations

import numpy as np
import pytest
import tensorstore as ts

import libzarr
from helpers import assert_same

SHAPE = (10, 13)
SHARD = (4, 8)
INNER = (2, 4)


def spec(path, dtype, index_location="end"):
    return {
        "driver": "zarr3",
        "kvstore": {"driver": "file", "path": str(path)},
        "metadata": {
            "shape": list(SHAPE),
            "data_type": dtype,
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(SHARD)}},
            "codecs": [{"name": "sharding_indexed", "configuration": {
                "chunk_shape": list(INNER),
                "codecs": [{"name": "bytes", "configuration": {"endian": "little"}},
                           {"name": "zstd", "configuration": {"level": 1}}],
                "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "crc32c"}],
                "index_location": index_location}}],
            "fill_value": 0,
        },
        "create": True,
        "delete_existing": True,
    }


@pytest.mark.parametrize("index_location", ["end", "start"])
@pytest.mark.parametrize("dtype", ["int16", "float64"])
def test_tensorstore_writes_c_reads(tmp_path, dtype, index_location):
    data = (np.arange(np.prod(SHAPE)).reshape(SHAPE) * 7 - 30).astype(dtype)
    data[0:2, 0:4] = 0  # one all-fill inner chunk
    arr = ts.open(spec(tmp_path / "t.zarr", dtype, index_location)).result()
    arr[...] = data
    arr[6:10, 8:13].write(np.zeros((4, 5), dtype=dtype)).result()  # an edge shard of fill
    data[6:10, 8:13] = 0
    with libzarr.open(tmp_path / "t.zarr", libzarr.READ) as root, root.open_array("") as a:
        assert_same(a.read(), data)
        assert_same(a.read((1, 2), (4, 5), (2, 2)), data[1:9:2, 2:12:2])


@pytest.mark.parametrize("dtype", ["int16", "float64"])
def test_c_writes_tensorstore_reads(tmp_path, dtype):
    data = (np.arange(np.prod(SHAPE)).reshape(SHAPE) * 3 - 11).astype(dtype)
    with libzarr.open(tmp_path / "c.zarr", libzarr.CREATE) as root:
        with root.create_sharded("a", data.dtype, SHAPE, SHARD, INNER) as a:
            a.write(data)
            part = np.full((3, 5), 5, dtype=dtype)
            a.write(part, (5, 4))  # a partial write across shards
            data[5:8, 4:9] = part
    got = ts.open({"driver": "zarr3", "kvstore": {"driver": "file", "path": str(tmp_path / "c.zarr" / "a")}}).result()
    assert_same(got.read().result(), data)


# Nested sharding and sharding wrapped by other codecs, as tensorstore writes them.
NESTED_CODECS = {
    "nested": [{"name": "sharding_indexed", "configuration": {
        "chunk_shape": [2, 4],
        "codecs": [{"name": "sharding_indexed", "configuration": {
            "chunk_shape": [1, 2], "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}]}}]}}],
    # tensorstore refuses bytes->bytes codecs after sharding; a transpose before is fine.
    "transpose-shard": [
        {"name": "transpose", "configuration": {"order": [1, 0]}},
        {"name": "sharding_indexed", "configuration": {
            "chunk_shape": [4, 2], "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}]}}],
}


@pytest.mark.parametrize("layout", list(NESTED_CODECS))
def test_nested_both_ways(tmp_path, layout):
    s = spec(tmp_path / "t.zarr", "int32")
    s["metadata"]["codecs"] = NESTED_CODECS[layout]
    data = (np.arange(np.prod(SHAPE)).reshape(SHAPE) * 5 - 17).astype("int32")
    data[0:4, 0:8] = 0
    arr = ts.open(s).result()
    arr[...] = data
    with libzarr.open(tmp_path / "t.zarr", libzarr.READ) as root, root.open_array("") as a:
        assert_same(a.read(), data, "C reads tensorstore's")
        assert_same(a.read((1, 2), (4, 5), (2, 2)), data[1:9:2, 2:12:2])
    # The C API rewrites part of it; tensorstore reads the result.
    with libzarr.open(tmp_path / "t.zarr", libzarr.WRITE) as root, root.open_array("") as a:
        part = np.arange(15, dtype="int32").reshape(3, 5) + 1000
        a.write(part, (3, 6))
        data[3:6, 6:11] = part
    got = ts.open({"driver": "zarr3", "kvstore": {"driver": "file", "path": str(tmp_path / "t.zarr")}}).result()
    assert_same(got.read().result(), data, "tensorstore reads C's")
