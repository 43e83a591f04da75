/* match/hamming_scan.h - internal to match/: the scan kernels that
 * hamming.c drives, one set per instruction-set tier (hamming_kernels.c).
 *
 * A scan compares HAMMING_QGROUP queries, held in registers, against
 * blocks [b0, b1) of a hamming_haystack. For every block where some lane
 * has distance <= thr[g] for query g, it calls the sink with that query's
 * lane mask and the 8 distances. The sink may lower thr[g] (top-k does);
 * the scan reloads thr after every call. A query slot with thr = -1 never
 * reports (padding of a short group). The mask is only a filter: lanes
 * past the haystack's count are zero padding, and the sink must drop them. */
#ifndef HS_MATCH_HAMMING_SCAN_H
#define HS_MATCH_HAMMING_SCAN_H

#include <stddef.h>
#include <stdint.h>

#define HAMMING_QGROUP 4

typedef struct hamming_sink {
  /* g: query slot in the group; block: absolute block index; mask: bit j
   * set for lane j (hash 8 * block + j); dist: the 8 lane distances. */
  void (*hit)(void *ctx, unsigned g, size_t block, unsigned mask, const uint64_t dist[8]);
  void *ctx;
} hamming_sink;

/* q: HAMMING_QGROUP x words uint64 (hash-major); thr: HAMMING_QGROUP. */
typedef void (*hamming_scan_fn)(const uint64_t *q, int64_t *thr, const uint64_t *blocks,
                                size_t b0, size_t b1, const hamming_sink *sink);

typedef struct hamming_kernels {
  hamming_scan_fn scan64;
  hamming_scan_fn scan256;
  /* 256-bit, rejecting a block after its first two words when every lane
   * is already over its threshold: the same result, faster when the
   * thresholds are well below 128 (radius search at PDQ radii). */
  hamming_scan_fn scan256_early;
} hamming_kernels;

/* NULL members when the tier is not built for this target. */
extern const hamming_kernels hamming_kernels_generic;
extern const hamming_kernels hamming_kernels_popcnt;
extern const hamming_kernels hamming_kernels_avx2;
extern const hamming_kernels hamming_kernels_avx512bw;
extern const hamming_kernels hamming_kernels_avx512;

#endif
