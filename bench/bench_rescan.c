/* bench/bench_rescan.c - the spike-response path: a rescan of N stored files
 * (8 dihedral PDQ hashes each) against M new index entries, no decoding.
 *
 *   bench_rescan [--files N] [--entries M] [--device D] [--match-on P]
 *                [--out FILE] [--dir DIR]
 *
 * Builds a synthetic store (random hashes; 100 files planted within 8..24
 * bits of an entry through a random variant) and index under DIR (default
 * a fresh folder in /tmp, removed at the end), then times hs_rescan_run.
 * Prints files/s, comparisons/s (N x 8 x M / s) and checks that every
 * planted file was found. Fixed seed: the same N and M give the same store
 * and index, so the --out files of a device and a CPU run (--match-on
 * device|cpu) must be equal byte for byte (bench/gpu-check.sh compares them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hashsweep.h"
#include "scan/store.h"

static uint64_t rng = 12345;
static uint64_t next64(void) {
  uint64_t z = (rng += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void random_hash(hs_hash256 *h) {
  for (int i = 0; i < 4; i++)
    h->w[i] = next64();
}

static void flip_bits(hs_hash256 *h, int n) {
  for (int k = 0; k < n;) {
    int bit = (int)(next64() % 256);
    uint64_t m = 1ULL << (bit & 63);
    if (h->w[bit >> 6] & m && k % 2)
      continue;
    h->w[bit >> 6] ^= m;
    k++;
  }
}

int main(int argc, char **argv) {
  long files = 10000000, entries = 10000;
  const char *device = NULL, *dir = NULL, *out = "/dev/null";
  hs_placement match_on = HS_PLACE_AUTO;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--files"))
      files = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--entries"))
      entries = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--device"))
      device = argv[i + 1];
    else if (!strcmp(argv[i], "--dir"))
      dir = argv[i + 1];
    else if (!strcmp(argv[i], "--out"))
      out = argv[i + 1];
    else if (!strcmp(argv[i], "--match-on") && hs_placement_parse(argv[i + 1], &match_on) != HS_OK)
      return fprintf(stderr, "--match-on: %s\n", hs_last_error()), 2;
  }
  char tmpl[] = "/tmp/hs-bench-rescan-XXXXXX";
  if (!dir && !(dir = mkdtemp(tmpl)))
    return perror("mkdtemp"), 3;
  char store_dir[4096], index_dir[4096], list[4096];
  snprintf(store_dir, sizeof store_dir, "%s/store", dir);
  snprintf(index_dir, sizeof index_dir, "%s/index", dir);
  snprintf(list, sizeof list, "%s/new-entries.txt", dir);
  if (hs_init(argv[0]) != HS_OK)
    return 3;

  /* The new entries. */
  hs_hash256 *ent = malloc(sizeof *ent * (size_t)entries);
  FILE *f = fopen(list, "w");
  for (long i = 0; i < entries; i++) {
    random_hash(&ent[i]);
    char hex[65];
    hs_hash256_to_hex(&ent[i], hex);
    fprintf(f, "%s\n", hex);
  }
  fclose(f);
  const char *files_arr[1] = {list};
  hs_index *idx = NULL;
  hs_import_options io;
  hs_import_options_default(&io);
  io.list = "spike";
  hs_import_result ir;
  if (hs_index_create(index_dir) || hs_index_open(index_dir, 0, &idx) ||
      hs_index_import(idx, files_arr, 1, &io, &ir)) {
    fprintf(stderr, "index: %s\n", hs_last_error());
    return 3;
  }
  hs_index_close(idx);

  /* The store: N files, 100 planted near an entry through a random variant. */
  double t0 = now_s();
  store *s = NULL;
  if (store_open(store_dir, 0, &s) != HS_OK) {
    fprintf(stderr, "store: %s\n", hs_last_error());
    return 3;
  }
  const long planted = files < 100 ? files : 100;
  long stride = files / (planted ? planted : 1);
  for (long i = 0; i < files;) {
    if (store_batch_begin(s) != HS_OK)
      return fprintf(stderr, "%s\n", hs_last_error()), 3;
    for (long end = i + 100000; i < files && i < end; i++) {
      char path[64];
      snprintf(path, sizeof path, "/archive/%010ld.jpg", i);
      store_record r = {.status = STORE_OK, .quality = 100, .job = 1, .size = 1000};
      for (int v = 0; v < HS_DIH_COUNT; v++)
        random_hash(&r.pdq[v]);
      if (planted && i % stride == 0 && i / stride < planted) {
        int v = (int)(next64() % HS_DIH_COUNT);
        r.pdq[v] = ent[next64() % (uint64_t)entries];
        flip_bits(&r.pdq[v], 8 + (int)(next64() % 17));
      }
      if (store_batch_put(s, path, &r) != HS_OK)
        return fprintf(stderr, "%s\n", hs_last_error()), 3;
    }
    if (store_batch_commit(s, NULL, NULL) != HS_OK)
      return fprintf(stderr, "%s\n", hs_last_error()), 3;
  }
  store_close(s);
  double t_build = now_s() - t0;

  hs_engine_options eo;
  hs_engine_options_default(&eo);
  eo.device = device;
  eo.match_on = match_on; /* placement is the engine's (hashsweep/device.h) */
  hs_engine *engine = NULL;
  if (hs_engine_create(&eo, &engine) != HS_OK)
    return fprintf(stderr, "%s\n", hs_last_error()), 3;
  hs_rescan_options ro;
  hs_rescan_options_default(&ro);
  ro.index = index_dir;
  ro.store = store_dir;
  ro.out = out;
  ro.engine = engine;
  hs_scan_summary sum;
  t0 = now_s();
  hs_status st = hs_rescan_run(&ro, &sum);
  double t = now_s() - t0;
  if (st != HS_OK)
    return fprintf(stderr, "rescan: %s\n", hs_last_error()), 3;
  printf("engine: %s\n", hs_engine_description(engine));
  printf("store: %ld files (built in %.1f s), new entries: %ld\n", files, t_build, entries);
  printf("rescan: %.2f s, %.0f files/s, %.3g comparisons/s, %llu matched of %ld planted\n", t,
         files / t, (double)files * 8 * (double)entries / t, (unsigned long long)sum.matched,
         planted);
  hs_engine_destroy(engine);
  if (!getenv("KEEP")) {
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
      fprintf(stderr, "could not remove %s\n", dir);
  }
  return sum.matched >= (unsigned long long)planted ? 0 : 1;
}
