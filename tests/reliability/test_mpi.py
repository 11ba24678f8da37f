"""MPI ranks appending along time (C program under mpirun, Open MPI), and
the Fortran layer's attribute puts from two ranks: the core's
compare-and-swap gives the bindings the same guarantees, no code of theirs."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from conftest import REPO, lib_dir


def mpirun(*args, np=4):
    env = dict(os.environ)
    flags = []
    if os.getuid() == 0:
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
        flags = ["--allow-run-as-root"]
    return subprocess.run(
        ["mpirun", *flags, "--oversubscribe", "-np", str(np), *map(str, args)],
        env=env, capture_output=True, text=True, timeout=600,
    )


def test_mpi_ranks_append_along_time(writer, tmp_path):
    assert shutil.which("mpicc"), "mpicc missing (tests/reliability/run.sh installs openmpi)"
    exe = tmp_path / "mpi_append"
    bindir = writer.parent  # holds the libzarr.so.1 link
    subprocess.run(
        ["mpicc", "-std=c11", "-Wall", "-Werror", "-I", str(REPO / "include"),
         str(REPO / "tests" / "reliability" / "mpi_append.c"), "-o", str(exe),
         f"-L{lib_dir()}", "-lzarr", f"-Wl,-rpath,{bindir}"],
        check=True,
    )
    r = mpirun(exe, tmp_path / "t.zarr", 25)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "4 ranks x 25 appends: ok" in r.stdout
    # zarr-python's view: 100 rows, every one a whole record.
    import zarr

    data = zarr.open_array(str(tmp_path / "t.zarr" / "t"), mode="r")[:]
    assert data.shape == (100, 8) and (data == data[:, :1]).all()
    assert sorted(data[:, 0].tolist()) == sorted((r + 1) * 1000 + i for r in range(4) for i in range(25))


FORTRAN = """
program attrs
  use mpi
  use zarr
  implicit none
  integer :: ierr, rank, i, st
  integer(int64) :: root
  character(len=32) :: name
  character(len=1024) :: path
  call mpi_init(ierr)
  call mpi_comm_rank(mpi_comm_world, rank, ierr)
  call get_command_argument(1, path)
  st = zarr_open(trim(path), ZARR_WRITE, root)
  if (st /= ZARR_OK) error stop 'open'
  do i = 1, 40
    write (name, '(a, i0, a, i0)') 'r', rank, '_', i
    st = zarr_put_att(root, trim(name), [int(i, int32)])
    if (st /= ZARR_OK) error stop 'put'
  end do
  st = zarr_close(root)
  call mpi_finalize(ierr)
end program attrs
"""


def test_fortran_ranks_put_attributes(writer, tmp_path):
    build = os.environ.get("ZARR_FORTRAN_BUILD", str(REPO / "build" / "fortran"))
    if not (shutil.which("mpif90") and os.path.exists(os.path.join(build, "zarr.mod"))):
        pytest.fail(f"mpif90 or the Fortran module ({build}/zarr.mod) missing: make fortran")
    src = tmp_path / "attrs.f90"
    src.write_text(FORTRAN)
    exe = tmp_path / "attrs"
    subprocess.run(
        ["mpif90", "-O2", f"-I{build}", str(src), "-o", str(exe), f"-L{build}", "-lzarr_fortran",
         f"-L{lib_dir()}", "-lzarr", f"-Wl,-rpath,{build}", f"-Wl,-rpath,{writer.parent}"],
        check=True,
    )
    url = str(tmp_path / "h.zarr")
    subprocess.run([str(writer), "setup", url, ""], check=True)
    r = mpirun(exe, url, np=2)
    assert r.returncode == 0, r.stdout + r.stderr
    import libzarr

    with libzarr.open(url, libzarr.READ) as g:
        attrs = g.attrs
    assert attrs == {f"r{r}_{i}": i for r in range(2) for i in range(1, 41)}
