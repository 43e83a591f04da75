/* scan/runrecord.c - run records and sweep records (runrecord.h). */
#include "scan/runrecord.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "index/runlog.h"
#include "scan/sweeps.h"

/* The settings that decide what a run can find, as one line. */
static void options_text(const run_report *r, char *out, size_t cap) {
  int n = snprintf(out, cap, "radius=%d min_quality=%d", r->radius, r->min_quality);
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

static void json_str(FILE *f, const char *key, const char *v) {
  fprintf(f, ",\"%s\":", key);
  if (v)
    hs_json_write_string(f, v);
  else
    fputs("null", f);
}

static void json_time(FILE *f, const char *key, int64_t t) {
  char iso[32];
  hs_time_to_iso(t, iso);
  fprintf(f, ",\"%s\":\"%s\"", key, iso);
}

/* The record's details: no hash of listed content and no file hash, only
 * what ran, on what, with which settings, and how many. */
static char *details_json(const run_report *r) {
  char *buf = NULL, opts[512];
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f)
    return NULL;
  const hs_scan_summary *s = r->sum;
  fprintf(f, "{\"run\":\"%s\",\"status\":", r->run);
  hs_json_write_string(f, r->status == HS_OK ? "ok" : hs_strerror(r->status));
  json_time(f, "start", r->start);
  json_time(f, "end", r->end);
  fprintf(f, ",\"index_version\":%llu", (unsigned long long)r->index_version);
  json_str(f, "hashsweep", hs_version());
  json_str(f, "store", r->store);
  fprintf(f, ",\"sweep\":%s", r->sweep ? "true" : "false");
  options_text(r, opts, sizeof opts);
  json_str(f, "options", opts);
  if (r->nsources) {
    fputs(",\"sources\":[", f);
    for (size_t i = 0; i < r->nsources; i++) {
      if (i)
        fputc(',', f);
      hs_json_write_string(f, r->sources[i]);
    }
    fputc(']', f);
  }
  fprintf(f, ",\"counts\":{\"seen\":%llu,\"hashed\":%llu,\"unchanged\":%llu,\"resumed\":%llu,"
             "\"matched\":%llu,\"matches\":%llu,\"failed\":%llu,\"low_quality\":%llu}}",
          (unsigned long long)s->seen, (unsigned long long)s->hashed,
          (unsigned long long)s->unchanged, (unsigned long long)s->resumed,
          (unsigned long long)s->matched, (unsigned long long)s->matches,
          (unsigned long long)s->failed, (unsigned long long)s->low_quality);
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
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
  hs_status st = index_append_run(r->index, clock_wall_s(), details);
  if (st != HS_OK)
    log_warn("index %s: the %s's run record was not written to the audit log: %s", r->index,
             r->run, hs_last_error());
  if (r->status != HS_OK)
    error_set(r->status, "%s", saved);
  free(details);
}
