/* scan/runrecord.h - internal: what a finished scan or rescan leaves
 * behind for accountability: a run record in the index's audit log (every
 * run that opened the index), and a sweep record in the store (a run that
 * covered every stored file, sweeps.h). Shared by scan.c and rescan.c. */
#ifndef HS_SCAN_RUNRECORD_H
#define HS_SCAN_RUNRECORD_H

#include "hashsweep/scan.h"
#include "index/dedup.h"
#include "scan/store.h"

typedef struct run_report {
  const char *run;            /* "scan" or "rescan" */
  const char *index, *store;  /* store may be NULL */
  int64_t start, end;         /* unix seconds (clock_wall_s) */
  hs_status status;           /* how the run ended */
  const hs_scan_summary *sum;
  uint64_t index_version;     /* matched against (a scan's at its start) */
  int radius, min_quality;
  /* scans */
  const char *const *sources;
  size_t nsources;
  int mode;                   /* hs_mode; -1 for a rescan (nothing decoded) */
  unsigned shard_index, shard_count;
  /* rescans */
  const char *list;           /* NULL: every list */
  uint64_t since_version;
  int sweep;                  /* 1: a sweep record goes to the store */
  const u64map *entry_matches;/* per-entry match records of this run */
} run_report;

/* Appends the sweep record for r (r->sweep set) to an open store. */
hs_status run_sweep_write(store *s, const run_report *r);
/* For a run that is a sweep (r->sweep): appends its record to `s`. When
 * that fails, or s is NULL (the store could not be opened: the cause is
 * the last error), warns and clears r->sweep; never fails the run. */
void run_sweep_record(store *s, run_report *r);
/* Appends r's run record to the index's audit log. Never fails the run: a
 * failure (read-only filesystem, permissions) is a warning. Call it with
 * the index closed. */
void run_audit_write(const run_report *r);

#endif
