//! `cp`: copy a hierarchy, group or array from any store to any store.
//!
//! Metadata first (every group and array, in tree order), then the data of
//! each array in blocks of one destination chunk (one shard when sharded):
//! each block is read from the source (any chunking) and written as a whole
//! destination chunk, so memory stays at about `--jobs` blocks, the
//! destination is never read back while copying, and a chunk that is all
//! fill value is not stored (as the library writes). Chunk writes are
//! atomic (a file store renames a temporary file; an object put is whole),
//! so a killed copy leaves whole chunks only, and `--resume` can trust what
//! it finds: a destination chunk that exists and decodes to exactly the
//! source's values (bit for bit) is kept, anything else is written again.

use crate::cli::CpArgs;
use crate::ls::chunks_and_shards;
use crate::open::{self, Item, Node, Opts};
use crate::{usage, Fail, R};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde_json::{Map, Value};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use zarr::metadata::{node, ArrayMetadata, ZarrFormat};
use zarr::store::{self, join, Store};
use zarr::{Array, Error, Group, Mode, Selection};

/// What the command line asks to change.
struct Change {
    format: Option<ZarrFormat>,
    chunks: Option<Vec<u64>>,
    /// Some(None): no sharding.
    shards: Option<Option<Vec<u64>>>,
    codecs: Option<Vec<Value>>,
}

fn parse_change(args: &CpArgs) -> R<Change> {
    let chunks = (!args.chunks.is_empty()).then(|| args.chunks.clone());
    if chunks.as_ref().is_some_and(|c| c.contains(&0)) {
        return Err(usage("--chunks: extents must be positive"));
    }
    let shards = match args.shards.as_deref().map(str::trim) {
        None => None,
        Some("none") => Some(None),
        Some(s) => {
            let v = s
                .split(',')
                .map(|x| x.trim().parse::<u64>().ok().filter(|&n| n > 0))
                .collect::<Option<Vec<u64>>>()
                .ok_or_else(|| usage(format!("--shards \"{s}\": expected positive integers N,... or none")))?;
            Some(Some(v))
        }
    };
    let codecs = match &args.codecs {
        None => None,
        Some(t) => match serde_json::from_str::<Value>(t) {
            Ok(Value::Array(a)) => Some(a),
            Ok(_) => return Err(usage("--codecs must be a JSON list of codec objects")),
            Err(e) => return Err(usage(format!("--codecs is not valid JSON: {e}"))),
        },
    };
    let format = args
        .zarr_format
        .map(|f| if f == 2 { ZarrFormat::V2 } else { ZarrFormat::V3 });
    if format == Some(ZarrFormat::V2) && matches!(shards, Some(Some(_))) {
        return Err(usage("--shards needs Zarr v3 (v2 has no sharding)"));
    }
    Ok(Change {
        format,
        chunks,
        shards,
        codecs,
    })
}

/// The destination metadata of one array.
fn plan_array(src: &ArrayMetadata, fmt: ZarrFormat, ch: &Change) -> R<ArrayMetadata> {
    let rank = src.shape.len();
    let chunks = ch.chunks.as_ref().filter(|c| c.len() == rank);
    let shards = match &ch.shards {
        Some(Some(s)) if s.len() == rank => Some(Some(s.clone())),
        Some(Some(_)) => None,
        other => other.clone(),
    };
    if fmt == src.format && chunks.is_none() && shards.is_none() && ch.codecs.is_none() {
        // Nothing changes: the same metadata, codecs and key layout.
        return Ok(src.clone());
    }
    let (src_chunks, src_shards) = chunks_and_shards(src);
    let codecs = match &ch.codecs {
        Some(c) => c.clone(),
        None => {
            let chain = zarr::codec::pipeline::CodecChain::for_array(src)?;
            match chain.sharding() {
                Some(sh) => sh.inner.to_v3_json(),
                None => chain.to_v3_json(),
            }
        }
    };
    let chunk = chunks.cloned().unwrap_or(src_chunks);
    let shard = match shards {
        Some(s) => s,
        // New chunks without new shards: unsharded (old shards may not fit).
        None if chunks.is_some() => None,
        None => src_shards,
    }
    .filter(|_| fmt == ZarrFormat::V3);
    // simple_metadata and sharded_metadata build and check a document in a
    // hierarchy's format; a scratch memory hierarchy provides one.
    let scratch = Group::open_root(
        &format!("memory://zarrtool-plan-v{}", fmt.number()),
        Mode::Create,
        Some(fmt),
    )?;
    let mut m = match &shard {
        Some(s) => scratch.sharded_metadata(src.dtype, &src.shape, s, &chunk, Some(&codecs), None)?,
        None => scratch.simple_metadata(src.dtype, &src.shape, &chunk, Some(&codecs), None)?,
    };
    m.fill_value = src.fill_value.clone();
    if fmt == ZarrFormat::V3 {
        m.fill_value.is_null = false; // v3 has no null fill; it reads as zero either way
    }
    m.attributes = src.attributes.clone();
    m.dimension_names = src.dimension_names.clone();
    match fmt {
        ZarrFormat::V3 => {
            // v2's convention; v3 has dimension_names.
            m.attributes.remove("_ARRAY_DIMENSIONS");
        }
        ZarrFormat::V2 => {
            if m.dimension_names
                .as_ref()
                .is_some_and(|n| n.iter().any(Option::is_none))
            {
                m.dimension_names = None;
            }
        }
        ZarrFormat::N5 => {}
    }
    if fmt == src.format {
        m.key_encoding = src.key_encoding;
        m.extra = src.extra.clone();
    }
    Ok(m)
}

/// The document a node's metadata is written as (to compare on resume).
fn doc(m: &ArrayMetadata) -> R<Value> {
    Ok(match m.format {
        ZarrFormat::V3 => m.to_v3(),
        ZarrFormat::N5 => m.to_n5()?,
        ZarrFormat::V2 => {
            // Writing adds _ARRAY_DIMENSIONS from the names: compare the names.
            let mut d = m.to_v2()?;
            let mut attrs = m.attributes.clone();
            attrs.remove("_ARRAY_DIMENSIONS");
            d["attributes"] = Value::Object(attrs);
            d["dimension_names"] = serde_json::json!(m.dimension_names);
            d
        }
    })
}

enum Planned {
    Group(String, Map<String, Value>),
    Array(String, Box<ArrayMetadata>, usize),
}

fn src_format(item: &Item) -> Option<ZarrFormat> {
    match &item.node {
        Node::Group(g) => Some(g.format()),
        Node::Array(a) => Some(a.metadata().format),
        Node::Implicit(_) => None,
    }
}

/// Did the source hierarchy have consolidated metadata? The copy then gets it too.
fn has_consolidated(item: &Item) -> R<bool> {
    if !item.rel.is_empty() || !matches!(item.node, Node::Group(_)) {
        return Ok(false);
    }
    if item.store.exists(node::V2_CONSOLIDATED)? {
        return Ok(true);
    }
    Ok(match item.store.get(node::V3_META)? {
        Some(b) => serde_json::from_slice::<Value>(&b)
            .ok()
            .and_then(|v| v.get("consolidated_metadata").cloned())
            .is_some_and(|c| !c.is_null()),
        None => false,
    })
}

pub fn cp(args: &CpArgs, opts: &Opts) -> R<()> {
    let ch = parse_change(args)?;
    let src = open::open(&args.src, "", Mode::Read, opts)?;
    // Collect the source tree (items own their handles).
    let mut items = vec![];
    collect(src, &mut items)?;
    let fmt = ch
        .format
        .or_else(|| items.iter().find_map(src_format))
        .unwrap_or(ZarrFormat::V3);
    let mut plan = vec![];
    for (i, it) in items.iter().enumerate() {
        match &it.node {
            Node::Array(a) => plan.push(Planned::Array(
                it.rel.clone(),
                Box::new(plan_array(&a.metadata(), fmt, &ch).map_err(|e| context(e, &it.display()))?),
                i,
            )),
            Node::Group(g) => plan.push(Planned::Group(it.rel.clone(), g.attributes()?)),
            Node::Implicit(_) => plan.push(Planned::Group(it.rel.clone(), Map::new())),
        }
    }
    let dst_store = store::open_url_with(&args.dst, true, opts.for_url(&args.dst)?)?;
    write_metadata(dst_store.as_ref(), &plan, fmt, args.resume)?;
    let dst_root = Group::open_root_in(dst_store.clone(), Mode::Write, None)?;
    // Data: array by array, blocks of one destination chunk.
    let mut jobs = vec![];
    for p in &plan {
        if let Planned::Array(rel, meta, i) = p {
            let src_a = items[*i].array()?;
            let dst_a = dst_root.open_array(rel)?;
            jobs.push((src_a, dst_a, meta.clone()));
        }
    }
    let total_chunks: u64 = jobs.iter().map(|(_, _, m)| grid_len(m)).sum();
    let total_bytes: u64 = jobs
        .iter()
        .map(|(_, _, m)| m.shape.iter().product::<u64>() * m.dtype.size() as u64)
        .sum();
    let bar = progress(total_bytes, total_chunks, args.quiet);
    let done = AtomicU64::new(0);
    let kept = AtomicU64::new(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .map_err(|e| Error::Internal(e.to_string()))?;
    for (src_a, dst_a, meta) in &jobs {
        let n = grid_len(meta);
        pool.install(|| {
            (0..n).into_par_iter().try_for_each(|i| -> R<()> {
                let coords = unravel(i, &grid(meta));
                let (bytes, skipped) = copy_block(src_a, dst_a, meta, &coords, args.resume, dst_store.as_ref())?;
                if skipped {
                    kept.fetch_add(1, Ordering::Relaxed);
                }
                let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                bar.inc(bytes);
                bar.set_message(format!("{d}/{total_chunks} chunks"));
                Ok(())
            })
        })?;
    }
    if has_consolidated(&items[0])? {
        dst_root.consolidate()?;
    }
    let kept = kept.load(Ordering::Relaxed);
    bar.finish_with_message(if args.resume {
        format!("{total_chunks}/{total_chunks} chunks, {kept} kept from before")
    } else {
        format!("{total_chunks}/{total_chunks} chunks")
    });
    Ok(())
}

fn context(e: Fail, what: &str) -> Fail {
    match e {
        Fail::Zarr(z) => Fail::Zarr(z.context(what)),
        other => other,
    }
}

fn collect(item: Item, out: &mut Vec<Item>) -> R<()> {
    let members = item.members()?;
    out.push(item);
    for m in members {
        collect(m, out)?;
    }
    Ok(())
}

/// Write every group and array document (resume: check what is there instead).
fn write_metadata(store: &dyn Store, plan: &[Planned], fmt: ZarrFormat, resume: bool) -> R<()> {
    let existing_root = node::read(store, "")?;
    if existing_root.is_some() && !resume {
        return Err(Error::Exists(format!(
            "the destination already holds a Zarr hierarchy (\"{}\"): remove it, or use --resume to continue a copy",
            store.id()
        ))
        .into());
    }
    for p in plan {
        match p {
            Planned::Group(rel, attrs) => match node::read(store, rel)? {
                Some(node::NodeDoc::Group { .. }) if resume => {}
                Some(_) => {
                    return Err(Error::Exists(format!("destination node \"/{rel}\" is not a group")).into());
                }
                None => node::write_group(store, rel, fmt, attrs)?,
            },
            Planned::Array(rel, meta, _) => match node::read(store, rel)? {
                Some(node::NodeDoc::Array(old)) if resume => {
                    if doc(&old)? != doc(meta)? {
                        return Err(Error::Exists(format!(
                            "destination array \"/{rel}\" exists with other metadata than this copy would write"
                        ))
                        .into());
                    }
                }
                Some(_) => {
                    return Err(Error::Exists(format!("destination node \"/{rel}\" is not an array")).into());
                }
                None => node::write_array(store, rel, meta)?,
            },
        }
    }
    Ok(())
}

fn grid(m: &ArrayMetadata) -> Vec<u64> {
    m.grid_shape()
}

fn grid_len(m: &ArrayMetadata) -> u64 {
    grid(m).iter().product()
}

fn unravel(mut i: u64, grid: &[u64]) -> Vec<u64> {
    let mut c = vec![0; grid.len()];
    for d in (0..grid.len()).rev() {
        c[d] = i % grid[d];
        i /= grid[d];
    }
    c
}

/// Copy one destination chunk; returns (logical bytes, kept from before).
fn copy_block(
    src: &Array,
    dst: &Array,
    meta: &ArrayMetadata,
    coords: &[u64],
    resume: bool,
    dst_store: &dyn Store,
) -> R<(u64, bool)> {
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
    let bytes = count.iter().product::<u64>() as usize * meta.dtype.size();
    let mut buf = zarr::error::try_alloc(bytes, "a copy block")?;
    src.read(&sel, meta.dtype, &mut buf)?;
    if resume {
        let key = join(dst.path(), &meta.key_encoding.key(coords));
        if dst_store.exists(&key)? {
            let mut old = zarr::error::try_alloc(bytes, "a copy block")?;
            match dst.read(&sel, meta.dtype, &mut old) {
                Ok(()) if old == buf => return Ok((bytes as u64, true)),
                // Different or undecodable: written again below.
                Ok(()) | Err(Error::Codec(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    dst.write(&sel, meta.dtype, &buf)?;
    Ok((bytes as u64, false))
}

/// A bar on a terminal (stderr), nothing otherwise.
fn progress(total_bytes: u64, chunks: u64, quiet: bool) -> Arc<ProgressBar> {
    let target = if !quiet && std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(total_bytes), target);
    bar.set_style(
        ProgressStyle::with_template(
            "{wide_bar} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
        )
        .expect("a valid template"),
    );
    bar.set_message(format!("0/{chunks} chunks"));
    Arc::new(bar)
}
