/* bench/bench_hash.c - files/s of PDQ hashing per mode, next to the
 * ceiling: libvips alone decoding the same files at the same shrink.
 *
 *   bench_hash [--repeat N] FILE...      (one thread; pin with taskset)
 *
 * For each repetition, and interleaved so machine noise hits every column
 * alike, it times over all files:
 *   vips_full   libvips decode at full resolution (pixels pulled, nothing done)
 *   exact       hs_hash_file in exact mode (read, digests, decode, luma, PDQ)
 *   vips_fast   libvips decode at the shrink FAST mode picks per file
 *   fast        hs_hash_file in fast mode
 * and prints the median files/s of each, and exact/vips_full, fast/vips_fast. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vips/vips.h>

#include "hashsweep.h"
#include "image/fast_policy.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Decodes every pixel of `path` with libvips at `shrink` and discards it. */
static int vips_decode(const char *path, int shrink_policy) {
  VipsImage *img = vips_image_new_from_file(path, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
  if (!img)
    return -1;
  int shrink = 1;
  const char *loader = vips_foreign_find_load(path);
  if (shrink_policy && loader && strstr(loader, "Jpeg"))
    shrink = fast_policy_jpeg_shrink(img->Xsize, img->Ysize);
  if (shrink > 1) {
    g_object_unref(img);
    img = vips_image_new_from_file(path, "access", VIPS_ACCESS_SEQUENTIAL, "shrink", shrink, NULL);
    if (!img)
      return -1;
  }
  VipsRegion *r = vips_region_new(img);
  int rc = 0;
  for (int y = 0; y < img->Ysize && !rc; y += 64) {
    VipsRect rect = {0, y, img->Xsize, y + 64 <= img->Ysize ? 64 : img->Ysize - y};
    rc = vips_region_prepare(r, &rect);
  }
  g_object_unref(r);
  g_object_unref(img);
  return rc;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  int repeat = 3, first = 1;
  if (argc > 2 && strcmp(argv[1], "--repeat") == 0) {
    repeat = atoi(argv[2]);
    first = 3;
  }
  int n = argc - first;
  if (n <= 0 || repeat <= 0) {
    fprintf(stderr, "usage: bench_hash [--repeat N] FILE...\n");
    return 2;
  }
  if (hs_init(argv[0]) != HS_OK)
    return 3;
  hs_workspace *ws = hs_workspace_create();
  enum { VIPS_FULL, EXACT, VIPS_FAST, FAST, NCOL };
  const char *names[NCOL] = {"vips_full", "exact", "vips_fast", "fast"};
  double *t[NCOL];
  for (int c = 0; c < NCOL; c++)
    t[c] = calloc((size_t)repeat, sizeof(double));
  for (int r = 0; r < repeat; r++) {
    for (int c = 0; c < NCOL; c++) {
      hs_decode_options o;
      hs_decode_options_default(&o);
      o.mode = c == EXACT ? HS_MODE_EXACT : HS_MODE_FAST;
      double t0 = now();
      for (int i = 0; i < n; i++) {
        const char *path = argv[first + i];
        if (c == VIPS_FULL || c == VIPS_FAST) {
          if (vips_decode(path, c == VIPS_FAST) != 0)
            fprintf(stderr, "%s: libvips failed\n", path);
        } else {
          hs_pdq pdq;
          hs_image_info info;
          if (hs_hash_file(path, &o, ws, &pdq, &info) != HS_OK)
            fprintf(stderr, "%s\n", hs_last_error());
        }
      }
      t[c][r] = now() - t0;
    }
  }
  double med[NCOL];
  printf("files=%d repeats=%d (median files/s, one thread)\n", n, repeat);
  for (int c = 0; c < NCOL; c++) {
    qsort(t[c], (size_t)repeat, sizeof(double), cmp_double);
    med[c] = n / t[c][repeat / 2];
    printf("%-10s %8.2f files/s  %7.1f ms/file\n", names[c], med[c], 1e3 / med[c]);
  }
  printf("exact/vips_full = %.3f   fast/vips_fast = %.3f   fast/exact = %.2fx\n",
         med[EXACT] / med[VIPS_FULL], med[FAST] / med[VIPS_FAST], med[FAST] / med[EXACT]);
  hs_workspace_destroy(ws);
  return 0;
}
