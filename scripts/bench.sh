#!/usr/bin/env bash
# Run the libzarr benchmark (benches/bench.rs, release profile) and keep its report.
#   scripts/bench.sh [--size N] [--repeat R] [--threads T] [--dir DIR] [--codec none|zstd0|all]
# The Markdown report goes to stdout (and bench-report-N.md when BENCH_REPORT=1);
# progress goes to stderr. Set CARGO_TARGET_DIR to build elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
cmd="scripts/bench.sh"
for a in "$@"; do cmd+=" $(printf '%q' "$a")"; done
export ZARR_BENCH_CMD="$cmd"
if [[ "${BENCH_REPORT:-0}" == 1 ]]; then
    out="bench-report-$(date +%Y%m%d-%H%M%S).md"
    cargo bench --bench bench -- "$@" | tee "$out"
    echo "report written to $out" >&2
else
    exec cargo bench --bench bench -- "$@"
fi
