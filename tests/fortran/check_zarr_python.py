"""Reads what tests/fortran/write_interop.f90 wrote, with zarr-python, and
checks it against the formulas (numpy's C order is the reverse of Fortran's):
  temp[k, j, i] = (i+1) + 10*(j+1) + 100*(k+1), shape (3, 4, 5)
  counts: row 0 is the fill value 7, row 1 is 10*(i+1) + 2
  flags[i] = (i+1) % 2 == 0; grp/deep = [2**40, -3]; v2 m[j, i] = 10*(i+1) + (j+1)
Usage: python check_zarr_python.py PATH   (exit status 0 when all match)
       python check_zarr_python.py --mpi PATH NP
         the output of test_mpi.f90 with NP ranks (written with process
         locks, so PATH also holds .zarr-locks/, which must not show):
         aligned[j, i] = (i+1) + 1000*(j+1), shape (4*NP, 6);
         shared the same with shape (3*NP, 6)"""

import sys

import numpy as np
import zarr


def main(path):
    root = zarr.open_group(path, mode="r")
    assert sorted(root.keys()) == ["counts", "flags", "grp", "temp"], sorted(root.keys())
    temp = root["temp"]
    k, j, i = np.meshgrid(np.arange(1, 4), np.arange(1, 5), np.arange(1, 6), indexing="ij")
    expect = (i + 10 * j + 100 * k).astype(np.float32)
    assert temp.shape == (3, 4, 5), temp.shape
    assert temp.chunks == (1, 4, 5), temp.chunks
    assert temp.dtype == np.float32, temp.dtype
    assert temp.fill_value == -999.0, temp.fill_value
    assert tuple(temp.metadata.dimension_names) == ("time", "y", "x"), temp.metadata.dimension_names
    np.testing.assert_array_equal(temp[...], expect)
    attrs = dict(temp.attrs)
    assert attrs == {"units": "K", "scale": 0.5, "valid": [1, 2, 3], "flags": [True, False]}, attrs
    counts = root["counts"][...]
    np.testing.assert_array_equal(counts, np.array([[7, 7, 7], [12, 22, 32]], dtype=np.int16))
    assert root["counts"].dtype == np.int16
    np.testing.assert_array_equal(root["flags"][...], np.array([False, True, False, True, False]))
    np.testing.assert_array_equal(root["grp/deep"][...], np.array([2**40, -3], dtype=np.int64))

    v2 = zarr.open_group(path + "-v2", mode="r")
    m = v2["m"]
    assert m.metadata.zarr_format == 2
    jj, ii = np.meshgrid(np.arange(1, 3), np.arange(1, 4), indexing="ij")
    np.testing.assert_array_equal(m[...], (10 * ii + jj).astype(np.int32))
    assert m.chunks == (1, 2), m.chunks
    assert m.attrs["_ARRAY_DIMENSIONS"] == ["b", "a"], dict(m.attrs)
    print("check_zarr_python: all values and metadata match")


def main_mpi(path, np_ranks):
    root = zarr.open_group(path, mode="r")
    assert sorted(root.keys()) == ["aligned", "shared"], sorted(root.keys())
    for name, ncols in (("aligned", 4 * np_ranks), ("shared", 3 * np_ranks)):
        j, i = np.meshgrid(np.arange(1, ncols + 1), np.arange(1, 7), indexing="ij")
        np.testing.assert_array_equal(root[name][...], (i + 1000 * j).astype(np.float64))
    print("check_zarr_python: MPI output matches")


if __name__ == "__main__":
    if sys.argv[1] == "--mpi":
        main_mpi(sys.argv[2], int(sys.argv[3]))
    else:
        main(sys.argv[1])
