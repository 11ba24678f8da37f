"""What {"durable": true} costs: the C writer's whole-chunk writes (16x16
int32 chunks, zstd) to a filesystem store with and without it, best of 3.
Run by `make bench-durable`; prints the figures the README quotes."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

writer, n = Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 300


def best(opts: str) -> float:
    times = []
    for _ in range(3):
        with tempfile.TemporaryDirectory(dir=sys.argv[3] if len(sys.argv) > 3 else None) as d:
            url = str(Path(d) / "h.zarr")
            subprocess.run([str(writer), "setup", url, ""], check=True)
            t0 = time.perf_counter()
            subprocess.run([str(writer), "chunks", url, opts, str(n)], check=True)
            times.append(time.perf_counter() - t0)
    return min(times)


plain, durable = best(""), best('{"durable": true}')
print(f"{n} chunk writes: plain {plain * 1e3 / n:.3f} ms each, durable {durable * 1e3 / n:.3f} ms each, "
      f"ratio {durable / plain:.1f}x")
