package io.github.libzarr;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * The native methods (implemented in libzarr.so, src/jni) and the library
 * loader. Handles are ids of the native handle table, never reused; every
 * native failure arrives as a ZarrException.
 */
final class Native {
    private Native() {}

    /** Where the library was loaded from (for diagnostics and tests). */
    static final String LOADED_FROM;

    static {
        LOADED_FROM = load();
    }

    /**
     * Load libzarr: (1) System.loadLibrary("zarr") from java.library.path;
     * (2) the file named by the system property {@code libzarr.path};
     * (3) the jar resource /native/OS-ARCH/libzarr.so, copied to a temporary file.
     */
    private static String load() {
        StringBuilder why = new StringBuilder();
        try {
            System.loadLibrary("zarr");
            return "java.library.path";
        } catch (UnsatisfiedLinkError e) {
            why.append("java.library.path: ").append(e.getMessage()).append("; ");
        }
        String path = System.getProperty("libzarr.path");
        if (path != null && !path.isEmpty()) {
            try {
                System.load(Path.of(path).toAbsolutePath().toString());
                return "libzarr.path=" + path;
            } catch (UnsatisfiedLinkError e) {
                why.append("libzarr.path: ").append(e.getMessage()).append("; ");
            }
        } else {
            why.append("libzarr.path: not set; ");
        }
        String resource = "/native/" + platform() + "/" + System.mapLibraryName("zarr");
        try (InputStream in = Native.class.getResourceAsStream(resource)) {
            if (in == null) {
                why.append(resource).append(": not in the jar");
            } else {
                Path dir = Files.createTempDirectory("libzarr");
                Path lib = dir.resolve(System.mapLibraryName("zarr"));
                Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
                lib.toFile().deleteOnExit();
                dir.toFile().deleteOnExit();
                System.load(lib.toString());
                return "jar:" + resource;
            }
        } catch (Exception | UnsatisfiedLinkError e) {
            why.append(resource).append(": ").append(e);
        }
        throw new UnsatisfiedLinkError("cannot load libzarr (" + why + ")");
    }

    /** e.g. linux-x86_64, linux-aarch64, macos-aarch64. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) os = "linux";
        else if (os.startsWith("mac") || os.startsWith("darwin")) os = "macos";
        else if (os.startsWith("windows")) os = "windows";
        if (arch.equals("amd64") || arch.equals("x86-64")) arch = "x86_64";
        if (arch.equals("arm64")) arch = "aarch64";
        return os + "-" + arch;
    }

    static native String version();
    static native void setNumThreads(int n);
    static native long open(String url, int mode, int zarrFormat);
    static native void close(long h);
    static native long groupCreate(long parent, String path, String attrsJson);
    static native long groupOpen(long parent, String path);
    static native long arrayOpen(long parent, String path);
    static native long arrayCreate(long parent, String path, int dtype, long[] shape, long[] chunks,
                                   String codecsJson, int fillKind, long fillLong, double fillDouble);
    static native long arrayCreateSharded(long parent, String path, int dtype, long[] shape, long[] shards,
                                          long[] inner, String codecsJson, int fillKind, long fillLong,
                                          double fillDouble);
    static native void append(long h, int axis, long count, int memType, Object in);
    static native long arrayCreateJson(long parent, String path, String metadataJson);
    static native long[] shape(long h);
    static native long[] chunkShape(long h);
    static native int dtype(long h);
    static native byte[] fillValue(long h);
    static native String path(long h);
    static native int format(long h);
    static native String dimensionNames(long h);
    static native void setDimensionNames(long h, String json);
    static native String attributes(long h);
    static native void setAttributes(long h, String json);
    static native String list(long h);
    static native void delete(long h, String path);
    static native void consolidate(long h);
    static native void resize(long h, long[] shape);
    static native void setWriteEmptyChunks(long h, boolean enable);
    static native boolean writeEmptyChunks(long h);
    static native void read(long h, long[] start, long[] count, long[] stride, int memType, Object out);
    static native void write(long h, long[] start, long[] count, long[] stride, int memType, Object in);
    static native void readDirect(long h, long[] start, long[] count, long[] stride, int memType,
                                  ByteBuffer buf, int offset, int length);
    static native void writeDirect(long h, long[] start, long[] count, long[] stride, int memType,
                                   ByteBuffer buf, int offset, int length);
    static native long openHandleCount();
    static native void panicForTest();
}
