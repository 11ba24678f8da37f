"""The netCDF-C plugin on S3: the distribution's ncdump reads, and nccopy
writes, `s3://bucket/x.zarr#mode=udf0` through libzarr_netcdf, with the
endpoint and credentials from the usual AWS variables. (netCDF-C rewrites
s3:// URLs to AWS https URLs before the plugin sees them; the plugin turns
them back.)"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import zarr

from conftest import obstore_s3

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "target" / "release" / "libzarr_netcdf.so"


def run(cmd, moto, **kw):
    env = dict(os.environ, LD_PRELOAD=str(PLUGIN), AWS_ENDPOINT_URL=moto.endpoint)
    return subprocess.run([str(c) for c in cmd], env=env, capture_output=True, text=True, timeout=120, **kw)


def test_ncdump_and_nccopy_on_s3(moto, bucket, tmp_path):
    assert PLUGIN.exists(), "build the plugin first (make netcdf)"
    g = zarr.open_group(store=obstore_s3(moto, bucket, "in.zarr"), mode="w", zarr_format=3)
    data = np.arange(12, dtype="float32").reshape(3, 4) / 4
    g.create_array("t", shape=(3, 4), chunks=(2, 2), dtype="float32", fill_value=-1.0,
                   dimension_names=["y", "x"])[...] = data
    p = run(["ncdump", f"s3://{bucket}/in.zarr#mode=udf0"], moto)
    assert p.returncode == 0, p.stderr
    assert "float t(y, x) ;" in p.stdout
    assert "0, 0.25, 0.5, 0.75," in p.stdout and "2, 2.25, 2.5, 2.75 ;" in p.stdout
    # nccopy from a local netCDF-4 file into S3, read back by zarr-python.
    (tmp_path / "s.cdl").write_text("netcdf s { dimensions: n = 5 ; variables: int v(n) ; data: v = 5, 4, 3, 2, 1 ; }")
    subprocess.run(["ncgen", "-4", "-o", str(tmp_path / "s.nc"), str(tmp_path / "s.cdl")], check=True)
    p = run(["nccopy", tmp_path / "s.nc", f"s3://{bucket}/out.zarr#mode=udf0"], moto)
    assert p.returncode == 0, p.stderr
    out = zarr.open_group(store=obstore_s3(moto, bucket, "out.zarr"), mode="r")
    np.testing.assert_array_equal(out["v"][...], [5, 4, 3, 2, 1])
    # A missing hierarchy is netCDF's "no such file", not a hang or a crash.
    p = run(["ncdump", f"s3://{bucket}/nothing.zarr#mode=udf0"], moto)
    assert p.returncode == 1 and "No such file" in p.stderr, p.stderr
