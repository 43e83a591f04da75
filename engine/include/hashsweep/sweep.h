/* hashsweep/sweep.h - the 48-hour clock: when each index entry arrived,
 * when the whole archive was first checked against it, and which entries
 * are overdue (docs/compliance.md).
 *
 * An entry arrives with the import that added it (the time of its
 * version_added). It is swept by the first completed sweep recorded in
 * the store that covers it: a run that checked every file of the store
 * against this index at a version that includes the entry (a rescan
 * always; a scan when every file record of the store was reported by it
 * and it was not resumed; a rescan with --since-version or --list covers
 * only those entries). Sweeps are matched to the index by its absolute
 * path. */
#ifndef HASHSWEEP_SWEEP_H
#define HASHSWEEP_SWEEP_H

#include "hashsweep/core.h"
#include "hashsweep/index.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hs_sweep_state {
  HS_SWEEP_SWEPT = 0,   /* a sweep covered it */
  HS_SWEEP_PENDING,     /* not yet, and younger than `due` */
  HS_SWEEP_OVERDUE,     /* not yet, and older than `due` */
  HS_SWEEP_WITHDRAWN,   /* withdrawn: no clock (whatever its sweeps) */
  HS_SWEEP_QUARANTINED  /* held by the flood guard (entry flag 0x08): it
                           does not match until released */
} hs_sweep_state;

/* "swept", "pending", "overdue", "withdrawn", "quarantined"; "?" otherwise. */
HS_API const char *hs_sweep_state_name(hs_sweep_state s);

/* One entry (strings borrowed: valid during the callback). */
typedef struct hs_sweep_entry {
  uint64_t entry;       /* the entry id */
  hs_hash_type type;
  const char *list;
  const char *label;    /* NULL: none */
  int64_t arrived;      /* unix seconds of the import that added it */
  int64_t age;          /* seconds from arrival to the status time (now) */
  int64_t swept;        /* end of the first sweep that covered it; 0: none */
  uint64_t matches;     /* match records of this entry in that sweep */
  hs_sweep_state status;
} hs_sweep_entry;

typedef struct hs_sweep_options {
  size_t struct_size;   /* set by hs_sweep_options_default (docs/library.md) */
  const char *index;    /* required */
  const char *store;    /* required: the store whose sweeps count */
  int64_t now;          /* unix seconds; 0: the clock (HASHSWEEP_NOW, a
                           test hook, fixes it: docs/environment.md) */
  int64_t due_s;        /* an unswept entry older than this is overdue
                           (default 48 hours) */
} hs_sweep_options;

HS_API void hs_sweep_options_init(hs_sweep_options *opts, size_t struct_size);
static inline void hs_sweep_options_default(hs_sweep_options *opts) { hs_sweep_options_init(opts, sizeof *opts); }

typedef struct hs_sweep_summary {
  uint64_t entries;     /* entries reported (PDQ, MD5, SHA-256: what scans
                           match; h64 entries have no clock) */
  uint64_t by_state[HS_SWEEP_QUARANTINED + 1];
  uint64_t sweeps;      /* sweeps of this index recorded in the store */
  int64_t last_sweep;   /* end of the latest (0: none) */
  int64_t now;          /* the time the states were computed at */
} hs_sweep_summary;

/* Calls fn for every entry, by type then id (a non-zero return stops) and
 * fills *summary (may be NULL). Opens both read-only. Errors: the index's
 * or the store's open (HS_ERR_NOT_FOUND, HS_ERR_CORRUPT), a damaged sweep
 * record (HS_ERR_CORRUPT). */
HS_API hs_status hs_sweep_status(const hs_sweep_options *opts,
                                 int (*fn)(void *user, const hs_sweep_entry *e), void *user,
                                 hs_sweep_summary *summary);

#ifdef __cplusplus
}
#endif
#endif
