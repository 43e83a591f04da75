/* scan/scan_match.h - internal: matching a batch of files' hashes against
 * an index snapshot and writing the records (shared by scan and rescan).
 *
 * PDQ: each file's 8 dihedral hashes are queries (query = 8 * file +
 * variant) against the index's active PDQ entries within the radius, on the
 * engine's device or the CPU; per (file, entry) the closest variant is
 * reported (ties: the lower variant, orig first). A file with added
 * borders has 8 more queries, its content region's (unletterbox): a match
 * through one has variant "unletterbox" or "unletterbox+<dihedral>", and
 * loses ties to the file's own hashes. An entry's list-side variant slots
 * are ordinary targets; a hit on one is reported as its entry with the
 * variant's name (variant_resolve.h), and loses ties to the entry's own
 * hash. Files below the quality
 * gate are not PDQ-matched (a note record says so). MD5 and SHA-256 of the
 * file bytes are looked up among the exact entries.
 *
 * Videos: their sampled frames go to the video matcher
 * (hashsweep/video_match.h): a "video" record per listed video matched by
 * vPDQ's rule, a "frame" record per frame within the radius of an image
 * entry. A video decoded only in part has a note record too. */
#ifndef HS_SCAN_SCAN_MATCH_H
#define HS_SCAN_SCAN_MATCH_H

#include "hashsweep/index.h"
#include "hashsweep/match.h"
#include "hashsweep/scan.h"
#include "hashsweep/video_match.h"
#include "index/dedup.h"
#include "scan/exact_set.h"
#include "scan/guard.h"
#include "scan/sink.h"

typedef struct scan_matcher {
  hs_index *index;
  hs_index_snapshot *snap;
  hs_engine *engine;
  hs_index_filter filter;
  char list[256];
  int radius, min_quality;
  int refresh_s;
  double last_refresh;
  uint64_t version;
  hs_haystack *haystack; /* NULL when the index holds no active PDQ entry */
  uint64_t *pdq_ids;
  uint16_t *pdq_lists; /* list id per PDQ entry (per-list settings) */
  size_t npdq;
  scan_guard guard;    /* per-list settings, allow-lists, flood counts */
  exact_set *md5, *sha256;
  hs_video_match_options vopts;
  hs_video_matcher *video;
  u64map *entry_matches; /* NULL, or entry id -> match records this run
                            (a sweep's per-entry counts, sweeps.h) */
} scan_matcher;

/* query_percent / compared_percent: vPDQ's shares for video entries. */
hs_status matcher_open(scan_matcher *m, const char *index_path, hs_engine *engine,
                       const char *list, uint64_t since_version, int radius, int min_quality,
                       double query_percent, double compared_percent, int refresh_s,
                       const hs_cancel *cancel);
/* Reloads when the index changed and the refresh interval has passed. */
hs_status matcher_refresh_if_due(scan_matcher *m);
void matcher_close(scan_matcher *m);
/* Turns the flood guard on (matcher_open leaves it off). */
void matcher_set_flood(scan_matcher *m, uint64_t files, double per_million);
/* At the end of a run: writes one note record per entry the flood guard
 * held (how many of its records came before the limit), closes the
 * read-only index and quarantines those entries in `index_path`.
 * *quarantined receives the count. matcher_close is still needed. */
hs_status matcher_finish_flood(scan_matcher *m, const char *index_path, uint64_t seen,
                               const char *command, sink *out, uint64_t *quarantined);

/* One file to report: an error, or its hashes. */
typedef struct match_input {
  const char *path;
  const char *error;        /* non-NULL: not hashed; an error record (a note
                               for a file that is neither an image nor a
                               video and does not claim to be one) */
  const hs_pdq *pdq;        /* NULL: no PDQ */
  const hs_pdq *content;    /* the content region inside added borders, or
                               NULL (matched when pdq passes the gate and
                               so does it) */
  const uint8_t *md5;       /* NULL: no digests */
  const uint8_t *sha256;
  /* a video (pdq NULL): its sampled frames in frame order, then ncontent
   * of their content regions (unletterbox: a letterboxed video; matched
   * too, variant "unletterbox") */
  int is_video;
  const hs_query_frame *frames;
  size_t nframes, ncontent;
  const char *note;         /* decoded in part: why ("partial: ..."), or NULL */
} match_input;

/* Writes each input's records into the sink, in input order, and counts
 * into *sum (matched, matches, failed, low_quality). */
hs_status matcher_run_batch(scan_matcher *m, const match_input *in, size_t n, sink *out,
                            hs_scan_summary *sum);

#endif
