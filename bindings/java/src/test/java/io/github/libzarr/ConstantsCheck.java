package io.github.libzarr;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * Prints every constant the Java bindings hold, one "ZARR_NAME value" per
 * line: the generated Abi class, and the public constants built on it
 * (ZarrException.E*, DataType and Mode codes) under their C names.
 * bindings/java/run-tests.sh compares the lines with a C program's values
 * of the same names, compiled against include/zarr.h.
 */
public final class ConstantsCheck {
    private ConstantsCheck() {}

    public static void main(String[] args) throws IllegalAccessException {
        for (Field f : Abi.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
                System.out.println("abi " + f.getName() + " " + f.getInt(null));
            }
        }
        for (Field f : ZarrException.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class) {
                System.out.println("public ZARR_" + f.getName() + " " + f.getInt(null));
            }
        }
        for (DataType t : DataType.values()) {
            System.out.println("public ZARR_" + t.name() + " " + t.code);
        }
        for (Mode m : Mode.values()) {
            System.out.println("public ZARR_" + m.name() + " " + m.code);
        }
    }
}
