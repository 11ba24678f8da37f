"""Fixtures for the cloud object store tests: servers started per session on
free ports and stopped at the end; a fresh bucket/prefix per test."""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "interop"))

import libzarr  # noqa: E402
import servers  # noqa: E402

# Recognisable credentials: no message may ever contain the secret.
ACCESS_KEY = "AKIALIBZARRTESTKEY01"
SECRET = "SeCrEt-libzarr-9f8e7d6c5b4a"

# The S3 credentials come from the environment, as in production.
os.environ["AWS_ACCESS_KEY_ID"] = ACCESS_KEY
os.environ["AWS_SECRET_ACCESS_KEY"] = SECRET
os.environ["AWS_REGION"] = "us-east-1"
for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
    os.environ.pop(var, None)


@pytest.fixture(scope="session")
def log_dir():
    d = Path(tempfile.mkdtemp(prefix="zarr-cloud-"))
    yield d


@pytest.fixture(scope="session")
def moto(log_dir):
    m = servers.Moto(log_dir)
    yield m
    m.close()


@pytest.fixture
def bucket(moto):
    """A new bucket on the moto server."""
    name = f"b-{uuid.uuid4().hex[:12]}"
    moto.client().create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_opts(moto):
    return {"endpoint": moto.endpoint, "retries": 2, "timeout_ms": 10000}


@pytest.fixture
def proxy(moto):
    p = servers.FaultProxy(moto.port)
    yield p
    p.close()


@pytest.fixture(scope="session")
def azurite(log_dir):
    a = servers.Azurite(log_dir)
    yield a
    a.close()


@pytest.fixture
def handles():
    opened = []

    class H:
        def open(self, url, mode=libzarr.CREATE, options=None):
            g = libzarr.open(url, mode, options)
            opened.append(g)
            return g

        def track(self, n):
            opened.append(n)
            return n

    yield H()
    for n in reversed(opened):
        try:
            n.close()
        except libzarr.ZarrError:
            pass


def obstore_s3(moto, bucket, prefix=""):
    """zarr-python's view of the same bucket, through obstore."""
    import zarr.storage
    from obstore.store import S3Store

    s = S3Store(
        bucket,
        prefix=prefix or None,
        endpoint=moto.endpoint,
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET,
        region="us-east-1",
        client_options={"allow_http": True},
    )
    return zarr.storage.ObjectStore(s, read_only=False)
