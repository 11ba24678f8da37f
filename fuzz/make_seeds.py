#!/usr/bin/env python3
"""Write the seed corpora of the fuzz targets (fuzz/corpus/<target>/seed-*)
from the test fixtures: the numcodecs codec fixtures (tests/fixtures/codecs)
and the bad input battery (tests/battery/cases). Python standard library
only. Inputs that once crashed a target are kept beside the seeds as
crash-* files and never removed by this script."""
import bz2
import glob
import gzip
import lzma
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORPUS = os.path.join(HERE, "corpus")
MAX = 4096  # libFuzzer's default -max_len

_T = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    _T.append(c)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _T[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def seeds(target, items):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    for old in glob.glob(os.path.join(d, "seed-*")):
        os.remove(old)
    n = 0
    for data in items:
        if len(data) <= MAX:
            with open(os.path.join(d, "seed-%03d" % n), "wb") as f:
                f.write(data)
            n += 1
    return n


def read(p):
    with open(p, "rb") as f:
        return f.read()


def main():
    cases = os.path.join(ROOT, "tests", "battery", "cases")
    counts = {}
    counts["metadata_v3"] = seeds("metadata_v3", [read(p) for p in sorted(glob.glob(cases + "/*/a/zarr.json"))])
    v2 = []
    for p in sorted(glob.glob(cases + "/*/a/.zarray")):
        z = os.path.join(os.path.dirname(p), ".zattrs")
        v2.append(read(p) + (b"\0" + read(z) if os.path.exists(z) else b""))
    counts["metadata_v2"] = seeds("metadata_v2", v2)
    good_v3 = json.loads(read(os.path.join(cases, "chunk_ok", "a", "zarr.json")))
    root_v3 = {"zarr_format": 3, "node_type": "group", "attributes": {},
               "consolidated_metadata": {"kind": "inline", "must_understand": False,
                                         "metadata": {"a": good_v3, "g": {"zarr_format": 3, "node_type": "group"}}}}
    cons = [b"\0" + json.dumps(root_v3).encode()]
    cons += [b"\1" + read(p) for p in sorted(glob.glob(cases + "/*/.zmetadata"))]
    good_v2 = read(os.path.join(cases, "v2_zlib_ok", "a", ".zarray"))
    cons.append(b"\1" + json.dumps({"zarr_consolidated_format": 1, "metadata": {
        ".zgroup": {"zarr_format": 2}, "a/.zarray": json.loads(good_v2), "a/.zattrs": {"units": "K"}}}).encode())
    counts["consolidated"] = seeds("consolidated", cons)

    fixtures = os.path.join(ROOT, "tests", "fixtures", "codecs")
    for codec in ["blosc", "zstd", "gzip", "zlib", "lz4", "crc32c", "delta", "shuffle", "bitround", "quantize",
                  "fixedscaleoffset"]:
        items = []
        for j in sorted(glob.glob(os.path.join(fixtures, codec + "_*.json"))):
            stem = j[:-5]
            cfg = json.dumps(json.load(open(j))["config"], separators=(",", ":")).encode()
            raw = read(stem + ".raw")
            if len(cfg) > 255 or len(raw) > 0xFFFF:
                continue
            items.append(struct.pack("<HB", len(raw), len(cfg)) + cfg + read(stem + ".enc"))
        counts["codec_" + codec] = seeds("codec_" + codec, items)

    # transpose: rank byte, extents, order, data.
    tr = [bytes([1, 2, 3, 1, 0]) + bytes(range(12)), bytes([2, 1, 2, 3, 2, 0, 1]) + bytes(range(2 * 2 * 3 * 4 * 2))]
    counts["codec_transpose"] = seeds("codec_transpose", tr)

    # shard_index: flags byte, then a [4, 4] uint16 shard of four [2, 2] inner chunks.
    def shard(chunks, at_start=False):
        idx_len = 4 * 16 + 4
        off0 = idx_len if at_start else 0
        entries, body, off = [], b"", off0
        for ch in chunks:
            if ch is None:
                entries.append((2**64 - 1, 2**64 - 1))
            else:
                entries.append((off, len(ch)))
                body += ch
                off += len(ch)
        idx = b"".join(struct.pack("<QQ", o, n) for o, n in entries)
        idx += struct.pack("<I", crc32c(idx))
        return idx + body if at_start else body + idx
    inner = [struct.pack("<4H", *range(4 * k, 4 * k + 4)) for k in range(4)]
    si = [b"\0" + shard(inner), b"\1" + shard(inner, at_start=True), b"\0" + shard([inner[0], None, None, inner[3]])]
    counts["shard_index"] = seeds("shard_index", si)

    counts["paths"] = seeds("paths", [s.encode() for s in [
        "", "g", "g/a", "b", "/g//a/", "../x", "g/../b", "a\\b", ".zarray", "zarr.json", "g/zarr.json",
        "file:///tmp/nonexistent%20dir", "file://localhost/tmp", "file://rel", "c/0/0", "\u00e9t\u00e9/x"]])
    counts["c_api_selection"] = seeds("c_api_selection", [
        bytes([0, 7, 1, 0, 9, 1, 0, 1, 0]),   # all, int16, read
        bytes([1, 3, 2, 2, 4, 2, 3, 1, 0]),   # strided, float64
        bytes([0, 7, 1, 0, 9, 1, 0, 1, 1]),   # all, write back
        bytes([6, 1, 1, 8, 1, 1, 4, 2, 0]),   # corner, uint8
        bytes([0xff, 1, 1, 0, 1, 1, 0, 1, 0]),  # huge start
        bytes([0, 0xff, 1, 0, 1, 1, 0, 1, 0]),  # huge count
        bytes([0, 2, 0, 0, 2, 0xfe, 0, 1, 0]),  # zero and negative strides
        bytes([0, 7, 1, 0, 9, 1, 0, 0, 0]),   # short buffer
    ])
    # N5: attributes.json documents, blocks, and the numcodecs bz2 codec.
    n5_docs = [
        {"dimensions": [10, 7], "blockSize": [4, 3], "dataType": "int16", "compression": {"type": "raw"}},
        {"dimensions": [5, 6, 7], "blockSize": [2, 3, 4], "dataType": "float64", "axes": ["x", "y", "z"],
         "compression": {"type": "gzip", "level": -1, "useZlib": False}, "units": ["m", "m", "m"]},
        {"dimensions": [100], "blockSize": [10], "dataType": "uint64", "compression": {"type": "bzip2", "blockSize": 9}},
        {"dimensions": [3, 3], "blockSize": [2, 2], "dataType": "uint8", "compressionType": "xz"},
        {"dimensions": [8], "blockSize": [8], "dataType": "float32",
         "compression": {"type": "blosc", "cname": "zstd", "clevel": 3, "shuffle": 2, "blocksize": 0}},
        {"dimensions": [8], "blockSize": [0], "dataType": "int32", "compression": {"type": "zstd", "level": 3}},
        {"n5": "4.0.0"},
    ]
    counts["metadata_n5"] = seeds("metadata_n5", [json.dumps(d).encode() for d in n5_docs])

    def n5_block(comp, dtype_ix, shape, header_shape, fmt, mode=0):
        n = 1
        for d in header_shape:
            n *= d
        body = struct.pack(">%d%s" % (n, fmt), *[(i * 7) % 100 for i in range(n)])
        body = {0: lambda b: b, 1: gzip.compress, 2: bz2.compress,
                3: lambda b: lzma.compress(b, format=lzma.FORMAT_XZ)}[comp](body)
        head = struct.pack(">HH", mode, len(header_shape)) + b"".join(
            struct.pack(">I", d) for d in reversed(header_shape))
        if mode == 1:
            head += struct.pack(">I", n)
        return bytes([comp, dtype_ix, len(shape) - 1]) + bytes(d - 1 for d in shape) + head + body
    counts["n5_block"] = seeds("n5_block", [
        n5_block(0, 1, [3, 4], [3, 4], "h"),
        n5_block(0, 1, [3, 4], [2, 4], "h"),          # clipped edge block
        n5_block(0, 5, [2, 2, 2], [2, 2, 2], "d", mode=1),
        n5_block(1, 0, [8], [5], "B"),
        n5_block(2, 2, [4, 4], [4, 4], "I"),
        n5_block(3, 3, [2, 3], [2, 3], "q"),
        n5_block(3, 4, [6], [6], "f"),
    ])

    def vlen_chunk(values):
        out = struct.pack("<I", len(values))
        for v in values:
            out += struct.pack("<I", len(v)) + v
        return out
    counts["vlen"] = seeds("vlen", [
        bytes([3, 0]) + vlen_chunk([b"abc", b"", "\u00e9t\u00e9".encode()]),
        bytes([2, 1]) + vlen_chunk([b"\xff\x00", b"bytes"]),
        bytes([1, 0]) + vlen_chunk([b"x" * 40]),
        bytes([2, 0]) + struct.pack("<II", 2, 1000) + b"short",  # a length past the end
    ])

    bz_items = []
    for raw in [bytes(range(256)) * 4, b"\0" * 1000, b"netcdf " * 50]:
        cfg = b'{"level":1}'
        bz_items.append(struct.pack("<HB", len(raw), len(cfg)) + cfg + bz2.compress(raw, 1))
    counts["codec_bz2"] = seeds("codec_bz2", bz_items)

    for k, v in counts.items():
        print(f"{k}: {v} seeds")


if __name__ == "__main__":
    main()
