/* index/mih.c - multi-index hashing over 16 chunk tables (see mih.h). */
#include "index/mih.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/match_list.h"

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

/* Counting sort of the live positions by chunk value, all 16 tables
 * counted in one pass over the codes, then filled table by table. (An LSD
 * radix sort through 256-way scatters measured slower here: 0.6 s vs 0.37 s
 * per million codes.) */
static hs_status build_tables(mih *m) {
  free_tables(m);
  size_t live = 0;
  for (size_t p = 0; p < m->n; p++)
    live += !is_removed(m, p);
  uint32_t *off = calloc((size_t)CHUNKS * (KEYS + 1), sizeof *off);
  if (!off)
    return error_set(HS_ERR_NOMEM, "MIH: out of memory for offsets");
  for (int c = 0; c < CHUNKS; c++) {
    m->off[c] = off + (size_t)c * (KEYS + 1);
    m->ids[c] = malloc((live ? live : 1) * sizeof(uint32_t));
    m->partner[c] = malloc((live ? live : 1) * sizeof(uint16_t));
    if (!m->ids[c] || !m->partner[c]) {
      free_tables(m);
      return error_set(HS_ERR_NOMEM, "MIH: out of memory for %zu codes", live);
    }
  }
  for (size_t p = 0; p < m->n; p++)
    if (!is_removed(m, p))
      for (int c = 0; c < CHUNKS; c++)
        m->off[c][chunk(m->codes + 4 * p, c) + 1]++;
  for (int c = 0; c < CHUNKS; c++) {
    uint32_t *o = m->off[c];
    for (unsigned k = 0; k < KEYS; k++)
      o[k + 1] += o[k];
    /* o[k] is the start of bucket k; fill (advancing it), then shift back. */
    for (size_t p = 0; p < m->n; p++) {
      if (is_removed(m, p))
        continue;
      const uint64_t *w = m->codes + 4 * p;
      uint32_t at = o[chunk(w, c)]++;
      m->ids[c][at] = (uint32_t)p;
      m->partner[c][at] = (uint16_t)chunk(w, c ^ 1);
    }
    memmove(o + 1, o, KEYS * sizeof *o);
    o[0] = 0;
  }
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
  uint64_t *codes = aligned_alloc(64, (cap * 32 + 63) & ~(size_t)63);
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

typedef struct query {
  const mih *m;
  const uint64_t *q;
  int radius, t, t2;
  uint32_t qi;
  hs_match_list *out;
  visited *seen;
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

/* Probes every key of table c within t2 of the query's chunk. Latency,
 * not arithmetic, bounds this: each key costs an offset load and a bucket
 * load at random places. So the keys are taken in batches whose offset
 * loads, then bucket loads, are all issued (prefetched) before any is
 * used, letting the memory system overlap them. */
#define BATCH 32
HOT hs_status probe_table(const query *qr, int c) {
  const mih *m = qr->m;
  const uint32_t *off = m->off[c], *ids = m->ids[c];
  const uint16_t *part = m->partner[c];
  unsigned qc = chunk(qr->q, c), qp = chunk(qr->q, c ^ 1);
  size_t nkeys = mask_count[qr->t2];
  for (size_t b0 = 0; b0 < nkeys; b0 += BATCH) {
    size_t nb = nkeys - b0 < BATCH ? nkeys - b0 : BATCH;
    uint32_t lo[BATCH], hi[BATCH];
    for (size_t i = 0; i < nb; i++)
      __builtin_prefetch(&off[qc ^ masks[b0 + i]]);
    for (size_t i = 0; i < nb; i++) {
      unsigned key = qc ^ masks[b0 + i];
      lo[i] = off[key];
      hi[i] = off[key + 1];
      __builtin_prefetch(&part[lo[i]]);
    }
    /* In an odd table, an entry whose partner (the even chunk) is itself
     * within t2 is reported from the even table: skip it here, before
     * fetching its code (halves the fetches on clustered data). */
    int skip_upto = (c & 1) ? qr->t2 : -1;
    for (size_t i = 0; i < nb; i++) {
      int budget = qr->t - __builtin_popcount(masks[b0 + i]);
      for (uint32_t e = lo[i]; e < hi[i]; e++) {
        int dp = __builtin_popcount(part[e] ^ qp);
        if (dp <= budget && dp > skip_upto)
          HS_TRY(candidate(qr, ids[e], c));
      }
    }
  }
  return HS_OK;
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
  for (int c = 0; c < CHUNKS; c++)
    HS_TRY(probe_table(qr, c));
  return scan_range(qr, m->indexed, m->n);
}

/* The same body compiled twice: with the POPCNT instruction where the CPU
 * has it (baseline x86-64 builds otherwise call a slow library popcount). */
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("popcnt"))) static hs_status search_popcnt(const query *qr) {
  return search_body(qr);
}
#endif
static hs_status search_plain(const query *qr) { return search_body(qr); }

hs_status mih_radius(const mih *m, const uint64_t query_words[4], int radius, hs_match_list *out,
                     uint32_t query_index) {
  HS_CHECK(m && query_words && out, HS_ERR_INVALID_ARG, "mih_radius: NULL argument");
  HS_CHECK(radius >= 0 && radius <= 256, HS_ERR_INVALID_ARG, "mih_radius: radius %d", radius);
  int t = radius / 8;
  visited seen = {0};
  query qr = {m, query_words, radius, t, t / 2, query_index, out, &seen};
  hs_status s;
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports("popcnt"))
    s = search_popcnt(&qr);
  else
#endif
    s = search_plain(&qr);
  free(seen.slot);
  return s;
}
