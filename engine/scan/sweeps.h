/* scan/sweeps.h - internal: the store's record of completed sweeps, for
 * the 48-hour clock (hs_sweep_status, docs/compliance.md).
 *
 * A sweep is a run that checked EVERY file of the store against the index:
 *  - a rescan, always (it walks every file record of one store snapshot);
 *    with --since-version or --list it covers only those entries, and the
 *    record says so (since_version, list);
 *  - a scan, when at its end every file record of the store was reported
 *    by this scan's job (no record left from other sources, other shards
 *    or files no longer listed), and the job was not resumed (the files of
 *    an interrupted run were matched by an earlier process, against an
 *    index version that is not known).
 * index_version is the version the run matched every file against: a
 * scan's version at its start (a refresh mid-scan only adds entries for the
 * files after it), a rescan's snapshot. An entry is covered by a sweep
 * against the same index when since_version < version_added <=
 * index_version and the list matches.
 *
 * Stored in the store's meta table as series "sweep" (store_meta_append):
 *   u8 format (1), u8 kind, i64 start, i64 end, u64 index_version,
 *   u64 since_version, u64 files, u64 matches, str index, str list,
 *   str options, str hashsweep version (str = u16 length + bytes),
 *   u64 nhits, nhits x {u64 entry id, u64 matches of that entry}. */
#ifndef HS_SCAN_SWEEPS_H
#define HS_SCAN_SWEEPS_H

#include <stddef.h>
#include <stdint.h>

#include "scan/store.h"

enum { SWEEP_SCAN = 1, SWEEP_RESCAN = 2 };

typedef struct sweep_record {
  uint64_t seq;            /* order of completion (set when read) */
  int kind;
  int64_t start, end;      /* unix seconds */
  uint64_t index_version, since_version;
  uint64_t files, matches;
  const char *index;       /* the index's absolute path */
  const char *list;        /* "" : every list */
  const char *options;     /* "radius=31 min_quality=50 ..." */
  const char *version;     /* hashsweep's */
  size_t nhits;
  const uint64_t *hits;    /* nhits x {entry id, matches}; unaligned-safe copy */
} sweep_record;

hs_status sweep_append(store *s, const sweep_record *r);
/* Each sweep in completion order; the record (and its strings) are valid
 * during the call. Non-zero from fn stops. A damaged record is an error. */
typedef int (*sweep_fn)(void *ctx, const sweep_record *r);
hs_status sweep_each(store *s, sweep_fn fn, void *ctx);

#endif
