// labels: unit
/* tests/test_core.c - hex, errors, JSON strings, digests, workspace. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/match_list.h"
#include "core/workspace.h"
#include "test_util.h"

START_TEST(hex_round_trip) {
  const char *hex = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22";
  hs_hash256 h;
  ck_assert_int_eq(hs_hash256_from_hex(hex, 64, &h), HS_OK);
  ck_assert_uint_eq(h.w[0], 0xd8f8f0cee0f4a84fULL);
  ck_assert_uint_eq(h.w[3], 0x33e6339c4e9c9b22ULL);
  char out[65];
  hs_hash256_to_hex(&h, out);
  ck_assert_str_eq(out, hex);
  /* Upper case reads the same; output is lower case. */
  char upper[65];
  for (int i = 0; i < 65; i++)
    upper[i] = (char)(hex[i] >= 'a' && hex[i] <= 'f' ? hex[i] - 32 : hex[i]);
  hs_hash256 h2;
  ck_assert_int_eq(hs_hash256_from_hex(upper, 64, &h2), HS_OK);
  ck_assert_int_eq(memcmp(&h, &h2, sizeof h), 0);
}
END_TEST

START_TEST(hex_rejects_bad_input) {
  hs_hash256 h;
  ck_assert_int_eq(hs_hash256_from_hex("abc", 3, &h), HS_ERR_FORMAT);
  char bad[65];
  memset(bad, 'a', 64);
  bad[64] = 0;
  bad[10] = 'g';
  ck_assert_int_eq(hs_hash256_from_hex(bad, 64, &h), HS_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(hs_last_error(), "position 11"));
  uint8_t b[2];
  ck_assert_int_eq(hs_bytes_from_hex("0aFf", 4, b, 2), HS_OK);
  ck_assert_uint_eq(b[0], 0x0a);
  ck_assert_uint_eq(b[1], 0xff);
}
END_TEST

START_TEST(distance) {
  hs_hash256 a = {{0, 0, 0, 0}}, b = {{~0ULL, 0, 1, 3}};
  ck_assert_int_eq(hs_hash256_distance(&a, &b), 67);
  ck_assert_int_eq(hs_hash256_distance(&b, &b), 0);
}
END_TEST

START_TEST(error_detail_is_one_line) {
  hs_status st = error_set(HS_ERR_IO, "file\nwith\tbreaks: %s", "cause");
  ck_assert_int_eq(st, HS_ERR_IO);
  ck_assert_str_eq(hs_last_error(), "file with breaks: cause");
  error_prefix(HS_ERR_IO, "x.txt:3: ");
  ck_assert_str_eq(hs_last_error(), "x.txt:3: file with breaks: cause");
  ck_assert_str_eq(hs_strerror((hs_status)999), "unknown status");
  ck_assert_str_eq(hs_strerror((hs_status)-1), "unknown status");
}
END_TEST

/* Every status has a text of its own: a code added to the enum without a
 * table entry would read "unknown status", and a copied line would give
 * two codes one text. */
START_TEST(status_texts_distinct) {
  ck_assert_str_eq(hs_strerror(HS_OK), "success");
  ck_assert_str_eq(hs_strerror(HS_ERR_CORRUPT), "damaged or foreign file");
  for (int s = 0; s < HS_STATUS_COUNT; s++) {
    const char *t = hs_strerror((hs_status)s);
    ck_assert_msg(*t && strcmp(t, "unknown status") != 0, "status %d has no text", s);
    for (int r = 0; r < s; r++)
      ck_assert_msg(strcmp(t, hs_strerror((hs_status)r)) != 0, "statuses %d and %d share '%s'",
                    r, s, t);
  }
}
END_TEST

/* A second thread starts with an empty detail, and what it sets is not
 * seen by the thread that started it. */
static void *set_error_in_thread(void *arg) {
  char *seen = arg;
  snprintf(seen, 64, "%s", hs_last_error());
  error_set(HS_ERR_IO, "from the worker");
  snprintf(seen + 64, 64, "%s", hs_last_error());
  return NULL;
}

START_TEST(error_detail_per_thread) {
  error_set(HS_ERR_FORMAT, "from the main thread");
  char seen[128] = {0};
  pthread_t t;
  ck_assert_int_eq(pthread_create(&t, NULL, set_error_in_thread, seen), 0);
  ck_assert_int_eq(pthread_join(t, NULL), 0);
  ck_assert_str_eq(seen, "");
  ck_assert_str_eq(seen + 64, "from the worker");
  ck_assert_str_eq(hs_last_error(), "from the main thread");
}
END_TEST

static char *json_of(const char *s) { return tu_written(hs_json_write_string, s); }

START_TEST(json_strings) {
  char *j = json_of("a\"b\\c\nd\x01");
  ck_assert_str_eq(j, "\"a\\\"b\\\\c\\nd\\u0001\"");
  free(j);
  j = json_of("caf\xc3\xa9"); /* valid UTF-8 passes through */
  ck_assert_str_eq(j, "\"caf\xc3\xa9\"");
  free(j);
  j = json_of("bad\xe9.jpg"); /* invalid byte -> surrogate escape */
  ck_assert_str_eq(j, "\"bad\\udce9.jpg\"");
  free(j);
  j = json_of("\xed\xa0\x80"); /* an encoded surrogate is not valid UTF-8 */
  ck_assert_str_eq(j, "\"\\udced\\udca0\\udc80\"");
  free(j);
}
END_TEST

START_TEST(digests) {
  uint8_t md5[16], sha[32];
  char hex[65];
  ck_assert_int_eq(hs_digest_md5_sha256("abc", 3, md5, sha), HS_OK);
  hs_bytes_to_hex(md5, 16, hex);
  ck_assert_str_eq(hex, "900150983cd24fb0d6963f7d28e17f72");
  hs_bytes_to_hex(sha, 32, hex);
  ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  ck_assert_int_eq(hs_digest_md5_sha256(NULL, 0, md5, sha), HS_OK);
  hs_bytes_to_hex(md5, 16, hex);
  ck_assert_str_eq(hex, "d41d8cd98f00b204e9800998ecf8427e");
}
END_TEST

START_TEST(workspace_grows_aligned) {
  hs_workspace *ws = hs_workspace_create();
  void *a = workspace_get(ws, WS_LUMA, 100);
  ck_assert_ptr_nonnull(a);
  ck_assert_uint_eq((uintptr_t)a % 64, 0);
  ck_assert_ptr_eq(workspace_get(ws, WS_LUMA, 80), a); /* reused */
  void *b = workspace_get(ws, WS_LUMA, 1 << 20);
  ck_assert_ptr_nonnull(b);
  ck_assert_uint_eq((uintptr_t)b % 64, 0);
  hs_workspace_destroy(ws);
  hs_workspace_destroy(NULL);
}
END_TEST

START_TEST(match_list_sorting) {
  hs_match_list l = {0};
  hs_match m[] = {{5, 1, 3}, {2, 1, 9}, {7, 0, 1}, {1, 1, 3}};
  ck_assert_int_eq(match_list_append(&l, m, 4), HS_OK);
  match_list_sort_by_target(l.items, l.count);
  ck_assert_uint_eq(l.items[0].target, 7);
  ck_assert_uint_eq(l.items[1].target, 1);
  ck_assert_uint_eq(l.items[3].target, 5);
  match_list_sort_by_distance(l.items, l.count);
  ck_assert_uint_eq(l.items[1].target, 1); /* distance 3, lower target first */
  ck_assert_uint_eq(l.items[2].target, 5);
  ck_assert_uint_eq(l.items[3].target, 2);
  hs_match_list_free(&l);
  ck_assert_ptr_null(l.items);
}
END_TEST

START_TEST(modes_and_dihedral_names) {
  hs_mode m;
  ck_assert_int_eq(hs_mode_parse("exact", &m), HS_OK);
  ck_assert_int_eq(m, HS_MODE_EXACT);
  ck_assert_int_eq(hs_mode_parse("fast", &m), HS_OK);
  ck_assert_int_eq(m, HS_MODE_FAST);
  ck_assert_int_eq(hs_mode_parse("turbo", &m), HS_ERR_INVALID_ARG);
  ck_assert_str_eq(hs_dihedral_name(HS_DIH_FLIPMINUS1), "flipminus1");
  ck_assert_int_eq(hs_dihedral_parse("rot270"), HS_DIH_ROT270);
  ck_assert_int_eq(hs_dihedral_parse("nope"), -1);
}
END_TEST

int main(void) {
  Suite *s = suite_create("core");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, hex_round_trip);
  tcase_add_test(tc, hex_rejects_bad_input);
  tcase_add_test(tc, distance);
  tcase_add_test(tc, error_detail_is_one_line);
  tcase_add_test(tc, status_texts_distinct);
  tcase_add_test(tc, error_detail_per_thread);
  tcase_add_test(tc, json_strings);
  tcase_add_test(tc, digests);
  tcase_add_test(tc, workspace_grows_aligned);
  tcase_add_test(tc, match_list_sorting);
  tcase_add_test(tc, modes_and_dihedral_names);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
