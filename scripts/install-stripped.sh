#!/bin/sh
# scripts/install-stripped.sh MODE SRC DEST - install a library without its
# debug info (`make install` uses it for every library it installs).
#   shared objects: strip --strip-unneeded (the dynamic symbols stay);
#   static archives: strip --strip-debug (every symbol stays).
# With DEBUGINFO=1 the debug info of a shared object goes to
# DIR/.debug/NAME.debug beside DEST (objcopy --only-keep-debug) and DEST gets a
# .gnu_debuglink to it, where gdb looks without being told; an archive is
# installed as built (its objects carry their debug info).
set -eu
mode=$1 src=$2 dest=$3
install -d "$(dirname "$dest")"
dir=$(cd "$(dirname "$dest")" && pwd)
name=$(basename "$dest")
tmp="$dir/.$name.tmp.$$"
trap 'rm -f "$tmp"' EXIT
case "$name" in
*.a) kind=archive ;;
*) kind=shared ;;
esac
if [ "${DEBUGINFO:-0}" = 1 ]; then
    if [ "$kind" = archive ]; then
        cp "$src" "$tmp"
    else
        install -d "$dir/.debug"
        objcopy --only-keep-debug "$src" "$dir/.debug/$name.debug"
        chmod 644 "$dir/.debug/$name.debug"
        strip --strip-unneeded -o "$tmp" "$src"
        # The link holds the file's name and CRC; objcopy reads it from here.
        (cd "$dir/.debug" && objcopy --add-gnu-debuglink="$name.debug" "$tmp")
    fi
elif [ "$kind" = archive ]; then
    strip --strip-debug -o "$tmp" "$src"
else
    strip --strip-unneeded -o "$tmp" "$src"
fi
chmod "$mode" "$tmp"
mv -f "$tmp" "$dir/$name"
