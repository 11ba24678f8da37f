//! The handle table: open groups and arrays by `int64_t` id. Ids count up
//! from 1 and are never reused, so a stale or made-up id is ZARR_EBADID.
//! The JNI layer keeps its handles here too (one id space per process).

use crate::error::{Error, Result};
use crate::{Array, Group};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, LazyLock, RwLock};

#[derive(Clone)]
pub enum Node {
    Group(Arc<Group>),
    Array(Arc<Array>),
}

static TABLE: LazyLock<RwLock<HashMap<i64, Node>>> = LazyLock::new(Default::default);
static NEXT: AtomicI64 = AtomicI64::new(1);

pub fn insert(node: Node) -> i64 {
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    TABLE.write().unwrap_or_else(|e| e.into_inner()).insert(id, node);
    id
}

pub fn get(id: i64) -> Result<Node> {
    TABLE
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(&id)
        .cloned()
        .ok_or_else(|| Error::BadHandle(format!("handle {id} is not open")))
}

pub fn group(id: i64) -> Result<Arc<Group>> {
    match get(id)? {
        Node::Group(g) => Ok(g),
        Node::Array(_) => Err(Error::BadHandle(format!("handle {id} is an array, not a group"))),
    }
}

pub fn array(id: i64) -> Result<Arc<Array>> {
    match get(id)? {
        Node::Array(a) => Ok(a),
        Node::Group(_) => Err(Error::BadHandle(format!("handle {id} is a group, not an array"))),
    }
}

pub fn remove(id: i64) -> Result<()> {
    TABLE
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&id)
        .map(|_| ())
        .ok_or_else(|| Error::BadHandle(format!("handle {id} is not open")))
}

/// How many handles are open (C and Java together; the Java tests watch it).
#[cfg(feature = "java")]
pub fn count() -> usize {
    TABLE.read().unwrap_or_else(|e| e.into_inner()).len()
}
