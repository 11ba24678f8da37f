"""The Python half of the Java interop tests (Interop.java is the Java half).

    interop.py write DIR   zarr-python writes DIR/py-v3.zarr and DIR/py-v2.zarr for Java to read
    interop.py check DIR   zarr-python and the C API (ctypes, tests/interop/libzarr.py) read
                           DIR/java-v3.zarr and DIR/java-v2.zarr, written from Java

Values are the formulas of Expected.java, computed here with numpy; each
side compares with its own computation. Prints PASS/FAIL lines and
"N passed, N failed"; exits non-zero on failure.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import numpy as np
import zarr

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "interop"))
import libzarr  # noqa: E402  (the ctypes wrapper of the C API)

TYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
         "float32", "float64", "float16"]
SHAPE = (6, 10)
CHUNKS = (4, 3)


def expected(name: str, n: int = 60) -> np.ndarray:
    k = [int(i) for i in range(n)]
    f = {
        "bool": lambda i: i % 3 == 0,
        "int8": lambda i: (i * 37) % 256 - 128,
        "int16": lambda i: (i * 1237) % 65536 - 32768,
        "int32": lambda i: i * 100003 - 3000000,
        "int64": lambda i: (i - 30) * 3000000000123,
        "uint8": lambda i: (i * 37) % 256,
        "uint16": lambda i: (i * 1237) % 65536,
        "uint32": lambda i: (i * 71000003) % 2**32,
        "uint64": lambda i: i * 2**40 + 5,
        "float16": lambda i: i * 0.5 - 8,
        "float32": lambda i: i * 0.25 - 10.5,
        "float64": lambda i: i / 3.0,
    }[name]
    return np.array([f(i) for i in k], dtype=np.dtype(name))


def cell(t, i, j):
    return np.float32(t * 100 + i) + np.float32(j * 0.25)


def temp_expected() -> np.ndarray:
    want = np.full((4, 6, 5), -999, dtype=np.float32)
    for t in range(2):
        for i in range(6):
            for j in range(5):
                want[t, i, j] = cell(t, i, j)
    want[3, 0:6:2, 0:5:2] = -1.5
    return want


passed = failed = 0


def test(name, fn):
    global passed, failed
    try:
        fn()
        passed += 1
        print(f"PASS  {name}")
    except Exception:  # noqa: BLE001 - report every failure
        failed += 1
        print(f"FAIL  {name}")
        traceback.print_exc(file=sys.stdout)


def same(want: np.ndarray, got: np.ndarray, what: str):
    got = np.asarray(got)
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} != {want.dtype}"
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    assert np.array_equal(got, want), f"{what}: values differ\n{got}\n!=\n{want}"


def write(d: Path):
    for fmt in (3, 2):
        root = zarr.open_group(str(d / f"py-v{fmt}.zarr"), mode="w", zarr_format=fmt)
        root.attrs["writer"] = "zarr-python"
        types = root.create_group("types")
        for name in TYPES:
            kw = {"dimension_names": ("y", "x")} if fmt == 3 else {}
            a = types.create_array(name, shape=SHAPE, chunks=CHUNKS, dtype=name, fill_value=0, **kw)
            a[...] = expected(name).reshape(SHAPE)
            a.attrs["type"] = name
            if fmt == 2:
                a.attrs["_ARRAY_DIMENSIONS"] = ["y", "x"]
        kw = {"dimension_names": ("time", "lat", "lon")} if fmt == 3 else {}
        t = root.create_array("temp", shape=(4, 6, 5), chunks=(2, 3, 5), dtype="float32", fill_value=-999.0, **kw)
        if fmt == 2:
            t.attrs["_ARRAY_DIMENSIONS"] = ["time", "lat", "lon"]
        t[0:2] = temp_expected()[0:2]
        if fmt == 3:
            s = root.create_array("sharded", shape=(8, 12), chunks=(2, 3), shards=(4, 6), dtype="int32")
            s[...] = (np.arange(96, dtype=np.int64) * 7 - 300).astype(np.int32).reshape(8, 12)
    # An N5 container from tensorstore's n5 driver: N5 dimensions [5, 3]
    # (x, y) open in Java as shape [3, 5] (C order, reversed), so
    # java[y][x] = tensorstore[x, y] = x + 10 * y.
    import tensorstore as ts
    x, y = np.meshgrid(np.arange(5), np.arange(3), indexing="ij")
    meta = {"dimensions": [5, 3], "blockSize": [2, 2], "dataType": "int32", "axes": ["x", "y"],
            "compression": {"type": "zstd", "level": 3}}
    spec = {"driver": "n5", "kvstore": {"driver": "file", "path": str(d / "ts.n5" / "field")}}
    ts.open({**spec, "metadata": meta, "create": True, "delete_existing": True}).result()[...] = (
        x + 10 * y).astype("int32")
    print(f"wrote {d}/py-v3.zarr, py-v2.zarr and ts.n5")


def check(d: Path):
    for fmt in (3, 2):
        path = d / f"java-v{fmt}.zarr"
        g = zarr.open_group(str(path), mode="r")

        def root_attrs(g=g, fmt=fmt):
            assert g.metadata.zarr_format == fmt
            assert g.attrs["writer"] == "libzarr-java"

        test(f"Java v{fmt}: zarr-python sees the hierarchy", root_attrs)
        for name in TYPES:
            def zp(name=name, g=g, fmt=fmt):
                a = g[f"types/{name}"]
                same(expected(name).reshape(SHAPE), a[...], f"{name} via zarr-python")
                assert a.chunks == CHUNKS
                dims = a.metadata.dimension_names if fmt == 3 else tuple(a.attrs["_ARRAY_DIMENSIONS"])
                assert tuple(dims) == ("y", "x"), dims
                assert a.attrs["type"] == name and a.attrs["scale"] == 0.5 and a.attrs["tags"] == ["a", "b"]
                same(expected(name).reshape(SHAPE)[1::3, 2::3], a[1::3, 2::3], f"{name} strided")

            test(f"Java v{fmt} {name}: read exactly by zarr-python", zp)

            def capi(name=name, path=path):
                with libzarr.open(str(path), libzarr.READ) as root, root.open_array(f"types/{name}") as a:
                    same(expected(name).reshape(SHAPE), a.read(), f"{name} via the C API")
                    assert a.dimension_names == ["y", "x"]
                    assert a.attrs["type"] == name

            test(f"Java v{fmt} {name}: read exactly by the C API", capi)

        def temp(g=g, path=path):
            a = g["temp"]
            assert a.fill_value == np.float32(-999), a.fill_value
            same(temp_expected(), a[...], "temp via zarr-python")
            with libzarr.open(str(path), libzarr.READ) as root, root.open_array("temp") as c:
                same(temp_expected(), c.read(), "temp via the C API")

        test(f"Java v{fmt} temp: fill value, partial and strided writes", temp)

        if fmt == 3:
            def sharded(g=g, path=path):
                a = g["sharded"]
                assert a.shards == (4, 6) and a.chunks == (2, 3), (a.shards, a.chunks)
                want = (np.arange(96, dtype=np.int64) * 7 - 300).astype(np.int32).reshape(8, 12)
                same(want, a[...], "sharded via zarr-python")
                with libzarr.open(str(path), libzarr.READ) as root, root.open_array("sharded") as c:
                    same(want, c.read(), "sharded via the C API")

            test("Java v3 sharded array: read exactly by zarr-python and the C API", sharded)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "check"):
        print(__doc__)
        return 2
    d = Path(sys.argv[2])
    d.mkdir(parents=True, exist_ok=True)
    if sys.argv[1] == "write":
        write(d)
        return 0
    check(d)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
