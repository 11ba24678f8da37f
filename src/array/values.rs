//! Strings and bytes through the read and write loops.
//!
//! Variable-length arrays (`String`, `VlenBytes`) have value-list chunks:
//! the chain's decoded chunk is the vlen framing (`codec::vlen`); here it
//! is split into values for the read loop's scatter ([`scatter_values`])
//! and rebuilt after a write's gather ([`updated_values`]). The loops
//! themselves (chunk tasks, locks, read-modify-write) are the ones of
//! `read.rs` and `write.rs`.
//!
//! Fixed-size strings and bytes are elements like numbers; the string
//! calls ([`Array::read_strings`], [`Array::write_strings`]) only convert
//! between their raw elements and values: `Bytes(n)` values lose their
//! trailing NULs on read (as numpy reads `|S`), UTF-32 values their
//! trailing NUL code points; a value that does not fit is `Error::Range`,
//! invalid UTF-8 for a string type `Error::InvalidArgument`, both found
//! before anything is stored.

use super::selection::DimPiece;
use super::{for_each_run, Array, Selection, SharedOut};
use crate::codec::partial::Block;
use crate::codec::vlen;
use crate::error::{Error, Result};
use crate::metadata::{ArrayMetadata, DataType, FillValue};

/// Scatter one decoded block of a variable-length array into value slots.
pub(super) fn scatter_values(
    block: Block<'_>,
    meta: &ArrayMetadata,
    block_shape: &[u64],
    pieces: &[DimPiece],
    sel: &Selection,
    out: &SharedOut,
    key: &str,
) -> Result<()> {
    let inner = sel.stride().last().copied().unwrap_or(1) as usize;
    let n = block_shape.iter().product::<u64>() as usize;
    let fill = meta.fill_value.as_bytes();
    match block {
        Block::Decoded(d) => {
            let values = vlen::decode(d, n, meta.dtype == DataType::String, key)?;
            for_each_run(block_shape, pieces, sel, |c, o, k| {
                // SAFETY: runs of different chunks are disjoint output ranges.
                let dst = unsafe { out.value_slots(o, k) };
                for (i, slot) in dst.iter_mut().enumerate() {
                    slot.clear();
                    slot.extend_from_slice(values[c + i * inner]);
                }
                Ok(())
            })
        }
        Block::Fill => for_each_run(block_shape, pieces, sel, |_, o, k| {
            // SAFETY: as above.
            let dst = unsafe { out.value_slots(o, k) };
            for slot in dst {
                slot.clear();
                slot.extend_from_slice(fill);
            }
            Ok(())
        }),
        Block::Stream(_) => Err(Error::Internal(format!("chunk {key}: a value-list chunk streamed"))),
    }
}

/// The new framed contents of one chunk of a variable-length array after a
/// write of `pieces` of it (see `write::updated_chunk`, its twin for
/// element chunks): `values` are the write's values in selection order.
#[allow(clippy::too_many_arguments)]
pub(super) fn updated_values(
    meta: &ArrayMetadata,
    chunk_shape: &[u64],
    covers: bool,
    pieces: &[DimPiece],
    sel: &Selection,
    values: &[&[u8]],
    key: &str,
    old: impl FnOnce() -> Result<Option<Vec<u8>>>,
) -> Result<Vec<u8>> {
    let n = chunk_shape.iter().product::<u64>() as usize;
    let inner = sel.stride().last().copied().unwrap_or(1) as usize;
    let stored = if covers { None } else { old()? };
    let mut chunk: Vec<&[u8]> = match &stored {
        Some(b) => vlen::decode(b, n, meta.dtype == DataType::String, key)?,
        None => vec![meta.fill_value.as_bytes(); n],
    };
    for_each_run(chunk_shape, pieces, sel, |c, o, k| {
        for i in 0..k {
            chunk[c + i * inner] = values[o + i];
        }
        Ok(())
    })?;
    vlen::encode(&chunk)
}

/// Whether a framed chunk holds only the fill value.
pub(super) fn all_fill(framed: &[u8], fill: &FillValue) -> bool {
    let Some(n) = vlen::count(framed) else {
        return false;
    };
    vlen::decode(framed, n, false, "").is_ok_and(|v| v.iter().all(|x| *x == fill.as_bytes()))
}

/// Elements of a selection, checked against the array's shape.
fn selected(sel: &Selection, shape: &[u64]) -> Result<usize> {
    sel.check_within(shape)?;
    sel.num_elements()
        .ok_or_else(|| Error::InvalidArgument("selection is too large".into()))
}

impl Array {
    /// Read the values of a string or bytes array (any of `String`,
    /// `FixedString`, `Bytes`, `VlenBytes`), one per selected element in C
    /// order: UTF-8 for strings (fixed-length ones without their padding),
    /// the bytes for byte types (`Bytes(n)` without trailing NULs). Other
    /// types are `Error::Type`.
    pub fn read_strings(&self, sel: &Selection) -> Result<Vec<Vec<u8>>> {
        self.check_exists()?;
        let meta = self.metadata();
        let n = selected(sel, &meta.shape)?;
        let dt = meta.dtype;
        if dt.is_vlen() {
            let mut slots = Vec::new();
            slots
                .try_reserve_exact(n)
                .map_err(|_| Error::OutOfMemory(format!("cannot allocate {n} values")))?;
            slots.resize(n, Vec::new());
            self.read_into(&meta, sel, dt, &SharedOut::values(&mut slots))?;
            return Ok(slots);
        }
        let size = match dt {
            DataType::Bytes(_) | DataType::FixedString(_) => dt.size(),
            _ => return Err(not_text(dt)),
        };
        let len = n
            .checked_mul(size)
            .ok_or_else(|| Error::InvalidArgument("selection is too large".into()))?;
        let mut raw = crate::error::try_alloc(len, format_args!("{n} values"))?;
        self.read(sel, dt, &mut raw)?;
        raw.chunks_exact(size.max(1))
            .take(n)
            .map(|e| match dt {
                DataType::Bytes(_) => Ok(e[..e.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1)].to_vec()),
                _ => utf32_to_utf8(e),
            })
            .collect()
    }

    /// Write one value per selected element (C order) to a string or bytes
    /// array. Checked whole first: a wrong count or invalid UTF-8 for a
    /// string type is `Error::InvalidArgument`, a value longer than a
    /// fixed-size type holds `Error::Range`; then nothing is written.
    pub fn write_strings(&self, sel: &Selection, values: &[&[u8]]) -> Result<()> {
        self.check_writable()?;
        self.check_exists()?;
        let meta = self.metadata();
        let dt = meta.dtype;
        if !dt.is_text() {
            return Err(not_text(dt));
        }
        let n = selected(sel, &meta.shape)?;
        if values.len() != n {
            return Err(Error::InvalidArgument(format!(
                "{} values for a selection of {n} elements",
                values.len()
            )));
        }
        if matches!(dt, DataType::String | DataType::FixedString(_)) {
            if let Some(i) = values.iter().position(|v| std::str::from_utf8(v).is_err()) {
                return Err(Error::InvalidArgument(format!("value {i} is not valid UTF-8")));
            }
        }
        match dt {
            DataType::String | DataType::VlenBytes => self.write_values_with(&meta, sel, values),
            DataType::Bytes(len) | DataType::FixedString(len) => {
                let size = dt.size();
                let mut raw = crate::error::try_alloc(n * size, format_args!("{n} values"))?;
                for (i, (v, e)) in values.iter().zip(raw.chunks_exact_mut(size.max(1))).enumerate() {
                    let fits = match dt {
                        DataType::Bytes(_) => {
                            let ok = v.len() <= e.len();
                            if ok {
                                e[..v.len()].copy_from_slice(v);
                                e[v.len()..].fill(0);
                            }
                            ok
                        }
                        _ => utf8_to_utf32(v, e),
                    };
                    if !fits {
                        return Err(Error::Range(format!(
                            "value {i} does not fit a {} of length {len}",
                            dt.v3_name()
                        )));
                    }
                }
                self.write(sel, dt, &raw)
            }
            _ => Err(not_text(dt)),
        }
    }
}

fn not_text(dt: DataType) -> Error {
    Error::Type(format!("a {} array holds no strings or bytes", dt.v3_name()))
}

/// One UTF-32 element (native code units) as UTF-8, without trailing NULs.
fn utf32_to_utf8(e: &[u8]) -> Result<Vec<u8>> {
    let units: Vec<u32> = e
        .chunks_exact(4)
        .map(|c| u32::from_ne_bytes(c.try_into().unwrap()))
        .collect();
    let end = units.iter().rposition(|&u| u != 0).map_or(0, |i| i + 1);
    units[..end]
        .iter()
        .map(|&u| {
            char::from_u32(u).ok_or_else(|| Error::Codec(format!("stored UTF-32 code unit {u:#x} is not a character")))
        })
        .collect::<Result<String>>()
        .map(String::into_bytes)
}

/// Encode valid UTF-8 `v` into the UTF-32 element `e` (NUL-padded); false
/// when it has more code points than the element holds.
fn utf8_to_utf32(v: &[u8], e: &mut [u8]) -> bool {
    let s = std::str::from_utf8(v).unwrap_or_default();
    if s.chars().count() > e.len() / 4 {
        return false;
    }
    e.fill(0);
    for (c, dst) in s.chars().zip(e.chunks_exact_mut(4)) {
        dst.copy_from_slice(&(c as u32).to_ne_bytes());
    }
    true
}
