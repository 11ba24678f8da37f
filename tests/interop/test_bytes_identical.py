"""C. Byte-for-byte: for uncompressed arrays (v2 compressor null, v3 only the
"bytes" codec) the chunk files the C API writes equal the ones zarr-python
writes for the same metadata and data, and (write_empty_chunks off, the
default on both sides) the same set of chunk keys exists.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import zarr
from zarr.codecs import BytesCodec

import libzarr
from helpers import (
    SCALAR_DTYPES,
    V2_DTYPES,
    V3_DTYPE_ENDIANS,
    chunk_files,
    chunk_key,
    make_data,
    native,
    select,
)

SHAPE = (7, 10)  # edge chunks in both dimensions
CHUNKS = (3, 4)


def data_with_fill_chunks(dtype, fill, seed):
    """Data where chunk (0, 1) and the edge chunk (2, 2) hold only the fill
    value, so that write_empty_chunks=False leaves them out on both sides."""
    data = make_data(dtype, SHAPE, seed=seed)
    data[0:3, 4:8] = fill
    data[6:7, 8:10] = fill
    return data


def assert_same_chunks(c_dir, zp_dir):
    c_files = chunk_files(c_dir)
    zp_files = chunk_files(zp_dir)
    assert sorted(c_files) == sorted(zp_files), "chunk keys differ (C API vs zarr-python)"
    assert zp_files, "zarr-python wrote no chunk at all: the test is vacuous"
    for key in zp_files:
        assert c_files[key] == zp_files[key], (
            f"chunk {key}: C API wrote {len(c_files[key])} bytes "
            f"{c_files[key][:32].hex()}..., zarr-python {len(zp_files[key])} bytes {zp_files[key][:32].hex()}..."
        )


def write_both(handles, tmp_path, zarr_format, zp_kwargs, dtype, fill, seed, c_create):
    """zarr-python and the C API each apply the same writes: the whole data,
    a partial update, a strided update, then a chunk overwritten with the
    fill value. `c_create(root, zp_metadata_doc)` makes the C array."""
    data = data_with_fill_chunks(dtype, fill, seed)
    ops = [  # (start, count, stride, values)
        ((0, 0), SHAPE, None, data),
        ((4, 3), (2, 5), None, make_data(dtype, (2, 5), seed=seed + 1)),
        ((3, 0), (2, 4), (2, 3), make_data(dtype, (2, 4), seed=seed + 2)),
        ((3, 0), (3, 4), None, np.full((3, 4), fill, dtype=dtype)),  # chunk (1, 0) back to fill
    ]
    expected = np.empty(SHAPE, dtype=dtype)
    for start, count, stride, values in ops:
        select(expected, start, count, stride)[...] = values

    zp_store = tmp_path / "zp.zarr"
    g = zarr.open_group(str(zp_store), mode="w", zarr_format=zarr_format)
    z = g.create_array("arr", shape=SHAPE, chunks=CHUNKS, dtype=dtype, fill_value=fill, **zp_kwargs)
    for start, count, stride, values in ops:
        stride = stride or (1,) * len(start)
        z[tuple(slice(b, b + (c - 1) * k + 1, k) for b, c, k in zip(start, count, stride))] = values
    meta_name = ".zarray" if zarr_format == 2 else "zarr.json"
    doc = json.loads((zp_store / "arr" / meta_name).read_text())

    c_store = tmp_path / "c.zarr"
    with handles.open(c_store, libzarr.CREATE, zarr_format) as root:
        with c_create(root, doc) as a:
            for start, count, stride, values in ops:
                a.write(values, start, stride)
    # sanity: both stores hold the values numpy says, and the fill-only
    # chunks (0, 1), (1, 0) and (2, 2) are absent from zarr-python's store
    nan_ok = expected.dtype.kind == "f"
    assert np.array_equal(np.asarray(z[...]), expected, equal_nan=nan_ok)
    c_back = np.asarray(zarr.open_array(str(c_store / "arr"), mode="r")[...])
    assert np.array_equal(c_back, expected, equal_nan=nan_ok), "zarr-python reads other values from the C store"
    zp_keys = set(chunk_files(zp_store / "arr"))
    for idx in [(0, 1), (1, 0), (2, 2)]:
        assert chunk_key(zp_store / "arr", idx) not in zp_keys
    assert chunk_key(zp_store / "arr", (0, 0)) in zp_keys
    return c_store / "arr", zp_store / "arr"


def fill_for(dtype):
    dt = np.dtype(dtype)
    return {"b": True, "i": -3, "u": 7, "f": 1.25}[dt.kind]


def from_doc(root, doc):
    return root.create_array_json("arr", json.dumps(doc))


@pytest.mark.parametrize("separator", [".", "/"])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", V2_DTYPES)
def test_v2_uncompressed_same_bytes(tmp_path, handles, dtype, order, separator):
    zp_kwargs = dict(
        compressors=None,
        filters=None,
        order=order,
        chunk_key_encoding={"name": "v2", "separator": separator},
    )
    c_dir, zp_dir = write_both(
        handles, tmp_path, 2, zp_kwargs, dtype, fill_for(dtype), 100, from_doc
    )
    assert_same_chunks(c_dir, zp_dir)


@pytest.mark.parametrize("fill", [np.nan, 0.0, -np.inf], ids=["NaN", "0.0", "-Infinity"])
@pytest.mark.parametrize("zarr_format", [2, 3])
def test_float_fill_variants_same_bytes(tmp_path, handles, zarr_format, fill):
    zp_kwargs = dict(compressors=None, filters=None)
    c_dir, zp_dir = write_both(handles, tmp_path, zarr_format, zp_kwargs, "<f8", fill, 110, from_doc)
    assert_same_chunks(c_dir, zp_dir)


CKES = {
    "default-slash": {"name": "default", "separator": "/"},
    "default-dot": {"name": "default", "separator": "."},
    "v2-dot": {"name": "v2", "separator": "."},
    "v2-slash": {"name": "v2", "separator": "/"},
}


@pytest.mark.parametrize("cke", list(CKES))
@pytest.mark.parametrize("dtype,endian", V3_DTYPE_ENDIANS)
def test_v3_bytes_only_same_bytes(tmp_path, handles, dtype, endian, cke):
    zp_kwargs = dict(
        compressors=None,
        filters=None,
        serializer=BytesCodec(endian=endian),
        chunk_key_encoding=CKES[cke],
    )
    c_dir, zp_dir = write_both(handles, tmp_path, 3, zp_kwargs, dtype, fill_for(dtype), 120, from_doc)
    doc = json.loads((zp_dir / "zarr.json").read_text())
    assert [c["name"] for c in doc["codecs"]] == ["bytes"]
    assert_same_chunks(c_dir, zp_dir)


@pytest.mark.parametrize("dtype", SCALAR_DTYPES)
@pytest.mark.parametrize("zarr_format", [2, 3])
def test_array_create_no_compression_same_bytes(tmp_path, handles, zarr_format, dtype):
    """zarr_array_create with codecs "[]" vs zarr-python with no compressor
    and its default layout (v2: C order, "." keys; v3: little-endian bytes,
    default "/" keys)."""
    dt = native(dtype)
    fill = fill_for(dt)

    def c_create(root, _doc):
        return root.create_array("arr", dt, SHAPE, CHUNKS, codecs="[]", fill_value=fill)

    c_dir, zp_dir = write_both(
        handles, tmp_path, zarr_format, dict(compressors=None, filters=None), dt, fill, 130, c_create
    )
    assert_same_chunks(c_dir, zp_dir)


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_zero_dimensional_same_bytes(tmp_path, handles, zarr_format):
    zp_store = tmp_path / "zp.zarr"
    g = zarr.open_group(str(zp_store), mode="w", zarr_format=zarr_format)
    z = g.create_array("arr", shape=(), dtype="float32", fill_value=0.0, compressors=None, filters=None)
    z[...] = 3.5
    meta_name = ".zarray" if zarr_format == 2 else "zarr.json"
    doc = json.loads((zp_store / "arr" / meta_name).read_text())
    c_store = tmp_path / "c.zarr"
    with handles.open(c_store, libzarr.CREATE, zarr_format) as root:
        with root.create_array_json("arr", json.dumps(doc)) as a:
            a.write(np.array(3.5, dtype="float32"))
    assert_same_chunks(c_store / "arr", zp_store / "arr")
