//! The libFuzzer binary of every target in `fuzz/targets.rs`; the target is
//! named by the environment variable ZARR_FUZZ_TARGET (`fuzz/run.sh` sets it).
#![no_main]

#[path = "../targets.rs"]
mod targets;

use std::sync::OnceLock;

fn target() -> &'static str {
    static T: OnceLock<String> = OnceLock::new();
    T.get_or_init(|| {
        let t = std::env::var("ZARR_FUZZ_TARGET").unwrap_or_default();
        assert!(targets::TARGETS.contains(&t.as_str()), "set ZARR_FUZZ_TARGET to one of {:?}", targets::TARGETS);
        t
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    targets::run(target(), data);
});
