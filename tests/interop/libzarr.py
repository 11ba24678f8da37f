"""A small ctypes wrapper over libzarr's C API (include/zarr.h).

The library is found from the environment variable ZARR_LIB (a path to
libzarr.so), defaulting to target/release/libzarr.so under the repository
root. Every C function's argtypes/restype are declared; a negative status is
raised as :class:`ZarrError` carrying the status and ``zarr_last_error()``.
"""

from __future__ import annotations

import ctypes
import json
import os
from ctypes import (
    POINTER,
    c_char,
    c_char_p,
    c_int,
    c_int64,
    c_size_t,
    c_uint64,
    c_void_p,
)
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_LIB = REPO_ROOT / "target" / "release" / "libzarr.so"

# ---------------------------------------------------------------- constants

OK = 0
EINVAL = -1
ENOTFOUND = -2
EEXISTS = -3
EBADID = -4
EMETA = -5
ECODEC = -6
EIO = -7
EBOUNDS = -8
ERANGE = -9
ETYPE = -10
EREADONLY = -11
EUNSUPPORTED = -12
EINTERNAL = -13
ENOMEM = -14

STATUS_NAMES = {
    OK: "ZARR_OK",
    EINVAL: "ZARR_EINVAL",
    ENOTFOUND: "ZARR_ENOTFOUND",
    EEXISTS: "ZARR_EEXISTS",
    EBADID: "ZARR_EBADID",
    EMETA: "ZARR_EMETA",
    ECODEC: "ZARR_ECODEC",
    EIO: "ZARR_EIO",
    EBOUNDS: "ZARR_EBOUNDS",
    ERANGE: "ZARR_ERANGE",
    ETYPE: "ZARR_ETYPE",
    EREADONLY: "ZARR_EREADONLY",
    EUNSUPPORTED: "ZARR_EUNSUPPORTED",
    EINTERNAL: "ZARR_EINTERNAL",
    ENOMEM: "ZARR_ENOMEM",
}

READ = 0
WRITE = 1
CREATE = 2

NATIVE = 0
BOOL = 1
INT8 = 2
INT16 = 3
INT32 = 4
INT64 = 5
UINT8 = 6
UINT16 = 7
UINT32 = 8
UINT64 = 9
FLOAT32 = 10
FLOAT64 = 11
FLOAT16 = 12

# type code -> native-endian numpy dtype
CODE_TO_DTYPE = {
    BOOL: np.dtype(np.bool_),
    INT8: np.dtype(np.int8),
    INT16: np.dtype(np.int16),
    INT32: np.dtype(np.int32),
    INT64: np.dtype(np.int64),
    UINT8: np.dtype(np.uint8),
    UINT16: np.dtype(np.uint16),
    UINT32: np.dtype(np.uint32),
    UINT64: np.dtype(np.uint64),
    FLOAT32: np.dtype(np.float32),
    FLOAT64: np.dtype(np.float64),
    FLOAT16: np.dtype(np.float16),
}
_KEY_TO_CODE = {(dt.kind, dt.itemsize): code for code, dt in CODE_TO_DTYPE.items()}


def dtype_code(dtype) -> int:
    """The ZARR_* type code of a numpy dtype (any byte order)."""
    dt = np.dtype(dtype)
    try:
        return _KEY_TO_CODE[(dt.kind, dt.itemsize)]
    except KeyError:
        raise ValueError(f"no libzarr type code for numpy dtype {dt!r}") from None


def native_dtype(dtype) -> np.dtype:
    """The native-endian numpy dtype for a ZARR_* code or a numpy dtype."""
    if isinstance(dtype, (int, np.integer)) and not isinstance(dtype, bool):
        return CODE_TO_DTYPE[int(dtype)]
    return CODE_TO_DTYPE[dtype_code(dtype)]


class ZarrError(Exception):
    """A negative status returned by a libzarr function."""

    def __init__(self, func: str, status: int, message: str):
        self.func = func
        self.status = status
        self.message = message
        name = STATUS_NAMES.get(status, str(status))
        super().__init__(f"{func} failed with {name} ({status}): {message}")


# ------------------------------------------------------------ library load

_lib = None


def lib_path() -> Path:
    return Path(os.environ.get("ZARR_LIB") or DEFAULT_LIB)


_u64p = POINTER(c_uint64)
_i64p = POINTER(c_int64)
_intp = POINTER(c_int)
_sizep = POINTER(c_size_t)

_SIGNATURES = {
    # name: (restype, argtypes)
    "zarr_version": (c_char_p, []),
    "zarr_version_number": (ctypes.c_uint, []),
    "zarr_strerror": (c_char_p, [c_int]),
    "zarr_last_error": (c_char_p, []),
    "zarr_set_num_threads": (c_int, [c_int]),
    "zarr_open": (c_int, [c_char_p, c_int, _i64p]),
    "zarr_open_with_options": (c_int, [c_char_p, c_int, c_char_p, _i64p]),
    "zarr_close": (c_int, [c_int64]),
    "zarr_repo_create": (c_int, [c_char_p, c_char_p]),
    "zarr_commit": (c_int, [c_int64, c_char_p, c_char_p, ctypes.c_size_t]),
    "zarr_verify": (c_int, [c_int64, c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)]),
    "zarr_group_create": (c_int, [c_int64, c_char_p, c_char_p, _i64p]),
    "zarr_group_open": (c_int, [c_int64, c_char_p, _i64p]),
    "zarr_array_create_json": (c_int, [c_int64, c_char_p, c_char_p, _i64p]),
    "zarr_array_create": (
        c_int,
        [c_int64, c_char_p, c_int, c_int, _u64p, _u64p, c_char_p, c_void_p, _i64p],
    ),
    "zarr_array_create_sharded": (
        c_int,
        [c_int64, c_char_p, c_int, c_int, _u64p, _u64p, _u64p, c_char_p, c_void_p, _i64p],
    ),
    "zarr_array_open": (c_int, [c_int64, c_char_p, _i64p]),
    "zarr_array_ndim": (c_int, [c_int64, _intp]),
    "zarr_array_shape": (c_int, [c_int64, _u64p]),
    "zarr_array_chunk_shape": (c_int, [c_int64, _u64p]),
    "zarr_array_dtype": (c_int, [c_int64, _intp]),
    "zarr_array_read": (
        c_int,
        [c_int64, _u64p, _u64p, _i64p, c_int, c_void_p, c_size_t],
    ),
    "zarr_array_write": (
        c_int,
        [c_int64, _u64p, _u64p, _i64p, c_int, c_void_p, c_size_t],
    ),
    "zarr_array_set_write_empty_chunks": (c_int, [c_int64, c_int]),
    "zarr_array_get_write_empty_chunks": (c_int, [c_int64, _intp]),
    "zarr_attrs_get": (c_int, [c_int64, POINTER(c_char), c_size_t, _sizep]),
    "zarr_attrs_set": (c_int, [c_int64, c_char_p]),
    "zarr_list": (c_int, [c_int64, POINTER(c_char), c_size_t, _sizep]),
    "zarr_consolidate": (c_int, [c_int64]),
    "zarr_delete": (c_int, [c_int64, c_char_p]),
    "zarr_rename": (c_int, [c_int64, c_char_p, c_char_p]),
    "zarr_array_dimension_names": (c_int, [c_int64, POINTER(c_char), c_size_t, _sizep]),
    "zarr_array_chunk_shapes_json": (c_int, [c_int64, POINTER(c_char), c_size_t, _sizep]),
    "zarr_array_set_dimension_names": (c_int, [c_int64, c_char_p]),
    "zarr_array_resize": (c_int, [c_int64, _u64p]),
    "zarr_array_append": (c_int, [c_int64, c_int, c_uint64, c_int, c_void_p, c_size_t]),
    "zarr_attr_get": (c_int, [c_int64, c_char_p, c_int, c_void_p, c_size_t]),
    "zarr_attr_inq": (c_int, [c_int64, c_char_p, _intp, _u64p]),
    "zarr_group_nmembers": (c_int, [c_int64, _u64p]),
    "zarr_group_member": (c_int, [c_int64, c_uint64, _intp, POINTER(c_char), c_size_t, _sizep]),
}


def lib() -> ctypes.CDLL:
    """Load libzarr once and declare every function's signature."""
    global _lib
    if _lib is None:
        path = lib_path()
        if not path.exists():
            raise FileNotFoundError(
                f"libzarr not found at {path}: build it with `cargo build --release` "
                "or point ZARR_LIB at libzarr.so"
            )
        handle = ctypes.CDLL(str(path))
        for name, (restype, argtypes) in _SIGNATURES.items():
            fn = getattr(handle, name)
            fn.restype = restype
            fn.argtypes = argtypes
        _lib = handle
    return _lib


def last_error() -> str:
    msg = lib().zarr_last_error()
    return msg.decode("utf-8", "replace") if msg else ""


def strerror(status: int) -> str:
    msg = lib().zarr_strerror(status)
    return msg.decode("utf-8", "replace") if msg else ""


def version() -> str:
    return lib().zarr_version().decode()


def call(name: str, *args) -> int:
    """Call a libzarr function; raise ZarrError on a negative status."""
    status = getattr(lib(), name)(*args)
    if status < 0:
        raise ZarrError(name, status, last_error())
    return status


def set_num_threads(n: int) -> None:
    call("zarr_set_num_threads", n)


# ----------------------------------------------------------------- helpers


def _enc(s) -> bytes | None:
    if s is None:
        return None
    if isinstance(s, (dict, list)):
        s = json.dumps(s)
    if isinstance(s, os.PathLike):
        s = os.fspath(s)
    return s.encode("utf-8")


def _u64_array(values) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(list(values), dtype=np.uint64).reshape(-1))


def _i64_array(values) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(list(values), dtype=np.int64).reshape(-1))


def _ptr(arr: np.ndarray | None, ctype):
    if arr is None:
        return None
    return arr.ctypes.data_as(POINTER(ctype))


def _sized_text(name: str, handle: int, initial: int = 64) -> str:
    """Call an snprintf-style function (buf, buf_len, needed) until the text
    fits. Per zarr.h, `needed` is the full size including the NUL."""
    size = initial
    for _ in range(8):
        buf = ctypes.create_string_buffer(size)
        needed = c_size_t(0)
        call(name, handle, buf, size, ctypes.byref(needed))
        if 0 < needed.value <= size:
            raw = buf.raw[: needed.value]
            if raw[-1:] != b"\0" or b"\0" in raw[:-1]:
                raise AssertionError(f"{name}: text not NUL-terminated at needed-1: {raw!r}")
            return raw[:-1].decode("utf-8")
        if needed.value == 0:
            raise AssertionError(f"{name}: needed=0 (must count the NUL)")
        size = needed.value
    raise AssertionError(f"{name}: buffer size never converged (needed={needed.value})")


# ------------------------------------------------------------------ nodes


class Node:
    """A libzarr handle (root, group or array). Close it, or use `with`."""

    def __init__(self, handle: int):
        self.handle = int(handle)
        self._closed = False

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            call("zarr_close", self.handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # attributes (groups and arrays)
    def attrs_text(self) -> str:
        return _sized_text("zarr_attrs_get", self.handle)

    def attr_get(self, name: str, mem_type: int = FLOAT64) -> np.ndarray:
        """One numeric attribute through zarr_attr_inq + zarr_attr_get."""
        kind, n = c_int(0), c_uint64(0)
        call("zarr_attr_inq", self.handle, _enc(name), ctypes.byref(kind), ctypes.byref(n))
        out = np.zeros(max(n.value, 1), dtype=CODE_TO_DTYPE[mem_type])
        call("zarr_attr_get", self.handle, _enc(name), mem_type, out.ctypes.data_as(c_void_p), out.nbytes)
        return out[: n.value]

    @property
    def attrs(self) -> dict:
        return json.loads(self.attrs_text())

    def set_attrs(self, attrs) -> None:
        call("zarr_attrs_set", self.handle, _enc(attrs))


class Group(Node):
    def create_group(self, path: str, attrs=None) -> "Group":
        out = c_int64(0)
        call("zarr_group_create", self.handle, _enc(path), _enc(attrs), ctypes.byref(out))
        return Group(out.value)

    def open_group(self, path: str) -> "Group":
        out = c_int64(0)
        call("zarr_group_open", self.handle, _enc(path), ctypes.byref(out))
        return Group(out.value)

    def create_array_json(self, path: str, metadata) -> "Array":
        out = c_int64(0)
        call("zarr_array_create_json", self.handle, _enc(path), _enc(metadata), ctypes.byref(out))
        return Array(out.value)

    def create_array(
        self,
        path: str,
        dtype,
        shape,
        chunks,
        codecs=None,
        fill_value=None,
    ) -> "Array":
        """zarr_array_create. `dtype` is a ZARR_* code or a numpy dtype;
        `codecs` a JSON string / list (None = library default);
        `fill_value` one scalar (None = NULL = zero)."""
        code = dtype if isinstance(dtype, int) else dtype_code(dtype)
        shape_a = _u64_array(shape)
        chunks_a = _u64_array(chunks)
        if len(shape_a) != len(chunks_a):
            raise ValueError("shape and chunks differ in length")
        fill_buf = None
        if fill_value is not None:
            fill_buf = np.array([fill_value], dtype=CODE_TO_DTYPE[code])
        out = c_int64(0)
        call(
            "zarr_array_create",
            self.handle,
            _enc(path),
            code,
            len(shape_a),
            _ptr(shape_a, c_uint64),
            _ptr(chunks_a, c_uint64),
            _enc(codecs),
            None if fill_buf is None else fill_buf.ctypes.data_as(c_void_p),
            ctypes.byref(out),
        )
        return Array(out.value)

    def create_sharded(
        self,
        path: str,
        dtype,
        shape,
        shards,
        chunks,
        codecs=None,
        fill_value=None,
    ) -> "Array":
        """zarr_array_create_sharded: shards of `shards`, inner chunks of
        `chunks`; `codecs` the inner codecs (None = library default: zstd)."""
        code = dtype if isinstance(dtype, int) else dtype_code(dtype)
        shape_a, shards_a, chunks_a = _u64_array(shape), _u64_array(shards), _u64_array(chunks)
        if not len(shape_a) == len(shards_a) == len(chunks_a):
            raise ValueError("shape, shards and chunks differ in length")
        fill_buf = None
        if fill_value is not None:
            fill_buf = np.array([fill_value], dtype=CODE_TO_DTYPE[code])
        out = c_int64(0)
        call(
            "zarr_array_create_sharded",
            self.handle,
            _enc(path),
            code,
            len(shape_a),
            _ptr(shape_a, c_uint64),
            _ptr(shards_a, c_uint64),
            _ptr(chunks_a, c_uint64),
            _enc(codecs),
            None if fill_buf is None else fill_buf.ctypes.data_as(c_void_p),
            ctypes.byref(out),
        )
        return Array(out.value)

    def open_array(self, path: str) -> "Array":
        out = c_int64(0)
        call("zarr_array_open", self.handle, _enc(path), ctypes.byref(out))
        return Array(out.value)

    def list_text(self) -> str:
        return _sized_text("zarr_list", self.handle)

    def members(self) -> list:
        """(name, kind) pairs through zarr_group_nmembers / zarr_group_member."""
        n = c_uint64(0)
        call("zarr_group_nmembers", self.handle, ctypes.byref(n))
        out = []
        for i in range(n.value):
            kind, needed = c_int(0), c_size_t(0)
            buf = ctypes.create_string_buffer(256)
            call("zarr_group_member", self.handle, i, ctypes.byref(kind), buf, 256, ctypes.byref(needed))
            out.append((buf.value.decode(), {1: "group", 2: "array"}[kind.value]))
        return out

    def list(self) -> list:
        return json.loads(self.list_text())

    def consolidate(self) -> None:
        """zarr_consolidate (root group only)."""
        call("zarr_consolidate", self.handle)

    def delete(self, path: str) -> None:
        """zarr_delete: an array or group below this group, recursively."""
        call("zarr_delete", self.handle, _enc(path))

    def rename(self, src: str, dst: str) -> None:
        """zarr_rename: move an array or group below this group."""
        call("zarr_rename", self.handle, _enc(src), _enc(dst))


def open(url, mode: int = READ, options=None) -> Group:  # noqa: A001 - mirrors zarr_open
    """zarr_open / zarr_open_with_options; returns the root as a Group."""
    out = c_int64(0)
    if options is None:
        call("zarr_open", _enc(url), mode, ctypes.byref(out))
    else:
        call("zarr_open_with_options", _enc(url), mode, _enc(options), ctypes.byref(out))
    return Group(out.value)


class Array(Node):
    @property
    def ndim(self) -> int:
        out = c_int(0)
        call("zarr_array_ndim", self.handle, ctypes.byref(out))
        return out.value

    @property
    def shape(self) -> tuple:
        n = self.ndim
        buf = np.zeros(max(n, 1), dtype=np.uint64)
        call("zarr_array_shape", self.handle, _ptr(buf, c_uint64))
        return tuple(int(x) for x in buf[:n])

    @property
    def chunk_shape(self) -> tuple:
        n = self.ndim
        buf = np.zeros(max(n, 1), dtype=np.uint64)
        call("zarr_array_chunk_shape", self.handle, _ptr(buf, c_uint64))
        return tuple(int(x) for x in buf[:n])

    @property
    def dtype_code(self) -> int:
        out = c_int(0)
        call("zarr_array_dtype", self.handle, ctypes.byref(out))
        return out.value

    @property
    def dtype(self) -> np.dtype:
        """Native-endian numpy dtype of the array's data type."""
        return CODE_TO_DTYPE[self.dtype_code]

    @property
    def write_empty_chunks(self) -> bool:
        out = c_int(-1)
        call("zarr_array_get_write_empty_chunks", self.handle, ctypes.byref(out))
        return bool(out.value)

    @write_empty_chunks.setter
    def write_empty_chunks(self, enable: bool) -> None:
        call("zarr_array_set_write_empty_chunks", self.handle, 1 if enable else 0)

    @property
    def dimension_names(self):
        """zarr_array_dimension_names: a list (entries may be None) or None."""
        return json.loads(_sized_text("zarr_array_dimension_names", self.handle))

    def set_dimension_names(self, names) -> None:
        """zarr_array_set_dimension_names from a list, or None to remove them."""
        call("zarr_array_set_dimension_names", self.handle, json.dumps(names).encode())

    def _mem_dtype(self, mem_type: int) -> np.dtype:
        return self.dtype if mem_type == NATIVE else CODE_TO_DTYPE[mem_type]

    def _selection(self, start, count, stride, shape=None):
        shape = self.shape if shape is None else shape
        n = len(shape)
        start = [0] * n if start is None else list(start)
        if stride is not None:
            stride = list(stride)
        if count is None:
            count = []
            for d in range(n):
                step = 1 if stride is None else stride[d]
                remaining = shape[d] - start[d]
                count.append(max(0, -(-remaining // step)))
        count = list(count)
        if not (len(start) == len(count) == n) or (stride is not None and len(stride) != n):
            raise ValueError("start/count/stride must have ndim entries")
        return start, count, stride

    def read(self, start=None, count=None, stride=None, mem_type: int = NATIVE) -> np.ndarray:
        """zarr_array_read into a fresh C-order, native-endian numpy array of
        shape `count`. Defaults: start 0, count = to the end (with stride)."""
        start, count, stride = self._selection(start, count, stride)
        out = np.empty(tuple(count), dtype=self._mem_dtype(mem_type))
        start_a = _u64_array(start)
        count_a = _u64_array(count)
        stride_a = None if stride is None else _i64_array(stride)
        call(
            "zarr_array_read",
            self.handle,
            _ptr(start_a, c_uint64),
            _ptr(count_a, c_uint64),
            _ptr(stride_a, c_int64),
            mem_type,
            out.ctypes.data_as(c_void_p),
            out.nbytes,
        )
        return out

    def write(self, data, start=None, stride=None, mem_type: int = NATIVE) -> None:
        """zarr_array_write of `data` (converted to the memory type, C order,
        native endian); count = data.shape."""
        dt = self._mem_dtype(mem_type)
        buf = np.require(np.asarray(data, dtype=dt), dtype=dt, requirements=["C", "A"])
        n = self.ndim
        if buf.ndim != n:
            raise ValueError(f"data has {buf.ndim} dims, array has {n}")
        start = [0] * n if start is None else list(start)
        start_a = _u64_array(start)
        count_a = _u64_array(buf.shape)
        stride_a = None if stride is None else _i64_array(stride)
        call(
            "zarr_array_write",
            self.handle,
            _ptr(start_a, c_uint64),
            _ptr(count_a, c_uint64),
            _ptr(stride_a, c_int64),
            mem_type,
            buf.ctypes.data_as(c_void_p),
            buf.nbytes,
        )

    def resize(self, shape) -> None:
        """zarr_array_resize to `shape` (same rank)."""
        shape_a = _u64_array(list(shape))
        call("zarr_array_resize", self.handle, _ptr(shape_a, c_uint64))

    def append(self, data, axis: int = 0, mem_type: int = NATIVE) -> None:
        """zarr_array_append of `data` (the slab: the array's shape with
        data.shape[axis] on `axis`) along `axis`."""
        dt = self._mem_dtype(mem_type)
        buf = np.require(np.asarray(data, dtype=dt), dtype=dt, requirements=["C", "A"])
        if buf.ndim != self.ndim:
            raise ValueError(f"data has {buf.ndim} dims, array has {self.ndim}")
        call(
            "zarr_array_append",
            self.handle,
            axis,
            buf.shape[axis] if 0 <= axis < buf.ndim else 1,
            mem_type,
            buf.ctypes.data_as(c_void_p),
            buf.nbytes,
        )
