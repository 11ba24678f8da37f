"""Writers in several processes (the C writer program): appends and
attribute updates lose nothing, on the filesystem and on S3 (moto)."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

import libzarr

PROCS, APPENDS, ROWS = 4, 50, 3


def run_all(writer, url, opts, mode, n):
    procs = [
        subprocess.Popen([str(writer), mode, url, opts, str(p), str(n)], stderr=subprocess.PIPE)
        for p in range(PROCS if mode == "append" else 2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err.decode()


def check_slabs(data: np.ndarray):
    """Every slab once, contiguous, each process's slabs in its own order."""
    assert data.shape == (PROCS * APPENDS * ROWS, 8)
    # Every row is one value: no row mixes two slabs or holds fill.
    assert (data == data[:, :1]).all()
    values = data[:, 0]
    assert (values != 0).all(), "a row reads as fill: a slab was lost"
    for start in range(0, len(values), ROWS):
        assert (values[start:start + ROWS] == values[start]).all(), f"slab at row {start} is not contiguous"
    slabs = values[::ROWS]
    assert sorted(slabs.tolist()) == sorted((p + 1) * 100000 + i for p in range(PROCS) for i in range(APPENDS))
    for p in range(PROCS):
        mine = [v % 100000 for v in slabs if v // 100000 == p + 1]
        assert mine == list(range(APPENDS))


@pytest.mark.parametrize("opts", ["", '{"process_locks": true}'])
def test_appends_from_four_processes_filesystem(writer, tmp_path, opts):
    import zarr

    url = str(tmp_path / "h.zarr")
    subprocess.run([str(writer), "setup", url, opts], check=True)
    run_all(writer, url, opts, "append", APPENDS)
    # Read back by zarr-python, another implementation.
    check_slabs(zarr.open_array(str(tmp_path / "h.zarr" / "a"), mode="r")[:])


def test_appends_from_four_processes_s3(writer, s3_url):
    url, opts = s3_url
    subprocess.run([str(writer), "setup", url, opts], check=True)
    run_all(writer, url, opts, "append", APPENDS)
    with libzarr.open(url, libzarr.READ, opts) as g, g.open_array("a") as a:
        check_slabs(a.read())


def attrs_of(url, opts):
    with libzarr.open(url, libzarr.READ, opts or None) as g:
        return g.attrs


@pytest.mark.parametrize("store", ["fs", "s3"])
def test_two_processes_updating_attributes(writer, tmp_path, request, store):
    if store == "fs":
        url, opts = str(tmp_path / "h.zarr"), ""
    else:
        url, opts = request.getfixturevalue("s3_url")
    subprocess.run([str(writer), "setup", url, opts], check=True)
    run_all(writer, url, opts, "attrs", 100)
    attrs = attrs_of(url, opts)
    want = {f"p{p}_{i}": i for p in range(2) for i in range(100)}
    assert attrs == want
