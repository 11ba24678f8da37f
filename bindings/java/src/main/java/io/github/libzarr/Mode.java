package io.github.libzarr;

/** How a hierarchy is opened (the C API's ZARR_READ, ZARR_WRITE, ZARR_CREATE). */
public enum Mode {
    /** Read only; the hierarchy must exist. */
    READ(Abi.ZARR_READ),
    /** Read and write; the hierarchy must exist. */
    WRITE(Abi.ZARR_WRITE),
    /** Read and write; a missing hierarchy is created (Zarr v3 unless asked otherwise). */
    CREATE(Abi.ZARR_CREATE);

    final int code;

    Mode(int code) {
        this.code = code;
    }
}
