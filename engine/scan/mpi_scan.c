/* scan/mpi_scan.c - scale-out over MPI ranks (Open MPI, mpirun or Slurm):
 * each rank takes a deterministic shard of the archive, uses its own
 * device, writes its own output and store, and rank 0 reports the merged
 * summary. Without MPI in the build, or when not launched by an MPI
 * launcher, a single rank. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "hashsweep/scan.h"

#ifdef HS_WITH_MPI
#include <mpi.h>

static int mpi_started;

/* Launchers say so in the environment; a plain run never starts MPI (an
 * MPI singleton start is slow and may print warnings). */
static int launched_by_mpi(void) {
  static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK",
                                     "SLURM_PROCID", NULL};
  for (int i = 0; vars[i]; i++)
    if (getenv(vars[i]))
      return 1;
  return 0;
}

hs_status hs_mpi_init(int *argc, char ***argv, int *rank, int *size) {
  *rank = 0;
  *size = 1;
  if (!launched_by_mpi())
    return HS_OK;
  int provided = 0;
  /* Only the main thread calls MPI (the scan's threads never do). */
  if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
    return error_set(HS_ERR_INTERNAL, "MPI_Init_thread failed");
  mpi_started = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, rank);
  MPI_Comm_size(MPI_COMM_WORLD, size);
  return HS_OK;
}

void hs_mpi_merge_summary(hs_scan_summary *s, int *any_failed, int *any_fatal, int fatal) {
  if (!mpi_started) {
    *any_failed = s->failed > 0;
    *any_fatal = fatal;
    return;
  }
  uint64_t in[10] = {s->seen,    s->hashed,      s->unchanged, s->resumed,     s->matched,
                     s->matches, s->failed,      s->low_quality, s->other_shards, (uint64_t)fatal};
  uint64_t out[10];
  MPI_Allreduce(in, out, 10, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  double elapsed = 0;
  MPI_Allreduce(&s->elapsed, &elapsed, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  uint64_t version = 0;
  MPI_Allreduce(&s->index_version, &version, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
  s->seen = out[0], s->hashed = out[1], s->unchanged = out[2], s->resumed = out[3];
  s->matched = out[4], s->matches = out[5], s->failed = out[6], s->low_quality = out[7];
  /* Items in other shards are the other ranks' own: none is left out. */
  s->other_shards = 0;
  s->elapsed = elapsed;
  s->index_version = version;
  /* The guard's counters (each rank guards its own shard: docs/guard.md). */
  uint64_t gin[4] = {s->allowed, s->suppressed, s->held, s->quarantined}, gout[4];
  MPI_Allreduce(gin, gout, 4, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  s->allowed = gout[0], s->suppressed = gout[1], s->held = gout[2], s->quarantined = gout[3];
  *any_failed = s->failed > 0;
  *any_fatal = out[9] > 0;
}

void hs_mpi_finalize(void) {
  if (mpi_started)
    MPI_Finalize();
  mpi_started = 0;
}

int hs_mpi_available(void) { return 1; }

#else

hs_status hs_mpi_init(int *argc, char ***argv, int *rank, int *size) {
  (void)argc;
  (void)argv;
  *rank = 0;
  *size = 1;
  return HS_OK;
}

void hs_mpi_merge_summary(hs_scan_summary *s, int *any_failed, int *any_fatal, int fatal) {
  *any_failed = s->failed > 0;
  *any_fatal = fatal;
}

void hs_mpi_finalize(void) {}

int hs_mpi_available(void) { return 0; }

#endif
