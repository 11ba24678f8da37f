"""Sharded arrays (`sharding_indexed`) both ways.

zarr-python writes sharded arrays (index at the end and at the start, edge
shards, inner chunks left out as fill) and the C API reads every selection
exactly; the C API writes sharded arrays (whole, partial and strided writes)
and zarr-python reads exactly what numpy expects.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import zarr
from zarr.codecs import BytesCodec, ShardingCodec, ZstdCodec

import libzarr
from helpers import assert_same, make_data, select, selections

SHAPE = (11, 13)  # edge shards and edge inner chunks in both dimensions
SHARDS = (6, 8)
CHUNKS = (3, 4)


def zp_sharded(store, dtype, location, fill_value=0):
    g = zarr.open_group(str(store), mode="w", zarr_format=3)
    if location == "end":
        return g.create_array(
            "arr",
            shape=SHAPE,
            shards=SHARDS,
            chunks=CHUNKS,
            dtype=dtype,
            compressors=[ZstdCodec(level=1)],
            fill_value=fill_value,
        )
    codec = ShardingCodec(chunk_shape=CHUNKS, codecs=[BytesCodec(), ZstdCodec(level=1)], index_location="start")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return g.create_array(
            "arr", shape=SHAPE, chunks=SHARDS, dtype=dtype, serializer=codec, compressors=None, fill_value=fill_value
        )


@pytest.mark.parametrize("location", ["end", "start"])
@pytest.mark.parametrize("dtype", ["int16", "float64", "uint8"])
def test_c_reads_zarr_python_shards(handles, tmp_path, location, dtype):
    z = zp_sharded(tmp_path, dtype, location, fill_value=7)
    data = make_data(dtype, SHAPE, seed=3)
    # Leave one inner chunk and one whole shard as fill (not stored).
    data[0:3, 0:4] = 7
    data[6:, 8:] = 7
    z[...] = data
    meta = json.loads((tmp_path / "arr" / "zarr.json").read_text())
    assert meta["codecs"][0]["configuration"]["index_location"] == location
    assert not (tmp_path / "arr" / "c" / "1" / "1").exists()
    expected = np.asarray(zarr.open_array(str(tmp_path / "arr"), mode="r")[...])
    root = handles.open(tmp_path, libzarr.READ)
    with root.open_array("arr") as a:
        assert a.chunk_shape == SHARDS
        for start, count, stride in selections(SHAPE):
            assert_same(a.read(start, count, stride), select(expected, start, count, stride), f"{start} {count} {stride}")


def test_corrupt_shard_index_is_ecodec_naming_the_key(handles, tmp_path):
    z = zp_sharded(tmp_path, "int32", "end")
    z[...] = np.arange(np.prod(SHAPE), dtype="int32").reshape(SHAPE)
    shard = tmp_path / "arr" / "c" / "0" / "1"
    b = bytearray(shard.read_bytes())
    b[-8] ^= 0x01  # inside the index, before the crc32c
    shard.write_bytes(bytes(b))
    root = handles.open(tmp_path, libzarr.READ)
    with root.open_array("arr") as a:
        with pytest.raises(libzarr.ZarrError) as e:
            a.read()
        assert e.value.status == libzarr.ECODEC
        assert "arr/c/0/1" in e.value.message
        # Shards not touched by a selection are not read.
        assert_same(a.read((0, 0), (6, 8)), np.asarray(z[0:6, 0:8]), "shard 0/0")


@pytest.mark.parametrize("codecs", [None, "[]", json.dumps([{"name": "gzip", "configuration": {"level": 1}}])])
def test_zarr_python_reads_c_shards(handles, tmp_path, codecs):
    dtype = "float32"
    root = handles.open(tmp_path)
    a = handles.track(root.create_sharded("arr", dtype, SHAPE, SHARDS, CHUNKS, codecs, fill_value=-1.5))
    expected = np.full(SHAPE, -1.5, dtype=dtype)
    data = make_data(dtype, SHAPE, seed=5)
    a.write(data)
    expected[...] = data
    # Partial (crossing shards and inner chunks), strided, and back to fill.
    for i, (start, count, stride) in enumerate([((2, 3), (5, 7), None), ((1, 0), (4, 5), (3, 3))]):
        d = make_data(dtype, count, seed=10 + i)
        a.write(d, start, stride)
        select(expected, start, count, stride)[...] = d
    a.write(np.full((5, 5), -1.5, dtype=dtype), (6, 8))
    expected[6:, 8:] = -1.5
    meta = json.loads((tmp_path / "arr" / "zarr.json").read_text())
    assert meta["chunk_grid"]["configuration"]["chunk_shape"] == list(SHARDS)
    assert meta["codecs"][0]["name"] == "sharding_indexed"
    assert not (tmp_path / "arr" / "c" / "1" / "1").exists()
    z = zarr.open_array(str(tmp_path / "arr"), mode="r")
    assert z.shards == SHARDS and z.chunks == CHUNKS
    assert_same(np.asarray(z[...]), expected, "zarr-python read")
    assert_same(a.read(), expected, "libzarr read back")


# Inner codec chains the issue names: blosc, zstd, gzip, transpose, crc32c.
INNER_CHAINS = {
    "transpose-blosc-crc32c": [
        {"name": "transpose", "configuration": {"order": [1, 0]}},
        {"name": "bytes", "configuration": {"endian": "little"}},
        {"name": "blosc", "configuration": {"cname": "lz4", "clevel": 5, "shuffle": "shuffle", "typesize": 4, "blocksize": 0}},
        {"name": "crc32c"},
    ],
    "big-gzip-crc32c": [
        {"name": "bytes", "configuration": {"endian": "big"}},
        {"name": "gzip", "configuration": {"level": 5}},
        {"name": "crc32c"},
    ],
    "zstd": [
        {"name": "bytes", "configuration": {"endian": "little"}},
        {"name": "zstd", "configuration": {"level": 3, "checksum": True}},
    ],
}


def _sharded_doc(inner):
    return {
        "zarr_format": 3, "node_type": "array", "shape": list(SHAPE), "data_type": "int32",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(SHARDS)}},
        "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
        "fill_value": -7, "attributes": {},
        "codecs": [{"name": "sharding_indexed", "configuration": {
            "chunk_shape": list(CHUNKS), "codecs": inner,
            "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "crc32c"}],
            "index_location": "end"}}],
    }


@pytest.mark.parametrize("chain", list(INNER_CHAINS))
def test_inner_codec_chains_both_ways(handles, tmp_path, chain):
    doc = _sharded_doc(INNER_CHAINS[chain])
    data = make_data("int32", SHAPE, seed=8)
    data[3:6, 4:8] = -7  # an inner chunk of fill
    # zarr-python writes, C reads.
    zarr.open_group(str(tmp_path / "zp"), mode="w", zarr_format=3)
    zp = tmp_path / "zp" / "arr"
    zp.mkdir()
    (zp / "zarr.json").write_text(json.dumps(doc))
    z = zarr.open_array(str(zp), mode="r+")
    z[...] = data
    assert_same(np.asarray(zarr.open_array(str(zp), mode="r")[...]), data, "zarr-python's own read")
    root = handles.open(tmp_path / "zp", libzarr.READ)
    with root.open_array("arr") as a:
        for start, count, stride in selections(SHAPE):
            assert_same(a.read(start, count, stride), select(data, start, count, stride), f"{chain} {start}")
    # C writes (whole, then partial), zarr-python reads.
    croot = handles.open(tmp_path / "c")
    a = handles.track(croot.create_array_json("arr", json.dumps(doc)))
    a.write(data)
    part = make_data("int32", (4, 5), seed=9)
    a.write(part, (5, 6))
    expected = data.copy()
    expected[5:9, 6:11] = part
    assert_same(np.asarray(zarr.open_array(str(tmp_path / "c" / "arr"), mode="r")[...]), expected, chain)
