#!/usr/bin/env python3
"""Compare the Java bindings' constants with the C header's.

    check_constants.py C_OUTPUT JAVA_OUTPUT

C_OUTPUT: "NAME value" per line, printed by a C program compiled against
include/zarr.h for every integer ZARR_* macro. JAVA_OUTPUT: ConstantsCheck's
lines, "abi NAME value" (the generated Abi class) and "public NAME value"
(ZarrException, DataType, Mode). Abi must hold exactly the header's
constants with the same values; every public constant must equal the C value
of its name. Exit 1, naming each difference, otherwise.
"""
import sys


def main(c_path, java_path):
    c = {}
    for line in open(c_path):
        name, value = line.split()
        c[name] = int(value)
    abi, public = {}, {}
    for line in open(java_path):
        kind, name, value = line.split()
        (abi if kind == "abi" else public)[name] = int(value)
    bad = []
    if not c:
        bad.append("the C program printed no constants")
    for name in sorted(set(c) | set(abi)):
        if c.get(name) != abi.get(name):
            bad.append(f"{name}: C {c.get(name)}, Java Abi {abi.get(name)}")
    for name, value in sorted(public.items()):
        if c.get(name) != value:
            bad.append(f"{name}: C {c.get(name)}, Java {value}")
    if len(public) < 29:
        bad.append(f"only {len(public)} public Java constants printed")
    for b in bad:
        print(b)
    if bad:
        return 1
    print(f"{len(abi)} Abi constants and {len(public)} public Java constants equal the header's")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
