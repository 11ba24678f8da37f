//! Stand-ins for the object stores in a build without the `cloud` feature:
//! their URLs and options are refused with a message naming the feature, so
//! an embedder who left them out sees why instead of "unknown scheme".

use crate::error::{Error, Result};
use serde_json::{Map, Value};

const WHY: &str = "this libzarr was built without the cargo feature \"cloud\" (object stores)";

/// Object store options: none can be given in this build.
#[derive(Debug, Clone, Default)]
pub struct ObjectOptions {}

impl ObjectOptions {
    pub fn is_empty(&self) -> bool {
        true
    }

    /// Any key left after the engine's own options is refused, naming it.
    pub fn from_json(map: &Map<String, Value>) -> Result<Self> {
        match map.keys().next() {
            Some(k) => Err(Error::InvalidArgument(format!(
                "unknown option \"{k}\" (object store options need the cargo feature \"cloud\", which this build leaves out)"
            ))),
            None => Ok(ObjectOptions {}),
        }
    }
}

/// The error for an object store URL.
pub fn unsupported(scheme: &str) -> Error {
    Error::Unsupported(format!("{scheme}:// stores: {WHY}"))
}
