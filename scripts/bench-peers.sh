#!/usr/bin/env bash
# Compare libzarr's read speed with its peers (zarr-python 3, tensorstore) on the
# zarr_benchmarks workload: benches/peers.py, run in the repo-root .venv.
#   scripts/bench-peers.sh [--size N] [--repeat R] [--dir DIR] [--codec none|zstd0|all]
# Builds the release library (in $CARGO_TARGET_DIR when set) and points ZARR_LIB
# at it, creates/updates .venv (scripts/setup-venv.sh), installs
# benches/requirements-peers.txt into it when a pinned package is missing or at
# another version. The Markdown report goes to stdout, progress to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"

cmd="scripts/bench-peers.sh"
for a in "$@"; do cmd+=" $(printf '%q' "$a")"; done
export BENCH_PEERS_CMD="$cmd"

cargo build --release >&2
if [[ -n "${CARGO_TARGET_DIR:-}" ]]; then
    target="$CARGO_TARGET_DIR"
    [[ "$target" == /* ]] || target="$ROOT/$target"
else
    target="$ROOT/target"
fi
export ZARR_LIB="$target/release/libzarr.so"
if [[ ! -f "$ZARR_LIB" ]]; then
    echo "bench-peers: $ZARR_LIB not found after cargo build --release" >&2
    exit 1
fi

scripts/setup-venv.sh

PY="$ROOT/.venv/bin/python"
PEER_REQS="$ROOT/benches/requirements-peers.txt"
# Exit 0 when every `name==version` pin of the file is installed at that version.
if ! "$PY" - "$PEER_REQS" <<'PYEOF'
import sys
from importlib.metadata import PackageNotFoundError, version

ok = True
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    name, _, want = line.partition("==")
    try:
        have = version(name.strip())
    except PackageNotFoundError:
        have = None
    if want and have != want.strip():
        ok = False
sys.exit(0 if ok else 1)
PYEOF
then
    echo "bench-peers: installing $(basename "$PEER_REQS") into $ROOT/.venv" >&2
    "$PY" -m pip install --disable-pip-version-check -q \
        -r "$PEER_REQS" -c "$ROOT/tests/interop/requirements.txt"
    "$PY" -c "import tensorstore, zarr, numpy"
fi

exec "$PY" benches/peers.py "$@"
