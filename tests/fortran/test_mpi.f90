! Parallel writers: rank 0 creates two arrays, then (after a barrier) every
! rank writes its own slab of each, and rank 0 reads both whole and checks
! every value against v(i, j) = i + 1000 * j.
!   aligned: shape (6, 4*np), chunks (6, 4): rank r writes columns
!            4r+1..4r+4, whole chunks only (safe without locks).
!   shared:  shape (6, 3*np), chunks (6, 4): rank r writes columns
!            3r+1..3r+3, one column per call, so neighbouring ranks
!            read-modify-write the same chunks. Safe because every rank
!            opens the hierarchy with {"process_locks": true}.
! Usage: mpirun -np 4 test_mpi PATH [repeats]
program test_mpi
  use mpi
  use zarr
  use check_util
  implicit none
  integer, parameter :: nx = 6
  integer :: ierr, rank, np, i, j, rep, repeats, st, bad
  integer(int64) :: root, a, s
  real(real64), allocatable :: col(:), whole(:, :)
  character(len=1024) :: path, arg

  call mpi_init(ierr)
  call mpi_comm_rank(mpi_comm_world, rank, ierr)
  call mpi_comm_size(mpi_comm_world, np, ierr)
  write (prog, '(a, i0, a)') 'test_mpi[rank ', rank, ']'
  call get_command_argument(1, path)
  repeats = 5
  if (command_argument_count() >= 2) then
    call get_command_argument(2, arg)
    read (arg, *) repeats
  end if

  do rep = 1, repeats
    if (rank == 0) then
      call ok(zarr_open(trim(path), ZARR_CREATE, root, options='{"process_locks": true}'), 'create')
      st = zarr_def_var(root, 'aligned', ZARR_FLOAT64, [nx, 4 * np], a, chunks=[nx, 4], fill_value=-1.0_real64)
      if (st == ZARR_EEXISTS) st = zarr_inq_varid(root, 'aligned', a)
      call ok(st, 'def aligned')
      st = zarr_def_var(root, 'shared', ZARR_FLOAT64, [nx, 3 * np], s, chunks=[nx, 4], fill_value=-1.0_real64)
      if (st == ZARR_EEXISTS) st = zarr_inq_varid(root, 'shared', s)
      call ok(st, 'def shared')
      ! start each repetition from fill: a stale value cannot pass
      allocate(whole(nx, 4 * np))
      whole = -1
      call ok(zarr_put_var(a, whole), 'reset aligned')
      call ok(zarr_put_var(s, whole(:, 1:3 * np)), 'reset shared')
      deallocate(whole)
      call ok(zarr_close(a), 'close')
      call ok(zarr_close(s), 'close')
      call ok(zarr_close(root), 'close')
    end if
    call mpi_barrier(mpi_comm_world, ierr)

    call ok(zarr_open(trim(path), ZARR_WRITE, root, options='{"process_locks": true}'), 'open')
    call ok(zarr_inq_varid(root, 'aligned', a), 'open aligned')
    call ok(zarr_inq_varid(root, 'shared', s), 'open shared')
    allocate(col(nx), whole(nx, 4))
    do j = 1, 4
      whole(:, j) = [(real(i + 1000 * (4 * rank + j), real64), i = 1, nx)]
    end do
    call ok(zarr_put_var(a, whole, start=[1, 4 * rank + 1], count=[nx, 4]), 'write aligned slab')
    do j = 3 * rank + 1, 3 * rank + 3
      col = [(real(i + 1000 * j, real64), i = 1, nx)]
      call ok(zarr_put_var(s, col, start=[1, j], count=[nx, 1]), 'write shared column')
    end do
    deallocate(col, whole)
    call ok(zarr_close(a), 'close')
    call ok(zarr_close(s), 'close')
    call ok(zarr_close(root), 'close')
    call mpi_barrier(mpi_comm_world, ierr)

    if (rank == 0) then
      call ok(zarr_open(trim(path), ZARR_READ, root), 'open to check')
      call ok(zarr_inq_varid(root, 'aligned', a), 'open aligned')
      allocate(whole(nx, 4 * np))
      call ok(zarr_get_var(a, whole), 'read aligned')
      bad = count([((whole(i, j) /= real(i + 1000 * j, real64), i = 1, nx), j = 1, 4 * np)])
      call check(bad == 0, 'every value of the chunk-aligned slabs')
      call ok(zarr_inq_varid(root, 'shared', s), 'open shared')
      whole = 0
      call ok(zarr_get_var(s, whole(:, 1:3 * np)), 'read shared')
      bad = count([((whole(i, j) /= real(i + 1000 * j, real64), i = 1, nx), j = 1, 3 * np)])
      if (bad /= 0) print '(a, i0, a, i0)', 'repetition ', rep, ': wrong values in shared chunks: ', bad
      call check(bad == 0, 'every value of the slabs sharing chunks')
      deallocate(whole)
      call ok(zarr_close(a), 'close')
      call ok(zarr_close(s), 'close')
      call ok(zarr_close(root), 'close')
    end if
    call mpi_barrier(mpi_comm_world, ierr)
  end do

  if (n_fail > 0) then
    call finish()   ! prints and stops with an error
  end if
  call mpi_finalize(ierr)
  if (rank == 0) call finish()
end program test_mpi
