// labels: unit golden
/* tests/test_pdq_stages.c - each PDQ stage on its own: against the stage
 * traces of the reference (window sizes, decimation indices, luma, the
 * 64x64 blurred matrix, the 16x16 DCT, median, quality, hash), the fast
 * fused blur against the literal reference blur on random planes, the DCT
 * matrix's checkable values, and the bit layout. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/workspace.h"
#include "hash/pdq_cpu.h"
#include "image/normalise.h"
#include "test_util.h"

/* ---- traces ---------------------------------------------------------------- */

typedef struct trace {
  char image[512];
  int stretched; /* "pre-resize to 512x512: True" */
  int wx, wy;
  int rows[64], cols[64];
  float luma0[4];
  int quality;
  float median;
  char pdq[65];
  float A[64][64];
  float B[16][16];
} trace;

static int parse_ints(const char *s, int *out, int n) {
  for (int i = 0; i < n; i++) {
    char *end;
    out[i] = (int)strtol(s, &end, 10);
    if (end == s)
      return -1;
    s = end;
  }
  return 0;
}

static int load_trace(const char *path, trace *t) {
  memset(t, 0, sizeof *t);
  FILE *f = fopen(path, "r");
  if (!f)
    return -1;
  char line[8192];
  int section = 0, row = 0;
  while (fgets(line, sizeof line, f)) {
    char *p;
    if ((p = strstr(line, "# stage trace for ")))
      sscanf(p + 18, "%511s", t->image);
    else if (strstr(line, "pre-resize to 512x512: True"))
      t->stretched = 1;
    if ((p = strstr(line, "window_along_rows(horizontal)=")))
      t->wx = atoi(p + 30);
    if ((p = strstr(line, "window_along_cols(vertical)=")))
      t->wy = atoi(p + 28);
    if ((p = strstr(line, "decimation row indices:")))
      parse_ints(p + 23, t->rows, 64);
    if ((p = strstr(line, "decimation col indices:")))
      parse_ints(p + 23, t->cols, 64);
    if ((p = strstr(line, "luma[0][0..3] = ")))
      sscanf(p + 16, "%f %f %f %f", &t->luma0[0], &t->luma0[1], &t->luma0[2], &t->luma0[3]);
    if ((p = strstr(line, "# quality=")))
      t->quality = atoi(p + 10);
    if ((p = strstr(line, "= ")) && strstr(line, "# median"))
      t->median = strtof(p + 2, NULL);
    if ((p = strstr(line, "# pdq=")))
      sscanf(p + 6, "%64s", t->pdq);
    if (strstr(line, "# section A64")) {
      section = 1;
      row = 0;
      continue;
    }
    if (strstr(line, "# section DCT16")) {
      section = 2;
      row = 0;
      continue;
    }
    if (line[0] == '#' || line[0] == '\n')
      continue;
    char *s = line;
    int n = section == 1 ? 64 : 16;
    for (int j = 0; j < n && section; j++) {
      char *end;
      float v = strtof(s, &end);
      s = end;
      if (section == 1 && row < 64)
        t->A[row][j] = v;
      else if (section == 2 && row < 16)
        t->B[row][j] = v;
    }
    if (section)
      row++;
  }
  fclose(f);
  return t->image[0] ? 0 : -1;
}

static const char *dir;
static const char *const trace_files[] = {"traces/bridge-1-original.trace.txt",
                                          "traces/syn-rgb-300x200.trace.txt"};

/* Decodes the trace's image at full resolution and applies the stock
 * stretch when the trace says so: the grid the traced hash ran on. */
static void trace_grid(const trace *t, hs_workspace *ws, hs_luma *grid, float **owned) {
  char *path = tu_path(dir, t->image);
  hs_decode_options o;
  hs_decode_options_default(&o);
  o.mode = HS_MODE_EXACT;
  hs_image_info info;
  hs_luma full;
  ck_assert_msg(hs_decode_file(path, &o, ws, &full, &info) == HS_OK, "%s", hs_last_error());
  free(path);
  *owned = NULL;
  if (t->stretched) {
    *owned = malloc(sizeof(float) * 512 * 512);
    grid->data = *owned;
    normalise_stretch512(&full, grid);
  } else {
    *grid = full;
  }
}

START_TEST(trace_stages) {
  trace *t = malloc(sizeof *t);
  char *path = tu_path(dir, trace_files[_i]);
  ck_assert_msg(load_trace(path, t) == 0, "cannot parse %s", path);
  free(path);
  hs_workspace *ws = hs_workspace_create();
  hs_luma grid;
  float *owned;
  trace_grid(t, ws, &grid, &owned);

  ck_assert_int_eq(pdq_window(grid.width), t->wx);
  ck_assert_int_eq(pdq_window(grid.height), t->wy);
  for (int i = 0; i < 64; i++) {
    ck_assert_int_eq(pdq_sample_index(i, grid.height), t->rows[i]);
    ck_assert_int_eq(pdq_sample_index(i, grid.width), t->cols[i]);
  }
  for (int j = 0; j < 4; j++)
    ck_assert_msg(grid.data[j] == t->luma0[j], "luma[0][%d] = %.9g, trace %.9g", j,
                  grid.data[j], t->luma0[j]);

  float A[64][64], B[16][16];
  ck_assert_int_eq(pdq_blur_decimate(&grid, ws, A), HS_OK);
  for (int i = 0; i < 64; i++)
    for (int j = 0; j < 64; j++)
      ck_assert_msg(A[i][j] == t->A[i][j], "A[%d][%d] = %.9g, trace %.9g", i, j, A[i][j],
                    t->A[i][j]);
  ck_assert_int_eq(pdq_quality((const float(*)[64])t->A), t->quality);
  pdq_dct16((const float(*)[64])t->A, B);
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 16; j++)
      ck_assert_msg(B[i][j] == t->B[i][j], "B[%d][%d] = %.9g, trace %.9g", i, j, B[i][j],
                    t->B[i][j]);
  ck_assert_msg(pdq_median((const float(*)[16])t->B) == t->median, "median %.9g, trace %.9g",
                pdq_median((const float(*)[16])t->B), t->median);
  hs_hash256 h;
  pdq_bits((const float(*)[16])t->B, &h);
  char hex[65];
  hs_hash256_to_hex(&h, hex);
  ck_assert_str_eq(hex, t->pdq);

  /* The literal reference blur agrees too. */
  float *a = malloc(sizeof(float) * (size_t)grid.width * grid.height);
  float *b = malloc(sizeof(float) * (size_t)grid.width * grid.height);
  for (int y = 0; y < grid.height; y++)
    memcpy(a + (size_t)y * grid.width, grid.data + (size_t)y * grid.stride,
           sizeof(float) * grid.width);
  pdq_blur_reference(a, b, grid.height, grid.width);
  float A2[64][64];
  pdq_decimate(a, grid.height, grid.width, grid.width, A2);
  ck_assert_int_eq(memcmp(A2, t->A, sizeof A2), 0);
  free(a);
  free(b);
  free(owned);
  free(t);
  hs_workspace_destroy(ws);
}
END_TEST

/* ---- fused blur vs literal reference on random planes -------------------- */

static void random_plane(uint64_t *seed, int w, int h, float *out) {
  /* Smooth structure plus noise, values in 0..255 like real luma. */
  float fx = 0.01f + 0.2f * tu_randf(seed), fy = 0.01f + 0.2f * tu_randf(seed);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      unsigned r = (unsigned)(tu_rand(seed) & 255);
      float base = 127.5f + 100.0f * sinf(fx * x) * cosf(fy * y);
      out[(size_t)y * w + x] = normalise_luma_rgb(r, (unsigned)base, (unsigned)(255 - r / 2));
    }
}

static const int sizes[][2] = {{5, 5},     {6, 9},     {37, 100},  {63, 65},   {64, 65},
                               {65, 64},   {127, 129}, {128, 128}, {129, 257}, {300, 7},
                               {7, 300},   {511, 513}, {1000, 37}, {600, 400}, {1600, 1004},
                               {2000, 50}, {50, 2000}, {1023, 769}};

START_TEST(fused_blur_equals_reference) {
  int w = sizes[_i][0], h = sizes[_i][1];
  uint64_t seed = 1234 + (uint64_t)_i;
  float *plane = malloc(sizeof(float) * (size_t)w * h);
  float *a = malloc(sizeof(float) * (size_t)w * h), *b = malloc(sizeof(float) * (size_t)w * h);
  random_plane(&seed, w, h, plane);
  memcpy(a, plane, sizeof(float) * (size_t)w * h);
  pdq_blur_reference(a, b, h, w);
  float want[64][64], got[64][64];
  pdq_decimate(a, h, w, (size_t)w, want);
  hs_workspace *ws = hs_workspace_create();
  hs_luma l = {w, h, (size_t)w, plane};
  for (int generic = 0; generic <= 1; generic++) {
    ck_assert_int_eq(pdq_blur_decimate_variant(&l, ws, got, generic), HS_OK);
    for (int i = 0; i < 64; i++)
      for (int j = 0; j < 64; j++)
        ck_assert_msg(memcmp(&got[i][j], &want[i][j], sizeof(float)) == 0,
                      "%dx%d %s: A[%d][%d] fused %.9g reference %.9g", w, h,
                      generic ? "generic" : pdq_blur_variant(), i, j, got[i][j], want[i][j]);
  }
  hs_workspace_destroy(ws);
  free(plane);
  free(a);
  free(b);
}
END_TEST

/* Strided input (a view into a wider plane) gives the same hash. */
START_TEST(strided_plane) {
  int w = 300, h = 200, stride = 333;
  uint64_t seed = 99;
  float *plane = malloc(sizeof(float) * (size_t)w * h);
  float *wide = calloc((size_t)stride * h, sizeof(float));
  random_plane(&seed, w, h, plane);
  for (int y = 0; y < h; y++)
    memcpy(wide + (size_t)y * stride, plane + (size_t)y * w, sizeof(float) * w);
  hs_workspace *ws = hs_workspace_create();
  hs_pdq p1, p2;
  hs_luma l1 = {w, h, (size_t)w, plane}, l2 = {w, h, (size_t)stride, wide};
  ck_assert_int_eq(hs_pdq_from_luma(&l1, ws, &p1), HS_OK);
  ck_assert_int_eq(hs_pdq_from_luma(&l2, ws, &p2), HS_OK);
  ck_assert_int_eq(memcmp(&p1, &p2, sizeof p1), 0);
  ck_assert_int_eq(p1.quality, p2.quality);
  hs_workspace_destroy(ws);
  free(plane);
  free(wide);
}
END_TEST

/* ---- box filter, DCT matrix, bits ------------------------------------------ */

START_TEST(box_example_from_spec) {
  /* w = 4 (half = 3), input 1..10: window [k-1, k+2]. */
  float in[10], out[10];
  for (int i = 0; i < 10; i++)
    in[i] = (float)(i + 1);
  pdq_box_1d(in, out, 10, 1, 4);
  const float want[10] = {2, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f, 7.5f, 8.5f, 9, 9.5f};
  for (int i = 0; i < 10; i++)
    ck_assert_float_eq(out[i], want[i]);
}
END_TEST

START_TEST(window_sizes) {
  const int dims[][2] = {{128, 1}, {129, 2}, {256, 2}, {300, 3}, {512, 4},
                         {1004, 8}, {1600, 13}, {3024, 24}, {4032, 32}, {1, 1}};
  for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++)
    ck_assert_int_eq(pdq_window(dims[i][0]), dims[i][1]);
}
END_TEST

START_TEST(dct_matrix_values) {
  const float(*D)[64] = pdq_dct_matrix();
  ck_assert(D[0][0] == 0.17672345f);
  ck_assert(D[0][63] == -0.17672345f);
  ck_assert(D[1][0] == 0.176563755f);
  ck_assert(D[15][0] == 0.163320363f);
}
END_TEST

static void hex_of_single_coef(int i, int j, char hex[65]) {
  float B[16][16];
  /* One coefficient above an all-zero field: median 0, only (i,j) > 0. */
  memset(B, 0, sizeof B);
  B[i][j] = 1.0f;
  hs_hash256 h;
  pdq_bits((const float(*)[16])B, &h);
  hs_hash256_to_hex(&h, hex);
}

START_TEST(bit_layout) {
  char hex[65];
  hex_of_single_coef(0, 0, hex);
  ck_assert_str_eq(hex, "0000000000000000000000000000000000000000000000000000000000000001");
  hex_of_single_coef(15, 15, hex);
  ck_assert_str_eq(hex, "8000000000000000000000000000000000000000000000000000000000000000");
  hex_of_single_coef(0, 4, hex);
  ck_assert_str_eq(hex, "0000000000000000000000000000000000000000000000000000000000000010");
}
END_TEST

START_TEST(median_is_lower_median) {
  float B[16][16];
  for (int k = 0; k < 256; k++)
    B[k / 16][k % 16] = (float)((k * 97) % 256); /* a permutation of 0..255 */
  ck_assert_float_eq(pdq_median((const float(*)[16])B), 127.0f);
  hs_hash256 h;
  pdq_bits((const float(*)[16])B, &h);
  ck_assert_int_eq(hs_hash256_distance(&h, &(hs_hash256){{0}}), 128);
}
END_TEST

START_TEST(tiny_planes_are_zero) {
  float plane[4 * 100] = {0};
  for (int i = 0; i < 400; i++)
    plane[i] = (float)(i % 251);
  hs_workspace *ws = hs_workspace_create();
  hs_pdq p;
  hs_luma l = {4, 100, 4, plane};
  ck_assert_int_eq(hs_pdq_from_luma(&l, ws, &p), HS_OK);
  ck_assert_int_eq(p.quality, 0);
  for (int v = 0; v < HS_DIH_COUNT; v++)
    ck_assert_int_eq(hs_hash256_distance(&p.hash[v], &(hs_hash256){{0}}), 0);
  hs_workspace_destroy(ws);
}
END_TEST

START_TEST(flat_plane_quality_zero) {
  float *plane = malloc(sizeof(float) * 200 * 150);
  for (int i = 0; i < 200 * 150; i++)
    plane[i] = 77.0f;
  hs_workspace *ws = hs_workspace_create();
  hs_pdq p;
  hs_luma l = {200, 150, 200, plane};
  ck_assert_int_eq(hs_pdq_from_luma(&l, ws, &p), HS_OK);
  ck_assert_int_eq(p.quality, 0);
  hs_workspace_destroy(ws);
  free(plane);
}
END_TEST

int main(void) {
  dir = tu_testdata_dir();
  Suite *s = suite_create("pdq_stages");
  TCase *tc = tcase_create("stages");
  tcase_add_loop_test(tc, fused_blur_equals_reference, 0, sizeof sizes / sizeof sizes[0]);
  tcase_add_test(tc, strided_plane);
  tcase_add_test(tc, box_example_from_spec);
  tcase_add_test(tc, window_sizes);
  tcase_add_test(tc, dct_matrix_values);
  tcase_add_test(tc, bit_layout);
  tcase_add_test(tc, median_is_lower_median);
  tcase_add_test(tc, tiny_planes_are_zero);
  tcase_add_test(tc, flat_plane_quality_zero);
  suite_add_tcase(s, tc);
  if (dir) {
    TCase *tr = tcase_create("traces");
    tcase_add_loop_test(tr, trace_stages, 0, 2);
    suite_add_tcase(s, tr);
  } else {
    fprintf(stderr, "note: reference traces absent; trace stage tests not run\n");
  }
  return tu_run_suite(s);
}
