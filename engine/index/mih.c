/* index/mih.c - multi-index hashing over 16 chunk tables (see mih.h). */
#include "index/mih.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/error.h"
#include "core/match_list.h"
#include "core/simd.h"
#include "index/mih_filter.h"

#define CHUNKS 16
#define KEYS 65536
#define MAX_T2 3   /* chunk radius the tables serve (r <= 63); beyond: full scan */
/* The search functions are inlined into both compiled variants below. */
#define HOT static inline __attribute__((always_inline))

struct mih {
  uint64_t *codes;      /* cap x 4 words, 64-byte aligned */
  size_t n, cap;        /* positions handed out, capacity */
  size_t indexed;       /* positions [0, indexed) went into the tables */
  uint64_t *removed;    /* bitmap over cap positions */
  uint32_t *off[CHUNKS];     /* KEYS + 1 offsets each (one block) */
  uint32_t *ids[CHUNKS];     /* entries sorted by chunk value */
  uint16_t *partner[CHUNKS]; /* the other chunk of the same substring */
  size_t entries;       /* per table */
  mih_variant variant;  /* as set; AUTO: the best available */
};

/* 16-bit masks sorted by weight; mask_count[w] = masks of weight <= w. */
static uint16_t masks[KEYS];
static size_t mask_count[17];
static pthread_once_t masks_once = PTHREAD_ONCE_INIT;

static void init_masks(void) {
  size_t k = 0;
  for (int w = 0; w <= 16; w++) {
    for (unsigned m = 0; m < KEYS; m++)
      if (__builtin_popcount(m) == w)
        masks[k++] = (uint16_t)m;
    mask_count[w] = k;
  }
}

HOT unsigned chunk(const uint64_t *w, int c) {
  return (unsigned)(w[c >> 2] >> ((c & 3) * 16)) & 0xFFFFu;
}

HOT int is_removed(const mih *m, size_t p) {
  return (int)((m->removed[p >> 6] >> (p & 63)) & 1);
}

/* ---- building ----------------------------------------------------------------- */

/* Arrays read at random places by every query (bucket offsets, partners,
 * codes) start on a 2 MiB boundary and ask for transparent huge pages: on
 * 4 KiB pages most of those loads would miss the TLB too, a page walk of
 * their own (10^7 random codes: 0.043-0.057 -> 0.035-0.041 ms per query).
 * The ids, the largest array but read only for the rare survivors, do
 * not: a huge page costs more to fault in (the build took ~0.6 s more CPU
 * at 10^7 with every array on them). Where the kernel declines, they are
 * ordinary memory. */
#define HUGE_PAGE ((size_t)2 << 20)
static void *big_alloc(size_t bytes, int huge) {
  void *p = NULL;
  if (!huge || bytes < HUGE_PAGE)
    return posix_memalign(&p, 64, bytes ? bytes : 1) ? NULL : p;
  if (posix_memalign(&p, HUGE_PAGE, bytes))
    return NULL;
#ifdef MADV_HUGEPAGE
  madvise(p, bytes / HUGE_PAGE * HUGE_PAGE, MADV_HUGEPAGE); /* a hint: failure is harmless */
#endif
  return p;
}

static void free_tables(mih *m) {
  free(m->off[0]);
  for (int c = 0; c < CHUNKS; c++) {
    free(m->ids[c]);
    free(m->partner[c]);
    m->off[c] = NULL;
    m->ids[c] = NULL;
    m->partner[c] = NULL;
  }
  m->entries = 0;
  m->indexed = 0;
}

/* Fills the two tables of substring s (chunks 2s and 2s + 1, each the
 * other's partner, both in code word s / 2): a counting sort of the live
 * positions by chunk value, one pass to count, one to place. Nearly all of
 * the time goes to the placing stores, which land at random places in
 * arrays far larger than the caches. (An LSD radix sort through 256-way
 * scatters measured slower: 0.6 s vs 0.37 s per million codes; filling
 * 1, 2 or 4 tables per pass cost the same CPU time at 10^7.) Substrings are
 * independent, so up to 4 threads fill them at once. */
static void fill_substring(mih *m, int s) {
  int w = s / 2, shift = 32 * (s & 1);
  uint32_t *o0 = m->off[2 * s], *o1 = m->off[2 * s + 1];
  for (size_t p = 0; p < m->n; p++) {
    if (is_removed(m, p))
      continue;
    uint32_t x = (uint32_t)(m->codes[4 * p + w] >> shift);
    o0[(x & 0xFFFFu) + 1]++;
    o1[(x >> 16) + 1]++;
  }
  for (unsigned k = 0; k < KEYS; k++) {
    o0[k + 1] += o0[k];
    o1[k + 1] += o1[k];
  }
  /* o[k] is the start of bucket k; place (advancing it), then shift back. */
  uint32_t *i0 = m->ids[2 * s], *i1 = m->ids[2 * s + 1];
  uint16_t *p0 = m->partner[2 * s], *p1 = m->partner[2 * s + 1];
  for (size_t p = 0; p < m->n; p++) {
    if (is_removed(m, p))
      continue;
    uint32_t x = (uint32_t)(m->codes[4 * p + w] >> shift);
    uint16_t lo = (uint16_t)x, hi = (uint16_t)(x >> 16);
    uint32_t a = o0[lo]++, b = o1[hi]++;
    i0[a] = (uint32_t)p;
    p0[a] = hi;
    i1[b] = (uint32_t)p;
    p1[b] = lo;
  }
  memmove(o0 + 1, o0, KEYS * sizeof *o0);
  memmove(o1 + 1, o1, KEYS * sizeof *o1);
  o0[0] = o1[0] = 0;
}

typedef struct fill_job {
  mih *m;
  atomic_int next; /* the next substring to fill */
} fill_job;

static void *fill_worker(void *arg) {
  fill_job *job = arg;
  for (int s; (s = atomic_fetch_add(&job->next, 1)) < CHUNKS / 2;)
    fill_substring(job->m, s);
  return NULL;
}

/* Below this many codes a fill takes well under a millisecond: no threads. */
#define FILL_THREADS_FROM 65536

static hs_status build_tables(mih *m) {
  free_tables(m);
  size_t live = 0;
  for (size_t p = 0; p < m->n; p++)
    live += !is_removed(m, p);
  uint32_t *off = big_alloc((size_t)CHUNKS * (KEYS + 1) * sizeof *off, 1);
  if (!off)
    return error_set(HS_ERR_NOMEM, "MIH: out of memory for offsets");
  memset(off, 0, (size_t)CHUNKS * (KEYS + 1) * sizeof *off);
  for (int c = 0; c < CHUNKS; c++) {
    m->off[c] = off + (size_t)c * (KEYS + 1);
    m->ids[c] = big_alloc((live ? live : 1) * sizeof(uint32_t), 0);
    /* Padded: the vector filters read up to MIH_FILTER_PAD entries on. */
    m->partner[c] = big_alloc((live + MIH_FILTER_PAD) * sizeof(uint16_t), 1);
    if (!m->ids[c] || !m->partner[c]) {
      free_tables(m);
      return error_set(HS_ERR_NOMEM, "MIH: out of memory for %zu codes", live);
    }
    memset(m->partner[c] + live, 0, MIH_FILTER_PAD * sizeof(uint16_t));
  }
  fill_job job = {m, 0};
  pthread_t th[3];
  int started = 0;
  if (live >= FILL_THREADS_FROM) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int want = cpus > 4 ? 3 : cpus > 1 ? (int)cpus - 1 : 0; /* plus this thread */
    while (started < want && pthread_create(&th[started], NULL, fill_worker, &job) == 0)
      started++;
  }
  fill_worker(&job); /* with no helper threads (or none startable) it fills all */
  for (int i = 0; i < started; i++)
    pthread_join(th[i], NULL);
  m->entries = live;
  m->indexed = m->n;
  return HS_OK;
}

static hs_status reserve(mih *m, size_t n) {
  if (n <= m->cap)
    return HS_OK;
  /* Exact at build; 1.5x steps for adds. */
  size_t cap = m->cap ? m->cap + m->cap / 2 : n;
  if (cap < n)
    cap = n;
  if (cap > UINT32_MAX)
    return error_set(HS_ERR_LIMIT, "MIH: more than 2^32 codes");
  uint64_t *codes = big_alloc(cap * 32, 1);
  uint64_t *removed = calloc((cap + 63) / 64, 8);
  if (!codes || !removed) {
    free(codes);
    free(removed);
    return error_set(HS_ERR_NOMEM, "MIH: out of memory for %zu codes", cap);
  }
  if (m->n) {
    memcpy(codes, m->codes, m->n * 32);
    memcpy(removed, m->removed, (m->n + 63) / 64 * 8);
  }
  free(m->codes);
  free(m->removed);
  m->codes = codes;
  m->removed = removed;
  m->cap = cap;
  return HS_OK;
}

hs_status mih_build(const uint64_t *words, size_t n, mih **out) {
  HS_CHECK(out && (words || n == 0), HS_ERR_INVALID_ARG, "mih_build: NULL argument");
  pthread_once(&masks_once, init_masks);
  mih *m = calloc(1, sizeof *m);
  if (!m)
    return error_set(HS_ERR_NOMEM, "MIH: out of memory");
  hs_status s = reserve(m, n ? n : 1);
  if (s == HS_OK) {
    if (n)
      memcpy(m->codes, words, n * 32);
    m->n = n;
    s = build_tables(m);
  }
  if (s != HS_OK) {
    mih_destroy(m);
    return s;
  }
  *out = m;
  return HS_OK;
}

void mih_destroy(mih *m) {
  if (!m)
    return;
  free_tables(m);
  free(m->codes);
  free(m->removed);
  free(m);
}

hs_status mih_add(mih *m, const uint64_t *words, size_t n) {
  HS_CHECK(m && (words || n == 0), HS_ERR_INVALID_ARG, "mih_add: NULL argument");
  HS_TRY(reserve(m, m->n + n));
  memcpy(m->codes + 4 * m->n, words, n * 32);
  m->n += n;
  /* The unsorted tail costs a full distance per code and query: merge
   * once it is 1/8 of the tables (amortised O(1) rebuild work per add). */
  size_t tail = m->n - m->indexed;
  if (tail > 4096 && tail * 8 > m->indexed)
    return build_tables(m);
  return HS_OK;
}

hs_status mih_remove(mih *m, uint64_t p) {
  HS_CHECK(m, HS_ERR_INVALID_ARG, "mih_remove: NULL");
  if (p >= m->n)
    return error_set(HS_ERR_NOT_FOUND, "MIH: no position %llu", (unsigned long long)p);
  m->removed[p >> 6] |= 1ULL << (p & 63);
  return HS_OK;
}

size_t mih_count(const mih *m) { return m ? m->n : 0; }

size_t mih_memory(const mih *m) {
  if (!m)
    return 0;
  size_t b = sizeof *m + m->cap * 32 + (m->cap + 63) / 64 * 8;
  if (m->off[0])
    b += (size_t)CHUNKS * ((KEYS + 1) * 4 + m->entries * 6);
  return b;
}

/* ---- searching ------------------------------------------------------------------ */

/* Positions already fetched by this query. A true match appears first in
 * its witnessing table (tables are probed in order), so any later
 * appearance, and any repeat of a rejected candidate, can skip the code
 * fetch. Allocated only once a query has fetched many codes (clustered
 * data: up to 8 fetches per result otherwise); random queries never need
 * it. Slots hold position + 1; 0 is empty. */
#define VISIT_AFTER 256
#define VISIT_SLOTS (1u << 16)
typedef struct visited {
  uint32_t *slot;
  size_t n, fetched;
} visited;

/* Survivors of the partner filter, checked in three steps a few survivors
 * apart, in the order found: request the line holding the entry's id, then
 * read the id and request its code, then check the code (candidate). Random
 * data at 10^7 has ~100 survivors a query, and each id and each code is a
 * cache miss (the ids are not on huge pages: a TLB miss as well); checked
 * at once, their two dependent misses were most of the search's time. The
 * order is kept, which the reporting rule and the visited set rely on. */
#define SURVIVOR_RING 32 /* a power of 2, > ID_AHEAD + CODE_AHEAD */
#define ID_AHEAD 8       /* survivors between an id's request and its read */
#define CODE_AHEAD 8     /* between a code's request and its check */
typedef struct survivor {
  const uint32_t *id; /* the entry's id in its table */
  uint32_t p;         /* the id, once read */
  int c;              /* the table */
} survivor;
typedef struct survivors {
  survivor s[SURVIVOR_RING];
  size_t found, read, checked; /* counts: pushed, ids read, codes checked */
} survivors;

typedef struct query {
  const mih *m;
  const uint64_t *q;
  int radius, t, t2;
  uint32_t qi;
  hs_match_list *out;
  visited *seen;
  mih_filter_fn filter;
  survivors *surv;
} query;

HOT int visit(visited *v, size_t p) {
  if (!v->slot) {
    if (++v->fetched < VISIT_AFTER || !(v->slot = calloc(VISIT_SLOTS, sizeof *v->slot)))
      return 0;
  }
  uint32_t key = (uint32_t)p + 1;
  for (uint32_t i = (key * 0x9E3779B1u) >> 16;; i = (i + 1) & (VISIT_SLOTS - 1)) {
    if (v->slot[i] == key)
      return 1;
    if (v->slot[i] == 0) {
      if (v->n < VISIT_SLOTS / 4 * 3) { /* full enough: stop remembering */
        v->slot[i] = key;
        v->n++;
      }
      return 0;
    }
  }
}

HOT int distance(const uint64_t *a, const uint64_t *b) {
  return __builtin_popcountll(a[0] ^ b[0]) + __builtin_popcountll(a[1] ^ b[1]) +
         __builtin_popcountll(a[2] ^ b[2]) + __builtin_popcountll(a[3] ^ b[3]);
}

HOT hs_status emit(const query *qr, size_t p, int d) {
  hs_match x = {p, qr->qi, (uint32_t)d};
  return match_list_append(qr->out, &x, 1);
}

/* A candidate from table c: exact distance, then report it only from its
 * first witnessing substring and chunk. */
HOT hs_status candidate(const query *qr, size_t p, int c) {
  const mih *m = qr->m;
  if (is_removed(m, p) || visit(qr->seen, p))
    return HS_OK;
  const uint64_t *code = m->codes + 4 * p;
  int d = distance(code, qr->q);
  if (d > qr->radius)
    return HS_OK;
  int s = c >> 1;
  for (int e = 0; e < s; e++) {
    uint64_t x = (code[e >> 1] ^ qr->q[e >> 1]) >> ((e & 1) * 32);
    if (__builtin_popcountll(x & 0xFFFFFFFFu) <= qr->t)
      return HS_OK;
  }
  return emit(qr, p, d);
}

HOT void read_id(const query *qr, survivor *v) {
  v->p = *v->id;
  __builtin_prefetch(qr->m->codes + 4 * (size_t)v->p);
}

/* Takes a survivor (entry `id` of table c) and moves the older ones on. */
HOT hs_status survivor_push(const query *qr, const uint32_t *id, int c) {
  survivors *sv = qr->surv;
  __builtin_prefetch(id);
  sv->s[sv->found++ % SURVIVOR_RING] = (survivor){id, 0, c};
  if (sv->found - sv->read > ID_AHEAD)
    read_id(qr, &sv->s[sv->read++ % SURVIVOR_RING]);
  if (sv->read - sv->checked > CODE_AHEAD) {
    const survivor *v = &sv->s[sv->checked++ % SURVIVOR_RING];
    return candidate(qr, v->p, v->c);
  }
  return HS_OK;
}

/* Checks every survivor still in the pipeline, in order. */
HOT hs_status survivors_drain(const query *qr) {
  survivors *sv = qr->surv;
  while (sv->read < sv->found)
    read_id(qr, &sv->s[sv->read++ % SURVIVOR_RING]);
  while (sv->checked < sv->read) {
    const survivor *v = &sv->s[sv->checked++ % SURVIVOR_RING];
    HS_TRY(candidate(qr, v->p, v->c));
  }
  return HS_OK;
}

/* Probes, table after table, every key within t2 of the query's chunk of
 * that table (16 x 17 keys for r = 31). Latency, not arithmetic, bounds
 * this: each key costs an offset load and a bucket load (~150 partners at
 * 10^7, 5 cache lines) at random places. So the probes run as a software
 * pipeline over the flattened (table, key) list: the offsets of probe
 * i + 2 * AHEAD and the bucket lines of probe i + AHEAD are requested
 * (prefetched) while probe i is filtered, so that many loads are in flight
 * at once, across tables too. The probes are still filtered in table order,
 * which the reporting rule (candidate, visit) relies on. */
#define AHEAD 16                /* probes between a bucket's request and its scan */
#define RING (2 * AHEAD)        /* slots holding requested buckets (a power of 2) */
#define PREFETCH_LINES 8        /* the rest of a longer bucket is streamed */
#define SCALAR_BELOW 4          /* shorter buckets skip the filter call (small sets) */
typedef struct probe {
  uint32_t lo, hi;
  int c, upto; /* table; most partner distance that can still match */
} probe;

/* A position in the (table, key) list, advanced without divisions. */
typedef struct cursor {
  int c;
  size_t k;
} cursor;

HOT void advance(cursor *u, size_t nkeys) {
  if (++u->k == nkeys) {
    u->k = 0;
    u->c++;
  }
}

HOT unsigned cursor_key(const query *qr, const cursor *u) {
  return chunk(qr->q, u->c) ^ masks[u->k];
}

HOT void request_bucket(const query *qr, const cursor *u, probe *slot) {
  const uint32_t *off = qr->m->off[u->c];
  unsigned key = cursor_key(qr, u);
  slot->lo = off[key];
  slot->hi = off[key + 1];
  slot->c = u->c;
  slot->upto = qr->t - __builtin_popcount(masks[u->k]);
  const char *at = (const char *)(qr->m->partner[u->c] + slot->lo);
  const char *end = (const char *)(qr->m->partner[u->c] + slot->hi);
  for (int l = 0; l < PREFETCH_LINES && at < end; l++, at += 64)
    __builtin_prefetch(at);
}

HOT hs_status scan_bucket(const query *qr, const probe *pb) {
  int c = pb->c, upto = pb->upto;
  const mih *m = qr->m;
  const uint16_t *part = m->partner[c];
  const uint32_t *ids = m->ids[c];
  unsigned qp = chunk(qr->q, c ^ 1);
  /* In an odd table, an entry whose partner (the even chunk) is itself
   * within t2 is reported from the even table: skip it here, before
   * fetching its code (halves the fetches on clustered data). */
  int above = (c & 1) ? qr->t2 : -1;
  if (pb->hi - pb->lo < SCALAR_BELOW) {
    for (uint32_t e = pb->lo; e < pb->hi; e++) {
      int d = __builtin_popcount(part[e] ^ qp);
      if (d <= upto && d > above)
        HS_TRY(survivor_push(qr, ids + e, c));
    }
    return HS_OK;
  }
  uint16_t hits[MIH_FILTER_BLOCK];
  for (uint32_t b = pb->lo; b < pb->hi; b += MIH_FILTER_BLOCK) {
    size_t n = pb->hi - b < MIH_FILTER_BLOCK ? pb->hi - b : MIH_FILTER_BLOCK;
    size_t k = qr->filter(part + b, n, qp, above, upto, hits);
    for (size_t h = 0; h < k; h++)
      HS_TRY(survivor_push(qr, ids + b + hits[h], c));
  }
  return HS_OK;
}

/* Three cursors over the probes: `ahead` prefetches offsets, `at` requests
 * buckets AHEAD probes behind it, and the scan follows AHEAD probes later
 * from the ring. */
HOT hs_status probe_tables(const query *qr) {
  size_t nkeys = mask_count[qr->t2], total = CHUNKS * nkeys;
  probe ring[RING];
  cursor ahead = {0, 0}, at = {0, 0};
  for (size_t i = 0; i < AHEAD && i < total; i++) {
    __builtin_prefetch(&qr->m->off[ahead.c][cursor_key(qr, &ahead)]);
    advance(&ahead, nkeys);
  }
  for (size_t i = 0; i < total + AHEAD; i++) {
    if (i + AHEAD < total) {
      __builtin_prefetch(&qr->m->off[ahead.c][cursor_key(qr, &ahead)]);
      advance(&ahead, nkeys);
    }
    if (i < total) {
      request_bucket(qr, &at, &ring[i % RING]);
      advance(&at, nkeys);
    }
    if (i >= AHEAD)
      HS_TRY(scan_bucket(qr, &ring[(i - AHEAD) % RING]));
  }
  return survivors_drain(qr);
}

HOT hs_status scan_range(const query *qr, size_t from, size_t to) {
  for (size_t p = from; p < to; p++) {
    if (is_removed(qr->m, p))
      continue;
    int d = distance(qr->m->codes + 4 * p, qr->q);
    if (d <= qr->radius)
      HS_TRY(emit(qr, p, d));
  }
  return HS_OK;
}

HOT hs_status search_body(const query *qr) {
  const mih *m = qr->m;
  if (qr->t2 > MAX_T2)
    return scan_range(qr, 0, m->n);
  if (m->entries)
    HS_TRY(probe_tables(qr));
  return scan_range(qr, m->indexed, m->n);
}

/* The same body compiled twice: with the POPCNT instruction where the CPU
 * has it (baseline x86-64 builds otherwise call a slow library popcount).
 * The vector tiers differ only in the filter they pass. */
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("popcnt"))) static hs_status search_popcnt(const query *qr) {
  return search_body(qr);
}
#endif
static hs_status search_plain(const query *qr) { return search_body(qr); }

/* ---- tiers ---------------------------------------------------------------------- */

static const char *const variant_names[MIH_VARIANT_COUNT] = {"auto", "generic", "popcnt", "avx2",
                                                             "avx512"};

const char *mih_variant_name(mih_variant v) {
  return v >= 0 && v < MIH_VARIANT_COUNT ? variant_names[v] : "?";
}

int mih_variant_available(mih_variant v) {
  switch (v) {
  case MIH_VARIANT_GENERIC: return 1;
#if defined(MIH_FILTER_X86)
  /* __builtin_cpu_supports also checks that the OS saves ymm/zmm state. */
  case MIH_VARIANT_POPCNT: return __builtin_cpu_supports("popcnt");
  case MIH_VARIANT_AVX2:
    return __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("avx2");
  case MIH_VARIANT_AVX512:
    return __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512bitalg");
#endif
  default: return 0;
  }
}

static pthread_once_t auto_once = PTHREAD_ONCE_INIT;
static mih_variant variant_auto = MIH_VARIANT_GENERIC;

/* HASHSWEEP_NO_SIMD (core/simd.h) rules out the vector tiers. */
static void choose_auto(void) {
  int top = simd_avx2_allowed() ? MIH_VARIANT_AVX512 : MIH_VARIANT_POPCNT;
  for (int v = top; v > MIH_VARIANT_GENERIC; v--)
    if (mih_variant_available((mih_variant)v)) {
      variant_auto = (mih_variant)v;
      return;
    }
}

hs_status mih_set_variant(mih *m, mih_variant v) {
  HS_CHECK(m, HS_ERR_INVALID_ARG, "mih_set_variant: NULL");
  if (v != MIH_VARIANT_AUTO && !mih_variant_available(v))
    return error_set(HS_ERR_UNSUPPORTED, "MIH search %s: not available on this processor",
                     mih_variant_name(v));
  m->variant = v;
  return HS_OK;
}

mih_variant mih_variant_used(const mih *m) {
  if (m && m->variant != MIH_VARIANT_AUTO)
    return m->variant;
  pthread_once(&auto_once, choose_auto);
  return variant_auto;
}

hs_status mih_radius(const mih *m, const uint64_t query_words[4], int radius, hs_match_list *out,
                     uint32_t query_index) {
  HS_CHECK(m && query_words && out, HS_ERR_INVALID_ARG, "mih_radius: NULL argument");
  HS_CHECK(radius >= 0 && radius <= 256, HS_ERR_INVALID_ARG, "mih_radius: radius %d", radius);
  int t = radius / 8;
  visited seen = {0};
  survivors surv;
  surv.found = surv.read = surv.checked = 0; /* (ring slots are written before they are read) */
  query qr = {.m = m, .q = query_words, .radius = radius, .t = t, .t2 = t / 2, .qi = query_index,
              .out = out, .seen = &seen, .filter = mih_filter_generic, .surv = &surv};
  mih_variant v = mih_variant_used(m);
  hs_status s;
  switch (v) {
#if defined(MIH_FILTER_X86)
  case MIH_VARIANT_AVX512: qr.filter = mih_filter_avx512; s = search_popcnt(&qr); break;
  case MIH_VARIANT_AVX2: qr.filter = mih_filter_avx2; s = search_popcnt(&qr); break;
  case MIH_VARIANT_POPCNT: qr.filter = mih_filter_popcnt; s = search_popcnt(&qr); break;
#endif
  default: s = search_plain(&qr); break;
  }
  free(seen.slot);
  return s;
}
