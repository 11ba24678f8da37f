"""A. zarr-python writes, the C API reads.

Each test lets zarr-python create a hierarchy (root group + array "arr") in a
tmp_path store, then opens it through libzarr and compares whole and strided
reads with numpy / zarr-python exactly.
"""

from __future__ import annotations

import json

import numcodecs
import numpy as np
import pytest
import zarr
from zarr.codecs import (
    BloscCodec,
    BytesCodec,
    Crc32cCodec,
    GzipCodec,
    TransposeCodec,
    ZstdCodec,
)

import libzarr
from helpers import (
    V3_DTYPE_ENDIANS,
    V2_DTYPES,
    assert_bits_same,
    assert_same,
    make_data,
    native,
    select,
    selections,
)

SHAPE_2D = (7, 11)  # not a multiple of the chunk shape: edge chunks
CHUNKS_2D = (3, 4)
SHAPE_3D = (5, 6, 7)
CHUNKS_3D = (2, 4, 3)


def zp_array(store, zarr_format, shape, chunks, dtype, **kw):
    """zarr-python: a root group with one array "arr" at `store`."""
    g = zarr.open_group(str(store), mode="w", zarr_format=zarr_format)
    return g.create_array("arr", shape=shape, chunks=chunks, dtype=dtype, **kw)


def check_c_reads(handles, store, expected, chunks=None, what=""):
    """Open `store`/arr with libzarr and compare metadata and every selection."""
    root = handles.open(store, libzarr.READ)
    with root.open_array("arr") as a:
        assert a.ndim == expected.ndim
        assert a.shape == expected.shape
        if chunks is not None:
            assert a.chunk_shape == tuple(chunks)
        assert a.dtype_code == libzarr.dtype_code(expected.dtype)
        for start, count, stride in selections(expected.shape):
            got = a.read(start, count, stride)
            assert_same(
                got,
                select(expected, start, count, stride),
                f"{what} read start={start} count={count} stride={stride}",
            )


def write_and_expect(arr, data):
    """Write `data` with zarr-python; zarr-python's own read-back is the
    expectation (and must equal the data)."""
    arr[...] = data
    back = np.asarray(arr[...])
    assert_same(back, data, "zarr-python round trip")
    return back


# ------------------------------------------------------------------ v2


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", V2_DTYPES)
def test_v2_dtypes_and_order(tmp_path, handles, dtype, order):
    store = tmp_path / "v2.zarr"
    arr = zp_array(store, 2, SHAPE_3D, CHUNKS_3D, dtype, order=order)
    meta = json.loads((store / "arr" / ".zarray").read_text())
    assert meta["dtype"] == np.dtype(dtype).str and meta["order"] == order
    expected = write_and_expect(arr, make_data(dtype, SHAPE_3D, seed=1))
    check_c_reads(handles, store, expected, CHUNKS_3D)


@pytest.mark.parametrize("separator", [".", "/"])
@pytest.mark.parametrize("dtype", ["<i4", ">f8", "|u1"])
def test_v2_dimension_separator(tmp_path, handles, dtype, separator):
    store = tmp_path / "v2.zarr"
    arr = zp_array(
        store,
        2,
        SHAPE_3D,
        CHUNKS_3D,
        dtype,
        chunk_key_encoding={"name": "v2", "separator": separator},
    )
    expected = write_and_expect(arr, make_data(dtype, SHAPE_3D, seed=2))
    meta = json.loads((store / "arr" / ".zarray").read_text())
    assert meta.get("dimension_separator", ".") == separator
    # the store really uses the separator
    assert (store / "arr" / separator.join(["1", "1", "2"])).is_file()
    check_c_reads(handles, store, expected, CHUNKS_3D)


BLOSC_CNAMES = ["blosclz", "lz4", "lz4hc", "zlib", "zstd"]
V2_COMPRESSORS = {
    **{
        f"blosc-{c}-shuffle{s}": (lambda c=c, s=s: numcodecs.Blosc(cname=c, clevel=5, shuffle=s))
        for c in BLOSC_CNAMES
        for s in (0, 1, 2)
    },
    "zstd": lambda: numcodecs.Zstd(level=3),
    "zlib": lambda: numcodecs.Zlib(level=5),
    "gzip": lambda: numcodecs.GZip(level=5),
    "none": lambda: None,
}


@pytest.mark.parametrize("dtype", ["<i2", ">f8", "<u8", "|b1"])
@pytest.mark.parametrize("compressor", list(V2_COMPRESSORS))
def test_v2_compressors(tmp_path, handles, compressor, dtype):
    store = tmp_path / "v2.zarr"
    arr = zp_array(
        store, 2, SHAPE_2D, CHUNKS_2D, dtype, compressors=V2_COMPRESSORS[compressor]()
    )
    meta = json.loads((store / "arr" / ".zarray").read_text())
    if compressor == "none":
        assert meta["compressor"] is None
    else:
        assert meta["compressor"]["id"] == compressor.split("-")[0]
    expected = write_and_expect(arr, make_data(dtype, SHAPE_2D, seed=3))
    check_c_reads(handles, store, expected, CHUNKS_2D)


@pytest.mark.parametrize("compressor", ["none", "zlib", "blosc-lz4-shuffle1"])
@pytest.mark.parametrize("dtype", ["<i2", ">i4", "|u1", "<i8", "<f8", ">f4"])
def test_v2_delta_filter(tmp_path, handles, dtype, compressor):
    store = tmp_path / "v2.zarr"
    arr = zp_array(
        store,
        2,
        SHAPE_2D,
        CHUNKS_2D,
        dtype,
        filters=[numcodecs.Delta(dtype=dtype)],
        compressors=V2_COMPRESSORS[compressor](),
    )
    meta = json.loads((store / "arr" / ".zarray").read_text())
    assert meta["filters"][0]["id"] == "delta"
    data = make_data(dtype, SHAPE_2D, seed=4)
    if np.dtype(dtype).kind == "f":
        # float deltas are only exact for small integral values
        rng = np.random.default_rng(4)
        data = rng.integers(-1000, 1000, size=SHAPE_2D).astype(dtype)
    expected = write_and_expect(arr, data)
    check_c_reads(handles, store, expected, CHUNKS_2D)


def test_v2_delta_filter_narrower_astype(tmp_path, handles):
    """numcodecs.Delta(dtype, astype) with a narrower astype: the stored
    deltas are int16 while the array is int32."""
    store = tmp_path / "v2.zarr"
    arr = zp_array(
        store, 2, SHAPE_2D, CHUNKS_2D, "<i4", filters=[numcodecs.Delta(dtype="<i4", astype="<i2")],
        compressors=None,
    )
    meta = json.loads((store / "arr" / ".zarray").read_text())
    assert meta["filters"] == [{"id": "delta", "dtype": "<i4", "astype": "<i2"}]
    rng = np.random.default_rng(19)
    data = (np.cumsum(rng.integers(-300, 300, size=SHAPE_2D), axis=1) + 1000).astype("<i4")
    expected = write_and_expect(arr, data)
    check_c_reads(handles, store, expected, CHUNKS_2D)


def test_v2_delta_filter_order_f(tmp_path, handles):
    store = tmp_path / "v2.zarr"
    arr = zp_array(
        store, 2, SHAPE_3D, CHUNKS_3D, "<i4", order="F", filters=[numcodecs.Delta(dtype="<i4")]
    )
    expected = write_and_expect(arr, make_data("<i4", SHAPE_3D, seed=5))
    check_c_reads(handles, store, expected, CHUNKS_3D)


V2_FLOAT_FILLS = {"null": None, "NaN": np.nan, "Infinity": np.inf, "-Infinity": -np.inf, "2.5": 2.5}


@pytest.mark.parametrize("dtype", ["<f4", "<f8", ">f8", "<f2"])
@pytest.mark.parametrize("fill", list(V2_FLOAT_FILLS))
def test_v2_float_fill_values_missing_chunks(tmp_path, handles, dtype, fill):
    store = tmp_path / "v2.zarr"
    arr = zp_array(store, 2, SHAPE_2D, CHUNKS_2D, dtype, fill_value=V2_FLOAT_FILLS[fill])
    meta = json.loads((store / "arr" / ".zarray").read_text())
    want = {"null": None, "NaN": "NaN", "Infinity": "Infinity", "-Infinity": "-Infinity", "2.5": 2.5}
    assert meta["fill_value"] == want[fill]
    region = (slice(1, 5), slice(2, 7))  # touches chunks (0..1, 0..1): others stay missing
    arr[region] = make_data(dtype, (4, 5), seed=6)
    expected = np.asarray(arr[...])
    # the numpy view of the same thing (zarr-python reads null as 0)
    np_expected = np.full(SHAPE_2D, 0 if fill == "null" else V2_FLOAT_FILLS[fill], dtype=dtype)
    np_expected[region] = make_data(dtype, (4, 5), seed=6)
    assert_same(expected, np_expected, "zarr-python read")
    assert not (store / "arr" / "2.2").exists()  # a missing chunk
    check_c_reads(handles, store, expected, CHUNKS_2D)


@pytest.mark.parametrize(
    "dtype,fill",
    [("<i4", None), ("<i4", -7), ("|i1", -128), ("<u8", 2**64 - 1), (">u2", 513), ("|b1", True), ("<i8", 2**62)],
)
def test_v2_integer_fill_values_missing_chunks(tmp_path, handles, dtype, fill):
    store = tmp_path / "v2.zarr"
    arr = zp_array(store, 2, SHAPE_2D, CHUNKS_2D, dtype, fill_value=fill)
    region = (slice(0, 3), slice(4, 8))  # exactly chunk (0, 1)
    arr[region] = make_data(dtype, (3, 4), seed=7)
    expected = np.asarray(arr[...])
    np_expected = np.full(SHAPE_2D, 0 if fill is None else fill, dtype=dtype)
    np_expected[region] = make_data(dtype, (3, 4), seed=7)
    assert_same(expected, np_expected, "zarr-python read")
    check_c_reads(handles, store, expected, CHUNKS_2D)


def test_v2_no_chunks_at_all(tmp_path, handles):
    store = tmp_path / "v2.zarr"
    arr = zp_array(store, 2, SHAPE_2D, CHUNKS_2D, "<f8", fill_value=-3.25)
    expected = np.asarray(arr[...])
    assert_same(expected, np.full(SHAPE_2D, -3.25))
    check_c_reads(handles, store, expected, CHUNKS_2D)


# ------------------------------------------------------------------ v3


@pytest.mark.parametrize("dtype,endian", V3_DTYPE_ENDIANS)
def test_v3_dtypes_and_endian(tmp_path, handles, dtype, endian):
    store = tmp_path / "v3.zarr"
    arr = zp_array(store, 3, SHAPE_3D, CHUNKS_3D, dtype, serializer=BytesCodec(endian=endian))
    meta = json.loads((store / "arr" / "zarr.json").read_text())
    assert meta["data_type"] == dtype
    expected = write_and_expect(arr, make_data(dtype, SHAPE_3D, seed=8))
    check_c_reads(handles, store, expected, CHUNKS_3D)


@pytest.mark.parametrize(
    "cke",
    [
        None,
        {"name": "default", "separator": "/"},
        {"name": "default", "separator": "."},
        {"name": "v2", "separator": "."},
        {"name": "v2", "separator": "/"},
    ],
    ids=["default", "default-slash", "default-dot", "v2-dot", "v2-slash"],
)
@pytest.mark.parametrize("dtype", ["int32", "float64"])
def test_v3_chunk_key_encoding(tmp_path, handles, dtype, cke):
    store = tmp_path / "v3.zarr"
    kw = {} if cke is None else {"chunk_key_encoding": cke}
    arr = zp_array(store, 3, SHAPE_3D, CHUNKS_3D, dtype, **kw)
    expected = write_and_expect(arr, make_data(dtype, SHAPE_3D, seed=9))
    name = "default" if cke is None else cke["name"]
    sep = "/" if cke is None else cke["separator"]
    key = sep.join((["c"] if name == "default" else []) + ["1", "1", "2"])
    assert (store / "arr" / key).is_file(), key
    check_c_reads(handles, store, expected, CHUNKS_3D)


V3_CODECS = {
    "bytes": lambda: dict(compressors=None),
    "bytes-big": lambda: dict(serializer=BytesCodec(endian="big"), compressors=None),
    "transpose": lambda: dict(filters=[TransposeCodec(order=(2, 0, 1))], compressors=None),
    "transpose-big": lambda: dict(
        filters=[TransposeCodec(order=(1, 2, 0))], serializer=BytesCodec(endian="big"), compressors=None
    ),
    **{
        f"blosc-{c}-{s}": (
            lambda c=c, s=s: dict(compressors=[BloscCodec(cname=c, clevel=5, shuffle=s)])
        )
        for c in BLOSC_CNAMES
        for s in ("noshuffle", "shuffle", "bitshuffle")
    },
    "zstd": lambda: dict(compressors=[ZstdCodec(level=3)]),
    "zstd-checksum": lambda: dict(compressors=[ZstdCodec(level=1, checksum=True)]),
    "gzip": lambda: dict(compressors=[GzipCodec(level=5)]),
    "crc32c": lambda: dict(compressors=[Crc32cCodec()]),
    "zstd+crc32c": lambda: dict(compressors=[ZstdCodec(level=3), Crc32cCodec()]),
    "gzip+crc32c": lambda: dict(compressors=[GzipCodec(level=1), Crc32cCodec()]),
    "transpose+big+blosc+crc32c": lambda: dict(
        filters=[TransposeCodec(order=(2, 1, 0))],
        serializer=BytesCodec(endian="big"),
        compressors=[BloscCodec(cname="zstd", clevel=3, shuffle="shuffle"), Crc32cCodec()],
    ),
    "transpose+zstd+gzip": lambda: dict(
        filters=[TransposeCodec(order=(0, 2, 1))],
        compressors=[ZstdCodec(level=2), GzipCodec(level=6)],
    ),
}


@pytest.mark.parametrize("dtype", ["int16", "float32", "uint64", "bool"])
@pytest.mark.parametrize("codecs", list(V3_CODECS))
def test_v3_codecs(tmp_path, handles, codecs, dtype):
    store = tmp_path / "v3.zarr"
    arr = zp_array(store, 3, SHAPE_3D, CHUNKS_3D, dtype, **V3_CODECS[codecs]())
    meta = json.loads((store / "arr" / "zarr.json").read_text())
    names = [c["name"] for c in meta["codecs"]]
    for part in codecs.split("+"):
        want = {"big": "bytes", "checksum": "zstd"}.get(part, part.split("-")[0])
        assert want in names, (want, names)
    expected = write_and_expect(arr, make_data(dtype, SHAPE_3D, seed=10))
    check_c_reads(handles, store, expected, CHUNKS_3D)


V3_FLOAT_FILLS = {"NaN": np.nan, "Infinity": np.inf, "-Infinity": -np.inf, "-0.0": -0.0, "1.5": 1.5}


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("fill", list(V3_FLOAT_FILLS))
def test_v3_float_fill_values_missing_chunks(tmp_path, handles, dtype, fill):
    store = tmp_path / "v3.zarr"
    arr = zp_array(store, 3, SHAPE_2D, CHUNKS_2D, dtype, fill_value=V3_FLOAT_FILLS[fill])
    meta = json.loads((store / "arr" / "zarr.json").read_text())
    if fill in ("NaN", "Infinity", "-Infinity"):
        assert meta["fill_value"] == fill
    region = (slice(1, 5), slice(2, 7))
    arr[region] = make_data(dtype, (4, 5), seed=11)
    expected = np.asarray(arr[...])
    np_expected = np.full(SHAPE_2D, V3_FLOAT_FILLS[fill], dtype=dtype)
    np_expected[region] = make_data(dtype, (4, 5), seed=11)
    assert_same(expected, np_expected, "zarr-python read")
    check_c_reads(handles, store, expected, CHUNKS_2D)


HEX_FILLS = [
    ("float32", "0x7fc00001"),  # a NaN with a payload
    ("float32", "0xffc00000"),  # negative quiet NaN
    ("float32", "0x3f800000"),  # 1.0
    ("float32", "0x80000000"),  # -0.0
    ("float64", "0x7ff8000000000001"),
    ("float64", "0x4000000000000000"),  # 2.0
    ("float16", "0xfc00"),  # -inf
    ("float16", "0x3c00"),  # 1.0
]


@pytest.mark.parametrize("dtype,hexfill", HEX_FILLS)
def test_v3_hex_fill_value(tmp_path, handles, dtype, hexfill):
    """zarr-python cannot write a hex fill value but reads one; the metadata is
    edited to hold it and zarr-python's read of missing chunks is the expectation."""
    store = tmp_path / "v3.zarr"
    arr = zp_array(store, 3, SHAPE_2D, CHUNKS_2D, dtype, fill_value=0)
    region = (slice(0, 3), slice(0, 4))
    arr[region] = make_data(dtype, (3, 4), seed=12)
    mpath = store / "arr" / "zarr.json"
    meta = json.loads(mpath.read_text())
    meta["fill_value"] = hexfill
    mpath.write_text(json.dumps(meta, indent=2))
    expected = np.asarray(zarr.open_array(str(store / "arr"), mode="r")[...])
    bits = np.array([int(hexfill, 16)], dtype={2: np.uint16, 4: np.uint32, 8: np.uint64}[np.dtype(dtype).itemsize])
    fill = bits.view(dtype)[0]
    # zarr-python keeps the exact bits of the hex fill value
    assert_bits_same(expected[5:, 8:], np.full((2, 3), fill, dtype=dtype), "zarr-python fill")
    check_c_reads(handles, store, expected, CHUNKS_2D)
    root = handles.open(store, libzarr.READ)
    with root.open_array("arr") as a:
        assert_bits_same(a.read(), expected, "hex fill bits")


@pytest.mark.parametrize(
    "dtype,fill",
    [("int32", -7), ("int8", -128), ("uint64", 2**64 - 1), ("uint16", 513), ("bool", True), ("int64", -(2**63))],
)
def test_v3_integer_fill_values_missing_chunks(tmp_path, handles, dtype, fill):
    store = tmp_path / "v3.zarr"
    arr = zp_array(store, 3, SHAPE_2D, CHUNKS_2D, dtype, fill_value=fill)
    region = (slice(3, 7), slice(4, 11))  # the bottom-right chunks, incl. edges
    arr[region] = make_data(dtype, (4, 7), seed=13)
    expected = np.asarray(arr[...])
    np_expected = np.full(SHAPE_2D, fill, dtype=dtype)
    np_expected[region] = make_data(dtype, (4, 7), seed=13)
    assert_same(expected, np_expected, "zarr-python read")
    check_c_reads(handles, store, expected, CHUNKS_2D)


# ----------------------------------------------------- both formats


@pytest.mark.parametrize("written", [True, False], ids=["written", "missing"])
@pytest.mark.parametrize("dtype", ["int32", "float64", ">f4", "bool"])
@pytest.mark.parametrize("zarr_format", [2, 3])
def test_zero_dimensional(tmp_path, handles, zarr_format, dtype, written):
    store = tmp_path / "z.zarr"
    if zarr_format == 3:
        kw = {"serializer": BytesCodec(endian="big")} if dtype.startswith(">") else {}
        dt = native(dtype)
    else:
        kw, dt = {}, np.dtype(dtype)
    fill = {"b": True, "f": -1.5, "i": 42}[dt.kind]
    arr = zp_array(store, zarr_format, (), (), dt, fill_value=fill, **kw)
    if written:
        arr[...] = make_data(dt, (1,), seed=14)[0]
    expected = np.asarray(arr[...])
    assert expected.shape == ()
    if not written:
        assert_same(expected, np.array(fill, dtype=dt))
    root = handles.open(store, libzarr.READ)
    with root.open_array("arr") as a:
        assert a.ndim == 0
        assert a.shape == ()
        assert_same(a.read(), expected, "0-d read")
        assert_same(a.read((), (), ()), expected, "0-d read with empty stride")


@pytest.fixture
def num_threads(request):
    libzarr.set_num_threads(request.param)
    yield request.param
    libzarr.set_num_threads(0)  # back to the default: one per core


@pytest.mark.parametrize("num_threads", [1, 3, 0], indirect=True)
@pytest.mark.parametrize("zarr_format", [2, 3])
def test_large_chunks_many_chunks(tmp_path, handles, zarr_format, num_threads):
    """A bigger array: many chunks, several engine threads, strided reads."""
    shape, chunks = (130, 97, 5), (16, 20, 5)
    store = tmp_path / "big.zarr"
    arr = zp_array(store, zarr_format, shape, chunks, "float32", compressors=[numcodecs.Zstd(level=1)] if zarr_format == 2 else [ZstdCodec(level=1)])
    expected = write_and_expect(arr, make_data("float32", shape, seed=15))
    check_c_reads(handles, store, expected, chunks)


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_one_dimensional_strides(tmp_path, handles, zarr_format):
    shape, chunks = (1000,), (64,)
    store = tmp_path / "s.zarr"
    arr = zp_array(store, zarr_format, shape, chunks, "int64")
    expected = write_and_expect(arr, np.arange(1000, dtype="int64") * 3 - 500)
    root = handles.open(store, libzarr.READ)
    with root.open_array("arr") as a:
        for start, stride in [(0, 1), (5, 7), (63, 64), (1, 65), (999, 1), (0, 999), (10, 128)]:
            count = -(-(1000 - start) // stride)
            assert_same(a.read((start,), (count,), (stride,)), expected[start::stride], f"{start}::{stride}")


MEM_CONVERSIONS = [
    (2, "<i2", libzarr.FLOAT64),
    (2, ">i2", libzarr.FLOAT64),
    (3, "int16", libzarr.FLOAT64),
    (3, "int8", libzarr.INT32),
    (2, "|u1", libzarr.FLOAT32),
    (3, "uint16", libzarr.INT64),
    (3, "uint32", libzarr.UINT64),
    (3, "int32", libzarr.FLOAT64),
    (2, ">f4", libzarr.FLOAT64),
    (3, "float32", libzarr.FLOAT64),
    (3, "float16", libzarr.FLOAT32),
    (3, "uint8", libzarr.UINT16),
]


@pytest.mark.parametrize("zarr_format,dtype,mem_type", MEM_CONVERSIONS)
def test_read_with_mem_type_conversion(tmp_path, handles, zarr_format, dtype, mem_type):
    """Lossless conversions: the expectation is numpy's astype."""
    store = tmp_path / "m.zarr"
    dt = np.dtype(dtype) if zarr_format == 2 else native(dtype)
    kw = {"serializer": BytesCodec(endian="big")} if dtype.startswith(">") and zarr_format == 3 else {}
    arr = zp_array(store, zarr_format, SHAPE_2D, CHUNKS_2D, dt, **kw)
    expected = write_and_expect(arr, make_data(dt, SHAPE_2D, seed=16))
    mem_dt = libzarr.CODE_TO_DTYPE[mem_type]
    root = handles.open(store, libzarr.READ)
    with root.open_array("arr") as a:
        for start, count, stride in selections(SHAPE_2D):
            got = a.read(start, count, stride, mem_type=mem_type)
            assert got.dtype == mem_dt
            assert_same(got, select(expected, start, count, stride).astype(mem_dt), f"as {mem_dt}")


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_file_url(tmp_path, handles, zarr_format):
    store = tmp_path / "u.zarr"
    arr = zp_array(store, zarr_format, SHAPE_2D, CHUNKS_2D, "uint32")
    expected = write_and_expect(arr, make_data("uint32", SHAPE_2D, seed=17))
    root = handles.open(f"file://{store}", libzarr.READ)
    with root.open_array("arr") as a:
        assert_same(a.read(), expected, "file:// read")


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_read_only_open_refuses_writes(tmp_path, handles, zarr_format):
    store = tmp_path / "ro.zarr"
    arr = zp_array(store, zarr_format, SHAPE_2D, CHUNKS_2D, "int32")
    expected = write_and_expect(arr, make_data("int32", SHAPE_2D, seed=18))
    before = {p.relative_to(store): p.read_bytes() for p in store.rglob("*") if p.is_file()}
    root = handles.open(store, libzarr.READ)
    with root.open_array("arr") as a:
        with pytest.raises(libzarr.ZarrError) as ei:
            a.write(np.zeros((2, 2), dtype="int32"))
        assert ei.value.status == libzarr.EREADONLY
        assert_same(a.read(), expected)
    after = {p.relative_to(store): p.read_bytes() for p in store.rglob("*") if p.is_file()}
    assert before == after
