// tests/reliability/JavaWriter.java - one of two Java processes writing
// single elements into the same chunks of "p" (test_java.py): element
// (i, column) = (column + 1) * 100 + i for i < rows, one write each, so the
// two processes read-modify-write the same chunks at the same time.
//   java -cp libzarr.jar:. JavaWriter URL COLUMN ROWS
import io.github.libzarr.Mode;
import io.github.libzarr.Zarr;
import io.github.libzarr.ZarrArray;
import io.github.libzarr.ZarrGroup;

public class JavaWriter {
    public static void main(String[] args) {
        int column = Integer.parseInt(args[1]), rows = Integer.parseInt(args[2]);
        try (ZarrGroup root = Zarr.open(args[0], Mode.WRITE); ZarrArray p = root.openArray("p")) {
            for (int i = 0; i < rows; i++) {
                p.write(new long[] {i, column}, new int[] {1, 1}, new int[] {(column + 1) * 100 + i});
            }
        }
    }
}
