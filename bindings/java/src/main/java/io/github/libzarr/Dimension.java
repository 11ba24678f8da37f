package io.github.libzarr;

/** A named dimension of a variable (name null when the array has no dimension names). */
public final class Dimension {
    private final String name;
    private final long length;

    public Dimension(String name, long length) {
        this.name = name;
        this.length = length;
    }

    public String getShortName() { return name; }
    public long getLength() { return length; }

    @Override
    public String toString() {
        return (name == null ? "?" : name) + " = " + length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Dimension && ((Dimension) o).length == length
                && java.util.Objects.equals(((Dimension) o).name, name);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(name, length);
    }
}
