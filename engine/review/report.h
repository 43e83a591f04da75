/* review/report.h - internal: the review report's data (report.c gathers
 * it) and the page (report_html.c writes it). */
#ifndef HS_REVIEW_REPORT_H
#define HS_REVIEW_REPORT_H

#include <stdio.h>

#include "hashsweep/review.h"

/* One (entry, file) pair the rescan matched. Strings are owned (malloc). */
typedef struct rv_item {
  uint64_t entry;
  char *path;
  char *list, *label;
  char *variants;     /* "orig", "orig, md5", ... every way it matched */
  char *kind;         /* NULL: a file match; "video" or "frame" (a video's) */
  char *segments;     /* "video": matched time ranges, "0.0-3.0 s, ..." */
  char *frames;       /* "frame": the frames' times, "3.0 s, 4.0 s" */
  char *shares;       /* "video": vPDQ's shares and frames hashed,
                         "query 80.00%, compared 75.00%, 12 frames hashed" */
  int distance;       /* the smallest */
  /* the latest decision on the pair, when decision != 0 */
  hs_decision_kind decision;
  char *reviewer, *note;
  int64_t decided_at;
  /* the thumbnail as a data: URI, or why there is none */
  char *thumb_uri;
  char *thumb_error;
} rv_item;

/* What the page says about an entry (from the index). */
typedef struct rv_entry {
  uint64_t id;
  char *list, *label, *source, *external_id, *type, *hash_kind;
  int64_t added;
  int withdrawn;
  hs_decision_counts counts;
  size_t first, count; /* its items: report.items[first .. first+count) */
} rv_entry;

typedef struct rv_report {
  const hs_review_options *opts;
  rv_item *items;
  size_t nitems, cap;
  rv_entry *entries;
  size_t nentries;
  hs_review_summary sum;
  int64_t made_at;
  uint64_t index_version;
} rv_report;

/* A new zeroed item at the end of r->items (NULL when memory runs out,
 * error set). */
rv_item *report_new_item(rv_report *r);
/* Appends the match records of a scan's JSON Lines output (r->opts->matches)
 * as items; a malformed line is refused as FILE:LINE: cause. */
hs_status report_read_matches(rv_report *r);

/* The text the page shows for a video record's keys, the same from a
 * rescan's records (report.c) and a scan's JSON Lines (matches_file.c):
 * *segments "0.0-3.0 s, 5.0-7.5 s" from n [start, end] pairs (NULL when
 * segs is NULL), *shares from vPDQ's shares. */
hs_status report_video_text(const double *segs, size_t n, double query_percent,
                            double compared_percent, uint64_t frames_hashed, char **segments,
                            char **shares);
/* *frames "3.0 s" for a "frame" record's timestamp. */
hs_status report_frame_text(double timestamp, char **frames);

/* Writes the whole page. */
hs_status report_write_html(const rv_report *r, FILE *out);

#endif
