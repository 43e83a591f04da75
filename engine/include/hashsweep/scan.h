/* hashsweep/scan.h - batch scans of whole archives, the archive hash store,
 * and decode-free rescans. */
#ifndef HASHSWEEP_SCAN_H
#define HASHSWEEP_SCAN_H

#include "hashsweep/core.h"
#include "hashsweep/device.h"
#include "hashsweep/hash.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hs_out_format { HS_OUT_JSONL = 0, HS_OUT_CSV = 1 } hs_out_format;

/* Where a stage runs. AUTO: on the engine's device when it is a GPU or an
 * accelerator; on the native CPU path when there is no device or the device
 * is the host CPU itself (PoCL), because then both share the same cores and
 * the native code is the faster of the two (measured: bench/RESULTS.md). */
typedef enum hs_placement { HS_PLACE_AUTO = 0, HS_PLACE_CPU = 1, HS_PLACE_DEVICE = 2 } hs_placement;
HS_API hs_status hs_placement_parse(const char *name, hs_placement *out);

/* Counters of a scan or rescan (also the summary line). */
typedef struct hs_scan_summary {
  uint64_t seen;        /* items met in the sources (in this shard) */
  uint64_t hashed;      /* files decoded and hashed */
  uint64_t unchanged;   /* files skipped as unchanged (hashes from the store) */
  uint64_t resumed;     /* files already done by the interrupted run resumed */
  uint64_t matched;     /* files with at least one match */
  uint64_t matches;     /* match records */
  uint64_t failed;      /* error records */
  uint64_t low_quality; /* hashed, but below --min-quality: not PDQ-matched */
  uint64_t other_shards;/* items left to other shards */
  double elapsed;       /* seconds */
  uint64_t index_version;
} hs_scan_summary;

/* Progress callback (called from the thread that runs the scan, about
 * twice a second and once at the end with done = 1). total = 0: unknown. */
typedef void (*hs_progress_fn)(void *user, const hs_scan_summary *s, uint64_t total, int done);

typedef struct hs_scan_options {
  const char *index;          /* index directory (required) */
  const char *store;          /* archive store directory, or NULL */
  const char *out;            /* output file, or NULL for standard output */
  hs_out_format format;
  const char *const *sources; /* directories, "@manifest", "-" */
  size_t nsources;
  hs_decode_options decode;
  int radius;                 /* PDQ match threshold, inclusive (31) */
  int min_quality;            /* PDQ quality below this: reported, not matched (50) */
  int jobs;                   /* decode workers (0: all cores) */
  unsigned shard_index, shard_count; /* --shard K/N (count 0 or 1: all) */
  int restart;                /* discard an interrupted run with other options */
  int index_refresh_s;        /* seconds between index version checks (0: never) */
  hs_engine *engine;          /* where PDQ and matching run (required) */
  hs_placement hash_on;       /* PDQ: device or CPU workers */
  hs_placement match_on;      /* Hamming search: device or CPU */
  hs_progress_fn progress;
  void *progress_user;
} hs_scan_options;

HS_API void hs_scan_options_default(hs_scan_options *opts);

/* Runs a scan. Per-file failures are records in the output (and counted),
 * not errors: the call returns HS_OK when the whole scan ran. Fatal errors
 * (index, store, output, device loss) return their status; everything
 * committed so far stays, and rerunning the same call resumes. */
HS_API hs_status hs_scan_run(const hs_scan_options *opts, hs_scan_summary *summary);

typedef struct hs_rescan_options {
  const char *index;
  const char *store;
  const char *out;
  hs_out_format format;
  uint64_t since_version;     /* 0: every active entry */
  const char *list;           /* NULL: every list */
  int radius;
  int min_quality;
  int unletterbox;            /* match the stored content-region hashes of
                                 files with added borders (default 1) */
  hs_engine *engine;
  hs_placement match_on;
  hs_progress_fn progress;
  void *progress_user;
} hs_rescan_options;

HS_API void hs_rescan_options_default(hs_rescan_options *opts);

/* Matches every hash in the store against the index (or the entries added
 * since a version, of one list) without decoding. Same output as a scan. */
HS_API hs_status hs_rescan_run(const hs_rescan_options *opts, hs_scan_summary *summary);

/* ---- hashing many files ----------------------------------------------------
 * The scan's pipeline without index, store or output: files decoded on
 * `jobs` threads, PDQ on the CPU workers or the engine's device (placement
 * as for scans), each result passed to fn in input order, on the calling
 * thread. */
typedef void (*hs_hash_result_fn)(void *user, const char *path, hs_status status,
                                  const char *error, const hs_pdq *pdq, const hs_image_info *info);
typedef struct hs_hash_paths_options {
  hs_decode_options decode;
  hs_engine *engine;    /* NULL: the CPU path */
  hs_placement hash_on;
  int jobs;             /* 0: all cores */
} hs_hash_paths_options;
HS_API void hs_hash_paths_options_default(hs_hash_paths_options *opts);
/* error (when status != HS_OK) is the one-line cause without the path. */
HS_API hs_status hs_hash_paths(const char *const *paths, size_t n,
                               const hs_hash_paths_options *opts, hs_hash_result_fn fn,
                               void *user);

/* Asks a running scan to stop soon (async-signal-safe: call it from a
 * SIGINT/SIGTERM handler). The scan finishes and records the items in
 * flight and returns HS_ERR_INTERRUPTED; rerunning it resumes. */
HS_API void hs_scan_request_stop(void);

/* The shard (0..count-1) a path belongs to: a hash of its bytes, so the
 * partition is the same on every machine. */
HS_API unsigned hs_shard_of(const char *path, unsigned count);

/* ---- scale-out over MPI ---------------------------------------------------
 * Only the main thread calls these. hs_mpi_init starts MPI when the process
 * was launched by an MPI launcher (mpirun, srun) and the build has MPI;
 * otherwise rank 0 of 1. */
HS_API hs_status hs_mpi_init(int *argc, char ***argv, int *rank, int *size);
/* Sums the ranks' counters into every rank's *s (collective); *any_failed /
 * *any_fatal say whether any rank had per-file failures / a fatal error
 * (`fatal` is this rank's). */
HS_API void hs_mpi_merge_summary(hs_scan_summary *s, int *any_failed, int *any_fatal, int fatal);
HS_API void hs_mpi_finalize(void);
/* 1 when the library was built with MPI. */
HS_API int hs_mpi_available(void);

#ifdef __cplusplus
}
#endif
#endif
