"""numcodecs CRC32C as a Zarr v2 compressor (location end and start), both directions."""

from __future__ import annotations

import json

import numpy as np
import pytest
import zarr
from numcodecs import CRC32C

import libzarr
from helpers import assert_same


@pytest.mark.parametrize("location", ["end", "start"])
def test_zarr_python_v2_crc32c_reads_through_c(tmp_path, location):
    data = np.arange(6 * 7, dtype="<i4").reshape(6, 7)
    path = tmp_path / "zp.zarr"
    z = zarr.create_array(str(path), shape=data.shape, chunks=(4, 4), dtype=data.dtype,
                          compressors=CRC32C(location=location), zarr_format=2)
    z[...] = data
    with libzarr.open(path, libzarr.READ) as root, root.open_array("") as a:
        assert_same(a.read(), data)
    # A flipped byte in a chunk is detected, naming the chunk.
    chunk = path / "0.0"
    raw = bytearray(chunk.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    chunk.write_bytes(bytes(raw))
    with libzarr.open(path, libzarr.READ) as root, root.open_array("") as a:
        with pytest.raises(libzarr.ZarrError) as e:
            a.read()
        assert e.value.status == libzarr.ECODEC and "0.0" in str(e.value)


@pytest.mark.parametrize("location", ["end", "start"])
def test_c_v2_crc32c_reads_in_zarr_python(tmp_path, location):
    data = np.arange(6 * 7, dtype="<i4").reshape(6, 7)
    path = tmp_path / "c.zarr"
    doc = {"zarr_format": 2, "shape": [6, 7], "chunks": [4, 4], "dtype": "<i4", "order": "C",
           "fill_value": 0, "filters": None, "compressor": {"id": "crc32c", "location": location},
           "dimension_separator": "."}
    with libzarr.open(path, libzarr.CREATE, {"zarr_format": 2}) as root:
        with root.create_array_json("a", json.dumps(doc)) as a:
            a.write(data)
    assert_same(zarr.open_array(str(path / "a"), mode="r")[...], data)
