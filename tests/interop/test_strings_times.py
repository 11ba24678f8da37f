"""Strings, bytes and times both ways with zarr-python 3 and numcodecs:
v3 `string` / `variable_length_bytes` (vlen-utf8 / vlen-bytes codecs),
`fixed_length_utf32`, `null_terminated_bytes`, `numpy.datetime64` /
`numpy.timedelta64`, and their v2 forms (`|O` with the numcodecs filters,
`<U<n>` / `>U<n>`, `|S<n>`, `<M8[unit]`, `<m8[unit]`).

- zarr-python writes, the C API reads (whole and strided, through
  zarr_array_read_strings or ZARR_NATIVE / ZARR_INT64 reads).
- The C API writes (zarr_array_create_json with the document zarr-python
  wrote, or zarr_array_create with ZARR_STRING), zarr-python reads; the
  metadata documents are equal to zarr-python's and the uncompressed chunks
  equal zarr-python's byte for byte (vlen chunks also equal numcodecs'
  VLenUTF8 / VLenBytes encoding of the chunk's values).
- Partial and strided writes of existing chunks (read-modify-write).
- Errors: ZARR_ETYPE, ZARR_ERANGE, ZARR_EINVAL (bad UTF-8), ZARR_ECODEC for
  a truncated vlen chunk (naming the chunk).
"""

from __future__ import annotations

import ctypes
import json
import warnings
from ctypes import POINTER, c_char, c_char_p, c_int, c_int64, c_size_t, c_uint64, c_void_p

import numcodecs
import numpy as np
import pytest
import zarr
from zarr.core.dtype import VariableLengthBytes

import libzarr
from helpers import chunk_files

warnings.filterwarnings("ignore", category=UserWarning)
pytestmark = pytest.mark.filterwarnings("ignore:The data type")

STRING, FIXED_STRING, BYTES, VLEN_BYTES, DATETIME64, TIMEDELTA64 = 13, 14, 15, 16, 17, 18

SHAPE = (5, 7)  # edge chunks in both dimensions
CHUNKS = (2, 3)


def _lib():
    lib = libzarr.lib()
    if not getattr(lib, "_strings_declared", False):
        u64p, i64p = POINTER(c_uint64), POINTER(c_int64)
        lib.zarr_array_read_strings.argtypes = [
            c_int64, u64p, u64p, i64p, POINTER(c_char), c_size_t, u64p, POINTER(c_size_t)
        ]
        lib.zarr_array_write_strings.argtypes = [c_int64, u64p, u64p, i64p, c_char_p, u64p]
        lib.zarr_array_element_size.argtypes = [c_int64, POINTER(c_size_t)]
        lib.zarr_array_time_unit.argtypes = [c_int64, POINTER(c_char), POINTER(c_int64)]
        for f in ("zarr_array_read_strings", "zarr_array_write_strings", "zarr_array_element_size",
                  "zarr_array_time_unit"):
            getattr(lib, f).restype = c_int
        lib._strings_declared = True
    return lib


def _sel(start, count, stride):
    s = np.ascontiguousarray(start, dtype=np.uint64)
    c = np.ascontiguousarray(count, dtype=np.uint64)
    st = None if stride is None else np.ascontiguousarray(stride, dtype=np.int64)
    ptr = lambda a, t: None if a is None else a.ctypes.data_as(POINTER(t))  # noqa: E731
    return (s, c, st), (ptr(s, c_uint64), ptr(c, c_uint64), ptr(st, c_int64))


def read_strings(arr, start, count, stride=None):
    """zarr_array_read_strings: size query, then the read; values as bytes."""
    lib = _lib()
    keep, (s, c, st) = _sel(start, count, stride)
    needed = c_size_t(0)
    rc = lib.zarr_array_read_strings(arr.handle, s, c, st, None, 0, None, ctypes.byref(needed))
    if rc != 0:
        raise libzarr.ZarrError("zarr_array_read_strings", rc, libzarr.last_error())
    n = int(np.prod(count))
    buf = ctypes.create_string_buffer(max(needed.value, 1))
    offsets = (c_uint64 * (n + 1))()
    got = c_size_t(0)
    rc = lib.zarr_array_read_strings(arr.handle, s, c, st, buf, needed.value, offsets, ctypes.byref(got))
    if rc != 0:
        raise libzarr.ZarrError("zarr_array_read_strings", rc, libzarr.last_error())
    assert got.value == needed.value
    raw = buf.raw
    return [raw[offsets[i]:offsets[i + 1]] for i in range(n)]


def write_strings(arr, start, count, values, stride=None):
    lib = _lib()
    keep, (s, c, st) = _sel(start, count, stride)
    data = b"".join(values)
    offs = np.cumsum([0] + [len(v) for v in values]).astype(np.uint64)
    rc = lib.zarr_array_write_strings(arr.handle, s, c, st, data, offs.ctypes.data_as(POINTER(c_uint64)))
    if rc != 0:
        raise libzarr.ZarrError("zarr_array_write_strings", rc, libzarr.last_error())


def raw_read(arr, start, count, stride, dtype):
    """zarr_array_read with ZARR_NATIVE into elements of numpy `dtype`."""
    keep, (s, c, st) = _sel(start, count, stride)
    out = np.zeros(tuple(count), dtype=dtype)
    libzarr.call("zarr_array_read", arr.handle, s, c, st, libzarr.NATIVE, out.ctypes.data_as(c_void_p), out.nbytes)
    return out


def status_of(fn):
    try:
        fn()
    except libzarr.ZarrError as e:
        return e.status, e.message
    return 0, ""


# name: (dtype for zarr-python, data maker)
def _strings(shape, seed):
    rng = np.random.default_rng(seed)
    words = ["", "a", "hé", "Zürich", "日本", "x" * 9, "tab\tnl\n", "ok"]
    return np.array([words[i] for i in rng.integers(0, len(words), int(np.prod(shape)))], dtype=object).reshape(shape)


def _bytes(shape, seed):
    rng = np.random.default_rng(seed)
    items = [b"", b"\x00", b"a\x00b", b"\xff\xfe", b"plain", b"\x00\x00"]
    return np.array([items[i] for i in rng.integers(0, len(items), int(np.prod(shape)))], dtype=object).reshape(shape)


def _fixed_u(shape, seed):
    rng = np.random.default_rng(seed)
    words = ["", "a", "hé", "Zürich", "日本語", "abcdef"]
    return np.array([words[i] for i in rng.integers(0, len(words), int(np.prod(shape)))], dtype="<U6").reshape(shape)


def _fixed_s(n):
    def make(shape, seed):
        rng = np.random.default_rng(seed)
        items = [b"", b"a", b"a\x00b", b"xyz", b"\xff"] if n >= 3 else [b"", b"a", b"Z", b"\xff", b"\x01"]
        return np.array([items[i] for i in rng.integers(0, len(items), int(np.prod(shape)))], dtype=f"|S{n}").reshape(shape)
    return make


def _times(dtype):
    def make(shape, seed):
        rng = np.random.default_rng(seed)
        v = rng.integers(-(10**12), 10**12, int(np.prod(shape)), dtype=np.int64)
        v[::5] = np.iinfo(np.int64).min  # NaT
        return v.view(dtype).reshape(shape)
    return make


CASES = {
    "str": (str, _strings),
    "vlen_bytes": (VariableLengthBytes(), _bytes),
    "U6": ("<U6", _fixed_u),
    "S3": ("|S3", _fixed_s(3)),
    "S1": ("|S1", _fixed_s(1)),
    "M8s": ("datetime64[s]", _times("datetime64[s]")),
    "M8_10ms": ("datetime64[10ms]", _times("datetime64[10ms]")),
    "m8D": ("timedelta64[D]", _times("timedelta64[D]")),
}
CODES = {"str": STRING, "vlen_bytes": VLEN_BYTES, "U6": FIXED_STRING, "S3": BYTES, "S1": BYTES,
         "M8s": DATETIME64, "M8_10ms": DATETIME64, "m8D": TIMEDELTA64}


def expected_values(name, data):
    """What zarr_array_read_strings gives for each element of `data`."""
    flat = data.reshape(-1)
    if name in ("str", "U6"):
        return [str(v).encode("utf-8") for v in flat]
    return [bytes(v) for v in flat]


def c_read(name, arr, start, count, stride=None):
    """The C API's view of a selection: values (strings, bytes) or int64 (times)."""
    if name.startswith(("M8", "m8")):
        a = arr.read(start, count, stride, mem_type=libzarr.INT64)
        # ZARR_NATIVE gives the same int64 counts.
        np.testing.assert_array_equal(raw_read(arr, start, count, stride, np.int64), a)
        return a
    return read_strings(arr, start, count, stride)


def compare(name, got, data):
    if name.startswith(("M8", "m8")):
        np.testing.assert_array_equal(got, data.view(np.int64))
    else:
        assert got == expected_values(name, data)


STRIDED = [((0, 0), (5, 7), None), ((1, 2), (2, 3), (2, 2)), ((0, 1), (3, 2), (2, 3)), ((4, 6), (1, 1), None)]


@pytest.mark.parametrize("zarr_format", [2, 3])
@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("name", list(CASES))
def test_zarr_python_writes_c_reads(tmp_path, handles, name, zarr_format, compressed):
    dtype, make = CASES[name]
    data = make(SHAPE, 1)
    kw = {} if compressed else {"compressors": None}
    z = zarr.create_array(tmp_path / "a", shape=SHAPE, chunks=CHUNKS, dtype=dtype, zarr_format=zarr_format, **kw)
    z[...] = data
    root = handles.open(tmp_path, libzarr.READ)
    arr = handles.track(root.open_array("a"))
    code = c_int(0)
    libzarr.call("zarr_array_dtype", arr.handle, ctypes.byref(code))
    assert code.value == CODES[name]
    for start, count, stride in STRIDED:
        idx = tuple(slice(s, s + (c - 1) * (1 if stride is None else stride[d]) + 1,
                          1 if stride is None else stride[d]) for d, (s, c) in enumerate(zip(start, count)))
        compare(name, c_read(name, arr, start, count, stride), data[idx])


def test_element_size_and_time_unit(tmp_path, handles):
    lib = _lib()
    zarr.create_array(tmp_path / "t", shape=(3,), chunks=(2,), dtype="datetime64[10ms]", zarr_format=3)
    zarr.create_array(tmp_path / "u", shape=(3,), chunks=(2,), dtype="<U6", zarr_format=2)
    zarr.create_array(tmp_path / "s", shape=(3,), chunks=(2,), dtype=str, zarr_format=3)
    zarr.create_array(tmp_path / "d", shape=(3,), chunks=(2,), dtype="timedelta64[D]", zarr_format=3)
    root = handles.open(tmp_path, libzarr.READ)
    t, u, s, d = (handles.track(root.open_array(p)) for p in "tusd")
    size = c_size_t(0)
    assert lib.zarr_array_element_size(t.handle, ctypes.byref(size)) == 0 and size.value == 8
    assert lib.zarr_array_element_size(u.handle, ctypes.byref(size)) == 0 and size.value == 24
    size.value = 99
    assert lib.zarr_array_element_size(s.handle, ctypes.byref(size)) == libzarr.ETYPE and size.value == 99
    unit = ctypes.create_string_buffer(8)
    scale = c_int64(0)
    assert lib.zarr_array_time_unit(t.handle, unit, ctypes.byref(scale)) == 0
    assert (unit.value, scale.value) == (b"ms", 10)
    assert lib.zarr_array_time_unit(d.handle, unit, ctypes.byref(scale)) == 0
    assert (unit.value, scale.value) == (b"D", 1)
    assert lib.zarr_array_time_unit(u.handle, unit, ctypes.byref(scale)) == libzarr.ETYPE


def _doc(path, zarr_format):
    name = "zarr.json" if zarr_format == 3 else ".zarray"
    return json.loads((path / name).read_text())


@pytest.mark.parametrize("zarr_format", [2, 3])
@pytest.mark.parametrize("name", list(CASES))
def test_c_writes_zarr_python_reads(tmp_path, handles, name, zarr_format):
    """The C API creates the array from zarr-python's own document, writes
    the same values; documents, chunk keys and chunk bytes match."""
    dtype, make = CASES[name]
    data = make(SHAPE, 2)
    zp = zarr.create_array(tmp_path / "zp" / "a", shape=SHAPE, chunks=CHUNKS, dtype=dtype,
                           zarr_format=zarr_format, compressors=None)
    doc = _doc(tmp_path / "zp" / "a", zarr_format)
    zp[...] = data
    root = handles.open(tmp_path / "c", libzarr.CREATE, zarr_format=zarr_format)
    arr = handles.track(root.create_array_json("a", doc))
    if name.startswith(("M8", "m8")):
        arr.write(data.view(np.int64), mem_type=libzarr.INT64)
    else:
        write_strings(arr, (0, 0), SHAPE, expected_values(name, data))
    assert _doc(tmp_path / "c" / "a", zarr_format) == doc
    back = zarr.open_array(tmp_path / "c" / "a", mode="r")[...]
    np.testing.assert_array_equal(back, data if name not in ("str", "vlen_bytes") else data.astype(back.dtype))
    assert chunk_files(tmp_path / "c" / "a") == chunk_files(tmp_path / "zp" / "a")


@pytest.mark.parametrize("zarr_format", [2, 3])
@pytest.mark.parametrize("name", ["str", "vlen_bytes"])
def test_vlen_chunks_are_numcodecs_framing(tmp_path, handles, name, zarr_format):
    """A C-written vlen chunk is numcodecs' encoding of the chunk's values
    (edge chunks padded with the fill value, as zarr-python pads them)."""
    dtype, make = CASES[name]
    data = make(SHAPE, 3)
    zp = zarr.create_array(tmp_path / "zp", shape=SHAPE, chunks=CHUNKS, dtype=dtype,
                           zarr_format=zarr_format, compressors=None)
    root = handles.open(tmp_path / "c", libzarr.CREATE, zarr_format=zarr_format)
    arr = handles.track(root.create_array_json("a", _doc(tmp_path / "zp", zarr_format)))
    write_strings(arr, (0, 0), SHAPE, expected_values(name, data))
    codec = numcodecs.VLenUTF8() if name == "str" else numcodecs.VLenBytes()
    key = "c/2/2" if zarr_format == 3 else "2.2"
    edge = np.full(CHUNKS, "" if name == "str" else b"", dtype=object)
    edge[0, 0] = data[4, 6]
    assert (tmp_path / "c" / "a" / key).read_bytes() == bytes(codec.encode(edge.reshape(-1)))
    decoded = codec.decode((tmp_path / "c" / "a" / ("c/0/0" if zarr_format == 3 else "0.0")).read_bytes())
    assert list(decoded) == list(data[0:2, 0:3].reshape(-1))


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_create_string_array_and_fill(tmp_path, handles, zarr_format):
    """zarr_array_create with ZARR_STRING gives zarr-python's document for
    dtype=str (default zstd), a fill value string, and partial writes."""
    zp = zarr.create_array(tmp_path / "zp", shape=(6,), chunks=(4,), dtype=str, zarr_format=zarr_format,
                           fill_value="nix")
    root = handles.open(tmp_path / "c", libzarr.CREATE, zarr_format=zarr_format)
    out = c_int64(0)
    shape = (c_uint64 * 1)(6)
    chunks = (c_uint64 * 1)(4)
    libzarr.call("zarr_array_create", root.handle, b"a", STRING, 1, shape, chunks, None,
                 ctypes.cast(c_char_p(b"nix"), c_void_p), ctypes.byref(out))
    arr = handles.track(libzarr.Array(out.value))
    ours, theirs = _doc(tmp_path / "c" / "a", zarr_format), _doc(tmp_path / "zp", zarr_format)
    if zarr_format == 2:
        # libzarr's default v2 zstd also says "checksum": false (as for every type).
        c_zstd, zp_zstd = ours.pop("compressor"), theirs.pop("compressor")
        assert (c_zstd["id"], c_zstd["level"], zp_zstd) == ("zstd", 0, {"id": "zstd", "level": 0})
    assert ours == theirs
    # Partial, strided write into a missing chunk, then into a stored one.
    write_strings(arr, (1,), (2,), [b"eins", "zwö".encode()], stride=(3,))
    write_strings(arr, (0,), (1,), [b"null"])
    back = zarr.open_array(tmp_path / "c" / "a", mode="r")[...]
    assert list(back) == ["null", "eins", "nix", "nix", "zwö", "nix"]
    assert read_strings(arr, (0,), (6,)) == [b"null", b"eins", b"nix", b"nix", "zwö".encode(), b"nix"]
    # Writing only the fill value into the second chunk deletes it (write_empty_chunks off).
    write_strings(arr, (4,), (2,), [b"nix", b"nix"])
    assert sorted(chunk_files(tmp_path / "c" / "a")) == (["c/0"] if zarr_format == 3 else ["0"])


@pytest.mark.parametrize("zarr_format", [2, 3])
@pytest.mark.parametrize("name", list(CASES))
def test_c_updates_zarr_python_array(tmp_path, handles, name, zarr_format):
    """Read-modify-write of chunks zarr-python wrote (compressed): a strided
    update across chunks; zarr-python sees old and new values."""
    dtype, make = CASES[name]
    data = make(SHAPE, 4)
    z = zarr.create_array(tmp_path / "a", shape=SHAPE, chunks=CHUNKS, dtype=dtype, zarr_format=zarr_format)
    z[...] = data
    new = make((2, 3), 5)
    root = handles.open(tmp_path, libzarr.WRITE)
    arr = handles.track(root.open_array("a"))
    if name.startswith(("M8", "m8")):
        arr.write(new.view(np.int64), start=(1, 1), stride=(2, 2), mem_type=libzarr.INT64)
    else:
        write_strings(arr, (1, 1), (2, 3), expected_values(name, new), stride=(2, 2))
    want = data.copy()
    want[1:4:2, 1:6:2] = new
    back = zarr.open_array(tmp_path / "a", mode="r")[...]
    np.testing.assert_array_equal(back, want if name not in ("str", "vlen_bytes") else want.astype(back.dtype))


def test_errors(tmp_path, handles):
    lib = _lib()
    for p, dt in [("s", str), ("u", "<U2"), ("b", "|S2"), ("t", "datetime64[s]")]:
        zarr.create_array(tmp_path / p, shape=(4,), chunks=(2,), dtype=dt, zarr_format=3, compressors=None)
    root = handles.open(tmp_path, libzarr.WRITE)
    s, u, b, t = (handles.track(root.open_array(p)) for p in "subt")
    # Memory types other than the raw element (or int64 for times): ZARR_ETYPE.
    for arr, mt in [(s, libzarr.INT32), (u, libzarr.INT32), (b, libzarr.UINT8), (t, libzarr.FLOAT64),
                    (t, libzarr.INT32)]:
        assert status_of(lambda: arr.read((0,), (4,), mem_type=mt))[0] == libzarr.ETYPE
    assert status_of(lambda: raw_read(s, (0,), (4,), None, np.uint8))[0] == libzarr.ETYPE
    assert status_of(lambda: read_strings(t, (0,), (4,)))[0] == libzarr.ETYPE
    # Too long for the fixed length: ZARR_ERANGE, nothing written.
    write_strings(u, (0,), (4,), [b"ab", b"c", b"", "é".encode()])
    assert status_of(lambda: write_strings(u, (0,), (2,), [b"xy", b"xyz"]))[0] == libzarr.ERANGE
    assert status_of(lambda: write_strings(b, (0,), (1,), [b"abc"]))[0] == libzarr.ERANGE
    assert read_strings(u, (0,), (4,)) == [b"ab", b"c", b"", "é".encode()]
    # Invalid UTF-8: ZARR_EINVAL, nothing written.
    write_strings(s, (0,), (2,), [b"keep", b"me"])
    assert status_of(lambda: write_strings(s, (0,), (2,), [b"ok", b"\xff"]))[0] == libzarr.EINVAL
    assert status_of(lambda: write_strings(u, (0,), (1,), [b"\xc3"]))[0] == libzarr.EINVAL
    assert zarr.open_array(tmp_path / "s", mode="r")[:2].tolist() == ["keep", "me"]
    # Bytes arrays take any bytes.
    write_strings(b, (0,), (2,), [b"\xff\x00", b"\x80"])
    assert list(zarr.open_array(tmp_path / "b", mode="r")[:2]) == [b"\xff", b"\x80"]
    # A too-small buffer: ZARR_EINVAL, nothing written.
    keep, (st, ct, sd) = _sel((0,), (2,), None)
    buf = ctypes.create_string_buffer(b"\x07" * 8)
    offs = (c_uint64 * 3)(9, 9, 9)
    needed = c_size_t(77)
    assert lib.zarr_array_read_strings(s.handle, st, ct, sd, buf, 5, offs, ctypes.byref(needed)) == libzarr.EINVAL
    assert buf.raw[:8] == b"\x07" * 8 and list(offs) == [9, 9, 9] and needed.value == 77


@pytest.mark.parametrize("zarr_format", [2, 3])
def test_truncated_vlen_chunk_is_ecodec(tmp_path, handles, zarr_format):
    z = zarr.create_array(tmp_path / "a", shape=(4,), chunks=(2,), dtype=str, zarr_format=zarr_format,
                          compressors=None)
    z[...] = np.array(["abc", "defg", "h", "i"], dtype=object)
    key = "c/1" if zarr_format == 3 else "1"
    p = tmp_path / "a" / key
    p.write_bytes(p.read_bytes()[:-1])
    root = handles.open(tmp_path, libzarr.READ)
    arr = handles.track(root.open_array("a"))
    assert read_strings(arr, (0,), (2,)) == [b"abc", b"defg"]
    status, msg = status_of(lambda: read_strings(arr, (0,), (4,)))
    assert status == libzarr.ECODEC and f"a/{key}" in msg, msg


def test_big_endian_fixed_strings_v2(tmp_path, handles):
    """v2 `>U3`: code units stored big-endian, read back as text and as
    native UTF-32 elements; C writes come out as zarr-python's bytes."""
    data = np.array(["ab", "héj", "", "z"], dtype=">U3")
    z = zarr.create_array(tmp_path / "zp", shape=(4,), chunks=(3,), dtype=">U3", zarr_format=2, compressors=None)
    z[...] = data
    root = handles.open(tmp_path / "c", libzarr.CREATE, zarr_format=2)
    arr = handles.track(root.create_array_json("a", _doc(tmp_path / "zp", 2)))
    write_strings(arr, (0,), (4,), [v.encode() for v in data])
    assert chunk_files(tmp_path / "c" / "a") == chunk_files(tmp_path / "zp")
    zroot = handles.open(tmp_path, libzarr.READ)
    zarr_arr = handles.track(zroot.open_array("zp"))
    assert read_strings(zarr_arr, (0,), (4,)) == [v.encode() for v in data]
    raw = raw_read(zarr_arr, (0,), (4,), None, "=U3")
    np.testing.assert_array_equal(raw, data)
