/* eval/eval_internal.h - internal: what the audit collects (eval_run.c),
 * the figures computed from it (eval_stats.c), and the report writers
 * (eval_report.c, eval_plots.c). */
#ifndef HS_EVAL_INTERNAL_H
#define HS_EVAL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "eval/edits.h"
#include "eval/eval_video.h"
#include "hashsweep/eval.h"

#define EVAL_MAX_DIST 256
/* Plain: the copy's stored hash; dihedral: the closest of its 8 hashes;
 * unletterbox: the closest of those and the 8 of its content region inside
 * added borders (what a scan matches by default); variants: as unletterbox,
 * against the original's hash and its list-side variants (an original
 * listed with hs_pdq_variants by a contributor). */
enum { EVAL_PLAIN = 0, EVAL_DIHEDRAL = 1, EVAL_STRIP = 2, EVAL_VARIANTS = 3, EVAL_NKINDS = 4 };
/* "plain", "dihedral", "unletterbox", "variants" (report columns, JSON). */
const char *eval_kind_name(int kind);

/* One hashed file (an original or a distractor). */
typedef struct eval_image {
  char *path;
  hs_status status; /* HS_OK: pdq valid */
  char error[256];
  hs_pdq pdq;
  hs_pdq content;   /* the content region inside added borders */
  int has_content;  /* ... found (and unletterbox on) */
  hs_pdq *variants; /* originals: opt->variants of it (malloc'd), or NULL */
  size_t nvariants;
  int width, height;
} eval_image;

/* One copy: an original under an edit. */
typedef struct eval_copy {
  hs_status status; /* HS_OK: made and hashed */
  int16_t dist[EVAL_NKINDS];
  int16_t quality;
  uint8_t stripped; /* added borders were found in the copy */
} eval_copy;

typedef struct eval_data {
  const hs_eval_options *opt;
  hs_engine *pdq_engine;   /* where PDQ runs: opt->engine, or its CPU path */
  edit *edits;
  size_t nedits;
  eval_image *orig, *distr;
  size_t norig, ndistr;
  eval_copy *copies;       /* norig x nedits, row-major by original */
  char (*edit_error)[320]; /* nedits: the first failure of each edit */
  char **source_errors;    /* items the directory walk could not use */
  size_t nsource_errors;
  char date[32];
  double elapsed;
  eval_video video;        /* the video edits (eval_video.h) */
} eval_data;

/* Figures of one edit. Recall counts copies that pass the quality gate
 * within the threshold, over the copies made. */
typedef struct edit_stats {
  size_t made, failed, low_quality;
  size_t stripped; /* copies whose added borders were found */
  size_t found[EVAL_NKINDS][HS_EVAL_N_THRESHOLDS];
  double recall[EVAL_NKINDS][HS_EVAL_N_THRESHOLDS];
  int dmin[EVAL_NKINDS], dmed[EVAL_NKINDS], dp90[EVAL_NKINDS], dmax[EVAL_NKINDS];
  /* curve[k][t]: copies found at threshold t (0..256), for the plot */
  size_t curve[EVAL_NKINDS][EVAL_MAX_DIST + 1];
} edit_stats;

/* Figures over all pairs of distinct images. */
typedef struct pair_stats {
  size_t images, pairs;
  size_t hist[EVAL_NKINDS][EVAL_MAX_DIST + 1]; /* pairs at each distance */
  size_t false_matches[EVAL_NKINDS][HS_EVAL_N_THRESHOLDS];
  double rate[EVAL_NKINDS][HS_EVAL_N_THRESHOLDS];
  int dmin[EVAL_NKINDS], dmed[EVAL_NKINDS];
  /* copies at each distance, all edits pooled (the histogram plot) */
  size_t copy_hist[EVAL_NKINDS][EVAL_MAX_DIST + 1];
  size_t copies;
  size_t stripped_orig, stripped_distr; /* originals/distractors the strip fired on */
} pair_stats;

/* Distance of a copy to its original: plain, the closest dihedral, the
 * closest with the copy's content region (`content`: NULL when none, or
 * when it is below the quality gate and so not matched), and the closest of
 * those to the original's hash or any of its variants. */
void eval_distances(const eval_image *original, const hs_pdq *copy, const hs_pdq *content,
                    int16_t dist[EVAL_NKINDS]);

void eval_edit_stats(const eval_data *d, size_t e, int min_quality, edit_stats *out);
/* Allocates nothing; O(images^2 x 16) distance evaluations. */
void eval_pair_stats(const eval_data *d, int min_quality, pair_stats *out);

/* The summary the run returns (also the report's first lines). */
void eval_summarise(const eval_data *d, const edit_stats *es, const pair_stats *ps,
                    hs_eval_summary *s);

/* Writes report.md, report.html, report.json and the plots into dir. */
hs_status eval_report_write(const eval_data *d, const edit_stats *es, const pair_stats *ps,
                            const char *dir);
/* recall.png and distances.png; returns HS_ERR_IO naming the file. */
hs_status eval_plots_write(const eval_data *d, const edit_stats *es, const pair_stats *ps,
                           const char *dir);

#endif
