"""Content addresses of a libzarr repository checked against an independent
CID implementation (the `multiformats` package): every chunk object is
named by CIDv1 raw / sha2-256 / base32 of its bytes, every manifest page and
snapshot by CIDv1 json of its bytes, and the id zarr_commit returns is the
snapshot's CID, as IPFS would compute them."""

from __future__ import annotations

import ctypes
import json

import numpy as np
from multiformats import CID, multihash

import libzarr
from helpers import assert_same


def cid_of(data: bytes, codec: str) -> str:
    return str(CID("base32", 1, codec, multihash.digest(data, "sha2-256")))


def commit(root, message: str) -> str:
    buf = ctypes.create_string_buffer(64)
    libzarr.call("zarr_commit", root.handle, message.encode(), buf, 64)
    return buf.value.decode()


def test_every_object_is_named_by_its_cid(tmp_path):
    repo = tmp_path / "repo"
    libzarr.call("zarr_repo_create", str(repo).encode(), None)
    data = np.arange(8 * 9, dtype="<i4").reshape(8, 9)
    with libzarr.open(repo, libzarr.WRITE) as root:
        with root.create_array("v/x", data.dtype, data.shape, (4, 3)) as a:
            a.write(data)
        with root.create_array("v/same", data.dtype, data.shape, (4, 3)) as a:
            a.write(data)
        first = commit(root, "first")
        with root.open_array("v/x") as a:
            a.write(np.full((4, 3), -1, "<i4"))
        second = commit(root, "second")
    chunks = sorted((repo / "chunks").iterdir())
    # 2 x 3 chunks in each array, identical in both: stored once; plus the changed one.
    assert len(chunks) == 7, len(chunks)
    for p in chunks:
        assert p.name == cid_of(p.read_bytes(), "raw"), p.name
        assert CID.decode(p.name).codec.name == "raw"
    pages = list((repo / "manifests").iterdir())
    assert pages
    for p in pages:
        assert p.name == cid_of(p.read_bytes(), "json"), p.name
    snaps = {p.name: p.read_bytes() for p in (repo / "snapshots").iterdir()}
    for sid in (first, second):
        assert sid in snaps and sid == cid_of(snaps[sid], "json"), sid
    assert json.loads(snaps[second])["parents"] == [first]
    # The snapshot's manifest roots are CIDs of stored pages, by that implementation too.
    for m in json.loads(snaps[second])["manifests"].values():
        assert m["root"] in {p.name for p in pages}
        assert CID.decode(m["root"]).codec.name == "json"
    # And the data reads back at each snapshot.
    with libzarr.open(repo, libzarr.READ, json.dumps({"snapshot": first})) as root, root.open_array("v/x") as a:
        assert_same(a.read(), data)
    with libzarr.open(repo, libzarr.READ) as root, root.open_array("v/x") as a:
        want = data.copy()
        want[0:4, 0:3] = -1
        assert_same(a.read(), want)


def test_verify_names_a_chunk_changed_on_disk(tmp_path):
    repo = tmp_path / "repo"
    libzarr.call("zarr_repo_create", str(repo).encode(), None)
    with libzarr.open(repo, libzarr.WRITE) as root:
        with root.create_array("t", np.dtype("<f8"), (6,), (3,)) as a:
            a.write(np.arange(6.0))
        commit(root, "data")
    victim = sorted((repo / "chunks").iterdir())[0]
    victim.write_bytes(victim.read_bytes()[:-1] + b"\x01")
    with libzarr.open(repo, libzarr.READ) as root:
        need = ctypes.c_size_t(0)
        buf = ctypes.create_string_buffer(4096)
        st = libzarr.lib().zarr_verify(root.handle, buf, 4096, ctypes.byref(need))
        assert st == libzarr.ECODEC, st
        report = json.loads(buf.value.decode())
        assert report["checked"] == 2
        assert [b["cid"] for b in report["bad"]] == [victim.name]
        assert report["bad"][0]["key"].startswith("t/c/")
