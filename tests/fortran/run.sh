#!/usr/bin/env bash
# tests/fortran/run.sh - build and run the Fortran tests of libzarr.
#
#   make test-fortran            (builds libzarr and build/fortran first)
#
# Runs, each counted as one pass or failure:
#   generated      bindings/fortran/generate.py --check (the committed .inc
#                  files match the templates and include/zarr.h)
#   constants      every integer #define of include/zarr.h, printed by a C
#                  program, equals the module's constant printed by Fortran
#   test_kinds[K]  test_kinds.F90 compiled once per kind (8 kinds), ranks 0,1,3,7
#   test_api       conversions, ERANGE, bad calls, strings, attributes, groups
#   test_api_static  the same linked against libzarr_fortran.a and libzarr.a
#   write_interop, read_c, zarr_python
#                  Fortran writes; the C API and zarr-python read and check
#   n5_tensorstore, read_n5
#                  tensorstore writes an N5 container; Fortran reads it
#   example        examples/fortran/model_output.f90
#   mpi            test_mpi.f90 under mpirun -np 4 (Open MPI)
#   mpi_zarr_python  zarr-python reads the MPI output and checks every value
# and prints "N passed, N failed"; the exit status is non-zero on any failure.
#
# Environment: ZARR_LIBDIR (libzarr.so/.a; default target/release),
# ZARR_FORTRAN_BUILD (zarr.mod and libzarr_fortran; default build/fortran),
# FC (default gfortran), MPIFC (default mpif90), ZARR_MPI_NP (default 4),
# ZARR_MPI_REPEATS (default 30), ZARR_TEST_KEEP=1 keeps the build directory.

set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LIBDIR=${ZARR_LIBDIR:-$ROOT/target/release}
FBUILD=${ZARR_FORTRAN_BUILD:-$ROOT/build/fortran}
FC=${FC:-gfortran}
MPIFC=${MPIFC:-mpif90}
NP=${ZARR_MPI_NP:-4}
REPEATS=${ZARR_MPI_REPEATS:-30}
CC=${CC:-cc}

passed=0
failed=0
failed_names=()

BUILD=$(mktemp -d "${TMPDIR:-/tmp}/zarr-ftests.XXXXXX") || exit 1
cleanup() { if [ "${ZARR_TEST_KEEP:-0}" = 1 ]; then echo "(kept $BUILD)"; else rm -rf "$BUILD"; fi; }
trap cleanup EXIT
mkdir -p "$BUILD/tmp"
export TMPDIR="$BUILD/tmp"

record() { # record NAME STATUS LOG
    if [ "$2" -eq 0 ]; then
        passed=$((passed + 1))
        printf 'PASS  %-28s %s\n' "$1" "$(grep -h -E 'checks passed|OK|match' "$3" 2>/dev/null | tail -n 1)"
    else
        failed=$((failed + 1))
        failed_names+=("$1")
        printf 'FAIL  %-28s\n' "$1"
        [ -f "$3" ] && { echo "----- $1"; tail -n 60 "$3"; echo "-----"; }
    fi
}

run() { # run NAME CMD... : run a program (under a timeout) or a function, record it
    local name=$1 log="$BUILD/$1.log"
    shift
    if [ "$(type -t "$1")" = function ]; then
        "$@" >"$log" 2>&1
    else
        timeout 600 "$@" >"$log" 2>&1
    fi
    record "$name" $? "$log"
}

[ -f "$FBUILD/zarr.mod" ] && [ -f "$FBUILD/libzarr_fortran.so" ] || {
    echo "run.sh: $FBUILD has no zarr.mod / libzarr_fortran.so (make fortran)"
    echo "0 passed, 1 failed"
    exit 1
}
FFLAGS=(-O1 -g -Wall -I "$FBUILD" -I "$BUILD")
FLIBS=(-L"$FBUILD" -lzarr_fortran -Wl,-rpath,"$FBUILD")

echo "== libzarr Fortran tests ($("$FC" --version | head -n 1))"

run generated python3 "$ROOT/bindings/fortran/generate.py" --check

# ---- the module's constants equal the header's
names=$(sed -n 's/^#define \(ZARR_[A-Z0-9_]*\) \(-\?[0-9][0-9]*\)$/\1/p' "$ROOT/include/zarr.h")
{
    echo '#include <stdio.h>'
    echo '#include <zarr.h>'
    echo 'int main(void) {'
    for n in $names; do echo "    printf(\"%s %ld\\n\", \"$n\", (long)$n);"; done
    echo '    return 0; }'
} >"$BUILD/consts.c"
{
    echo 'program consts'
    echo '  use zarr'
    echo '  implicit none'
    for n in $names; do echo "  print '(a, 1x, i0)', '$n', $n"; done
    echo 'end program consts'
} >"$BUILD/consts.f90"
consts() {
    [ -n "$names" ] || { echo "no ZARR_ constants found in the header"; return 1; }
    "$CC" -I "$ROOT/include" "$BUILD/consts.c" -o "$BUILD/consts_c" &&
        "$FC" "${FFLAGS[@]}" "$BUILD/consts.f90" -o "$BUILD/consts_f" "${FLIBS[@]}" &&
        "$BUILD/consts_c" >"$BUILD/consts_c.out" && "$BUILD/consts_f" >"$BUILD/consts_f.out" &&
        diff "$BUILD/consts_c.out" "$BUILD/consts_f.out" &&
        echo "constants: $(wc -l <"$BUILD/consts_c.out") checks passed"
}
run constants consts

# ---- test programs
if ! "$FC" "${FFLAGS[@]}" -J "$BUILD" -c "$HERE/check.f90" -o "$BUILD/check.o" >"$BUILD/check.log" 2>&1; then
    record check.f90 1 "$BUILD/check.log"
fi
kinds=(int8 int16 int32 int64 real32 real64 logical c_bool)
for id in 1 2 3 4 5 6 7 8; do
    name="test_kinds[${kinds[$((id - 1))]}]"
    if "$FC" "${FFLAGS[@]}" -cpp -ffree-line-length-none -DKIND_ID=$id "$HERE/test_kinds.F90" "$BUILD/check.o" \
        -o "$BUILD/test_kinds_$id" "${FLIBS[@]}" >"$BUILD/kinds_$id.build.log" 2>&1; then
        run "$name" "$BUILD/test_kinds_$id"
    else
        record "$name" 1 "$BUILD/kinds_$id.build.log"
    fi
done

build_run() { # build_run NAME SOURCE [ARGS...]
    local name=$1 src=$2
    shift 2
    if "$FC" "${FFLAGS[@]}" "$src" "$BUILD/check.o" -o "$BUILD/$name" "${FLIBS[@]}" >"$BUILD/$name.build.log" 2>&1; then
        run "$name" "$BUILD/$name" "$@"
    else
        record "$name" 1 "$BUILD/$name.build.log"
    fi
}
build_run test_api "$HERE/test_api.f90"

# Static: libzarr_fortran.a + libzarr.a, no shared libzarr at run time.
static_api() {
    "$FC" "${FFLAGS[@]}" "$HERE/test_api.f90" "$BUILD/check.o" -o "$BUILD/test_api_static" \
        "$FBUILD/libzarr_fortran.a" "$LIBDIR/libzarr.a" -lpthread -ldl -lm || return 1
    if readelf -d "$BUILD/test_api_static" | grep -q 'libzarr'; then
        echo "statically linked test still needs a shared libzarr"
        return 1
    fi
    "$BUILD/test_api_static"
}
run test_api_static static_api

# ---- interop: Fortran writes, C and zarr-python read
build_run write_interop "$HERE/write_interop.f90" "$BUILD/tmp/interop.zarr"
read_c() {
    "$CC" -std=c11 -Wall -Wextra -Werror -I "$ROOT/include" "$HERE/read_fortran_output.c" \
        -o "$BUILD/read_fortran_output" -L"$LIBDIR" -lzarr -Wl,-rpath,"$LIBDIR" -Wl,-rpath,"$FBUILD" &&
        "$BUILD/read_fortran_output" "$BUILD/tmp/interop.zarr"
}
run read_c read_c
zarr_python() {
    bash "$ROOT/scripts/setup-venv.sh" && "$ROOT/.venv/bin/python" "$HERE/check_zarr_python.py" "$BUILD/tmp/interop.zarr"
}
run zarr_python zarr_python

# ---- N5: tensorstore writes a container, Fortran reads it
n5_written() {
    bash "$ROOT/scripts/setup-venv.sh" && "$ROOT/.venv/bin/python" "$HERE/make_n5.py" "$BUILD/tmp/ts.n5"
}
run n5_tensorstore n5_written
build_run read_n5 "$HERE/read_n5.f90" "$BUILD/tmp/ts.n5"

# ---- the example
ex() {
    "$FC" "${FFLAGS[@]}" "$ROOT/examples/fortran/model_output.f90" -o "$BUILD/model_output" "${FLIBS[@]}" &&
        "$BUILD/model_output" "$BUILD/tmp/model_output.zarr"
}
run example ex

# ---- MPI: 4 ranks write slabs of arrays rank 0 created
mpi() {
    command -v "$MPIFC" >/dev/null && command -v mpirun >/dev/null ||
        { echo "$MPIFC or mpirun not found (apt-get install -y openmpi-bin libopenmpi-dev)"; return 1; }
    "$MPIFC" "${FFLAGS[@]}" "$HERE/test_mpi.f90" "$BUILD/check.o" -o "$BUILD/test_mpi" "${FLIBS[@]}" || return 1
    local root_flags=()
    if [ "$(id -u)" -eq 0 ]; then
        export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
        root_flags=(--allow-run-as-root)
    fi
    timeout 600 mpirun "${root_flags[@]}" --oversubscribe -np "$NP" "$BUILD/test_mpi" "$BUILD/tmp/mpi.zarr" "$REPEATS"
}
run mpi mpi
mpi_python() { "$ROOT/.venv/bin/python" "$HERE/check_zarr_python.py" --mpi "$BUILD/tmp/mpi.zarr" "$NP"; }
run mpi_zarr_python mpi_python

[ "$failed" -ne 0 ] && echo "failed: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
