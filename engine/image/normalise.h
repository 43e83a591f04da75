/* image/normalise.h - internal: decoded 8/16-bit rows -> float32 luma, and
 * the stock reference's 512x512 stretch. No libvips here: decode.c hands
 * over plain rows. */
#ifndef HS_IMAGE_NORMALISE_H
#define HS_IMAGE_NORMALISE_H

#include <stdint.h>

#include "hashsweep/hash.h"

/* Luma of one 8-bit RGB pixel exactly as the reference computes it:
 * (0.299*R + 0.587*G) + 0.114*B, each step rounded to float32 (the build
 * forbids FMA contraction). */
static inline float normalise_luma_rgb(unsigned r, unsigned g, unsigned b) {
  float y = 0.299f * (float)r;
  y = y + 0.587f * (float)g;
  y = y + 0.114f * (float)b;
  return y;
}

/* Streaming conversion of an image, row by row, into a luma plane.
 *
 * The reference decodes through ImageMagick, which writes a grey PNM (and
 * the hasher then uses the grey value itself as luma) whenever every pixel
 * of an RGB image has R == G == B. The formula above differs from the grey
 * value by 1 ulp on some pixels, so to stay bit-exact the converter keeps
 * Y = R while every pixel seen so far is grey, and rewrites the rows done
 * so far with the formula at the first colour pixel. */
typedef struct normaliser {
  hs_luma *luma;
  int bands;    /* bands in the input rows (alpha included; never used) */
  int is_16bit; /* samples are uint16 (reduced with v >> 8) */
  int all_grey; /* every RGB pixel so far had R == G == B */
  int rows_done;
} normaliser;

void normalise_begin(normaliser *n, hs_luma *luma, int bands, int is_16bit);
/* Converts input row y (bands interleaved samples per pixel). */
void normalise_row(normaliser *n, const void *row, int y);

/* The stock CLI's pre-resize: nearest-neighbour stretch to exactly
 * 512x512, source column floor(x * W / 512), row floor(y * H / 512). */
void normalise_stretch512(const hs_luma *in, hs_luma *out);

#endif
