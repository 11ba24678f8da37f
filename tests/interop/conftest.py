"""pytest configuration for the zarr-python interop tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import libzarr  # noqa: E402


def pytest_report_header(config):
    path = libzarr.lib_path()
    try:
        import zarr

        ver = libzarr.version()
        return [f"libzarr: {path} (version {ver}); zarr-python {zarr.__version__}"]
    except Exception as e:  # the tests themselves report the failure
        return [f"libzarr: {path} NOT LOADABLE: {e}"]


class Handles:
    """Opens libzarr roots and closes every handle it saw, newest first."""

    def __init__(self):
        self._nodes = []

    def track(self, node):
        self._nodes.append(node)
        return node

    def open(self, url, mode=libzarr.CREATE, zarr_format=None):
        if zarr_format is None:
            root = libzarr.open(str(url), mode)
        else:
            root = libzarr.open(str(url), mode, {"zarr_format": zarr_format})
        return self.track(root)

    def close_all(self):
        errors = []
        while self._nodes:
            node = self._nodes.pop()
            try:
                node.close()
            except libzarr.ZarrError as e:
                errors.append(e)
        if errors:
            raise errors[0]


@pytest.fixture
def handles():
    h = Handles()
    yield h
    h.close_all()
