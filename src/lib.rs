//! libzarr: a Zarr v2 and v3 storage engine.
//!
//! Module map, from the bottom layer up (each imports only those before it;
//! README "Layout", checked by tests/layering.rs):
//! - [`error`]: the one error enum
//! - [`store`]: the [`store::Store`] trait, filesystem, memory and object
//!   stores (feature `cloud`, on by default), and [`store::ByteSource`] (one pinned version of a value)
//! - [`metadata`]: documents only: v2/v3 documents, data types, fill values,
//!   consolidated metadata -> [`metadata::ArrayMetadata`] (codecs as metadata)
//! - [`update`]: the one metadata-update function (compare-and-swap, retried)
//! - [`codec`]: one file per codec, the registry, the chain built from the
//!   metadata, partial decoders over byte sources (sharding: ranged, coalesced)
//! - [`array`]: selections, the read loop, the write loop, type conversion
//! - [`group`]: hierarchy, attributes
//! - [`attrs`]: single attributes with typed values (netCDF-style get/put)
//! - `ffi`: the C ABI (the only place with `extern "C"`)
//! - `jni`: the JNI entry points of the Java bindings (feature `java`, on by default)
//!
//! The safe Rust API is [`Group`] (open a hierarchy with [`Group::open_root`])
//! and [`Array`]:
//! ```
//! use zarr::{Group, Mode, DataType, Selection};
//! let root = Group::open_root("memory://doc-example", Mode::Create, None).unwrap();
//! let meta = root.simple_metadata(DataType::Int32, &[4, 6], &[2, 3], None, None).unwrap();
//! let a = root.create_array("x", meta).unwrap();
//! let data: Vec<u8> = (0i32..24).flat_map(|v| v.to_ne_bytes()).collect();
//! a.write(&Selection::all(&[4, 6]), DataType::Int32, &data).unwrap();
//! let mut back = vec![0u8; 24 * 8];
//! a.read(&Selection::all(&[4, 6]), DataType::Float64, &mut back).unwrap();
//! assert_eq!(f64::from_ne_bytes(back[8 * 23..].try_into().unwrap()), 23.0);
//! ```

pub mod array;
pub mod attrs;
pub mod codec;
pub mod error;
pub mod ffi;
pub mod group;
#[cfg(feature = "java")]
mod jni;
pub mod metadata;
pub mod store;
pub mod update;

/// Consolidated metadata (lives with the other documents in [`metadata`]).
pub use metadata::consolidated;

pub use array::{Array, Selection};
pub use error::{Error, Result};
pub use group::{Group, Mode, NodeKind};
pub use metadata::{DataType, ZarrFormat};

/// Use `n` threads for chunk encoding and decoding (0 = one per core).
pub fn set_num_threads(n: usize) -> Result<()> {
    array::pool::set_num_threads(n)
}
