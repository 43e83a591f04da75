/* match/hamming.h - internal: the CPU Hamming matcher. It holds the fast
 * popcount (one scan body compiled per instruction-set tier: AVX-512
 * VPOPCNTDQ, AVX-512BW, AVX2, POPCNT, plain C; the best one the processor
 * has is chosen at run time) and the slow one (an obviously correct bit-by-bit reference the
 * tests compare the fast one against).
 *
 * Hashes are words: 1 uint64 for a 64-bit hash, 4 for a 256-bit hash in
 * hs_hash256 word order (hashsweep/match.h). Distances need no bit order,
 * only that both sides use the same one. */
#ifndef HS_MATCH_HAMMING_H
#define HS_MATCH_HAMMING_H

#include "hashsweep/core.h"

/* A haystack in the layout the scan reads: blocks of HAMMING_LANES hashes,
 * each block stored word-major so one vector load brings word w of 8
 * hashes. blocks: nblocks x words x HAMMING_LANES uint64, 64-byte aligned;
 * word w of hash i = 8b + j is blocks[(b * words + w) * 8 + j]. The lanes
 * of the last block past `count` are zero and never reported. */
#define HAMMING_LANES 8
typedef struct hamming_haystack {
  int words;        /* 1 or 4 */
  size_t count;     /* hashes */
  size_t nblocks;   /* ceil(count / HAMMING_LANES) */
  uint64_t *blocks; /* owned; NULL when count == 0 */
} hamming_haystack;

/* Copies `count` hashes (count x words uint64, hash-major) into h. */
hs_status hamming_haystack_init(hamming_haystack *h, int words, const uint64_t *data, size_t count);
void hamming_haystack_free(hamming_haystack *h);

/* Instruction-set tiers of the fast scan, slowest first. */
typedef enum hamming_tier {
  HAMMING_TIER_AUTO = 0, /* only for hamming_force_tier: the best available */
  HAMMING_TIER_GENERIC,  /* plain C, any processor */
  HAMMING_TIER_POPCNT,   /* x86-64: plain C with the POPCNT instruction */
  HAMMING_TIER_AVX2,     /* x86-64: AVX2, table-lookup popcount, 2 x 4 lanes */
  HAMMING_TIER_AVX512BW, /* x86-64: AVX-512BW, table-lookup popcount, 8 lanes */
  HAMMING_TIER_AVX512,   /* x86-64: AVX-512F + VPOPCNTDQ, 8 hashes per vector */
  HAMMING_TIER_COUNT
} hamming_tier;

const char *hamming_tier_name(hamming_tier tier);
/* 1 when this build and this processor can run `tier`. */
int hamming_tier_available(hamming_tier tier);
/* The tier searches use: the best available, or the one named by the
 * HASHSWEEP_CPU_KERNEL environment variable (a hamming_tier_name) when
 * available. Chosen once per process and logged at info level. */
hamming_tier hamming_tier_selected(void);
/* Tests and benchmarks: makes later searches use `tier` (HAMMING_TIER_AUTO:
 * the normal choice). HS_ERR_UNSUPPORTED when it is not available. Not
 * thread-safe against searches running at the same time. */
hs_status hamming_force_tier(hamming_tier tier);

/* Appends every (query, target, distance) with distance <= radius, in no
 * particular order. queries: nq x words uint64. radius >= 0 (a radius at
 * or above the hash width returns every pair). Uses `threads` OpenMP
 * threads. On failure nothing is appended. */
hs_status hamming_radius(const hamming_haystack *h, const uint64_t *queries, size_t nq, int radius,
                         int threads, hs_match_list *out);

/* Appends, per query, the min(k, count) nearest targets, ties broken by the
 * lower target index, sorted by (query, distance, target). 1 <= k <= 64.
 * On failure nothing is appended. */
hs_status hamming_topk(const hamming_haystack *h, const uint64_t *queries, size_t nq, int k,
                       int threads, hs_match_list *out);

/* ---- the slow, obviously correct reference (tests only) ----------------- */

/* Counts set bits one at a time. */
int hamming_popcount_slow(uint64_t x);
/* Sum of hamming_popcount_slow over `words` XORed words. */
int hamming_distance_slow(const uint64_t *a, const uint64_t *b, int words);
/* Every pair by a double loop over the plain hash-major array; appends
 * sorted by (query, target). */
hs_status hamming_radius_slow(const uint64_t *hay, size_t count, int words,
                              const uint64_t *queries, size_t nq, int radius, hs_match_list *out);
/* Top-k by a full sort of every distance per query; appends sorted by
 * (query, distance, target). */
hs_status hamming_topk_slow(const uint64_t *hay, size_t count, int words, const uint64_t *queries,
                            size_t nq, int k, hs_match_list *out);

#endif
