// labels: golden
/* tests/test_golden.c - every row of the reference test data:
 *  exact mode vs expected_pdq_noresize.tsv, stock mode vs expected_pdq.tsv,
 *  all 8 dihedral hashes and the quality, per the row's class (README.txt of
 *  the test data). Skipped (exit 77) when the test data is absent. */
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test_util.h"

static const char *dir;
static tu_tsv stock, noresize;

static const char *const variant_cols[HS_DIH_COUNT] = {
    "pdq", "pdq_rot90", "pdq_rot180", "pdq_rot270",
    "pdq_flipx", "pdq_flipy", "pdq_flipplus1", "pdq_flipminus1"};

static const char *field(const tu_tsv *t, int row, const char *col) {
  int c = tu_tsv_col(t, col);
  ck_assert_msg(c >= 0, "column %s missing", col);
  return t->rows[row][c];
}

/* Row of `t` whose file column equals `file`. */
static int find_row(const tu_tsv *t, const char *file) {
  for (int r = 0; r < t->nrows; r++)
    if (strcmp(t->rows[r][0], file) == 0)
      return r;
  return -1;
}

static hs_hash256 parse_hex(const char *hex) {
  hs_hash256 h;
  ck_assert_int_eq(hs_hash256_from_hex(hex, strlen(hex), &h), HS_OK);
  return h;
}

/* Hashes `file` in `mode`; returns the status. */
static hs_status hash_in_mode(const char *file, hs_mode mode, hs_pdq *pdq, hs_image_info *info) {
  char *path = tu_path(dir, file);
  hs_decode_options o;
  hs_decode_options_default(&o);
  o.mode = mode;
  hs_workspace *ws = hs_workspace_create();
  hs_status st = hs_hash_file(path, &o, ws, pdq, info);
  hs_workspace_destroy(ws);
  free(path);
  return st;
}

/* The hash a correct engine gives for a quirk-16bit row (v >> 8), from the
 * notes column: "... a correct engine gets <hex> with v>>8 ...". */
static int quirk_expected(const char *notes, hs_hash256 *out) {
  const char *p = strstr(notes, "gets ");
  if (!p)
    return -1;
  p += 5;
  return hs_hash256_from_hex(p, 64, out) == HS_OK ? 0 : -1;
}

static void check_row(const tu_tsv *expect, int row, hs_mode mode) {
  const char *file = expect->rows[row][0];
  int srow = find_row(&stock, file);
  ck_assert_msg(srow >= 0, "%s missing from expected_pdq.tsv", file);
  const char *cls = field(&stock, srow, "class");
  hs_pdq pdq;
  hs_image_info info;
  hs_status st = hash_in_mode(file, mode, &pdq, &info);
  int want_quality = atoi(field(expect, row, "quality"));

  if (strcmp(cls, "below-min") == 0) {
    ck_assert_msg(st == HS_ERR_TOO_SMALL, "%s: expected TOO_SMALL, got %s", file, hs_strerror(st));
    /* The core itself returns the reference's all-zero hash, quality 0. */
    hs_workspace *ws = hs_workspace_create();
    hs_luma luma;
    hs_decode_options o;
    hs_decode_options_default(&o);
    char *path = tu_path(dir, file);
    ck_assert_int_eq(hs_decode_file(path, &o, ws, &luma, &info), HS_OK);
    ck_assert_int_eq(hs_pdq_from_luma(&luma, ws, &pdq), HS_OK);
    free(path);
    hs_workspace_destroy(ws);
    hs_hash256 zero = {{0}};
    for (int v = 0; v < HS_DIH_COUNT; v++)
      ck_assert_int_eq(hs_hash256_distance(&pdq.hash[v], &zero), 0);
    ck_assert_int_eq(pdq.quality, 0);
    return;
  }
  ck_assert_msg(st == HS_OK, "%s: %s", file, hs_last_error());
  ck_assert_msg(pdq.quality == want_quality, "%s: quality %d, expected %d", file, pdq.quality,
                want_quality);
  if (strcmp(cls, "quality-only") == 0)
    return;
  if (strcmp(cls, "quirk-16bit") == 0) {
    hs_hash256 want;
    ck_assert_int_eq(quirk_expected(field(&stock, srow, "notes"), &want), 0);
    if (mode == HS_MODE_EXACT) {
      int d = hs_hash256_distance(&pdq.hash[0], &want);
      ck_assert_msg(d == 0, "%s: distance %d to the v>>8 hash", file, d);
    }
    return;
  }
  for (int v = 0; v < HS_DIH_COUNT; v++) {
    hs_hash256 want = parse_hex(field(expect, row, variant_cols[v]));
    int d = hs_hash256_distance(&pdq.hash[v], &want);
    if (strcmp(cls, "policy-cmyk") == 0) {
      ck_assert_msg(d <= 16, "%s %s: distance %d > 16 (CMYK tolerance)", file,
                    hs_dihedral_name(v), d);
    } else {
      char got[65];
      hs_hash256_to_hex(&pdq.hash[v], got);
      ck_assert_msg(d == 0, "%s [%s] %s: got %s, distance %d", file, cls, hs_dihedral_name(v),
                    got, d);
    }
  }
}

START_TEST(exact_mode_matches_noresize) { check_row(&noresize, _i, HS_MODE_EXACT); }
END_TEST

START_TEST(stock_mode_matches_stock_cli) { check_row(&stock, _i, HS_MODE_STOCK); }
END_TEST

/* The md5 column equals the engine's MD5 of the file bytes. */
START_TEST(md5_matches) {
  const char *file = stock.rows[_i][0];
  hs_pdq pdq;
  hs_image_info info;
  hash_in_mode(file, HS_MODE_EXACT, &pdq, &info);
  char md5[33];
  hs_bytes_to_hex(info.md5, 16, md5);
  ck_assert_str_eq(md5, field(&stock, _i, "md5"));
}
END_TEST

/* The tables cover the image folder exactly: an emptied or truncated
 * expected file would otherwise run no rows and pass. */
static int nimages, nunlisted;
static int see_image(const char *path, const struct stat *st, int type, struct FTW *ftw) {
  (void)st;
  (void)ftw;
  if (type != FTW_F)
    return 0;
  nimages++;
  const char *rel = path + strlen(dir) + 1;
  if (find_row(&stock, rel) < 0 || find_row(&noresize, rel) < 0) {
    fprintf(stderr, "%s has no row in the expected tables\n", rel);
    nunlisted++;
  }
  return 0;
}

START_TEST(tables_cover_images) {
  char *images = tu_path(dir, "images");
  ck_assert_int_eq(nftw(images, see_image, 16, FTW_PHYS), 0);
  free(images);
  ck_assert_int_gt(nimages, 0);
  ck_assert_int_eq(nunlisted, 0);
  ck_assert_int_eq(stock.nrows, nimages);
  ck_assert_int_eq(noresize.nrows, nimages);
}
END_TEST

int main(void) {
  dir = tu_testdata_dir();
  if (!dir) {
    fprintf(stderr, "SKIP: reference test data not found (set HS_TESTDATA_DIR)\n");
    return TU_SKIP;
  }
  char *p1 = tu_path(dir, "expected_pdq.tsv"), *p2 = tu_path(dir, "expected_pdq_noresize.tsv");
  if (tu_tsv_load(p1, &stock) != 0 || tu_tsv_load(p2, &noresize) != 0) {
    fprintf(stderr, "cannot read %s or %s\n", p1, p2);
    return 1;
  }
  free(p1);
  free(p2);
  Suite *s = suite_create("golden");
  TCase *tc = tcase_create("reference");
  tcase_add_test(tc, tables_cover_images);
  tcase_add_loop_test(tc, exact_mode_matches_noresize, 0, noresize.nrows);
  tcase_add_loop_test(tc, stock_mode_matches_stock_cli, 0, stock.nrows);
  tcase_add_loop_test(tc, md5_matches, 0, stock.nrows);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
