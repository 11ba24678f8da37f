/*
 * ReadExample.java - read, from Java, the dataset that examples/c/example.c
 * writes (`make example` writes build/example.zarr).
 *
 *   make example java
 *   javac -cp build/java/libzarr.jar -d build/java/example examples/java/ReadExample.java
 *   java -Djava.library.path=target/release -cp build/java/libzarr.jar:build/java/example \
 *        ReadExample build/example.zarr
 *
 * (`make example-java` does all of this.) It opens the hierarchy netCDF-Java
 * style, lists the variables, reads a strided section and checks it against
 * the formula the C example wrote, then reads one time step through a direct
 * ByteBuffer (no copy between Java and the engine). Exits 1 on any mismatch.
 */
import io.github.libzarr.Mode;
import io.github.libzarr.Variable;
import io.github.libzarr.Zarr;
import io.github.libzarr.ZarrArray;
import io.github.libzarr.ZarrDataset;
import io.github.libzarr.ZarrException;
import io.github.libzarr.ZarrGroup;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

public class ReadExample {
    /** The C example's field: warm at the equator, a wave in longitude, cooling over time. */
    static float temperature(int t, int lat, int lon) {
        double phi = (lat - 89.5) * Math.PI / 180.0;
        double lam = (lon + 0.5) * Math.PI / 180.0;
        return (float) (250.0 + 50.0 * Math.cos(phi) + 5.0 * Math.sin(2.0 * lam) - 0.5 * t);
    }

    /** Java's and C's cos/sin may differ in the last bit; allow a float ulp or two. */
    static boolean close(float a, float b) {
        return Math.abs(a - b) <= 2 * Math.ulp(b);
    }

    public static void main(String[] args) {
        String path = args.length > 0 ? args[0] : "build/example.zarr";
        System.out.println("libzarr " + Zarr.version() + " (native library from " + Zarr.nativeLibrarySource() + ")");
        int bad = 0;
        try (ZarrDataset ds = ZarrDataset.open(path)) {
            for (Variable v : ds.getVariables()) {
                System.out.println("variable " + v + " shape " + java.util.Arrays.toString(v.getShape())
                        + " attributes " + v.getAttributes() + " fill " + v.getFillValue());
            }
            Variable temp = ds.findVariable("model/temp");
            // time steps 1 and 3, every 30th latitude from 10, every 45th longitude from 5
            String section = "1:3:2,10:160:30,5:320:45";
            float[] sub = (float[]) temp.read(section);
            for (int a = 0; a < 2; a++) {
                for (int b = 0; b < 6; b++) {
                    for (int c = 0; c < 8; c++) {
                        float want = temperature(1 + 2 * a, 10 + 30 * b, 5 + 45 * c);
                        float got = sub[(a * 6 + b) * 8 + c];
                        if (!close(got, want) && bad++ < 5) {
                            System.err.printf("mismatch at [%d,%d,%d]: %f != %f%n", a, b, c, got, want);
                        }
                    }
                }
            }
            for (int c = 0; c < 4; c++) {
                System.out.printf("temp[1, 10, %d] = %.3f K%n", 5 + 45 * c, sub[c]);
            }
        }
        // The zero-copy path: one whole time step into a direct buffer.
        try (ZarrGroup root = Zarr.open(path, Mode.READ); ZarrArray t = root.openArray("model/temp")) {
            ByteBuffer buf = ByteBuffer.allocateDirect(180 * 360 * 4).order(ByteOrder.nativeOrder());
            t.read(new long[] {2, 0, 0}, new int[] {1, 180, 360}, buf);
            double sum = 0;
            for (int i = 0; i < 180; i++) {
                for (int j = 0; j < 360; j++) {
                    float got = buf.getFloat((i * 360 + j) * 4);
                    sum += got;
                    if (!close(got, temperature(2, i, j)) && bad++ < 5) {
                        System.err.printf("mismatch at [2,%d,%d]%n", i, j);
                    }
                }
            }
            System.out.printf("mean of time step 2: %.3f K%n", sum / (180 * 360));
            try {
                t.write(new long[] {0, 0, 0}, new int[] {1, 1, 1}, new float[] {0f});
                System.err.println("a write to a read-only hierarchy was not refused");
                bad++;
            } catch (ZarrException e) {
                System.out.println("read-only write refused as expected (status " + e.status() + "): " + e.getMessage());
            }
        }
        System.out.println(bad == 0 ? "ReadExample: OK" : "ReadExample: FAILED (" + bad + " mismatches)");
        System.exit(bad == 0 ? 0 : 1);
    }
}
