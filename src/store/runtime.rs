//! The one tokio runtime of the process, created on first use by an object
//! store and shared by every handle. Purely local use never starts it
//! ([`started`] says whether it exists, for tests).
//!
//! The engine's API is synchronous: callers (C threads, the chunk pool) wait
//! for a future with [`block_on`]. Waiting from one of the runtime's own
//! threads would stall it, so such a call runs the future on a helper thread.

use std::future::Future;
use std::sync::OnceLock;

static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();

/// Worker threads: the runtime only drives sockets (decoding happens on the
/// caller's threads), so a few suffice for hundreds of requests in flight.
fn workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(2, 4)
}

/// The runtime, started on the first call.
pub fn get() -> &'static tokio::runtime::Runtime {
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers())
            .thread_name("zarr-io")
            .enable_all()
            .build()
            .expect("the I/O runtime starts")
    })
}

/// Whether the runtime has been started in this process.
pub fn started() -> bool {
    RUNTIME.get().is_some()
}

/// Run a future to completion on the shared runtime from synchronous code.
pub fn block_on<F>(f: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    let rt = get();
    if tokio::runtime::Handle::try_current().is_ok() {
        // Inside some runtime (ours or the caller's): never block its thread.
        return std::thread::scope(|s| {
            s.spawn(|| rt.block_on(f))
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p))
        });
    }
    rt.block_on(f)
}
