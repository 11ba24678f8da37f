! nf_read.f90 - an ordinary netcdf-fortran program (nf90_* calls), run with
! libzarr_netcdf preloaded: opens a Zarr v3 hierarchy and reads the 2-D
! variable "temp" whole and strided, printing the values in Fortran order.
program nf_read
  use netcdf
  implicit none
  integer :: ncid, varid, ndims, dimids(2), n1, n2, status
  character(len=1024) :: url
  real, allocatable :: t(:, :), s(:, :)
  integer :: i, j

  call get_command_argument(1, url)
  call check(nf90_open(trim(url), nf90_nowrite, ncid))
  call check(nf90_inq_varid(ncid, "temp", varid))
  call check(nf90_inquire_variable(ncid, varid, ndims=ndims, dimids=dimids))
  if (ndims /= 2) stop 3
  ! Fortran sees the C shape reversed: temp(y, x) in C is t(x, y) here.
  call check(nf90_inquire_dimension(ncid, dimids(1), len=n1))
  call check(nf90_inquire_dimension(ncid, dimids(2), len=n2))
  allocate (t(n1, n2))
  call check(nf90_get_var(ncid, varid, t))
  print '(a,2i4)', "shape", n1, n2
  do j = 1, n2
    do i = 1, n1
      print '(es24.16)', t(i, j)
    end do
  end do
  ! Every second x from the 2nd, every second y from the 1st.
  allocate (s((n1 - 1) / 2, (n2 + 1) / 2))
  call check(nf90_get_var(ncid, varid, s, start=[2, 1], count=shape(s), stride=[2, 2]))
  print '(a)', "strided"
  do j = 1, size(s, 2)
    do i = 1, size(s, 1)
      print '(es24.16)', s(i, j)
    end do
  end do
  status = nf90_inq_varid(ncid, "no_such_variable", varid)
  print '(a,i0)', "missing ", status
  call check(nf90_close(ncid))
contains
  subroutine check(st)
    integer, intent(in) :: st
    if (st /= nf90_noerr) then
      print '(a,i0,1x,a)', "error ", st, trim(nf90_strerror(st))
      stop 1
    end if
  end subroutine
end program
