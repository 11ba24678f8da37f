"""The Fortran bindings on S3: examples/fortran/model_output.f90, unchanged,
writes and reads an s3:// URL given on its command line, with the endpoint
and credentials from the standard AWS environment variables; zarr-python
then reads what it wrote. Skipped when gfortran is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import zarr

import libzarr
from conftest import obstore_s3

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which(os.environ.get("FC", "gfortran")) is None, reason="no Fortran compiler")
def test_fortran_model_output_on_s3(moto, bucket, tmp_path):
    fc = os.environ.get("FC", "gfortran")
    libdir = Path(libzarr.lib_path()).resolve().parent
    (tmp_path / "libzarr.so.1").symlink_to(libdir / "libzarr.so")
    subprocess.run([fc, "-O1", "-I", str(ROOT / "bindings/fortran"), "-J", str(tmp_path), "-c",
                    str(ROOT / "bindings/fortran/zarr.f90"), "-o", str(tmp_path / "zarr.o")], check=True)
    exe = tmp_path / "model_output"
    subprocess.run([fc, "-I", str(tmp_path), str(ROOT / "examples/fortran/model_output.f90"),
                    str(tmp_path / "zarr.o"), "-o", str(exe), f"-L{libdir}", "-lzarr",
                    f"-Wl,-rpath,{libdir}", f"-Wl,-rpath,{tmp_path}"], check=True)
    env = dict(os.environ, AWS_ENDPOINT_URL=moto.endpoint)
    r = subprocess.run([str(exe), f"s3://{bucket}/fortran.zarr"], env=env, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "model_output: OK" in r.stdout
    a = zarr.open_group(store=obstore_s3(moto, bucket, "fortran.zarr"), mode="r")["model/temp"]
    assert a.shape == (4, 18, 36) and a.attrs["units"] == "K"
    k, j, i = np.meshgrid(np.arange(1, 5), np.arange(1, 19), np.arange(1, 37), indexing="ij")
    want = (np.float32(273.15) + i.astype("f4") / 10 + j.astype("f4") - k.astype("f4")).astype("f4")
    np.testing.assert_array_equal(a[...], want)
