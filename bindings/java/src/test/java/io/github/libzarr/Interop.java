package io.github.libzarr;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Java half of the interop tests (bindings/java/tests/interop.py is the
 * Python half):
 *   Interop write DIR   writes DIR/java-v3.zarr and DIR/java-v2.zarr for zarr-python and the C API to check;
 *   Interop read DIR    checks DIR/py-v3.zarr and DIR/py-v2.zarr, written by zarr-python.
 * Prints PASS/FAIL lines and "N passed, N failed"; exits non-zero on failure.
 */
public final class Interop {
    static final DataType[] TYPES = DataType.values();
    static final long[] SHAPE = {6, 10};
    static final int[] COUNT = {6, 10};
    static final long[] CHUNKS = {4, 3};
    static final long[] ORIGIN = {0, 0};

    static String v3name(DataType t) {
        return t.name().toLowerCase();
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: Interop write|read DIR");
            System.exit(2);
        }
        if (args[0].equals("write")) {
            write(args[1] + "/java-v3.zarr", 3, Codecs.defaults());
            write(args[1] + "/java-v2.zarr", 2, Codecs.gzip(5));
            System.out.println("wrote " + args[1] + "/java-v3.zarr and java-v2.zarr");
            return;
        }
        read(args[1] + "/py-v3.zarr", 3);
        read(args[1] + "/py-v2.zarr", 2);
        readN5(args[1] + "/ts.n5");
        System.out.println(ZarrTests.summary());
        System.exit(ZarrTests.failures() == 0 ? 0 : 1);
    }

    static void write(String path, int format, Codecs codecs) {
        try (ZarrGroup root = Zarr.open(path, Mode.CREATE, format)) {
            root.setAttributes(Map.of("writer", "libzarr-java"));
            try (ZarrGroup g = root.createGroup("types")) {
                for (DataType t : TYPES) {
                    try (ZarrArray a = g.createArray(v3name(t), t, SHAPE, CHUNKS, codecs, null)) {
                        a.write(ORIGIN, COUNT, Expected.javaValues(t, 60));
                        a.setDimensionNames(List.of("y", "x"));
                        Map<String, Object> attrs = new LinkedHashMap<>();
                        attrs.put("type", v3name(t));
                        attrs.put("scale", 0.5);
                        attrs.put("tags", List.of("a", "b"));
                        if (format == 2) attrs.put("_ARRAY_DIMENSIONS", List.of("y", "x"));
                        a.setAttributes(attrs);
                    }
                }
            }
            try (ZarrArray t = root.createArray("temp", DataType.FLOAT32, new long[] {4, 6, 5}, new long[] {2, 3, 5},
                    Codecs.zstd(3), -999f)) {
                t.write(new long[] {0, 0, 0}, new int[] {2, 6, 5}, Expected.field(2, 6, 5));
                float[] v = new float[9];
                java.util.Arrays.fill(v, -1.5f);
                t.write(new long[] {3, 0, 0}, new int[] {1, 3, 3}, new long[] {1, 2, 2}, v);
            }
            if (format == 3) {
                try (ZarrArray s = root.createShardedArray("sharded", DataType.INT32, new long[] {8, 12},
                        new long[] {4, 6}, new long[] {2, 3}, Codecs.zstd(1), null)) {
                    int[] v = new int[96];
                    for (int k = 0; k < 96; k++) v[k] = k * 7 - 300;
                    s.write(new long[] {0, 0}, new int[] {8, 12}, v);
                }
            }
        }
    }

    /** tensorstore's N5 container (tests/interop.py): dimensions reversed, axes as names. */
    static void readN5(String path) {
        ZarrTests.test("tensorstore N5 container read from Java", () -> {
            try (ZarrGroup root = Zarr.open(path, Mode.READ); ZarrArray a = root.openArray("field")) {
                ZarrTests.eq(new long[] {3, 5}, a.shape(), "shape (N5 order reversed)");
                ZarrTests.eq(new long[] {2, 2}, a.chunkShape(), "block size");
                ZarrTests.eq(DataType.INT32, a.dataType(), "type");
                ZarrTests.eq(List.of("y", "x"), a.dimensionNames(), "axes reversed");
                int[] all = a.readInts(new long[] {0, 0}, new int[] {3, 5});
                for (int y = 0; y < 3; y++) for (int x = 0; x < 5; x++) {
                    ZarrTests.eq(x + 10 * y, all[y * 5 + x], "field " + y + "," + x);
                }
                ZarrTests.eq(new int[] {11, 13, 21, 23}, a.readInts(new long[] {1, 1}, new int[] {2, 2},
                        new long[] {1, 2}), "strided");
            }
        });
    }

    static void read(String path, int format) {
        try (ZarrGroup root = Zarr.open(path, Mode.READ)) {
            ZarrTests.test("zarr-python v" + format + ": format and root attributes", () -> {
                ZarrTests.eq(format, root.zarrFormat(), "format");
                ZarrTests.eq("zarr-python", root.attributes().get("writer"), "root attribute");
            });
            for (DataType t : TYPES) {
                ZarrTests.test("zarr-python v" + format + " " + v3name(t) + " read exactly from Java", () -> {
                    try (ZarrArray a = root.openArray("types/" + v3name(t))) {
                        ZarrTests.eq(t, a.dataType(), "type");
                        ZarrTests.eq(SHAPE, a.shape(), "shape");
                        ZarrTests.eq(CHUNKS, a.chunkShape(), "chunks");
                        ZarrTests.eq(Expected.javaValues(t, 60), a.readNative(ORIGIN, COUNT, null), "values");
                        // a strided read, against the formula
                        double[] s = a.readDoubles(new long[] {1, 2}, new int[] {2, 3}, new long[] {3, 3});
                        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) {
                            int k = (1 + 3 * i) * 10 + 2 + 3 * j;
                            ZarrTests.eq(Expected.asDouble(t, k), s[i * 3 + j], "strided at " + k);
                        }
                        ZarrTests.eq(List.of("y", "x"), a.dimensionNames(), "dimension names");
                        ZarrTests.eq(v3name(t), a.attributes().get("type"), "attribute");
                    }
                });
            }
            ZarrTests.test("zarr-python v" + format + " temp: fill value and partial data", () -> {
                try (ZarrDataset ds = ZarrDataset.open(path)) {
                    Variable v = ds.findVariable("temp");
                    ZarrTests.eq(-999f, v.getFillValue(), "fill");
                    ZarrTests.eq("time lat lon", v.getDimensionsString(), "dims");
                    float[] all = (float[]) v.read();
                    for (int t = 0; t < 4; t++) for (int i = 0; i < 6; i++) for (int j = 0; j < 5; j++) {
                        float want = t < 2 ? Expected.cell(t, i, j) : -999f;
                        ZarrTests.eq(want, all[(t * 6 + i) * 5 + j], "temp " + t + "," + i + "," + j);
                    }
                    ZarrTests.eq(new float[] {Expected.cell(1, 1, 0), Expected.cell(1, 1, 3)},
                            v.read("1,1,0:4:3"), "section");
                }
            });
            if (format == 3) {
                ZarrTests.test("zarr-python v3 sharded array read from Java", () -> {
                    try (ZarrArray a = root.openArray("sharded")) {
                        int[] got = a.readInts(new long[] {0, 0}, new int[] {8, 12});
                        for (int k = 0; k < 96; k++) ZarrTests.eq(k * 7 - 300, got[k], "sharded " + k);
                    }
                });
            }
        }
    }
}
