package io.github.libzarr;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An open group. Paths are '/'-separated and relative to this group; creating
 * a node creates missing intermediate groups. Closing a group does not close
 * the arrays and groups opened from it (each handle is closed on its own).
 */
public final class ZarrGroup extends NativeHandle {
    ZarrGroup(long id) {
        super(id);
    }

    /** Open the array at {@code path} ("" for an array stored at this node itself). */
    public ZarrArray openArray(String path) {
        return new ZarrArray(call(h -> Native.arrayOpen(h, path)));
    }

    /** Open the group at {@code path}. */
    public ZarrGroup openGroup(String path) {
        return new ZarrGroup(call(h -> Native.groupOpen(h, path)));
    }

    /** Create a group (with no attributes). */
    public ZarrGroup createGroup(String path) {
        return createGroup(path, null);
    }

    /** Create a group with attributes (null for none). */
    public ZarrGroup createGroup(String path, Map<String, ?> attributes) {
        String json = attributes == null ? null : Json.write(attributes);
        return new ZarrGroup(call(h -> Native.groupCreate(h, path, json)));
    }

    /** Create an array with the default codecs (zstd) and fill value 0. */
    public ZarrArray createArray(String path, DataType type, long[] shape, long[] chunkShape) {
        return createArray(path, type, shape, chunkShape, Codecs.defaults(), null);
    }

    /**
     * Create an array in this hierarchy's format: regular chunks of
     * {@code chunkShape}, the given codecs and fill value (a Number or Boolean
     * converted to {@code type} with the netCDF rules, null for zero).
     */
    public ZarrArray createArray(String path, DataType type, long[] shape, long[] chunkShape, Codecs codecs,
                                 Object fill) {
        if (type == null || shape == null || chunkShape == null) {
            throw new IllegalArgumentException("type, shape and chunkShape must not be null");
        }
        Fill f = Fill.of(fill);
        String codecJson = codecs == null ? null : codecs.json();
        return new ZarrArray(call(h -> Native.arrayCreate(h, path, type.code, shape.clone(), chunkShape.clone(),
                codecJson, f.kind, f.l, f.d)));
    }

    /**
     * Create a sharded array (Zarr v3 hierarchies only; else ZarrException
     * EUNSUPPORTED): chunks of {@code shardShape} are stored as one object
     * each, holding inner chunks of {@code innerChunkShape} (which must divide
     * the shard shape) encoded with {@code codecs}. Fill as in createArray.
     */
    public ZarrArray createShardedArray(String path, DataType type, long[] shape, long[] shardShape,
                                        long[] innerChunkShape, Codecs codecs, Object fill) {
        if (type == null || shape == null || shardShape == null || innerChunkShape == null) {
            throw new IllegalArgumentException("type and shapes must not be null");
        }
        Fill f = Fill.of(fill);
        String codecJson = codecs == null ? null : codecs.json();
        return new ZarrArray(call(h -> Native.arrayCreateSharded(h, path, type.code, shape.clone(),
                shardShape.clone(), innerChunkShape.clone(), codecJson, f.kind, f.l, f.d)));
    }

    /** A fill value for the native side: kind 0 none, 1 integer, 2 floating point. */
    private static final class Fill {
        int kind;
        long l;
        double d;

        static Fill of(Object fill) {
            Fill f = new Fill();
            if (fill == null) {
                f.kind = 0;
            } else if (fill instanceof Boolean) {
                f.kind = 1;
                f.l = ((Boolean) fill) ? 1 : 0;
            } else if (fill instanceof Byte || fill instanceof Short || fill instanceof Integer || fill instanceof Long) {
                f.kind = 1;
                f.l = ((Number) fill).longValue();
            } else if (fill instanceof Float || fill instanceof Double) {
                f.kind = 2;
                f.d = ((Number) fill).doubleValue();
            } else {
                throw new IllegalArgumentException("fill value must be a Number or Boolean, not " + fill.getClass());
            }
            return f;
        }
    }

    /** Create an array from a whole metadata document (v3 zarr.json or v2 .zarray). */
    public ZarrArray createArrayFromJson(String path, String metadataJson) {
        return new ZarrArray(call(h -> Native.arrayCreateJson(h, path, metadataJson)));
    }

    /** The direct members, sorted by name: name to "array" or "group". */
    public Map<String, String> members() {
        String text = call(Native::list);
        Map<String, String> out = new LinkedHashMap<>();
        for (Object o : (List<?>) Json.parse(text)) {
            Map<?, ?> m = (Map<?, ?>) o;
            out.put((String) m.get("name"), (String) m.get("kind"));
        }
        return out;
    }

    /** Names of the member arrays, sorted. */
    public List<String> arrayNames() {
        return names("array");
    }

    /** Names of the member groups, sorted. */
    public List<String> groupNames() {
        return names("group");
    }

    private List<String> names(String kind) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : members().entrySet()) {
            if (e.getValue().equals(kind)) out.add(e.getKey());
        }
        return out;
    }

    /** Delete the array or group at {@code path} and everything below it. */
    public void delete(String path) {
        run(h -> Native.delete(h, path));
    }

    /** Write consolidated metadata (root group only), as zarr-python does. */
    public void consolidate() {
        run(Native::consolidate);
    }

    /** This group's path below the root ("" for the root). */
    public String path() {
        return call(Native::path);
    }

    /** The hierarchy's Zarr format, 2 or 3. */
    public int zarrFormat() {
        return call(h -> Native.format(h));
    }

    @Override
    public String toString() {
        return isClosed() ? "ZarrGroup(closed)" : "ZarrGroup(/" + path() + ")";
    }
}
