/* match/hamming_body.h - the scan body, written once and compiled once per
 * instruction-set tier (the idea of zstd's HUF_DGEN): hamming_kernels.c
 * includes this file several times, each time with
 *   HB_ATTR     the function attributes of the tier (a target(...))
 *   HB_NAME(x)  x with the tier's suffix
 *   HB_OP(op)   the tier's name for: v8 (a type: 8 lanes of uint64), load
 *               (64-byte aligned), set1, xor, add, min (signed), le (mask of
 *               the lanes with a <= t, signed), store
 *   HB_POP      popcount of each lane
 * and undefines them at its end. Contract: hamming_scan.h. No include guard
 * on purpose.
 *
 * Register blocking: HAMMING_QGROUP queries are broadcast into registers
 * once, and every block of 8 haystack hashes loaded is compared against all
 * of them, so each load feeds 4 x 8 comparisons. The common case (no lane
 * of any query within reach) costs a lane minimum over the group, one
 * compare against the group's largest threshold and one predictable branch
 * per block; the rare block that passes is re-checked query by query. */
_Static_assert(HAMMING_QGROUP == 4, "lane_min and the unrolling assume 4 queries a group");

#define HB_QG HAMMING_QGROUP
/* The query loops must unroll fully so qv and d live in registers. */
#define HB_UNROLL _Pragma("GCC unroll 16")

/* The rare path: calls the sink for each query that has lanes within its
 * own threshold. The sink may lower thresholds; the caller then recomputes
 * the group's filter threshold. */
static inline __attribute__((always_inline)) HB_ATTR void HB_NAME(report)(
    const HB_OP(v8) *d, int64_t *thr, size_t b, const hamming_sink *sink) {
  HB_UNROLL
  for (unsigned g = 0; g < HB_QG; g++) {
    unsigned m = HB_OP(le)(d[g], HB_OP(set1)((uint64_t)thr[g]));
    if (!m)
      continue;
    uint64_t dist[8];
    HB_OP(store)(dist, d[g]);
    sink->hit(sink->ctx, g, b, m, dist);
  }
}

/* The filter threshold of a group: the largest of its queries'. */
static inline __attribute__((always_inline)) HB_ATTR HB_OP(v8) HB_NAME(tmax)(const int64_t *thr) {
  int64_t t = thr[0];
  HB_UNROLL
  for (unsigned g = 1; g < HB_QG; g++)
    t = thr[g] > t ? thr[g] : t;
  return HB_OP(set1)((uint64_t)t);
}

/* The smallest distance of each lane over the group's queries. */
static inline __attribute__((always_inline)) HB_ATTR HB_OP(v8) HB_NAME(lane_min)(const HB_OP(v8) *d) {
  return HB_OP(min)(HB_OP(min)(d[0], d[1]), HB_OP(min)(d[2], d[3]));
}

/* 64-bit hashes: a block is one vector. */
HB_ATTR static void HB_NAME(scan64)(const uint64_t *q, int64_t *thr, const uint64_t *blocks,
                                    size_t b0, size_t b1, const hamming_sink *sink) {
  HB_OP(v8) qv[HB_QG];
  HB_UNROLL
  for (unsigned g = 0; g < HB_QG; g++)
    qv[g] = HB_OP(set1)(q[g]);
  HB_OP(v8) tmax = HB_NAME(tmax)(thr);
  size_t b = b0;
  /* Two blocks per iteration halve the loop overhead on the vector ports. */
  for (; b + 2 <= b1; b += 2) {
    HB_OP(v8) h = HB_OP(load)(blocks + b * 8), k = HB_OP(load)(blocks + b * 8 + 8);
    HB_OP(v8) d[HB_QG], e[HB_QG];
    HB_UNROLL
    for (unsigned g = 0; g < HB_QG; g++) {
      d[g] = HB_POP(HB_OP(xor)(h, qv[g]));
      e[g] = HB_POP(HB_OP(xor)(k, qv[g]));
    }
    if (__builtin_expect(HB_OP(le)(HB_OP(min)(HB_NAME(lane_min)(d), HB_NAME(lane_min)(e)), tmax) != 0, 0)) {
      HB_NAME(report)(d, thr, b, sink);
      HB_NAME(report)(e, thr, b + 1, sink);
      tmax = HB_NAME(tmax)(thr);
    }
  }
  for (; b < b1; b++) {
    HB_OP(v8) h = HB_OP(load)(blocks + b * 8);
    HB_OP(v8) d[HB_QG];
    HB_UNROLL
    for (unsigned g = 0; g < HB_QG; g++)
      d[g] = HB_POP(HB_OP(xor)(h, qv[g]));
    if (__builtin_expect(HB_OP(le)(HB_NAME(lane_min)(d), tmax) != 0, 0)) {
      HB_NAME(report)(d, thr, b, sink);
      tmax = HB_NAME(tmax)(thr);
    }
  }
}

/* 256-bit hashes: a block is 4 vectors, word w of the 8 hashes in each.
 * With `early`, words 0 and 1 are summed first and the block is dropped
 * when no lane is within the threshold yet (distances only grow). */
static inline __attribute__((always_inline)) HB_ATTR void HB_NAME(scan256_body)(
    const uint64_t *q, int64_t *thr, const uint64_t *blocks, size_t b0, size_t b1,
    const hamming_sink *sink, int early) {
  HB_OP(v8) qv[HB_QG][4];
  HB_UNROLL
  for (unsigned g = 0; g < HB_QG; g++) {
    HB_UNROLL
    for (int w = 0; w < 4; w++)
      qv[g][w] = HB_OP(set1)(q[g * 4 + w]);
  }
  HB_OP(v8) tmax = HB_NAME(tmax)(thr);
  for (size_t b = b0; b < b1; b++) {
    const uint64_t *blk = blocks + b * 32;
    HB_OP(v8) h0 = HB_OP(load)(blk), h1 = HB_OP(load)(blk + 8);
    HB_OP(v8) d[HB_QG];
    HB_UNROLL
    for (unsigned g = 0; g < HB_QG; g++)
      d[g] = HB_OP(add)(HB_POP(HB_OP(xor)(h0, qv[g][0])), HB_POP(HB_OP(xor)(h1, qv[g][1])));
    if (early && __builtin_expect(HB_OP(le)(HB_NAME(lane_min)(d), tmax) == 0, 1))
      continue;
    HB_OP(v8) h2 = HB_OP(load)(blk + 16), h3 = HB_OP(load)(blk + 24);
    HB_UNROLL
    for (unsigned g = 0; g < HB_QG; g++)
      d[g] = HB_OP(add)(d[g], HB_OP(add)(HB_POP(HB_OP(xor)(h2, qv[g][2])), HB_POP(HB_OP(xor)(h3, qv[g][3]))));
    if (__builtin_expect(HB_OP(le)(HB_NAME(lane_min)(d), tmax) != 0, 0)) {
      HB_NAME(report)(d, thr, b, sink);
      tmax = HB_NAME(tmax)(thr);
    }
  }
}

HB_ATTR static void HB_NAME(scan256)(const uint64_t *q, int64_t *thr, const uint64_t *blocks,
                                     size_t b0, size_t b1, const hamming_sink *sink) {
  HB_NAME(scan256_body)(q, thr, blocks, b0, b1, sink, 0);
}

HB_ATTR static void HB_NAME(scan256_early)(const uint64_t *q, int64_t *thr,
                                           const uint64_t *blocks, size_t b0, size_t b1,
                                           const hamming_sink *sink) {
  HB_NAME(scan256_body)(q, thr, blocks, b0, b1, sink, 1);
}

#undef HB_QG
#undef HB_UNROLL
#undef HB_ATTR
#undef HB_NAME
#undef HB_OP
#undef HB_POP
