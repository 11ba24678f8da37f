"""B. The C API writes arrays, zarr-python reads them.

Arrays are created with zarr_array_create (codec lists) and
zarr_array_create_json (full v3 zarr.json / v2 .zarray documents), written
whole, partially and with strides; the expectation is the same sequence of
writes applied to a numpy array, and zarr-python must read exactly that.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import zarr

import libzarr
from helpers import SCALAR_DTYPES, assert_same, chunk_key, make_data, native, select

SHAPE = (9, 10)
CHUNKS = (4, 3)

# (start, count, stride) of the partial and strided writes
PARTIAL = ((2, 1), (5, 6), None)
STRIDED = ((1, 0), (3, 5), (3, 2))
STRIDED_3D = ((0, 1, 2), (3, 2, 2), (2, 3, 4))


def apply_writes(a: libzarr.Array, expected: np.ndarray, dtype, seed: int, whole=True):
    """Whole write, partial write, strided write; mirrored in numpy."""
    shape = expected.shape
    if whole:
        data = make_data(dtype, shape, seed=seed)
        a.write(data)
        expected[...] = data
    for i, (start, count, stride) in enumerate([PARTIAL, STRIDED] if len(shape) == 2 else [STRIDED_3D]):
        data = make_data(dtype, count, seed=seed + 1 + i)
        a.write(data, start, stride)
        select(expected, start, count, stride)[...] = data
    return expected


def zp_open(store, path="arr"):
    return zarr.open_array(str(store / path), mode="r")


# v3 codec lists for zarr_array_create (None = the library default: zstd)
def blosc(dtype, shuffle="shuffle", cname="lz4"):
    return {
        "name": "blosc",
        "configuration": {
            "cname": cname,
            "clevel": 5,
            "shuffle": shuffle,
            "typesize": np.dtype(dtype).itemsize,
            "blocksize": 0,
        },
    }


ZSTD = {"name": "zstd", "configuration": {"level": 3, "checksum": False}}
GZIP = {"name": "gzip", "configuration": {"level": 5}}
CRC32C = {"name": "crc32c"}

CODEC_LISTS = {
    "default": (lambda dt: None, {2, 3}),
    "none": (lambda dt: "[]", {2, 3}),
    "zstd": (lambda dt: [ZSTD], {2, 3}),
    "blosc": (lambda dt: [blosc(dt)], {2, 3}),
    "blosc-bitshuffle-zstd": (lambda dt: [blosc(dt, "bitshuffle", "zstd")], {2, 3}),
    "gzip": (lambda dt: [GZIP], {2, 3}),
    "crc32c+zstd": (lambda dt: [ZSTD, CRC32C], {3}),
    "bytes-big+gzip": (lambda dt: [{"name": "bytes", "configuration": {"endian": "big"}}, GZIP], {3}),
    "transpose+bytes": (
        lambda dt: [
            {"name": "transpose", "configuration": {"order": [1, 0]}},
            {"name": "bytes", "configuration": {"endian": "little"}},
        ],
        {3},
    ),
}


def check_codecs_in_metadata(store, zarr_format, codec_name):
    """The stored metadata names the codecs that were asked for."""
    if zarr_format == 2:
        meta = json.loads((store / "arr" / ".zarray").read_text())
        comp = meta["compressor"]
        if codec_name == "none":
            assert comp is None
        elif codec_name == "default":
            assert comp["id"] == "zstd"
        else:
            assert comp["id"] == codec_name.split("-")[0]
    else:
        meta = json.loads((store / "arr" / "zarr.json").read_text())
        names = [c["name"] for c in meta["codecs"]]
        assert "bytes" in names
        if codec_name == "none":
            assert names == ["bytes"]
        elif codec_name == "default":
            assert names == ["bytes", "zstd"]
        else:
            for part in codec_name.split("+"):
                assert part.split("-")[0] in names, (part, names)


@pytest.mark.parametrize("dtype", SCALAR_DTYPES)
@pytest.mark.parametrize(
    "zarr_format,codecs", [(f, name) for f in (2, 3) for name, (_, fmts) in CODEC_LISTS.items() if f in fmts]
)
def test_create_write_zarr_python_reads(tmp_path, handles, zarr_format, codecs, dtype):
    make_codecs = CODEC_LISTS[codecs][0]
    store = tmp_path / "c.zarr"
    expected = np.zeros(SHAPE, dtype=dtype)
    with handles.open(store, libzarr.CREATE, zarr_format) as root:
        with root.create_array("arr", dtype, SHAPE, CHUNKS, codecs=make_codecs(dtype)) as a:
            assert a.shape == SHAPE and a.chunk_shape == CHUNKS
            assert a.dtype_code == libzarr.dtype_code(dtype)
            apply_writes(a, expected, dtype, seed=20)
            assert_same(a.read(), expected, "C read-back")
    check_codecs_in_metadata(store, zarr_format, codecs)
    z = zp_open(store)
    assert z.metadata.zarr_format == zarr_format
    assert z.shape == SHAPE and z.chunks == CHUNKS
    assert native(z.dtype) == np.dtype(dtype)
    assert_same(np.asarray(z[...]), expected, "zarr-python read")


@pytest.mark.parametrize("dtype", SCALAR_DTYPES)
@pytest.mark.parametrize("zarr_format", [2, 3])
def test_create_fill_value_and_missing_chunks(tmp_path, handles, zarr_format, dtype):
    store = tmp_path / "c.zarr"
    dt = np.dtype(dtype)
    fill = {
        "b": lambda: True,
        "i": lambda: np.iinfo(dt).min,
        "u": lambda: np.iinfo(dt).max,
        "f": lambda: np.nan,
    }[dt.kind]()
    expected = np.full(SHAPE, fill, dtype=dt)
    with handles.open(store, libzarr.CREATE, zarr_format) as root:
        with root.create_array("arr", dt, SHAPE, CHUNKS, fill_value=fill) as a:
            apply_writes(a, expected, dt, seed=30, whole=False)
    z = zp_open(store)
    assert_same(np.asarray(z.fill_value, dtype=dt), np.asarray(fill, dtype=dt), "zarr-python fill_value")
    assert_same(np.asarray(z[...]), expected, "zarr-python read")
    # untouched chunks really are missing: chunk (2, 3) lies outside every write
    assert not (store / "arr" / chunk_key(store / "arr", (2, 3))).exists()
    assert (store / "arr" / chunk_key(store / "arr", (0, 0))).is_file()


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_create_default_fill_is_zero(tmp_path, handles, zarr_format):
    store = tmp_path / "c.zarr"
    with handles.open(store, libzarr.CREATE, zarr_format) as root:
        with root.create_array("arr", "float64", SHAPE, CHUNKS) as a:
            a.write(np.ones((2, 2)), (0, 0))
    z = zp_open(store)
    expected = np.zeros(SHAPE)
    expected[:2, :2] = 1
    assert z.fill_value == 0
    assert_same(np.asarray(z[...]), expected)


@pytest.mark.parametrize(
    "dtype,mem_type",
    [("int16", libzarr.FLOAT64), ("uint8", libzarr.INT32), ("float32", libzarr.FLOAT64), ("int64", libzarr.INT8)],
)
@pytest.mark.parametrize("zarr_format", [2, 3])
def test_write_with_mem_type_conversion(tmp_path, handles, zarr_format, dtype, mem_type):
    """Values representable in both types: the expectation is numpy's astype."""
    store = tmp_path / "c.zarr"
    mem_dt = libzarr.CODE_TO_DTYPE[mem_type]
    rng = np.random.default_rng(40)
    lo = 0 if np.dtype(dtype).kind == "u" else -100
    data = rng.integers(lo, 100, size=SHAPE).astype(mem_dt)
    with handles.open(store, libzarr.CREATE, zarr_format) as root:
        with root.create_array("arr", dtype, SHAPE, CHUNKS) as a:
            a.write(data, mem_type=mem_type)
    assert_same(np.asarray(zp_open(store)[...]), data.astype(dtype))


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_create_0d(tmp_path, handles, zarr_format):
    store = tmp_path / "c.zarr"
    with handles.open(store, libzarr.CREATE, zarr_format) as root:
        with root.create_array("arr", "float64", (), (), fill_value=2.5) as a:
            assert a.ndim == 0
        with root.create_array("written", "int32", (), ()) as b:
            b.write(np.array(-17, dtype="int32"))
    assert_same(np.asarray(zp_open(store)[...]), np.array(2.5))
    assert_same(np.asarray(zp_open(store, "written")[...]), np.array(-17, dtype="int32"))


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_create_3d_strided(tmp_path, handles, zarr_format):
    shape, chunks = (7, 8, 9), (3, 3, 4)
    store = tmp_path / "c.zarr"
    expected = np.zeros(shape, dtype="int32")
    with handles.open(store, libzarr.CREATE, zarr_format) as root:
        with root.create_array("arr", "int32", shape, chunks) as a:
            apply_writes(a, expected, "int32", seed=50)
    assert_same(np.asarray(zp_open(store)[...]), expected)


# ------------------------------------------------ zarr_array_create_json


def v3_doc(dtype, codecs, fill=0, cke=None, shape=SHAPE, chunks=CHUNKS, **extra):
    doc = {
        "zarr_format": 3,
        "node_type": "array",
        "shape": list(shape),
        "data_type": dtype,
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(chunks)}},
        "chunk_key_encoding": cke or {"name": "default", "configuration": {"separator": "/"}},
        "fill_value": fill,
        "codecs": codecs,
    }
    doc.update(extra)
    return doc


def v2_doc(dtype, compressor=None, fill=0, order="C", filters=None, sep=None, shape=SHAPE, chunks=CHUNKS):
    doc = {
        "zarr_format": 2,
        "shape": list(shape),
        "chunks": list(chunks),
        "dtype": dtype,
        "compressor": compressor,
        "fill_value": fill,
        "order": order,
        "filters": filters,
    }
    if sep is not None:
        doc["dimension_separator"] = sep
    return doc


BYTES_LE = {"name": "bytes", "configuration": {"endian": "little"}}
BYTES_BE = {"name": "bytes", "configuration": {"endian": "big"}}

JSON_DOCS = {
    # v3
    "v3-int16-bytes": lambda: v3_doc("int16", [BYTES_LE]),
    "v3-uint32-big-gzip": lambda: v3_doc("uint32", [BYTES_BE, GZIP], fill=7),
    "v3-float64-transpose-blosc": lambda: v3_doc(
        "float64",
        [{"name": "transpose", "configuration": {"order": [1, 0]}}, BYTES_LE, blosc("float64", "bitshuffle", "zstd")],
        fill="NaN",
    ),
    "v3-float32-zstd-crc32c-dot": lambda: v3_doc(
        "float32", [BYTES_LE, ZSTD, CRC32C], fill="-Infinity",
        cke={"name": "default", "configuration": {"separator": "."}},
    ),
    "v3-int8-v2-keys": lambda: v3_doc(
        "int8", [BYTES_LE], fill=-3, cke={"name": "v2", "configuration": {"separator": "."}}
    ),
    "v3-uint64-v2-slash-keys": lambda: v3_doc(
        "uint64", [BYTES_BE, ZSTD], fill=18446744073709551615,
        cke={"name": "v2", "configuration": {"separator": "/"}},
    ),
    "v3-bool-attrs-dimnames": lambda: v3_doc(
        "bool", [BYTES_LE, GZIP], fill=True, attributes={"units": "m", "scale": [1.5, 2]},
        dimension_names=["y", "x"], storage_transformers=[],
    ),
    "v3-float16-hexfill": lambda: v3_doc("float16", [BYTES_LE], fill="0x3c00"),
    "v3-int64-crc32c-only": lambda: v3_doc("int64", [BYTES_BE, CRC32C], fill=-1),
    # v2
    "v2-<i2-C": lambda: v2_doc("<i2"),
    "v2->i2-F": lambda: v2_doc(">i2", order="F", fill=-2),
    "v2->f8-slash-blosc": lambda: v2_doc(
        ">f8", {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0}, fill="NaN", sep="/"
    ),
    "v2-<f4-F-zlib-inf": lambda: v2_doc("<f4", {"id": "zlib", "level": 4}, fill="Infinity", order="F"),
    "v2->u4-delta": lambda: v2_doc(">u4", None, filters=[{"id": "delta", "dtype": ">u4"}], fill=3),
    "v2-<i8-delta-astype-zstd-F-slash": lambda: v2_doc(
        "<i8", {"id": "zstd", "level": 2}, filters=[{"id": "delta", "dtype": "<i8", "astype": "<i8"}],
        order="F", sep="/",
    ),
    "v2-|u1-gzip-dot": lambda: v2_doc("|u1", {"id": "gzip", "level": 1}, sep=".", fill=255),
    "v2-|b1": lambda: v2_doc("|b1", fill=False),
    "v2->f4-null-fill": lambda: v2_doc(">f4", fill=None),
    "v2-<f2": lambda: v2_doc("<f2", {"id": "zstd", "level": 1}, fill="-Infinity"),
    "v2-<i4-attributes": lambda: {**v2_doc("<i4", fill=1), "attributes": {"long_name": "x", "v": [1.5]}},
}


def doc_numpy_dtype(doc):
    if doc["zarr_format"] == 2:
        return np.dtype(doc["dtype"])
    return np.dtype(doc["data_type"])


def doc_fill(doc, dt):
    """The fill value a document means, as a numpy scalar of dt."""
    f = doc["fill_value"]
    if f is None:
        return np.zeros((), dtype=dt)
    if isinstance(f, str) and f.startswith("0x"):
        ui = {2: np.uint16, 4: np.uint32, 8: np.uint64}[dt.itemsize]
        return np.array(int(f, 16), dtype=ui).view(native(dt)).astype(dt)
    if isinstance(f, str):
        return np.array(float({"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf"}[f]), dtype=dt)
    return np.array(f, dtype=dt)


@pytest.mark.parametrize("name", list(JSON_DOCS))
def test_create_json_zarr_python_reads(tmp_path, handles, name):
    doc = JSON_DOCS[name]()
    fmt = doc["zarr_format"]
    dt = doc_numpy_dtype(doc)
    store = tmp_path / "c.zarr"
    expected = np.full(SHAPE, doc_fill(doc, dt), dtype=dt)
    with handles.open(store, libzarr.CREATE, fmt) as root:
        with root.create_array_json("arr", json.dumps(doc)) as a:
            assert a.shape == SHAPE and a.chunk_shape == CHUNKS
            assert a.dtype_code == libzarr.dtype_code(dt)
            apply_writes(a, expected, dt, seed=60, whole=False)
            if "attributes" in doc:
                assert a.attrs == doc["attributes"]
    z = zp_open(store)
    if "attributes" in doc:
        assert dict(z.attrs) == doc["attributes"]
    assert z.metadata.zarr_format == fmt
    assert z.shape == SHAPE and z.chunks == CHUNKS
    if fmt == 2:
        assert z.dtype == dt  # byte order included
        assert z.metadata.order == doc["order"]
    else:
        assert native(z.dtype) == dt
        if "dimension_names" in doc:
            assert list(z.metadata.dimension_names) == doc["dimension_names"]
    if doc["fill_value"] is not None:  # zarr-python reports a v2 null fill as None
        assert_same(np.asarray(z.fill_value, dtype=dt), doc_fill(doc, dt), "zarr-python fill_value")
    assert_same(np.asarray(z[...]), expected, "zarr-python read")
    # ... and zarr-python and the C API agree on a fresh open
    with handles.open(store, libzarr.READ) as root:
        with root.open_array("arr") as a:
            assert_same(a.read(), expected, "C read after reopen")


def test_create_json_wrong_format_refused(tmp_path, handles):
    """A v2 document in a v3 hierarchy (and vice versa) is an error, and
    nothing that zarr-python could open is left behind."""
    for fmt, doc in [(3, v2_doc("<i4")), (2, v3_doc("int32", [BYTES_LE]))]:
        store = tmp_path / f"wrong{fmt}.zarr"
        with handles.open(store, libzarr.CREATE, fmt) as root:
            with pytest.raises(libzarr.ZarrError) as ei:
                root.create_array_json("arr", json.dumps(doc))
            assert ei.value.status < 0
        with pytest.raises(Exception):
            zarr.open_array(str(store / "arr"), mode="r")


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_c_api_rewrites_zarr_python_array(tmp_path, handles, zarr_format):
    """zarr-python creates, the C API (mode WRITE) updates, zarr-python reads."""
    store = tmp_path / "m.zarr"
    g = zarr.open_group(str(store), mode="w", zarr_format=zarr_format)
    z = g.create_array("arr", shape=SHAPE, chunks=CHUNKS, dtype="float32", fill_value=-1.0)
    expected = np.full(SHAPE, -1.0, dtype="float32")
    z[3:7, 2:9] = 5.0
    expected[3:7, 2:9] = 5.0
    with handles.open(store, libzarr.WRITE) as root:
        with root.open_array("arr") as a:
            apply_writes(a, expected, "float32", seed=70, whole=False)
    assert_same(np.asarray(zp_open(store)[...]), expected)


NUMCODECS_LISTS = {
    "zstd": [{"id": "zstd", "level": 2}],
    "blosc": [{"id": "blosc", "cname": "zstd", "clevel": 3, "shuffle": 2, "blocksize": 0}],
    "gzip": [{"id": "gzip", "level": 4}],
    "zlib": [{"id": "zlib", "level": 4}],
}


@pytest.mark.filterwarnings("ignore:Numcodecs codecs are not in the Zarr version 3")
@pytest.mark.parametrize("codec", list(NUMCODECS_LISTS))
@pytest.mark.parametrize("zarr_format", [2, 3])
def test_create_with_numcodecs_codec_objects(tmp_path, handles, zarr_format, codec):
    """zarr.h: codecs_json may hold numcodecs {"id":..} objects."""
    store = tmp_path / "c.zarr"
    expected = np.zeros(SHAPE, dtype="float32")
    with handles.open(store, libzarr.CREATE, zarr_format) as root:
        with root.create_array("arr", "float32", SHAPE, CHUNKS, codecs=NUMCODECS_LISTS[codec]) as a:
            apply_writes(a, expected, "float32", seed=80)
    if zarr_format == 2:
        meta = json.loads((store / "arr" / ".zarray").read_text())
        assert meta["compressor"]["id"] == codec
    assert_same(np.asarray(zp_open(store)[...]), expected, "zarr-python read")


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_write_out_of_range_writes_nothing(tmp_path, handles, zarr_format):
    """zarr.h: a value that does not fit the stored type is ZARR_ERANGE and
    nothing is written; zarr-python still sees the earlier contents."""
    store = tmp_path / "c.zarr"
    before = make_data("int16", SHAPE, seed=90)
    with handles.open(store, libzarr.CREATE, zarr_format) as root:
        with root.create_array("arr", "int16", SHAPE, CHUNKS) as a:
            a.write(before)
            bad = np.full(SHAPE, 7.0)
            bad[8, 9] = 40000.0  # does not fit int16, in the last chunk
            with pytest.raises(libzarr.ZarrError) as ei:
                a.write(bad, mem_type=libzarr.FLOAT64)
            assert ei.value.status == libzarr.ERANGE
    assert_same(np.asarray(zp_open(store)[...]), before)


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_0d_null_start_count(tmp_path, handles, zarr_format):
    """zarr.h: for a 0-d array start and count may be NULL."""
    import ctypes

    store = tmp_path / "c.zarr"
    with handles.open(store, libzarr.CREATE, zarr_format) as root:
        with root.create_array("arr", "float64", (), ()) as a:
            val = np.array(-6.5)
            libzarr.call("zarr_array_write", a.handle, None, None, None, libzarr.NATIVE,
                         val.ctypes.data_as(ctypes.c_void_p), val.nbytes)
            out = np.zeros(())
            libzarr.call("zarr_array_read", a.handle, None, None, None, libzarr.NATIVE,
                         out.ctypes.data_as(ctypes.c_void_p), out.nbytes)
            assert_same(out, val)
    assert_same(np.asarray(zp_open(store)[...]), np.array(-6.5))


@pytest.mark.parametrize("order", [[2, 0, 1], [1, 2, 0], [0, 2, 1]])
def test_create_json_transpose_3d(tmp_path, handles, order):
    """A non-involutive transpose: encode must apply the order, not its inverse."""
    shape, chunks = (5, 6, 7), (2, 4, 3)
    doc = v3_doc(
        "int32",
        [{"name": "transpose", "configuration": {"order": order}}, BYTES_BE, GZIP],
        fill=-9, shape=shape, chunks=chunks,
    )
    store = tmp_path / "c.zarr"
    expected = np.full(shape, -9, dtype="int32")
    with handles.open(store, libzarr.CREATE, 3) as root:
        with root.create_array_json("arr", json.dumps(doc)) as a:
            apply_writes(a, expected, "int32", seed=95)
    assert_same(np.asarray(zp_open(store)[...]), expected, "zarr-python read")
