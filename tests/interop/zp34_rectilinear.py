"""Fixture helper run by .venv312/bin/python (zarr-python 3.4) for
test_rectilinear.py, which runs under the main venv's zarr-python that has
no rectilinear grid.

  write DIR   write a rectilinear int32 array DIR/a (shape 10 x 7, edges
              [3, 7] x [2, 2, 2, 1], fill -1, zstd) holding arange(70)
              with a strided overwrite, and DIR/a.npy its expected contents
  read DIR    read the array DIR/b (any shape) into DIR/b.npy and print its
              chunk_grid document as JSON
"""

import json
import sys

import numpy as np
import zarr

zarr.config.set({"array.rectilinear_chunks": True})

cmd, root = sys.argv[1], sys.argv[2]
if cmd == "write":
    a = zarr.create_array(
        f"{root}/a", shape=(10, 7), chunks=[[3, 7], [2, 2, 2, 1]], dtype="int32", fill_value=-1
    )
    data = np.arange(70, dtype="int32").reshape(10, 7)
    data[1::3, 2:6:2] = -7
    a[:] = data
    np.save(f"{root}/a.npy", a[:])
elif cmd == "read":
    b = zarr.open_array(f"{root}/b", mode="r")
    np.save(f"{root}/b.npy", b[:])
    print(json.dumps(json.load(open(f"{root}/b/zarr.json"))["chunk_grid"]))
else:
    sys.exit(f"unknown command {cmd}")
