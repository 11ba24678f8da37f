#!/usr/bin/env bash
# Run the cloud object store tests (tests/cloud) against local servers that
# the tests start and stop themselves: moto's S3 server, Azurite, a static
# HTTP server and a fault-injecting proxy, all on 127.0.0.1 and free ports.
#   tests/cloud/run.sh [pytest args...]
# Installs what it needs first: the interop .venv (scripts/setup-venv.sh)
# plus the pinned tests/cloud/requirements.txt, and Azurite from npm (pinned
# by tests/cloud/azurite/package-lock.json) into build/azurite.
# ZARR_LIB: path to libzarr.so (default: target/release/libzarr.so).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT" || exit 2
bash scripts/setup-venv.sh || exit 2

REQS=tests/cloud/requirements.txt
MARKER=.venv/.libzarr-cloud-reqs
if ! { [ -f "$MARKER" ] && cmp -s "$MARKER" "$REQS"; }; then
    echo "cloud tests: installing $REQS into .venv" >&2
    .venv/bin/python -m pip install --disable-pip-version-check -q -r "$REQS" || exit 2
    .venv/bin/python -c "import moto, obstore, azure.storage.blob" || exit 2
    cp "$REQS" "$MARKER"
fi

AZ=build/azurite
if ! { [ -x "$AZ/node_modules/.bin/azurite-blob" ] && cmp -s tests/cloud/azurite/package-lock.json "$AZ/package-lock.json"; }; then
    command -v npm >/dev/null || { echo "cloud tests: npm (Node.js) is needed for Azurite" >&2; exit 2; }
    echo "cloud tests: installing Azurite into $AZ" >&2
    rm -rf "$AZ" && mkdir -p "$AZ" || exit 2
    cp tests/cloud/azurite/package.json tests/cloud/azurite/package-lock.json "$AZ/" || exit 2
    (cd "$AZ" && npm ci --no-audit --no-fund --loglevel=error) || exit 2
fi

export ZARR_LIB="${ZARR_LIB:-$ROOT/target/release/libzarr.so}"
export PYTHONDONTWRITEBYTECODE=1
.venv/bin/python -m pytest tests/cloud -q -p no:cacheprovider "$@"
exit $?
