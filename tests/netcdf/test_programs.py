"""Programs written against netCDF, not libzarr: a C program with
nc_open/nc_get_vars_double (registering the plugin with
zarr_netcdf_register, no LD_PRELOAD) and a Fortran program with
netcdf-fortran's nf90_open/nf90_get_var (plugin preloaded) read Zarr v3.
Also: stores written by netCDF-C's own NCZarr (ncgen) read through the
plugin and through libzarr's C API, with their dimension names."""

from __future__ import annotations

import ctypes
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
import zarr

from nchelp import LIBDIR, ROOT, cdl_data, ncdump, run, same_values, udf_url

HERE = ROOT / "tests" / "netcdf"
DATA = (np.arange(5 * 7, dtype="float32").reshape(5, 7) - 10) / np.float32(3)


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    d = tmp_path_factory.mktemp("bin")
    run(["cc", "-std=c11", "-Wall", "-Werror", "-I", ROOT / "netcdf" / "include", HERE / "nc_read.c",
         "-o", d / "nc_read", f"-L{LIBDIR}", "-lzarr_netcdf", "-lnetcdf", f"-Wl,-rpath,{LIBDIR}"], preload=False)
    flags = subprocess.run(["nf-config", "--fflags", "--flibs"], capture_output=True, text=True, check=True).stdout.split()
    run(["gfortran", HERE / "nf_read.f90", "-o", d / "nf_read", *flags], preload=False, cwd=d)
    run(["cc", "-std=c11", "-Wall", "-Werror", "-I", ROOT / "netcdf" / "include", HERE / "nc_write.c",
         "-o", d / "nc_write", f"-L{LIBDIR}", "-lzarr_netcdf", "-lnetcdf", f"-Wl,-rpath,{LIBDIR}"], preload=False)
    return d


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "v3.zarr"
    g = zarr.open_group(str(path), mode="w", zarr_format=3)
    t = g.create_array("temp", shape=DATA.shape, chunks=(2, 3), dtype="float32", dimension_names=["y", "x"],
                       fill_value=-1.0)
    t[...] = DATA
    sub = g.create_group("sub")
    sub.create_array("idx", shape=(6,), chunks=(4,), dtype="int64", dimension_names=["n"])[...] = np.arange(6) * 10**12
    return path


def c_read(build, url, var, start, count, stride, **kw):
    env = {"ZARR_NETCDF_NO_AUTOREGISTER": "1", "PATH": "/usr/bin:/bin"}
    p = subprocess.run([str(build / "nc_read"), url, var, ",".join(map(str, start)), ",".join(map(str, count)),
                        ",".join(map(str, stride))], capture_output=True, text=True, env=env, timeout=60, **kw)
    return p


def test_c_program_strided_reads(build, store):
    url = udf_url(store)
    for start, count, stride in [((0, 0), (5, 7), (1, 1)), ((1, 2), (2, 3), (2, 2)), ((4, 6), (1, 1), (1, 1))]:
        p = c_read(build, url, "temp", start, count, stride)
        assert p.returncode == 0, p.stdout + p.stderr
        got = np.array([float(x) for x in p.stdout.split()])
        want = DATA[start[0]:start[0] + (count[0] - 1) * stride[0] + 1:stride[0],
                    start[1]:start[1] + (count[1] - 1) * stride[1] + 1:stride[1]]
        np.testing.assert_array_equal(got, want.astype("float64").ravel())
    p = c_read(build, url, "/sub/idx", (1,), (3,), (2,))
    assert p.returncode == 0, p.stdout + p.stderr
    assert [int(float(x)) for x in p.stdout.split()] == [10**12, 3 * 10**12, 5 * 10**12]


def test_c_program_errors(build, store, tmp_path):
    # Out of range and bad stride: netCDF's own statuses.
    p = c_read(build, udf_url(store), "temp", (0, 0), (6, 1), (1, 1))
    assert p.returncode == 1 and p.stdout.startswith("error -57 "), p.stdout  # NC_EEDGE
    p = c_read(build, udf_url(store), "temp", (0, 0), (1, 1), (0, 1))
    assert p.returncode == 1 and p.stdout.startswith("error -58 "), p.stdout  # NC_ESTRIDE
    p = c_read(build, udf_url(tmp_path / "missing.zarr"), "temp", (0, 0), (1, 1), (1, 1))
    assert p.returncode == 1 and p.stdout.startswith("error 2 "), p.stdout  # ENOENT
    (store / "temp" / "c" / "0" / "0").write_bytes(b"\xff" * 5)
    p = c_read(build, udf_url(store), "temp", (0, 0), (2, 3), (1, 1))
    assert p.returncode == 1 and p.stdout.startswith("error -102 "), p.stdout  # NC_ECANTREAD
    assert "temp/c/0/0" in p.stderr


def test_fortran_program(build, store):
    p = run([build / "nf_read", udf_url(store)])
    lines = p.stdout.split("\n")
    assert lines[0].split() == ["shape", "7", "5"]  # Fortran order: x, y
    i = lines.index("strided")
    whole = np.array([float(x) for x in lines[1:i]], dtype="float32")
    # Column-major t(x, y) flattened is the C array flattened row by row.
    np.testing.assert_array_equal(whole, DATA.ravel())
    j = next(k for k, l in enumerate(lines) if l.startswith("missing"))
    strided = np.array([float(x) for x in lines[i + 1:j]], dtype="float32")
    np.testing.assert_array_equal(strided, DATA[0::2, 1::2][:, :3].ravel())
    assert lines[j] == "missing -49"  # NF90_ENOTVAR


def test_c_program_writes_zarr(build, tmp_path):
    """nc_create / nc_def_* / nc_put_* through the plugin; zarr-python reads
    the values, codecs (bitround from nc_def_var_quantize, shuffle + gzip
    from nc_def_var_deflate), chunks, fill values and attributes."""
    import numcodecs

    out = tmp_path / "w.zarr"
    p = subprocess.run([str(build / "nc_write"), udf_url(out)], capture_output=True, text=True, timeout=60,
                       env={"ZARR_NETCDF_NO_AUTOREGISTER": "1"})
    assert p.returncode == 0 and p.stdout.strip() == "OK", p.stdout + p.stderr
    g = zarr.open_group(str(out), mode="r")
    assert dict(g.attrs) == {"range": [-1.5, 99.25], "title": "netCDF writer"}
    t = g["temp"]
    assert t.shape == (2, 3, 5) and t.chunks == (1, 3, 5)
    assert t.metadata.dimension_names == ("time", "y", "x")
    codecs = json.loads((out / "temp" / "zarr.json").read_text())["codecs"]
    assert [c["name"] for c in codecs] == ["numcodecs.bitround", "bytes", "numcodecs.shuffle", "gzip"]
    assert codecs[0]["configuration"]["keepbits"] == 9
    raw = np.array([[[t_ * 100 + y * 10 + x + np.float32(1) / np.float32(3) for x in range(5)] for y in range(3)]
                    for t_ in range(2)], dtype="float32")
    want = np.asarray(numcodecs.BitRound(keepbits=9).encode(raw)).view("float32").reshape(raw.shape)
    np.testing.assert_array_equal(t[...], want)
    assert not np.array_equal(want, raw)
    idx = g["idx"]
    assert idx.fill_value == -7
    exp = np.arange(15, dtype="int32").reshape(3, 5)
    exp[1, 1] = exp[1, 3] = -7
    np.testing.assert_array_equal(idx[...], exp)
    np.testing.assert_array_equal(g["g/d"][...], [0.5, 1.5, 2.5, 3.5, 4.5])
    # No char variable was created (refused with NC_EBADTYPE and a log line).
    assert "s" not in g and "char" in p.stderr


NCZARR_CDL = """netcdf nz {
dimensions:
  time = 3 ;
  lat = 2 ;
variables:
  float temp(time, lat) ;
    temp:units = "K" ;
  int count(lat) ;
// global attributes:
  :title = "written by NCZarr" ;
data:
  temp = 1.5, 2.5, 3.5, 4.5, 5.5, 6.5 ;
  count = 7, 8 ;
group: sub {
  dimensions:
    n = 4 ;
  variables:
    double v(time, n) ;
  data:
    v = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 ;
}
}
"""


@pytest.fixture
def nczarr_store(tmp_path):
    (tmp_path / "nz.cdl").write_text(NCZARR_CDL)
    path = tmp_path / "nz.zarr"
    run(["ncgen", "-4", "-o", f"file://{path}#mode=nczarr,file", tmp_path / "nz.cdl"], preload=False)
    assert (path / ".zgroup").exists()
    return path


def test_nczarr_store_through_the_plugin(nczarr_store):
    want = cdl_data(ncdump(f"file://{nczarr_store}#mode=nczarr,file", preload=False).stdout)
    out = ncdump(udf_url(nczarr_store)).stdout
    assert "float temp(time, lat) ;" in out
    assert "double v(time, n) ;" in out  # "time" from the root, "n" from /sub
    assert 'temp:units = "K" ;' in out and ':title = "written by NCZarr" ;' in out
    assert "_NCZARR" not in out and "_nczarr" not in out
    assert cdl_data(out) == want


def test_nczarr_store_through_the_c_api(nczarr_store):
    """libzarr itself (not the plugin) sees NCZarr's dimension names."""
    sys.path.insert(0, str(ROOT / "tests" / "interop"))
    import libzarr  # noqa: PLC0415 - the ctypes wrapper of the C API

    with libzarr.open(nczarr_store, libzarr.READ) as root:
        with root.open_array("sub/v") as v:
            assert v.dimension_names == ["time", "n"]
            np.testing.assert_array_equal(v.read(), np.arange(1, 13, dtype="float64").reshape(3, 4))
        with root.open_array("temp") as t:
            assert t.dimension_names == ["time", "lat"]
