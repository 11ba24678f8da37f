"""Crash consistency: the C writer (writes, partial writes, resizes,
appends, sharded partial writes, attribute updates, consolidation) is
killed with SIGKILL at a random point, many times, on the filesystem and on
S3 (moto). After each kill: every metadata document parses, every chunk
and shard reads as its value before or after the op in progress (as the
replayed model says), the attributes are those before or after it, and no
temporary or half-written object is visible to readers."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import numpy as np

import libzarr
import model

FS_TRIALS = int(os.environ.get("ZARR_CRASH_TRIALS_FS", "200"))
S3_TRIALS = int(os.environ.get("ZARR_CRASH_TRIALS_S3", "25"))


def kill_at_random(writer, url, opts, seed, log: Path, max_delay: float):
    proc = subprocess.Popen([str(writer), "crash", url, opts, str(seed), str(log)], stderr=subprocess.PIPE)
    time.sleep(random.Random(seed).uniform(0.005, max_delay))
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate()
    # Killed, not failed on its own.
    assert proc.returncode == -signal.SIGKILL, err.decode()
    text = log.read_text() if log.exists() else ""
    return int(text.split()[-1]) if text.split() else 0


def check_regions(stored: np.ndarray, before: np.ndarray, after: np.ndarray, block: int, what: str):
    for r in range(0, stored.shape[0], block):
        for c in range(0, stored.shape[1], block):
            got = stored[r:r + block, c:c + block]
            old = before[r:r + block, c:c + block]
            new = after[r:r + block, c:c + block]
            assert (got == old).all() or (got == new).all(), f"{what} block ({r}, {c}) is neither old nor new"


def check(url, opts, seed, k):
    """The stored hierarchy against the model's states before and after op k."""
    sts = model.states(seed, max(k, 0))
    before, after = sts[max(k - 1, 0)], sts[k]
    with libzarr.open(url, libzarr.READ, opts or None) as g:
        names = sorted(m["name"] if isinstance(m, dict) else m[0] for m in g.list())
        assert names == ["a", "p", "s"], names
        attrs = g.attrs
        assert attrs in (before.attrs, after.attrs), (attrs, before.attrs, after.attrs)
        with g.open_array("p") as p:
            rows = p.shape[0]
            assert rows in (before.rows, after.rows), (rows, before.rows, after.rows)
            check_regions(p.read(), before.p[:rows], after.p[:rows], 16, "p chunk")
        with g.open_array("s") as s:
            check_regions(s.read(), before.s, after.s, 16, "s shard")


def check_fs_files(root: Path):
    for dirpath, _, files in os.walk(root):
        for f in files:
            path = Path(dirpath) / f
            if f.startswith(".zarr-tmp.") or ".zarr-locks" in path.parts:
                continue  # hidden from readers (listings skip them; never a key)
            if f == "zarr.json":
                json.loads(path.read_text())
            else:
                rel = path.relative_to(root).parts
                assert rel[0] in ("a", "p", "s") and rel[1] == "c", f"unexpected file {path}"


def test_sigkill_filesystem(writer, tmp_path):
    import zarr

    killed_mid_run = 0
    for trial in range(FS_TRIALS):
        root = tmp_path / f"t{trial}.zarr"
        subprocess.run([str(writer), "setup", str(root), ""], check=True)
        k = kill_at_random(writer, str(root), "", trial, tmp_path / f"t{trial}.log", 0.3)
        killed_mid_run += k > 0
        check(str(root), "", trial, k)
        check_fs_files(root)
        # zarr-python reads every chunk and shard too (no torn value under a key).
        zarr.open_array(str(root / "p"), mode="r")[:]
        zarr.open_array(str(root / "s"), mode="r")[:]
    assert killed_mid_run > FS_TRIALS // 2, "most kills should land in the middle of the workload"
    print(f"filesystem: {FS_TRIALS} SIGKILL trials, {killed_mid_run} after at least one op")


def test_sigkill_s3(writer, moto, s3_url, tmp_path):
    url, opts = s3_url
    bucket = url.split("/")[2]
    client = moto.client()
    for trial in range(S3_TRIALS):
        turl = f"s3://{bucket}/t{trial}.zarr"
        subprocess.run([str(writer), "setup", turl, opts], check=True)
        k = kill_at_random(writer, turl, opts, 1000 + trial, tmp_path / f"s3-{trial}.log", 1.5)
        check(turl, opts, 1000 + trial, k)
        listing = client.list_objects_v2(Bucket=bucket, Prefix=f"t{trial}.zarr/")
        for obj in listing.get("Contents", []):
            key = obj["Key"]
            rel = key.split("/")[1:]
            if rel[-1] == "zarr.json":
                json.loads(client.get_object(Bucket=bucket, Key=key)["Body"].read())
            else:
                assert rel[0] in ("a", "p", "s") and rel[1] == "c", f"unexpected object {key}"
    print(f"S3: {S3_TRIALS} SIGKILL trials")
