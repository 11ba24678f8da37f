"""Sharding nested in a shard, and sharding with codecs around it
(a transpose before, a crc32c or zstd after), both ways with zarr-python.

These layouts have no ranged fast path: libzarr decodes and encodes whole
shards through its codec chain. zarr-python writes them and the C API reads
every selection exactly; the C API writes them (whole, partial, strided,
back to fill) and zarr-python reads what numpy expects.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import zarr
from zarr.codecs import BytesCodec, Crc32cCodec, ShardingCodec, TransposeCodec, ZstdCodec

import libzarr
from helpers import assert_same, make_data, select, selections

SHAPE = (25, 29)
OUTER = (12, 16)  # the chunk grid: outer shards
MIDDLE = (6, 8)  # inner shards (nested layout)
INNER = (3, 4)  # innermost chunks


def layouts():
    """name -> (filters, serializer, compressors) as zarr-python takes them."""
    nested = ShardingCodec(
        chunk_shape=MIDDLE,
        codecs=[ShardingCodec(chunk_shape=INNER, codecs=[BytesCodec(), ZstdCodec(level=1)])],
    )
    nested_start = ShardingCodec(
        chunk_shape=MIDDLE,
        codecs=[ShardingCodec(chunk_shape=INNER, codecs=[BytesCodec(endian="big")], index_location="start")],
        index_location="start",
    )
    # The transpose swaps axes, so sharding splits the transposed chunk
    # (16, 12); zarr-python also checks the inner shape against the
    # untransposed (12, 16), so pick one that divides both.
    transposed = ShardingCodec(chunk_shape=(4, 2), codecs=[BytesCodec(), ZstdCodec(level=1)])
    return {
        "nested": ([], nested, []),
        "nested-start-big": ([], nested_start, []),
        "transpose-shard-crc32c": ([TransposeCodec(order=(1, 0))], transposed, [Crc32cCodec()]),
        "shard-zstd": ([], ShardingCodec(chunk_shape=MIDDLE, codecs=[BytesCodec()]), [ZstdCodec(level=3)]),
    }


LAYOUTS = list(layouts())

# zarr-python warns that codecs around sharding disable its partial reads.
pytestmark = pytest.mark.filterwarnings("ignore:Combining a `sharding_indexed`")


def zp_array(path, layout, dtype, fill_value):
    filters, serializer, compressors = layouts()[layout]
    g = zarr.open_group(str(path), mode="w", zarr_format=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return g.create_array(
            "arr",
            shape=SHAPE,
            chunks=OUTER,
            dtype=dtype,
            filters=filters,
            serializer=serializer,
            compressors=compressors,
            fill_value=fill_value,
        )


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", ["int16", "float64"])
def test_c_reads_zarr_python(handles, tmp_path, layout, dtype):
    z = zp_array(tmp_path, layout, dtype, fill_value=7)
    data = make_data(dtype, SHAPE, seed=11)
    data[0:6, 0:8] = 7  # one whole middle shard of fill
    data[12:15, 16:20] = 7  # one innermost chunk of fill
    z[...] = data
    meta = json.loads((tmp_path / "arr" / "zarr.json").read_text())
    names = [c["name"] for c in meta["codecs"]]
    assert "sharding_indexed" in names
    expected = np.asarray(zarr.open_array(str(tmp_path / "arr"), mode="r")[...])
    assert_same(expected, data, "zarr-python's own read")
    root = handles.open(tmp_path, libzarr.READ)
    with root.open_array("arr") as a:
        assert a.chunk_shape == OUTER
        for start, count, stride in selections(SHAPE):
            got = a.read(start, count, stride)
            assert_same(got, select(expected, start, count, stride), f"{layout} {start} {count} {stride}")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_zarr_python_reads_c(handles, tmp_path, layout):
    dtype = "float32"
    # zarr-python writes the metadata document; the C API writes all data.
    zp_array(tmp_path / "ref", layout, dtype, fill_value=-1.5)
    meta = json.loads((tmp_path / "ref" / "arr" / "zarr.json").read_text())
    root = handles.open(tmp_path / "out")
    a = handles.track(root.create_array_json("arr", json.dumps(meta)))
    expected = np.full(SHAPE, -1.5, dtype=dtype)
    data = make_data(dtype, SHAPE, seed=21)
    a.write(data)
    expected[...] = data
    for i, (start, count, stride) in enumerate([((2, 3), (13, 17), None), ((1, 0), (8, 9), (3, 3))]):
        d = make_data(dtype, count, seed=30 + i)
        a.write(d, start, stride)
        select(expected, start, count, stride)[...] = d
    # One outer chunk back to fill: its object is deleted.
    a.write(np.full((12, 16), -1.5, dtype=dtype), (12, 0))
    expected[12:24, 0:16] = -1.5
    assert not (tmp_path / "out" / "arr" / "c" / "1" / "0").exists()
    written = json.loads((tmp_path / "out" / "arr" / "zarr.json").read_text())
    assert [c["name"] for c in written["codecs"]] == [c["name"] for c in meta["codecs"]]
    z = zarr.open_array(str(tmp_path / "out" / "arr"), mode="r")
    assert_same(np.asarray(z[...]), expected, f"zarr-python reads {layout}")
    assert_same(a.read(), expected, "libzarr read back")


def test_c_creates_nested_from_codec_list(handles, tmp_path):
    """zarr_array_create_sharded with a nested sharding codec as its inner
    codec list; zarr-python reads it and reports the nesting."""
    inner = [
        {
            "name": "sharding_indexed",
            "configuration": {"chunk_shape": list(INNER), "codecs": [{"name": "bytes"}, {"name": "crc32c"}]},
        }
    ]
    root = handles.open(tmp_path)
    a = handles.track(root.create_sharded("arr", "uint16", SHAPE, OUTER, MIDDLE, json.dumps(inner), fill_value=3))
    data = make_data("uint16", SHAPE, seed=4)
    data[:, 20:] = 3
    a.write(data)
    meta = json.loads((tmp_path / "arr" / "zarr.json").read_text())
    nested = meta["codecs"][0]["configuration"]["codecs"][0]
    assert nested["name"] == "sharding_indexed"
    assert nested["configuration"]["chunk_shape"] == list(INNER)
    z = zarr.open_array(str(tmp_path / "arr"), mode="r")
    assert_same(np.asarray(z[...]), data, "zarr-python reads nested shards written by C")


def test_transpose_after_sharding_is_refused(handles, tmp_path):
    root = handles.open(tmp_path)
    codecs = [
        {"name": "sharding_indexed", "configuration": {"chunk_shape": [2, 2], "codecs": [{"name": "bytes"}]}},
        {"name": "transpose", "configuration": {"order": [1, 0]}},
    ]
    with pytest.raises(libzarr.ZarrError) as e:
        root.create_array("arr", "int32", (4, 4), (4, 4), json.dumps(codecs))
    assert e.value.status == libzarr.EINVAL
    assert "transpose" in e.value.message
