//! `--slice` text as numpy basic indexing: per dimension `i`, `a:b`, `a:b:c`
//! or `:`, comma-separated; negative values count from the end; missing
//! trailing dimensions are whole. Slice bounds are clipped to the extent as
//! in numpy, an integer index must be inside it, steps must be positive
//! (the library reads forward strides only).

use crate::{usage, R};
use zarr::Selection;

/// A parsed selection: the library's hyperslab plus which dimensions an
/// integer index dropped (as numpy drops them from the result's shape).
#[derive(Debug, Clone)]
pub struct Slab {
    pub start: Vec<u64>,
    pub count: Vec<u64>,
    pub stride: Vec<u64>,
    pub dropped: Vec<bool>,
}

impl Slab {
    pub fn all(shape: &[u64]) -> Slab {
        Slab {
            start: vec![0; shape.len()],
            count: shape.to_vec(),
            stride: vec![1; shape.len()],
            dropped: vec![false; shape.len()],
        }
    }

    /// The shape of the result (dropped dimensions left out).
    pub fn out_shape(&self) -> Vec<u64> {
        self.count
            .iter()
            .zip(&self.dropped)
            .filter(|(_, &d)| !d)
            .map(|(&c, _)| c)
            .collect()
    }

    pub fn selection(&self, shape: &[u64]) -> R<Selection> {
        let stride: Vec<i64> = self.stride.iter().map(|&s| s as i64).collect();
        Ok(Selection::new(shape, &self.start, &self.count, Some(&stride))?)
    }

    /// Rows `first..first+n` of dimension 0 of this slab, as a smaller slab.
    pub fn rows(&self, first: u64, n: u64) -> Slab {
        let mut s = self.clone();
        if !s.start.is_empty() {
            s.start[0] += first * s.stride[0];
            s.count[0] = n;
        }
        s
    }
}

fn int(text: &str, what: &str) -> R<i64> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| usage(format!("bad --slice: {what} \"{text}\" is not an integer")))
}

pub fn parse(spec: &str, shape: &[u64]) -> R<Slab> {
    let mut slab = Slab::all(shape);
    let spec = spec.trim();
    if spec.is_empty() {
        return Ok(slab);
    }
    let items: Vec<&str> = spec.split(',').collect();
    if items.len() > shape.len() {
        return Err(usage(format!(
            "bad --slice \"{spec}\": {} items for an array of {} dimensions",
            items.len(),
            shape.len()
        )));
    }
    for (d, item) in items.iter().enumerate() {
        let len = shape[d] as i64;
        let item = item.trim();
        if !item.contains(':') {
            let i = int(item, "index")?;
            let j = if i < 0 { i + len } else { i };
            if j < 0 || j >= len {
                return Err(usage(format!(
                    "bad --slice \"{spec}\": index {i} is out of range for dimension {d} of length {len}"
                )));
            }
            slab.start[d] = j as u64;
            slab.count[d] = 1;
            slab.dropped[d] = true;
            continue;
        }
        let parts: Vec<&str> = item.split(':').collect();
        if parts.len() > 3 {
            return Err(usage(format!("bad --slice \"{spec}\": \"{item}\" has too many colons")));
        }
        let step = match parts.get(2).map(|s| s.trim()).filter(|s| !s.is_empty()) {
            None => 1,
            Some(s) => int(s, "step")?,
        };
        if step <= 0 {
            return Err(usage(format!(
                "bad --slice \"{spec}\": step {step} in dimension {d} must be positive"
            )));
        }
        // numpy's clipping of slice bounds.
        let bound = |s: &str, default: i64| -> R<i64> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(default);
            }
            let v = int(s, "bound")?;
            let v = if v < 0 { v + len } else { v };
            Ok(v.clamp(0, len))
        };
        let a = bound(parts[0], 0)?;
        let b = bound(parts.get(1).copied().unwrap_or(""), len)?;
        let n = if b > a { (b - a + step - 1) / step } else { 0 };
        slab.start[d] = if n == 0 { a.min(len) as u64 } else { a as u64 };
        slab.count[d] = n as u64;
        slab.stride[d] = step as u64;
    }
    Ok(slab)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_semantics() {
        let s = parse("0:10,:,::2", &[5, 4, 7]).unwrap();
        assert_eq!(
            (s.start, s.count, s.stride),
            (vec![0, 0, 0], vec![5, 4, 4], vec![1, 1, 2])
        );
        let s = parse("-1,1:-1", &[5, 4, 7]).unwrap();
        assert_eq!((s.start.clone(), s.count.clone()), (vec![4, 1, 0], vec![1, 2, 7]));
        assert_eq!(s.out_shape(), vec![2, 7]);
        let s = parse("3:1", &[5]).unwrap();
        assert_eq!(s.count, vec![0]);
        assert!(parse("5", &[5]).is_err());
        assert!(parse("::0", &[5]).is_err());
        assert!(parse("::-1", &[5]).is_err());
        assert!(parse("a:b", &[5]).is_err());
        assert!(parse("1,2", &[5]).is_err());
        assert!(parse("1:2:3:4", &[5]).is_err());
        let s = parse("1::3", &[10]).unwrap();
        assert_eq!((s.start[0], s.count[0]), (1, 3)); // 1, 4, 7
    }
}
