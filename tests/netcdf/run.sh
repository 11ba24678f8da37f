#!/usr/bin/env bash
# Build libzarr_netcdf (the netCDF-C plugin) and run its tests: the
# distribution's ncdump and nccopy through the plugin, C and Fortran netCDF
# programs, and NCZarr stores both ways.
#   tests/netcdf/run.sh [pytest args...]
# Installs netcdf-bin, libnetcdf-dev, libnetcdff-dev and gfortran from the
# distribution when they are missing.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT" || exit 2

bash scripts/netcdf-deps.sh || exit 2
bash scripts/setup-venv.sh || exit 2
CARGO=${CARGO:-cargo}
# The plugin builds in its own target directory (see PLUGIN_TARGET in the
# Makefile) and is copied beside libzarr.so, where the tests look for it.
PTD=${ZARR_PLUGIN_TARGET:-$ROOT/target/plugins}
$CARGO build --release --target-dir "$PTD" -p zarr_netcdf || exit 2
$CARGO clippy --release --target-dir "$PTD" --all-targets -p zarr_netcdf -- -D warnings || exit 2
$CARGO test --release --target-dir "$PTD" -p zarr_netcdf || exit 2
mkdir -p "$ROOT/target/release" && cp "$PTD/release/libzarr_netcdf.so" "$ROOT/target/release/libzarr_netcdf.so" || exit 2
# The interop wrapper (used for the NCZarr C API test) needs libzarr itself.
export ZARR_LIB="${ZARR_LIB:-$ROOT/target/release/libzarr.so}"
export PYTHONDONTWRITEBYTECODE=1
.venv/bin/python -m pytest tests/netcdf -q -p no:cacheprovider "$@"
