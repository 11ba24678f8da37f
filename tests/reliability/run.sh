#!/usr/bin/env bash
# Run the reliability tests (tests/reliability): writers in several processes
# (appends, attributes; filesystem and S3 on a local single-threaded moto),
# the durable option counted under strace, SIGKILL crash trials, and the MPI
# append test.
#   tests/reliability/run.sh [pytest args...]
# Installs what it needs: the interop .venv with the cloud test extras
# (tests/cloud/requirements.txt: moto, boto3), strace, and Open MPI for the
# MPI test. ZARR_LIB: path to libzarr.so (default target/release/libzarr.so).
# ZARR_CRASH_TRIALS_FS / ZARR_CRASH_TRIALS_S3: number of kills (default 200 / 25;
# make test-reliability passes 40 / 8, make test-reliability-long 500 / 60).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT" || exit 2
bash scripts/setup-venv.sh || exit 2
REQS=tests/cloud/requirements.txt
MARKER=.venv/.libzarr-cloud-reqs
if ! { [ -f "$MARKER" ] && cmp -s "$MARKER" "$REQS"; }; then
    echo "reliability tests: installing $REQS into .venv" >&2
    .venv/bin/python -m pip install --disable-pip-version-check -q -r "$REQS" || exit 2
    cp "$REQS" "$MARKER"
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO=sudo
need=()
command -v strace >/dev/null || need+=(strace)
{ command -v mpicc >/dev/null && command -v mpirun >/dev/null; } || need+=(openmpi-bin libopenmpi-dev)
if [ ${#need[@]} -gt 0 ]; then
    $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q "${need[@]}" >/dev/null || exit 2
fi
export ZARR_LIB="${ZARR_LIB:-$ROOT/target/release/libzarr.so}"
export PYTHONDONTWRITEBYTECODE=1
.venv/bin/python -m pytest tests/reliability -q -p no:cacheprovider "$@"
