"""zarr_array_resize and zarr_array_append read back by zarr-python, and a
zarr-python array resized through libzarr. libzarr trims the edge chunks on
a shrink (zarr-python does not), so shrink-then-grow shows fill.
"""

from __future__ import annotations

import numpy as np
import pytest
import zarr

import libzarr

pytestmark = pytest.mark.filterwarnings("ignore:Consolidated metadata:UserWarning")

KINDS = ["v2", "v3", "sharded"]


def create(root, kind, shape):
    if kind == "sharded":
        return root.create_sharded("x", "int32", shape, (4, 4), (2, 2), fill_value=-1)
    return root.create_array("x", "int32", shape, (3, 4), fill_value=-1)


def fmt(kind):
    return 2 if kind == "v2" else 3


@pytest.mark.parametrize("kind", KINDS)
def test_c_resize_read_by_zarr_python(tmp_path, handles, kind):
    path = tmp_path / "r.zarr"
    data = np.arange(63, dtype="i4").reshape(7, 9)
    root = handles.open(path, libzarr.CREATE, fmt(kind))
    a = handles.track(create(root, kind, (7, 9)))
    a.write(data)
    a.resize((10, 12))
    want = np.full((10, 12), -1, dtype="i4")
    want[:7, :9] = data
    np.testing.assert_array_equal(zarr.open_array(str(path / "x"), mode="r")[...], want)
    # Shrink, then grow: the trimmed edge reads as fill in zarr-python too.
    a.resize((5, 5))
    z = zarr.open_array(str(path / "x"), mode="r")
    assert z.shape == (5, 5)
    np.testing.assert_array_equal(z[...], data[:5, :5])
    a.resize((8, 10))
    want = np.full((8, 10), -1, dtype="i4")
    want[:5, :5] = data[:5, :5]
    np.testing.assert_array_equal(zarr.open_array(str(path / "x"), mode="r")[...], want)
    np.testing.assert_array_equal(a.read(), want)


@pytest.mark.parametrize("kind", KINDS)
def test_c_append_read_by_zarr_python(tmp_path, handles, kind):
    path = tmp_path / "a.zarr"
    root = handles.open(path, libzarr.CREATE, fmt(kind))
    a = handles.track(create(root, kind, (0, 9)))
    want = np.zeros((0, 9), dtype="i4")
    for k in range(7):
        slab = np.full((1 + k % 3, 9), k, dtype="i4") + np.arange(9, dtype="i4")
        a.append(slab, axis=0)
        want = np.concatenate([want, slab])
    col = np.arange(want.shape[0] * 2, dtype="i4").reshape(-1, 2)
    a.append(col, axis=1)
    want = np.concatenate([want, col], axis=1)
    z = zarr.open_array(str(path / "x"), mode="r")
    assert z.shape == want.shape
    np.testing.assert_array_equal(z[...], want)
    with pytest.raises(libzarr.ZarrError) as e:
        a.append(np.zeros((1, 3), dtype="i4"), axis=2)
    assert e.value.status == libzarr.EINVAL
    assert a.shape == want.shape


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_zarr_python_array_resized_by_c(tmp_path, handles, zarr_format):
    path = tmp_path / "zp.zarr"
    root_zp = zarr.open_group(str(path), mode="w", zarr_format=zarr_format)
    z = root_zp.create_array("x", shape=(7, 9), chunks=(3, 4), dtype="f8", fill_value=0.5)
    data = np.arange(63, dtype="f8").reshape(7, 9)
    z[...] = data
    zarr.consolidate_metadata(str(path))
    root = handles.open(path, libzarr.WRITE)
    a = handles.track(root.open_array("x"))
    a.resize((4, 4))
    a.resize((9, 11))
    a.append(np.full((2, 11), 7.0), axis=0)
    want = np.full((11, 11), 0.5)
    want[:4, :4] = data[:4, :4]
    want[9:, :] = 7.0
    # The consolidated copy was dropped, so zarr-python sees the new shape.
    got = zarr.open_array(str(path / "x"), mode="r")
    assert got.shape == (11, 11)
    np.testing.assert_array_equal(got[...], want)
    g = zarr.open_group(str(path), mode="r")
    assert g["x"].shape == (11, 11)
    np.testing.assert_array_equal(g["x"][...], want)
