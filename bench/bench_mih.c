/* bench/bench_mih.c - multi-index hashing vs a brute-force popcount scan,
 * one thread, same codes and queries, results compared exactly.
 *
 *   bench_mih --n N [--seeds FILE] [--queries Q] [--brute-queries B]
 *             [--radius R] [--seed S] [--dump DIR] [--variants all|auto|V,V...]
 *
 * Codes: N random 256-bit codes, or with --seeds (one 64-hex PDQ per line:
 * real hashes of photos and their edits) clustered codes: each is a seed
 * with k random bits flipped, k uniform in 0..64, so near neighbours and
 * hot buckets abound as in real lists. Queries: half codes of the set with
 * 0..40 bits flipped, half fresh (random, or seeds with flips). --dump
 * writes codes.bin and queries.bin (32 bytes per code, hs_hash256 words)
 * for the faiss peer (bench/mih_faiss.py). --variants (default all): the
 * search tiers timed on the same structure one after the other (generic,
 * popcnt, avx2, avx512: those this processor runs), each checked to return
 * the same set as the chosen one ("auto", timed first, the figure
 * mih_ms_per_query). Prints one JSON line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/match_list.h"
#include "index/mih.h"

static uint64_t rng(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void flip(uint64_t *w, int k, uint64_t *s) {
  for (int i = 0; i < k; i++) {
    int b = (int)(rng(s) % 256);
    w[b / 64] ^= 1ULL << (b % 64); /* may flip a bit twice: distance <= k */
  }
}

static uint64_t *load_seeds(const char *path, size_t *n) {
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    exit(2);
  }
  uint64_t *w = NULL;
  size_t cap = 0;
  char line[256];
  *n = 0;
  while (fgets(line, sizeof line, f)) {
    hs_hash256 h;
    if (hs_hash256_from_hex(line, 64, &h) != HS_OK)
      continue;
    if (*n == cap) {
      cap = cap ? cap * 2 : 256;
      w = realloc(w, cap * 32);
    }
    memcpy(w + 4 * (*n)++, h.w, 32);
  }
  fclose(f);
  return w;
}

/* The peer: a plain popcount loop (compiled with POPCNT when available). */
__attribute__((target("popcnt"))) static void brute(const uint64_t *codes, size_t n,
                                                   const uint64_t *q, int r, uint32_t qi,
                                                   hs_match_list *out) {
  for (size_t p = 0; p < n; p++) {
    const uint64_t *c = codes + 4 * p;
    int d = __builtin_popcountll(c[0] ^ q[0]) + __builtin_popcountll(c[1] ^ q[1]) +
            __builtin_popcountll(c[2] ^ q[2]) + __builtin_popcountll(c[3] ^ q[3]);
    if (d <= r) {
      hs_match m = {p, qi, (uint32_t)d};
      match_list_append(out, &m, 1);
    }
  }
}

static double thread_cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Best of 3 runs of all queries with tier v (the machine is shared: the
 * minimum is the least disturbed), in wall seconds and in seconds of this
 * thread's CPU time (*cpu: not counting the time other processes had the
 * core, which on a loaded machine is most of the wall time); out holds the
 * last run's results. */
static double time_queries(mih *m, mih_variant v, const uint64_t *queries, size_t nq, int radius,
                           hs_match_list *out, double *cpu) {
  if (mih_set_variant(m, v) != HS_OK) {
    fprintf(stderr, "%s\n", hs_last_error());
    exit(1);
  }
  double best = 1e30;
  *cpu = 1e30;
  for (int rep = 0; rep < 3; rep++) {
    out->count = 0;
    double t0 = now(), c0 = thread_cpu_now();
    for (size_t i = 0; i < nq; i++)
      if (mih_radius(m, queries + 4 * i, radius, out, (uint32_t)i) != HS_OK) {
        fprintf(stderr, "%s\n", hs_last_error());
        exit(1);
      }
    double c = thread_cpu_now() - c0;
    if (now() - t0 < best)
      best = now() - t0;
    if (c < *cpu)
      *cpu = c;
  }
  return best;
}

/* Whether tier `name` is in the --variants list ("all", or names joined by commas). */
static int wanted(const char *list, const char *name) {
  if (!strcmp(list, "all"))
    return 1;
  size_t len = strlen(name);
  for (const char *p = list; (p = strstr(p, name)) != NULL; p += len)
    if ((p == list || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
      return 1;
  return 0;
}

static void dump(const char *dir, const char *name, const uint64_t *w, size_t n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  /* As bytes in hex order (big-endian words), the order faiss's bit
   * vectors use does not matter for Hamming distance. */
  for (size_t i = 0; f && i < 4 * n; i++) {
    uint8_t b[8];
    for (int k = 0; k < 8; k++)
      b[k] = (uint8_t)(w[i] >> (56 - 8 * k));
    fwrite(b, 1, 8, f);
  }
  if (f)
    fclose(f);
}

int main(int argc, char **argv) {
  size_t n = 1000000, nq = 2000, nb = 200;
  int radius = 31;
  uint64_t seed = 42;
  const char *seeds_path = NULL, *dump_dir = NULL, *variants = "all";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--n")) n = strtoull(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--queries")) nq = strtoull(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--brute-queries")) nb = strtoull(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--radius")) radius = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--seed")) seed = strtoull(argv[i + 1], NULL, 10);
    else if (!strcmp(argv[i], "--seeds")) seeds_path = argv[i + 1];
    else if (!strcmp(argv[i], "--dump")) dump_dir = argv[i + 1];
    else if (!strcmp(argv[i], "--variants")) variants = argv[i + 1];
    else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
  }
  size_t nseeds = 0;
  uint64_t *seeds = seeds_path ? load_seeds(seeds_path, &nseeds) : NULL;
  uint64_t *codes = malloc(n * 32), *queries = malloc(nq * 32);
  for (size_t i = 0; i < n; i++) {
    uint64_t *w = codes + 4 * i;
    if (seeds) {
      memcpy(w, seeds + 4 * (rng(&seed) % nseeds), 32);
      flip(w, (int)(rng(&seed) % 65), &seed);
    } else {
      for (int k = 0; k < 4; k++)
        w[k] = rng(&seed);
    }
  }
  for (size_t i = 0; i < nq; i++) {
    uint64_t *w = queries + 4 * i;
    if (i % 2 == 0) {
      memcpy(w, codes + 4 * (rng(&seed) % n), 32);
      flip(w, (int)(rng(&seed) % 41), &seed);
    } else if (seeds) {
      memcpy(w, seeds + 4 * (rng(&seed) % nseeds), 32);
      flip(w, (int)(rng(&seed) % 41), &seed);
    } else {
      for (int k = 0; k < 4; k++)
        w[k] = rng(&seed);
    }
  }
  if (dump_dir) {
    dump(dump_dir, "codes.bin", codes, n);
    dump(dump_dir, "queries.bin", queries, nq);
  }
  double t0 = now(), c0 = cpu_now();
  mih *m;
  if (mih_build(codes, n, &m) != HS_OK) {
    fprintf(stderr, "%s\n", hs_last_error());
    return 1;
  }
  double build = now() - t0, build_cpu = cpu_now() - c0;
  hs_match_list a = {0}, b = {0};
  double tm_cpu, tm = time_queries(m, MIH_VARIANT_AUTO, queries, nq, radius, &a, &tm_cpu);
  size_t mih_results = a.count;
  /* The other tiers on the same structure: timed, and their results
   * compared with the chosen one's (a copy, sorted). */
  char tiers[512];
  int tiers_same = 1;
  size_t tl = (size_t)snprintf(tiers, sizeof tiers, "\"%s\"", mih_variant_name(mih_variant_used(m)));
  char cpus[256] = "";
  size_t cl = 0;
  tl += (size_t)snprintf(tiers + tl, sizeof tiers - tl, ",\"variants\":{");
  hs_match_list ref = {0}, alt = {0};
  match_list_append(&ref, a.items, a.count);
  if (ref.count)
    match_list_sort_by_target(ref.items, ref.count);
  int first = 1;
  for (int v = MIH_VARIANT_GENERIC; v < MIH_VARIANT_COUNT; v++) {
    if (!wanted(variants, mih_variant_name((mih_variant)v)) ||
        !mih_variant_available((mih_variant)v))
      continue;
    double tv_cpu, tv = time_queries(m, (mih_variant)v, queries, nq, radius, &alt, &tv_cpu);
    if (alt.count)
      match_list_sort_by_target(alt.items, alt.count);
    int same_v = alt.count == ref.count;
    for (size_t i = 0; same_v && i < alt.count; i++)
      same_v = alt.items[i].target == ref.items[i].target &&
               alt.items[i].query == ref.items[i].query &&
               alt.items[i].distance == ref.items[i].distance;
    tiers_same &= same_v;
    tl += (size_t)snprintf(tiers + tl, sizeof tiers - tl, "%s\"%s\":%.4f", first ? "" : ",",
                           mih_variant_name((mih_variant)v), tv * 1e3 / (double)nq);
    cl += (size_t)snprintf(cpus + cl, sizeof cpus - cl, "%s\"%s\":%.4f", first ? "" : ",",
                           mih_variant_name((mih_variant)v), tv_cpu * 1e3 / (double)nq);
    first = 0;
  }
  snprintf(tiers + tl, sizeof tiers - tl, "},\"variants_cpu\":{%s},\"variants_identical\":%s",
           cpus, tiers_same ? "true" : "false");
  mih_set_variant(m, MIH_VARIANT_AUTO);
  /* The brute-force peer on the first nb queries; results must agree. */
  if (nb > nq)
    nb = nq;
  t0 = now();
  for (size_t i = 0; i < nb; i++)
    brute(codes, n, queries + 4 * i, radius, (uint32_t)i, &b);
  double tb = now() - t0;
  size_t na = 0;
  while (na < a.count && a.items[na].query < nb)
    na++;
  match_list_sort_by_target(a.items, na);
  match_list_sort_by_target(b.items, b.count);
  int same = na == b.count;
  for (size_t i = 0; same && i < na; i++)
    same = a.items[i].target == b.items[i].target && a.items[i].distance == b.items[i].distance;
  printf("{\"data\":\"%s\",\"n\":%zu,\"radius\":%d,\"queries\":%zu,\"build_s\":%.3f,"
         "\"build_cpu_s\":%.3f,\"bytes_per_code\":%.1f,\"variant\":%s,\"mih_ms_per_query\":%.4f,\"mih_cpu_ms_per_query\":%.4f,\"brute_ms_per_query\":%.4f,"
         "\"speedup\":%.1f,\"results\":%zu,\"brute_queries\":%zu,\"brute_results\":%zu,"
         "\"identical_to_brute\":%s}\n",
         seeds ? "clustered" : "random", n, radius, nq, build, build_cpu,
         (double)mih_memory(m) / (double)n, tiers, tm * 1e3 / (double)nq, tm_cpu * 1e3 / (double)nq, nb ? tb * 1e3 / (double)nb : 0.0,
         nb ? (tb / (double)nb) / (tm / (double)nq) : 0.0, mih_results, nb, b.count, same ? "true" : "false");
  mih_destroy(m);
  hs_match_list_free(&a);
  hs_match_list_free(&b);
  hs_match_list_free(&ref);
  hs_match_list_free(&alt);
  free(codes);
  free(queries);
  free(seeds);
  return same && tiers_same ? 0 : 1;
}
