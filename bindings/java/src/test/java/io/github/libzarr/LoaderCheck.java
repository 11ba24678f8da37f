package io.github.libzarr;

/** Prints where the native library came from and checks that it works (run-tests.sh runs it three ways). */
public final class LoaderCheck {
    public static void main(String[] args) {
        try (ZarrGroup g = Zarr.open("memory://loader", Mode.CREATE);
             ZarrArray a = g.createArray("x", DataType.INT32, new long[] {3}, new long[] {3})) {
            a.write(new long[] {0}, new int[] {3}, new int[] {1, 2, 3});
            int[] back = a.readInts(new long[] {0}, new int[] {3});
            if (back[0] + back[1] + back[2] != 6) throw new AssertionError("bad read");
        }
        System.out.println(Zarr.nativeLibrarySource());
    }
}
