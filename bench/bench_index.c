/* bench/bench_index.c - how fast a scan gets the hashes out of an index:
 * hs_index_load (aligned copy of all active PDQ hashes with ids) and a walk
 * over the device-ready blocks. Best of 3. Prints one JSON line.
 *   bench_index IDX */
#include <stdio.h>
#include <time.h>

#include "hashsweep.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: bench_index IDX\n");
    return 2;
  }
  hs_index *idx;
  hs_index_snapshot *snap;
  if (hs_index_open(argv[1], HS_INDEX_READONLY, &idx) != HS_OK ||
      hs_index_snapshot_open(idx, &snap) != HS_OK) {
    fprintf(stderr, "%s\n", hs_last_error());
    return 1;
  }
  double load = 1e30, walk = 1e30;
  size_t count = 0, blocks = 0;
  for (int rep = 0; rep < 3; rep++) {
    double t0 = now();
    hs_index_hashes h;
    if (hs_index_load(snap, HS_HASH_PDQ, NULL, &h) != HS_OK) {
      fprintf(stderr, "%s\n", hs_last_error());
      return 1;
    }
    count = h.count;
    hs_index_hashes_free(&h);
    double t1 = now();
    load = t1 - t0 < load ? t1 - t0 : load;
    hs_index_iter *it;
    hs_index_block b;
    uint64_t sink = 0;
    blocks = 0;
    hs_index_iter_create(snap, HS_HASH_PDQ, 0, &it);
    while (hs_index_iter_next(it, &b) == HS_OK) {
      sink += ((const uint64_t *)b.hashes)[0]; /* touch the page */
      blocks++;
    }
    hs_index_iter_destroy(it);
    double t2 = now();
    walk = t2 - t1 < walk ? t2 - t1 : walk;
    if (sink == 42)
      putchar(' ');
  }
  printf("{\"active_pdq\":%zu,\"load_s\":%.3f,\"load_hashes_per_s\":%.0f,\"blocks\":%zu,"
         "\"walk_s\":%.4f}\n", count, load, count / load, blocks, walk);
  hs_index_snapshot_close(snap);
  hs_index_close(idx);
  return 0;
}
