"""The durable open option: on the filesystem every write fsyncs the file
before renaming it into place and the directory after; without it nothing
is synced. Counted with strace (Debian's strace package, installed here
when missing)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

import libzarr


def strace() -> str:
    if not shutil.which("strace"):
        sudo = [] if subprocess.run(["id", "-u"], capture_output=True, text=True).stdout.strip() == "0" else ["sudo"]
        subprocess.run(sudo + ["apt-get", "update"], check=True, capture_output=True)
        subprocess.run(sudo + ["apt-get", "install", "-y", "strace"], check=True, capture_output=True)
    return shutil.which("strace")


def traced(writer, tmp_path, opts, n):
    url = str(tmp_path / "h.zarr")
    subprocess.run([str(writer), "setup", url, ""], check=True)
    log = tmp_path / "trace.txt"
    subprocess.run(
        [strace(), "-f", "-qq", "-o", str(log), "-e", "trace=fsync,fdatasync,rename,renameat,renameat2",
         str(writer), "chunks", url, opts, str(n)],
        check=True,
    )
    calls = []
    for line in log.read_text().splitlines():
        m = re.search(r"\b(fsync|fdatasync|rename|renameat|renameat2)\(", line)
        if m and "resumed" not in line:
            calls.append((m.group(1), line))
    return calls


N = 9


def test_durable_syncs_before_and_after_every_rename(writer, tmp_path):
    calls = traced(writer, tmp_path, '{"durable": true}', N)
    renames = [i for i, (c, _) in enumerate(calls) if c.startswith("rename")]
    syncs = [c for c, _ in calls if c in ("fsync", "fdatasync")]
    # N chunk files renamed into place (and nothing else is written).
    assert len(renames) == N, calls
    for i in renames:
        assert i > 0 and calls[i - 1][0] in ("fsync", "fdatasync"), f"no file sync before {calls[i][1]}"
        assert i + 1 < len(calls) and calls[i + 1][0] in ("fsync", "fdatasync"), f"no directory sync after {calls[i][1]}"
    # The file and its directory per write, plus the new chunk directories' parents.
    assert len(syncs) >= 2 * N + 1


def test_not_durable_syncs_nothing(writer, tmp_path):
    calls = traced(writer, tmp_path, "", N)
    assert sum(c.startswith("rename") for c, _ in calls) == N
    assert [c for c, _ in calls if c in ("fsync", "fdatasync")] == []


def test_durable_is_accepted_and_checked(tmp_path):
    with libzarr.open(str(tmp_path / "m.zarr"), libzarr.CREATE, {"durable": True}):
        pass
    with libzarr.open("memory://durable-opt", libzarr.CREATE, {"durable": True}):
        pass
    with pytest.raises(libzarr.ZarrError) as e:
        libzarr.open(str(tmp_path / "m.zarr"), libzarr.READ, {"durable": "yes"})
    assert "durable" in str(e.value)
