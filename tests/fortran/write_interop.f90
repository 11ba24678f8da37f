! Writes two hierarchies from Fortran for the readers of the interop tests
! (read_fortran_output.c through the C API, check_zarr_python.py through
! zarr-python): PATH (v3) and PATH-v2. Values follow formulas the readers
! compute on their own; the readers document them too.
!   temp  real32 t(nx=5, ny=4, nt=3), t(i,j,k) = i + 10*j + 100*k, written one
!         time step at a time; chunks (5,4,1), zstd level 3, fill -999,
!         dimension names x, y, time; attributes units="K", scale=0.5,
!         valid=[1,2,3] (int16), flags=[.true.,.false.]
!   counts int16 c(3, 2), fill 7: only column 2 written, c(i,2) = 10*i + 2
!   flags  bool f(5) = mod(i, 2) == 0
!   grp/deep int64 d(2) = [2**40, -3]   (in group grp)
!   PATH-v2: v2 hierarchy, int32 m(3, 2) = 10*i + j, dimension names a, b
program write_interop
  use zarr
  use check_util
  implicit none
  integer, parameter :: nx = 5, ny = 4, nt = 3
  real(real32) :: t(nx, ny, nt)
  integer(int16) :: col(3)
  integer(int32) :: m(3, 2)
  integer(int64) :: root, v, g
  integer :: i, j, k
  character(len=1024) :: path

  prog = 'write_interop'
  call get_command_argument(1, path)
  do k = 1, nt
    do j = 1, ny
      do i = 1, nx
        t(i, j, k) = real(i + 10 * j + 100 * k)
      end do
    end do
  end do
  call ok(zarr_open(trim(path), ZARR_CREATE, root), 'open')
  call ok(zarr_def_var(root, 'temp', ZARR_FLOAT32, [nx, ny, nt], v, chunks=[nx, ny, 1], &
                       codecs='[{"name":"zstd","configuration":{"level":3}}]', fill_value=-999.0, &
                       dimension_names=['x   ', 'y   ', 'time']), 'def temp')
  do k = 1, nt
    call ok(zarr_put_var(v, t(:, :, k:k), start=[1, 1, k], count=[nx, ny, 1]), 'put a time step')
  end do
  call ok(zarr_put_att(v, 'units', 'K'), 'units')
  call ok(zarr_put_att(v, 'scale', 0.5_real32), 'scale')
  call ok(zarr_put_att(v, 'valid', [integer(int16) :: 1, 2, 3]), 'valid')
  call ok(zarr_put_att(v, 'flags', [.true., .false.]), 'flags attribute')
  call ok(zarr_close(v), 'close')
  call ok(zarr_def_var(root, 'counts', ZARR_INT16, [3, 2], v, fill_value=7_int16), 'def counts')
  col = [(int(10 * i + 2, int16), i = 1, 3)]
  call ok(zarr_put_var(v, col, start=[1, 2], count=[3, 1]), 'put column 2')
  call ok(zarr_close(v), 'close')
  call ok(zarr_def_var(root, 'flags', ZARR_BOOL, [5], v), 'def flags')
  call ok(zarr_put_var(v, [(mod(i, 2) == 0, i = 1, 5)]), 'put flags')
  call ok(zarr_close(v), 'close')
  call ok(zarr_def_grp(root, 'grp', g), 'def grp')
  call ok(zarr_def_var(g, 'deep', ZARR_INT64, [2], v), 'def deep')
  call ok(zarr_put_var(v, [2_int64**40, -3_int64]), 'put deep')
  call ok(zarr_close(v), 'close')
  call ok(zarr_close(g), 'close')
  call ok(zarr_close(root), 'close')

  call ok(zarr_open(trim(path) // '-v2', ZARR_CREATE, root, options='{"zarr_format": 2}'), 'open v2')
  m = reshape([((10 * i + j, i = 1, 3), j = 1, 2)], [3, 2])
  call ok(zarr_def_var(root, 'm', ZARR_INT32, [3, 2], v, chunks=[2, 1], dimension_names=['a', 'b']), 'def m')
  call ok(zarr_put_var(v, m), 'put m')
  call ok(zarr_close(v), 'close')
  call ok(zarr_close(root), 'close')
  call finish()
end program write_interop
