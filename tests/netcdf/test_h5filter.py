"""The HDF5 / NCZarr filter plugins (lib__nch5zstd.so, lib__nch5blosc.so)
built on libzarr's codecs: their HDF5 and NCZarr entry points, their bytes
against numcodecs, and the distribution's netCDF-C + HDF5 writing and
reading netCDF-4 files through them (HDF5_PLUGIN_PATH)."""

from __future__ import annotations

import ctypes
import json
import os

import numcodecs
import numpy as np
import pytest

from nchelp import ROOT, cdl_data, run

PLUGINS = ROOT / "build" / "plugins"
NC_EFILTER = -132
FILTER_FN = ctypes.CFUNCTYPE(ctypes.c_size_t, ctypes.c_uint, ctypes.c_size_t, ctypes.POINTER(ctypes.c_uint),
                             ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_void_p))


class H5ZClass2(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int), ("id", ctypes.c_int), ("encoder_present", ctypes.c_uint),
                ("decoder_present", ctypes.c_uint), ("name", ctypes.c_char_p), ("can_apply", ctypes.c_void_p),
                ("set_local", ctypes.c_void_p), ("filter", FILTER_FN)]


class NczCodec(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int), ("sort", ctypes.c_int), ("codecid", ctypes.c_char_p),
                ("hdf5id", ctypes.c_uint), ("initialize", ctypes.c_void_p), ("finalize", ctypes.c_void_p),
                ("to_hdf5", ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t),
                                             ctypes.POINTER(ctypes.POINTER(ctypes.c_uint)))),
                ("hdf5_to_codec", ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_size_t, ctypes.POINTER(ctypes.c_uint),
                                                   ctypes.POINTER(ctypes.c_void_p))),
                ("modify_parameters", ctypes.c_void_p)]


libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]

CASES = {
    "zstd": (32015, [5], numcodecs.Zstd(level=5)),
    "blosc": (32001, [2, 2, 4, 0, 5, 1, 1], numcodecs.Blosc(cname="lz4", clevel=5, shuffle=1)),
}


def load(name):
    lib = ctypes.CDLL(str(PLUGINS / f"lib__nch5{name}.so"))
    lib.H5PLget_plugin_info.restype = ctypes.POINTER(H5ZClass2)
    lib.NCZ_get_codec_info.restype = ctypes.POINTER(NczCodec)
    return lib


def apply(cls, params, data: bytes, reverse: bool) -> bytes:
    buf = libc.malloc(len(data))
    ctypes.memmove(buf, data, len(data))
    p = ctypes.c_void_p(buf)
    size = ctypes.c_size_t(len(data))
    cd = (ctypes.c_uint * len(params))(*params)
    n = cls.filter(0x0100 if reverse else 0, len(params), cd, len(data), ctypes.byref(size), ctypes.byref(p))
    try:
        if n == 0:
            raise ValueError("filter failed")
        return ctypes.string_at(p.value, n)
    finally:
        libc.free(p.value)


@pytest.mark.parametrize("name", list(CASES))
def test_hdf5_entry_points_and_bytes(name):
    hid, params, codec = CASES[name]
    lib = load(name)
    assert lib.H5PLget_plugin_type() == 0  # H5PL_TYPE_FILTER
    cls = lib.H5PLget_plugin_info().contents
    assert (cls.version, cls.id, cls.name) == (1, hid, name.encode())
    data = (np.arange(20000, dtype="<i4") // 7).tobytes()
    # numcodecs' bytes decode through the plugin; the plugin's through numcodecs.
    assert apply(cls, params, bytes(codec.encode(data)), True) == data
    enc = apply(cls, params, data, False)
    assert len(enc) < len(data)
    assert bytes(codec.decode(enc)) == data
    with pytest.raises(ValueError):
        apply(cls, params, b"\x01\x02not compressed", True)


@pytest.mark.parametrize("name", list(CASES))
def test_nczarr_codec_info(name):
    hid, params, codec = CASES[name]
    info = load(name).NCZ_get_codec_info().contents
    assert (info.version, info.sort, info.codecid, info.hdf5id) == (1, 1, name.encode(), hid)
    cfg = codec.get_config()
    cfg.pop("typesize", None)
    n = ctypes.c_size_t()
    out = ctypes.POINTER(ctypes.c_uint)()
    assert info.to_hdf5(json.dumps(cfg).encode(), ctypes.byref(n), ctypes.byref(out)) == 0
    got = [out[i] for i in range(n.value)]
    libc.free(ctypes.cast(out, ctypes.c_void_p))
    text = ctypes.c_void_p()
    arr = (ctypes.c_uint * len(got))(*got)
    assert info.hdf5_to_codec(len(got), arr, ctypes.byref(text)) == 0
    back = json.loads(ctypes.string_at(text.value).decode())
    libc.free(text.value)
    for k in ("id", "level", "cname", "clevel", "shuffle"):
        if k in cfg:
            assert back[k] == cfg[k], (k, back, cfg)
    assert info.to_hdf5(b'{"id": "lzma"}', ctypes.byref(n), ctypes.byref(out)) == NC_EFILTER
    assert info.to_hdf5(b"not json", ctypes.byref(n), ctypes.byref(out)) == NC_EFILTER


CDL = """netcdf f {
dimensions:
  t = 6 ;
  x = 50 ;
variables:
  float v(t, x) ;
  int i(x) ;
data:
  v = %s ;
  i = %s ;
}
"""


@pytest.mark.parametrize("name", list(CASES))
def test_netcdf4_files_through_hdf5(tmp_path, name):
    """nccopy -F writes netCDF-4 (HDF5) with the filter; ncdump reads the
    same values back with the plugins on HDF5_PLUGIN_PATH, and cannot
    without them (so the data really went through the filter)."""
    hid, params, _ = CASES[name]
    v = (np.arange(300, dtype="float32") * np.float32(0.25) - 7).reshape(6, 50)
    i = np.arange(50, dtype="int32") * 3 - 70
    (tmp_path / "f.cdl").write_text(CDL % (", ".join(map(repr, v.ravel().tolist())), ", ".join(map(str, i))))
    run(["ncgen", "-4", "-o", tmp_path / "plain.nc", tmp_path / "f.cdl"], preload=False)
    spec = ",".join(map(str, [hid] + params))
    env = dict(os.environ, HDF5_PLUGIN_PATH=str(PLUGINS))
    run(["nccopy", "-F", f"*,{spec}", tmp_path / "plain.nc", tmp_path / "filtered.nc"], preload=False, env=env)
    special = run(["ncdump", "-s", "-h", tmp_path / "filtered.nc"], preload=False, env=env).stdout
    assert f'v:_Filter = "{spec}"' in special
    got = cdl_data(run(["ncdump", "-p", "9,17", tmp_path / "filtered.nc"], preload=False, env=env).stdout)
    np.testing.assert_array_equal(np.array(got["v"], dtype="float32"), v.ravel())
    np.testing.assert_array_equal(np.array(got["i"]), i)
    bare = dict(os.environ)
    bare.pop("HDF5_PLUGIN_PATH", None)
    p = run(["ncdump", tmp_path / "filtered.nc"], preload=False, check=False, env=bare)
    assert p.returncode != 0 or "v =" not in p.stdout
