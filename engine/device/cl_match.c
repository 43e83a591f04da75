/* device/cl_match.c - Hamming search on an OpenCL device (cl_match.h):
 * resident haystack blocks, radius search with an overflow-safe result
 * buffer, and top-k with per-part lists merged on the host.
 *
 * Sizes come from the device: a block (one buffer, one "pass") holds at
 * most CL_DEVICE_MAX_MEM_ALLOC_SIZE bytes of hashes; blocks stay resident up
 * to half the global memory and the rest are streamed through one staging
 * buffer per search. Launches are split so queries x targets < 2^32 (the
 * result counter cannot wrap), and a result count above the buffer's
 * capacity grows the buffer and relaunches (or halves the work when even
 * the largest allocation would not hold it). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "core/match_list.h"
#include "device/cl_errors.h"
#include "device/cl_match.h"
#include "device/cl_tuning.h"
#include "device/engine_device.h"
#include "hashsweep/match.h"
#include "hs_shared.h"

_Static_assert(sizeof(hs_cl_match) == HS_CL_MATCH_SIZE, "hs_cl_match layout");
_Static_assert(HS_CL_TOPK_MAX == HS_TOPK_MAX, "top-k limit of the kernel and the API");
_Static_assert(sizeof(hs_match) == sizeof(hs_cl_match), "hs_match and hs_cl_match differ");
_Static_assert(offsetof(hs_match, target) == offsetof(hs_cl_match, target), "hs_match.target");
_Static_assert(offsetof(hs_match, query) == offsetof(hs_cl_match, query), "hs_match.query");
_Static_assert(offsetof(hs_match, distance) == offsetof(hs_cl_match, distance),
               "hs_match.distance");

#define MAX_PAIRS_PER_LAUNCH ((uint64_t)1 << 31)
/* Top-k parts per query and block: more parallelism, more host merging. */
#define TOPK_MAX_PARTS 64

struct cl_hamming {
  cl_runtime *rt;
  cl_program prog;
  cl_kernel radius[2], topk[2]; /* [0]: 64-bit, [1]: 256-bit */
  int qv;                       /* queries per work-item */
  size_t wg;                    /* work-group size in the query dimension */
  size_t tile;                  /* haystack entries per cache tile */
  cl_mem results, found;        /* radius output, grown as needed */
  size_t results_cap;           /* in matches */
};

struct cl_haystack {
  hs_engine *engine; /* borrowed: outlives the haystack */
  int words;
  size_t count;
  size_t block_entries, nblocks, nresident;
  cl_mem *blocks;    /* the resident blocks */
  uint64_t *host;    /* count x words, kept only when some blocks stream */
  cl_mem staging;    /* one block, for the streamed ones */
};

/* ---- kernels ------------------------------------------------------------------- */

hs_status cl_hamming_open(cl_runtime *rt, cl_hamming **out) {
  *out = NULL;
  cl_hamming *h = calloc(1, sizeof *h);
  if (!h)
    return error_set(HS_ERR_NOMEM, "out of memory");
  h->rt = rt;
  h->qv = cl_tuning_override.match_qv ? cl_tuning_override.match_qv : rt->is_cpu ? 8 : 1;
  /* 4096 entries: 128 KiB of 256-bit hashes, well inside a core's L2. */
  h->tile = cl_tuning_override.tile_entries ? cl_tuning_override.tile_entries : 4096;
  char defines[96];
  snprintf(defines, sizeof defines, "-DHS_QV=%d -DHS_TILE_BARRIER=%d", h->qv, rt->is_cpu);
  static const char *const names[4] = {"hs_radius64", "hs_radius256", "hs_topk64", "hs_topk256"};
  hs_status st = cl_runtime_program(rt, "hamming.cl", defines, &h->prog);
  for (int i = 0; st == HS_OK && i < 4; i++)
    st = clw_kernel(h->prog, names[i], i < 2 ? &h->radius[i] : &h->topk[i - 2]);
  size_t max_wg = 0;
  for (int i = 0; st == HS_OK && i < 2; i++) {
    size_t a = 0, b = 0;
    cl_device_id dev = rt->dev.device;
    if (clGetKernelWorkGroupInfo(h->radius[i], dev, CL_KERNEL_WORK_GROUP_SIZE, sizeof a, &a,
                                 NULL) != CL_SUCCESS ||
        clGetKernelWorkGroupInfo(h->topk[i], dev, CL_KERNEL_WORK_GROUP_SIZE, sizeof b, &b,
                                 NULL) != CL_SUCCESS)
      st = error_set(HS_ERR_DEVICE, "hamming.cl: clGetKernelWorkGroupInfo failed");
    size_t m = a < b ? a : b;
    if (i == 0 || m < max_wg)
      max_wg = m;
  }
  if (st == HS_OK) {
    size_t pref = rt->is_cpu ? 16 : 64;
    h->wg = max_wg < pref ? max_wg : pref;
    if (h->wg == 0)
      st = error_set(HS_ERR_DEVICE, "hamming.cl: work-group size 0 on %s", rt->dev.info.name);
  }
  if (st == HS_OK)
    st = clw_buffer(rt->ctx, CL_MEM_READ_WRITE, sizeof(cl_uint), NULL, &h->found,
                    "Hamming result counter");
  if (st != HS_OK) {
    cl_hamming_close(h);
    return st;
  }
  *out = h;
  return HS_OK;
}

void cl_hamming_close(cl_hamming *h) {
  if (!h)
    return;
  for (int i = 0; i < 2; i++) {
    if (h->radius[i])
      clReleaseKernel(h->radius[i]);
    if (h->topk[i])
      clReleaseKernel(h->topk[i]);
  }
  clw_release_mem(&h->results);
  clw_release_mem(&h->found);
  if (h->prog)
    clReleaseProgram(h->prog);
  free(h);
}

/* ---- haystacks ------------------------------------------------------------------- */

static size_t max_alloc_bytes(const cl_runtime *rt) {
  uint64_t a = rt->dev.info.max_alloc;
  return a > SIZE_MAX ? SIZE_MAX : (size_t)a;
}

/* Block size and how many blocks stay resident. */
static void plan_blocks(cl_haystack *h, const cl_runtime *rt) {
  const size_t entry = (size_t)h->words * sizeof(uint64_t);
  size_t be = cl_tuning_override.block_entries;
  if (!be) {
    be = max_alloc_bytes(rt) / entry;
    if (be > ((size_t)1 << 31))
      be = (size_t)1 << 31;
  }
  if (be == 0)
    be = 1;
  h->block_entries = be;
  h->nblocks = (h->count + be - 1) / be;
  size_t resident = cl_tuning_override.resident_blocks;
  if (!resident) {
    uint64_t budget = rt->dev.info.global_mem / 2;
    resident = (size_t)(budget / ((uint64_t)be * entry));
    /* Streaming needs one staging block of the same budget. */
    if (resident < h->nblocks && resident > 0)
      resident--;
  }
  h->nresident = resident < h->nblocks ? resident : h->nblocks;
}

static hs_status upload_blocks(cl_haystack *h, cl_runtime *rt, const uint64_t *data) {
  const size_t entry = (size_t)h->words * sizeof(uint64_t);
  h->blocks = calloc(h->nresident ? h->nresident : 1, sizeof *h->blocks);
  if (!h->blocks)
    return error_set(HS_ERR_NOMEM, "out of memory");
  for (size_t b = 0; b < h->nresident; b++) {
    size_t first = b * h->block_entries;
    size_t n = h->count - first < h->block_entries ? h->count - first : h->block_entries;
    HS_TRY(clw_buffer(rt->ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, n * entry,
                      (void *)(data + first * (size_t)h->words), &h->blocks[b],
                      "haystack block"));
  }
  if (h->nresident == h->nblocks)
    return HS_OK;
  /* The streamed blocks are read from a host copy at each search. */
  size_t bytes = (h->count * entry + 63) & ~(size_t)63;
  h->host = aligned_alloc(64, bytes);
  if (!h->host)
    return error_set(HS_ERR_NOMEM, "haystack: cannot keep %zu bytes on the host", bytes);
  memcpy(h->host, data, h->count * entry);
  log_info("haystack of %zu hashes: %zu of %zu blocks resident, the rest streamed", h->count,
           h->nresident, h->nblocks);
  return clw_buffer(rt->ctx, CL_MEM_READ_ONLY, h->block_entries * entry, NULL, &h->staging,
                    "haystack staging block");
}

hs_status cl_haystack_create(hs_engine *e, int words, const uint64_t *data, size_t count,
                             cl_haystack **out) {
  HS_CHECK(out && (words == 1 || words == 4) && (data || count == 0), HS_ERR_INVALID_ARG,
           "cl_haystack_create: bad arguments");
  *out = NULL;
  engine_device *dev = engine_device_of(e);
  HS_CHECK(dev, HS_ERR_INVALID_ARG, "cl_haystack_create: the engine has no OpenCL device");
  cl_haystack *h = calloc(1, sizeof *h);
  if (!h)
    return error_set(HS_ERR_NOMEM, "out of memory");
  h->engine = e;
  h->words = words;
  h->count = count;
  plan_blocks(h, dev->rt);
  engine_lock(e);
  hs_status st = upload_blocks(h, dev->rt, data);
  engine_unlock(e);
  if (st != HS_OK) {
    cl_haystack_destroy(h);
    return st;
  }
  *out = h;
  return HS_OK;
}

void cl_haystack_destroy(cl_haystack *h) {
  if (!h)
    return;
  for (size_t b = 0; h->blocks && b < h->nresident; b++)
    clw_release_mem(&h->blocks[b]);
  free(h->blocks);
  clw_release_mem(&h->staging);
  free(h->host);
  free(h);
}

/* The device buffer holding block b (uploading a streamed one). */
static hs_status block_mem(const cl_haystack *h, cl_runtime *rt, size_t b, cl_mem *mem,
                           size_t *first, size_t *n) {
  *first = b * h->block_entries;
  *n = h->count - *first < h->block_entries ? h->count - *first : h->block_entries;
  if (b < h->nresident) {
    *mem = h->blocks[b];
    return HS_OK;
  }
  const size_t entry = (size_t)h->words * sizeof(uint64_t);
  *mem = h->staging;
  return clw_write(rt->queue, h->staging, 0, *n * entry, h->host + *first * (size_t)h->words,
                   "haystack pass upload");
}

/* ---- one launch ------------------------------------------------------------------- */

/* A slice of work: queries [q0, q0 + nq) of the uploaded query buffer
 * against entries [t0, t0 + nt) of a block whose first entry has the
 * haystack index `base`. */
typedef struct slice {
  cl_mem queries, block;
  uint32_t q0, nq;
  uint64_t t0, nt, base;
} slice;

/* Work-items in dimension 0, and parts in dimension 1 so the device has
 * enough work-groups; a part is never shorter than a tile. The work-group
 * size stays fixed (idle work-items cost little): a runtime such as PoCL
 * compiles the kernel anew for every work-group size it meets. */
static void geometry(const cl_hamming *h, const slice *s, size_t max_parts, size_t global[2],
                     size_t local[2], uint64_t *part_len) {
  size_t items = ((size_t)s->nq + (size_t)h->qv - 1) / (size_t)h->qv;
  size_t wg = h->wg;
  global[0] = (items + wg - 1) / wg * wg;
  local[0] = wg;
  size_t groups = global[0] / wg;
  size_t cu = h->rt->dev.info.compute_units ? h->rt->dev.info.compute_units : 1;
  size_t want = h->rt->is_cpu ? 4 * cu : 8 * cu * (256 / wg ? 256 / wg : 1);
  size_t parts = (want + groups - 1) / groups;
  size_t tiles = (size_t)((s->nt + h->tile - 1) / h->tile);
  if (parts > tiles)
    parts = tiles;
  if (parts > max_parts)
    parts = max_parts;
  if (parts == 0)
    parts = 1;
  *part_len = (s->nt + parts - 1) / parts;
  global[1] = parts;
  local[1] = 1;
}

/* Arguments 0..8, shared by both kernel families. */
static hs_status common_args(const cl_hamming *h, cl_kernel k, const slice *s,
                             uint64_t part_len) {
  const cl_uint tile = (cl_uint)h->tile;
  const cl_ulong t0 = s->t0, nt = s->nt, base = s->base, pl = part_len;
  HS_TRY(clw_arg(k, 0, sizeof(cl_mem), &s->queries, "Hamming queries"));
  HS_TRY(clw_arg(k, 1, sizeof(cl_uint), &(cl_uint){s->q0 + s->nq}, "Hamming queries"));
  HS_TRY(clw_arg(k, 2, sizeof(cl_uint), &(cl_uint){s->q0}, "Hamming queries"));
  HS_TRY(clw_arg(k, 3, sizeof(cl_mem), &s->block, "haystack block"));
  HS_TRY(clw_arg(k, 4, sizeof t0, &t0, "haystack block"));
  HS_TRY(clw_arg(k, 5, sizeof nt, &nt, "haystack block"));
  HS_TRY(clw_arg(k, 6, sizeof pl, &pl, "haystack block"));
  HS_TRY(clw_arg(k, 7, sizeof base, &base, "haystack block"));
  return clw_arg(k, 8, sizeof tile, &tile, "haystack tile");
}

/* ---- radius search ------------------------------------------------------------------ */

static hs_status ensure_results(cl_hamming *h, size_t cap) {
  if (h->results && h->results_cap >= cap)
    return HS_OK;
  clw_release_mem(&h->results);
  h->results_cap = 0;
  HS_TRY(clw_buffer(h->rt->ctx, CL_MEM_WRITE_ONLY, cap * sizeof(hs_cl_match), NULL, &h->results,
                    "Hamming result buffer"));
  h->results_cap = cap;
  return HS_OK;
}

/* Launches one slice; *found is how many pairs the kernel met (it stored
 * at most results_cap of them). */
static hs_status radius_launch(cl_hamming *h, int words, const slice *s, cl_uint radius,
                               cl_uint *found) {
  cl_kernel k = h->radius[words == 4];
  size_t global[2], local[2];
  uint64_t part_len;
  geometry(h, s, SIZE_MAX, global, local, &part_len);
  const cl_uint cap = (cl_uint)h->results_cap, zero = 0;
  HS_TRY(common_args(h, k, s, part_len));
  HS_TRY(clw_arg(k, 9, sizeof radius, &radius, "hs_radius"));
  HS_TRY(clw_arg(k, 10, sizeof(cl_mem), &h->results, "hs_radius"));
  HS_TRY(clw_arg(k, 11, sizeof cap, &cap, "hs_radius"));
  HS_TRY(clw_arg(k, 12, sizeof(cl_mem), &h->found, "hs_radius"));
  HS_TRY(clw_write(h->rt->queue, h->found, 0, sizeof zero, &zero, "Hamming result counter"));
  HS_TRY(clw_launch(h->rt->queue, k, 2, global, local, "hs_radius"));
  return clw_read(h->rt->queue, h->found, 0, sizeof *found, found, "Hamming result counter");
}

static hs_status split_slice(const slice *s, slice *a, slice *b) {
  *a = *b = *s;
  if (s->nq > 1) {
    a->nq = s->nq / 2;
    b->q0 = s->q0 + a->nq;
    b->nq = s->nq - a->nq;
  } else if (s->nt > 1) {
    a->nt = s->nt / 2;
    b->t0 = s->t0 + a->nt;
    b->nt = s->nt - a->nt;
  } else {
    return error_set(HS_ERR_INTERNAL, "Hamming search: a single pair overflowed the results");
  }
  return HS_OK;
}

/* Runs a slice until every result is read: a count above the buffer's
 * capacity grows the buffer and relaunches, or, when even the largest
 * allocation would not hold it, halves the slice. qoffset turns query
 * indices of the window into indices of the caller's array. */
static hs_status radius_slice(cl_hamming *h, int words, const slice *s, cl_uint radius,
                              uint32_t qoffset, hs_match_list *out) {
  for (;;) {
    cl_uint found = 0;
    HS_TRY(radius_launch(h, words, s, radius, &found));
    if (found <= h->results_cap) {
      HS_TRY(match_list_reserve(out, found));
      HS_TRY(clw_read(h->rt->queue, h->results, 0, (size_t)found * sizeof(hs_cl_match),
                      out->items + out->count, "Hamming results"));
      for (size_t i = 0; qoffset && i < found; i++)
        out->items[out->count + i].query += qoffset;
      out->count += found;
      return HS_OK;
    }
    size_t want = (size_t)found + found / 8;
    size_t most = cl_tuning_override.result_max ? cl_tuning_override.result_max
                                                : max_alloc_bytes(h->rt) / sizeof(hs_cl_match);
    if (want <= most && want <= UINT32_MAX) {
      log_debug("Hamming results: %u found, buffer of %zu grown to %zu", (unsigned)found,
                h->results_cap, want);
      HS_TRY(ensure_results(h, want));
      continue;
    }
    slice a, b;
    HS_TRY(split_slice(s, &a, &b));
    HS_TRY(radius_slice(h, words, &a, radius, qoffset, out));
    return radius_slice(h, words, &b, radius, qoffset, out);
  }
}

/* ---- search driver: query windows x blocks x launch chunks ------------------------- */

typedef struct search {
  hs_engine *engine;
  cl_hamming *h;
  const cl_haystack *hay;
  const uint64_t *queries;
  size_t nq;
  int k;          /* top-k; 0 for radius */
  cl_uint radius; /* radius search */
  hs_match_list *out;
  /* top-k state of the current window */
  hs_match *best;  /* window x k, sorted per query */
  size_t *nbest;
  hs_match *merge; /* scratch for one query's candidates */
  cl_mem partial;
  size_t partial_cap; /* matches */
} search;

/* Query chunk so pairs per launch stay below the counter's range. */
static size_t query_chunk(size_t window, size_t nt) {
  uint64_t c = MAX_PAIRS_PER_LAUNCH / (nt ? nt : 1);
  if (c == 0)
    c = 1;
  return c < window ? (size_t)c : window;
}

static hs_status topk_block(search *S, const slice *whole);

static hs_status run_window(search *S, cl_mem qbuf, uint32_t w0, size_t wn) {
  cl_runtime *rt = S->h->rt;
  for (size_t b = 0; b < S->hay->nblocks; b++) {
    slice s = {.queries = qbuf};
    size_t first, n;
    HS_TRY(block_mem(S->hay, rt, b, &s.block, &first, &n));
    s.t0 = 0;
    s.nt = n;
    s.base = first;
    if (S->k) {
      s.q0 = 0;
      s.nq = (uint32_t)wn;
      HS_TRY(topk_block(S, &s));
      continue;
    }
    size_t chunk = query_chunk(wn, n);
    for (size_t q = 0; q < wn; q += chunk) {
      s.q0 = (uint32_t)q;
      s.nq = (uint32_t)(wn - q < chunk ? wn - q : chunk);
      HS_TRY(radius_slice(S->h, S->hay->words, &s, S->radius, w0, S->out));
    }
  }
  return HS_OK;
}

static hs_status topk_window_begin(search *S, size_t wn);
static hs_status topk_window_end(search *S, uint32_t w0, size_t wn);

static hs_status run_search(search *S) {
  cl_runtime *rt = S->h->rt;
  const size_t entry = (size_t)S->hay->words * sizeof(uint64_t);
  size_t window = max_alloc_bytes(rt) / entry;
  if (window > S->nq)
    window = S->nq;
  if (window > UINT32_MAX)
    window = UINT32_MAX;
  cl_mem qbuf = NULL;
  hs_status st = clw_buffer(rt->ctx, CL_MEM_READ_ONLY, window * entry, NULL, &qbuf,
                            "Hamming queries");
  for (size_t w0 = 0; st == HS_OK && w0 < S->nq; w0 += window) {
    size_t wn = S->nq - w0 < window ? S->nq - w0 : window;
    st = clw_write(rt->queue, qbuf, 0, wn * entry, S->queries + w0 * (size_t)S->hay->words,
                   "Hamming queries");
    if (st == HS_OK && S->k)
      st = topk_window_begin(S, wn);
    if (st == HS_OK)
      st = run_window(S, qbuf, (uint32_t)w0, wn);
    if (st == HS_OK && S->k)
      st = topk_window_end(S, (uint32_t)w0, wn);
  }
  clw_release_mem(&qbuf);
  return st;
}

static hs_status search_checks(hs_engine *e, const cl_haystack *hay, const uint64_t *queries,
                               size_t nq, hs_match_list *out) {
  HS_CHECK(e && hay && out && (queries || nq == 0), HS_ERR_INVALID_ARG,
           "Hamming search: NULL argument");
  HS_CHECK(engine_device_of(e), HS_ERR_INVALID_ARG, "Hamming search: the engine has no device");
  HS_CHECK(nq <= UINT32_MAX, HS_ERR_LIMIT, "Hamming search: %zu queries in one call (at most %u)",
           nq, UINT32_MAX);
  return HS_OK;
}

hs_status cl_match_radius(hs_engine *e, const cl_haystack *hay, const uint64_t *queries,
                          size_t nq, int radius, hs_match_list *out) {
  HS_TRY(search_checks(e, hay, queries, nq, out));
  HS_CHECK(radius >= 0, HS_ERR_INVALID_ARG, "Hamming search: negative radius %d", radius);
  if (nq == 0 || hay->count == 0)
    return HS_OK;
  const int bits = 64 * hay->words;
  search S = {.engine = e, .h = engine_device_of(e)->ham, .hay = hay, .queries = queries,
              .nq = nq, .radius = (cl_uint)(radius < bits ? radius : bits), .out = out};
  engine_lock(e);
  size_t cap = cl_tuning_override.result_cap ? cl_tuning_override.result_cap : (size_t)1 << 16;
  hs_status st = S.h->results ? HS_OK : ensure_results(S.h, cap);
  if (st == HS_OK)
    st = run_search(&S);
  engine_unlock(e);
  return st;
}

/* ---- top-k -------------------------------------------------------------------------- */

static hs_status topk_window_begin(search *S, size_t wn) {
  free(S->best);
  free(S->nbest);
  S->best = malloc(wn * (size_t)S->k * sizeof *S->best);
  S->nbest = calloc(wn, sizeof *S->nbest);
  /* At most TOPK_MAX_PARTS part lists, plus the list so far. */
  if (!S->merge)
    S->merge = malloc((TOPK_MAX_PARTS + 1) * (size_t)S->k * sizeof *S->merge);
  if (!S->best || !S->nbest || !S->merge)
    return error_set(HS_ERR_NOMEM, "top-k: out of memory for %zu queries", wn);
  return HS_OK;
}

static hs_status topk_window_end(search *S, uint32_t w0, size_t wn) {
  for (size_t q = 0; q < wn; q++) {
    hs_match *b = S->best + q * (size_t)S->k;
    for (size_t i = 0; i < S->nbest[q]; i++)
      b[i].query = (uint32_t)(w0 + q);
    HS_TRY(match_list_append(S->out, b, S->nbest[q]));
  }
  return HS_OK;
}

/* Merges the part lists of query q (parts x k slots at p) into its best k. */
static void topk_merge(search *S, size_t q, const hs_match *p, size_t parts) {
  const size_t k = (size_t)S->k;
  hs_match *b = S->best + q * k;
  size_t n = S->nbest[q];
  memcpy(S->merge, b, n * sizeof *b);
  for (size_t i = 0; i < parts * k; i++)
    if (p[i].distance != HS_CL_NO_DISTANCE)
      S->merge[n++] = p[i];
  for (size_t i = 0; i < n; i++)
    S->merge[i].query = 0; /* one query: sort by (distance, target) */
  match_list_sort_by_distance(S->merge, n);
  S->nbest[q] = n < k ? n : k;
  memcpy(b, S->merge, S->nbest[q] * sizeof *b);
}

static hs_status topk_launch(search *S, const slice *s, size_t *parts) {
  cl_hamming *h = S->h;
  cl_kernel kern = h->topk[S->hay->words == 4];
  size_t global[2], local[2];
  uint64_t part_len;
  geometry(h, s, TOPK_MAX_PARTS, global, local, &part_len);
  *parts = global[1];
  const size_t need = (size_t)s->nq * *parts * (size_t)S->k;
  if (need > S->partial_cap) {
    clw_release_mem(&S->partial);
    S->partial_cap = 0;
    HS_TRY(clw_buffer(h->rt->ctx, CL_MEM_WRITE_ONLY, need * sizeof(hs_cl_match), NULL,
                      &S->partial, "top-k part lists"));
    S->partial_cap = need;
  }
  const cl_uint k = (cl_uint)S->k;
  HS_TRY(common_args(h, kern, s, part_len));
  HS_TRY(clw_arg(kern, 9, sizeof k, &k, "hs_topk"));
  HS_TRY(clw_arg(kern, 10, sizeof(cl_mem), &S->partial, "hs_topk"));
  return clw_launch(h->rt->queue, kern, 2, global, local, "hs_topk");
}

/* Top-k of the window's queries against one block, chunked so the part
 * lists fit one allocation. */
static hs_status topk_block(search *S, const slice *whole) {
  const size_t per_query = TOPK_MAX_PARTS * (size_t)S->k * sizeof(hs_cl_match);
  size_t chunk = query_chunk(whole->nq, whole->nt);
  size_t fit = max_alloc_bytes(S->h->rt) / per_query;
  if (chunk > fit)
    chunk = fit ? fit : 1;
  hs_match *host = NULL;
  size_t host_cap = 0;
  hs_status st = HS_OK;
  for (size_t q = 0; st == HS_OK && q < whole->nq; q += chunk) {
    slice s = *whole;
    s.q0 = (uint32_t)q;
    s.nq = (uint32_t)(whole->nq - q < chunk ? whole->nq - q : chunk);
    size_t parts = 0;
    st = topk_launch(S, &s, &parts);
    size_t n = (size_t)s.nq * parts * (size_t)S->k;
    if (st == HS_OK && n > host_cap) {
      free(host);
      host_cap = n;
      host = malloc(n * sizeof *host);
      if (!host)
        st = error_set(HS_ERR_NOMEM, "top-k: out of memory");
    }
    if (st == HS_OK)
      st = clw_read(S->h->rt->queue, S->partial, 0, n * sizeof(hs_cl_match), host,
                    "top-k part lists");
    for (size_t i = 0; st == HS_OK && i < s.nq; i++)
      topk_merge(S, s.q0 + i, host + i * parts * (size_t)S->k, parts);
  }
  free(host);
  return st;
}

hs_status cl_match_topk(hs_engine *e, const cl_haystack *hay, const uint64_t *queries,
                        size_t nq, int k, hs_match_list *out) {
  HS_TRY(search_checks(e, hay, queries, nq, out));
  HS_CHECK(k >= 0 && k <= HS_CL_TOPK_MAX, HS_ERR_INVALID_ARG,
           "top-k: k = %d, expected 0..%d", k, HS_CL_TOPK_MAX);
  if (nq == 0 || hay->count == 0 || k == 0)
    return HS_OK;
  search S = {.engine = e, .h = engine_device_of(e)->ham, .hay = hay, .queries = queries,
              .nq = nq, .k = k, .out = out};
  engine_lock(e);
  hs_status st = run_search(&S);
  engine_unlock(e);
  clw_release_mem(&S.partial);
  free(S.best);
  free(S.nbest);
  free(S.merge);
  return st;
}
