"""Torn sharded reads across processes: while the C writer process rewrites
the whole sharded array "s" again and again (rewrite i sets every element to
i + 1), this process reads it through libzarr. Every read must succeed and
show each shard whole at one version (the index and the inner chunks of one
shard come from the same object version), and a shard never goes back to an
older version. Filesystem and S3 (moto). Before reads were pinned to one
version, such a reader got wrong data with status 0 or ZARR_ECODEC."""

from __future__ import annotations

import subprocess

import numpy as np

import libzarr

SHARD = 16


def read_while_rewriting(writer, url, opts, rewrites):
    subprocess.run([str(writer), "setup", url, opts], check=True)
    proc = subprocess.Popen([str(writer), "rewrite", url, opts, str(rewrites)], stderr=subprocess.PIPE)
    reads, mid_run = 0, 0
    last = np.zeros((2, 2), dtype=np.int64)
    with libzarr.open(url, libzarr.READ, opts or None) as g, g.open_array("s") as s:
        while True:
            running = proc.poll() is None
            data = s.read()
            reads += 1
            for r in range(2):
                for c in range(2):
                    block = data[r * SHARD:(r + 1) * SHARD, c * SHARD:(c + 1) * SHARD]
                    v = int(block[0, 0])
                    assert (block == v).all(), f"read {reads}: shard ({r}, {c}) mixes versions: {np.unique(block)}"
                    assert 0 <= v <= rewrites, v
                    assert v >= last[r, c], f"read {reads}: shard ({r}, {c}) went back from {last[r, c]} to {v}"
                    last[r, c] = v
            if running and 0 < last.min() and last.max() < rewrites:
                mid_run += 1
            if not running:
                break
    _, err = proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert (last == rewrites).all(), last
    # The race really happened: many reads landed between two rewrites.
    assert mid_run >= 10, f"only {mid_run} of {reads} reads ran while the writer was rewriting"
    print(f"{url}: {reads} reads, {mid_run} during the rewrites")


def test_sharded_reads_racing_a_writer_process_filesystem(writer, tmp_path):
    read_while_rewriting(writer, str(tmp_path / "t.zarr"), "", 1500)


def test_sharded_reads_racing_a_writer_process_s3(writer, moto, s3_url):
    url, opts = s3_url
    bucket = url.split("/")[2]
    read_while_rewriting(writer, f"s3://{bucket}/torn.zarr", opts, 150)
