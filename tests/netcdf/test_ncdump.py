"""The distribution's unmodified ncdump, with libzarr_netcdf preloaded,
prints exactly the values zarr-python wrote: v2 and v3, zlib, blosc, zstd,
gzip, sharded, NaN fill, groups, dimensions and attributes; `-v` picks
variables. Bad input is a netCDF error, never a crash."""

from __future__ import annotations

import json
import warnings

import numcodecs
import numpy as np
import pytest
import zarr
from zarr.codecs import BloscCodec, GzipCodec, ZstdCodec

from nchelp import cdl_data, ncdump, run, same_values, udf_url

warnings.filterwarnings("ignore", category=UserWarning)

SHAPE = (5, 7)


def values(dtype, seed):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        return (rng.standard_normal(SHAPE) * 100).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(max(info.min, -10**6), min(info.max, 10**6), size=SHAPE, dtype=dtype)


# (zarr_format, compressor description) -> create_array keyword arguments
CODECS = {
    (2, "zlib"): {"compressors": [numcodecs.Zlib(level=4)]},
    (2, "blosc"): {"compressors": [numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)]},
    (2, "zstd"): {"compressors": [numcodecs.Zstd(level=3)]},
    (2, "none"): {"compressors": None},
    (3, "gzip"): {"compressors": [GzipCodec(level=5)]},
    (3, "zstd"): {"compressors": [ZstdCodec(level=1)]},
    (3, "blosc"): {"compressors": [BloscCodec(cname="zstd", clevel=3)]},
    (3, "sharded"): {"compressors": [ZstdCodec(level=1)], "shards": (4, 6)},
}


def make_fixture(path, fmt, codec):
    g = zarr.open_group(str(path), mode="w", zarr_format=fmt)
    g.attrs.update({"title": "zarr-python fixture", "levels": [1, 2, 3], "scale": 0.5})
    kw = dict(CODECS[(fmt, codec)])
    chunks = (2, 3)
    dims = {"dimension_names": ["y", "x"]} if fmt == 3 else {}
    t = g.create_array("temp", shape=SHAPE, chunks=chunks, dtype="float32", fill_value=np.nan, **dims, **kw)
    data = values("float32", 1)
    data[0, 0] = np.nan  # NaN is the fill: ncdump prints "_"
    data[4, 6] = -0.0
    t[...] = data
    t.attrs["units"] = "K"
    if fmt == 2:
        t.attrs["_ARRAY_DIMENSIONS"] = ["y", "x"]
    sub = g.create_group("sub")
    sub.attrs["comment"] = "a group"
    dims = {"dimension_names": ["y", "x"]} if fmt == 3 else {}
    c = sub.create_array("count", shape=SHAPE, chunks=chunks, dtype="int32", fill_value=-1, **dims, **kw)
    cdata = values("int32", 2)
    c[...] = cdata
    if fmt == 2:
        c.attrs["_ARRAY_DIMENSIONS"] = ["y", "x"]
    d = g.create_array("d", shape=(7,), chunks=(3,), dtype="float64", fill_value=0.0, **kw_1d(fmt, kw))
    ddata = np.linspace(-1, 1, 7)
    d[...] = ddata
    return data, cdata, ddata


def kw_1d(fmt, kw):
    out = dict(kw)
    if "shards" in out:
        out["shards"] = (6,)
    if fmt == 3:
        out["dimension_names"] = ["x"]
    return out


@pytest.mark.parametrize("fmt,codec", list(CODECS))
def test_ncdump_prints_zarr_python_values(tmp_path, fmt, codec):
    path = tmp_path / "f.zarr"
    data, cdata, ddata = make_fixture(path, fmt, codec)
    out = ncdump(udf_url(path)).stdout
    # Header: dimensions shared by name and length, types, attributes.
    assert "\ty = 5 ;" in out and "\tx = 7 ;" in out
    assert "float temp(y, x) ;" in out
    assert 'temp:units = "K" ;' in out
    assert "temp:_FillValue = NaNf ;" in out
    assert ':title = "zarr-python fixture" ;' in out
    assert ":levels = 1, 2, 3 ;" in out
    assert ":scale = 0.5 ;" in out
    assert "group: sub {" in out and "int count(y, x) ;" in out
    if fmt == 3:
        assert "double d(x) ;" in out
    vals = cdl_data(out)
    same_values(vals["temp"], data, fill=np.nan, what="temp")
    same_values(vals["sub/count"], cdata, fill=-1, what="sub/count")
    same_values(vals["d"], ddata, fill=0.0, what="d")


def test_ncdump_v_selects_variables(tmp_path):
    path = tmp_path / "f.zarr"
    data, _, ddata = make_fixture(path, 3, "zstd")
    out = ncdump(udf_url(path), "-v", "d").stdout
    vals = cdl_data(out)
    assert list(vals) == ["d"]
    same_values(vals["d"], ddata, fill=0.0, what="d")
    # -h: header only
    out = ncdump(udf_url(path), "-h").stdout
    assert "data:" not in out and "float temp(y, x) ;" in out


def test_v2_xarray_dimensions_and_anonymous(tmp_path):
    """v2 without _ARRAY_DIMENSIONS: invented, stable, shared-by-length names."""
    g = zarr.open_group(str(tmp_path / "a.zarr"), mode="w", zarr_format=2)
    g.create_array("a", shape=(3, 4), chunks=(3, 4), dtype="i2")[...] = np.arange(12).reshape(3, 4)
    g.create_array("b", shape=(4,), chunks=(4,), dtype="u1")[...] = [1, 2, 3, 255]
    out = ncdump(udf_url(tmp_path / "a.zarr")).stdout
    assert "_Anonymous_Dim_3 = 3 ;" in out and "_Anonymous_Dim_4 = 4 ;" in out
    assert "short a(_Anonymous_Dim_3, _Anonymous_Dim_4) ;" in out
    assert "ubyte b(_Anonymous_Dim_4) ;" in out
    vals = cdl_data(out)
    # zarr-python's default fill is 0, so ncdump marks the zeros "_".
    assert "a:_FillValue = 0s ;" in out
    same_values(vals["a"], np.arange(12).reshape(3, 4).astype("i2"), fill=0, what="a")
    same_values(vals["b"], np.array([1, 2, 3, 255], dtype="u1"), fill=0, what="b")


def test_same_name_other_length_gets_a_new_name(tmp_path):
    g = zarr.open_group(str(tmp_path / "a.zarr"), mode="w", zarr_format=3)
    g.create_array("a", shape=(3,), chunks=(3,), dtype="i4", dimension_names=["n"])[...] = [1, 2, 3]
    g.create_array("b", shape=(2,), chunks=(2,), dtype="i4", dimension_names=["n"])[...] = [4, 5]
    out = ncdump(udf_url(tmp_path / "a.zarr")).stdout
    assert "\tn = 3 ;" in out and "\tn_2 = 2 ;" in out
    assert "int b(n_2) ;" in out


def test_missing_store_is_an_error(tmp_path):
    p = ncdump(udf_url(tmp_path / "nothing.zarr"), check=False)
    assert p.returncode == 1, p
    assert "No such file or directory" in p.stderr or "No such file" in p.stdout + p.stderr


def test_corrupt_chunk_is_an_error_not_garbage(tmp_path):
    path = tmp_path / "f.zarr"
    make_fixture(path, 3, "zstd")
    chunk = path / "temp" / "c" / "1" / "1"
    chunk.write_bytes(b"\x00garbage" * 3)
    p = ncdump(udf_url(path), check=False)
    assert p.returncode == 1, p.stdout
    assert "libzarr_netcdf:" in p.stderr and "temp/c/1/1" in p.stderr
    assert "NetCDF: Can't read" in p.stderr


def test_unsupported_dtype_is_an_error(tmp_path):
    path = tmp_path / "c.zarr"
    g = zarr.open_group(str(path), mode="w", zarr_format=3)
    g.create_array("z", shape=(2,), dtype="complex64")
    p = ncdump(udf_url(path), check=False)
    assert p.returncode == 1
    assert "libzarr_netcdf:" in p.stderr and "complex" in p.stderr.lower()


def test_without_the_plugin_udf0_is_refused(tmp_path):
    path = tmp_path / "f.zarr"
    make_fixture(path, 3, "zstd")
    p = ncdump(udf_url(path), preload=False, check=False)
    assert p.returncode != 0
    meta = json.loads((path / "zarr.json").read_text())
    assert meta["zarr_format"] == 3
