"""Dimension names and deletes against zarr-python (and xarray's v2
`_ARRAY_DIMENSIONS` convention)."""

from __future__ import annotations

import numpy as np
import pytest
import zarr

import libzarr


def test_v2_array_dimensions_written_by_zarr_python(tmp_path, handles):
    path = tmp_path / "x2.zarr"
    root = zarr.open_group(str(path), mode="w", zarr_format=2)
    a = root.create_array("t", shape=(2, 3), chunks=(2, 3), dtype="f4")
    a.attrs["_ARRAY_DIMENSIONS"] = ["time", "lon"]
    with handles.open(path, libzarr.READ) as r, r.open_array("t") as ca:
        assert ca.dimension_names == ["time", "lon"]


def test_v3_dimension_names_written_by_zarr_python(tmp_path, handles):
    path = tmp_path / "x3.zarr"
    root = zarr.open_group(str(path), mode="w", zarr_format=3)
    root.create_array("t", shape=(2, 3), chunks=(2, 3), dtype="f4", dimension_names=["time", None])
    root.create_array("u", shape=(2,), chunks=(2,), dtype="f4")
    with handles.open(path, libzarr.READ) as r:
        with r.open_array("t") as ca:
            assert ca.dimension_names == ["time", None]
        with r.open_array("u") as cu:
            assert cu.dimension_names is None


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_dimension_names_written_by_c(tmp_path, handles, zarr_format):
    path = tmp_path / "c.zarr"
    with handles.open(path, libzarr.CREATE, zarr_format) as root:
        with root.create_array("t", "float32", (2, 3), (2, 3)) as a:
            a.set_attrs({"units": "K"})
            a.set_dimension_names(["y", "x"])
            assert a.dimension_names == ["y", "x"]
            if zarr_format == 2:
                with pytest.raises(libzarr.ZarrError) as e:
                    a.set_dimension_names(["y", None])
                assert e.value.status == libzarr.EINVAL
            else:
                a.set_dimension_names(["y", None])
            with pytest.raises(libzarr.ZarrError) as e:
                a.set_dimension_names(["only-one"])
            assert e.value.status == libzarr.EINVAL
    zarr_a = zarr.open_array(str(path / "t"), mode="r")
    assert zarr_a.attrs["units"] == "K"
    if zarr_format == 2:
        assert zarr_a.attrs["_ARRAY_DIMENSIONS"] == ["y", "x"]
    else:
        assert zarr_a.metadata.dimension_names == ("y", None)


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_delete_seen_by_zarr_python(tmp_path, handles, zarr_format):
    path = tmp_path / "d.zarr"
    root = zarr.open_group(str(path), mode="w", zarr_format=zarr_format)
    a = root.create_array("g/h/a", shape=(4,), chunks=(2,), dtype="i4")
    a[:] = np.arange(4, dtype="i4")
    root.create_array("b", shape=(4,), chunks=(2,), dtype="i4")
    croot = handles.open(path, libzarr.WRITE)
    ca = handles.track(croot.open_array("g/h/a"))
    croot.delete("g")
    assert not (path / "g").exists()
    assert sorted(zarr.open_group(str(path), mode="r").keys()) == ["b"]
    with pytest.raises(libzarr.ZarrError) as e:
        ca.read()
    assert e.value.status == libzarr.ENOTFOUND
    with pytest.raises(libzarr.ZarrError) as e:
        croot.delete("g")
    assert e.value.status == libzarr.ENOTFOUND
    croot.delete("b")
    assert list(zarr.open_group(str(path), mode="r").keys()) == []


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_rename_seen_by_zarr_python(tmp_path, handles, zarr_format):
    """zarr-python writes and consolidates; the C API renames an array into
    new groups and a group elsewhere; zarr-python (which would use
    consolidated metadata if it were still there) sees the new layout."""
    path = tmp_path / "r.zarr"
    root = zarr.open_group(str(path), mode="w", zarr_format=zarr_format)
    t = root.create_array("run/temp", shape=(5, 3), chunks=(2, 2), dtype="f8", fill_value=-1.0)
    t[...] = np.arange(15.0).reshape(5, 3)
    s = root.create_array("run/salt", shape=(4,), chunks=(3,), dtype="i2")
    s[...] = [1, 2, 3, 4]
    zarr.consolidate_metadata(str(path))
    croot = handles.open(path, libzarr.WRITE)
    croot.rename("run/temp", "archive/2026/temperature")
    croot.rename("run", "model")
    z = zarr.open_group(str(path), mode="r")
    assert sorted(z.keys()) == ["archive", "model"]
    np.testing.assert_array_equal(z["archive/2026/temperature"][...], np.arange(15.0).reshape(5, 3))
    np.testing.assert_array_equal(z["model/salt"][...], [1, 2, 3, 4])
    assert sorted(z["model"].keys()) == ["salt"]
    with pytest.raises(libzarr.ZarrError) as e:
        croot.rename("model", "archive/2026/temperature")
    assert e.value.status == libzarr.EEXISTS
