/* scan/hash_paths.c - hs_hash_paths: many files through the scan pipeline
 * (parallel decode, PDQ on the CPU workers or the device), results in input
 * order; what `hashsweep hash` runs. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "core/options.h"
#include "device/engine_internal.h"
#include "device/placement.h"
#include "hashsweep/scan.h"
#include "scan/pipeline.h"

typedef struct hash_run {
  const char *const *paths;
  size_t n, next;
  hs_hash_result_fn fn;
  hs_video_result_fn video_fn;
  void *user;
  hs_video_frame *frames; /* a video's frames in the public form */
  size_t frames_cap;
} hash_run;

static int produce(void *ctx, scan_item *item) {
  hash_run *r = ctx;
  if (r->next == r->n)
    return 0;
  const char *p = r->paths[r->next++];
  if (strlen(p) >= sizeof item->path) {
    snprintf(item->path, sizeof item->path, "%.200s...", p);
    item->kind = ITEM_READY;
    item->status = HS_ERR_LIMIT;
    snprintf(item->error, sizeof item->error, "path longer than %zu bytes", sizeof item->path - 1);
    return 1;
  }
  snprintf(item->path, sizeof item->path, "%s", p);
  item->kind = ITEM_DECODE;
  return 1;
}

/* A video's result, its frames as hs_video_frame (timestamps back to the
 * float vPDQ computes them in: the double holds that float exactly). */
static hs_status deliver_video(hash_run *r, const scan_item *it) {
  if (it->nframes > r->frames_cap) {
    hs_video_frame *f = realloc(r->frames, it->nframes * sizeof *f);
    if (!f)
      return error_set(HS_ERR_NOMEM, "out of memory for %zu frame hashes", it->nframes);
    r->frames = f;
    r->frames_cap = it->nframes;
  }
  for (size_t i = 0; i < it->nframes; i++)
    r->frames[i] = (hs_video_frame){.frame = it->frames[i].frame,
                                    .timestamp = (float)it->frames[i].timestamp,
                                    .pdq = it->frames[i].pdq};
  int ok = it->status == HS_OK;
  r->video_fn(r->user, it->path, it->status, ok ? NULL : it->error, &it->video, r->frames,
              ok ? it->nframes : 0);
  return HS_OK;
}

static hs_status consume(void *ctx, scan_item *const *items, size_t n) {
  hash_run *r = ctx;
  for (size_t i = 0; i < n; i++) {
    const scan_item *it = items[i];
    if (it->is_video && r->video_fn) {
      HS_TRY(deliver_video(r, it));
      continue;
    }
    r->fn(r->user, it->path, it->status, it->status == HS_OK ? NULL : it->error,
          it->status == HS_OK ? &it->pdq : NULL, &it->info);
  }
  return HS_OK;
}

void hs_hash_paths_options_init(hs_hash_paths_options *dst, size_t size) {
  hs_hash_paths_options o;
  memset(&o, 0, sizeof o);
  hs_decode_options_default(&o.decode);
  hs_video_options_default(&o.video);
  options_init(dst, size, &o, sizeof o);
}

static hs_status hash_paths_in(const char *const *paths, size_t n,
                               const hs_hash_paths_options *o, hs_hash_result_fn fn, void *user) {
  HS_CHECK(o && fn && (paths || n == 0), HS_ERR_INVALID_ARG, "hs_hash_paths: NULL argument");
  HS_TRY(hs_init(NULL));
  hs_engine *engine = NULL, *owned = NULL;
  if (o->engine) {
    HS_TRY(placement_engine(o->engine, STAGE_HASH, &engine, &owned));
  }
  hash_run r = {.paths = paths, .n = n, .fn = fn, .video_fn = o->video_fn, .user = user};
  pipeline_config cfg;
  pipeline_config_init(&cfg, o->jobs, engine, &o->decode);
  /* The callback has no place for a content-region hash: do not make one. */
  cfg.decode.no_unletterbox = 1;
  cfg.video = o->video;
  cfg.videos = o->video_fn != NULL;
  cfg.commit_items = 1; /* results as soon as they are in order */
  cfg.produce = produce;
  cfg.consume = consume;
  cfg.ctx = &r;
  cfg.cancel = o->cancel;
  hs_status st = pipeline_run(&cfg);
  free(r.frames);
  hs_engine_destroy(owned);
  return st;
}

hs_status hs_hash_paths(const char *const *paths, size_t n, const hs_hash_paths_options *o,
                        hs_hash_result_fn fn, void *user) {
  /* The run's logger is the thread's for the whole call (core/log.h). */
  HS_CHECK(o, HS_ERR_INVALID_ARG, "hs_hash_paths: NULL options");
  hs_hash_paths_options own;
  hs_hash_paths_options_default(&own);
  HS_TRY(options_read(&own, sizeof own, o, "hs_hash_paths_options"));
  const hs_logger *prev = log_enter(run_logger(&own.log, own.engine));
  hs_status st = hash_paths_in(paths, n, &own, fn, user);
  log_leave(prev);
  return st;
}
