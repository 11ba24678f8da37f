//! Hyperslab selections (`start`, `count`, `stride` per dimension, as in
//! netCDF's `nc_get_vars`) and how they split into per-chunk pieces.

use crate::error::{Error, Result};
use crate::metadata::{ArrayMetadata, ChunkGrid, RectDim};

/// A validated selection within an array's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    start: Vec<u64>,
    count: Vec<u64>,
    stride: Vec<u64>,
}

impl Selection {
    /// Check a selection against `shape`: every stride positive, every selected
    /// index inside the shape.
    pub fn new(shape: &[u64], start: &[u64], count: &[u64], stride: Option<&[i64]>) -> Result<Self> {
        let nd = shape.len();
        if start.len() != nd || count.len() != nd || stride.is_some_and(|s| s.len() != nd) {
            return Err(Error::InvalidArgument(format!(
                "selection rank differs from the array's ({nd})"
            )));
        }
        let mut st = vec![1u64; nd];
        if let Some(s) = stride {
            for (d, &v) in s.iter().enumerate() {
                if v <= 0 {
                    return Err(Error::InvalidArgument(format!(
                        "stride {v} in dimension {d} is not positive"
                    )));
                }
                st[d] = v as u64;
            }
        }
        for d in 0..nd {
            let ok = if count[d] == 0 {
                start[d] <= shape[d]
            } else {
                (count[d] - 1)
                    .checked_mul(st[d])
                    .and_then(|x| x.checked_add(start[d]))
                    .is_some_and(|last| last < shape[d])
            };
            if !ok {
                return Err(Error::Bounds(format!(
                    "dimension {d}: start {} count {} stride {} exceeds extent {}",
                    start[d], count[d], st[d], shape[d]
                )));
            }
        }
        Ok(Selection {
            start: start.to_vec(),
            count: count.to_vec(),
            stride: st,
        })
    }

    /// Re-check this selection against a shape (it may have been made for another).
    pub fn check_within(&self, shape: &[u64]) -> Result<()> {
        let stride: Vec<i64> = self.stride.iter().map(|&s| s as i64).collect();
        Selection::new(shape, &self.start, &self.count, Some(&stride)).map(|_| ())
    }

    /// The whole array.
    pub fn all(shape: &[u64]) -> Self {
        Selection {
            start: vec![0; shape.len()],
            count: shape.to_vec(),
            stride: vec![1; shape.len()],
        }
    }

    pub fn count(&self) -> &[u64] {
        &self.count
    }
    pub fn stride(&self) -> &[u64] {
        &self.stride
    }

    /// Number of selected elements, or None if it overflows memory sizes.
    pub fn num_elements(&self) -> Option<usize> {
        self.count
            .iter()
            .try_fold(1usize, |a, &c| a.checked_mul(usize::try_from(c).ok()?))
    }

    /// The chunks this selection touches, each with its per-dimension pieces.
    pub fn chunk_tasks(&self, chunk_shape: &[u64]) -> Vec<ChunkTask> {
        if self.count.contains(&0) {
            return vec![];
        }
        let per_dim: Vec<Vec<DimPiece>> = (0..self.count.len())
            .map(|d| dim_pieces(self.start[d], self.count[d], self.stride[d], chunk_shape[d]))
            .collect();
        product(&per_dim)
    }

    /// The chunks this selection touches in `meta`'s grid (regular or rectilinear).
    pub fn grid_tasks(&self, meta: &ArrayMetadata) -> Vec<ChunkTask> {
        let ChunkGrid::Rectilinear(dims) = &meta.grid else {
            return self.chunk_tasks(&meta.chunk_shape);
        };
        if self.count.contains(&0) {
            return vec![];
        }
        let per_dim: Vec<Vec<DimPiece>> = (0..self.count.len())
            .map(|d| dim_pieces_by(self.start[d], self.count[d], self.stride[d], |x| dims[d].locate(x)))
            .collect();
        product(&per_dim)
    }
}

/// Every combination of one piece per dimension, in C order.
fn product(per_dim: &[Vec<DimPiece>]) -> Vec<ChunkTask> {
    let mut tasks = vec![];
    let mut idx = vec![0usize; per_dim.len()];
    loop {
        tasks.push(ChunkTask {
            coords: idx.iter().enumerate().map(|(d, &i)| per_dim[d][i].chunk).collect(),
            pieces: idx.iter().enumerate().map(|(d, &i)| per_dim[d][i]).collect(),
        });
        let mut d = per_dim.len();
        loop {
            if d == 0 {
                return tasks;
            }
            d -= 1;
            idx[d] += 1;
            if idx[d] < per_dim[d].len() {
                break;
            }
            idx[d] = 0;
        }
    }
}

impl ChunkTask {
    /// This chunk's part of the selection split by an inner grid of `inner`
    /// (a shard's inner chunks): coordinates are within this chunk, pieces
    /// are local to each inner chunk, output positions stay the selection's.
    pub fn sub_tasks(&self, inner: &[u64], stride: &[u64]) -> Vec<ChunkTask> {
        let per_dim: Vec<Vec<DimPiece>> = self
            .pieces
            .iter()
            .enumerate()
            .map(|(d, p)| {
                let mut v = dim_pieces(p.local_first, p.n, stride[d], inner[d]);
                v.iter_mut().for_each(|q| q.out_first += p.out_first);
                v
            })
            .collect();
        product(&per_dim)
    }
}

/// One chunk's share of a selection along one dimension: `n` selected
/// indices starting at `local_first` inside the chunk (stepping by the
/// selection's stride), landing at `out_first..out_first+n` in the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DimPiece {
    pub chunk: u64,
    pub local_first: u64,
    pub n: u64,
    pub out_first: u64,
}

/// A chunk and the part of the selection inside it.
#[derive(Debug, Clone)]
pub struct ChunkTask {
    pub coords: Vec<u64>,
    pub pieces: Vec<DimPiece>,
}

fn dim_pieces(start: u64, count: u64, stride: u64, chunk: u64) -> Vec<DimPiece> {
    dim_pieces_by(start, count, stride, |x| RectDim::Step(chunk).locate(x))
}

/// As [`dim_pieces`] for any grid: `locate(x)` gives the chunk holding
/// coordinate `x`, its origin and its exclusive (saturating) end. Called
/// once per chunk touched, not per element.
#[inline]
fn dim_pieces_by(start: u64, count: u64, stride: u64, locate: impl Fn(u64) -> (u64, u64, u64)) -> Vec<DimPiece> {
    let mut out = vec![];
    let mut k = 0u64;
    while k < count {
        let idx = start + k * stride;
        let (c, origin, chunk_end) = locate(idx);
        let last_k = ((chunk_end - 1 - start) / stride).min(count - 1);
        out.push(DimPiece {
            chunk: c,
            local_first: idx - origin,
            n: last_k - k + 1,
            out_first: k,
        });
        k = last_k + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_cover_the_selection_exactly() {
        for &(start, count, stride, chunk) in &[
            (0u64, 10u64, 1u64, 3u64),
            (2, 5, 3, 4),
            (1, 3, 7, 2),
            (5, 1, 1, 5),
            (0, 7, 2, 1),
        ] {
            let ps = dim_pieces(start, count, stride, chunk);
            let mut got = vec![];
            for p in &ps {
                for j in 0..p.n {
                    let global = p.chunk * chunk + p.local_first + j * stride;
                    assert!(p.local_first + j * stride < chunk);
                    got.push((p.out_first + j, global));
                }
            }
            let want: Vec<(u64, u64)> = (0..count).map(|k| (k, start + k * stride)).collect();
            assert_eq!(got, want, "start {start} count {count} stride {stride} chunk {chunk}");
        }
    }

    #[test]
    fn rectilinear_pieces_cover_the_selection_exactly() {
        // Edges 3, 1, 4, 2 (bounds 0, 3, 4, 8, 10).
        let g = RectDim::Bounds(vec![0, 3, 4, 8, 10]);
        let bounds = [0u64, 3, 4, 8, 10];
        for &(start, count, stride) in &[
            (0u64, 10u64, 1u64),
            (1, 3, 3),
            (2, 2, 4),
            (3, 1, 1),
            (0, 5, 2),
            (9, 1, 1),
            (3, 7, 1),
        ] {
            let ps = dim_pieces_by(start, count, stride, |x| g.locate(x));
            let mut got = vec![];
            for p in &ps {
                let (o, e) = (
                    bounds[p.chunk as usize],
                    bounds[p.chunk as usize + 1] - bounds[p.chunk as usize],
                );
                for j in 0..p.n {
                    assert!(p.local_first + j * stride < e);
                    got.push((p.out_first + j, o + p.local_first + j * stride));
                }
            }
            let want: Vec<(u64, u64)> = (0..count).map(|k| (k, start + k * stride)).collect();
            assert_eq!(got, want, "start {start} count {count} stride {stride}");
        }
        assert_eq!(g.count(10), 4);
        assert_eq!(g.count(8), 3);
        assert_eq!(g.count(9), 4);
        assert_eq!(g.chunk(2), (4, 4));
    }

    #[test]
    fn bounds_and_strides_are_checked() {
        let shape = [10u64, 4];
        assert!(Selection::new(&shape, &[0, 0], &[10, 4], None).is_ok());
        assert!(matches!(
            Selection::new(&shape, &[1, 0], &[10, 4], None),
            Err(Error::Bounds(_))
        ));
        assert!(matches!(
            Selection::new(&shape, &[0, 0], &[4, 2], Some(&[3, 4])),
            Err(Error::Bounds(_))
        ));
        assert!(Selection::new(&shape, &[0, 0], &[4, 2], Some(&[3, 2])).is_ok());
        assert!(matches!(
            Selection::new(&shape, &[0, 0], &[1, 1], Some(&[0, 1])),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            Selection::new(&shape, &[0], &[1], None),
            Err(Error::InvalidArgument(_))
        ));
        assert!(Selection::new(&shape, &[10, 0], &[0, 4], None).is_ok());
        assert!(Selection::new(&shape, &[0, 0], &[u64::MAX, 1], Some(&[i64::MAX, 1])).is_err());
        let s = Selection::all(&[20, 4]);
        assert!(matches!(s.check_within(&shape), Err(Error::Bounds(_))));
        assert!(s.check_within(&[20, 5]).is_ok());
    }
}
