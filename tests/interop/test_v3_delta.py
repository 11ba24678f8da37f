"""numcodecs.delta in Zarr v3: zarr-python 3 places it before `bytes` (an
array->array codec). Both directions, with the codec list each side writes."""

from __future__ import annotations

import json

import numpy as np
import pytest
import zarr
from zarr.codecs.numcodecs import Delta

import libzarr
from helpers import assert_same


@pytest.mark.parametrize("dtype", ["int32", "uint16", "float64"])
def test_zarr_python_v3_delta_reads_through_c(tmp_path, dtype):
    data = (np.arange(7 * 10).reshape(7, 10) * 3 - 40).astype(dtype)
    path = tmp_path / "zp.zarr"
    z = zarr.create_array(
        str(path), shape=data.shape, chunks=(3, 4), dtype=dtype,
        filters=[Delta(dtype=np.dtype(dtype).str)], compressors=None,
    )
    z[...] = data
    doc = json.loads((path / "zarr.json").read_text())
    names = [c["name"] for c in doc["codecs"]]
    assert names.index("numcodecs.delta") < names.index("bytes"), names
    with libzarr.open(path, libzarr.READ) as root, root.open_array("") as a:
        assert_same(a.read(), data)


@pytest.mark.parametrize("dtype", ["int32", "uint16", "float64"])
def test_c_v3_delta_reads_in_zarr_python(tmp_path, dtype):
    data = (np.arange(7 * 10).reshape(7, 10) * 3 - 40).astype(dtype)
    path = tmp_path / "c.zarr"
    codecs = [{"id": "delta", "dtype": np.dtype(dtype).str}, {"name": "zstd", "configuration": {"level": 1}}]
    with libzarr.open(path, libzarr.CREATE) as root:
        with root.create_array("d", data.dtype, data.shape, (3, 4), codecs=json.dumps(codecs)) as a:
            a.write(data)
    doc = json.loads((path / "d" / "zarr.json").read_text())
    names = [c["name"] for c in doc["codecs"]]
    assert names == ["numcodecs.delta", "bytes", "zstd"], names
    assert_same(zarr.open_array(str(path / "d"), mode="r")[...], data)


def test_v3_delta_astype_both_ways(tmp_path):
    """Delta with a narrower astype: zarr-python stores int16 differences of
    int64 data; libzarr reads them, and writes what zarr-python reads."""
    data = (np.arange(7 * 10).reshape(7, 10) * 5 + 1000).astype("int64")
    zp = tmp_path / "zp.zarr"
    z = zarr.create_array(str(zp), shape=data.shape, chunks=(3, 4), dtype="int64",
                          filters=[Delta(dtype="<i8", astype="<i2")], compressors=None)
    z[...] = data
    want = z[...]
    assert (zp / "c" / "0" / "0").stat().st_size == 3 * 4 * 2  # 2-byte elements
    with libzarr.open(zp, libzarr.READ) as root, root.open_array("") as a:
        assert_same(a.read(), want)
    path = tmp_path / "c.zarr"
    codecs = [{"id": "delta", "dtype": "<i8", "astype": "<i2"}]
    with libzarr.open(path, libzarr.CREATE) as root:
        with root.create_array("d", data.dtype, data.shape, (3, 4), codecs=json.dumps(codecs)) as a:
            a.write(data)
    assert (path / "d" / "c" / "0" / "0").stat().st_size == 3 * 4 * 2
    assert_same(zarr.open_array(str(path / "d"), mode="r")[...], want)
