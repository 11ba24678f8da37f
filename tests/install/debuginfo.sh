#!/usr/bin/env bash
# tests/install/debuginfo.sh PREFIX BUILT_SO - `make install-lib DEBUGINFO=1`
# keeps the debug info beside the stripped library: lib/.debug/NAME.debug
# holds the build's DWARF line tables, and the library's .gnu_debuglink names
# that file with its CRC32, which is how gdb finds and checks it. Exit 1 on failure.
set -eu
PREFIX=$1 BUILT=$2
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$(dirname "$0")/../../Cargo.toml" | head -1)
LIB="$PREFIX/lib/libzarr.so.$VERSION"
DBG="$PREFIX/lib/.debug/libzarr.so.$VERSION.debug"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/zarr-debuginfo.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL debuginfo: $*"; exit 1; }
[ -f "$DBG" ] || fail "$DBG missing"
! readelf -S --wide "$LIB" | grep -q ' \.debug_' || fail "$LIB still has debug sections"
objcopy --dump-section .gnu_debuglink="$WORK/link" "$LIB" "$WORK/scratch" || fail "$LIB has no .gnu_debuglink"
python3 - "$WORK/link" "$DBG" <<'PY' || fail ".gnu_debuglink does not name $DBG with its CRC"
import sys, zlib
link = open(sys.argv[1], "rb").read()
name = link.split(b"\0", 1)[0].decode()
crc = int.from_bytes(link[-4:], "little")
want = sys.argv[2].rsplit("/", 1)[1]
actual = zlib.crc32(open(sys.argv[2], "rb").read())
print(f".gnu_debuglink: {name}, crc {crc:08x} (file: {actual:08x})")
sys.exit(0 if name == want and crc == actual else 1)
PY
objcopy --dump-section .debug_line="$WORK/built_line" "$BUILT" "$WORK/scratch" || fail "the build has no .debug_line"
objcopy --dump-section .debug_line="$WORK/dbg_line" "$DBG" "$WORK/scratch" || fail "$DBG has no .debug_line"
cmp -s "$WORK/built_line" "$WORK/dbg_line" || fail ".debug_line of $DBG differs from the build's"
echo "ok   DEBUGINFO=1: $LIB stripped ($(stat -c %s "$LIB") bytes), debug info in $DBG ($(stat -c %s "$DBG") bytes)"
