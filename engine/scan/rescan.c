/* scan/rescan.c - hs_rescan_run: the stored hashes of a whole archive
 * against the index (or the entries added since a version), no decoding.
 * The spike-response path: thousands of new hashes, every stored file. */
#include <stdlib.h>
#include <string.h>

#include "core/cancel.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/options.h"
#include "core/runlock.h"
#include "device/engine_internal.h"
#include "device/placement.h"
#include "scan/runrecord.h"
#include "scan/scan_match.h"
#include "scan/sink.h"
#include "scan/store.h"

/* Files per matching batch: 8 queries each against the haystack. */
#define RESCAN_BATCH 8192
/* ... or fewer when their videos hold this many frames between them. */
#define RESCAN_BATCH_FRAMES 65536

void hs_rescan_options_init(hs_rescan_options *dst, size_t size) {
  hs_rescan_options o;
  memset(&o, 0, sizeof o);
  o.format = HS_OUT_JSONL;
  o.radius = HS_PDQ_DEFAULT_RADIUS;
  o.min_quality = HS_PDQ_MIN_QUALITY;
  o.unletterbox = 1;
  o.flood_files = HS_FLOOD_FILES;
  o.flood_per_million = HS_FLOOD_PER_MILLION;
  o.video_query_percent = HS_VIDEO_DEFAULT_QUERY_PERCENT;
  o.video_compared_percent = HS_VIDEO_DEFAULT_COMPARED_PERCENT;
  options_init(dst, size, &o, sizeof o);
}

typedef struct rescan_run {
  const hs_rescan_options *o;
  scan_matcher m;
  sink *out;
  hs_scan_summary sum;
  /* the batch being gathered */
  char **paths;
  hs_pdq *pdq;
  hs_pdq *content;
  uint8_t *has_content;
  uint8_t (*md5)[16];
  uint8_t (*sha)[32];
  hs_query_frame **frames; /* a video's frames (owned), else NULL */
  size_t *nframes;
  size_t *ncontent;        /* its content frames after them (unletterbox) */
  char **notes;            /* a partial video's note (owned), else NULL */
  size_t batch_frames;     /* frames gathered in this batch */
  match_input *in;
  size_t n;
  hs_status status;
  double t0, last_tick;
} rescan_run;

static void free_batch(rescan_run *r) {
  for (size_t i = 0; i < r->n; i++) {
    free(r->paths[i]);
    free(r->frames[i]);
    free(r->notes[i]);
    r->frames[i] = NULL;
    r->notes[i] = NULL;
    r->nframes[i] = r->ncontent[i] = 0;
  }
  r->n = 0;
  r->batch_frames = 0;
}

static hs_status flush_batch(rescan_run *r) {
  for (size_t i = 0; i < r->n; i++) {
    r->in[i] = (match_input){.path = r->paths[i], .pdq = &r->pdq[i],
                             .content = r->has_content[i] ? &r->content[i] : NULL,
                             .md5 = r->md5[i], .sha256 = r->sha[i]};
    if (r->frames[i] || r->nframes[i] == SIZE_MAX) {
      r->in[i].pdq = NULL;
      r->in[i].content = NULL;
      r->in[i].is_video = 1;
      r->in[i].frames = r->frames[i];
      r->in[i].nframes = r->frames[i] ? r->nframes[i] : 0;
      r->in[i].ncontent = r->frames[i] && r->o->unletterbox ? r->ncontent[i] : 0;
      r->in[i].note = r->notes[i];
    }
  }
  hs_status st = matcher_run_batch(&r->m, r->in, r->n, r->out, &r->sum);
  if (st == HS_OK)
    st = sink_flush(r->out, NULL);
  free_batch(r);
  double t = clock_now_s();
  r->sum.elapsed = t - r->t0;
  if (r->o->progress && t - r->last_tick >= 0.5) {
    r->o->progress(r->o->progress_user, &r->sum, 0, 0);
    r->last_tick = t;
  }
  return st;
}

static int visit(void *ctx, const char *path, const store_record *rec) {
  rescan_run *r = ctx;
  if (cancel_triggered(r->o->cancel)) {
    r->status = cancel_status();
    return 1;
  }
  r->sum.seen++;
  if (rec->status != STORE_OK) {
    r->sum.failed++; /* failed when scanned: nothing to match */
    return 0;
  }
  r->sum.unchanged++;
  size_t i = r->n;
  r->paths[i] = strdup(path);
  if (!r->paths[i]) {
    r->status = error_set(HS_ERR_NOMEM, "out of memory");
    return 1;
  }
  memcpy(r->pdq[i].hash, rec->pdq, sizeof rec->pdq);
  r->pdq[i].quality = rec->quality;
  r->has_content[i] = rec->has_content && r->o->unletterbox;
  memcpy(r->content[i].hash, rec->content, sizeof rec->content);
  r->content[i].quality = rec->content_quality;
  memcpy(r->md5[i], rec->md5, 16);
  memcpy(r->sha[i], rec->sha256, 32);
  if (rec->is_video) {
    /* The stored frames: matched as a scan would, nothing decoded. A
     * video without frames is marked by SIZE_MAX. */
    r->nframes[i] = rec->nframes ? rec->nframes : SIZE_MAX;
    if (rec->nframes) {
      size_t all = (size_t)rec->nframes + rec->ncontent;
      r->frames[i] = malloc(all * sizeof **r->frames);
      if (!r->frames[i]) {
        r->n++;
        r->status = error_set(HS_ERR_NOMEM, "out of memory for %zu frame hashes", all);
        return 1;
      }
      r->ncontent[i] = rec->ncontent;
      store_frames_unpack(rec, r->frames[i]);
    }
    if (rec->error[0] && !(r->notes[i] = strdup(rec->error))) {
      r->n++;
      r->status = error_set(HS_ERR_NOMEM, "out of memory");
      return 1;
    }
    r->batch_frames += (size_t)rec->nframes + rec->ncontent;
  }
  r->n++;
  /* A batch of long videos is flushed early: memory stays bounded. */
  if ((r->n == RESCAN_BATCH || r->batch_frames >= RESCAN_BATCH_FRAMES) &&
      (r->status = flush_batch(r)) != HS_OK)
    return 1;
  return 0;
}

/* A rescan that ran to its end is a sweep (every stored file, one store
 * snapshot): recorded in the store, opened again just to append (a scan
 * may hold its run lock). Then the run record in the index's log. */
static void record_run(const hs_rescan_options *o, const hs_scan_summary *sum, hs_status st,
                       int64_t started, const u64map *matches) {
  run_report rep = {.run = "rescan", .index = o->index, .store = o->store, .start = started,
                    .end = clock_wall_s(), .status = st, .sum = sum,
                    .index_version = sum->index_version, .radius = o->radius,
                    .min_quality = o->min_quality, .mode = -1, .list = o->list,
                    .since_version = o->since_version, .sweep = st == HS_OK,
                    .entry_matches = matches};
  if (rep.sweep) {
    store *s = NULL; /* stays NULL when the open fails */
    (void)store_open(o->store, STORE_APPEND, &s);
    run_sweep_record(s, &rep);
    store_close(s);
  }
  run_audit_write(&rep);
}

static hs_status rescan_run_in(const hs_rescan_options *o, hs_scan_summary *summary) {
  HS_CHECK(o && o->index && o->store && o->engine, HS_ERR_INVALID_ARG,
           "rescan: index, store and engine are required");
  rescan_run r = {.o = o, .t0 = clock_now_s()};
  int64_t started = clock_wall_s();
  u64map matches;
  u64map_init(&matches);
  r.paths = calloc(RESCAN_BATCH, sizeof *r.paths);
  r.pdq = calloc(RESCAN_BATCH, sizeof *r.pdq);
  r.content = calloc(RESCAN_BATCH, sizeof *r.content);
  r.has_content = calloc(RESCAN_BATCH, sizeof *r.has_content);
  r.md5 = calloc(RESCAN_BATCH, sizeof *r.md5);
  r.sha = calloc(RESCAN_BATCH, sizeof *r.sha);
  r.in = calloc(RESCAN_BATCH, sizeof *r.in);
  r.frames = calloc(RESCAN_BATCH, sizeof *r.frames);
  r.nframes = calloc(RESCAN_BATCH, sizeof *r.nframes);
  r.ncontent = calloc(RESCAN_BATCH, sizeof *r.ncontent);
  r.notes = calloc(RESCAN_BATCH, sizeof *r.notes);
  hs_status st = r.paths && r.pdq && r.content && r.has_content && r.md5 && r.sha && r.in &&
                         r.frames && r.nframes && r.ncontent && r.notes
                     ? HS_OK
                     : error_set(HS_ERR_NOMEM, "out of memory");
  store *s = NULL;
  hs_engine *match_engine = NULL, *match_owned = NULL;
  if (st == HS_OK)
    st = placement_engine(o->engine, STAGE_MATCH, &match_engine, &match_owned);
  /* The store is read from one snapshot (a scan may write it meanwhile);
   * the output is this run's alone. */
  run_lock *out_lock = NULL;
  if (st == HS_OK && o->out)
    st = run_lock_output(o->out, &out_lock);
  if (st == HS_OK)
    st = store_open(o->store, 1, &s);
  if (st == HS_OK)
    st = matcher_open(&r.m, o->index, match_engine, o->list, o->since_version, o->radius,
                      o->min_quality, o->video_query_percent, o->video_compared_percent, 0,
                      o->cancel);
  if (st == HS_OK)
    r.m.entry_matches = &matches;
  if (st == HS_OK)
    st = sink_open_run(o->out, o->format, 0, o->record, o->record_user, &r.out);
  int started_run = st == HS_OK; /* got past the set-up: a run to record */
  if (st == HS_OK)
    matcher_set_flood(&r.m, o->flood_files, o->flood_per_million);
  if (st == HS_OK) {
    r.sum.index_version = r.m.version;
    st = store_iterate(s, visit, &r, NULL);
    if (st == HS_OK)
      st = r.status;
    if (st == HS_OK && r.n > 0)
      st = flush_batch(&r);
    if (st == HS_OK && r.sum.seen == 0)
      st = sink_flush(r.out, NULL); /* CSV header of an empty store */
    if (st == HS_OK)
      st = matcher_finish_flood(&r.m, o->index, r.sum.seen, o->command, r.out,
                                &r.sum.quarantined);
  }
  if (r.frames && r.notes && r.nframes && r.ncontent && r.paths)
    free_batch(&r);
  r.sum.elapsed = clock_now_s() - r.t0;
  r.sum.index_version = r.m.version;
  if (o->progress)
    o->progress(o->progress_user, &r.sum, 0, 1);
  if (summary)
    *summary = r.sum;
  sink_close(r.out);
  run_lock_release(out_lock);
  matcher_close(&r.m); /* also after a failed or never-made open: all NULL */
  store_close(s);
  /* A run refused in its set-up leaves the index untouched. */
  if (started_run)
    record_run(o, &r.sum, st, started, &matches);
  u64map_free(&matches);
  hs_engine_destroy(match_owned);
  free(r.paths), free(r.pdq), free(r.content), free(r.has_content);
  free(r.md5), free(r.sha), free(r.in);
  free(r.frames), free(r.nframes), free(r.ncontent), free(r.notes);
  return st;
}

/* The run's logger is the thread's for the whole call (core/log.h). */
hs_status hs_rescan_run(const hs_rescan_options *o, hs_scan_summary *summary) {
  if (summary) /* filled on every return, however early */
    memset(summary, 0, sizeof *summary);
  HS_CHECK(o, HS_ERR_INVALID_ARG, "hs_rescan_run: NULL options");
  hs_rescan_options own;
  hs_rescan_options_default(&own);
  HS_TRY(options_read(&own, sizeof own, o, "hs_rescan_options"));
  const hs_logger *prev = log_enter(run_logger(&own.log, own.engine));
  hs_status st = rescan_run_in(&own, summary);
  log_leave(prev);
  return st;
}
