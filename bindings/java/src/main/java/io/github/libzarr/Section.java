package io.github.libzarr;

import java.util.Arrays;

/**
 * A hyperslab in netCDF-Java's section syntax: one range per dimension,
 * separated by commas, each {@code first:last[:stride]} (inclusive last,
 * positive stride), a single index {@code i}, or {@code :} for the whole
 * dimension; e.g. {@code "0:11,10:20:2,:"}. Optional enclosing parentheses
 * are allowed, as in netCDF-Java.
 */
public final class Section {
    private final long[] origin;
    private final int[] shape;
    private final long[] stride;

    public Section(long[] origin, int[] shape, long[] stride) {
        this.origin = origin.clone();
        this.shape = shape.clone();
        this.stride = stride.clone();
    }

    /** Parse {@code spec} against an array of shape {@code varShape}; IllegalArgumentException when invalid. */
    public static Section parse(String spec, long[] varShape) {
        if (spec == null) throw new IllegalArgumentException("section is null");
        String s = spec.trim();
        if (s.startsWith("(") && s.endsWith(")")) s = s.substring(1, s.length() - 1).trim();
        int rank = varShape.length;
        String[] parts = s.isEmpty() ? new String[0] : s.split(",", -1);
        if (parts.length != rank) {
            throw new IllegalArgumentException("section \"" + spec + "\" has " + parts.length
                    + " ranges, the variable has rank " + rank);
        }
        long[] origin = new long[rank];
        int[] shape = new int[rank];
        long[] stride = new long[rank];
        for (int d = 0; d < rank; d++) {
            String p = parts[d].trim();
            long n = varShape[d];
            long first, last, step = 1;
            if (p.equals(":")) {
                first = 0;
                last = n - 1;
            } else {
                String[] f = p.split(":", -1);
                try {
                    if (f.length == 1) {
                        first = last = Long.parseLong(f[0].trim());
                    } else if (f.length == 2 || f.length == 3) {
                        first = f[0].trim().isEmpty() ? 0 : Long.parseLong(f[0].trim());
                        last = f[1].trim().isEmpty() ? n - 1 : Long.parseLong(f[1].trim());
                        if (f.length == 3) step = Long.parseLong(f[2].trim());
                    } else {
                        throw new IllegalArgumentException("bad range \"" + p + "\" in section \"" + spec + "\"");
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad range \"" + p + "\" in section \"" + spec + "\"");
                }
            }
            if (step <= 0) throw new IllegalArgumentException("stride must be positive in \"" + p + "\"");
            if (n == 0 && p.equals(":")) {
                origin[d] = 0;
                shape[d] = 0;
                stride[d] = 1;
                continue;
            }
            if (first < 0 || last < first || last >= n) {
                throw new IllegalArgumentException("range \"" + p + "\" is outside dimension " + d
                        + " of length " + n + " (or last < first)");
            }
            long count = (last - first) / step + 1;
            if (count > Integer.MAX_VALUE) throw new IllegalArgumentException("range \"" + p + "\" is too long");
            origin[d] = first;
            shape[d] = (int) count;
            stride[d] = step;
        }
        return new Section(origin, shape, stride);
    }

    public long[] getOrigin() { return origin.clone(); }
    public int[] getShape() { return shape.clone(); }
    public long[] getStride() { return stride.clone(); }

    /** Number of elements. */
    public long computeSize() {
        long n = 1;
        for (int c : shape) n *= c;
        return n;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int d = 0; d < shape.length; d++) {
            if (d > 0) b.append(',');
            b.append(origin[d]).append(':').append(origin[d] + (shape[d] - 1L) * stride[d]);
            if (stride[d] != 1) b.append(':').append(stride[d]);
        }
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Section)) return false;
        Section s = (Section) o;
        return Arrays.equals(origin, s.origin) && Arrays.equals(shape, s.shape) && Arrays.equals(stride, s.stride);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(origin) * 31 + Arrays.hashCode(shape) * 7 + Arrays.hashCode(stride);
    }
}
