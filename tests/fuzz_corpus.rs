//! Replays every committed fuzz corpus (`fuzz/corpus/<target>/*`: seeds from
//! the test fixtures and every input that ever crashed) through the same
//! target functions libFuzzer runs (`fuzz/targets.rs`), as an ordinary,
//! deterministic test on the stable toolchain: no time-boxed fuzzing here.

#[path = "../fuzz/targets.rs"]
mod targets;

#[test]
fn every_corpus_file_replays_cleanly() {
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut total = 0;
    for &t in targets::TARGETS {
        let dir = base.join(t);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "corpus of {t} is empty");
        for f in &files {
            let data = std::fs::read(f).unwrap();
            let r = std::panic::catch_unwind(|| targets::run(t, &data));
            assert!(r.is_ok(), "{t}: {} fails", f.display());
        }
        total += files.len();
    }
    eprintln!("replayed {total} corpus files of {} targets", targets::TARGETS.len());
}
