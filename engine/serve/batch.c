/* serve/batch.c - the bounded lookup queue and who searches it: leaders on
 * the request threads or one matcher thread (serve/batch.h). */
#include "serve/batch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/match_list.h"

/* ---- one batch ------------------------------------------------------------------ */

/* Searches one part for all queries and hands each hit to its request
 * (owner[q] is the request of batch query q, base[q] its first query). */
static hs_status search_part(serve_batcher *b, const serve_part *p, int radius,
                             const uint64_t *queries, size_t nq, batch_req **owner,
                             const size_t *first) {
  if (!p || !p->pdq || nq == 0)
    return HS_OK;
  hs_match_list ml = {0};
  HS_TRY(hs_match_radius(b->engine, p->pdq, queries, nq, radius, &ml));
  hs_status st = HS_OK;
  for (size_t i = 0; i < ml.count && st == HS_OK; i++) {
    const hs_match *m = &ml.items[i];
    batch_req *r = owner[m->query];
    hs_match h = {.target = p->pdq_ids[m->target],
                  .query = (uint32_t)(m->query - first[m->query]),
                  .distance = m->distance};
    st = match_list_append(&r->hits, &h, 1);
  }
  hs_match_list_free(&ml);
  return st;
}

static void run_batch(serve_batcher *b, batch_req *list) {
  size_t nq = 0, nreq = 0;
  for (batch_req *r = list; r; r = r->next) {
    nq += r->nq;
    nreq++;
  }
  uint64_t *queries = malloc(sizeof(uint64_t) * 4 * (nq ? nq : 1));
  batch_req **owner = malloc(sizeof *owner * (nq ? nq : 1));
  size_t *first = malloc(sizeof *first * (nq ? nq : 1));
  hs_status st = HS_OK;
  if (!queries || !owner || !first)
    st = error_set(HS_ERR_NOMEM, "out of memory for a lookup batch");
  size_t q = 0;
  for (batch_req *r = list; st == HS_OK && r; r = r->next) {
    memcpy(queries + 4 * q, r->queries, sizeof(uint64_t) * 4 * r->nq);
    for (size_t i = 0; i < r->nq; i++) {
      owner[q + i] = r;
      first[q + i] = q;
    }
    q += r->nq;
  }
  double t0 = clock_now_s();
  serve_view *v = live_view(b->live);
  if (st == HS_OK && v) {
    /* The largest radius of any list (serve/resolve.c filters per list). */
    int radius = v->guard.nlists ? v->guard.search_radius : b->radius;
    st = search_part(b, v->base, radius, queries, nq, owner, first);
    if (st == HS_OK)
      st = search_part(b, v->delta, radius, queries, nq, owner, first);
  }
  const char *why = st == HS_OK ? NULL : hs_last_error();
  for (batch_req *r = list; r; r = r->next) {
    r->version = v ? v->version : 0;
    r->status = st;
    if (st == HS_OK && r->hits.count > 1)
      match_list_sort_by_target(r->hits.items, r->hits.count);
  }
  if (why)
    log_error("serve: a lookup batch failed: %s", why);
  view_release(v);
  free(queries);
  free(owner);
  free(first);
  if (b->on_batch)
    b->on_batch(b->user, nreq, nq, clock_now_s() - t0);
}

/* ---- taking and answering ------------------------------------------------------ */

/* Takes queued requests up to the batch size (always at least one), with
 * the lock held. */
static batch_req *take(serve_batcher *b) {
  batch_req *list = b->head, *last = b->head;
  size_t taken = last->nq;
  while (last->next && taken + last->next->nq <= BATCH_MAX_QUERIES) {
    last = last->next;
    taken += last->nq;
  }
  b->head = last->next;
  if (!b->head)
    b->tail = NULL;
  last->next = NULL;
  for (batch_req *r = list; r; r = r->next) {
    r->taken = 1;
    b->queued--;
    b->queued_queries -= r->nq;
  }
  return list;
}

/* Marks a searched batch answered and wakes its requests (not `self`, the
 * thread that ran it), with the lock held. Each request has its own
 * condition: no thread wakes for another's answer. */
static void answer(batch_req *list, const batch_req *self) {
  while (list) {
    batch_req *next = list->next; /* list may be freed once done is seen */
    list->done = 1;
    if (list != self)
      pthread_cond_signal(&list->wake);
    list = next;
  }
}

/* ---- leaders (the CPU path) ------------------------------------------------------ */

/* With the lock held: gives up a leader slot, or hands it to the first
 * queued request not asked to lead yet (it wakes and searches). */
static void hand_on(serve_batcher *b) {
  batch_req *n = b->head;
  while (n && n->lead)
    n = n->next;
  if (n) {
    n->lead = 1;
    pthread_cond_signal(&n->wake);
  } else {
    b->leading--;
  }
}

/* With the lock and one leader slot held: runs batches of what is queued
 * until self is answered or another leader's batch holds it (a request
 * woken to lead can be taken by another leader before it runs), hands the
 * slot on, and waits for self's answer. */
static void lead(serve_batcher *b, batch_req *self) {
  const hs_logger *prev = log_enter(&b->log);
  while (!self->done && !self->taken) {
    batch_req *list = take(b);
    pthread_mutex_unlock(&b->lock);
    run_batch(b, list);
    pthread_mutex_lock(&b->lock);
    answer(list, self);
  }
  log_leave(prev);
  hand_on(b);
  while (!self->done)
    pthread_cond_wait(&self->wake, &b->lock);
}

/* ---- the matcher thread (the device path) -------------------------------------- */

static void deadline_after_us(struct timespec *ts, unsigned us) {
  clock_gettime(CLOCK_MONOTONIC, ts);
  ts->tv_nsec += (long)(us % 1000000) * 1000L;
  ts->tv_sec += us / 1000000 + ts->tv_nsec / 1000000000L;
  ts->tv_nsec %= 1000000000L;
}

/* Whether a request that is not queued yet may still join the batch. */
static int others_coming(const serve_batcher *b) {
  return !b->in_flight || atomic_load(b->in_flight) > (int)b->queued;
}

static void *matcher_thread(void *arg) {
  serve_batcher *b = arg;
  const hs_logger *prev = log_enter(&b->log);
  pthread_mutex_lock(&b->lock);
  for (;;) {
    while (!b->head && !b->stop)
      pthread_cond_wait(&b->work, &b->lock);
    if (!b->head)
      break; /* stopping with nothing queued */
    if (b->wait_us > 0 && !b->stop) {
      /* Gather: wait for more requests, at most wait_us. */
      struct timespec until;
      deadline_after_us(&until, b->wait_us);
      while (!b->stop && b->queued_queries < BATCH_MAX_QUERIES && others_coming(b) &&
             pthread_cond_timedwait(&b->work, &b->lock, &until) != ETIMEDOUT) {
      }
    }
    batch_req *list = take(b);
    pthread_mutex_unlock(&b->lock);
    run_batch(b, list);
    pthread_mutex_lock(&b->lock);
    answer(list, NULL);
  }
  pthread_mutex_unlock(&b->lock);
  log_leave(prev);
  return NULL;
}

/* ---- the interface ---------------------------------------------------------------- */

hs_status batcher_start(serve_batcher *b) {
  pthread_mutex_init(&b->lock, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&b->work, &ca);
  pthread_condattr_destroy(&ca);
  if (b->leaders == 0 && pthread_create(&b->thread, NULL, matcher_thread, b) != 0) {
    pthread_cond_destroy(&b->work);
    pthread_mutex_destroy(&b->lock);
    return error_set(HS_ERR_NOMEM, "cannot start the matcher thread");
  }
  b->started = 1;
  return HS_OK;
}

void batcher_stop(serve_batcher *b) {
  if (!b->started)
    return;
  pthread_mutex_lock(&b->lock);
  b->stop = 1;
  pthread_cond_broadcast(&b->work);
  pthread_mutex_unlock(&b->lock);
  if (b->leaders == 0)
    pthread_join(b->thread, NULL);
  pthread_cond_destroy(&b->work);
  pthread_mutex_destroy(&b->lock);
  b->started = 0;
}

hs_status batcher_lookup(serve_batcher *b, batch_req *r) {
  r->hits = (hs_match_list){0};
  r->done = 0;
  r->lead = 0;
  r->taken = 0;
  r->next = NULL;
  r->status = HS_OK;
  r->version = 0;
  pthread_mutex_lock(&b->lock);
  if (b->stop || b->queued >= b->max_queue) {
    pthread_mutex_unlock(&b->lock);
    return error_set(HS_ERR_BUSY, "the lookup queue is full (%u waiting)", b->max_queue);
  }
  pthread_cond_init(&r->wake, NULL);
  if (b->tail)
    b->tail->next = r;
  else
    b->head = r;
  b->tail = r;
  b->queued++;
  b->queued_queries += r->nq;
  if (b->leaders > 0 && b->leading < b->leaders) {
    b->leading++;
    lead(b, r);
  } else {
    if (b->leaders == 0)
      pthread_cond_signal(&b->work);
    while (!r->done && !r->lead)
      pthread_cond_wait(&r->wake, &b->lock);
    if (r->lead)
      lead(b, r);
  }
  pthread_mutex_unlock(&b->lock);
  pthread_cond_destroy(&r->wake);
  if (r->status != HS_OK)
    hs_match_list_free(&r->hits);
  return r->status;
}

size_t batcher_depth(serve_batcher *b) {
  pthread_mutex_lock(&b->lock);
  size_t n = b->queued;
  pthread_mutex_unlock(&b->lock);
  return n;
}
