"""Fixtures of the reliability tests: the C writer program (built once per
session against the library under test), moto's S3 server run
single-threaded, and S3 credentials in the environment."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests" / "cloud"))
sys.path.insert(0, str(REPO / "tests" / "interop"))

import servers  # noqa: E402

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_REGION", "us-east-1")
for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
    os.environ.pop(var, None)


def lib_dir() -> Path:
    return Path(os.environ.get("ZARR_LIB", REPO / "target" / "release" / "libzarr.so")).resolve().parent


@pytest.fixture(scope="session")
def writer(tmp_path_factory) -> Path:
    bindir = tmp_path_factory.mktemp("bin")
    out = bindir / "writer"
    cc = os.environ.get("CC", "cc")
    libdir = lib_dir()
    # libzarr.so's SONAME is libzarr.so.1, which cargo does not write.
    (bindir / "libzarr.so.1").symlink_to(libdir / "libzarr.so")
    subprocess.run(
        [cc, "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-Wall", "-Wextra", "-Werror",
         "-I", str(REPO / "include"), str(HERE / "writer.c"), "-o", str(out),
         f"-L{libdir}", "-lzarr", f"-Wl,-rpath,{bindir}"],
        check=True,
    )
    return out


class SingleThreadedMoto(servers.Moto):
    """moto's S3 server serving one request at a time. Its threaded server
    checks a conditional PUT's precondition and stores the object without a
    lock, so two racing If-Match PUTs can both succeed there (real S3, Azure
    and GCS decide them atomically); one thread makes moto atomic too."""

    def __init__(self, log_dir: Path):
        self.port = servers.free_port()
        self.log = open(log_dir / f"moto-single-{self.port}.log", "wb")
        code = (
            "import sys; from werkzeug.serving import run_simple;"
            "from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app;"
            "app = DomainDispatcherApplication(create_backend_app);"
            "run_simple('127.0.0.1', int(sys.argv[1]), app, threaded=False)"
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, str(self.port)], stdout=self.log, stderr=subprocess.STDOUT
        )
        servers.wait_port(self.port, self.proc)
        self.endpoint = f"http://127.0.0.1:{self.port}"


@pytest.fixture(scope="session")
def moto():
    m = SingleThreadedMoto(Path(tempfile.mkdtemp(prefix="zarr-reliability-")))
    yield m
    m.close()


@pytest.fixture
def s3_url(moto):
    """A fresh bucket: (url, options JSON)."""
    name = f"r-{uuid.uuid4().hex[:12]}"
    moto.client().create_bucket(Bucket=name)
    opts = '{"endpoint": "%s", "allow_http": true, "retries": 3, "timeout_ms": 20000}' % moto.endpoint
    return f"s3://{name}/h.zarr", opts
