// labels: unit
/* tests/test_match_strategy.c - the dispatcher's CPU strategies give the
 * same results: brute force and multi-index hashing (forced through
 * HASHSWEEP_MATCH, and picked on its own for a large haystack after enough
 * queries), on random codes with neighbours planted at every distance
 * 0..40 and at the radius exactly. */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#define N 70000 /* above the multi-index minimum */
#define NQ 6000

static uint64_t *hay, *queries;

static void make_data(void) {
  uint64_t seed = 777;
  hay = malloc(sizeof(uint64_t) * 4 * N);
  queries = malloc(sizeof(uint64_t) * 4 * NQ);
  for (size_t i = 0; i < 4 * (size_t)N; i++)
    hay[i] = tu_rand(&seed);
  for (int q = 0; q < NQ; q++) {
    size_t target = tu_rand(&seed) % N;
    memcpy(queries + 4 * q, hay + 4 * target, 32);
    int d = q % 41;
    for (int b = 0; b < d; b++) /* d distinct bits: bit positions b*6+q%6 */
      queries[4 * q + (b * 6 + q % 6) / 64] ^= 1ULL << ((b * 6 + q % 6) % 64);
  }
}

static hs_match_list run(const char *strategy, int radius, int batches) {
  setenv("HASHSWEEP_MATCH", strategy, 1);
  hs_engine_options eo;
  hs_engine_options_default(&eo);
  eo.device = "cpu";
  hs_engine *e;
  ck_assert_int_eq(hs_engine_create(&eo, &e), HS_OK);
  hs_haystack *h;
  ck_assert_int_eq(hs_haystack_create(e, 256, hay, N, &h), HS_OK);
  hs_match_list all = {0};
  size_t per = NQ / batches;
  for (int b = 0; b < batches; b++) {
    hs_match_list part = {0};
    ck_assert_int_eq(hs_match_radius(e, h, queries + 4 * per * b, per, radius, &part), HS_OK);
    for (size_t i = 0; i < part.count; i++)
      part.items[i].query += (uint32_t)(per * b);
    hs_match *grow = realloc(all.items, (all.count + part.count + 1) * sizeof *grow);
    memcpy(grow + all.count, part.items, part.count * sizeof *grow);
    all.items = grow;
    all.count += part.count;
    hs_match_list_free(&part);
  }
  hs_haystack_destroy(h);
  hs_engine_destroy(e);
  unsetenv("HASHSWEEP_MATCH");
  return all;
}

static void same(hs_match_list a, hs_match_list b) {
  ck_assert_uint_eq(a.count, b.count);
  for (size_t i = 0; i < a.count; i++) {
    ck_assert_uint_eq(a.items[i].query, b.items[i].query);
    ck_assert_uint_eq(a.items[i].target, b.items[i].target);
    ck_assert_uint_eq(a.items[i].distance, b.items[i].distance);
  }
}

static int built, fell_back;
static void catch_log(void *user, hs_log_level level, const char *msg) {
  (void)user;
  (void)level;
  if (strstr(msg, "multi-index hashing over"))
    built = 1;
  if (strstr(msg, "brute force stays") || strstr(msg, "redoing it by brute force"))
    fell_back = 1;
}

START_TEST(mih_equals_brute) {
  const int radii[] = {0, 8, 31, 40};
  int r = radii[_i];
  hs_match_list brute = run("brute", r, 1);
  /* The forced run must really search the multi-index: a failed build or
   * search falls back to brute force and would compare it with itself. */
  built = fell_back = 0;
  hs_set_logger(catch_log, NULL, HS_LOG_INFO);
  hs_match_list mih = run("mih", r, 1);
  hs_set_logger(NULL, NULL, HS_LOG_ERROR);
  ck_assert_msg(built, "radius %d: the multi-index was never built", r);
  ck_assert_msg(!fell_back, "radius %d: the multi-index search fell back to brute force", r);
  same(brute, mih);
  /* Every planted neighbour within the radius is there. */
  size_t planted = 0;
  for (int q = 0; q < NQ; q++)
    planted += q % 41 <= r;
  ck_assert_uint_ge(brute.count, planted);
  hs_match_list_free(&brute);
  hs_match_list_free(&mih);
}
END_TEST

START_TEST(automatic_switch_keeps_results) {
  /* Many small batches: the dispatcher starts with brute force, builds the
   * multi-index when it has paid off, and must not change any result. */
  hs_match_list brute = run("brute", 31, 1);
  hs_set_logger(catch_log, NULL, HS_LOG_INFO);
  hs_match_list autom = run("", 31, 60);
  hs_set_logger(NULL, NULL, HS_LOG_ERROR);
  ck_assert_msg(built, "the dispatcher never switched to multi-index hashing");
  same(brute, autom);
  hs_match_list_free(&brute);
  hs_match_list_free(&autom);
}
END_TEST

int main(void) {
  make_data();
  Suite *s = suite_create("match_strategy");
  TCase *tc = tcase_create("strategies");
  tcase_set_timeout(tc, 300);
  tcase_add_loop_test(tc, mih_equals_brute, 0, 4);
  tcase_add_test(tc, automatic_switch_keeps_results);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
