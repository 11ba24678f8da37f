#!/usr/bin/env bash
# Run the zarr-python interoperability tests against libzarr.
#   tests/interop/run.sh [pytest args...]
# ZARR_LIB: path to libzarr.so (default: target/release/libzarr.so).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT" || exit 2
bash scripts/setup-venv.sh || exit 2
# The zarr-python 3.4 fixtures (test_rectilinear.py) need .venv312; without a
# Python 3.12+ they are skipped, and said so plainly here.
bash scripts/setup-venv312.sh >/dev/null 2>&1
if [ $? -eq 3 ]; then
    echo "run.sh: no Python 3.12+: the zarr-python 3.4 interop tests (rectilinear chunk grid) are NOT RUN"
fi
export ZARR_LIB="${ZARR_LIB:-$ROOT/target/release/libzarr.so}"
export PYTHONDONTWRITEBYTECODE=1
.venv/bin/python -m pytest tests/interop -q -p no:cacheprovider "$@"
exit $?
