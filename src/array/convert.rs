//! Element conversion between stored and memory types, with netCDF's rules:
//! a value converts when it fits the target type (floats to integers
//! truncate toward zero); NaN or a value out of the target's range is
//! `Error::Range`. NaN and infinities convert freely between float types, a
//! finite value too large for the target float is out of range. `bool`
//! holds 0 or 1: any type converts to it only from 0 or 1.
//!
//! The other stored types ([`check_mem_type`]): fixed-size strings and bytes
//! are read and written only as their raw elements (memory type = stored
//! type); times as their raw int64 counts, in their own type or `Int64`;
//! variable-length strings and bytes never as elements (value lists:
//! `Array::read_values`). Any other memory type is `Error::Type`.

use crate::error::{Error, Result};
use crate::metadata::DataType;
use num_traits::{NumCast, ToPrimitive};

/// A value as read from memory or a chunk.
trait Elem: Copy + NumCast + ToPrimitive + 'static {
    fn load(b: &[u8]) -> Self;
    fn store(self, b: &mut [u8]);
    /// Convert, or None when it does not fit.
    fn cast_from<S: Elem>(s: S) -> Option<Self> {
        <Self as NumCast>::from(s)
    }
    fn is_finite_f(self) -> bool {
        true
    }
}

macro_rules! elem {
    ($t:ty, $n:expr) => {
        impl Elem for $t {
            #[inline(always)]
            fn load(b: &[u8]) -> Self {
                <$t>::from_ne_bytes(b[..$n].try_into().unwrap())
            }
            #[inline(always)]
            fn store(self, b: &mut [u8]) {
                b[..$n].copy_from_slice(&self.to_ne_bytes())
            }
        }
    };
}
elem!(i8, 1);
elem!(i16, 2);
elem!(i32, 4);
elem!(i64, 8);
elem!(u8, 1);
elem!(u16, 2);
elem!(u32, 4);
elem!(u64, 8);

macro_rules! float_elem {
    ($t:ty, $n:expr, $to:ident) => {
        impl Elem for $t {
            #[inline(always)]
            fn load(b: &[u8]) -> Self {
                <$t>::from_ne_bytes(b[..$n].try_into().unwrap())
            }
            #[inline(always)]
            fn store(self, b: &mut [u8]) {
                b[..$n].copy_from_slice(&self.to_ne_bytes())
            }
            fn cast_from<S: Elem>(s: S) -> Option<Self> {
                // A finite value beyond the type's largest does not fit (as
                // netCDF: even one that would round down to it); NaN and
                // infinities carry over; integers always fit (rounded).
                if s.is_finite_f() && s.to_f64()?.abs() > <$t>::MAX as f64 {
                    return None;
                }
                s.$to()
            }
            fn is_finite_f(self) -> bool {
                self.is_finite()
            }
        }
    };
}
float_elem!(f32, 4, to_f32);
float_elem!(f64, 8, to_f64);

impl Elem for half::f16 {
    fn load(b: &[u8]) -> Self {
        half::f16::from_ne_bytes([b[0], b[1]])
    }
    fn store(self, b: &mut [u8]) {
        b[..2].copy_from_slice(&self.to_ne_bytes())
    }
    fn cast_from<S: Elem>(s: S) -> Option<Self> {
        let f = s.to_f64()?;
        if f.is_finite() && f.abs() > half::f16::MAX.to_f64() {
            return None;
        }
        Some(half::f16::from_f64(f))
    }
    fn is_finite_f(self) -> bool {
        self.is_finite()
    }
}

/// bool as one byte 0/1; converting to it accepts only 0 and 1.
#[derive(Clone, Copy)]
struct Bool(u8);

impl ToPrimitive for Bool {
    fn to_i64(&self) -> Option<i64> {
        Some(self.0 as i64)
    }
    fn to_u64(&self) -> Option<u64> {
        Some(self.0 as u64)
    }
    fn to_f64(&self) -> Option<f64> {
        Some(self.0 as f64)
    }
}
impl NumCast for Bool {
    fn from<T: ToPrimitive>(n: T) -> Option<Self> {
        let f = n.to_f64()?;
        if f == 0.0 {
            Some(Bool(0))
        } else if f == 1.0 {
            Some(Bool(1))
        } else {
            None
        }
    }
}
impl Elem for Bool {
    fn load(b: &[u8]) -> Self {
        // Any non-zero stored byte is true, as numpy reads it.
        Bool((b[0] != 0) as u8)
    }
    fn store(self, b: &mut [u8]) {
        b[0] = self.0
    }
}

/// Convert `n` elements: source element i at byte `i * src_step`, destination
/// element i at byte `i * dst_step` (steps in bytes, so strided runs work).
fn run<S: Elem, D: Elem>(src: &[u8], src_step: usize, dst: &mut [u8], dst_step: usize, n: usize) -> Result<()> {
    for i in 0..n {
        let s = S::load(&src[i * src_step..]);
        match D::cast_from(s) {
            Some(d) => d.store(&mut dst[i * dst_step..]),
            None => return Err(range_error(s)),
        }
    }
    Ok(())
}

#[cold]
fn range_error<S: Elem>(s: S) -> Error {
    let f = s.to_f64();
    // Integral values print exactly (u64 beyond 2^53 included); others as floats.
    let text = match (f, s.to_i128()) {
        (Some(f), Some(i)) if f.is_finite() && f.fract() == 0.0 => i.to_string(),
        (Some(f), _) => f.to_string(),
        (None, _) => "?".to_string(),
    };
    Error::Range(format!("value {text} does not fit the target type"))
}

macro_rules! dispatch_dst {
    ($S:ty, $dst_t:expr, $($args:expr),*) => {
        match $dst_t {
            DataType::Bool => run::<$S, Bool>($($args),*),
            DataType::Int8 => run::<$S, i8>($($args),*),
            DataType::Int16 => run::<$S, i16>($($args),*),
            DataType::Int32 => run::<$S, i32>($($args),*),
            DataType::Int64 => run::<$S, i64>($($args),*),
            DataType::UInt8 => run::<$S, u8>($($args),*),
            DataType::UInt16 => run::<$S, u16>($($args),*),
            DataType::UInt32 => run::<$S, u32>($($args),*),
            DataType::UInt64 => run::<$S, u64>($($args),*),
            DataType::Float32 => run::<$S, f32>($($args),*),
            DataType::Float64 => run::<$S, f64>($($args),*),
            DataType::Float16 => run::<$S, half::f16>($($args),*),
            t => Err(Error::Type(format!("no conversion to {}", t.v3_name()))),
        }
    };
}

/// Convert `n` elements from `src_t` to `dst_t` with byte steps; equal types copy.
pub fn convert(
    src: &[u8],
    src_t: DataType,
    src_step: usize,
    dst: &mut [u8],
    dst_t: DataType,
    dst_step: usize,
    n: usize,
) -> Result<()> {
    if n == 0 {
        return Ok(());
    }
    let (ss, ds) = (src_t.size(), dst_t.size());
    debug_assert!(src.len() >= (n - 1) * src_step + ss && dst.len() >= (n - 1) * dst_step + ds);
    if src_t == dst_t && src_t != DataType::Bool {
        if src_step == ss && dst_step == ds {
            dst[..n * ss].copy_from_slice(&src[..n * ss]);
        } else {
            for i in 0..n {
                dst[i * dst_step..i * dst_step + ss].copy_from_slice(&src[i * src_step..i * src_step + ss]);
            }
        }
        return Ok(());
    }
    if is_raw_int64(src_t) && is_raw_int64(dst_t) {
        // Times and int64: the same 8 bytes.
        return convert(src, DataType::Int64, src_step, dst, DataType::Int64, dst_step, n);
    }
    let a = (src, src_step, dst, dst_step, n);
    match src_t {
        DataType::Bool => dispatch_dst!(Bool, dst_t, a.0, a.1, a.2, a.3, a.4),
        DataType::Int8 => dispatch_dst!(i8, dst_t, a.0, a.1, a.2, a.3, a.4),
        DataType::Int16 => dispatch_dst!(i16, dst_t, a.0, a.1, a.2, a.3, a.4),
        DataType::Int32 => dispatch_dst!(i32, dst_t, a.0, a.1, a.2, a.3, a.4),
        DataType::Int64 => dispatch_dst!(i64, dst_t, a.0, a.1, a.2, a.3, a.4),
        DataType::UInt8 => dispatch_dst!(u8, dst_t, a.0, a.1, a.2, a.3, a.4),
        DataType::UInt16 => dispatch_dst!(u16, dst_t, a.0, a.1, a.2, a.3, a.4),
        DataType::UInt32 => dispatch_dst!(u32, dst_t, a.0, a.1, a.2, a.3, a.4),
        DataType::UInt64 => dispatch_dst!(u64, dst_t, a.0, a.1, a.2, a.3, a.4),
        DataType::Float32 => dispatch_dst!(f32, dst_t, a.0, a.1, a.2, a.3, a.4),
        DataType::Float64 => dispatch_dst!(f64, dst_t, a.0, a.1, a.2, a.3, a.4),
        DataType::Float16 => dispatch_dst!(half::f16, dst_t, a.0, a.1, a.2, a.3, a.4),
        t => Err(Error::Type(format!("no conversion from {}", t.v3_name()))),
    }
}

fn is_raw_int64(t: DataType) -> bool {
    matches!(t, DataType::Int64 | DataType::DateTime64(_) | DataType::TimeDelta64(_))
}

/// Whether elements of `stored` can be read into / written from memory of
/// `mem` (see the module comment); `Error::Type` naming both when not.
pub fn check_mem_type(stored: DataType, mem: DataType) -> Result<()> {
    let ok = match stored {
        t if t.is_numeric() => mem.is_numeric(),
        DataType::DateTime64(_) | DataType::TimeDelta64(_) => mem == stored || mem == DataType::Int64,
        DataType::String | DataType::VlenBytes => false,
        _ => mem == stored,
    };
    if ok {
        return Ok(());
    }
    let hint = if stored.is_text() {
        " (use zarr_array_read_strings / zarr_array_write_strings, or ZARR_NATIVE for fixed-size types)"
    } else {
        ""
    };
    Err(Error::Type(format!(
        "a {} array cannot be read or written as {}{hint}",
        stored.v3_name(),
        mem.v3_name()
    )))
}

/// Whether some value of `src` may not fit `dst` (so a write must be checked
/// before anything is stored).
pub fn may_fail(src: DataType, dst: DataType) -> bool {
    use DataType::*;
    if src == dst || !src.is_numeric() || !dst.is_numeric() {
        // Raw copies (strings, bytes, times as int64): nothing to refuse.
        return false;
    }
    let rank = |t: DataType| match t {
        Bool => (0, 0),
        Int8 => (1, 1),
        Int16 => (1, 2),
        Int32 => (1, 4),
        Int64 => (1, 8),
        UInt8 => (2, 1),
        UInt16 => (2, 2),
        UInt32 => (2, 4),
        UInt64 => (2, 8),
        Float16 => (3, 2),
        Float32 => (3, 4),
        Float64 => (3, 8),
        _ => (4, 0),
    };
    let ((sk, ss), (dk, ds)) = (rank(src), rank(dst));
    !match (sk, dk) {
        (0, _) => true,                                          // bool fits everywhere
        (1, 1) | (2, 2) | (3, 3) => ds >= ss,                    // same kind, wider
        (2, 1) => ds > ss,                                       // unsigned into a wider signed
        (1 | 2, 3) => dst != Float16 || ss == 1 || src == Int16, // integers into floats (rounded), u16 overflows f16
        _ => false,
    }
}

/// Check that every element of `src` converts to `dst_t`, without storing.
pub fn check_all(src: &[u8], src_t: DataType, dst_t: DataType) -> Result<()> {
    if !may_fail(src_t, dst_t) {
        return Ok(());
    }
    const BLOCK: usize = 4096;
    let mut scratch = vec![0u8; BLOCK * dst_t.size()];
    for block in src.chunks(BLOCK * src_t.size()) {
        let n = block.len() / src_t.size();
        convert(block, src_t, src_t.size(), &mut scratch, dst_t, dst_t.size(), n)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::dtype::ALL_TYPES;

    fn conv1<S: Elem, D: Elem>(s: S, st: DataType, dt: DataType) -> Result<D> {
        let mut src = vec![0u8; st.size()];
        s.store(&mut src);
        let mut dst = vec![0u8; dt.size()];
        convert(&src, st, st.size(), &mut dst, dt, dt.size(), 1)?;
        Ok(D::load(&dst))
    }

    #[test]
    fn netcdf_rules() {
        use DataType::*;
        assert_eq!(conv1::<f64, i32>(3.7, Float64, Int32).unwrap(), 3);
        assert_eq!(conv1::<f64, i32>(-3.7, Float64, Int32).unwrap(), -3);
        assert!(conv1::<f64, i16>(1e6, Float64, Int16).is_err());
        assert!(conv1::<f64, i64>(f64::NAN, Float64, Int64).is_err());
        assert!(conv1::<i32, u8>(-1, Int32, UInt8).is_err());
        assert!(conv1::<u64, i64>(u64::MAX, UInt64, Int64).is_err());
        assert_eq!(conv1::<u8, i8>(127, UInt8, Int8).unwrap(), 127);
        assert!(conv1::<f64, f32>(1e300, Float64, Float32).is_err());
        // Just above FLT_MAX rounds to FLT_MAX in IEEE, but netCDF calls it out of range.
        assert!(conv1::<f64, f32>(3.40282356e38, Float64, Float32).is_err());
        assert_eq!(conv1::<f64, f32>(f32::MAX as f64, Float64, Float32).unwrap(), f32::MAX);
        assert!(conv1::<f64, half::f16>(65510.0, Float64, Float16).is_err());
        let e = conv1::<f64, f32>(1e300, Float64, Float32).err().unwrap();
        assert!(!e.to_string().contains("Some"), "{e}");
        assert!(conv1::<f64, f32>(f64::NAN, Float64, Float32).unwrap().is_nan());
        assert_eq!(
            conv1::<f64, f32>(f64::INFINITY, Float64, Float32).unwrap(),
            f32::INFINITY
        );
        assert!(conv1::<f64, half::f16>(1e6, Float64, Float16).is_err());
        assert_eq!(conv1::<i32, super::Bool>(1, Int32, DataType::Bool).unwrap().0, 1);
        assert!(conv1::<i32, super::Bool>(2, Int32, DataType::Bool).is_err());
        let e = conv1::<i32, u8>(300, Int32, UInt8).err().unwrap();
        assert!(e.to_string().contains("300"), "{e}");
    }

    #[test]
    fn memory_types_of_strings_and_times() {
        use DataType::*;
        let t = DateTime64(crate::metadata::dtype::TimeUnit::new("s", 1).unwrap());
        assert!(check_mem_type(t, t).is_ok() && check_mem_type(t, Int64).is_ok());
        for bad in [Float64, Int32, UInt64] {
            assert!(matches!(check_mem_type(t, bad), Err(Error::Type(_))));
        }
        assert!(check_mem_type(Bytes(3), Bytes(3)).is_ok());
        assert!(matches!(check_mem_type(Bytes(3), UInt8), Err(Error::Type(_))));
        assert!(matches!(check_mem_type(FixedString(2), Int32), Err(Error::Type(_))));
        assert!(matches!(check_mem_type(String, String), Err(Error::Type(_))));
        assert!(matches!(check_mem_type(Int32, String), Err(Error::Type(_))));
        // Times and int64 are the same 8 bytes (NaT included).
        let mut dst = [0u8; 8];
        convert(&i64::MIN.to_ne_bytes(), t, 8, &mut dst, Int64, 8, 1).unwrap();
        assert_eq!(i64::from_ne_bytes(dst), i64::MIN);
    }

    /// `may_fail == false` must really mean no value can fail: try extremes.
    #[test]
    fn may_fail_is_sound() {
        let extremes: Vec<f64> = vec![
            0.0,
            1.0,
            -1.0,
            127.0,
            -128.0,
            255.0,
            65535.0,
            -32768.0,
            4294967295.0,
            -2147483648.0,
            1.5,
        ];
        for st in ALL_TYPES {
            for dt in ALL_TYPES {
                if may_fail(st, dt) {
                    continue;
                }
                let mut vals: Vec<Vec<u8>> = vec![];
                // the type's own min/max
                macro_rules! mm {
                    ($t:ty) => {
                        vec![
                            <$t>::MIN.to_ne_bytes().to_vec(),
                            <$t>::MAX.to_ne_bytes().to_vec(),
                        ]
                    };
                }
                vals.extend(match st {
                    DataType::Bool => vec![vec![0], vec![1]],
                    DataType::Int8 => mm!(i8),
                    DataType::Int16 => mm!(i16),
                    DataType::Int32 => mm!(i32),
                    DataType::Int64 => mm!(i64),
                    DataType::UInt8 => mm!(u8),
                    DataType::UInt16 => mm!(u16),
                    DataType::UInt32 => mm!(u32),
                    DataType::UInt64 => mm!(u64),
                    DataType::Float32 => mm!(f32),
                    DataType::Float64 => mm!(f64),
                    DataType::Float16 => mm!(half::f16),
                    _ => unreachable!("ALL_TYPES holds numbers only"),
                });
                let _ = &extremes;
                for v in vals {
                    let mut dst = vec![0u8; dt.size()];
                    assert!(
                        convert(&v, st, st.size(), &mut dst, dt, dt.size(), 1).is_ok(),
                        "{st:?} -> {dt:?}"
                    );
                }
            }
        }
    }
}
