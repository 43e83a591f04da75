/* hashsweep/scan.h - batch scans of whole archives, the archive hash store,
 * and decode-free rescans. */
#ifndef HASHSWEEP_SCAN_H
#define HASHSWEEP_SCAN_H

#include "hashsweep/core.h"
#include "hashsweep/device.h"
#include "hashsweep/hash.h"
#include "hashsweep/video.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hs_out_format { HS_OUT_JSONL = 0, HS_OUT_CSV = 1 } hs_out_format;

/* ---- records ----------------------------------------------------------------
 * What a scan or rescan reports, one struct per line of its output. Every
 * pointer is borrowed: valid only during the callback (or the
 * hs_record_write call) that receives it. */
typedef enum hs_record_kind {
  HS_RECORD_MATCH = 0, /* a file within the radius of an entry, or a digest hit */
  HS_RECORD_ERROR = 1, /* a file that could not be listed, read, decoded or hashed */
  HS_RECORD_NOTE = 2,  /* hashed but not PDQ-matched (quality below the gate) */
  HS_RECORD_HASH = 3   /* a file's hashes, as `hashsweep hash` writes them */
} hs_record_kind;

typedef struct hs_record {
  hs_record_kind kind;
  const char *path;
  const char *pdq_hex;      /* 64 hex digits; NULL: no PDQ (errors) */
  int quality;              /* PDQ quality; -1 with no PDQ */
  const char *md5_hex;      /* NULL: no digests */
  /* HS_RECORD_MATCH */
  uint64_t entry;           /* the index entry's id */
  const char *list;
  const char *label;        /* NULL: none */
  int distance;             /* Hamming distance (0 for digest hits) */
  const char *variant;      /* "orig", a dihedral name, "md5" or "sha256";
                               "unletterbox[+dihedral]" (the content region),
                               or the entry's list-side variant joined with
                               those by '+' ("crop_centre_10+rot270") */
  uint64_t index_version;   /* the index version matched against */
  /* HS_RECORD_ERROR: the one-line cause; HS_RECORD_NOTE: the note */
  const char *message;
  /* HS_RECORD_HASH */
  const hs_pdq *pdq;
  const hs_image_info *info;
  int dihedral;             /* also write the 7 other dihedral hashes */
  unsigned variant_kinds;   /* HS_VARIANTS_* of `variants` (0: none) */
  const hs_pdq *variants;   /* hs_variant_count(variant_kinds) list-side
                               variants: an object "variants" */
  const char *variants_error; /* non-NULL: "variants_error" instead */
  /* HS_RECORD_ERROR of `hashsweep hash`: the digests of a file that was read
   * but not decoded (written with md5_hex when both are set) */
  const char *sha256_hex;
  /* HS_RECORD_MATCH: "flood" when the flood guard holds it (the entry
   * matched more files in this run than the limit: review, do not act on
   * it); NULL for an actionable match (docs/guard.md) */
  const char *held;
  /* HS_RECORD_NOTE naming an allow-list entry (entry, list, distance,
   * variant set): the file's other matches it suppressed */
  uint64_t suppressed;
  /* HS_RECORD_MATCH of a video's frames: match_kind "video" (the video
   * matches a listed video by vPDQ's rule; pdq_hex NULL, distance the
   * smallest frame distance) or "frame" (one frame within the radius of an
   * image entry; pdq_hex the frame's). NULL: a file match (no "kind" key). */
  const char *match_kind;
  double query_percent;     /* "video": share of its unique frames matched */
  double compared_percent;  /* "video": share of the listed video's */
  uint64_t frames_hashed;   /* "video": frames sampled and hashed */
  const double *segments;   /* "video": nsegments [start, end] pairs, seconds */
  size_t nsegments;
  int64_t frame;            /* "frame": frame number (vPDQ's, from 0) */
  double timestamp;         /* "frame": seconds */
} hs_record;

/* Receives each record, in output order, on the thread that runs the scan.
 * A status other than HS_OK stops the run with that status (the batch it
 * belongs to is not committed: a resumed run reports it again). */
typedef hs_status (*hs_record_fn)(void *user, const hs_record *record);

/* Writes one record as a line of `format` (JSON Lines or CSV), exactly as
 * the scan's output and `hashsweep hash --format jsonl` write it. */
HS_API hs_status hs_record_write(FILE *f, hs_out_format format, const hs_record *record);
/* The header line of the CSV format (with its newline). */
HS_API const char *hs_record_csv_header(void);

/* Flood guard defaults (docs/guard.md has the measurement behind them). */
#define HS_FLOOD_FILES 100
#define HS_FLOOD_PER_MILLION 50.0

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
  uint64_t allowed;     /* files near an allow-list entry: matches suppressed */
  uint64_t suppressed;  /* match records those allow entries suppressed */
  uint64_t held;        /* match records held by the flood guard */
  uint64_t quarantined; /* entries this run quarantined (flood guard) */
  double elapsed;       /* seconds */
  uint64_t index_version;
} hs_scan_summary;

/* Progress callback (called from the thread that runs the scan, about
 * twice a second and once at the end with done = 1). total = 0: unknown. */
typedef void (*hs_progress_fn)(void *user, const hs_scan_summary *s, uint64_t total, int done);

typedef struct hs_scan_options {
  size_t struct_size;         /* set by hs_scan_options_default (docs/library.md) */
  const char *index;          /* index directory (required) */
  const char *store;          /* archive store directory, or NULL */
  const char *out;            /* output file; NULL: standard output, or no
                                 text at all when `record` is set */
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
  hs_engine *engine;          /* where PDQ and matching run (required; its
                                 options place each stage) */
  hs_progress_fn progress;
  void *progress_user;
  hs_cancel *cancel;          /* NULL, or the handle that stops this run
                                 (hashsweep/core.h), honoured from index
                                 load and store open on */
  /* Records as structs. With `record` set and `out` NULL nothing is
   * written to standard output; with both, each record goes to both. The
   * output file stays exactly-once across a crash (the store journal); a
   * callback receives a record before its batch commits, so a resumed run
   * may deliver the last uncommitted batch again. */
  hs_record_fn record;
  void *record_user;
  hs_logger log;              /* this run's logger (fn NULL: the engine's) */
  /* Flood guard (docs/guard.md): an entry matching more files in this run
   * than max(flood_files, flood_per_million * files seen / 10^6) is held
   * and quarantined at the end of the run. flood_files 0: off. */
  uint64_t flood_files;       /* default HS_FLOOD_FILES */
  double flood_per_million;   /* default HS_FLOOD_PER_MILLION */
  const char *command;        /* command line for the quarantine's audit record */
  /* Videos (recognised by content) are decoded and their frames sampled
   * and hashed as vPDQ does, with these limits (hs_video_options_default). */
  hs_video_options video;
  double video_query_percent;    /* vPDQ's rule (default 80) */
  double video_compared_percent; /* (default 0) */
} hs_scan_options;

/* Fills the defaults. The inline wrapper passes sizeof as this header
 * has it, so a library built with a newer header never writes past it. */
HS_API void hs_scan_options_init(hs_scan_options *opts, size_t struct_size);
static inline void hs_scan_options_default(hs_scan_options *opts) { hs_scan_options_init(opts, sizeof *opts); }

/* Runs a scan. Per-file failures are records in the output (and counted),
 * not errors: the call returns HS_OK when the whole scan ran. Fatal errors
 * (index, store, output, device loss) return their status; everything
 * committed so far stays, and rerunning the same call resumes. A triggered
 * opts->cancel stops the run at the next check (between index pages, after
 * store open, between items: the items in flight are finished and
 * recorded) with HS_ERR_INTERRUPTED, also resumable. *summary (when not
 * NULL) is filled on every return: zeros when the run never started. */
HS_API hs_status hs_scan_run(const hs_scan_options *opts, hs_scan_summary *summary);

typedef struct hs_rescan_options {
  size_t struct_size;         /* set by hs_rescan_options_default (docs/library.md) */
  const char *index;
  const char *store;
  const char *out;
  hs_out_format format;
  uint64_t since_version;     /* 0: every active entry */
  const char *list;           /* NULL: every list */
  int radius;
  int min_quality;
  hs_engine *engine;          /* its match_on places the search */
  hs_progress_fn progress;
  void *progress_user;
  hs_cancel *cancel;          /* NULL, or the handle that stops this run */
  hs_record_fn record;        /* as for scans */
  void *record_user;
  hs_logger log;              /* as for scans */
  int unletterbox;            /* match the stored content-region hashes of
                                 files with added borders (default 1) */
  uint64_t flood_files;       /* flood guard, as for scans */
  double flood_per_million;
  const char *command;
  double video_query_percent;    /* as for scans (default 80) */
  double video_compared_percent; /* (default 0) */
} hs_rescan_options;

/* Fills the defaults. The inline wrapper passes sizeof as this header
 * has it, so a library built with a newer header never writes past it. */
HS_API void hs_rescan_options_init(hs_rescan_options *opts, size_t struct_size);
static inline void hs_rescan_options_default(hs_rescan_options *opts) { hs_rescan_options_init(opts, sizeof *opts); }

/* Matches every hash in the store against the index (or the entries added
 * since a version, of one list) without decoding. Same output as a scan. */
HS_API hs_status hs_rescan_run(const hs_rescan_options *opts, hs_scan_summary *summary);

/* ---- hashing many files ----------------------------------------------------
 * The scan's pipeline without index, store or output: files decoded on
 * `jobs` threads, PDQ on the CPU workers or the engine's device (as the
 * engine's hash_on places it), each result passed to fn in input order, on
 * the calling thread. */
typedef void (*hs_hash_result_fn)(void *user, const char *path, hs_status status,
                                  const char *error, const hs_pdq *pdq, const hs_image_info *info);
/* A video's result: its sampled frames (n of them, in frame order; valid
 * during the call) when status is HS_OK (info->partial: decoded in part,
 * info->note says why), else error is the one-line cause without the path
 * (info->has_digests: the digests of the bytes are known). */
typedef void (*hs_video_result_fn)(void *user, const char *path, hs_status status,
                                   const char *error, const hs_video_info *info,
                                   const hs_video_frame *frames, size_t n);
typedef struct hs_hash_paths_options {
  size_t struct_size;         /* set by hs_hash_paths_options_default (docs/library.md) */
  hs_decode_options decode;
  hs_engine *engine;    /* NULL: the CPU path */
  int jobs;             /* 0: all cores */
  hs_cancel *cancel;    /* NULL, or the handle that stops this run: no
                           result after the ones in flight, and
                           HS_ERR_INTERRUPTED */
  hs_logger log;        /* as for scans */
  /* With video_fn set, a file that does not decode as an image is probed
   * (libavformat) and a video is decoded in the pipeline too, with these
   * options; its result goes to video_fn, in input order with the images'.
   * NULL: no probing, a video is fn's error like any undecodable file. */
  hs_video_options video; /* hs_video_options_default */
  hs_video_result_fn video_fn;
} hs_hash_paths_options;
/* Fills the defaults. The inline wrapper passes sizeof as this header
 * has it, so a library built with a newer header never writes past it. */
HS_API void hs_hash_paths_options_init(hs_hash_paths_options *opts, size_t struct_size);
static inline void hs_hash_paths_options_default(hs_hash_paths_options *opts) { hs_hash_paths_options_init(opts, sizeof *opts); }
/* error (when status != HS_OK) is the one-line cause without the path. */
HS_API hs_status hs_hash_paths(const char *const *paths, size_t n,
                               const hs_hash_paths_options *opts, hs_hash_result_fn fn,
                               void *user);

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
