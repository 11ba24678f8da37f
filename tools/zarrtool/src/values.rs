//! Reading values in bounded memory and writing them as text.
//!
//! Values are read in blocks of whole rows of the first dimension (about
//! 32 MiB each, whole chunk rows where possible), so `get` and `dump` of a
//! large array never hold it whole. Text is exact: integers in decimal,
//! floats as the shortest text that reads back to the same value
//! (float16 through float32, which holds every float16 exactly).

use crate::slice::Slab;
use crate::R;
use zarr::{Array, DataType};

const BLOCK_BYTES: u64 = 32 << 20;

/// The memory type values are read as: the stored type, float16 as float32.
pub fn mem_type(dt: DataType) -> DataType {
    match dt {
        DataType::Float16 => DataType::Float32,
        other => other,
    }
}

/// Call `f` with the values of `slab` (C order, native endian, elements of
/// `mem`), block by block in order.
pub fn for_each_block(a: &Array, slab: &Slab, mem: DataType, mut f: impl FnMut(&[u8]) -> R<()>) -> R<()> {
    let shape = a.shape();
    slab.selection(&shape)?;
    let ms = mem.size() as u64;
    if shape.is_empty() {
        let mut buf = vec![0u8; ms as usize];
        a.read(&slab.selection(&shape)?, mem, &mut buf)?;
        return f(&buf);
    }
    if slab.count.contains(&0) {
        return Ok(()); // nothing selected
    }
    let rows = slab.count[0];
    let row_bytes = slab.count[1..].iter().product::<u64>().saturating_mul(ms).max(1);
    let mut per = (BLOCK_BYTES / row_bytes).max(1);
    // Whole chunk rows: a chunk row decoded once, not once per block.
    let chunk_rows = (a.chunk_shape()[0] / slab.stride[0]).max(1);
    if per > chunk_rows {
        per -= per % chunk_rows;
    }
    let mut first = 0;
    while first < rows {
        let n = per.min(rows - first);
        let part = slab.rows(first, n);
        let bytes = usize::try_from(n * row_bytes)
            .map_err(|_| zarr::Error::InvalidArgument("selection is too large".into()))?;
        let mut buf = zarr::error::try_alloc(bytes, "values")?;
        a.read(&part.selection(&shape)?, mem, &mut buf)?;
        f(&buf)?;
        first += n;
    }
    Ok(())
}

fn f32_of(b: &[u8]) -> f32 {
    f32::from_ne_bytes(b[..4].try_into().unwrap())
}
fn f64_of(b: &[u8]) -> f64 {
    f64::from_ne_bytes(b[..8].try_into().unwrap())
}

/// One element of `mem` type as plain text (bool: true/false).
pub fn plain(mem: DataType, b: &[u8]) -> String {
    use DataType::*;
    match mem {
        Bool => (if b[0] != 0 { "true" } else { "false" }).into(),
        Int8 => (b[0] as i8).to_string(),
        UInt8 => b[0].to_string(),
        Int16 => i16::from_ne_bytes([b[0], b[1]]).to_string(),
        UInt16 => u16::from_ne_bytes([b[0], b[1]]).to_string(),
        Int32 => i32::from_ne_bytes(b[..4].try_into().unwrap()).to_string(),
        UInt32 => u32::from_ne_bytes(b[..4].try_into().unwrap()).to_string(),
        Int64 | DateTime64(_) | TimeDelta64(_) => i64::from_ne_bytes(b[..8].try_into().unwrap()).to_string(),
        UInt64 => u64::from_ne_bytes(b[..8].try_into().unwrap()).to_string(),
        // Debug is Rust's shortest round-trip form ("0.1", "1e-7", "NaN", "inf").
        Float32 | Float16 => format!("{:?}", f32_of(b)),
        Float64 => format!("{:?}", f64_of(b)),
        String | FixedString(_) | Bytes(_) | VlenBytes => std::string::String::from_utf8_lossy(b).into_owned(),
    }
}

/// A float as CDL writes it: no trailing ".0", NaN and Infinity spelled as
/// ncdump does. `suffix` (attributes): "f" for float, "" for double, where a
/// double with no dot or exponent gets one (ncdump's "0.").
pub fn cdl_float(v: f64, is_f32: bool, attr: bool) -> String {
    let mut s = if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        (if v > 0.0 { "Infinity" } else { "-Infinity" }).to_owned()
    } else if is_f32 {
        format!("{:?}", v as f32)
    } else {
        format!("{v:?}")
    };
    if let Some(t) = s.strip_suffix(".0") {
        s = t.to_owned();
    }
    if attr {
        if is_f32 {
            s.push('f');
        } else if v.is_finite() && !s.contains(['.', 'e']) {
            s.push('.');
        }
    }
    s
}

/// One element as a CDL data value (bool as 0/1: netCDF's ubyte).
pub fn cdl(mem: DataType, b: &[u8]) -> String {
    match mem {
        DataType::Bool => b[0].to_string(),
        DataType::Float32 | DataType::Float16 => cdl_float(f32_of(b) as f64, true, false),
        DataType::Float64 => cdl_float(f64_of(b), false, false),
        other => plain(other, b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_exact() {
        assert_eq!(plain(DataType::Float32, &0.1f32.to_ne_bytes()), "0.1");
        assert_eq!(plain(DataType::Float64, &(-2.5e-300f64).to_ne_bytes()), "-2.5e-300");
        assert_eq!(plain(DataType::Int64, &i64::MIN.to_ne_bytes()), i64::MIN.to_string());
        assert_eq!(plain(DataType::Bool, &[1]), "true");
        assert_eq!(cdl(DataType::Float64, &3.0f64.to_ne_bytes()), "3");
        assert_eq!(cdl_float(3.0, false, true), "3.");
        assert_eq!(cdl_float(0.5, true, true), "0.5f");
        assert_eq!(cdl_float(f64::NAN, true, true), "NaNf");
        assert_eq!(cdl_float(f64::NEG_INFINITY, false, false), "-Infinity");
    }
}
