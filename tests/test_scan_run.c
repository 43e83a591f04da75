// labels: unit sched
// timeout: 600
/* tests/test_scan_run.c - hs_scan_run as an embedder calls it: records
 * through the callback (the same bytes hs_record_write gives the text
 * output), a callback failure stopping the run, per-run loggers, and
 * per-run cancel handles: two scans running at once in one process, one
 * cancelled from another thread while the other finishes with its whole
 * output, each logging to its own logger. */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

#include "test_util.h"

enum { NFILES = 12, REPEAT = 12 }; /* 144 items: twice a 1-worker window */
static char *dir, *manifest, *index_dir;
static hs_engine *engine;

/* Noise images; every third one's PDQ goes into the index. */
static void setup(void) {
  ck_assert_int_eq(hs_init(NULL), HS_OK);
  dir = tu_mkdtemp();
  char *list = tu_path(dir, "list.txt");
  manifest = tu_path(dir, "manifest.txt");
  index_dir = tu_path(dir, "idx");
  FILE *lf = fopen(list, "w"), *mf = fopen(manifest, "w");
  ck_assert_ptr_nonnull(lf);
  ck_assert_ptr_nonnull(mf);
  hs_workspace *ws = hs_workspace_create();
  hs_decode_options d;
  hs_decode_options_default(&d);
  char *files[NFILES];
  for (int i = 0; i < NFILES; i++) {
    char name[32];
    snprintf(name, sizeof name, "img%02d.png", i);
    files[i] = tu_path(dir, name);
    VipsImage *img = NULL;
    ck_assert_int_eq(vips_gaussnoise(&img, 48 + i, 40, "mean", 128.0, "sigma", 40.0, NULL), 0);
    ck_assert_int_eq(vips_image_write_to_file(img, files[i], NULL), 0);
    g_object_unref(img);
    hs_pdq pdq;
    hs_image_info info;
    ck_assert_int_eq(hs_hash_file(files[i], &d, ws, &pdq, &info), HS_OK);
    char hex[65];
    hs_hash256_to_hex(&pdq.hash[HS_DIH_ORIG], hex);
    if (i % 3 == 0)
      fprintf(lf, "%s\n", hex);
  }
  /* The same files listed REPEAT times (no store: each is reported). */
  for (int r = 0; r < REPEAT; r++)
    for (int i = 0; i < NFILES; i++)
      fprintf(mf, "%s\n", files[i]);
  for (int i = 0; i < NFILES; i++)
    free(files[i]);
  fclose(lf);
  fclose(mf);
  hs_workspace_destroy(ws);
  ck_assert_int_eq(hs_index_create(index_dir), HS_OK);
  hs_index *idx = NULL;
  ck_assert_int_eq(hs_index_open(index_dir, 0, &idx), HS_OK);
  hs_import_options io;
  hs_import_options_default(&io);
  io.list = "known";
  hs_import_result res;
  const char *files_in[] = {list};
  ck_assert_int_eq(hs_index_import(idx, files_in, 1, &io, &res), HS_OK);
  ck_assert_uint_eq(res.added, NFILES / 3);
  hs_index_close(idx);
  free(list);
  hs_engine_options eo;
  hs_engine_options_default(&eo);
  eo.device = "cpu";
  eo.threads = 1;
  ck_assert_int_eq(hs_engine_create(&eo, &engine), HS_OK);
}

static void teardown(void) {
  hs_engine_destroy(engine);
  tu_rmtree(dir);
  free(dir), free(manifest), free(index_dir);
}

/* What a callback saw: the records as JSON Lines, and counts by kind. */
typedef struct seen {
  char *text;
  size_t len;
  FILE *f;
  size_t count[4];
  size_t fail_at; /* return HS_ERR_IO at this record (1-based; 0: never) */
  /* hold_first: the first record waits until `released` (the test cancels
   * the run meanwhile, from its own thread) */
  int hold_first, held, released;
  pthread_mutex_t lock;
  pthread_cond_t cv;
} seen;

static void seen_init(seen *s) {
  memset(s, 0, sizeof *s);
  s->f = open_memstream(&s->text, &s->len);
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->cv, NULL);
}

static void seen_free(seen *s) {
  if (s->f)
    fclose(s->f);
  free(s->text);
  pthread_mutex_destroy(&s->lock);
  pthread_cond_destroy(&s->cv);
}

static hs_status on_record(void *user, const hs_record *r) {
  seen *s = user;
  size_t n = s->count[0] + s->count[1] + s->count[2] + s->count[3] + 1;
  if (s->fail_at && n == s->fail_at)
    return HS_ERR_IO;
  s->count[r->kind]++;
  ck_assert_int_eq(hs_record_write(s->f, HS_OUT_JSONL, r), HS_OK);
  if (s->hold_first && n == 1) {
    pthread_mutex_lock(&s->lock);
    s->held = 1;
    pthread_cond_broadcast(&s->cv);
    while (!s->released)
      pthread_cond_wait(&s->cv, &s->lock);
    pthread_mutex_unlock(&s->lock);
  }
  return HS_OK;
}

/* A logger that counts the run's "scan pipeline" line and all lines. */
typedef struct heard {
  pthread_mutex_t lock;
  int pipeline_lines, lines;
} heard;

static void on_log(void *user, hs_log_level level, const char *msg) {
  heard *h = user;
  (void)level;
  pthread_mutex_lock(&h->lock);
  h->lines++;
  h->pipeline_lines += strncmp(msg, "scan pipeline:", 14) == 0;
  pthread_mutex_unlock(&h->lock);
}

static void scan_options(hs_scan_options *o, const char **src, seen *s) {
  hs_scan_options_default(o);
  o->index = index_dir;
  o->sources = src;
  o->nsources = 1;
  o->jobs = 1;
  o->engine = engine;
  o->record = on_record;
  o->record_user = s;
}

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  char *buf = malloc(1 << 20);
  *len = fread(buf, 1, 1 << 20, f);
  fclose(f);
  return buf;
}

START_TEST(records_reach_the_callback) {
  char src[4200];
  snprintf(src, sizeof src, "@%s", manifest);
  const char *srcs[] = {src};
  seen s;
  seen_init(&s);
  hs_scan_options o;
  scan_options(&o, srcs, &s);
  char *out = tu_path(dir, "out.jsonl");
  o.out = out;
  /* The run logs to its own logger, not the process-wide one. */
  heard mine = {PTHREAD_MUTEX_INITIALIZER, 0, 0}, global = {PTHREAD_MUTEX_INITIALIZER, 0, 0};
  hs_set_logger(on_log, &global, HS_LOG_DEBUG);
  o.log = (hs_logger){on_log, &mine, HS_LOG_INFO};
  hs_scan_summary sum;
  ck_assert_int_eq(hs_scan_run(&o, &sum), HS_OK);
  hs_set_logger(NULL, NULL, HS_LOG_ERROR);
  ck_assert_int_eq(mine.pipeline_lines, 1);
  ck_assert_int_eq(global.lines, 0);
  fflush(s.f);
  ck_assert_uint_eq(sum.seen, NFILES * REPEAT);
  ck_assert_uint_eq(sum.matched, (NFILES / 3) * REPEAT);
  ck_assert_uint_eq(s.count[HS_RECORD_MATCH], sum.matches);
  ck_assert_uint_ge(s.count[HS_RECORD_MATCH], (NFILES / 3) * REPEAT);
  ck_assert_uint_eq(s.count[HS_RECORD_ERROR], 0);
  /* The callback's records, written by hs_record_write, are the file. */
  size_t flen;
  char *file = read_all(out, &flen);
  ck_assert_uint_eq(flen, s.len);
  ck_assert_int_eq(memcmp(file, s.text, flen), 0);
  ck_assert_ptr_nonnull(strstr(s.text, "\"distance\":0,\"variant\":\"orig\""));
  free(file);
  seen_free(&s);

  /* A failing callback stops the run with its status. */
  seen f;
  seen_init(&f);
  f.fail_at = 3;
  scan_options(&o, srcs, &f);
  ck_assert_int_eq(hs_scan_run(&o, &sum), HS_ERR_IO);
  ck_assert_ptr_nonnull(strstr(hs_last_error(), "record callback"));
  seen_free(&f);
  free(out);
}
END_TEST

/* A caller built against an older header, whose hs_scan_options ended
 * before `record`: init writes no byte past its struct, and a run ignores
 * whatever lies after it (here garbage that would crash if it were read as
 * a callback). Options that never went through *_default are refused. */
START_TEST(older_callers_options) {
  size_t old = offsetof(hs_scan_options, record);
  unsigned char *buf = malloc(sizeof(hs_scan_options) + 64);
  memset(buf, 0xAB, sizeof(hs_scan_options) + 64);
  hs_scan_options_init((hs_scan_options *)buf, old);
  for (size_t i = old; i < sizeof(hs_scan_options) + 64; i++)
    ck_assert_msg(buf[i] == 0xAB, "init wrote byte %zu of a %zu-byte struct", i, old);
  hs_scan_options *o = (hs_scan_options *)buf;
  ck_assert_uint_eq(o->struct_size, old);
  ck_assert_int_eq(o->radius, HS_PDQ_DEFAULT_RADIUS);
  char src[4200];
  snprintf(src, sizeof src, "@%s", manifest);
  const char *srcs[] = {src};
  char *out = tu_path(dir, "old.jsonl");
  o->index = index_dir;
  o->sources = srcs;
  o->nsources = 1;
  o->jobs = 1;
  o->engine = engine;
  o->out = out;
  hs_scan_summary sum;
  ck_assert_int_eq(hs_scan_run(o, &sum), HS_OK);
  ck_assert_uint_eq(sum.seen, NFILES * REPEAT);
  ck_assert_uint_eq(sum.matched, (NFILES / 3) * REPEAT);
  o->struct_size = 0;
  ck_assert_int_eq(hs_scan_run(o, &sum), HS_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(hs_last_error(), "hs_scan_options_default"));
  free(out);
  free(buf);
}
END_TEST

/* eval takes a cancel handle too: triggered before it starts, no image is
 * hashed and it returns HS_ERR_INTERRUPTED. */
START_TEST(eval_cancelled) {
  hs_cancel *c = NULL;
  ck_assert_int_eq(hs_cancel_create(&c), HS_OK);
  hs_cancel_trigger(c);
  hs_eval_options o;
  hs_eval_options_default(&o);
  char *report = tu_path(dir, "report");
  o.originals = dir;
  o.report_dir = report;
  o.engine = engine;
  o.jobs = 1;
  o.cancel = c;
  hs_eval_summary s;
  ck_assert_int_eq(hs_eval_run(&o, &s), HS_ERR_INTERRUPTED);
  ck_assert_ptr_nonnull(strstr(hs_last_error(), "interrupted"));
  hs_cancel_destroy(c);
  free(report);
}
END_TEST

typedef struct job {
  hs_scan_options o;
  hs_scan_summary sum;
  hs_status st;
} job;

static void *run_job(void *arg) {
  job *j = arg;
  j->st = hs_scan_run(&j->o, &j->sum);
  return NULL;
}

START_TEST(two_runs_one_cancelled) {
  char src[4200];
  snprintf(src, sizeof src, "@%s", manifest);
  const char *srcs[] = {src};
  /* The reference: one run alone. */
  seen ref;
  seen_init(&ref);
  job r;
  scan_options(&r.o, srcs, &ref);
  ck_assert_int_eq(hs_scan_run(&r.o, &r.sum), HS_OK);
  fflush(ref.f);
  ck_assert_uint_eq(r.sum.seen, NFILES * REPEAT);

  /* Two at once, each with its own cancel handle. A holds on its first
   * record until this thread has cancelled it. */
  hs_cancel *ca = NULL, *cb = NULL;
  ck_assert_int_eq(hs_cancel_create(&ca), HS_OK);
  ck_assert_int_eq(hs_cancel_create(&cb), HS_OK);
  seen sa, sb;
  seen_init(&sa);
  seen_init(&sb);
  sa.hold_first = 1;
  job a, b;
  scan_options(&a.o, srcs, &sa);
  scan_options(&b.o, srcs, &sb);
  a.o.cancel = ca;
  b.o.cancel = cb;
  heard la = {PTHREAD_MUTEX_INITIALIZER, 0, 0}, lb = {PTHREAD_MUTEX_INITIALIZER, 0, 0};
  a.o.log = (hs_logger){on_log, &la, HS_LOG_INFO};
  b.o.log = (hs_logger){on_log, &lb, HS_LOG_INFO};
  pthread_t ta, tb;
  ck_assert_int_eq(pthread_create(&ta, NULL, run_job, &a), 0);
  ck_assert_int_eq(pthread_create(&tb, NULL, run_job, &b), 0);
  pthread_mutex_lock(&sa.lock);
  while (!sa.held)
    pthread_cond_wait(&sa.cv, &sa.lock);
  hs_cancel_trigger(ca); /* from another thread than the run's */
  sa.released = 1;
  pthread_cond_broadcast(&sa.cv);
  pthread_mutex_unlock(&sa.lock);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  fflush(sa.f);
  fflush(sb.f);

  ck_assert_int_eq(a.st, HS_ERR_INTERRUPTED);
  ck_assert_uint_gt(a.sum.seen, 0);
  ck_assert_uint_lt(a.sum.seen, NFILES * REPEAT);
  /* What A reported is the start of the whole output. */
  ck_assert_uint_lt(sa.len, ref.len);
  ck_assert_int_eq(memcmp(sa.text, ref.text, sa.len), 0);
  /* B never saw A's cancel: its whole output. */
  ck_assert_int_eq(b.st, HS_OK);
  ck_assert_int_eq(hs_cancel_triggered(cb), 0);
  ck_assert_uint_eq(b.sum.seen, NFILES * REPEAT);
  ck_assert_uint_eq(b.sum.matches, r.sum.matches);
  ck_assert_uint_eq(sb.len, ref.len);
  ck_assert_int_eq(memcmp(sb.text, ref.text, ref.len), 0);
  /* Each run logged to its own logger. */
  ck_assert_int_eq(la.pipeline_lines, 1);
  ck_assert_int_eq(lb.pipeline_lines, 1);
  seen_free(&sa);
  seen_free(&sb);
  seen_free(&ref);
  hs_cancel_destroy(ca);
  hs_cancel_destroy(cb);
}
END_TEST

int main(void) {
  Suite *s = suite_create("scan_run");
  TCase *tc = tcase_create("scan_run");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, records_reach_the_callback);
  tcase_add_test(tc, two_runs_one_cancelled);
  tcase_add_test(tc, older_callers_options);
  tcase_add_test(tc, eval_cancelled);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
