/* bench/bench_hamming.c - Hamming search speed on the CPU path, as
 * comparisons per second (queries x haystack / seconds).
 *
 *   bench_hamming --bits 256|64 (--data DIR | --m M --q Q [--seed S])
 *                 (--radius R | --top K) [--threads N] [--repeat N]
 *
 * --data DIR reads DIR/haystack_<bits>.u64 and DIR/queries_<bits>.u64: raw
 * native-endian uint64, hash-major (what numpy's tofile writes), so a peer
 * (bench/hamming_vs_faiss.py) searches the very same bytes. Prints one JSON
 * line; the time is the best of --repeat runs of the search alone (the
 * haystack layout is built once, outside the timing). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hashsweep.h"
#include "match/hamming.h"

typedef struct args {
  int bits, radius, top, threads, repeat;
  size_t m, q;
  uint64_t seed;
  const char *data;
} args;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* Reads a whole .u64 file; *n receives the number of words. */
static uint64_t *read_u64(const char *dir, const char *stem, int bits, size_t *n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s_%d.u64", dir, stem, bits);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "bench_hamming: cannot open %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long bytes = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint64_t *w = malloc((size_t)bytes + 8);
  if (!w || fread(w, 1, (size_t)bytes, f) != (size_t)bytes) {
    fprintf(stderr, "bench_hamming: cannot read %s\n", path);
    exit(2);
  }
  fclose(f);
  *n = (size_t)bytes / 8;
  return w;
}

static uint64_t *random_words(size_t n, uint64_t *seed) {
  uint64_t *w = malloc(n * 8 + 8);
  if (!w)
    exit(3);
  for (size_t i = 0; i < n; i++)
    w[i] = splitmix(seed);
  return w;
}

static void parse(int argc, char **argv, args *a) {
  static const struct option o[] = {
      {"bits", 1, 0, 'b'},   {"m", 1, 0, 'm'},       {"q", 1, 0, 'q'},
      {"seed", 1, 0, 's'},   {"radius", 1, 0, 'r'},  {"top", 1, 0, 'k'},
      {"threads", 1, 0, 't'}, {"repeat", 1, 0, 'n'}, {"data", 1, 0, 'd'},
      {0, 0, 0, 0}};
  *a = (args){.bits = 256, .radius = -1, .top = 0, .threads = 1, .repeat = 3, .seed = 1};
  int c;
  while ((c = getopt_long(argc, argv, "", o, NULL)) != -1) {
    switch (c) {
    case 'b': a->bits = atoi(optarg); break;
    case 'm': a->m = (size_t)strtod(optarg, NULL); break;
    case 'q': a->q = (size_t)strtod(optarg, NULL); break;
    case 's': a->seed = strtoull(optarg, NULL, 10); break;
    case 'r': a->radius = atoi(optarg); break;
    case 'k': a->top = atoi(optarg); break;
    case 't': a->threads = atoi(optarg); break;
    case 'n': a->repeat = atoi(optarg); break;
    case 'd': a->data = optarg; break;
    default: exit(2);
    }
  }
  if ((a->bits != 256 && a->bits != 64) || (a->radius < 0) == (a->top <= 0) ||
      (!a->data && (!a->m || !a->q))) {
    fprintf(stderr, "usage: bench_hamming --bits 256|64 (--data DIR | --m M --q Q [--seed S])\n"
                    "       (--radius R | --top K) [--threads N] [--repeat N]\n");
    exit(2);
  }
}

int main(int argc, char **argv) {
  args a;
  parse(argc, argv, &a);
  size_t words = (size_t)a.bits / 64, nh, nqw;
  uint64_t *hay, *queries;
  if (a.data) {
    hay = read_u64(a.data, "haystack", a.bits, &nh);
    queries = read_u64(a.data, "queries", a.bits, &nqw);
    a.m = nh / words;
    a.q = nqw / words;
  } else {
    uint64_t s = a.seed;
    hay = random_words(a.m * words, &s);
    queries = random_words(a.q * words, &s);
  }
  hs_engine_options eo;
  hs_engine_options_default(&eo);
  eo.device = "cpu";
  eo.threads = a.threads;
  hs_engine *e;
  hs_haystack *h;
  if (hs_engine_create(&eo, &e) != HS_OK || hs_haystack_create(e, a.bits, hay, a.m, &h) != HS_OK) {
    fprintf(stderr, "bench_hamming: %s\n", hs_last_error());
    return 3;
  }
  double best = 1e30;
  size_t results = 0;
  uint64_t distance_sum = 0; /* lets a peer check it found the same */
  for (int r = 0; r < a.repeat; r++) {
    hs_match_list out = {0};
    double t0 = now();
    hs_status st = a.top ? hs_match_topk(e, h, queries, a.q, a.top, &out)
                         : hs_match_radius(e, h, queries, a.q, a.radius, &out);
    double dt = now() - t0;
    if (st != HS_OK) {
      fprintf(stderr, "bench_hamming: %s\n", hs_last_error());
      return 3;
    }
    results = out.count;
    distance_sum = 0;
    for (size_t i = 0; i < out.count; i++)
      distance_sum += out.items[i].distance;
    hs_match_list_free(&out);
    if (dt < best)
      best = dt;
  }
  double cmp = (double)a.m * (double)a.q;
  printf("{\"engine\":\"hashsweep-cpu\",\"kernel\":\"%s\",\"bits\":%d,\"m\":%zu,\"q\":%zu,"
         "\"mode\":\"%s\",\"param\":%d,\"threads\":%d,\"seconds\":%.6f,"
         "\"comparisons_per_s\":%.4g,\"per_thread\":%.4g,\"results\":%zu,"
         "\"distance_sum\":%llu}\n",
         hamming_tier_name(hamming_tier_selected()), a.bits, a.m, a.q, a.top ? "top" : "radius",
         a.top ? a.top : a.radius, a.threads, best, cmp / best, cmp / best / a.threads, results,
         (unsigned long long)distance_sum);
  hs_haystack_destroy(h);
  hs_engine_destroy(e);
  free(hay);
  free(queries);
  return 0;
}
