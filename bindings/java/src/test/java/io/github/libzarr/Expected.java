package io.github.libzarr;

/**
 * The test data, as formulas of the flat (C order) index k. The interop
 * scripts compute the same formulas with numpy (bindings/java/tests/*.py),
 * so each side checks the other against values it computed itself.
 */
final class Expected {
    private Expected() {}

    static boolean bool(int k) { return k % 3 == 0; }
    static long int8(int k) { return (k * 37L) % 256 - 128; }
    static long int16(int k) { return (k * 1237L) % 65536 - 32768; }
    static long int32(int k) { return k * 100003L - 3000000; }
    static long int64(int k) { return (k - 30) * 3000000000123L; }
    static long uint8(int k) { return (k * 37L) % 256; }
    static long uint16(int k) { return (k * 1237L) % 65536; }
    static long uint32(int k) { return (k * 71000003L) % 4294967296L; }
    static long uint64(int k) { return k * (1L << 40) + 5; }
    static float float16(int k) { return k * 0.5f - 8f; }
    static float float32(int k) { return k * 0.25f - 10.5f; }
    static double float64(int k) { return k / 3.0; }

    /** The value at k as a double (exact for every type here). */
    static double asDouble(DataType t, int k) {
        switch (t) {
            case BOOL: return bool(k) ? 1 : 0;
            case INT8: return int8(k);
            case INT16: return int16(k);
            case INT32: return int32(k);
            case INT64: return int64(k);
            case UINT8: return uint8(k);
            case UINT16: return uint16(k);
            case UINT32: return uint32(k);
            case UINT64: return uint64(k);
            case FLOAT16: return float16(k);
            case FLOAT32: return float32(k);
            default: return float64(k);
        }
    }

    /** n values of type t in the Java array type that holds t exactly. */
    static Object javaValues(DataType t, int n) {
        switch (t) {
            case BOOL: { boolean[] a = new boolean[n]; for (int k = 0; k < n; k++) a[k] = bool(k); return a; }
            case INT8: { byte[] a = new byte[n]; for (int k = 0; k < n; k++) a[k] = (byte) int8(k); return a; }
            case INT16: { short[] a = new short[n]; for (int k = 0; k < n; k++) a[k] = (short) int16(k); return a; }
            case UINT8: { short[] a = new short[n]; for (int k = 0; k < n; k++) a[k] = (short) uint8(k); return a; }
            case INT32: { int[] a = new int[n]; for (int k = 0; k < n; k++) a[k] = (int) int32(k); return a; }
            case UINT16: { int[] a = new int[n]; for (int k = 0; k < n; k++) a[k] = (int) uint16(k); return a; }
            case INT64: { long[] a = new long[n]; for (int k = 0; k < n; k++) a[k] = int64(k); return a; }
            case UINT32: { long[] a = new long[n]; for (int k = 0; k < n; k++) a[k] = uint32(k); return a; }
            case UINT64: { long[] a = new long[n]; for (int k = 0; k < n; k++) a[k] = uint64(k); return a; }
            case FLOAT16: { float[] a = new float[n]; for (int k = 0; k < n; k++) a[k] = float16(k); return a; }
            case FLOAT32: { float[] a = new float[n]; for (int k = 0; k < n; k++) a[k] = float32(k); return a; }
            default: { double[] a = new double[n]; for (int k = 0; k < n; k++) a[k] = float64(k); return a; }
        }
    }

    /** A (time, lat, lon) test field; every value exact in float32. */
    static float cell(int t, int i, int j) {
        return (float) (t * 100 + i) + j * 0.25f;
    }

    static float[] field(int nt, int ni, int nj) {
        float[] f = new float[nt * ni * nj];
        for (int t = 0; t < nt; t++) for (int i = 0; i < ni; i++) for (int j = 0; j < nj; j++) {
            f[(t * ni + i) * nj + j] = cell(t, i, j);
        }
        return f;
    }
}
