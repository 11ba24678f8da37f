"""gs:// (no emulator needed): URL and option parsing, and an unreachable
endpoint is ZARR_EIO quickly (short timeouts, no hang)."""

from __future__ import annotations

import time

import pytest

import libzarr
from conftest import SECRET
from servers import free_port


def test_unreachable_gcs_endpoint_is_eio_quickly():
    port = free_port()  # nothing listens there
    t0 = time.monotonic()
    with pytest.raises(libzarr.ZarrError) as e:
        libzarr.open("gs://bucket/prefix", libzarr.CREATE,
                     {"endpoint": f"http://127.0.0.1:{port}", "retries": 1, "backoff_ms": 10,
                      "timeout_ms": 1000, "connect_timeout_ms": 500})
    assert e.value.status == libzarr.EIO
    assert time.monotonic() - t0 < 15
    assert "gs://bucket/prefix" in e.value.message and "zarr.json" in e.value.message


def test_gcs_options():
    for opts, key in [({"account_key": "x"}, "account_key"), ({"bogus": 1}, "bogus"),
                      ({"retries": -1}, "retries")]:
        with pytest.raises(libzarr.ZarrError) as e:
            libzarr.open("gs://bucket/p", libzarr.READ, opts)
        assert e.value.status == libzarr.EINVAL and key in e.value.message
    # a malformed service account key: EINVAL, and the key's text is not echoed
    with pytest.raises(libzarr.ZarrError) as e:
        libzarr.open("gs://bucket/p", libzarr.READ, {"service_account_key": SECRET})
    assert e.value.status == libzarr.EINVAL and SECRET not in e.value.message
    with pytest.raises(libzarr.ZarrError) as e:
        libzarr.open("gs:///p", libzarr.READ)
    assert e.value.status == libzarr.EINVAL
