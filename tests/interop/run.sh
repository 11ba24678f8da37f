#!/usr/bin/env bash
# Run the zarr-python interoperability tests against libzarr.
#   tests/interop/run.sh [pytest args...]
# ZARR_LIB: path to libzarr.so (default: target/release/libzarr.so).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT" || exit 2
bash scripts/setup-venv.sh || exit 2
export ZARR_LIB="${ZARR_LIB:-$ROOT/target/release/libzarr.so}"
export PYTHONDONTWRITEBYTECODE=1
.venv/bin/python -m pytest tests/interop -q -p no:cacheprovider "$@"
exit $?
