/* bench/bench_device_hamming.c - Hamming comparisons per second (Q x M / s)
 * of the OpenCL kernels (cl_match_radius, cl_match_topk), for 256- and
 * 64-bit hashes.
 *
 *   bench_device_hamming [--device D] [--kernel-dir DIR] [--bits 256|64]
 *                        [--reps R] [--dump FILE] M Q
 *
 * M random haystack hashes and Q queries (fixed seed; one query in ten is a
 * haystack entry with a few bits flipped, so there are matches). Prints
 * the device, then radius 31 (256-bit; 8 for 64-bit) and top-1: seconds
 * and comparisons/s, best of R after a warm-up. --dump writes the haystack
 * and queries as raw little-endian words (M then Q hashes, each bits/64
 * words) for a peer to search the same data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/match_list.h"
#include "device/cl_match.h"
#include "device/cl_tuning.h"
#include "bench_util.h"
#include "hashsweep.h"

static void die(const char *what) {
  fprintf(stderr, "bench_device_hamming: %s: %s\n", what, hs_last_error());
  exit(3);
}

/* Best seconds of `reps` runs of one search, with the CPU seconds of that
 * run in *cpu; *results and the sum of their distances (a checksum a peer
 * can reproduce) from the last. */
static double time_search(hs_engine *e, const cl_haystack *h, const uint64_t *q, size_t nq,
                          int radius, int k, int reps, size_t *results, uint64_t *dsum,
                          double *cpu) {
  double best = 1e30;
  for (int r = 0; r <= reps; r++) { /* run 0 is the warm-up */
    hs_match_list out = {0};
    double c0 = bench_cpu(), t0 = bench_now();
    hs_status st = k ? cl_match_topk(e, h, q, nq, k, &out)
                     : cl_match_radius(e, h, q, nq, radius, &out);
    double t = bench_now() - t0, c = bench_cpu() - c0;
    if (st != HS_OK)
      die("search");
    *results = out.count;
    *dsum = 0;
    for (size_t i = 0; i < out.count; i++)
      *dsum += out.items[i].distance;
    hs_match_list_free(&out);
    if (r > 0 && t < best) {
      best = t;
      *cpu = c;
    }
  }
  return best;
}

int main(int argc, char **argv) {
  const char *device = "auto", *dump = NULL, *kernel_dir = NULL;
  int bits = 256, reps = 1, a = 1;
  for (; a + 1 < argc && strncmp(argv[a], "--", 2) == 0; a += 2) {
    if (strcmp(argv[a], "--device") == 0)
      device = argv[a + 1];
    else if (strcmp(argv[a], "--bits") == 0)
      bits = atoi(argv[a + 1]);
    else if (strcmp(argv[a], "--reps") == 0)
      reps = atoi(argv[a + 1]);
    else if (strcmp(argv[a], "--dump") == 0)
      dump = argv[a + 1];
    else if (strcmp(argv[a], "--kernel-dir") == 0)
      kernel_dir = argv[a + 1];
    else if (strcmp(argv[a], "--tile") == 0) /* haystack entries per cache tile */
      cl_tuning_override.tile_entries = (size_t)atol(argv[a + 1]);
  }
  if (a + 2 != argc || (bits != 256 && bits != 64)) {
    fprintf(stderr, "usage: bench_device_hamming [--device D] [--kernel-dir DIR] [--bits 256|64] "
                    "[--reps R] [--dump FILE] M Q\n");
    return 2;
  }
  const size_t m = (size_t)atof(argv[a]), nq = (size_t)atof(argv[a + 1]);
  const int words = bits / 64, radius = bits == 256 ? 31 : 8;
  uint64_t seed = 12345;
  uint64_t *hay = malloc(m * words * sizeof *hay), *q = malloc(nq * words * sizeof *q);
  for (size_t i = 0; i < m * words; i++)
    hay[i] = bench_random(&seed);
  for (size_t i = 0; i < nq; i++) {
    for (int w = 0; w < words; w++)
      q[i * words + w] = bench_random(&seed);
    if (i % 10 == 0) { /* a near copy of some entry */
      memcpy(q + i * words, hay + (bench_random(&seed) % m) * words, sizeof(uint64_t) * words);
      q[i * words] ^= bench_random(&seed) & bench_random(&seed) & bench_random(&seed);
    }
  }
  if (dump) {
    FILE *f = fopen(dump, "wb");
    if (!f || fwrite(hay, sizeof *hay, m * words, f) != m * words ||
        fwrite(q, sizeof *q, nq * words, f) != nq * words || fclose(f) != 0) {
      fprintf(stderr, "bench_device_hamming: cannot write %s\n", dump);
      return 3;
    }
  }

  hs_engine_options o;
  hs_engine_options_default(&o);
  o.device = device;
  o.kernel_dir = kernel_dir;
  /* Measures the device itself: open it even when it is the host CPU. */
  o.hash_on = o.match_on = HS_PLACE_DEVICE;
  hs_engine *e = NULL;
  if (hs_engine_create(&o, &e) != HS_OK)
    die("engine");
  if (!hs_engine_uses_device(e)) {
    fprintf(stderr, "bench_device_hamming: no usable OpenCL device (%s)\n",
            hs_engine_description(e));
    return 2;
  }
  double t0 = bench_now();
  cl_haystack *h = NULL;
  if (cl_haystack_create(e, words, hay, m, &h) != HS_OK)
    die("haystack");
  double upload = bench_now() - t0;
  printf("device: %s\n%d-bit, M = %zu, Q = %zu, haystack upload %.3f s\n\n",
         hs_engine_description(e), bits, m, nq, upload);
  printf("| search | M | Q | seconds | comparisons/s | CPU seconds | comparisons/CPU-s | results "
         "| sum of distances |\n");
  printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (int k = 0; k <= 1; k++) {
    size_t results = 0;
    uint64_t dsum = 0;
    double cpu = 0;
    double t = time_search(e, h, q, nq, radius, k, reps, &results, &dsum, &cpu);
    char what[32];
    snprintf(what, sizeof what, k ? "top-1" : "radius %d", radius);
    double pairs = (double)m * (double)nq;
    printf("| %s | %zu | %zu | %.3f | %.3g | %.3f | %.3g | %zu | %llu |\n", what, m, nq, t,
           pairs / t, cpu, pairs / cpu, results, (unsigned long long)dsum);
    fflush(stdout);
  }
  cl_haystack_destroy(h);
  hs_engine_destroy(e);
  free(hay);
  free(q);
  return 0;
}
