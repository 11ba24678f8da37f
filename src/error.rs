//! One error enum for the whole core. `ffi` maps each variant to a C status once.

/// Every failure the engine reports. The string is the human message stored for
/// `zarr_last_error`; it names the key, codec or type involved.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("already exists: {0}")]
    Exists(String),
    #[error("bad handle: {0}")]
    BadHandle(String),
    #[error("bad metadata: {0}")]
    Metadata(String),
    #[error("codec error: {0}")]
    Codec(String),
    #[error("I/O error: {0}")]
    Io(String),
    #[error("out of bounds: {0}")]
    Bounds(String),
    #[error("value out of range: {0}")]
    Range(String),
    #[error("type error: {0}")]
    Type(String),
    #[error("read-only: {0}")]
    ReadOnly(String),
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("out of memory: {0}")]
    OutOfMemory(String),
    /// A repository commit whose branch moved under it with overlapping changes.
    #[error("conflict: {0}")]
    Conflict(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A zeroed buffer of `len` bytes, or `Error::OutOfMemory` instead of the
/// process abort an infallible allocation would cause (chunk sizes come from
/// metadata, which may be hostile or simply too large for this machine).
pub fn try_alloc(len: usize, what: impl std::fmt::Display) -> Result<Vec<u8>> {
    if len == 0 {
        return Ok(Vec::new());
    }
    let oom = || Error::OutOfMemory(format!("cannot allocate {len} bytes for {what}"));
    let layout = std::alloc::Layout::array::<u8>(len).map_err(|_| oom())?;
    // Zeroed by the allocator (calloc): fresh pages from the OS need no
    // memset, which matters for chunk buffers of tens of MiB.
    // SAFETY: `layout` has a non-zero size.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
    if ptr.is_null() {
        return Err(oom());
    }
    // SAFETY: `ptr` came from the global allocator with this layout (u8,
    // capacity `len`), and all `len` bytes are initialised (zero).
    Ok(unsafe { Vec::from_raw_parts(ptr, len, len) })
}

impl Error {
    /// Wrap an I/O error with the key or path it concerns.
    pub fn io(what: impl std::fmt::Display, e: std::io::Error) -> Self {
        Error::Io(format!("{what}: {e}"))
    }
    pub fn codec(key: impl std::fmt::Display, e: impl std::fmt::Display) -> Self {
        Error::Codec(format!("{key}: {e}"))
    }
    /// Prefix the message with context (e.g. the chunk key) keeping the kind.
    pub fn context(self, ctx: impl std::fmt::Display) -> Self {
        use Error::*;
        match self {
            InvalidArgument(m) => InvalidArgument(format!("{ctx}: {m}")),
            NotFound(m) => NotFound(format!("{ctx}: {m}")),
            Exists(m) => Exists(format!("{ctx}: {m}")),
            BadHandle(m) => BadHandle(format!("{ctx}: {m}")),
            Metadata(m) => Metadata(format!("{ctx}: {m}")),
            Codec(m) => Codec(format!("{ctx}: {m}")),
            Io(m) => Io(format!("{ctx}: {m}")),
            Bounds(m) => Bounds(format!("{ctx}: {m}")),
            Range(m) => Range(format!("{ctx}: {m}")),
            Type(m) => Type(format!("{ctx}: {m}")),
            ReadOnly(m) => ReadOnly(format!("{ctx}: {m}")),
            Unsupported(m) => Unsupported(format!("{ctx}: {m}")),
            Internal(m) => Internal(format!("{ctx}: {m}")),
            OutOfMemory(m) => OutOfMemory(format!("{ctx}: {m}")),
            Conflict(m) => Conflict(format!("{ctx}: {m}")),
        }
    }
}
