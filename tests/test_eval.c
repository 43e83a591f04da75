// labels: unit
// timeout: 120
/* tests/test_eval.c - the audit's parts on known inputs: edit names parse
 * (chains, qualities, errors), edits move pixels where they should (rot90
 * of a known image, flips and rotations that undo each other, crop, pad,
 * brightness clipping, greyscale, alpha dropped), copies encode as the
 * format they claim and decode back, and the figures (recall, quantiles,
 * false matches) equal hand-counted values. */
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

#include "eval/edits.h"
#include "eval/eval_internal.h"
#include "test_util.h"

/* A w x h image with `bands` bands where pixel (x, y) band b holds
 * (x * 7 + y * 31 + b * 50) & 255: every pixel different in a small image. */
static VipsImage *known_image(int w, int h, int bands) {
  uint8_t *px = malloc((size_t)w * h * bands);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int b = 0; b < bands; b++)
        px[((size_t)y * w + x) * bands + b] = (uint8_t)((x * 7 + y * 31 + b * 50) & 255);
  VipsImage *img =
      vips_image_new_from_memory_copy(px, (size_t)w * h * bands, w, h, bands, VIPS_FORMAT_UCHAR);
  free(px);
  ck_assert_ptr_nonnull(img);
  img->Type = bands >= 3 ? VIPS_INTERPRETATION_sRGB : VIPS_INTERPRETATION_B_W;
  return img;
}

static int pixel(VipsImage *img, int x, int y, int b) {
  double *v = NULL;
  int n = 0;
  ck_assert_int_eq(vips_getpoint(img, &v, &n, x, y, NULL), 0);
  int out = (int)v[b];
  g_free(v);
  return out;
}

static VipsImage *apply(const char *name, VipsImage *in) {
  edit e;
  ck_assert_int_eq(edit_parse(name, &e), HS_OK);
  VipsImage *out = NULL;
  ck_assert_msg(edit_apply(&e, in, 1, &out) == 0, "%s: %s", name, vips_error_buffer());
  return out;
}

static void assert_same(VipsImage *a, VipsImage *b, const char *what) {
  ck_assert_int_eq(vips_image_get_width(a), vips_image_get_width(b));
  ck_assert_int_eq(vips_image_get_height(a), vips_image_get_height(b));
  double diff = -1;
  VipsImage *d = NULL;
  ck_assert_int_eq(vips_subtract(a, b, &d, NULL), 0);
  VipsImage *ad = NULL;
  ck_assert_int_eq(vips_abs(d, &ad, NULL), 0);
  ck_assert_int_eq(vips_max(ad, &diff, NULL), 0);
  ck_assert_msg(diff == 0, "%s: images differ by up to %g", what, diff);
  g_object_unref(d);
  g_object_unref(ad);
}

static void setup(void) { ck_assert_int_eq(hs_init(NULL), HS_OK); }

START_TEST(parse_names) {
  edit e;
  ck_assert_int_eq(edit_parse("rot90", &e), HS_OK);
  ck_assert_int_eq(e.nsteps, 1);
  ck_assert_int_eq(e.jpeg_quality, 95);
  ck_assert_int_eq(edit_parse("crop_centre_10+jpeg_q50", &e), HS_OK);
  ck_assert_int_eq(e.nsteps, 2);
  ck_assert_int_eq(e.jpeg_quality, 50);
  ck_assert_int_eq(edit_parse("identity", &e), HS_OK);
  ck_assert_int_eq(e.jpeg_quality, 0); /* lossless control */
  ck_assert_int_eq(edit_parse("rot45", &e), HS_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(hs_last_error(), "rot45"));
  ck_assert_int_eq(edit_parse("rot90+", &e), HS_ERR_INVALID_ARG);
  ck_assert_int_eq(edit_parse("rot90+flip_h+grey", &e), HS_ERR_INVALID_ARG);
  /* The default list: all parse, unique, single steps and chains. */
  size_t n = edit_default_count(), chains = 0;
  ck_assert_uint_ge(n, 38);
  for (size_t i = 0; i < n; i++) {
    ck_assert_int_eq(edit_parse(edit_default_name(i), &e), HS_OK);
    chains += e.nsteps == 2;
    for (size_t j = 0; j < i; j++)
      ck_assert_str_ne(edit_default_name(i), edit_default_name(j));
  }
  ck_assert_uint_ge(chains, 5);
  ck_assert_ptr_null(edit_default_name(n));
  char what[300];
  ck_assert_int_eq(hs_eval_edit_describe("pad_10+jpeg_q30", what, sizeof what), HS_OK);
  ck_assert_ptr_nonnull(strstr(what, "letterbox"));
  ck_assert_ptr_nonnull(strstr(what, "Q30"));
}
END_TEST

START_TEST(rot90_moves_pixels_counter_clockwise) {
  const int w = 5, h = 3;
  VipsImage *in = known_image(w, h, 1);
  VipsImage *out = apply("rot90", in);
  ck_assert_int_eq(vips_image_get_width(out), h);
  ck_assert_int_eq(vips_image_get_height(out), w);
  /* Counter-clockwise: the input's right column becomes the top row. */
  for (int y = 0; y < w; y++)
    for (int x = 0; x < h; x++)
      ck_assert_int_eq(pixel(out, x, y, 0), pixel(in, w - 1 - y, x, 0));
  g_object_unref(out);
  g_object_unref(in);
}
END_TEST

/* Pairs of edits that undo each other exactly. */
START_TEST(inverse_pairs_are_identity) {
  static const char *const pairs[] = {"flip_h+flip_h", "flip_v+flip_v", "rot90+rot270",
                                      "rot180+rot180", "rot270+rot90"};
  VipsImage *in = known_image(7, 4, 3);
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    VipsImage *out = apply(pairs[i], in);
    assert_same(in, out, pairs[i]);
    g_object_unref(out);
  }
  /* flip_h mirrors: pixel (x, y) goes to (w - 1 - x, y). */
  VipsImage *m = apply("flip_h", in);
  ck_assert_int_eq(pixel(m, 0, 1, 2), pixel(in, 6, 1, 2));
  g_object_unref(m);
  g_object_unref(in);
}
END_TEST

START_TEST(geometry_of_crops_pads_resizes) {
  VipsImage *in = known_image(100, 50, 3);
  VipsImage *c = apply("crop_centre_10", in); /* 10 x 5 cut, half per edge */
  ck_assert_int_eq(vips_image_get_width(c), 90);
  ck_assert_int_eq(vips_image_get_height(c), 45);
  ck_assert_int_eq(pixel(c, 0, 0, 0), pixel(in, 5, 2, 0));
  g_object_unref(c);
  VipsImage *s = apply("crop_side_20", in); /* right edge cut */
  ck_assert_int_eq(vips_image_get_width(s), 80);
  ck_assert_int_eq(vips_image_get_height(s), 50);
  ck_assert_int_eq(pixel(s, 79, 49, 1), pixel(in, 79, 49, 1));
  g_object_unref(s);
  VipsImage *p = apply("pad_10", in); /* bars of 5 rows above and below */
  ck_assert_int_eq(vips_image_get_width(p), 100);
  ck_assert_int_eq(vips_image_get_height(p), 60);
  ck_assert_int_eq(pixel(p, 30, 2, 0), 0);
  ck_assert_int_eq(pixel(p, 30, 57, 0), 0);
  ck_assert_int_eq(pixel(p, 30, 5 + 7, 1), pixel(in, 30, 7, 1));
  g_object_unref(p);
  VipsImage *r = apply("resize_0.25", in);
  ck_assert_int_eq(vips_image_get_width(r), 25);
  ck_assert_int_eq(vips_image_get_height(r), 13);
  g_object_unref(r);
  VipsImage *t = apply("rotate_4", in); /* canvas grows */
  ck_assert_int_gt(vips_image_get_width(t), 100);
  ck_assert_int_gt(vips_image_get_height(t), 50);
  g_object_unref(t);
  g_object_unref(in);
}
END_TEST

/* The added-border edits: sizes, band colours, content where it belongs. */
START_TEST(geometry_of_borders_and_rotation_framings) {
  VipsImage *in = known_image(100, 50, 3);
  VipsImage *sq = apply("pad_square_white", in); /* 25 rows above and below */
  ck_assert_int_eq(vips_image_get_width(sq), 100);
  ck_assert_int_eq(vips_image_get_height(sq), 100);
  ck_assert_int_eq(pixel(sq, 50, 10, 2), 255);
  ck_assert_int_eq(pixel(sq, 50, 90, 0), 255);
  ck_assert_int_eq(pixel(sq, 40, 25 + 9, 1), pixel(in, 40, 9, 1));
  g_object_unref(sq);
  VipsImage *lb = apply("letterbox_9x16", in); /* 100 x 178, black */
  ck_assert_int_eq(vips_image_get_width(lb), 100);
  ck_assert_int_eq(vips_image_get_height(lb), 178);
  ck_assert_int_eq(pixel(lb, 50, 5, 0), 0);
  ck_assert_int_eq(pixel(lb, 60, 64 + 20, 0), pixel(in, 60, 20, 0));
  g_object_unref(lb);
  VipsImage *fr = apply("frame_colour", in); /* 4 px (8% of 50) of red */
  ck_assert_int_eq(vips_image_get_width(fr), 108);
  ck_assert_int_eq(vips_image_get_height(fr), 58);
  ck_assert_int_eq(pixel(fr, 1, 30, 0), 176);
  ck_assert_int_eq(pixel(fr, 1, 30, 1), 32);
  ck_assert_int_eq(pixel(fr, 4 + 10, 4 + 10, 2), pixel(in, 10, 10, 2));
  g_object_unref(fr);
  VipsImage *bars = apply("bars_screenshot", in); /* 3 rows above, 6 below */
  ck_assert_int_eq(vips_image_get_height(bars), 59);
  ck_assert_int_eq(pixel(bars, 10, 1, 0), 24);
  ck_assert_int_eq(pixel(bars, 10, 57, 0), 242);
  ck_assert_int_eq(pixel(bars, 10, 3 + 4, 0), pixel(in, 10, 4, 0));
  g_object_unref(bars);
  VipsImage *top = apply("crop_top_10", in);
  ck_assert_int_eq(vips_image_get_height(top), 45);
  ck_assert_int_eq(pixel(top, 7, 0, 0), pixel(in, 7, 5, 0));
  g_object_unref(top);
  VipsImage *fill = apply("rotate_4_fill", in), *valid = apply("rotate_4_valid", in);
  ck_assert_int_eq(vips_image_get_width(fill), 100);
  ck_assert_int_eq(vips_image_get_height(fill), 50);
  ck_assert_int_lt(vips_image_get_width(valid), 100);
  ck_assert_int_lt(vips_image_get_height(valid), 50);
  ck_assert_int_gt(vips_image_get_width(valid), 80);
  g_object_unref(fill);
  g_object_unref(valid);
  g_object_unref(in);
}
END_TEST

START_TEST(tone_edits_clip_and_keep_format) {
  VipsImage *in = known_image(40, 20, 3);
  VipsImage *b = apply("bright_plus", in);
  ck_assert_int_eq(vips_image_get_format(b), VIPS_FORMAT_UCHAR);
  for (int x = 0; x < 40; x += 3) {
    int v = pixel(in, x, 5, 0);
    ck_assert_int_eq(pixel(b, x, 5, 0), v + 40 > 255 ? 255 : v + 40);
  }
  g_object_unref(b);
  VipsImage *d = apply("bright_minus", in);
  for (int x = 0; x < 40; x += 3) {
    int v = pixel(in, x, 5, 1);
    ck_assert_int_eq(pixel(d, x, 5, 1), v - 40 < 0 ? 0 : v - 40);
  }
  g_object_unref(d);
  static const char *const all[] = {"contrast", "gamma", "blur", "noise", "grey", "text"};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    VipsImage *o = apply(all[i], in);
    ck_assert_int_eq(vips_image_get_format(o), VIPS_FORMAT_UCHAR);
    ck_assert_int_eq(vips_image_get_width(o), 40);
    ck_assert_int_eq(vips_image_get_bands(o), strcmp(all[i], "grey") == 0 ? 1 : 3);
    g_object_unref(o);
  }
  /* Noise is reproducible from the seed. */
  edit e;
  edit_parse("noise", &e);
  VipsImage *n1 = NULL, *n2 = NULL;
  ck_assert_int_eq(edit_apply(&e, in, 9, &n1), 0);
  ck_assert_int_eq(edit_apply(&e, in, 9, &n2), 0);
  assert_same(n1, n2, "noise, same seed");
  g_object_unref(n1);
  g_object_unref(n2);
  g_object_unref(in);
}
END_TEST

START_TEST(prepare_drops_alpha_and_widens_nothing) {
  VipsImage *rgba = known_image(9, 6, 4);
  VipsImage *p = edit_prepare(rgba);
  ck_assert_ptr_nonnull(p);
  ck_assert_int_eq(vips_image_get_bands(p), 3);
  ck_assert_int_eq(pixel(p, 4, 3, 2), pixel(rgba, 4, 3, 2));
  g_object_unref(p);
  g_object_unref(rgba);
  VipsImage *ga = known_image(9, 6, 2);
  p = edit_prepare(ga);
  ck_assert_int_eq(vips_image_get_bands(p), 1);
  ck_assert_int_eq(pixel(p, 8, 5, 0), pixel(ga, 8, 5, 0));
  g_object_unref(p);
  g_object_unref(ga);
}
END_TEST

START_TEST(copies_encode_and_decode) {
  VipsImage *in = known_image(64, 48, 3);
  edit e;
  void *data = NULL;
  size_t size = 0;
  edit_parse("identity", &e);
  ck_assert_int_eq(edit_encode(&e, in, &data, &size), 0);
  ck_assert_mem_eq(data, "\x89PNG", 4);
  VipsImage *back = vips_image_new_from_buffer(data, size, "", NULL);
  assert_same(in, back, "identity PNG round trip");
  g_object_unref(back);
  g_free(data);
  edit_parse("jpeg_q30", &e);
  ck_assert_int_eq(edit_encode(&e, in, &data, &size), 0);
  ck_assert_mem_eq(data, "\xff\xd8", 2);
  /* The copy decodes through the engine's own path. */
  hs_decode_options o;
  hs_decode_options_default(&o);
  hs_workspace *ws = hs_workspace_create();
  hs_luma luma;
  hs_image_info info;
  memset(&info, 0, sizeof info);
  ck_assert_int_eq(hs_decode_buffer(data, size, "copy", &o, ws, &luma, &info), HS_OK);
  ck_assert_int_eq(luma.width, 64);
  ck_assert_str_eq(info.format, "jpeg");
  hs_workspace_destroy(ws);
  g_free(data);
  g_object_unref(in);
}
END_TEST

/* ---- figures ---------------------------------------------------------------- */

static hs_pdq pdq_with(uint64_t w0, int quality) {
  hs_pdq p;
  memset(&p, 0, sizeof p);
  for (int v = 0; v < HS_DIH_COUNT; v++)
    p.hash[v].w[0] = w0 ^ (0xffULL << (8 * v)); /* variants 8 bits apart per byte */
  p.hash[0].w[0] = w0;
  p.quality = quality;
  return p;
}

START_TEST(distances_plain_and_dihedral) {
  hs_pdq orig = pdq_with(0, 100), copy = pdq_with(0, 100);
  copy.hash[0].w[1] = ~0ULL;                /* stored hash 64 bits away */
  copy.hash[3] = orig.hash[0];              /* a variant matches exactly */
  copy.hash[3].w[2] = 0x7;                  /* ... but for 3 bits */
  int16_t d[EVAL_NKINDS];
  eval_image listed = {.pdq = orig, .status = HS_OK};
  eval_distances(&listed, &copy, NULL, d);
  ck_assert_int_eq(d[EVAL_PLAIN], 64);
  ck_assert_int_eq(d[EVAL_DIHEDRAL], 3);
  ck_assert_int_eq(d[EVAL_STRIP], 3); /* no content region: the dihedral */
  /* A content region whose flipped hash is 1 bit from the original. */
  hs_pdq content = pdq_with(0xff, 100);
  content.hash[HS_DIH_FLIPY] = orig.hash[0];
  content.hash[HS_DIH_FLIPY].w[3] = 0x100;
  eval_distances(&listed, &copy, &content, d);
  ck_assert_int_eq(d[EVAL_DIHEDRAL], 3);
  ck_assert_int_eq(d[EVAL_STRIP], 1);
  ck_assert_int_eq(d[EVAL_VARIANTS], 1); /* no variants: the strip's */
  /* A listed variant 0 bits from the copy's stored hash. */
  hs_pdq variant = pdq_with(0x1234, 100);
  variant.hash[0] = copy.hash[0];
  listed.variants = &variant;
  listed.nvariants = 1;
  eval_distances(&listed, &copy, NULL, d);
  ck_assert_int_eq(d[EVAL_STRIP], 3);
  ck_assert_int_eq(d[EVAL_VARIANTS], 0);
}
END_TEST

/* 4 originals, 1 edit, distances 0, 20, 40 (low quality) and 50; 1 distractor. */
START_TEST(recall_quantiles_false_matches) {
  eval_image img[5];
  memset(img, 0, sizeof img);
  uint64_t words[5] = {0, 0xffffffffULL, 0xffffffff00000000ULL, 0xffffULL << 16, 0x0f0f};
  for (int i = 0; i < 5; i++) {
    img[i].pdq = pdq_with(words[i], i == 4 ? 10 : 100);
    img[i].status = HS_OK;
  }
  eval_copy copies[4] = {{HS_OK, {0, 0, 0, 0}, 100, 0}, {HS_OK, {20, 20, 20, 20}, 100, 0},
                         {HS_OK, {40, 30, 30, 30}, 30, 0}, {HS_OK, {50, 45, 12, 12}, 100, 1}};
  edit e;
  edit_parse("jpeg_q70", &e);
  hs_eval_options opt;
  hs_eval_options_default(&opt);
  eval_data d = {.opt = &opt, .edits = &e, .nedits = 1, .orig = img, .norig = 4,
                 .distr = img + 4, .ndistr = 1, .copies = copies};
  edit_stats s;
  eval_edit_stats(&d, 0, 50, &s);
  ck_assert_uint_eq(s.made, 4);
  ck_assert_uint_eq(s.low_quality, 1);
  /* plain: found at 15 {0}, 31 {0,20}, 47 {0,20} (40 is gated), 63 {0,20,50} */
  ck_assert_uint_eq(s.found[EVAL_PLAIN][0], 1);
  ck_assert_uint_eq(s.found[EVAL_PLAIN][1], 2);
  ck_assert_uint_eq(s.found[EVAL_PLAIN][2], 2);
  ck_assert_uint_eq(s.found[EVAL_PLAIN][3], 3);
  ck_assert_double_eq(s.recall[EVAL_PLAIN][3], 0.75);
  ck_assert_uint_eq(s.found[EVAL_DIHEDRAL][2], 3); /* 45 <= 47 */
  ck_assert_int_eq(s.dmin[EVAL_PLAIN], 0);
  ck_assert_int_eq(s.dmed[EVAL_PLAIN], 20); /* rank floor(0.5 * 3) = 1 */
  ck_assert_int_eq(s.dmax[EVAL_PLAIN], 50);
  ck_assert_int_eq(s.dp90[EVAL_DIHEDRAL], 30);
  ck_assert_uint_eq(s.stripped, 1);
  ck_assert_uint_eq(s.found[EVAL_STRIP][0], 2); /* 0 and 12 */
  ck_assert_uint_eq(s.found[EVAL_DIHEDRAL][0], 1);
  pair_stats ps;
  eval_pair_stats(&d, 50, &ps);
  ck_assert_uint_eq(ps.images, 5);
  ck_assert_uint_eq(ps.pairs, 10);
  ck_assert_uint_eq(ps.copies, 4);
  /* Plain distances by hand: img0-img4 = popcount(0x0f0f) = 8 (img4 is low
   * quality but img0 passes the gate, so the pair counts). */
  ck_assert_uint_eq(ps.hist[EVAL_PLAIN][8], 1);
  ck_assert_uint_ge(ps.false_matches[EVAL_PLAIN][0], 1);
  size_t brute = 0;
  for (int i = 0; i < 5; i++)
    for (int j = i + 1; j < 5; j++)
      brute += hs_hash256_distance(&img[i].pdq.hash[0], &img[j].pdq.hash[0]) <= 31;
  ck_assert_uint_eq(ps.false_matches[EVAL_PLAIN][1], brute);
  ck_assert_double_eq(ps.rate[EVAL_PLAIN][1], (double)brute / 10);
  /* No content regions: the strip column equals the dihedral one. */
  ck_assert_uint_eq(ps.false_matches[EVAL_STRIP][1], ps.false_matches[EVAL_DIHEDRAL][1]);
  ck_assert_uint_eq(ps.stripped_orig + ps.stripped_distr, 0);
  /* img1 gets a content region equal to img2's hash: one more pair within
   * 15 with the strip (img1 passes the gate), none without. */
  size_t before = ps.false_matches[EVAL_STRIP][0];
  img[1].content = img[2].pdq;
  img[1].has_content = 1;
  eval_pair_stats(&d, 50, &ps);
  ck_assert_uint_eq(ps.stripped_orig, 1);
  ck_assert_uint_eq(ps.false_matches[EVAL_STRIP][0], before + 1);
  ck_assert_int_eq(ps.dmin[EVAL_STRIP], 0);
  /* Without content regions again, img2 listed with a variant equal to
   * img1's hash: the pair (1, 2) comes within 15 with variants only. */
  img[1].has_content = 0;
  eval_pair_stats(&d, 50, &ps);
  ck_assert_uint_eq(ps.false_matches[EVAL_STRIP][0], before);
  ck_assert_uint_eq(ps.false_matches[EVAL_VARIANTS][0], before);
  hs_pdq v2 = img[1].pdq;
  img[2].variants = &v2;
  img[2].nvariants = 1;
  eval_pair_stats(&d, 50, &ps);
  ck_assert_uint_eq(ps.false_matches[EVAL_STRIP][0], before);
  /* (1, 2) is now at distance 0; images near img1 come near too. */
  ck_assert_uint_eq(ps.hist[EVAL_VARIANTS][0], 1);
  ck_assert_uint_eq(ps.hist[EVAL_STRIP][0], 0);
  ck_assert_uint_ge(ps.false_matches[EVAL_VARIANTS][0], before + 1);
  ck_assert_int_eq(ps.dmin[EVAL_VARIANTS], 0);
}
END_TEST

/* vPDQ's rule between two clips (the video edits): the quality gate drops
 * frames on both sides, duplicate hashes count once, a query frame matches
 * through one of its dihedral hashes only when asked, and the compared share
 * counts the listed frames reached. */
static hs_pdq frame(uint64_t w0, int quality) {
  hs_pdq p;
  memset(&p, 0, sizeof p);
  for (int v = 0; v < HS_DIH_COUNT; v++)
    p.hash[v].w[0] = w0 ^ ((uint64_t)(v + 1) << 40); /* the 7 others: far apart */
  p.hash[HS_DIH_ORIG].w[0] = w0;
  p.hash[HS_DIH_ORIG].w[1] = p.hash[HS_DIH_ORIG].w[2] = p.hash[HS_DIH_ORIG].w[3] = 0;
  for (int v = 1; v < HS_DIH_COUNT; v++)
    p.hash[v].w[1] = p.hash[v].w[2] = p.hash[v].w[3] = ~0ULL; /* 192+ bits away */
  p.quality = quality;
  return p;
}

START_TEST(vpdq_rule_between_clips) {
  const uint64_t A = 0, B = 0xFFFFFFFFFFFFFFFFULL;
  hs_pdq listed[3] = {frame(A, 100), frame(A, 90), frame(B, 40)}; /* A twice; B gated */
  hs_pdq query[4] = {frame(A ^ 0x1F, 80),              /* 5 bits from A */
                     frame(0x00FF00FF00FF00FFULL, 90), /* 32 bits from A: no */
                     frame(B, 10),                     /* gated */
                     frame(0x0F0F0F0F0F0F0F0FULL, 70)};
  query[3].hash[5] = listed[0].hash[HS_DIH_ORIG]; /* its 6th dihedral hash is A */
  double q, c;
  eval_vpdq_shares(query, 4, listed, 3, 50, 31, 0, &q, &c);
  ck_assert_double_eq_tol(q, 100.0 / 3, 1e-9); /* 1 of 3 unique gated frames */
  ck_assert_double_eq(c, 100);                 /* A, the one listed frame, reached */
  eval_vpdq_shares(query, 4, listed, 3, 50, 31, 1, &q, &c);
  ck_assert_double_eq_tol(q, 200.0 / 3, 1e-9); /* and the dihedral one */
  eval_vpdq_shares(query, 4, listed, 3, 50, 4, 1, &q, &c);
  ck_assert_double_eq_tol(q, 100.0 / 3, 1e-9); /* radius 4: 5 bits is out */
  /* With B above the gate there are 2 unique listed frames, 1 reached. */
  listed[2].quality = 50;
  eval_vpdq_shares(query, 4, listed, 3, 50, 31, 1, &q, &c);
  ck_assert_double_eq(c, 50);
  /* A side with no frame above the gate: nothing matches. */
  eval_vpdq_shares(query, 4, listed, 3, 101, 31, 1, &q, &c);
  ck_assert_double_eq(q, 0);
  ck_assert_double_eq(c, 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("eval");
  TCase *tc = tcase_create("eval");
  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_add_test(tc, parse_names);
  tcase_add_test(tc, rot90_moves_pixels_counter_clockwise);
  tcase_add_test(tc, inverse_pairs_are_identity);
  tcase_add_test(tc, geometry_of_crops_pads_resizes);
  tcase_add_test(tc, geometry_of_borders_and_rotation_framings);
  tcase_add_test(tc, tone_edits_clip_and_keep_format);
  tcase_add_test(tc, prepare_drops_alpha_and_widens_nothing);
  tcase_add_test(tc, copies_encode_and_decode);
  tcase_add_test(tc, distances_plain_and_dihedral);
  tcase_add_test(tc, recall_quantiles_false_matches);
  tcase_add_test(tc, vpdq_rule_between_clips);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
