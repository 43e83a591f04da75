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

/* SLOT_FRAMES: a video on the device path whose worker is done decoding
 * while some of its frame planes still wait for (or are in) a batch. */
enum { SLOT_FREE = 0, SLOT_QUEUED, SLOT_BUSY, SLOT_DECODED, SLOT_BATCHED, SLOT_FRAMES, SLOT_DONE };

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

/* Device path: the plane of one sampled video frame, waiting in its item's
 * list for a batch. Its hashes go to the item's frames[index] and, with a
 * content region, cframes[cindex]. */
typedef struct frame_plane {
  struct frame_plane *next;
  hs_luma plane; /* owned, `cap` bytes */
  size_t cap;
  size_t index, cindex;
  int has_content;
  hs_content_box box;
} frame_plane;

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
  hs_query_frame *frames; /* owned until handed to the slot; after a
                             decode, the ncontent content frames follow */
  size_t nframes, frames_cap, ncontent;
  hs_query_frame *cframes; /* content frames while decoding (unletterbox) */
  size_t ncframes, cframes_cap;
  int device_video; /* a video whose frames went to the device batches:
                       its hashes are in the slot, not here */
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
  size_t vqueued;        /* video frame planes waiting for a batch */
  frame_plane *spare;    /* hashed frame planes kept for reuse (a video's
                            frames are all one size), within the budget */
  size_t spare_bytes;
  uint64_t budget_waits, vplanes_batched; /* for the log */
  size_t peak_plane_bytes;
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
    free(w->res.cframes);
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

/* Appends `count` frames f to the array *a of *n (capacity *cap). */
static hs_status push_frames(hs_query_frame **a, size_t *n, size_t *cap,
                             const hs_query_frame *f, size_t count, const char *path) {
  if (*n + count > *cap) {
    size_t c = *cap ? 2 * *cap : 64;
    while (c < *n + count)
      c *= 2;
    hs_query_frame *p = realloc(*a, c * sizeof *p);
    if (!p)
      return error_set(HS_ERR_NOMEM, "%s: out of memory for %zu frame hashes", path, c);
    *a = p;
    *cap = c;
  }
  memcpy(*a + *n, f, count * sizeof *f);
  *n += count;
  return HS_OK;
}

/* A sampled frame of the video being decoded: kept (its hashes only; its
 * content region's aside), and the watchdog told the decode is moving. */
static hs_status keep_frame(void *user, const hs_video_frame *f) {
  worker *w = user;
  job_result *r = &w->res;
  hs_query_frame q = {f->frame, (double)f->timestamp, f->pdq};
  HS_TRY(push_frames(&r->frames, &r->nframes, &r->frames_cap, &q, 1, w->path));
  if (f->has_content) {
    q.pdq = f->content;
    HS_TRY(push_frames(&r->cframes, &r->ncframes, &r->cframes_cap, &q, 1, w->path));
  }
  atomic_store(&w->since, clock_now_s());
  return HS_OK;
}

/* ---- video frames on the device path --------------------------------------- */

/* Waits until `bytes` more of planes fit the budget (one plane is always
 * admitted) or the run stops. Lock held. Not on the coordinator: it is the
 * one that frees budget. */
static void wait_budget(pipeline *p, size_t bytes) {
  while (p->plane_bytes > 0 && p->plane_bytes + bytes > p->cfg->plane_budget &&
         !p->workers_exit) {
    p->budget_waiters++;
    p->budget_waits++;
    pthread_cond_signal(&p->done_cv);
    pthread_cond_wait(&p->budget_cv, &p->lock);
    p->budget_waiters--;
  }
}

static void take_budget(pipeline *p, size_t bytes) {
  p->plane_bytes += bytes;
  if (p->plane_bytes > p->peak_plane_bytes)
    p->peak_plane_bytes = p->plane_bytes;
}

static size_t plane_bytes_of(const hs_luma *l) {
  return sizeof(float) * (size_t)l->width * (size_t)l->height;
}

/* Copies `src` into *dst, (re)allocating it when *cap is below its size.
 * Returns 0 when out of memory. No lock needed: dst is the caller's. */
static int hold_plane(hs_luma *dst, size_t *cap, const hs_luma *src) {
  size_t bytes = plane_bytes_of(src);
  if (*cap < bytes) {
    free(dst->data);
    dst->data = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    *cap = dst->data ? bytes : 0;
  }
  if (!dst->data)
    return 0;
  for (int y = 0; y < src->height; y++)
    memcpy(dst->data + (size_t)y * src->width, src->data + (size_t)y * src->stride,
           sizeof(float) * (size_t)src->width);
  dst->width = src->width;
  dst->height = src->height;
  dst->stride = (size_t)src->width;
  return 1;
}

static void frame_plane_free(frame_plane *fp) {
  if (fp) {
    free(fp->plane.data);
    free(fp);
  }
}

/* A hashed frame plane: its bytes leave the budget; the node is kept for
 * the next frame while spares and waiting planes stay within the budget.
 * Lock held. */
static void frame_plane_done(pipeline *p, frame_plane *fp) {
  p->plane_bytes -= plane_bytes_of(&fp->plane);
  if (fp->cap <= KEEP_PLANE_BYTES && p->spare_bytes + p->plane_bytes + fp->cap <= p->cfg->plane_budget) {
    fp->next = p->spare;
    p->spare = fp;
    p->spare_bytes += fp->cap;
  } else {
    frame_plane_free(fp);
  }
}

/* Drops the frame planes still queued for `it` (its decode failed or was
 * given up). Lock held. */
static void drop_frame_planes(pipeline *p, scan_item *it) {
  while (it->vplanes) {
    frame_plane *fp = it->vplanes;
    it->vplanes = fp->next;
    it->vpending--;
    p->vqueued--;
    frame_plane_done(p, fp);
  }
  it->vplanes_tail = NULL;
  pthread_cond_broadcast(&p->budget_cv);
}

/* The video's last plane is hashed and its worker done: the content frames
 * join the frames (as on the CPU path) and the item is complete. A failed
 * video keeps no frames. Lock held. */
static void finish_video(scan_item *it) {
  if (it->status == HS_OK && it->ncframes > 0) {
    size_t n = it->nframes;
    hs_status st = push_frames(&it->frames, &n, &it->frames_cap, it->cframes, it->ncframes,
                               it->path);
    if (st == HS_OK) {
      it->ncontent = it->ncframes;
    } else {
      it->status = st;
      snprintf(it->error, sizeof it->error, "%s", hs_last_error());
    }
  }
  if (it->status != HS_OK)
    it->nframes = it->ncontent = 0;
  it->state = SLOT_DONE;
}

/* Copies a sampled frame's plane into the budget and queues it on its item
 * (frames[] gains the frame, its hashes to come). Lock held on entry and
 * exit; released for the copy. */
static hs_status queue_frame_plane(pipeline *p, scan_item *it, const hs_video_plane *pl,
                                   const char *path) {
  size_t bytes = plane_bytes_of(&pl->luma);
  wait_budget(p, bytes);
  if (p->workers_exit)
    return error_set(HS_ERR_INTERRUPTED, "%s: the scan stopped", path);
  take_budget(p, bytes);
  frame_plane *fp = p->spare;
  if (fp) {
    p->spare = fp->next;
    p->spare_bytes -= fp->cap;
  }
  pthread_mutex_unlock(&p->lock);
  if (!fp)
    fp = calloc(1, sizeof *fp);
  int ok = fp && hold_plane(&fp->plane, &fp->cap, &pl->luma);
  if (ok) {
    fp->has_content = pl->has_content;
    fp->box = pl->box;
    fp->next = NULL;
  }
  pthread_mutex_lock(&p->lock);
  hs_query_frame q = {.frame = pl->frame, .timestamp = (double)pl->timestamp};
  hs_status st = ok ? HS_OK
                    : error_set(HS_ERR_NOMEM, "%s: out of memory holding a %dx%d frame plane",
                                path, pl->luma.width, pl->luma.height);
  if (st == HS_OK) {
    fp->index = it->nframes;
    st = push_frames(&it->frames, &it->nframes, &it->frames_cap, &q, 1, path);
  }
  if (st == HS_OK && fp->has_content) {
    fp->cindex = it->ncframes;
    st = push_frames(&it->cframes, &it->ncframes, &it->cframes_cap, &q, 1, path);
  }
  if (st != HS_OK) {
    p->plane_bytes -= bytes;
    frame_plane_free(fp);
    pthread_cond_broadcast(&p->budget_cv);
    return st;
  }
  if (it->vplanes_tail)
    it->vplanes_tail->next = fp;
  else
    it->vplanes = fp;
  it->vplanes_tail = fp;
  it->vpending++;
  p->vqueued++;
  pthread_cond_signal(&p->done_cv);
  return HS_OK;
}

/* hs_video_decode_file's callback on the device path. The worker touches
 * the pipeline only while it holds its claim as COMPLETING, so the
 * watchdog cannot give up on it meanwhile (a wait for budget is the
 * pipeline's, not a stuck read); an abandoned worker stops decoding
 * without touching it. */
static hs_status queue_frame(void *user, const hs_video_plane *pl) {
  worker *w = user;
  int expect = JOB_RUNNING;
  if (!atomic_compare_exchange_strong(&w->job, &expect, JOB_COMPLETING))
    return error_set(HS_ERR_TIMEOUT, "%s: given up on by the watchdog", w->path);
  pipeline *p = w->p;
  pthread_mutex_lock(&p->lock);
  hs_status st = queue_frame_plane(p, slot_of(p, w->seq), pl, w->path);
  pthread_mutex_unlock(&p->lock);
  atomic_store(&w->since, clock_now_s());
  atomic_store(&w->job, JOB_RUNNING);
  return st;
}

/* Clears w->res for the next file, keeping the frame buffers. */
static void reset_result(job_result *r) {
  job_result keep = *r;
  memset(r, 0, sizeof *r);
  r->frames = keep.frames; /* the buffers of an earlier video, reused */
  r->frames_cap = keep.frames_cap;
  r->cframes = keep.cframes;
  r->cframes_cap = keep.cframes_cap;
}

/* Decodes w->path as a video: its sampled frames hashed here (CPU path),
 * or their planes queued for the device batches (device path; not on the
 * coordinator's inline worker, which could not wait for budget). */
static void process_video(worker *w) {
  job_result *r = &w->res;
  reset_result(r);
  r->is_video = 1;
  r->device_video = w->use_device && w->started;
  atomic_store(&w->on_video, 1);
  hs_status st = r->device_video
                     ? hs_video_decode_file(w->path, &w->decode, &w->video, w->ws, queue_frame, w,
                                            &r->video)
                     : hs_video_hash_file(w->path, &w->decode, &w->video, w->ws, keep_frame, w,
                                          &r->video);
  if (r->video.has_digests) {
    memcpy(r->info.md5, r->video.md5, 16);
    memcpy(r->info.sha256, r->video.sha256, 32);
  }
  r->info.width = r->video.width;
  r->info.height = r->video.height;
  r->info.file_bytes = r->video.file_bytes;
  snprintf(r->info.format, sizeof r->info.format, "%s", r->video.format);
  if (st == HS_OK && r->ncframes > 0) {
    /* The content frames go after the frames, in one buffer. */
    size_t n = r->nframes;
    st = push_frames(&r->frames, &n, &r->frames_cap, r->cframes, r->ncframes, w->path);
    r->ncontent = r->ncframes;
  }
  if (st != HS_OK) {
    r->nframes = r->ncontent = 0;
    fail_result(r, w->path, st);
  }
}

/* Image decode failures that a video would give (libvips has no loader
 * for it, refuses it as untrusted, or finds it above the image size
 * limit): a small file that failed so is sniffed. */
static int may_be_video(hs_status st) {
  return st == HS_ERR_UNSUPPORTED || st == HS_ERR_DECODE || st == HS_ERR_LIMIT;
}

/* Files above this many bytes are sniffed for a video before the image
 * decoder reads them (process_item). */
#define SNIFF_FIRST_BYTES (1 << 20)

/* Decodes (and on the CPU path hashes) w->path into w->res. Touches only
 * the worker: it may be abandoned while in here. */
static void process_item(worker *w) {
  job_result *r = &w->res;
  reset_result(r);
  if (!w->ws) {
    r->status = HS_ERR_NOMEM;
    snprintf(r->error, sizeof r->error, "out of memory for a decode workspace");
    return;
  }
  /* A large file is sniffed for a video first: the image decoder would read
   * all of it into memory (up to the file size limit, on every worker at
   * once) and under the image read timeout, only to refuse it, and the
   * video decoder would read it again. A small one goes to the image
   * decoder first, as most small files are images and a sniff costs about
   * as much as decoding a thumbnail; it is sniffed when that fails. A file
   * that is no video keeps the image decoder's error. */
  struct stat sb;
  int large = w->videos && stat(w->path, &sb) == 0 && sb.st_size > SNIFF_FIRST_BYTES;
  int video = 0;
  if (large && hs_video_sniff_file(w->path, &video, NULL, 0) == HS_OK && video) {
    process_video(w);
    return;
  }
  hs_luma luma;
  hs_status st = hs_decode_file(w->path, &w->decode, w->ws, &luma, &r->info);
  if (st != HS_OK && w->videos && !large && may_be_video(st)) {
    fail_result(r, w->path, st); /* the image error stands if it is no video */
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
  size_t bytes = plane_bytes_of(l);
  if (may_wait)
    wait_budget(p, bytes);
  take_budget(p, bytes);
  pthread_mutex_unlock(&p->lock);
  int ok = hold_plane(&it->plane, &it->plane_cap, l);
  pthread_mutex_lock(&p->lock);
  if (!ok)
    p->plane_bytes -= bytes;
  return ok;
}

/* Hands w's result to its slot. Lock held. */
static void complete_item(pipeline *p, worker *w, int on_coordinator) {
  scan_item *it = slot_of(p, w->seq);
  job_result *r = &w->res;
  /* A device video keeps a batch's failure over its worker's success. */
  if (!r->device_video || it->status == HS_OK) {
    it->status = r->status;
    memcpy(it->error, r->error, sizeof it->error);
  }
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
    it->ncontent = r->ncontent;
    r->frames = NULL;
    r->frames_cap = r->nframes = r->ncontent = 0;
  }
  if (r->device_video) {
    /* Its frames are in the slot already; the item completes with its
     * last plane's batch (or now, when none is left). */
    if (it->status != HS_OK)
      drop_frame_planes(p, it);
    p->busy--;
    if (it->vpending > 0)
      it->state = SLOT_FRAMES;
    else
      finish_video(it);
    pthread_cond_signal(&p->done_cv);
    return;
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
    drop_frame_planes(p, it); /* a device video's (none is in a batch now) */
    if (it->frames_cap)       /* its frames, some never hashed */
      it->nframes = it->ncframes = 0;
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
    free(it->cframes);
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

/* One plane of a device batch: an item's own (fp NULL) or a video
 * frame's. */
typedef struct batch_entry {
  scan_item *it;
  frame_plane *fp;
  size_t content_at; /* the content region's plane, when it has one */
} batch_entry;

/* Writes a batch's hashes back. Lock held. */
static void batch_results(pipeline *p, batch_entry *e, size_t n, const hs_pdq *out,
                          hs_status st) {
  for (size_t i = 0; i < n; i++) {
    scan_item *it = e[i].it;
    frame_plane *fp = e[i].fp;
    if (st != HS_OK && (it->status == HS_OK || !fp)) {
      it->status = st;
      snprintf(it->error, sizeof it->error, "PDQ on the device failed: %s", hs_last_error());
    }
    if (fp) {
      if (st == HS_OK) {
        it->frames[fp->index].pdq = out[i];
        if (fp->has_content)
          it->cframes[fp->cindex].pdq = out[e[i].content_at];
      }
      frame_plane_done(p, fp);
      if (--it->vpending == 0 && it->state == SLOT_FRAMES)
        finish_video(it);
      continue;
    }
    if (st == HS_OK) {
      it->pdq = out[i];
      if (it->has_content)
        it->content = out[e[i].content_at];
    }
    p->plane_bytes -= plane_bytes_of(&it->plane);
    if (it->plane_cap > KEEP_PLANE_BYTES) {
      free(it->plane.data);
      it->plane.data = NULL;
      it->plane_cap = 0;
    }
    it->state = SLOT_DONE;
  }
}

/* Runs one device batch if one is due: the waiting planes in source order,
 * images' and video frames' mixed (a video's frames in frame order). Lock
 * held; released around the launch. Returns 1 when it ran. */
static int device_batch(pipeline *p) {
  const pipeline_config *c = p->cfg;
  size_t waiting = p->decoded + p->vqueued;
  if (waiting == 0)
    return 0;
  /* Wait for a full batch only while more planes can still come: a worker
   * decoding (an image, or a video sampling more frames), or a queued item
   * and an idle worker to take it. Workers waiting for plane budget come
   * back only after this batch. Once half the budget waits, the batch goes
   * anyway: the workers fill the other half meanwhile (a budget below two
   * batches would otherwise make decoding and hashing take turns). */
  size_t decoding = p->busy - p->budget_waiters;
  int can_start = p->fifo_count > 0 && p->live > p->busy;
  if (waiting < c->device_batch && (decoding > 0 || can_start) &&
      p->plane_bytes < c->plane_budget / 2)
    return 0;
  size_t n = 0, cap = waiting < c->device_batch ? waiting : c->device_batch;
  /* Planes 0..n-1 are the entries' own; a content region (unletterbox) is
   * a view into its plane, appended after them: at most 2 * cap. */
  batch_entry *e = malloc(cap * sizeof *e);
  hs_luma *planes = malloc(2 * cap * sizeof *planes);
  hs_pdq *out = malloc(2 * cap * sizeof *out);
  if (!e || !planes || !out) {
    free(e), free(planes), free(out);
    p->fatal = error_set(HS_ERR_NOMEM, "out of memory for a device batch");
    return 0;
  }
  for (uint64_t s = p->head; s < p->next && n < cap; s++) {
    scan_item *it = slot_of(p, s);
    if (it->state == SLOT_DECODED) {
      it->state = SLOT_BATCHED;
      p->decoded--;
      e[n] = (batch_entry){.it = it};
      planes[n++] = it->plane;
    }
    while (it->vplanes && n < cap) {
      frame_plane *fp = it->vplanes;
      it->vplanes = fp->next;
      if (!it->vplanes)
        it->vplanes_tail = NULL;
      p->vqueued--;
      p->vplanes_batched++;
      e[n] = (batch_entry){.it = it, .fp = fp};
      planes[n++] = fp->plane;
    }
  }
  size_t np = n;
  for (size_t i = 0; i < n; i++) {
    const hs_luma *pl = e[i].fp ? &e[i].fp->plane : &e[i].it->plane;
    int has = e[i].fp ? e[i].fp->has_content : e[i].it->has_content;
    if (has) {
      e[i].content_at = np;
      planes[np++] = border_crop(pl, e[i].fp ? &e[i].fp->box : &e[i].it->content_box);
    }
  }
  pthread_mutex_unlock(&p->lock);
  /* hs_engine_pdq redoes a failed device batch on the CPU itself. */
  hs_status st = hs_engine_pdq(c->engine, planes, np, out);
  pthread_mutex_lock(&p->lock);
  batch_results(p, e, n, out, st);
  pthread_cond_broadcast(&p->budget_cv);
  free(e), free(planes), free(out);
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
  const char *budget = getenv("HASHSWEEP_PLANE_BUDGET");
  if (budget && *budget) {
    char *end;
    unsigned long long b = strtoull(budget, &end, 10);
    if (*end == '\0' && b > 0)
      c->plane_budget = (size_t)b;
    else
      log_warn("HASHSWEEP_PLANE_BUDGET=%s is not a number of bytes: ignored", budget);
  }
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
  if (p.use_device)
    log_info("scan pipeline: %llu video frame planes hashed in device batches; %llu waits for "
             "plane budget; at most %zu bytes of planes held (budget %zu)",
             (unsigned long long)p.vplanes_batched, (unsigned long long)p.budget_waits,
             p.peak_plane_bytes, cfg->plane_budget);
  for (size_t i = 0; i < cfg->window; i++) {
    scan_item *it = &p.slots[i];
    while (it->vplanes) { /* a stopped run's */
      frame_plane *fp = it->vplanes;
      it->vplanes = fp->next;
      frame_plane_free(fp);
    }
    free(it->plane.data);
    free(it->frames);
    free(it->cframes);
  }
  while (p.spare) {
    frame_plane *fp = p.spare;
    p.spare = fp->next;
    frame_plane_free(fp);
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
