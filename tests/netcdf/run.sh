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

need=()
command -v ncdump >/dev/null 2>&1 || need+=(netcdf-bin)
[ -f /usr/include/netcdf_dispatch.h ] || need+=(libnetcdf-dev)
command -v nf-config >/dev/null 2>&1 || need+=(libnetcdff-dev)
command -v gfortran >/dev/null 2>&1 || need+=(gfortran)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]} ..."
    SUDO=""
    [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
    ($SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${need[@]}") >/dev/null || {
        echo "could not install ${need[*]}"
        exit 2
    }
fi

bash scripts/setup-venv.sh || exit 2
CARGO=${CARGO:-cargo}
$CARGO build --release -p zarr_netcdf || exit 2
$CARGO clippy --release --all-targets -p zarr_netcdf -- -D warnings || exit 2
$CARGO test --release -p zarr_netcdf || exit 2
# The interop wrapper (used for the NCZarr C API test) needs libzarr itself.
export ZARR_LIB="${ZARR_LIB:-$ROOT/target/release/libzarr.so}"
export PYTHONDONTWRITEBYTECODE=1
.venv/bin/python -m pytest tests/netcdf -q -p no:cacheprovider "$@"
