"""Consolidated metadata in both directions: zarr-python's
`zarr.consolidate_metadata` read by libzarr, zarr_consolidate read by
zarr-python, and the staleness rule (a libzarr change drops the copy).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import zarr

import libzarr
from helpers import make_data

pytestmark = pytest.mark.filterwarnings("ignore:Consolidated metadata:UserWarning")


def zp_tree(path, zarr_format):
    root = zarr.open_group(str(path), mode="w", zarr_format=zarr_format, attributes={"r": 1})
    g = root.create_group("g", attributes={"ga": 2})
    a = g.create_array("a", shape=(6,), chunks=(4,), dtype="i4", attributes={"u": "m"})
    a[:] = np.arange(6, dtype="i4")
    root.create_array("b", shape=(3,), chunks=(3,), dtype="f8")
    return root


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_zarr_python_consolidated_read_by_c(tmp_path, handles, zarr_format):
    path = tmp_path / "zp.zarr"
    zp_tree(path, zarr_format)
    zarr.consolidate_metadata(str(path))
    # Change a node's own document behind the consolidated copy: libzarr,
    # like zarr-python opened consolidated, must serve the consolidated one.
    zarr.open_array(str(path / "g" / "a"), mode="r+", use_consolidated=False).attrs["u"] = "own"
    assert zarr.open_group(str(path), mode="r")["g/a"].attrs["u"] == "m"
    root = handles.open(path, libzarr.READ)
    assert root.attrs == {"r": 1}
    assert {m["name"]: m["kind"] for m in root.list()} == {"b": "array", "g": "group"}
    g = handles.track(root.open_group("g"))
    assert g.attrs == {"ga": 2}
    a = handles.track(root.open_array("g/a"))
    assert a.attrs == {"u": "m"}
    np.testing.assert_array_equal(a.read(), np.arange(6, dtype="i4"))


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_c_consolidated_read_by_zarr_python(tmp_path, handles, zarr_format):
    path = tmp_path / "c.zarr"
    data = make_data("float32", (5, 4), seed=3)
    with handles.open(path, libzarr.CREATE, zarr_format) as root:
        root.set_attrs({"title": "t"})
        with root.create_group("g1/g2", {"x": 1}):
            pass
        with root.create_array("g1/arr", "float32", (5, 4), (2, 3)) as a:
            a.write(data)
            a.set_attrs({"units": "K"})
        root.consolidate()
    if zarr_format == 2:
        doc = json.loads((path / ".zmetadata").read_text())
        assert doc["zarr_consolidated_format"] == 1
        assert set(doc["metadata"]) >= {".zgroup", ".zattrs", "g1/.zgroup", "g1/g2/.zgroup", "g1/arr/.zarray"}
        assert doc["metadata"]["g1/arr/.zattrs"] == {"units": "K"}
    else:
        cm = json.loads((path / "zarr.json").read_text())["consolidated_metadata"]
        assert cm["kind"] == "inline" and cm["must_understand"] is False
        assert set(cm["metadata"]) == {"g1", "g1/g2", "g1/arr"}
    zroot = zarr.open_consolidated(str(path), zarr_format=zarr_format)
    cmeta = zroot.metadata.consolidated_metadata
    assert cmeta is not None
    assert zroot.attrs["title"] == "t"
    assert zroot["g1/g2"].attrs["x"] == 1
    arr = zroot["g1/arr"]
    assert arr.attrs["units"] == "K"
    np.testing.assert_array_equal(arr[:], data)
    assert sorted(name for name, _ in zroot.members(max_depth=None)) == ["g1", "g1/arr", "g1/g2"]


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_c_change_drops_consolidated_copy(tmp_path, handles, zarr_format):
    path = tmp_path / "stale.zarr"
    zp_tree(path, zarr_format)
    zarr.consolidate_metadata(str(path))
    reader = handles.open(path, libzarr.READ)
    with handles.open(path, libzarr.WRITE) as root:
        with root.open_array("g/a") as a:
            a.set_attrs({"u": "changed"})
        with root.create_group("new"):
            pass
    # zarr-python no longer finds consolidated metadata, so sees the truth.
    zroot = zarr.open_group(str(path), mode="r")
    assert zroot.metadata.consolidated_metadata is None
    assert zroot["g/a"].attrs["u"] == "changed"
    assert "new" in zroot
    # A libzarr root opened before the change does not use its stale copy.
    assert handles.track(reader.open_array("g/a")).attrs == {"u": "changed"}
    assert "new" in {m["name"] for m in reader.list()}
