#!/usr/bin/env bash
# Create (if missing) .venv312, the second pinned venv for fixtures that need zarr-python 3.2+ (rectilinear chunk
# grids, cast_value, scale_offset; zarr 3.4 needs Python 3.12+), from tests/interop/requirements-312.txt.
# Exit status 3 (and one plain line on stderr) when no Python 3.12+ interpreter exists: callers report those cases
# as not run, never as passed. Idempotent like scripts/setup-venv.sh (marker file holds the installed list).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv312"
REQS="$ROOT/tests/interop/requirements-312.txt"
MARKER="$VENV/.libzarr-reqs"

find_python() {
    local c
    for c in "${PYTHON312:-}" python3.13 python3.12; do
        [ -n "$c" ] || continue
        if "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
            echo "$c"; return 0
        fi
    done
    # pyenv keeps interpreters that are not on PATH's shims.
    for c in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3; do
        [ -x "$c" ] && { echo "$c"; return 0; }
    done
    return 1
}

if [ ! -x "$VENV/bin/python" ]; then
    if ! PY="$(find_python)"; then
        echo "setup-venv312: no Python 3.12+ found: the zarr-python 3.4 fixtures (rectilinear, cast_value, scale_offset) are NOT run" >&2
        exit 3
    fi
    echo "setup-venv312: creating $VENV with $("$PY" --version)" >&2
    "$PY" -m venv "$VENV"
    rm -f "$MARKER"
fi
[ -f "$VENV/.gitignore" ] || echo '*' > "$VENV/.gitignore"

if [ -f "$MARKER" ] && cmp -s "$MARKER" "$REQS"; then
    exit 0
fi
echo "setup-venv312: installing $(basename "$REQS") into $VENV" >&2
"$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$REQS"
"$VENV/bin/python" -c "import zarr, numcodecs, numpy, zfpy, cast_value_rs, pytest; assert zarr.__version__.startswith('3.4')"
cp "$REQS" "$MARKER"
