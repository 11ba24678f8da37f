//! The thread pool chunks are encoded and decoded on. Sized to the machine
//! by default; `set_num_threads` replaces it (calls already running finish
//! on the old pool).

use crate::error::{Error, Result};
use std::sync::{Arc, LazyLock, RwLock};

static POOL: LazyLock<RwLock<Arc<rayon::ThreadPool>>> = LazyLock::new(|| {
    let n = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    RwLock::new(Arc::new(build(n).expect("the default thread pool starts")))
});

fn build(n: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("zarr-{i}"))
        .build()
        .map_err(|e| Error::Internal(format!("cannot start {n} threads: {e}")))
}

/// Most threads a pool may have: more only costs memory and start-up time.
pub const MAX_THREADS: usize = 1024;

/// Use `n` threads (0 = one per core, at most [`MAX_THREADS`]).
pub fn set_num_threads(n: usize) -> Result<()> {
    if n > MAX_THREADS {
        return Err(Error::InvalidArgument(format!(
            "{n} threads is more than {MAX_THREADS}"
        )));
    }
    let n = if n == 0 {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    } else {
        n
    };
    let pool = Arc::new(build(n)?);
    *POOL.write().unwrap_or_else(|e| e.into_inner()) = pool;
    Ok(())
}

pub fn num_threads() -> usize {
    current().current_num_threads()
}

pub fn current() -> Arc<rayon::ThreadPool> {
    POOL.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Run `f` (parallel chunk work) on the compute pool, unless the calling
/// thread is a worker of another rayon pool (a caller that is itself
/// parallel over chunks, as a chunk-by-chunk copy is): then on that pool.
/// A worker blocked in `install` on a foreign pool steals its own pool's
/// jobs while it waits, so each caller thread would start more of the
/// caller's chunks (each with its buffers) before finishing the first:
/// a round trip over 64 shards held most of them at once.
pub fn install<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    let pool = current();
    if rayon::current_thread_index().is_some() && pool.current_thread_index().is_none() {
        f()
    } else {
        pool.install(f)
    }
}

/// Most threads of an I/O pool (see [`io`]).
const MAX_IO_THREADS: usize = 256;

/// A pool `width` threads wide (at most 256) for chunk tasks on stores with
/// request latency (object stores): each task mostly waits on its requests,
/// so the pool is sized to the requests wanted in flight, not to the cores.
/// One pool per width, kept for the process.
pub fn io(width: usize) -> Arc<rayon::ThreadPool> {
    static IO: LazyLock<std::sync::Mutex<std::collections::HashMap<usize, Arc<rayon::ThreadPool>>>> =
        LazyLock::new(Default::default);
    let width = width.clamp(1, MAX_IO_THREADS);
    let mut pools = IO.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = pools.get(&width) {
        return p.clone();
    }
    match rayon::ThreadPoolBuilder::new()
        .num_threads(width)
        .thread_name(|i| format!("zarr-io-task-{i}"))
        .build()
    {
        Ok(p) => pools.entry(width).or_insert(Arc::new(p)).clone(),
        // Threads could not be started: fall back to the compute pool.
        Err(_) => current(),
    }
}
