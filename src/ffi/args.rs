//! Decoding of boundary arguments, shared by the C ABI (`ffi::api`) and the
//! JNI entry points (`jni`): modes, type codes, ranks, counts, codec lists,
//! dimension names and open options. Both boundaries hand over the same
//! numbers and JSON texts, so they decode them here, once, with the same
//! limits and messages (`what` names the argument as the caller knows it).
//!
//! The type codes are the ABI's: each is mapped by an explicit `match` on
//! the `ZARR_*` constants (which carry explicit values), never by position
//! in a list, so reordering an enum or a list cannot renumber the ABI.

use super::*;
use crate::error::Error;
use crate::metadata::ZarrFormat;
use crate::store::{ObjectOptions, StoreOptions};
use crate::{DataType, Mode};
use serde_json::Value;
use std::ffi::c_int;

/// Largest rank accepted at a boundary (netCDF's NC_MAX_VAR_DIMS is 1024; 64 is plenty for Zarr).
pub(crate) const MAX_NDIM: usize = 64;

/// An open mode: ZARR_READ, ZARR_WRITE or ZARR_CREATE.
pub(crate) fn mode(mode: c_int) -> Result<Mode, Error> {
    match mode {
        ZARR_READ => Ok(Mode::Read),
        ZARR_WRITE => Ok(Mode::Write),
        ZARR_CREATE => Ok(Mode::Create),
        _ => Err(Error::InvalidArgument(format!("unknown mode {mode}"))),
    }
}

/// A data type code, ZARR_BOOL..ZARR_FLOAT16.
pub(crate) fn dtype(code: c_int) -> Result<DataType, Error> {
    Ok(match code {
        ZARR_BOOL => DataType::Bool,
        ZARR_INT8 => DataType::Int8,
        ZARR_INT16 => DataType::Int16,
        ZARR_INT32 => DataType::Int32,
        ZARR_INT64 => DataType::Int64,
        ZARR_UINT8 => DataType::UInt8,
        ZARR_UINT16 => DataType::UInt16,
        ZARR_UINT32 => DataType::UInt32,
        ZARR_UINT64 => DataType::UInt64,
        ZARR_FLOAT32 => DataType::Float32,
        ZARR_FLOAT64 => DataType::Float64,
        ZARR_FLOAT16 => DataType::Float16,
        ZARR_STRING => DataType::String,
        ZARR_VLEN_BYTES => DataType::VlenBytes,
        ZARR_FIXED_STRING | ZARR_BYTES | ZARR_DATETIME64 | ZARR_TIMEDELTA64 => {
            return Err(Error::Type(format!(
                "type code {code} needs a length or unit: create such arrays with zarr_array_create_json, \
                 read and write them with ZARR_NATIVE"
            )))
        }
        _ => return Err(Error::Type(format!("unknown data type code {code}"))),
    })
}

/// The type code of a data type (the inverse of [`dtype`]).
pub(crate) fn dtype_code(dt: DataType) -> c_int {
    match dt {
        DataType::Bool => ZARR_BOOL,
        DataType::Int8 => ZARR_INT8,
        DataType::Int16 => ZARR_INT16,
        DataType::Int32 => ZARR_INT32,
        DataType::Int64 => ZARR_INT64,
        DataType::UInt8 => ZARR_UINT8,
        DataType::UInt16 => ZARR_UINT16,
        DataType::UInt32 => ZARR_UINT32,
        DataType::UInt64 => ZARR_UINT64,
        DataType::Float32 => ZARR_FLOAT32,
        DataType::Float64 => ZARR_FLOAT64,
        DataType::Float16 => ZARR_FLOAT16,
        DataType::String => ZARR_STRING,
        DataType::FixedString(_) => ZARR_FIXED_STRING,
        DataType::Bytes(_) => ZARR_BYTES,
        DataType::VlenBytes => ZARR_VLEN_BYTES,
        DataType::DateTime64(_) => ZARR_DATETIME64,
        DataType::TimeDelta64(_) => ZARR_TIMEDELTA64,
    }
}

/// A memory type code: ZARR_NATIVE is `stored` (the array's own type).
pub(crate) fn mem_type(code: c_int, stored: DataType) -> Result<DataType, Error> {
    if code == ZARR_NATIVE {
        Ok(stored)
    } else {
        dtype(code)
    }
}

/// A rank given by a caller, at most [`MAX_NDIM`].
pub(crate) fn rank(ndim: i64, what: &str) -> Result<usize, Error> {
    usize::try_from(ndim)
        .ok()
        .filter(|&n| n <= MAX_NDIM)
        .ok_or_else(|| Error::InvalidArgument(format!("{what} {ndim} is not in 0..={MAX_NDIM}")))
}

/// A count, axis or size that must not be negative.
// Java's signed longs come here (C passes u64); unused without `java`.
#[cfg_attr(not(feature = "java"), allow(dead_code))]
pub(crate) fn non_negative(v: i64, what: &str) -> Result<u64, Error> {
    u64::try_from(v).map_err(|_| Error::InvalidArgument(format!("{what} {v} is negative")))
}

/// An axis (dimension index); its upper bound is the array's to check.
pub(crate) fn axis(v: c_int) -> Result<usize, Error> {
    usize::try_from(v).map_err(|_| Error::InvalidArgument(format!("axis {v} is negative")))
}

/// Values of a shape-like argument (one per dimension) as u64: negative
/// values are ZARR_EINVAL. Java has no unsigned types, so its `long[]` comes here.
#[cfg_attr(not(feature = "java"), allow(dead_code))]
pub(crate) fn extents(v: &[i64], what: &str) -> Result<Vec<u64>, Error> {
    v.iter()
        .map(|&x| u64::try_from(x).map_err(|_| Error::InvalidArgument(format!("{what} has negative value {x}"))))
        .collect()
}

/// A thread count for `zarr_set_num_threads` (0 = one per core).
pub(crate) fn thread_count(n: c_int) -> Result<usize, Error> {
    usize::try_from(n).map_err(|_| Error::InvalidArgument(format!("thread count {n} is negative")))
}

/// A Zarr format number: 2 or 3.
pub(crate) fn zarr_format(v: i64) -> Result<ZarrFormat, Error> {
    match v {
        2 => Ok(ZarrFormat::V2),
        3 => Ok(ZarrFormat::V3),
        _ => Err(Error::InvalidArgument(format!("zarr_format must be 2 or 3, not {v}"))),
    }
}

/// A caller's codec list (a JSON list of codec objects); None for none given.
pub(crate) fn codec_list(text: Option<&str>, what: &str) -> Result<Option<Vec<Value>>, Error> {
    match text.map(serde_json::from_str::<Value>) {
        None => Ok(None),
        Some(Ok(Value::Array(a))) => Ok(Some(a)),
        Some(Ok(_)) => Err(Error::InvalidArgument(format!("{what} must be a JSON list"))),
        Some(Err(e)) => Err(Error::InvalidArgument(format!("{what} is not valid JSON: {e}"))),
    }
}

/// Dimension names: a JSON list of strings or nulls, or `null` for none.
pub(crate) fn dimension_names(text: &str, what: &str) -> Result<Option<Vec<Option<String>>>, Error> {
    let list = match serde_json::from_str::<Value>(text) {
        Ok(Value::Null) => return Ok(None),
        Ok(Value::Array(list)) => list,
        Ok(_) => return Err(Error::InvalidArgument(format!("{what} must be a JSON list or null"))),
        Err(e) => return Err(Error::InvalidArgument(format!("{what} is not valid JSON: {e}"))),
    };
    list.into_iter()
        .map(|v| match v {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            other => Err(Error::InvalidArgument(format!(
                "dimension name {other} is not a string"
            ))),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// What an open call asks for besides the URL and mode.
#[derive(Debug, Default)]
pub(crate) struct OpenOptions {
    /// The format of a hierarchy the call creates (an existing one keeps its own).
    pub format: Option<ZarrFormat>,
    pub store: StoreOptions,
}

impl OpenOptions {
    /// Parse `zarr_open_with_options`' JSON object (None: no options).
    /// Options of the engine are taken out first, one `take` each (add a new
    /// one there); what is left are the object store's options, and any key
    /// nobody knows is ZARR_EINVAL naming it.
    pub(crate) fn parse(text: Option<&str>, what: &str) -> Result<OpenOptions, Error> {
        let mut opts = OpenOptions::default();
        let Some(text) = text else { return Ok(opts) };
        let mut o = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return Err(Error::InvalidArgument(format!("{what} is not a JSON object"))),
            Err(e) => {
                return Err(Error::InvalidArgument(format!(
                    "{what}: options are not valid JSON: {e}"
                )))
            }
        };
        let bad =
            |k: &str, must: &str, v: &Value| Error::InvalidArgument(format!("option \"{k}\" must be {must}, not {v}"));
        if let Some(v) = o.remove("zarr_format") {
            let n = v.as_i64().ok_or_else(|| bad("zarr_format", "2 or 3", &v))?;
            opts.format = Some(zarr_format(n).map_err(|_| bad("zarr_format", "2 or 3", &v))?);
        }
        // "n5" creates an N5 container ("zarr": the default, a Zarr hierarchy).
        if let Some(v) = o.remove("format") {
            match v.as_str() {
                Some("n5") if opts.format.is_none() => opts.format = Some(ZarrFormat::N5),
                Some("n5") => {
                    return Err(Error::InvalidArgument(
                        "options \"format\": \"n5\" and \"zarr_format\" exclude each other".into(),
                    ))
                }
                Some("zarr") => {}
                _ => return Err(bad("format", "\"zarr\" or \"n5\"", &v)),
            }
        }
        if let Some(v) = o.remove("process_locks") {
            opts.store.process_locks = v.as_bool().ok_or_else(|| bad("process_locks", "true or false", &v))?;
        }
        if let Some(v) = o.remove("follow_symlinks") {
            opts.store.follow_symlinks = v.as_bool().ok_or_else(|| bad("follow_symlinks", "true or false", &v))?;
        }
        if let Some(v) = o.remove("durable") {
            opts.store.durable = v.as_bool().ok_or_else(|| bad("durable", "true or false", &v))?;
        }
        if let Some(v) = o.remove("consolidated") {
            opts.store.ignore_consolidated = !v.as_bool().ok_or_else(|| bad("consolidated", "true or false", &v))?;
        }
        // Repositories (src/repo): the ref to open at, and the author.
        for (k, slot) in [
            ("branch", &mut opts.store.repo.branch),
            ("tag", &mut opts.store.repo.tag),
            ("snapshot", &mut opts.store.repo.snapshot),
            ("author", &mut opts.store.repo.author),
        ] {
            if let Some(v) = o.remove(k) {
                *slot = Some(v.as_str().ok_or_else(|| bad(k, "a string", &v))?.to_owned());
            }
        }
        let r = &opts.store.repo;
        if [&r.branch, &r.tag, &r.snapshot].iter().filter(|x| x.is_some()).count() > 1 {
            return Err(Error::InvalidArgument(format!(
                "{what}: give at most one of \"branch\", \"tag\" and \"snapshot\""
            )));
        }
        opts.store.object = ObjectOptions::from_json(&o).map_err(|e| e.context(what))?;
        Ok(opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::dtype::ALL_TYPES;

    /// The 1.0 type codes (include/zarr.h as shipped), written out here so a
    /// change of either mapping fails.
    const CODES_1_0: [(DataType, c_int); 12] = [
        (DataType::Bool, 1),
        (DataType::Int8, 2),
        (DataType::Int16, 3),
        (DataType::Int32, 4),
        (DataType::Int64, 5),
        (DataType::UInt8, 6),
        (DataType::UInt16, 7),
        (DataType::UInt32, 8),
        (DataType::UInt64, 9),
        (DataType::Float32, 10),
        (DataType::Float64, 11),
        (DataType::Float16, 12),
    ];

    #[test]
    fn type_codes_are_the_1_0_values_both_ways() {
        for (dt, code) in CODES_1_0 {
            assert_eq!(dtype_code(dt), code, "{dt:?}");
            assert_eq!(dtype(code).unwrap(), dt, "{code}");
        }
        assert_eq!(ALL_TYPES.len(), CODES_1_0.len(), "a new type needs a new code here");
        for bad in [-1, 0, 19, 100] {
            assert!(matches!(dtype(bad), Err(Error::Type(_))), "{bad}");
        }
        // Added after 1.0: 13 and 16 name a type alone; 14, 15, 17 and 18
        // need a length or unit (zarr_array_create_json).
        assert_eq!(dtype(ZARR_STRING).unwrap(), DataType::String);
        assert_eq!(dtype(ZARR_VLEN_BYTES).unwrap(), DataType::VlenBytes);
        for code in [ZARR_FIXED_STRING, ZARR_BYTES, ZARR_DATETIME64, ZARR_TIMEDELTA64] {
            assert!(
                matches!(dtype(code), Err(Error::Type(m)) if m.contains("create_json")),
                "{code}"
            );
        }
        assert_eq!(
            [
                ZARR_STRING,
                ZARR_FIXED_STRING,
                ZARR_BYTES,
                ZARR_VLEN_BYTES,
                ZARR_DATETIME64,
                ZARR_TIMEDELTA64
            ],
            [13, 14, 15, 16, 17, 18]
        );
        assert_eq!(dtype_code(DataType::Bytes(4)), ZARR_BYTES);
        assert_eq!(mem_type(ZARR_NATIVE, DataType::UInt16).unwrap(), DataType::UInt16);
        assert_eq!(mem_type(ZARR_FLOAT64, DataType::UInt16).unwrap(), DataType::Float64);
    }

    #[test]
    fn modes_ranks_and_counts() {
        assert_eq!(mode(0).unwrap(), Mode::Read);
        assert_eq!(mode(1).unwrap(), Mode::Write);
        assert_eq!(mode(2).unwrap(), Mode::Create);
        assert!(matches!(mode(3), Err(Error::InvalidArgument(m)) if m.contains("unknown mode 3")));
        assert_eq!(rank(64, "ndim").unwrap(), 64);
        assert!(rank(65, "ndim").is_err() && rank(-1, "ndim").is_err());
        assert!(matches!(non_negative(-2, "count"), Err(Error::InvalidArgument(m)) if m == "count -2 is negative"));
        assert_eq!(extents(&[0, 5], "shape").unwrap(), vec![0, 5]);
        assert!(extents(&[1, -5], "shape").is_err());
        assert!(thread_count(-1).is_err());
        assert!(zarr_format(4).is_err());
    }

    #[test]
    fn json_arguments() {
        assert_eq!(codec_list(None, "codecs").unwrap(), None);
        assert_eq!(codec_list(Some("[]"), "codecs").unwrap(), Some(vec![]));
        assert!(
            matches!(codec_list(Some("{}"), "codecs_json"), Err(Error::InvalidArgument(m)) if m == "codecs_json must be a JSON list")
        );
        assert!(codec_list(Some("[1,"), "codecs").is_err());
        assert_eq!(dimension_names("null", "names").unwrap(), None);
        assert_eq!(
            dimension_names(r#"["x", null]"#, "names").unwrap(),
            Some(vec![Some("x".to_string()), None])
        );
        assert!(dimension_names("[1]", "names").is_err());
        assert!(dimension_names("{}", "names").is_err());
    }

    #[test]
    fn open_options() {
        let o = OpenOptions::parse(None, "options_json").unwrap();
        assert!(o.format.is_none() && !o.store.process_locks);
        let o = OpenOptions::parse(Some(r#"{"zarr_format": 2, "process_locks": true}"#), "options_json").unwrap();
        assert_eq!(o.format, Some(ZarrFormat::V2));
        assert!(o.store.process_locks);
        let o = OpenOptions::parse(Some(r#"{"format": "n5"}"#), "options_json").unwrap();
        assert_eq!(o.format, Some(ZarrFormat::N5));
        for bad in [
            r#"{"zarr_format": 4}"#,
            r#"{"process_locks": 1}"#,
            r#"{"format": "hdf5"}"#,
            r#"{"format": "n5", "zarr_format": 3}"#,
            r#"{"no_such_option": 1}"#,
            "[]",
        ] {
            assert!(
                matches!(
                    OpenOptions::parse(Some(bad), "options_json"),
                    Err(Error::InvalidArgument(_))
                ),
                "{bad}"
            );
        }
    }
}
