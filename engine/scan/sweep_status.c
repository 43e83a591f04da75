/* scan/sweep_status.c - hs_sweep_status: each entry's arrival against the
 * sweeps the store recorded (hashsweep/sweep.h, sweeps.h). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/options.h"
#include "hashsweep/sweep.h"
#include "index/dedup.h"
#include "scan/sweeps.h"

const char *hs_sweep_state_name(hs_sweep_state s) {
  static const char *const names[] = {"swept", "pending", "overdue", "withdrawn", "quarantined"};
  return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

void hs_sweep_options_init(hs_sweep_options *dst, size_t size) {
  hs_sweep_options o;
  memset(&o, 0, sizeof o);
  o.due_s = 48 * 3600;
  options_init(dst, size, &o, sizeof o);
}

/* What an entry needs of a sweep. */
typedef struct sweep_cov {
  int64_t end;
  uint64_t version, since;
  char *list;      /* NULL: every list */
  u64map matches;  /* entry id -> match records */
} sweep_cov;

typedef struct sweeps {
  sweep_cov *v;
  size_t n, cap;
  const char *index; /* absolute path of the index asked about */
  hs_status st;
} sweeps;

static int collect(void *ctx, const sweep_record *r) {
  sweeps *w = ctx;
  if (strcmp(r->index, w->index) != 0)
    return 0; /* a sweep against another index */
  if (w->n == w->cap) {
    size_t cap = w->cap ? 2 * w->cap : 16;
    sweep_cov *v = realloc(w->v, cap * sizeof *v);
    if (!v) {
      w->st = error_set(HS_ERR_NOMEM, "out of memory");
      return 1;
    }
    w->v = v;
    w->cap = cap;
  }
  sweep_cov *c = &w->v[w->n];
  memset(c, 0, sizeof *c);
  c->end = r->end;
  c->version = r->index_version;
  c->since = r->since_version;
  u64map_init(&c->matches);
  w->n++;
  if (r->list[0] && !(c->list = strdup(r->list))) {
    w->st = error_set(HS_ERR_NOMEM, "out of memory");
    return 1;
  }
  for (size_t i = 0; i < r->nhits && w->st == HS_OK; i++)
    w->st = u64map_put(&c->matches, r->hits[2 * i], r->hits[2 * i + 1]);
  return w->st != HS_OK;
}

static void sweeps_free(sweeps *w) {
  for (size_t i = 0; i < w->n; i++) {
    free(w->v[i].list);
    u64map_free(&w->v[i].matches);
  }
  free(w->v);
}

static hs_status load_sweeps(const hs_sweep_options *o, const char *index_abs, sweeps *w,
                             hs_sweep_summary *sum) {
  store *s = NULL;
  HS_TRY(store_open(o->store, 1, &s));
  w->index = index_abs;
  hs_status st = sweep_each(s, collect, w);
  store_close(s);
  if (st == HS_OK)
    st = w->st;
  sum->sweeps = w->n;
  for (size_t i = 0; i < w->n; i++)
    if (w->v[i].end > sum->last_sweep)
      sum->last_sweep = w->v[i].end;
  return st;
}

/* The earliest-ending sweep that covers the entry, or NULL. */
static const sweep_cov *first_cover(const sweeps *w, uint64_t version, const char *list) {
  const sweep_cov *best = NULL;
  for (size_t i = 0; i < w->n; i++) {
    const sweep_cov *c = &w->v[i];
    if (version > c->version || version <= c->since || (c->list && strcmp(c->list, list) != 0))
      continue;
    if (!best || c->end < best->end)
      best = c;
  }
  return best;
}

typedef struct walk {
  const hs_sweep_options *o;
  const sweeps *w;
  hs_index_snapshot *snap;
  int (*fn)(void *, const hs_sweep_entry *);
  void *user;
  hs_sweep_summary *sum;
  int stopped;
} walk;

static hs_status one_entry(walk *k, uint64_t id, uint8_t flags) {
  hs_index_entry e;
  HS_TRY(hs_index_entry_get(k->snap, id, &e));
  hs_sweep_entry out = {.entry = id, .type = e.type, .list = e.list, .label = e.label,
                        .arrived = e.added_time, .age = k->sum->now - e.added_time};
  const sweep_cov *c = first_cover(k->w, e.version_added, e.list ? e.list : "");
  if (c) {
    out.swept = c->end;
    u64map_get(&c->matches, id, &out.matches);
  }
  if (e.withdrawn || (flags & HS_ENTRY_WITHDRAWN))
    out.status = HS_SWEEP_WITHDRAWN;
  else if (flags & HS_ENTRY_QUARANTINED)
    out.status = HS_SWEEP_QUARANTINED;
  else if (c)
    out.status = HS_SWEEP_SWEPT;
  else
    out.status = out.age > k->o->due_s ? HS_SWEEP_OVERDUE : HS_SWEEP_PENDING;
  k->sum->entries++;
  k->sum->by_state[out.status]++;
  if (k->fn && k->fn(k->user, &out) != 0)
    k->stopped = 1;
  return HS_OK;
}

static hs_status walk_type(walk *k, hs_hash_type type) {
  hs_index_iter *it;
  HS_TRY(hs_index_iter_create(k->snap, type, 0, &it));
  hs_index_block b;
  hs_status st;
  while (!k->stopped && (st = hs_index_iter_next(it, &b)) == HS_OK) {
    /* Entry strings are valid until the next entry_get: copy the flags
     * first, the block stays valid for the snapshot's life. */
    for (size_t i = 0; i < b.count && !k->stopped && st == HS_OK; i++)
      st = one_entry(k, b.first_id + i, b.flags[i]);
    if (st != HS_OK)
      break;
  }
  hs_index_iter_destroy(it);
  return st == HS_ERR_NOT_FOUND || k->stopped ? HS_OK : st;
}

static hs_status status_in(const hs_sweep_options *o, int (*fn)(void *, const hs_sweep_entry *),
                           void *user, hs_sweep_summary *sum) {
  HS_CHECK(o->index && o->store, HS_ERR_INVALID_ARG, "sweep-status: index and store are required");
  HS_CHECK(o->due_s >= 0, HS_ERR_INVALID_ARG, "sweep-status: negative due time");
  sum->now = o->now ? o->now : clock_wall_s();
  char abs[PATH_MAX];
  const char *index_abs = realpath(o->index, abs) ? abs : o->index;
  hs_index *idx = NULL;
  hs_index_snapshot *snap = NULL;
  sweeps w = {0};
  hs_status st = hs_index_open(o->index, HS_INDEX_READONLY, &idx);
  if (st == HS_OK)
    st = load_sweeps(o, index_abs, &w, sum);
  if (st == HS_OK)
    st = hs_index_snapshot_open(idx, &snap);
  walk k = {o, &w, snap, fn, user, sum, 0};
  /* The types a scan matches; h64 entries are for `hashsweep match`. */
  static const hs_hash_type types[] = {HS_HASH_PDQ, HS_HASH_MD5, HS_HASH_SHA256};
  for (size_t t = 0; st == HS_OK && t < sizeof types / sizeof types[0] && !k.stopped; t++)
    st = walk_type(&k, types[t]);
  hs_index_snapshot_close(snap);
  hs_index_close(idx);
  sweeps_free(&w);
  return st;
}

hs_status hs_sweep_status(const hs_sweep_options *opts,
                          int (*fn)(void *user, const hs_sweep_entry *e), void *user,
                          hs_sweep_summary *summary) {
  hs_sweep_summary local;
  hs_sweep_summary *sum = summary ? summary : &local;
  memset(sum, 0, sizeof *sum);
  HS_CHECK(opts, HS_ERR_INVALID_ARG, "hs_sweep_status: NULL options");
  hs_sweep_options own;
  hs_sweep_options_default(&own);
  HS_TRY(options_read(&own, sizeof own, opts, "hs_sweep_options"));
  return status_in(&own, fn, user, sum);
}
