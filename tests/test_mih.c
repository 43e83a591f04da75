// labels: unit
// timeout: 300
/* tests/test_mih.c - multi-index hashing must return exactly what a full
 * scan returns: random codes, planted neighbours at every distance 0..40,
 * hot buckets (many codes sharing chunks), all-zero/all-one codes, radii
 * across the table/scan boundary, incremental adds and removals; every
 * search tier this processor runs (generic, popcnt, avx2, avx512) on random
 * and clustered data, and each partner filter against a bit-by-bit count. */
#include <stdlib.h>
#include <string.h>

#include "core/match_list.h"
#include "index/mih.h"
#include "index/mih_filter.h"
#include "test_util.h"

typedef struct set {
  uint64_t *w;
  uint8_t *removed;
  size_t n, cap;
} set;

static void push(set *s, const uint64_t w[4]) {
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 1024;
    s->w = realloc(s->w, s->cap * 32);
    s->removed = realloc(s->removed, s->cap);
  }
  memcpy(s->w + 4 * s->n, w, 32);
  s->removed[s->n++] = 0;
}

static void flip_bits(uint64_t w[4], int d, uint64_t *seed) {
  int flipped[256] = {0};
  for (int k = 0; k < d;) {
    int b = (int)(tu_rand(seed) % 256);
    if (flipped[b])
      continue;
    flipped[b] = 1;
    w[b / 64] ^= 1ULL << (b % 64);
    k++;
  }
}

/* A full scan over the first n codes (those the MIH has been given). */
static void brute(const set *s, size_t n, const uint64_t *q, int r, uint32_t qi,
                  hs_match_list *out) {
  for (size_t p = 0; p < n; p++) {
    if (s->removed[p])
      continue;
    int d = 0;
    for (int i = 0; i < 4; i++)
      d += __builtin_popcountll(s->w[4 * p + i] ^ q[i]);
    if (d <= r) {
      hs_match m = {p, qi, (uint32_t)d};
      match_list_append(out, &m, 1);
    }
  }
}

static void compare(const mih *m, const set *s, const uint64_t *queries, size_t nq, int r) {
  hs_match_list a = {0}, b = {0};
  for (size_t i = 0; i < nq; i++) {
    ck_assert_int_eq(mih_radius(m, queries + 4 * i, r, &a, (uint32_t)i), HS_OK);
    brute(s, mih_count(m), queries + 4 * i, r, (uint32_t)i, &b);
  }
  /* (qsort of an empty list would pass NULL: UBSan objects) */
  if (a.count)
    match_list_sort_by_target(a.items, a.count);
  if (b.count)
    match_list_sort_by_target(b.items, b.count);
  ck_assert_msg(a.count == b.count, "radius %d: MIH %zu results, scan %zu", r, a.count, b.count);
  for (size_t i = 0; i < a.count; i++) {
    ck_assert_int_eq(a.items[i].query, b.items[i].query);
    ck_assert_int_eq(a.items[i].target, b.items[i].target);
    ck_assert_int_eq(a.items[i].distance, b.items[i].distance);
  }
  hs_match_list_free(&a);
  hs_match_list_free(&b);
}

/* Random codes, per query planted neighbours at 0..40 bits, hot buckets. */
static void make_data(set *s, uint64_t **queries, size_t nq, uint64_t seed) {
  uint64_t w[4];
  for (int i = 0; i < 20000; i++) {
    for (int k = 0; k < 4; k++)
      w[k] = tu_rand(&seed);
    push(s, w);
  }
  *queries = malloc(nq * 32);
  for (size_t i = 0; i < nq; i++) {
    for (int k = 0; k < 4; k++)
      (*queries)[4 * i + k] = tu_rand(&seed);
    for (int d = 0; d <= 40; d++) {
      memcpy(w, *queries + 4 * i, 32);
      flip_bits(w, d, &seed);
      push(s, w);
    }
  }
  /* Hot buckets: 3000 codes whose low word is zero (4 chunks share the
   * key 0), some near the all-zero query below. */
  for (int i = 0; i < 3000; i++) {
    w[0] = 0;
    w[1] = tu_rand(&seed) & (i % 3 ? ~0ULL : 0xF0F0ULL);
    w[2] = i % 2 ? 0 : tu_rand(&seed);
    w[3] = tu_rand(&seed) & 0x00FF00FF00FF00FFULL;
    push(s, w);
  }
  uint64_t zero[4] = {0}, ones[4] = {~0ULL, ~0ULL, ~0ULL, ~0ULL};
  push(s, zero);
  push(s, ones);
  memcpy(*queries, zero, 32); /* the first query hits the hot buckets */
}

static const int radii[] = {0, 1, 7, 8, 15, 16, 23, 31, 32, 40, 47, 63, 64, 90, 256};

START_TEST(mih_equals_scan) {
  set s = {0};
  uint64_t *queries;
  size_t nq = 24;
  make_data(&s, &queries, nq, 1234);
  mih *m;
  ck_assert_int_eq(mih_build(s.w, s.n, &m), HS_OK);
  ck_assert_int_eq(mih_count(m), s.n);
  int r = radii[_i];
  compare(m, &s, queries, nq, r);
  mih_destroy(m);
  free(queries);
  free(s.w);
  free(s.removed);
}
END_TEST

START_TEST(mih_incremental) {
  set s = {0};
  uint64_t *queries;
  size_t nq = 16;
  make_data(&s, &queries, nq, 777);
  /* Build over the first half, then add the rest in batches (some trigger
   * a merge, some stay in the tail), removing some positions as we go. */
  size_t half = s.n / 2;
  mih *m;
  ck_assert_int_eq(mih_build(s.w, half, &m), HS_OK);
  uint64_t seed = 5;
  size_t at = half;
  while (at < s.n) {
    size_t batch = 1 + tu_rand(&seed) % 3000;
    if (batch > s.n - at)
      batch = s.n - at;
    ck_assert_int_eq(mih_add(m, s.w + 4 * at, batch), HS_OK);
    at += batch;
    for (int k = 0; k < 50; k++) {
      size_t p = tu_rand(&seed) % at;
      s.removed[p] = 1;
      ck_assert_int_eq(mih_remove(m, p), HS_OK);
    }
    compare(m, &s, queries, 4, 31);
  }
  ck_assert_int_eq(mih_count(m), s.n);
  ck_assert_int_eq(mih_remove(m, s.n), HS_ERR_NOT_FOUND);
  for (size_t i = 0; i < sizeof radii / sizeof radii[0]; i++)
    compare(m, &s, queries, nq, radii[i]);
  mih_destroy(m);
  free(queries);
  free(s.w);
  free(s.removed);
}
END_TEST

START_TEST(mih_empty_and_memory) {
  mih *m;
  ck_assert_int_eq(mih_build(NULL, 0, &m), HS_OK);
  uint64_t q[4] = {1, 2, 3, 4};
  hs_match_list l = {0};
  ck_assert_int_eq(mih_radius(m, q, 31, &l, 0), HS_OK);
  ck_assert_int_eq(l.count, 0);
  ck_assert_int_eq(mih_radius(m, q, 257, &l, 0), HS_ERR_INVALID_ARG);
  ck_assert_int_eq(mih_add(m, q, 1), HS_OK);
  ck_assert_int_eq(mih_radius(m, q, 0, &l, 7), HS_OK);
  ck_assert_int_eq(l.count, 1);
  ck_assert_int_eq(l.items[0].query, 7);
  ck_assert_int_eq(l.items[0].distance, 0);
  ck_assert_uint_gt(mih_memory(m), 16 * 65537 * 4);
  hs_match_list_free(&l);
  mih_destroy(m);
}
END_TEST

/* Every tier on one structure: random or clustered codes (over 65,536, so
 * the tables are filled on several threads), some removed, and an unmerged
 * tail with removals of its own. */
static const int tier_radii[] = {0, 8, 31, 32, 63, 64};

static void make_clustered(set *s, uint64_t **queries, size_t nq, uint64_t seed) {
  enum { SEEDS = 40 };
  uint64_t centre[SEEDS][4], w[4];
  for (int k = 0; k < SEEDS; k++)
    for (int j = 0; j < 4; j++)
      centre[k][j] = tu_rand(&seed);
  for (int i = 0; i < 72000; i++) {
    memcpy(w, centre[tu_rand(&seed) % SEEDS], 32);
    flip_bits(w, (int)(tu_rand(&seed) % 65), &seed);
    push(s, w);
  }
  *queries = malloc(nq * 32);
  for (size_t i = 0; i < nq; i++) {
    memcpy(*queries + 4 * i, centre[tu_rand(&seed) % SEEDS], 32);
    flip_bits(*queries + 4 * i, (int)(tu_rand(&seed) % 41), &seed);
  }
}

static void make_random(set *s, uint64_t **queries, size_t nq, uint64_t seed) {
  uint64_t w[4];
  for (int i = 0; i < 70000; i++) {
    for (int k = 0; k < 4; k++)
      w[k] = tu_rand(&seed);
    push(s, w);
  }
  *queries = malloc(nq * 32);
  for (size_t i = 0; i < nq; i++) {
    /* Half near a code of the set (0..40 bits), half fresh. */
    if (i % 2 == 0) {
      memcpy(*queries + 4 * i, s->w + 4 * (tu_rand(&seed) % s->n), 32);
      flip_bits(*queries + 4 * i, (int)(tu_rand(&seed) % 41), &seed);
    } else {
      for (int k = 0; k < 4; k++)
        (*queries)[4 * i + k] = tu_rand(&seed);
    }
  }
}

START_TEST(mih_tiers_equal_scan) {
  set s = {0};
  uint64_t *queries;
  size_t nq = 12;
  if (_i == 0)
    make_random(&s, &queries, nq, 99);
  else
    make_clustered(&s, &queries, nq, 4242);
  /* Plant neighbours of every query at 0..64 bits, in the tail too. */
  uint64_t seed = 17, w[4];
  for (size_t i = 0; i < nq; i++)
    for (int d = 0; d <= 64; d += 4) {
      memcpy(w, queries + 4 * i, 32);
      flip_bits(w, d, &seed);
      push(&s, w);
    }
  size_t tail = 1500; /* under the merge threshold: stays unmerged */
  mih *m;
  ck_assert_int_eq(mih_build(s.w, s.n - tail, &m), HS_OK);
  ck_assert_int_eq(mih_add(m, s.w + 4 * (s.n - tail), tail), HS_OK);
  for (int k = 0; k < 300; k++) {
    size_t p = k % 3 == 0 ? s.n - 1 - tu_rand(&seed) % tail : tu_rand(&seed) % s.n;
    s.removed[p] = 1;
    ck_assert_int_eq(mih_remove(m, p), HS_OK);
  }
  int tiers = 0;
  for (int v = MIH_VARIANT_GENERIC; v < MIH_VARIANT_COUNT; v++) {
    if (!mih_variant_available((mih_variant)v)) {
      ck_assert_int_eq(mih_set_variant(m, (mih_variant)v), HS_ERR_UNSUPPORTED);
      continue;
    }
    ck_assert_int_eq(mih_set_variant(m, (mih_variant)v), HS_OK);
    ck_assert_int_eq(mih_variant_used(m), v);
    for (size_t r = 0; r < sizeof tier_radii / sizeof tier_radii[0]; r++)
      compare(m, &s, queries, nq, tier_radii[r]);
    tiers++;
  }
  ck_assert_int_ge(tiers, 1);
  ck_assert_int_eq(mih_set_variant(m, MIH_VARIANT_AUTO), HS_OK);
  ck_assert_int_ne(mih_variant_used(m), MIH_VARIANT_AUTO);
  ck_assert_str_eq(mih_variant_name(MIH_VARIANT_AVX512), "avx512");
  ck_assert_str_eq(mih_variant_name(MIH_VARIANT_COUNT), "?");
  mih_destroy(m);
  free(queries);
  free(s.w);
  free(s.removed);
}
END_TEST

/* Each filter against a bit-by-bit count: all windows, lengths around the
 * vector widths, partners at every distance from the query's. */
static int bits16(unsigned x) {
  int n = 0;
  for (int b = 0; b < 16; b++)
    n += (x >> b) & 1;
  return n;
}

START_TEST(mih_filters_exact) {
  struct {
    mih_variant v;
    mih_filter_fn fn;
  } tiers[] = {
    {MIH_VARIANT_GENERIC, mih_filter_generic},
#if defined(MIH_FILTER_X86)
    {MIH_VARIANT_POPCNT, mih_filter_popcnt},
    {MIH_VARIANT_AVX2, mih_filter_avx2},
    {MIH_VARIANT_AVX512, mih_filter_avx512},
#endif
  };
  uint64_t seed = 31;
  uint16_t *part = malloc((MIH_FILTER_BLOCK + MIH_FILTER_PAD) * sizeof *part);
  uint16_t hits[MIH_FILTER_BLOCK], want[MIH_FILTER_BLOCK];
  const size_t lens[] = {0, 1, 15, 16, 17, 31, 32, 33, 47, 100, 1023, MIH_FILTER_BLOCK};
  for (int round = 0; round < 8; round++) {
    unsigned qp = (unsigned)tu_rand(&seed) & 0xFFFF;
    for (size_t i = 0; i < MIH_FILTER_BLOCK + MIH_FILTER_PAD; i++) {
      uint64_t w[4] = {qp, 0, 0, 0};
      flip_bits(w, (int)(tu_rand(&seed) % 17), &seed); /* some flips land outside the chunk */
      part[i] = (uint16_t)w[0];
    }
    for (size_t t = 0; t < sizeof tiers / sizeof tiers[0]; t++) {
      if (!mih_variant_available(tiers[t].v))
        continue;
      for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++)
        for (int above = -1; above <= 16; above++)
          for (int upto = above < 0 ? 0 : above; upto <= 16; upto += 1 + (upto > 4)) {
            size_t n = lens[l], nw = 0;
            for (size_t i = 0; i < n; i++) {
              int d = bits16(part[i] ^ qp);
              if (d > above && d <= upto)
                want[nw++] = (uint16_t)i;
            }
            size_t k = tiers[t].fn(part, n, qp, above, upto, hits);
            ck_assert_msg(k == nw, "%s: n %zu window (%d, %d]: %zu hits, want %zu",
                          mih_variant_name(tiers[t].v), n, above, upto, k, nw);
            ck_assert_int_eq(memcmp(hits, want, k * sizeof *hits), 0);
          }
    }
  }
  free(part);
}
END_TEST

static Suite *mih_suite(void) {
  Suite *s = suite_create("mih");
  TCase *tc = tcase_create("mih");
  tcase_add_loop_test(tc, mih_equals_scan, 0, (int)(sizeof radii / sizeof radii[0]));
  tcase_add_test(tc, mih_incremental);
  tcase_add_test(tc, mih_empty_and_memory);
  tcase_add_loop_test(tc, mih_tiers_equal_scan, 0, 2);
  tcase_add_test(tc, mih_filters_exact);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(mih_suite()); }
