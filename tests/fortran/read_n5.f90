! Read the N5 container tests/fortran/make_n5.py wrote with tensorstore:
! N5 lists dimensions fastest first, as Fortran does, so the dataset reads
! as temp(5, 3, 2) with temp(i, j, k) = i + 10*j + 100*k and dimension
! names x, y, t, whole and as a strided hyperslab.
program read_n5
  use zarr
  use check_util
  implicit none
  integer(int64) :: root, v
  real(real32) :: temp(5, 3, 2), part(3, 2, 1)
  integer :: nd, shp(3), chk(3), dt, i, j, k
  character(len=8) :: dims(3)
  character(len=4096) :: path
  logical :: same

  prog = 'read_n5'
  call get_command_argument(1, path)
  call ok(zarr_open(trim(path), ZARR_READ, root), 'open the N5 container')
  call ok(zarr_inq_varid(root, 'g/temp', v), 'open g/temp')
  call ok(zarr_inq_var(v, ndims=nd, shape=shp, dtype=dt, chunks=chk, dimension_names=dims), 'inq_var')
  call check(nd == 3, 'rank 3')
  call check(all(shp == [5, 3, 2]), 'shape in N5 order')
  call check(all(chk == [2, 2, 1]), 'block size in N5 order')
  call check(dt == ZARR_FLOAT32, 'float32')
  call check(dims(1) == 'x' .and. dims(2) == 'y' .and. dims(3) == 't', 'axes as dimension names')
  call ok(zarr_get_var(v, temp), 'read whole')
  same = .true.
  do k = 1, 2
    do j = 1, 3
      do i = 1, 5
        same = same .and. temp(i, j, k) == real(i + 10 * j + 100 * k, real32)
      end do
    end do
  end do
  call check(same, 'every value')
  call ok(zarr_get_var(v, part, start=[1, 2, 2], count=[3, 2, 1], stride=[2, 1, 1]), 'strided read')
  call check(all(part(:, :, 1) == temp(1:5:2, 2:3, 2)), 'strided values')
  call ok(zarr_close(v), 'close')
  call ok(zarr_close(root), 'close root')
  call finish()
end program read_n5
