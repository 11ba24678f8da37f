! Every Fortran kind x ranks 0, 1, 3 and 7 through zarr_put_var/zarr_get_var.
! One template: tests/fortran/run.sh compiles it once per kind with
! -DKIND_ID=1..8 (int8, int16, int32, int64, real32, real64, logical,
! logical(c_bool)). The expected values come from VAL(i), a formula of the
! Fortran linear index, never from the library.
#if KIND_ID == 1
#define FTYPE integer(int8)
#define ZTYPE ZARR_INT8
#define VAL(i) int(mod((i) * 7, 101) - 50, int8)
#define KNAME "int8"
#elif KIND_ID == 2
#define FTYPE integer(int16)
#define ZTYPE ZARR_INT16
#define VAL(i) int(mod((i) * 977, 30011) - 15000, int16)
#define KNAME "int16"
#elif KIND_ID == 3
#define FTYPE integer(int32)
#define ZTYPE ZARR_INT32
#define VAL(i) int((i) * 123457 - 2000000000, int32)
#define KNAME "int32"
#elif KIND_ID == 4
#define FTYPE integer(int64)
#define ZTYPE ZARR_INT64
#define VAL(i) (int(i, int64) * 1000000007_int64 - 9000000000000000000_int64)
#define KNAME "int64"
#elif KIND_ID == 5
#define FTYPE real(real32)
#define ZTYPE ZARR_FLOAT32
#define VAL(i) (real(i, real32) / 8.0_real32 - 3.0_real32)
#define KNAME "real32"
#elif KIND_ID == 6
#define FTYPE real(real64)
#define ZTYPE ZARR_FLOAT64
#define VAL(i) (real(i, real64) / 3.0_real64 - 1.0e10_real64)
#define KNAME "real64"
#elif KIND_ID == 7
#define FTYPE logical
#define ZTYPE ZARR_BOOL
#define VAL(i) (mod(i, 3) == 0)
#define KNAME "logical"
#else
#define FTYPE logical(c_bool)
#define ZTYPE ZARR_BOOL
#define VAL(i) logical(mod(i, 3) /= 1, c_bool)
#define KNAME "logical(c_bool)"
#endif
#if KIND_ID >= 7
#define SAME(a, b) logical((a) .eqv. (b))
#else
#define SAME(a, b) ((a) == (b))
#endif

program test_kinds
  use, intrinsic :: iso_c_binding, only: c_bool
  use zarr
  use check_util
  implicit none
  FTYPE :: w0, r0
  FTYPE :: w1(5), r1(5)
  FTYPE :: w3(4, 3, 2), r3(4, 3, 2), e3(1, 1, 1), s3(2, 3, 2)
  FTYPE :: w7(2, 3, 1, 2, 2, 1, 3), r7(2, 3, 1, 2, 2, 1, 3)
  integer(int64) :: root, a0, a1, a3, a7
  integer :: i, j, k, nd, dt, shp(7)
  logical :: all_same

  prog = 'test_kinds[' // KNAME // ']'
  w0 = VAL(42)
  w1 = [(VAL(i), i = 1, 5)]
  w3 = reshape([(VAL(i), i = 1, 24)], shape(w3))
  w7 = reshape([(VAL(i), i = 1, size(w7))], shape(w7))

  call ok(zarr_open(scratch('kinds.zarr'), ZARR_CREATE, root), 'open')
  call ok(zarr_def_var(root, 'r0', ZTYPE, [integer ::], a0), 'def_var rank 0')
  call ok(zarr_def_var(root, 'r1', ZTYPE, shape(w1), a1, chunks=[2]), 'def_var rank 1')
  call ok(zarr_def_var(root, 'g/r3', ZTYPE, shape(w3), a3, chunks=[3, 2, 1]), 'def_var rank 3')
  call ok(zarr_def_var(root, 'r7', ZTYPE, shape(w7), a7, chunks=[1, 2, 1, 2, 1, 1, 2]), 'def_var rank 7')

  ! whole arrays
  call ok(zarr_put_var(a0, w0), 'put rank 0')
  call ok(zarr_put_var(a1, w1), 'put rank 1')
  call ok(zarr_put_var(a3, w3), 'put rank 3')
  call ok(zarr_put_var(a7, w7), 'put rank 7')
  call ok(zarr_get_var(a0, r0), 'get rank 0')
  call ok(zarr_get_var(a1, r1), 'get rank 1')
  call ok(zarr_get_var(a3, r3), 'get rank 3')
  call ok(zarr_get_var(a7, r7), 'get rank 7')
  call check(SAME(r0, w0), 'rank 0 round trip')
  call check(all(SAME(r1, w1)), 'rank 1 round trip')
  call check(all(SAME(r3, w3)), 'rank 3 round trip')
  call check(all(SAME(r7, w7)), 'rank 7 round trip')

  ! the stored type and the Fortran-order shape
  call ok(zarr_inq_var(a7, ndims=nd, shape=shp, dtype=dt), 'inq_var rank 7')
  call check(nd == 7 .and. all(shp == shape(w7)) .and. dt == ZTYPE, 'inq_var rank 7 values')

  ! single elements by 1-based Fortran index
  all_same = .true.
  do k = 1, 2
    do j = 1, 3
      do i = 1, 4
        call ok(zarr_get_var(a3, e3, start=[i, j, k], count=[1, 1, 1]), 'get one element')
        all_same = all_same .and. SAME(e3(1, 1, 1), VAL(i + 4 * (j - 1) + 12 * (k - 1)))
      end do
    end do
  end do
  call check(all_same, 'each element at its Fortran index')

  ! start/count/stride: every 3rd x from 1, all y, both z
  call ok(zarr_get_var(a3, s3, start=[1, 1, 1], count=[2, 3, 2], stride=[3, 1, 1]), 'strided get')
  all_same = .true.
  do k = 1, 2
    do j = 1, 3
      do i = 1, 2
        all_same = all_same .and. SAME(s3(i, j, k), VAL(1 + 3 * (i - 1) + 4 * (j - 1) + 12 * (k - 1)))
      end do
    end do
  end do
  call check(all_same, 'strided values')

  ! a partial write: the last two x of y = 2 in z = 2
  call ok(zarr_put_var(a3, [VAL(1000), VAL(1001)], start=[3, 2, 2], count=[2, 1, 1]), 'partial put')
  call ok(zarr_get_var(a3, r3), 'get after partial put')
  call check(SAME(r3(3, 2, 2), VAL(1000)) .and. SAME(r3(4, 2, 2), VAL(1001)), 'partial put landed')
  call check(SAME(r3(2, 2, 2), w3(2, 2, 2)) .and. SAME(r3(3, 3, 2), w3(3, 3, 2)) &
             .and. SAME(r3(3, 2, 1), w3(3, 2, 1)), 'partial put left the rest')

  call ok(zarr_close(a0), 'close')
  call ok(zarr_close(a1), 'close')
  call ok(zarr_close(a3), 'close')
  call ok(zarr_close(a7), 'close')
  call ok(zarr_close(root), 'close root')
  call finish()
end program test_kinds
