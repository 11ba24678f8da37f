"""Shared helpers for the zarr-python <-> libzarr interop tests.

Expectations always come from numpy or zarr-python, never from libzarr.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import zarr

METADATA_FILES = {".zarray", ".zgroup", ".zattrs", ".zmetadata", "zarr.json"}

# Every data type, as numpy dtype strings. Multi-byte types also come big-endian
# (v2 '>' dtypes; v3 via the bytes codec's "endian": "big").
SCALAR_DTYPES = [
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
]
MULTIBYTE_DTYPES = [d for d in SCALAR_DTYPES if np.dtype(d).itemsize > 1]

# (dtype, endian) pairs for v3's bytes codec; single-byte types only "little".
V3_DTYPE_ENDIANS = [(d, "little") for d in SCALAR_DTYPES] + [(d, "big") for d in MULTIBYTE_DTYPES]

# v2 dtype strings as they appear in .zarray ("<i2", ">f8", "|u1", "|b1").
V2_DTYPES = [np.dtype(d).str for d in SCALAR_DTYPES] + [
    np.dtype(d).newbyteorder(">").str for d in MULTIBYTE_DTYPES
]


def native(dtype) -> np.dtype:
    return np.dtype(dtype).newbyteorder("=")


def make_data(dtype, shape, seed: int = 0) -> np.ndarray:
    """Deterministic data covering the type's range (floats include NaN,
    +-inf, -0.0, extremes and a subnormal). Returned in `dtype`'s byte order."""
    dt = np.dtype(dtype)
    nat = native(dt)
    rng = np.random.default_rng(seed)
    n = math.prod(shape)
    if dt.kind == "b":
        flat = rng.random(n) < 0.5
    elif dt.kind in "iu":
        info = np.iinfo(nat)
        flat = rng.integers(info.min, info.max, size=n, endpoint=True, dtype=nat)
        specials = [info.min, info.max, 0, 1]
        for i, v in enumerate(specials[: max(0, n - 1)]):
            flat[(i * 7 + 1) % n] = v
    elif dt.kind == "f":
        info = np.finfo(nat)
        flat = (rng.standard_normal(n) * 100).astype(nat)
        specials = [
            np.nan,
            np.inf,
            -np.inf,
            -0.0,
            info.max,
            info.min,
            info.smallest_subnormal,
            -info.tiny,
        ]
        if n >= 16:
            for i, v in enumerate(specials):
                flat[(i * 5 + 2) % n] = v
    else:
        raise ValueError(dt)
    return np.asarray(flat, dtype=nat).reshape(shape).astype(dt)


def assert_same(actual: np.ndarray, expected: np.ndarray, what: str = "") -> None:
    """Exact comparison: shape, value type, values (NaN == NaN), and the sign
    of zeros for floats. Byte order may differ (the C API returns native)."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    prefix = f"{what}: " if what else ""
    assert actual.shape == expected.shape, f"{prefix}shape {actual.shape} != {expected.shape}"
    assert native(actual.dtype) == native(expected.dtype), (
        f"{prefix}dtype {actual.dtype} != {expected.dtype}"
    )
    if expected.dtype.kind == "f":
        a = np.asarray(actual, dtype=np.float64)
        e = np.asarray(expected, dtype=np.float64)
        both_nan = np.isnan(a) & np.isnan(e)
        good = both_nan | ((a == e) & (np.signbit(a) == np.signbit(e)))
    else:
        good = np.asarray(actual == expected)
    if not np.all(good):
        bad = np.argwhere(~np.atleast_1d(good))
        if actual.ndim == 0:
            samples = [((), actual.item(), expected.item())]
        else:
            samples = [
                (tuple(int(x) for x in i), actual[tuple(i)].item(), expected[tuple(i)].item())
                for i in bad[:5]
            ]
        raise AssertionError(
            f"{prefix}arrays differ at {len(bad)} of {expected.size} positions; "
            f"first (index, got, expected): {samples}"
        )


def assert_bits_same(actual: np.ndarray, expected: np.ndarray, what: str = "") -> None:
    """Bit-exact comparison of float arrays (NaN payloads included)."""
    assert actual.shape == expected.shape
    ui = {2: np.uint16, 4: np.uint32, 8: np.uint64}[expected.dtype.itemsize]
    a = np.ascontiguousarray(actual, dtype=native(actual.dtype)).view(ui)
    e = np.ascontiguousarray(expected, dtype=native(expected.dtype)).view(ui)
    assert np.array_equal(a, e), f"{what}: bits differ: got {[hex(x) for x in a.ravel()[:4]]}, expected {[hex(x) for x in e.ravel()[:4]]}"


def selections(shape):
    """(start, count, stride) triples over `shape`: whole, interior box
    crossing chunk borders, strided, large strides, last element, unit
    stride given explicitly. stride None = NULL pointer."""
    n = len(shape)
    if n == 0:
        return [((), (), None), ((), (), ())]
    sels = [((0,) * n, tuple(shape), None)]
    start = tuple(s // 3 for s in shape)
    count = tuple(max(1, s - s // 3 - s // 4) for s in shape)
    sels.append((start, count, None))
    sels.append((start, count, (1,) * n))
    # stride 2 from 1, to the end
    st = tuple(1 if s > 1 else 0 for s in shape)
    sels.append((st, tuple(-(-(s - b) // 2) for s, b in zip(shape, st)), (2,) * n))
    # per-dimension strides 1, 2, 3, ...
    strides = tuple(d + 1 for d in range(n))
    sels.append(((0,) * n, tuple(-(-s // k) for s, k in zip(shape, strides)), strides))
    # large stride: first and last index only
    sels.append(
        (
            (0,) * n,
            tuple(2 if s > 1 else 1 for s in shape),
            tuple(max(1, s - 1) for s in shape),
        )
    )
    # a single element at the far corner
    sels.append((tuple(s - 1 for s in shape), (1,) * n, None))
    return sels


def select(arr: np.ndarray, start, count, stride) -> np.ndarray:
    """The numpy equivalent of a (start, count, stride) selection."""
    if arr.ndim == 0:
        return arr[()]
    stride = (1,) * arr.ndim if stride is None else stride
    idx = tuple(slice(b, b + (c - 1) * k + 1, k) for b, c, k in zip(start, count, stride))
    out = arr[idx]
    assert out.shape == tuple(count)
    return out


def chunk_files(root) -> dict:
    """{relative key: bytes} for every non-metadata file under `root`."""
    root = Path(root)
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            if f in METADATA_FILES:
                continue
            p = Path(dirpath) / f
            out[p.relative_to(root).as_posix()] = p.read_bytes()
    return out


def chunk_key(array_dir, index) -> str:
    """The store key of chunk `index`, as the array's stored metadata says
    (v2 dimension_separator, default "."; v3 chunk_key_encoding)."""
    array_dir = Path(array_dir)
    idx = [str(int(i)) for i in index]
    if (array_dir / ".zarray").is_file():
        meta = json.loads((array_dir / ".zarray").read_text())
        sep = meta.get("dimension_separator") or "."
        return sep.join(idx) if idx else "0"
    meta = json.loads((array_dir / "zarr.json").read_text())
    cke = meta["chunk_key_encoding"]
    sep = (cke.get("configuration") or {}).get("separator", "/" if cke["name"] == "default" else ".")
    if cke["name"] == "default":
        return sep.join(["c"] + idx)
    return sep.join(idx) if idx else "0"


def zp_read(path) -> np.ndarray:
    """What zarr-python reads for the whole array at `path`."""
    return np.asarray(zarr.open_array(str(path), mode="r")[...])
