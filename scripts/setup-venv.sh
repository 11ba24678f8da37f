#!/usr/bin/env bash
# Create (if missing) the repo-root .venv used by the zarr-python interop tests
# and install the pinned requirements from tests/interop/requirements.txt.
# Idempotent: a marker file (.venv/.libzarr-reqs) holds the requirement list
# that was installed; when it matches, nothing is done. A changed list
# reinstalls.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
REQS="$ROOT/tests/interop/requirements.txt"
MARKER="$VENV/.libzarr-reqs"
PYTHON="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
    echo "setup-venv: creating $VENV" >&2
    "$PYTHON" -m venv "$VENV"
    rm -f "$MARKER"
fi
# Keep the environment out of version control (as Python >= 3.13's venv does).
[ -f "$VENV/.gitignore" ] || echo '*' > "$VENV/.gitignore"

if [ -f "$MARKER" ] && cmp -s "$MARKER" "$REQS"; then
    exit 0
fi

echo "setup-venv: installing $(basename "$REQS") into $VENV" >&2
"$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$REQS"
# Check that the installed set is importable before writing the marker.
"$VENV/bin/python" -c "import zarr, numcodecs, numpy, pytest, google_crc32c, tensorstore, xarray, z5py"
cp "$REQS" "$MARKER"
