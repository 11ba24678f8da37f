#!/usr/bin/env bash
# bindings/java/run-tests.sh - the Java bindings' tests (`make test-java` runs
# it after `make java example`):
#   1. the Java test-suite (ZarrTests): every primitive type, conversions,
#      strided and sectioned reads, closed handles, threads, direct buffers;
#   2. interop: data written from Java read exactly by zarr-python and by the
#      C API (ctypes, and the C program tests/read_java_data.c), data written by zarr-python read exactly from Java;
#   3. library loading: java.library.path, -Dlibzarr.path, the jar resource;
#   4. examples/java/ReadExample.java on build/example.zarr (from examples/c);
#   5. `make install` into a scratch prefix, and the example run from there;
#   and first: the constants (Abi.java, generated from include/zarr.h by
#   bindings/java/generate.py) are current and equal the C compiler's values.
# Output: the suites' lines and a final "N passed, N failed"; non-zero exit on failure.
# Environment: ZARR_LIBDIR (default target/release), JAVA, JAVAC.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 2
LIBDIR=${ZARR_LIBDIR:-$ROOT/target/release}
JAVA=${JAVA:-java}
JAVAC=${JAVAC:-javac}
JAR=build/java/libzarr.jar
OUT=build/java/tests
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
passed=0
failed=0
failed_names=()

die() {
    echo "run-tests.sh: $*" >&2
    echo "0 passed, 1 failed"
    exit 1
}
[ -f "$JAR" ] || die "$JAR not found (make java)"
[ -f "$LIBDIR/libzarr.so" ] || die "$LIBDIR/libzarr.so not found (make lib)"

# A suite's "N passed, N failed" line is added to the totals.
count_suite() { # count_suite NAME STATUS LOG
    local name=$1 st=$2 log=$3 line p f
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
    if [ -n "$line" ]; then
        p=${line%% passed*}
        f=${line#*, }
        f=${f%% failed*}
        passed=$((passed + p))
        failed=$((failed + f))
        if [ "$st" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi
    elif [ "$st" -eq 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
    [ "$st" -ne 0 ] && failed_names+=("$name")
    echo "== $name: exit $st${line:+ ($line)}"
}

step() { # step NAME COMMAND... : one check, its output shown
    local name=$1 log
    shift
    log=$(mktemp)
    "$@" >"$log" 2>&1
    local st=$?
    cat "$log"
    count_suite "$name" "$st" "$log"
    rm -f "$log"
}

rm -rf "$OUT" && mkdir -p "$OUT/classes" "$OUT/data" "$OUT/example"
"$JAVAC" -Xlint:all -Werror -cp "$JAR" -d "$OUT/classes" bindings/java/src/test/java/io/github/libzarr/*.java ||
    die "the tests do not compile"
CP="$JAR:$OUT/classes"
# -Xcheck:jni makes the JVM check every JNI call of the library; a warning fails the suite (jcheck).
JOPTS=(-ea -Xcheck:jni -Djava.library.path="$LIBDIR" -Dlibzarr.expectedVersion="$VERSION")
jcheck() { # jcheck JAVA-ARGS... : java, failing on -Xcheck:jni warnings
    local log st
    log=$(mktemp)
    "$JAVA" "$@" >"$log" 2>&1
    st=$?
    cat "$log"
    if grep -q "in native method" "$log"; then
        echo "-Xcheck:jni reported a problem (above)"
        [ "$st" -eq 0 ] && st=1
    fi
    rm -f "$log"
    return "$st"
}

echo "== constants: generated from the header, equal to the C compiler's values"
step "Abi.java is current" python3 bindings/java/generate.py --check
c_constants() { # a C program prints every integer ZARR_* of zarr.h; Java prints its own; compare
    local names
    names=$(sed -n 's/^#define \(ZARR_[A-Z0-9_]*\) \(-\?[0-9][0-9]*\)$/\1/p' include/zarr.h)
    {
        echo '#include <stdio.h>'
        echo '#include <zarr.h>'
        echo 'int main(void) {'
        for n in $names; do echo "    printf(\"%s %ld\\n\", \"$n\", (long)$n);"; done
        echo '    return 0; }'
    } >"$OUT/consts.c"
    ${CC:-cc} -I include "$OUT/consts.c" -o "$OUT/consts" && "$OUT/consts" >"$OUT/consts_c.out" &&
        "$JAVA" -cp "$CP" io.github.libzarr.ConstantsCheck >"$OUT/consts_java.out" &&
        python3 bindings/java/tests/check_constants.py "$OUT/consts_c.out" "$OUT/consts_java.out"
}
step "Java constants equal the header's" c_constants

echo "== Java test-suite"
step "ZarrTests" jcheck "${JOPTS[@]}" -cp "$CP" io.github.libzarr.ZarrTests "$OUT/data/unit"

echo "== interop with zarr-python and the C API"
bash scripts/setup-venv.sh || die "cannot set up .venv"
PY="$ROOT/.venv/bin/python"
export ZARR_LIB="$LIBDIR/libzarr.so"
step "Java writes" jcheck "${JOPTS[@]}" -cp "$CP" io.github.libzarr.Interop write "$OUT/data/interop"
step "zarr-python and C read Java's data" "$PY" bindings/java/tests/interop.py check "$OUT/data/interop"
CC=${CC:-cc}
if "$CC" -std=c11 -Wall -Wextra -Werror -I include bindings/java/tests/read_java_data.c -o "$OUT/read_java_data" \
    "$LIBDIR/libzarr.so" -Wl,-rpath,"$LIBDIR" -lm; then
    step "C program reads Java's data" "$OUT/read_java_data" "$OUT/data/interop"
else
    count_suite "C program reads Java's data (does not compile)" 1 /dev/null
fi
step "zarr-python writes" "$PY" bindings/java/tests/interop.py write "$OUT/data/interop"
step "Java reads zarr-python's data" jcheck "${JOPTS[@]}" -cp "$CP" io.github.libzarr.Interop read "$OUT/data/interop"

echo "== native library loading order"
expect_source() { # expect_source WANT JAVA-ARGS...
    local want=$1 got
    shift
    got=$(env -u LD_LIBRARY_PATH "$JAVA" "$@" -cp "$CP" io.github.libzarr.LoaderCheck 2>&1) || {
        echo "$got"
        return 1
    }
    echo "loaded from: $got"
    case "$got" in "$want"*) return 0 ;; *) echo "expected $want" && return 1 ;; esac
}
step "loads from java.library.path" expect_source java.library.path -Djava.library.path="$LIBDIR"
step "loads from -Dlibzarr.path" expect_source libzarr.path= -Djava.library.path="$OUT/none" \
    -Dlibzarr.path="$LIBDIR/libzarr.so"
step "loads from the jar" expect_source "jar:/native/" -Djava.library.path="$OUT/none"

echo "== examples/java/ReadExample.java on build/example.zarr"
if [ -d build/example.zarr ]; then
    "$JAVAC" -cp "$JAR" -d "$OUT/example" examples/java/ReadExample.java || die "the example does not compile"
    step "ReadExample" "$JAVA" -Djava.library.path="$LIBDIR" -cp "$JAR:$OUT/example" ReadExample build/example.zarr
else
    echo "build/example.zarr is missing (make example)"
    count_suite "ReadExample (build/example.zarr missing)" 1 /dev/null
fi

echo "== installed jar and library"
PREFIX="$ROOT/build/java/install-test"
rm -rf "$PREFIX"
step "make install" make --no-print-directory install PREFIX="$PREFIX"
step "ReadExample from the installed prefix" env -u LD_LIBRARY_PATH "$JAVA" -Djava.library.path="$PREFIX/lib" \
    -cp "$PREFIX/share/java/libzarr.jar:$OUT/example" ReadExample build/example.zarr

if [ "$failed" -ne 0 ]; then
    echo "failed: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
