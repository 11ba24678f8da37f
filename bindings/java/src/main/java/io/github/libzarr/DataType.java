package io.github.libzarr;

/**
 * Stored data types, numbered as the C API's ZARR_BOOL..ZARR_FLOAT16.
 *
 * <p>Java has no unsigned types: reading an unsigned array into the next wider
 * Java type keeps every value exact (uint8 to short[], uint16 to int[],
 * uint32 to long[]); a value that does not fit the Java type asked for is a
 * {@link ZarrException} with status {@link ZarrException#ERANGE}, as in C.
 */
public enum DataType {
    BOOL(Abi.ZARR_BOOL, 1),
    INT8(Abi.ZARR_INT8, 1),
    INT16(Abi.ZARR_INT16, 2),
    INT32(Abi.ZARR_INT32, 4),
    INT64(Abi.ZARR_INT64, 8),
    UINT8(Abi.ZARR_UINT8, 1),
    UINT16(Abi.ZARR_UINT16, 2),
    UINT32(Abi.ZARR_UINT32, 4),
    UINT64(Abi.ZARR_UINT64, 8),
    FLOAT32(Abi.ZARR_FLOAT32, 4),
    FLOAT64(Abi.ZARR_FLOAT64, 8),
    FLOAT16(Abi.ZARR_FLOAT16, 2);

    /** The C API's type code. */
    public final int code;
    /** Bytes per element. */
    public final int size;

    DataType(int code, int size) {
        this.code = code;
        this.size = size;
    }

    /** The type with the C API's code. */
    public static DataType fromCode(int code) {
        for (DataType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown data type code " + code);
    }

    /** The Java primitive array type whose values hold every value of this type exactly. */
    Class<?> javaArrayType() {
        switch (this) {
            case BOOL: return boolean[].class;
            case INT8: return byte[].class;
            case INT16: case UINT8: return short[].class;
            case INT32: case UINT16: return int[].class;
            case INT64: case UINT32: case UINT64: return long[].class;
            case FLOAT16: case FLOAT32: return float[].class;
            default: return double[].class;
        }
    }

    /** The memory type matching a Java primitive array class. */
    static DataType ofJavaArray(Class<?> c) {
        if (c == boolean[].class) return BOOL;
        if (c == byte[].class) return INT8;
        if (c == short[].class) return INT16;
        if (c == int[].class) return INT32;
        if (c == long[].class) return INT64;
        if (c == float[].class) return FLOAT32;
        if (c == double[].class) return FLOAT64;
        throw new IllegalArgumentException("not a primitive Java array type: " + c);
    }
}
