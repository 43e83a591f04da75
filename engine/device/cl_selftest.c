/* device/cl_selftest.c - the known-answer test of a device before use: a
 * driver that miscompiles (contracts a sum into an FMA, divides
 * approximately, mishandles 64-bit popcount) gives wrong hashes or misses
 * matches silently, so its answers on small inputs are compared with the
 * CPU reference first. Generated inputs, so nothing is hard-coded. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/match_list.h"
#include "device/cl_match.h"
#include "device/cl_selftest.h"
#include "device/cl_tuning.h"
#include "device/engine_device.h"

static uint64_t next_random(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* ---- PDQ ------------------------------------------------------------------------ */

/* Sizes that take every path: a blur window of 1 and 2 on each side, a
 * side under 64 (repeated samples), the unblurred 64x64, one below 5. The
 * last plane is flat: its DCT is pure round-off, which any contraction
 * into FMA or inexact division changes (a measured PoCL failure mode). */
static const int plane_sizes[][2] = {{37, 45}, {150, 131}, {64, 64}, {3, 20}, {129, 70}, {40, 40}};
#define N_PLANES (sizeof plane_sizes / sizeof plane_sizes[0])

static void fill_plane(hs_luma *l, float *data, int w, int h, int flat, uint64_t *seed) {
  l->width = w;
  l->height = h;
  l->stride = (size_t)w;
  l->data = data;
  /* A gradient with noise: a real spread of DCT values around the median. */
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      data[(size_t)y * w + x] =
          flat ? 77.0f : (float)((x * 5 + y * 3) % 200) + (float)(next_random(seed) % 56) + 0.25f;
}

static hs_status check_pdq(engine_device *dev) {
  hs_luma planes[N_PLANES];
  hs_pdq got[N_PLANES], want;
  size_t total = 0;
  for (size_t i = 0; i < N_PLANES; i++)
    total += (size_t)plane_sizes[i][0] * plane_sizes[i][1];
  float *data = malloc(total * sizeof *data);
  hs_workspace *ws = hs_workspace_create();
  hs_status st = data && ws ? HS_OK : error_set(HS_ERR_NOMEM, "self-test: out of memory");
  uint64_t seed = 42;
  for (size_t i = 0, off = 0; st == HS_OK && i < N_PLANES; i++) {
    fill_plane(&planes[i], data + off, plane_sizes[i][0], plane_sizes[i][1], i == N_PLANES - 1,
               &seed);
    off += (size_t)plane_sizes[i][0] * plane_sizes[i][1];
  }
  if (st == HS_OK)
    st = cl_pdq_run(dev->pdq, planes, N_PLANES, got);
#ifdef HS_FAULT_INJECTION
  if (st == HS_OK && cl_fault("selftest"))
    got[0].hash[0].w[0] ^= 1; /* HASHSWEEP_FAULT=selftest: a wrong answer */
#endif
  for (size_t i = 0; st == HS_OK && i < N_PLANES; i++) {
    st = hs_pdq_from_luma(&planes[i], ws, &want);
    if (st == HS_OK && (memcmp(want.hash, got[i].hash, sizeof want.hash) != 0 ||
                        want.quality != got[i].quality))
      st = error_set(HS_ERR_DEVICE, "PDQ of a %dx%d plane differs from the CPU reference",
                     planes[i].width, planes[i].height);
  }
  hs_workspace_destroy(ws);
  free(data);
  return st;
}

/* ---- Hamming ------------------------------------------------------------------------ */

static int distance(const uint64_t *a, const uint64_t *b, int words) {
  int d = 0;
  for (int w = 0; w < words; w++)
    d += __builtin_popcountll(a[w] ^ b[w]);
  return d;
}

/* Brute force: every pair within r (k == 0), or the k nearest per query. */
static hs_status reference(const uint64_t *hay, size_t m, const uint64_t *q, size_t nq,
                           int words, int r, int k, hs_match_list *out) {
  for (size_t i = 0; i < nq; i++) {
    size_t start = out->count;
    for (size_t t = 0; t < m; t++) {
      int d = distance(q + i * words, hay + t * words, words);
      if (k || d <= r) {
        hs_match mt = {.target = t, .query = (uint32_t)i, .distance = (uint32_t)d};
        HS_TRY(match_list_append(out, &mt, 1));
      }
    }
    if (k) {
      match_list_sort_by_distance(out->items + start, out->count - start);
      if (out->count - start > (size_t)k)
        out->count = start + (size_t)k;
    }
  }
  return HS_OK;
}

static int same_lists(hs_match_list *a, hs_match_list *b, int by_distance) {
  void (*sort)(hs_match *, size_t) =
      by_distance ? match_list_sort_by_distance : match_list_sort_by_target;
  sort(a->items, a->count);
  sort(b->items, b->count);
  return a->count == b->count && (a->count == 0 ||
                                  memcmp(a->items, b->items, a->count * sizeof *a->items) == 0);
}

/* 61 hashes (not a multiple of any work-group size) and 5 queries: two
 * planted near entries, one exact copy, two random. */
static hs_status check_hamming(hs_engine *e, int words, int radius) {
  enum { M = 61, NQ = 5 };
  uint64_t hay[M * 4], q[NQ * 4], seed = 7 + (uint64_t)words;
  for (size_t i = 0; i < (size_t)M * words; i++)
    hay[i] = next_random(&seed);
  for (size_t i = 0; i < (size_t)NQ * words; i++)
    q[i] = next_random(&seed);
  memcpy(q, hay + 10 * words, sizeof(uint64_t) * words);
  memcpy(q + words, hay + 60 * words, sizeof(uint64_t) * words);
  q[words] ^= 0x0101010101ULL; /* distance 5 */
  memcpy(q + 2 * words, hay + 33 * words, sizeof(uint64_t) * words);
  q[2 * words] ^= (1ULL << radius) - 1; /* exactly at the radius */

  hs_match_list got = {0}, want = {0};
  cl_haystack *h = NULL;
  hs_status st = cl_haystack_create(e, words, hay, M, &h);
  for (int pass = 0; st == HS_OK && pass < 2; pass++) {
    got.count = want.count = 0;
    int k = pass ? 3 : 0;
    st = k ? cl_match_topk(e, h, q, NQ, k, &got) : cl_match_radius(e, h, q, NQ, radius, &got);
    if (st == HS_OK)
      st = reference(hay, M, q, NQ, words, radius, k, &want);
    if (st == HS_OK && !same_lists(&got, &want, k))
      st = error_set(HS_ERR_DEVICE, "%d-bit %s search differs from the CPU reference",
                     64 * words, k ? "top-k" : "radius");
  }
  cl_haystack_destroy(h);
  hs_match_list_free(&got);
  hs_match_list_free(&want);
  return st;
}

hs_status cl_selftest(hs_engine *e) {
  engine_device *dev = engine_device_of(e);
  HS_CHECK(dev, HS_ERR_INVALID_ARG, "self-test: the engine has no device");
  HS_TRY(check_pdq(dev));
  HS_TRY(check_hamming(e, 4, 31));
  return check_hamming(e, 1, 12);
}
