// labels: diff gpu
// timeout: 1200
/* tests/diff_pdq.c - the PDQ kernels (kernels/pdq.cl through
 * hs_engine_pdq on an OpenCL device) against the CPU reference
 * hs_pdq_from_luma: identical bits for all 8 dihedral hashes and the same
 * quality, on every reference test image and on random planes of random
 * sizes, in mixed-size batches. Exits 77 (skip) when there is no OpenCL
 * device; when the reference images are absent the other tests still run
 * but the result is reported as a skip. */
#ifndef HS_WITH_OPENCL
/* A build without OpenCL (HS_WITH_OPENCL=OFF) has nothing here to test. */
int main(void) { return 77; } /* no OpenCL in this build */
#else
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cl_test_util.h"
#include "device/cl_tuning.h"

/* ---- helpers ------------------------------------------------------------------ */

static hs_engine *device_engine(void) {
  ctu_log_capture(HS_LOG_DEBUG);
  return ctu_device_engine("auto");
}

/* Owned planes with their own storage. */
typedef struct planes {
  hs_luma *l;
  char **name;
  size_t n, cap;
} planes;

static void planes_add(planes *p, int w, int h, size_t stride, float *data, const char *name) {
  if (p->n == p->cap) {
    p->cap = p->cap ? 2 * p->cap : 16;
    p->l = realloc(p->l, p->cap * sizeof *p->l);
    p->name = realloc(p->name, p->cap * sizeof *p->name);
  }
  p->l[p->n] = (hs_luma){.width = w, .height = h, .stride = stride, .data = data};
  p->name[p->n++] = strdup(name);
}

static void planes_free(planes *p) {
  for (size_t i = 0; i < p->n; i++) {
    free(p->l[i].data);
    free(p->name[i]);
  }
  free(p->l);
  free(p->name);
  memset(p, 0, sizeof *p);
}

enum { FILL_NOISE, FILL_BYTES, FILL_SMOOTH, FILL_FLAT };

/* A w x h plane (stride >= w, padding filled with garbage). */
static void random_plane(planes *p, int w, int h, int pad, int kind, uint64_t *seed) {
  size_t stride = (size_t)w + (size_t)pad;
  size_t n = stride * (size_t)(h ? h : 1);
  float *d = malloc((n ? n : 1) * sizeof *d);
  float phase = tu_randf(seed) * 6.0f;
  for (int y = 0; y < h; y++) {
    for (size_t x = 0; x < stride; x++) {
      float v;
      if (x >= (size_t)w)
        v = -1e30f; /* must never be read */
      else if (kind == FILL_NOISE)
        v = tu_randf(seed) * 255.0f;
      else if (kind == FILL_BYTES)
        v = (float)(tu_rand(seed) % 256);
      else if (kind == FILL_SMOOTH)
        v = (float)(int)(127.5f + 60.0f * __builtin_sinf(phase + (float)x * 0.05f) +
                         60.0f * __builtin_cosf((float)y * 0.031f - phase));
      else
        v = 77.0f;
      d[(size_t)y * stride + x] = v;
    }
  }
  char name[96];
  snprintf(name, sizeof name, "random %dx%d (kind %d, pad %d)", w, h, kind, pad);
  planes_add(p, w, h, stride, d, name);
}

/* Hashes every plane on the device (one batch) and one by one on the CPU;
 * demands identical hashes and quality. */
static void expect_identical(hs_engine *e, const planes *p) {
  hs_pdq *dev = calloc(p->n ? p->n : 1, sizeof *dev);
  ck_assert_msg(hs_engine_pdq(e, p->l, p->n, dev) == HS_OK, "device batch: %s", hs_last_error());
  hs_workspace *ws = hs_workspace_create();
  for (size_t i = 0; i < p->n; i++) {
    hs_pdq cpu;
    ck_assert_int_eq(hs_pdq_from_luma(&p->l[i], ws, &cpu), HS_OK);
    for (int v = 0; v < HS_DIH_COUNT; v++) {
      char a[65], b[65];
      hs_hash256_to_hex(&cpu.hash[v], a);
      hs_hash256_to_hex(&dev[i].hash[v], b);
      ck_assert_msg(strcmp(a, b) == 0, "%s (%dx%d) %s: cpu %s device %s (distance %d)",
                    p->name[i], p->l[i].width, p->l[i].height, hs_dihedral_name(v), a, b,
                    hs_hash256_distance(&cpu.hash[v], &dev[i].hash[v]));
    }
    ck_assert_msg(cpu.quality == dev[i].quality, "%s: quality cpu %d device %d", p->name[i],
                  cpu.quality, dev[i].quality);
  }
  hs_workspace_destroy(ws);
  free(dev);
}

/* ---- reference images --------------------------------------------------------------- */

static void collect_images(const char *dir, planes *p, hs_workspace *ws, int *failed) {
  DIR *d = opendir(dir);
  if (!d)
    return;
  struct dirent *ent;
  while ((ent = readdir(d))) {
    if (ent->d_name[0] == '.')
      continue;
    char *path = tu_path(dir, ent->d_name);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
      collect_images(path, p, ws, failed);
    } else {
      hs_decode_options o;
      hs_decode_options_default(&o);
      o.mode = HS_MODE_EXACT;
      hs_luma l;
      hs_image_info info;
      if (hs_decode_file(path, &o, ws, &l, &info) == HS_OK) {
        size_t n = l.stride * (size_t)(l.height ? l.height : 1);
        float *copy = malloc((n ? n : 1) * sizeof *copy);
        memcpy(copy, l.data, n * sizeof *copy);
        planes_add(p, l.width, l.height, l.stride, copy, path);
      } else {
        (*failed)++;
      }
    }
    free(path);
  }
  closedir(d);
}

START_TEST(test_reference_images) {
  const char *data = tu_testdata_dir();
  ck_assert_msg(data, "reference test data missing");
  char *dir = tu_path(data, "images");
  planes p = {0};
  hs_workspace *ws = hs_workspace_create();
  int failed = 0;
  collect_images(dir, &p, ws, &failed);
  hs_workspace_destroy(ws);
  /* The set holds 70-odd decodable images; a handful are meant to fail. */
  ck_assert_msg(p.n >= 50, "only %zu images decoded (%d failed)", p.n, failed);
  hs_engine *e = device_engine();
  expect_identical(e, &p); /* all images, all sizes, one batch */
  hs_engine_destroy(e);
  planes_free(&p);
  free(dir);
}
END_TEST

/* ---- random planes ---------------------------------------------------------------------- */

/* Sides that hit every edge: below the minimum, the window steps at
 * 128/256, the unblurred 64x64 and its neighbours, extreme aspect, and
 * windows of 64 and more (sides above 8064: the kernel's window ring no
 * longer holds them). */
static const int edge_sizes[][2] = {
    {1, 1},     {1, 4},     {4, 4},     {4, 100},  {100, 4},   {5, 5},     {5, 6},
    {6, 5},     {7, 9},     {63, 63},   {63, 64},  {64, 63},   {64, 64},   {64, 65},
    {65, 64},   {65, 65},   {127, 128}, {128, 127}, {128, 128}, {129, 129}, {127, 129},
    {255, 257}, {256, 256}, {5, 2000},  {2000, 5}, {6, 1500},  {3000, 7},  {17, 1025},
    {1000, 13}, {511, 513}, {300, 200}, {8200, 5}, {7, 8300}, {8193, 64},
};

START_TEST(test_edge_sizes) {
  uint64_t seed = 1234;
  planes p = {0};
  for (size_t i = 0; i < sizeof edge_sizes / sizeof edge_sizes[0]; i++)
    for (int kind = FILL_NOISE; kind <= FILL_SMOOTH; kind++)
      random_plane(&p, edge_sizes[i][0], edge_sizes[i][1], (int)(i % 3) * 7, kind, &seed);
  hs_engine *e = device_engine();
  expect_identical(e, &p);
  hs_engine_destroy(e);
  planes_free(&p);
}
END_TEST

START_TEST(test_random_sizes) {
  uint64_t seed = 99 + (uint64_t)_i;
  planes p = {0};
  for (int i = 0; i < 24; i++) {
    int w = 1 + (int)(tu_rand(&seed) % 700), h = 1 + (int)(tu_rand(&seed) % 700);
    random_plane(&p, w, h, (int)(tu_rand(&seed) % 5), (int)(tu_rand(&seed) % 4), &seed);
  }
  hs_engine *e = device_engine();
  expect_identical(e, &p);
  hs_engine_destroy(e);
  planes_free(&p);
}
END_TEST

START_TEST(test_large_planes) {
  uint64_t seed = 5;
  planes p = {0};
  random_plane(&p, 1600, 1004, 0, FILL_SMOOTH, &seed);
  random_plane(&p, 2048, 1536, 3, FILL_BYTES, &seed);
  random_plane(&p, 4000, 3000, 0, FILL_NOISE, &seed);
  random_plane(&p, 1004, 1600, 0, FILL_BYTES, &seed);
  hs_engine *e = device_engine();
  expect_identical(e, &p);
  hs_engine_destroy(e);
  planes_free(&p);
}
END_TEST

/* Sub-batches split by the memory budget, and a plane over the budget
 * hashed on the CPU, still give the same bits. */
START_TEST(test_split_batches) {
  cl_tuning_override.pdq_batch_bytes = (size_t)2 << 20;
  uint64_t seed = 77;
  planes p = {0};
  for (int i = 0; i < 12; i++)
    random_plane(&p, 200 + 37 * i, 300 - 11 * i, 0, FILL_BYTES, &seed);
  random_plane(&p, 1200, 900, 0, FILL_SMOOTH, &seed); /* > 2 MiB: CPU */
  hs_engine *e = device_engine();
  expect_identical(e, &p);
  hs_engine_destroy(e);
  planes_free(&p);
}
END_TEST

/* The GPU kernel shape (one line per work-item) and other lane counts,
 * built and checked on whatever device there is. */
START_TEST(test_lane_counts) {
  static const int lanes[] = {1, 4, 8};
  cl_tuning_override.pdq_lanes = lanes[_i];
  uint64_t seed = 31;
  planes p = {0};
  static const int sizes[][2] = {{5, 5}, {64, 64}, {65, 63}, {129, 300}, {517, 259}, {33, 1000}};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    random_plane(&p, sizes[i][0], sizes[i][1], 1, FILL_NOISE, &seed);
  hs_engine *e = device_engine();
  expect_identical(e, &p);
  hs_engine_destroy(e);
  planes_free(&p);
}
END_TEST

START_TEST(test_empty_batch) {
  hs_engine *e = device_engine();
  ck_assert_int_eq(hs_engine_pdq(e, NULL, 0, NULL), HS_OK);
  hs_engine_destroy(e);
}
END_TEST

/* Two ctest entries run this program (ctu_diff_mode). */
int main(int argc, char **argv) {
  const int golden = ctu_diff_mode(argc, argv, "reference images");
  Suite *s = suite_create("diff_pdq");
  TCase *tc = tcase_create("pdq");
  tcase_set_timeout(tc, 1200);
  if (golden) {
    tcase_add_test(tc, test_reference_images);
  } else {
    tcase_add_test(tc, test_edge_sizes);
    tcase_add_loop_test(tc, test_random_sizes, 0, 3);
    tcase_add_test(tc, test_large_planes);
    tcase_add_test(tc, test_split_batches);
    tcase_add_loop_test(tc, test_lane_counts, 0, 3);
    tcase_add_test(tc, test_empty_batch);
  }
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
#endif
