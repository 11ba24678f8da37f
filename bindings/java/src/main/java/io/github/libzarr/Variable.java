package io.github.libzarr;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A netCDF-Java style view of one array: named dimensions, attributes and
 * reads by section. Reads return a Java primitive array holding the stored
 * values exactly (see {@link DataType}): float[] for float32, double[] for
 * float64, short[] for uint8, and so on, in C order.
 */
public final class Variable {
    private final ZarrArray array;
    private final String fullName;

    Variable(ZarrArray array, String fullName) {
        this.array = array;
        this.fullName = fullName;
    }

    /** The array behind this view (closed with the dataset). */
    public ZarrArray array() { return array; }

    /** The path from the root, e.g. "model/temp". */
    public String getFullName() { return fullName; }

    /** The last part of the path. */
    public String getShortName() {
        int i = fullName.lastIndexOf('/');
        return i < 0 ? fullName : fullName.substring(i + 1);
    }

    public DataType getDataType() { return array.dataType(); }

    public int getRank() { return array.rank(); }

    /** The shape as ints (netCDF-Java's convention); a dimension beyond int is an error. */
    public int[] getShape() {
        long[] s = array.shape();
        int[] out = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            if (s[i] > Integer.MAX_VALUE) throw new IllegalStateException("dimension " + i + " exceeds int");
            out[i] = (int) s[i];
        }
        return out;
    }

    /** The dimensions, named from the array's dimension names (v3) or _ARRAY_DIMENSIONS (v2). */
    public List<Dimension> getDimensions() {
        long[] s = array.shape();
        List<String> names = array.dimensionNames();
        List<Dimension> out = new ArrayList<>();
        for (int i = 0; i < s.length; i++) {
            out.add(new Dimension(names == null ? null : names.get(i), s[i]));
        }
        return Collections.unmodifiableList(out);
    }

    /** Dimension names separated by spaces, e.g. "time lat lon". */
    public String getDimensionsString() {
        StringBuilder b = new StringBuilder();
        for (Dimension d : getDimensions()) {
            if (b.length() > 0) b.append(' ');
            b.append(d.getShortName() == null ? "?" : d.getShortName());
        }
        return b.toString();
    }

    /** The attributes (without v2's _ARRAY_DIMENSIONS, which is shown as the dimensions). */
    public Map<String, Object> getAttributes() {
        Map<String, Object> a = array.attributes();
        a.remove("_ARRAY_DIMENSIONS");
        return a;
    }

    /** One attribute's value, or null. */
    public Object findAttribute(String name) {
        return getAttributes().get(name);
    }

    public Object getFillValue() { return array.fillValue(); }

    /** Read everything. */
    public Object read() {
        return read(new Section(new long[getRank()], getShape(), ones(getRank())));
    }

    /** Read a section in netCDF-Java syntax, e.g. "0:11,10:20:2,:". */
    public Object read(String section) {
        return read(Section.parse(section, array.shape()));
    }

    /** Read the block at {@code origin} of {@code shape}. */
    public Object read(int[] origin, int[] shape) {
        long[] o = new long[origin.length];
        for (int i = 0; i < o.length; i++) o[i] = origin[i];
        return read(new Section(o, shape, ones(origin.length)));
    }

    public Object read(Section s) {
        return array.readNative(s.getOrigin(), s.getShape(), s.getStride());
    }

    private static long[] ones(int n) {
        long[] a = new long[n];
        java.util.Arrays.fill(a, 1);
        return a;
    }

    @Override
    public String toString() {
        return getDataType().name().toLowerCase() + " " + fullName + "(" + getDimensionsString() + ")";
    }
}
