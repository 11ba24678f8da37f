"""The C program tests/cloud/test_cloud.c, built against the library and run
against moto with the URL and options in environment variables."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import zarr

import libzarr
from conftest import obstore_s3

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def test_c_program_against_s3(moto, bucket, tmp_path):
    libdir = Path(libzarr.lib_path()).resolve().parent
    exe = tmp_path / "test_cloud"
    # the SONAME is libzarr.so.1: provide it beside a copy-free symlink
    (tmp_path / "libzarr.so.1").symlink_to(libdir / "libzarr.so")
    cc = os.environ.get("CC", "cc")
    subprocess.run(
        [cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", str(ROOT / "include"), str(HERE / "test_cloud.c"),
         "-o", str(exe), f"-L{libdir}", "-lzarr", f"-Wl,-rpath,{libdir}", f"-Wl,-rpath,{tmp_path}", "-lm"],
        check=True,
    )
    env = dict(os.environ, ZARR_TEST_URL=f"s3://{bucket}/cprog.zarr",
               ZARR_TEST_OPTIONS=f'{{"endpoint": "{moto.endpoint}", "max_concurrency": 16}}')
    r = subprocess.run([str(exe)], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "OK" in r.stdout
    g = zarr.open_group(store=obstore_s3(moto, bucket, "cprog.zarr"), mode="r")
    want = (np.arange(64 * 48, dtype="<f4") * 0.5).reshape(64, 48)
    np.testing.assert_array_equal(g["model/t"][...], want)
