#!/usr/bin/env bash
# make bench-durable: build the writer and time whole-chunk writes with and
# without {"durable": true} (tests/reliability/bench_durable.py). The store
# lives under BENCH_DIR (default: the build directory, on the repository's disk).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LIBDIR="$(dirname "${ZARR_LIB:-$ROOT/target/release/libzarr.so}")"
mkdir -p "$ROOT/build/bench-durable"
ln -sf "$LIBDIR/libzarr.so" "$ROOT/build/bench-durable/libzarr.so.1"
cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -I "$ROOT/include" "$ROOT/tests/reliability/writer.c" \
    -o "$ROOT/build/bench-durable/writer" -L"$LIBDIR" -lzarr -Wl,-rpath,"$ROOT/build/bench-durable"
python3 "$ROOT/tests/reliability/bench_durable.py" "$ROOT/build/bench-durable/writer" "${BENCH_N:-300}" \
    "${BENCH_DIR:-$ROOT/build/bench-durable}"
