//! Resize and append through the safe Rust API: grow, shrink (with the edge
//! trimmed to fill), grow again, for v2, v3 and sharded arrays; concurrent
//! appends from several threads.

use std::sync::Arc;
use zarr::metadata::ZarrFormat;
use zarr::store::memory::MemoryStore;
use zarr::store::Store;
use zarr::{Array, DataType, Group, Mode, Selection};

fn i32s(v: &[i32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_ne_bytes()).collect()
}
fn to_i32s(b: &[u8]) -> Vec<i32> {
    b.chunks(4).map(|c| i32::from_ne_bytes(c.try_into().unwrap())).collect()
}
fn read_all(a: &Array) -> Vec<i32> {
    let shape = a.shape();
    let mut out = vec![0u8; shape.iter().product::<u64>() as usize * 4];
    a.read(&Selection::all(&shape), DataType::Int32, &mut out).unwrap();
    to_i32s(&out)
}

/// (label, store, array) for v2, v3 and sharded v3: shape [7, 9], fill -1.
fn arrays() -> Vec<(&'static str, Arc<dyn Store>, Array)> {
    let mut out = vec![];
    for label in ["v2", "v3", "sharded"] {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::default());
        let f = if label == "v2" { ZarrFormat::V2 } else { ZarrFormat::V3 };
        let root = Group::open_root_in(store.clone(), Mode::Create, Some(f)).unwrap();
        let fill = (-1i32).to_ne_bytes();
        let meta = if label == "sharded" {
            root.sharded_metadata(DataType::Int32, &[7, 9], &[4, 4], &[2, 2], None, Some(&fill))
        } else {
            root.simple_metadata(DataType::Int32, &[7, 9], &[3, 4], None, Some(&fill))
        }
        .unwrap();
        out.push((label, store, root.create_array("x", meta).unwrap()));
    }
    out
}

#[test]
fn grow_shrink_grow_shows_fill_outside_the_shrunk_shape() {
    for (label, store, a) in arrays() {
        let data: Vec<i32> = (0..63).collect();
        a.write(&Selection::all(&[7, 9]), DataType::Int32, &i32s(&data))
            .unwrap();
        // Grow: old data kept, new region fill.
        a.resize(&[10, 12]).unwrap();
        let got = read_all(&a);
        for i in 0..10 {
            for j in 0..12 {
                let want = if i < 7 && j < 9 { (i * 9 + j) as i32 } else { -1 };
                assert_eq!(got[i * 12 + j], want, "{label} grow ({i},{j})");
            }
        }
        // Shrink to [5, 5], then grow back to [8, 10].
        a.resize(&[5, 5]).unwrap();
        assert_eq!(a.shape(), vec![5, 5]);
        let got = read_all(&a);
        for i in 0..5 {
            for j in 0..5 {
                assert_eq!(got[i * 5 + j], (i * 9 + j) as i32, "{label} shrunk ({i},{j})");
            }
        }
        a.resize(&[8, 10]).unwrap();
        let got = read_all(&a);
        for i in 0..8 {
            for j in 0..10 {
                let want = if i < 5 && j < 5 { (i * 9 + j) as i32 } else { -1 };
                assert_eq!(got[i * 10 + j], want, "{label} regrown ({i},{j})");
            }
        }
        // Chunks wholly outside [5, 5] were deleted (and not re-created).
        let gone = match label {
            "v2" => "x/2.0",
            "v3" => "x/c/2/0",
            _ => "x/c/0/2",
        };
        assert!(store.get(gone).unwrap().is_none(), "{label}: {gone} kept");
        // A reopened handle sees the new shape.
        let root = Group::open_root_in(store.clone(), Mode::Read, None).unwrap();
        assert_eq!(root.open_array("x").unwrap().shape(), vec![8, 10]);
        // Rank mismatch is refused.
        assert!(a.resize(&[8]).is_err());
    }
}

#[test]
fn append_grows_along_the_axis_and_writes_the_slab() {
    for (label, _store, a) in arrays() {
        a.resize(&[0, 9]).unwrap();
        a.append(0, 2, DataType::Int32, &i32s(&[5; 18])).unwrap();
        a.append(0, 1, DataType::Int32, &i32s(&[6; 9])).unwrap();
        assert_eq!(a.shape(), vec![3, 9], "{label}");
        a.append(1, 2, DataType::Int32, &i32s(&[7; 6])).unwrap();
        assert_eq!(a.shape(), vec![3, 11], "{label}");
        let got = read_all(&a);
        for i in 0..3 {
            for j in 0..11 {
                let want = if j >= 9 {
                    7
                } else if i < 2 {
                    5
                } else {
                    6
                };
                assert_eq!(got[i * 11 + j], want, "{label} ({i},{j})");
            }
        }
        // Too short a buffer, a bad axis, or a value that does not fit change nothing.
        assert!(a.append(0, 1, DataType::Int32, &i32s(&[1; 3])).is_err());
        assert!(a.append(2, 1, DataType::Int32, &i32s(&[1; 11])).is_err());
        let big: Vec<u8> = [1i64 << 40; 11].iter().flat_map(|x| x.to_ne_bytes()).collect();
        assert!(a.append(0, 1, DataType::Int64, &big).is_err());
        assert_eq!(a.shape(), vec![3, 11], "{label}");
    }
}

#[test]
fn concurrent_appends_lose_nothing() {
    for (label, store, a) in arrays() {
        a.resize(&[0, 9]).unwrap();
        let a = Arc::new(a);
        // A second handle to the same array appends too.
        let root = Group::open_root_in(store.clone(), Mode::Write, None).unwrap();
        let b = Arc::new(root.open_array("x").unwrap());
        let threads: Vec<_> = [a.clone(), b]
            .into_iter()
            .enumerate()
            .map(|(t, h)| {
                std::thread::spawn(move || {
                    for k in 0..50 {
                        // Slab of 1 or 2 rows tagged with a unique value.
                        let rows = 1 + (k % 2) as u64;
                        let tag = (t * 1000 + k) as i32;
                        h.append(0, rows, DataType::Int32, &i32s(&vec![tag; rows as usize * 9]))
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let per_thread: u64 = (0..50).map(|k| 1 + (k % 2) as u64).sum();
        let a = Group::open_root_in(store.clone(), Mode::Read, None)
            .unwrap()
            .open_array("x")
            .unwrap();
        assert_eq!(a.shape(), vec![2 * per_thread, 9], "{label}");
        let got = read_all(&a);
        // Each slab appears exactly once, contiguously, with its rows whole.
        let mut seen = std::collections::HashMap::new();
        let mut i = 0usize;
        let mut last_per_thread = [-1i32; 2];
        while i < got.len() / 9 {
            let tag = got[i * 9];
            assert!(tag >= 0, "{label}: row {i} not written");
            let rows = 1 + (tag % 1000) as usize % 2;
            for r in i..i + rows {
                assert!(got[r * 9..r * 9 + 9].iter().all(|&v| v == tag), "{label}: row {r}");
            }
            assert!(seen.insert(tag, i).is_none(), "{label}: tag {tag} twice");
            // A thread's own slabs land in its order.
            let t = (tag / 1000) as usize;
            assert!(tag > last_per_thread[t], "{label}: out of order");
            last_per_thread[t] = tag;
            i += rows;
        }
        assert_eq!(seen.len(), 100, "{label}");
    }
}
