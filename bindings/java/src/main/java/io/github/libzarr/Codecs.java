package io.github.libzarr;

/**
 * A codec list for new arrays, as the JSON text the C API's
 * zarr_array_create takes (v3 {"name":..,"configuration":..} objects or
 * numcodecs {"id":..} objects; the bytes codec is added when absent; a v2
 * hierarchy gets them as filters plus one compressor).
 */
public final class Codecs {
    private final String json;

    private Codecs(String json) {
        this.json = json;
    }

    /** zstd at {@code level}, no checksum. */
    public static Codecs zstd(int level) {
        return new Codecs("[{\"name\":\"zstd\",\"configuration\":{\"level\":" + level + ",\"checksum\":false}}]");
    }

    /** gzip at {@code level} (0..9). */
    public static Codecs gzip(int level) {
        return new Codecs("[{\"name\":\"gzip\",\"configuration\":{\"level\":" + level + "}}]");
    }

    /** blosc with the given inner compressor ("lz4", "zstd", ...), level and byte shuffle. */
    public static Codecs blosc(String cname, int clevel) {
        return new Codecs("[{\"name\":\"blosc\",\"configuration\":{\"cname\":\"" + cname + "\",\"clevel\":"
                + clevel + ",\"shuffle\":\"shuffle\",\"blocksize\":0}}]");
    }

    /** No compression. */
    public static Codecs none() {
        return new Codecs("[]");
    }

    /** The library's default (zstd level 0, as zarr-python). */
    public static Codecs defaults() {
        return new Codecs(null);
    }

    /** Any codec list as JSON text. */
    public static Codecs fromJson(String json) {
        if (json == null) {
            throw new IllegalArgumentException("json is null");
        }
        return new Codecs(json);
    }

    /** The JSON text (null for the default). */
    public String json() {
        return json;
    }

    @Override
    public String toString() {
        return json == null ? "default" : json;
    }
}
