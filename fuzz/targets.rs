//! The fuzz targets: one function per parser or decoder that meets untrusted
//! bytes. `fuzz/src/main.rs` hands them to libFuzzer (`make fuzz`);
//! `tests/fuzz_corpus.rs` replays every committed corpus file through the
//! same functions on the stable toolchain (`make test`). A target panics
//! only on a real finding: a crash, or a success that breaks its oracle
//! (a decode of the wrong size, a round trip that changes data, a read that
//! returns values other than the array's, a selection accepted outside the
//! array).

#![allow(dead_code)]

use serde_json::{json, Map, Value};
use std::sync::OnceLock;
use zarr::codec::pipeline::CodecChain;
use zarr::codec::{registry, BytesCodec, CodecContext};
use zarr::metadata::{ArrayMetadata, DataType};

/// Every target, by name (the corpus directory `fuzz/corpus/<name>`).
pub const TARGETS: &[&str] = &[
    "metadata_v3",
    "metadata_v2",
    "metadata_n5",
    "consolidated",
    "codec_blosc",
    "codec_zstd",
    "codec_gzip",
    "codec_zlib",
    "codec_lz4",
    "codec_crc32c",
    "codec_delta",
    "codec_shuffle",
    "codec_bitround",
    "codec_quantize",
    "codec_fixedscaleoffset",
    "codec_transpose",
    "codec_bz2",
    "n5_block",
    "vlen",
    "shard_index",
    "paths",
    "c_api_selection",
];

/// Run target `name` on one input.
pub fn run(name: &str, data: &[u8]) {
    match name {
        "metadata_v3" => metadata_v3(data),
        "metadata_v2" => metadata_v2(data),
        "metadata_n5" => metadata_n5(data),
        "n5_block" => n5_block(data),
        "vlen" => vlen(data),
        "consolidated" => consolidated(data),
        "codec_transpose" => codec_transpose(data),
        "shard_index" => shard_index(data),
        "paths" => paths(data),
        "c_api_selection" => c_api_selection(data),
        n if n.starts_with("codec_") => codec(&n[6..], data),
        other => panic!("unknown fuzz target {other:?} (one of {TARGETS:?})"),
    }
}

fn metadata_v3(data: &[u8]) {
    let Ok(doc) = zarr::metadata::parse_object(data, "zarr.json") else {
        return;
    };
    if let Ok(zarr::metadata::node::NodeDoc::Array(m)) = zarr::metadata::node::from_v3_doc(&doc, "zarr.json") {
        check_metadata(&m);
        // What parses must write back to a document that parses the same way.
        let again = ArrayMetadata::from_v3(m.to_v3().as_object().unwrap()).expect("rewritten zarr.json parses");
        assert_eq!(again.shape, m.shape);
        assert_eq!(again.chunk_shape, m.chunk_shape);
    }
}

/// `.zarray` bytes, then optionally a NUL and `.zattrs` bytes.
fn metadata_v2(data: &[u8]) {
    let (zarray, zattrs) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let Ok(doc) = zarr::metadata::parse_object(zarray, ".zarray") else {
        return;
    };
    let attrs = match zattrs.map(|a| zarr::metadata::parse_object(a, ".zattrs")) {
        Some(Ok(a)) => a,
        Some(Err(_)) => return,
        None => Map::new(),
    };
    if let Ok(m) = ArrayMetadata::from_v2(&doc, attrs) {
        check_metadata(&m);
        if let Ok(v2) = m.to_v2() {
            let again = ArrayMetadata::from_v2(v2.as_object().unwrap(), Map::new()).expect("rewritten .zarray parses");
            assert_eq!(again.shape, m.shape);
        }
    }
}

/// What a parsed array promises: extents within 2^63 - 1, a chunk that fits memory sizes.
fn check_metadata(m: &ArrayMetadata) {
    assert_eq!(m.shape.len(), m.chunk_shape.len());
    assert!(m.shape.len() <= 64);
    assert!(m.shape.iter().chain(&m.chunk_shape).all(|&x| x <= i64::MAX as u64));
    assert!(!m.chunk_shape.contains(&0));
    let _ = m.chunk_bytes();
}

/// An N5 dataset's `attributes.json`.
fn metadata_n5(data: &[u8]) {
    let Ok(doc) = zarr::metadata::parse_object(data, "attributes.json") else {
        return;
    };
    if let Ok(m) = zarr::metadata::n5::from_n5(&doc, "attributes.json") {
        check_metadata(&m);
    }
}

/// Input: compression (a byte: raw, gzip, bzip2, xz, zstd, blosc), data
/// type (a byte), rank (1..=3), the block size in C order (a byte per
/// dimension, 1..=8), the stored block (header and body). Oracle: a decode
/// gives the whole block, and our own encoding of it decodes to the same.
fn n5_block(data: &[u8]) {
    use zarr::codec::n5block::N5BlockCodec;
    if data.len() < 3 {
        return;
    }
    let compression = [
        json!({"type": "raw"}),
        json!({"type": "gzip", "level": 1}),
        json!({"type": "bzip2", "blockSize": 1}),
        json!({"type": "xz", "preset": 1}),
        json!({"type": "zstd", "level": 1}),
        json!({"type": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0}),
    ][data[0] as usize % 6]
        .clone();
    let types = [
        DataType::UInt8,
        DataType::Int16,
        DataType::UInt32,
        DataType::Int64,
        DataType::Float32,
        DataType::Float64,
    ];
    let dtype = types[data[1] as usize % types.len()];
    let nd = (data[2] % 3 + 1) as usize;
    let Some(dims) = data.get(3..3 + nd) else { return };
    let shape: Vec<u64> = dims.iter().map(|&b| (b % 8 + 1) as u64).collect();
    let stored = data[3 + nd..].to_vec();
    let Ok(c) = N5BlockCodec::new(&compression, dtype) else {
        return;
    };
    let Ok(out) = c.decode(stored, &shape, "0/0") else {
        return;
    };
    let n = shape.iter().product::<u64>() as usize * dtype.size();
    assert_eq!(out.len(), n, "n5 block: decoded {} bytes for a block of {n}", out.len());
    let enc = c.encode(&out, &shape, &shape).expect("our own block encodes");
    assert!(
        enc.len() <= c.max_stored_len(&shape),
        "n5 block: our encoding is above the reader's bound"
    );
    let back = c.decode(enc, &shape, "0/0").expect("our own block decodes");
    assert_eq!(back, out, "n5 block: round trip changed the data");
}

/// Input: the number of values (a byte), UTF-8 or bytes (a byte), a
/// numcodecs vlen chunk. Oracle: decoded values frame back to a chunk
/// that decodes to the same values.
fn vlen(data: &[u8]) {
    use zarr::codec::vlen;
    if data.len() < 2 {
        return;
    }
    let (n, utf8) = (data[0] as usize, data[1] % 2 == 0);
    let Ok(values) = vlen::decode(&data[2..], n, utf8, "c/0") else {
        return;
    };
    assert_eq!(values.len(), n, "vlen: {} values for {n}", values.len());
    if utf8 {
        assert!(
            values.iter().all(|v| std::str::from_utf8(v).is_ok()),
            "vlen: invalid UTF-8 accepted"
        );
    }
    let enc = vlen::encode(&values).expect("our own framing encodes");
    let back = vlen::decode(&enc, n, utf8, "c/0").expect("our own framing decodes");
    assert_eq!(back, values, "vlen: round trip changed the values");
}

/// A root document: the first byte picks v3 (`zarr.json` with inline
/// consolidated metadata) or v2 (`.zmetadata` beside a `.zgroup`).
fn consolidated(data: &[u8]) {
    let Some((&kind, doc)) = data.split_first() else { return };
    let store = zarr::store::memory::MemoryStore::named("fuzz-consolidated");
    for k in ["zarr.json", ".zmetadata", ".zgroup"] {
        store.delete(k).unwrap();
    }
    if kind % 2 == 0 {
        store.set("zarr.json", doc).unwrap();
    } else {
        store.set(".zgroup", br#"{"zarr_format": 2}"#).unwrap();
        store.set(".zmetadata", doc).unwrap();
    }
    if let Ok((_, Some(cons))) = zarr::consolidated::load_root(store.as_ref()) {
        // Serving nodes from it must not panic, whatever they hold.
        for p in ["", "a", "a/b", "x"] {
            let _ = cons.get(p);
        }
    }
}

/// The numcodecs id and a default configuration of each codec target.
fn codec_default(name: &str) -> Option<(&'static str, Value, usize)> {
    Some(match name {
        "blosc" => ("blosc", json!({"cname": "lz4", "clevel": 5, "shuffle": 1}), 4),
        "zstd" => ("zstd", json!({"level": 1}), 1),
        "gzip" => ("gzip", json!({"level": 1}), 1),
        "zlib" => ("zlib", json!({"level": 1}), 1),
        "lz4" => ("lz4", json!({"acceleration": 1}), 1),
        "crc32c" => ("crc32c", json!({}), 1),
        "delta" => ("delta", json!({"dtype": "<i4"}), 4),
        "bz2" => ("bz2", json!({"level": 1}), 1),
        "shuffle" => ("shuffle", json!({"elementsize": 4}), 4),
        "bitround" => ("bitround", json!({"keepbits": 10}), 4),
        "quantize" => ("quantize", json!({"digits": 3, "dtype": "<f8"}), 8),
        "fixedscaleoffset" => (
            "fixedscaleoffset",
            json!({"scale": 10, "offset": 1, "dtype": "<f8", "astype": "<i2"}),
            8,
        ),
        _ => return None,
    })
}

/// Codecs whose decode(encode(x)) is x. Delta only when it accumulates in
/// the data's own type: with another `astype` (narrower, or a float for
/// integers) numcodecs' delta is lossy too (a fuzzed `<i4` as `<f4` input
/// rounded, kept as crash-delta-astype-f4).
fn lossless(id: &str, config: &Value) -> bool {
    match id {
        // Integer deltas wrap, so decode(encode(x)) == x; float ones round
        // (and overflow to infinities, whose differences are NaN), as
        // numcodecs' own np.diff / np.cumsum do: not an oracle for floats.
        "delta" => {
            let int = |k: &str| {
                config
                    .get(k)
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.contains(['i', 'u']))
            };
            int("dtype") && config.get("astype").is_none_or(|a| Some(a) == config.get("dtype"))
        }
        _ => matches!(
            id,
            "blosc" | "zstd" | "gzip" | "zlib" | "lz4" | "crc32c" | "shuffle" | "bz2"
        ),
    }
}

/// Input: decoded length (u16 LE), config length (u8), a numcodecs
/// configuration (JSON; the default when it does not parse), the encoded bytes.
fn codec(name: &str, data: &[u8]) {
    let Some((id, default, elem)) = codec_default(name) else {
        panic!("no codec target {name}")
    };
    if data.len() < 3 {
        return;
    }
    let n = u16::from_le_bytes([data[0], data[1]]) as usize;
    let clen = (data[2] as usize).min(data.len() - 3);
    let (cfg, payload) = data[3..].split_at(clen);
    let mut config = serde_json::from_slice::<Value>(cfg)
        .ok()
        .filter(Value::is_object)
        .unwrap_or(default);
    config["id"] = Value::String(id.into());
    let ctx = CodecContext { elem_size: elem };
    let Ok(c) = registry::from_v2(&config, ctx) else { return };
    let exact = c.decode(payload.to_vec(), Some(n));
    if let Ok(out) = &exact {
        assert_eq!(out.len(), n, "{id}: decode(Some({n})) gave {} bytes", out.len());
        if lossless(id, &config) {
            round_trip(c.as_ref(), out, id);
        }
    }
    if let Ok(out) = c.decode_bounded(payload.to_vec(), n) {
        assert!(out.len() <= n, "{id}: decode_bounded({n}) gave {} bytes", out.len());
    }
}

fn round_trip(c: &dyn BytesCodec, decoded: &[u8], id: &str) {
    let Ok(enc) = c.encode(decoded.to_vec()) else { return };
    assert!(
        enc.len() <= c.max_encoded_len(decoded.len()),
        "{id}: our own encoding of {} bytes is {} bytes, above the bound a reader allows",
        decoded.len(),
        enc.len()
    );
    let back = c.decode(enc, Some(decoded.len())).expect("our own encoding decodes");
    assert_eq!(back, decoded, "{id}: round trip changed the data");
}

/// Input: rank (1..=4), the extents (one byte each, 1..=8), the order (a
/// byte per dimension, used as a permutation when it is one), the stored bytes.
fn codec_transpose(data: &[u8]) {
    let Some((&r, rest)) = data.split_first() else { return };
    let nd = (r % 4 + 1) as usize;
    if rest.len() < 2 * nd {
        return;
    }
    let shape: Vec<u64> = rest[..nd].iter().map(|&b| (b % 8 + 1) as u64).collect();
    let order: Vec<u64> = rest[nd..2 * nd].iter().map(|&b| (b as usize % nd) as u64).collect();
    let codecs = [
        json!({"name": "transpose", "configuration": {"order": order}}),
        json!({"name": "bytes", "configuration": {"endian": "big"}}),
    ];
    let Ok(chain) = CodecChain::from_v3(&codecs, DataType::Int16, nd) else {
        return;
    };
    let stored = rest[2 * nd..].to_vec();
    if let Ok(dec) = chain.decode(stored.clone(), &shape, "c/0") {
        assert_eq!(dec.len(), shape.iter().product::<u64>() as usize * 2);
        let enc = chain.encode(dec, &shape).expect("a decoded chunk encodes");
        assert_eq!(enc, stored, "transpose round trip changed the chunk");
    }
}

/// Input: a flags byte (index at start or end; raw or zstd inner chunks),
/// then a whole shard of a [4, 4] uint16 array with inner chunks [2, 2].
fn shard_index(data: &[u8]) {
    let Some((&flags, shard)) = data.split_first() else {
        return;
    };
    let inner: Value = if flags & 2 == 0 {
        json!([{"name": "bytes", "configuration": {"endian": "little"}}])
    } else {
        json!([{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "zstd"}])
    };
    let config = json!({
        "chunk_shape": [2, 2],
        "codecs": inner,
        "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "crc32c"}],
        "index_location": if flags & 1 == 0 { "end" } else { "start" },
    });
    let codecs = [json!({"name": "sharding_indexed", "configuration": config})];
    let chain = CodecChain::from_v3(&codecs, DataType::UInt16, 2).expect("a valid sharding configuration");
    let sh = zarr::codec::sharding::ShardingCodec::from_v3(Some(&config), DataType::UInt16, 2, false).unwrap();
    if let Ok(entries) = sh.parse_shard(shard, &[4, 4], "c/0/0") {
        for (off, n) in entries.into_iter().flatten() {
            assert!(
                off.checked_add(n).is_some_and(|end| end <= shard.len() as u64),
                "entry outside the shard"
            );
        }
    }
    if let Ok(dec) = chain.decode(shard.to_vec(), &[4, 4], "c/0/0") {
        assert_eq!(dec.len(), 32);
    }
}

/// A memory hierarchy with group `g`, array `g/a` and a v3 array `b`, for the path targets.
fn path_root() -> &'static zarr::Group {
    static ROOT: OnceLock<zarr::Group> = OnceLock::new();
    ROOT.get_or_init(|| {
        let root = zarr::Group::open_root("memory://fuzz-paths", zarr::Mode::Create, None).unwrap();
        let g = root.create_group("g", Map::new()).unwrap();
        let m = root.simple_metadata(DataType::UInt8, &[4], &[2], None, None).unwrap();
        g.create_array("a", m.clone()).unwrap();
        root.create_array("b", m).unwrap();
        root
    })
}

/// Node paths (open, and create below a read-only view) and file URLs.
fn paths(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let root = path_root();
    if let Ok(g) = root.open_group(s) {
        // Only existing groups open: "", "g" (however spelled with slashes).
        assert!(matches!(g.path(), "" | "g"), "opened group {:?} from {s:?}", g.path());
    }
    if let Ok(a) = root.open_array(s) {
        assert!(
            matches!(a.path(), "g/a" | "b"),
            "opened array {:?} from {s:?}",
            a.path()
        );
    }
    // URL parsing without creating anything (file URLs only: nothing else is
    // local, and memory:// would make a store per input).
    if s.starts_with("file://") {
        let _ = zarr::store::open_url(s, false);
    }
}

/// An int16 array [7, 9] with chunks [3, 4] holding its linear index, in a memory store.
fn c_api_array() -> i64 {
    static A: OnceLock<i64> = OnceLock::new();
    *A.get_or_init(|| {
        use zarr::ffi::*;
        let url = std::ffi::CString::new("memory://fuzz-c-api").unwrap();
        let path = std::ffi::CString::new("a").unwrap();
        let (mut root, mut a) = (0i64, 0i64);
        let vals: Vec<i16> = (0..63).collect();
        // SAFETY: valid strings, two-element shapes, a buffer of 63 int16s.
        unsafe {
            assert_eq!(zarr_open(url.as_ptr(), ZARR_CREATE, &mut root), 0);
            assert_eq!(
                zarr_array_create(
                    root,
                    path.as_ptr(),
                    ZARR_INT16,
                    2,
                    [7u64, 9].as_ptr(),
                    [3u64, 4].as_ptr(),
                    std::ptr::null(),
                    std::ptr::null(),
                    &mut a
                ),
                0
            );
            assert_eq!(
                zarr_array_write(
                    a,
                    [0u64, 0].as_ptr(),
                    [7u64, 9].as_ptr(),
                    std::ptr::null(),
                    ZARR_INT16,
                    vals.as_ptr().cast(),
                    126
                ),
                0
            );
        }
        a
    })
}

/// Input: per dimension start, count, stride (one byte each; 0xff means a
/// huge value), then the memory type, the buffer size, read or write. A
/// write writes back the values already there, so the array never changes.
fn c_api_selection(data: &[u8]) {
    use zarr::ffi::*;
    if data.len() < 9 {
        return;
    }
    let a = c_api_array();
    let big = |b: u8, huge: u64| if b == 0xff { huge } else { b as u64 % 12 };
    let start: Vec<u64> = (0..2).map(|d| big(data[d * 3], u64::MAX - 3)).collect();
    let count: Vec<u64> = (0..2).map(|d| big(data[d * 3 + 1], 1 << 62)).collect();
    let stride: Vec<i64> = (0..2).map(|d| data[d * 3 + 2] as i8 as i64 % 5).collect();
    let types = [
        ZARR_INT16,
        ZARR_INT32,
        ZARR_INT64,
        ZARR_FLOAT64,
        ZARR_UINT8,
        ZARR_FLOAT32,
        999,
    ];
    let mem_type = types[data[6] as usize % types.len()];
    let size = match mem_type {
        ZARR_UINT8 => 1,
        ZARR_INT16 => 2,
        ZARR_INT32 | ZARR_FLOAT32 => 4,
        _ => 8,
    };
    let valid = (0..2).all(|d| {
        let shape = [7u64, 9][d];
        stride[d] > 0
            && (count[d] == 0 && start[d] <= shape
                || count[d] > 0
                    && start[d] < shape
                    && (count[d] - 1)
                        .checked_mul(stride[d] as u64)
                        .and_then(|x| x.checked_add(start[d]))
                        .is_some_and(|last| last < shape))
    });
    let n = if valid { (count[0] * count[1]) as usize } else { 0 };
    let want_bytes = n * size;
    let buf_bytes = if data[7] % 4 == 0 {
        want_bytes.saturating_sub(1)
    } else {
        want_bytes
    };
    // The model: element (i, j) of the selection holds start + k * stride's linear index.
    let expected: Vec<f64> = (0..n)
        .map(|k| {
            let (i, j) = ((k as u64) / count[1], (k as u64) % count[1]);
            ((start[0] + i * stride[0] as u64) * 9 + start[1] + j * stride[1] as u64) as f64
        })
        .collect();
    // Room for the whole selection even when the call is told of one byte
    // less (the values are encoded whole; found by fuzzing: encoding into the
    // short buffer itself overran it, kept as crash-short-buffer-write).
    let mut buf = vec![0u8; want_bytes.max(1)];
    let write = data[8] % 2 == 1;
    if write {
        encode_values(&expected, mem_type, &mut buf);
    }
    // SAFETY: two-element selection arrays; buf holds buf_bytes bytes.
    let st = unsafe {
        if write {
            zarr_array_write(
                a,
                start.as_ptr(),
                count.as_ptr(),
                stride.as_ptr(),
                mem_type,
                buf.as_ptr().cast(),
                buf_bytes,
            )
        } else {
            zarr_array_read(
                a,
                start.as_ptr(),
                count.as_ptr(),
                stride.as_ptr(),
                mem_type,
                buf.as_mut_ptr().cast(),
                buf_bytes,
            )
        }
    };
    if st != 0 {
        return;
    }
    assert!(
        valid,
        "selection {start:?} {count:?} {stride:?} accepted outside [7, 9]"
    );
    assert!(
        buf_bytes >= want_bytes,
        "a buffer of {buf_bytes} bytes accepted for {want_bytes}"
    );
    if !write {
        let got = decode_values(&buf[..want_bytes], mem_type);
        assert_eq!(got, expected, "read {start:?} {count:?} {stride:?} as type {mem_type}");
    }
}

fn encode_values(vals: &[f64], mem_type: i32, out: &mut [u8]) {
    use zarr::ffi::*;
    for (k, &v) in vals.iter().enumerate() {
        match mem_type {
            ZARR_UINT8 => out[k] = v as u8,
            ZARR_INT16 => out[2 * k..2 * k + 2].copy_from_slice(&(v as i16).to_ne_bytes()),
            ZARR_INT32 => out[4 * k..4 * k + 4].copy_from_slice(&(v as i32).to_ne_bytes()),
            ZARR_FLOAT32 => out[4 * k..4 * k + 4].copy_from_slice(&(v as f32).to_ne_bytes()),
            ZARR_INT64 => out[8 * k..8 * k + 8].copy_from_slice(&(v as i64).to_ne_bytes()),
            _ => out[8 * k..8 * k + 8].copy_from_slice(&v.to_ne_bytes()),
        }
    }
}

fn decode_values(buf: &[u8], mem_type: i32) -> Vec<f64> {
    use zarr::ffi::*;
    match mem_type {
        ZARR_UINT8 => buf.iter().map(|&b| b as f64).collect(),
        ZARR_INT16 => buf
            .chunks(2)
            .map(|c| i16::from_ne_bytes(c.try_into().unwrap()) as f64)
            .collect(),
        ZARR_INT32 => buf
            .chunks(4)
            .map(|c| i32::from_ne_bytes(c.try_into().unwrap()) as f64)
            .collect(),
        ZARR_FLOAT32 => buf
            .chunks(4)
            .map(|c| f32::from_ne_bytes(c.try_into().unwrap()) as f64)
            .collect(),
        ZARR_INT64 => buf
            .chunks(8)
            .map(|c| i64::from_ne_bytes(c.try_into().unwrap()) as f64)
            .collect(),
        _ => buf
            .chunks(8)
            .map(|c| f64::from_ne_bytes(c.try_into().unwrap()))
            .collect(),
    }
}
