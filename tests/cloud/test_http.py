"""http(s):// stores, read-only: C reads what zarr-python wrote to a
directory served by a local static file server; writes are refused."""

from __future__ import annotations

import numpy as np
import pytest
import zarr

import libzarr
import servers


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    d = tmp_path_factory.mktemp("http")
    g = zarr.open_group(str(d / "data.zarr"), mode="w")
    x = np.arange(30 * 40, dtype="<f8").reshape(30, 40)
    g.create_array("x", shape=x.shape, chunks=(7, 9), dtype="<f8")[...] = x
    s = np.arange(32 * 32, dtype="<i4").reshape(32, 32)
    g.create_array("s", shape=s.shape, shards=(16, 16), chunks=(4, 4), dtype="<i4")[...] = s
    g.attrs["title"] = "served"
    g2 = zarr.open_group(str(d / "v2.zarr"), mode="w", zarr_format=2)
    g2.create_array("y", shape=(10,), chunks=(3,), dtype="<u2")[...] = np.arange(10, dtype="<u2")
    srv = servers.StaticHttp(d)
    yield srv, x, s
    srv.close()


def test_c_reads_zarr_python_output_over_http(served, handles):
    srv, x, s = served
    root = handles.open(f"{srv.url}/data.zarr", libzarr.READ)
    assert root.attrs["title"] == "served"
    a = handles.track(root.open_array("x"))
    np.testing.assert_array_equal(a.read(), x)
    np.testing.assert_array_equal(a.read((2, 3), (5, 6), (5, 6)), x[2:27:5, 3:39:6])
    sh = handles.track(root.open_array("s"))  # ranged reads of shards
    np.testing.assert_array_equal(sh.read(), s)
    np.testing.assert_array_equal(sh.read((5, 5), (3, 3)), s[5:8, 5:8])
    r2 = handles.open(f"{srv.url}/v2.zarr/", libzarr.READ)
    np.testing.assert_array_equal(handles.track(r2.open_array("y")).read(), np.arange(10, dtype="<u2"))


def test_http_refuses_writes(served, handles):
    srv, x, _ = served
    root = handles.open(f"{srv.url}/data.zarr", libzarr.WRITE)
    a = handles.track(root.open_array("x"))
    for fn in (lambda: a.write(x), lambda: a.set_attrs({"k": 1}), lambda: root.create_group("g"),
               lambda: root.delete("x")):
        with pytest.raises(libzarr.ZarrError) as e:
            fn()
        assert e.value.status == libzarr.EREADONLY, e.value
    with pytest.raises(libzarr.ZarrError) as e:
        libzarr.open(f"{srv.url}/new.zarr", libzarr.CREATE)
    assert e.value.status == libzarr.EREADONLY
    with pytest.raises(libzarr.ZarrError) as e:
        libzarr.open(f"{srv.url}/missing.zarr", libzarr.READ)
    assert e.value.status == libzarr.ENOTFOUND
