// labels: unit
/* tests/test_normalise.c - decoded rows to luma: the SIMD row paths equal
 * the scalar formula on every width (tails included), the grey-image rule
 * (R == G == B everywhere -> luma = grey value, else the formula on every
 * pixel, including rows converted before the first colour pixel), 16-bit
 * reduction, and the stock 512 stretch. */
#include <stdlib.h>
#include <string.h>

#include "image/normalise.h"
#include "test_util.h"

static void convert(int w, int h, int bands, int is16, const void *pixels, float *out) {
  hs_luma l = {w, h, (size_t)w, out};
  normaliser n;
  normalise_begin(&n, &l, bands, is16);
  size_t row_bytes = (size_t)w * bands * (is16 ? 2 : 1);
  for (int y = 0; y < h; y++)
    normalise_row(&n, (const uint8_t *)pixels + row_bytes * y, y);
}

START_TEST(rgb_rows_match_formula) {
  int bands = 3 + (_i & 1), w = 1 + _i / 2;
  uint64_t seed = 42 + (uint64_t)_i;
  uint8_t *px = malloc((size_t)w * 3 * bands);
  for (int i = 0; i < w * 3 * bands; i++)
    px[i] = (uint8_t)tu_rand(&seed);
  float *out = malloc(sizeof(float) * (size_t)w * 3);
  convert(w, 3, bands, 0, px, out);
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < w; x++) {
      const uint8_t *p = px + ((size_t)y * w + x) * bands;
      float want = normalise_luma_rgb(p[0], p[1], p[2]);
      ck_assert_msg(memcmp(&out[y * w + x], &want, sizeof want) == 0,
                    "bands %d width %d pixel (%d,%d): %.9g != %.9g", bands, w, x, y,
                    out[y * w + x], want);
    }
  free(px);
  free(out);
}
END_TEST

START_TEST(grey_rule) {
  /* 4 grey rows, then one colour pixel in row 4 at x = 5. */
  const int w = 19, h = 6;
  for (int bands = 3; bands <= 4; bands++) {
    uint8_t *px = malloc((size_t)w * h * bands);
    for (int i = 0; i < w * h; i++)
      for (int c = 0; c < bands; c++)
        px[i * bands + c] = (uint8_t)(c == 3 ? 0 : (i * 37) & 255);
    float *out = malloc(sizeof(float) * w * h);
    convert(w, h, bands, 0, px, out);
    for (int i = 0; i < w * h; i++) /* all grey: luma is the grey value */
      ck_assert_float_eq(out[i], (float)((i * 37) & 255));
    px[(4 * w + 5) * bands + 1] ^= 1;
    convert(w, h, bands, 0, px, out);
    for (int i = 0; i < w * h; i++) {
      const uint8_t *p = px + (size_t)i * bands;
      float want = normalise_luma_rgb(p[0], p[1], p[2]);
      ck_assert_msg(memcmp(&out[i], &want, sizeof want) == 0, "pixel %d", i);
    }
    free(px);
    free(out);
  }
}
END_TEST

START_TEST(sixteen_bit_keeps_high_byte) {
  uint16_t px[6] = {0x12ff, 0x3400, 0xffff, 0x0001, 0x8080, 0x7fff};
  float out[2];
  convert(2, 1, 3, 1, px, out);
  ck_assert_float_eq(out[0], normalise_luma_rgb(0x12, 0x34, 0xff));
  ck_assert_float_eq(out[1], normalise_luma_rgb(0x00, 0x80, 0x7f));
  uint16_t grey[3] = {0xabcd, 0x0100, 0x00ff};
  float g[3];
  convert(3, 1, 1, 1, grey, g);
  ck_assert_float_eq(g[0], 0xab);
  ck_assert_float_eq(g[1], 1);
  ck_assert_float_eq(g[2], 0);
}
END_TEST

START_TEST(stretch512_nearest) {
  const int w = 1000, h = 700;
  float *in = malloc(sizeof(float) * w * h), *out = malloc(sizeof(float) * 512 * 512);
  for (int i = 0; i < w * h; i++)
    in[i] = (float)i;
  hs_luma src = {w, h, (size_t)w, in}, dst = {0, 0, 0, out};
  normalise_stretch512(&src, &dst);
  ck_assert_int_eq(dst.width, 512);
  for (int y = 0; y < 512; y += 37)
    for (int x = 0; x < 512; x += 41)
      ck_assert_float_eq(out[y * 512 + x], (float)((y * h / 512) * w + x * w / 512));
  free(in);
  free(out);
}
END_TEST

int main(void) {
  Suite *s = suite_create("normalise");
  TCase *tc = tcase_create("normalise");
  tcase_add_loop_test(tc, rgb_rows_match_formula, 0, 80);
  tcase_add_test(tc, grey_rule);
  tcase_add_test(tc, sixteen_bit_keeps_high_byte);
  tcase_add_test(tc, stretch512_nearest);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
