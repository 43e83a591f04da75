/* image/normalise.c - decoded rows -> float32 luma; the 512 stretch. */
#include "image/normalise.h"

#include <stddef.h>

#include "core/simd.h"

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

/* 8-bit fast paths, one per band count so the compiler sees fixed strides
 * and vectorises them. */
#define DEFINE_RGB8(B)                                                                   \
  static int row_is_grey8_##B(const uint8_t *restrict p, int w) {                          \
    int grey = 1;                                                                        \
    for (int x = 0; x < w; x++)                                                          \
      grey &= (p[x * B] == p[x * B + 1]) & (p[x * B + 1] == p[x * B + 2]);                \
    return grey;                                                                         \
  }                                                                                      \
  static void row_luma8_##B(const uint8_t *restrict p, int w, float *restrict out) {      \
    for (int x = 0; x < w; x++)                                                          \
      out[x] = normalise_luma_rgb(p[x * B], p[x * B + 1], p[x * B + 2]);                   \
  }                                                                                      \
  static void row_grey8_##B(const uint8_t *restrict p, int w, float *restrict out) {      \
    for (int x = 0; x < w; x++)                                                          \
      out[x] = (float)p[x * B];                                                          \
  }
DEFINE_RGB8(3)
DEFINE_RGB8(4)

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/* AVX2 luma of 8 pixels at a time; the same float32 multiplies and adds in
 * the same order as normalise_luma_rgb, so the same bits. */
__attribute__((target("avx2"))) static inline __m256 luma8_avx2(__m128i r, __m128i g, __m128i b) {
  __m256 fr = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(r));
  __m256 fg = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(g));
  __m256 fb = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(b));
  __m256 y = _mm256_mul_ps(_mm256_set1_ps(0.299f), fr);
  y = _mm256_add_ps(y, _mm256_mul_ps(_mm256_set1_ps(0.587f), fg));
  y = _mm256_add_ps(y, _mm256_mul_ps(_mm256_set1_ps(0.114f), fb));
  return y;
}

__attribute__((target("avx2"))) static void row_luma8_3_avx2(const uint8_t *restrict p, int w,
                                                             float *restrict out) {
  /* Byte k of channel c sits at 3k + c: gather each channel's 8 bytes from
   * the 16 + 8 bytes of 8 pixels (-1 selects zero). */
  const __m128i rl = _mm_setr_epi8(0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m128i rh = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, 2, 5, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m128i gl = _mm_setr_epi8(1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m128i gh = _mm_setr_epi8(-1, -1, -1, -1, -1, 0, 3, 6, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m128i bl = _mm_setr_epi8(2, 5, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m128i bh = _mm_setr_epi8(-1, -1, -1, -1, -1, 1, 4, 7, -1, -1, -1, -1, -1, -1, -1, -1);
  int x = 0;
  for (; x + 8 <= w; x += 8) {
    const uint8_t *q = p + 3 * x;
    __m128i lo = _mm_loadu_si128((const __m128i *)q);
    __m128i hi = _mm_loadl_epi64((const __m128i *)(q + 16));
    __m128i r = _mm_or_si128(_mm_shuffle_epi8(lo, rl), _mm_shuffle_epi8(hi, rh));
    __m128i g = _mm_or_si128(_mm_shuffle_epi8(lo, gl), _mm_shuffle_epi8(hi, gh));
    __m128i b = _mm_or_si128(_mm_shuffle_epi8(lo, bl), _mm_shuffle_epi8(hi, bh));
    _mm256_storeu_ps(out + x, luma8_avx2(r, g, b));
  }
  for (; x < w; x++)
    out[x] = normalise_luma_rgb(p[3 * x], p[3 * x + 1], p[3 * x + 2]);
}

__attribute__((target("avx2"))) static void row_luma8_4_avx2(const uint8_t *restrict p, int w,
                                                             float *restrict out) {
  const __m128i rs = _mm_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m128i gs = _mm_setr_epi8(1, 5, 9, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m128i bs = _mm_setr_epi8(2, 6, 10, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  int x = 0;
  for (; x + 8 <= w; x += 8) {
    __m128i a = _mm_loadu_si128((const __m128i *)(p + 4 * x));
    __m128i c = _mm_loadu_si128((const __m128i *)(p + 4 * x + 16));
    __m128i r = _mm_unpacklo_epi32(_mm_shuffle_epi8(a, rs), _mm_shuffle_epi8(c, rs));
    __m128i g = _mm_unpacklo_epi32(_mm_shuffle_epi8(a, gs), _mm_shuffle_epi8(c, gs));
    __m128i b = _mm_unpacklo_epi32(_mm_shuffle_epi8(a, bs), _mm_shuffle_epi8(c, bs));
    _mm256_storeu_ps(out + x, luma8_avx2(r, g, b));
  }
  for (; x < w; x++)
    out[x] = normalise_luma_rgb(p[4 * x], p[4 * x + 1], p[4 * x + 2]);
}

static int have_avx2(void) { return simd_avx2_allowed(); }
#else
static int have_avx2(void) { return 0; }
#define row_luma8_3_avx2 row_luma8_3
#define row_luma8_4_avx2 row_luma8_4
#endif

static void row_generic(normaliser *n, const void *row, int y, float *out) {
  const int w = n->luma->width, bands = n->bands;
  if (bands < 3) {
    for (int x = 0; x < w; x++)
      out[x] = (float)sample(row, n->is_16bit, (size_t)x * bands);
    return;
  }
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

void normalise_row(normaliser *n, const void *row, int y) {
  hs_luma *l = n->luma;
  float *out = l->data + (size_t)y * l->stride;
  const int w = l->width;
  const uint8_t *p = row;
  if (!n->is_16bit && n->bands == 1) {
    for (int x = 0; x < w; x++)
      out[x] = (float)p[x];
  } else if (!n->is_16bit && (n->bands == 3 || n->bands == 4)) {
    int grey_row = 0;
    if (n->all_grey) {
      grey_row = n->bands == 3 ? row_is_grey8_3(p, w) : row_is_grey8_4(p, w);
      if (!grey_row) {
        n->all_grey = 0;
        regrey_to_formula(n, y, 0);
      }
    }
    if (grey_row)
      (n->bands == 3 ? row_grey8_3 : row_grey8_4)(p, w, out);
    else if (have_avx2())
      (n->bands == 3 ? row_luma8_3_avx2 : row_luma8_4_avx2)(p, w, out);
    else
      (n->bands == 3 ? row_luma8_3 : row_luma8_4)(p, w, out);
  } else {
    row_generic(n, row, y, out);
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
