//! N5 data blocks: the array->bytes codec of an N5 dataset. A block is a
//! header (u16 BE mode, u16 BE ndim, ndim × u32 BE block extent in N5's
//! dimension order; mode 1 "varlength" adds a u32 BE element count),
//! then the block's elements, big-endian, N5 order (x fastest, i.e. C
//! order of the reversed shape), compressed as the dataset's `compression`
//! says.
//!
//! Blocks at the upper edges of a dataset are stored at their actual,
//! clipped size, as N5 requires: [`N5BlockCodec::encode`] takes the block's
//! valid extent and writes only that; [`N5BlockCodec::decode`] pads a short
//! block into the full chunk with N5's fill value, 0. A header naming
//! another rank or a larger extent than the block size is `Error::Codec`.
//!
//! Compressions: raw, gzip (`useZlib` for a zlib stream), bzip2
//! (`blockSize`), xz (`preset`), blosc and zstd, through the codecs of the
//! same names. lz4 (n5-java's LZ4BlockOutputStream frames) is refused as
//! unsupported: no writer of it is available here to test a reader against
//! (tensorstore's n5 driver has no lz4, z5 writes its own framing).

use super::{registry, BytesCodec, CodecContext};
use crate::error::{Error, Result};
use crate::metadata::{DataType, Endian};
use serde_json::{json, Map, Value};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct N5BlockCodec {
    dtype: DataType,
    /// None: raw.
    compressor: Option<Arc<dyn BytesCodec>>,
    /// The `compression` object as found (written back unchanged).
    compression: Value,
}

fn int(cfg: &Map<String, Value>, key: &str, default: i64, what: &str) -> Result<i64> {
    match cfg.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v
            .as_i64()
            .ok_or_else(|| Error::Metadata(format!("N5 {what} compression: {key} must be an integer, got {v}"))),
    }
}

impl N5BlockCodec {
    /// The codec of a dataset of `dtype` with N5 `compression`.
    pub fn new(compression: &Value, dtype: DataType) -> Result<Self> {
        let cfg = compression
            .as_object()
            .ok_or_else(|| Error::Metadata(format!("N5 compression {compression} is not an object")))?;
        let ty = cfg
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::Metadata(format!("N5 compression {compression} has no \"type\"")))?;
        let ctx = CodecContext {
            elem_size: dtype.size(),
        };
        let v2 = |obj: Value| registry::from_v2(&obj, ctx);
        let compressor: Option<Arc<dyn BytesCodec>> = match ty {
            "raw" => None,
            "gzip" => {
                // n5-java's default level is -1 (zlib's default, 6).
                let level = int(cfg, "level", -1, ty)?;
                let zlib = match cfg.get("useZlib") {
                    None | Some(Value::Null) => false,
                    Some(v) => v.as_bool().ok_or_else(|| {
                        Error::Metadata(format!("N5 gzip compression: useZlib must be true or false, got {v}"))
                    })?,
                };
                Some(if zlib {
                    v2(json!({"id": "zlib", "level": level}))?
                } else {
                    v2(json!({"id": "gzip", "level": level}))?
                })
            }
            "bzip2" => Some(Arc::new(super::bz2::Bz2Codec::new(int(cfg, "blockSize", 9, ty)?)?)),
            "xz" => Some(Arc::new(super::xz::XzCodec::new(int(cfg, "preset", 6, ty)?)?)),
            "blosc" => {
                let cname = cfg.get("cname").cloned().unwrap_or_else(|| json!("blosclz"));
                Some(v2(json!({
                    "id": "blosc",
                    "cname": cname,
                    "clevel": int(cfg, "clevel", 6, ty)?,
                    "shuffle": int(cfg, "shuffle", 1, ty)?,
                    "blocksize": int(cfg, "blocksize", 0, ty)?,
                }))?)
            }
            "zstd" => Some(v2(json!({"id": "zstd", "level": int(cfg, "level", 3, ty)?}))?),
            "lz4" => {
                return Err(Error::Unsupported(
                    "N5 compression \"lz4\" (n5-java's LZ4 block frames are not implemented)".into(),
                ))
            }
            other => return Err(Error::Unsupported(format!("N5 compression \"{other}\""))),
        };
        crate::metadata::n5::dtype_name(dtype)?;
        Ok(N5BlockCodec {
            dtype,
            compressor,
            compression: compression.clone(),
        })
    }

    pub fn compression(&self) -> &Value {
        &self.compression
    }

    /// Encode a chunk of `shape` (native-endian C-order elements) whose
    /// first `valid` elements per dimension lie inside the dataset: only
    /// those are stored, with a mode 0 header.
    pub fn encode(&self, chunk: &[u8], shape: &[u64], valid: &[u64]) -> Result<Vec<u8>> {
        let es = self.dtype.size();
        let mut data = if valid == shape {
            chunk.to_vec()
        } else {
            let n = valid.iter().product::<u64>() as usize;
            let mut out = vec![0u8; n * es];
            copy_box(chunk, shape, &mut out, valid, valid, es);
            out
        };
        if Endian::NATIVE != Endian::Big {
            swap_bytes(&mut data, es);
        }
        let body = match &self.compressor {
            Some(c) => c.encode(data)?,
            None => data,
        };
        let mut out = Vec::with_capacity(4 + 4 * valid.len() + body.len());
        out.extend_from_slice(&0u16.to_be_bytes());
        out.extend_from_slice(&(valid.len() as u16).to_be_bytes());
        for &d in valid.iter().rev() {
            let d =
                u32::try_from(d).map_err(|_| Error::Unsupported(format!("N5 block extent {d} (at most 2^32 - 1)")))?;
            out.extend_from_slice(&d.to_be_bytes());
        }
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Decode a stored block into a whole chunk of `shape` (native-endian,
    /// C order), padding a clipped edge block with 0. `key` names it in errors.
    pub fn decode(&self, stored: Vec<u8>, shape: &[u64], key: &str) -> Result<Vec<u8>> {
        let bad = |what: String| Error::Codec(format!("chunk {key}: N5 block {what}"));
        let es = self.dtype.size();
        let nd = shape.len();
        let u16_at = |i: usize| stored.get(i..i + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
        let u32_at = |i: usize| {
            stored
                .get(i..i + 4)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        };
        let (Some(mode), Some(ndim)) = (u16_at(0), u16_at(2)) else {
            return Err(bad(format!("is truncated: {} bytes, no header", stored.len())));
        };
        match mode {
            0 | 1 => {}
            2 => return Err(Error::Unsupported(format!("chunk {key}: N5 object block (mode 2)"))),
            m => return Err(bad(format!("header has unknown mode {m}"))),
        }
        if ndim as usize != nd {
            return Err(bad(format!("header has {ndim} dimensions, the dataset {nd}")));
        }
        let mut dims = Vec::with_capacity(nd);
        for i in 0..nd {
            dims.push(u32_at(4 + 4 * i).ok_or_else(|| bad("header is truncated".into()))? as u64);
        }
        dims.reverse(); // to C order
        if dims.iter().zip(shape).any(|(a, b)| a > b) {
            return Err(bad(format!(
                "header shape {:?} (N5 order) is larger than the block size {:?}",
                dims.iter().rev().collect::<Vec<_>>(),
                shape.iter().rev().collect::<Vec<_>>()
            )));
        }
        let n = dims.iter().product::<u64>() as usize;
        let mut at = 4 + 4 * nd;
        if mode == 1 {
            let count = u32_at(at).ok_or_else(|| bad("header is truncated".into()))? as usize;
            if count != n {
                return Err(bad(format!(
                    "(varlength) holds {count} elements, its shape {n}: not an array block"
                )));
            }
            at += 4;
        }
        let mut stored = stored;
        let body = stored.split_off(at);
        let expected = n * es;
        let mut data = match &self.compressor {
            Some(c) => c
                .decode(body, Some(expected))
                .map_err(|e| e.context(format!("chunk {key}")))?,
            None => body,
        };
        if data.len() != expected {
            return Err(bad(format!(
                "is truncated or too long: {} bytes of elements, its header says {expected}",
                data.len()
            )));
        }
        if Endian::NATIVE != Endian::Big {
            swap_bytes(&mut data, es);
        }
        if dims == shape {
            return Ok(data);
        }
        let full = shape.iter().product::<u64>() as usize * es;
        let mut out = crate::error::try_alloc(full, format_args!("chunk {key}"))?;
        out.fill(0);
        copy_box(&data, &dims, &mut out, shape, &dims, es);
        Ok(out)
    }

    /// An upper bound of a stored block of `shape`.
    pub fn max_stored_len(&self, shape: &[u64]) -> usize {
        let n = shape.iter().product::<u64>() as usize * self.dtype.size();
        let body = self.compressor.as_ref().map_or(n, |c| c.max_encoded_len(n));
        body + 8 + 4 * shape.len()
    }
}

/// Copy the box `[0, extent)` between two C-order arrays of shapes
/// `src_shape` and `dst_shape` (each at least `extent` per dimension).
fn copy_box(src: &[u8], src_shape: &[u64], dst: &mut [u8], dst_shape: &[u64], extent: &[u64], es: usize) {
    let nd = extent.len();
    if nd == 0 || extent.contains(&0) {
        if nd == 0 {
            dst[..es].copy_from_slice(&src[..es]);
        }
        return;
    }
    let strides = |s: &[u64]| {
        let mut st = vec![1usize; nd];
        for d in (0..nd - 1).rev() {
            st[d] = st[d + 1] * s[d + 1] as usize;
        }
        st
    };
    let (ss, ds) = (strides(src_shape), strides(dst_shape));
    let row = extent[nd - 1] as usize * es;
    let mut idx = vec![0u64; nd - 1];
    loop {
        let so: usize = (0..nd - 1).map(|d| idx[d] as usize * ss[d]).sum::<usize>() * es;
        let dof: usize = (0..nd - 1).map(|d| idx[d] as usize * ds[d]).sum::<usize>() * es;
        dst[dof..dof + row].copy_from_slice(&src[so..so + row]);
        let mut d = nd - 1;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            idx[d] += 1;
            if idx[d] < extent[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}

fn swap_bytes(data: &mut [u8], es: usize) {
    if es > 1 {
        data.chunks_exact_mut(es).for_each(<[u8]>::reverse);
    }
}

/// The N5 compression for a new dataset from a caller's codec list (as
/// for a Zarr array: v3 codec objects or numcodecs objects), or an N5
/// compression object itself (`{"type": "xz", "preset": 6}`). `bytes` is
/// ignored (N5 is always big-endian); the list may hold one compressor:
/// gzip, zlib (gzip with useZlib), bz2, blosc or zstd. Empty: raw.
pub fn compression_from_user(codecs: &[Value]) -> Result<Value> {
    let rest: Vec<&Value> = codecs
        .iter()
        .filter(|c| !matches!(c.get("name").and_then(Value::as_str), Some("bytes")))
        .collect();
    let c = match rest.as_slice() {
        [] => return Ok(json!({"type": "raw"})),
        [c] => *c,
        _ => {
            return Err(Error::Unsupported(format!(
                "{} codecs in an N5 dataset (N5 has one compression)",
                rest.len()
            )))
        }
    };
    if c.get("type").is_some() {
        return Ok(c.clone());
    }
    let (name, cfg) = match (
        c.get("id").and_then(Value::as_str),
        c.get("name").and_then(Value::as_str),
    ) {
        (Some(id), _) => (id.to_owned(), c.as_object().cloned().unwrap_or_default()),
        (None, Some(n)) => (
            n.strip_prefix("numcodecs.").unwrap_or(n).to_owned(),
            c.get("configuration")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
        ),
        _ => return Err(Error::Metadata(format!("codec {c} has no name"))),
    };
    let get = |k: &str| cfg.get(k).cloned();
    Ok(match name.as_str() {
        "gzip" => json!({"type": "gzip", "level": get("level").unwrap_or(json!(-1)), "useZlib": false}),
        "zlib" => json!({"type": "gzip", "level": get("level").unwrap_or(json!(-1)), "useZlib": true}),
        "bz2" => json!({"type": "bzip2", "blockSize": get("level").unwrap_or(json!(9))}),
        "zstd" => json!({"type": "zstd", "level": get("level").unwrap_or(json!(3))}),
        "blosc" => {
            let shuffle = match get("shuffle") {
                None => json!(1),
                Some(Value::String(s)) => json!(match s.as_str() {
                    "noshuffle" => 0,
                    "shuffle" => 1,
                    "bitshuffle" => 2,
                    _ => return Err(Error::Unsupported(format!("blosc shuffle \"{s}\""))),
                }),
                Some(v) => v,
            };
            json!({
                "type": "blosc",
                "cname": get("cname").unwrap_or(json!("lz4")),
                "clevel": get("clevel").unwrap_or(json!(5)),
                "shuffle": shuffle,
                // No "nthreads": tensorstore refuses it (n5-blosc reads without it).
                "blocksize": get("blocksize").unwrap_or(json!(0)),
            })
        }
        other => return Err(Error::Unsupported(format!("codec \"{other}\" has no N5 form"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec(c: Value, dt: DataType) -> N5BlockCodec {
        N5BlockCodec::new(&c, dt).unwrap()
    }

    #[test]
    fn raw_header_and_big_endian_elements() {
        let c = codec(json!({"type": "raw"}), DataType::UInt16);
        // A 2x3 chunk (C order), valid 2x2: stored as N5 dims [2, 2].
        let chunk: Vec<u8> = [1u16, 2, 3, 4, 5, 6].iter().flat_map(|v| v.to_ne_bytes()).collect();
        let enc = c.encode(&chunk, &[2, 3], &[2, 2]).unwrap();
        assert_eq!(&enc[..12], &[0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2]);
        assert_eq!(&enc[12..], &[0, 1, 0, 2, 0, 4, 0, 5]);
        let dec = c.decode(enc.clone(), &[2, 3], "a/0/0").unwrap();
        let want: Vec<u8> = [1u16, 2, 0, 4, 5, 0].iter().flat_map(|v| v.to_ne_bytes()).collect();
        assert_eq!(dec, want);
        // Varlength header with a matching count reads the same.
        let mut v1 = enc.clone();
        v1[1] = 1;
        v1.splice(12..12, 4u32.to_be_bytes());
        assert_eq!(c.decode(v1, &[2, 3], "k").unwrap(), want);
        // Bad headers and truncation name the key.
        let mut wrong = enc.clone();
        wrong[3] = 3;
        let e = c.decode(wrong, &[2, 3], "a/0/0").unwrap_err();
        assert!(
            matches!(&e, Error::Codec(m) if m.contains("a/0/0") && m.contains("3 dimensions")),
            "{e}"
        );
        let mut big = enc.clone();
        big[7] = 9;
        assert!(matches!(c.decode(big, &[2, 3], "k"), Err(Error::Codec(m)) if m.contains("larger")));
        assert!(matches!(c.decode(enc[..14].to_vec(), &[2, 3], "a/1"), Err(Error::Codec(m)) if m.contains("a/1")));
        assert!(matches!(
            c.decode(enc[..3].to_vec(), &[2, 3], "k"),
            Err(Error::Codec(_))
        ));
    }

    #[test]
    fn every_compression_round_trips() {
        let chunk: Vec<u8> = (0..60i32).flat_map(|v| (v * 7 - 100).to_ne_bytes()).collect();
        for comp in [
            json!({"type": "gzip", "level": -1, "useZlib": false}),
            json!({"type": "gzip", "level": 5, "useZlib": true}),
            json!({"type": "bzip2", "blockSize": 9}),
            json!({"type": "xz", "preset": 6}),
            json!({"type": "blosc", "cname": "zstd", "clevel": 5, "shuffle": 1, "blocksize": 0, "nthreads": 1}),
            json!({"type": "zstd", "level": 3}),
        ] {
            let c = codec(comp.clone(), DataType::Int32);
            let enc = c.encode(&chunk, &[3, 4, 5], &[3, 4, 5]).unwrap();
            assert_eq!(c.decode(enc.clone(), &[3, 4, 5], "k").unwrap(), chunk, "{comp}");
            let cut = enc[..enc.len() - 5].to_vec();
            assert!(
                matches!(c.decode(cut, &[3, 4, 5], "x/0/0/0"), Err(Error::Codec(m)) if m.contains("x/0/0/0")),
                "{comp}"
            );
        }
        let e = N5BlockCodec::new(&json!({"type": "lz4", "blockSize": 65536}), DataType::Int32).unwrap_err();
        assert!(matches!(&e, Error::Unsupported(m) if m.contains("lz4")));
    }

    #[test]
    fn user_codec_lists_map_to_n5_compressions() {
        assert_eq!(compression_from_user(&[]).unwrap(), json!({"type": "raw"}));
        let g = compression_from_user(&[json!({"name": "gzip", "configuration": {"level": 4}})]).unwrap();
        assert_eq!(g, json!({"type": "gzip", "level": 4, "useZlib": false}));
        let b = compression_from_user(&[json!({"id": "bz2", "level": 3})]).unwrap();
        assert_eq!(b, json!({"type": "bzip2", "blockSize": 3}));
        let x = json!({"type": "xz", "preset": 2});
        assert_eq!(compression_from_user(std::slice::from_ref(&x)).unwrap(), x);
        assert!(compression_from_user(&[json!({"name": "crc32c"})]).is_err());
    }
}
