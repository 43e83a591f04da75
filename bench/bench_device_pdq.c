/* bench/bench_device_pdq.c - PDQ planes per second on an OpenCL device
 * (hs_engine_pdq, one batch per call) and on the CPU path, side by side on
 * the same planes; checks that both give identical hashes.
 *
 *   bench_device_pdq [--device D] [--kernel-dir DIR] [--threads T] [--reps R]
 *                    WxH:N ...
 *
 * Each WxH:N is N planes of W x H (fixed seed, smooth content with noise).
 * Prints device and driver, then per size: planes/s on the device, on the
 * CPU path, the ratio, and planes per CPU-second of each (steadier on a
 * shared machine). Best of R timed runs after one warm-up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "hashsweep.h"

static void make_planes(hs_luma *l, int n, int w, int h, uint64_t *seed) {
  for (int i = 0; i < n; i++) {
    float *d = malloc((size_t)w * h * sizeof *d);
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        d[(size_t)y * w + x] = (float)((x * (3 + i) + y * 7) % 200) +
                               (float)(bench_random(seed) % 56);
    l[i] = (hs_luma){.width = w, .height = h, .stride = (size_t)w, .data = d};
  }
}

/* Best planes/s over `reps` runs (after a warm-up); *per_cpu is planes per
 * CPU-second (all threads) of that run. */
static double rate(hs_engine *e, const hs_luma *l, int n, hs_pdq *out, int reps,
                   double *per_cpu) {
  if (hs_engine_pdq(e, l, (size_t)n, out) != HS_OK) {
    fprintf(stderr, "bench_device_pdq: %s\n", hs_last_error());
    exit(3);
  }
  double best = 0;
  for (int r = 0; r < reps; r++) {
    double c0 = bench_cpu(), t0 = bench_now();
    hs_engine_pdq(e, l, (size_t)n, out);
    double s = (double)n / (bench_now() - t0);
    if (s > best) {
      best = s;
      *per_cpu = (double)n / (bench_cpu() - c0);
    }
  }
  return best;
}

static hs_engine *engine(const char *device, const char *kernel_dir, int threads) {
  hs_engine_options o;
  hs_engine_options_default(&o);
  o.device = device;
  o.kernel_dir = kernel_dir;
  o.threads = threads;
  /* Measures the device itself: open it even when it is the host CPU. */
  o.hash_on = o.match_on = HS_PLACE_DEVICE;
  hs_engine *e = NULL;
  if (hs_engine_create(&o, &e) != HS_OK) {
    fprintf(stderr, "bench_device_pdq: %s\n", hs_last_error());
    exit(2);
  }
  return e;
}

int main(int argc, char **argv) {
  const char *device = "auto", *kernel_dir = NULL;
  int threads = 0, reps = 3, a = 1;
  for (; a + 1 < argc && strncmp(argv[a], "--", 2) == 0; a += 2) {
    if (strcmp(argv[a], "--device") == 0)
      device = argv[a + 1];
    else if (strcmp(argv[a], "--threads") == 0)
      threads = atoi(argv[a + 1]);
    else if (strcmp(argv[a], "--reps") == 0)
      reps = atoi(argv[a + 1]);
    else if (strcmp(argv[a], "--kernel-dir") == 0)
      kernel_dir = argv[a + 1];
  }
  if (a >= argc) {
    fprintf(stderr, "usage: bench_device_pdq [--device D] [--kernel-dir DIR] [--threads T] "
                    "[--reps R] WxH:N ...\n");
    return 2;
  }
  hs_engine *dev = engine(device, kernel_dir, threads), *cpu = engine("cpu", NULL, threads);
  printf("device: %s\ncpu:    %s\n\n", hs_engine_description(dev), hs_engine_description(cpu));
  printf("| plane | planes | device planes/s | CPU planes/s | device / CPU | device planes/CPU-s "
         "| CPU planes/CPU-s |\n");
  printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  uint64_t seed = 2024;
  for (; a < argc; a++) {
    int w, h, n;
    if (sscanf(argv[a], "%dx%d:%d", &w, &h, &n) != 3 || w < 1 || h < 1 || n < 1) {
      fprintf(stderr, "bench_device_pdq: bad size '%s' (WxH:N)\n", argv[a]);
      return 2;
    }
    hs_luma *l = calloc((size_t)n, sizeof *l);
    hs_pdq *o1 = calloc((size_t)n, sizeof *o1), *o2 = calloc((size_t)n, sizeof *o2);
    make_planes(l, n, w, h, &seed);
    double cd = 0, cc = 0;
    double rd = rate(dev, l, n, o1, reps, &cd), rc = rate(cpu, l, n, o2, reps, &cc);
    if (memcmp(o1, o2, (size_t)n * sizeof *o1) != 0) {
      fprintf(stderr, "bench_device_pdq: device and CPU hashes differ at %dx%d\n", w, h);
      return 1;
    }
    printf("| %dx%d | %d | %.1f | %.1f | %.2f | %.1f | %.1f |\n", w, h, n, rd, rc, rd / rc, cd, cc);
    fflush(stdout);
    for (int i = 0; i < n; i++)
      free(l[i].data);
    free(l), free(o1), free(o2);
  }
  hs_engine_destroy(dev);
  hs_engine_destroy(cpu);
  return 0;
}
