package io.github.libzarr;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A netCDF-Java style read-only view of a whole hierarchy (as NetcdfFile):
 * every array below the root is a {@link Variable}, found by its full path.
 * Closing the dataset closes every array it opened.
 */
public final class ZarrDataset implements AutoCloseable {
    private final ZarrGroup root;
    private final Map<String, Variable> variables = new LinkedHashMap<>();

    private ZarrDataset(ZarrGroup root) {
        this.root = root;
    }

    /** Open the hierarchy at {@code url} read-only and list its arrays. */
    public static ZarrDataset open(String url) {
        ZarrGroup root = Zarr.open(url, Mode.READ);
        ZarrDataset ds = new ZarrDataset(root);
        try {
            ds.walk(root, "");
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
        return ds;
    }

    private void walk(ZarrGroup g, String prefix) {
        for (Map.Entry<String, String> m : g.members().entrySet()) {
            String full = prefix + m.getKey();
            if (m.getValue().equals("array")) {
                variables.put(full, new Variable(root.openArray(full), full));
            } else {
                try (ZarrGroup child = root.openGroup(full)) {
                    walk(child, full + "/");
                }
            }
        }
    }

    /** Every variable, in depth-first order of the sorted members. */
    public List<Variable> getVariables() {
        return Collections.unmodifiableList(new ArrayList<>(variables.values()));
    }

    /** The variable at {@code fullName} ("model/temp"), or null. */
    public Variable findVariable(String fullName) {
        return variables.get(fullName.startsWith("/") ? fullName.substring(1) : fullName);
    }

    /** The root group's attributes. */
    public Map<String, Object> getGlobalAttributes() {
        return root.attributes();
    }

    /** The root group. */
    public ZarrGroup getRootGroup() {
        return root;
    }

    @Override
    public void close() {
        for (Variable v : variables.values()) v.array().close();
        root.close();
    }
}
