//! Snapshots: a content-addressed JSON document per commit holding the
//! hierarchy's metadata documents, each array's manifest root, the parent
//! snapshot(s), time, author and message (docs/repository.md, "Snapshots").

use super::cid::JSON;
use super::objects::{self, SNAPSHOTS};
use crate::error::{Error, Result};
use crate::store::Store;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const FORMAT: &str = "libzarr-repository/1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestRef {
    /// CID of the manifest's root page.
    pub root: String,
    pub chunks: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub format: String,
    pub parents: Vec<String>,
    /// RFC 3339, UTC, milliseconds: `2026-12-02T04:40:00.123Z`.
    pub time: String,
    pub author: String,
    pub message: String,
    /// Metadata documents by store key (`zarr.json`, `v/x/zarr.json`,
    /// `.zgroup`, ...), as the exact text written (Python's bare NaN kept).
    pub metadata: BTreeMap<String, String>,
    /// Array path -> manifest.
    pub manifests: BTreeMap<String, ManifestRef>,
}

impl Snapshot {
    pub fn empty() -> Snapshot {
        Snapshot {
            format: FORMAT.into(),
            parents: vec![],
            time: String::new(),
            author: String::new(),
            message: String::new(),
            metadata: BTreeMap::new(),
            manifests: BTreeMap::new(),
        }
    }

    pub fn load(store: &dyn Store, id: &str) -> Result<Snapshot> {
        let bytes = objects::get_checked(store, SNAPSHOTS, id)?;
        let s: Snapshot = serde_json::from_slice(&bytes).map_err(|e| Error::Metadata(format!("snapshot {id}: {e}")))?;
        if s.format != FORMAT {
            return Err(Error::Unsupported(format!("snapshot {id} has format \"{}\"", s.format)));
        }
        Ok(s)
    }

    /// Write the document; its CID is the snapshot id.
    pub fn store(&self, store: &dyn Store) -> Result<String> {
        let bytes = serde_json::to_vec(self).map_err(|e| Error::Internal(e.to_string()))?;
        objects::put(store, SNAPSHOTS, JSON, &bytes)
    }
}

/// Now as RFC 3339 UTC with milliseconds.
pub fn now_rfc3339() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339(d.as_secs() as i64, d.subsec_millis())
}

/// `secs` since the epoch as RFC 3339 UTC (fixed width, so the texts sort
/// as the times do).
pub fn rfc3339(secs: i64, millis: u32) -> String {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z.rem_euclid(146097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn times() {
        // date -u -d @1764650400 +%FT%TZ: 2025-12-02T04:40:00Z
        assert_eq!(super::rfc3339(1764650400, 5), "2025-12-02T04:40:00.005Z");
        assert_eq!(super::rfc3339(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::rfc3339(951782400, 0), "2000-02-29T00:00:00.000Z");
    }
}
