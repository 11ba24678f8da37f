"""zarrtool, the command: every subcommand run as a program (subprocess)
against stores written by zarr-python and tensorstore; expected values come
from those implementations (and from ncdump through the netCDF plugin),
never from zarrtool itself."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
import uuid
import warnings
from pathlib import Path

import numcodecs
import numpy as np
import pytest
import tensorstore as ts
import zarr
from zarr.codecs import Crc32cCodec, GzipCodec, ZstdCodec

warnings.filterwarnings("ignore", category=UserWarning)

ROOT = Path(__file__).resolve().parents[2]
TOOL = Path(os.environ.get("ZARRTOOL", ROOT / "target" / "release" / "zarrtool"))
PLUGIN = Path(os.environ.get("ZARR_LIBDIR", ROOT / "target" / "release")) / "libzarr_netcdf.so"
sys.path.insert(0, str(ROOT / "tests" / "netcdf"))
sys.path.insert(0, str(ROOT / "tests" / "cloud"))


def zt(*args, check=True, env=None, **kw):
    p = subprocess.run([str(TOOL), *map(str, args)], capture_output=True, text=True, timeout=300, env=env, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"zarrtool {args} exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    return p


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """Stores written by zarr-python (v2 and v3) and tensorstore, with the
    numpy values they hold."""
    d = tmp_path_factory.mktemp("stores")
    rng = np.random.default_rng(7)
    want = {}
    # zarr-python v3: groups, attributes, NaN fill, sharding, crc32c.
    g = zarr.open_group(str(d / "py3.zarr"), mode="w", zarr_format=3)
    g.attrs.update({"title": "zarr-python v3", "levels": [1, 2, 3], "scale": 0.5, "names": ["a", "b"]})
    temp = (rng.standard_normal((5, 7)) * 100).astype("float32")
    temp[0, 0] = np.nan
    t = g.create_array("temp", shape=(5, 7), chunks=(2, 3), dtype="float32", fill_value=np.nan,
                       dimension_names=["y", "x"], compressors=[ZstdCodec(level=1)])
    t[...] = temp
    t.attrs["units"] = "K"
    want["py3", "temp"] = temp
    sub = g.create_group("sub")
    sub.attrs["comment"] = "a group"
    count = rng.integers(-1000, 1000, size=(5, 7), dtype="int32")
    c = sub.create_array("count", shape=(5, 7), chunks=(2, 3), shards=(4, 6), dtype="int32", fill_value=-1,
                         dimension_names=["y", "x"], compressors=[ZstdCodec(level=1)])
    c[...] = count
    want["py3", "sub/count"] = count
    lev = np.linspace(-1, 1, 7)
    lv = g.create_array("level", shape=(7,), chunks=(3,), dtype="float64", fill_value=0.0,
                        dimension_names=["x"], compressors=None, serializer="auto",
                        filters=None)
    lv[...] = lev
    want["py3", "level"] = lev
    crc = rng.integers(0, 2**16, size=(6, 6), dtype="uint16")
    k = g.create_array("checked", shape=(6, 6), chunks=(3, 3), dtype="uint16",
                       compressors=[Crc32cCodec()], dimension_names=["a", "b"])
    k[...] = crc
    want["py3", "checked"] = crc
    # zarr-python v2: zlib, big-endian, order F, "/" separator, _ARRAY_DIMENSIONS.
    g2 = zarr.open_group(str(d / "py2.zarr"), mode="w", zarr_format=2)
    g2.attrs["source"] = "zarr-python v2"
    v2 = (rng.standard_normal((6, 10)) * 10).astype(">f8")
    a = g2.create_array("field", shape=(6, 10), chunks=(4, 4), dtype=">f8", order="F",
                        compressors=[numcodecs.Zlib(level=3)], chunk_key_encoding={"name": "v2", "separator": "/"})
    a[...] = v2
    a.attrs["_ARRAY_DIMENSIONS"] = ["row", "col"]
    want["py2", "field"] = v2
    i8 = rng.integers(-100, 100, size=(9,), dtype="int8")
    b = g2.create_array("small", shape=(9,), chunks=(4,), dtype="i1", fill_value=0,
                        compressors=[numcodecs.Blosc(cname="lz4", clevel=5)])
    b[...] = i8
    want["py2", "small"] = i8
    # tensorstore: a sharded v3 array and a zarr v2 array, each a store of its own.
    tsv = rng.integers(0, 10**6, size=(8, 12), dtype="int64")
    arr = ts.open({
        "driver": "zarr3", "kvstore": {"driver": "file", "path": str(d / "ts3.zarr")}, "create": True,
        "metadata": {"shape": [8, 12], "data_type": "int64", "dimension_names": ["t", "s"],
                     "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [4, 6]}},
                     "codecs": [{"name": "sharding_indexed", "configuration": {
                         "chunk_shape": [2, 3],
                         "codecs": [{"name": "bytes", "configuration": {"endian": "little"}},
                                    {"name": "zstd", "configuration": {"level": 2}}],
                         "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}},
                                          {"name": "crc32c"}]}}]},
    }).result()
    arr[...] = tsv
    want["ts3", ""] = tsv
    ts2v = rng.standard_normal((7, 5)).astype("<f4")
    arr2 = ts.open({
        "driver": "zarr", "kvstore": {"driver": "file", "path": str(d / "ts2.zarr")}, "create": True,
        "metadata": {"shape": [7, 5], "chunks": [3, 2], "dtype": "<f4",
                     "compressor": {"id": "zstd", "level": 3}},
    }).result()
    arr2[...] = ts2v
    want["ts2", ""] = ts2v
    # A tensorstore array inside a group (netCDF sees groups, not a root array).
    zarr.open_group(str(d / "tsg.zarr"), mode="w", zarr_format=3).attrs["made_by"] = "tensorstore"
    arr3 = ts.open({
        "driver": "zarr3", "kvstore": {"driver": "file", "path": str(d / "tsg.zarr" / "v")}, "create": True,
        "metadata": {"shape": [6, 4], "data_type": "float64", "dimension_names": ["t", "s"],
                     "fill_value": -9.5,
                     "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [4, 3]}}},
    }).result()
    tsg = rng.standard_normal((6, 4))
    tsg[1, 1] = -9.5
    arr3[...] = tsg
    want["tsg", "v"] = tsg
    return d, want


def url(stores, name):
    return str(stores[0] / f"{name}.zarr")


ALL = [("py3", "temp"), ("py3", "sub/count"), ("py3", "level"), ("py3", "checked"),
       ("py2", "field"), ("py2", "small"), ("ts3", ""), ("ts2", ""), ("tsg", "v")]


def py_array(stores, store, path):
    root = zarr.open(url(stores, store), mode="r")
    return root if path == "" else root[path]


# ---------------------------------------------------------------- ls / info


def parse_ls(text):
    out = {}
    for line in text.splitlines():
        parts = line.split()
        fields = dict(p.split("=", 1) for p in parts[3 if parts[1] == "array" else 3:] if "=" in p)
        fields["kind"] = parts[1]
        fields["format"] = parts[2]
        if parts[1] == "array":
            fields["dtype"] = parts[3]
        out[parts[0]] = fields
    return out


def stored_files(store_dir: Path, array_path: str):
    """Chunk files of an array on disk (metadata documents left out), found by
    walking the directory: (count, bytes)."""
    base = store_dir / array_path if array_path else store_dir
    n = size = 0
    for dirpath, dirnames, files in os.walk(base):
        rel = Path(dirpath).relative_to(base)
        # Below the array, a directory with its own metadata is another node.
        if rel != Path(".") and any((Path(dirpath) / m).exists() for m in ("zarr.json", ".zarray", ".zgroup")):
            dirnames[:] = []
            continue
        for f in files:
            if f in ("zarr.json", ".zarray", ".zattrs", ".zgroup", ".zmetadata"):
                continue
            n += 1
            size += (Path(dirpath) / f).stat().st_size
    return n, size


@pytest.mark.parametrize("store,path", ALL)
def test_ls_describes_each_array(stores, store, path):
    p = zt("ls", url(stores, store), path)
    line = parse_ls(p.stdout)["/"]
    a = py_array(stores, store, path)
    assert line["kind"] == "array"
    assert line["format"] == f"v{a.metadata.zarr_format}"
    assert line["shape"] == "x".join(map(str, a.shape))
    assert line["dtype"] == {"int8": "int8", ">f8": "float64"}.get(str(a.dtype), np.dtype(a.dtype).name)
    chunks = a.chunks
    shards = a.shards
    assert line["chunks"] == "x".join(map(str, chunks))
    assert line["shards"] == ("-" if shards is None else "x".join(map(str, shards)))
    n, size = stored_files(stores[0] / f"{store}.zarr", path)
    grid = int(np.prod([-(-s // c) for s, c in zip(a.shape, shards or chunks)]))
    assert line["nchunks"] == f"{n}/{grid}"
    assert int(line["stored"]) == size
    assert int(line["logical"]) == a.nbytes
    dims = a.metadata.dimension_names if a.metadata.zarr_format == 3 else a.attrs.get("_ARRAY_DIMENSIONS")
    assert line["dims"] == (",".join(dims) if dims else "-")


def test_ls_recursive_tree_and_groups(stores):
    tree = parse_ls(zt("ls", "-r", url(stores, "py3")).stdout)
    g = zarr.open_group(url(stores, "py3"), mode="r")
    expected = {"/"} | {"/" + name for name, _ in g.members(max_depth=None)}
    assert set(tree) == expected
    assert tree["/sub"]["kind"] == "group" and tree["/sub/count"]["kind"] == "array"
    # Without -r: the node and its direct members only.
    top = parse_ls(zt("ls", url(stores, "py3")).stdout)
    assert set(top) == {"/"} | {"/" + n for n in g.keys()}
    assert tree["/"]["attrs"] == str(len(g.attrs))
    # A URL pointing at a node directly, and a URL and a path, agree.
    direct = parse_ls(zt("ls", str(stores[0] / "py3.zarr" / "sub")).stdout)
    via_path = parse_ls(zt("ls", url(stores, "py3"), "sub").stdout)
    assert direct == via_path and set(direct) == {"/", "/count"}


def test_ls_of_a_store_without_root_metadata(stores, tmp_path):
    # Arrays in a plain directory (no root group document).
    base = tmp_path / "loose"
    zarr.create_array(str(base / "one"), shape=(4,), chunks=(2,), dtype="i4", zarr_format=2)[...] = [1, 2, 3, 4]
    zarr.create_array(str(base / "two"), shape=(3,), chunks=(3,), dtype="f8")[...] = [1.5, 2.5, 3.5]
    (base / "not-a-node").mkdir()
    tree = parse_ls(zt("ls", base).stdout)
    assert set(tree) == {"/", "/one", "/two"}
    assert tree["/one"]["format"] == "v2" and tree["/two"]["format"] == "v3"
    assert zt("get", base, "two").stdout.split() == ["1.5", "2.5", "3.5"]


@pytest.mark.parametrize("store,path", [("py3", ""), ("py3", "temp"), ("py2", "field"), ("py2", ""), ("ts3", "")])
def test_info_json_is_the_stored_document(stores, store, path):
    info = json.loads(zt("info", "--json", url(stores, store), path).stdout)
    node_dir = stores[0] / f"{store}.zarr" / path
    node = zarr.open(url(stores, store), mode="r")
    node = node if path == "" else node[path]
    if (node_dir / "zarr.json").exists():
        assert info["metadata"] == json.loads((node_dir / "zarr.json").read_text())
    else:
        doc = ".zarray" if (node_dir / ".zarray").exists() else ".zgroup"
        assert info["metadata"] == json.loads((node_dir / doc).read_text())
    assert info["attributes"] == dict(node.attrs)
    assert info["node_type"] == ("array" if isinstance(node, zarr.Array) else "group")
    assert info["zarr_format"] == node.metadata.zarr_format
    # The human form shows the same document and every attribute.
    text = zt("info", url(stores, store), path).stdout
    for k in node.attrs:
        assert f"  {k} = " in text


# ---------------------------------------------------------------- get


def parse_text(lines, dtype):
    vals = [v for v in lines.split()]
    if np.dtype(dtype).kind == "f":
        return np.array([float(v) for v in vals], dtype=dtype)
    return np.array([int(v) for v in vals], dtype=dtype)


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    if a.dtype.kind == "f":
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
        np.testing.assert_array_equal(a[~np.isnan(a)], b[~np.isnan(b)])
    else:
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("store,path", ALL)
def test_get_text_and_npy_equal_the_writers_values(stores, store, path, tmp_path):
    want = stores[1][store, path]
    # Read back through the other implementation too: zarr-python and tensorstore agree.
    same(py_array(stores, store, path)[...], want)
    got = parse_text(zt("get", url(stores, store), path).stdout, want.dtype.newbyteorder("="))
    same(got, want.ravel())
    zt("get", url(stores, store), path, "--output", "npy", "-o", tmp_path / "a.npy")
    same(np.load(tmp_path / "a.npy"), want)
    raw = subprocess.run([str(TOOL), "get", url(stores, store), path, "--output", "raw"], capture_output=True).stdout
    same(np.frombuffer(raw, dtype=want.dtype.newbyteorder("=")).reshape(want.shape), want)


@pytest.mark.parametrize("spec,index", [
    ("1:4,::3", np.s_[1:4, ::3]),
    ("-2:,2", np.s_[-2:, 2]),
    ("::2", np.s_[::2]),
    ("3,-1", np.s_[3, -1]),
    ("0:100,5:1", np.s_[0:100, 5:1]),
])
def test_get_slices_as_numpy(stores, tmp_path, spec, index):
    want = stores[1]["py3", "temp"][index]
    zt("get", url(stores, "py3"), "temp", "--slice", spec, "--output", "npy", "-o", tmp_path / "s.npy")
    same(np.load(tmp_path / "s.npy"), want)
    got = parse_text(zt("get", url(stores, "py3"), "temp", "--slice", spec).stdout, "float32")
    same(got, np.asarray(want).ravel())


def test_get_csv_rows(stores):
    want = stores[1]["py2", "field"]
    rows = zt("get", url(stores, "py2"), "field", "--output", "csv").stdout.splitlines()
    same(np.array([[float(v) for v in r.split(",")] for r in rows]), want.astype("f8"))
    one_d = zt("get", url(stores, "py2"), "small", "--output", "csv").stdout.splitlines()
    assert [int(v) for v in one_d] == list(stores[1]["py2", "small"])


# ---------------------------------------------------------------- dump vs ncdump


def have_ncdump():
    return PLUGIN.exists() and subprocess.run(["which", "ncdump"], capture_output=True).returncode == 0


def ncdump_of(path, *args):
    from nchelp import ncdump, udf_url
    return ncdump(udf_url(path), *args).stdout


def header(text):
    """The CDL lines before data:, the dataset name line left out, blank lines dropped."""
    lines = text.split("\ndata:")[0].splitlines()
    return [line for line in lines[1:] if line.strip()]


def header_all(text):
    """Every header line of every group (the data sections left out)."""
    out, skip = [], False
    for line in text.splitlines()[1:]:
        s = line.strip()
        if s == "data:":
            skip = True
            continue
        if s.startswith("group:") or s.startswith("} // group"):
            skip = False
        if not skip and s:
            out.append(s)
    return out


@pytest.mark.parametrize("store", ["py3", "py2", "tsg"])
def test_dump_matches_ncdump_through_the_plugin(stores, store):
    assert have_ncdump(), "the netCDF plugin (make netcdf) and ncdump are needed"
    from nchelp import cdl_data
    path = stores[0] / f"{store}.zarr"
    nc = ncdump_of(path)
    ours = zt("dump", f"file://{path}").stdout
    assert ours.splitlines()[0] == nc.splitlines()[0]  # "netcdf <name> {"
    assert header_all(ours) == header_all(nc)
    want, got = cdl_data(nc), cdl_data(ours)
    assert set(got) == set(want) and want
    for var in want:
        assert len(got[var]) == len(want[var]), var
        for g, w in zip(got[var], want[var]):
            if w is None or g is None:
                assert g is None and w is None, var  # the fill mark "_"
            elif isinstance(w, float) and np.isnan(w):
                assert np.isnan(g)
            else:
                assert np.float32(g) == np.float32(w) if isinstance(w, float) else g == w, (var, g, w)
    # -h: the header alone, the same as ncdump -h.
    head = zt("dump", "-h", path).stdout
    assert "data:" not in head and header_all(head) == header_all(ncdump_of(path, "-h"))


def test_dump_of_an_array_url(stores):
    """The plugin shows nothing for a store whose root is an array; zarrtool
    dumps it as one variable named after the store."""
    from nchelp import cdl_data
    out = zt("dump", url(stores, "ts3")).stdout
    assert "int64 ts3(t, s) ;" in out
    assert cdl_data(out)["ts3"] == [int(v) for v in stores[1]["ts3", ""].ravel()]


def test_dump_variables_and_slice(stores):
    from nchelp import cdl_data
    path = stores[0] / "py3.zarr"
    out = zt("dump", path, "-v", "temp,sub/count").stdout
    data = cdl_data(out)
    assert set(data) == {"temp", "sub/count"}
    nc = cdl_data(ncdump_of(path, "-v", "temp,count"))
    assert data["sub/count"] == nc["sub/count"]
    sliced = cdl_data(zt("dump", path, "-v", "count", "--slice", "1:3,::2").stdout)
    assert sliced["sub/count"] == [int(v) for v in stores[1]["py3", "sub/count"][1:3, ::2].ravel()]
    bad = zt("dump", path, "-v", "nosuch", check=False)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "nosuch" in bad.stderr


# ---------------------------------------------------------------- cp


def test_cp_v2_to_v3_rechunk_recompress(stores, tmp_path):
    dst = tmp_path / "conv.zarr"
    codecs = json.dumps([{"name": "gzip", "configuration": {"level": 6}}])
    zt("cp", url(stores, "py2"), dst, "--zarr-format", "3", "--chunks", "3,5", "--codecs", codecs)
    g = zarr.open_group(str(dst), mode="r")
    assert g.metadata.zarr_format == 3 and g.attrs["source"] == "zarr-python v2"
    f = g["field"]
    assert f.chunks == (3, 5) and isinstance(f.compressors[0], GzipCodec) and f.compressors[0].level == 6
    assert f.metadata.dimension_names == ("row", "col") and "_ARRAY_DIMENSIONS" not in f.attrs
    same(f[...], stores[1]["py2", "field"])
    s = g["small"]
    assert s.chunks == (4,)  # a 1-D array keeps its chunks when --chunks has 2 dimensions
    same(s[...], stores[1]["py2", "small"])


def test_cp_v2_to_v3_keeps_the_codecs(stores, tmp_path):
    """No codec options: the v2 compressors (zlib, blosc) and the big-endian
    byte order carry over as v3 codecs; F order becomes a transpose."""
    dst = tmp_path / "keep.zarr"
    zt("cp", url(stores, "py2"), dst, "--zarr-format", "3")
    g = zarr.open_group(str(dst), mode="r")
    names = [type(c).__name__ for c in g["field"].metadata.codecs]
    assert "Zlib" in "".join(names) and "TransposeCodec" in names, names
    assert g["field"].metadata.codecs[1].endian.value == "big"
    assert "Blosc" in "".join(type(c).__name__ for c in g["small"].metadata.codecs)
    same(g["field"][...], stores[1]["py2", "field"])
    same(g["small"][...], stores[1]["py2", "small"])
    # And tensorstore reads the converted array.
    t = ts.open({"driver": "zarr3", "kvstore": {"driver": "file", "path": str(dst / "small")}}).result()
    same(t.read().result(), stores[1]["py2", "small"])


def test_cp_v3_to_v2_unshards_and_keeps_fill(stores, tmp_path):
    dst = tmp_path / "back.zarr"
    zt("cp", url(stores, "py3"), dst, "--zarr-format", "2")
    g = zarr.open_group(str(dst), mode="r")
    assert g.metadata.zarr_format == 2
    c = g["sub/count"]
    assert c.chunks == (2, 3) and c.shards is None and c.fill_value == -1
    same(c[...], stores[1]["py3", "sub/count"])
    t = g["temp"]
    assert np.isnan(t.fill_value) and t.attrs["_ARRAY_DIMENSIONS"] == ["y", "x"] and t.attrs["units"] == "K"
    same(t[...], stores[1]["py3", "temp"])


def test_cp_to_sharded_read_by_tensorstore(stores, tmp_path):
    dst = tmp_path / "sh.zarr"
    zt("cp", url(stores, "ts2"), dst, "--zarr-format", "3", "--chunks", "2,2", "--shards", "4,4")
    a = zarr.open_array(str(dst), mode="r")
    assert a.shards == (4, 4) and a.chunks == (2, 2)
    t = ts.open({"driver": "zarr3", "kvstore": {"driver": "file", "path": str(dst)}}).result()
    same(t.read().result(), stores[1]["ts2", ""])
    same(a[...], stores[1]["ts2", ""])


def test_cp_refuses_an_existing_destination(stores, tmp_path):
    dst = tmp_path / "x.zarr"
    zt("cp", url(stores, "ts3"), dst)
    same(zarr.open_array(str(dst), mode="r")[...], stores[1]["ts3", ""])
    again = zt("cp", url(stores, "ts3"), dst, check=False)
    assert again.returncode == 1 and "--resume" in again.stderr and again.stderr.count("\n") == 1


# ---- S3 (moto), both ways


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    import servers
    m = servers.Moto(tmp_path_factory.mktemp("moto"))
    yield m
    m.close()


def s3_env(moto):
    env = dict(os.environ)
    env.update({"AWS_ACCESS_KEY_ID": "AKIAZARRTOOLTEST", "AWS_SECRET_ACCESS_KEY": "zarrtool-secret",
                "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": moto.endpoint})
    return env


def zarr_python_s3(moto, bucket, prefix):
    import zarr.storage
    from obstore.store import S3Store
    s = S3Store(bucket, prefix=prefix, endpoint=moto.endpoint, access_key_id="AKIAZARRTOOLTEST",
                secret_access_key="zarrtool-secret", region="us-east-1", client_options={"allow_http": True})
    return zarr.storage.ObjectStore(s, read_only=True)


def test_cp_file_to_s3_and_back(stores, moto, tmp_path):
    bucket = f"zt-{uuid.uuid4().hex[:10]}"
    moto.client().create_bucket(Bucket=bucket)
    env = s3_env(moto)
    zt("cp", url(stores, "py3"), f"s3://{bucket}/copy.zarr", env=env)
    g = zarr.open_group(store=zarr_python_s3(moto, bucket, "copy.zarr"), mode="r")
    for path in ("temp", "sub/count", "level", "checked"):
        same(g[path][...], stores[1]["py3", path])
    assert g["sub/count"].shards == (4, 6)
    # ls on S3 counts the same stored chunks as on disk.
    tree = parse_ls(zt("ls", "-r", f"s3://{bucket}/copy.zarr", env=env).stdout)
    assert tree["/temp"]["nchunks"] == parse_ls(zt("ls", url(stores, "py3"), "temp").stdout)["/"]["nchunks"]
    # Stored bytes are the objects' sizes, as S3 lists them.
    listed = moto.client().list_objects_v2(Bucket=bucket, Prefix="copy.zarr/temp/c/")["Contents"]
    assert int(tree["/temp"]["stored"]) == sum(o["Size"] for o in listed)
    assert tree["/temp"]["nchunks"].split("/")[0] == str(len(listed))
    # And back from S3 to a directory, converted to v2.
    back = tmp_path / "from-s3.zarr"
    zt("cp", f"s3://{bucket}/copy.zarr", back, "--zarr-format", "2", env=env)
    b = zarr.open_group(str(back), mode="r")
    assert b.metadata.zarr_format == 2
    for path in ("temp", "sub/count", "level", "checked"):
        same(b[path][...], stores[1]["py3", path])
    # The endpoint can also come from --options.
    env2 = dict(env)
    del env2["AWS_ENDPOINT_URL"]
    opts = json.dumps({"endpoint": moto.endpoint})
    got = parse_text(zt("--options", opts, "get", f"s3://{bucket}/copy.zarr", "level", env=env2).stdout, "f8")
    same(got, stores[1]["py3", "level"])


# ---- progress


def big_source(tmp_path, rows=64, cols=4096, chunks=(4, 64)):
    src = tmp_path / "big.zarr"
    a = zarr.create_array(str(src), shape=(rows, cols), chunks=chunks, dtype="float32",
                          compressors=[ZstdCodec(level=1)], dimension_names=["r", "c"])
    data = np.arange(rows * cols, dtype="float32").reshape(rows, cols)
    a[...] = data
    return src, data


def run_in_pty(args):
    """Run zarrtool with stderr (and stdout) on a pseudo-terminal; returns (status, output)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(str(TOOL), [str(TOOL), *map(str, args)])
    chunks = []
    while True:
        try:
            r, _, _ = select.select([fd], [], [], 60)
            if not r:
                break
            b = os.read(fd, 65536)
        except OSError:
            break
        if not b:
            break
        chunks.append(b)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode("utf-8", "replace")


def test_progress_bar_on_a_terminal_only(tmp_path):
    src, data = big_source(tmp_path, rows=16, cols=256)
    code, out = run_in_pty(["cp", src, tmp_path / "tty.zarr", "--jobs", "1"])
    assert code == 0
    n = (16 // 4) * (256 // 64)
    assert f"{n}/{n} chunks" in out and "ETA" in out and "KiB" in out
    same(zarr.open_array(str(tmp_path / "tty.zarr"), mode="r")[...], data)
    # Not a terminal: nothing on stderr.
    p = zt("cp", src, tmp_path / "pipe.zarr")
    assert p.stderr == "" and p.stdout == ""
    # --quiet on a terminal: no bar either.
    code, out = run_in_pty(["cp", "-q", src, tmp_path / "quiet.zarr"])
    assert code == 0 and "chunks" not in out


# ---- resume


def chunk_files(d: Path):
    # A write killed mid-way may leave its temporary file (never a torn chunk): not a chunk.
    return {p.relative_to(d).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in d.rglob("*") if p.is_file() and p.name != "zarr.json" and not p.name.startswith(".zarr-tmp.")}


def test_resume_after_a_killed_copy(tmp_path):
    rows, cols = 160, 2048
    src, data = big_source(tmp_path, rows=rows, cols=cols)
    dst = tmp_path / "dst.zarr"
    proc = subprocess.Popen([str(TOOL), "cp", src, dst, "--jobs", "1"], stderr=subprocess.PIPE)
    # Kill it once some chunk rows are written (chunks are written in C order with one job).
    deadline = time.monotonic() + 120
    while not (dst / "c" / "4").is_dir():
        assert proc.poll() is None, "the copy ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    before = chunk_files(dst)
    total = (rows // 4) * (cols // 64)
    assert 0 < len(before) < total, len(before)
    # Every chunk left behind is whole (atomic writes): zarr-python reads what is there.
    part = zarr.open_array(str(dst), mode="r")[...]
    written = np.zeros(part.shape, bool)
    for key in before:
        _, i, j = key.split("/")
        written[int(i) * 4:(int(i) + 1) * 4, int(j) * 64:(int(j) + 1) * 64] = True
    same(part[written], data[written])
    # Without --resume the destination is refused.
    assert zt("cp", src, dst, check=False).returncode == 1
    # One kept chunk made different: resume must rewrite it (values decide, not presence).
    victim = sorted(before)[0]
    _, vi, vj = victim.split("/")
    a = zarr.open_array(str(dst), mode="r+")
    a[int(vi) * 4, int(vj) * 64] = -1.0
    before = chunk_files(dst)
    code, out = run_in_pty(["cp", src, dst, "--resume", "--jobs", "2"])
    assert code == 0
    after = chunk_files(dst)
    same(zarr.open_array(str(dst), mode="r")[...], data)
    assert len(after) == total
    unchanged = [k for k in before if after[k] == before[k]]
    assert victim not in unchanged, "a differing chunk was kept"
    assert len(unchanged) == len(before) - 1, "chunks already written and equal were rewritten"
    assert f"{len(before) - 1} kept from before" in out


# ---------------------------------------------------------------- verify


def test_verify_finds_corrupted_chunks_by_key(stores, tmp_path):
    import shutil
    dst = tmp_path / "v.zarr"
    shutil.copytree(stores[0] / "py3.zarr", dst)
    ok = zt("verify", dst)
    assert ok.returncode == 0 and ok.stdout.strip().endswith(", 0 bad")
    # A crc32c-protected chunk with a flipped byte (its data, not the checksum).
    crc_chunk = dst / "checked" / "c" / "1" / "0"
    b = bytearray(crc_chunk.read_bytes())
    b[3] ^= 0xFF
    crc_chunk.write_bytes(bytes(b))
    # A zstd chunk with a damaged frame (its magic number).
    zstd_chunk = dst / "temp" / "c" / "2" / "1"
    b = bytearray(zstd_chunk.read_bytes())
    b[1] ^= 0xFF
    zstd_chunk.write_bytes(bytes(b))
    # The damage is real: zarr-python fails on both.
    with pytest.raises(Exception):
        zarr.open_array(str(dst / "checked"), mode="r")[3:, :3]
    with pytest.raises(Exception):
        zarr.open_array(str(dst / "temp"), mode="r")[4:, 3:6]
    p = zt("verify", dst, check=False)
    assert p.returncode == 3
    bad = re.findall(r"^bad chunk (\S+):", p.stdout, re.M)
    assert sorted(bad) == ["checked/c/1/0", "temp/c/2/1"]
    assert "2 bad" in p.stdout
    limited = zt("verify", dst, "--max-bad", "1", check=False)
    assert limited.returncode == 3 and len(re.findall(r"^bad chunk", limited.stdout, re.M)) == 1
    assert "1 more" in limited.stdout
    # One array alone.
    only = zt("verify", dst, "level", check=False)
    assert only.returncode == 0


# ---------------------------------------------------------------- small commands


def test_consolidate_rm_mv_attrs(stores, tmp_path):
    import shutil
    d = tmp_path / "ops.zarr"
    shutil.copytree(stores[0] / "py2.zarr", d)
    zt("consolidate", d)
    assert (d / ".zmetadata").exists()
    g = zarr.open_consolidated(str(d), zarr_format=2)
    assert set(g.keys()) == {"field", "small"}
    zt("attrs", "set", d, "field", "--json", '{"units": "m", "scale": 2.5}')
    zt("attrs", "set", d, "--json", '{"history": "edited"}')
    g = zarr.open_group(str(d), mode="r", use_consolidated=False)
    assert g["field"].attrs["units"] == "m" and g["field"].attrs["scale"] == 2.5
    assert g["field"].attrs["_ARRAY_DIMENSIONS"] == ["row", "col"]  # merged, not replaced
    assert dict(g.attrs) == {"source": "zarr-python v2", "history": "edited"}
    assert json.loads(zt("attrs", "get", d, "field", "--name", "units").stdout) == "m"
    assert json.loads(zt("attrs", "get", d).stdout) == dict(g.attrs)
    zt("attrs", "set", d, "small", "--json", '{"only": 1}', "--replace")
    assert dict(zarr.open_group(str(d), mode="r", use_consolidated=False)["small"].attrs) == {"only": 1}
    zt("mv", d, "field", "moved/field2")
    g = zarr.open_group(str(d), mode="r", use_consolidated=False)
    assert "field" not in g and g["moved/field2"].attrs["units"] == "m"
    same(g["moved/field2"][...], stores[1]["py2", "field"])
    zt("rm", d, "small")
    g = zarr.open_group(str(d), mode="r", use_consolidated=False)
    assert set(g.keys()) == {"moved"}
    assert not (d / "small").exists()
    gone = zt("rm", d, "small", check=False)
    assert gone.returncode == 1 and "small" in gone.stderr


# ---------------------------------------------------------------- errors and usage


@pytest.mark.parametrize("args,code,words", [
    (["ls", "nosuch://bucket/x"], 1, "nosuch"),
    (["ls", "/nonexistent/dir.zarr"], 1, "not found"),
    (["get", "{py3}", "nosuch"], 1, "nosuch"),
    (["get", "{py3}", "sub"], 1, "not an array"),
    (["get", "{py3}", "temp", "--slice", "1:2:0"], 2, "step"),
    (["get", "{py3}", "temp", "--slice", "9"], 2, "out of range"),
    (["get", "{py3}", "temp", "--slice", "1,2,3"], 2, "dimensions"),
    (["get", "{py3}", "temp", "--slice", "a:b"], 2, "not an integer"),
    (["cp", "{py3}", "/tmp/x", "--codecs", "[{"], 2, "codecs"),
    (["cp", "{py3}", "/tmp/x", "--zarr-format", "4"], 2, "4"),
    (["cp", "{py3}", "/tmp/x", "--zarr-format", "2", "--shards", "4,4"], 2, "v3"),
    (["--options", "{\"nope\": 1}", "ls", "{py3}"], 2, "nope"),
    (["frobnicate"], 2, "frobnicate"),
])
def test_errors_are_one_line_with_the_right_code(stores, args, code, words):
    args = [a.replace("{py3}", url(stores, "py3")) for a in args]
    p = zt(*args, check=False)
    assert p.returncode == code, (p.returncode, p.stderr)
    assert words.lower() in p.stderr.lower(), p.stderr
    if code == 1 or "--slice" in args or "--codecs" in args:
        assert p.stderr.count("\n") == 1 and p.stderr.startswith("zarrtool: "), p.stderr
    assert p.stdout == ""


SUBCOMMANDS = ["ls", "info", "dump", "get", "cp", "verify", "consolidate", "rm", "mv", "attrs", "attrs get", "attrs set"]


@pytest.mark.parametrize("sub", SUBCOMMANDS)
def test_help_for_every_subcommand(sub):
    p = zt(*sub.split(), "--help")
    assert p.stdout.startswith(("Usage:", "List", "One", "CDL", "Values", "Copy", "Read", "Write",
                                "Delete", "Move", "Print", "Set")) or "Usage: zarrtool" in p.stdout
    assert f"Usage: zarrtool {sub}" in p.stdout


def test_man_page_and_completions(tmp_path):
    zt("generate", tmp_path)
    man = (tmp_path / "man" / "zarrtool.1").read_text()
    assert ".TH zarrtool 1" in man and "verify" in man and "Exit codes" in man
    assert (tmp_path / "man" / "zarrtool-cp.1").exists()
    bash = (tmp_path / "completions" / "zarrtool.bash").read_text()
    assert "--zarr-format" in bash and "consolidate" in bash
    # bash accepts the completion script.
    assert subprocess.run(["bash", "-n", tmp_path / "completions" / "zarrtool.bash"]).returncode == 0
    assert (tmp_path / "completions" / "_zarrtool").exists()
    assert (tmp_path / "completions" / "zarrtool.fish").exists()


def test_cp_from_read_only_http(stores, tmp_path):
    """An HTTP server cannot list: a consolidated hierarchy copies from it."""
    import shutil
    import servers
    served = tmp_path / "www"
    shutil.copytree(stores[0] / "py3.zarr", served / "py3.zarr")
    zt("consolidate", served / "py3.zarr")
    http = servers.StaticHttp(served)
    try:
        src = f"{http.url}/py3.zarr"
        dst = tmp_path / "from-http.zarr"
        zt("cp", src, dst)
        g = zarr.open_group(str(dst), mode="r")
        for path in ("temp", "sub/count", "level", "checked"):
            same(g[path][...], stores[1]["py3", path])
        # The copy of a consolidated hierarchy is consolidated too.
        assert "consolidated_metadata" in json.loads((dst / "zarr.json").read_text())
        # Writing to HTTP is refused with the library's message.
        p = zt("attrs", "set", src, "--json", '{"x": 1}', check=False)
        assert p.returncode == 1 and p.stderr.count("\n") == 1
    finally:
        http.close()
