//! Codecs: one file per codec, the registry that finds them by name, and the
//! pipeline that chains them for one array.
//!
//! Data model: the pipeline hands array->array codecs (transpose) a decoded
//! chunk as native-endian C-order bytes plus its shape; the array->bytes codec
//! (`bytes`) fixes the byte order; bytes->bytes codecs (compressors, checksums,
//! the v2 `delta` filter) see plain byte buffers and implement [`BytesCodec`].

use crate::error::Result;
use serde_json::Value;

pub mod bitround;
pub mod blosc;
pub mod bz2;
pub mod crc32c;
pub mod delta;
pub mod fixedscaleoffset;
pub mod gzip;
pub mod lz4;
pub mod n5block;
pub mod partial;
pub mod pipeline;
pub mod quantize;
pub mod registry;
pub mod sharding;
pub mod shuffle;
pub mod transpose;
pub mod vlen;
pub mod xz;
pub mod zlib;
pub mod zstd;

/// Check the `"id"` of a numcodecs object handed to codec `name`.
pub(crate) fn check_v2_id(obj: &serde_json::Map<String, Value>, id: &str, name: &str) -> Result<()> {
    if obj.get("id").and_then(Value::as_str) == Some(id) {
        Ok(())
    } else {
        Err(crate::error::Error::Metadata(format!(
            "{name}: expected \"id\": \"{id}\" in {}",
            Value::Object(obj.clone())
        )))
    }
}

/// Refuse configuration entries other than `allowed` (and "id"), naming them.
pub(crate) fn check_keys(cfg: &serde_json::Map<String, Value>, allowed: &[&str], name: &str) -> Result<()> {
    match cfg
        .iter()
        .find(|(k, _)| k.as_str() != "id" && !allowed.contains(&k.as_str()))
    {
        Some((k, v)) => Err(crate::error::Error::Metadata(format!(
            "{name}: unexpected configuration entry {k:?}: {v}"
        ))),
        None => Ok(()),
    }
}

/// A numcodecs `dtype`/`astype` entry (`"<f8"`, `"float32"`); None when absent.
pub(crate) fn dtype_entry(cfg: &serde_json::Map<String, Value>, key: &str, name: &str) -> Result<Option<delta::DType>> {
    use crate::error::Error;
    match cfg.get(key).filter(|v| !v.is_null()) {
        None => Ok(None),
        Some(v) => {
            let s = v
                .as_str()
                .ok_or_else(|| Error::Metadata(format!("{name}: {key} must be a string, got {v}")))?;
            delta::DType::parse(s)
                .map(Some)
                .ok_or_else(|| Error::Unsupported(format!("{name}: unsupported {key} {s:?}")))
        }
    }
}

/// A decode that knows its exact output size (`decoded_len`) must produce
/// exactly that, as [`BytesCodec::decode`] promises: `ZARR_ECODEC` naming
/// the codec otherwise. For filters whose output size follows from the input
/// size, checked before decoding (found by fuzzing: shuffle, bitround,
/// quantize and fixedscaleoffset returned whatever size their input gave).
pub(crate) fn check_decoded_len(name: &str, decodes_to: usize, decoded_len: Option<usize>) -> Result<()> {
    match decoded_len {
        Some(want) if want != decodes_to => Err(crate::error::Error::Codec(format!(
            "{name}: input decodes to {decodes_to} bytes, expected {want}"
        ))),
        _ => Ok(()),
    }
}

/// What a bytes->bytes codec may need to know about the data it receives.
#[derive(Debug, Clone, Copy)]
pub struct CodecContext {
    /// Size in bytes of one element of the array data reaching the codec
    /// (blosc's default `typesize` in v2, where numcodecs takes the buffer's itemsize).
    pub elem_size: usize,
}

/// A bytes->bytes codec (compressor, checksum or byte filter).
pub trait BytesCodec: Send + Sync + std::fmt::Debug {
    /// Name used in error messages (the v3 name).
    fn name(&self) -> &'static str;
    fn encode(&self, input: Vec<u8>) -> Result<Vec<u8>>;
    /// As [`BytesCodec::encode`] from borrowed bytes (a whole chunk that is
    /// one run of the caller's buffer needs no copy of its own). Codecs that
    /// read their input without consuming it override this.
    fn encode_slice(&self, input: &[u8]) -> Result<Vec<u8>> {
        self.encode(input.to_vec())
    }
    /// `decoded_len` is the exact decoded size when the caller knows it
    /// (it does for the codec nearest to the array), else `None`.
    fn decode(&self, input: Vec<u8>, decoded_len: Option<usize>) -> Result<Vec<u8>>;
    /// Decode when only an upper bound of the decoded size is known (a codec
    /// further out in the chain than the one nearest to the array): past
    /// `max_len` decoded bytes this is [`Error::Codec`], found before
    /// allocating that much, so a hostile header or a decompression bomb
    /// cannot take the process's memory. The default suits codecs whose
    /// output is no larger than a small multiple of their input (filters,
    /// checksums); compressors override it.
    fn decode_bounded(&self, input: Vec<u8>, max_len: usize) -> Result<Vec<u8>> {
        let out = self.decode(input, None)?;
        check_bound(self.name(), out.len(), max_len)?;
        Ok(out)
    }
    /// An upper bound of the encoded size of `decoded_len` bytes, by this
    /// codec or any sane other implementation of it. A decoder rejects
    /// stored data larger than the bound of the chunk it should hold, and the
    /// bound of one codec's input is the size limit of the next codec's
    /// output ([`BytesCodec::decode_bounded`]). The default (half as much
    /// again plus 64 KiB) is far above what compressors produce from
    /// incompressible data (zstd and deflate add well under 1%) and what
    /// checksums add; codecs that widen elements override it.
    fn max_encoded_len(&self, decoded_len: usize) -> usize {
        decoded_len.saturating_add(decoded_len / 2).saturating_add(1 << 16)
    }
    /// A streaming decoder over `input`, for codecs that can decode without
    /// holding the whole result (reads then scatter straight into the
    /// caller's buffer). None: use [`BytesCodec::decode`].
    fn decode_stream<'a>(
        &self,
        _input: Box<dyn std::io::Read + Send + 'a>,
    ) -> Option<Box<dyn std::io::Read + Send + 'a>> {
        None
    }
    /// The v3 `{"name":..,"configuration":{..}}` object, or None if the codec has no v3 form.
    fn to_v3_json(&self) -> Option<Value>;
    /// The numcodecs `{"id":.., ...}` object for v2 metadata, or None if no v2 form.
    fn to_v2_json(&self) -> Option<Value>;
}

/// [`Error::Codec`] when `len` decoded bytes exceed `max_len`.
pub(crate) fn check_bound(name: &str, len: usize, max_len: usize) -> Result<()> {
    if len > max_len {
        return Err(crate::error::Error::Codec(format!(
            "{name}: decodes to more than {max_len} bytes, the most this chunk can hold"
        )));
    }
    Ok(())
}

/// Read `r` to its end into a buffer grown fallibly, stopping with
/// [`Error::Codec`] once more than `max_len` bytes come out (a bomb is cut
/// off after `max_len + 64 KiB` decoded bytes, not read to its end), and
/// with [`Error::OutOfMemory`] when the buffer cannot grow.
pub(crate) fn read_bounded(mut r: impl std::io::Read, max_len: usize, name: &str) -> Result<Vec<u8>> {
    use crate::error::Error;
    let mut out: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::Codec(format!("{name}: {e}"))),
        };
        check_bound(name, out.len() + n, max_len)?;
        out.try_reserve(n)
            .map_err(|_| Error::OutOfMemory(format!("{name}: cannot allocate {} bytes", out.len() + n)))?;
        out.extend_from_slice(&buf[..n]);
    }
}

/// A buffer with room for `len` bytes reserved fallibly (empty: its length is 0).
pub(crate) fn try_capacity(len: usize, name: &str) -> Result<Vec<u8>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| crate::error::Error::OutOfMemory(format!("{name}: cannot allocate {len} bytes")))?;
    Ok(v)
}
