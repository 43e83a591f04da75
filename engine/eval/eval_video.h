/* eval/eval_video.h - internal: the audit's video part. Clips made from the
 * first originals (eval/clips.c) and their edited copies are hashed with
 * hs_video_hash_file, as a scan hashes a video (eval_video.c); each copy
 * is matched with its original, and every original with the others, by
 * vPDQ's rule with a scan's defaults (eval_vstats.c); the report writes the
 * table (eval_report_video.c). */
#ifndef HS_EVAL_VIDEO_H
#define HS_EVAL_VIDEO_H

#include <stddef.h>
#include <stdio.h>

#include "eval/clips.h"
#include "hashsweep/eval.h"

/* One hashed clip: its sampled frames' PDQ (with the 8 dihedral hashes),
 * and the content-region PDQ of the frames with added borders. */
typedef struct eval_vhashes {
  hs_pdq *frames, *content;
  size_t nframes, ncontent, cap_frames, cap_content;
} eval_vhashes;

typedef struct eval_clip {
  const char *source;                /* the picture (an original's path) */
  hs_status status;                  /* HS_OK: the original made and hashed */
  char error[320];
  eval_vhashes orig;
  eval_vhashes copy[CLIP_NEDITS];
  hs_status copy_status[CLIP_NEDITS]; /* HS_OK: the copy made and hashed */
} eval_clip;

typedef struct eval_video {
  int enabled;                /* opt->video_clips > 0 */
  char encoder[64];           /* clip_encoder's answer */
  char skipped[320];          /* why no clip was made ("" when some were) */
  eval_clip *clips;
  size_t nclips;
  int frames;                 /* of each original */
  char edit_error[CLIP_NEDITS][320]; /* the first failure of each edit */
  double elapsed;
} eval_video;

/* Figures of one video edit. Kinds as the image tables: plain (frames'
 * own hashes), dihedral (their 8 hashes: mirror), unletterbox (also the
 * content frames, matched as a video of their own, as a scan does). */
#define EVAL_VKINDS 3
typedef struct video_edit_stats {
  size_t made, failed;
  size_t no_frames;              /* no frame passed the quality gate */
  size_t found[EVAL_VKINDS];
  double recall[EVAL_VKINDS];    /* found / made */
  size_t via_content;            /* found only through the content frames */
  double query_median, compared_median; /* percent, unletterbox kind */
  size_t frames_median;          /* sampled frames per copy */
  size_t false_matches;          /* copies matching another clip's original */
} video_edit_stats;

typedef struct video_pair_stats {
  size_t clips, pairs, false_matches; /* ordered pairs of distinct originals */
  double rate;
} video_pair_stats;

/* vPDQ's rule between a query video and a listed one: frames below
 * min_quality dropped, duplicate hashes removed; query percent = share of
 * the query's unique frames with a listed frame within `radius` (through
 * any of their 8 dihedral hashes when `dihedral`), compared percent = share
 * of the listed unique frames that such a frame reached. Both 0 when a side
 * has no frame. */
void eval_vpdq_shares(const hs_pdq *query, size_t nq, const hs_pdq *listed, size_t nl,
                      int min_quality, int radius, int dihedral, double *query_pct,
                      double *compared_pct);

typedef struct eval_data eval_data;
/* Makes and hashes the clips (opt->video_clips of the hashed originals) in
 * a temporary directory that is removed again. Clip failures are recorded
 * in the clips, not returned; errors: HS_ERR_NOMEM, HS_ERR_INTERRUPTED. */
hs_status eval_video_run(eval_data *d);
void eval_video_free(eval_video *v);

void eval_video_edit_stats(const eval_data *d, int edit, video_edit_stats *out);
void eval_video_pair_stats(const eval_data *d, video_pair_stats *out);

/* Failures: clips that could not be made (1 when the video part was
 * skipped: no encoder, no temporary directory) and copies that failed. */
size_t eval_video_failed_clips(const eval_video *v);
size_t eval_video_failed_copies(const eval_video *v);

/* The report (eval_report_video.c): the section of report.md/.html, the
 * "video" member of report.json (written after a comma), and the rows of
 * the failures table (`o` NULL: only counted). */
struct doc;
void eval_report_video_section(struct doc *o, const eval_data *d);
/* One paragraph for the report's summary (nothing when no clip ran). */
void eval_report_video_summary(struct doc *o, const eval_data *d);
void eval_report_video_json(FILE *f, const eval_data *d);
size_t eval_report_video_failures(struct doc *o, const eval_data *d);

#endif
