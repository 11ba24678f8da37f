//! Is a chunk all fill value? Compared as zarr-python 3 does: bit for bit
//! (so -0.0 is data under a 0.0 fill), except that under a NaN fill every
//! NaN counts as fill. Compares 64 bytes at a time and stops at the first
//! difference, so a chunk with data costs almost nothing.

use crate::metadata::{DataType, FillValue};

pub fn is_all_fill(chunk: &[u8], dtype: DataType, fill: &FillValue) -> bool {
    if fill.is_nan(dtype) {
        return match dtype {
            DataType::Float32 => chunk
                .chunks_exact(4)
                .all(|c| f32::from_ne_bytes(c.try_into().unwrap()).is_nan()),
            DataType::Float64 => chunk
                .chunks_exact(8)
                .all(|c| f64::from_ne_bytes(c.try_into().unwrap()).is_nan()),
            DataType::Float16 => chunk
                .chunks_exact(2)
                .all(|c| half::f16::from_ne_bytes([c[0], c[1]]).is_nan()),
            _ => false,
        };
    }
    let f = fill.as_bytes();
    if f.is_empty() || 64 % f.len() != 0 {
        // Strings and bytes of other lengths: element by element.
        return !f.is_empty() && chunk.chunks(f.len()).all(|e| e == f);
    }
    // A 64-byte block of the fill pattern (the element size divides 64).
    let mut pattern = [0u8; 64];
    for (i, b) in pattern.iter_mut().enumerate() {
        *b = f[i % f.len()];
    }
    let mut blocks = chunk.chunks_exact(64);
    if !blocks.by_ref().all(|b| b == pattern) {
        return false;
    }
    let rest = blocks.remainder();
    rest == &pattern[..rest.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_fill_compares_as_zero() {
        // zarr-python 3 treats a v2 null fill as the dtype's zero when deciding emptiness.
        let fill = FillValue::from_json(DataType::Int32, &serde_json::Value::Null, false).unwrap();
        assert!(is_all_fill(&[0u8; 16], DataType::Int32, &fill));
        assert!(!is_all_fill(&[0, 0, 0, 1], DataType::Int32, &fill));
    }

    #[test]
    fn zero_and_negative_zero() {
        let fill = FillValue::zero(DataType::Float64);
        let mut chunk = vec![0u8; 8 * 100];
        assert!(is_all_fill(&chunk, DataType::Float64, &fill));
        chunk[8 * 99..].copy_from_slice(&(-0.0f64).to_ne_bytes());
        assert!(!is_all_fill(&chunk, DataType::Float64, &fill));
    }

    #[test]
    fn nan_fill_matches_any_nan() {
        let fill = FillValue::from_bytes(DataType::Float32, &f32::NAN.to_ne_bytes()).unwrap();
        let mut chunk: Vec<u8> = (0..33).flat_map(|_| f32::NAN.to_ne_bytes()).collect();
        chunk[4..8].copy_from_slice(&f32::from_bits(0x7fc0_0001).to_ne_bytes());
        assert!(is_all_fill(&chunk, DataType::Float32, &fill));
        chunk[0..4].copy_from_slice(&1.0f32.to_ne_bytes());
        assert!(!is_all_fill(&chunk, DataType::Float32, &fill));
    }

    #[test]
    fn fill_of_a_size_not_dividing_64() {
        // |S3 elements "ab\0": 30 of them span several 64-byte blocks.
        let dt = DataType::Bytes(3);
        let fill = FillValue::from_bytes(dt, b"ab\0").unwrap();
        let mut chunk = b"ab\0".repeat(30);
        assert!(is_all_fill(&chunk, dt, &fill));
        chunk[70] = b'x';
        assert!(!is_all_fill(&chunk, dt, &fill));
    }

    #[test]
    fn pattern_fill_with_remainder() {
        let fill = FillValue::from_bytes(DataType::Int16, &(-999i16).to_ne_bytes()).unwrap();
        let mut chunk: Vec<u8> = (0..37).flat_map(|_| (-999i16).to_ne_bytes()).collect();
        assert!(is_all_fill(&chunk, DataType::Int16, &fill));
        let n = chunk.len();
        chunk[n - 1] ^= 1;
        assert!(!is_all_fill(&chunk, DataType::Int16, &fill));
    }
}
