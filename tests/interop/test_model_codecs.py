"""Codecs climate models use (numcodecs filters): zarr-python 3 writes v2 and
v3 arrays with them and the C API reads them exactly; the C API writes with
them and zarr-python reads identical values."""

from __future__ import annotations

import json

import numcodecs
import numpy as np
import pytest
import zarr
from zarr.codecs.numcodecs import LZ4, BitRound, FixedScaleOffset, Quantize, Shuffle

import libzarr
from helpers import assert_same


def _data(dtype):
    i = np.arange(7 * 10).reshape(7, 10)
    return (np.sin(i / 5.0) * 1000.0).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("fmt", [2, 3])
def test_zarr_python_bitround_reads_through_c(tmp_path, dtype, fmt):
    data = _data(dtype)
    path = tmp_path / "zp.zarr"
    filt = numcodecs.BitRound(keepbits=7) if fmt == 2 else BitRound(keepbits=7)
    z = zarr.create_array(str(path), shape=data.shape, chunks=(3, 4), dtype=dtype,
                          filters=[filt], compressors=None, zarr_format=fmt)
    z[...] = data
    want = z[...]
    assert not np.array_equal(want, data)  # rounding happened
    with libzarr.open(path, libzarr.READ) as root, root.open_array("") as a:
        assert_same(a.read(), want)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_c_v3_bitround_reads_in_zarr_python(tmp_path, dtype):
    data = _data(dtype)
    path = tmp_path / "c.zarr"
    codecs = [{"id": "bitround", "keepbits": 7}, {"name": "zstd", "configuration": {"level": 1}}]
    with libzarr.open(path, libzarr.CREATE) as root:
        with root.create_array("d", data.dtype, data.shape, (3, 4), codecs=json.dumps(codecs)) as a:
            a.write(data)
    doc = json.loads((path / "d" / "zarr.json").read_text())
    assert [c["name"] for c in doc["codecs"]] == ["numcodecs.bitround", "bytes", "zstd"]
    want = numcodecs.BitRound(keepbits=7).encode(data.copy())
    assert_same(zarr.open_array(str(path / "d"), mode="r")[...], np.asarray(want).view(data.dtype).reshape(data.shape))


@pytest.mark.parametrize("fmt", [2, 3])
def test_zarr_python_shuffle_reads_through_c(tmp_path, fmt):
    data = _data("float64")
    path = tmp_path / "zp.zarr"
    if fmt == 2:
        kw = {"filters": [numcodecs.Shuffle(elementsize=8)], "compressors": [numcodecs.Zstd(level=1)]}
    else:
        kw = {"filters": None, "compressors": [Shuffle(elementsize=8), zarr.codecs.ZstdCodec(level=1)]}
    z = zarr.create_array(str(path), shape=data.shape, chunks=(3, 4), dtype="float64", zarr_format=fmt, **kw)
    z[...] = data
    with libzarr.open(path, libzarr.READ) as root, root.open_array("") as a:
        assert_same(a.read(), data)


def test_c_v3_shuffle_reads_in_zarr_python(tmp_path):
    data = _data("float32")
    path = tmp_path / "c.zarr"
    codecs = [{"name": "numcodecs.shuffle", "configuration": {"elementsize": 4}}, {"name": "zstd", "configuration": {"level": 1}}]
    with libzarr.open(path, libzarr.CREATE) as root:
        with root.create_array("d", data.dtype, data.shape, (3, 4), codecs=json.dumps(codecs)) as a:
            a.write(data)
    doc = json.loads((path / "d" / "zarr.json").read_text())
    assert [c["name"] for c in doc["codecs"]] == ["bytes", "numcodecs.shuffle", "zstd"]
    assert_same(zarr.open_array(str(path / "d"), mode="r")[...], data)


@pytest.mark.parametrize("fmt", [2, 3])
def test_zarr_python_lz4_reads_through_c(tmp_path, fmt):
    data = _data("float64")
    path = tmp_path / "zp.zarr"
    comp = numcodecs.LZ4(acceleration=1) if fmt == 2 else LZ4(acceleration=1)
    z = zarr.create_array(str(path), shape=data.shape, chunks=(3, 4), dtype="float64",
                          compressors=[comp], zarr_format=fmt)
    z[...] = data
    with libzarr.open(path, libzarr.READ) as root, root.open_array("") as a:
        assert_same(a.read(), data)


def test_c_v3_lz4_reads_in_zarr_python(tmp_path):
    data = _data("float32")
    path = tmp_path / "c.zarr"
    codecs = [{"id": "lz4", "acceleration": 1}]
    with libzarr.open(path, libzarr.CREATE) as root:
        with root.create_array("d", data.dtype, data.shape, (3, 4), codecs=json.dumps(codecs)) as a:
            a.write(data)
    doc = json.loads((path / "d" / "zarr.json").read_text())
    assert [c["name"] for c in doc["codecs"]] == ["bytes", "numcodecs.lz4"]
    assert_same(zarr.open_array(str(path / "d"), mode="r")[...], data)


def test_zarr_python_v2_fixedscaleoffset_reads_through_c(tmp_path):
    data = _data("float64")
    path = tmp_path / "zp.zarr"
    filt = numcodecs.FixedScaleOffset(offset=0, scale=10, dtype="<f8", astype="<i2")
    z = zarr.create_array(str(path), shape=data.shape, chunks=(3, 4), dtype="<f8",
                          filters=[filt], compressors=None, zarr_format=2)
    z[...] = data
    want = z[...]
    with libzarr.open(path, libzarr.READ) as root, root.open_array("") as a:
        assert_same(a.read(), want)


def test_c_v2_fixedscaleoffset_reads_in_zarr_python(tmp_path):
    data = _data("<f8")
    path = tmp_path / "c.zarr"
    filt = {"id": "fixedscaleoffset", "offset": 0, "scale": 10, "dtype": "<f8", "astype": "<i2"}
    doc = {"zarr_format": 2, "shape": list(data.shape), "chunks": [3, 4], "dtype": "<f8", "order": "C",
           "fill_value": 0, "filters": [filt], "compressor": None, "dimension_separator": "."}
    with libzarr.open(path, libzarr.CREATE, {"zarr_format": 2}) as root:
        with root.create_array_json("a", json.dumps(doc)) as a:
            a.write(data)
    codec = numcodecs.FixedScaleOffset(offset=0, scale=10, dtype="<f8", astype="<i2")
    want = codec.decode(codec.encode(data.copy())).reshape(data.shape)
    assert_same(zarr.open_array(str(path / "a"), mode="r")[...], want)


@pytest.mark.parametrize("astype", ["<i2", "<u1", "<f4", "<i4"])
def test_zarr_python_v3_fixedscaleoffset_reads_through_c(tmp_path, astype):
    data = _data("float64")
    path = tmp_path / "zp.zarr"
    offset, scale = (0, 10) if astype != "<u1" else (-1000, 0.1)
    filt = FixedScaleOffset(offset=offset, scale=scale, astype=astype)
    z = zarr.create_array(str(path), shape=data.shape, chunks=(3, 4), dtype="float64",
                          filters=[filt], compressors=[zarr.codecs.ZstdCodec(level=1)], zarr_format=3)
    z[...] = data
    want = z[...]
    assert not np.array_equal(want, data)
    # The stored elements are astype's size.
    stored = numcodecs.Zstd().decode((path / "c" / "0" / "0").read_bytes())
    assert len(stored) == 3 * 4 * np.dtype(astype).itemsize
    with libzarr.open(path, libzarr.READ) as root, root.open_array("") as a:
        assert_same(a.read(), want)
        assert_same(a.read((1, 2), (3, 4), (2, 2)), want[1:7:2, 2:10:2])


@pytest.mark.parametrize("shuffle", [False, True])
def test_c_v3_fixedscaleoffset_reads_in_zarr_python(tmp_path, shuffle):
    data = _data("float64")
    path = tmp_path / "c.zarr"
    codecs = [{"id": "fixedscaleoffset", "offset": 0, "scale": 10, "dtype": "<f8", "astype": "<i2"}]
    if shuffle:  # a bytes->bytes codec after it sees 2-byte elements
        codecs.append({"name": "numcodecs.shuffle"})
    codecs.append({"name": "zstd", "configuration": {"level": 1}})
    with libzarr.open(path, libzarr.CREATE) as root:
        with root.create_array("d", data.dtype, data.shape, (3, 4), codecs=json.dumps(codecs)) as a:
            a.write(data)
            a.write(np.full((2, 2), 12.34), (5, 8))
    data[5:7, 8:10] = 12.34
    doc = json.loads((path / "d" / "zarr.json").read_text())
    names = [c["name"] for c in doc["codecs"]]
    assert names[:2] == ["numcodecs.fixedscaleoffset", "bytes"]
    if shuffle:
        assert doc["codecs"][2]["configuration"]["elementsize"] == 2
    codec = numcodecs.FixedScaleOffset(offset=0, scale=10, dtype="<f8", astype="<i2")
    want = codec.decode(codec.encode(data.copy())).reshape(data.shape)
    assert_same(zarr.open_array(str(path / "d"), mode="r")[...], want)


def test_fixedscaleoffset_before_sharding_is_refused(tmp_path):
    codecs = [{"id": "fixedscaleoffset", "offset": 0, "scale": 10, "dtype": "<f8", "astype": "<i2"},
              {"name": "sharding_indexed", "configuration": {"chunk_shape": [2], "codecs": [{"name": "bytes"}]}}]
    with libzarr.open(tmp_path / "c.zarr", libzarr.CREATE) as root:
        with pytest.raises(libzarr.ZarrError) as e:
            root.create_array("d", np.dtype("<f8"), (4,), (4,), codecs=json.dumps(codecs))
        assert e.value.status == libzarr.EUNSUPPORTED
        assert "fixedscaleoffset" in e.value.message
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("fmt", [2, 3])
def test_zarr_python_quantize_reads_through_c(tmp_path, dtype, fmt):
    data = _data(dtype)
    path = tmp_path / "zp.zarr"
    if fmt == 2:
        filt = numcodecs.Quantize(digits=2, dtype=dtype)
    else:
        filt = Quantize(digits=2)
    z = zarr.create_array(str(path), shape=data.shape, chunks=(3, 4), dtype=dtype,
                          filters=[filt], compressors=[numcodecs.Zstd(level=1)] if fmt == 2 else None,
                          zarr_format=fmt)
    z[...] = data
    want = z[...]
    assert not np.array_equal(want, data)  # quantizing happened
    with libzarr.open(path, libzarr.READ) as root, root.open_array("") as a:
        assert_same(a.read(), want)


def test_zarr_python_v2_quantize_f8_as_f4_reads_through_c(tmp_path):
    data = _data("<f8")
    path = tmp_path / "zp.zarr"
    filt = numcodecs.Quantize(digits=4, dtype="<f8", astype="<f4")
    z = zarr.create_array(str(path), shape=data.shape, chunks=(3, 4), dtype="<f8",
                          filters=[filt], compressors=None, zarr_format=2)
    z[...] = data
    with libzarr.open(path, libzarr.READ) as root, root.open_array("") as a:
        assert_same(a.read(), z[...])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_c_v3_quantize_reads_in_zarr_python(tmp_path, dtype):
    data = _data(dtype)
    path = tmp_path / "c.zarr"
    codecs = [{"id": "quantize", "digits": 3}, {"name": "zstd", "configuration": {"level": 1}}]
    with libzarr.open(path, libzarr.CREATE) as root:
        with root.create_array("d", data.dtype, data.shape, (3, 4), codecs=json.dumps(codecs)) as a:
            a.write(data)
    doc = json.loads((path / "d" / "zarr.json").read_text())
    assert [c["name"] for c in doc["codecs"]] == ["numcodecs.quantize", "bytes", "zstd"]
    want = numcodecs.Quantize(digits=3, dtype=dtype).encode(data.copy())
    assert_same(zarr.open_array(str(path / "d"), mode="r")[...], np.asarray(want).reshape(data.shape))


# The C API writes v2 arrays with each model codec through zarr_array_create's
# codec list; zarr-python reads the values numcodecs itself would give.
V2_CODEC_CASES = {
    "bitround": ([{"id": "bitround", "keepbits": 9}, {"id": "zstd", "level": 1}],
                 lambda d: np.asarray(numcodecs.BitRound(keepbits=9).encode(d.copy())).view(d.dtype)),
    "shuffle-lz4": ([{"id": "shuffle", "elementsize": 8}, {"id": "lz4", "acceleration": 1}], lambda d: d),
    "lz4": ([{"id": "lz4", "acceleration": 1}], lambda d: d),
    "quantize": ([{"id": "quantize", "digits": 2, "dtype": "<f8"}],
                 lambda d: np.asarray(numcodecs.Quantize(digits=2, dtype="<f8").encode(d.copy()))),
    "quantize-as-f4": ([{"id": "quantize", "digits": 3, "dtype": "<f8", "astype": "<f4"}],
                       lambda d: np.asarray(numcodecs.Quantize(digits=3, dtype="<f8", astype="<f4").encode(d.copy())).astype("<f8")),
}


@pytest.mark.parametrize("case", list(V2_CODEC_CASES))
def test_c_v2_model_codecs_read_in_zarr_python(tmp_path, case):
    codecs, expect = V2_CODEC_CASES[case]
    data = _data("<f8")
    path = tmp_path / "c.zarr"
    with libzarr.open(path, libzarr.CREATE, {"zarr_format": 2}) as root:
        with root.create_array("d", data.dtype, data.shape, (3, 4), codecs=json.dumps(codecs)) as a:
            a.write(data)
            got_back = a.read()
    meta = json.loads((path / "d" / ".zarray").read_text())
    # Filters stay filters; a trailing compressor is the compressor.
    ids = [f["id"] for f in meta["filters"] or []] + ([meta["compressor"]["id"]] if meta["compressor"] else [])
    assert ids == [c["id"] for c in codecs]
    if codecs[-1]["id"] in ("bitround", "shuffle", "quantize"):
        assert meta["compressor"] is None
    want = expect(data).reshape(data.shape)
    z = zarr.open_array(str(path / "d"), mode="r")
    assert_same(z[...], want, f"zarr-python reads C's {case}")
    assert_same(got_back, want, "libzarr reads back")
