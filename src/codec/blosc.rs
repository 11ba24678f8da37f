//! `blosc` meta-compressor (zarr v3 core codec; numcodecs `Blosc` in v2),
//! through c-blosc 1.x's thread-safe context API.

use super::{BytesCodec, CodecContext};
use crate::error::{Error, Result};
use blosc_src as ffi;
use serde_json::{json, Map, Value};
use std::ffi::{c_char, c_void, CStr};

const NAME: &str = "blosc";
const HEADER_LEN: usize = ffi::BLOSC_MIN_HEADER_LENGTH as usize;
const MAX_OVERHEAD: usize = ffi::BLOSC_MAX_OVERHEAD as usize;
const MAX_BUFFERSIZE: usize = ffi::BLOSC_MAX_BUFFERSIZE as usize;

/// Compressors built into blosc-src (snappy is not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cname {
    BloscLz,
    Lz4,
    Lz4Hc,
    Zlib,
    Zstd,
}

impl Cname {
    fn parse(v: &Value) -> Result<Self> {
        let s = v
            .as_str()
            .ok_or_else(|| Error::Metadata(format!("{NAME}: cname must be a string, got {v}")))?;
        Ok(match s {
            "blosclz" => Cname::BloscLz,
            "lz4" => Cname::Lz4,
            "lz4hc" => Cname::Lz4Hc,
            "zlib" => Cname::Zlib,
            "zstd" => Cname::Zstd,
            _ => {
                return Err(Error::Unsupported(format!(
                    "{NAME}: unknown or unavailable cname {s:?} \
                     (expected blosclz, lz4, lz4hc, zlib or zstd)"
                )))
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        self.c_name().to_str().expect("ASCII")
    }

    fn c_name(self) -> &'static CStr {
        let bytes: &'static [u8] = match self {
            Cname::BloscLz => ffi::BLOSC_BLOSCLZ_COMPNAME,
            Cname::Lz4 => ffi::BLOSC_LZ4_COMPNAME,
            Cname::Lz4Hc => ffi::BLOSC_LZ4HC_COMPNAME,
            Cname::Zlib => ffi::BLOSC_ZLIB_COMPNAME,
            Cname::Zstd => ffi::BLOSC_ZSTD_COMPNAME,
        };
        CStr::from_bytes_with_nul(bytes).expect("NUL-terminated constant")
    }
}

/// The shuffle filter applied before compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shuffle {
    NoShuffle,
    Shuffle,
    BitShuffle,
    /// numcodecs `AUTOSHUFFLE` (-1, v2 only): bit shuffle when the typesize
    /// is 1, byte shuffle otherwise.
    Auto,
}

impl Shuffle {
    fn resolve(self, typesize: usize) -> Shuffle {
        match self {
            Shuffle::Auto if typesize == 1 => Shuffle::BitShuffle,
            Shuffle::Auto => Shuffle::Shuffle,
            s => s,
        }
    }

    fn v3_str(self, typesize: usize) -> &'static str {
        match self.resolve(typesize) {
            Shuffle::NoShuffle => "noshuffle",
            Shuffle::Shuffle => "shuffle",
            _ => "bitshuffle",
        }
    }

    fn v2_int(self) -> i32 {
        match self {
            Shuffle::NoShuffle => 0,
            Shuffle::Shuffle => 1,
            Shuffle::BitShuffle => 2,
            Shuffle::Auto => -1,
        }
    }

    fn blosc_flag(self, typesize: usize) -> i32 {
        match self.resolve(typesize) {
            Shuffle::NoShuffle => ffi::BLOSC_NOSHUFFLE as i32,
            Shuffle::Shuffle => ffi::BLOSC_SHUFFLE as i32,
            _ => ffi::BLOSC_BITSHUFFLE as i32,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BloscCodec {
    pub cname: Cname,
    /// 0..=9.
    pub clevel: i32,
    pub shuffle: Shuffle,
    /// Element size the shuffle filters work on (>= 1; blosc treats > 255 as 1).
    pub typesize: usize,
    /// Block size in bytes; 0 lets blosc choose.
    pub blocksize: usize,
}

impl BloscCodec {
    /// v3 `blosc` with configuration `{cname, clevel, shuffle, typesize, blocksize}`.
    /// Absent fields take zarr-python's defaults: cname "zstd", clevel 5,
    /// blocksize 0, typesize `ctx.elem_size`, shuffle "bitshuffle" for 1-byte
    /// elements and "shuffle" otherwise.
    pub fn from_v3(config: Option<&Value>, ctx: CodecContext) -> Result<Self> {
        let empty = Map::new();
        let cfg = match config {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(m)) => m,
            Some(other) => {
                return Err(Error::Metadata(format!(
                    "{NAME}: configuration must be an object, got {other}"
                )))
            }
        };
        check_keys(cfg, &["cname", "clevel", "shuffle", "typesize", "blocksize"])?;
        let shuffle = match cfg.get("shuffle") {
            None => Shuffle::Auto.resolve(ctx.elem_size),
            Some(v) => match v.as_str() {
                Some("noshuffle") => Shuffle::NoShuffle,
                Some("shuffle") => Shuffle::Shuffle,
                Some("bitshuffle") => Shuffle::BitShuffle,
                Some(s) => {
                    return Err(Error::Unsupported(format!(
                        "{NAME}: unknown shuffle {s:?} (expected noshuffle, shuffle or bitshuffle)"
                    )))
                }
                None => return Err(Error::Metadata(format!("{NAME}: shuffle must be a string, got {v}"))),
            },
        };
        Self::build(cfg, Cname::Zstd, shuffle, ctx)
    }

    /// numcodecs `{"id": "blosc", "cname", "clevel", "shuffle": -1..=2, "blocksize"}`
    /// (numcodecs defaults: lz4, 5, 1, 0). The typesize is `ctx.elem_size`
    /// unless the object carries numcodecs 0.16's optional `typesize`.
    pub fn from_v2(obj: &Map<String, Value>, ctx: CodecContext) -> Result<Self> {
        super::check_v2_id(obj, NAME, NAME)?;
        check_keys(obj, &["id", "cname", "clevel", "shuffle", "typesize", "blocksize"])?;
        let shuffle = match obj.get("shuffle") {
            None => Shuffle::Shuffle,
            Some(v) => match v.as_i64() {
                Some(-1) => Shuffle::Auto,
                Some(0) => Shuffle::NoShuffle,
                Some(1) => Shuffle::Shuffle,
                Some(2) => Shuffle::BitShuffle,
                Some(s) => {
                    return Err(Error::Unsupported(format!(
                        "{NAME}: unknown shuffle {s} (expected -1, 0, 1 or 2)"
                    )))
                }
                None => return Err(Error::Metadata(format!("{NAME}: shuffle must be an integer, got {v}"))),
            },
        };
        Self::build(obj, Cname::Lz4, shuffle, ctx)
    }

    fn build(cfg: &Map<String, Value>, default_cname: Cname, shuffle: Shuffle, ctx: CodecContext) -> Result<Self> {
        let cname = cfg.get("cname").map_or(Ok(default_cname), Cname::parse)?;
        let clevel = match cfg.get("clevel") {
            None => 5,
            Some(v) => match v.as_i64() {
                Some(l @ 0..=9) => l as i32,
                _ => {
                    return Err(Error::Metadata(format!(
                        "{NAME}: clevel must be an integer from 0 to 9, got {v}"
                    )))
                }
            },
        };
        let typesize = match cfg.get("typesize") {
            None => ctx.elem_size.max(1),
            Some(v) => match v.as_u64() {
                Some(t) if t >= 1 => t as usize,
                _ => {
                    return Err(Error::Metadata(format!(
                        "{NAME}: typesize must be a positive integer, got {v}"
                    )))
                }
            },
        };
        let blocksize = match cfg.get("blocksize") {
            None => 0,
            Some(v) => v
                .as_u64()
                .map(|b| b as usize)
                .ok_or_else(|| Error::Metadata(format!("{NAME}: blocksize must be a non-negative integer, got {v}")))?,
        };
        Ok(BloscCodec {
            cname,
            clevel,
            shuffle,
            typesize,
            blocksize,
        })
    }
}

fn check_keys(cfg: &Map<String, Value>, allowed: &[&str]) -> Result<()> {
    match cfg.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(Error::Metadata(format!("{NAME}: unexpected configuration key {k:?}"))),
        None => Ok(()),
    }
}

fn codec_err(msg: impl std::fmt::Display) -> Error {
    Error::Codec(format!("{NAME}: {msg}"))
}

/// Decode a blosc buffer after `check` accepted the decoded size its header
/// claims (the size is checked, and then allocated fallibly, before anything
/// is decompressed: the header is untrusted input).
fn decode_checked(input: &[u8], check: impl FnOnce(usize) -> Result<()>) -> Result<Vec<u8>> {
    if input.len() < HEADER_LEN {
        return Err(codec_err(format!(
            "input of {} bytes is shorter than the {HEADER_LEN}-byte header",
            input.len()
        )));
    }
    let mut nbytes = 0usize;
    // SAFETY: `input` holds at least the 16 header bytes this reads;
    // `nbytes` is a valid out-pointer.
    let rc = unsafe { ffi::blosc_cbuffer_validate(input.as_ptr().cast::<c_void>(), input.len(), &mut nbytes) };
    if rc != 0 {
        return Err(codec_err(format!(
            "invalid header for a {}-byte buffer (truncated or not blosc data)",
            input.len()
        )));
    }
    check(nbytes)?;
    if nbytes == 0 {
        return Ok(Vec::new());
    }
    let mut out = super::try_capacity(nbytes, NAME)?;
    // SAFETY: blosc_cbuffer_validate checked that the compressed size in the
    // header equals `input.len()`, which makes decompression memory-safe
    // (c-blosc bounds-checks every offset against that size). `out` is
    // valid for `nbytes` bytes of writes, which blosc never exceeds, and
    // does not overlap `input`. One internal thread: no shared state.
    let n = unsafe {
        ffi::blosc_decompress_ctx(
            input.as_ptr().cast::<c_void>(),
            out.as_mut_ptr().cast::<c_void>(),
            nbytes,
            1,
        )
    };
    if n < 0 || n as usize != nbytes {
        return Err(codec_err(format!(
            "corrupt data: decompression returned {n}, expected {nbytes} bytes"
        )));
    }
    // SAFETY: blosc wrote all `nbytes` bytes (its return value).
    unsafe { out.set_len(nbytes) };
    Ok(out)
}

impl BytesCodec for BloscCodec {
    fn name(&self) -> &'static str {
        NAME
    }

    fn encode(&self, input: Vec<u8>) -> Result<Vec<u8>> {
        if input.len() > MAX_BUFFERSIZE {
            return Err(codec_err(format!(
                "input of {} bytes exceeds blosc's limit of {MAX_BUFFERSIZE}",
                input.len()
            )));
        }
        let capacity = input.len() + MAX_OVERHEAD;
        let mut out: Vec<u8> = Vec::with_capacity(capacity);
        // blosc clamps larger values to its maximum itself; this keeps the
        // value within the int32 it is stored in.
        let blocksize = self.blocksize.min(ffi::BLOSC_MAX_BLOCKSIZE as usize);
        // SAFETY: `input` is valid for `input.len()` bytes of reads and `out`
        // for `capacity` bytes of writes; the two do not overlap. blosc never
        // writes past `destsize` and copies nothing from `compressor`, a
        // NUL-terminated static string. One internal thread: no shared state.
        let n = unsafe {
            ffi::blosc_compress_ctx(
                self.clevel,
                self.shuffle.blosc_flag(self.typesize),
                self.typesize,
                input.len(),
                input.as_ptr().cast::<c_void>(),
                out.as_mut_ptr().cast::<c_void>(),
                capacity,
                self.cname.c_name().as_ptr().cast::<c_char>(),
                blocksize,
                1,
            )
        };
        // With destsize = nbytes + MAX_OVERHEAD compression cannot run out of room.
        if n <= 0 || n as usize > capacity {
            return Err(codec_err(format!("compression failed (blosc returned {n})")));
        }
        // SAFETY: blosc initialised the first `n` bytes (its return value).
        unsafe { out.set_len(n as usize) };
        Ok(out)
    }

    fn decode(&self, input: Vec<u8>, decoded_len: Option<usize>) -> Result<Vec<u8>> {
        decode_checked(&input, |nbytes| match decoded_len {
            Some(n) if n != nbytes => Err(codec_err(format!("header says {nbytes} decoded bytes, expected {n}"))),
            _ => Ok(()),
        })
    }

    fn decode_bounded(&self, input: Vec<u8>, max_len: usize) -> Result<Vec<u8>> {
        decode_checked(&input, |nbytes| {
            if nbytes > max_len {
                return Err(codec_err(format!(
                    "header says {nbytes} decoded bytes, more than the {max_len} this chunk can hold"
                )));
            }
            Ok(())
        })
    }

    fn max_encoded_len(&self, decoded_len: usize) -> usize {
        // blosc stores incompressible data as a copy behind its header.
        decoded_len.saturating_add(MAX_OVERHEAD)
    }

    fn to_v3_json(&self) -> Option<Value> {
        Some(json!({
            "name": NAME,
            "configuration": {
                "typesize": self.typesize,
                "cname": self.cname.as_str(),
                "clevel": self.clevel,
                "shuffle": self.shuffle.v3_str(self.typesize),
                "blocksize": self.blocksize,
            },
        }))
    }

    fn to_v2_json(&self) -> Option<Value> {
        // numcodecs' get_config() leaves typesize out: v2 readers take it from the dtype.
        Some(json!({
            "id": NAME,
            "cname": self.cname.as_str(),
            "clevel": self.clevel,
            "shuffle": self.shuffle.v2_int(),
            "blocksize": self.blocksize,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::crc32c::fixtures;

    fn ctx(elem_size: usize) -> CodecContext {
        CodecContext { elem_size }
    }

    fn sample() -> Vec<u8> {
        (0..20_000u32).flat_map(|i| (i / 16).to_le_bytes()).collect()
    }

    const CNAMES: [&str; 5] = ["blosclz", "lz4", "lz4hc", "zlib", "zstd"];

    #[test]
    fn round_trip_all_settings() {
        let data = sample();
        for cname in CNAMES {
            for shuffle in ["noshuffle", "shuffle", "bitshuffle"] {
                for (clevel, blocksize) in [(0, 0), (1, 0), (5, 4096), (9, 0)] {
                    let cfg = json!({"cname": cname, "clevel": clevel, "shuffle": shuffle,
                                     "typesize": 4, "blocksize": blocksize});
                    let c = BloscCodec::from_v3(Some(&cfg), ctx(4)).unwrap();
                    let enc = c.encode(data.clone()).unwrap();
                    if clevel >= 5 {
                        assert!(enc.len() < data.len(), "{cfg}");
                    }
                    assert_eq!(c.decode(enc.clone(), Some(data.len())).unwrap(), data, "{cfg}");
                    assert_eq!(c.decode(enc, None).unwrap(), data, "{cfg}");
                }
            }
        }
        let c = BloscCodec::from_v3(None, ctx(8)).unwrap();
        for len in [0, 1, 7, 8, 100] {
            let enc = c.encode(data[..len].to_vec()).unwrap();
            assert_eq!(c.decode(enc, Some(len)).unwrap(), &data[..len]);
        }
    }

    #[test]
    fn v3_config_and_defaults() {
        let c = BloscCodec::from_v3(None, ctx(1)).unwrap();
        assert_eq!(
            c,
            BloscCodec {
                cname: Cname::Zstd,
                clevel: 5,
                shuffle: Shuffle::BitShuffle,
                typesize: 1,
                blocksize: 0
            }
        );
        assert_eq!(BloscCodec::from_v3(None, ctx(4)).unwrap().shuffle, Shuffle::Shuffle);
        let cfg = json!({"typesize": 2, "cname": "lz4hc", "clevel": 9,
                         "shuffle": "noshuffle", "blocksize": 256});
        let c = BloscCodec::from_v3(Some(&cfg), ctx(8)).unwrap();
        assert_eq!(c.typesize, 2);
        assert_eq!(c.to_v3_json().unwrap(), json!({"name": "blosc", "configuration": cfg}));
        assert_eq!(
            c.to_v2_json().unwrap(),
            json!({"id": "blosc", "cname": "lz4hc", "clevel": 9, "shuffle": 0, "blocksize": 256})
        );
    }

    #[test]
    fn v2_config_and_autoshuffle() {
        let obj = json!({"id": "blosc", "cname": "zstd", "clevel": 3, "shuffle": -1, "blocksize": 0});
        let one = BloscCodec::from_v2(obj.as_object().unwrap(), ctx(1)).unwrap();
        let four = BloscCodec::from_v2(obj.as_object().unwrap(), ctx(4)).unwrap();
        assert_eq!(one.shuffle, Shuffle::Auto);
        assert_eq!(one.to_v2_json().unwrap(), obj);
        assert_eq!(one.to_v3_json().unwrap()["configuration"]["shuffle"], "bitshuffle");
        assert_eq!(four.to_v3_json().unwrap()["configuration"]["shuffle"], "shuffle");
        assert_eq!(four.to_v3_json().unwrap()["configuration"]["typesize"], 4);
        // The header records which filter ran (flags bit 0: byte, bit 2: bit shuffle).
        let data = sample();
        assert_eq!(one.encode(data.clone()).unwrap()[2] & 0x05, 0x04);
        assert_eq!(four.encode(data).unwrap()[2] & 0x05, 0x01);

        let defaults = json!({"id": "blosc"});
        let c = BloscCodec::from_v2(defaults.as_object().unwrap(), ctx(2)).unwrap();
        assert_eq!(
            (c.cname, c.clevel, c.shuffle, c.typesize),
            (Cname::Lz4, 5, Shuffle::Shuffle, 2)
        );
        let typed = json!({"id": "blosc", "typesize": 8});
        assert_eq!(
            BloscCodec::from_v2(typed.as_object().unwrap(), ctx(1))
                .unwrap()
                .typesize,
            8
        );
    }

    #[test]
    fn bad_config() {
        let unsupported = [
            json!({"cname": "snappy"}),
            json!({"cname": "foo"}),
            json!({"shuffle": "bytes"}),
        ];
        for cfg in unsupported {
            let err = BloscCodec::from_v3(Some(&cfg), ctx(4)).unwrap_err();
            assert!(matches!(err, Error::Unsupported(_)), "{cfg}: {err}");
            assert!(err.to_string().contains("blosc"));
        }
        let metadata = [
            json!({"cname": 1}),
            json!({"clevel": 10}),
            json!({"clevel": -1}),
            json!({"clevel": "5"}),
            json!({"shuffle": 1}),
            json!({"typesize": 0}),
            json!({"blocksize": -1}),
            json!({"level": 5}),
            json!([1]),
        ];
        for cfg in metadata {
            assert!(
                matches!(BloscCodec::from_v3(Some(&cfg), ctx(4)), Err(Error::Metadata(_))),
                "{cfg}"
            );
        }
        let v2 = json!({"id": "blosc", "shuffle": 3});
        assert!(matches!(
            BloscCodec::from_v2(v2.as_object().unwrap(), ctx(4)),
            Err(Error::Unsupported(_))
        ));
        let v2 = json!({"id": "zstd"});
        assert!(BloscCodec::from_v2(v2.as_object().unwrap(), ctx(4)).is_err());
    }

    /// Tiny deterministic PRNG (xorshift) for the corruption sweep.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn corrupt_input_is_an_error_not_a_crash() {
        let data = sample();
        let mut seed = 0x1234_5678_9abc_def0u64;
        for cname in CNAMES {
            for shuffle in ["noshuffle", "shuffle", "bitshuffle"] {
                for clevel in [0, 5] {
                    let cfg = json!({"cname": cname, "clevel": clevel, "shuffle": shuffle,
                                     "blocksize": 2048});
                    let c = BloscCodec::from_v3(Some(&cfg), ctx(4)).unwrap();
                    let enc = c.encode(data.clone()).unwrap();
                    for n in [0, 1, 15, 16, 17, enc.len() / 2, enc.len() - 1] {
                        assert!(c.decode(enc[..n].to_vec(), None).is_err(), "{cfg} cut at {n}");
                    }
                    let mut longer = enc.clone();
                    longer.push(0);
                    assert!(c.decode(longer, None).is_err());
                    assert!(c.decode(enc.clone(), Some(data.len() + 1)).is_err());
                    // Random byte rewrites, header included: Ok or Err, never UB.
                    for _ in 0..300 {
                        let mut bad = enc.clone();
                        for _ in 0..1 + next(&mut seed) % 4 {
                            let pos = (next(&mut seed) % bad.len() as u64) as usize;
                            bad[pos] = next(&mut seed) as u8;
                        }
                        if let Ok(out) = c.decode(bad, None) {
                            assert!(out.len() <= MAX_BUFFERSIZE);
                        }
                    }
                }
            }
        }
        // A header that claims a huge decoded size with no data behind it.
        let mut fake = vec![2u8, 1, 0x01, 4];
        fake.extend_from_slice(&(1u32 << 30).to_le_bytes());
        fake.extend_from_slice(&(1u32 << 16).to_le_bytes());
        fake.extend_from_slice(&16u32.to_le_bytes());
        let c = BloscCodec::from_v3(None, ctx(4)).unwrap();
        assert!(c.decode(fake, None).is_err());
    }

    #[test]
    fn numcodecs_fixtures() {
        let mut identical = 0;
        let all = fixtures::load("blosc");
        for f in &all {
            let c = BloscCodec::from_v2(&f.config, ctx(f.elem_size)).unwrap_or_else(|e| panic!("{}: {e}", f.name));
            assert_eq!(c.decode(f.enc.clone(), Some(f.raw.len())).unwrap(), f.dec, "{}", f.name);
            assert_eq!(c.decode(f.enc.clone(), None).unwrap(), f.dec, "{}", f.name);
            let ours = c.encode(f.raw.clone()).unwrap();
            assert_eq!(c.decode(ours.clone(), None).unwrap(), f.raw, "{}", f.name);
            // Same header: version, flags (shuffle, memcpy, split), typesize, sizes
            // other than the compressed size.
            assert_eq!(ours[2..12], f.enc[2..12], "{} header", f.name);
            if f.exact {
                assert_eq!(ours, f.enc, "{}", f.name);
            }
            identical += usize::from(ours == f.enc);
        }
        eprintln!(
            "blosc: {identical} of {} fixtures byte-identical to numcodecs",
            all.len()
        );
    }
}
