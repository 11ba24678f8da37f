! A model writing a 3-D field per time step with the Fortran bindings, then
! reading it back.
!   gfortran model_output.f90 $(pkg-config --cflags --libs zarr-fortran)
!   ./a.out out.zarr
program model_output
  use zarr
  implicit none
  integer, parameter :: nx = 36, ny = 18, nt = 4
  real(real32) :: t(nx, ny), back(nx, ny, nt)
  integer(int64) :: root, temp
  integer :: status, i, j, k, nd, shp(3)
  character(len=256) :: path
  character(len=16) :: units

  path = 'model_output.zarr'
  if (command_argument_count() >= 1) call get_command_argument(1, path)

  call check(zarr_open(trim(path), ZARR_CREATE, root))
  ! Stored as [time, y, x] (C order): the reverse of the Fortran order.
  call check(zarr_def_var(root, 'model/temp', ZARR_FLOAT32, [nx, ny, nt], temp, &
                          chunks=[nx, ny, 1], codecs='[{"name":"zstd","configuration":{"level":3}}]', &
                          fill_value=-999.0, dimension_names=['x   ', 'y   ', 'time']))
  call check(zarr_put_att(temp, 'units', 'K'))
  call check(zarr_put_att(temp, 'valid_range', [150.0, 350.0]))
  do k = 1, nt                                  ! one time step at a time
    do j = 1, ny
      do i = 1, nx
        t(i, j) = 273.15 + real(i) / 10 + real(j) - real(k)
      end do
    end do
    call check(zarr_put_var(temp, t, start=[1, 1, k], count=[nx, ny, 1]))
  end do
  call check(zarr_close(temp))
  call check(zarr_close(root))

  ! Read it back.
  call check(zarr_open(trim(path), ZARR_READ, root))
  call check(zarr_inq_varid(root, 'model/temp', temp))
  call check(zarr_inq_var(temp, ndims=nd, shape=shp))
  call check(zarr_get_var(temp, back))
  call check(zarr_get_att(temp, 'units', units))
  do k = 1, nt
    do j = 1, ny
      do i = 1, nx
        if (back(i, j, k) /= 273.15 + real(i) / 10 + real(j) - real(k)) then
          print *, 'model_output: wrong value at', i, j, k
          error stop 1
        end if
      end do
    end do
  end do
  if (nd /= 3 .or. any(shp /= [nx, ny, nt]) .or. units /= 'K') error stop 'model_output: wrong metadata'
  call check(zarr_close(temp))
  call check(zarr_close(root))
  print '(a, i0, a, i0, a, i0, 3a)', 'model_output: OK (', nx, 'x', ny, 'x', nt, ' field in ', trim(path), ')'

contains

  subroutine check(status)
    integer, intent(in) :: status
    if (status /= ZARR_OK) then
      print *, 'model_output: ', trim(zarr_strerror(status)), ': ', trim(zarr_last_error())
      error stop 1
    end if
  end subroutine check
end program model_output
