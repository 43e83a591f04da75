// labels: diff gpu
// timeout: 1200
/* tests/diff_hamming.c - the Hamming kernels (kernels/hamming.cl through
 * cl_match_radius / cl_match_topk) against a plain scalar oracle written
 * here: exact equality of the full result lists, for 256- and 64-bit
 * hashes, on planted neighbours at every distance, empty and single-item
 * inputs, odd counts, all-zero and all-one hashes, distance exactly at the
 * radius, a haystack forced through several passes, result buffers that
 * overflow, top-k ties, and the reference match lists in
 * ../shared/testdata/pdq/matching. Exits 77 without an OpenCL device. */
#ifndef HS_WITH_OPENCL
/* A build without OpenCL (HS_WITH_OPENCL=OFF) has nothing here to test. */
int main(void) { return 77; } /* no OpenCL in this build */
#else
#include <stdlib.h>
#include <string.h>

#include "cl_test_util.h"
#include "core/match_list.h"
#include "device/cl_match.h"
#include "device/cl_tuning.h"

/* ---- the oracle ------------------------------------------------------------------ */

static int oracle_distance(const uint64_t *a, const uint64_t *b, int words) {
  int d = 0;
  for (int w = 0; w < words; w++)
    for (uint64_t x = a[w] ^ b[w]; x; x &= x - 1)
      d++;
  return d;
}

static void push(hs_match_list *l, size_t q, size_t t, int d) {
  hs_match m = {.target = t, .query = (uint32_t)q, .distance = (uint32_t)d};
  ck_assert_int_eq(match_list_append(l, &m, 1), HS_OK);
}

static void oracle_radius(const uint64_t *hay, size_t m, const uint64_t *q, size_t nq, int words,
                          int r, hs_match_list *out) {
  for (size_t i = 0; i < nq; i++)
    for (size_t t = 0; t < m; t++) {
      int d = oracle_distance(q + i * words, hay + t * words, words);
      if (d <= r)
        push(out, i, t, d);
    }
}

/* k nearest per query: all distances, sorted by (distance, target). */
static void oracle_topk(const uint64_t *hay, size_t m, const uint64_t *q, size_t nq, int words,
                        int k, hs_match_list *out) {
  hs_match_list all = {0};
  for (size_t i = 0; i < nq; i++) {
    all.count = 0;
    for (size_t t = 0; t < m; t++)
      push(&all, i, t, oracle_distance(q + i * words, hay + t * words, words));
    match_list_sort_by_distance(all.items, all.count);
    ck_assert_int_eq(match_list_append(out, all.items, all.count < (size_t)k ? all.count
                                                                               : (size_t)k),
                     HS_OK);
  }
  hs_match_list_free(&all);
}

/* ---- running the device --------------------------------------------------------------- */

static hs_engine *engine(void) {
  ctu_log_capture(HS_LOG_DEBUG);
  return ctu_device_engine("auto");
}

static void device_search(hs_engine *e, const uint64_t *hay, size_t m, const uint64_t *q,
                          size_t nq, int words, int r, int k, hs_match_list *out) {
  cl_haystack *h = NULL;
  ck_assert_msg(cl_haystack_create(e, words, hay, m, &h) == HS_OK, "haystack: %s",
                hs_last_error());
  hs_status st = k ? cl_match_topk(e, h, q, nq, k, out) : cl_match_radius(e, h, q, nq, r, out);
  ck_assert_msg(st == HS_OK, "search: %s", hs_last_error());
  cl_haystack_destroy(h);
}

static void expect_same(hs_match_list *want, hs_match_list *got, const char *what) {
  match_list_sort_by_distance(want->items, want->count);
  match_list_sort_by_distance(got->items, got->count);
  size_t n = want->count < got->count ? want->count : got->count;
  for (size_t i = 0; i < n; i++) {
    const hs_match *a = &want->items[i], *b = &got->items[i];
    ck_assert_msg(a->query == b->query && a->target == b->target && a->distance == b->distance,
                  "%s: result %zu: want (q %u, t %llu, d %u) got (q %u, t %llu, d %u)", what, i,
                  a->query, (unsigned long long)a->target, a->distance, b->query,
                  (unsigned long long)b->target, b->distance);
  }
  ck_assert_msg(want->count == got->count, "%s: want %zu results, got %zu", what, want->count,
                got->count);
}

/* Oracle vs device for one search; k = 0 is a radius search. */
static void check(hs_engine *e, const uint64_t *hay, size_t m, const uint64_t *q, size_t nq,
                  int words, int r, int k) {
  hs_match_list want = {0}, got = {0};
  if (k)
    oracle_topk(hay, m, q, nq, words, k, &want);
  else
    oracle_radius(hay, m, q, nq, words, r, &want);
  device_search(e, hay, m, q, nq, words, r, k, &got);
  char what[128];
  snprintf(what, sizeof what, "%d-bit, %zu x %zu, %s %d", 64 * words, nq, m,
           k ? "top" : "radius", k ? k : r);
  expect_same(&want, &got, what);
  hs_match_list_free(&want);
  hs_match_list_free(&got);
}

/* ---- data ------------------------------------------------------------------------------- */

static uint64_t *random_hashes(size_t n, int words, uint64_t *seed) {
  uint64_t *h = malloc((n ? n : 1) * (size_t)words * sizeof *h);
  for (size_t i = 0; i < n * (size_t)words; i++)
    h[i] = tu_rand(seed);
  return h;
}

/* Flips `d` distinct random bits of a words-long hash. */
static void flip_bits(uint64_t *h, int words, int d, uint64_t *seed) {
  uint64_t mask[4] = {0};
  for (int flipped = 0; flipped < d;) {
    int bit = (int)(tu_rand(seed) % (uint64_t)(64 * words));
    if (mask[bit / 64] >> (bit % 64) & 1)
      continue;
    mask[bit / 64] |= (uint64_t)1 << (bit % 64);
    flipped++;
  }
  for (int w = 0; w < words; w++)
    h[w] ^= mask[w];
}

/* Queries at every distance 0..64 from planted haystack entries, plus
 * random ones; nq receives their count. */
static uint64_t *planted_queries(const uint64_t *hay, size_t m, int words, size_t *nq,
                                 uint64_t *seed) {
  const size_t n = 65 + 7;
  uint64_t *q = random_hashes(n, words, seed);
  for (int d = 0; d <= 64; d++) {
    size_t t = (size_t)(tu_rand(seed) % m);
    memcpy(q + (size_t)d * words, hay + t * words, sizeof(uint64_t) * words);
    flip_bits(q + (size_t)d * words, words, d, seed);
  }
  *nq = n;
  return q;
}

/* ---- tests ---------------------------------------------------------------------------- */

static const int qv_values[] = {8, 1};

/* Loop index: bit 0 picks 256 or 64 bits, bit 1 the kernel shape (8
 * queries per work-item as on CPU devices, or 1 as on GPUs). */
static int loop_words(int i) { return (i & 1) ? 1 : 4; }
static void loop_shape(int i) { cl_tuning_override.match_qv = qv_values[(i >> 1) & 1]; }

START_TEST(test_planted_every_distance) {
  loop_shape(_i);
  const int words = loop_words(_i);
  uint64_t seed = 11 + (uint64_t)_i;
  const size_t m = 1000;
  uint64_t *hay = random_hashes(m, words, &seed);
  size_t nq;
  uint64_t *q = planted_queries(hay, m, words, &nq, &seed);
  hs_engine *e = engine();
  static const int radii256[] = {0, 1, 15, 31, 32, 63, 64, 100, 256};
  static const int radii64[] = {0, 1, 8, 16, 31, 32, 63, 64};
  const int *radii = words == 4 ? radii256 : radii64;
  int nr = words == 4 ? 9 : 8;
  for (int i = 0; i < nr; i++)
    check(e, hay, m, q, nq, words, radii[i], 0);
  hs_engine_destroy(e);
  free(hay);
  free(q);
}
END_TEST

START_TEST(test_empty_and_single) {
  loop_shape(_i);
  const int words = loop_words(_i);
  uint64_t seed = 5;
  uint64_t *hay = random_hashes(3, words, &seed), *q = random_hashes(3, words, &seed);
  memcpy(q, hay, sizeof(uint64_t) * words);
  hs_engine *e = engine();
  for (size_t m = 0; m <= 1; m++)
    for (size_t nq = 0; nq <= 1; nq++) {
      check(e, hay, m, q, nq, words, 0, 0);
      check(e, hay, m, q, nq, words, 64 * words, 0);
      check(e, hay, m, q, nq, words, 0, 1);
      check(e, hay, m, q, nq, words, 0, 5);
    }
  hs_engine_destroy(e);
  free(hay);
  free(q);
}
END_TEST

/* Counts that are not multiples of any work-group or vector width. */
START_TEST(test_odd_counts) {
  loop_shape(_i);
  const int words = loop_words(_i);
  uint64_t seed = 17;
  static const size_t ms[] = {2, 7, 1001, 4097}, qs[] = {1, 9, 13, 129};
  hs_engine *e = engine();
  for (int i = 0; i < 4; i++) {
    uint64_t *hay = random_hashes(ms[i], words, &seed);
    size_t nq = qs[i];
    uint64_t *q = random_hashes(nq, words, &seed);
    for (size_t j = 0; j < nq; j += 2) { /* half of them near something */
      memcpy(q + j * words, hay + (j % ms[i]) * words, sizeof(uint64_t) * words);
      flip_bits(q + j * words, words, (int)(j % 40), &seed);
    }
    check(e, hay, ms[i], q, nq, words, words == 4 ? 31 : 16, 0);
    check(e, hay, ms[i], q, nq, words, 0, 3);
    free(hay);
    free(q);
  }
  hs_engine_destroy(e);
}
END_TEST

START_TEST(test_zero_and_one_hashes) {
  loop_shape(_i);
  const int words = loop_words(_i);
  const int bits = 64 * words;
  uint64_t seed = 3;
  const size_t m = 40;
  uint64_t *hay = random_hashes(m, words, &seed);
  for (size_t t = 0; t < m; t += 3)
    memset(hay + t * words, t % 2 ? 0xff : 0, sizeof(uint64_t) * words);
  uint64_t q[3 * 4];
  memset(q, 0, sizeof q);
  memset(q + words, 0xff, sizeof(uint64_t) * words);
  memcpy(q + 2 * words, hay + 5 * words, sizeof(uint64_t) * words);
  hs_engine *e = engine();
  /* Radii 0, bits/4 .. bits, and one below each: the all-zero/all-one pair
   * sits exactly at `bits`. */
  for (int f = 0; f <= 4; f++) {
    int r = bits * f / 4;
    check(e, hay, m, q, 3, words, r, 0);
    if (r > 0)
      check(e, hay, m, q, 3, words, r - 1, 0);
  }
  check(e, hay, m, q, 3, words, 0, 20);
  hs_engine_destroy(e);
  free(hay);
}
END_TEST

/* Every pair at exactly the radius is in, and none at radius + 1. */
START_TEST(test_exactly_at_radius) {
  loop_shape(_i);
  const int words = loop_words(_i);
  uint64_t seed = 23;
  const size_t m = 300, nq = 50;
  uint64_t *hay = random_hashes(m, words, &seed), *q = random_hashes(nq, words, &seed);
  const int r = words == 4 ? 31 : 10;
  for (size_t i = 0; i < nq; i++) {
    memcpy(q + i * words, hay + (i * 7 % m) * words, sizeof(uint64_t) * words);
    flip_bits(q + i * words, words, r + (int)(i % 2), &seed); /* r or r + 1 */
  }
  hs_engine *e = engine();
  check(e, hay, m, q, nq, words, r, 0);
  check(e, hay, m, q, nq, words, r - 1, 0);
  hs_engine_destroy(e);
  free(hay);
  free(q);
}
END_TEST

/* 11 blocks of 97 entries, 3 resident, 8 streamed through staging. */
START_TEST(test_several_passes) {
  loop_shape(_i);
  const int words = loop_words(_i);
  cl_tuning_override.block_entries = 97;
  cl_tuning_override.resident_blocks = 3;
  cl_tuning_override.tile_entries = 16;
  uint64_t seed = 29;
  const size_t m = 1000;
  uint64_t *hay = random_hashes(m, words, &seed);
  size_t nq;
  uint64_t *q = planted_queries(hay, m, words, &nq, &seed);
  hs_engine *e = engine();
  check(e, hay, m, q, nq, words, words == 4 ? 40 : 20, 0);
  check(e, hay, m, q, nq, words, 0, 1);
  check(e, hay, m, q, nq, words, 0, 64);
  hs_engine_destroy(e);
  free(hay);
  free(q);
}
END_TEST

/* A first result buffer of 8 matches for thousands of results: it grows
 * and relaunches; with a ceiling of 64 the work is split instead. */
START_TEST(test_result_overflow) {
  loop_shape(_i);
  const int words = loop_words(_i);
  cl_tuning_override.result_cap = 8;
  if (_i >= 4)
    cl_tuning_override.result_max = 64;
  uint64_t seed = 31;
  const size_t m = 2000, nq = 40;
  uint64_t *hay = random_hashes(m, words, &seed), *q = random_hashes(nq, words, &seed);
  hs_engine *e = engine();
  /* 64-bit at 31 and 256-bit at 120: a large share of all pairs match. */
  check(e, hay, m, q, nq, words, words == 4 ? 120 : 31, 0);
  check(e, hay, m, q, nq, words, 64 * words, 0); /* every pair */
  hs_engine_destroy(e);
  free(hay);
  free(q);
}
END_TEST

/* Many equal distances: the lower target index wins every tie. */
START_TEST(test_topk_ties) {
  loop_shape(_i);
  const int words = loop_words(_i);
  uint64_t seed = 37;
  const size_t m = 700;
  uint64_t *base = random_hashes(5, words, &seed), *hay = malloc(m * words * sizeof *hay);
  for (size_t t = 0; t < m; t++) {
    memcpy(hay + t * words, base + (t % 5) * words, sizeof(uint64_t) * words);
    if (t % 7 == 0)
      flip_bits(hay + t * words, words, 1 + (int)(t % 3), &seed);
  }
  hs_engine *e = engine();
  static const int ks[] = {1, 2, 5, 63, 64};
  for (int i = 0; i < 5; i++)
    check(e, hay, m, base, 5, words, 0, ks[i]);
  check(e, hay, 10, base, 5, words, 0, 64); /* k above the haystack size */
  hs_engine_destroy(e);
  free(base);
  free(hay);
}
END_TEST

START_TEST(test_random_medium) {
  loop_shape(_i);
  const int words = loop_words(_i);
  uint64_t seed = 41;
  const size_t m = 20000, nq = 150;
  uint64_t *hay = random_hashes(m, words, &seed), *q = random_hashes(nq, words, &seed);
  hs_engine *e = engine();
  check(e, hay, m, q, nq, words, words == 4 ? 100 : 20, 0);
  check(e, hay, m, q, nq, words, 0, 7);
  hs_engine_destroy(e);
  free(hay);
  free(q);
}
END_TEST

/* ---- the reference match lists --------------------------------------------------------- */

/* Hex hashes of a list file, one per line; line[i] = 1-based line of item i. */
static uint64_t *read_list(const char *path, int words, size_t *n, size_t **line) {
  FILE *f = fopen(path, "r");
  ck_assert_msg(f != NULL, "cannot open %s", path);
  size_t cap = 1024, count = 0, no = 0;
  uint64_t *h = malloc(cap * words * sizeof *h);
  *line = malloc(cap * sizeof **line);
  char buf[256];
  while (fgets(buf, sizeof buf, f)) {
    no++;
    size_t len = strcspn(buf, "\r\n");
    if (len == 0 || buf[0] == '#')
      continue;
    if (count == cap) {
      cap *= 2;
      h = realloc(h, cap * words * sizeof *h);
      *line = realloc(*line, cap * sizeof **line);
    }
    ck_assert_msg(len == (size_t)(16 * words), "%s:%zu: not a %d-bit hash", path, no, 64 * words);
    if (words == 4) {
      hs_hash256 v;
      ck_assert_int_eq(hs_hash256_from_hex(buf, len, &v), HS_OK);
      memcpy(h + count * 4, v.w, sizeof v.w);
    } else {
      buf[len] = '\0';
      h[count] = strtoull(buf, NULL, 16);
    }
    (*line)[count++] = no;
  }
  fclose(f);
  *n = count;
  return h;
}

static void check_expected(const char *needles, const char *haystack, const char *expected,
                           int words, int radius) {
  const char *dir = tu_testdata_dir();
  ck_assert_msg(dir, "reference test data missing");
  char *pn = tu_path(dir, needles), *ph = tu_path(dir, haystack), *pe = tu_path(dir, expected);
  size_t nq, m, *qline, *hline;
  uint64_t *q = read_list(pn, words, &nq, &qline), *hay = read_list(ph, words, &m, &hline);
  tu_tsv tsv;
  ck_assert_int_eq(tu_tsv_load(pe, &tsv), 0);
  hs_match_list want = {0}, got = {0};
  for (int r = 0; r < tsv.nrows; r++)
    push(&want, (size_t)atol(tsv.rows[r][0]), (size_t)atol(tsv.rows[r][1]), atoi(tsv.rows[r][2]));
  hs_engine *e = engine();
  device_search(e, hay, m, q, nq, words, radius, 0, &got);
  for (size_t i = 0; i < got.count; i++) { /* indices -> 1-based lines */
    got.items[i].query = (uint32_t)qline[got.items[i].query];
    got.items[i].target = hline[got.items[i].target];
  }
  ck_assert_msg(want.count > 0, "%s is empty", pe);
  expect_same(&want, &got, expected);
  hs_engine_destroy(e);
  hs_match_list_free(&want);
  hs_match_list_free(&got);
  tu_tsv_free(&tsv);
  free(q), free(hay), free(qline), free(hline), free(pn), free(ph), free(pe);
}

START_TEST(test_expected_lists) {
  cl_tuning_override.match_qv = qv_values[_i];
  check_expected("matching/te_needles.txt", "matching/te_haystack.txt",
                 "matching/te_expected_d31.tsv", 4, 31);
  check_expected("matching/pdq_boundary_needles.txt", "matching/pdq_boundary_haystack.txt",
                 "matching/pdq_boundary_expected_le40.tsv", 4, 40);
  check_expected("matching/h64_boundary_needles.txt", "matching/h64_boundary_haystack.txt",
                 "matching/h64_boundary_expected_le16.tsv", 1, 16);
}
END_TEST

/* Two ctest entries run this program (ctu_diff_mode). */
int main(int argc, char **argv) {
  const int golden = ctu_diff_mode(argc, argv, "reference match lists");
  Suite *s = suite_create("diff_hamming");
  TCase *tc = tcase_create("hamming");
  tcase_set_timeout(tc, 1200);
  if (golden) {
    tcase_add_loop_test(tc, test_expected_lists, 0, 2);
  } else {
    /* Loops: bit 0 picks 256/64 bits, bit 1 the GPU work-item shape. */
    tcase_add_loop_test(tc, test_planted_every_distance, 0, 4);
    tcase_add_loop_test(tc, test_empty_and_single, 0, 4);
    tcase_add_loop_test(tc, test_odd_counts, 0, 4);
    tcase_add_loop_test(tc, test_zero_and_one_hashes, 0, 4);
    tcase_add_loop_test(tc, test_exactly_at_radius, 0, 4);
    tcase_add_loop_test(tc, test_several_passes, 0, 4);
    tcase_add_loop_test(tc, test_result_overflow, 0, 8);
    tcase_add_loop_test(tc, test_topk_ties, 0, 4);
    tcase_add_loop_test(tc, test_random_medium, 0, 4);
  }
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
#endif
