#!/usr/bin/env bash
# Cloud read benchmark (benches/cloud.py): libzarr vs zarr-python 3 and
# tensorstore reading the same array from a local moto S3 server, with and
# without a delay added to every request.
#   scripts/bench-cloud.sh [--mib 256] [--chunks 1024] [--delay-ms 10] [--repeat 3]
# Uses the .venv of the cloud tests (tests/cloud/run.sh installs it; this
# script installs it the same way without running the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
cmd="scripts/bench-cloud.sh"
for a in "$@"; do cmd+=" $(printf '%q' "$a")"; done
export BENCH_CLOUD_CMD="$cmd"
cargo build --release >&2
export ZARR_LIB="${ZARR_LIB:-$ROOT/target/release/libzarr.so}"
bash scripts/setup-venv.sh
REQS=tests/cloud/requirements.txt
MARKER=.venv/.libzarr-cloud-reqs
if ! { [ -f "$MARKER" ] && cmp -s "$MARKER" "$REQS"; }; then
    .venv/bin/python -m pip install --disable-pip-version-check -q -r "$REQS"
    cp "$REQS" "$MARKER"
fi
exec .venv/bin/python benches/cloud.py "$@"
