//! The v3 `transpose` array->array codec (also v2 `order: "F"`), as an N-d
//! permutation of fixed-size elements.

use crate::error::{Error, Result};
use serde_json::Value;

/// Parse a transpose `order`: a permutation list, or the legacy "C"/"F" words.
pub fn parse_order(config: Option<&Value>, ndim: usize) -> Result<Vec<usize>> {
    let order = config
        .and_then(|c| c.get("order"))
        .ok_or_else(|| Error::Metadata("transpose codec without \"order\"".into()))?;
    let perm: Vec<usize> = match order {
        Value::String(s) if s == "C" => (0..ndim).collect(),
        Value::String(s) if s == "F" => (0..ndim).rev().collect(),
        Value::Array(a) => a
            .iter()
            .map(|x| x.as_u64().map(|v| v as usize))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| Error::Metadata(format!("transpose order {order} is not a list of integers")))?,
        _ => return Err(Error::Metadata(format!("transpose order {order} is not valid"))),
    };
    check_perm(&perm, ndim)?;
    Ok(perm)
}

pub fn check_perm(perm: &[usize], ndim: usize) -> Result<()> {
    let mut seen = vec![false; ndim];
    if perm.len() != ndim || !perm.iter().all(|&p| p < ndim && !std::mem::replace(&mut seen[p], true)) {
        return Err(Error::Metadata(format!(
            "transpose order {perm:?} is not a permutation of {ndim} dimensions"
        )));
    }
    Ok(())
}

/// `out = in.transpose(perm)`: out has shape `[shape[perm[0]], ...]` and
/// `out[j] = in[i]` where `i[perm[k]] = j[k]`.
pub fn permute(input: &[u8], elem: usize, shape: &[u64], perm: &[usize]) -> Vec<u8> {
    let ndim = shape.len();
    if ndim <= 1 || perm.iter().enumerate().all(|(i, &p)| i == p) {
        return input.to_vec();
    }
    let mut in_strides = vec![1usize; ndim];
    for d in (0..ndim - 1).rev() {
        in_strides[d] = in_strides[d + 1] * shape[d + 1] as usize;
    }
    let out_shape: Vec<usize> = perm.iter().map(|&p| shape[p] as usize).collect();
    let strides: Vec<usize> = perm.iter().map(|&p| in_strides[p]).collect();
    let mut out = vec![0u8; input.len()];
    match elem {
        1 => walk::<1>(input, &mut out, &out_shape, &strides),
        2 => walk::<2>(input, &mut out, &out_shape, &strides),
        4 => walk::<4>(input, &mut out, &out_shape, &strides),
        8 => walk::<8>(input, &mut out, &out_shape, &strides),
        _ => unreachable!("element sizes are 1, 2, 4 or 8"),
    }
    out
}

/// Visit the output in order; `strides` are input element strides per output dim.
fn walk<const E: usize>(input: &[u8], out: &mut [u8], out_shape: &[usize], strides: &[usize]) {
    let ndim = out_shape.len();
    if out_shape.contains(&0) {
        return;
    }
    let inner = out_shape[ndim - 1];
    let inner_stride = strides[ndim - 1];
    let mut idx = vec![0usize; ndim - 1];
    let mut o = 0usize;
    loop {
        let base: usize = idx.iter().zip(strides).map(|(i, s)| i * s).sum();
        for k in 0..inner {
            let s = (base + k * inner_stride) * E;
            out[o..o + E].copy_from_slice(&input[s..s + E]);
            o += E;
        }
        // Odometer over the outer dimensions.
        let mut d = ndim - 1;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            idx[d] += 1;
            if idx[d] < out_shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}

/// The inverse permutation.
pub fn inverse(perm: &[usize]) -> Vec<usize> {
    let mut inv = vec![0; perm.len()];
    for (i, &p) in perm.iter().enumerate() {
        inv[p] = i;
    }
    inv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_2d_and_back() {
        // 2x3 matrix of u16 [[0,1,2],[3,4,5]] -> 3x2 [[0,3],[1,4],[2,5]]
        let data: Vec<u8> = (0u16..6).flat_map(|v| v.to_ne_bytes()).collect();
        let t = permute(&data, 2, &[2, 3], &[1, 0]);
        let vals: Vec<u16> = t.chunks(2).map(|c| u16::from_ne_bytes([c[0], c[1]])).collect();
        assert_eq!(vals, vec![0, 3, 1, 4, 2, 5]);
        let back = permute(&t, 2, &[3, 2], &inverse(&[1, 0]));
        assert_eq!(back, data);
    }

    #[test]
    fn transpose_3d_matches_index_formula() {
        let shape = [2u64, 3, 4];
        let perm = [2usize, 0, 1];
        let data: Vec<u8> = (0u8..24).collect();
        let t = permute(&data, 1, &shape, &perm);
        // out shape [4,2,3]; out[a][b][c] = in[b][c][a]
        for a in 0..4 {
            for b in 0..2 {
                for c in 0..3 {
                    assert_eq!(t[a * 6 + b * 3 + c] as usize, b * 12 + c * 4 + a);
                }
            }
        }
        assert!(parse_order(Some(&serde_json::json!({"order":[0,0,1]})), 3).is_err());
    }
}
