//! Integration tests of the safe Rust API: round trips through both formats
//! and both stores, selections, conversions, emptiness, errors.

use serde_json::json;
use zarr::{DataType, Error, Group, Mode, Selection, ZarrFormat};

fn i32s(v: &[i32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_ne_bytes()).collect()
}
fn to_i32s(b: &[u8]) -> Vec<i32> {
    b.chunks(4).map(|c| i32::from_ne_bytes(c.try_into().unwrap())).collect()
}

fn roots() -> Vec<(Group, tempfile::TempDir)> {
    let mut out = vec![];
    for (i, f) in [ZarrFormat::V2, ZarrFormat::V3].into_iter().enumerate() {
        let d = tempfile::tempdir().unwrap();
        out.push((
            Group::open_root(d.path().join("x.zarr").to_str().unwrap(), Mode::Create, Some(f)).unwrap(),
            d,
        ));
        let d2 = tempfile::tempdir().unwrap();
        let url = format!("memory://core-{}-{i}", std::process::id());
        out.push((Group::open_root(&url, Mode::Create, Some(f)).unwrap(), d2));
    }
    out
}

#[test]
fn strided_round_trip_with_edge_chunks_every_format_and_store() {
    for (root, _d) in roots() {
        for (ci, codecs) in [
            json!([]),
            json!([{"name": "zstd", "configuration": {"level": 1}}]),
            json!([{"name": "gzip", "configuration": {"level": 1}}]),
        ]
        .into_iter()
        .enumerate()
        {
            let name = format!("a{ci}");
            let meta = root
                .simple_metadata(
                    DataType::Int32,
                    &[7, 11],
                    &[3, 4],
                    Some(codecs.as_array().unwrap()),
                    Some(&(-1i32).to_ne_bytes()),
                )
                .unwrap();
            let a = root.create_array(&name, meta).unwrap();
            // Missing chunks read as fill.
            let mut out = vec![0u8; 7 * 11 * 4];
            a.read(&Selection::all(&[7, 11]), DataType::Int32, &mut out).unwrap();
            assert!(to_i32s(&out).iter().all(|&v| v == -1));
            // Strided write of rows 1,3,5 and columns 2,5,8.
            let vals: Vec<i32> = (0..9).map(|i| i * 10).collect();
            a.write(
                &Selection::new(&[7, 11], &[1, 2], &[3, 3], Some(&[2, 3])).unwrap(),
                DataType::Int32,
                &i32s(&vals),
            )
            .unwrap();
            let mut expect = vec![-1i32; 77];
            for r in 0..3 {
                for c in 0..3 {
                    expect[(1 + 2 * r) * 11 + 2 + 3 * c] = vals[r * 3 + c];
                }
            }
            a.read(&Selection::all(&[7, 11]), DataType::Int32, &mut out).unwrap();
            assert_eq!(to_i32s(&out), expect);
            // Reopen and read a strided window converted to f64.
            let b = root.open_array(&name).unwrap();
            let mut f = vec![0u8; 3 * 2 * 8];
            b.read(
                &Selection::new(&[7, 11], &[1, 2], &[3, 2], Some(&[2, 3])).unwrap(),
                DataType::Float64,
                &mut f,
            )
            .unwrap();
            let got: Vec<f64> = f.chunks(8).map(|c| f64::from_ne_bytes(c.try_into().unwrap())).collect();
            let want: Vec<f64> = (0..3)
                .flat_map(|r| (0..2).map(move |c| (r, c)))
                .map(|(r, c)| expect[(1 + 2 * r) * 11 + 2 + 3 * c] as f64)
                .collect();
            assert_eq!(got, want);
        }
    }
}

#[test]
fn range_errors_change_nothing() {
    for (root, _d) in roots() {
        let meta = root.simple_metadata(DataType::UInt8, &[10], &[4], None, None).unwrap();
        let a = root.create_array("u8", meta).unwrap();
        a.write(&Selection::all(&[10]), DataType::UInt8, &[5u8; 10]).unwrap();
        // The last value does not fit: nothing may change, not even the first chunk.
        let mut vals: Vec<i32> = vec![1; 10];
        vals[9] = -3;
        let e = a
            .write(&Selection::all(&[10]), DataType::Int32, &i32s(&vals))
            .unwrap_err();
        assert!(matches!(e, Error::Range(_)), "{e}");
        let mut out = vec![0u8; 10];
        a.read(&Selection::all(&[10]), DataType::UInt8, &mut out).unwrap();
        assert_eq!(out, vec![5u8; 10]);
        // Reading into a too-narrow type is a range error as well.
        let big = root.simple_metadata(DataType::Int32, &[2], &[2], None, None).unwrap();
        let b = root.create_array("i32", big).unwrap();
        b.write(&Selection::all(&[2]), DataType::Int32, &i32s(&[1, 100_000]))
            .unwrap();
        let mut small = vec![0u8; 4];
        assert!(matches!(
            b.read(&Selection::all(&[2]), DataType::Int16, &mut small),
            Err(Error::Range(_))
        ));
    }
}

#[test]
fn empty_chunks_are_not_stored_and_become_deleted() {
    let d = tempfile::tempdir().unwrap();
    let root = Group::open_root(d.path().join("e.zarr").to_str().unwrap(), Mode::Create, None).unwrap();
    let fill = f64::NAN.to_ne_bytes();
    let meta = root
        .simple_metadata(DataType::Float64, &[4], &[2], Some(&[]), Some(&fill))
        .unwrap();
    let a = root.create_array("nan", meta).unwrap();
    let chunk0 = d.path().join("e.zarr/nan/c/0");
    let nan2: Vec<u8> = [f64::NAN, f64::NAN].iter().flat_map(|v| v.to_ne_bytes()).collect();
    a.write(
        &Selection::new(&[4], &[0], &[2], None).unwrap(),
        DataType::Float64,
        &nan2,
    )
    .unwrap();
    assert!(!chunk0.exists(), "an all-NaN chunk under a NaN fill is empty");
    a.write(
        &Selection::new(&[4], &[0], &[1], None).unwrap(),
        DataType::Float64,
        &1.5f64.to_ne_bytes(),
    )
    .unwrap();
    assert!(chunk0.exists());
    a.write(
        &Selection::new(&[4], &[0], &[1], None).unwrap(),
        DataType::Float64,
        &f64::NAN.to_ne_bytes(),
    )
    .unwrap();
    assert!(!chunk0.exists(), "a chunk that became all fill is deleted");
    a.set_write_empty_chunks(true);
    a.write(
        &Selection::new(&[4], &[0], &[2], None).unwrap(),
        DataType::Float64,
        &nan2,
    )
    .unwrap();
    assert!(chunk0.exists(), "write_empty_chunks on stores it");
    // -0.0 under a 0.0 fill is data.
    let meta = root
        .simple_metadata(DataType::Float32, &[2], &[2], Some(&[]), None)
        .unwrap();
    let z = root.create_array("negzero", meta).unwrap();
    let neg: Vec<u8> = [-0.0f32, 0.0].iter().flat_map(|v| v.to_ne_bytes()).collect();
    z.write(&Selection::all(&[2]), DataType::Float32, &neg).unwrap();
    assert!(d.path().join("e.zarr/negzero/c/0").exists());
}

#[test]
fn errors_are_clear() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("h.zarr");
    let ps = p.to_str().unwrap();
    assert!(matches!(
        Group::open_root(ps, Mode::Read, None),
        Err(Error::NotFound(_))
    ));
    let root = Group::open_root(ps, Mode::Create, None).unwrap();
    let meta = root.simple_metadata(DataType::Int16, &[4], &[2], None, None).unwrap();
    let a = root.create_array("g/x", meta.clone()).unwrap();
    assert!(matches!(root.create_array("g/x", meta), Err(Error::Exists(_))));
    assert!(matches!(root.open_array("../etc"), Err(Error::InvalidArgument(_))));
    assert!(matches!(
        a.read(&Selection::all(&[4]), DataType::Int16, &mut [0u8; 7]),
        Err(Error::InvalidArgument(_))
    ));
    a.write(&Selection::all(&[4]), DataType::Int16, &[1u8; 8]).unwrap();
    // Corrupt chunk: the message names the key.
    std::fs::write(p.join("g/x/c/1"), b"garbage").unwrap();
    let e = a
        .read(&Selection::all(&[4]), DataType::Int16, &mut [0u8; 8])
        .unwrap_err();
    assert!(matches!(&e, Error::Codec(m) if m.contains("g/x/c/1")), "{e}");
    // Read-only hierarchy.
    let ro = Group::open_root(ps, Mode::Read, None).unwrap();
    let b = ro.open_array("g/x").unwrap();
    assert!(matches!(
        b.write(&Selection::all(&[4]), DataType::Int16, &[0u8; 8]),
        Err(Error::ReadOnly(_))
    ));
    assert!(matches!(
        ro.create_group("new", Default::default()),
        Err(Error::ReadOnly(_))
    ));
    // Listing sees the implicitly created group.
    let members = root.list().unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].0, "g");
    // Malformed metadata.
    std::fs::write(p.join("g/x/zarr.json"), b"{\"zarr_format\": 3, ").unwrap();
    assert!(matches!(root.open_array("g/x"), Err(Error::Metadata(_))));
}

#[test]
fn v2_order_f_and_big_endian_round_trip() {
    let d = tempfile::tempdir().unwrap();
    let root = Group::open_root(
        d.path().join("f.zarr").to_str().unwrap(),
        Mode::Create,
        Some(ZarrFormat::V2),
    )
    .unwrap();
    let doc = r#"{"zarr_format":2,"shape":[5,6],"chunks":[2,4],"dtype":">i4","order":"F","fill_value":7,
        "filters":null,"compressor":{"id":"zlib","level":1},"dimension_separator":"/"}"#;
    let a = root.create_array_json("f", doc).unwrap();
    let vals: Vec<i32> = (0..30).collect();
    a.write(&Selection::all(&[5, 6]), DataType::Int32, &i32s(&vals))
        .unwrap();
    let b = root.open_array("f").unwrap();
    let mut out = vec![0u8; 120];
    b.read(&Selection::all(&[5, 6]), DataType::Int32, &mut out).unwrap();
    assert_eq!(to_i32s(&out), vals);
    assert!(d.path().join("f.zarr/f/0/0").exists());
}

#[test]
fn concurrent_writers_to_one_chunk_lose_nothing() {
    let root = Group::open_root("memory://core-concurrent", Mode::Create, None).unwrap();
    let meta = root.simple_metadata(DataType::Int32, &[64], &[64], None, None).unwrap();
    let a = std::sync::Arc::new(root.create_array("x", meta).unwrap());
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let a = a.clone();
            std::thread::spawn(move || {
                for i in 0..8u64 {
                    let idx = t * 8 + i;
                    a.write(
                        &Selection::new(&[64], &[idx], &[1], None).unwrap(),
                        DataType::Int32,
                        &i32s(&[idx as i32 + 1]),
                    )
                    .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut out = vec![0u8; 256];
    a.read(&Selection::all(&[64]), DataType::Int32, &mut out).unwrap();
    assert_eq!(to_i32s(&out), (1..=64).collect::<Vec<i32>>());
}

#[test]
fn truncated_or_overlong_chunks_are_codec_errors_naming_the_key() {
    for codecs in [
        json!([]),
        json!([{"name": "zstd", "configuration": {"level": 1, "checksum": true}}]),
    ] {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("t.zarr");
        let root = Group::open_root(p.to_str().unwrap(), Mode::Create, None).unwrap();
        let meta = root
            .simple_metadata(DataType::Int32, &[8], &[4], Some(codecs.as_array().unwrap()), None)
            .unwrap();
        let a = root.create_array("v", meta).unwrap();
        let vals: Vec<i32> = (1..=8).collect();
        a.write(&Selection::all(&[8]), DataType::Int32, &i32s(&vals)).unwrap();
        let key = p.join("v/c/1");
        let good = std::fs::read(&key).unwrap();
        for bad in [good[..good.len() - 3].to_vec(), [good.clone(), vec![0u8; 4]].concat()] {
            std::fs::write(&key, &bad).unwrap();
            let mut out = vec![0u8; 32];
            let e = a.read(&Selection::all(&[8]), DataType::Int32, &mut out).unwrap_err();
            assert!(matches!(&e, Error::Codec(m) if m.contains("v/c/1")), "{codecs}: {e}");
            // A read of the intact chunk alone still works.
            let mut first = vec![0u8; 16];
            a.read(
                &Selection::new(&[8], &[0], &[4], None).unwrap(),
                DataType::Int32,
                &mut first,
            )
            .unwrap();
            assert_eq!(to_i32s(&first), vec![1, 2, 3, 4]);
        }
    }
}

#[test]
fn one_chunk_reached_through_two_roots_shares_its_lock() {
    let d = tempfile::tempdir().unwrap();
    let top = d.path().join("r.zarr");
    let root = Group::open_root(top.to_str().unwrap(), Mode::Create, None).unwrap();
    root.create_group("grp", Default::default()).unwrap();
    let meta = root
        .simple_metadata(DataType::Int32, &[400], &[400], Some(&[]), None)
        .unwrap();
    root.create_array("grp/x", meta).unwrap();
    // The same array through the top root and through a root opened at "grp".
    let a = std::sync::Arc::new(root.open_array("grp/x").unwrap());
    let inner = Group::open_root(top.join("grp").to_str().unwrap(), Mode::Write, None).unwrap();
    let b = std::sync::Arc::new(inner.open_array("x").unwrap());
    let spawn = |arr: std::sync::Arc<zarr::Array>, parity: u64| {
        std::thread::spawn(move || {
            for i in (parity..400).step_by(2) {
                arr.write(
                    &Selection::new(&[400], &[i], &[1], None).unwrap(),
                    DataType::Int32,
                    &i32s(&[i as i32 + 1]),
                )
                .unwrap();
            }
        })
    };
    let (t1, t2) = (spawn(a.clone(), 0), spawn(b, 1));
    t1.join().unwrap();
    t2.join().unwrap();
    let mut out = vec![0u8; 1600];
    a.read(&Selection::all(&[400]), DataType::Int32, &mut out).unwrap();
    assert_eq!(to_i32s(&out), (1..=400).collect::<Vec<i32>>());
}

#[test]
fn huge_extents_are_refused_or_handled_without_overflow() {
    let root = Group::open_root("memory://core-huge", Mode::Create, None).unwrap();
    let e = root
        .simple_metadata(DataType::UInt8, &[u64::MAX], &[10], None, None)
        .unwrap_err();
    // A caller's extent beyond 2^63 - 1 is its argument error (issue 14).
    assert!(matches!(e, Error::InvalidArgument(_)), "{e}");
    // The largest allowed extent with a stride that jumps over many chunks.
    let n = i64::MAX as u64;
    let meta = root.simple_metadata(DataType::UInt8, &[n], &[10], None, None).unwrap();
    let a = root.create_array("big", meta).unwrap();
    let sel = Selection::new(&[n], &[0], &[2], Some(&[i64::MAX - 1])).unwrap();
    a.write(&sel, DataType::UInt8, &[7, 9]).unwrap();
    let mut out = [0u8; 2];
    a.read(&sel, DataType::UInt8, &mut out).unwrap();
    assert_eq!(out, [7, 9]);
}

#[test]
fn no_nodes_inside_an_array_root_and_thread_count_is_bounded() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("arr.zarr");
    std::fs::create_dir_all(&p).unwrap();
    std::fs::write(
        p.join("zarr.json"),
        r#"{"zarr_format":3,"node_type":"array","shape":[4],"data_type":"int8",
            "chunk_grid":{"name":"regular","configuration":{"chunk_shape":[2]}},
            "chunk_key_encoding":{"name":"default","configuration":{"separator":"/"}},
            "fill_value":0,"codecs":[{"name":"bytes"}]}"#,
    )
    .unwrap();
    let root = Group::open_root(p.to_str().unwrap(), Mode::Write, None).unwrap();
    assert!(root.open_array("").is_ok());
    assert!(matches!(
        root.create_group("sub", Default::default()),
        Err(Error::InvalidArgument(_))
    ));
    let meta = root.simple_metadata(DataType::Int8, &[2], &[2], None, None).unwrap();
    assert!(matches!(root.create_array("c/9", meta), Err(Error::InvalidArgument(_))));
    assert!(!p.join("c").exists());
    assert!(matches!(zarr::set_num_threads(100_000), Err(Error::InvalidArgument(_))));
}

#[test]
fn a_chunk_too_large_to_allocate_is_an_error_not_an_abort() {
    // 2^62 bytes cannot be mapped on any current machine, whatever the
    // kernel's overcommit policy: the write must fail cleanly.
    let root = Group::open_root("memory://core-oom", Mode::Create, None).unwrap();
    let n = 1u64 << 62;
    let meta = root
        .simple_metadata(DataType::UInt8, &[n], &[n], Some(&[]), None)
        .unwrap();
    let a = root.create_array("huge", meta).unwrap();
    let e = a
        .write(&Selection::new(&[n], &[5], &[1], None).unwrap(), DataType::UInt8, &[1])
        .unwrap_err();
    assert!(matches!(&e, Error::OutOfMemory(m) if m.contains("huge/c/0")), "{e}");
    // Reading the missing chunk streams nothing and needs no chunk buffer.
    let mut out = [9u8; 1];
    a.read(
        &Selection::new(&[n], &[5], &[1], None).unwrap(),
        DataType::UInt8,
        &mut out,
    )
    .unwrap();
    assert_eq!(out, [0]);
}

#[test]
fn bitround_on_big_endian_v2_data_is_refused_by_name() {
    let root = Group::open_root("memory://core-bitround-be", Mode::Create, Some(ZarrFormat::V2)).unwrap();
    let doc = r#"{"zarr_format":2,"shape":[4],"chunks":[4],"dtype":">f4","order":"C","fill_value":0,
        "filters":[{"id":"bitround","keepbits":3}],"compressor":null,"dimension_separator":"."}"#;
    let e = root.create_array_json("x", doc).err().unwrap();
    assert!(matches!(&e, Error::Unsupported(m) if m.contains("bitround")), "{e}");
    let le = doc.replace(">f4", "<f4");
    assert!(root.create_array_json("y", &le).is_ok());
}

/// Chunks above `STREAM_ABOVE` (8 MiB decoded) stream through the decoder
/// into the caller's buffer; smaller ones decode whole. Both give the same
/// values, whole and strided, and a truncated large chunk is a codec error
/// naming its key.
#[test]
fn large_chunks_stream_and_read_the_same_values() {
    let n = 3u64 << 20; // 12 MiB of int32 in one chunk
    assert!(n * 4 > zarr::codec::pipeline::STREAM_ABOVE);
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("big.zarr");
    let root = Group::open_root(p.to_str().unwrap(), Mode::Create, None).unwrap();
    let zstd = json!([{"name": "zstd", "configuration": {"level": 1, "checksum": true}}]);
    let codecs = zstd.as_array().unwrap();
    let big = root
        .create_array(
            "big",
            root.simple_metadata(DataType::Int32, &[n], &[n], Some(codecs), None)
                .unwrap(),
        )
        .unwrap();
    let small = root
        .create_array(
            "small",
            root.simple_metadata(DataType::Int32, &[n], &[n / 8], Some(codecs), None)
                .unwrap(),
        )
        .unwrap();
    let vals: Vec<i32> = (0..n as i32).map(|i| i.wrapping_mul(7) / 3).collect();
    for a in [&big, &small] {
        a.write(&Selection::all(&[n]), DataType::Int32, &i32s(&vals)).unwrap();
        let mut out = vec![0u8; n as usize * 4];
        a.read(&Selection::all(&[n]), DataType::Int32, &mut out).unwrap();
        assert!(to_i32s(&out) == vals, "{}: whole read", a.path());
        let count = (n - 1) / 3;
        let sel = Selection::new(&[n], &[1], &[count], Some(&[3])).unwrap();
        let mut out = vec![0u8; count as usize * 4];
        a.read(&sel, DataType::Int32, &mut out).unwrap();
        let want: Vec<i32> = vals.iter().skip(1).step_by(3).take(count as usize).copied().collect();
        assert!(to_i32s(&out) == want, "{}: strided read", a.path());
    }
    let key = p.join("big/c/0");
    let good = std::fs::read(&key).unwrap();
    std::fs::write(&key, &good[..good.len() / 2]).unwrap();
    let mut out = vec![0u8; n as usize * 4];
    let e = big.read(&Selection::all(&[n]), DataType::Int32, &mut out).unwrap_err();
    assert!(matches!(&e, Error::Codec(m) if m.contains("big/c/0")), "{e}");
}
