! The Fortran module beyond kinds x ranks: conversions and ZARR_ERANGE,
! non-contiguous actual arguments, bad calls and their statuses, strings and
! attributes, groups and member listing, zarr_def_var's options. Expected
! values are computed here from formulas or written literally.
program test_api
  use, intrinsic :: iso_c_binding, only: c_bool
  use zarr
  use check_util
  implicit none
  integer(int64) :: root, v, w, g, g2, b, h
  integer(int16) :: i16(3, 2)
  integer(int8) :: i8(3, 2)
  integer(int32) :: i32(3, 2)
  real(real64) :: f64(3, 2), f64v(3)
  real(real32) :: f32(3, 2), big(6, 4), part(3, 4), r32, r32v(2), cube(3, 2, 2)
  integer :: i, n, kind, xtype, alen, nd, shp(3), chk(3), dt
  character(len=16) :: name, units
  character(len=2) :: tiny
  character(len=8) :: dims(3)
  logical :: lv(3)
  integer(int64) :: i64
  character(len=:), allocatable :: path, msg

  prog = 'test_api'
  path = scratch('api.zarr')
  call ok(zarr_open(path, ZARR_CREATE, root), 'open')

  ! ---- conversions (netCDF rules) and ZARR_ERANGE
  call ok(zarr_def_var(root, 'i16', ZARR_INT16, [3, 2], v), 'def int16')
  i16 = reshape([integer(int16) :: 1, -2, 300, 4, -5, 127], [3, 2])
  call ok(zarr_put_var(v, i16), 'put int16')
  call ok(zarr_get_var(v, f64), 'int16 read as real64')
  call check(all(f64 == reshape([1d0, -2d0, 300d0, 4d0, -5d0, 127d0], [3, 2])), 'int16 -> real64 values')
  call check_status(zarr_get_var(v, i8), ZARR_ERANGE, 'int16 300 read as int8')
  i32 = reshape([7, 8, 40000, 9, 10, 11], [3, 2])
  call check_status(zarr_put_var(v, i32), ZARR_ERANGE, 'int32 40000 written to int16')
  call ok(zarr_get_var(v, i16), 'get after failed write')
  call check(i16(3, 1) == 300 .and. i16(1, 1) == 1, 'a write failing with ERANGE changed nothing')
  f32 = reshape([2.7, -2.7, 1.0, 0.5, 100.9, -0.2], [3, 2])
  call ok(zarr_put_var(v, f32), 'real32 written to int16')
  call ok(zarr_get_var(v, i32), 'get int16 as int32')
  call check(all(i32 == reshape([2, -2, 1, 0, 100, 0], [3, 2])), 'floats truncate toward zero')
  call ok(zarr_def_var(root, 'f64', ZARR_FLOAT64, [2], w), 'def float64')
  call ok(zarr_put_var(w, [1.5d0, 1.0d10]), 'put float64')
  call check_status(zarr_get_var(w, i32(:, 1)), ZARR_EBOUNDS, 'count defaults to the buffer shape (3 > 2)')
  call check_status(zarr_get_var(w, i32(1:2, 1)), ZARR_ERANGE, '1e10 read as int32')
  call ok(zarr_get_var(w, i64, start=[2], count=[1]), 'one element as int64 scalar')
  call check(i64 == 10000000000_int64, '1e10 as int64')
  call ok(zarr_def_var(root, 'flags', ZARR_BOOL, [3], b), 'def bool')
  call ok(zarr_put_var(b, [.true., .false., .true.]), 'put logical')
  call ok(zarr_get_var(b, i8(:, 1)), 'bool read as int8')
  call check(all(i8(:, 1) == [1, 0, 1]), 'bool as 0/1')
  call ok(zarr_put_var(v, reshape([integer(int16) :: 0, 1, 1, 1, 0, 5], [3, 2])), 'put 0/1 and a 5')
  call check_status(zarr_get_var(v, lv, count=[3, 2]), ZARR_EINVAL, 'logical buffer of 3 for 6 values')
  call check_status(zarr_get_var(v, lv, start=[1, 2]), ZARR_ERANGE, '5 read as logical (second column)')
  call ok(zarr_get_var(v, lv), '0/1 read as logical: count [3, 1] from the rank-1 buffer')
  call check(all(lv .eqv. [.false., .true., .true.]), 'first column as logical')
  call ok(zarr_close(b), 'close bool')

  ! ---- non-contiguous actual arguments (copied in and out by the compiler)
  call ok(zarr_def_var(root, 'big', ZARR_FLOAT32, [6, 4], h, chunks=[4, 3]), 'def big')
  big = reshape([(real(i), i = 1, 24)], [6, 4])
  call ok(zarr_put_var(h, big), 'put big')
  part = -1
  call ok(zarr_get_var(h, part, count=[3, 4], stride=[2, 1]), 'strided read into contiguous')
  call check(all(part == big(1:6:2, :)), 'stride 2 along x')
  big = 0
  call ok(zarr_get_var(h, big(1:6:2, :), count=[3, 4], stride=[2, 1]), 'read into a non-contiguous section')
  call check(all(big(1:6:2, :) == part) .and. all(big(2:6:2, :) == 0), 'section filled, gaps untouched')
  big = reshape([(real(100 + i), i = 1, 24)], [6, 4])
  call ok(zarr_put_var(h, big(2:6:2, :), start=[1, 1], count=[3, 4]), 'write from a non-contiguous section')
  call ok(zarr_get_var(h, part, count=[3, 4]), 'read back')
  call check(all(part == big(2:6:2, :)), 'values of the section written')

  ! ---- bad calls: clear statuses and messages
  call check_status(zarr_get_var(h, part, start=[1, 1, 1], count=[3, 4]), ZARR_EINVAL, 'start of wrong rank')
  msg = zarr_last_error()
  call check(index(msg, 'start') > 0 .and. index(msg, '2 dimensions') > 0, 'message names start: ' // msg)
  call check_status(zarr_get_var(h, part, count=[3]), ZARR_EINVAL, 'count of wrong rank')
  call check_status(zarr_get_var(h, part, count=[6, 4]), ZARR_EINVAL, 'count larger than the buffer')
  call check(len(zarr_last_error()) > 0, 'library message for a short buffer: ' // zarr_last_error())
  call check_status(zarr_get_var(h, part, start=[5, 1], count=[3, 4]), ZARR_EBOUNDS, 'selection past the end')
  call check_status(zarr_get_var(h, part, start=[0, 1], count=[3, 4]), ZARR_EBOUNDS, 'start 0 (1-based)')
  call check_status(zarr_get_var(h, part, count=[3, 4], stride=[0, 1]), ZARR_EINVAL, 'stride 0')
  call check_status(zarr_get_var(h, cube), ZARR_EINVAL, 'rank-3 values, 2-D array, no count')
  call check_status(zarr_put_var(root, part), ZARR_EBADID, 'a group handle as array')
  call check_status(zarr_put_var(987654321_int64, part), ZARR_EBADID, 'a made-up handle')
  call check_status(zarr_inq_varid(root, 'missing', w), ZARR_ENOTFOUND, 'inq_varid of a missing array')
  call check(len(zarr_strerror(ZARR_ENOTFOUND)) > 0 .and. zarr_strerror(ZARR_ENOTFOUND) /= zarr_strerror(ZARR_EINVAL), &
             'strerror texts')
  call check_status(zarr_def_var(root, 'i16', ZARR_INT16, [3, 2], w), ZARR_EEXISTS, 'def_var twice')
  call check_status(zarr_def_var(root, 'c', ZARR_INT16, [3, 2], w, chunks=[3]), ZARR_EINVAL, 'chunks of wrong rank')
  call check_status(zarr_def_var(root, 'c', ZARR_INT8, [3], w, fill_value=300), ZARR_ERANGE, 'fill 300 for int8')
  call check_status(zarr_def_var(root, 'c', 99, [3], w), ZARR_ETYPE, 'unknown dtype code')

  ! ---- def_var options, inq_var, Fortran order of chunks and names
  call ok(zarr_def_var(root, 'model/temp', ZARR_FLOAT32, [4, 3, 2], w, chunks=[4, 3, 1], &
                       codecs='[{"name":"zstd","configuration":{"level":3}}]', fill_value=-999.0, &
                       dimension_names=['x   ', 'y   ', 'time']), 'def_var with every option')
  call ok(zarr_inq_var(w, ndims=nd, shape=shp, dtype=dt, chunks=chk, dimension_names=dims), 'inq_var')
  call check(nd == 3 .and. all(shp == [4, 3, 2]) .and. all(chk == [4, 3, 1]) .and. dt == ZARR_FLOAT32, &
             'inq_var shape, chunks, dtype in Fortran order')
  call check(dims(1) == 'x' .and. dims(2) == 'y' .and. dims(3) == 'time', 'dimension names in Fortran order')
  call ok(zarr_put_var(w, [1.0, 2.0], start=[1, 1, 2], count=[2, 1, 1]), 'put two values')
  call ok(zarr_get_var(w, r32v, start=[2, 3, 1], count=[2, 1, 1]), 'read unwritten values')
  call check(all(r32v == -999.0), 'unwritten values read as the fill value')
  call ok(zarr_inq_varid(root, 'model/temp', v), 'inq_varid by path')
  call ok(zarr_get_var(v, r32, start=[2, 1, 2], count=[1, 1, 1]), 'read through the second handle')
  call check(r32 == 2.0, 'value through the second handle')
  call ok(zarr_close(v), 'close')
  call ok(zarr_set_write_empty_chunks(w, .true.), 'write_empty_chunks on')
  call ok(zarr_put_var(w, spread(spread([-999.0, -999.0, -999.0, -999.0], 2, 3), 3, 1), start=[1, 1, 1]), &
          'write a chunk of fill values')
  inquire(file=path // '/model/temp/c/0/0/0', exist=lv(1))
  call check(lv(1), 'all-fill chunk stored with write_empty_chunks on')
  call ok(zarr_set_write_empty_chunks(w, .false.), 'write_empty_chunks off')
  call ok(zarr_put_var(w, spread(spread([-999.0, -999.0, -999.0, -999.0], 2, 3), 3, 1), start=[1, 1, 1]), &
          'write fill again')
  inquire(file=path // '/model/temp/c/0/0/0', exist=lv(1))
  call check(.not. lv(1), 'all-fill chunk removed with write_empty_chunks off')

  ! ---- attributes: text and numbers, on arrays and groups
  call ok(zarr_put_att(w, 'units', 'K    '), 'put text attribute (trailing blanks)')
  call ok(zarr_get_att(w, 'units', units), 'get text attribute')
  call check(units == 'K' .and. len_trim(units) == 1, 'text trimmed and blank-padded')
  call ok(zarr_inq_att(w, 'units', xtype=xtype, len=alen), 'inq text attribute')
  call check(xtype == ZARR_ATTR_TEXT .and. alen == 1, 'text attribute type and length')
  call ok(zarr_put_att(w, 'long_name', 'air temperature'), 'put long text')
  tiny = 'zz'
  call check_status(zarr_get_att(w, 'long_name', tiny), ZARR_EINVAL, 'text longer than the variable')
  call check(tiny == 'zz', 'variable left as is')
  call ok(zarr_put_att(w, 'scale', 0.1_real32), 'put real32 scalar')
  call ok(zarr_get_att(w, 'scale', r32), 'get real32 scalar')
  call check(r32 == 0.1_real32, 'real32 0.1 round trip')
  call ok(zarr_get_att(w, 'scale', f64v(1)), 'get real32 attribute as real64')
  call check(abs(f64v(1) - 0.1d0) < 1d-12, 'stored as 0.1')
  call ok(zarr_put_att(w, 'valid', [integer(int16) :: 1, -2, 300]), 'put int16 vector')
  call ok(zarr_inq_att(w, 'valid', xtype=xtype, len=alen), 'inq vector')
  call check(xtype == ZARR_INT64 .and. alen == 3, 'integer vector: ZARR_INT64, 3 values')
  call ok(zarr_get_att(w, 'valid', f64v), 'int16 vector as real64')
  call check(all(f64v == [1d0, -2d0, 300d0]), 'vector values')
  call check_status(zarr_get_att(w, 'valid', i8(:, 1)), ZARR_ERANGE, '300 as int8 attribute')
  call check_status(zarr_get_att(w, 'valid', r32v), ZARR_EINVAL, 'vector into 2 values')
  call check_status(zarr_get_att(w, 'units', r32), ZARR_ETYPE, 'text read as number')
  call check_status(zarr_get_att(w, 'missing', r32), ZARR_ENOTFOUND, 'missing attribute')
  call ok(zarr_put_att(w, 'flags', [.true., .false., .true.]), 'put logical vector')
  lv = .false.
  call ok(zarr_get_att(w, 'flags', lv), 'get logical vector')
  call check(all(lv .eqv. [.true., .false., .true.]), 'logical attribute values')
  call ok(zarr_put_att(w, 'big', 9000000000000000000_int64), 'put int64')
  call ok(zarr_get_att(w, 'big', i64), 'get int64')
  call check(i64 == 9000000000000000000_int64, 'int64 exact')
  call ok(zarr_del_att(w, 'big'), 'delete attribute')
  call check_status(zarr_inq_att(w, 'big'), ZARR_ENOTFOUND, 'deleted attribute is gone')
  call ok(zarr_get_att(w, 'units', units), 'other attributes kept')
  call ok(zarr_put_att(root, 'title', 'test run'), 'group text attribute')
  call ok(zarr_get_att(root, 'title', name), 'get group attribute')
  call check(name == 'test run', 'group attribute value')
  call ok(zarr_close(w), 'close')

  ! ---- groups and member listing
  call ok(zarr_def_grp(root, 'a/b', g), 'def_grp with intermediate')
  call ok(zarr_def_var(g, 'x', ZARR_INT32, [2], v), 'array in the group')
  call ok(zarr_close(v), 'close')
  call ok(zarr_inq_grp(root, 'a', g2), 'inq_grp')
  call ok(zarr_inq_nmembers(g2, n), 'nmembers of a')
  call check(n == 1, 'a has one member')
  call ok(zarr_inq_member(g2, 1, name, kind), 'member 1 of a')
  call check(name == 'b' .and. kind == ZARR_NODE_GROUP, 'a/b is a group')
  call ok(zarr_inq_nmembers(g, n), 'nmembers of a/b')
  call ok(zarr_inq_member(g, 1, name, kind), 'member 1 of a/b')
  call check(n == 1 .and. name == 'x' .and. kind == ZARR_NODE_ARRAY, 'a/b/x is an array')
  call ok(zarr_inq_nmembers(root, n), 'nmembers of root')
  ! root: a, big, f64, flags, i16, model (sorted by name)
  call check(n == 6, 'root has 6 members')
  call ok(zarr_inq_member(root, 6, name, kind), 'last member of root')
  call check(name == 'model' .and. kind == ZARR_NODE_GROUP, 'members sorted by name')
  call check_status(zarr_inq_member(root, 7, name), ZARR_EINVAL, 'member index past the end')
  call check_status(zarr_inq_member(root, 1, tiny), ZARR_OK, 'short name "a" fits 2 characters')
  call check_status(zarr_inq_member(root, 2, tiny), ZARR_EINVAL, 'name "big" longer than the variable')
  call check_status(zarr_inq_grp(root, 'nope', g2), ZARR_ENOTFOUND, 'inq_grp of a missing group')
  call ok(zarr_close(g), 'close')
  call ok(zarr_close(root), 'close root')
  call check_status(zarr_close(root), ZARR_EBADID, 'close twice')

  ! ---- read-only and v2
  call ok(zarr_open(path, ZARR_READ, root), 'reopen read-only')
  call ok(zarr_inq_varid(root, 'i16', v), 'open i16')
  call check_status(zarr_put_var(v, i16), ZARR_EREADONLY, 'write to read-only')
  call ok(zarr_close(v), 'close')
  call ok(zarr_close(root), 'close')
  call ok(zarr_open(scratch('api-v2.zarr'), ZARR_CREATE, root, options='{"zarr_format": 2}'), 'open v2 option')
  call ok(zarr_def_var(root, 't', ZARR_INT32, [3, 2], v, dimension_names=['x', 'y']), 'v2 array')
  i32 = reshape([2, -2, 1, 0, 100, 0], [3, 2])
  call ok(zarr_put_var(v, i32), 'put v2')
  i32 = 0
  call ok(zarr_get_var(v, i32), 'get v2')
  call check(all(i32 == reshape([2, -2, 1, 0, 100, 0], [3, 2])), 'v2 values')
  call ok(zarr_close(v), 'close')
  call ok(zarr_close(root), 'close')
  call check_status(zarr_open(path, ZARR_READ, root, options='{"nonsense": 1}'), ZARR_EINVAL, 'unknown option')
  call check(index(zarr_version(), '.') > 0, 'version text')
  call finish()
end program test_api
