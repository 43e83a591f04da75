/* scan/scan.c - hs_scan_run: sources -> pipeline -> matching -> output and
 * store, with resume (see store.h for the journal). */
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cancel.h"
#include "core/clock.h"
#include "hashsweep/video.h"
#include "core/error.h"
#include "core/log.h"
#include "core/options.h"
#include "core/runlock.h"
#include "device/engine_internal.h"
#include "device/placement.h"
#include "scan/ownfiles.h"
#include "scan/pipeline.h"
#include "scan/runrecord.h"
#include "scan/scan_match.h"
#include "scan/sink.h"
#include "scan/sources.h"
#include "scan/store.h"

enum { ITEM_UNCHANGED = 1 };

/* The store's record of how a file was hashed (store_record.pipeline):
 * the mode, EXIF rotation, and whether borders were looked for. */
#define CODE_UNLETTERBOX (1u << 5)
static uint8_t pipeline_code(const hs_decode_options *d) {
  return (uint8_t)((unsigned)d->mode | (d->exif_rotate ? 1u : 0u) << 4 |
                   (d->no_unletterbox ? 0u : CODE_UNLETTERBOX));
}

/* A stored record answers for a scan with the same mode and rotation that
 * does not look for borders, or that does when the record's scan did too
 * (a record made without looking has no content hash to match: that file
 * is hashed once more, by the first scan with unletterbox on). */
static int stored_hashes_fit(uint8_t stored, const hs_decode_options *d) {
  uint8_t want = pipeline_code(d);
  if ((stored & ~CODE_UNLETTERBOX) != (want & ~CODE_UNLETTERBOX))
    return 0;
  return !(want & CODE_UNLETTERBOX) || (stored & CODE_UNLETTERBOX);
}

static void counts_save(const hs_scan_summary *s, uint64_t c[7]);
static void counts_load(hs_scan_summary *s, const uint64_t c[7]);

void hs_scan_options_init(hs_scan_options *dst, size_t size) {
  hs_scan_options o;
  memset(&o, 0, sizeof o);
  o.format = HS_OUT_JSONL;
  hs_decode_options_default(&o.decode);
  o.radius = HS_PDQ_DEFAULT_RADIUS;
  o.min_quality = HS_PDQ_MIN_QUALITY;
  o.index_refresh_s = 30;
  o.flood_files = HS_FLOOD_FILES;
  o.flood_per_million = HS_FLOOD_PER_MILLION;
  hs_video_options_default(&o.video);
  o.video_query_percent = HS_VIDEO_DEFAULT_QUERY_PERCENT;
  o.video_compared_percent = HS_VIDEO_DEFAULT_COMPARED_PERCENT;
  options_init(dst, size, &o, sizeof o);
}

unsigned hs_shard_of(const char *path, unsigned count) {
  if (count <= 1)
    return 0;
  /* FNV-1a over the path bytes: stable across machines and builds. */
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const unsigned char *p = (const unsigned char *)path; *p; p++)
    h = (h ^ *p) * 0x100000001b3ULL;
  return (unsigned)(h % count);
}

typedef struct scan_run {
  const hs_scan_options *o;
  sources *src;
  store *st;
  store_job job;
  char job_name[PATH_MAX + 8];
  sink *out;
  scan_matcher m;
  hs_scan_summary sum;
  double t0;
  int resumed_job;   /* this run continues an interrupted job */
  uint64_t owned;    /* store records this job wrote (distinct paths) */
  u64map matches;    /* entry id -> match records (for a sweep) */
} scan_run;

/* What must be equal for a rerun to continue an interrupted job. */
static void fingerprint(const hs_scan_options *o, uint8_t out[32]) {
  EVP_MD_CTX *c = EVP_MD_CTX_new();
  EVP_DigestInit_ex(c, EVP_sha256(), NULL);
  char buf[PATH_MAX + 256];
  const char *idx = realpath(o->index, buf) ? buf : o->index;
  EVP_DigestUpdate(c, idx, strlen(idx) + 1);
  for (size_t i = 0; i < o->nsources; i++)
    EVP_DigestUpdate(c, o->sources[i], strlen(o->sources[i]) + 1);
  snprintf(buf, sizeof buf, "mode=%d exif=%d r=%d q=%d fmt=%d shard=%u/%u px=%llu fb=%llu%s",
           (int)o->decode.mode, o->decode.exif_rotate, o->radius, o->min_quality, (int)o->format,
           o->shard_index, o->shard_count, (unsigned long long)o->decode.max_pixels,
           (unsigned long long)o->decode.max_file_bytes,
           !o->decode.no_unletterbox ? "" : " no-unletterbox");
  EVP_DigestUpdate(c, buf, strlen(buf));
  /* Videos: what changes their frames or their records. */
  const hs_video_options *v = &o->video;
  snprintf(buf, sizeof buf, " video s=%.17g dur=%.17g frames=%llu px=%llu t=%.17g q=%.17g c=%.17g",
           v->seconds_per_hash, v->max_duration_s, (unsigned long long)v->max_frames,
           (unsigned long long)v->max_frame_pixels, v->max_decode_s, o->video_query_percent,
           o->video_compared_percent);
  EVP_DigestUpdate(c, buf, strlen(buf));
  unsigned len = 0;
  EVP_DigestFinal_ex(c, out, &len);
  EVP_MD_CTX_free(c);
}

/* The job's name: the output's absolute path (it need not exist yet). */
static void job_name_of(const char *out, char *name, size_t cap) {
  if (!out) {
    snprintf(name, cap, "-");
    return;
  }
  char dir[PATH_MAX], real[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", out);
  char *slash = strrchr(dir, '/');
  const char *base = out;
  if (slash) {
    *slash = '\0';
    base = slash + 1;
    if (!*dir)
      snprintf(dir, sizeof dir, "/");
  } else {
    snprintf(dir, sizeof dir, ".");
  }
  if (realpath(dir, real))
    snprintf(name, cap, "%s%s%s", real, strcmp(real, "/") ? "/" : "", base);
  else
    snprintf(name, cap, "%s", out);
}

/* Decides between resuming and starting afresh; sets r->job and returns
 * the output length to keep. */
static hs_status begin_job(scan_run *r, uint64_t *keep) {
  const hs_scan_options *o = r->o;
  uint8_t fp[32];
  fingerprint(o, fp);
  job_name_of(o->out, r->job_name, sizeof r->job_name);
  *keep = 0;
  if (!r->st)
    return HS_OK;
  int found = 0;
  HS_TRY(store_job_get(r->st, r->job_name, &r->job, &found));
  if (found && r->job.state == JOB_RUNNING && o->out) {
    if (memcmp(r->job.fingerprint, fp, 32) == 0) {
      *keep = r->job.out_offset;
      counts_load(&r->sum, r->job.counts);
      r->resumed_job = 1;
      log_info("resuming job %u into %s at byte %llu", r->job.id, r->job_name,
               (unsigned long long)*keep);
      return HS_OK;
    }
    if (!o->restart)
      return error_set(HS_ERR_EXISTS,
                       "%s belongs to an interrupted scan with other options or sources; rerun "
                       "it with the same ones to resume, or restart it",
                       o->out);
  }
  return store_job_begin(r->st, r->job_name, fp, &r->job);
}

/* ---- producer ----------------------------------------------------------- */

static int produce(void *ctx, scan_item *item) {
  scan_run *r = ctx;
  source_item si;
  for (;;) {
    int n = sources_next(r->src, &si);
    if (n <= 0)
      return n;
    if (r->o->shard_count > 1 && hs_shard_of(si.path, r->o->shard_count) != r->o->shard_index) {
      r->sum.other_shards++;
      continue;
    }
    snprintf(item->path, sizeof item->path, "%s", si.path);
    if (si.is_error) {
      item->kind = ITEM_READY;
      item->status = HS_ERR_IO;
      snprintf(item->error, sizeof item->error, "%s", si.error);
      return 1;
    }
    if (!r->st) {
      item->kind = ITEM_DECODE;
      return 1;
    }
    store_record rec;
    int found = 0;
    hs_query_frame *frames = NULL;
    if (store_lookup_frames(r->st, si.path, &rec, &frames, &found) != HS_OK)
      return -1;
    /* Owned by the slot from here (freed when it is reused). */
    item->frames = frames;
    item->nframes = frames ? rec.nframes : 0;
    item->ncontent = frames ? rec.ncontent : 0;
    if (found && rec.job == r->job.id) {
      r->sum.resumed++; /* reported by the interrupted run of this job */
      free(item->frames);
      item->frames = NULL;
      item->nframes = item->ncontent = 0;
      continue;
    }
    struct stat st;
    if (stat(si.path, &st) != 0) {
      item->kind = ITEM_READY;
      item->status = HS_ERR_IO;
      snprintf(item->error, sizeof item->error, "cannot stat: %s", strerror(errno));
      return 1;
    }
    item->size = (uint64_t)st.st_size;
    item->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    if (found && rec.status == STORE_OK && rec.size == item->size &&
        rec.mtime_ns == item->mtime_ns && stored_hashes_fit(rec.pipeline, &r->o->decode) &&
        (!rec.is_video || rec.seconds_per_hash == r->o->video.seconds_per_hash)) {
      /* Unchanged since it was hashed: match the stored hashes (a
       * video's frames: nothing is decoded). */
      item->kind = ITEM_READY;
      item->is_video = rec.is_video;
      if (rec.is_video && rec.error[0]) {
        item->video.partial = 1;
        snprintf(item->video.note, sizeof item->video.note, "%.255s", rec.error);
      }
      item->flags = ITEM_UNCHANGED;
      item->status = HS_OK;
      item->pdq.quality = rec.quality;
      memcpy(item->pdq.hash, rec.pdq, sizeof rec.pdq);
      item->has_content = rec.has_content && !r->o->decode.no_unletterbox;
      if (r->o->decode.no_unletterbox)
        item->ncontent = 0; /* a video's content frames stay unused */
      item->content.quality = rec.content_quality;
      memcpy(item->content.hash, rec.content, sizeof rec.content);
      memcpy(item->info.md5, rec.md5, 16);
      memcpy(item->info.sha256, rec.sha256, 32);
      item->info.width = rec.width;
      item->info.height = rec.height;
      return 1;
    }
    free(item->frames); /* stored frames of a file hashed again */
    item->frames = NULL;
    item->nframes = item->ncontent = 0;
    item->kind = ITEM_DECODE;
    return 1;
  }
}

/* ---- consumer ----------------------------------------------------------- */

static void counts_save(const hs_scan_summary *s, uint64_t c[7]) {
  c[0] = s->seen, c[1] = s->hashed, c[2] = s->unchanged, c[3] = s->matched;
  c[4] = s->matches, c[5] = s->failed, c[6] = s->low_quality;
}

static void counts_load(hs_scan_summary *s, const uint64_t c[7]) {
  s->seen = c[0], s->hashed = c[1], s->unchanged = c[2], s->matched = c[3];
  s->matches = c[4], s->failed = c[5], s->low_quality = c[6];
}

static void to_record(const scan_item *it, uint32_t job, uint8_t pipeline, double sph,
                      store_record *rec) {
  memset(rec, 0, sizeof *rec);
  rec->job = job;
  rec->pipeline = pipeline;
  rec->size = it->size;
  rec->mtime_ns = it->mtime_ns;
  if (it->info.mtime_ns != 0) {
    /* The file was read: record the state of the bytes hashed, not the
     * listing's (it may have changed in between), so a later scan skips
     * it exactly when it still holds those bytes. */
    rec->size = it->info.file_bytes;
    rec->mtime_ns = it->info.mtime_ns;
  }
  if (it->status != HS_OK) {
    rec->status = STORE_ERROR;
    snprintf(rec->error, sizeof rec->error, "%s", it->error);
    return;
  }
  rec->status = STORE_OK;
  if (it->is_video) {
    rec->is_video = 1;
    rec->seconds_per_hash = sph;
    rec->frames = it->frames;
    rec->nframes = (uint32_t)it->nframes;
    rec->ncontent = (uint32_t)it->ncontent;
    rec->width = it->info.width;
    rec->height = it->info.height;
    memcpy(rec->md5, it->info.md5, 16);
    memcpy(rec->sha256, it->info.sha256, 32);
    if (it->video.partial)
      snprintf(rec->error, sizeof rec->error, "%s", it->video.note);
    return;
  }
  rec->quality = (uint8_t)it->pdq.quality;
  rec->width = it->info.width;
  rec->height = it->info.height;
  memcpy(rec->md5, it->info.md5, 16);
  memcpy(rec->sha256, it->info.sha256, 32);
  memcpy(rec->pdq, it->pdq.hash, sizeof rec->pdq);
  if (it->has_content) {
    rec->has_content = 1;
    rec->content_quality = (uint8_t)it->content.quality;
    memcpy(rec->content, it->content.hash, sizeof rec->content);
  }
}

static hs_status consume(void *ctx, scan_item *const *items, size_t n) {
  scan_run *r = ctx;
  HS_TRY(matcher_refresh_if_due(&r->m));
  match_input *in = calloc(n, sizeof *in);
  if (!in)
    return error_set(HS_ERR_NOMEM, "out of memory");
  size_t k = 0;
  hs_scan_summary before = r->sum; /* what the output already holds */
  hs_status st = r->st ? store_batch_begin(r->st) : HS_OK;
  for (size_t i = 0; i < n && st == HS_OK; i++) {
    scan_item *it = items[i];
    if (r->st) {
      /* The same path listed twice in one job is reported once. */
      store_record old;
      int found = 0;
      st = store_batch_lookup(r->st, it->path, &old, &found);
      if (st != HS_OK || (found && old.job == r->job.id))
        continue;
      store_record rec;
      to_record(it, r->job.id, pipeline_code(&r->o->decode), r->o->video.seconds_per_hash, &rec);
      st = store_batch_put(r->st, it->path, &rec);
      if (st == HS_OK)
        r->owned++;
    }
    match_input *x = &in[k++];
    x->path = it->path;
    r->sum.seen++;
    if (it->status != HS_OK) {
      x->error = it->error;
      /* A file that was read but did not decode still has its digests:
       * exact entries match it (scan_match.c). MD5 is never all zero. */
      static const uint8_t zero[16];
      if (memcmp(it->info.md5, zero, sizeof zero) != 0) {
        x->md5 = it->info.md5;
        x->sha256 = it->info.sha256;
      }
    } else {
      if (it->is_video) {
        x->is_video = 1;
        x->frames = it->frames;
        x->nframes = it->nframes;
        x->ncontent = it->ncontent;
        x->note = it->video.partial ? it->video.note : NULL;
      } else {
        x->pdq = &it->pdq;
        x->content = it->has_content ? &it->content : NULL;
      }
      x->md5 = it->info.md5;
      x->sha256 = it->info.sha256;
      if (it->flags & ITEM_UNCHANGED)
        r->sum.unchanged++;
      else
        r->sum.hashed++;
    }
  }
  if (st == HS_OK)
    st = matcher_run_batch(&r->m, in, k, r->out, &r->sum);
  free(in);
  uint64_t offset = 0;
  if (st == HS_OK)
    st = sink_flush(r->out, &offset);
  if (st != HS_OK)
    r->sum = before; /* the summary claims no record that was not written */
  if (st == HS_OK && r->st) {
    r->job.out_offset = offset;
    counts_save(&r->sum, r->job.counts);
    st = store_batch_commit(r->st, r->o->out ? r->job_name : NULL, &r->job);
  } else if (r->st) {
    store_batch_abort(r->st);
  }
  r->sum.index_version = r->m.version;
  return st;
}

static void tick(void *ctx, int done) {
  scan_run *r = ctx;
  r->sum.elapsed = clock_now_s() - r->t0;
  if (r->o->progress)
    r->o->progress(r->o->progress_user, &r->sum, 0, done);
}

/* ---- the run ------------------------------------------------------------ */

static hs_status scan_run_in(const hs_scan_options *o, hs_scan_summary *summary) {
  HS_CHECK(o && o->index && o->engine && (o->sources || o->nsources == 0), HS_ERR_INVALID_ARG,
           "hs_scan_run: index, engine and sources are required");
  HS_CHECK(o->nsources > 0, HS_ERR_INVALID_ARG, "scan: no SOURCE given");
  HS_CHECK(o->shard_count <= 1 || o->shard_index < o->shard_count, HS_ERR_INVALID_ARG,
           "scan: shard %u/%u out of range", o->shard_index, o->shard_count);
  HS_TRY(hs_init(NULL));
  /* Before anything is opened: an --out that is an input is never cut. */
  HS_TRY(ownfiles_check_out(o->out, o->sources, o->nsources));
  scan_run r = {.o = o, .t0 = clock_now_s()};
  int64_t started = clock_wall_s();
  int started_run = 0; /* got past the set-up: a run to record */
  hs_engine *match_engine = NULL, *match_owned = NULL, *hash_engine = NULL, *hash_owned = NULL;
  hs_status st = placement_engine(o->engine, STAGE_MATCH, &match_engine, &match_owned);
  if (st == HS_OK)
    st = placement_engine(o->engine, STAGE_HASH, &hash_engine, &hash_owned);
  if (st == HS_OK)
    st = matcher_open(&r.m, o->index, match_engine, NULL, 0, o->radius, o->min_quality,
                      o->video_query_percent, o->video_compared_percent, o->index_refresh_s,
                      o->cancel);
  if (st != HS_OK) {
    hs_engine_destroy(match_owned);
    hs_engine_destroy(hash_owned);
    return st;
  }
  matcher_set_flood(&r.m, o->flood_files, o->flood_per_million);
  /* Every file is matched against at least this version (a refresh
   * only adds entries for the files after it): a sweep's version. */
  uint64_t first_version = r.m.version;
  u64map_init(&r.matches);
  if (o->store)
    r.m.entry_matches = &r.matches;
  uint64_t keep = 0;
  /* One run at a time per output and per store (the store's lock is taken
   * by store_open), held before the job is read or the output cut. */
  run_lock *out_lock = NULL;
  if (o->out)
    st = run_lock_output(o->out, &out_lock);
  if (st == HS_OK && o->store)
    st = store_open(o->store, 0, &r.st);
  /* A cancel that came while the index loaded or the store opened stops
   * here, before the job and its output are touched. */
  if (st == HS_OK && cancel_triggered(o->cancel))
    st = cancel_status();
  if (st == HS_OK)
    st = begin_job(&r, &keep);
  if (st == HS_OK)
    st = sink_open_run(o->out, o->format, keep, o->record, o->record_user, &r.out);
  if (st == HS_OK)
    st = sources_open(o->sources, o->nsources, &r.src);
  if (st == HS_OK)
    st = ownfiles_skip(r.src, o->out, o->store, o->index);
  if (st == HS_OK) {
    pipeline_config cfg;
    pipeline_config_init(&cfg, o->jobs, hash_engine, &o->decode);
    cfg.video = o->video;
    cfg.videos = 1;
    /* Each commit is an fsync and an LMDB commit (a few ms); a killed scan
     * loses at most this much work. */
    cfg.commit_items = 64;
    cfg.commit_seconds = 1.0;
    cfg.produce = produce;
    cfg.consume = consume;
    cfg.tick = tick;
    cfg.ctx = &r;
    cfg.cancel = o->cancel;
    started_run = 1;
    st = pipeline_run(&cfg);
  }
  /* A complete run quarantines what the flood guard held (docs/guard.md). */
  if (st == HS_OK)
    st = matcher_finish_flood(&r.m, o->index, r.sum.seen, o->command, r.out,
                              &r.sum.quarantined);
  if (st == HS_OK && r.st && o->out)
    st = store_job_finish(r.st, r.job_name, &r.job);
  r.sum.elapsed = clock_now_s() - r.t0;
  r.sum.index_version = r.m.version;
  if (summary)
    *summary = r.sum;
  run_report rep = {.run = "scan", .index = o->index, .store = o->store, .start = started,
                    .end = clock_wall_s(), .status = st, .sum = &r.sum,
                    .index_version = first_version, .radius = o->radius,
                    .min_quality = o->min_quality, .sources = o->sources,
                    .nsources = o->nsources, .mode = (int)o->decode.mode,
                    .shard_index = o->shard_index, .shard_count = o->shard_count,
                    .entry_matches = &r.matches};
  if (st == HS_OK && r.st) {
    /* A sweep: every record in the store is this job's (runrecord.h). */
    uint64_t records = 0;
    hs_status cs = store_count(r.st, &records);
    rep.sweep = cs == HS_OK && !r.resumed_job && records == r.owned;
    run_sweep_record(r.st, &rep);
  }
  sources_close(r.src);
  sink_close(r.out);
  store_close(r.st);
  run_lock_release(out_lock);
  matcher_close(&r.m);
  hs_engine_destroy(match_owned);
  hs_engine_destroy(hash_owned);
  /* A run refused in its set-up (a store that is an index, a busy output)
   * leaves the index untouched. */
  if (started_run)
    run_audit_write(&rep);
  u64map_free(&r.matches);
  return st;
}

/* The run's logger is the thread's for the whole call (core/log.h). */
hs_status hs_scan_run(const hs_scan_options *o, hs_scan_summary *summary) {
  if (summary) /* filled on every return, however early */
    memset(summary, 0, sizeof *summary);
  HS_CHECK(o, HS_ERR_INVALID_ARG, "hs_scan_run: NULL options");
  hs_scan_options own;
  hs_scan_options_default(&own);
  HS_TRY(options_read(&own, sizeof own, o, "hs_scan_options"));
  const hs_logger *prev = log_enter(run_logger(&own.log, own.engine));
  hs_status st = scan_run_in(&own, summary);
  log_leave(prev);
  return st;
}
