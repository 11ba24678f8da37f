"""nccopy of a netCDF-4 file with groups into `#mode=udf0`: zarr-python and
ncdump (through the plugin) read exactly the values netCDF-C reads from the
source file; deflate/shuffle/chunking become Zarr codecs and chunks; an
unlimited dimension grows the arrays. Zarr v2 (`#mode=udf0,v2`) without
compression is also read by netCDF-C's own NCZarr."""

from __future__ import annotations

import json

import numpy as np
import pytest
import zarr

from nchelp import cdl_data, ncdump, run, same_values, udf_url

TEMP = (np.arange(3 * 4 * 5, dtype="float32").reshape(3, 4, 5) - 20.25) * np.float32(1.5)
LEVEL = np.array([1000.0, 850.5, 500.25, 250.125], dtype="float64")
COUNTS = np.array([[-128, 0, 127], [5, -5, 1]], dtype="int8")
BIG = np.array([2**62, -(2**61), 7], dtype="int64")
UBIG = np.array([2**63 + 5, 1, 0], dtype="uint64")
FLAGS = np.array([0, 200, 255], dtype="uint8")
SHORTS = np.array([-32767, 12, 30000], dtype="int16")
USHORTS = np.array([65535, 0, 4], dtype="uint16")
UINTS = np.array([4294967295, 7, 8], dtype="uint32")


def cdl_list(a):
    return ", ".join(repr(v.item()) if a.dtype.kind == "f" else str(int(v)) for v in a.ravel())


CDL = f"""netcdf src {{
dimensions:
  time = UNLIMITED ;
  lat = 4 ;
  lon = 5 ;
  three = 3 ;
variables:
  float temp(time, lat, lon) ;
    temp:units = "K" ;
    temp:_FillValue = -999.f ;
    temp:_DeflateLevel = 4 ;
    temp:_Shuffle = "true" ;
    temp:_ChunkSizes = 1, 4, 5 ;
  double level(lat) ;
    level:long_name = "pressure" ;
    level:valid_range = 0., 1100. ;
  int64 big(three) ;
  uint64 ubig(three) ;
  ubyte flags(three) ;
  short shorts(three) ;
  ushort ushorts(three) ;
  uint uints(three) ;
// global attributes:
  :title = "nccopy source" ;
  :version = 3 ;
  :weights = 0.5f, 0.25f ;
data:
  temp = {cdl_list(TEMP)} ;
  level = {cdl_list(LEVEL)} ;
  big = {cdl_list(BIG)} ;
  ubig = {cdl_list(UBIG)} ;
  flags = {cdl_list(FLAGS)} ;
  shorts = {cdl_list(SHORTS)} ;
  ushorts = {cdl_list(USHORTS)} ;
  uints = {cdl_list(UINTS)} ;
group: obs {{
  dimensions:
    site = 2 ;
    k = 3 ;
  variables:
    byte counts(site, k) ;
      counts:note = "signed bytes" ;
  data:
    counts = {cdl_list(COUNTS)} ;
}}
}}
"""


@pytest.fixture
def source(tmp_path):
    (tmp_path / "src.cdl").write_text(CDL)
    run(["ncgen", "-4", "-o", tmp_path / "src.nc", tmp_path / "src.cdl"], preload=False)
    return tmp_path / "src.nc"


@pytest.mark.parametrize("fmt", [3, 2])
def test_nccopy_into_zarr(tmp_path, source, fmt):
    out = tmp_path / "out.zarr"
    words = ("v2",) if fmt == 2 else ()
    run(["nccopy", source, udf_url(out, *words)])
    g = zarr.open_group(str(out), mode="r")
    assert g.metadata.zarr_format == fmt
    # zarr-python reads the values that went in.
    np.testing.assert_array_equal(g["temp"][...], TEMP)
    np.testing.assert_array_equal(g["level"][...], LEVEL)
    np.testing.assert_array_equal(g["obs/counts"][...], COUNTS)
    for name, arr in [("big", BIG), ("ubig", UBIG), ("flags", FLAGS), ("shorts", SHORTS),
                      ("ushorts", USHORTS), ("uints", UINTS)]:
        assert g[name].dtype == arr.dtype, name
        np.testing.assert_array_equal(g[name][...], arr, err_msg=name)
    t = g["temp"]
    assert t.fill_value == -999.0
    assert t.chunks == (1, 4, 5)
    assert t.shape == (3, 4, 5)  # the unlimited dimension grew to the records written
    assert dict(t.attrs)["units"] == "K"
    assert dict(g.attrs)["title"] == "nccopy source"
    assert dict(g.attrs)["weights"] == [0.5, 0.25]
    assert dict(g["level"].attrs)["valid_range"] == [0.0, 1100.0]
    if fmt == 3:
        assert t.metadata.dimension_names == ("time", "lat", "lon")
        names = [c["name"] for c in json.loads((out / "temp" / "zarr.json").read_text())["codecs"]]
        assert names == ["bytes", "numcodecs.shuffle", "gzip"], names
    else:
        meta = json.loads((out / "temp" / ".zarray").read_text())
        assert meta["compressor"] == {"id": "zlib", "level": 4}
        assert meta["filters"] == [{"id": "shuffle", "elementsize": 4}]
        assert dict(t.attrs)["_ARRAY_DIMENSIONS"] == ["time", "lat", "lon"]
    # ncdump through the plugin prints what netCDF-C reads from the source.
    want = cdl_data(ncdump(source, preload=False).stdout)
    got = cdl_data(ncdump(udf_url(out)).stdout)
    assert set(got) == set(want)
    for k in want:
        assert got[k] == want[k] or np.allclose(np.array(got[k], float), np.array(want[k], float), rtol=0, atol=0), k


def test_nczarr_reads_uncompressed_v2_from_the_plugin(tmp_path, source):
    """libzarr's v2 output, uncompressed, is what Debian's NCZarr (no
    filters) can read: names and values match the source."""
    plain = tmp_path / "plain.nc"
    run(["nccopy", "-d", "0", source, plain], preload=False)
    out = tmp_path / "nczarr.zarr"
    run(["nccopy", plain, udf_url(out, "v2")])
    dump = ncdump(f"file://{out}#mode=zarr,file", preload=False).stdout
    assert "float temp(time, lat, lon) ;" in dump
    vals = cdl_data(dump)
    same_values(vals["temp"], TEMP, fill=-999.0, what="temp via NCZarr")
    same_values(vals["level"], LEVEL, what="level via NCZarr")


def test_char_variables_are_refused_clearly(tmp_path):
    (tmp_path / "c.cdl").write_text('netcdf c { dimensions: n = 3 ; variables: char s(n) ; data: s = "abc" ; }')
    run(["ncgen", "-4", "-o", tmp_path / "c.nc", tmp_path / "c.cdl"], preload=False)
    p = run(["nccopy", tmp_path / "c.nc", udf_url(tmp_path / "c.zarr")], check=False)
    assert p.returncode != 0
    assert "libzarr_netcdf:" in p.stderr and "char" in p.stderr
