// labels: unit sched
// timeout: 600
/* tests/test_pipeline.c - the scan scheduler (scan/pipeline.c) on its own:
 * items handed over exactly once and in source order whatever the worker
 * count, the window bound on items in flight, commit grouping, PDQ in
 * batches on an engine (the CPU engine stands in for a device; an OpenCL
 * device, PoCL here, when there is one) under a tight plane budget, results
 * identical to hs_hash_file and, for the files with added borders, content
 * region hashes identical to hs_pdq_unletterbox's bit for bit (the device
 * path hashes the region in the batch, the CPU path on the worker), a fatal
 * consume,
 * a stop request, and the watchdog giving up on a read that never
 * returns. Run under ThreadSanitizer too (README: sanitizer builds). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vips/vips.h>

#include "core/error.h"
#include "scan/pipeline.h"
#include "test_util.h"

enum { NFILES = 12 };
static char *dir;
static char *files[NFILES];
static hs_pdq want[NFILES]; /* hs_hash_file of each (the reference) */
static hs_pdq want_content[NFILES]; /* hs_pdq_unletterbox of each, */
static int want_has_content[NFILES]; /* when it found borders */

/* Every 4th file (from the 2nd) has black bands added around its noise. */
static int bordered(int i) { return i % 4 == 1; }

/* Small images of a few sizes and formats, made per test (in Check's
 * forked child: libvips' threads do not survive a fork). */
static void make_files(void) {
  ck_assert_int_eq(hs_init(NULL), HS_OK);
  dir = tu_mkdtemp();
  hs_workspace *ws = hs_workspace_create();
  hs_decode_options o;
  hs_decode_options_default(&o);
  for (int i = 0; i < NFILES; i++) {
    char name[32];
    snprintf(name, sizeof name, "img%02d.%s", i, i % 3 == 0 ? "png" : "jpg");
    files[i] = tu_path(dir, name);
    VipsImage *img = NULL;
    int w = 40 + 13 * i, h = 30 + 7 * i;
    ck_assert_int_eq(vips_gaussnoise(&img, w, h, "mean", 128.0, "sigma", 40.0, NULL), 0);
    if (bordered(i)) {
      VipsImage *framed = NULL;
      ck_assert_int_eq(vips_embed(img, &framed, 12, 24, w + 24, h + 48, "extend",
                                  VIPS_EXTEND_BLACK, NULL), 0);
      g_object_unref(img);
      img = framed;
    }
    ck_assert_int_eq(vips_image_write_to_file(img, files[i], NULL), 0);
    g_object_unref(img);
    hs_image_info info;
    ck_assert_int_eq(hs_hash_file(files[i], &o, ws, &want[i], &info), HS_OK);
    hs_luma luma, grid;
    hs_content_box box;
    ck_assert_int_eq(hs_decode_file(files[i], &o, ws, &luma, &info), HS_OK);
    ck_assert_int_eq(hs_grid_for_mode(files[i], &o, ws, &luma, &info, &grid), HS_OK);
    ck_assert_int_eq(
        hs_pdq_unletterbox(&grid, ws, &box, &want_content[i], &want_has_content[i]), HS_OK);
    ck_assert_msg(want_has_content[i] == bordered(i), "%s: borders found %d", files[i],
                  want_has_content[i]);
  }
  hs_workspace_destroy(ws);
}

static void remove_files(void) {
  tu_rmtree(dir);
  free(dir);
  for (int i = 0; i < NFILES; i++)
    free(files[i]);
}

/* The item plan: item k is file k % NFILES, except every 7th, which is
 * ready (no decode), and every 11th, which is missing. */
enum { PLAN_FILE, PLAN_READY, PLAN_MISSING };
static int plan_of(uint64_t k) {
  if (k % 7 == 3)
    return PLAN_READY;
  if (k % 11 == 5)
    return PLAN_MISSING;
  return PLAN_FILE;
}

typedef struct run {
  uint64_t n, produced, consumed;
  size_t window, max_in_flight, batches, small_batches, commit_items;
  uint64_t fail_at;      /* consume returns an error at this item (0: never) */
  uint64_t stop_at;      /* trigger `cancel` after producing this many (0: never) */
  hs_cancel *cancel;
  const char *stall;     /* a file name whose read never returns */
  uint64_t timeouts;
  int bad;
  char why[256];
} run;

static int produce(void *ctx, scan_item *it) {
  run *r = ctx;
  if (r->produced == r->n)
    return 0;
  if (r->stop_at && r->produced == r->stop_at)
    hs_cancel_trigger(r->cancel);
  uint64_t k = r->produced++;
  if (it->seq != k && !r->bad) {
    r->bad = 1;
    snprintf(r->why, sizeof r->why, "item %llu produced as seq %llu", (unsigned long long)k,
             (unsigned long long)it->seq);
  }
  if (r->produced - r->consumed > r->max_in_flight)
    r->max_in_flight = r->produced - r->consumed;
  int plan = plan_of(k);
  if (plan == PLAN_READY) {
    snprintf(it->path, sizeof it->path, "ready-%llu", (unsigned long long)k);
    it->kind = ITEM_READY;
    it->status = HS_OK;
    it->pdq.quality = 42;
  } else if (plan == PLAN_MISSING) {
    snprintf(it->path, sizeof it->path, "%s/missing-%llu.jpg", dir, (unsigned long long)k);
    it->kind = ITEM_DECODE;
  } else {
    snprintf(it->path, sizeof it->path, "%s", files[k % NFILES]);
    it->kind = ITEM_DECODE;
  }
  it->user = (void *)(uintptr_t)(k + 1);
  return 1;
}

static void check_item(run *r, const scan_item *it, uint64_t k) {
  char why[256] = "";
  int plan = plan_of(k);
  const char *name = strrchr(it->path, '/');
  if (it->seq != k || it->user != (void *)(uintptr_t)(k + 1))
    snprintf(why, sizeof why, "got seq %llu where %llu was due", (unsigned long long)it->seq,
             (unsigned long long)k);
  else if (plan == PLAN_READY && (it->status != HS_OK || it->pdq.quality != 42))
    snprintf(why, sizeof why, "ready item %llu changed", (unsigned long long)k);
  else if (plan == PLAN_MISSING && (it->status != HS_ERR_NOT_FOUND || !strstr(it->error, "no such")))
    snprintf(why, sizeof why, "missing item %llu: status %d '%.120s'", (unsigned long long)k,
             it->status, it->error);
  else if (plan == PLAN_FILE && r->stall && name && strcmp(name + 1, r->stall) == 0) {
    if (it->status != HS_ERR_TIMEOUT || !strstr(it->error, "no result after"))
      snprintf(why, sizeof why, "stalled item %llu: status %d '%.120s'", (unsigned long long)k,
               it->status, it->error);
    r->timeouts++;
  } else if (plan == PLAN_FILE &&
             (it->status != HS_OK ||
              memcmp(&it->pdq, &want[k % NFILES], sizeof it->pdq) != 0))
    snprintf(why, sizeof why, "item %llu (%.80s): status %d '%.80s' or a different PDQ",
             (unsigned long long)k, it->path, it->status, it->error);
  else if (plan == PLAN_FILE &&
           (it->has_content != want_has_content[k % NFILES] ||
            (it->has_content &&
             memcmp(&it->content, &want_content[k % NFILES], sizeof it->content) != 0)))
    snprintf(why, sizeof why, "item %llu (%.80s): content region %d, want %d, or its PDQ differs",
             (unsigned long long)k, it->path, it->has_content, want_has_content[k % NFILES]);
  if (*why && !r->bad) {
    r->bad = 1;
    snprintf(r->why, sizeof r->why, "%s", why);
  }
}

static hs_status consume(void *ctx, scan_item *const *items, size_t n) {
  run *r = ctx;
  r->batches++;
  r->small_batches += n < r->commit_items;
  for (size_t i = 0; i < n; i++) {
    if (r->fail_at && r->consumed == r->fail_at)
      return error_set(HS_ERR_IO, "the consumer failed");
    check_item(r, items[i], r->consumed);
    r->consumed++;
  }
  return HS_OK;
}

static pipeline_config config(run *r, int workers, size_t window) {
  pipeline_config c;
  memset(&c, 0, sizeof c);
  c.workers = workers;
  c.window = window;
  c.commit_items = 5;
  c.commit_seconds = 60; /* groups by count only, so the grouping is checked */
  c.plane_budget = (size_t)1 << 30;
  hs_decode_options_default(&c.decode);
  c.item_timeout_ms = pipeline_item_timeout(&c.decode);
  c.max_abandoned = 4;
  c.produce = produce;
  c.consume = consume;
  c.ctx = r;
  r->window = window;
  r->commit_items = c.commit_items;
  return c;
}

static void expect_clean(const run *r, uint64_t n) {
  ck_assert_msg(!r->bad, "%s", r->why);
  ck_assert_uint_eq(r->produced, n);
  ck_assert_uint_eq(r->consumed, n);
  ck_assert_uint_le(r->max_in_flight, r->window);
}

START_TEST(ordered_exactly_once) {
  /* Many workers on a small window, and one worker on a large one. */
  static const struct { int workers; size_t window; } shapes[] = {{6, 8}, {1, 64}, {3, 3}};
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    run r = {.n = 150};
    pipeline_config c = config(&r, shapes[s].workers, shapes[s].window);
    ck_assert_int_eq(pipeline_run(&c), HS_OK);
    expect_clean(&r, 150);
    /* Handed over in groups of at least commit_items (or a full window),
     * but the last. */
    if (shapes[s].window >= 5)
      ck_assert_uint_le(r.small_batches, 1);
    ck_assert_uint_ge(r.batches, 2);
  }
}
END_TEST

START_TEST(engine_batches_under_plane_budget) {
  hs_engine_options eo;
  hs_engine_options_default(&eo);
  eo.device = "cpu";
  eo.threads = 2;
  hs_engine *e;
  ck_assert_int_eq(hs_engine_create(&eo, &e), HS_OK);
  /* Batches of 3 on the CPU engine; a budget below any plane admits one at
   * a time: workers wait for each batch to drain, and every worker may be
   * waiting while items are queued (this once deadlocked: the batch waited
   * for the queued items, the workers for the batch). */
  run r = {.n = 90};
  pipeline_config c = config(&r, 4, 16);
  c.engine = e;
  c.device_batch = 3;
  c.plane_budget = 60 * 40 * sizeof(float);
  ck_assert_int_eq(pipeline_run(&c), HS_OK);
  expect_clean(&r, 90);
  hs_engine_destroy(e);
}
END_TEST

START_TEST(device_batches_content_regions) {
  /* OpenCL device 0 (PoCL here), opened even when it is the host CPU: the
   * files' and their content regions' PDQ in the same device batches must
   * equal the CPU reference's bits (check_item). No device: nothing to
   * compare (engine_batches_under_plane_budget covers the batching). */
  hs_engine_options eo;
  hs_engine_options_default(&eo);
  eo.device = "0";
  eo.hash_on = HS_PLACE_DEVICE;
  hs_engine *e = NULL;
  if (hs_engine_create(&eo, &e) != HS_OK || !hs_engine_uses_device(e)) {
    fprintf(stderr, "note: no OpenCL device (%s): device content regions not checked\n",
            hs_last_error());
    hs_engine_destroy(e);
    return;
  }
  run r = {.n = 40};
  pipeline_config c = config(&r, 2, 16);
  c.engine = e;
  c.device_batch = 5;
  ck_assert_int_eq(pipeline_run(&c), HS_OK);
  expect_clean(&r, 40);
  hs_engine_destroy(e);
}
END_TEST

START_TEST(fatal_consume_and_stop) {
  run r = {.n = 200, .fail_at = 37};
  pipeline_config c = config(&r, 4, 16);
  ck_assert_int_eq(pipeline_run(&c), HS_ERR_IO);
  ck_assert_msg(!r.bad, "%s", r.why);
  ck_assert_uint_eq(r.consumed, 37);
  /* A cancel (triggered while producing item 50): what was produced is
   * finished and handed over, nothing more is produced. */
  hs_cancel *cancel = NULL, *other = NULL;
  ck_assert_int_eq(hs_cancel_create(&cancel), HS_OK);
  ck_assert_int_eq(hs_cancel_create(&other), HS_OK);
  run s = {.n = 200, .stop_at = 50, .cancel = cancel};
  pipeline_config d = config(&s, 4, 16);
  d.cancel = cancel;
  ck_assert_int_eq(pipeline_run(&d), HS_ERR_INTERRUPTED);
  ck_assert_msg(!s.bad, "%s", s.why);
  ck_assert_uint_eq(s.produced, 51);
  ck_assert_uint_eq(s.consumed, 51);
  ck_assert_int_eq(hs_cancel_triggered(cancel), 1);
  /* The cancel belongs to that run: one with its own handle runs whole
   * (a process-global flag once leaked from one run into the next). */
  run u = {.n = 120};
  pipeline_config e = config(&u, 4, 16);
  e.cancel = other;
  ck_assert_int_eq(pipeline_run(&e), HS_OK);
  expect_clean(&u, 120);
  /* A handle triggered before the run starts: nothing is produced. */
  run v = {.n = 120};
  pipeline_config f = config(&v, 2, 8);
  f.cancel = cancel;
  ck_assert_int_eq(pipeline_run(&f), HS_ERR_INTERRUPTED);
  ck_assert_uint_eq(v.produced, 0);
  hs_cancel_reset(cancel);
  ck_assert_int_eq(hs_cancel_triggered(cancel), 0);
  hs_cancel_destroy(cancel);
  hs_cancel_destroy(other);
}
END_TEST

#ifdef HS_FAULT_INJECTION /* the stall hook exists only in test builds */
START_TEST(watchdog_gives_up_on_stuck_reads) {
  /* img01.jpg's read never returns until the release file exists. */
  char *fault_dir = tu_path(dir, "fault");
  ck_assert_int_eq(mkdir(fault_dir, 0700), 0);
  setenv("HASHSWEEP_FAULT", "stall:img01.jpg", 1);
  setenv("HASHSWEEP_FAULT_DIR", fault_dir, 1);
  run r = {.n = 40, .stall = "img01.jpg"};
  pipeline_config c = config(&r, 2, 8);
  c.item_timeout_ms = 300;
  c.max_abandoned = 10;
  ck_assert_int_eq(pipeline_run(&c), HS_OK);
  expect_clean(&r, 40);
  /* img01 is item 1, 13, 25 and 37 (none ready or missing). */
  ck_assert_uint_eq(r.timeouts, 4);
  /* More stuck items than allowed: the run stops with HS_ERR_TIMEOUT. */
  run s = {.n = 40, .stall = "img01.jpg"};
  pipeline_config d = config(&s, 2, 8);
  d.item_timeout_ms = 300;
  d.max_abandoned = 2;
  ck_assert_int_eq(pipeline_run(&d), HS_ERR_TIMEOUT);
  ck_assert_msg(strstr(hs_last_error(), "3 files gave no result"), "%s", hs_last_error());
  /* Let the abandoned workers finish (they free themselves) before the
   * test exits: at least the 7 given up on were left behind (and any
   * worker still on img01 when the second run stopped), and all come back. */
  ck_assert_uint_ge(pipeline_abandoned_alive(), 7);
  char *release = tu_path(fault_dir, "release");
  ck_assert_int_eq(tu_write_file(release, "", 0), 0);
  for (int i = 0; i < 600 && pipeline_abandoned_alive() > 0; i++)
    usleep(100 * 1000);
  ck_assert_uint_eq(pipeline_abandoned_alive(), 0);
  unsetenv("HASHSWEEP_FAULT");
  free(release);
  free(fault_dir);
}
END_TEST
#endif

static Suite *pipeline_suite(void) {
  Suite *s = suite_create("pipeline");
  TCase *tc = tcase_create("pipeline");
  tcase_add_checked_fixture(tc, make_files, remove_files);
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, ordered_exactly_once);
  tcase_add_test(tc, engine_batches_under_plane_budget);
  tcase_add_test(tc, device_batches_content_regions);
  tcase_add_test(tc, fatal_consume_and_stop);
#ifdef HS_FAULT_INJECTION
  tcase_add_test(tc, watchdog_gives_up_on_stuck_reads);
#else
  fprintf(stderr, "skipped watchdog_gives_up_on_stuck_reads: built without HS_FAULT_INJECTION\n");
#endif
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(pipeline_suite()); }
