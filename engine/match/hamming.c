/* match/hamming.c - the CPU Hamming matcher: picks the scan tier, lays the
 * haystack out for it, and tiles the work over OpenMP threads.
 *
 * Tiling: the haystack is cut into chunks of HAMMING_CHUNK_BYTES (they stay
 * in the L2 cache of the core that scans them) and the queries into blocks
 * of up to QBLOCK. Within a task every group of HAMMING_QGROUP queries of
 * the block scans the whole chunk, so a chunk fetched from memory once
 * serves QBLOCK queries, and the scan runs at compute speed even when the
 * haystack (10^7 x 32 bytes) is far larger than every cache. */
#include "match/hamming.h"

#include <limits.h>
#include <omp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "core/match_list.h"
#include "match/hamming_scan.h"

#define HAMMING_CHUNK_BYTES (128 * 1024)
#define QBLOCK 256
#define TASKS_PER_THREAD 4
/* A 256-bit radius search below this checks words 0-1 first (the sum of
 * two random words is 64 +- 5.7, so the check rejects most blocks). */
#define EARLY_REJECT_MAX_RADIUS 48
/* Top-k threshold meaning "accept anything" (distances are <= 256). */
#define THR_ANY ((int64_t)1 << 30)

/* ---- tiers --------------------------------------------------------------- */

static const char *const tier_names[HAMMING_TIER_COUNT] = {"auto", "generic", "popcnt", "avx2",
                                                           "avx512bw", "avx512"};
static const char *const tier_descriptions[HAMMING_TIER_COUNT] = {
    "?", "generic (portable C)", "POPCNT (portable C)", "AVX2 (table lookup)",
    "AVX-512BW (table lookup)", "AVX-512 VPOPCNTDQ"};

const char *hamming_tier_name(hamming_tier tier) {
  return tier >= 0 && tier < HAMMING_TIER_COUNT ? tier_names[tier] : "?";
}

static const hamming_kernels *tier_kernels(hamming_tier tier) {
  switch (tier) {
  case HAMMING_TIER_AVX512: return &hamming_kernels_avx512;
  case HAMMING_TIER_AVX512BW: return &hamming_kernels_avx512bw;
  case HAMMING_TIER_AVX2: return &hamming_kernels_avx2;
  case HAMMING_TIER_POPCNT: return &hamming_kernels_popcnt;
  default: return &hamming_kernels_generic;
  }
}

int hamming_tier_available(hamming_tier tier) {
  if (tier <= HAMMING_TIER_AUTO || tier >= HAMMING_TIER_COUNT || !tier_kernels(tier)->scan64)
    return 0;
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  /* __builtin_cpu_supports also checks that the OS saves ymm/zmm state. */
  switch (tier) {
  case HAMMING_TIER_POPCNT: return __builtin_cpu_supports("popcnt");
  case HAMMING_TIER_AVX2: return __builtin_cpu_supports("avx2");
  case HAMMING_TIER_AVX512BW:
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
  case HAMMING_TIER_AVX512:
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq");
  default: break;
  }
#endif
  return 1;
}

static hamming_tier best_tier(void) {
  for (int t = HAMMING_TIER_COUNT - 1; t > HAMMING_TIER_AUTO; t--)
    if (hamming_tier_available((hamming_tier)t))
      return (hamming_tier)t;
  return HAMMING_TIER_GENERIC;
}

static pthread_once_t tier_once = PTHREAD_ONCE_INIT;
static hamming_tier tier_auto;
static atomic_int tier_forced = HAMMING_TIER_AUTO;

static void tier_choose(void) {
  tier_auto = best_tier();
  const char *env = getenv("HASHSWEEP_CPU_KERNEL");
  if (env && *env) {
    int wanted = -1;
    for (int t = HAMMING_TIER_GENERIC; t < HAMMING_TIER_COUNT; t++)
      if (strcmp(env, tier_names[t]) == 0)
        wanted = t;
    if (wanted > 0 && hamming_tier_available((hamming_tier)wanted))
      tier_auto = (hamming_tier)wanted;
    else
      log_warn("HASHSWEEP_CPU_KERNEL=%s: not a CPU kernel this processor runs (avx512, "
               "avx512bw, avx2, popcnt, generic); using %s", env, tier_names[tier_auto]);
  }
  log_info("CPU Hamming matcher: %s popcount", tier_descriptions[tier_auto]);
}

hamming_tier hamming_tier_selected(void) {
  int forced = atomic_load(&tier_forced);
  if (forced != HAMMING_TIER_AUTO)
    return (hamming_tier)forced;
  pthread_once(&tier_once, tier_choose);
  return tier_auto;
}

hs_status hamming_force_tier(hamming_tier tier) {
  if (tier != HAMMING_TIER_AUTO && !hamming_tier_available(tier))
    return error_set(HS_ERR_UNSUPPORTED, "CPU kernel %s: not available on this processor",
                     hamming_tier_name(tier));
  atomic_store(&tier_forced, (int)tier);
  return HS_OK;
}

/* ---- haystack layout ----------------------------------------------------- */

hs_status hamming_haystack_init(hamming_haystack *h, int words, const uint64_t *data, size_t count) {
  memset(h, 0, sizeof *h);
  HS_CHECK(words == 1 || words == 4, HS_ERR_INVALID_ARG, "haystack: %d words per hash", words);
  HS_CHECK(count == 0 || data, HS_ERR_INVALID_ARG, "haystack: NULL hashes");
  h->words = words;
  h->count = count;
  h->nblocks = (count + HAMMING_LANES - 1) / HAMMING_LANES;
  if (count == 0)
    return HS_OK;
  size_t block_words = (size_t)words * HAMMING_LANES;
  if (h->nblocks > SIZE_MAX / sizeof(uint64_t) / block_words)
    return error_set(HS_ERR_NOMEM, "haystack: %zu hashes do not fit in memory", count);
  size_t bytes = h->nblocks * block_words * sizeof(uint64_t); /* a multiple of 64 */
  h->blocks = aligned_alloc(64, bytes);
  if (!h->blocks)
    return error_set(HS_ERR_NOMEM, "haystack: cannot allocate %zu bytes", bytes);
  memset(h->blocks + (h->nblocks - 1) * block_words, 0, block_words * sizeof(uint64_t));
  for (size_t i = 0; i < count; i++) {
    uint64_t *blk = h->blocks + (i / HAMMING_LANES) * block_words;
    for (int w = 0; w < words; w++)
      blk[w * HAMMING_LANES + i % HAMMING_LANES] = data[i * (size_t)words + (size_t)w];
  }
  return HS_OK;
}

void hamming_haystack_free(hamming_haystack *h) {
  if (!h)
    return;
  free(h->blocks);
  memset(h, 0, sizeof *h);
}

/* ---- tiling -------------------------------------------------------------- */

typedef struct tiling {
  size_t qblock;       /* queries per block (a multiple of HAMMING_QGROUP) */
  size_t nqb;          /* query blocks */
  size_t chunk_blocks; /* haystack blocks per chunk */
  size_t nchunks;
} tiling;

static size_t div_up(size_t a, size_t b) { return (a + b - 1) / b; }

/* Smaller query blocks only when there would be too few tasks to keep
 * every thread busy: each block re-reads the whole haystack. */
static tiling tiling_plan(const hamming_haystack *h, size_t nq, int threads) {
  tiling t;
  t.chunk_blocks = HAMMING_CHUNK_BYTES / ((size_t)h->words * HAMMING_LANES * sizeof(uint64_t));
  t.nchunks = div_up(h->nblocks, t.chunk_blocks);
  size_t want = (size_t)threads * TASKS_PER_THREAD;
  size_t qb = div_up(nq, HAMMING_QGROUP) * HAMMING_QGROUP;
  if (qb > QBLOCK)
    qb = QBLOCK;
  while (qb > HAMMING_QGROUP && div_up(nq, qb) * t.nchunks < want)
    qb = div_up(qb / 2, HAMMING_QGROUP) * HAMMING_QGROUP;
  t.qblock = qb;
  t.nqb = div_up(nq, qb);
  return t;
}

/* Copies queries [q0, q0 + HAMMING_QGROUP) into a register group. Slots
 * past nq repeat the last query (so they pass the scan's group filter only
 * where a real query does) with threshold -1 (so they never report). */
static void group_load(const uint64_t *queries, size_t nq, int words, size_t q0, int64_t thr0,
                       uint64_t *q, int64_t *thr) {
  size_t n = nq - q0 < HAMMING_QGROUP ? nq - q0 : HAMMING_QGROUP;
  for (size_t g = 0; g < HAMMING_QGROUP; g++) {
    size_t src = q0 + (g < n ? g : n - 1);
    memcpy(q + g * (size_t)words, queries + src * (size_t)words, sizeof(uint64_t) * (size_t)words);
    thr[g] = g < n ? thr0 : -1;
  }
}

static hamming_scan_fn pick_scan(int words, int early) {
  const hamming_kernels *k = tier_kernels(hamming_tier_selected());
  if (words == 1)
    return k->scan64;
  return early ? k->scan256_early : k->scan256;
}

/* The results a sink call stands for, in lane (so target) order; lanes past
 * the haystack's count are padding and dropped. Returns how many. */
static unsigned hit_matches(size_t count, size_t query, size_t block, unsigned mask,
                            const uint64_t dist[8], hs_match out[HAMMING_LANES]) {
  unsigned n = 0;
  for (; mask; mask &= mask - 1) {
    unsigned j = (unsigned)__builtin_ctz(mask);
    size_t target = block * HAMMING_LANES + j;
    if (target >= count)
      break;
    out[n++] = (hs_match){.target = target, .query = (uint32_t)query, .distance = (uint32_t)dist[j]};
  }
  return n;
}

/* ---- radius -------------------------------------------------------------- */

typedef struct radius_ctx {
  hs_match_list *list;
  size_t count; /* haystack hashes: lanes at or past it are padding */
  size_t qbase;
  hs_status status;
} radius_ctx;

static void radius_hit(void *vctx, unsigned g, size_t block, unsigned mask,
                       const uint64_t dist[8]) {
  radius_ctx *c = vctx;
  hs_match m[HAMMING_LANES];
  unsigned n = hit_matches(c->count, c->qbase + g, block, mask, dist, m);
  if (c->status == HS_OK)
    c->status = match_list_append(c->list, m, n);
}

/* One task: query block qb against chunk ch. */
static hs_status radius_task(const hamming_haystack *h, const tiling *t, hamming_scan_fn scan,
                             const uint64_t *queries, size_t nq, int radius, size_t qb, size_t ch,
                             hs_match_list *list) {
  size_t b0 = ch * t->chunk_blocks;
  size_t b1 = b0 + t->chunk_blocks < h->nblocks ? b0 + t->chunk_blocks : h->nblocks;
  size_t qend = (qb + 1) * t->qblock < nq ? (qb + 1) * t->qblock : nq;
  radius_ctx ctx = {.list = list, .count = h->count, .status = HS_OK};
  hamming_sink sink = {radius_hit, &ctx};
  uint64_t q[HAMMING_QGROUP * 4];
  int64_t thr[HAMMING_QGROUP];
  for (size_t q0 = qb * t->qblock; q0 < qend && ctx.status == HS_OK; q0 += HAMMING_QGROUP) {
    group_load(queries, nq, h->words, q0, radius, q, thr);
    ctx.qbase = q0;
    scan(q, thr, h->blocks, b0, b1, &sink);
  }
  return ctx.status;
}

/* Moves the per-thread lists into out; nothing moves on failure. */
static hs_status gather_lists(hs_match_list *locals, int n, hs_match_list *out) {
  size_t total = 0;
  for (int i = 0; i < n; i++)
    total += locals[i].count;
  HS_TRY(match_list_reserve(out, total));
  for (int i = 0; i < n; i++)
    HS_TRY(match_list_append(out, locals[i].items, locals[i].count));
  return HS_OK;
}

hs_status hamming_radius(const hamming_haystack *h, const uint64_t *queries, size_t nq, int radius,
                         int threads, hs_match_list *out) {
  HS_CHECK(h && out && (nq == 0 || queries), HS_ERR_INVALID_ARG, "Hamming radius: NULL argument");
  HS_CHECK(radius >= 0, HS_ERR_INVALID_ARG, "Hamming radius: radius %d is negative", radius);
  HS_CHECK(nq <= UINT32_MAX, HS_ERR_INVALID_ARG, "Hamming radius: %zu queries (max 2^32-1)", nq);
  if (nq == 0 || h->count == 0)
    return HS_OK;
  if (threads < 1)
    threads = 1;
  int r = radius > 64 * h->words ? 64 * h->words : radius;
  tiling t = tiling_plan(h, nq, threads);
  hamming_scan_fn scan = pick_scan(h->words, r <= EARLY_REJECT_MAX_RADIUS);
  hs_match_list *locals = calloc((size_t)threads, sizeof *locals);
  if (!locals)
    return error_set(HS_ERR_NOMEM, "Hamming radius: out of memory");
  size_t ntasks = t.nqb * t.nchunks;
  atomic_int failed = HS_OK;
  if (threads == 1 || ntasks == 1) {
    /* One thread's work (a served lookup): no OpenMP region, whose team
     * start and end cost two futex calls each time. */
    for (size_t i = 0; i < ntasks && atomic_load(&failed) == HS_OK; i++)
      atomic_store(&failed, (int)radius_task(h, &t, scan, queries, nq, r, i % t.nqb, i / t.nqb,
                                             &locals[0]));
  } else {
    /* Chunk-major order: the tasks running at one time share a chunk. */
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (size_t i = 0; i < ntasks; i++) {
      if (atomic_load(&failed) != HS_OK)
        continue;
      hs_status st = radius_task(h, &t, scan, queries, nq, r, i % t.nqb, i / t.nqb,
                                 &locals[omp_get_thread_num()]);
      if (st != HS_OK)
        atomic_store(&failed, (int)st);
    }
  }
  /* A worker's error detail is on its own thread; restate it here. */
  hs_status st = (hs_status)atomic_load(&failed);
  if (st != HS_OK)
    st = error_set(st, "Hamming radius %d: the results do not fit in memory", radius);
  else
    st = gather_lists(locals, threads, out);
  for (int i = 0; i < threads; i++)
    hs_match_list_free(&locals[i]);
  free(locals);
  return st;
}

/* ---- top-k --------------------------------------------------------------- */

/* Per query, a task keeps its best k so far sorted by (distance, target) in
 * lists[query * k ..], n[query] of them, and thr[query] = the largest
 * distance that could still enter (so the scan filters with it). Within a
 * task the targets arrive in increasing order, so a candidate that only
 * ties the k-th is later and loses: entering needs a strictly smaller
 * distance, and ties end up ordered by target. */
typedef struct topk_state {
  hs_match *lists; /* qblock x k */
  uint32_t *n;     /* qblock */
  int64_t *thr;    /* qblock */
  int k;
} topk_state;

typedef struct topk_ctx {
  topk_state *s;
  size_t slot0; /* slot of the group's first query within the block */
  size_t qbase; /* its query index */
  size_t count;
} topk_ctx;

static void topk_insert(topk_state *s, size_t slot, hs_match m) {
  hs_match *list = s->lists + slot * (size_t)s->k;
  uint32_t i = s->n[slot], k = (uint32_t)s->k;
  if (i == k) {
    if (m.distance >= list[k - 1].distance)
      return;
    i = k - 1;
  } else {
    s->n[slot]++;
  }
  for (; i > 0 && list[i - 1].distance > m.distance; i--)
    list[i] = list[i - 1];
  list[i] = m;
  s->thr[slot] = s->n[slot] == k ? (int64_t)list[k - 1].distance - 1 : THR_ANY;
}

static void topk_hit(void *vctx, unsigned g, size_t block, unsigned mask, const uint64_t dist[8]) {
  topk_ctx *c = vctx;
  hs_match m[HAMMING_LANES];
  unsigned n = hit_matches(c->count, c->qbase + g, block, mask, dist, m);
  for (unsigned i = 0; i < n; i++)
    topk_insert(c->s, c->slot0 + g, m[i]);
}

/* One task: query block qb against chunks [c0, c1); each chunk is scanned
 * by every group of the block while it is in cache. The scan reads the
 * thresholds straight from s->thr, which the sink lowers. */
static void topk_task(const hamming_haystack *h, const tiling *t, hamming_scan_fn scan,
                      const uint64_t *queries, size_t nq, size_t qb, size_t c0, size_t c1,
                      topk_state *s) {
  size_t qfirst = qb * t->qblock;
  size_t nslots = qfirst + t->qblock < nq ? t->qblock : nq - qfirst;
  for (size_t slot = 0; slot < t->qblock; slot++) { /* padding slots never report */
    s->n[slot] = 0;
    s->thr[slot] = slot < nslots ? THR_ANY : -1;
  }
  uint64_t q[HAMMING_QGROUP * 4];
  int64_t unused[HAMMING_QGROUP];
  for (size_t ch = c0; ch < c1; ch++) {
    size_t b0 = ch * t->chunk_blocks;
    size_t b1 = b0 + t->chunk_blocks < h->nblocks ? b0 + t->chunk_blocks : h->nblocks;
    for (size_t slot0 = 0; slot0 < nslots; slot0 += HAMMING_QGROUP) {
      group_load(queries, nq, h->words, qfirst + slot0, 0, q, unused);
      topk_ctx ctx = {.s = s, .slot0 = slot0, .qbase = qfirst + slot0, .count = h->count};
      hamming_sink sink = {topk_hit, &ctx};
      scan(q, s->thr + slot0, h->blocks, b0, b1, &sink);
    }
  }
}

/* Merges the nsplit sorted lists of query q (one per haystack range, ranges
 * in target order) into out: the k smallest by (distance, target). */
static void topk_merge(const hs_match *cand, const uint32_t *ncand, size_t nq, size_t nsplit,
                       int k, size_t q, hs_match_list *out) {
  uint32_t pos[64] = {0}; /* nsplit <= 64, see hamming_topk */
  for (int taken = 0; taken < k; taken++) {
    size_t best = SIZE_MAX;
    const hs_match *bm = NULL;
    for (size_t s = 0; s < nsplit; s++) {
      size_t row = s * nq + q;
      if (pos[s] >= ncand[row])
        continue;
      const hs_match *m = cand + row * (size_t)k + pos[s];
      if (!bm || m->distance < bm->distance ||
          (m->distance == bm->distance && m->target < bm->target)) {
        bm = m;
        best = s;
      }
    }
    if (!bm)
      break;
    pos[best]++;
    out->items[out->count++] = *bm;
  }
}

hs_status hamming_topk(const hamming_haystack *h, const uint64_t *queries, size_t nq, int k,
                       int threads, hs_match_list *out) {
  HS_CHECK(h && out && (nq == 0 || queries), HS_ERR_INVALID_ARG, "Hamming top-k: NULL argument");
  HS_CHECK(k >= 1 && k <= 64, HS_ERR_INVALID_ARG, "Hamming top-k: k = %d (1..64)", k);
  HS_CHECK(nq <= UINT32_MAX, HS_ERR_INVALID_ARG, "Hamming top-k: %zu queries (max 2^32-1)", nq);
  if (nq == 0 || h->count == 0)
    return HS_OK;
  if (threads < 1)
    threads = 1;
  tiling t = tiling_plan(h, nq, threads);
  /* Few query blocks: split the haystack too, each range with its own lists. */
  size_t nsplit = div_up((size_t)threads * TASKS_PER_THREAD, t.nqb);
  if (nsplit > t.nchunks)
    nsplit = t.nchunks;
  if (nsplit > 64)
    nsplit = 64;
  size_t rows = nsplit * nq, per_task = t.qblock * (size_t)k;
  if (rows > SIZE_MAX / sizeof(hs_match) / (size_t)k)
    return error_set(HS_ERR_NOMEM, "Hamming top-k: %zu queries x %d do not fit in memory", nq, k);
  hs_match *cand = malloc(rows * (size_t)k * sizeof *cand);
  uint32_t *ncand = malloc(rows * sizeof *ncand);
  hs_status st = cand && ncand ? match_list_reserve(out, nq * (size_t)k)
                               : error_set(HS_ERR_NOMEM, "Hamming top-k: out of memory");
  hamming_scan_fn scan = pick_scan(h->words, 0);
  size_t ntasks = t.nqb * nsplit;
  atomic_int failed = st;
if (st == HS_OK) {
#pragma omp parallel num_threads(threads)
  {
    topk_state s = {malloc(per_task * sizeof(hs_match)), malloc(t.qblock * sizeof(uint32_t)),
                    malloc(t.qblock * sizeof(int64_t)), k};
    if (!s.lists || !s.n || !s.thr)
      atomic_store(&failed, HS_ERR_NOMEM);
#pragma omp for schedule(dynamic, 1)
    for (size_t i = 0; i < ntasks; i++) {
      if (atomic_load(&failed) != HS_OK)
        continue;
      size_t qb = i % t.nqb, sp = i / t.nqb;
      topk_task(h, &t, scan, queries, nq, qb, sp * t.nchunks / nsplit,
                (sp + 1) * t.nchunks / nsplit, &s);
      size_t qfirst = qb * t.qblock;
      for (size_t slot = 0; slot < t.qblock && qfirst + slot < nq; slot++) {
        size_t row = sp * nq + qfirst + slot;
        ncand[row] = s.n[slot];
        memcpy(cand + row * (size_t)k, s.lists + slot * (size_t)k, s.n[slot] * sizeof(hs_match));
      }
    }
    free(s.lists);
    free(s.n);
    free(s.thr);
  }
  }
  if (st == HS_OK && atomic_load(&failed) != HS_OK)
    st = error_set(HS_ERR_NOMEM, "Hamming top-k: out of memory");
  if (st == HS_OK)
    for (size_t q = 0; q < nq; q++)
      topk_merge(cand, ncand, nq, nsplit, k, q, out);
  free(cand);
  free(ncand);
  return st;
}
