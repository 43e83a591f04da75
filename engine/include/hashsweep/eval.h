/* hashsweep/eval.h - the accuracy audit (edited copies of known images:
 * recall per edit, false matches between distinct images, a report with
 * plots) and the device micro-benchmarks. */
#ifndef HASHSWEEP_EVAL_H
#define HASHSWEEP_EVAL_H

#include "hashsweep/core.h"
#include "hashsweep/device.h"
#include "hashsweep/hash.h"
#include "hashsweep/scan.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the accuracy audit ---------------------------------------------------
 *
 * For every original, each edit makes a copy in memory (libvips: resize,
 * JPEG recompression, crops, letterbox, rotations, mirrors, colour tweaks,
 * blur, noise, a caption, greyscale, chains of two), saves it as a file
 * would be (JPEG Q95 unless the edit sets the quality; the "identity"
 * control as lossless PNG) and hashes those bytes through the scan's own
 * path: hs_decode_buffer, hs_grid_for_mode and hs_engine_pdq with the given
 * decode options and engine. The originals (and distractors) are hashed
 * from their files the same way.
 *
 * A copy is found at threshold T when its quality passes min_quality (as a
 * scan requires) and its distance to the original's hash is <= T: "plain"
 * compares the copy's hash as stored, "dihedral" the closest of its 8
 * dihedral hashes (what a scan matches). The false-match rate counts pairs
 * of distinct images (originals and distractors) within T, in either
 * direction, the uploaded side passing the quality gate. */

/* Thresholds the tables report (inclusive Hamming distances). */
#define HS_EVAL_N_THRESHOLDS 4
HS_API int hs_eval_threshold(int i); /* 15, 31, 47, 63 */

/* The default edits, in report order. Names are "step" or "step+step". */
HS_API size_t hs_eval_edit_count(void);
HS_API const char *hs_eval_edit_name(size_t i);
/* One line saying what the edit `name` does (any valid name, also chains
 * not in the default list). HS_ERR_INVALID_ARG for an unknown step. */
HS_API hs_status hs_eval_edit_describe(const char *name, char *out, size_t cap);

/* Progress: called from worker threads (serialised) after each image. */
typedef void (*hs_eval_progress_fn)(void *user, size_t done, size_t total);

typedef struct hs_eval_options {
  size_t struct_size;         /* set by hs_eval_options_default (docs/library.md) */
  const char *originals;      /* directory of known images (required) */
  const char *distractors;    /* directory of other images, or NULL */
  const char *report_dir;     /* created if missing; report.md, report.html,
                                 report.json, *.png are written into it */
  const char *const *edits;   /* edit names; NULL: the default list */
  size_t nedits;
  size_t limit;               /* at most this many originals, and as many
                                 distractors (0: all), in path order */
  hs_decode_options decode;   /* as the scan would use them */
  int min_quality;            /* quality gate (HS_PDQ_MIN_QUALITY) */
  int jobs;                   /* worker threads (0: all cores) */
  hs_engine *engine;          /* required; its hash_on places PDQ */
  const char *command_line;   /* written into the report, or NULL */
  hs_eval_progress_fn progress;
  void *progress_user;
  hs_logger log;              /* this run's logger (fn NULL: the engine's) */
  hs_cancel *cancel;          /* NULL, or the handle that stops this run:
                                 no image started after it is triggered,
                                 no report, HS_ERR_INTERRUPTED */
  unsigned variants;          /* list-side variants of each original
                                 (HS_VARIANTS_*; default crops and
                                 rotations): the "variants" columns */
  size_t video_clips;         /* video edits (docs/eval.md): clips made from
                                 the first this many hashed originals, each
                                 edited 6 ways with FFmpeg's libraries and
                                 matched by vPDQ's rule (default 2; 0: no
                                 video part) */
  int video_seconds;          /* length of each clip (default 8; 4..60) */
} hs_eval_options;

/* Fills the defaults. The inline wrapper passes sizeof as this header
 * has it, so a library built with a newer header never writes past it. */
HS_API void hs_eval_options_init(hs_eval_options *opts, size_t struct_size);
static inline void hs_eval_options_default(hs_eval_options *opts) { hs_eval_options_init(opts, sizeof *opts); }

typedef struct hs_eval_summary {
  size_t originals, distractors; /* hashed */
  size_t failed_files;           /* could not be hashed (listed in the report),
                                    video clips that could not be made included */
  size_t edits, copies;          /* copies made and hashed */
  size_t failed_copies;          /* an edit or its decode failed (listed);
                                    video clips and copies included */
  double min_recall31;           /* lowest dihedral recall at 31 over the edits */
  char min_recall31_edit[64];
  double false_match_rate31;     /* distinct pairs within 31 (dihedral) */
  double elapsed;                /* seconds */
} hs_eval_summary;

/* Runs the audit and writes the report. Files that cannot be decoded and
 * copies that cannot be made are listed in the report, not errors; the
 * call fails on bad options (HS_ERR_INVALID_ARG: unknown edit, missing
 * directory), no original hashed (HS_ERR_NOT_FOUND), or a report that
 * cannot be written (HS_ERR_IO). */
HS_API hs_status hs_eval_run(const hs_eval_options *opts, hs_eval_summary *summary);

/* ---- device micro-benchmarks ----------------------------------------------
 *
 * Host-to-device transfer (GB/s; not applicable on the CPU path), PDQ
 * planes/s on 512x512 and 1920x1080 planes, Hamming comparisons/s for a
 * radius search and top-1 at each haystack size with `queries` queries.
 * Data are made from a fixed seed; every figure is the median of `repeats`
 * timed runs after `warmup` untimed ones. On the CPU path the searches
 * warm up with at least HS_BENCH_WARMUP_QUERIES queries, so the timed runs
 * see the strategy a long scan settles on (the CPU matcher builds a
 * multi-index for large haystacks after some brute-force queries). */
#define HS_BENCH_WARMUP_QUERIES 8192
typedef struct hs_bench_options {
  hs_engine *engine;         /* required */
  int repeats;               /* 5 */
  int warmup;                /* 1 */
  size_t transfer_bytes;     /* 256 MiB */
  size_t planes_512;         /* 512x512 planes per batch (64) */
  size_t planes_hd;          /* 1920x1080 planes per batch (8) */
  size_t haystacks[4];       /* haystack sizes M (10^6, 10^7; 0 ends) */
  size_t queries;            /* Q (1000) */
  int radius;                /* 31 */
  uint64_t seed;
} hs_bench_options;

HS_API void hs_bench_options_default(hs_bench_options *opts);

#define HS_BENCH_MAX_FIGURES 16
typedef struct hs_bench_figure {
  char name[48];      /* "h2d", "pdq_512", "pdq_1080p", "hamming_radius", "hamming_top1" */
  char unit[16];      /* "GB/s", "planes/s", "comparisons/s" */
  uint64_t size;      /* bytes, planes per batch, or haystack M */
  uint64_t queries;   /* Hamming: Q; else 0 */
  int applicable;     /* 0: not on this engine (note says why) */
  double median, min, max;
  int repeats;
  char note[128];
} hs_bench_figure;

typedef struct hs_bench_report {
  char engine[256];          /* hs_engine_description */
  int uses_device;
  char device[256];          /* device name, or the CPU model on the CPU path */
  char driver[128];          /* driver version, or "" */
  char platform[256];        /* OpenCL platform, or "" */
  hs_bench_figure figures[HS_BENCH_MAX_FIGURES];
  size_t nfigures;
  double elapsed;
} hs_bench_report;

/* Runs the benchmarks. Errors: HS_ERR_INVALID_ARG, HS_ERR_NOMEM, and
 * whatever the engine returns. */
HS_API hs_status hs_bench_run(const hs_bench_options *opts, hs_bench_report *out);

/* Writes the report as one JSON object (keys: hashsweep_version,
 * build_features, engine, uses_device, device, driver, platform, date,
 * options {repeats, warmup, seed}, figures [{name, unit, size, queries,
 * applicable, median, min, max, repeats, note}]). */
HS_API hs_status hs_bench_write_json(const hs_bench_report *r, const hs_bench_options *opts,
                                     FILE *f);

#ifdef __cplusplus
}
#endif
#endif
