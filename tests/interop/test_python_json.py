"""Documents as Python writes them: xarray (through zarr-python) writes
attributes with Python's json, which emits bare NaN, Infinity and -Infinity.
The C API reads such stores: data, attributes as floats, and the
attribute text with the same bare literals (what Python's json reads)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import xarray as xr

import libzarr
from helpers import assert_same

ATTRS = {"missing": float("nan"), "big": float("inf"), "small": float("-inf"),
         "mixed": [1.5, float("nan"), float("-inf")], "units": "K"}


def write_xarray(path, zarr_format):
    data = np.arange(24, dtype="float32").reshape(4, 6) - 5
    ds = xr.Dataset({"t": (("y", "x"), data, ATTRS)}, attrs={"history": float("nan"), "n": 3})
    ds.to_zarr(str(path), zarr_format=zarr_format, consolidated=False)
    return data


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_xarray_nan_attributes_read_by_c_api(tmp_path, zarr_format):
    path = tmp_path / "x.zarr"
    data = write_xarray(path, zarr_format)
    doc = (path / "t" / (".zattrs" if zarr_format == 2 else "zarr.json")).read_text()
    assert '"missing": NaN' in doc and '"small": -Infinity' in doc  # bare, as Python writes
    with libzarr.open(path, libzarr.READ) as root, root.open_array("t") as a:
        assert_same(a.read(), data)
        assert_same(a.read((1, 0), (2, 3), (2, 2)), data[1::2, 0::2])
        assert math.isnan(a.attr_get("missing")[0])
        assert a.attr_get("big")[0] == np.inf
        assert a.attr_get("small", libzarr.FLOAT32)[0] == np.float32("-inf")
        got = a.attr_get("mixed")
        assert got[0] == 1.5 and math.isnan(got[1]) and got[2] == -np.inf
        with pytest.raises(libzarr.ZarrError) as e:
            a.attr_get("missing", libzarr.INT32)  # NaN has no integer value
        assert e.value.status == libzarr.ERANGE
        text = a.attrs_text()
        assert "NaN" in text and "Infinity" in text
        back = json.loads(text)  # Python's json reads the text back
        assert math.isnan(back["missing"]) and back["big"] == math.inf and back["units"] == "K"
        assert math.isnan(json.loads(root.attrs_text())["history"])
        assert math.isnan(root.attr_get("history")[0])


def test_rewrite_keeps_bare_literals_for_python(tmp_path):
    """An attribute change through libzarr keeps the others as Python wrote them."""
    path = tmp_path / "x.zarr"
    write_xarray(path, 2)
    with libzarr.open(path, libzarr.WRITE) as root, root.open_array("t") as a:
        attrs = json.loads(a.attrs_text())
        attrs["added"] = 1
        a.set_attrs(json.dumps(attrs))  # json.dumps writes bare NaN again
    back = xr.open_zarr(str(path), consolidated=False)["t"].attrs
    assert math.isnan(back["missing"]) and back["small"] == -math.inf and back["added"] == 1


def test_bad_attributes_leave_data_readable(tmp_path):
    import zarr

    path = tmp_path / "b.zarr"
    z = zarr.create_array(str(path), shape=(5,), chunks=(2,), dtype="i4", zarr_format=2)
    z[:] = np.arange(5, dtype="i4")
    (path / ".zattrs").write_text('{"units": "K", oops}')
    with libzarr.open(path, libzarr.WRITE) as root, root.open_array("") as a:
        assert_same(a.read(), np.arange(5, dtype="i4"))
        with pytest.raises(libzarr.ZarrError) as e:
            a.attrs_text()
        assert e.value.status == libzarr.EMETA and ".zattrs" in e.value.args[0]
        a.resize((6,))  # rewrites .zarray, leaves the bad .zattrs as found
    assert (path / ".zattrs").read_text() == '{"units": "K", oops}'
