// labels: unit sched
// timeout: 600
/* tests/test_pipeline_video.c - videos on the scan pipeline's device path
 * (issue 13). The CPU engine stands in for a device (the batching is the
 * same; test_scan_video_device.sh runs OpenCL): each sampled frame's plane
 * goes into the batches, mixed with images' planes, under a plane budget
 * of two frames, and a video item ends with hs_video_hash_file's frames
 * (hashes, dihedral hashes, quality) in frame order, then its content
 * frames (a letterboxed clip), as the CPU path gives them. A fatal consume
 * and a cancel while videos decode end the run cleanly (no leak or hang
 * under the sanitizers). The clips are made with the ffmpeg CLI. */
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

#include "scan/pipeline.h"
#include "test_util.h"

enum { NVIDEOS = 2, MAXF = 64 };
static char *dir, *videos[NVIDEOS], *image;
static hs_query_frame want[NVIDEOS][2 * MAXF]; /* frames, then content frames */
static size_t want_n[NVIDEOS], want_nc[NVIDEOS];
static hs_pdq want_image;

static void sh(const char *fmt, const char *path) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd, fmt, path);
  ck_assert_msg(system(cmd) == 0, "failed: %s", cmd);
}

typedef struct ref {
  hs_query_frame f[MAXF], c[MAXF];
  size_t n, nc;
} ref;

static hs_status keep(void *user, const hs_video_frame *f) {
  ref *r = user;
  ck_assert_uint_lt(r->n, MAXF);
  r->f[r->n++] = (hs_query_frame){f->frame, (double)f->timestamp, f->pdq};
  if (f->has_content)
    r->c[r->nc++] = (hs_query_frame){f->frame, (double)f->timestamp, f->content};
  return HS_OK;
}

static void video_options(hs_video_options *v) {
  hs_video_options_default(v);
  v->seconds_per_hash = 0.2; /* 5 frames a second: 15 a clip */
}

static void setup(void) {
  ck_assert_int_eq(hs_init(NULL), HS_OK);
  dir = tu_mkdtemp();
  videos[0] = tu_path(dir, "clip.mp4");
  videos[1] = tu_path(dir, "boxed.mkv");
  image = tu_path(dir, "noise.png");
  sh("ffmpeg -v error -y -f lavfi -i testsrc2=size=320x180:rate=25:duration=3 "
     "-c:v libx264 -pix_fmt yuv420p '%s'", videos[0]);
  sh("ffmpeg -v error -y -f lavfi -i testsrc2=size=160x90:rate=25:duration=3 "
     "-vf pad=160:200:0:55:black -c:v libx264 -pix_fmt yuv420p '%s'", videos[1]);
  VipsImage *img = NULL;
  ck_assert_int_eq(vips_gaussnoise(&img, 300, 200, "mean", 128.0, "sigma", 40.0, NULL), 0);
  ck_assert_int_eq(vips_image_write_to_file(img, image, NULL), 0);
  g_object_unref(img);
  hs_decode_options d;
  hs_decode_options_default(&d);
  hs_video_options v;
  video_options(&v);
  hs_workspace *ws = hs_workspace_create();
  for (int i = 0; i < NVIDEOS; i++) {
    ref r = {0};
    hs_video_info info;
    ck_assert_int_eq(hs_video_hash_file(videos[i], &d, &v, ws, keep, &r, &info), HS_OK);
    memcpy(want[i], r.f, r.n * sizeof r.f[0]);
    memcpy(want[i] + r.n, r.c, r.nc * sizeof r.c[0]);
    want_n[i] = r.n;
    want_nc[i] = r.nc;
  }
  ck_assert_uint_eq(want_n[0], 15);
  ck_assert_uint_eq(want_nc[0], 0);
  ck_assert_uint_eq(want_n[1], 15);
  ck_assert_uint_eq(want_nc[1], 15); /* every frame of the letterboxed clip */
  hs_image_info info;
  ck_assert_int_eq(hs_hash_file(image, &d, ws, &want_image, &info), HS_OK);
  hs_workspace_destroy(ws);
}

static void teardown(void) {
  tu_rmtree(dir);
  free(dir);
  for (int i = 0; i < NVIDEOS; i++)
    free(videos[i]);
  free(image);
}

/* Item k: a video when k % 3 != 2 (alternating), else the image. */
static int video_of(uint64_t k) { return k % 3 == 2 ? -1 : (int)(k / 3 + k % 3) % NVIDEOS; }

typedef struct run {
  uint64_t n, produced, consumed;
  uint64_t fail_at;   /* consume fails at this item (0: never) */
  uint64_t stop_at;   /* trigger `cancel` after producing this many (0: never) */
  hs_cancel *cancel;
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
  int v = video_of(k);
  snprintf(it->path, sizeof it->path, "%s", v < 0 ? image : videos[v]);
  it->kind = ITEM_DECODE;
  return 1;
}

static void check(run *r, const scan_item *it, uint64_t k) {
  int v = video_of(k);
  char why[256] = "";
  if (it->status != HS_OK)
    snprintf(why, sizeof why, "item %llu: status %d '%.100s'", (unsigned long long)k, it->status,
             it->error);
  else if (v < 0 && (it->is_video || memcmp(&it->pdq, &want_image, sizeof want_image) != 0))
    snprintf(why, sizeof why, "item %llu (the image): a different PDQ", (unsigned long long)k);
  else if (v >= 0 && (!it->is_video || it->nframes != want_n[v] || it->ncontent != want_nc[v]))
    snprintf(why, sizeof why, "item %llu (video %d): %zu frames + %zu content, want %zu + %zu",
             (unsigned long long)k, v, it->nframes, it->ncontent, want_n[v], want_nc[v]);
  else if (v >= 0 && memcmp(it->frames, want[v],
                            (want_n[v] + want_nc[v]) * sizeof it->frames[0]) != 0)
    snprintf(why, sizeof why, "item %llu (video %d): frames differ from hs_video_hash_file's",
             (unsigned long long)k, v);
  if (*why && !r->bad) {
    r->bad = 1;
    snprintf(r->why, sizeof r->why, "%s", why);
  }
}

static hs_status consume(void *ctx, scan_item *const *items, size_t n) {
  run *r = ctx;
  for (size_t i = 0; i < n; i++) {
    if (r->fail_at && r->consumed == r->fail_at)
      return HS_ERR_IO;
    check(r, items[i], r->consumed);
    r->consumed++;
  }
  return HS_OK;
}

static hs_engine *cpu_engine(void) {
  hs_engine_options eo;
  hs_engine_options_default(&eo);
  eo.device = "cpu";
  eo.threads = 2;
  hs_engine *e;
  ck_assert_int_eq(hs_engine_create(&eo, &e), HS_OK);
  return e;
}

static pipeline_config config(run *r, hs_engine *e) {
  pipeline_config c;
  memset(&c, 0, sizeof c);
  c.workers = 3;
  c.window = 6;
  c.commit_items = 1;
  c.engine = e;
  c.device_batch = 4;
  /* Two of the clip's 320x180 frames: workers wait for budget. */
  c.plane_budget = 2 * 320 * 180 * sizeof(float);
  hs_decode_options_default(&c.decode);
  video_options(&c.video);
  c.videos = 1;
  c.max_abandoned = 4;
  c.produce = produce;
  c.consume = consume;
  c.ctx = r;
  return c;
}

START_TEST(frames_in_batches_as_on_the_cpu) {
  hs_engine *e = cpu_engine();
  run r = {.n = 12};
  pipeline_config c = config(&r, e);
  ck_assert_int_eq(pipeline_run(&c), HS_OK);
  ck_assert_msg(!r.bad, "%s", r.why);
  ck_assert_uint_eq(r.consumed, 12);
  /* A budget below one frame: one plane at a time, still every frame. */
  run s = {.n = 6};
  pipeline_config d = config(&s, e);
  d.plane_budget = 1000;
  ck_assert_int_eq(pipeline_run(&d), HS_OK);
  ck_assert_msg(!s.bad, "%s", s.why);
  ck_assert_uint_eq(s.consumed, 6);
  hs_engine_destroy(e);
}
END_TEST

START_TEST(stops_while_videos_decode) {
  hs_engine *e = cpu_engine();
  /* The consumer fails at item 1: videos behind it are mid-decode with
   * planes queued; the run stops and frees them. */
  run r = {.n = 30, .fail_at = 1};
  pipeline_config c = config(&r, e);
  ck_assert_int_eq(pipeline_run(&c), HS_ERR_IO);
  ck_assert_msg(!r.bad, "%s", r.why);
  ck_assert_uint_eq(r.consumed, 1);
  /* A cancel: what was produced is finished, whole, and handed over. */
  hs_cancel *cancel = NULL;
  ck_assert_int_eq(hs_cancel_create(&cancel), HS_OK);
  run s = {.n = 30, .stop_at = 4, .cancel = cancel};
  pipeline_config d = config(&s, e);
  d.cancel = cancel;
  ck_assert_int_eq(pipeline_run(&d), HS_ERR_INTERRUPTED);
  ck_assert_msg(!s.bad, "%s", s.why);
  ck_assert_uint_eq(s.consumed, 5);
  hs_cancel_destroy(cancel);
  hs_engine_destroy(e);
}
END_TEST

int main(void) {
  if (system("ffmpeg -version > /dev/null 2>&1") != 0) {
    printf("SKIP: no ffmpeg CLI to make the test videos (tools/install-deps.sh)\n");
    return TU_SKIP;
  }
  Suite *s = suite_create("pipeline_video");
  TCase *tc = tcase_create("pipeline_video");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, frames_in_batches_as_on_the_cpu);
  tcase_add_test(tc, stops_while_videos_decode);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
