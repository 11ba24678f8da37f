"""The numcodecs bz2 codec: zarr-python 3 writes v2 and v3 arrays compressed
with numcodecs.BZ2 and the C API reads them exactly; the C API writes them
and zarr-python (and numcodecs on the raw chunk) reads identical values."""

from __future__ import annotations

import json

import numcodecs
import numpy as np
import pytest
import zarr
from zarr.codecs.numcodecs import BZ2

import libzarr
from helpers import assert_same


def _data():
    i = np.arange(9 * 11).reshape(9, 11)
    return (np.cos(i / 7.0) * 500.0).astype("<f8")


@pytest.mark.parametrize("fmt", [2, 3])
def test_zarr_python_bz2_reads_through_c(tmp_path, fmt):
    data = _data()
    path = tmp_path / "zp.zarr"
    comp = numcodecs.BZ2(level=3) if fmt == 2 else BZ2(level=3)
    z = zarr.create_array(str(path), shape=data.shape, chunks=(4, 5), dtype=data.dtype,
                          compressors=[comp], zarr_format=fmt)
    z[...] = data
    with libzarr.open(path, libzarr.READ) as root, root.open_array("") as a:
        assert_same(a.read(), data)
        assert_same(a.read(start=(1, 2), count=(4, 3), stride=(2, 3)), data[1::2, 2::3][:4, :3])


def test_c_v2_bz2_reads_in_zarr_python_and_numcodecs(tmp_path):
    data = _data()
    path = tmp_path / "c.zarr"
    with libzarr.open(path, libzarr.CREATE, {"zarr_format": 2}) as root:
        with root.create_array("d", data.dtype, data.shape, (4, 5),
                               codecs=json.dumps([{"id": "bz2", "level": 5}])) as a:
            a.write(data)
    doc = json.loads((path / "d" / ".zarray").read_text())
    assert doc["compressor"] == {"id": "bz2", "level": 5}
    assert_same(zarr.open_array(str(path / "d"), mode="r")[...], data)
    raw = numcodecs.BZ2().decode((path / "d" / "0.0").read_bytes())
    assert_same(np.frombuffer(raw, "<f8").reshape(4, 5), data[:4, :5])


def test_c_v3_bz2_reads_in_zarr_python(tmp_path):
    data = _data()
    path = tmp_path / "c.zarr"
    with libzarr.open(path, libzarr.CREATE) as root:
        with root.create_array("d", data.dtype, data.shape, (4, 5),
                               codecs=json.dumps([{"name": "numcodecs.bz2", "configuration": {"level": 1}}])) as a:
            a.write(data)
    doc = json.loads((path / "d" / "zarr.json").read_text())
    assert [c["name"] for c in doc["codecs"]] == ["bytes", "numcodecs.bz2"]
    assert_same(zarr.open_array(str(path / "d"), mode="r")[...], data)
