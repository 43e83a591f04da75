/* serve/live.c - the live view: loading parts, swapping views, the poll
 * thread and the snapshots (serve/live.h says why it is built so). */
#include "serve/live.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"

/* ---- parts ------------------------------------------------------------------ */

static void part_release(serve_part *p) {
  if (!p || atomic_fetch_sub(&p->refs, 1) != 1)
    return;
  hs_haystack_destroy(p->pdq);
  free(p->pdq_ids);
  exact_set_destroy(p->md5);
  exact_set_destroy(p->sha256);
  free(p);
}

/* The CPU index (multi-index hashing) of a large base is built here, in the
 * poll thread, not in the batch of the lookups that happen to bring the
 * haystack past match.c's threshold (MIH_MIN_COUNT codes, and the build
 * once MIH_BUILD_AFTER_QUERIES queries were answered): one search of that
 * many queries does it (the build takes seconds at 10^7 entries) while the
 * old view still answers. With a device the haystack is already resident there. */
#define WARM_MIN_COUNT 65536
#define WARM_QUERIES 4096

static void warm_up(serve_live *l, const hs_haystack *h, const uint64_t *words, size_t n) {
  if (n < WARM_MIN_COUNT || hs_engine_uses_device(l->engine))
    return;
  hs_match_list ml = {0};
  double t0 = clock_now_s();
  /* At radius 0: the queries only bring the build about; at the match
   * radius their searches took seconds of the restart at 10^7. */
  if (hs_match_radius(l->engine, h, words, WARM_QUERIES, 0, &ml) == HS_OK)
    log_info("serve: matcher warmed up over %zu entries in %.2f s", n, clock_now_s() - t0);
  hs_match_list_free(&ml);
}

static hs_status load_exact(hs_index_snapshot *s, hs_hash_type type, const hs_index_filter *f,
                            exact_set **out, size_t *n) {
  hs_index_hashes h;
  HS_TRY(hs_index_load(s, type, f, &h));
  *n = h.count;
  hs_status st = exact_set_build(h.hashes, h.ids, h.count, hs_hash_type_bytes(type), out);
  hs_index_hashes_free(&h);
  return st;
}

/* The active entries of `s` added after `since` (0: all). */
static hs_status part_load(serve_live *l, hs_index_snapshot *s, uint64_t since, serve_part **out) {
  /* (since == 0: a base, warmed up; a delta is small and short-lived) */
  serve_part *p = calloc(1, sizeof *p);
  if (!p)
    return error_set(HS_ERR_NOMEM, "out of memory for the matcher");
  atomic_init(&p->refs, 1);
  hs_index_filter f = {.since_version = since};
  hs_index_hashes h;
  /* where a base's load time goes (the restart time): read, copy, index */
  double t[5] = {clock_now_s()};
  hs_status st = hs_index_load(s, HS_HASH_PDQ, &f, &h);
  t[1] = t[2] = t[3] = clock_now_s();
  if (st == HS_OK) {
    p->version = h.version;
    if (h.count > 0)
      st = hs_haystack_create(l->engine, 256, h.hashes, h.count, &p->pdq);
    t[2] = t[3] = clock_now_s();
    if (st == HS_OK && since == 0 && p->pdq)
      warm_up(l, p->pdq, h.hashes, h.count);
    t[3] = clock_now_s();
    if (st == HS_OK) {
      p->pdq_ids = h.ids; /* kept; the rest is copied into the haystack */
      h.ids = NULL;
      p->npdq = h.count;
    }
    hs_index_hashes_free(&h);
  }
  if (st == HS_OK)
    st = load_exact(s, HS_HASH_MD5, &f, &p->md5, &p->nmd5);
  if (st == HS_OK)
    st = load_exact(s, HS_HASH_SHA256, &f, &p->sha256, &p->nsha256);
  t[4] = clock_now_s();
  if (st != HS_OK) {
    part_release(p);
    return st;
  }
  if (since == 0)
    log_info("serve: base loaded: PDQ read %.2f s, haystack %.2f s, warm-up (multi-index) "
             "%.2f s, exact sets %.2f s",
             t[1] - t[0], t[2] - t[1], t[3] - t[2], t[4] - t[3]);
  *out = p;
  return HS_OK;
}

static size_t part_size(const serve_part *p) {
  return p ? p->npdq + p->nmd5 + p->nsha256 : 0;
}

/* ---- views ------------------------------------------------------------------ */

void view_release(serve_view *v) {
  if (!v || atomic_fetch_sub(&v->refs, 1) != 1)
    return;
  part_release(v->base);
  part_release(v->delta);
  hs_video_matcher_close(v->video);
  guard_free(&v->guard);
  free(v);
}

serve_view *live_view(serve_live *l) {
  pthread_mutex_lock(&l->lock);
  serve_view *v = l->cur;
  if (v)
    atomic_fetch_add(&v->refs, 1);
  pthread_mutex_unlock(&l->lock);
  return v;
}

static void swap_in(serve_live *l, serve_view *v) {
  pthread_mutex_lock(&l->lock);
  serve_view *old = l->cur;
  l->cur = v;
  pthread_mutex_unlock(&l->lock);
  view_release(old); /* freed here or by the last lookup still holding it */
}

/* The next view for the state `s` sees: the old base and a fresh delta, or
 * a new base when the delta has grown past 1/8 of it. */
static hs_status next_view(serve_live *l, hs_index_snapshot *s, const serve_view *old,
                           serve_view **out) {
  serve_view *v = calloc(1, sizeof *v);
  if (!v)
    return error_set(HS_ERR_NOMEM, "out of memory for the matcher");
  atomic_init(&v->refs, 1);
  guard_init(&v->guard, 0, 0);
  v->version = hs_index_snapshot_version(s);
  if (hs_index_version_time(s, v->version, &v->version_time) != HS_OK)
    v->version_time = 0;
  hs_status st = HS_OK;
  if (old) {
    st = part_load(l, s, old->base->version, &v->delta);
    if (st == HS_OK && part_size(v->delta) * 8 <= part_size(old->base) + 8192) {
      v->base = old->base;
      atomic_fetch_add(&v->base->refs, 1);
    } else if (st == HS_OK) {
      part_release(v->delta);
      v->delta = NULL;
    }
  }
  if (st == HS_OK && !v->base) {
    double t0 = clock_now_s();
    st = part_load(l, s, 0, &v->base);
    if (st == HS_OK) {
      atomic_fetch_add(&l->base_builds, 1);
      log_info("serve: matcher built at index version %llu: %zu PDQ, %zu MD5, %zu SHA-256 "
               "entries in %.2f s",
               (unsigned long long)v->version, v->base->npdq, v->base->nmd5, v->base->nsha256,
               clock_now_s() - t0);
    }
  }
  /* CPU (NULL engine): video checks run on the HTTP threads, concurrently
   * with the batcher that owns the engine. */
  if (st == HS_OK)
    st = guard_load_lists(&v->guard, s, l->vopts.radius, l->vopts.min_quality);
  if (st == HS_OK) {
    /* Each list's radius and frame gate for its video entries too. */
    hs_video_match_options vo = l->vopts;
    vo.list_radius = v->guard.radius;
    vo.list_min_quality = v->guard.min_quality;
    vo.nlists = v->guard.nlists;
    st = hs_video_matcher_open(s, NULL, &vo, &v->video);
  }
  if (st == HS_OK && v->delta && part_size(v->delta) == 0) {
    part_release(v->delta);
    v->delta = NULL;
  }
  if (st != HS_OK) {
    view_release(v);
    return st;
  }
  *out = v;
  return HS_OK;
}

/* One poll: a new view when the index version moved. */
static hs_status poll_once(serve_live *l) {
  hs_index_snapshot *s;
  HS_TRY(live_snap_get(l, &s));
  serve_view *old = live_view(l);
  hs_status st = HS_OK;
  if (!old || old->version != hs_index_snapshot_version(s)) {
    serve_view *v = NULL;
    st = next_view(l, s, old, &v);
    if (st == HS_OK) {
      swap_in(l, v);
      atomic_fetch_add(&l->reloads, 1);
      log_debug("serve: index version %llu in use", (unsigned long long)v->version);
    }
  }
  view_release(old);
  live_snap_put(l, s);
  return st;
}

hs_status live_load_now(serve_live *l) { return poll_once(l); }

static void sleep_ms(unsigned ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static void *poll_thread(void *arg) {
  serve_live *l = arg;
  const hs_logger *prev = log_enter(&l->log);
  double last_error = -1e9;
  while (!atomic_load(&l->stop)) {
    if (poll_once(l) != HS_OK && clock_now_s() - last_error > 60) {
      /* Kept serving the view it has; said at most once a minute. */
      log_error("serve: reloading the index failed (serving the last view): %s",
                hs_last_error());
      last_error = clock_now_s();
    }
    for (unsigned t = 0; t < l->poll_ms && !atomic_load(&l->stop); t += 10)
      sleep_ms(l->poll_ms - t < 10 ? l->poll_ms - t : 10);
  }
  log_leave(prev);
  return NULL;
}

/* ---- life cycle --------------------------------------------------------------- */

hs_status live_open(serve_live *l, const char *index_path, hs_engine *engine, unsigned poll_ms,
                    const hs_logger *log) {
  memset(l, 0, sizeof *l);
  l->engine = engine;
  l->poll_ms = poll_ms ? poll_ms : 250;
  hs_video_match_options_default(&l->vopts);
  l->vopts.frame_image_matches = 0;
  if (log)
    l->log = *log;
  pthread_mutex_init(&l->lock, NULL);
  hs_status st = hs_index_open(index_path, HS_INDEX_READONLY, &l->idx);
  if (st != HS_OK)
    pthread_mutex_destroy(&l->lock);
  return st;
}

hs_status live_start(serve_live *l) {
  if (pthread_create(&l->thread, NULL, poll_thread, l) != 0)
    return error_set(HS_ERR_NOMEM, "cannot start the index poll thread");
  l->started = 1;
  return HS_OK;
}

void live_close(serve_live *l) {
  if (!l->idx)
    return;
  atomic_store(&l->stop, 1);
  if (l->started)
    pthread_join(l->thread, NULL);
  view_release(l->cur);
  hs_index_close(l->idx);
  pthread_mutex_destroy(&l->lock);
  memset(l, 0, sizeof *l);
}

/* ---- snapshots ---------------------------------------------------------------- */

/* A snapshot per use, not a pool: an idle pooled read transaction would pin
 * old pages and let the index file grow while importers write, and opening
 * one is a reader-slot claim (microseconds). */
hs_status live_snap_get(serve_live *l, hs_index_snapshot **out) {
  return hs_index_snapshot_open(l->idx, out);
}

void live_snap_put(serve_live *l, hs_index_snapshot *s) {
  (void)l;
  hs_index_snapshot_close(s);
}
