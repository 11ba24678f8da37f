"""The Java layer gets the object-store guarantee without code of its own:
two Java processes writing single elements into the same chunks of an
array on S3 (moto) lose none of them (each partial-chunk write is a
conditional PUT on the chunk's ETag, retried on conflict)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

import libzarr
from conftest import REPO

ROWS = 20


def test_two_java_processes_write_one_chunk_on_s3(writer, moto, s3_url, tmp_path):
    jar = REPO / "build" / "java" / "libzarr.jar"
    if not (shutil.which("javac") and jar.exists()):
        pytest.fail(f"javac or {jar} missing: make java")
    subprocess.run(["javac", "-cp", str(jar), "-d", str(tmp_path), str(REPO / "tests" / "reliability" / "JavaWriter.java")],
                   check=True)
    url, opts = s3_url
    subprocess.run([str(writer), "setup", url, opts], check=True)
    # Zarr.open takes no options: the endpoint comes from the environment.
    env = dict(os.environ, AWS_ENDPOINT_URL=moto.endpoint)
    cp = f"{jar}:{tmp_path}"
    lib = os.path.dirname(os.environ.get("ZARR_LIB", str(REPO / "target" / "release" / "libzarr.so")))
    procs = [
        subprocess.Popen(["java", f"-Dlibzarr.path={lib}/libzarr.so", "-cp", cp, "JavaWriter", url, str(c), str(ROWS)],
                         env=env, stderr=subprocess.PIPE)
        for c in (0, 1)
    ]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err.decode()
    with libzarr.open(url, libzarr.READ, opts) as g, g.open_array("p") as a:
        got = a.read([0, 0], [ROWS, 2])
    for c in (0, 1):
        assert got[:, c].tolist() == [(c + 1) * 100 + i for i in range(ROWS)], f"column {c} lost writes"
