// labels: unit
/* tests/test_border.c - added-border detection (unletterbox) on generated
 * planes: the content region of letterboxes, pads, frames and screenshot
 * bars is found to the pixel; photos, flat images, tiny images, thin lines,
 * noisy bands and dark skies give no region; nothing returned is below the
 * 32x32 minimum or outside the plane; and the content PDQ equals the PDQ
 * of the content alone, bit for bit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/border.h"
#include "test_util.h"

/* A w x h plane; the caller frees p->data. */
static hs_luma plane_new(int w, int h) {
  hs_luma l = {w, h, (size_t)w, malloc(sizeof(float) * (size_t)w * (size_t)h)};
  ck_assert_ptr_nonnull(l.data);
  return l;
}

static void fill(hs_luma *l, int x0, int y0, int w, int h, float v) {
  for (int y = y0; y < y0 + h; y++)
    for (int x = x0; x < x0 + w; x++)
      l->data[(size_t)y * l->stride + x] = v;
}

/* Photo-like content: smooth waves plus texture, no flat line anywhere. */
static void content(hs_luma *l, int x0, int y0, int w, int h, uint64_t seed) {
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float v = 128 + 60 * sinf(x * 0.07f + (float)seed) * cosf(y * 0.05f) +
                40 * (tu_randf(&seed) - 0.5f);
      l->data[(size_t)(y0 + y) * l->stride + x0 + x] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
}

static void noise(hs_luma *l, int x0, int y0, int w, int h, float base, float amp,
                  uint64_t seed) {
  for (int y = y0; y < y0 + h; y++)
    for (int x = x0; x < x0 + w; x++)
      l->data[(size_t)y * l->stride + x] = base + amp * (tu_randf(&seed) - 0.5f);
}

static void expect_box(const hs_luma *l, int x, int y, int w, int h) {
  hs_content_box b;
  ck_assert_int_eq(border_detect(l, &b), 1);
  ck_assert_msg(b.x == x && b.y == y && b.width == w && b.height == h,
                "box %d,%d %dx%d, want %d,%d %dx%d", b.x, b.y, b.width, b.height, x, y, w, h);
}

static void expect_none(const hs_luma *l) {
  hs_content_box b = {-1, -1, -1, -1};
  ck_assert_int_eq(border_detect(l, &b), 0);
  ck_assert_int_eq(b.x, 0);
  ck_assert_int_eq(b.y, 0);
  ck_assert_int_eq(b.width, l->width);
  ck_assert_int_eq(b.height, l->height);
}

START_TEST(photo_has_no_border) {
  hs_luma l = plane_new(320, 240);
  content(&l, 0, 0, 320, 240, 1);
  expect_none(&l);
  free(l.data);
}
END_TEST

START_TEST(letterbox_black_bars) {
  hs_luma l = plane_new(300, 400);
  fill(&l, 0, 0, 300, 400, 0);
  content(&l, 0, 60, 300, 250, 2); /* 60 above, 90 below */
  expect_box(&l, 0, 60, 300, 250);
  free(l.data);
}
END_TEST

START_TEST(pad_square_white_sides) {
  hs_luma l = plane_new(400, 400);
  fill(&l, 0, 0, 400, 400, 255);
  content(&l, 70, 0, 260, 400, 3);
  expect_box(&l, 70, 0, 260, 400);
  free(l.data);
}
END_TEST

/* A red frame (luma 76) around content, on all four sides. */
START_TEST(coloured_frame) {
  hs_luma l = plane_new(360, 280);
  fill(&l, 0, 0, 360, 280, 76.2f);
  content(&l, 24, 24, 312, 232, 4);
  expect_box(&l, 24, 24, 312, 232);
  free(l.data);
}
END_TEST

/* Bars of different colours and heights above and below, and side bands
 * of a third colour between them (a photo shown in an app). */
START_TEST(screenshot_bars_and_side_bands) {
  hs_luma l = plane_new(300, 500);
  fill(&l, 0, 0, 300, 30, 24);      /* status bar */
  fill(&l, 0, 440, 300, 60, 242);   /* navigation bar */
  fill(&l, 0, 30, 300, 410, 128);   /* grey around the photo */
  content(&l, 20, 30, 260, 410, 5); /* grey bands left and right only */
  expect_box(&l, 20, 30, 260, 410);
  free(l.data);
}
END_TEST

/* A bar whose colour drifts by 0.5 levels a row, plus JPEG-like +-0.4
 * noise: still one band. */
START_TEST(gradient_bar) {
  hs_luma l = plane_new(256, 256);
  uint64_t seed = 9;
  for (int y = 0; y < 40; y++)
    for (int x = 0; x < 256; x++)
      l.data[y * 256 + x] = 200 - 0.5f * y + 0.8f * (tu_randf(&seed) - 0.5f);
  content(&l, 0, 40, 256, 216, 6);
  expect_box(&l, 0, 40, 256, 216);
  free(l.data);
}
END_TEST

START_TEST(flat_and_tiny_images) {
  hs_luma flat = plane_new(200, 150);
  fill(&flat, 0, 0, 200, 150, 37);
  expect_none(&flat);
  free(flat.data);
  int sizes[][2] = {{1, 1}, {4, 4}, {5, 5}, {31, 200}, {200, 31}, {32, 32}};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    hs_luma l = plane_new(sizes[i][0], sizes[i][1]);
    fill(&l, 0, 0, l.width, l.height, 0);
    content(&l, 0, l.height / 2, l.width, l.height - l.height / 2, 7);
    expect_none(&l);
    free(l.data);
  }
  hs_luma none = {64, 64, 64, NULL};
  expect_none(&none);
}
END_TEST

/* Borders on every side up to nearly the whole frame: a region below the
 * 32x32 minimum is no region; one just above it is found. */
START_TEST(borders_nearly_the_whole_frame) {
  hs_luma l = plane_new(400, 400);
  fill(&l, 0, 0, 400, 400, 0);
  content(&l, 190, 190, 20, 20, 8);
  expect_none(&l);
  fill(&l, 0, 0, 400, 400, 0);
  content(&l, 180, 300, 31, 90, 8);
  expect_none(&l);
  fill(&l, 0, 0, 400, 400, 0);
  content(&l, 180, 300, BORDER_MIN_CONTENT, 90, 8);
  expect_box(&l, 180, 300, BORDER_MIN_CONTENT, 90);
  free(l.data);
}
END_TEST

/* What is not an added band: a 1-pixel frame line, a band of noise, a dark
 * sky with sensor noise (+-2 levels), a flat top of 1% of the height. */
START_TEST(not_borders) {
  hs_luma l = plane_new(400, 300);
  content(&l, 0, 0, 400, 300, 10);
  fill(&l, 0, 0, 400, 1, 0);
  fill(&l, 0, 299, 400, 1, 0);
  fill(&l, 0, 0, 1, 300, 0);
  fill(&l, 399, 0, 1, 300, 0);
  expect_none(&l);

  content(&l, 0, 0, 400, 300, 11);
  noise(&l, 0, 0, 400, 60, 20, 40, 12); /* noisy band: +-20 levels */
  expect_none(&l);

  content(&l, 0, 0, 400, 300, 13);
  noise(&l, 0, 0, 400, 120, 12, 4, 14); /* dark sky */
  expect_none(&l);

  content(&l, 0, 0, 400, 300, 15);
  fill(&l, 0, 0, 400, 3, 0); /* 3 rows of 300: under 1.5% */
  expect_none(&l);
  free(l.data);
}
END_TEST

/* The region is a view of the plane: its PDQ is the content's own. */
START_TEST(content_pdq_equals_content_alone) {
  hs_workspace *ws = hs_workspace_create();
  hs_luma alone = plane_new(200, 150), boxed = plane_new(200, 230);
  content(&alone, 0, 0, 200, 150, 16);
  fill(&boxed, 0, 0, 200, 230, 255);
  for (int y = 0; y < 150; y++)
    memcpy(boxed.data + (size_t)(y + 50) * 200, alone.data + (size_t)y * 200, sizeof(float) * 200);
  hs_pdq want, got, plain;
  memset(&got, 0, sizeof got);
  ck_assert_int_eq(hs_pdq_from_luma(&alone, ws, &want), HS_OK);
  hs_content_box box;
  int found = 0;
  ck_assert_int_eq(hs_pdq_unletterbox(&boxed, ws, &box, &got, &found), HS_OK);
  ck_assert_int_eq(found, 1);
  ck_assert_int_eq(box.y, 50);
  ck_assert_int_eq(box.height, 150);
  ck_assert_int_eq(got.quality, want.quality);
  ck_assert_mem_eq(got.hash, want.hash, sizeof want.hash);
  /* The boxed plane's own hash is far from it: the reason to strip. */
  ck_assert_int_eq(hs_pdq_from_luma(&boxed, ws, &plain), HS_OK);
  ck_assert_int_gt(hs_hash256_distance(&plain.hash[0], &want.hash[0]), 31);
  /* No border: nothing hashed, *out untouched. */
  hs_pdq untouched;
  memset(&untouched, 0xab, sizeof untouched);
  ck_assert_int_eq(hs_pdq_unletterbox(&alone, ws, &box, &untouched, &found), HS_OK);
  ck_assert_int_eq(found, 0);
  ck_assert_int_eq(untouched.quality, (int)0xabababab);
  ck_assert_int_eq(hs_pdq_unletterbox(NULL, ws, &box, &got, &found), HS_ERR_INVALID_ARG);
  free(alone.data);
  free(boxed.data);
  hs_workspace_destroy(ws);
}
END_TEST

int main(void) {
  Suite *s = suite_create("border");
  TCase *tc = tcase_create("border");
  tcase_add_test(tc, photo_has_no_border);
  tcase_add_test(tc, letterbox_black_bars);
  tcase_add_test(tc, pad_square_white_sides);
  tcase_add_test(tc, coloured_frame);
  tcase_add_test(tc, screenshot_bars_and_side_bands);
  tcase_add_test(tc, gradient_bar);
  tcase_add_test(tc, flat_and_tiny_images);
  tcase_add_test(tc, borders_nearly_the_whole_frame);
  tcase_add_test(tc, not_borders);
  tcase_add_test(tc, content_pdq_equals_content_alone);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
