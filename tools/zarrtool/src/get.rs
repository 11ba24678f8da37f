//! `get`: values of one array as text, CSV, a .npy file or raw bytes.

use crate::cli::Output;
use crate::open::Item;
use crate::slice::{self, Slab};
use crate::values::{self, for_each_block};
use crate::R;
use std::io::Write;
use zarr::DataType;

/// numpy's dtype string for values in memory (native endian).
fn npy_descr(mem: DataType) -> String {
    use DataType::*;
    let e = if cfg!(target_endian = "little") { '<' } else { '>' };
    match mem {
        Bool => "|b1".into(),
        Int8 => "|i1".into(),
        UInt8 => "|u1".into(),
        Int16 => format!("{e}i2"),
        UInt16 => format!("{e}u2"),
        Int32 => format!("{e}i4"),
        UInt32 => format!("{e}u4"),
        Int64 | DateTime64(_) | TimeDelta64(_) => format!("{e}i8"),
        UInt64 => format!("{e}u8"),
        Float16 => format!("{e}f2"),
        Float32 => format!("{e}f4"),
        Float64 => format!("{e}f8"),
        t => t.v2_name(zarr::metadata::Endian::NATIVE),
    }
}

/// A .npy version 1.0 header, padded so the data starts at a multiple of 64.
fn npy_header(mem: DataType, shape: &[u64]) -> Vec<u8> {
    let shape_text = match shape {
        [] => "()".to_owned(),
        [n] => format!("({n},)"),
        s => format!("({})", s.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")),
    };
    let mut dict = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {shape_text}, }}",
        npy_descr(mem)
    );
    let unpadded = 10 + dict.len() + 1;
    dict.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    dict.push('\n');
    let mut h = b"\x93NUMPY\x01\x00".to_vec();
    h.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    h.extend_from_slice(dict.as_bytes());
    h
}

pub fn get(item: &Item, spec: Option<&str>, output: Output, file: Option<&std::path::Path>) -> R<()> {
    let a = item.array()?;
    let shape = a.shape();
    let slab = match spec {
        Some(s) => slice::parse(s, &shape)?,
        None => Slab::all(&shape),
    };
    let dt = a.dtype();
    // npy and raw keep float16 (numpy reads it); text goes through float32.
    let mem = match output {
        Output::Npy | Output::Raw => dt,
        _ => values::mem_type(dt),
    };
    let ms = mem.size();
    let mut out: Box<dyn Write> = match file {
        Some(p) => Box::new(std::io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(p).map_err(|e| zarr::Error::io(p.display(), e))?,
        )),
        None => Box::new(std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock())),
    };
    let out_shape = slab.out_shape();
    // CSV rows: the last dimension of the result across, everything else down.
    let row_len = match out_shape.len() {
        0 | 1 => 1,
        _ => *out_shape.last().unwrap() as usize,
    };
    if output == Output::Npy {
        out.write_all(&npy_header(mem, &out_shape))?;
    }
    let mut col = 0usize;
    for_each_block(a, &slab, mem, |buf| {
        match output {
            Output::Npy | Output::Raw => out.write_all(buf)?,
            Output::Text => {
                for e in buf.chunks_exact(ms) {
                    writeln!(out, "{}", values::plain(mem, e))?;
                }
            }
            Output::Csv => {
                for e in buf.chunks_exact(ms) {
                    let v = values::plain(mem, e);
                    col += 1;
                    if col == row_len {
                        writeln!(out, "{v}")?;
                        col = 0;
                    } else {
                        write!(out, "{v},")?;
                    }
                }
            }
        }
        Ok(())
    })?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_header_is_aligned() {
        for shape in [&[][..], &[5], &[5, 7, 1000000]] {
            let h = npy_header(DataType::Float32, shape);
            assert_eq!(h.len() % 64, 0);
            assert_eq!(*h.last().unwrap(), b'\n');
        }
        let h = npy_header(DataType::Int16, &[3]);
        assert!(String::from_utf8_lossy(&h).contains("'shape': (3,)"));
    }
}
