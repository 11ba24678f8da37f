package io.github.libzarr;

import java.lang.ref.Reference;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An open array. Selections are netCDF hyperslabs: {@code start} (long per
 * dimension), {@code count} (int per dimension) and an optional positive
 * {@code stride}; memory is C order (last dimension fastest).
 *
 * <p>Reads and writes of Java primitive arrays convert between the Java type
 * and the stored type with the C API's (netCDF's) rules: floats to integers
 * truncate toward zero; a value that does not fit is a ZarrException with
 * status ERANGE (a write that fails so changes nothing). They copy through a
 * native buffer with Get/Set&lt;Type&gt;ArrayRegion: no Java array is pinned
 * while chunks are read or written. The {@link ByteBuffer} methods read and
 * write a direct buffer in place (no copy between Java and the engine).
 *
 * <p>One ZarrArray may be used from several threads at once.
 */
public final class ZarrArray extends NativeHandle {
    ZarrArray(long id) {
        super(id);
    }

    /** The shape (read again from the handle: a resize shows). */
    public long[] shape() {
        return call(Native::shape);
    }

    /** The number of dimensions. */
    public int rank() {
        return shape().length;
    }

    /** The chunk shape (for a sharded array, the shard shape). */
    public long[] chunkShape() {
        return call(Native::chunkShape);
    }

    /** The stored data type. */
    public DataType dataType() {
        return DataType.fromCode(call(h -> Native.dtype(h)));
    }

    /** The Zarr format of the array, 2 or 3. */
    public int zarrFormat() {
        return call(h -> Native.format(h));
    }

    /** The path of the array below the root. */
    public String path() {
        return call(Native::path);
    }

    /**
     * The fill value as a Java object: Boolean for bool; Byte, Short,
     * Integer, Long for int8..int64; the next wider type for uint8..uint32
     * (Short, Integer, Long) and BigInteger for uint64; Float for float16 and
     * float32; Double for float64. A v2 {@code null} fill reads as zero.
     */
    public Object fillValue() {
        DataType t = dataType();
        ByteBuffer b = ByteBuffer.wrap(call(Native::fillValue)).order(ByteOrder.nativeOrder());
        switch (t) {
            case BOOL: return b.get() != 0;
            case INT8: return b.get();
            case INT16: return b.getShort();
            case INT32: return b.getInt();
            case INT64: return b.getLong();
            case UINT8: return (short) (b.get() & 0xff);
            case UINT16: return b.getShort() & 0xffff;
            case UINT32: return b.getInt() & 0xffffffffL;
            case UINT64: return new BigInteger(Long.toUnsignedString(b.getLong()));
            case FLOAT16: return halfToFloat(b.getShort());
            case FLOAT32: return b.getFloat();
            default: return b.getDouble();
        }
    }

    /** IEEE binary16 bits to float (exact). */
    static float halfToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h >>> 15) != 0 ? -1 : 1;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0) return sign * mant * 0x1p-24f;
        if (exp == 31) return mant == 0 ? sign * Float.POSITIVE_INFINITY : Float.NaN;
        return sign * (1 + mant / 1024f) * (float) Math.pow(2, exp - 15);
    }

    /** Dimension names (entries may be null in v3), or null when the array has none. */
    public List<String> dimensionNames() {
        Object v = Json.parse(call(Native::dimensionNames));
        if (v == null) return null;
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) v) out.add((String) o);
        return out;
    }

    /** Set dimension names (one per dimension; v2 needs every name), or remove them with null. */
    public void setDimensionNames(List<String> names) {
        String json = Json.write(names);
        run(h -> Native.setDimensionNames(h, json));
    }

    /** Store chunks that are entirely fill value (true) or leave them out (false, the default). */
    public void setWriteEmptyChunks(boolean enable) {
        run(h -> Native.setWriteEmptyChunks(h, enable));
    }

    public boolean writeEmptyChunks() {
        return call(h -> Native.writeEmptyChunks(h));
    }

    /** Change the shape (same rank); see the C API's zarr_array_resize. */
    public void resize(long[] newShape) {
        long[] s = newShape.clone();
        run(h -> Native.resize(h, s));
    }

    /**
     * Grow the array by {@code count} along {@code axis} and write {@code slab}
     * (a Java primitive array holding the array's shape with {@code count} on
     * {@code axis}, C order) there in one call; see the C API's zarr_array_append
     * (appends of one array are serialised within the process).
     */
    public void append(int axis, long count, Object slab) {
        if (slab == null) throw new IllegalArgumentException("slab is null");
        DataType mt = DataType.ofJavaArray(slab.getClass());
        run(h -> Native.append(h, axis, count, mt.code, slab));
    }

    // ------------------------------------------------------------ selections

    private static long[] counts(int[] count) {
        if (count == null) throw new IllegalArgumentException("count is null");
        long[] c = new long[count.length];
        for (int i = 0; i < count.length; i++) {
            if (count[i] < 0) throw new IllegalArgumentException("negative count " + count[i]);
            c[i] = count[i];
        }
        return c;
    }

    /** Elements in a selection, which must fit a Java array. */
    static int elements(int[] count) {
        long n = 1;
        for (long c : counts(count)) {
            n *= c;
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("selection " + Arrays.toString(count)
                        + " is too large for a Java array; read it in parts or into a ByteBuffer");
            }
        }
        return (int) n;
    }

    private static long[] startOf(long[] start) {
        if (start == null) throw new IllegalArgumentException("start is null");
        return start.clone();
    }

    /** Read a selection into {@code out}, a Java primitive array of at least count's product elements. */
    public void read(long[] start, int[] count, long[] stride, Object out) {
        if (out == null) throw new IllegalArgumentException("out is null");
        DataType mt = DataType.ofJavaArray(out.getClass());
        if (java.lang.reflect.Array.getLength(out) < elements(count)) {
            throw new IllegalArgumentException("the array is smaller than the selection");
        }
        long[] s = startOf(start), c = counts(count), st = stride == null ? null : stride.clone();
        run(h -> Native.read(h, s, c, st, mt.code, out));
    }

    public void read(long[] start, int[] count, Object out) {
        read(start, count, null, out);
    }

    /** Write a selection from {@code in}, a Java primitive array (C order). */
    public void write(long[] start, int[] count, long[] stride, Object in) {
        if (in == null) throw new IllegalArgumentException("in is null");
        DataType mt = DataType.ofJavaArray(in.getClass());
        if (java.lang.reflect.Array.getLength(in) < elements(count)) {
            throw new IllegalArgumentException("the array is smaller than the selection");
        }
        long[] s = startOf(start), c = counts(count), st = stride == null ? null : stride.clone();
        run(h -> Native.write(h, s, c, st, mt.code, in));
    }

    public void write(long[] start, int[] count, Object in) {
        write(start, count, null, in);
    }

    public boolean[] readBooleans(long[] start, int[] count) { return readBooleans(start, count, null); }
    public byte[] readBytes(long[] start, int[] count) { return readBytes(start, count, null); }
    public short[] readShorts(long[] start, int[] count) { return readShorts(start, count, null); }
    public int[] readInts(long[] start, int[] count) { return readInts(start, count, null); }
    public long[] readLongs(long[] start, int[] count) { return readLongs(start, count, null); }
    public float[] readFloats(long[] start, int[] count) { return readFloats(start, count, null); }
    public double[] readDoubles(long[] start, int[] count) { return readDoubles(start, count, null); }

    public boolean[] readBooleans(long[] start, int[] count, long[] stride) {
        boolean[] a = new boolean[elements(count)];
        read(start, count, stride, a);
        return a;
    }

    public byte[] readBytes(long[] start, int[] count, long[] stride) {
        byte[] a = new byte[elements(count)];
        read(start, count, stride, a);
        return a;
    }

    public short[] readShorts(long[] start, int[] count, long[] stride) {
        short[] a = new short[elements(count)];
        read(start, count, stride, a);
        return a;
    }

    public int[] readInts(long[] start, int[] count, long[] stride) {
        int[] a = new int[elements(count)];
        read(start, count, stride, a);
        return a;
    }

    public long[] readLongs(long[] start, int[] count, long[] stride) {
        long[] a = new long[elements(count)];
        read(start, count, stride, a);
        return a;
    }

    public float[] readFloats(long[] start, int[] count, long[] stride) {
        float[] a = new float[elements(count)];
        read(start, count, stride, a);
        return a;
    }

    public double[] readDoubles(long[] start, int[] count, long[] stride) {
        double[] a = new double[elements(count)];
        read(start, count, stride, a);
        return a;
    }

    /**
     * Read a selection into a Java array of the type that holds the stored
     * type exactly (see {@link DataType}): float[] for float32, short[] for
     * uint8, and so on.
     */
    public Object readNative(long[] start, int[] count, long[] stride) {
        Object a = java.lang.reflect.Array.newInstance(dataType().javaArrayType().getComponentType(),
                elements(count));
        read(start, count, stride, a);
        return a;
    }

    // ------------------------------------------------------------ direct buffers

    /**
     * Read a selection straight into a direct buffer, as elements of the stored
     * type, native byte order (use {@code buf.order(ByteOrder.nativeOrder())}
     * to view them), from the buffer's position; the position is unchanged.
     */
    public void read(long[] start, int[] count, ByteBuffer buf) {
        read(start, count, null, null, buf);
    }

    /** As {@link #read(long[], int[], ByteBuffer)} with a stride and a memory type (null: the stored type). */
    public void read(long[] start, int[] count, long[] stride, DataType memType, ByteBuffer buf) {
        checkDirect(buf);
        if (buf.isReadOnly()) throw new IllegalArgumentException("the buffer is read-only");
        long[] s = startOf(start), c = counts(count), st = stride == null ? null : stride.clone();
        int mt = memType == null ? 0 : memType.code;
        int pos = buf.position(), len = buf.remaining();
        try {
            run(h -> Native.readDirect(h, s, c, st, mt, buf, pos, len));
        } finally {
            Reference.reachabilityFence(buf);
        }
    }

    /** Write a selection straight from a direct buffer (stored type, native byte order, from its position). */
    public void write(long[] start, int[] count, ByteBuffer buf) {
        write(start, count, null, null, buf);
    }

    /** As {@link #write(long[], int[], ByteBuffer)} with a stride and a memory type (null: the stored type). */
    public void write(long[] start, int[] count, long[] stride, DataType memType, ByteBuffer buf) {
        checkDirect(buf);
        long[] s = startOf(start), c = counts(count), st = stride == null ? null : stride.clone();
        int mt = memType == null ? 0 : memType.code;
        int pos = buf.position(), len = buf.remaining();
        try {
            run(h -> Native.writeDirect(h, s, c, st, mt, buf, pos, len));
        } finally {
            Reference.reachabilityFence(buf);
        }
    }

    private static void checkDirect(ByteBuffer buf) {
        if (buf == null) throw new IllegalArgumentException("buffer is null");
        if (!buf.isDirect()) {
            throw new IllegalArgumentException("the zero-copy path needs a direct ByteBuffer "
                    + "(ByteBuffer.allocateDirect); use the primitive-array methods otherwise");
        }
    }

    @Override
    public String toString() {
        return isClosed() ? "ZarrArray(closed)"
                : "ZarrArray(/" + path() + " " + dataType() + " " + Arrays.toString(shape()) + ")";
    }
}
