! A tiny check framework for the Fortran tests: counts checks, prints each
! failure with its message and the library's last error, and ends the
! program with "N checks passed" or a non-zero exit.
module check_util
  use zarr
  implicit none
  integer :: n_pass = 0, n_fail = 0
  character(len=64) :: prog = 'test'
contains
  subroutine check(cond, what)
    logical, intent(in) :: cond
    character(len=*), intent(in) :: what
    if (cond) then
      n_pass = n_pass + 1
    else
      n_fail = n_fail + 1
      print '(4a)', trim(prog), ': FAILED: ', what
    end if
  end subroutine check

  !> A call that must return `expected`.
  subroutine check_status(st, expected, what)
    integer, intent(in) :: st, expected
    character(len=*), intent(in) :: what
    if (st == expected) then
      n_pass = n_pass + 1
    else
      n_fail = n_fail + 1
      print '(3a, i0, a, i0, 4a)', trim(prog), ': FAILED: ', what, st, ' (expected ', expected, &
        '): ', zarr_strerror(st), ': ', zarr_last_error()
    end if
  end subroutine check_status

  !> A call that must succeed.
  subroutine ok(st, what)
    integer, intent(in) :: st
    character(len=*), intent(in) :: what
    call check_status(st, ZARR_OK, what)
  end subroutine ok

  subroutine finish()
    if (n_fail > 0) then
      print '(2a, i0, a, i0, a)', trim(prog), ': ', n_fail, ' of ', n_pass + n_fail, ' checks FAILED'
      error stop 1
    end if
    if (n_pass == 0) then
      print '(2a)', trim(prog), ': no checks ran'
      error stop 1
    end if
    print '(2a, i0, a)', trim(prog), ': ', n_pass, ' checks passed'
  end subroutine finish

  !> A fresh directory path below $TMPDIR (or /tmp) for a test hierarchy.
  function scratch(name) result(path)
    character(len=*), intent(in) :: name
    character(len=:), allocatable :: path
    character(len=1024) :: tmp
    integer :: n, st
    call get_environment_variable('TMPDIR', tmp, n, st)
    if (st /= 0 .or. n == 0) tmp = '/tmp'
    path = trim(tmp) // '/' // name
    call execute_command_line('rm -rf "' // path // '"')
  end function scratch
end module check_util
