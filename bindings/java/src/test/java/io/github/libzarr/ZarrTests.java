package io.github.libzarr;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * The Java test-suite: a plain runner (no test framework to download) that
 * prints one line per test and "N passed, N failed", exiting non-zero on
 * failures. Expected values come from formulas written here (see
 * {@link Expected}), never from the library's own output.
 *
 *   java -Djava.library.path=target/release -cp classes:test-classes io.github.libzarr.ZarrTests TMPDIR
 */
public final class ZarrTests {
    private static int passed, failed;
    private static Path tmp;

    interface Body {
        void run() throws Exception;
    }

    static void test(String name, Body b) {
        try {
            b.run();
            passed++;
            System.out.println("PASS  " + name);
        } catch (Throwable t) {
            failed++;
            System.out.println("FAIL  " + name + ": " + t);
            t.printStackTrace(System.out);
        }
    }

    static String summary() {
        return passed + " passed, " + failed + " failed";
    }

    static int failures() {
        return failed;
    }

    static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }

    static void eq(Object want, Object got, String what) {
        boolean same;
        if (want != null && want.getClass().isArray()) {
            same = Arrays.deepEquals(new Object[] {want}, new Object[] {got});
        } else {
            same = java.util.Objects.equals(want, got);
        }
        if (!same) {
            throw new AssertionError(what + ": expected " + Arrays.deepToString(new Object[] {want})
                    + " got " + Arrays.deepToString(new Object[] {got}));
        }
    }

    static <T extends Throwable> T throwsA(Class<T> c, Body b) {
        try {
            b.run();
        } catch (Throwable t) {
            if (c.isInstance(t)) return c.cast(t);
            throw new AssertionError("expected " + c.getSimpleName() + ", got " + t, t);
        }
        throw new AssertionError("expected " + c.getSimpleName() + ", nothing thrown");
    }

    static ZarrException zarrError(int status, Body b) {
        ZarrException e = throwsA(ZarrException.class, b);
        if (e.status() != status) {
            throw new AssertionError("expected status " + status + ", got " + e.status() + ": " + e.getMessage());
        }
        check(e.getMessage() != null && !e.getMessage().isEmpty(), "exception has a message");
        return e;
    }

    static long[] L(long... v) { return v; }
    static int[] I(int... v) { return v; }

    static String dir(String name) {
        return tmp.resolve(name).toString();
    }

    public static void main(String[] args) throws Exception {
        tmp = Path.of(args.length > 0 ? args[0] : Files.createTempDirectory("zarr-java-tests").toString());
        Files.createDirectories(tmp);
        String expectedVersion = System.getProperty("libzarr.expectedVersion");

        test("version", () -> {
            String v = Zarr.version();
            check(v.matches("\\d+\\.\\d+\\.\\d+"), "version text " + v);
            if (expectedVersion != null) eq(expectedVersion, v, "version");
        });

        // ------------------------------------------------ every primitive type
        for (DataType t : new DataType[] {DataType.BOOL, DataType.INT8, DataType.INT16, DataType.INT32,
                DataType.INT64, DataType.FLOAT32, DataType.FLOAT64}) {
            test("round trip " + t + " <-> " + DataType.valueOf(t.name()).javaArrayType().getSimpleName(), () -> {
                try (ZarrGroup root = Zarr.open(dir("types-" + t), Mode.CREATE)) {
                    long[] shape = {6, 10};
                    try (ZarrArray a = root.createArray("x", t, shape, L(4, 3))) {
                        Object want = Expected.javaValues(t, 60);
                        a.write(L(0, 0), I(6, 10), want);
                        eq(want, a.readNative(L(0, 0), I(6, 10), null), "whole array");
                        // the typed readers give the same
                        Object typed;
                        switch (t) {
                            case BOOL: typed = a.readBooleans(L(0, 0), I(6, 10)); break;
                            case INT8: typed = a.readBytes(L(0, 0), I(6, 10)); break;
                            case INT16: typed = a.readShorts(L(0, 0), I(6, 10)); break;
                            case INT32: typed = a.readInts(L(0, 0), I(6, 10)); break;
                            case INT64: typed = a.readLongs(L(0, 0), I(6, 10)); break;
                            case FLOAT32: typed = a.readFloats(L(0, 0), I(6, 10)); break;
                            default: typed = a.readDoubles(L(0, 0), I(6, 10));
                        }
                        eq(want, typed, "typed read");
                    }
                    // reopened through a new root
                }
                try (ZarrGroup root = Zarr.open(dir("types-" + t), Mode.READ);
                     ZarrArray a = root.openArray("x")) {
                    eq(t, a.dataType(), "data type");
                    eq(Expected.javaValues(t, 60), a.readNative(L(0, 0), I(6, 10), null), "after reopen");
                }
            });
        }

        test("unsigned and float16 types through wider Java types", () -> {
            try (ZarrGroup root = Zarr.open(dir("unsigned"), Mode.CREATE)) {
                for (DataType t : new DataType[] {DataType.UINT8, DataType.UINT16, DataType.UINT32,
                        DataType.UINT64, DataType.FLOAT16}) {
                    try (ZarrArray a = root.createArray(t.name(), t, L(60), L(7))) {
                        Object want = Expected.javaValues(t, 60);
                        a.write(L(0), I(60), want);
                        eq(want, a.readNative(L(0), I(60), null), t + " read back");
                        // every value also reads as double, compared with the formula
                        double[] d = a.readDoubles(L(0), I(60));
                        for (int k = 0; k < 60; k++) {
                            eq(Expected.asDouble(t, k), d[k], t + " as double at " + k);
                        }
                    }
                }
                try (ZarrArray u8 = root.openArray("UINT8")) {
                    // 255 does not fit a Java byte: ERANGE, as in C
                    u8.write(L(0), I(1), new short[] {255});
                    zarrError(ZarrException.ERANGE, () -> u8.readBytes(L(0), I(1)));
                    zarrError(ZarrException.ERANGE, () -> u8.write(L(0), I(1), new short[] {256}));
                    zarrError(ZarrException.ERANGE, () -> u8.write(L(0), I(1), new int[] {-1}));
                    eq(255, (int) u8.readShorts(L(0), I(1))[0], "failed writes changed nothing");
                }
            }
        });

        // ------------------------------------------------ conversions
        test("conversions follow the netCDF rules", () -> {
            try (ZarrGroup root = Zarr.open(dir("convert"), Mode.CREATE);
                 ZarrArray a = root.createArray("i16", DataType.INT16, L(4), L(4))) {
                a.write(L(0), I(4), new double[] {1.9, -1.9, 32767.0, -32768.0});
                eq(new short[] {1, -1, 32767, -32768}, a.readShorts(L(0), I(4)), "truncation toward zero");
                zarrError(ZarrException.ERANGE, () -> a.write(L(0), I(4), new double[] {7, 8, 40000, 9}));
                zarrError(ZarrException.ERANGE, () -> a.write(L(0), I(1), new float[] {Float.NaN}));
                eq(new short[] {1, -1, 32767, -32768}, a.readShorts(L(0), I(4)), "a refused write changes nothing");
                zarrError(ZarrException.ERANGE, () -> a.readBytes(L(0), I(4))); // 32767 is not a byte
                eq(new byte[] {1, -1}, a.readBytes(L(0), I(2)), "fitting values convert");
                eq(new boolean[] {true}, a.readBooleans(L(0), I(1)), "1 reads as true");
                zarrError(ZarrException.ERANGE, () -> a.readBooleans(L(1), I(1))); // -1 is not a bool
            }
            try (ZarrGroup root = Zarr.open(dir("convert"), Mode.WRITE);
                 ZarrArray f = root.createArray("f32", DataType.FLOAT32, L(3), L(3))) {
                f.write(L(0), I(3), new double[] {3e9, -2.75, 1e300 * 0});
                zarrError(ZarrException.ERANGE, () -> f.readInts(L(0), I(1)));
                eq(new long[] {3000000000L, -2L}, f.readLongs(L(0), I(2)), "float to long truncates");
                zarrError(ZarrException.ERANGE, () -> f.write(L(0), I(1), new double[] {1e39})); // beyond float
            }
        });

        // ------------------------------------------------ strided and sectioned reads
        test("strided reads and writes", () -> {
            try (ZarrGroup root = Zarr.open(dir("strided"), Mode.CREATE);
                 ZarrArray a = root.createArray("g", DataType.INT32, L(20, 30), L(6, 7), Codecs.zstd(1), -1)) {
                int[] all = new int[600];
                for (int i = 0; i < 20; i++) for (int j = 0; j < 30; j++) all[i * 30 + j] = i * 1000 + j;
                a.write(L(0, 0), I(20, 30), all);
                int[] s = a.readInts(L(1, 2), I(5, 4), L(3, 7));
                for (int i = 0; i < 5; i++) {
                    for (int j = 0; j < 4; j++) {
                        eq((1 + 3 * i) * 1000 + (2 + 7 * j), s[i * 4 + j], "strided element " + i + "," + j);
                    }
                }
                // a strided write of -5 on every 4th row, 5th column; then compare everything
                int[] minus = new int[5 * 6];
                Arrays.fill(minus, -5);
                a.write(L(0, 0), I(5, 6), L(4, 5), minus);
                int[] back = a.readInts(L(0, 0), I(20, 30));
                for (int i = 0; i < 20; i++) {
                    for (int j = 0; j < 30; j++) {
                        int want = (i % 4 == 0 && j % 5 == 0) ? -5 : i * 1000 + j;
                        eq(want, back[i * 30 + j], "after strided write at " + i + "," + j);
                    }
                }
                zarrError(ZarrException.EBOUNDS, () -> a.readInts(L(0, 0), I(8, 1), L(3, 1))); // row 21
                zarrError(ZarrException.EINVAL, () -> a.readInts(L(0, 0), I(2, 2), L(0, 1)));
                zarrError(ZarrException.EINVAL, () -> a.readInts(L(0), I(2))); // wrong rank
            }
        });

        test("section syntax", () -> {
            long[] shape = {12, 30, 8};
            Section s = Section.parse("0:11,10:20:2,:", shape);
            eq(L(0, 10, 0), s.getOrigin(), "origin");
            eq(I(12, 6, 8), s.getShape(), "shape");
            eq(L(1, 2, 1), s.getStride(), "stride");
            eq(576L, s.computeSize(), "size");
            Section one = Section.parse("(3, 4:4, 1:7:3)", shape);
            eq(L(3, 4, 1), one.getOrigin(), "single index origin");
            eq(I(1, 1, 3), one.getShape(), "1:7:3 has 3 elements (1, 4, 7)");
            eq("3:3,4:4,1:7:3", one.toString(), "toString");
            for (String bad : new String[] {"0:12,:,:", "1:0,:,:", "a,:,:", ":,:", ":,:,:,:", "0:1:0,:,:",
                    "-1,:,:", "0:1:2:3,:,:"}) {
                throwsA(IllegalArgumentException.class, () -> Section.parse(bad, shape));
            }
        });

        test("netCDF-style dataset: variables, dimensions, read(section)", () -> {
            String path = dir("dataset");
            try (ZarrGroup root = Zarr.open(path, Mode.CREATE)) {
                Map<String, Object> gattrs = new LinkedHashMap<>();
                gattrs.put("title", "test");
                root.setAttributes(gattrs);
                try (ZarrArray t = root.createArray("model/temp", DataType.FLOAT32, L(12, 30, 8), L(5, 7, 8),
                        Codecs.zstd(3), -999f)) {
                    t.setDimensionNames(List.of("time", "lat", "lon"));
                    t.setAttributes(Map.of("units", "K"));
                    t.write(L(0, 0, 0), I(12, 30, 8), Expected.field(12, 30, 8));
                }
                try (ZarrArray n = root.createArray("count", DataType.UINT8, L(3), L(3))) {
                    n.write(L(0), I(3), new int[] {0, 200, 255});
                }
            }
            try (ZarrDataset ds = ZarrDataset.open(path)) {
                List<String> names = new ArrayList<>();
                for (Variable v : ds.getVariables()) names.add(v.getFullName());
                eq(List.of("count", "model/temp"), names, "variables");
                eq("test", ds.getGlobalAttributes().get("title"), "global attribute");
                Variable v = ds.findVariable("/model/temp");
                eq("temp", v.getShortName(), "short name");
                eq(List.of(new Dimension("time", 12), new Dimension("lat", 30), new Dimension("lon", 8)),
                        v.getDimensions(), "dimensions");
                eq("time lat lon", v.getDimensionsString(), "dimension string");
                eq(I(12, 30, 8), v.getShape(), "shape");
                eq("K", v.findAttribute("units"), "attribute");
                eq(-999f, v.getFillValue(), "fill value");
                float[] sec = (float[]) v.read("0:11,10:20:2,:");
                eq(12 * 6 * 8, sec.length, "section size");
                for (int t = 0; t < 12; t++) {
                    for (int i = 0; i < 6; i++) {
                        for (int j = 0; j < 8; j++) {
                            eq(Expected.cell(t, 10 + 2 * i, j), sec[(t * 6 + i) * 8 + j], "section " + t + "," + i + "," + j);
                        }
                    }
                }
                float[] block = (float[]) v.read(I(2, 3, 4), I(1, 2, 2));
                eq(new float[] {Expected.cell(2, 3, 4), Expected.cell(2, 3, 5), Expected.cell(2, 4, 4),
                        Expected.cell(2, 4, 5)}, block, "read(origin, shape)");
                float[] single = (float[]) v.read("11,29,7");
                eq(new float[] {Expected.cell(11, 29, 7)}, single, "single element");
                Variable c = ds.findVariable("count");
                eq(new short[] {0, 200, 255}, c.read(), "uint8 reads as short[]");
                eq(new Dimension(null, 3), c.getDimensions().get(0), "unnamed dimension");
            }
        });

        test("v2 hierarchy: _ARRAY_DIMENSIONS become dimensions", () -> {
            String path = dir("dataset-v2");
            try (ZarrGroup root = Zarr.open(path, Mode.CREATE, 2);
                 ZarrArray a = root.createArray("v", DataType.FLOAT64, L(4, 5), L(2, 5), Codecs.none(), Double.NaN)) {
                eq(2, root.zarrFormat(), "format");
                a.setDimensionNames(List.of("y", "x"));
                a.setAttributes(Map.of("long_name", "v", "_ARRAY_DIMENSIONS", List.of("y", "x")));
                double[] d = new double[20];
                for (int k = 0; k < 20; k++) d[k] = k / 3.0;
                a.write(L(0, 0), I(4, 5), d);
            }
            check(Files.exists(Path.of(path, "v", ".zarray")), "v2 .zarray written");
            try (ZarrDataset ds = ZarrDataset.open(path)) {
                Variable v = ds.findVariable("v");
                eq("y x", v.getDimensionsString(), "dims");
                eq(Map.of("long_name", "v"), v.getAttributes(), "attributes without _ARRAY_DIMENSIONS");
                check(Double.isNaN((Double) v.getFillValue()), "NaN fill");
                eq(new double[] {5 / 3.0, 7 / 3.0, 9 / 3.0}, v.read("1,0:4:2"), "row 1, every 2nd column");
            }
        });

        // ------------------------------------------------ metadata, attributes, groups
        test("attributes as Map and JSON, group listing and navigation", () -> {
            try (ZarrGroup root = Zarr.open(dir("attrs"), Mode.CREATE)) {
                Map<String, Object> attrs = new LinkedHashMap<>();
                attrs.put("units", "m s-1 \"quoted\" \\ é ✓\n");
                attrs.put("scale", 0.5);
                attrs.put("count", 42L);
                attrs.put("big", 1L << 62);
                attrs.put("flag", true);
                attrs.put("none", null);
                attrs.put("list", List.of(1L, "two", 3.25));
                attrs.put("nested", Map.of("a", List.of()));
                try (ZarrGroup g = root.createGroup("a/b", attrs)) {
                    eq(attrs, g.attributes(), "group attributes round trip");
                    eq("b", g.path().substring(g.path().lastIndexOf('/') + 1), "group path");
                }
                try (ZarrArray x = root.createArray("a/x", DataType.INT32, L(2), L(2));
                     ZarrArray y = root.createArray("a/b/y", DataType.INT32, L(2), L(2))) {
                    x.setAttributesJson("{\"k\": [1, 2.5, null], \"s\": \"t\"}");
                    eq(Map.of("k", Arrays.asList(1L, 2.5, null), "s", "t"), x.attributes(), "array attributes");
                    eq(Json.parse("{\"k\":[1,2.5,null],\"s\":\"t\"}"), Json.parse(x.attributesJson()), "JSON text");
                    eq("a/b/y", y.path(), "array path");
                }
                try (ZarrGroup a = root.openGroup("a")) {
                    Map<String, String> m = a.members();
                    eq(List.of("b", "x"), new ArrayList<>(m.keySet()), "members sorted");
                    eq("group", m.get("b"), "b is a group");
                    eq(List.of("x"), a.arrayNames(), "array names");
                    eq(List.of("b"), a.groupNames(), "group names");
                    try (ZarrArray y = a.openArray("b/y")) {
                        eq(L(2), y.shape(), "opened by path");
                    }
                }
                zarrError(ZarrException.EINVAL, () -> root.setAttributesJson("[1]"));
                zarrError(ZarrException.ENOTFOUND, () -> root.openArray("a/nothing"));
                zarrError(ZarrException.EEXISTS, () -> root.createArray("a/x", DataType.INT8, L(1), L(1)));
                root.delete("a/x");
                try (ZarrGroup a = root.openGroup("a")) {
                    eq(List.of(), a.arrayNames(), "deleted");
                }
            }
        });

        test("array metadata: shape, chunks, type, dimension names, fill value", () -> {
            try (ZarrGroup root = Zarr.open(dir("meta"), Mode.CREATE)) {
                try (ZarrArray a = root.createArray("t", DataType.FLOAT32, L(12, 180, 360), L(1, 180, 360),
                        Codecs.zstd(3), -999f)) {
                    eq(L(12, 180, 360), a.shape(), "shape");
                    eq(L(1, 180, 360), a.chunkShape(), "chunk shape");
                    eq(DataType.FLOAT32, a.dataType(), "type");
                    eq(3, a.rank(), "rank");
                    eq(null, a.dimensionNames(), "no names yet");
                    a.setDimensionNames(Arrays.asList("time", null, "lon"));
                    eq(Arrays.asList("time", null, "lon"), a.dimensionNames(), "v3 names with a null");
                    eq(-999f, a.fillValue(), "fill");
                    float[] unwritten = a.readFloats(L(5, 0, 0), I(1, 1, 3));
                    eq(new float[] {-999f, -999f, -999f}, unwritten, "unwritten reads as fill");
                    a.resize(L(13, 180, 360));
                    eq(L(13, 180, 360), a.shape(), "resized");
                }
                Object[][] fills = {{DataType.UINT8, 200, (short) 200}, {DataType.INT64, Long.MIN_VALUE, Long.MIN_VALUE},
                        {DataType.BOOL, true, true}, {DataType.INT16, -7, (short) -7}, {DataType.FLOAT64, 0.1, 0.1},
                        {DataType.UINT64, -1L, null}, {DataType.FLOAT16, 1.5f, 1.5f}, {DataType.UINT32, 4000000000L, 4000000000L}};
                for (Object[] f : fills) {
                    DataType t = (DataType) f[0];
                    if (f[2] == null) {
                        zarrError(ZarrException.ERANGE, () -> root.createArray("f" + t, t, L(1), L(1), null, f[1]));
                        continue;
                    }
                    try (ZarrArray a = root.createArray("f" + t, t, L(1), L(1), null, f[1])) {
                        eq(f[2], a.fillValue(), "fill of " + t);
                    }
                }
                zarrError(ZarrException.ERANGE, () -> root.createArray("bad", DataType.UINT8, L(1), L(1), null, 300));
            }
        });

        test("write_empty_chunks", () -> {
            String path = dir("empty");
            try (ZarrGroup root = Zarr.open(path, Mode.CREATE);
                 ZarrArray a = root.createArray("e", DataType.INT32, L(4), L(2), Codecs.none(), 7)) {
                check(!a.writeEmptyChunks(), "default off");
                a.write(L(0), I(2), new int[] {7, 7});
                check(!Files.exists(Path.of(path, "e", "c", "0")), "an all-fill chunk is not stored");
                a.write(L(2), I(2), new int[] {7, 8});
                check(Files.exists(Path.of(path, "e", "c", "1")), "a chunk with data is stored");
                a.setWriteEmptyChunks(true);
                check(a.writeEmptyChunks(), "now on");
                a.write(L(0), I(2), new int[] {7, 7});
                check(Files.exists(Path.of(path, "e", "c", "0")), "with write_empty_chunks the chunk is stored");
                eq(16L, Files.size(Path.of(path, "e", "c", "1")) + Files.size(Path.of(path, "e", "c", "0")),
                        "two uncompressed int32 chunks of 2");
            }
        });

        // ------------------------------------------------ direct buffers
        test("direct ByteBuffer: zero-copy reads and writes", () -> {
            try (ZarrGroup root = Zarr.open(dir("direct"), Mode.CREATE);
                 ZarrArray a = root.createArray("d", DataType.FLOAT64, L(10, 10), L(3, 4))) {
                ByteBuffer in = ByteBuffer.allocateDirect(100 * 8).order(ByteOrder.nativeOrder());
                for (int k = 0; k < 100; k++) in.putDouble(k * 8, Math.sqrt(k));
                a.write(L(0, 0), I(10, 10), in);
                ByteBuffer out = ByteBuffer.allocateDirect(8 + 4 * 8).order(ByteOrder.nativeOrder());
                out.position(8); // the read starts at the position, which stays
                a.read(L(2, 3), I(2, 2), out);
                eq(8, out.position(), "position unchanged");
                double[] got = {out.getDouble(8), out.getDouble(16), out.getDouble(24), out.getDouble(32)};
                eq(new double[] {Math.sqrt(23), Math.sqrt(24), Math.sqrt(33), Math.sqrt(34)}, got, "values");
                // with conversion to float32 and a stride
                ByteBuffer f = ByteBuffer.allocateDirect(5 * 4).order(ByteOrder.nativeOrder());
                a.read(L(0, 0), I(5, 1), L(2, 1), DataType.FLOAT32, f);
                for (int i = 0; i < 5; i++) eq((float) Math.sqrt(i * 20), f.getFloat(i * 4), "as float " + i);
                throwsA(IllegalArgumentException.class, () -> a.read(L(0, 0), I(1, 1), ByteBuffer.allocate(8)));
                zarrError(ZarrException.EINVAL, () -> a.read(L(0, 0), I(2, 2), ByteBuffer.allocateDirect(31)));
                throwsA(IllegalArgumentException.class,
                        () -> a.read(L(0, 0), I(1, 1), ByteBuffer.allocateDirect(8).asReadOnlyBuffer()));
            }
        });

        // ------------------------------------------------ errors, closed handles, panics
        test("errors carry the C status codes", () -> {
            zarrError(ZarrException.ENOTFOUND, () -> Zarr.open(dir("does-not-exist"), Mode.READ));
            try (ZarrGroup w = Zarr.open(dir("ro"), Mode.CREATE);
                 ZarrArray a = w.createArray("a", DataType.INT8, L(2), L(2))) {
                a.write(L(0), I(2), new byte[] {1, 2});
            }
            try (ZarrGroup r = Zarr.open(dir("ro"), Mode.READ); ZarrArray a = r.openArray("a")) {
                zarrError(ZarrException.EREADONLY, () -> a.write(L(0), I(1), new byte[] {3}));
                zarrError(ZarrException.EREADONLY, () -> r.createGroup("g"));
                zarrError(ZarrException.EBOUNDS, () -> a.readBytes(L(1), I(2)));
                eq(new byte[] {1, 2}, a.readBytes(L(0), I(2)), "data intact");
            }
            try (ZarrGroup g = Zarr.open(dir("codecs"), Mode.CREATE)) {
                zarrError(ZarrException.EINVAL, () -> g.createArray("x", DataType.INT8, L(1), L(1),
                        Codecs.fromJson("{not json"), null));
                zarrError(ZarrException.EUNSUPPORTED, () -> g.createArray("y", DataType.INT8, L(1), L(1),
                        Codecs.fromJson("[{\"name\":\"no-such-codec\"}]"), null));
            }
            zarrError(ZarrException.EINVAL, () -> Zarr.open(dir("fmt"), Mode.CREATE, 4));
        });

        test("a native panic becomes ZarrException(EINTERNAL) and the JVM goes on", () -> {
            ZarrException e = zarrError(ZarrException.EINTERNAL, Native::panicForTest);
            check(e.getMessage().contains("panic requested"), "message: " + e.getMessage());
            eq(Zarr.version(), Native.version(), "still working");
        });

        test("closed handles: close twice is a no-op, use throws IllegalStateException", () -> {
            ZarrGroup root = Zarr.open(dir("closed"), Mode.CREATE);
            ZarrArray a = root.createArray("a", DataType.INT16, L(3), L(3));
            root.close();
            root.close();
            check(root.isClosed(), "root closed");
            throwsA(IllegalStateException.class, () -> root.openArray("a"));
            throwsA(IllegalStateException.class, root::members);
            // the array outlives its group's handle
            a.write(L(0), I(3), new short[] {4, 5, 6});
            eq(new short[] {4, 5, 6}, a.readShorts(L(0), I(3)), "array still open");
            a.close();
            a.close();
            throwsA(IllegalStateException.class, a::shape);
            throwsA(IllegalStateException.class, () -> a.readShorts(L(0), I(3)));
            throwsA(IllegalStateException.class, () -> a.write(L(0), I(1), new short[] {1}));
            throwsA(IllegalStateException.class, () -> a.setWriteEmptyChunks(true));
            eq("ZarrArray(closed)", a.toString(), "toString of a closed handle");
            // a stale id at the native level is EBADID, not a crash
            zarrError(ZarrException.EBADID, () -> Native.shape(Long.MAX_VALUE));
            zarrError(ZarrException.EBADID, () -> Native.close(-5));
        });

        test("the native side checks array types itself (no undefined behaviour on misuse)", () -> {
            try (ZarrGroup root = Zarr.open("memory://misuse", Mode.CREATE);
                 ZarrArray a = root.createArray("a", DataType.INT32, L(4), L(4))) {
                a.write(L(0), I(4), new int[] {1, 2, 3, 4});
                long[] s = {0}, c = {4};
                // a float[] passed as INT32 memory, a String, null, an array too short
                a.run(h -> zarrError(ZarrException.ETYPE, () -> Native.read(h, s, c, null, DataType.INT32.code, new float[4])));
                a.run(h -> zarrError(ZarrException.ETYPE, () -> Native.write(h, s, c, null, DataType.FLOAT64.code, "text")));
                a.run(h -> zarrError(ZarrException.ETYPE, () -> Native.read(h, s, c, null, DataType.UINT8.code, new byte[4])));
                a.run(h -> zarrError(ZarrException.EINVAL, () -> Native.read(h, s, c, null, DataType.INT32.code, null)));
                a.run(h -> zarrError(ZarrException.EINVAL, () -> Native.read(h, s, c, null, DataType.INT32.code, new int[3])));
                a.run(h -> zarrError(ZarrException.EINVAL, () -> Native.readDirect(h, s, c, null, 0,
                        ByteBuffer.allocateDirect(16), 8, 16)));
                eq(new int[] {1, 2, 3, 4}, a.readInts(L(0), I(4)), "data intact");
            }
        });

        test("the Cleaner closes handles nobody closed", () -> {
            System.gc();
            long before = Native.openHandleCount();
            try (ZarrGroup root = Zarr.open("memory://cleaner", Mode.CREATE)) {
                root.createArray("x", DataType.INT8, L(1), L(1)).close();
                for (int i = 0; i < 200; i++) root.openArray("x"); // forgotten
                check(Native.openHandleCount() >= before + 200, "200 more handles open");
            }
            long deadline = System.currentTimeMillis() + 20000;
            while (Native.openHandleCount() > before && System.currentTimeMillis() < deadline) {
                System.gc();
                Thread.sleep(50);
            }
            long after = Native.openHandleCount();
            check(after <= before, "open handles back to where they were: " + after + " > " + before);
        });

        // ------------------------------------------------ threads
        test("one ZarrArray read from 8 threads at once", () -> {
            try (ZarrGroup root = Zarr.open(dir("threads"), Mode.CREATE);
                 ZarrArray a = root.createArray("t", DataType.FLOAT32, L(12, 30, 8), L(2, 7, 3), Codecs.zstd(1), -1f)) {
                a.write(L(0, 0, 0), I(12, 30, 8), Expected.field(12, 30, 8));
                AtomicReference<Throwable> err = new AtomicReference<>();
                AtomicInteger reads = new AtomicInteger();
                CountDownLatch go = new CountDownLatch(1);
                List<Thread> ts = new ArrayList<>();
                for (int n = 0; n < 8; n++) {
                    final int seed = n;
                    Thread th = new Thread(() -> {
                        try {
                            go.await();
                            java.util.Random r = new java.util.Random(seed);
                            for (int it = 0; it < 150; it++) {
                                int t0 = r.nextInt(12), i0 = r.nextInt(30), j0 = r.nextInt(8);
                                int st = 1 + r.nextInt(3);
                                int nt = 1 + r.nextInt((11 - t0) / st + 1), ni = 1 + r.nextInt((29 - i0) / st + 1);
                                int nj = 1 + r.nextInt(7 - j0 + 1);
                                float[] got = a.readFloats(L(t0, i0, j0), I(nt, ni, nj), L(st, st, 1));
                                for (int x = 0; x < nt; x++) for (int y = 0; y < ni; y++) for (int z = 0; z < nj; z++) {
                                    float want = Expected.cell(t0 + x * st, i0 + y * st, j0 + z);
                                    if (got[(x * ni + y) * nj + z] != want) {
                                        throw new AssertionError("thread " + seed + " read a wrong value");
                                    }
                                }
                                reads.incrementAndGet();
                            }
                        } catch (Throwable e) {
                            err.compareAndSet(null, e);
                        }
                    });
                    ts.add(th);
                    th.start();
                }
                go.countDown();
                for (Thread th : ts) th.join();
                if (err.get() != null) throw new AssertionError(err.get());
                eq(8 * 150, reads.get(), "all reads done");
            }
        });

        test("threads writing disjoint rows of one ZarrArray, then closing while others read", () -> {
            try (ZarrGroup root = Zarr.open(dir("threads-w"), Mode.CREATE)) {
                ZarrArray a = root.createArray("w", DataType.INT64, L(16, 50), L(3, 7));
                List<Thread> ts = new ArrayList<>();
                AtomicReference<Throwable> err = new AtomicReference<>();
                for (int n = 0; n < 8; n++) {
                    final int k = n;
                    Thread th = new Thread(() -> {
                        try {
                            for (int row = k; row < 16; row += 8) {
                                long[] v = new long[50];
                                for (int j = 0; j < 50; j++) v[j] = row * 100000L + j;
                                a.write(L(row, 0), I(1, 50), v);
                            }
                        } catch (Throwable e) {
                            err.compareAndSet(null, e);
                        }
                    });
                    ts.add(th);
                    th.start();
                }
                for (Thread th : ts) th.join();
                if (err.get() != null) throw new AssertionError(err.get());
                long[] all = a.readLongs(L(0, 0), I(16, 50));
                for (int i = 0; i < 16; i++) for (int j = 0; j < 50; j++) eq(i * 100000L + j, all[i * 50 + j], "w " + i + "," + j);
                // readers race with close: each read is whole and right, or IllegalStateException
                AtomicInteger ok = new AtomicInteger(), refused = new AtomicInteger();
                List<Thread> rs = new ArrayList<>();
                for (int n = 0; n < 4; n++) {
                    Thread th = new Thread(() -> {
                        try {
                            while (true) {
                                long[] r = a.readLongs(L(0, 0), I(16, 50));
                                if (!Arrays.equals(r, all)) throw new AssertionError("torn read");
                                ok.incrementAndGet();
                            }
                        } catch (IllegalStateException closed) {
                            refused.incrementAndGet();
                        } catch (Throwable e) {
                            err.compareAndSet(null, e);
                        }
                    });
                    rs.add(th);
                    th.start();
                }
                long until = System.currentTimeMillis() + 20000;
                while (ok.get() < 4 && System.currentTimeMillis() < until) Thread.sleep(10);
                a.close();
                for (Thread th : rs) th.join();
                if (err.get() != null) throw new AssertionError(err.get());
                eq(4, refused.get(), "every reader saw the close");
                check(ok.get() > 0, "reads happened before the close");
            }
        });

        test("sharded arrays and append", () -> {
            String path = dir("sharded");
            try (ZarrGroup root = Zarr.open(path, Mode.CREATE);
                 ZarrArray s = root.createShardedArray("s", DataType.INT32, L(8, 12), L(4, 6), L(2, 3),
                         Codecs.zstd(1), -1)) {
                int[] v = new int[96];
                for (int k = 0; k < 96; k++) v[k] = k * 7 - 300;
                s.write(L(0, 0), I(8, 12), v);
                eq(L(4, 6), s.chunkShape(), "the chunk shape is the shard shape");
                for (int i = 0; i < 2; i++) for (int j = 0; j < 2; j++) {
                    check(Files.isRegularFile(Path.of(path, "s", "c", "" + i, "" + j)), "shard " + i + "," + j);
                }
                check(!Files.exists(Path.of(path, "s", "c", "0", "2")), "no more shards than 2x2");
                int[] st = s.readInts(L(1, 1), I(3, 4), L(3, 3));
                for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) {
                    int k = (1 + 3 * i) * 12 + 1 + 3 * j;
                    eq(k * 7 - 300, st[i * 4 + j], "strided sharded read at " + k);
                }
            }
            try (ZarrGroup v2 = Zarr.open(dir("sharded-v2"), Mode.CREATE, 2)) {
                zarrError(ZarrException.EUNSUPPORTED, () -> v2.createShardedArray("s", DataType.INT8, L(4), L(4),
                        L(2), null, null));
            }
            try (ZarrGroup root = Zarr.open(dir("append"), Mode.CREATE);
                 ZarrArray a = root.createArray("a", DataType.INT16, L(1, 3), L(2, 3))) {
                a.write(L(0, 0), I(1, 3), new short[] {1, 2, 3});
                a.append(0, 2, new int[] {4, 5, 6, 7, 8, 9});
                eq(L(3, 3), a.shape(), "grown by 2 rows");
                eq(new short[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, a.readShorts(L(0, 0), I(3, 3)), "appended rows");
                zarrError(ZarrException.EINVAL, () -> a.append(0, 1, new short[] {1, 2}));
                zarrError(ZarrException.ERANGE, () -> a.append(0, 1, new int[] {1, 2, 70000}));
                eq(L(3, 3), a.shape(), "failed appends change nothing");
            }
        });

        test("memory:// store and codecs", () -> {
            try (ZarrGroup root = Zarr.open("memory://java-codecs", Mode.CREATE)) {
                Codecs[] cs = {Codecs.defaults(), Codecs.none(), Codecs.zstd(5), Codecs.gzip(6), Codecs.blosc("lz4", 5)};
                for (int n = 0; n < cs.length; n++) {
                    try (ZarrArray a = root.createArray("c" + n, DataType.INT32, L(100), L(30), cs[n], null)) {
                        int[] v = new int[100];
                        for (int k = 0; k < 100; k++) v[k] = k * k - 50;
                        a.write(L(0), I(100), v);
                        eq(v, a.readInts(L(0), I(100)), "codec " + cs[n]);
                    }
                }
            }
        });

        System.out.println(passed + " passed, " + failed + " failed");
        if (args.length == 0) {
            try (Stream<Path> w = Files.walk(tmp)) {
                w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.exit(failed == 0 ? 0 : 1);
    }
}
