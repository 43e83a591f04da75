/* hashsweep/guard.h - what sits between a match and an action: per-list
 * match settings (radius, quality gate, role), allow-lists and the flood
 * guard's quarantine (docs/guard.md).
 *
 * A list's settings override the scan's --radius / --min-quality for the
 * entries of that list; a list whose role is HS_ROLE_ALLOW holds hashes of
 * known benign content: its entries never produce matches, and a file
 * within the radius of one has its other matches suppressed. An entry that
 * matches more files in one run than the flood limit is quarantined: flag
 * HS_ENTRY_QUARANTINED, not matched again until released. Every change here
 * takes an index version for its list and an audit-log record. */
#ifndef HASHSWEEP_GUARD_H
#define HASHSWEEP_GUARD_H

#include "hashsweep/index.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hs_list_role {
  HS_ROLE_MATCH = 0, /* entries are matched (the default) */
  HS_ROLE_ALLOW = 1  /* known benign: suppresses the file's other matches */
} hs_list_role;

/* Name of a role ("match", "allow") and back (HS_ERR_INVALID_ARG). */
HS_API const char *hs_list_role_name(hs_list_role role);
HS_API hs_status hs_list_role_parse(const char *name, hs_list_role *out);

/* -1 in radius / min_quality: the command's value. */
typedef struct hs_list_settings {
  int radius;
  int min_quality;
  hs_list_role role;
  uint64_t quarantined; /* entries of the list held by the flood guard */
} hs_list_settings;

/* A list's settings by name (HS_ERR_NOT_FOUND: no such list), or by id
 * through a snapshot (a scan's view). */
HS_API hs_status hs_index_list_settings(hs_index *idx, const char *list, hs_list_settings *out);
HS_API hs_status hs_index_snapshot_list_settings(hs_index_snapshot *snap, unsigned list_id,
                                                 hs_list_settings *out);

typedef struct hs_set_list_options {
  const char *list;    /* created (empty) when it does not exist yet */
  int set_radius;      /* 1: set `radius` (-1 = back to the command's) */
  int radius;          /* 0..256 */
  int set_min_quality; /* 1: set `min_quality` (-1 = back to the command's) */
  int min_quality;     /* 0..100 */
  int set_role;        /* 1: set `role` */
  hs_list_role role;
  const char *note;    /* operator text for the audit log */
  const char *command; /* command line for the audit log */
} hs_set_list_options;
/* One transaction: the settings, a new index version for the list (running
 * scans reload at their next index refresh) and an audit record. *version
 * (may be NULL) receives that version. */
HS_API hs_status hs_index_set_list(hs_index *idx, const hs_set_list_options *opts,
                                   uint64_t *version);

/* ---- quarantine ---------------------------------------------------------- */

typedef struct hs_quarantine_target {
  uint64_t entry;
  uint64_t files; /* files it matched in the run */
} hs_quarantine_target;
/* Quarantines the entries (one transaction, one audit record; entries that
 * are withdrawn or already quarantined are passed over). `seen` is the
 * files the run examined, `limit` the flood limit it applied: both are
 * kept with each entry. *done (may be NULL) receives the count. */
HS_API hs_status hs_index_quarantine(hs_index *idx, const hs_quarantine_target *targets, size_t n,
                                     uint64_t seen, uint64_t limit, const char *command,
                                     uint64_t *done);

typedef struct hs_quarantine_info {
  int64_t time;     /* unix seconds */
  uint64_t version; /* the index version that quarantined it */
  uint64_t files, seen, limit;
} hs_quarantine_info;
/* HS_ERR_NOT_FOUND (no detail) when the entry is not quarantined. */
HS_API hs_status hs_index_snapshot_quarantine(hs_index_snapshot *snap, uint64_t entry,
                                              hs_quarantine_info *out);

/* Calls fn for each quarantined entry, by list then entry id (entry
 * strings borrowed for the call). A non-zero return from fn stops. */
typedef int (*hs_quarantine_fn)(void *user, const hs_index_entry *e, const hs_quarantine_info *q);
HS_API hs_status hs_index_quarantined(hs_index *idx, hs_quarantine_fn fn, void *user);

/* Releases quarantined entries: they match again. An id that names no
 * entry, or one not quarantined, goes to `problem` and is counted in
 * *not_held. One transaction, one audit record. */
HS_API hs_status hs_index_release(hs_index *idx, const uint64_t *ids, size_t n, const char *note,
                                  const char *command, hs_index_problem_fn problem, void *user,
                                  uint64_t *released, uint64_t *not_held);

#ifdef __cplusplus
}
#endif
#endif
