/* bench/bench_util.h - what every benchmark needs: a monotonic clock and a
 * fixed-seed generator (splitmix64), so runs are reproducible. */
#ifndef HS_BENCH_UTIL_H
#define HS_BENCH_UTIL_H

#include <stdint.h>
#include <time.h>

static inline double bench_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* CPU seconds of the whole process, all threads (OpenMP, PoCL workers):
 * on a shared machine, work per CPU-second is steadier than per second. */
static inline double bench_cpu(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static inline uint64_t bench_random(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

#endif
