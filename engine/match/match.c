/* match/match.c - the public Hamming search (hashsweep/match.h): chooses
 * where a search runs, falls back to the CPU path when a device search
 * fails, and gives both paths one output order. */
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hashsweep/match.h"

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/match_list.h"
#include "device/cl_match.h"
#include "device/cl_tuning.h"
#include "device/engine_internal.h"
#include "index/mih.h"
#include "match/hamming.h"

/* Multi-index hashing (index/mih.h) answers a 256-bit radius query in time
 * that grows much slower than the haystack, but costs about 0.5 us per
 * code to build and loses to brute force on heavily clustered codes. So it
 * is built only for large haystacks, only once the brute-force work done on
 * this haystack would have paid for the build, and it is dropped again if
 * it turns out slower per query than brute force was (measured). */
#define MIH_MIN_COUNT 65536   /* below this, brute force is fast anyway */
#define MIH_MAX_RADIUS 47     /* beyond, the tables probe too many keys */
/* Both the build and a brute-force query cost time proportional to the
 * haystack (about 500 ns and 0.15 ns per code here), so the break-even is a
 * number of queries whatever the size: about 3300. A count, not a clock,
 * keeps the choice (and the tests) deterministic. */
#define MIH_BUILD_AFTER_QUERIES 4096.0

typedef enum mih_state { MIH_NONE = 0, MIH_READY, MIH_REJECTED } mih_state;

struct hs_haystack {
  int bits;
  const hs_engine *engine; /* the engine the device copy lives on */
  hamming_haystack cpu;    /* always kept: the CPU path and the fallback */
  cl_haystack *device;     /* NULL on the CPU path or when the upload failed */
  /* the sub-linear CPU path (256-bit only) */
  pthread_mutex_t lock;
  mih_state mih_state;
  mih *mih;
  /* searches in the MIH now: a rejected MIH is freed by the last of them
   * (searches of one haystack may run on several threads: serve) */
  int mih_users;
  double brute_ns;         /* brute-force time spent so far */
  double brute_queries;    /* queries it answered */
  double mih_ns, mih_queries;
};

/* Where a search runs. */
typedef enum match_strategy {
  MATCH_DEVICE,
  MATCH_CPU_BRUTE,
  MATCH_CPU_MIH
} match_strategy;

/* HASHSWEEP_MATCH=brute|mih forces the CPU strategy (benchmarks, tests). */
static const char *forced_cpu_strategy(void) {
  const char *f = getenv("HASHSWEEP_MATCH");
  return f && *f ? f : NULL;
}

/* Rebuilds hash-major codes from the SoA blocks and builds the MIH. */
static hs_status build_mih(hs_haystack *h) {
  size_t n = h->cpu.count;
  uint64_t *words = malloc(n * 4 * sizeof *words);
  if (!words)
    return error_set(HS_ERR_NOMEM, "multi-index: out of memory for %zu codes", n);
  for (size_t i = 0; i < n; i++) {
    const uint64_t *blk = h->cpu.blocks + (i / HAMMING_LANES) * 4 * HAMMING_LANES;
    for (int w = 0; w < 4; w++)
      words[i * 4 + (size_t)w] = blk[w * HAMMING_LANES + i % HAMMING_LANES];
  }
  double t0 = clock_now_s();
  hs_status st = mih_build(words, n, &h->mih);
  free(words);
  if (st == HS_OK)
    log_info("multi-index hashing over %zu codes built in %.2f s (%.0f bytes per code, %s "
             "search)", n, clock_now_s() - t0, (double)mih_memory(h->mih) / (double)n,
             mih_variant_name(mih_variant_used(h->mih)));
  return st;
}

static match_strategy choose_strategy(const hs_engine *engine, hs_haystack *h, int radius,
                                      int k, size_t nq) {
  if (h->device && engine == h->engine && hs_engine_uses_device(engine))
    return MATCH_DEVICE;
  if (k || h->bits != 256 || radius > MIH_MAX_RADIUS)
    return MATCH_CPU_BRUTE;
  const char *forced = forced_cpu_strategy();
  if (forced && strcmp(forced, "brute") == 0)
    return MATCH_CPU_BRUTE;
  int force_mih = forced && strcmp(forced, "mih") == 0;
  if (!force_mih && h->cpu.count < MIH_MIN_COUNT)
    return MATCH_CPU_BRUTE;
  pthread_mutex_lock(&h->lock);
  match_strategy s = MATCH_CPU_BRUTE;
  if (h->mih_state == MIH_READY) {
    s = MATCH_CPU_MIH;
    h->mih_users++;
  } else if (h->mih_state == MIH_NONE) {
    /* Build once brute force has answered (or this batch would take it
     * past) about as many queries as the build costs. */
    if (force_mih || h->brute_queries + (double)nq >= MIH_BUILD_AFTER_QUERIES) {
      if (build_mih(h) == HS_OK) {
        h->mih_state = MIH_READY;
        s = MATCH_CPU_MIH;
        h->mih_users++;
      } else {
        log_warn("multi-index hashing not built (%s); brute force stays", hs_last_error());
        h->mih_state = MIH_REJECTED;
      }
    }
  }
  pthread_mutex_unlock(&h->lock);
  return s;
}

/* Updates the per-query costs and drops the MIH when it proves slower than
 * brute force was on this haystack (clustered codes). */
static void account(hs_haystack *h, match_strategy s, size_t nq, double ns) {
  if (s == MATCH_DEVICE || nq == 0)
    return;
  pthread_mutex_lock(&h->lock);
  if (s == MATCH_CPU_BRUTE) {
    h->brute_ns += ns;
    h->brute_queries += (double)nq;
  } else {
    h->mih_ns += ns;
    h->mih_queries += (double)nq;
    if (h->mih_queries >= 4096 && h->brute_queries > 0 && !forced_cpu_strategy() &&
        h->mih_ns / h->mih_queries > h->brute_ns / h->brute_queries) {
      log_info("multi-index hashing is slower than brute force on this haystack (%.0f vs %.0f "
               "us per query): back to brute force",
               h->mih_ns / h->mih_queries / 1e3, h->brute_ns / h->brute_queries / 1e3);
      h->mih_state = MIH_REJECTED; /* freed by the last search in it */
    }
  }
  pthread_mutex_unlock(&h->lock);
}

/* Ends a search in the MIH (choose_strategy counted it); the last one out
 * of a rejected MIH frees it. */
static void mih_release(hs_haystack *h) {
  pthread_mutex_lock(&h->lock);
  if (--h->mih_users == 0 && h->mih_state == MIH_REJECTED) {
    mih_destroy(h->mih);
    h->mih = NULL;
  }
  pthread_mutex_unlock(&h->lock);
}

/* MIH radius search over all threads: each thread appends to its own list,
 * merged in thread order (the caller sorts). */
static hs_status mih_search(const hs_haystack *h, const uint64_t *queries, size_t nq, int radius,
                            int threads, hs_match_list *out) {
  hs_status result = HS_OK;
  /* Queries go to threads 64 at a time: a batch of up to 64 (a served
   * lookup is one) is one thread's work, searched here with no OpenMP
   * region, whose team start and end cost two futex calls per search. */
  int nt = threads > 0 ? threads : 1;
  if ((size_t)nt > (nq + 63) / 64)
    nt = (int)((nq + 63) / 64);
  if (nt <= 1) {
    for (size_t q = 0; q < nq && result == HS_OK; q++)
      result = mih_radius(h->mih, queries + 4 * q, radius, out, (uint32_t)q);
    return result;
  }
  hs_match_list *part = calloc((size_t)nt, sizeof *part);
  if (!part)
    return error_set(HS_ERR_NOMEM, "multi-index: out of memory");
#pragma omp parallel num_threads(nt)
  {
    int t = omp_get_thread_num();
    hs_status st = HS_OK;
#pragma omp for schedule(dynamic, 64)
    for (size_t q = 0; q < nq; q++)
      if (st == HS_OK)
        st = mih_radius(h->mih, queries + 4 * q, radius, &part[t], (uint32_t)q);
    if (st != HS_OK) {
#pragma omp critical
      result = st;
    }
  }
  for (int t = 0; t < nt && result == HS_OK; t++)
    result = match_list_append(out, part[t].items, part[t].count);
  for (int t = 0; t < nt; t++)
    hs_match_list_free(&part[t]);
  free(part);
  return result;
}

static hs_status haystack_build(hs_engine *engine, int bits, const uint64_t *words,
                                size_t count, hs_haystack **out) {
  HS_CHECK(out, HS_ERR_INVALID_ARG, "hs_haystack_create: NULL out");
  *out = NULL;
  HS_CHECK(engine, HS_ERR_INVALID_ARG, "hs_haystack_create: NULL engine");
  HS_CHECK(bits == 256 || bits == 64, HS_ERR_INVALID_ARG,
           "hs_haystack_create: %d-bit hashes (256 or 64)", bits);
  HS_CHECK(count == 0 || words, HS_ERR_INVALID_ARG, "hs_haystack_create: NULL hashes");
  hs_haystack *h = calloc(1, sizeof *h);
  if (!h)
    return error_set(HS_ERR_NOMEM, "haystack: out of memory");
  pthread_mutex_init(&h->lock, NULL);
  h->bits = bits;
  h->engine = engine;
  hs_status st = hamming_haystack_init(&h->cpu, bits / 64, words, count);
  if (st != HS_OK) {
    pthread_mutex_destroy(&h->lock);
    free(h);
    return st;
  }
  if (hs_engine_uses_device(engine) && count > 0 &&
      cl_haystack_create(engine, bits / 64, words, count, &h->device) != HS_OK) {
    log_warn("haystack of %zu hashes: device upload failed (%s); searching on the CPU", count,
             hs_last_error());
    h->device = NULL;
  }
  *out = h;
  return HS_OK;
}

hs_status hs_haystack_create(hs_engine *engine, int bits, const uint64_t *words, size_t count,
                             hs_haystack **out) {
  const hs_logger *prev = log_enter_default(engine_logger(engine));
  hs_status st = haystack_build(engine, bits, words, count, out);
  log_leave(prev);
  return st;
}

void hs_haystack_destroy(hs_haystack *h) {
  if (!h)
    return;
  if (h->device)
    cl_haystack_destroy(h->device);
  hamming_haystack_free(&h->cpu);
  mih_destroy(h->mih);
  pthread_mutex_destroy(&h->lock);
  free(h);
}

size_t hs_haystack_count(const hs_haystack *h) { return h ? h->cpu.count : 0; }
int hs_haystack_bits(const hs_haystack *h) { return h ? h->bits : 0; }

static hs_status check_search(const hs_engine *engine, const hs_haystack *h,
                              const uint64_t *queries, size_t nq, const hs_match_list *out) {
  HS_CHECK(engine && h && out, HS_ERR_INVALID_ARG, "Hamming search: NULL argument");
  HS_CHECK(nq == 0 || queries, HS_ERR_INVALID_ARG, "Hamming search: NULL queries");
  HS_CHECK(nq <= UINT32_MAX, HS_ERR_INVALID_ARG, "Hamming search: %zu queries (max 2^32-1)", nq);
  return HS_OK;
}

/* One search: radius (k == 0) or top-k. Tries the device when the strategy
 * says so; a failure there drops what it appended, warns and redoes the
 * search on the CPU. Sorts what it appended into the order match.h states. */
static hs_status search(hs_engine *engine, const hs_haystack *hc, const uint64_t *queries,
                        size_t nq, int radius, int k, hs_match_list *out) {
  /* Only the strategy bookkeeping changes; the hashes are never written. */
  hs_haystack *h = (hs_haystack *)hc;
  size_t before = out->count;
  hs_status st = HS_ERR_UNSUPPORTED;
  match_strategy strategy = choose_strategy(engine, h, radius, k, nq);
  double t0 = clock_now_s();
  if (strategy == MATCH_CPU_MIH) {
    st = mih_search(h, queries, nq, radius, engine_cpu_threads(engine), out);
    if (st == HS_OK)
      account(h, strategy, nq, (clock_now_s() - t0) * 1e9);
    mih_release(h);
    if (st != HS_OK) {
      log_warn("multi-index search failed (%s); redoing it by brute force", hs_last_error());
      out->count = before;
      strategy = MATCH_CPU_BRUTE;
    }
  }
  if (strategy == MATCH_DEVICE) {
    st = k ? cl_match_topk(engine, h->device, queries, nq, k, out)
           : cl_match_radius(engine, h->device, queries, nq, radius, out);
#ifdef HS_FAULT_INJECTION
    if (st == HS_OK && out->count > before && cl_fault("hamming")) /* tests: lost mid-way */
      st = error_set(HS_ERR_DEVICE, "search readback: injected fault (HASHSWEEP_FAULT=hamming)");
#endif
    if (st != HS_OK) {
      log_warn("device %s search failed (%s); redoing it on the CPU", k ? "top-k" : "radius",
               hs_last_error());
      out->count = before;
    }
  }
  if (st != HS_OK) {
    int threads = engine_cpu_threads(engine);
    strategy = MATCH_CPU_BRUTE;
    t0 = clock_now_s();
    st = k ? hamming_topk(&h->cpu, queries, nq, k, threads, out)
           : hamming_radius(&h->cpu, queries, nq, radius, threads, out);
  }
  if (st == HS_OK && !k && strategy != MATCH_CPU_MIH) /* MIH: accounted above */
    account(h, strategy, nq, (clock_now_s() - t0) * 1e9);
  if (st != HS_OK) {
    out->count = before;
    return st;
  }
  /* Nothing appended: out->items may still be NULL (NULL + 0 is undefined). */
  if (out->count == before)
    return HS_OK;
  if (k)
    match_list_sort_by_distance(out->items + before, out->count - before);
  else
    match_list_sort_by_target(out->items + before, out->count - before);
  return HS_OK;
}

hs_status hs_match_radius(hs_engine *engine, const hs_haystack *h, const uint64_t *queries,
                          size_t nq, int radius, hs_match_list *out) {
  HS_TRY(check_search(engine, h, queries, nq, out));
  HS_CHECK(radius >= 0, HS_ERR_INVALID_ARG, "Hamming search: radius %d is negative", radius);
  const hs_logger *prev = log_enter_default(engine_logger(engine));
  hs_status st = search(engine, h, queries, nq, radius, 0, out);
  log_leave(prev);
  return st;
}

hs_status hs_match_topk(hs_engine *engine, const hs_haystack *h, const uint64_t *queries,
                        size_t nq, int k, hs_match_list *out) {
  HS_TRY(check_search(engine, h, queries, nq, out));
  HS_CHECK(k >= 1 && k <= HS_TOPK_MAX, HS_ERR_INVALID_ARG, "Hamming search: k = %d (1..%d)", k,
           HS_TOPK_MAX);
  const hs_logger *prev = log_enter_default(engine_logger(engine));
  hs_status st = search(engine, h, queries, nq, 0, k, out);
  log_leave(prev);
  return st;
}
