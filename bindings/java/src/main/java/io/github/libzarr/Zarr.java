package io.github.libzarr;

/**
 * Entry point: open a Zarr v2/v3 hierarchy through the native libzarr engine.
 *
 * <pre>{@code
 * try (ZarrGroup root = Zarr.open("out.zarr", Mode.CREATE)) { ... }
 * }</pre>
 */
public final class Zarr {
    private Zarr() {}

    /** Open the root group of the hierarchy at {@code url} (a path, file:// URL or memory://NAME). */
    public static ZarrGroup open(String url, Mode mode) {
        return open(url, mode, 0);
    }

    /**
     * As {@link #open(String, Mode)}; {@code zarrFormat} (2 or 3, 0 for the
     * default v3) is the format of a hierarchy this call creates; an existing
     * hierarchy keeps its own.
     */
    public static ZarrGroup open(String url, Mode mode, int zarrFormat) {
        if (url == null || mode == null) {
            throw new IllegalArgumentException("url and mode must not be null");
        }
        return new ZarrGroup(Native.open(url, mode.code, zarrFormat));
    }

    /** The native library's version, e.g. "1.0.0". */
    public static String version() {
        return Native.version();
    }

    /** Where the native library was loaded from: "java.library.path", "libzarr.path=...", or "jar:...". */
    public static String nativeLibrarySource() {
        return Native.LOADED_FROM;
    }

    /** Threads for chunk encoding and decoding (0 = one per core). */
    public static void setNumThreads(int n) {
        Native.setNumThreads(n);
    }
}
