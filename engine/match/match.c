/* match/match.c - the public Hamming search (hashsweep/match.h): chooses
 * where a search runs, falls back to the CPU path when a device search
 * fails, and gives both paths one output order. */
#include <stdlib.h>

#include "hashsweep/match.h"

#include "core/error.h"
#include "core/log.h"
#include "core/match_list.h"
#include "device/cl_match.h"
#include "device/engine_internal.h"
#include "match/hamming.h"

struct hs_haystack {
  int bits;
  const hs_engine *engine; /* the engine the device copy lives on */
  hamming_haystack cpu;    /* always kept: the CPU path and the fallback */
  cl_haystack *device;     /* NULL on the CPU path or when the upload failed */
};

/* Where a search runs. A sub-linear CPU index (multi-index hashing) slots
 * in here as a third strategy, picked from the radius, the hash width and
 * the haystack size; brute force stays the fallback for large radii. */
typedef enum match_strategy {
  MATCH_DEVICE,
  MATCH_CPU_BRUTE
} match_strategy;

static match_strategy choose_strategy(const hs_engine *engine, const hs_haystack *h) {
  if (h->device && engine == h->engine && hs_engine_uses_device(engine))
    return MATCH_DEVICE;
  return MATCH_CPU_BRUTE;
}

hs_status hs_haystack_create(hs_engine *engine, int bits, const uint64_t *words, size_t count,
                             hs_haystack **out) {
  HS_CHECK(out, HS_ERR_INVALID_ARG, "hs_haystack_create: NULL out");
  *out = NULL;
  HS_CHECK(engine, HS_ERR_INVALID_ARG, "hs_haystack_create: NULL engine");
  HS_CHECK(bits == 256 || bits == 64, HS_ERR_INVALID_ARG,
           "hs_haystack_create: %d-bit hashes (256 or 64)", bits);
  HS_CHECK(count == 0 || words, HS_ERR_INVALID_ARG, "hs_haystack_create: NULL hashes");
  hs_haystack *h = calloc(1, sizeof *h);
  if (!h)
    return error_set(HS_ERR_NOMEM, "haystack: out of memory");
  h->bits = bits;
  h->engine = engine;
  hs_status st = hamming_haystack_init(&h->cpu, bits / 64, words, count);
  if (st != HS_OK) {
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

void hs_haystack_destroy(hs_haystack *h) {
  if (!h)
    return;
  if (h->device)
    cl_haystack_destroy(h->device);
  hamming_haystack_free(&h->cpu);
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
static hs_status search(hs_engine *engine, const hs_haystack *h, const uint64_t *queries,
                        size_t nq, int radius, int k, hs_match_list *out) {
  size_t before = out->count;
  hs_status st = HS_ERR_UNSUPPORTED;
  if (choose_strategy(engine, h) == MATCH_DEVICE) {
    st = k ? cl_match_topk(engine, h->device, queries, nq, k, out)
           : cl_match_radius(engine, h->device, queries, nq, radius, out);
    if (st != HS_OK) {
      log_warn("device %s search failed (%s); redoing it on the CPU", k ? "top-k" : "radius",
               hs_last_error());
      out->count = before;
    }
  }
  if (st != HS_OK) {
    int threads = engine_cpu_threads(engine);
    st = k ? hamming_topk(&h->cpu, queries, nq, k, threads, out)
           : hamming_radius(&h->cpu, queries, nq, radius, threads, out);
  }
  if (st != HS_OK) {
    out->count = before;
    return st;
  }
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
  return search(engine, h, queries, nq, radius, 0, out);
}

hs_status hs_match_topk(hs_engine *engine, const hs_haystack *h, const uint64_t *queries,
                        size_t nq, int k, hs_match_list *out) {
  HS_TRY(check_search(engine, h, queries, nq, out));
  HS_CHECK(k >= 1 && k <= HS_TOPK_MAX, HS_ERR_INVALID_ARG, "Hamming search: k = %d (1..%d)", k,
           HS_TOPK_MAX);
  return search(engine, h, queries, nq, 0, k, out);
}
