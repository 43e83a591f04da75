/* kernels/hamming.cl - Hamming search of query hashes against a block of
 * haystack hashes: every pair within a radius, and the k nearest per query.
 * 256-bit hashes are 4 words (hs_hash256 order), 64-bit hashes 1 word;
 * each has its own kernel so the word count is a compile-time constant.
 *
 * Work mapping (2-D): dimension 0 is queries, HS_QV per work-item held in
 * vector lanes (8 on CPU devices: one AVX-512 register per hash word; 1 on
 * GPUs); dimension 1 is "parts", contiguous ranges of the block. A
 * work-item walks its part in increasing target order, tile by tile; on
 * CPU devices a barrier after each tile makes the runtime run the whole
 * work-group over one tile (kept in cache) before the next. Global size in
 * dimension 0 is rounded up to the work-group size; lanes past the last
 * query compute on a copy of it and never report.
 *
 * Distances: popcount() with one query per work-item (GPUs have it in
 * hardware); with 8 lanes, per-byte counts by shifts and masks, summed
 * over the words before one horizontal add. Only integers: any order of
 * evaluation gives the same answer. */
#pragma OPENCL FP_CONTRACT OFF

#include "hs_shared.h"

#ifndef HS_QV
#define HS_QV 8
#endif
#ifndef HS_TILE_BARRIER
#define HS_TILE_BARRIER 1
#endif

#if HS_QV == 1
typedef ulong qv_t;
#define QV_LOAD(p) (*(p))
#define QV_STORE(v, p) (*(p) = (v))
#elif HS_QV == 8
typedef ulong8 qv_t;
#define QV_LOAD(p) vload8(0, (p))
#define QV_STORE(v, p) vstore8((v), 0, (p))
#else
#error "HS_QV must be 1 or 8"
#endif

/* Words of queries q0 .. q0 + HS_QV - 1, lane by lane (lanes at or past
 * q_end repeat the last query). */
static inline void load_queries(const __global ulong *queries, uint q_end, uint q0,
                                const int words, qv_t q[4]) {
  for (int w = 0; w < words; w++) {
    ulong lanes[HS_QV];
    for (int l = 0; l < HS_QV; l++) {
      uint qi = min(q0 + (uint)l, q_end - 1);
      lanes[l] = queries[(ulong)qi * (ulong)words + (ulong)w];
    }
    q[w] = QV_LOAD(lanes);
  }
}

#if HS_QV > 1
/* Per-byte bit counts (0..8) of every 64-bit lane, by shifts and masks:
 * CPU devices without a vector popcount instruction then keep all 8 lanes
 * in one register (a per-word popcount() is split into scalar pieces). */
static inline qv_t byte_counts(qv_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ul);
  x = (x & 0x3333333333333333ul) + ((x >> 2) & 0x3333333333333333ul);
  return (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0ful;
}

/* Sum of the 8 byte counts of each lane (each byte <= 32, the sum <= 256,
 * which needs 16 bits). */
static inline qv_t sum_bytes(qv_t b) {
  b = (b & 0x00ff00ff00ff00fful) + ((b >> 8) & 0x00ff00ff00ff00fful);
  return (b * 0x0001000100010001ul) >> 48;
}
#endif

/* Distance of every lane's query to the haystack entry at h. */
static inline qv_t distance(const qv_t q[4], const __global ulong *h, const int words) {
#if HS_QV > 1
  if (words == 1)
    return sum_bytes(byte_counts(q[0] ^ h[0]));
  return sum_bytes(byte_counts(q[0] ^ h[0]) + byte_counts(q[1] ^ h[1]) +
                   byte_counts(q[2] ^ h[2]) + byte_counts(q[3] ^ h[3]));
#else
  if (words == 1)
    return popcount(q[0] ^ h[0]);
  return popcount(q[0] ^ h[0]) + popcount(q[1] ^ h[1]) + popcount(q[2] ^ h[2]) +
         popcount(q[3] ^ h[3]);
#endif
}

/* Nonzero when some lane of a is below the same lane of b (values far
 * below 2^63): the borrow of a - b sets the top bit, and an OR across the
 * lanes is much cheaper on CPUs than any() of a comparison. */
static inline int any_below(qv_t a, qv_t b) {
#if HS_QV == 1
  return a < b;
#else
  qv_t x = a - b;
  ulong4 y = x.lo | x.hi;
  ulong2 z = y.lo | y.hi;
  return (int)((z.lo | z.hi) >> 63);
#endif
}

/* Entries screened together: one branch for 4 distances. */
#define SCREEN 4

/* Distances to the SCREEN entries at h into d[]; returns their lane-wise
 * minimum, which decides whether any of them needs a closer look. */
static inline qv_t screen(const qv_t q[4], const __global ulong *h, const int words,
                          qv_t d[SCREEN]) {
  d[0] = distance(q, h, words);
  d[1] = distance(q, h + words, words);
  d[2] = distance(q, h + 2 * words, words);
  d[3] = distance(q, h + 3 * words, words);
  return min(min(d[0], d[1]), min(d[2], d[3]));
}

/* End of this work-item's share of the tile starting at t: idle items
 * (all lanes past the last query) take none but still meet the barrier. */
static inline ulong tile_end(ulong t, uint tile, ulong hi, int active) {
  return active ? min(t + (ulong)tile, hi) : t;
}

/* The range [*lo, *hi) of the block this work-group's part covers. */
static inline void part_range(ulong begin, ulong count, ulong part_len, ulong *lo, ulong *hi) {
  ulong p = get_global_id(1);
  *lo = begin + p * part_len;
  ulong end = begin + count, h = *lo + part_len;
  if (*lo > end)
    *lo = end;
  *hi = h < end ? h : end;
}

static inline void tile_done(void) {
#if HS_TILE_BARRIER
  barrier(CLK_GLOBAL_MEM_FENCE);
#endif
}

/* ---- radius search ------------------------------------------------------------ */

/* Queries [q_base, q_end) of the query buffer against entries [begin,
 * begin + count) of the block; target_base is the haystack index of the
 * block's entry 0. Appends every (query, target, distance <= radius) to
 * out through the atomic counter *found. Only the first `cap` are stored, but *found counts
 * them all, so the host sees an overflow and relaunches with room: nothing
 * is lost silently. The host keeps queries x targets per launch below 2^32
 * so the counter cannot wrap. */
/* Appends the lanes of d within the radius for target `target`. */
static inline void report(qv_t d, ulong target, uint q0, uint q_end, uint radius,
                          __global hs_cl_match *out, uint cap, volatile __global uint *found) {
  ulong dl[HS_QV];
  QV_STORE(d, dl);
  for (int l = 0; l < HS_QV; l++) {
    if (dl[l] > radius || q0 + (uint)l >= q_end)
      continue;
    uint slot = atomic_inc(found);
    if (slot < cap) {
      out[slot].target = target;
      out[slot].query = q0 + (uint)l;
      out[slot].distance = (uint)dl[l];
    }
  }
}

static inline void radius_body(const __global ulong *queries, uint q_end, uint q_base,
                               const __global ulong *hay, ulong begin, ulong count,
                               ulong part_len, ulong target_base, uint tile, uint radius,
                               __global hs_cl_match *out, uint cap,
                               volatile __global uint *found, const int words) {
  const uint q0 = q_base + (uint)get_global_id(0) * HS_QV;
  const int active = q0 < q_end;
  qv_t q[4];
  load_queries(queries, q_end, q0, words, q);
  const qv_t limit = (qv_t)((ulong)radius + 1); /* d <= radius: d < limit */
  ulong lo, hi;
  part_range(begin, count, part_len, &lo, &hi);
  /* Every work-item of the group runs the same number of tiles. */
  for (ulong t = lo; t < hi; t += tile) {
    const ulong t_end = tile_end(t, tile, hi, active);
    ulong e = t;
    for (; e + SCREEN <= t_end; e += SCREEN) {
      qv_t d[SCREEN];
      if (!any_below(screen(q, hay + e * (ulong)words, words, d), limit))
        continue;
      for (int i = 0; i < SCREEN; i++)
        report(d[i], target_base + e + (ulong)i, q0, q_end, radius, out, cap, found);
    }
    for (; e < t_end; e++) {
      qv_t d = distance(q, hay + e * (ulong)words, words);
      if (any_below(d, limit))
        report(d, target_base + e, q0, q_end, radius, out, cap, found);
    }
    tile_done();
  }
}

__kernel void hs_radius256(const __global ulong *queries, uint q_end, uint q_base,
                           const __global ulong *hay, ulong begin, ulong count, ulong part_len,
                           ulong target_base, uint tile, uint radius, __global hs_cl_match *out,
                           uint cap, volatile __global uint *found) {
  radius_body(queries, q_end, q_base, hay, begin, count, part_len, target_base, tile, radius, out,
              cap, found, 4);
}

__kernel void hs_radius64(const __global ulong *queries, uint q_end, uint q_base,
                          const __global ulong *hay, ulong begin, ulong count, ulong part_len,
                          ulong target_base, uint tile, uint radius, __global hs_cl_match *out,
                          uint cap, volatile __global uint *found) {
  radius_body(queries, q_end, q_base, hay, begin, count, part_len, target_base, tile, radius, out,
              cap, found, 1);
}

/* ---- top-k ---------------------------------------------------------------------- */

/* Per lane, a list of the best (distance, target) seen so far, sorted by
 * distance; entries arrive in increasing target order, so an entry only
 * enters ahead of strictly worse ones and ties keep the lower target. */
typedef struct topk_lists {
  uint dist[HS_QV][HS_CL_TOPK_MAX];
  ulong target[HS_QV][HS_CL_TOPK_MAX];
  uint fill[HS_QV];
} topk_lists;

/* Inserts into lane l's list; returns the lane's new admission bound (a
 * candidate must be strictly closer than this). */
static inline ulong topk_insert(topk_lists *s, int l, uint k, uint d, ulong target) {
  uint n = s->fill[l];
  uint pos = n < k ? n : k - 1; /* a full list drops its last entry */
  while (pos > 0 && s->dist[l][pos - 1] > d) {
    s->dist[l][pos] = s->dist[l][pos - 1];
    s->target[l][pos] = s->target[l][pos - 1];
    pos--;
  }
  s->dist[l][pos] = d;
  s->target[l][pos] = target;
  if (n < k)
    s->fill[l] = ++n;
  return n == k ? (ulong)s->dist[l][k - 1] : ~0ul >> 1;
}

/* Offers target's distances to every lane's list; returns the new bounds. */
static inline qv_t consider(topk_lists *s, qv_t d, qv_t bound, uint k, ulong target) {
  if (!any_below(d, bound))
    return bound;
  ulong dl[HS_QV], bl[HS_QV];
  QV_STORE(d, dl);
  QV_STORE(bound, bl);
  for (int l = 0; l < HS_QV; l++)
    if (dl[l] < bl[l])
      bl[l] = topk_insert(s, l, k, (uint)dl[l], target);
  return QV_LOAD(bl);
}

/* Same inputs as radius_body. Writes, per query and part, k slots of the
 * best targets of that part to out[((query - q_base) * parts + part) * k +
 * slot]; empty slots carry HS_CL_NO_DISTANCE. The host merges the parts. */
static inline void topk_body(const __global ulong *queries, uint q_end, uint q_base,
                             const __global ulong *hay, ulong begin, ulong count, ulong part_len,
                             ulong target_base, uint tile, uint k, __global hs_cl_match *out,
                             const int words) {
  const uint q0 = q_base + (uint)get_global_id(0) * HS_QV;
  const int active = q0 < q_end;
  qv_t q[4];
  load_queries(queries, q_end, q0, words, q);
  topk_lists s;
  for (int l = 0; l < HS_QV; l++)
    s.fill[l] = 0;
  qv_t bound = (qv_t)(~0ul >> 1); /* admits anything; any_below needs < 2^63 */
  ulong lo, hi;
  part_range(begin, count, part_len, &lo, &hi);
  for (ulong t = lo; t < hi; t += tile) {
    const ulong t_end = tile_end(t, tile, hi, active);
    ulong e = t;
    for (; e + SCREEN <= t_end; e += SCREEN) {
      qv_t d[SCREEN];
      if (!any_below(screen(q, hay + e * (ulong)words, words, d), bound))
        continue;
      /* In target order: each may tighten the bound for the next. */
      for (int i = 0; i < SCREEN; i++)
        bound = consider(&s, d[i], bound, k, target_base + e + (ulong)i);
    }
    for (; e < t_end; e++)
      bound = consider(&s, distance(q, hay + e * (ulong)words, words), bound, k, target_base + e);
    tile_done();
  }
  const ulong parts = get_global_size(1), part = get_global_id(1);
  for (int l = 0; l < HS_QV; l++) {
    if (q0 + (uint)l >= q_end)
      break;
    __global hs_cl_match *o = out + ((ulong)(q0 + (uint)l - q_base) * parts + part) * k;
    for (uint j = 0; j < k; j++) {
      int used = j < s.fill[l];
      o[j].target = used ? s.target[l][j] : 0;
      o[j].query = q0 + (uint)l;
      o[j].distance = used ? s.dist[l][j] : HS_CL_NO_DISTANCE;
    }
  }
}

__kernel void hs_topk256(const __global ulong *queries, uint q_end, uint q_base,
                         const __global ulong *hay, ulong begin, ulong count, ulong part_len,
                         ulong target_base, uint tile, uint k, __global hs_cl_match *out) {
  topk_body(queries, q_end, q_base, hay, begin, count, part_len, target_base, tile, k, out, 4);
}

__kernel void hs_topk64(const __global ulong *queries, uint q_end, uint q_base,
                        const __global ulong *hay, ulong begin, ulong count, ulong part_len,
                        ulong target_base, uint tile, uint k, __global hs_cl_match *out) {
  topk_body(queries, q_end, q_base, hay, begin, count, part_len, target_base, tile, k, out, 1);
}
