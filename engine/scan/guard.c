/* scan/guard.c - per-list settings, allow-lists and the flood guard on the
 * scan side (scan/guard.h). */
#include "scan/guard.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"

void guard_init(scan_guard *g, uint64_t flood_files, double per_million) {
  memset(g, 0, sizeof *g);
  g->flood_files = flood_files;
  g->per_million = per_million > 0 ? per_million : 0;
}

void guard_free_lists(scan_guard *g) {
  free(g->radius);
  free(g->min_quality);
  free(g->allow);
  g->radius = g->min_quality = NULL;
  g->allow = NULL;
  g->nlists = 0;
  g->any_allow = 0;
}

void guard_free(scan_guard *g) {
  guard_free_lists(g);
  free(g->slots);
  memset(g, 0, sizeof *g);
}

hs_status guard_load_lists(scan_guard *g, hs_index_snapshot *snap, int radius, int min_quality) {
  guard_free_lists(g);
  g->search_radius = radius;
  g->query_gate = min_quality;
  /* List ids are dense from 1: the first id without a name ends them. */
  size_t n = 1;
  while (n <= 65535 && hs_index_snapshot_list_name(snap, (unsigned)n))
    n++;
  g->radius = calloc(n, sizeof *g->radius);
  g->min_quality = calloc(n, sizeof *g->min_quality);
  g->allow = calloc(n, 1);
  if (!g->radius || !g->min_quality || !g->allow) {
    guard_free_lists(g);
    return error_set(HS_ERR_NOMEM, "out of memory for list settings");
  }
  g->nlists = n;
  g->radius[0] = (int16_t)radius;
  g->min_quality[0] = (int16_t)min_quality;
  int custom = 0;
  for (size_t id = 1; id < n; id++) {
    hs_list_settings s;
    hs_status st = hs_index_snapshot_list_settings(snap, (unsigned)id, &s);
    if (st != HS_OK) {
      guard_free_lists(g);
      return st;
    }
    g->radius[id] = (int16_t)(s.radius >= 0 ? s.radius : radius);
    g->min_quality[id] = (int16_t)(s.min_quality >= 0 ? s.min_quality : min_quality);
    g->allow[id] = s.role == HS_ROLE_ALLOW;
    g->any_allow |= g->allow[id];
    custom |= s.radius >= 0 || s.min_quality >= 0 || g->allow[id];
    /* The search must reach every list's radius, and query every file
     * some list would take. */
    if (g->radius[id] > g->search_radius)
      g->search_radius = g->radius[id];
    if (g->min_quality[id] < g->query_gate)
      g->query_gate = g->min_quality[id];
  }
  if (custom)
    log_info("per-list settings: search radius %d, quality gate %d%s", g->search_radius,
             g->query_gate, g->any_allow ? ", allow-lists in use" : "");
  return HS_OK;
}

int guard_keeps(const scan_guard *g, unsigned list, int distance, int quality) {
  if (list >= g->nlists)
    list = 0; /* a list newer than the settings: the command's values */
  return distance <= g->radius[list] && quality >= g->min_quality[list];
}

int guard_is_allow(const scan_guard *g, unsigned list) {
  return list < g->nlists && g->allow[list];
}

/* ---- flood counts: open addressing on the entry id --------------------------- */

static size_t slot_of(uint64_t entry, size_t nslots) {
  return (size_t)((entry * 0x9e3779b97f4a7c15ULL) >> 17) & (nslots - 1);
}

static int grow(scan_guard *g) {
  size_t n = g->nslots ? 2 * g->nslots : 1024;
  flood_slot *s = calloc(n, sizeof *s);
  if (!s)
    return -1;
  for (size_t i = 0; i < g->nslots; i++) {
    if (!g->slots[i].entry)
      continue;
    size_t j = slot_of(g->slots[i].entry, n);
    while (s[j].entry)
      j = (j + 1) & (n - 1);
    s[j] = g->slots[i];
  }
  free(g->slots);
  g->slots = s;
  g->nslots = n;
  return 0;
}

uint64_t guard_flood_limit(const scan_guard *g, uint64_t seen) {
  double scaled = ceil(g->per_million * (double)seen / 1e6);
  return scaled > (double)g->flood_files ? (uint64_t)scaled : g->flood_files;
}

int guard_flood_count(scan_guard *g, uint64_t entry, uint64_t seen) {
  if (g->flood_files == 0)
    return 0; /* the guard is off */
  if (2 * (g->used + 1) > g->nslots && grow(g) != 0) {
    error_set(HS_ERR_NOMEM, "out of memory counting matches per entry");
    return -1;
  }
  size_t i = slot_of(entry, g->nslots);
  while (g->slots[i].entry && g->slots[i].entry != entry)
    i = (i + 1) & (g->nslots - 1);
  flood_slot *s = &g->slots[i];
  if (!s->entry) {
    s->entry = entry;
    g->used++;
  }
  s->files++;
  /* Once held, held for the rest of the run: the limit grows with the
   * files seen, but a flood does not become actionable again. */
  if (!s->held && s->files > guard_flood_limit(g, seen)) {
    s->held = 1;
    s->before_hold = s->files - 1;
    g->held_entries++;
    log_warn("flood guard: entry %llu matched %llu files of %llu (limit %llu): its matches "
             "are held from now on and it is quarantined at the end of the run",
             (unsigned long long)entry, (unsigned long long)s->files, (unsigned long long)seen,
             (unsigned long long)guard_flood_limit(g, seen));
  }
  return s->held;
}

hs_status guard_quarantine(scan_guard *g, const char *index_path, uint64_t seen,
                           const char *command, uint64_t *quarantined) {
  *quarantined = 0;
  if (g->held_entries == 0)
    return HS_OK;
  hs_quarantine_target *t = calloc(g->held_entries, sizeof *t);
  if (!t)
    return error_set(HS_ERR_NOMEM, "out of memory");
  size_t n = 0;
  for (size_t i = 0; i < g->nslots && n < g->held_entries; i++)
    if (g->slots[i].held)
      t[n++] = (hs_quarantine_target){g->slots[i].entry, g->slots[i].files};
  hs_index *idx = NULL;
  hs_status st = hs_index_open(index_path, 0, &idx);
  if (st == HS_OK)
    st = hs_index_quarantine(idx, t, n, seen, guard_flood_limit(g, seen),
                             command ? command : "", quarantined);
  hs_index_close(idx);
  free(t);
  if (st != HS_OK)
    return error_set(st, "flood guard: cannot quarantine %zu entries in %s: %s", n, index_path,
                     hs_last_error());
  return HS_OK;
}
