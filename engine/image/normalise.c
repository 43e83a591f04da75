/* image/normalise.c - decoded rows -> float32 luma; the 512 stretch. */
#include "image/normalise.h"

#include <stddef.h>

void normalise_begin(normaliser *n, hs_luma *luma, int bands, int is_16bit) {
  n->luma = luma;
  n->bands = bands;
  n->is_16bit = is_16bit;
  n->all_grey = 1;
  n->rows_done = 0;
}

/* 16-bit samples keep their high byte (v >> 8). The reference keeps the low
 * byte (a cast bug), which makes its hashes of 16-bit files meaningless. */
static inline unsigned sample(const void *row, int is_16bit, size_t i) {
  return is_16bit ? (unsigned)(((const uint16_t *)row)[i] >> 8) : ((const uint8_t *)row)[i];
}

/* Rewrites rows [0, rows) and the first `cols` pixels of row `rows` from
 * grey values to the RGB formula, at the first colour pixel. */
static void regrey_to_formula(normaliser *n, int rows, int cols) {
  hs_luma *l = n->luma;
  for (int y = 0; y <= rows; y++) {
    float *out = l->data + (size_t)y * l->stride;
    int end = y < rows ? l->width : cols;
    for (int x = 0; x < end; x++) {
      unsigned v = (unsigned)out[x];
      out[x] = normalise_luma_rgb(v, v, v);
    }
  }
}

void normalise_row(normaliser *n, const void *row, int y) {
  hs_luma *l = n->luma;
  float *out = l->data + (size_t)y * l->stride;
  const int w = l->width, bands = n->bands;
  if (bands < 3) {
    for (int x = 0; x < w; x++)
      out[x] = (float)sample(row, n->is_16bit, (size_t)x * bands);
  } else {
    int x = 0;
    if (n->all_grey) {
      for (; x < w; x++) {
        size_t i = (size_t)x * bands;
        unsigned r = sample(row, n->is_16bit, i), g = sample(row, n->is_16bit, i + 1),
                 b = sample(row, n->is_16bit, i + 2);
        if (r != g || g != b) {
          n->all_grey = 0;
          regrey_to_formula(n, y, x);
          break;
        }
        out[x] = (float)r;
      }
    }
    if (!n->all_grey) {
      for (; x < w; x++) {
        size_t i = (size_t)x * bands;
        out[x] = normalise_luma_rgb(sample(row, n->is_16bit, i), sample(row, n->is_16bit, i + 1),
                                    sample(row, n->is_16bit, i + 2));
      }
    }
  }
  n->rows_done = y + 1;
}

void normalise_stretch512(const hs_luma *in, hs_luma *out) {
  out->width = out->height = 512;
  out->stride = 512;
  for (int y = 0; y < 512; y++) {
    const float *src = in->data + (size_t)(((long)y * in->height) >> 9) * in->stride;
    float *dst = out->data + (size_t)y * 512;
    for (int x = 0; x < 512; x++)
      dst[x] = src[((long)x * in->width) >> 9];
  }
}
