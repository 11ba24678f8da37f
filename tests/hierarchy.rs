//! Consolidated metadata, dimension names and deletes through the safe Rust API.

use serde_json::{json, Map, Value};
use std::sync::Arc;
use zarr::store::{memory::MemoryStore, Store};
use zarr::{DataType, Error, Group, Mode, NodeKind, Selection, ZarrFormat};

/// A memory store that counts `get` calls.
#[path = "common/counting.rs"]
mod counting;

type Counting = counting::Counting<MemoryStore>;

fn counting_store() -> Arc<Counting> {
    Arc::new(Counting::new(MemoryStore::default()))
}

fn attrs(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

/// root{r:1} / g{ga:2} / a (int32, 4) with data, and root / b (float64).
fn build(store: Arc<Counting>, format: ZarrFormat) -> Group {
    let root = Group::open_root_in(store, Mode::Create, Some(format)).unwrap();
    root.set_attributes(attrs(json!({"r": 1}))).unwrap();
    let g = root.create_group("g", attrs(json!({"ga": 2}))).unwrap();
    let a = g
        .create_array("a", g.simple_metadata(DataType::Int32, &[4], &[2], None, None).unwrap())
        .unwrap();
    let data: Vec<u8> = (1i32..=4).flat_map(|v| v.to_ne_bytes()).collect();
    a.write(&Selection::all(&[4]), DataType::Int32, &data).unwrap();
    a.set_attributes(attrs(json!({"u": "m"}))).unwrap();
    root.create_array(
        "b",
        root.simple_metadata(DataType::Float64, &[3], &[3], None, None).unwrap(),
    )
    .unwrap();
    root
}

fn consolidated_present(store: &Counting, format: ZarrFormat) -> bool {
    match format {
        ZarrFormat::V2 => store.inner.exists(".zmetadata").unwrap(),
        ZarrFormat::V3 => {
            let doc: Value = serde_json::from_slice(&store.inner.get("zarr.json").unwrap().unwrap()).unwrap();
            doc.get("consolidated_metadata").is_some()
        }
        ZarrFormat::N5 => unreachable!("N5 has no consolidated metadata"),
    }
}

#[test]
fn consolidated_open_costs_one_metadata_read() {
    for format in [ZarrFormat::V2, ZarrFormat::V3] {
        let store = counting_store();
        build(store.clone(), format).consolidate().unwrap();
        assert!(consolidated_present(&store, format));
        let before = store.lookups();
        let root = Group::open_root_in(store.clone(), Mode::Read, None).unwrap();
        assert_eq!(root.attributes().unwrap()["r"], 1);
        let names = root.list().unwrap();
        assert_eq!(
            names,
            vec![("b".into(), NodeKind::Array), ("g".into(), NodeKind::Group)]
        );
        let g = root.open_group("g").unwrap();
        assert_eq!(g.attributes().unwrap()["ga"], 2);
        assert_eq!(g.list().unwrap(), vec![("a".into(), NodeKind::Array)]);
        let a = root.open_array("g/a").unwrap();
        assert_eq!(a.attributes()["u"], "m");
        root.open_array("b").unwrap();
        // v3: the root zarr.json; v2: a probe for zarr.json, then .zmetadata.
        let expected = if format == ZarrFormat::V3 { 1 } else { 2 };
        assert_eq!(store.lookups() - before, expected, "v{}", format.number());
        let mut out = vec![0u8; 16];
        a.read(&Selection::all(&[4]), DataType::Int32, &mut out).unwrap();
        assert_eq!(out[12..16], 4i32.to_ne_bytes());
    }
}

#[test]
fn a_change_through_libzarr_drops_the_consolidated_copy() {
    for format in [ZarrFormat::V2, ZarrFormat::V3] {
        let store = counting_store();
        build(store.clone(), format).consolidate().unwrap();
        let reader = Group::open_root_in(store.clone(), Mode::Read, None).unwrap();
        let writer = Group::open_root_in(store.clone(), Mode::Write, None).unwrap();
        writer
            .open_array("g/a")
            .unwrap()
            .set_attributes(attrs(json!({"u": "new"})))
            .unwrap();
        assert!(!consolidated_present(&store, format));
        // The reader's consolidated copy is stale and must not be used.
        assert_eq!(reader.open_array("g/a").unwrap().attributes()["u"], "new");
        writer.create_group("h", Map::new()).unwrap();
        assert!(reader.list().unwrap().iter().any(|(n, _)| n == "h"));
        // Reconsolidating brings it back, with the change.
        writer.consolidate().unwrap();
        let again = Group::open_root_in(store.clone(), Mode::Read, None).unwrap();
        assert_eq!(again.open_array("g/a").unwrap().attributes()["u"], "new");
        assert_eq!(again.list().unwrap().len(), 3);
        // Root attributes too.
        writer.set_attributes(attrs(json!({"r": 2}))).unwrap();
        assert!(!consolidated_present(&store, format));
        assert_eq!(again.attributes().unwrap()["r"], 2);
    }
}

#[test]
fn consolidated_metadata_wins_over_a_disagreeing_node_document() {
    for format in [ZarrFormat::V2, ZarrFormat::V3] {
        let store = counting_store();
        build(store.clone(), format).consolidate().unwrap();
        // Another writer changes the node's own document, not the consolidated copy.
        match format {
            ZarrFormat::V2 => store.inner.set("g/a/.zattrs", br#"{"u": "outside"}"#).unwrap(),
            ZarrFormat::V3 => {
                let mut doc: Value =
                    serde_json::from_slice(&store.inner.get("g/a/zarr.json").unwrap().unwrap()).unwrap();
                doc["attributes"] = json!({"u": "outside"});
                store.inner.set("g/a/zarr.json", doc.to_string().as_bytes()).unwrap();
            }
            ZarrFormat::N5 => unreachable!("N5 has no consolidated metadata"),
        }
        let root = Group::open_root_in(store.clone(), Mode::Read, None).unwrap();
        assert_eq!(root.open_array("g/a").unwrap().attributes()["u"], "m");
    }
}

#[test]
fn dimension_names_both_formats() {
    let store = counting_store();
    let root = Group::open_root_in(store.clone(), Mode::Create, Some(ZarrFormat::V3)).unwrap();
    let m = root
        .simple_metadata(DataType::Int8, &[2, 3], &[2, 3], None, None)
        .unwrap();
    let a = root.create_array("x", m).unwrap();
    assert_eq!(a.dimension_names(), None);
    a.set_dimension_names(Some(vec![Some("t".into()), None])).unwrap();
    let back = root.open_array("x").unwrap().dimension_names();
    assert_eq!(back, Some(vec![Some("t".into()), None]));
    assert!(matches!(
        a.set_dimension_names(Some(vec![None])),
        Err(Error::InvalidArgument(_))
    ));
    a.set_dimension_names(None).unwrap();
    assert_eq!(root.open_array("x").unwrap().dimension_names(), None);

    let store = counting_store();
    let root = Group::open_root_in(store.clone(), Mode::Create, Some(ZarrFormat::V2)).unwrap();
    let m = root
        .simple_metadata(DataType::Int8, &[2, 3], &[2, 3], None, None)
        .unwrap();
    let a = root.create_array("x", m).unwrap();
    assert!(matches!(
        a.set_dimension_names(Some(vec![Some("t".into()), None])),
        Err(Error::InvalidArgument(_))
    ));
    a.set_attributes(attrs(json!({"keep": 1}))).unwrap();
    a.set_dimension_names(Some(vec![Some("y".into()), Some("x".into())]))
        .unwrap();
    let reopened = root.open_array("x").unwrap();
    assert_eq!(
        reopened.dimension_names(),
        Some(vec![Some("y".into()), Some("x".into())])
    );
    assert_eq!(reopened.attributes()["_ARRAY_DIMENSIONS"], json!(["y", "x"]));
    assert_eq!(reopened.attributes()["keep"], 1);
    a.set_dimension_names(None).unwrap();
    assert!(!root
        .open_array("x")
        .unwrap()
        .attributes()
        .contains_key("_ARRAY_DIMENSIONS"));
}

#[test]
fn delete_nodes_and_stale_handles() {
    for format in [ZarrFormat::V2, ZarrFormat::V3] {
        let d = tempfile::tempdir().unwrap();
        let url = d.path().join("d.zarr");
        let root = Group::open_root(url.to_str().unwrap(), Mode::Create, Some(format)).unwrap();
        let g = root.create_group("g/h", Map::new()).unwrap();
        let m = root.simple_metadata(DataType::Int32, &[4], &[2], None, None).unwrap();
        let a = root.create_array("g/h/a", m.clone()).unwrap();
        a.write(&Selection::all(&[4]), DataType::Int32, &[1u8; 16]).unwrap();
        let b = root.create_array("b", m).unwrap();
        root.consolidate().unwrap();

        root.delete("g").unwrap();
        assert!(!url.join("g").exists());
        assert!(!url.join(".zmetadata").exists());
        let mut out = vec![0u8; 16];
        assert!(matches!(
            a.read(&Selection::all(&[4]), DataType::Int32, &mut out),
            Err(Error::NotFound(_))
        ));
        assert!(matches!(
            a.write(&Selection::all(&[4]), DataType::Int32, &out),
            Err(Error::NotFound(_))
        ));
        assert!(matches!(a.set_attributes(Map::new()), Err(Error::NotFound(_))));
        assert!(matches!(g.create_group("x", Map::new()), Err(Error::NotFound(_))));
        assert!(matches!(g.attributes(), Err(Error::NotFound(_))));
        assert!(matches!(root.open_array("g/h/a"), Err(Error::NotFound(_))));
        assert_eq!(root.list().unwrap(), vec![("b".into(), NodeKind::Array)]);
        // Surviving handles keep working.
        b.read(&Selection::all(&[4]), DataType::Int32, &mut out).unwrap();

        root.delete("b").unwrap();
        assert!(root.list().unwrap().is_empty());
        assert!(matches!(root.delete("b"), Err(Error::NotFound(_))));
        assert!(matches!(root.delete(""), Err(Error::InvalidArgument(_))));
        let ro = Group::open_root(url.to_str().unwrap(), Mode::Read, None).unwrap();
        root.create_group("k", Map::new()).unwrap();
        assert!(matches!(ro.delete("k"), Err(Error::ReadOnly(_))));
    }
}
