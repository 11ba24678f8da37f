//! The zarr-extensions `rectilinear` chunk grid through the safe Rust API:
//! reads and writes (strided, across unequal chunks) checked against a
//! dense model of the array, stored chunk sizes checked against the edges,
//! resize and append, sharding inside, bad documents refused.

use std::sync::Arc;
use zarr::store::memory::MemoryStore;
use zarr::store::Store;
use zarr::{Array, DataType, Group, Mode, Selection};

fn i32s(v: &[i32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_ne_bytes()).collect()
}
fn to_i32s(b: &[u8]) -> Vec<i32> {
    b.chunks(4).map(|c| i32::from_ne_bytes(c.try_into().unwrap())).collect()
}

fn doc(shape: &str, chunk_shapes: &str, codecs: &str) -> String {
    format!(
        r#"{{"zarr_format":3,"node_type":"array","shape":{shape},"data_type":"int32",
        "chunk_grid":{{"name":"rectilinear","configuration":{{"kind":"inline","chunk_shapes":{chunk_shapes}}}}},
        "chunk_key_encoding":{{"name":"default","configuration":{{"separator":"/"}}}},
        "fill_value":-1,"codecs":{codecs}}}"#
    )
}
const BYTES: &str = r#"[{"name":"bytes","configuration":{"endian":"little"}}]"#;

fn make(shape: &str, cs: &str, codecs: &str) -> (Arc<dyn Store>, Array) {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::default());
    let root = Group::open_root_in(store.clone(), Mode::Create, None).unwrap();
    let a = root.create_array_json("x", &doc(shape, cs, codecs)).unwrap();
    (store, a)
}

fn read(a: &Array, start: &[u64], count: &[u64], stride: Option<&[i64]>) -> Vec<i32> {
    let sel = Selection::new(&a.shape(), start, count, stride).unwrap();
    let mut out = vec![0u8; count.iter().product::<u64>() as usize * 4];
    a.read(&sel, DataType::Int32, &mut out).unwrap();
    to_i32s(&out)
}

/// Dense model: `rows x cols`, C order.
struct Model {
    cols: usize,
    v: Vec<i32>,
}
impl Model {
    fn write(&mut self, start: [u64; 2], count: [u64; 2], stride: [u64; 2], vals: &[i32]) {
        let mut k = 0;
        for i in 0..count[0] {
            for j in 0..count[1] {
                let (r, c) = (start[0] + i * stride[0], start[1] + j * stride[1]);
                self.v[r as usize * self.cols + c as usize] = vals[k];
                k += 1;
            }
        }
    }
    fn read(&self, start: [u64; 2], count: [u64; 2], stride: [u64; 2]) -> Vec<i32> {
        let mut out = vec![];
        for i in 0..count[0] {
            for j in 0..count[1] {
                let (r, c) = (start[0] + i * stride[0], start[1] + j * stride[1]);
                out.push(self.v[r as usize * self.cols + c as usize]);
            }
        }
        out
    }
}

#[test]
fn strided_reads_and_partial_writes_match_a_dense_model() {
    // Rows: edges 3, 7 (run-length [2, 3] on columns: 2, 2, 2, then 1).
    let (store, a) = make("[10, 7]", "[[3, 7], [[2, 3], 1]]", BYTES);
    let mut m = Model {
        cols: 7,
        v: vec![-1; 70],
    };
    let cases: [([u64; 2], [u64; 2], [u64; 2]); 5] = [
        ([0, 0], [10, 7], [1, 1]),
        ([1, 1], [4, 3], [2, 2]),
        ([2, 0], [3, 7], [1, 1]),
        ([0, 5], [4, 1], [3, 1]),
        ([9, 6], [1, 1], [1, 1]),
    ];
    for (n, (start, count, stride)) in cases.iter().enumerate() {
        let vals: Vec<i32> = (0..count[0] * count[1])
            .map(|k| (n as i32 + 1) * 100 + k as i32)
            .collect();
        let st = [stride[0] as i64, stride[1] as i64];
        let sel = Selection::new(&a.shape(), start, count, Some(&st)).unwrap();
        a.write(&sel, DataType::Int32, &i32s(&vals)).unwrap();
        m.write(*start, *count, *stride, &vals);
        for (s2, c2, t2) in [
            ([0, 0], [10, 7], [1, 1]),
            ([1, 0], [3, 3], [3, 3]),
            ([2, 1], [2, 6], [1, 1]),
        ] {
            let got = read(&a, &s2, &c2, Some(&[t2[0] as i64, t2[1] as i64]));
            assert_eq!(got, m.read(s2, c2, t2), "after write {n}, read {s2:?} {c2:?} {t2:?}");
        }
    }
    // Stored chunk sizes follow the edges: chunk [1, 3] is 7 x 1 int32s.
    assert_eq!(store.get("x/c/1/3").unwrap().unwrap().len(), 7 * 4);
    assert_eq!(store.get("x/c/0/0").unwrap().unwrap().len(), 3 * 2 * 4);
    assert!(store.get("x/c/2/0").unwrap().is_none());
}

#[test]
fn resize_grows_an_edge_and_shrink_keeps_the_edges() {
    let (_store, a) = make("[5]", "[[2, 3]]", BYTES);
    a.write(&Selection::all(&[5]), DataType::Int32, &i32s(&[1, 2, 3, 4, 5]))
        .unwrap();
    a.resize(&[9]).unwrap();
    let doc = a.metadata().to_v3();
    assert_eq!(
        doc["chunk_grid"]["configuration"]["chunk_shapes"],
        serde_json::json!([[2, 3, 4]])
    );
    assert_eq!(read(&a, &[0], &[9], None), vec![1, 2, 3, 4, 5, -1, -1, -1, -1]);
    a.resize(&[3]).unwrap();
    let doc = a.metadata().to_v3();
    assert_eq!(
        doc["chunk_grid"]["configuration"]["chunk_shapes"],
        serde_json::json!([[2, 3, 4]])
    );
    a.resize(&[6]).unwrap();
    // Trimmed on shrink: fill past 3.
    assert_eq!(read(&a, &[0], &[6], None), vec![1, 2, 3, -1, -1, -1]);
    a.append(0, 2, DataType::Int32, &i32s(&[7, 8])).unwrap();
    assert_eq!(a.shape(), vec![8]);
    assert_eq!(read(&a, &[0], &[8], None), vec![1, 2, 3, -1, -1, -1, 7, 8]);
    a.append(0, 3, DataType::Int32, &i32s(&[9, 10, 11])).unwrap();
    let doc = a.metadata().to_v3();
    assert_eq!(
        doc["chunk_grid"]["configuration"]["chunk_shapes"],
        serde_json::json!([[2, 3, 4, 2]])
    );
    assert_eq!(read(&a, &[5], &[6], None), vec![-1, 7, 8, 9, 10, 11]);
}

#[test]
fn sharding_inside_unequal_shards() {
    let sharded = r#"[{"name":"sharding_indexed","configuration":{"chunk_shape":[2, 3],
        "codecs":[{"name":"bytes","configuration":{"endian":"little"}}],
        "index_codecs":[{"name":"bytes","configuration":{"endian":"little"}}],"index_location":"end"}}]"#;
    let (_s, a) = make("[10, 6]", "[[4, 6], 6]", sharded);
    let vals: Vec<i32> = (0..60).collect();
    a.write(&Selection::all(&[10, 6]), DataType::Int32, &i32s(&vals))
        .unwrap();
    assert_eq!(read(&a, &[0, 0], &[10, 6], None), vals);
    let sel = Selection::new(&[10, 6], &[3, 1], &[2, 2], None).unwrap();
    a.write(&sel, DataType::Int32, &i32s(&[-5, -6, -7, -8])).unwrap();
    assert_eq!(read(&a, &[3, 0], &[2, 4], None), vec![18, -5, -6, 21, 24, -7, -8, 27]);
    // An edge the inner chunks do not divide is refused at create.
    let store: Arc<dyn Store> = Arc::new(MemoryStore::default());
    let root = Group::open_root_in(store, Mode::Create, None).unwrap();
    assert!(root
        .create_array_json("y", &doc("[10, 6]", "[[4, 5, 1], 6]", sharded))
        .is_err());
}

#[test]
fn bad_documents_are_refused() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::default());
    let root = Group::open_root_in(store, Mode::Create, None).unwrap();
    // Edges summing below the extent, zero edges, a bad RLE entry, a wrong kind.
    for (shape, cs) in [
        ("[10]", "[[3, 6]]"),
        ("[3]", "[[0, 3]]"),
        ("[3]", "[[[1, 2, 3]]]"),
        ("[3]", "[[]]"),
    ] {
        assert!(root.create_array_json("z", &doc(shape, cs, BYTES)).is_err(), "{cs}");
    }
    let other_kind = doc("[3]", "[[3]]", BYTES).replace("inline", "external");
    assert!(root.create_array_json("z", &other_kind).is_err());
}

#[test]
fn all_fill_chunks_are_not_stored() {
    let (store, a) = make("[6]", "[[1, 5]]", BYTES);
    a.write(&Selection::all(&[6]), DataType::Int32, &i32s(&[4, 4, 4, 4, 4, 4]))
        .unwrap();
    assert!(store.get("x/c/1").unwrap().is_some());
    // The 5-element chunk overwritten with fill in two writes: deleted on the second.
    let sel = Selection::new(&[6], &[1], &[2], None).unwrap();
    a.write(&sel, DataType::Int32, &i32s(&[-1, -1])).unwrap();
    assert!(store.get("x/c/1").unwrap().is_some());
    let sel = Selection::new(&[6], &[3], &[3], None).unwrap();
    a.write(&sel, DataType::Int32, &i32s(&[-1, -1, -1])).unwrap();
    assert!(store.get("x/c/1").unwrap().is_none());
    assert_eq!(read(&a, &[0], &[6], None), vec![4, -1, -1, -1, -1, -1]);
}
