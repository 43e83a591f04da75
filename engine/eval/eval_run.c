/* eval/eval_run.c - the audit: lists the images, hashes them and their
 * edited copies on worker threads through the scan's decode and hash path,
 * then computes the figures and writes the report.
 *
 * Work is one image per task (an original with all its copies, or a
 * distractor). A copy lives only in memory: edit (libvips), encode, then
 * hs_decode_buffer + hs_grid_for_mode + hs_engine_pdq, exactly as a scan
 * treats a file's bytes. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cancel.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/options.h"
#include "device/engine_internal.h"
#include "device/placement.h"
#include "eval/eval_internal.h"
#include "scan/sources.h"

typedef struct run_ctx {
  eval_data *d;
  pthread_mutex_t lock;
  size_t next, done, total;
  const hs_logger *log; /* the run's; workers are joined before it ends */
} run_ctx;

void hs_eval_options_init(hs_eval_options *dst, size_t size) {
  hs_eval_options o;
  memset(&o, 0, sizeof o);
  hs_decode_options_default(&o.decode);
  o.decode.want_digests = 0;
  o.min_quality = HS_PDQ_MIN_QUALITY;
  o.variants = HS_VARIANTS_CROPS | HS_VARIANTS_ROTATIONS;
  o.video_clips = 2;
  o.video_seconds = 8;
  options_init(dst, size, &o, sizeof o);
}

size_t hs_eval_edit_count(void) { return edit_default_count(); }
const char *hs_eval_edit_name(size_t i) { return edit_default_name(i); }

hs_status hs_eval_edit_describe(const char *name, char *out, size_t cap) {
  edit e;
  HS_CHECK(out && cap, HS_ERR_INVALID_ARG, "hs_eval_edit_describe: no output");
  HS_TRY(edit_parse(name, &e));
  edit_describe(&e, out, cap);
  return HS_OK;
}

/* ---- listing ------------------------------------------------------------- */

static hs_status list_dir(eval_data *d, const char *dir, size_t limit, eval_image **out,
                          size_t *n) {
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    return error_set(HS_ERR_INVALID_ARG, "%s: not a directory", dir);
  sources *src = NULL;
  HS_TRY(sources_open(&dir, 1, &src));
  source_item item;
  size_t cap = 0;
  int rc;
  hs_status status = HS_OK;
  while ((limit == 0 || *n < limit) && (rc = sources_next(src, &item)) != 0) {
    if (rc < 0) {
      status = HS_ERR_IO;
      break;
    }
    if (item.is_error) {
      char **grown = realloc(d->source_errors, sizeof(char *) * (d->nsource_errors + 1));
      if (!grown || !(grown[d->nsource_errors] = malloc(strlen(item.path) + 300))) {
        d->source_errors = grown ? grown : d->source_errors;
        status = error_set(HS_ERR_NOMEM, "out of memory listing %s", dir);
        break;
      }
      d->source_errors = grown;
      sprintf(grown[d->nsource_errors++], "%s: %s", item.path, item.error);
      continue;
    }
    if (*n == cap) {
      cap = cap ? 2 * cap : 64;
      eval_image *grown = realloc(*out, sizeof **out * cap);
      if (!grown) {
        status = error_set(HS_ERR_NOMEM, "out of memory listing %s", dir);
        break;
      }
      *out = grown;
    }
    eval_image *img = &(*out)[*n];
    memset(img, 0, sizeof *img);
    img->path = strdup(item.path);
    img->status = HS_ERR_INTERNAL; /* not hashed yet */
    if (!img->path) {
      status = error_set(HS_ERR_NOMEM, "out of memory listing %s", dir);
      break;
    }
    (*n)++;
  }
  sources_close(src);
  return status;
}

/* ---- hashing ------------------------------------------------------------- */

/* Decoded plane -> the mode's grid -> PDQ on the engine, and (unletterbox
 * on) the content region's PDQ on the CPU, as a scan's worker makes it. */
static hs_status hash_plane(const eval_data *d, const char *name, hs_workspace *ws,
                            const hs_luma *luma, hs_image_info *info, hs_pdq *pdq,
                            hs_pdq *content, int *has_content) {
  hs_luma grid;
  *has_content = 0;
  HS_TRY(hs_grid_for_mode(name, &d->opt->decode, ws, luma, info, &grid));
  hs_status st = hs_engine_pdq(d->pdq_engine, &grid, 1, pdq);
  if (st == HS_OK && !d->opt->decode.no_unletterbox) {
    hs_content_box box;
    st = hs_pdq_unletterbox(&grid, ws, &box, content, has_content);
  }
  return st == HS_OK ? HS_OK : error_prefix(st, "%s: ", name);
}

/* The original's list-side variants, from the grid it was hashed on. */
static hs_status hash_variants(const eval_data *d, eval_image *img, hs_workspace *ws,
                               const hs_luma *luma, hs_image_info *info) {
  size_t n = hs_variant_count(d->opt->variants);
  if (n == 0)
    return HS_OK;
  hs_luma grid;
  HS_TRY(hs_grid_for_mode(img->path, &d->opt->decode, ws, luma, info, &grid));
  img->variants = calloc(n, sizeof *img->variants);
  HS_CHECK(img->variants, HS_ERR_NOMEM, "%s: out of memory for variants", img->path);
  hs_status st = hs_pdq_variants(&grid, d->opt->variants, ws, img->variants);
  if (st != HS_OK)
    return error_prefix(st, "%s: variants: ", img->path);
  img->nvariants = n;
  return HS_OK;
}

static void hash_file(const eval_data *d, eval_image *img, hs_workspace *ws, int original) {
  hs_luma luma;
  hs_image_info info;
  img->status = hs_decode_file(img->path, &d->opt->decode, ws, &luma, &info);
  if (img->status == HS_OK)
    img->status = hash_plane(d, img->path, ws, &luma, &info, &img->pdq, &img->content,
                             &img->has_content);
  if (img->status == HS_OK && original)
    img->status = hash_variants(d, img, ws, &luma, &info);
  if (img->status != HS_OK)
    snprintf(img->error, sizeof img->error, "%s", hs_last_error());
  img->width = info.width;
  img->height = info.height;
}

/* Reads libvips' (process-global) error text into `why`. */
static void vips_why(char *why, size_t cap) {
  const char *text = vips_error_buffer();
  snprintf(why, cap, "%s", text && *text ? text : "libvips gave no detail");
  char *nl = strchr(why, '\n');
  if (nl && nl[1] == '\0')
    *nl = '\0';
  for (char *p = why; *p; p++)
    if (*p == '\n')
      *p = ' ';
  vips_error_clear();
}

static void copy_failed(run_ctx *c, size_t e, eval_copy *cp, hs_status st, const char *why) {
  cp->status = st;
  pthread_mutex_lock(&c->lock);
  if (!c->d->edit_error[e][0]) { /* long paths are cut: the message stays one line */
    char *dst = c->d->edit_error[e];
    size_t n = strlen(why), cap = sizeof c->d->edit_error[e];
    memcpy(dst, why, n < cap ? n : cap - 1);
    dst[n < cap ? n : cap - 1] = '\0';
  }
  pthread_mutex_unlock(&c->lock);
}

/* One copy: edit, encode, decode and hash the bytes, distances. */
static void make_copy(run_ctx *c, size_t i, size_t e, VipsImage *prepared, hs_workspace *ws) {
  eval_data *d = c->d;
  eval_copy *cp = &d->copies[i * d->nedits + e];
  char name[4096 + EDIT_NAME_MAX + 8], why[sizeof name + 320];
  snprintf(name, sizeof name, "%s [%s]", d->orig[i].path, d->edits[e].name);
  VipsImage *edited = NULL;
  void *bytes = NULL;
  size_t size = 0;
  if (edit_apply(&d->edits[e], prepared, (unsigned)(i * 7919 + e), &edited) != 0 ||
      edit_encode(&d->edits[e], edited, &bytes, &size) != 0) {
    char detail[300];
    vips_why(detail, sizeof detail);
    snprintf(why, sizeof why, "%s: %s", name, detail);
    if (edited)
      g_object_unref(edited);
    copy_failed(c, e, cp, HS_ERR_DECODE, why);
    return;
  }
  g_object_unref(edited);
  hs_luma luma;
  hs_image_info info;
  memset(&info, 0, sizeof info);
  hs_pdq pdq, content;
  int has_content = 0;
  hs_status st = hs_decode_buffer(bytes, size, name, &d->opt->decode, ws, &luma, &info);
  if (st == HS_OK)
    st = hash_plane(d, name, ws, &luma, &info, &pdq, &content, &has_content);
  g_free(bytes);
  if (st != HS_OK) {
    copy_failed(c, e, cp, st, hs_last_error());
    return;
  }
  int content_gated = has_content && content.quality >= d->opt->min_quality;
  eval_distances(&d->orig[i], &pdq, content_gated ? &content : NULL, cp->dist);
  cp->quality = (int16_t)pdq.quality;
  cp->stripped = (uint8_t)has_content;
  cp->status = HS_OK;
}

/* The original as the edits see it: the file decoded at full size (no
 * shrink-on-load: an abuser edits the full image), EXIF applied only when
 * the scan would apply it. */
static VipsImage *load_for_edits(const eval_data *d, const char *path) {
  VipsImage *img = vips_image_new_from_file(path, "access", VIPS_ACCESS_RANDOM, NULL);
  if (img && d->opt->decode.exif_rotate) {
    VipsImage *rotated = NULL;
    int rc = vips_autorot(img, &rotated, NULL);
    g_object_unref(img);
    img = rc == 0 ? rotated : NULL;
  }
  VipsImage *prepared = img ? edit_prepare(img) : NULL;
  if (img)
    g_object_unref(img);
  return prepared;
}

static void do_original(run_ctx *c, size_t i, hs_workspace *ws) {
  eval_data *d = c->d;
  hash_file(d, &d->orig[i], ws, 1);
  if (d->orig[i].status != HS_OK)
    return;
  VipsImage *prepared = load_for_edits(d, d->orig[i].path);
  if (!prepared) {
    char detail[300], why[4096 + 340];
    vips_why(detail, sizeof detail);
    snprintf(why, sizeof why, "%s: cannot load for editing: %s", d->orig[i].path, detail);
    for (size_t e = 0; e < d->nedits; e++)
      copy_failed(c, e, &d->copies[i * d->nedits + e], HS_ERR_DECODE, why);
    return;
  }
  for (size_t e = 0; e < d->nedits; e++)
    make_copy(c, i, e, prepared, ws);
  g_object_unref(prepared);
}

static void *worker(void *arg) {
  run_ctx *c = arg;
  const hs_logger *prev = log_enter(c->log);
  hs_workspace *ws = hs_workspace_create();
  for (;;) {
    pthread_mutex_lock(&c->lock);
    size_t t = c->next < c->total && !cancel_triggered(c->d->opt->cancel) ? c->next++ : SIZE_MAX;
    pthread_mutex_unlock(&c->lock);
    if (t == SIZE_MAX)
      break;
    eval_data *d = c->d;
    if (!ws) {
      eval_image *img = t < d->norig ? &d->orig[t] : &d->distr[t - d->norig];
      img->status = HS_ERR_NOMEM;
      snprintf(img->error, sizeof img->error, "%s: out of memory for a workspace", img->path);
    } else if (t < d->norig) {
      do_original(c, t, ws);
    } else {
      hash_file(d, &d->distr[t - d->norig], ws, 0);
    }
    pthread_mutex_lock(&c->lock);
    c->done++;
    if (d->opt->progress)
      d->opt->progress(d->opt->progress_user, c->done, c->total);
    pthread_mutex_unlock(&c->lock);
  }
  hs_workspace_destroy(ws);
  log_leave(prev);
  return NULL;
}

static hs_status run_workers(eval_data *d, int jobs) {
  run_ctx c = {.d = d, .total = d->norig + d->ndistr, .log = log_current()};
  pthread_mutex_init(&c.lock, NULL);
  if (jobs <= 0) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    jobs = n > 0 ? (int)n : 1;
  }
  if ((size_t)jobs > c.total)
    jobs = c.total ? (int)c.total : 1;
  pthread_t *tid = calloc((size_t)jobs, sizeof *tid);
  HS_CHECK(tid, HS_ERR_NOMEM, "out of memory for %d workers", jobs);
  int started = 0;
  for (; started < jobs; started++)
    if (pthread_create(&tid[started], NULL, worker, &c) != 0)
      break;
  if (started == 0)
    worker(&c); /* no thread could start: do the work here */
  for (int i = 0; i < started; i++)
    pthread_join(tid[i], NULL);
  free(tid);
  pthread_mutex_destroy(&c.lock);
  return cancel_triggered(d->opt->cancel) ? cancel_status() : HS_OK;
}

/* ---- the run --------------------------------------------------------------- */

static hs_status parse_edits(eval_data *d) {
  const hs_eval_options *o = d->opt;
  d->nedits = o->edits ? o->nedits : edit_default_count();
  HS_CHECK(d->nedits > 0, HS_ERR_INVALID_ARG, "no edits given");
  d->edits = calloc(d->nedits, sizeof *d->edits);
  d->edit_error = calloc(d->nedits, sizeof *d->edit_error);
  HS_CHECK(d->edits && d->edit_error, HS_ERR_NOMEM, "out of memory for %zu edits", d->nedits);
  for (size_t e = 0; e < d->nedits; e++)
    HS_TRY(edit_parse(o->edits ? o->edits[e] : edit_default_name(e), &d->edits[e]));
  return HS_OK;
}

static void free_images(eval_image *img, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(img[i].path);
    free(img[i].variants);
  }
  free(img);
}

static void eval_data_free(eval_data *d) {
  free_images(d->orig, d->norig);
  free_images(d->distr, d->ndistr);
  for (size_t i = 0; i < d->nsource_errors; i++)
    free(d->source_errors[i]);
  free(d->source_errors);
  free(d->copies);
  free(d->edits);
  free(d->edit_error);
  eval_video_free(&d->video);
}

static hs_status make_dir(const char *dir) {
  if (mkdir(dir, 0777) == 0 || errno == EEXIST)
    return HS_OK;
  return error_set(HS_ERR_IO, "%s: cannot create the report directory: %s", dir, strerror(errno));
}

static hs_status analyse_and_write(eval_data *d, hs_eval_summary *summary) {
  const hs_eval_options *o = d->opt;
  edit_stats *es = calloc(d->nedits, sizeof *es);
  pair_stats *ps = calloc(1, sizeof *ps);
  hs_status st = es && ps ? HS_OK : error_set(HS_ERR_NOMEM, "out of memory for the figures");
  if (st == HS_OK) {
    for (size_t e = 0; e < d->nedits; e++)
      eval_edit_stats(d, e, o->min_quality, &es[e]);
    eval_pair_stats(d, o->min_quality, ps);
    st = eval_report_write(d, es, ps, o->report_dir);
  }
  if (st == HS_OK && summary) {
    eval_summarise(d, es, ps, summary);
    summary->failed_files += eval_video_failed_clips(&d->video);
    summary->failed_copies += eval_video_failed_copies(&d->video);
  }
  free(es);
  free(ps);
  return st;
}

static hs_status run(eval_data *d) {
  const hs_eval_options *o = d->opt;
  HS_TRY(parse_edits(d));
  HS_TRY(list_dir(d, o->originals, o->limit, &d->orig, &d->norig));
  HS_CHECK(d->norig > 0, HS_ERR_NOT_FOUND, "%s: no files", o->originals);
  if (o->distractors)
    HS_TRY(list_dir(d, o->distractors, o->limit, &d->distr, &d->ndistr));
  d->copies = calloc(d->norig * d->nedits, sizeof *d->copies);
  HS_CHECK(d->copies, HS_ERR_NOMEM, "out of memory for %zu copies", d->norig * d->nedits);
  HS_TRY(make_dir(o->report_dir));
  log_info("eval: %zu originals x %zu edits, %zu distractors, PDQ on: %s", d->norig, d->nedits,
           d->ndistr, hs_engine_description(d->pdq_engine));
  double t0 = clock_now_s();
  HS_TRY(run_workers(d, o->jobs));
  d->elapsed = clock_now_s() - t0;
  size_t hashed = 0;
  for (size_t i = 0; i < d->norig; i++)
    hashed += d->orig[i].status == HS_OK;
  HS_CHECK(hashed > 0, HS_ERR_NOT_FOUND, "%s: no original could be hashed (first: %s)",
           o->originals, d->orig[0].error);
  return eval_video_run(d);
}

static hs_status eval_run_in(const hs_eval_options *o, hs_eval_summary *summary) {
  HS_CHECK(o && o->originals && o->report_dir && o->engine, HS_ERR_INVALID_ARG,
           "hs_eval_run: originals, report directory and engine are required");
  HS_CHECK(!o->edits || o->nedits > 0, HS_ERR_INVALID_ARG, "hs_eval_run: empty edit list");
  HS_CHECK(o->video_clips == 0 || (o->video_seconds >= 4 && o->video_seconds <= 60),
           HS_ERR_INVALID_ARG, "hs_eval_run: video clips must be 4..60 s long, got %d",
           o->video_seconds);
  HS_CHECK(o->video_clips <= 10000, HS_ERR_INVALID_ARG,
           "hs_eval_run: at most 10000 video clips, got %zu", o->video_clips);
  HS_TRY(hs_init(NULL));
  eval_data d;
  memset(&d, 0, sizeof d);
  d.opt = o;
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(d.date, sizeof d.date, "%Y-%m-%d %H:%M UTC", &tm);
  hs_engine *owned = NULL;
  hs_status st = placement_engine(o->engine, STAGE_HASH, &d.pdq_engine, &owned);
  if (st == HS_OK)
    st = run(&d);
  if (st == HS_OK)
    st = analyse_and_write(&d, summary);
  eval_data_free(&d);
  hs_engine_destroy(owned);
  return st;
}

hs_status hs_eval_run(const hs_eval_options *o, hs_eval_summary *summary) {
  /* The run's logger is the thread's for the whole call (core/log.h). */
  HS_CHECK(o, HS_ERR_INVALID_ARG, "hs_eval_run: NULL options");
  hs_eval_options own;
  hs_eval_options_default(&own);
  HS_TRY(options_read(&own, sizeof own, o, "hs_eval_options"));
  const hs_logger *prev = log_enter(run_logger(&own.log, own.engine));
  hs_status st = eval_run_in(&own, summary);
  log_leave(prev);
  return st;
}
