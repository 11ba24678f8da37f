"""Write an N5 container with tensorstore's n5 driver for read_n5.f90:
dataset g/temp, N5 dimensions [5, 3, 2] (x, y, t), blocks [2, 2, 1], gzip,
temp[x, y, t] = (x+1) + 10*(y+1) + 100*(t+1) as float32. N5's dimension
order is Fortran's, so the Fortran program sees temp(5, 3, 2) with these
values at (x+1, y+1, t+1). Usage: python make_n5.py PATH"""

import sys

import numpy as np
import tensorstore as ts


def main(path):
    x, y, t = np.meshgrid(np.arange(1, 6), np.arange(1, 4), np.arange(1, 3), indexing="ij")
    data = (x + 10 * y + 100 * t).astype("float32")
    meta = {"dimensions": [5, 3, 2], "blockSize": [2, 2, 1], "dataType": "float32", "axes": ["x", "y", "t"],
            "compression": {"type": "gzip", "level": 5}}
    spec = {"driver": "n5", "kvstore": {"driver": "file", "path": path + "/g/temp"}}
    ts.open({**spec, "metadata": meta, "create": True}).result()[...] = data
    # What tensorstore reads back is what the Fortran program must see.
    assert np.array_equal(ts.open(spec).result().read().result(), data)


if __name__ == "__main__":
    main(sys.argv[1])
