#!/usr/bin/env bash
# tests/header/run.sh - include/zarr.h is a clean public header (`make test-header`):
#   1. it declares only the library's own names: every macro is ZARR_* (and
#      the deprecated alias MAX_THREADS), every function zarr_*;
#   2. it compiles as C (gcc, and clang when present) and as C++ (g++, and
#      clang++), with -Wall -Wextra -pedantic -Werror, included before and
#      after <sys/file.h> (1.0 declared flock(), which broke C++ in one order),
#      with and without ZARR_NO_DEPRECATED;
#   3. every constant and function of the 1.0 header is there with its 1.0
#      value (abi_1_0.c: static assertions, compiled as C and C++).
#   4. a C++ program links against libzarr.so and runs (the extern "C" guards).
# Environment: CC (default cc), CXX (default g++), ZARR_LIBDIR (default target/release),
# ZARR_HEADER_NO_CLANG=1 skips clang.
# Output: one line per check and "N passed, N failed"; non-zero exit on failure.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
HEADER="$ROOT/include/zarr.h"
CC=${CC:-cc}
CXX=${CXX:-g++}
BUILD=$(mktemp -d "${TMPDIR:-/tmp}/zarr-header.XXXXXX") || exit 2
trap 'rm -rf "$BUILD"' EXIT

. "$(dirname "${BASH_SOURCE[0]}")/../common/check.sh"
CHECK_LOG="$BUILD/log"

# ---- 1. only the library's own names
own_names() {
    python3 - "$HEADER" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
code = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
code = re.sub(r"//[^\n]*", "", code)
bad = []
for m in re.finditer(r"^\s*#\s*define\s+(\w+)", code, flags=re.M):
    if not (m.group(1).startswith("ZARR_") or m.group(1) == "MAX_THREADS"):
        bad.append("macro " + m.group(1))
decls = "\n".join(l for l in code.splitlines() if not l.lstrip().startswith("#"))
decls = decls.replace('extern "C" {', "").replace("}", "")
funcs = re.findall(r"(\w+)\s*\(", decls)
for f in funcs:
    if not f.startswith("zarr_"):
        bad.append("function " + f)
if len(funcs) < 40:
    bad.append(f"only {len(funcs)} functions found: the parse is wrong")
if bad:
    print("names that are not the library's own:", ", ".join(bad))
    sys.exit(1)
print(f"{len(funcs)} functions, all zarr_*")
EOF
}
check "declares only ZARR_* macros and zarr_* functions" own_names

# ---- 2. compiles cleanly as C and C++, in both include orders
printf '#include <zarr.h>\n#include <sys/file.h>\n' >"$BUILD/before.inc"
printf '#include <sys/file.h>\n#include <zarr.h>\n' >"$BUILD/after.inc"
for order in before after; do
    # Uses a name from each header, so both declarations are really seen.
    {
        cat "$BUILD/$order.inc"
        echo 'int main(void) { return flock(-1, LOCK_UN) == 0 && zarr_version_number() == 0 && ZARR_MAX_THREADS > 0; }'
    } >"$BUILD/$order.c"
    cp "$BUILD/$order.c" "$BUILD/$order.cpp"
done

compilers_c=("$CC")
compilers_cxx=("$CXX")
if [ "${ZARR_HEADER_NO_CLANG:-0}" != 1 ]; then
    if command -v clang >/dev/null; then
        compilers_c+=(clang)
        compilers_cxx+=(clang++)
    else
        echo "note: clang not found (apt-get install clang): checked with $CC and $CXX only"
    fi
fi
WARN=(-Wall -Wextra -pedantic -Werror)
for cc in "${compilers_c[@]}"; do
    for std in c99 c11 c17; do
        for order in before after; do
            check "$cc -std=$std, zarr.h $order <sys/file.h>" \
                "$cc" -std=$std -D_DEFAULT_SOURCE "${WARN[@]}" -Wstrict-prototypes -I "$ROOT/include" \
                -fsyntax-only "$BUILD/$order.c"
        done
    done
    check "$cc -std=c11: the 1.0 constants and functions" \
        "$cc" -std=c11 "${WARN[@]}" -I "$ROOT/include" -fsyntax-only "$HERE/abi_1_0.c"
    check "$cc -std=c11 -DZARR_NO_DEPRECATED: the 1.0 constants, no MAX_THREADS" \
        "$cc" -std=c11 -DZARR_NO_DEPRECATED "${WARN[@]}" -I "$ROOT/include" -fsyntax-only "$HERE/abi_1_0.c"
done
for cxx in "${compilers_cxx[@]}"; do
    for std in c++11 c++17; do
        for order in before after; do
            check "$cxx -std=$std, zarr.h $order <sys/file.h>" \
                "$cxx" -std=$std "${WARN[@]}" -I "$ROOT/include" -fsyntax-only "$BUILD/$order.cpp"
        done
    done
    check "$cxx -std=c++11: the 1.0 constants and functions" \
        "$cxx" -x c++ -std=c++11 "${WARN[@]}" -I "$ROOT/include" -fsyntax-only "$HERE/abi_1_0.c"
    check "$cxx -std=c++11 -DZARR_NO_DEPRECATED" \
        "$cxx" -x c++ -std=c++11 -DZARR_NO_DEPRECATED "${WARN[@]}" -I "$ROOT/include" -fsyntax-only "$HERE/abi_1_0.c"
done

# The C++ guards: a C++ program links against the library's unmangled
# symbols only if the header wraps them in extern "C".
LIBDIR=${ZARR_LIBDIR:-$ROOT/target/release}
cxx_links() {
    printf '#include <zarr.h>\n#include <cstdio>\nint main() { std::printf("%%s\\n", zarr_version()); return zarr_version_number() == ZARR_VERSION_NUMBER ? 0 : 1; }\n' \
        >"$BUILD/link.cpp" &&
        "$CXX" -std=c++11 "${WARN[@]}" -I "$ROOT/include" "$BUILD/link.cpp" -o "$BUILD/link" \
            -L"$LIBDIR" -lzarr -Wl,-rpath,"$LIBDIR" &&
        "$BUILD/link"
}
if [ -f "$LIBDIR/libzarr.so" ]; then
    check "a C++ program links against libzarr and runs (extern \"C\" guards)" cxx_links
else
    failed=$((failed + 1))
    echo "FAIL $LIBDIR/libzarr.so not found (make lib, or set ZARR_LIBDIR)"
fi

check_summary
