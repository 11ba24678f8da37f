#!/usr/bin/env python3
"""Write the committed cases of the bad input battery (tests/battery/cases/)
and their manifest (tests/battery/manifest.tsv). Python standard library
only; run it again after changing a case and commit the output.

Each case is a small store directory. The manifest line says what to do
with it and the exact status expected (tests/battery.rs runs it through the
C API):

    case <TAB> operation <TAB> expected status <TAB> expected values (reads) <TAB> why

Operations: `open` (open the root, then the node at `a`), `root` (open the
root only), `read` (open `a` and read it whole as int32), `attrs` (open
`a` and get its attributes with zarr_attrs_get), `path:P` (open
the root, then zarr_group_open(root, P)). Expected values: the int32s a
successful read must return (a read that succeeds with other values is a
silent wrong answer, the worst outcome), or for an error `names:TEXT`, what
its message must name (the file at fault).

Cases made at test time instead (FIFOs, device links, symbolic links,
documents of hundreds of MB, decompression bombs, address-space limits)
live in tests/battery.rs.

N5 containers (n5_*): bad attributes.json documents and malformed blocks
(unknown mode, a header larger than the block or of another rank,
truncated payloads, corrupt compression).
"""
import gzip
import json
import os
import shutil
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")

_CRC_TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    _CRC_TABLE.append(c)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def le_i32(vals):
    return struct.pack("<%di" % len(vals), *vals)


V3_GROUP = {"zarr_format": 3, "node_type": "group", "attributes": {}}


def v3_array(shape=(8,), chunks=(4,), dtype="int32", codecs=None, **extra):
    doc = {
        "zarr_format": 3,
        "node_type": "array",
        "shape": list(shape),
        "data_type": dtype,
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(chunks)}},
        "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
        "fill_value": 0,
        "codecs": codecs if codecs is not None else [{"name": "bytes", "configuration": {"endian": "little"}}],
    }
    doc.update(extra)
    return doc


def v2_array(shape=(8,), chunks=(4,), dtype="<i4", compressor=None, filters=None, **extra):
    doc = {
        "zarr_format": 2,
        "shape": list(shape),
        "chunks": list(chunks),
        "dtype": dtype,
        "compressor": compressor,
        "fill_value": 0,
        "order": "C",
        "filters": filters,
    }
    doc.update(extra)
    return doc


manifest = []


def case(name, files, op, status, values="", why=""):
    """files: {relative path: bytes or JSON-able object}."""
    d = os.path.join(CASES, name)
    os.makedirs(d)
    for rel, content in files.items():
        p = os.path.join(d, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if not isinstance(content, bytes):
            content = json.dumps(content).encode()
        with open(p, "wb") as f:
            f.write(content)
    manifest.append((name, op, status, values, why))


def v3(name, array_doc, op, status, chunks=None, values="", why=""):
    files = {"zarr.json": V3_GROUP}
    if array_doc is not None:
        files["a/zarr.json"] = array_doc
    for k, v in (chunks or {}).items():
        files["a/" + k] = v
    case(name, files, op, status, values, why)


def v2(name, zarray, op, status, chunks=None, values="", why="", zattrs=None):
    files = {".zgroup": {"zarr_format": 2}}
    if zarray is not None:
        files["a/.zarray"] = zarray
    if zattrs is not None:
        files["a/.zattrs"] = zattrs
    for k, v in (chunks or {}).items():
        files["a/" + k] = v
    case(name, files, op, status, values, why)


def main():
    shutil.rmtree(CASES, ignore_errors=True)
    os.makedirs(CASES)
    good = json.dumps(v3_array()).encode()
    ZSTD = [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "zstd", "configuration": {"level": 1}}]
    GZIP = [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "gzip", "configuration": {"level": 1}}]
    CRC = [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "crc32c"}]
    BLOSC = [
        {"name": "bytes", "configuration": {"endian": "little"}},
        {"name": "blosc", "configuration": {"cname": "lz4", "clevel": 5, "shuffle": "shuffle", "typesize": 4, "blocksize": 0}},
    ]

    # ---------------------------------------------------------------- metadata
    v3("v3_truncated_json", good[: len(good) // 2], "open", "ZARR_EMETA", why="zarr.json cut in half")
    v3("v3_not_an_object", b"[1, 2, 3]", "open", "ZARR_EMETA")
    v3("v3_invalid_utf8", b'{"zarr_format": 3, "node_type": "\xff\xfe"}', "open", "ZARR_EMETA")
    v3("v3_nested_10000_deep", b"[" * 10000 + b"]" * 10000, "open", "ZARR_EMETA", why="no stack overflow in the parser")
    v3("v3_empty_file", b"", "open", "ZARR_EMETA")
    doc = v3_array()
    del doc["shape"]
    v3("v3_missing_shape", doc, "open", "ZARR_EMETA")
    v3("v3_negative_extent", v3_array(shape=(-8,)), "open", "ZARR_EMETA")
    v3("v3_fractional_extent", v3_array(shape=(8.5,)), "open", "ZARR_EMETA")
    v3("v3_rank_mismatch", v3_array(shape=(8, 8), chunks=(4,)), "open", "ZARR_EMETA")
    v3("v3_zero_chunk_extent", v3_array(chunks=(0,)), "open", "ZARR_EMETA")
    v3("v3_extent_2_63", v3_array(shape=(2**63,)), "open", "ZARR_EMETA", why="unopenable extent in a stored document")
    v3("v3_extent_2_64", v3_array(shape=(2**64,)), "open", "ZARR_EMETA")
    v3("v3_chunk_of_2_80_bytes", v3_array(shape=(8, 8), chunks=(2**40, 2**40)), "open", "ZARR_EMETA")
    v3("v3_unknown_data_type", v3_array(dtype="complex256"), "open", "ZARR_EUNSUPPORTED")
    v3("v3_unknown_codec", v3_array(codecs=CRC[:1] + [{"name": "nosuchcodec"}]), "open", "ZARR_EUNSUPPORTED")
    v3("v3_no_array_to_bytes_codec", v3_array(codecs=[{"name": "zstd"}]), "open", "ZARR_EMETA")
    v3("v3_codecs_not_a_list", v3_array(codecs={"name": "bytes"}), "open", "ZARR_EMETA")
    v3("v3_bad_fill_value", v3_array(fill_value="lots"), "open", "ZARR_EMETA")
    v3("v3_bad_zstd_level", v3_array(codecs=CRC[:1] + [{"name": "zstd", "configuration": {"level": "max"}}]), "open", "ZARR_EMETA")
    doc = v3_array()
    doc["chunk_grid"] = {"name": "frobnicate", "configuration": {}}
    v3("v3_unknown_chunk_grid", doc, "open", "ZARR_EUNSUPPORTED")
    doc = v3_array()
    doc["chunk_key_encoding"] = {"name": "default", "configuration": {"separator": "\\"}}
    v3("v3_bad_separator", doc, "open", "ZARR_EMETA")
    v3("v3_node_type_unknown", dict(v3_array(), node_type="table"), "open", "ZARR_EMETA")
    v3("v3_group_zarr_format_4", dict(V3_GROUP, zarr_format=4), "open", "ZARR_EMETA")
    shard = lambda inner, codecs=None: [{"name": "sharding_indexed", "configuration": {
        "chunk_shape": inner, "codecs": codecs or CRC[:1],
        "index_codecs": CRC, "index_location": "end"}}]
    v3("v3_shard_zero_inner_extent", v3_array(shape=(8, 8), chunks=(8, 8), codecs=shard([0, 4])), "open", "ZARR_EMETA")
    v3("v3_shard_inner_not_dividing", v3_array(shape=(8, 8), chunks=(8, 8), codecs=shard([3, 4])), "open", "ZARR_EMETA")
    v3("v3_shard_inner_rank", v3_array(shape=(8, 8), chunks=(8, 8), codecs=shard([4])), "open", "ZARR_EMETA")
    v2("v2_truncated_zarray", json.dumps(v2_array()).encode()[:30], "open", "ZARR_EMETA")
    v2("v2_unknown_dtype", v2_array(dtype="<q9"), "open", "ZARR_EUNSUPPORTED")
    v2("v2_unknown_compressor", v2_array(compressor={"id": "nosuch"}), "open", "ZARR_EUNSUPPORTED")
    v2("v2_bad_order", v2_array(order="X"), "open", "ZARR_EMETA")
    v2("v2_zattrs_not_an_object", v2_array(), "attrs", "ZARR_EMETA", zattrs=[1, 2],
       why="the array opens; its attributes are the error")
    v2("v2_zattrs_truncated", v2_array(), "attrs", "ZARR_EMETA", zattrs=b'{"units": "K"')
    v2("v2_filters_not_a_list", v2_array(filters={"id": "delta"}), "open", "ZARR_EMETA")
    zm = json.dumps({"zarr_consolidated_format": 1, "metadata": {
        ".zgroup": {"zarr_format": 2}, "a/.zarray": v2_array()}}).encode()
    case("v2_consolidated_truncated", {".zgroup": {"zarr_format": 2}, "a/.zarray": v2_array(),
                                       ".zmetadata": zm[: len(zm) - 10]},
         "root", "ZARR_EMETA", why="open with {\"consolidated\": false} to skip it")
    case("v2_consolidated_wrong_format", {".zgroup": {"zarr_format": 2}, "a/.zarray": v2_array(),
                                          ".zmetadata": {"zarr_consolidated_format": 7, "metadata": {}}},
         "root", "ZARR_EMETA")

    # ------------------------------------------------------------------ chunks
    vals = list(range(8))
    c0, c1 = le_i32(vals[:4]), le_i32(vals[4:])
    # Documents as Python writes them, and stores without root metadata.
    v2("v2_zattrs_truncated_data_readable", v2_array(), "read", "ZARR_OK", {"0": c0, "1": c1},
       "0,1,2,3,4,5,6,7", zattrs=b'{"units": "K"', why="one bad attribute never hides the data")
    case("v3_python_nan_attributes", {"zarr.json": V3_GROUP, "a/zarr.json": json.dumps(
        v3_array(attributes={"m": float("nan"), "i": [float("inf"), float("-inf")]})).encode(),
        "a/c/0": c0, "a/c/1": c1}, "read", "ZARR_OK", "0,1,2,3,4,5,6,7", "bare NaN / Infinity as Python's json writes")
    case("v3_python_nan_truncated", {"zarr.json": V3_GROUP, "a/zarr.json": json.dumps(
        v3_array(attributes={"m": float("nan")})).encode()[:-30]}, "open", "ZARR_EMETA")
    case("rootless_v2_array", {"a/.zarray": v2_array(), "a/0": c0, "a/1": c1}, "read", "ZARR_OK",
         "0,1,2,3,4,5,6,7", "no root metadata: an implicit root group")
    case("rootless_three_levels_down", {"x/y/z/.zarray": v2_array()}, "root", "ZARR_ENOTFOUND",
         why="no node within two levels")
    # N5 (dimensions [8], blocks of [4], int32, raw unless said): block
    # headers are u16 mode, u16 rank, u32 extents (big-endian), then elements.
    def n5_block(vals, dims=None, mode=0, rank=None):
        dims = dims or [len(vals)]
        head = struct.pack(">HH", mode, rank or len(dims)) + b"".join(struct.pack(">I", d) for d in dims)
        return head + struct.pack(">%di" % len(vals), *vals)

    def n5(name, op, status, blocks, values="", why="", dims=(8,), compression=None, doc=None):
        files = {"attributes.json": {"n5": "4.0.0"}}
        files["a/attributes.json"] = doc if doc is not None else {
            "dimensions": list(dims), "blockSize": [4], "dataType": "int32",
            "compression": compression or {"type": "raw"}}
        for k, v in blocks.items():
            files["a/" + k] = v
        case(name, files, op, status, values, why)
    good = {"0": n5_block([0, 1, 2, 3]), "1": n5_block([4, 5, 6, 7])}
    n5("n5_ok", "read", "ZARR_OK", good, "0,1,2,3,4,5,6,7", "the N5 control")
    n5("n5_edge_block_clipped", "read", "ZARR_OK", {"0": n5_block([0, 1, 2, 3]), "1": n5_block([4, 5])},
       "0,1,2,3,4,5", "an edge block stored at its clipped size, as N5 requires", dims=(6,))
    n5("n5_missing_block_is_zero", "read", "ZARR_OK", {"1": n5_block([4, 5, 6, 7])}, "0,0,0,0,4,5,6,7",
       "N5's fill value is 0")
    n5("n5_attributes_not_json", "open", "ZARR_EMETA", good, "names:attributes.json", doc=b"{\"dimensions\": [8")
    n5("n5_unknown_compression", "open", "ZARR_EUNSUPPORTED", good, "names:lzma9",
       compression={"type": "lzma9"})
    # (Without blockSize a document is a group's, as n5-java decides.)
    n5("n5_dimensions_not_a_list", "open", "ZARR_EMETA", good, "names:attributes.json",
       doc={"dimensions": "eight", "blockSize": [4], "dataType": "int32", "compression": {"type": "raw"}})
    n5("n5_block_size_zero", "open", "ZARR_EMETA", good, "names:attributes.json",
       doc={"dimensions": [8], "blockSize": [0], "dataType": "int32", "compression": {"type": "raw"}})
    n5("n5_header_larger_than_block", "read", "ZARR_ECODEC",
       {"0": n5_block([0, 1, 2, 3, 4]), "1": n5_block([4, 5, 6, 7])}, "names:a/0")
    n5("n5_header_rank_mismatch", "read", "ZARR_ECODEC",
       {"0": n5_block([0, 1, 2, 3], dims=[4, 1]), "1": n5_block([4, 5, 6, 7])}, "names:a/0")
    n5("n5_block_truncated", "read", "ZARR_ECODEC",
       {"0": n5_block([0, 1, 2, 3])[:-3], "1": n5_block([4, 5, 6, 7])}, "names:a/0")
    n5("n5_block_header_only_half", "read", "ZARR_ECODEC", {"0": b"\0\0\0", "1": n5_block([4, 5, 6, 7])},
       "names:a/0")
    n5("n5_block_unknown_mode", "read", "ZARR_ECODEC",
       {"0": n5_block([0, 1, 2, 3], mode=7), "1": n5_block([4, 5, 6, 7])}, "names:a/0")
    gz = n5_block([0, 1, 2, 3])[:8] + b"\x1f\x8b\x08\x00garbage"
    n5("n5_gzip_garbage", "read", "ZARR_ECODEC", {"0": gz}, "names:a/0", compression={"type": "gzip"})
    v3("chunk_ok", v3_array(), "read", "ZARR_OK", {"c/0": c0, "c/1": c1}, "0,1,2,3,4,5,6,7",
       why="the control: a good store reads right")
    v3("chunk_missing_is_fill", v3_array(fill_value=-1), "read", "ZARR_OK", {"c/1": c1}, "-1,-1,-1,-1,4,5,6,7")
    v3("raw_chunk_short", v3_array(), "read", "ZARR_ECODEC", {"c/0": c0[:15], "c/1": c1})
    v3("raw_chunk_long", v3_array(), "read", "ZARR_ECODEC", {"c/0": c0 + b"\0", "c/1": c1},
       why="decodes to more than the chunk")
    v3("raw_chunk_empty", v3_array(), "read", "ZARR_ECODEC", {"c/0": b"", "c/1": c1})
    v3("zstd_garbage", v3_array(codecs=ZSTD), "read", "ZARR_ECODEC", {"c/0": b"\x28\xb5\x2f\xfd" + b"\x55" * 40})
    # A frame of 12 bytes (stored as a raw block) where the chunk holds 16.
    raw_frame = b"\x28\xb5\x2f\xfd\x20\x0c\x61\x00\x00" + le_i32([1, 2, 3])
    v3("zstd_decodes_to_12_of_16", v3_array(codecs=ZSTD), "read", "ZARR_ECODEC", {"c/0": raw_frame})
    gz = gzip.compress(c0, mtime=0)
    v3("gzip_truncated", v3_array(codecs=GZIP), "read", "ZARR_ECODEC", {"c/0": gz[:-6]})
    v3("gzip_decodes_to_20_of_16", v3_array(codecs=GZIP), "read", "ZARR_ECODEC",
       {"c/0": gzip.compress(c0 + b"1234", mtime=0)})
    v3("gzip_ok", v3_array(codecs=GZIP), "read", "ZARR_OK", {"c/0": gz, "c/1": gzip.compress(c1, mtime=0)},
       "0,1,2,3,4,5,6,7")
    ZLIB = [CRC[0], {"name": "numcodecs.zlib", "configuration": {"level": 1}}]
    v3("zlib_garbage", v3_array(codecs=ZLIB), "read", "ZARR_ECODEC", {"c/0": b"\x78\x9c" + b"\xff" * 30})
    v3("zlib_decodes_to_8_of_16", v3_array(codecs=ZLIB), "read", "ZARR_ECODEC", {"c/0": zlib.compress(c0[:8])})
    v3("crc32c_mismatch", v3_array(codecs=CRC), "read", "ZARR_ECODEC",
       {"c/0": c0 + struct.pack("<I", crc32c(c0) ^ 1)})
    v3("crc32c_missing", v3_array(codecs=CRC), "read", "ZARR_ECODEC", {"c/0": c0[:3]})
    v3("crc32c_ok", v3_array(codecs=CRC), "read", "ZARR_OK",
       {"c/0": c0 + struct.pack("<I", crc32c(c0)), "c/1": c1 + struct.pack("<I", crc32c(c1))}, "0,1,2,3,4,5,6,7")
    # blosc header: version 2, versionlz 1, flags (memcpyed), typesize 4, nbytes, blocksize, cbytes.
    def blosc_memcpy(data, claim=None):
        n = len(data) if claim is None else claim
        return struct.pack("<BBBBIII", 2, 1, 0x02, 4, n, n, 16 + len(data)) + data
    v3("blosc_header_claims_2gb", v3_array(codecs=BLOSC), "read", "ZARR_ECODEC",
       {"c/0": blosc_memcpy(b"\0" * 192, claim=2_000_000_000)})
    v3("blosc_truncated", v3_array(codecs=BLOSC), "read", "ZARR_ECODEC", {"c/0": blosc_memcpy(c0)[:-3]})
    v3("blosc_ok", v3_array(codecs=BLOSC), "read", "ZARR_OK", {"c/0": blosc_memcpy(c0), "c/1": blosc_memcpy(c1)},
       "0,1,2,3,4,5,6,7")
    # blosc outermost (crc32c nearer the array): the header's size is only bounded.
    v3("blosc_outermost_claims_2gb", v3_array(codecs=CRC + BLOSC[1:]), "read", "ZARR_ECODEC",
       {"c/0": blosc_memcpy(b"\0" * 192, claim=2_000_000_000)})
    LZ4 = [CRC[0], {"name": "numcodecs.lz4", "configuration": {"acceleration": 1}}]
    v3("lz4_header_claims_4gb", v3_array(codecs=LZ4), "read", "ZARR_ECODEC", {"c/0": b"\xff\xff\xff\xff" + b"\x10" * 20})
    v2("v2_delta_odd_length", v2_array(filters=[{"id": "delta", "dtype": "<i4"}]), "read", "ZARR_ECODEC",
       {"0": c0[:14], "1": c1})
    v2("v2_zlib_ok", v2_array(compressor={"id": "zlib", "level": 1}), "read", "ZARR_OK",
       {"0": zlib.compress(c0), "1": zlib.compress(c1)}, "0,1,2,3,4,5,6,7")
    v2("v2_nested_chunk_is_directory", v2_array(), "read", "ZARR_OK", {"0/x": b"junk", "1": c1},
       "0,0,0,0,4,5,6,7", why="a directory at a chunk key is a missing chunk")

    # ------------------------------------------------------------ shard indexes
    # A [8] int32 array, one shard of [8] holding two inner chunks of [4] (raw),
    # index (offset, nbytes) u64 pairs + crc32c at the end.
    def shard_of(inner_chunks, entries=None, crc_fix=True):
        body = b"".join(inner_chunks)
        if entries is None:
            entries, off = [], 0
            for ch in inner_chunks:
                entries.append((off, len(ch)))
                off += len(ch)
        idx = b"".join(struct.pack("<QQ", o, n) for o, n in entries)
        crc = crc32c(idx) if crc_fix else crc32c(idx) ^ 0xFFFF
        return body + idx + struct.pack("<I", crc)
    sdoc = v3_array(shape=(8,), chunks=(8,), codecs=shard([4]))
    E = 2**64 - 1
    v3("shard_ok", sdoc, "read", "ZARR_OK", {"c/0": shard_of([c0, c1])}, "0,1,2,3,4,5,6,7")
    v3("shard_empty_entry_is_fill", sdoc, "read", "ZARR_OK", {"c/0": shard_of([c1], entries=[(E, E), (0, 16)])},
       "0,0,0,0,4,5,6,7")
    v3("shard_index_bad_crc", sdoc, "read", "ZARR_ECODEC", {"c/0": shard_of([c0, c1], crc_fix=False)})
    v3("shard_entry_past_end", sdoc, "read", "ZARR_ECODEC", {"c/0": shard_of([c0, c1], entries=[(0, 16), (16, 4000)])})
    v3("shard_entry_overflows", sdoc, "read", "ZARR_ECODEC", {"c/0": shard_of([c0, c1], entries=[(0, 16), (2**64 - 8, 16)])})
    v3("shard_entry_half_empty", sdoc, "read", "ZARR_ECODEC", {"c/0": shard_of([c0, c1], entries=[(0, 16), (E, 16)])})
    v3("shard_inner_chunk_short", sdoc, "read", "ZARR_ECODEC", {"c/0": shard_of([c0, c1[:12]])})
    v3("shard_shorter_than_index", sdoc, "read", "ZARR_ECODEC", {"c/0": b"\0" * 20})
    v3("shard_empty_file", sdoc, "read", "ZARR_ECODEC", {"c/0": b""})

    # ------------------------------------------------------------------- paths
    base = {"zarr.json": V3_GROUP, "a/zarr.json": v3_array()}
    for label, path, status in [
        ("dotdot", "../outside", "ZARR_EINVAL"),
        ("dotdot_inner", "a/../../outside", "ZARR_EINVAL"),
        ("dot", "./a", "ZARR_EINVAL"),
        ("backslash", "a\\\\b", "ZARR_EINVAL"),
        ("metadata_name", "zarr.json", "ZARR_EINVAL"),
        ("reserved_dot_z", ".zarr-locks", "ZARR_EINVAL"),
        ("missing", "nope/deeper", "ZARR_ENOTFOUND"),
        ("below_an_array", "a/inner", "ZARR_ENOTFOUND"),
    ]:
        case("path_" + label, base, "path:" + path.replace("\\\\", "\\"), status)

    with open(os.path.join(HERE, "manifest.tsv"), "w") as f:
        f.write("# case\toperation\texpected status\texpected values\twhy (written by make_cases.py)\n")
        for row in manifest:
            f.write("\t".join(row) + "\n")
    print(f"{len(manifest)} cases")


if __name__ == "__main__":
    main()
