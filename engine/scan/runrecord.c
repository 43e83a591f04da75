/* scan/runrecord.c - run records and sweep records (runrecord.h). */
#include "scan/runrecord.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "index/runlog.h"
#include "scan/sweeps.h"

/* The settings that decide what a run can find, as one line. */
static void options_text(const run_report *r, char *out, size_t cap) {
  int n = snprintf(out, cap, "radius=%d min_quality=%d", r->radius, r->min_quality);
  if (n > 0 && (size_t)n < cap && r->mode >= 0)
    n += snprintf(out + n, cap - (size_t)n, " mode=%s", hs_mode_name((hs_mode)r->mode));
  if (n > 0 && (size_t)n < cap && r->list)
    n += snprintf(out + n, cap - (size_t)n, " list=%s", r->list);
  if (n > 0 && (size_t)n < cap && r->since_version)
    n += snprintf(out + n, cap - (size_t)n, " since_version=%llu",
                  (unsigned long long)r->since_version);
  if (n > 0 && (size_t)n < cap && r->shard_count > 1)
    snprintf(out + n, cap - (size_t)n, " shard=%u/%u", r->shard_index, r->shard_count);
}

static const char *abs_path(const char *path, char *buf) {
  return path && realpath(path, buf) ? buf : path;
}

hs_status run_sweep_write(store *s, const run_report *r) {
  char opts[512], idx[PATH_MAX];
  options_text(r, opts, sizeof opts);
  const u64map *m = r->entry_matches;
  size_t n = m ? m->n : 0;
  uint64_t *hits = malloc(16 * (n ? n : 1));
  if (!hits)
    return error_set(HS_ERR_NOMEM, "out of memory");
  size_t k = 0;
  for (size_t i = 0; m && m->used && i <= m->mask; i++)
    if (m->used[i]) {
      hits[2 * k] = m->keys[i];
      hits[2 * k + 1] = m->vals[i];
      k++;
    }
  sweep_record rec = {.kind = strcmp(r->run, "rescan") == 0 ? SWEEP_RESCAN : SWEEP_SCAN,
                      .start = r->start, .end = r->end, .index_version = r->index_version,
                      .since_version = r->since_version, .files = r->sum->seen,
                      .matches = r->sum->matches, .index = abs_path(r->index, idx),
                      .list = r->list ? r->list : "", .options = opts,
                      .version = hs_version(), .nhits = k, .hits = hits};
  hs_status st = sweep_append(s, &rec);
  free(hits);
  return st;
}

void run_sweep_record(store *s, run_report *r) {
  if (!r->sweep || (s && run_sweep_write(s, r) == HS_OK))
    return;
  r->sweep = 0;
  log_warn("store %s: the sweep was not recorded: %s", r->store, hs_last_error());
}

static json_t *iso(int64_t t) {
  char buf[32];
  hs_time_to_iso(t, buf);
  return json_string(buf);
}

/* The record's details, as jansson writes them compactly (what the log's
 * reader checks): no hash of listed content and no file hash, only what
 * ran, on what, with which settings, and how many. */
static char *details_json(const run_report *r) {
  char opts[512];
  options_text(r, opts, sizeof opts);
  const hs_scan_summary *s = r->sum;
  json_t *o = json_object(), *counts = json_object(), *src = json_array();
  if (!o || !counts || !src) {
    json_decref(o), json_decref(counts), json_decref(src);
    return NULL;
  }
  json_object_set_new(o, "run", json_string(r->run));
  json_object_set_new(o, "status", json_string(r->status == HS_OK ? "ok" : hs_strerror(r->status)));
  json_object_set_new(o, "start", iso(r->start));
  json_object_set_new(o, "end", iso(r->end));
  json_object_set_new(o, "index_version", json_integer((json_int_t)r->index_version));
  json_object_set_new(o, "hashsweep", json_string(hs_version()));
  json_object_set_new(o, "store", r->store ? json_string(r->store) : json_null());
  json_object_set_new(o, "sweep", json_boolean(r->sweep));
  json_object_set_new(o, "options", json_string(opts));
  for (size_t i = 0; i < r->nsources; i++)
    json_array_append_new(src, json_string(r->sources[i])); /* NULL (not UTF-8): left out */
  json_object_set_new(o, "sources", src);
  const struct {
    const char *name;
    uint64_t v;
  } c[] = {{"seen", s->seen},       {"hashed", s->hashed},   {"unchanged", s->unchanged},
           {"resumed", s->resumed}, {"matched", s->matched}, {"matches", s->matches},
           {"failed", s->failed},   {"low_quality", s->low_quality},
           /* the guard's work (docs/guard.md): files an allow-list
            * silenced and the matches it suppressed, match records held
            * by the flood guard, entries this run quarantined */
           {"allowed", s->allowed}, {"suppressed", s->suppressed},
           {"held", s->held},       {"quarantined", s->quarantined}};
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
    json_object_set_new(counts, c[i].name, json_integer((json_int_t)c[i].v));
  json_object_set_new(o, "counts", counts);
  char *text = json_dumps(o, JSON_COMPACT);
  json_decref(o);
  return text;
}

void run_audit_write(const run_report *r) {
  char *details = details_json(r);
  if (!details) {
    log_warn("index %s: no run record in the audit log: out of memory", r->index);
    return;
  }
  /* The run's own error (if any) is the caller's to report: keep it. */
  char saved[1024];
  snprintf(saved, sizeof saved, "%s", hs_last_error());
  hs_status st = index_append_run(r->index, details);
  if (st != HS_OK)
    log_warn("index %s: the %s's run record was not written to the audit log: %s", r->index,
             r->run, hs_last_error());
  if (r->status != HS_OK)
    error_set(r->status, "%s", saved);
  free(details);
}
