"""Unchanged example programs on S3, configured only by the standard AWS
environment variables: the C example writes s3://, the Java example
(examples/java/ReadExample.java, reading what the C example writes) reads
it back. Skipped when no JDK is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import libzarr

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("javac") is None or shutil.which("java") is None, reason="no JDK")
def test_c_example_writes_java_example_reads_s3(moto, bucket, tmp_path):
    libdir = Path(libzarr.lib_path()).resolve().parent
    (tmp_path / "libzarr.so.1").symlink_to(libdir / "libzarr.so")
    cc = os.environ.get("CC", "cc")
    exe = tmp_path / "example"
    subprocess.run([cc, "-std=c11", "-I", str(ROOT / "include"), str(ROOT / "examples/c/example.c"), "-o", str(exe),
                    f"-L{libdir}", "-lzarr", "-lm", f"-Wl,-rpath,{libdir}", f"-Wl,-rpath,{tmp_path}"], check=True)
    env = dict(os.environ, AWS_ENDPOINT_URL=moto.endpoint)
    url = f"s3://{bucket}/example.zarr"
    r = subprocess.run([str(exe), url], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "example: OK" in r.stdout, r.stdout + r.stderr

    classes = tmp_path / "classes"
    sources = [str(p) for p in (ROOT / "bindings/java/src/main/java").rglob("*.java")]
    subprocess.run(["javac", "--release", "11", "-d", str(classes), *sources,
                    str(ROOT / "examples/java/ReadExample.java")], check=True)
    r = subprocess.run(["java", f"-Djava.library.path={libdir}", "-cp", str(classes), "ReadExample", url],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "model/temp" in r.stdout
