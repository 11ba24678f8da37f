//! The variable-length array->bytes codecs: numcodecs `vlen-utf8` and
//! `vlen-bytes` (v2 object codecs, the first filter of a `|O` array) and
//! their v3 forms `vlen-utf8` / `vlen-bytes` as zarr-python 3 writes them.
//! The framing is the same for both: a little-endian u32 count of items,
//! then per item a little-endian u32 length and that many bytes.
//!
//! A chunk of a variable-length array is held between the codecs and the
//! array code in this framed form (it is its "decoded" chunk): the chain
//! applies only the bytes->bytes codecs after it, and [`decode`] splits it
//! into values where the read and write loops need them.

use crate::error::{Error, Result};

pub const UTF8: &str = "vlen-utf8";
pub const BYTES: &str = "vlen-bytes";

/// Frame `values` (u32 count, then u32 length + bytes each).
pub fn encode<V: AsRef<[u8]>>(values: &[V]) -> Result<Vec<u8>> {
    let too_big = || Error::Codec("a value list too large for vlen framing (u32 lengths)".into());
    let total = values
        .iter()
        .try_fold(4usize, |acc, v| acc.checked_add(4 + v.as_ref().len()))
        .ok_or_else(too_big)?;
    let mut out = crate::codec::try_capacity(total, "vlen chunk")?;
    out.extend_from_slice(&u32::try_from(values.len()).map_err(|_| too_big())?.to_le_bytes());
    for v in values {
        let v = v.as_ref();
        out.extend_from_slice(&u32::try_from(v.len()).map_err(|_| too_big())?.to_le_bytes());
        out.extend_from_slice(v);
    }
    Ok(out)
}

/// Split a framed chunk into its `n` values (borrowed). The count must be
/// `n`, every length must lie inside the data, and nothing may follow the
/// last value: else [`Error::Codec`] naming the chunk `key`. With `utf8`
/// every value must be valid UTF-8 (a vlen-utf8 chunk).
pub fn decode<'a>(data: &'a [u8], n: usize, utf8: bool, key: &str) -> Result<Vec<&'a [u8]>> {
    let bad = |what: String| Error::Codec(format!("chunk {key}: {what}"));
    let u32_at = |pos: usize| -> Option<usize> {
        let b = data.get(pos..pos.checked_add(4)?)?;
        Some(u32::from_le_bytes(b.try_into().ok()?) as usize)
    };
    let count = u32_at(0).ok_or_else(|| bad(format!("vlen data of {} bytes has no item count", data.len())))?;
    if count != n {
        return Err(bad(format!("vlen data holds {count} items, the chunk has {n}")));
    }
    let mut values = Vec::new();
    values
        .try_reserve_exact(n)
        .map_err(|_| Error::OutOfMemory(format!("chunk {key}: cannot allocate {n} values")))?;
    let mut pos = 4usize;
    for i in 0..n {
        let len = u32_at(pos).ok_or_else(|| bad(format!("vlen data ends inside the length of item {i}")))?;
        let start = pos + 4;
        let end = start.checked_add(len).filter(|&e| e <= data.len()).ok_or_else(|| {
            bad(format!(
                "vlen item {i} of {len} bytes runs past the end of the data ({} bytes)",
                data.len()
            ))
        })?;
        let v = &data[start..end];
        if utf8 && std::str::from_utf8(v).is_err() {
            return Err(bad(format!("vlen-utf8 item {i} is not valid UTF-8")));
        }
        values.push(v);
        pos = end;
    }
    if pos != data.len() {
        return Err(bad(format!("{} bytes follow the last vlen item", data.len() - pos)));
    }
    Ok(values)
}

/// The item count of a framed chunk (None: too short to hold one).
pub fn count(data: &[u8]) -> Option<usize> {
    Some(u32::from_le_bytes(data.get(..4)?.try_into().ok()?) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_matches_numcodecs() {
        // numcodecs.VLenUTF8().encode(np.array(["ab", "", "héllo"], dtype=object))
        let want = b"\x03\x00\x00\x00\x02\x00\x00\x00ab\x00\x00\x00\x00\x06\x00\x00\x00h\xc3\xa9llo";
        let enc = encode(&["ab", "", "héllo"]).unwrap();
        assert_eq!(enc, want);
        let back = decode(&enc, 3, true, "c/0").unwrap();
        assert_eq!(back, vec![&b"ab"[..], b"", "héllo".as_bytes()]);
        assert_eq!(count(&enc), Some(3));
    }

    #[test]
    fn bad_framing_is_a_codec_error_naming_the_chunk() {
        let enc = encode(&["abc", "de"]).unwrap();
        // Truncated inside the last value: its length runs past the end.
        let e = decode(&enc[..enc.len() - 1], 2, true, "a/c/7").unwrap_err();
        assert!(
            matches!(&e, Error::Codec(m) if m.contains("a/c/7") && m.contains("past the end")),
            "{e}"
        );
        // A length field far beyond the data.
        let mut huge = enc.clone();
        huge[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(decode(&huge, 2, false, "k"), Err(Error::Codec(_))));
        // Wrong count, trailing bytes, no header.
        assert!(matches!(decode(&enc, 3, false, "k"), Err(Error::Codec(m)) if m.contains("2 items")));
        let mut extra = enc.clone();
        extra.push(0);
        assert!(matches!(decode(&extra, 2, false, "k"), Err(Error::Codec(_))));
        assert!(matches!(decode(&[1, 0], 1, false, "k"), Err(Error::Codec(_))));
        // Invalid UTF-8 refused only for strings.
        let raw = encode(&[&[0xffu8, 0xfe][..]]).unwrap();
        assert!(matches!(decode(&raw, 1, true, "k"), Err(Error::Codec(m)) if m.contains("UTF-8")));
        assert_eq!(decode(&raw, 1, false, "k").unwrap(), vec![&[0xffu8, 0xfe][..]]);
    }
}
