// labels: unit
/* tests/test_variants.c - list-side variants: the names and their order,
 * parsing of the kinds, crops equal to the PDQ of the cropped pixels bit for
 * bit, rotations consistent under mirroring (rotating a mirror one way is
 * the mirror of rotating the other way), and the refusals. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

static hs_luma photo(int w, int h, uint64_t seed) {
  hs_luma l = {w, h, (size_t)w, malloc(sizeof(float) * (size_t)w * (size_t)h)};
  ck_assert_ptr_nonnull(l.data);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      l.data[(size_t)y * w + x] =
          128 + 70 * sinf(x * 0.05f + (float)seed) * cosf(y * 0.04f) + 30 * tu_randf(&seed);
  return l;
}

/* A copy of the region (x, y, w, h) of `l` as a plane of its own. */
static hs_luma copy_region(const hs_luma *l, int x, int y, int w, int h) {
  hs_luma c = {w, h, (size_t)w, malloc(sizeof(float) * (size_t)w * (size_t)h)};
  for (int r = 0; r < h; r++)
    memcpy(c.data + (size_t)r * w, l->data + (size_t)(y + r) * l->stride + x, sizeof(float) * w);
  return c;
}

START_TEST(names_and_parsing) {
  unsigned k = 99;
  ck_assert_int_eq(hs_variants_parse("crops,rotations", &k), HS_OK);
  ck_assert_uint_eq(k, HS_VARIANTS_CROPS | HS_VARIANTS_ROTATIONS);
  ck_assert_int_eq(hs_variants_parse("rotations", &k), HS_OK);
  ck_assert_uint_eq(k, HS_VARIANTS_ROTATIONS);
  ck_assert_int_eq(hs_variants_parse("none", &k), HS_OK);
  ck_assert_uint_eq(k, 0);
  ck_assert_int_eq(hs_variants_parse("crops,flips", &k), HS_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(hs_last_error(), "flips"));
  ck_assert_int_eq(hs_variants_parse("", &k), HS_ERR_INVALID_ARG);
  ck_assert_uint_eq(hs_variant_count(HS_VARIANTS_CROPS), 8);
  ck_assert_uint_eq(hs_variant_count(HS_VARIANTS_ROTATIONS), 24);
  ck_assert_uint_eq(hs_variant_count(HS_VARIANTS_CROPS | HS_VARIANTS_ROTATIONS), 32);
  ck_assert_uint_eq(hs_variant_count(0), 0);
  ck_assert_str_eq(hs_variant_name(HS_VARIANTS_CROPS, 1), "crop_centre_10");
  ck_assert_str_eq(hs_variant_name(HS_VARIANTS_ROTATIONS, 0), "rotate_+2");
  ck_assert_str_eq(hs_variant_name(HS_VARIANTS_ROTATIONS, 7), "rotate_-8");
  ck_assert_str_eq(hs_variant_name(HS_VARIANTS_ROTATIONS, 8), "rotate_+2_fill");
  ck_assert_str_eq(hs_variant_name(HS_VARIANTS_CROPS | HS_VARIANTS_ROTATIONS, 31),
                   "rotate_-8_valid");
  ck_assert_ptr_null(hs_variant_name(HS_VARIANTS_ROTATIONS, 24));
}
END_TEST

/* crop_centre_10 of 400x300: 40 and 30 removed, 20 and 15 from each side;
 * crop_left_10: 40 columns off the left. */
START_TEST(crops_are_the_cropped_pixels) {
  hs_workspace *ws = hs_workspace_create();
  hs_luma l = photo(400, 300, 5);
  hs_pdq v[8];
  ck_assert_int_eq(hs_pdq_variants(&l, HS_VARIANTS_CROPS, ws, v), HS_OK);
  struct {
    size_t i;
    int x, y, w, h;
  } want[] = {{1, 20, 15, 360, 270}, {4, 40, 0, 360, 300}, {5, 0, 0, 360, 300},
              {6, 0, 30, 400, 270}, {7, 0, 0, 400, 270}};
  for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
    hs_luma c = copy_region(&l, want[k].x, want[k].y, want[k].w, want[k].h);
    hs_pdq p;
    ck_assert_int_eq(hs_pdq_from_luma(&c, ws, &p), HS_OK);
    ck_assert_msg(memcmp(&p.hash, &v[want[k].i].hash, sizeof p.hash) == 0, "variant %s",
                  hs_variant_name(HS_VARIANTS_CROPS, want[k].i));
    free(c.data);
  }
  /* Every variant differs from the image's own hash. */
  hs_pdq own;
  hs_pdq_from_luma(&l, ws, &own);
  for (int i = 0; i < 8; i++)
    ck_assert_int_gt(hs_hash256_distance(&own.hash[0], &v[i].hash[0]), 0);
  free(l.data);
  hs_workspace_destroy(ws);
}
END_TEST

/* rotate_+N of a plane is the mirror image of rotate_-N of its mirror (in
 * every framing): the mirror's hash equals the flipy dihedral (up to
 * resampling). */
START_TEST(rotations_mirror_consistent) {
  hs_workspace *ws = hs_workspace_create();
  hs_luma l = photo(320, 240, 9), m = photo(320, 240, 9);
  for (int y = 0; y < 240; y++)
    for (int x = 0; x < 320; x++)
      m.data[(size_t)y * 320 + x] = l.data[(size_t)y * 320 + (319 - x)];
  hs_pdq a[24], b[24], own;
  ck_assert_int_eq(hs_pdq_variants(&l, HS_VARIANTS_ROTATIONS, ws, a), HS_OK);
  ck_assert_int_eq(hs_pdq_variants(&m, HS_VARIANTS_ROTATIONS, ws, b), HS_OK);
  hs_pdq_from_luma(&l, ws, &own);
  /* +N <-> -N: neighbours in the table */
  for (int i = 0; i < 24; i++) {
    int d = hs_hash256_distance(&a[i].hash[HS_DIH_FLIPY], &b[i ^ 1].hash[HS_DIH_ORIG]);
    ck_assert_msg(d <= 8, "%s: %d bits from its mirror", hs_variant_name(2, (size_t)i), d);
    ck_assert_int_gt(hs_hash256_distance(&a[i].hash[0], &own.hash[0]), 8);
  }
  /* The framings, seen through a flat plane: a grown or _fill rotation of
   * it has black corners (edges, so quality above 0); _valid has no corner
   * and is all the flat value (quality 0). */
  hs_luma flat = {64, 48, 64, malloc(sizeof(float) * 64 * 48)};
  for (int i = 0; i < 64 * 48; i++)
    flat.data[i] = 200;
  hs_pdq f[24];
  ck_assert_int_eq(hs_pdq_variants(&flat, HS_VARIANTS_ROTATIONS, ws, f), HS_OK);
  for (int i = 0; i < 24; i++) {
    if (i >= 16)
      ck_assert_msg(f[i].quality == 0, "%s: quality %d", hs_variant_name(2, (size_t)i),
                    f[i].quality);
    else
      ck_assert_msg(f[i].quality > 0, "%s: quality %d", hs_variant_name(2, (size_t)i),
                    f[i].quality);
  }
  /* +2 and -2 are different images; so are the framings of one angle. */
  ck_assert_int_gt(hs_hash256_distance(&a[0].hash[0], &a[1].hash[0]), 8);
  ck_assert_int_gt(hs_hash256_distance(&a[2].hash[0], &a[10].hash[0]), 8);
  ck_assert_int_gt(hs_hash256_distance(&a[10].hash[0], &a[18].hash[0]), 8);
  free(flat.data);
  free(l.data);
  free(m.data);
  hs_workspace_destroy(ws);
}
END_TEST

START_TEST(refusals) {
  hs_workspace *ws = hs_workspace_create();
  hs_luma tiny = photo(4, 4, 1);
  hs_pdq v[32];
  ck_assert_int_eq(hs_pdq_variants(&tiny, HS_VARIANTS_CROPS, ws, v), HS_ERR_TOO_SMALL);
  ck_assert_int_eq(hs_pdq_variants(NULL, HS_VARIANTS_CROPS, ws, v), HS_ERR_INVALID_ARG);
  /* The smallest allowed image gives every variant without a crash. */
  hs_luma five = photo(5, 5, 2);
  ck_assert_int_eq(hs_pdq_variants(&five, HS_VARIANTS_CROPS | HS_VARIANTS_ROTATIONS, ws, v),
                   HS_OK);
  free(tiny.data);
  free(five.data);
  hs_workspace_destroy(ws);
}
END_TEST

int main(void) {
  Suite *s = suite_create("variants");
  TCase *tc = tcase_create("variants");
  tcase_add_test(tc, names_and_parsing);
  tcase_add_test(tc, crops_are_the_cropped_pixels);
  tcase_add_test(tc, rotations_mirror_consistent);
  tcase_add_test(tc, refusals);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
