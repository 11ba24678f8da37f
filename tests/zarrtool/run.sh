#!/usr/bin/env bash
# Build zarrtool and run its tests (tests/zarrtool): every subcommand as a
# program against stores written by zarr-python and tensorstore, dump
# against ncdump through the netCDF plugin, cp to and from moto's S3 server.
#   tests/zarrtool/run.sh [pytest args...]
# Installs what it needs first: the interop .venv, the cloud test extras
# (moto, obstore) and the netCDF tools (scripts/netcdf-deps.sh).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT" || exit 2
bash scripts/setup-venv.sh || exit 2
REQS=tests/cloud/requirements.txt
MARKER=.venv/.libzarr-cloud-reqs
if ! { [ -f "$MARKER" ] && cmp -s "$MARKER" "$REQS"; }; then
    echo "zarrtool tests: installing $REQS into .venv" >&2
    .venv/bin/python -m pip install --disable-pip-version-check -q -r "$REQS" || exit 2
    .venv/bin/python -c "import moto, obstore" || exit 2
    cp "$REQS" "$MARKER"
fi
bash scripts/netcdf-deps.sh || exit 2
CARGO=${CARGO:-cargo}
# As the Makefile builds them (lint and test-rust lint and test the tool's
# Rust code; `make netcdf` builds the plugin in its own target directory and
# copies it to target/release): a no-op after `make zarrtool netcdf`.
$CARGO build --release -p libzarr -p zarrtool || exit 2
[ -f "$ROOT/target/release/libzarr_netcdf.so" ] || make -C "$ROOT" --no-print-directory netcdf || exit 2
export PYTHONDONTWRITEBYTECODE=1
.venv/bin/python -m pytest tests/zarrtool -q -p no:cacheprovider "$@"
