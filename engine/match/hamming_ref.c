/* match/hamming_ref.c - the slow Hamming reference: bit-by-bit popcount and
 * plain double loops over the hash-major array, written to be obviously
 * right rather than fast. The tests hold every fast tier to it. */
#include <stdlib.h>

#include "core/error.h"
#include "core/match_list.h"
#include "match/hamming.h"

int hamming_popcount_slow(uint64_t x) {
  int n = 0;
  for (int bit = 0; bit < 64; bit++)
    n += (int)((x >> bit) & 1);
  return n;
}

int hamming_distance_slow(const uint64_t *a, const uint64_t *b, int words) {
  int d = 0;
  for (int w = 0; w < words; w++)
    d += hamming_popcount_slow(a[w] ^ b[w]);
  return d;
}

hs_status hamming_radius_slow(const uint64_t *hay, size_t count, int words,
                              const uint64_t *queries, size_t nq, int radius, hs_match_list *out) {
  for (size_t q = 0; q < nq; q++)
    for (size_t t = 0; t < count; t++) {
      int d = hamming_distance_slow(queries + q * (size_t)words, hay + t * (size_t)words, words);
      if (d <= radius) {
        hs_match m = {.target = t, .query = (uint32_t)q, .distance = (uint32_t)d};
        HS_TRY(match_list_append(out, &m, 1));
      }
    }
  return HS_OK;
}

hs_status hamming_topk_slow(const uint64_t *hay, size_t count, int words, const uint64_t *queries,
                            size_t nq, int k, hs_match_list *out) {
  hs_match *all = malloc((count ? count : 1) * sizeof *all);
  if (!all)
    return error_set(HS_ERR_NOMEM, "top-k reference: out of memory");
  hs_status st = HS_OK;
  for (size_t q = 0; q < nq && st == HS_OK; q++) {
    for (size_t t = 0; t < count; t++)
      all[t] = (hs_match){.target = t, .query = (uint32_t)q,
                          .distance = (uint32_t)hamming_distance_slow(
                              queries + q * (size_t)words, hay + t * (size_t)words, words)};
    match_list_sort_by_distance(all, count);
    st = match_list_append(out, all, count < (size_t)k ? count : (size_t)k);
  }
  free(all);
  return st;
}
