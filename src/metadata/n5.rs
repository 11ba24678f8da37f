//! N5 documents (the format of n5-java, z5 and tensorstore's `n5` driver):
//! one `attributes.json` per node. A dataset's holds `dimensions`,
//! `blockSize`, `dataType` and `compression` next to its user attributes;
//! a group's holds only user attributes (the root's also `"n5": "4.0.0"`),
//! and a group may have none at all.
//!
//! An N5 dataset reads as the one [`ArrayMetadata`] of the engine with its
//! dimensions reversed (`dimensions: [X, Y, Z]` opens as shape `[Z, Y, X]`,
//! C order), as zarr-python 2's N5Store and z5py present it: N5 lists the
//! fastest-varying dimension first. `axes`, reversed the same way, become
//! the dimension names; the fill value is 0; block `[i, j, k]` of the
//! C-order grid is stored at `k/j/i` ([`ChunkKeyEncoding::N5`]).

use super::{u64_list, ArrayMetadata, ChunkKeyEncoding, CodecMetadata, DataType, FillValue, ZarrFormat};
use crate::error::{Error, Result};
use serde_json::{json, Map, Value};

/// The version written at a new container's root.
pub const VERSION: &str = "4.0.0";
/// The keys of a dataset's attributes.json that are N5's, not the user's.
const DATASET_KEYS: [&str; 6] = [
    "dimensions",
    "blockSize",
    "dataType",
    "compression",
    "compressionType",
    "axes",
];
/// Compression types there are readers for (lz4 is refused when the array
/// opens: see codec::n5block).
pub const COMPRESSIONS: [&str; 7] = ["raw", "gzip", "bzip2", "xz", "blosc", "zstd", "lz4"];

/// Whether an attributes.json document describes a dataset.
pub fn is_dataset(doc: &Map<String, Value>) -> bool {
    super::detect::is_n5_dataset(doc)
}

/// N5's `dataType` name of `dt` (N5 has no bool or float16).
pub fn dtype_name(dt: DataType) -> Result<&'static str> {
    Ok(match dt {
        DataType::UInt8 => "uint8",
        DataType::UInt16 => "uint16",
        DataType::UInt32 => "uint32",
        DataType::UInt64 => "uint64",
        DataType::Int8 => "int8",
        DataType::Int16 => "int16",
        DataType::Int32 => "int32",
        DataType::Int64 => "int64",
        DataType::Float32 => "float32",
        DataType::Float64 => "float64",
        other => {
            return Err(Error::Unsupported(format!(
                "data type {} in N5 (uint8..uint64, int8..int64, float32, float64)",
                other.v3_name()
            )))
        }
    })
}

fn dtype_from(name: &str) -> Result<DataType> {
    Ok(match name {
        "uint8" => DataType::UInt8,
        "uint16" => DataType::UInt16,
        "uint32" => DataType::UInt32,
        "uint64" => DataType::UInt64,
        "int8" => DataType::Int8,
        "int16" => DataType::Int16,
        "int32" => DataType::Int32,
        "int64" => DataType::Int64,
        "float32" => DataType::Float32,
        "float64" => DataType::Float64,
        other => return Err(Error::Unsupported(format!("N5 data type \"{other}\""))),
    })
}

/// Parse a dataset's attributes.json (`key` names it in errors).
pub fn from_n5(doc: &Map<String, Value>, key: &str) -> Result<ArrayMetadata> {
    parse(doc).map_err(|e| e.context(key))
}

fn parse(doc: &Map<String, Value>) -> Result<ArrayMetadata> {
    let mut shape = u64_list(doc.get("dimensions"), "dimensions")?;
    let mut chunk_shape = u64_list(doc.get("blockSize"), "blockSize")?;
    if shape.is_empty() {
        return Err(Error::Unsupported("an N5 dataset without dimensions".into()));
    }
    shape.reverse();
    chunk_shape.reverse();
    let dtype = match doc.get("dataType") {
        Some(Value::String(s)) => dtype_from(s)?,
        other => return Err(Error::Metadata(format!("dataType must be a string, got {other:?}"))),
    };
    // N5 before 1.0 named only the type (`"compressionType": "gzip"`).
    let compression = match (doc.get("compression"), doc.get("compressionType")) {
        (Some(c @ Value::Object(_)), _) => c.clone(),
        (None, Some(Value::String(t))) => json!({ "type": t }),
        (None, None) => json!({"type": "raw"}),
        (Some(other), _) | (None, Some(other)) => {
            return Err(Error::Metadata(format!("compression must be an object, got {other}")))
        }
    };
    match compression.get("type").and_then(Value::as_str) {
        Some(t) if COMPRESSIONS.contains(&t) => {}
        Some(t) => return Err(Error::Unsupported(format!("N5 compression \"{t}\""))),
        None => return Err(Error::Metadata(format!("compression {compression} has no \"type\""))),
    }
    let mut attributes = Map::new();
    let mut extra = Map::new();
    for (k, v) in doc {
        if k == "n5" {
            extra.insert(k.clone(), v.clone()); // a dataset at the container root
        } else if !DATASET_KEYS.contains(&k.as_str()) {
            attributes.insert(k.clone(), v.clone());
        }
    }
    let dimension_names = match doc.get("axes") {
        None => None,
        Some(Value::Array(a)) if a.len() == shape.len() && a.iter().all(Value::is_string) => Some(
            a.iter()
                .rev()
                .map(|n| n.as_str().filter(|s| !s.is_empty()).map(str::to_owned))
                .collect(),
        ),
        // Not a name per dimension: kept as an attribute, as found.
        Some(other) => {
            attributes.insert("axes".into(), other.clone());
            None
        }
    };
    let m = ArrayMetadata {
        format: ZarrFormat::N5,
        shape,
        chunk_shape,
        grid: super::ChunkGrid::Regular,
        dtype,
        fill_value: FillValue::zero(dtype),
        key_encoding: ChunkKeyEncoding::N5,
        codecs: CodecMetadata::N5(compression),
        attributes,
        dimension_names,
        attributes_error: None,
        extra,
    };
    m.check()?;
    Ok(m)
}

impl ArrayMetadata {
    /// The dataset's attributes.json: N5's keys (dimensions reversed back
    /// to N5 order) and the user attributes in one document.
    pub fn to_n5(&self) -> Result<Value> {
        let CodecMetadata::N5(compression) = &self.codecs else {
            return Err(Error::Internal("N5 array without N5 compression".into()));
        };
        let mut doc = self.attributes.clone();
        for (k, v) in &self.extra {
            doc.insert(k.clone(), v.clone());
        }
        let rev = |v: &[u64]| v.iter().rev().copied().collect::<Vec<_>>();
        doc.insert("dimensions".into(), json!(rev(&self.shape)));
        doc.insert("blockSize".into(), json!(rev(&self.chunk_shape)));
        doc.insert("dataType".into(), json!(dtype_name(self.dtype)?));
        doc.insert("compression".into(), compression.clone());
        doc.remove("compressionType");
        match &self.dimension_names {
            Some(names) => {
                let axes: Vec<&str> = names.iter().rev().map(|n| n.as_deref().unwrap_or("")).collect();
                doc.insert("axes".into(), json!(axes));
            }
            None if !self.attributes.contains_key("axes") => {
                doc.remove("axes");
            }
            None => {}
        }
        Ok(Value::Object(doc))
    }
}

/// A group's attributes.json: the user attributes, and at the root the N5 version.
pub fn group_doc(is_root: bool, attributes: &Map<String, Value>) -> Value {
    let mut doc = attributes.clone();
    if is_root {
        doc.insert("n5".into(), json!(VERSION));
    }
    Value::Object(doc)
}

/// A group's user attributes (its attributes.json without the version).
pub fn group_attributes(mut doc: Map<String, Value>) -> Map<String, Value> {
    doc.remove("n5");
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Map<String, Value> {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn dataset_reads_reversed_and_writes_back() {
        let d = doc(
            r#"{"dimensions": [10, 20, 30], "blockSize": [4, 5, 6], "dataType": "int16",
            "compression": {"type": "gzip", "level": -1, "useZlib": false},
            "axes": ["x", "y", "z"], "units": "nm", "resolution": [1, 2, 3]}"#,
        );
        let m = from_n5(&d, "a/attributes.json").unwrap();
        assert_eq!(m.shape, vec![30, 20, 10]);
        assert_eq!(m.chunk_shape, vec![6, 5, 4]);
        assert_eq!(m.dtype, DataType::Int16);
        assert_eq!(
            m.dimension_names,
            Some(vec![Some("z".into()), Some("y".into()), Some("x".into())])
        );
        assert_eq!(m.attributes.keys().collect::<Vec<_>>(), ["units", "resolution"]);
        assert_eq!(m.key_encoding.key(&[1, 2, 3]), "3/2/1");
        let back = m.to_n5().unwrap();
        assert_eq!(back["dimensions"], json!([10, 20, 30]));
        assert_eq!(back["blockSize"], json!([4, 5, 6]));
        assert_eq!(back["axes"], json!(["x", "y", "z"]));
        assert_eq!(back["units"], json!("nm"));
        assert_eq!(back["compression"]["type"], json!("gzip"));
    }

    #[test]
    fn bad_datasets_are_named() {
        let e = from_n5(
            &doc(r#"{"dimensions": [4], "blockSize": [2], "dataType": "int8", "compression": {"type": "lzma9"}}"#),
            "d/attributes.json",
        )
        .unwrap_err();
        assert!(matches!(&e, Error::Unsupported(m) if m.contains("lzma9") && m.contains("d/attributes.json")));
        let e = from_n5(
            &doc(r#"{"dimensions": [4], "blockSize": [2], "dataType": "string"}"#),
            "d/attributes.json",
        )
        .unwrap_err();
        assert!(matches!(&e, Error::Unsupported(m) if m.contains("string")));
        let e = from_n5(
            &doc(r#"{"dimensions": [4, 4], "blockSize": [2], "dataType": "int8"}"#),
            "k",
        )
        .unwrap_err();
        assert!(matches!(e, Error::Metadata(_)));
        // Old documents: compressionType only.
        let m = from_n5(
            &doc(r#"{"dimensions": [4], "blockSize": [2], "dataType": "uint64", "compressionType": "raw"}"#),
            "k",
        )
        .unwrap();
        assert_eq!(m.codecs, CodecMetadata::N5(json!({"type": "raw"})));
    }
}
