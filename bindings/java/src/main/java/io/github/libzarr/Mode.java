package io.github.libzarr;

/** How a hierarchy is opened (the C API's ZARR_READ, ZARR_WRITE, ZARR_CREATE). */
public enum Mode {
    /** Read only; the hierarchy must exist. */
    READ(0),
    /** Read and write; the hierarchy must exist. */
    WRITE(1),
    /** Read and write; a missing hierarchy is created (Zarr v3 unless asked otherwise). */
    CREATE(2);

    final int code;

    Mode(int code) {
        this.code = code;
    }
}
