#!/usr/bin/env bash
# tests/lean/run.sh PREFIX - the lean library (`make lean`: no `cloud`, no
# `java` feature) in $ZARR_LIBDIR (default target/lean/release), installed
# in PREFIX by `make install-lib FEATURES=` (`make test-lean` runs both):
#   - test_no_cloud.c: object store URLs are ZARR_EUNSUPPORTED naming the
#     feature, their options are refused, local and memory stores work;
#   - the library exports no JNI entry point and holds no object_store,
#     tokio, hyper or rustls code (their names appear in no symbol or string);
#   - the install (tests/install/run.sh) is stripped and its zarr-config says
#     --has-s3 no, --has-java no, and builds the C example.
# Prints each check and "N passed, N failed"; non-zero exit on failure.
set -u
PREFIX=${1:?usage: run.sh PREFIX}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LIBDIR=${ZARR_LIBDIR:-$ROOT/target/lean/release}
CC=${CC:-cc}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/zarr-lean.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/../common/check.sh"
CHECK_LOG="$WORK/log"

no_cloud_test() {
    "$CC" -std=c11 -Wall -Wextra -Werror -pthread -I "$ROOT/include" "$HERE/test_no_cloud.c" -o "$WORK/test_no_cloud" \
        -L"$LIBDIR" -lzarr -Wl,-rpath,"$LIBDIR" -lm && "$WORK/test_no_cloud"
}
check "test_no_cloud.c against $LIBDIR/libzarr.so" no_cloud_test

no_jni() {
    local n
    n=$(nm -D --defined-only "$LIBDIR/libzarr.so" | grep -c ' Java_') || true
    echo "$n JNI symbols"
    [ "$n" -eq 0 ] && nm -D --defined-only "$LIBDIR/libzarr.so" | grep -q ' zarr_open$'
}
check "no JNI entry points, the C API is there" no_jni
no_cloud_code() {
    # Rust keeps crate paths in symbols and panic locations: none may name the cloud crates.
    local hits
    hits=$({ nm "$LIBDIR/libzarr.so" 2>/dev/null; strings -a "$LIBDIR/libzarr.so"; } |
        grep -E -o 'object_store|tokio|hyper|rustls|reqwest' | sort | uniq -c) || true
    [ -z "$hits" ] || { echo "found: $hits"; return 1; }
    # ...while the same search finds them in the default build.
    if [ -f "$ROOT/target/release/libzarr.so" ]; then
        strings -a "$ROOT/target/release/libzarr.so" | grep -q object_store || { echo "the search finds nothing even in the default build"; return 1; }
    fi
}
check "no object_store, tokio, hyper or rustls code inside" no_cloud_code

sizes() {
    echo "lean libzarr.so as built: $(stat -c %s "$LIBDIR/libzarr.so") bytes"
}
check "size of the lean build" sizes

ZARR_EXPECT_S3=no ZARR_EXPECT_JAVA=no bash "$ROOT/tests/install/run.sh" "$PREFIX" >"$WORK/install.log" 2>&1
st=$?
cat "$WORK/install.log"
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$WORK/install.log" | tail -1)
p=${line%% passed*}
f=${line#*, }
f=${f%% failed*}
passed=$((passed + ${p:-0}))
failed=$((failed + ${f:-1}))
[ "$st" -ne 0 ] && [ "${f:-0}" -eq 0 ] && failed=$((failed + 1))

check_summary
