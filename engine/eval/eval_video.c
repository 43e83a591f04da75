/* eval/eval_video.c - the audit's video clips: made from the first hashed
 * originals, edited, and hashed through hs_video_hash_file with the run's
 * decode options and the default video options (S = 1), exactly as a scan
 * hashes a video file. One clip per task on the run's worker count; each
 * file is deleted once hashed and the temporary directory at the end. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vips/vips.h>

#include "core/cancel.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "eval/eval_internal.h"
#include "hashsweep/video.h"

/* The picture a clip films is made at most this big (a camera window of
 * CLIP_W x CLIP_H needs no more). */
#define PICTURE_MAX 1600

typedef struct vrun {
  eval_data *d;
  char dir[4096];
  pthread_mutex_t lock;
  size_t next;
  const hs_logger *log;
} vrun;

static hs_status push(hs_pdq **a, size_t *n, size_t *cap, const hs_pdq *h) {
  if (*n == *cap) {
    size_t c = *cap ? 2 * *cap : 16;
    hs_pdq *p = realloc(*a, c * sizeof *p);
    HS_CHECK(p, HS_ERR_NOMEM, "out of memory for frame hashes");
    *a = p, *cap = c;
  }
  (*a)[(*n)++] = *h;
  return HS_OK;
}

/* A sampled frame: its hashes, and its content region's when it has one. */
static hs_status keep_frame(void *user, const hs_video_frame *f) {
  eval_vhashes *h = user;
  HS_TRY(push(&h->frames, &h->nframes, &h->cap_frames, &f->pdq));
  return f->has_content ? push(&h->content, &h->ncontent, &h->cap_content, &f->content) : HS_OK;
}

static hs_status hash_clip(const eval_data *d, const char *path, hs_workspace *ws,
                           eval_vhashes *h) {
  hs_video_options vo;
  hs_video_options_default(&vo);
  hs_video_info info;
  h->nframes = h->ncontent = 0;
  return hs_video_hash_file(path, &d->opt->decode, &vo, ws, keep_frame, h, &info);
}

/* The original picture as RGB24 in memory, fitted into PICTURE_MAX. */
static hs_status load_picture(const char *path, VipsImage **out) {
  VipsImage *t[4] = {NULL, NULL, NULL, NULL};
  int ok = vips_thumbnail(path, &t[0], PICTURE_MAX, "height", PICTURE_MAX, NULL) == 0 &&
           vips_colourspace(t[0], &t[1], VIPS_INTERPRETATION_sRGB, NULL) == 0 &&
           vips_cast_uchar(t[1], &t[2], NULL) == 0 &&
           vips_extract_band(t[2], &t[3], 0, "n", 3, NULL) == 0;
  *out = ok ? vips_image_copy_memory(t[3]) : NULL;
  for (int i = 0; i < 4; i++)
    if (t[i])
      g_object_unref(t[i]);
  if (*out)
    return HS_OK;
  const char *why = vips_error_buffer();
  char line[256];
  snprintf(line, sizeof line, "%s", why && *why ? why : "libvips gave no detail");
  line[strcspn(line, "\n")] = '\0';
  vips_error_clear();
  return error_set(HS_ERR_DECODE, "%s: cannot load the picture for a clip: %s", path, line);
}

static void edit_failed(vrun *r, eval_clip *c, int e, hs_status st) {
  c->copy_status[e] = st;
  pthread_mutex_lock(&r->lock);
  if (!r->d->video.edit_error[e][0])
    snprintf(r->d->video.edit_error[e], sizeof r->d->video.edit_error[e], "%s [%s]: %s",
             c->source, clip_edit_name(e), hs_last_error());
  pthread_mutex_unlock(&r->lock);
}

static void do_clip(vrun *r, size_t i, hs_workspace *ws) {
  eval_data *d = r->d;
  eval_clip *c = &d->video.clips[i];
  char orig[4200], copy[4300];
  snprintf(orig, sizeof orig, "%s/clip%zu.vid", r->dir, i);
  VipsImage *pic = NULL;
  c->status = load_picture(c->source, &pic);
  if (c->status == HS_OK) {
    c->status = clip_make(orig, VIPS_IMAGE_ADDR(pic, 0, 0), vips_image_get_width(pic),
                          vips_image_get_height(pic), (size_t)VIPS_IMAGE_SIZEOF_LINE(pic),
                          d->video.frames);
    g_object_unref(pic);
  }
  if (c->status == HS_OK)
    c->status = hash_clip(d, orig, ws, &c->orig);
  if (c->status != HS_OK) {
    snprintf(c->error, sizeof c->error, "%s (clip): %s", c->source, hs_last_error());
    unlink(orig);
    return;
  }
  for (int e = 0; e < CLIP_NEDITS && !cancel_triggered(d->opt->cancel); e++) {
    const char *path = orig; /* the identity control: the same file again */
    if (e != CLIP_IDENTITY) {
      snprintf(copy, sizeof copy, "%s/clip%zu-%s.vid", r->dir, i, clip_edit_name(e));
      path = copy;
      hs_status st = clip_edit(orig, copy, e, d->video.frames);
      if (st != HS_OK) {
        unlink(copy);
        edit_failed(r, c, e, st);
        continue;
      }
    }
    hs_status st = hash_clip(d, path, ws, &c->copy[e]);
    if (e != CLIP_IDENTITY)
      unlink(copy);
    if (st != HS_OK)
      edit_failed(r, c, e, st);
    else
      c->copy_status[e] = HS_OK;
  }
  unlink(orig);
}

static void *worker(void *arg) {
  vrun *r = arg;
  const hs_logger *prev = log_enter(r->log);
  hs_workspace *ws = hs_workspace_create();
  for (;;) {
    pthread_mutex_lock(&r->lock);
    size_t t = r->next < r->d->video.nclips && !cancel_triggered(r->d->opt->cancel) ? r->next++
                                                                                    : SIZE_MAX;
    pthread_mutex_unlock(&r->lock);
    if (t == SIZE_MAX)
      break;
    eval_clip *c = &r->d->video.clips[t];
    if (ws) {
      do_clip(r, t, ws);
    } else {
      c->status = HS_ERR_NOMEM;
      snprintf(c->error, sizeof c->error, "%s (clip): out of memory for a workspace", c->source);
    }
  }
  hs_workspace_destroy(ws);
  log_leave(prev);
  return NULL;
}

/* Runs the clips on `jobs` threads (0: all cores), or here when none starts. */
static void run_workers(vrun *r, int jobs) {
  if (jobs <= 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    jobs = n > 0 ? (int)n : 1;
  }
  if ((size_t)jobs > r->d->video.nclips)
    jobs = (int)r->d->video.nclips;
  pthread_t tid[64];
  if (jobs > 64)
    jobs = 64;
  int started = 0;
  for (; started < jobs; started++)
    if (pthread_create(&tid[started], NULL, worker, r) != 0)
      break;
  if (started == 0)
    worker(r);
  for (int i = 0; i < started; i++)
    pthread_join(tid[i], NULL);
}

/* The clips' sources: the first hashed originals, in path order. */
static hs_status pick_sources(eval_data *d) {
  eval_video *v = &d->video;
  size_t want = d->opt->video_clips;
  v->clips = calloc(want, sizeof *v->clips);
  HS_CHECK(v->clips, HS_ERR_NOMEM, "out of memory for %zu clips", want);
  for (size_t i = 0; i < d->norig && v->nclips < want; i++) {
    if (d->orig[i].status != HS_OK)
      continue;
    eval_clip *c = &v->clips[v->nclips++];
    c->source = d->orig[i].path;
    c->status = HS_ERR_INTERNAL; /* not made yet */
    for (int e = 0; e < CLIP_NEDITS; e++)
      c->copy_status[e] = HS_ERR_INTERNAL;
  }
  return HS_OK;
}

hs_status eval_video_run(eval_data *d) {
  eval_video *v = &d->video;
  const hs_eval_options *o = d->opt;
  v->enabled = o->video_clips > 0;
  if (!v->enabled)
    return HS_OK;
  v->frames = (int)(o->video_seconds * CLIP_FPS);
  if (clip_encoder(v->encoder, sizeof v->encoder) != HS_OK) {
    snprintf(v->skipped, sizeof v->skipped, "%s", hs_last_error());
    log_warn("eval: video edits skipped: %s", v->skipped);
    return HS_OK;
  }
  HS_TRY(pick_sources(d));
  if (v->nclips == 0) {
    snprintf(v->skipped, sizeof v->skipped, "no original was hashed to make a clip from");
    return HS_OK;
  }
  vrun r = {.d = d, .log = log_current()};
  const char *tmp = getenv("TMPDIR");
  snprintf(r.dir, sizeof r.dir, "%s/hashsweep-eval-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(r.dir)) {
    snprintf(v->skipped, sizeof v->skipped, "%.200s: cannot create a temporary directory: %s",
             r.dir, strerror(errno));
    log_warn("eval: video edits skipped: %s", v->skipped);
    return HS_OK;
  }
  log_info("eval: %zu video clips x %d edits (%d frames each, encoder %s) in %s", v->nclips,
           CLIP_NEDITS, v->frames, v->encoder, r.dir);
  pthread_mutex_init(&r.lock, NULL);
  double t0 = clock_now_s();
  run_workers(&r, o->jobs);
  v->elapsed = clock_now_s() - t0;
  pthread_mutex_destroy(&r.lock);
  if (rmdir(r.dir) != 0)
    log_warn("eval: cannot remove %s: %s", r.dir, strerror(errno));
  return cancel_triggered(o->cancel) ? cancel_status() : HS_OK;
}

static void vhashes_free(eval_vhashes *h) {
  free(h->frames);
  free(h->content);
}

void eval_video_free(eval_video *v) {
  for (size_t i = 0; i < v->nclips; i++) {
    vhashes_free(&v->clips[i].orig);
    for (int e = 0; e < CLIP_NEDITS; e++)
      vhashes_free(&v->clips[i].copy[e]);
  }
  free(v->clips);
  memset(v, 0, sizeof *v);
}

size_t eval_video_failed_clips(const eval_video *v) {
  size_t n = v->enabled && v->skipped[0]; /* none could be made */
  for (size_t i = 0; i < v->nclips; i++)
    n += v->clips[i].status != HS_OK;
  return n;
}

size_t eval_video_failed_copies(const eval_video *v) {
  size_t n = 0;
  for (size_t i = 0; i < v->nclips; i++)
    for (int e = 0; e < CLIP_NEDITS && v->clips[i].status == HS_OK; e++)
      n += v->clips[i].copy_status[e] != HS_OK;
  return n;
}
