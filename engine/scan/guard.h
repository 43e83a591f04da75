/* scan/guard.h - internal: what the matcher (scan_match.c) asks between a
 * search hit and a record (docs/guard.md):
 *   - per-list settings: a list's own radius and quality gate, or the
 *     command's; the search runs at the largest radius in use and the
 *     lowest gate, and each hit is filtered by its list's;
 *   - allow-lists: a hit on an allow entry is never a match; it suppresses
 *     the file's other matches (one note record instead);
 *   - the flood guard: files matched per entry in this run; past the limit
 *     the entry's records are held ("held": "flood") and the entry is
 *     quarantined in the index when the run ends.
 * The per-list part is reloaded with the index; the flood counts live for
 * the whole run. */
#ifndef HS_SCAN_GUARD_H
#define HS_SCAN_GUARD_H

#include <stdint.h>

#include "hashsweep/guard.h"
#include "hashsweep/scan.h"

typedef struct flood_slot {
  uint64_t entry; /* 0: empty (entry ids start at 1024) */
  uint64_t files;
  uint64_t before_hold; /* records written as actionable before the limit */
  int held;
} flood_slot;

typedef struct scan_guard {
  /* per list id (0..nlists-1), from the index */
  int16_t *radius;      /* effective radius */
  int16_t *min_quality; /* effective gate */
  uint8_t *allow;
  size_t nlists;
  int search_radius, query_gate;
  int any_allow;
  /* flood guard */
  uint64_t flood_files;
  double per_million;
  flood_slot *slots;
  size_t nslots, used;
  uint64_t held_entries;
} scan_guard;

/* Sets the flood limits; the table starts empty. */
void guard_init(scan_guard *g, uint64_t flood_files, double per_million);
/* Reads the per-list settings of every list the snapshot knows, with the
 * command's radius and gate as defaults. */
hs_status guard_load_lists(scan_guard *g, hs_index_snapshot *snap, int radius, int min_quality);
void guard_free_lists(scan_guard *g);
void guard_free(scan_guard *g);

/* Whether a PDQ hit on an entry of `list` at `distance` counts, for a query
 * hash of quality `quality`. */
int guard_keeps(const scan_guard *g, unsigned list, int distance, int quality);
int guard_is_allow(const scan_guard *g, unsigned list);

/* Counts one more file matched by `entry`, `seen` files into the run.
 * Returns 1 when the entry is (now) over the limit: hold the record. -1
 * when memory ran out (the record is not held, the error is set). */
int guard_flood_count(scan_guard *g, uint64_t entry, uint64_t seen);
/* The limit after `seen` files. */
uint64_t guard_flood_limit(const scan_guard *g, uint64_t seen);

/* Writes the held entries' quarantine into the index at `index_path`
 * (opened writable for one short transaction: call it after the run's
 * read-only handle is closed), *quarantined receiving the count. */
hs_status guard_quarantine(scan_guard *g, const char *index_path, uint64_t seen,
                           const char *command, uint64_t *quarantined);

#endif
