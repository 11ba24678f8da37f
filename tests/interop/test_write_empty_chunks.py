"""D. write_empty_chunks.

Default (off): a chunk written entirely with the fill value is not stored
(and a stored chunk that becomes all-fill is removed), exactly as zarr-python
does with its default config; on (zarr_array_set_write_empty_chunks(a, 1)):
it is stored, as zarr-python does with write_empty_chunks=True. A NaN fill
treats a chunk of NaNs as empty; under a 0.0 fill a chunk of -0.0 is data.
"""

from __future__ import annotations

import numpy as np
import pytest
import zarr

import libzarr
from helpers import assert_same, chunk_files, chunk_key

SHAPE = (10, 6)
CHUNKS = (4, 3)  # chunk grid 3 x 2, last row of chunks is an edge (2 rows)


def scenario(fill, dtype):
    """Writes (start, values) that leave chunk (0,0) all fill, chunk (0,1)
    data, edge chunk (2,0) all fill (only its 2 real rows are written),
    chunk (1,1) data then overwritten with fill."""
    dt = np.dtype(dtype)
    data = np.arange(1, 1 + 4 * 3).reshape(4, 3).astype(dt)
    data2 = np.arange(20, 20 + 4 * 3).reshape(4, 3).astype(dt)
    assert not np.any(data == fill) and not np.any(data2 == fill)
    full = lambda shape: np.full(shape, fill, dtype=dt)  # noqa: E731
    return [
        ((0, 0), full((4, 3))),
        ((0, 3), data),
        ((8, 0), full((2, 3))),
        ((4, 3), data2),
        ((4, 3), full((4, 3))),
    ]


def run_c(handles, store, zarr_format, dtype, fill, ops, enable):
    with handles.open(store, libzarr.CREATE, zarr_format) as root:
        with root.create_array("arr", dtype, SHAPE, CHUNKS, codecs="[]", fill_value=fill) as a:
            assert a.write_empty_chunks is False  # the default is off
            if enable is not None:
                a.write_empty_chunks = enable
                assert a.write_empty_chunks is enable
            for start, values in ops:
                a.write(values, start)


def run_zp(store, zarr_format, dtype, fill, ops, enable):
    g = zarr.open_group(str(store), mode="w", zarr_format=zarr_format)
    config = {} if enable is None else {"write_empty_chunks": enable}
    z = g.create_array(
        "arr", shape=SHAPE, chunks=CHUNKS, dtype=dtype, fill_value=fill, compressors=None, config=config
    )
    for start, values in ops:
        z[tuple(slice(b, b + n) for b, n in zip(start, values.shape))] = values
    return np.asarray(z[...])


@pytest.mark.parametrize("enable", [None, False, True], ids=["default", "off", "on"])
@pytest.mark.parametrize("dtype,fill", [("int32", 0), ("int16", -5), ("float64", np.nan), ("float32", 2.5), ("uint8", 255), ("bool", False)])
@pytest.mark.parametrize("zarr_format", [2, 3])
def test_same_chunk_keys_as_zarr_python(tmp_path, handles, zarr_format, dtype, fill, enable):
    ops = scenario(fill, dtype)
    expected = run_zp(tmp_path / "zp.zarr", zarr_format, dtype, fill, ops, enable)
    run_c(handles, tmp_path / "c.zarr", zarr_format, dtype, fill, ops, enable)
    c_keys = set(chunk_files(tmp_path / "c.zarr" / "arr"))
    zp_keys = set(chunk_files(tmp_path / "zp.zarr" / "arr"))
    assert c_keys == zp_keys
    arr_dir = tmp_path / "c.zarr" / "arr"
    # what the keys must be, from the scenario itself
    for idx in [(0, 0), (2, 0), (1, 1)]:
        assert (chunk_key(arr_dir, idx) in c_keys) is bool(enable), idx
    assert chunk_key(arr_dir, (0, 1)) in c_keys
    got = np.asarray(zarr.open_array(str(arr_dir), mode="r")[...])
    assert_same(got, expected)


@pytest.mark.parametrize("zarr_format", [2, 3])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_nan_chunk_absent_under_nan_fill(tmp_path, handles, zarr_format, dtype):
    store = tmp_path / "c.zarr"
    # NaNs with other payloads / signs also count as the NaN fill
    ui = {2: np.uint16, 4: np.uint32, 8: np.uint64}[np.dtype(dtype).itemsize]
    nan = np.full((4, 3), np.nan, dtype=dtype)
    odd = nan.copy().view(ui)
    odd[0, 0] |= 1
    odd[1, 1] = np.array(-np.nan, dtype=dtype).view(ui)
    odd = odd.view(dtype)
    assert np.isnan(odd).all()
    ones = np.ones((4, 3), dtype=dtype)
    run_c(handles, store, zarr_format, dtype, np.nan, [((0, 0), nan), ((4, 0), odd), ((0, 3), ones)], None)
    arr_dir = store / "arr"
    keys = set(chunk_files(arr_dir))
    assert chunk_key(arr_dir, (0, 0)) not in keys
    assert chunk_key(arr_dir, (1, 0)) not in keys
    assert chunk_key(arr_dir, (0, 1)) in keys
    expected = np.full(SHAPE, np.nan, dtype=dtype)
    expected[0:4, 3:6] = ones
    assert_same(np.asarray(zarr.open_array(str(arr_dir), mode="r")[...]), expected)


@pytest.mark.parametrize("zarr_format", [2, 3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_negative_zero_is_data_under_zero_fill(tmp_path, handles, zarr_format, dtype):
    store = tmp_path / "c.zarr"
    negz = np.full((4, 3), -0.0, dtype=dtype)
    posz = np.full((4, 3), 0.0, dtype=dtype)
    run_c(handles, store, zarr_format, dtype, 0.0, [((0, 0), negz), ((4, 0), posz)], None)
    arr_dir = store / "arr"
    keys = set(chunk_files(arr_dir))
    assert chunk_key(arr_dir, (0, 0)) in keys  # -0.0 is data
    assert chunk_key(arr_dir, (1, 0)) not in keys  # +0.0 is the fill
    got = np.asarray(zarr.open_array(str(arr_dir), mode="r")[...])
    assert np.signbit(got[0:4, 0:3]).all()
    assert not np.signbit(got[4:, :]).any()
    # zarr-python agrees that a chunk of -0.0 is stored under a 0.0 fill
    zp = tmp_path / "zp.zarr"
    run_zp(zp, zarr_format, dtype, 0.0, [((0, 0), negz), ((4, 0), posz)], None)
    assert set(chunk_files(zp / "arr")) == keys


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_toggle_on_existing_array(tmp_path, handles, zarr_format):
    """The setting is per handle: off by default on a reopened array too."""
    store = tmp_path / "c.zarr"
    run_c(handles, store, zarr_format, "int32", 0, [], None)
    with handles.open(store, libzarr.WRITE) as root:
        with root.open_array("arr") as a:
            assert a.write_empty_chunks is False
            a.write(np.zeros((4, 3), dtype="int32"), (0, 0))
            a.write_empty_chunks = True
            assert a.write_empty_chunks is True
            a.write(np.zeros((4, 3), dtype="int32"), (0, 3))
            a.write_empty_chunks = False
            assert a.write_empty_chunks is False
    arr_dir = store / "arr"
    keys = set(chunk_files(arr_dir))
    assert keys == {chunk_key(arr_dir, (0, 1))}
    assert_same(np.asarray(zarr.open_array(str(arr_dir), mode="r")[...]), np.zeros(SHAPE, dtype="int32"))


@pytest.mark.parametrize("dtype", ["<f8", "<i4"])
def test_v2_null_fill_same_keys_as_zarr_python(tmp_path, handles, dtype):
    """v2 fill_value null: compare the stored chunk keys with zarr-python's
    for the same .zarray document and writes (a chunk of zeros, a chunk of
    data, for floats a chunk of NaN). Both read a missing chunk as zeros."""
    import json

    zp = tmp_path / "zp.zarr"
    g = zarr.open_group(str(zp), mode="w", zarr_format=2)
    z = g.create_array("arr", shape=SHAPE, chunks=CHUNKS, dtype=dtype, fill_value=None, compressors=None)
    doc = json.loads((zp / "arr" / ".zarray").read_text())
    assert doc["fill_value"] is None
    ops = [((0, 0), np.zeros((4, 3), dtype=dtype)), ((4, 3), np.ones((4, 3), dtype=dtype))]
    if np.dtype(dtype).kind == "f":
        ops.append(((4, 0), np.full((4, 3), np.nan, dtype=dtype)))
    for start, values in ops:
        z[tuple(slice(b, b + n) for b, n in zip(start, values.shape))] = values
    c = tmp_path / "c.zarr"
    with handles.open(c, libzarr.CREATE, 2) as root:
        with root.create_array_json("arr", json.dumps(doc)) as a:
            for start, values in ops:
                a.write(values, start)
    c_keys, zp_keys = set(chunk_files(c / "arr")), set(chunk_files(zp / "arr"))
    assert chunk_key(zp / "arr", (1, 1)) in zp_keys
    assert c_keys == zp_keys, f"C API stored {sorted(c_keys)}, zarr-python {sorted(zp_keys)}"
    assert_same(np.asarray(zarr.open_array(str(c / "arr"), mode="r")[...]), np.asarray(z[...]))
