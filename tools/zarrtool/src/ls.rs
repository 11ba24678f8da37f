//! `ls` (one line per node) and `info` (one node in full).

use crate::open::{Item, Node};
use crate::R;
use rayon::prelude::*;
use serde_json::{json, Map, Value};
use std::io::Write;
use zarr::metadata::{node, ArrayMetadata, ZarrFormat};
use zarr::store::{join, Store};
use zarr::Array;

fn dims(v: &[u64]) -> String {
    v.iter().map(u64::to_string).collect::<Vec<_>>().join("x")
}

/// Every chunk (shard) key of an array, in C order of the grid.
pub fn chunk_keys(a: &Array) -> Vec<(Vec<u64>, String)> {
    let meta = a.metadata();
    let grid: Vec<u64> = meta.grid_shape();
    let total: u64 = grid.iter().product();
    let mut out = Vec::with_capacity(total.min(1 << 20) as usize);
    let mut idx = vec![0u64; grid.len()];
    for _ in 0..total {
        out.push((idx.clone(), join(a.path(), &meta.key_encoding.key(&idx))));
        for d in (0..grid.len()).rev() {
            idx[d] += 1;
            if idx[d] < grid[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    out
}

/// (stored chunks, chunks in the grid, stored bytes), asking the store for
/// sizes in parallel (object stores: HEAD requests).
fn chunk_stats(a: &Array, store: &dyn Store) -> R<(u64, u64, u64)> {
    let keys = chunk_keys(a);
    let width = store.concurrency().max(rayon::current_num_threads()).clamp(1, 64);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(width)
        .build()
        .map_err(|e| zarr::Error::Internal(e.to_string()))?;
    let sizes: Vec<Option<u64>> = pool.install(|| {
        keys.par_iter()
            .map(|(_, k)| store.size(k))
            .collect::<zarr::Result<Vec<_>>>()
    })?;
    let n = sizes.iter().flatten().count() as u64;
    let bytes = sizes.iter().flatten().sum();
    Ok((n, keys.len() as u64, bytes))
}

fn codec_names(codecs: &[Value]) -> String {
    codecs
        .iter()
        .map(|c| {
            let name = c.get("name").and_then(Value::as_str).unwrap_or("?");
            if name == "sharding_indexed" {
                let inner = c
                    .pointer("/configuration/codecs")
                    .and_then(Value::as_array)
                    .map(|v| codec_names(v))
                    .unwrap_or_default();
                format!("sharding_indexed[{inner}]")
            } else {
                name.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The chunk shape people think in (inner chunks of a shard) and the shard
/// shape, if sharded.
pub fn chunks_and_shards(meta: &ArrayMetadata) -> (Vec<u64>, Option<Vec<u64>>) {
    let chain = zarr::codec::pipeline::CodecChain::for_array(meta).ok();
    match chain.as_ref().and_then(|c| c.sharding()) {
        Some(sh) => (sh.inner_shape.clone(), Some(meta.chunk_shape.clone())),
        None => (meta.chunk_shape.clone(), None),
    }
}

fn array_line(item: &Item, a: &Array) -> R<String> {
    let meta = a.metadata();
    let (chunks, shards) = chunks_and_shards(&meta);
    let fill = if meta.fill_value.is_null {
        Value::Null
    } else {
        meta.fill_value.to_json(meta.dtype, true)
    };
    let dim_names = match &meta.dimension_names {
        Some(n) => n
            .iter()
            .map(|x| x.as_deref().unwrap_or("-"))
            .collect::<Vec<_>>()
            .join(","),
        None => "-".into(),
    };
    let (stored, total, bytes) = chunk_stats(a, item.store.as_ref())?;
    let logical = meta.shape.iter().product::<u64>() * meta.dtype.size() as u64;
    let fill_text = match &fill {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Ok(format!(
        "{} array v{} {} shape={} chunks={} shards={} codecs={} fill={} dims={} nchunks={stored}/{total} stored={bytes} logical={logical}",
        item.display(),
        meta.format.number(),
        meta.dtype.v3_name(),
        dims(&meta.shape),
        dims(&chunks),
        shards.map_or_else(|| "-".to_owned(), |s| dims(&s)),
        codec_names(&zarr::codec::pipeline::CodecChain::for_array(&meta)?.to_v3_json()),
        fill_text,
        dim_names,
    ))
}

fn line(item: &Item) -> R<String> {
    Ok(match &item.node {
        Node::Array(a) => array_line(item, a)?,
        Node::Group(g) => format!(
            "{} group v{} attrs={}",
            item.display(),
            g.format().number(),
            g.attributes()?.len()
        ),
        Node::Implicit(_) => format!("{} group (no metadata)", item.display()),
    })
}

pub fn ls(item: &Item, recursive: bool) -> R<()> {
    let out = std::io::stdout();
    let mut out = out.lock();
    if recursive {
        return item.walk(&mut |it| Ok(writeln!(out, "{}", line(it)?)?));
    }
    writeln!(out, "{}", line(item)?)?;
    for m in item.members()? {
        writeln!(out, "{}", line(&m)?)?;
    }
    Ok(())
}

/// The documents stored for a node: (key, parsed JSON) pairs, as stored.
fn documents(item: &Item) -> R<Vec<(String, Value)>> {
    let path = match &item.node {
        Node::Array(a) => a.path().to_owned(),
        Node::Group(g) => g.path().to_owned(),
        Node::Implicit(_) => return Ok(vec![]),
    };
    let mut out = vec![];
    for name in [node::V3_META, node::V2_ARRAY, node::V2_GROUP, node::V2_ATTRS] {
        let key = join(&path, name);
        if let Some(bytes) = item.store.get(&key)? {
            let v: Value = serde_json::from_slice(&bytes)
                .map_err(|e| zarr::Error::Metadata(format!("{key} is not valid JSON: {e}")))?;
            out.push((name.to_owned(), v));
            if name == node::V3_META {
                break;
            }
        }
    }
    Ok(out)
}

pub fn info(item: &Item, as_json: bool) -> R<()> {
    let (kind, format) = match &item.node {
        Node::Array(a) => ("array", Some(a.metadata().format)),
        Node::Group(g) => ("group", Some(g.format())),
        Node::Implicit(_) => ("group", None),
    };
    let docs = documents(item)?;
    let attrs = item.attributes()?;
    // The metadata document as the library understood it, when none is
    // stored (a node only in consolidated metadata).
    let metadata = match (docs.first(), &item.node) {
        (Some((_, v)), _) => v.clone(),
        (None, Node::Array(a)) => {
            let m = a.metadata();
            match m.format {
                ZarrFormat::V3 => m.to_v3(),
                ZarrFormat::V2 => m.to_v2()?,
                ZarrFormat::N5 => m.to_n5()?,
            }
        }
        _ => Value::Null,
    };
    let mut obj = Map::new();
    obj.insert("path".into(), json!(item.display()));
    obj.insert("node_type".into(), json!(kind));
    // N5 is not a Zarr format: null there.
    obj.insert(
        "zarr_format".into(),
        json!(format.filter(|&f| f != ZarrFormat::N5).map(|f| f.number())),
    );
    if let Node::Array(a) = &item.node {
        let m = a.metadata();
        let (chunks, shards) = chunks_and_shards(&m);
        let (stored, total, bytes) = chunk_stats(a, item.store.as_ref())?;
        obj.insert(
            "summary".into(),
            json!({
                "shape": m.shape, "data_type": m.dtype.v3_name(), "chunks": chunks, "shards": shards,
                "dimension_names": m.dimension_names, "chunks_stored": stored, "chunks_total": total,
                "bytes_stored": bytes, "bytes_logical": m.shape.iter().product::<u64>() * m.dtype.size() as u64,
            }),
        );
    }
    obj.insert("metadata".into(), metadata);
    obj.insert("attributes".into(), Value::Object(attrs.clone()));
    let out = std::io::stdout();
    let mut out = out.lock();
    if as_json {
        writeln!(out, "{}", serde_json::to_string_pretty(&Value::Object(obj)).unwrap())?;
        return Ok(());
    }
    writeln!(out, "{}", line(item)?)?;
    for (name, doc) in &docs {
        writeln!(out, "\n{name}:\n{}", serde_json::to_string_pretty(doc).unwrap())?;
    }
    if docs.is_empty() {
        if let Some(m) = obj.get("metadata").filter(|m| !m.is_null()) {
            writeln!(out, "\nmetadata:\n{}", serde_json::to_string_pretty(m).unwrap())?;
        }
    }
    writeln!(out, "\nattributes:")?;
    if attrs.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for (k, v) in &attrs {
        writeln!(out, "  {k} = {v}")?;
    }
    Ok(())
}
