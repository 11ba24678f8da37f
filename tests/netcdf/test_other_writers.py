"""ncdump through the plugin of stores other writers make: an N5 container
written by tensorstore's `n5` driver, and a Zarr v3 store written by
tensorstore's `zarr3` driver without root metadata. The values expected are
tensorstore's own reads (N5 with its axes reversed), never the plugin's."""

from __future__ import annotations

import numpy as np
import tensorstore as ts

from nchelp import cdl_data, ncdump, same_values, udf_url


def test_ncdump_of_a_tensorstore_n5_container(tmp_path):
    store = tmp_path / "t.n5"
    meta = {"dimensions": [7, 5], "blockSize": [3, 2], "dataType": "int32", "axes": ["lon", "lat"],
            "compression": {"type": "gzip", "level": 4}}
    spec = {"driver": "n5", "kvstore": {"driver": "file", "path": str(store / "temp")}}
    arr = ts.open({**spec, "metadata": meta, "create": True}).result()
    arr[...] = (np.arange(35).reshape(7, 5) * 3 + 1).astype("int32")
    want = np.transpose(ts.open(spec).result().read().result())
    assert not (store / "zarr.json").exists() and not (store / ".zgroup").exists()
    out = ncdump(udf_url(store)).stdout
    # N5 order reversed: dimensions (lat, lon), shape 5 x 7.
    assert "lat = 5 ;" in out and "lon = 7 ;" in out, out
    assert "int temp(lat, lon) ;" in out, out
    same_values(cdl_data(out)["temp"], want, fill=0, what="temp")


def test_ncdump_of_a_store_without_root_metadata(tmp_path):
    store = tmp_path / "rootless.zarr"
    spec = {"driver": "zarr3", "kvstore": {"driver": "file", "path": str(store / "obs" / "t2m")}}
    meta = {"shape": [4, 6], "data_type": "float32", "dimension_names": ["time", "station"],
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [2, 3]}}, "fill_value": -999.0}
    arr = ts.open({**spec, "create": True, "metadata": meta}).result()
    arr[...] = (np.arange(24).reshape(4, 6) / 4.0).astype("float32")
    want = ts.open(spec).result().read().result()
    assert not (store / "zarr.json").exists() and not (store / "obs" / "zarr.json").exists()
    out = ncdump(udf_url(store)).stdout
    assert "group: obs {" in out, out
    assert "float t2m(time, station) ;" in out, out
    same_values(cdl_data(out)["obs/t2m"], want, fill=-999.0, what="obs/t2m")
