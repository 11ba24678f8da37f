//! `verify`: read and decode every stored chunk (shard) of every array,
//! which runs every codec's checks (crc32c checksums, compressed stream
//! integrity, decoded length); a bad chunk is reported by its key. Missing
//! chunks are not errors (they read as the fill value).

use crate::ls::chunk_keys;
use crate::open::{Item, Node};
use crate::{Fail, R};
use rayon::prelude::*;
use zarr::Selection;

pub fn verify(item: &Item, max_bad: usize) -> R<()> {
    let (mut arrays, mut checked, mut bad) = (0u64, 0u64, Vec::<(String, String)>::new());
    item.walk(&mut |it| {
        let Node::Array(a) = &it.node else { return Ok(()) };
        arrays += 1;
        let meta = a.metadata();
        let keys = chunk_keys(a);
        let results: Vec<Option<(String, String)>> = keys
            .par_iter()
            .map(|(coords, key)| -> zarr::Result<Option<(String, String)>> {
                if !it.store.exists(key)? {
                    return Ok(None);
                }
                // The chunk's region: reading it decodes the whole chunk.
                let start: Vec<u64> = coords
                    .iter()
                    .enumerate()
                    .map(|(d, &c)| meta.chunk_origin(d, c))
                    .collect();
                let cs = meta.chunk_shape_at(coords);
                let count: Vec<u64> = start
                    .iter()
                    .zip(cs.iter())
                    .zip(&meta.shape)
                    .map(|((&b, &c), &s)| c.min(s - b))
                    .collect();
                let sel = Selection::new(&meta.shape, &start, &count, None)?;
                let n: u64 = count.iter().product();
                let mut buf = zarr::error::try_alloc(n as usize * meta.dtype.size(), key)?;
                Ok(match a.read(&sel, meta.dtype, &mut buf) {
                    Ok(()) => Some((String::new(), String::new())),
                    Err(zarr::Error::Io(m)) => return Err(zarr::Error::Io(m)),
                    Err(e) => Some((key.clone(), e.to_string())),
                })
            })
            .collect::<zarr::Result<_>>()?;
        for r in results.into_iter().flatten() {
            checked += 1;
            if !r.0.is_empty() {
                bad.push(r);
            }
        }
        Ok(())
    })?;
    for (key, msg) in bad.iter().take(max_bad) {
        println!("bad chunk {key}: {msg}");
    }
    if bad.len() > max_bad {
        println!("... and {} more bad chunks", bad.len() - max_bad);
    }
    println!("{arrays} arrays, {checked} chunks checked, {} bad", bad.len());
    if bad.is_empty() {
        Ok(())
    } else {
        Err(Fail::BadData)
    }
}
