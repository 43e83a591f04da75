/* scan/scan_match.h - internal: matching a batch of files' hashes against
 * an index snapshot and writing the records (shared by scan and rescan).
 *
 * PDQ: each file's 8 dihedral hashes are queries (query = 8 * file +
 * variant) against the index's active PDQ entries within the radius, on the
 * engine's device or the CPU; per (file, entry) the closest variant is
 * reported (ties: the lower variant, orig first). A file with added
 * borders has 8 more queries, its content region's (unletterbox): a match
 * through one has variant "unletterbox" or "unletterbox+<dihedral>", and
 * loses ties to the file's own hashes. Files below the quality
 * gate are not PDQ-matched (a note record says so). MD5 and SHA-256 of the
 * file bytes are looked up among the exact entries. */
#ifndef HS_SCAN_SCAN_MATCH_H
#define HS_SCAN_SCAN_MATCH_H

#include "hashsweep/index.h"
#include "hashsweep/match.h"
#include "hashsweep/scan.h"
#include "index/dedup.h"
#include "scan/exact_set.h"
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
  size_t npdq;
  exact_set *md5, *sha256;
  u64map *entry_matches; /* NULL, or entry id -> match records this run
                            (a sweep's per-entry counts, sweeps.h) */
} scan_matcher;

hs_status matcher_open(scan_matcher *m, const char *index_path, hs_engine *engine,
                       const char *list, uint64_t since_version, int radius, int min_quality,
                       int refresh_s, const hs_cancel *cancel);
/* Reloads when the index changed and the refresh interval has passed. */
hs_status matcher_refresh_if_due(scan_matcher *m);
void matcher_close(scan_matcher *m);

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
} match_input;

/* Writes each input's records into the sink, in input order, and counts
 * into *sum (matched, matches, failed, low_quality). */
hs_status matcher_run_batch(scan_matcher *m, const match_input *in, size_t n, sink *out,
                            hs_scan_summary *sum);

#endif
