// labels: unit
// timeout: 300
/* tests/test_hamming.c - the CPU Hamming matcher: every fast tier this
 * processor runs (forced one at a time) against the slow bit-by-bit
 * reference, exact equality of the whole result list, on random data with
 * neighbours planted at every distance, empty and single inputs, counts
 * that are not multiples of the block, group, chunk or query-block sizes,
 * all-zero and all-one hashes, distances exactly at the radius, top-k ties
 * and k > M, with 1, 2 and 3 threads; and the public dispatcher. */
#include <stdlib.h>
#include <string.h>

#include "core/match_list.h"
#include "match/hamming.h"
#include "test_util.h"

static const int thread_counts[] = {1, 2, 3};
#define N_THREADS (sizeof thread_counts / sizeof thread_counts[0])

/* ---- data ---------------------------------------------------------------- */

typedef struct dataset {
  int words;
  size_t m, nq;
  uint64_t *hay;     /* m x words */
  uint64_t *queries; /* nq x words */
} dataset;

static void data_random(dataset *d, int words, size_t m, size_t nq, uint64_t seed) {
  d->words = words;
  d->m = m;
  d->nq = nq;
  d->hay = malloc((m ? m : 1) * (size_t)words * 8);
  d->queries = malloc((nq ? nq : 1) * (size_t)words * 8);
  for (size_t i = 0; i < m * (size_t)words; i++)
    d->hay[i] = tu_rand(&seed);
  for (size_t i = 0; i < nq * (size_t)words; i++)
    d->queries[i] = tu_rand(&seed);
}

static void data_free(dataset *d) {
  free(d->hay);
  free(d->queries);
}

/* Makes haystack entry t = query q with exactly `dist` distinct bits flipped. */
static void plant(dataset *d, size_t t, size_t q, int dist, uint64_t *seed) {
  int nbits = d->words * 64, pos[256];
  for (int i = 0; i < nbits; i++)
    pos[i] = i;
  uint64_t *h = d->hay + t * (size_t)d->words;
  memcpy(h, d->queries + q * (size_t)d->words, (size_t)d->words * 8);
  for (int i = 0; i < dist; i++) { /* partial Fisher-Yates: distinct bits */
    int j = i + (int)(tu_rand(seed) % (uint64_t)(nbits - i));
    int tmp = pos[i];
    pos[i] = pos[j];
    pos[j] = tmp;
    h[pos[i] / 64] ^= 1ULL << (pos[i] % 64);
  }
  ck_assert_int_eq(hamming_distance_slow(h, d->queries + q * (size_t)d->words, d->words), dist);
}

/* ---- comparing a fast tier with the reference ---------------------------- */

static void expect_same(const hs_match_list *got, const hs_match_list *want, const char *what) {
  size_t n = got->count < want->count ? got->count : want->count;
  for (size_t i = 0; i < n; i++) {
    const hs_match *g = &got->items[i], *w = &want->items[i];
    ck_assert_msg(g->query == w->query && g->target == w->target && g->distance == w->distance,
                  "%s: item %zu is (%u, %llu, %u), reference (%u, %llu, %u)", what, i, g->query,
                  (unsigned long long)g->target, g->distance, w->query,
                  (unsigned long long)w->target, w->distance);
  }
  ck_assert_msg(got->count == want->count, "%s: %zu results, reference %zu", what, got->count,
                want->count);
}

/* Every available tier, every thread count: the fast search (top-k when
 * k > 0, else radius search) gives exactly the reference's list. */
static void check_search(const dataset *d, int radius, int k) {
  hs_match_list want = {0};
  hs_status st = k ? hamming_topk_slow(d->hay, d->m, d->words, d->queries, d->nq, k, &want)
                   : hamming_radius_slow(d->hay, d->m, d->words, d->queries, d->nq, radius, &want);
  ck_assert_int_eq(st, HS_OK);
  hamming_haystack h;
  ck_assert_int_eq(hamming_haystack_init(&h, d->words, d->hay, d->m), HS_OK);
  for (int tier = HAMMING_TIER_GENERIC; tier < HAMMING_TIER_COUNT; tier++) {
    if (!hamming_tier_available((hamming_tier)tier))
      continue;
    ck_assert_int_eq(hamming_force_tier((hamming_tier)tier), HS_OK);
    for (size_t ti = 0; ti < N_THREADS; ti++) {
      hs_match_list got = {0};
      int threads = thread_counts[ti];
      st = k ? hamming_topk(&h, d->queries, d->nq, k, threads, &got)
             : hamming_radius(&h, d->queries, d->nq, radius, threads, &got);
      ck_assert_int_eq(st, HS_OK);
      if (!k) /* the radius search appends in no particular order */
        match_list_sort_by_target(got.items, got.count);
      char what[160];
      snprintf(what, sizeof what, "%s %d, %d-bit, M=%zu, Q=%zu, %s, %d threads",
               k ? "top" : "radius", k ? k : radius, d->words * 64, d->m, d->nq,
               hamming_tier_name((hamming_tier)tier), threads);
      expect_same(&got, &want, what);
      hs_match_list_free(&got);
    }
  }
  hamming_force_tier(HAMMING_TIER_AUTO);
  hamming_haystack_free(&h);
  hs_match_list_free(&want);
}

static void check_radius(const dataset *d, int radius) { check_search(d, radius, 0); }
/* One fast search of the first nq queries (top-k when k > 0) into *got. */
static void run_fast(const dataset *d, size_t nq, int radius, int k, int threads,
                     hs_match_list *got) {
  hamming_haystack h;
  ck_assert_int_eq(hamming_haystack_init(&h, d->words, d->hay, d->m), HS_OK);
  hs_status st = k ? hamming_topk(&h, d->queries, nq, k, threads, got)
                   : hamming_radius(&h, d->queries, nq, radius, threads, got);
  ck_assert_int_eq(st, HS_OK);
  hamming_haystack_free(&h);
}
static void check_topk(const dataset *d, int k) { check_search(d, 0, k); }

/* ---- the reference itself ------------------------------------------------ */

START_TEST(slow_reference_is_right) {
  ck_assert_int_eq(hamming_popcount_slow(0), 0);
  ck_assert_int_eq(hamming_popcount_slow(~0ULL), 64);
  ck_assert_int_eq(hamming_popcount_slow(0x8000000000000001ULL), 2);
  ck_assert_int_eq(hamming_popcount_slow(0x0123456789abcdefULL), 32);
  uint64_t seed = 5;
  for (int i = 0; i < 1000; i++) {
    hs_hash256 a, b;
    for (int w = 0; w < 4; w++) {
      a.w[w] = tu_rand(&seed);
      b.w[w] = tu_rand(&seed) & tu_rand(&seed);
    }
    ck_assert_int_eq(hamming_distance_slow(a.w, b.w, 4), hs_hash256_distance(&a, &b));
  }
}
END_TEST

START_TEST(tiers_and_choice) {
  ck_assert(hamming_tier_available(HAMMING_TIER_GENERIC));
  ck_assert(!hamming_tier_available(HAMMING_TIER_AUTO));
  hamming_tier best = HAMMING_TIER_GENERIC;
  for (int t = HAMMING_TIER_GENERIC; t < HAMMING_TIER_COUNT; t++) {
    if (hamming_tier_available((hamming_tier)t))
      best = (hamming_tier)t;
    printf("CPU kernel %-8s %s\n", hamming_tier_name((hamming_tier)t),
           hamming_tier_available((hamming_tier)t) ? "available" : "not available here");
  }
  if (!getenv("HASHSWEEP_CPU_KERNEL"))
    ck_assert_int_eq(hamming_tier_selected(), best);
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  ck_assert_int_eq(hamming_tier_available(HAMMING_TIER_AVX512),
                   __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq"));
#endif
  ck_assert_int_eq(hamming_force_tier(HAMMING_TIER_GENERIC), HS_OK);
  ck_assert_int_eq(hamming_tier_selected(), HAMMING_TIER_GENERIC);
  ck_assert_int_eq(hamming_force_tier(HAMMING_TIER_AUTO), HS_OK);
}
END_TEST

/* ---- planted neighbours at every distance -------------------------------- */

static void planted_every_distance(int words, const int *radii, size_t nradii) {
  int nbits = 64 * words;
  size_t nq = 6, m = 3001;
  dataset d;
  data_random(&d, words, m, nq, 42 + (uint64_t)words);
  uint64_t seed = 7;
  /* Query q gets one neighbour at each distance 0..nbits, scattered. */
  for (size_t q = 0; q < nq; q++)
    for (int dist = 0; dist <= nbits; dist++)
      plant(&d, (q * 487 + (size_t)dist * 11) % m, q, dist, &seed);
  for (size_t i = 0; i < nradii; i++)
    check_radius(&d, radii[i]);
  static const int ks[] = {1, 2, 7, 64};
  for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
    check_topk(&d, ks[i]);
  data_free(&d);
}

START_TEST(planted_256) {
  static const int radii[] = {0, 1, 10, 31, 32, 47, 48, 49, 64, 100, 127, 128, 129, 200, 255, 256, 300};
  planted_every_distance(4, radii, sizeof radii / sizeof radii[0]);
}
END_TEST

START_TEST(planted_64) {
  static const int radii[] = {0, 1, 8, 16, 31, 32, 33, 63, 64, 65};
  planted_every_distance(1, radii, sizeof radii / sizeof radii[0]);
}
END_TEST

/* Each planted distance d is found at radius d and not at radius d - 1. */
START_TEST(distance_exactly_r) {
  for (int words = 1; words <= 4; words += 3) {
    dataset d;
    data_random(&d, words, 64 * words + 1, 1, 9);
    uint64_t seed = 3;
    for (int dist = 0; dist <= 64 * words; dist++)
      plant(&d, (size_t)dist, 0, dist, &seed);
    hamming_haystack h;
    ck_assert_int_eq(hamming_haystack_init(&h, words, d.hay, d.m), HS_OK);
    for (int r = 0; r <= 64 * words; r++) {
      hs_match_list got = {0};
      ck_assert_int_eq(hamming_radius(&h, d.queries, 1, r, 2, &got), HS_OK);
      int found_r = 0, found_above = 0;
      for (size_t i = 0; i < got.count; i++) {
        found_r |= got.items[i].target == (uint64_t)r;
        found_above |= got.items[i].target == (uint64_t)r + 1;
      }
      ck_assert_msg(found_r, "%d-bit: planted distance %d not found at radius %d", 64 * words, r,
                    r);
      ck_assert_msg(!found_above || r == 64 * words, "%d-bit: distance %d found at radius %d",
                    64 * words, r + 1, r);
      hs_match_list_free(&got);
    }
    hamming_haystack_free(&h);
    data_free(&d);
  }
}
END_TEST

/* ---- sizes ---------------------------------------------------------------- */

START_TEST(empty_and_single) {
  for (int words = 1; words <= 4; words += 3)
    for (size_t m = 0; m <= 1; m++)
      for (size_t nq = 0; nq <= 1; nq++) {
        dataset d;
        data_random(&d, words, m, nq, 11 + m * 2 + nq);
        check_radius(&d, 64 * words); /* everything within */
        check_radius(&d, 0);
        check_topk(&d, 1);
        check_topk(&d, 64);
        data_free(&d);
      }
}
END_TEST

/* Counts around the 8-lane block, the 4-query group, the 256-query block
 * and the chunk (4096 hashes at 256 bits, 16384 at 64 bits). Close
 * neighbours are planted so the results are not empty. */
START_TEST(awkward_counts) {
  static const size_t ms[] = {2, 7, 8, 9, 15, 17, 4095, 4097, 8195};
  static const size_t qs[] = {1, 3, 4, 5, 13, 257};
  for (int words = 1; words <= 4; words += 3)
    for (size_t mi = 0; mi < sizeof ms / sizeof ms[0]; mi++)
      for (size_t qi = 0; qi < sizeof qs / sizeof qs[0]; qi++) {
        size_t m = ms[mi], nq = qs[qi];
        if (m * nq > 300000) /* the bit-by-bit reference is slow */
          continue;
        dataset d;
        data_random(&d, words, m, nq, m * 131 + nq);
        uint64_t seed = m + nq;
        for (size_t q = 0; q < nq; q++)
          plant(&d, (q * 7919) % m, q, (int)(q % 9), &seed);
        check_radius(&d, words == 4 ? 31 : 8);
        check_topk(&d, 3);
        data_free(&d);
      }
  /* The 64-bit chunk boundary, and a haystack long enough that top-k splits it. */
  dataset d;
  data_random(&d, 1, 16385, 2, 77);
  check_radius(&d, 12);
  check_topk(&d, 5);
  data_free(&d);
  data_random(&d, 4, 20000, 2, 78);
  check_radius(&d, 100);
  check_topk(&d, 5);
  data_free(&d);
}
END_TEST

/* ---- edge values ---------------------------------------------------------- */

START_TEST(zeros_and_ones) {
  for (int words = 1; words <= 4; words += 3) {
    dataset d;
    data_random(&d, words, 21, 2, 1);
    for (size_t i = 0; i < d.m * (size_t)words; i++) /* alternate zero and one hashes */
      d.hay[i] = (i / (size_t)words) % 2 ? ~0ULL : 0;
    for (int w = 0; w < words; w++) {
      d.queries[w] = 0;
      d.queries[words + w] = ~0ULL;
    }
    int nbits = 64 * words;
    check_radius(&d, 0);
    check_radius(&d, nbits - 1);
    check_radius(&d, nbits);
    check_topk(&d, 64);
    /* Explicitly: a zero query is at 0 from zeros and nbits from ones. */
    hs_match_list got = {0};
    run_fast(&d, 1, nbits, 0, 1, &got);
    ck_assert_uint_eq(got.count, d.m);
    for (size_t i = 0; i < got.count; i++)
      ck_assert_uint_eq(got.items[i].distance, got.items[i].target % 2 ? (unsigned)nbits : 0u);
    hs_match_list_free(&got);
    data_free(&d);
  }
}
END_TEST

/* Equal distances: the lower haystack index wins, also across the ranges a
 * long haystack is split into for top-k. */
START_TEST(topk_ties) {
  for (int words = 1; words <= 4; words += 3) {
    dataset d;
    data_random(&d, words, 50000, 3, 5);
    uint64_t seed = 2;
    /* Every 1000th entry is query 0 at distance 1; entry 30500 at distance 0. */
    for (size_t t = 0; t < d.m; t += 1000)
      plant(&d, t, 0, 1, &seed);
    plant(&d, 30500, 0, 0, &seed);
    check_topk(&d, 10);
    for (int tier = HAMMING_TIER_GENERIC; tier < HAMMING_TIER_COUNT; tier++) {
      if (hamming_force_tier((hamming_tier)tier) != HS_OK)
        continue;
      hs_match_list got = {0};
      run_fast(&d, 1, 0, 10, 2, &got);
      ck_assert_uint_eq(got.count, 10);
      ck_assert_uint_eq(got.items[0].target, 30500);
      ck_assert_uint_eq(got.items[0].distance, 0);
      for (size_t i = 1; i < 10; i++) {
        ck_assert_uint_eq(got.items[i].target, (i - 1) * 1000);
        ck_assert_uint_eq(got.items[i].distance, 1);
      }
      hs_match_list_free(&got);
    }
    hamming_force_tier(HAMMING_TIER_AUTO);
    data_free(&d);
  }
}
END_TEST

START_TEST(topk_k_above_m) {
  for (int words = 1; words <= 4; words += 3) {
    dataset d;
    data_random(&d, words, 5, 6, 8);
    check_topk(&d, 64);
    hs_match_list got = {0};
    run_fast(&d, d.nq, 0, 64, 2, &got);
    ck_assert_uint_eq(got.count, 5 * d.nq); /* min(k, M) per query */
    hs_match_list_free(&got);
    data_free(&d);
  }
}
END_TEST

/* ---- the public dispatcher ------------------------------------------------ */

static hs_engine *cpu_engine(int threads) {
  hs_engine_options o;
  hs_engine_options_default(&o);
  o.device = "cpu";
  o.threads = threads;
  hs_engine *e = NULL;
  ck_assert_int_eq(hs_engine_create(&o, &e), HS_OK);
  return e;
}

START_TEST(public_api) {
  hs_engine *e = cpu_engine(2);
  dataset d;
  data_random(&d, 4, 999, 9, 21);
  uint64_t seed = 4;
  for (size_t q = 0; q < d.nq; q++)
    for (int k = 0; k < 5; k++)
      plant(&d, q * 100 + (size_t)k * 7, q, (int)(q * 3 + (size_t)k * 5), &seed);
  hs_haystack *h = NULL;
  ck_assert_int_eq(hs_haystack_create(e, 256, d.hay, d.m, &h), HS_OK);
  ck_assert_uint_eq(hs_haystack_count(h), 999);
  ck_assert_int_eq(hs_haystack_bits(h), 256);
  /* Appends after what the list holds; sorted by (query, target). */
  hs_match_list got = {0}, want = {0};
  hs_match keep = {.target = 123, .query = 77, .distance = 5};
  ck_assert_int_eq(match_list_append(&got, &keep, 1), HS_OK);
  ck_assert_int_eq(hs_match_radius(e, h, d.queries, d.nq, 31, &got), HS_OK);
  ck_assert_int_eq(hamming_radius_slow(d.hay, d.m, 4, d.queries, d.nq, 31, &want), HS_OK);
  ck_assert_uint_eq(got.items[0].target, 123);
  hs_match_list tail = {got.items + 1, got.count - 1, got.count - 1};
  expect_same(&tail, &want, "hs_match_radius");
  ck_assert_uint_ge(want.count, 9 * 4);
  hs_match_list_free(&got);
  hs_match_list_free(&want);
  ck_assert_int_eq(hs_match_topk(e, h, d.queries, d.nq, 4, &got), HS_OK);
  ck_assert_int_eq(hamming_topk_slow(d.hay, d.m, 4, d.queries, d.nq, 4, &want), HS_OK);
  expect_same(&got, &want, "hs_match_topk");
  hs_match_list_free(&got);
  hs_match_list_free(&want);
  /* Bad arguments leave the list alone. */
  ck_assert_int_eq(hs_match_radius(e, h, d.queries, d.nq, -1, &got), HS_ERR_INVALID_ARG);
  ck_assert_int_eq(hs_match_topk(e, h, d.queries, d.nq, 0, &got), HS_ERR_INVALID_ARG);
  ck_assert_int_eq(hs_match_topk(e, h, d.queries, d.nq, HS_TOPK_MAX + 1, &got),
                   HS_ERR_INVALID_ARG);
  ck_assert_int_eq(hs_match_radius(e, h, NULL, 3, 10, &got), HS_ERR_INVALID_ARG);
  ck_assert_uint_eq(got.count, 0);
  hs_haystack *bad = NULL;
  ck_assert_int_eq(hs_haystack_create(e, 128, d.hay, d.m, &bad), HS_ERR_INVALID_ARG);
  ck_assert_ptr_null(bad);
  /* An empty haystack finds nothing. */
  hs_haystack *empty = NULL;
  ck_assert_int_eq(hs_haystack_create(e, 64, NULL, 0, &empty), HS_OK);
  ck_assert_int_eq(hs_match_radius(e, empty, d.queries, d.nq, 64, &got), HS_OK);
  ck_assert_uint_eq(got.count, 0);
  hs_haystack_destroy(empty);
  hs_haystack_destroy(h);
  hs_haystack_destroy(NULL);
  hs_engine_destroy(e);
  data_free(&d);
}
END_TEST

int main(void) {
  Suite *s = suite_create("hamming");
  TCase *tc = tcase_create("hamming");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, slow_reference_is_right);
  tcase_add_test(tc, tiers_and_choice);
  tcase_add_test(tc, planted_256);
  tcase_add_test(tc, planted_64);
  tcase_add_test(tc, distance_exactly_r);
  tcase_add_test(tc, empty_and_single);
  tcase_add_test(tc, awkward_counts);
  tcase_add_test(tc, zeros_and_ones);
  tcase_add_test(tc, topk_ties);
  tcase_add_test(tc, topk_k_above_m);
  tcase_add_test(tc, public_api);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
