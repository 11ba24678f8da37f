#!/usr/bin/env bash
# fuzz/run.sh - coverage-guided fuzzing of every target in fuzz/targets.rs
# with libFuzzer (crate libfuzzer-sys) on the STABLE toolchain: no nightly,
# no cargo-fuzz. The crate is built with the coverage instrumentation
# cargo-fuzz would ask for (-Cpasses=sancov-module and the
# -sanitizer-coverage-* LLVM options, all stable rustc flags); libFuzzer
# itself comes compiled from the crate's bundled sources (needs a C++ compiler).
# The C libraries below libzarr (c-blosc, libzstd) are not instrumented: they
# run, so their crashes are found, but do not guide the fuzzer.
#
#   make fuzz                       every target for FUZZ_SECONDS (default 30) each
#   FUZZ_TARGETS="codec_zstd paths" make fuzz
#
# New inputs go to build/fuzz/corpus/<target> (not committed); crashes to
# build/fuzz/artifacts/<target>/. Copy a crashing input into
# fuzz/corpus/<target>/crash-<name> once fixed: `make test` replays it.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SECS=${FUZZ_SECONDS:-30}
command -v c++ >/dev/null || (apt-get update && apt-get install -y g++)
HOST=$(rustc -vV | sed -n 's/^host: //p')
# --target keeps the instrumentation off build scripts and proc macros.
RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks" \
    cargo build --release --manifest-path fuzz/Cargo.toml --target "$HOST" --target-dir target/fuzz
BIN=target/fuzz/$HOST/release/fuzz_zarr
TARGETS=${FUZZ_TARGETS:-$(sed -n '/^pub const TARGETS/,/^];/p' fuzz/targets.rs | grep -o '"[a-z0-9_]*"' | tr -d '"')}
mkdir -p build/fuzz
summary=build/fuzz/summary.txt
: >"$summary"
failed=0
for t in $TARGETS; do
    mkdir -p "build/fuzz/corpus/$t" "build/fuzz/artifacts/$t"
    log="build/fuzz/$t.log"
    echo "== $t ($SECS s)"
    if ZARR_FUZZ_TARGET=$t RAYON_NUM_THREADS=1 "$BIN" -max_total_time="$SECS" -rss_limit_mb=3072 -timeout=20 \
        -artifact_prefix="build/fuzz/artifacts/$t/" "build/fuzz/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1; then
        st=ok
    else
        st=FAILED
        failed=$((failed + 1))
    fi
    line=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    echo "$t: $st: $line" | tee -a "$summary"
    [ "$st" = ok ] || tail -n 40 "$log"
done
echo "$failed targets failed; summary in $summary"
[ "$failed" -eq 0 ]
