"""The zarr-extensions `rectilinear` chunk grid both ways with zarr-python
3.4 (the main venv's zarr-python predates it): fixtures are written and read
by tests/interop/zp34_rectilinear.py under .venv312. Without a Python 3.12+
these tests are skipped (reason "no Python 3.12+"), never passed."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

import libzarr as lz
from libzarr import REPO_ROOT

HELPER = REPO_ROOT / "tests" / "interop" / "zp34_rectilinear.py"
PY312 = REPO_ROOT / ".venv312" / "bin" / "python"


@pytest.fixture(scope="module")
def py312():
    r = subprocess.run(["bash", str(REPO_ROOT / "scripts" / "setup-venv312.sh")], capture_output=True, text=True)
    if r.returncode == 3:
        pytest.skip("no Python 3.12+")
    assert r.returncode == 0, r.stderr
    return str(PY312)


def zp(py312, *args) -> str:
    r = subprocess.run([py312, str(HELPER), *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_libzarr_reads_zarr_python_rectilinear(py312, tmp_path):
    zp(py312, "write", str(tmp_path))
    want = np.load(tmp_path / "a.npy")
    with lz.open(str(tmp_path)) as root, root.open_array("a") as a:
        assert a.shape == (10, 7)
        np.testing.assert_array_equal(a.read(), want)
        # Strided across the unequal chunks.
        np.testing.assert_array_equal(
            a.read(start=[1, 1], count=[4, 3], stride=[2, 2]), want[1:9:2, 1:7:2]
        )
        np.testing.assert_array_equal(a.read(start=[2, 3], count=[2, 3]), want[2:4, 3:6])
        # No single chunk shape: EUNSUPPORTED; the edges come as JSON.
        with pytest.raises(lz.ZarrError) as e:
            a.chunk_shape()
        assert e.value.status == lz.EUNSUPPORTED
        assert json.loads(lz._sized_text("zarr_array_chunk_shapes_json", a.handle)) == [[3, 7], [[2, 3], 1]]


def test_zarr_python_reads_libzarr_rectilinear(py312, tmp_path):
    doc = {
        "zarr_format": 3,
        "node_type": "array",
        "shape": [9, 5],
        "data_type": "int32",
        "chunk_grid": {"name": "rectilinear", "configuration": {"kind": "inline", "chunk_shapes": [[4, 1, 4], 2]}},
        "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
        "fill_value": -1,
        "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "zstd", "configuration": {"level": 1}}],
    }
    model = np.full((9, 5), -1, dtype="int32")
    with lz.open(str(tmp_path), lz.CREATE) as root, root.create_array_json("b", doc) as b:
        # A partial write across chunk borders, then a strided one.
        part = np.arange(12, dtype="int32").reshape(3, 4) + 100
        b.write(part, start=[3, 1])
        model[3:6, 1:5] = part
        s = np.array([[7, 8, 9]], dtype="int32").repeat(3, 0)
        b.write(s, start=[0, 0], stride=[4, 2])
        model[0:9:4, 0:5:2] = s
        # Grow past the edges (one more edge, as zarr-python does), write there.
        b.resize([11, 5])
        model = np.concatenate([model, np.full((2, 5), -1, dtype="int32")])
        b.write(np.full((2, 2), 5, dtype="int32"), start=[9, 3])
        model[9:11, 3:5] = 5
    grid = json.loads(zp(py312, "read", str(tmp_path)))
    assert grid["configuration"]["chunk_shapes"] == [[4, 1, 4, 2], 2]
    np.testing.assert_array_equal(np.load(tmp_path / "b.npy"), model)
