package io.github.libzarr;

/**
 * A failure reported by the native engine. {@link #status()} is the C API's
 * status code (the same numbers as the ZARR_E* constants of zarr.h) and the
 * message is the engine's (it names the key, codec or type involved).
 */
public class ZarrException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public static final int EINVAL = -1;
    public static final int ENOTFOUND = -2;
    public static final int EEXISTS = -3;
    public static final int EBADID = -4;
    public static final int EMETA = -5;
    public static final int ECODEC = -6;
    public static final int EIO = -7;
    public static final int EBOUNDS = -8;
    public static final int ERANGE = -9;
    public static final int ETYPE = -10;
    public static final int EREADONLY = -11;
    public static final int EUNSUPPORTED = -12;
    public static final int EINTERNAL = -13;
    public static final int ENOMEM = -14;

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
