#!/usr/bin/env bash
# tests/install/run.sh PREFIX - checks of a `make install PREFIX=...` (run by
# `make test-install`): the installed libraries carry no debug info (and
# libzarr.so is at most 12 MB), zarr-config answers every option, and the
# C example (and, with the Fortran bindings installed, the Fortran example)
# compiles, links and runs with nothing but zarr-config's output.
# Environment: CC (default cc), FC (default gfortran), ZARR_EXPECT_S3 and
# ZARR_EXPECT_JAVA (yes or no; default yes). Prints "N passed, N failed".
set -u
PREFIX=${1:?usage: run.sh PREFIX}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CC=${CC:-cc}
FC=${FC:-gfortran}
CONFIG="$PREFIX/bin/zarr-config"
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -1)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/zarr-install.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/../common/check.sh"
CHECK_LOG="$WORK/log"
equals() { # equals WANT COMMAND...: the command's output is WANT
    local want=$1 got
    shift
    got=$("$@") || return 1
    [ "$got" = "$want" ] || { echo "got \"$got\", want \"$want\""; return 1; }
}

# ---- stripped libraries, and their sizes (the README quotes them)
no_debug_info() { # no_debug_info FILE: no .debug_* section
    local n
    n=$(readelf -S --wide "$1" | grep -c ' \.debug_') || true
    echo "$1: $(stat -c %s "$1") bytes, $n debug sections"
    [ "$n" -eq 0 ]
}
libs=("$PREFIX/lib/libzarr.so.$VERSION" "$PREFIX/lib/libzarr.a")
for f in "$PREFIX/lib/libzarr_netcdf.so" "$PREFIX"/lib/zarr-hdf5-plugins/*.so "$PREFIX/lib/libzarr_fortran.so.1"; do
    [ -f "$f" ] && libs+=("$f")
done
for f in "${libs[@]}"; do
    check "$(basename "$f") is stripped" no_debug_info "$f"
done
at_most_12_mb() {
    local n
    n=$(stat -c %s "$PREFIX/lib/libzarr.so.$VERSION")
    echo "libzarr.so.$VERSION: $n bytes"
    [ "$n" -le $((12 * 1000 * 1000)) ]
}
check "libzarr.so is at most 12 MB" at_most_12_mb

# ---- zarr-config
check "zarr-config --version" equals "libzarr $VERSION" "$CONFIG" --version
check "zarr-config --cflags" equals "-I$PREFIX/include" "$CONFIG" --cflags
check "zarr-config --libs" equals "-L$PREFIX/lib -lzarr" "$CONFIG" --libs
check "zarr-config --has-s3" equals "${ZARR_EXPECT_S3:-yes}" "$CONFIG" --has-s3
check "zarr-config --has-java" equals "${ZARR_EXPECT_JAVA:-yes}" "$CONFIG" --has-java
check "zarr-config --help" sh -c "'$CONFIG' --help | grep -q -- --plugins"
check "zarr-config with an unknown option fails with status 2" sh -c "'$CONFIG' --frobnicate; [ \$? -eq 2 ]"
plugins_exist() { # every path --plugins names exists, and each installed plugin is named
    local out name path
    out=$("$CONFIG" --plugins) || return 1
    echo "$out"
    while read -r name path; do
        [ -n "$name" ] || continue
        [ -e "$path" ] || { echo "$name: $path does not exist"; return 1; }
    done <<<"$out"
    if [ -f "$PREFIX/lib/libzarr_netcdf.so" ]; then
        grep -qx "netcdf $PREFIX/lib/libzarr_netcdf.so" <<<"$out" || return 1
        grep -qx "hdf5-filters $PREFIX/lib/zarr-hdf5-plugins" <<<"$out" || return 1
    fi
}
check "zarr-config --plugins" plugins_exist

c_example() {
    # shellcheck disable=SC2046
    "$CC" -std=c11 "$ROOT/examples/c/example.c" -o "$WORK/example" $("$CONFIG" --cflags --libs) -lm \
        -Wl,-rpath,"$("$CONFIG" --libdir)" &&
        env -u LD_LIBRARY_PATH "$WORK/example" "$WORK/ex.zarr"
}
check "the C example builds with zarr-config --cflags --libs and runs" c_example
c_static() {
    # shellcheck disable=SC2046
    "$CC" -std=c11 "$ROOT/examples/c/example.c" -o "$WORK/example_static" $("$CONFIG" --cflags --static-libs) -lm &&
        "$WORK/example_static" "$WORK/ex_static.zarr"
}
check "the C example links statically with zarr-config --static-libs and runs" c_static

if [ "$("$CONFIG" --has-fortran)" = yes ]; then
    f_example() {
        # shellcheck disable=SC2046
        (cd "$WORK" && "$FC" "$ROOT/examples/fortran/model_output.f90" -o model_output $("$CONFIG" --fflags --flibs) \
            -Wl,-rpath,"$("$CONFIG" --libdir)") && env -u LD_LIBRARY_PATH "$WORK/model_output" "$WORK/f.zarr"
    }
    check "the Fortran example builds with zarr-config --fflags --flibs and runs" f_example
else
    check "zarr-config --fflags fails without the Fortran bindings" sh -c "! '$CONFIG' --fflags"
fi

check_summary
