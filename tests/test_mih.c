// labels: unit
// timeout: 300
/* tests/test_mih.c - multi-index hashing must return exactly what a full
 * scan returns: random codes, planted neighbours at every distance 0..40,
 * hot buckets (many codes sharing chunks), all-zero/all-one codes, radii
 * across the table/scan boundary, incremental adds and removals. */
#include <stdlib.h>
#include <string.h>

#include "core/match_list.h"
#include "index/mih.h"
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

static Suite *mih_suite(void) {
  Suite *s = suite_create("mih");
  TCase *tc = tcase_create("mih");
  tcase_add_loop_test(tc, mih_equals_scan, 0, (int)(sizeof radii / sizeof radii[0]));
  tcase_add_test(tc, mih_incremental);
  tcase_add_test(tc, mih_empty_and_memory);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(mih_suite()); }
