/* scan/pipeline.c - the scan scheduler (see pipeline.h). */
#include "scan/pipeline.h"

#include <omp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/log.h"

enum { SLOT_FREE = 0, SLOT_QUEUED, SLOT_BUSY, SLOT_DECODED, SLOT_BATCHED, SLOT_DONE };

/* Planes above this are freed after hashing instead of kept for reuse, so
 * a window that once met a huge image does not keep it forever. */
#define KEEP_PLANE_BYTES (16u << 20)

static volatile sig_atomic_t stop_requested;
void pipeline_request_stop(void) { stop_requested = 1; }

typedef struct pipeline {
  const pipeline_config *cfg;
  int use_device;
  scan_item *slots;
  uint64_t head;     /* oldest seq in flight (next to consume) */
  uint64_t next;     /* next seq to produce */
  int source_done;
  /* FIFO of queued seqs, in seq order */
  uint64_t *fifo;
  size_t fifo_head, fifo_count;
  size_t busy;           /* items a worker is on */
  size_t decoded;        /* items waiting for a device batch */
  size_t budget_waiters; /* workers waiting for plane budget */
  size_t plane_bytes;    /* bytes of planes waiting */
  int workers_exit;
  hs_status fatal;
  pthread_mutex_t lock;
  pthread_cond_t work_cv;   /* workers: something queued / exit */
  pthread_cond_t done_cv;   /* coordinator: something finished */
  pthread_cond_t budget_cv; /* workers: plane budget freed */
} pipeline;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static scan_item *slot_of(pipeline *p, uint64_t seq) { return &p->slots[seq % p->cfg->window]; }

/* ---- worker ------------------------------------------------------------- */

static void record_failure(scan_item *it, hs_status st) {
  it->status = st;
  const char *detail = hs_last_error();
  size_t n = strlen(it->path);
  /* The record names the path itself; keep only the cause. */
  if (strncmp(detail, it->path, n) == 0 && detail[n] == ':' && detail[n + 1] == ' ')
    detail += n + 2;
  snprintf(it->error, sizeof it->error, "%s", *detail ? detail : hs_strerror(st));
}

/* Copies the plane for the device batch, waiting for budget when planes
 * already queued fill it. Called and returns with the lock held. */
static int keep_plane(pipeline *p, scan_item *it, const hs_luma *l) {
  size_t bytes = sizeof(float) * (size_t)l->width * (size_t)l->height;
  while (p->plane_bytes > 0 && p->plane_bytes + bytes > p->cfg->plane_budget &&
         !p->workers_exit) {
    p->budget_waiters++;
    pthread_cond_signal(&p->done_cv);
    pthread_cond_wait(&p->budget_cv, &p->lock);
    p->budget_waiters--;
  }
  p->plane_bytes += bytes;
  pthread_mutex_unlock(&p->lock);
  int ok = 1;
  if (it->plane_cap < bytes) {
    free(it->plane.data);
    it->plane.data = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    it->plane_cap = it->plane.data ? bytes : 0;
  }
  if (it->plane.data) {
    for (int y = 0; y < l->height; y++)
      memcpy(it->plane.data + (size_t)y * l->width, l->data + (size_t)y * l->stride,
             sizeof(float) * (size_t)l->width);
    it->plane.width = l->width;
    it->plane.height = l->height;
    it->plane.stride = (size_t)l->width;
  } else {
    ok = 0;
  }
  pthread_mutex_lock(&p->lock);
  if (!ok)
    p->plane_bytes -= bytes;
  return ok;
}

/* Decodes (and on the CPU path hashes) one item. Returns 1 when the item
 * needs the device (plane kept), 0 when it is complete. Lock not held. */
static int process_item(pipeline *p, scan_item *it, hs_workspace *ws, hs_luma *grid) {
  hs_luma luma;
  hs_status st = hs_decode_file(it->path, &p->cfg->decode, ws, &luma, &it->info);
  if (st == HS_OK)
    st = hs_grid_for_mode(it->path, &p->cfg->decode, ws, &luma, &it->info, grid);
  if (st != HS_OK) {
    record_failure(it, st);
    return 0;
  }
  if (p->use_device)
    return 1;
  st = hs_pdq_from_luma(grid, ws, &it->pdq);
  if (st != HS_OK)
    record_failure(it, st);
  return 0;
}

/* Takes the oldest queued item and runs it. Lock held on entry and exit;
 * released while the item is processed. */
static void work_one(pipeline *p, hs_workspace *ws) {
    uint64_t seq = p->fifo[p->fifo_head];
    p->fifo_head = (p->fifo_head + 1) % p->cfg->window;
    p->fifo_count--;
    scan_item *it = slot_of(p, seq);
    it->state = SLOT_BUSY;
    p->busy++;
    pthread_mutex_unlock(&p->lock);

    hs_luma grid;
    int needs_device;
    if (!ws) {
      it->status = HS_ERR_NOMEM;
      snprintf(it->error, sizeof it->error, "out of memory for a decode workspace");
      needs_device = 0;
    } else {
      needs_device = process_item(p, it, ws, &grid);
    }

    pthread_mutex_lock(&p->lock);
    if (needs_device && !keep_plane(p, it, &grid)) {
      it->status = HS_ERR_NOMEM;
      snprintf(it->error, sizeof it->error, "out of memory holding a %dx%d plane", grid.width,
               grid.height);
      needs_device = 0;
    }
    p->busy--;
    if (needs_device) {
      it->state = SLOT_DECODED;
      p->decoded++;
    } else {
      it->state = SLOT_DONE;
    }
    pthread_cond_signal(&p->done_cv);
}

static void worker(pipeline *p) {
  hs_workspace *ws = hs_workspace_create();
  pthread_mutex_lock(&p->lock);
  for (;;) {
    while (p->fifo_count == 0 && !p->workers_exit)
      pthread_cond_wait(&p->work_cv, &p->lock);
    if (p->fifo_count == 0 && p->workers_exit)
      break;
    work_one(p, ws);
  }
  pthread_mutex_unlock(&p->lock);
  hs_workspace_destroy(ws);
}

/* ---- coordinator ---------------------------------------------------------- */

/* Fills free slots from the producer. Lock held; released around produce. */
static void fill(pipeline *p) {
  const pipeline_config *c = p->cfg;
  while (!p->source_done && p->next - p->head < c->window && !p->fatal) {
    if (stop_requested) {
      p->source_done = 1;
      break;
    }
    scan_item *it = slot_of(p, p->next);
    hs_luma keep = it->plane;
    size_t keep_cap = it->plane_cap;
    memset(it, 0, sizeof *it);
    it->plane = keep;
    it->plane_cap = keep_cap;
    it->seq = p->next;
    pthread_mutex_unlock(&p->lock);
    int r = c->produce(c->ctx, it);
    pthread_mutex_lock(&p->lock);
    if (r < 0) {
      p->fatal = HS_ERR_IO;
      break;
    }
    if (r == 0) {
      p->source_done = 1;
      break;
    }
    p->next++;
    if (it->kind == ITEM_READY) {
      it->state = SLOT_DONE;
    } else {
      it->state = SLOT_QUEUED;
      p->fifo[(p->fifo_head + p->fifo_count) % c->window] = it->seq;
      p->fifo_count++;
      pthread_cond_signal(&p->work_cv);
    }
  }
}

/* Runs one device batch if one is due. Lock held; released around the
 * launch. Returns 1 when it ran. */
static int device_batch(pipeline *p) {
  const pipeline_config *c = p->cfg;
  if (p->decoded == 0)
    return 0;
  size_t progressing = p->fifo_count + p->busy - p->budget_waiters;
  if (p->decoded < c->device_batch && progressing > 0)
    return 0;
  size_t n = 0, cap = p->decoded < c->device_batch ? p->decoded : c->device_batch;
  scan_item **items = malloc(cap * sizeof *items);
  hs_luma *planes = malloc(cap * sizeof *planes);
  hs_pdq *out = malloc(cap * sizeof *out);
  if (!items || !planes || !out) {
    free(items), free(planes), free(out);
    p->fatal = error_set(HS_ERR_NOMEM, "out of memory for a device batch");
    return 0;
  }
  for (uint64_t s = p->head; s < p->next && n < cap; s++) {
    scan_item *it = slot_of(p, s);
    if (it->state == SLOT_DECODED) {
      it->state = SLOT_BATCHED;
      items[n] = it;
      planes[n] = it->plane;
      n++;
    }
  }
  p->decoded -= n;
  pthread_mutex_unlock(&p->lock);
  /* hs_engine_pdq redoes a failed device batch on the CPU itself. */
  hs_status st = hs_engine_pdq(c->engine, planes, n, out);
  pthread_mutex_lock(&p->lock);
  size_t freed = 0;
  for (size_t i = 0; i < n; i++) {
    scan_item *it = items[i];
    if (st == HS_OK) {
      it->pdq = out[i];
    } else {
      it->status = st;
      snprintf(it->error, sizeof it->error, "PDQ on the device failed: %s", hs_last_error());
    }
    freed += sizeof(float) * (size_t)it->plane.width * (size_t)it->plane.height;
    if (it->plane_cap > KEEP_PLANE_BYTES) {
      free(it->plane.data);
      it->plane.data = NULL;
      it->plane_cap = 0;
    }
    it->state = SLOT_DONE;
  }
  p->plane_bytes -= freed;
  pthread_cond_broadcast(&p->budget_cv);
  free(items), free(planes), free(out);
  return 1;
}

/* Hands over completed items in order when a group is due. Lock held;
 * released around consume. Returns 1 when it consumed. */
static int consume_due(pipeline *p, double *last_commit) {
  const pipeline_config *c = p->cfg;
  size_t n = 0;
  while (p->head + n < p->next && slot_of(p, p->head + n)->state == SLOT_DONE)
    n++;
  if (n == 0)
    return 0;
  int all_done = p->source_done && p->head + n == p->next;
  if (n < c->commit_items && now_s() - *last_commit < c->commit_seconds && !all_done)
    return 0;
  scan_item **items = malloc(n * sizeof *items);
  if (!items) {
    p->fatal = error_set(HS_ERR_NOMEM, "out of memory");
    return 0;
  }
  for (size_t i = 0; i < n; i++)
    items[i] = slot_of(p, p->head + i);
  pthread_mutex_unlock(&p->lock);
  hs_status st = c->consume(c->ctx, items, n);
  pthread_mutex_lock(&p->lock);
  free(items);
  *last_commit = now_s();
  if (st != HS_OK) {
    p->fatal = st;
    return 0;
  }
  for (size_t i = 0; i < n; i++)
    slot_of(p, p->head + i)->state = SLOT_FREE;
  p->head += n;
  return 1;
}

/* `inline_ws` != NULL: no worker thread could be started, so the
 * coordinator decodes too. */
static void coordinator(pipeline *p, hs_workspace *inline_ws) {
  const pipeline_config *c = p->cfg;
  double last_commit = now_s(), last_tick = 0;
  pthread_mutex_lock(&p->lock);
  for (;;) {
    fill(p);
    int progressed = 0;
    if (inline_ws && p->fifo_count > 0) {
      work_one(p, inline_ws);
      progressed = 1;
    }
    if (p->use_device)
      progressed |= device_batch(p);
    progressed |= consume_due(p, &last_commit);
    if (p->fatal || (p->source_done && p->head == p->next))
      break;
    double t = now_s();
    if (c->tick && t - last_tick >= 0.5) {
      pthread_mutex_unlock(&p->lock);
      c->tick(c->ctx, 0);
      pthread_mutex_lock(&p->lock);
      last_tick = t;
    }
    if (!progressed) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      ts.tv_nsec += 50 * 1000000L;
      if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
      }
      pthread_cond_timedwait(&p->done_cv, &p->lock, &ts);
    }
  }
  p->workers_exit = 1;
  /* A fatal stop leaves queued items undone: drop them so workers exit. */
  p->fifo_count = 0;
  pthread_cond_broadcast(&p->work_cv);
  pthread_cond_broadcast(&p->budget_cv);
  pthread_mutex_unlock(&p->lock);
  if (c->tick)
    c->tick(c->ctx, 1);
}

hs_status pipeline_run(const pipeline_config *cfg) {
  HS_CHECK(cfg && cfg->window > 0 && cfg->workers > 0 && cfg->produce && cfg->consume,
           HS_ERR_INVALID_ARG, "pipeline_run: bad configuration");
  pipeline p = {.cfg = cfg};
  p.use_device = cfg->engine && hs_engine_uses_device(cfg->engine) && cfg->device_batch > 0;
  p.slots = calloc(cfg->window, sizeof *p.slots);
  p.fifo = calloc(cfg->window, sizeof *p.fifo);
  if (!p.slots || !p.fifo) {
    free(p.slots);
    free(p.fifo);
    return error_set(HS_ERR_NOMEM, "out of memory for %zu scan slots", cfg->window);
  }
  stop_requested = 0;
  pthread_mutex_init(&p.lock, NULL);
  pthread_cond_init(&p.work_cv, NULL);
  pthread_cond_init(&p.done_cv, NULL);
  pthread_cond_init(&p.budget_cv, NULL);
  log_info("scan pipeline: %d decode workers, window %zu, PDQ on %s", cfg->workers, cfg->window,
           p.use_device ? hs_engine_description(cfg->engine) : "the CPU workers");

#pragma omp parallel num_threads(cfg->workers + 1)
  {
    if (omp_get_thread_num() == 0) {
      /* The runtime may grant fewer threads than asked (OMP_THREAD_LIMIT). */
      hs_workspace *inline_ws = omp_get_num_threads() == 1 ? hs_workspace_create() : NULL;
      coordinator(&p, inline_ws);
      hs_workspace_destroy(inline_ws);
    } else {
      worker(&p);
    }
  }

  hs_status fatal = p.fatal;
  if (fatal == HS_OK && stop_requested)
    fatal = error_set(HS_ERR_INTERRUPTED, "stopped by a signal; rerun the same command to resume");
  for (size_t i = 0; i < cfg->window; i++)
    free(p.slots[i].plane.data);
  free(p.slots);
  free(p.fifo);
  pthread_mutex_destroy(&p.lock);
  pthread_cond_destroy(&p.work_cv);
  pthread_cond_destroy(&p.done_cv);
  pthread_cond_destroy(&p.budget_cv);
  return fatal;
}
