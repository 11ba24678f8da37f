/* tests/reliability/mpi_append.c - MPI ranks appending along time.
 * Rank 0 creates "t" (int32, shape (0, 8), chunks (4, 8)); after a barrier
 * every rank appends N one-row records, row i of rank r all (r+1)*1000 + i,
 * to the same array (no process_locks: appends coordinate by
 * compare-and-swap); rank 0 then checks that the array has np*N rows,
 * every row is one record, and every record of every rank is there once, in
 * its rank's order.   mpirun -np 4 mpi_append PATH [N]
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "zarr.h"

#define CHECK(call)                                                                              \
    do {                                                                                         \
        int st_ = (call);                                                                        \
        if (st_ != ZARR_OK) {                                                                    \
            fprintf(stderr, "rank %d: %s failed: %s\n", rank, #call, zarr_last_error());          \
            MPI_Abort(MPI_COMM_WORLD, 2);                                                        \
        }                                                                                        \
    } while (0)

int main(int argc, char **argv) {
    int rank, np;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    if (argc < 2) MPI_Abort(MPI_COMM_WORLD, 1);
    int n = argc > 2 ? atoi(argv[2]) : 25;
    int64_t root, t;
    if (rank == 0) {
        uint64_t shape[2] = {0, 8}, chunks[2] = {4, 8};
        CHECK(zarr_open(argv[1], ZARR_CREATE, &root));
        CHECK(zarr_array_create(root, "t", ZARR_INT32, 2, shape, chunks, NULL, NULL, &t));
        CHECK(zarr_close(t));
        CHECK(zarr_close(root));
    }
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK(zarr_open(argv[1], ZARR_WRITE, &root));
    CHECK(zarr_array_open(root, "t", &t));
    for (int i = 0; i < n; i++) {
        int32_t row[8];
        for (int j = 0; j < 8; j++) row[j] = (rank + 1) * 1000 + i;
        CHECK(zarr_array_append(t, 0, 1, ZARR_NATIVE, row, sizeof row));
    }
    CHECK(zarr_close(t));
    CHECK(zarr_close(root));
    MPI_Barrier(MPI_COMM_WORLD);
    int bad = 0;
    if (rank == 0) {
        uint64_t shape[2];
        CHECK(zarr_open(argv[1], ZARR_READ, &root));
        CHECK(zarr_array_open(root, "t", &t));
        CHECK(zarr_array_shape(t, shape));
        if (shape[0] != (uint64_t)(np * n)) {
            fprintf(stderr, "shape %llu, want %d\n", (unsigned long long)shape[0], np * n);
            bad = 1;
        } else {
            int32_t *all = malloc(sizeof(int32_t) * 8 * (size_t)(np * n));
            uint64_t start[2] = {0, 0};
            CHECK(zarr_array_read(t, start, shape, NULL, ZARR_NATIVE, all, sizeof(int32_t) * 8 * (size_t)(np * n)));
            int *next = calloc((size_t)np, sizeof *next);
            for (int r = 0; r < np * n; r++) {
                int32_t v = all[r * 8];
                for (int j = 1; j < 8; j++) bad |= all[r * 8 + j] != v;
                int who = v / 1000 - 1, i = v % 1000;
                if (who < 0 || who >= np || i != next[who]) {
                    fprintf(stderr, "row %d holds %d: lost, repeated or out of order\n", r, v);
                    bad = 1;
                    break;
                }
                next[who]++;
            }
            free(next);
            free(all);
        }
        CHECK(zarr_close(t));
        CHECK(zarr_close(root));
        printf("mpi_append: %d ranks x %d appends: %s\n", np, n, bad ? "FAILED" : "ok");
    }
    MPI_Bcast(&bad, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    return bad;
}
