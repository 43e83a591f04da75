/* scan/pipeline.c - the scan scheduler (see pipeline.h). */
#include "scan/pipeline.h"

#include <errno.h>
#include <omp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cancel.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "image/border.h"

enum { SLOT_FREE = 0, SLOT_QUEUED, SLOT_BUSY, SLOT_DECODED, SLOT_BATCHED, SLOT_DONE };

/* A worker's claim on the item it is on. The worker moves RUNNING to
 * COMPLETING when it has a result, the watchdog RUNNING to ABANDONED when
 * it waited too long; whichever comes first wins (compare-and-swap), so an
 * abandoned worker never touches the pipeline again. */
enum { JOB_IDLE = 0, JOB_RUNNING, JOB_COMPLETING, JOB_ABANDONED };

/* Planes above this are freed after hashing instead of kept for reuse, so
 * a window that once met a huge image does not keep it forever. */
#define KEEP_PLANE_BYTES (16u << 20)

static atomic_size_t abandoned_alive;
size_t pipeline_abandoned_alive(void) { return atomic_load(&abandoned_alive); }

typedef struct pipeline pipeline;

/* What a worker found out about one item, before it is handed over. */
typedef struct job_result {
  hs_status status;
  char error[512];
  hs_image_info info;
  hs_pdq pdq;
  hs_pdq content; /* unletterbox: see hs_pdq_unletterbox */
  int has_content;
  hs_content_box box; /* device path: the region, hashed in the batch */
  int needs_device;
  hs_luma grid; /* in the worker's workspace (device path) */
  int is_video;
  hs_video_info video;
  hs_query_frame *frames; /* owned until handed to the slot */
  size_t nframes, frames_cap;
} job_result;

/* One decode thread. Owned jointly by the thread and the pipeline (refs):
 * an abandoned worker is detached and frees itself when its stuck call
 * returns, after pipeline_run may have returned too. So it holds copies of
 * everything it reads while unlocked. */
typedef struct worker {
  pipeline *p;                /* touched only under the job claim */
  pthread_t thread;
  int started;                /* a thread runs it (not the inline fallback) */
  atomic_int refs;
  atomic_int job;             /* JOB_* */
  hs_decode_options decode;
  int use_device;
  hs_logger log;              /* the run's (a copy: it may outlive the run) */
  hs_workspace *ws;
  uint64_t seq;               /* the item, while RUNNING */
  _Atomic double since;       /* when it started on it, or last showed
                                 progress (a video's sampled frame) */
  atomic_int on_video;        /* decoding a video: the watchdog allows it
                                 the video's own time limit too */
  hs_video_options video;
  int videos;
  char path[SOURCES_MAX_PATH];
  job_result res;
} worker;

struct pipeline {
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
  worker **workers;      /* the live ones (abandoned ones are replaced) */
  size_t nworkers;
  size_t live;           /* worker threads running (not abandoned) */
  size_t abandoned;
  int workers_exit;
  hs_status fatal;
  pthread_mutex_t lock;
  pthread_cond_t work_cv;   /* workers: something queued / exit */
  pthread_cond_t done_cv;   /* coordinator: something finished */
  pthread_cond_t budget_cv; /* workers: plane budget freed */
};

static scan_item *slot_of(pipeline *p, uint64_t seq) { return &p->slots[seq % p->cfg->window]; }

/* ---- workers ------------------------------------------------------------ */

static void worker_release(worker *w) {
  if (atomic_fetch_sub(&w->refs, 1) == 1) {
    free(w->res.frames);
    hs_workspace_destroy(w->ws);
    free(w);
  }
}

static void fail_result(job_result *r, const char *path, hs_status st) {
  r->status = st;
  const char *detail = hs_last_error();
  size_t n = strlen(path);
  /* The record names the path itself; keep only the cause. */
  if (strncmp(detail, path, n) == 0 && detail[n] == ':' && detail[n + 1] == ' ')
    detail += n + 2;
  snprintf(r->error, sizeof r->error, "%s", *detail ? detail : hs_strerror(st));
}

/* A sampled frame of the video being decoded: kept (its hashes only), and
 * the watchdog told the decode is moving. */
static hs_status keep_frame(void *user, const hs_video_frame *f) {
  worker *w = user;
  job_result *r = &w->res;
  if (r->nframes == r->frames_cap) {
    size_t cap = r->frames_cap ? 2 * r->frames_cap : 64;
    hs_query_frame *p = realloc(r->frames, cap * sizeof *p);
    if (!p)
      return error_set(HS_ERR_NOMEM, "%s: out of memory for %zu frame hashes", w->path, cap);
    r->frames = p;
    r->frames_cap = cap;
  }
  r->frames[r->nframes++] = (hs_query_frame){f->frame, (double)f->timestamp, f->pdq};
  atomic_store(&w->since, clock_now_s());
  return HS_OK;
}

/* Decodes w->path as a video, hashing its sampled frames. */
static void process_video(worker *w) {
  job_result *r = &w->res;
  hs_query_frame *keep = r->frames;
  size_t keep_cap = r->frames_cap;
  memset(r, 0, sizeof *r);
  r->frames = keep; /* the buffer of an earlier video, reused */
  r->frames_cap = keep_cap;
  r->is_video = 1;
  atomic_store(&w->on_video, 1);
  hs_status st = hs_video_hash_file(w->path, &w->decode, &w->video, w->ws, keep_frame, w,
                                    &r->video);
  if (r->video.has_digests) {
    memcpy(r->info.md5, r->video.md5, 16);
    memcpy(r->info.sha256, r->video.sha256, 32);
  }
  r->info.width = r->video.width;
  r->info.height = r->video.height;
  r->info.file_bytes = r->video.file_bytes;
  snprintf(r->info.format, sizeof r->info.format, "%s", r->video.format);
  if (st != HS_OK) {
    r->nframes = 0;
    fail_result(r, w->path, st);
  }
}

/* Image decode failures that a video would give (libvips has no loader
 * for it, refuses it as untrusted, or finds it above the image size
 * limit): only these files are sniffed. */
static int may_be_video(hs_status st) {
  return st == HS_ERR_UNSUPPORTED || st == HS_ERR_DECODE || st == HS_ERR_LIMIT;
}

/* Decodes (and on the CPU path hashes) w->path into w->res. Touches only
 * the worker: it may be abandoned while in here. */
static void process_item(worker *w) {
  job_result *r = &w->res;
  hs_query_frame *keep = r->frames;
  size_t keep_cap = r->frames_cap;
  memset(r, 0, sizeof *r);
  r->frames = keep;
  r->frames_cap = keep_cap;
  if (!w->ws) {
    r->status = HS_ERR_NOMEM;
    snprintf(r->error, sizeof r->error, "out of memory for a decode workspace");
    return;
  }
  hs_luma luma;
  hs_status st = hs_decode_file(w->path, &w->decode, w->ws, &luma, &r->info);
  if (st != HS_OK && w->videos && may_be_video(st)) {
    fail_result(r, w->path, st); /* the image error stands if it is no video */
    int video = 0;
    if (hs_video_sniff_file(w->path, &video, NULL, 0) == HS_OK && video)
      process_video(w);
    return;
  }
  if (st == HS_OK)
    st = hs_grid_for_mode(w->path, &w->decode, w->ws, &luma, &r->info, &r->grid);
  if (st != HS_OK) {
    fail_result(r, w->path, st);
    return;
  }
  if (w->use_device) {
    /* Only the region is found here: its PDQ goes into the device batch
     * beside the file's, so a bordered image costs the worker no PDQ. */
    if (!w->decode.no_unletterbox)
      r->has_content = border_detect(&r->grid, &r->box);
    r->needs_device = 1;
    return;
  }
  if (!w->decode.no_unletterbox) {
    hs_content_box box;
    st = hs_pdq_unletterbox(&r->grid, w->ws, &box, &r->content, &r->has_content);
    if (st != HS_OK) {
      fail_result(r, w->path, st);
      return;
    }
  }
  st = hs_pdq_from_luma(&r->grid, w->ws, &r->pdq);
  if (st != HS_OK)
    fail_result(r, w->path, st);
}

/* Copies the plane for the device batch, waiting for budget when planes
 * already queued fill it (not on the coordinator's own thread: it is the
 * one that frees budget). Called and returns with the lock held. */
static int keep_plane(pipeline *p, scan_item *it, const hs_luma *l, int may_wait) {
  size_t bytes = sizeof(float) * (size_t)l->width * (size_t)l->height;
  while (may_wait && p->plane_bytes > 0 && p->plane_bytes + bytes > p->cfg->plane_budget &&
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

/* Hands w's result to its slot. Lock held. */
static void complete_item(pipeline *p, worker *w, int on_coordinator) {
  scan_item *it = slot_of(p, w->seq);
  job_result *r = &w->res;
  it->status = r->status;
  memcpy(it->error, r->error, sizeof it->error);
  it->info = r->info;
  it->pdq = r->pdq;
  it->content = r->content;
  it->has_content = r->has_content;
  it->content_box = r->box;
  it->is_video = r->is_video;
  it->video = r->video;
  if (r->is_video && r->nframes > 0) {
    /* The frames move to the slot (which frees what it held before). */
    free(it->frames);
    it->frames = r->frames;
    it->nframes = r->nframes;
    r->frames = NULL;
    r->frames_cap = r->nframes = 0;
  }
  int needs_device = r->needs_device;
  if (needs_device && !keep_plane(p, it, &r->grid, !on_coordinator)) {
    it->status = HS_ERR_NOMEM;
    snprintf(it->error, sizeof it->error, "out of memory holding a %dx%d plane", r->grid.width,
             r->grid.height);
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

/* Takes the oldest queued item and runs it. Lock held on entry and, unless
 * the worker was abandoned (returns 0), on exit; released while the item
 * is processed. */
static int work_one(pipeline *p, worker *w) {
  uint64_t seq = p->fifo[p->fifo_head];
  p->fifo_head = (p->fifo_head + 1) % p->cfg->window;
  p->fifo_count--;
  scan_item *it = slot_of(p, seq);
  it->state = SLOT_BUSY;
  p->busy++;
  w->seq = seq;
  atomic_store(&w->since, clock_now_s());
  atomic_store(&w->on_video, 0);
  memcpy(w->path, it->path, sizeof w->path);
  atomic_store(&w->job, JOB_RUNNING);
  pthread_mutex_unlock(&p->lock);

  process_item(w);

  int expect = JOB_RUNNING;
  if (!atomic_compare_exchange_strong(&w->job, &expect, JOB_COMPLETING))
    return 0; /* abandoned: the item has its error record; p may be gone */
  pthread_mutex_lock(&p->lock);
  complete_item(p, w, !w->started);
  atomic_store(&w->job, JOB_IDLE);
  return 1;
}

static void *worker_main(void *arg) {
  worker *w = arg;
  pipeline *p = w->p;
  log_enter(&w->log); /* the thread ends with the worker */
  w->ws = hs_workspace_create();
  pthread_mutex_lock(&p->lock);
  for (;;) {
    while (p->fifo_count == 0 && !p->workers_exit)
      pthread_cond_wait(&p->work_cv, &p->lock);
    if (p->fifo_count == 0 && p->workers_exit)
      break;
    if (!work_one(p, w)) {
      worker_release(w);
      atomic_fetch_sub(&abandoned_alive, 1);
      return NULL;
    }
  }
  pthread_mutex_unlock(&p->lock);
  worker_release(w);
  return NULL;
}

static worker *worker_new(pipeline *p) {
  worker *w = calloc(1, sizeof *w);
  if (!w)
    return NULL;
  w->p = p;
  w->decode = p->cfg->decode;
  w->video = p->cfg->video;
  w->videos = p->cfg->videos;
  w->use_device = p->use_device;
  /* Called on the coordinator, whose logger is the run's. */
  const hs_logger *log = log_current();
  if (log)
    w->log = *log;
  atomic_init(&w->refs, 2); /* the thread's and the pipeline's */
  atomic_init(&w->job, JOB_IDLE);
  atomic_init(&w->on_video, 0);
  return w;
}

/* Starts a worker thread in slot i of p->workers. Returns 0 or -1. */
static int worker_start(pipeline *p, size_t i) {
  worker *w = worker_new(p);
  if (!w)
    return -1;
  if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
    free(w);
    return -1;
  }
  w->started = 1;
  p->workers[i] = w;
  p->live++;
  return 0;
}

/* ---- the watchdog ---------------------------------------------------------- */

/* Gives up on items a worker has been on for longer than the item
 * timeout: each becomes an error record, its worker is detached (it may
 * never return: a read blocked on a hung file system) and a new one takes
 * its place. Lock held. */
static void watchdog(pipeline *p) {
  const pipeline_config *c = p->cfg;
  if (c->item_timeout_ms <= 0)
    return;
  double t = clock_now_s();
  /* A video shows progress once per sampled frame, which may be minutes of
   * decoding apart (a large --seconds-per-hash): it has its decode time
   * limit (which stops it by itself) on top of the item timeout. */
  double video_ms = c->video.max_decode_s > 0 ? c->video.max_decode_s * 1000 : 1e12;
  for (size_t i = 0; i < p->nworkers; i++) {
    worker *w = p->workers[i];
    if (!w || !w->started || atomic_load(&w->job) != JOB_RUNNING)
      continue;
    double limit = c->item_timeout_ms + (atomic_load(&w->on_video) ? video_ms : 0);
    if ((t - atomic_load(&w->since)) * 1000 < limit)
      continue;
    int expect = JOB_RUNNING;
    if (!atomic_compare_exchange_strong(&w->job, &expect, JOB_ABANDONED))
      continue; /* it finished just now */
    atomic_fetch_add(&abandoned_alive, 1);
    scan_item *it = slot_of(p, w->seq);
    it->status = HS_ERR_TIMEOUT;
    snprintf(it->error, sizeof it->error,
             "no result after %.1f s (a read or decode that does not end); gave up on it",
             c->item_timeout_ms / 1000.0);
    it->state = SLOT_DONE;
    p->busy--;
    p->live--;
    p->abandoned++;
    log_warn("%s: no result after %.1f s; its worker is abandoned and replaced (%zu so far)",
             it->path, c->item_timeout_ms / 1000.0, p->abandoned);
    pthread_detach(w->thread);
    worker_release(w);
    p->workers[i] = NULL;
    if (p->abandoned > c->max_abandoned) {
      p->fatal = error_set(HS_ERR_TIMEOUT,
                           "%zu files gave no result within %.1f s (last: %s): the file system "
                           "may not be responding; stopping (rerun to resume)",
                           p->abandoned, c->item_timeout_ms / 1000.0, it->path);
      return;
    }
    if (worker_start(p, i) != 0)
      log_warn("cannot start a worker to replace an abandoned one");
  }
}

/* ---- coordinator ---------------------------------------------------------- */

/* Fills free slots from the producer. Lock held; released around produce. */
static void fill(pipeline *p) {
  const pipeline_config *c = p->cfg;
  while (!p->source_done && p->next - p->head < c->window && !p->fatal) {
    if (cancel_triggered(c->cancel)) {
      p->source_done = 1;
      break;
    }
    scan_item *it = slot_of(p, p->next);
    hs_luma keep = it->plane;
    size_t keep_cap = it->plane_cap;
    free(it->frames); /* the previous item's, consumed */
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
  /* Wait for a full batch only while more planes can still come: a worker
   * decoding, or a queued item and an idle worker to take it. Workers
   * waiting for plane budget come back only after this batch. */
  size_t decoding = p->busy - p->budget_waiters;
  int can_start = p->fifo_count > 0 && p->live > p->busy;
  if (p->decoded < c->device_batch && (decoding > 0 || can_start))
    return 0;
  size_t n = 0, cap = p->decoded < c->device_batch ? p->decoded : c->device_batch;
  /* Planes 0..n-1 are the items' own; a content region (unletterbox) is a
   * view into its item's plane, appended after them: at most 2 * cap. */
  scan_item **items = malloc(cap * sizeof *items);
  size_t *content_at = malloc(cap * sizeof *content_at);
  hs_luma *planes = malloc(2 * cap * sizeof *planes);
  hs_pdq *out = malloc(2 * cap * sizeof *out);
  if (!items || !content_at || !planes || !out) {
    free(items), free(content_at), free(planes), free(out);
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
  size_t np = n;
  for (size_t i = 0; i < n; i++) {
    content_at[i] = items[i]->has_content ? np : 0;
    if (items[i]->has_content)
      planes[np++] = border_crop(&items[i]->plane, &items[i]->content_box);
  }
  p->decoded -= n;
  pthread_mutex_unlock(&p->lock);
  /* hs_engine_pdq redoes a failed device batch on the CPU itself. */
  hs_status st = hs_engine_pdq(c->engine, planes, np, out);
  pthread_mutex_lock(&p->lock);
  size_t freed = 0;
  for (size_t i = 0; i < n; i++) {
    scan_item *it = items[i];
    if (st == HS_OK) {
      it->pdq = out[i];
      if (it->has_content)
        it->content = out[content_at[i]];
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
  free(items), free(content_at), free(planes), free(out);
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
  /* A full window of done items cannot grow: hand it over whatever the
   * group size (else a window below commit_items waits commit_seconds). */
  int window_done = p->head + n == p->next && n >= c->window;
  if (n < c->commit_items && clock_now_s() - *last_commit < c->commit_seconds && !all_done &&
      !window_done)
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
  *last_commit = clock_now_s();
  if (st != HS_OK) {
    p->fatal = st;
    return 0;
  }
  for (size_t i = 0; i < n; i++)
    slot_of(p, p->head + i)->state = SLOT_FREE;
  p->head += n;
  return 1;
}

static void wait_a_little(pipeline *p) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec += 50 * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  pthread_cond_timedwait(&p->done_cv, &p->lock, &ts);
}

/* `inline_w` != NULL: no worker thread could be started, so the
 * coordinator decodes too (no watchdog then: nobody is left to watch). */
static void coordinator(pipeline *p, worker *inline_w) {
  const pipeline_config *c = p->cfg;
  double last_commit = clock_now_s(), last_tick = 0;
  pthread_mutex_lock(&p->lock);
  for (;;) {
    fill(p);
    int progressed = 0;
    if (inline_w && p->fifo_count > 0) {
      work_one(p, inline_w); /* cannot be abandoned: returns locked */
      progressed = 1;
    }
    if (p->use_device)
      progressed |= device_batch(p);
    progressed |= consume_due(p, &last_commit);
    watchdog(p);
    if (p->fatal || (p->source_done && p->head == p->next))
      break;
    double t = clock_now_s();
    if (c->tick && t - last_tick >= 0.5) {
      pthread_mutex_unlock(&p->lock);
      c->tick(c->ctx, 0);
      pthread_mutex_lock(&p->lock);
      last_tick = t;
    }
    if (!progressed)
      wait_a_little(p);
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

/* Waits for the workers; one still on an item after a fatal stop (maybe
 * stuck) is abandoned instead of waited for. */
static void stop_workers(pipeline *p) {
  for (size_t i = 0; i < p->nworkers; i++) {
    worker *w = p->workers[i];
    if (!w)
      continue;
    int expect = JOB_RUNNING;
    if (atomic_compare_exchange_strong(&w->job, &expect, JOB_ABANDONED)) {
      atomic_fetch_add(&abandoned_alive, 1);
      pthread_detach(w->thread);
    } else
      pthread_join(w->thread, NULL);
    worker_release(w);
  }
}

static hs_status start_workers(pipeline *p, worker **inline_w) {
  const pipeline_config *c = p->cfg;
  p->workers = calloc((size_t)c->workers, sizeof *p->workers);
  if (!p->workers)
    return error_set(HS_ERR_NOMEM, "out of memory for %d workers", c->workers);
  p->nworkers = (size_t)c->workers;
  size_t started = 0;
  for (size_t i = 0; i < p->nworkers; i++)
    started += worker_start(p, i) == 0;
  *inline_w = NULL;
  if (started == 0) {
    log_warn("no decode thread could be started: decoding on the coordinator");
    *inline_w = worker_new(p);
    if (!*inline_w)
      return error_set(HS_ERR_NOMEM, "out of memory for a worker");
    (*inline_w)->ws = hs_workspace_create();
  }
  return HS_OK;
}

void pipeline_config_init(pipeline_config *c, int jobs, hs_engine *engine,
                          const hs_decode_options *decode) {
  memset(c, 0, sizeof *c);
  c->workers = jobs > 0 ? jobs : omp_get_num_procs();
  c->window = (size_t)c->workers * 8 + 64;
  c->engine = engine;
  c->device_batch = hs_engine_uses_device(engine) ? 32 : 0;
  c->plane_budget = (size_t)1 << 30;
  c->decode = *decode;
  hs_video_options_default(&c->video);
  c->item_timeout_ms = pipeline_item_timeout(decode);
  c->max_abandoned = (size_t)(c->workers > 4 ? c->workers : 4);
}

hs_status pipeline_run(const pipeline_config *cfg) {
  HS_CHECK(cfg && cfg->window > 0 && cfg->workers > 0 && cfg->produce && cfg->consume,
           HS_ERR_INVALID_ARG, "pipeline_run: bad configuration");
  pipeline p = {.cfg = cfg};
  p.use_device = cfg->engine && cfg->device_batch > 0;
  p.slots = calloc(cfg->window, sizeof *p.slots);
  p.fifo = calloc(cfg->window, sizeof *p.fifo);
  if (!p.slots || !p.fifo) {
    free(p.slots);
    free(p.fifo);
    return error_set(HS_ERR_NOMEM, "out of memory for %zu scan slots", cfg->window);
  }
  pthread_mutex_init(&p.lock, NULL);
  pthread_cond_init(&p.work_cv, NULL);
  pthread_cond_init(&p.done_cv, NULL);
  pthread_cond_init(&p.budget_cv, NULL);
  log_info("scan pipeline: %d decode workers, window %zu, PDQ on %s", cfg->workers, cfg->window,
           p.use_device ? hs_engine_description(cfg->engine) : "the CPU workers");

  worker *inline_w = NULL;
  pthread_mutex_lock(&p.lock); /* workers wait for the first item */
  hs_status fatal = start_workers(&p, &inline_w);
  pthread_mutex_unlock(&p.lock);
  if (fatal == HS_OK) {
    coordinator(&p, inline_w);
    fatal = p.fatal;
  }
  stop_workers(&p);
  if (inline_w) {
    atomic_store(&inline_w->refs, 1);
    worker_release(inline_w);
  }

  if (fatal == HS_OK && cancel_triggered(cfg->cancel))
    fatal = cancel_status();
  for (size_t i = 0; i < cfg->window; i++) {
    free(p.slots[i].plane.data);
    free(p.slots[i].frames);
  }
  free(p.slots);
  free(p.fifo);
  free(p.workers);
  pthread_mutex_destroy(&p.lock);
  pthread_cond_destroy(&p.work_cv);
  pthread_cond_destroy(&p.done_cv);
  pthread_cond_destroy(&p.budget_cv);
  return fatal;
}
