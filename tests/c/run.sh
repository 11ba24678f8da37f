#!/usr/bin/env bash
# tests/c/run.sh - build and run the C test-suite of libzarr.
#
#   cargo build --release && tests/c/run.sh
#
# Every tests/c/test_*.c is compiled with
#   cc -std=c11 -Wall -Wextra -Werror -pthread -I include ... -L$ZARR_LIBDIR -lzarr (rpath set)
# and run; test_roundtrip.c is also linked statically against libzarr.a
# (proving the static library links with just -lpthread -ldl -lm), and
# examples/c/example.c is built and run.  Then, unless ZARR_NO_VALGRIND=1,
# each program runs again under
#   valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
# and, unless ZARR_NO_SANITIZE=1, each program (not the static one) is built
# again with clang -fsanitize=address,undefined (clang installed with apt-get
# when missing) against the same libzarr.so and run ("asan:" lines). Only the
# C side is instrumented: ASan's allocator serves libzarr's allocations too,
# so it sees C code writing past buffers libzarr returned or reading freed
# ones, and UBSan checks the C programs; the Rust code itself is checked by
# Valgrind above, by its own tests and by the fuzz targets (make fuzz).
#
# Environment:
#   ZARR_LIBDIR        directory holding libzarr.so / libzarr.a
#                      (default target/release; a relative path is taken from the repo root)
#   ZARR_NO_VALGRIND=1 skip the valgrind pass
#   ZARR_NO_SANITIZE=1 skip the AddressSanitizer/UndefinedBehaviorSanitizer pass
#   SAN_CC             compiler for that pass (default clang)
#   CC                 C compiler (default cc)
#   ZARR_TEST_TIMEOUT  seconds per plain run (default 300); valgrind runs get 4x
#   ZARR_VALGRIND_ITERS iterations of the thread tests under valgrind (default 20)
#   ZARR_TEST_KEEP=1   keep the build directory and the tests' temporary hierarchies
#
# Output: one line per program run, the logs of failing runs, and a final line
# "N passed, N failed" (N counts program runs, valgrind runs included).
# The exit status is non-zero if anything failed.

set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CC=${CC:-cc}
LIBDIR=${ZARR_LIBDIR:-target/release}
case "$LIBDIR" in
/*) ;;
*) LIBDIR="$ROOT/$LIBDIR" ;;
esac
TIMEOUT=${ZARR_TEST_TIMEOUT:-300}
VG_TIMEOUT=$((TIMEOUT * 4))

passed=0
failed=0
failed_names=()

die() {
    echo "run.sh: $*" >&2
    echo "0 passed, 1 failed"
    exit 1
}

[ -f "$ROOT/include/zarr.h" ] || die "header $ROOT/include/zarr.h not found (build the library: cargo build --release)"
[ -f "$LIBDIR/libzarr.so" ] || die "$LIBDIR/libzarr.so not found (cargo build --release, or set ZARR_LIBDIR)"
command -v "$CC" >/dev/null 2>&1 || die "C compiler '$CC' not found"

BUILD=$(mktemp -d "${TMPDIR:-/tmp}/zarr-ctests.XXXXXX") || die "mktemp failed"
cleanup() {
    if [ "${ZARR_TEST_KEEP:-0}" = 1 ]; then
        echo "(build directory kept: $BUILD)"
    else
        rm -rf "$BUILD"
    fi
}
trap cleanup EXIT
mkdir -p "$BUILD/tmp"
# The tests create their hierarchies under $TMPDIR (mkdtemp); keep them in the build dir.
export TMPDIR="$BUILD/tmp"

CFLAGS=(-std=c11 -Wall -Wextra -Werror -pthread -I "$ROOT/include")
DYN_LIBS=(-L"$LIBDIR" -lzarr -Wl,-rpath,"$LIBDIR" -lm)

# libzarr.so carries a versioned SONAME (libzarr.so.1), so programs linked with
# -lzarr look for that name at run time, but cargo only writes libzarr.so.  If
# the versioned name is missing beside it, provide it as a symlink in the build
# directory (never touching $LIBDIR) and put that directory on the rpath too.
SONAME=$(readelf -d "$LIBDIR/libzarr.so" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
if [ -n "$SONAME" ] && [ "$SONAME" != libzarr.so ] && [ ! -e "$LIBDIR/$SONAME" ]; then
    mkdir -p "$BUILD/lib"
    ln -s "$LIBDIR/libzarr.so" "$BUILD/lib/$SONAME"
    DYN_LIBS+=(-Wl,-rpath,"$BUILD/lib")
    echo "note: $LIBDIR has no $SONAME (the SONAME of libzarr.so); using a symlink in the build directory"
fi
STATIC_LIBS=("$LIBDIR/libzarr.a" -lpthread -ldl -lm)

record() { # record NAME STATUS(0=pass) DETAIL LOGFILE
    local name=$1 st=$2 detail=$3 log=${4:-}
    if [ "$st" -eq 0 ]; then
        passed=$((passed + 1))
        printf 'PASS  %-34s %s\n' "$name" "$detail"
    else
        failed=$((failed + 1))
        failed_names+=("$name")
        printf 'FAIL  %-34s %s\n' "$name" "$detail"
        if [ -n "$log" ] && [ -f "$log" ]; then
            echo "----- $name (last 150 lines) -----"
            tail -n 150 "$log"
            echo "----- end $name -----"
        fi
    fi
}

# ------------------------------------------------------------------ build
programs=() # names of built executables, in $BUILD
for src in "$HERE"/test_*.c; do
    name=$(basename "$src" .c)
    log="$BUILD/$name.build.log"
    if "$CC" "${CFLAGS[@]}" -o "$BUILD/$name" "$src" "${DYN_LIBS[@]}" >"$log" 2>&1; then
        programs+=("$name")
    else
        record "$name" 1 "(compile/link failed)" "$log"
    fi
done

# One program linked statically against libzarr.a.
static_name=test_roundtrip_static
log="$BUILD/$static_name.build.log"
if [ ! -f "$LIBDIR/libzarr.a" ]; then
    echo "$LIBDIR/libzarr.a not found" >"$log"
    record "$static_name" 1 "(libzarr.a missing)" "$log"
elif "$CC" "${CFLAGS[@]}" -o "$BUILD/$static_name" "$HERE/test_roundtrip.c" "${STATIC_LIBS[@]}" >"$log" 2>&1; then
    # It must not depend on libzarr.so at run time.
    if readelf -d "$BUILD/$static_name" 2>/dev/null | grep -q 'libzarr'; then
        echo "statically linked program still needs libzarr.so:" >>"$log"
        readelf -d "$BUILD/$static_name" >>"$log" 2>&1
        record "$static_name" 1 "(depends on libzarr.so)" "$log"
    else
        programs+=("$static_name")
    fi
else
    record "$static_name" 1 "(static link failed)" "$log"
fi

# The example.
log="$BUILD/example.build.log"
if "$CC" "${CFLAGS[@]}" -o "$BUILD/example" "$ROOT/examples/c/example.c" "${DYN_LIBS[@]}" >"$log" 2>&1; then
    programs+=(example)
else
    record example 1 "(compile/link failed)" "$log"
fi

# ------------------------------------------------------------------- run
run_one() { # run_one NAME MODE(plain|valgrind|asan)
    local name=$1 mode=$2 log="$BUILD/$1.$2.log" st t0 t1
    local -a argv=()
    # the example takes the path of the hierarchy to create
    [ "$name" = example ] && argv=("$BUILD/tmp/example-$mode.zarr")
    t0=$(date +%s.%N)
    if [ "$mode" = plain ]; then
        timeout "$TIMEOUT" "$BUILD/$name" "${argv[@]}" >"$log" 2>&1
        st=$?
    elif [ "$mode" = asan ]; then
        # ASan reserves terabytes of address space: no setrlimit(RLIMIT_AS) tests.
        ZARR_TEST_NO_RLIMIT=1 \
            ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=98 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=98 \
            timeout "$VG_TIMEOUT" "$BUILD/asan/$name" "${argv[@]}" >"$log" 2>&1
        st=$?
    else
        ZARR_TEST_NO_RLIMIT=1 ZARR_TEST_ITERS=${ZARR_VALGRIND_ITERS:-20} \
            timeout "$VG_TIMEOUT" valgrind --error-exitcode=99 --leak-check=full \
            --errors-for-leak-kinds=definite --num-callers=40 "${VG_SUPP[@]}" \
            "$BUILD/$name" "${argv[@]}" >"$log" 2>&1
        st=$?
    fi
    t1=$(date +%s.%N)
    local secs detail
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1fs", b - a }')
    detail="($secs"
    [ "$st" -eq 124 ] && detail="$detail, TIMED OUT"
    [ "$st" -eq 99 ] && detail="$detail, valgrind errors"
    [ "$st" -eq 98 ] && detail="$detail, sanitizer errors"
    [ "$st" -ne 0 ] && [ "$st" -ne 124 ] && [ "$st" -ne 99 ] && [ "$st" -ne 98 ] && detail="$detail, exit $st"
    local summary
    summary=$(grep -E 'checks passed|example: (OK|FAILED)' "$log" | tail -n 1 | sed 's/^.*: \([0-9]* checks\)/\1/')
    [ -n "$summary" ] && detail="$detail, $summary"
    detail="$detail)"
    local label=$name
    [ "$mode" = valgrind ] && label="valgrind:$name"
    [ "$mode" = asan ] && label="asan:$name"
    record "$label" "$st" "$detail" "$log"
}

echo "== libzarr C tests (library: $LIBDIR)"
for name in "${programs[@]}"; do
    run_one "$name" plain
done

if [ "${ZARR_NO_VALGRIND:-0}" != 1 ]; then
    if ! command -v valgrind >/dev/null 2>&1; then
        echo "valgrind not found; installing it with apt-get ..."
        if command -v apt-get >/dev/null 2>&1; then
            SUDO=""
            [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
            $SUDO apt-get update >"$BUILD/apt.log" 2>&1 &&
                $SUDO apt-get install -y valgrind >>"$BUILD/apt.log" 2>&1
        fi
    fi
    if command -v valgrind >/dev/null 2>&1; then
        VG_SUPP=()
        [ -f "$HERE/valgrind.supp" ] && VG_SUPP=(--suppressions="$HERE/valgrind.supp")
        echo "== under valgrind ($(valgrind --version))"
        for name in "${programs[@]}"; do
            run_one "$name" valgrind
        done
    else
        [ -f "$BUILD/apt.log" ] && tail -n 20 "$BUILD/apt.log"
        echo "valgrind is not installed and could not be installed (apt-get install -y valgrind);" \
            "install it or set ZARR_NO_VALGRIND=1" >"$BUILD/valgrind-missing.log"
        record valgrind 1 "(valgrind missing)" "$BUILD/valgrind-missing.log"
    fi
fi

if [ "${ZARR_NO_SANITIZE:-0}" != 1 ]; then
    SAN_CC=${SAN_CC:-clang}
    if ! command -v "$SAN_CC" >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
        echo "$SAN_CC not found; installing clang with apt-get ..."
        SUDO=""
        [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
        $SUDO apt-get update >"$BUILD/apt-clang.log" 2>&1 &&
            $SUDO apt-get install -y clang >>"$BUILD/apt-clang.log" 2>&1
    fi
    if command -v "$SAN_CC" >/dev/null 2>&1; then
        mkdir -p "$BUILD/asan"
        SAN_FLAGS=(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1)
        echo "== under AddressSanitizer + UndefinedBehaviorSanitizer ($("$SAN_CC" --version | head -n 1))"
        for src in "$HERE"/test_*.c "$ROOT/examples/c/example.c"; do
            name=$(basename "$src" .c)
            log="$BUILD/$name.asan-build.log"
            if "$SAN_CC" "${CFLAGS[@]}" "${SAN_FLAGS[@]}" -o "$BUILD/asan/$name" "$src" "${DYN_LIBS[@]}" >"$log" 2>&1; then
                run_one "$name" asan
            else
                record "asan:$name" 1 "(compile/link failed)" "$log"
            fi
        done
    else
        [ -f "$BUILD/apt-clang.log" ] && tail -n 20 "$BUILD/apt-clang.log"
        echo "clang is not installed and could not be installed (apt-get install -y clang);" \
            "install it or set ZARR_NO_SANITIZE=1" >"$BUILD/clang-missing.log"
        record asan 1 "(clang missing)" "$BUILD/clang-missing.log"
    fi
fi

if [ "$failed" -ne 0 ]; then
    echo "failed: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
