package io.github.libzarr;

/**
 * A failure reported by the native engine. {@link #status()} is the C API's
 * status code (the same numbers as the ZARR_E* constants of zarr.h) and the
 * message is the engine's (it names the key, codec or type involved).
 */
public class ZarrException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public static final int EINVAL = Abi.ZARR_EINVAL;
    public static final int ENOTFOUND = Abi.ZARR_ENOTFOUND;
    public static final int EEXISTS = Abi.ZARR_EEXISTS;
    public static final int EBADID = Abi.ZARR_EBADID;
    public static final int EMETA = Abi.ZARR_EMETA;
    public static final int ECODEC = Abi.ZARR_ECODEC;
    public static final int EIO = Abi.ZARR_EIO;
    public static final int EBOUNDS = Abi.ZARR_EBOUNDS;
    public static final int ERANGE = Abi.ZARR_ERANGE;
    public static final int ETYPE = Abi.ZARR_ETYPE;
    public static final int EREADONLY = Abi.ZARR_EREADONLY;
    public static final int EUNSUPPORTED = Abi.ZARR_EUNSUPPORTED;
    public static final int EINTERNAL = Abi.ZARR_EINTERNAL;
    public static final int ENOMEM = Abi.ZARR_ENOMEM;

    private final int status;

    /** Made by the native library (its signature is part of the JNI contract). */
    public ZarrException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The C status code (negative). */
    public int status() {
        return status;
    }

    @Override
    public String toString() {
        return "ZarrException(" + status + "): " + getMessage();
    }
}
