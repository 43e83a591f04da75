/* hash/pdq_blur.c - the tent blur ("Jarosz filter", spec section 4) and the
 * 64x64 decimation, fused into one streaming sweep.
 *
 * Exactness: every output of a box pass is a float32 running sum carried
 * along its line, so the bits depend on the order of the adds and subtracts
 * along that line and on nothing else. Both implementations below keep that
 * order per line exactly; they differ only in which lines are advanced
 * together and in what is kept in memory.
 *
 * Speed: the reference walks columns with a large stride and keeps whole
 * planes between passes (about 44 ms per megapixel). Here
 *  - vertical passes sweep rows and carry one running sum per column, so
 *    each step is a contiguous vector add/sub/div over a row;
 *  - horizontal passes advance STRIP rows in lock step: a strip is
 *    transposed into [column][row] order so each step is again a vector
 *    operation over STRIP independent running sums;
 *  - the passes are chained row by row through small ring buffers, so the
 *    only whole plane is the input luma;
 *  - the second horizontal pass writes only the 64 sampled columns and the
 *    second vertical pass runs only on those columns, because nothing else
 *    is ever read (its sums still run through every row, as they must). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/simd.h"
#include "core/workspace.h"
#include "hash/pdq_cpu.h"

/* ---- the literal reference ------------------------------------------------ */

void pdq_box_1d(const float *in, float *out, int n, ptrdiff_t stride, int w) {
  const int half = (w + 2) / 2;
  float sum = 0.0f;
  int count = 0;
  ptrdiff_t li = 0, ri = 0, oi = 0;
  for (int i = 0; i < half - 1; i++, ri += stride) {
    sum += in[ri];
    count++;
  }
  for (int i = 0; i < w - half + 1; i++, ri += stride, oi += stride) {
    sum += in[ri];
    count++;
    out[oi] = sum / (float)count;
  }
  for (int i = 0; i < n - w; i++, li += stride, ri += stride, oi += stride) {
    sum += in[ri];
    sum -= in[li];
    out[oi] = sum / (float)count;
  }
  for (int i = 0; i < half - 1; i++, li += stride, oi += stride) {
    sum -= in[li];
    count--;
    out[oi] = sum / (float)count;
  }
}

void pdq_blur_reference(float *a, float *b, int h, int w) {
  const int wx = pdq_window(w), wy = pdq_window(h);
  for (int pass = 0; pass < 2; pass++) {
    for (int y = 0; y < h; y++)
      pdq_box_1d(a + (size_t)y * w, b + (size_t)y * w, w, 1, wx);
    for (int x = 0; x < w; x++)
      pdq_box_1d(b + x, a + x, h, w, wy);
  }
}

/* ---- SIMD variants ----------------------------------------------------------
 *
 * One body, compiled twice (the zstd HUF_DGEN idea): the generic build and an
 * AVX2 build chosen at run time. Both run the same IEEE float32 operations in
 * the same order per line (GCC never reassociates without -ffast-math and the
 * build forbids FMA contraction), so they give the same bits; the AVX2 build
 * only does 8 lines per instruction and transposes 8x8 blocks in registers. */

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_VARIANT 1
#endif

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* ---- vertical pass: one running sum per column, row by row ---------------- */

/* State of a vertical box pass over n rows of `width` columns with window w.
 * Output row k reads input rows k+half-1 (entering) and k-(w-half)-1
 * (leaving), in the reference's phase order. */
typedef struct vbox {
  int n, w, half, width;
  int next; /* next output row */
  float *sum;
} vbox;

static void vbox_init(vbox *v, int n, int w, int width, float *sum_storage) {
  v->n = n;
  v->w = w;
  v->half = (w + 2) / 2;
  v->width = width;
  v->next = 0;
  v->sum = sum_storage;
  memset(v->sum, 0, sizeof(float) * (size_t)width);
}

/* Input row needed (highest index) before output row k can be produced. */
static int vbox_needs(const vbox *v, int k) {
  int r = k + v->half - 1;
  return r < v->n ? r : v->n - 1;
}

typedef const float *(*row_fn)(void *ctx, int i);

/* Produces output row v->next into `out`. row(i) returns input row i. Each
 * loop below is one step of every column's running sum. */
ALWAYS_INLINE void vbox_step_body(vbox *v, row_fn row, void *ctx, float *restrict out) {
  const int k = v->next++;
  const int n = v->n, w = v->w, half = v->half, width = v->width;
  float *restrict sum = v->sum;
  if (k == 0) /* phase 1: prime with half-1 rows, no output */
    for (int i = 0; i < half - 1; i++) {
      const float *restrict in = row(ctx, i);
      for (int x = 0; x < width; x++)
        sum[x] += in[x];
    }
  const int enter = k + half - 1, leave = k - (w - half) - 1;
  if (k <= w - half) { /* phase 2: growing window */
    const float *restrict in = row(ctx, enter);
    const float c = (float)(half + k);
    for (int x = 0; x < width; x++) {
      sum[x] += in[x];
      out[x] = sum[x] / c;
    }
  } else if (k <= n - half) { /* phase 3: full window, add then subtract */
    const float *restrict in = row(ctx, enter), *restrict old = row(ctx, leave);
    const float c = (float)w;
    for (int x = 0; x < width; x++) {
      float s = sum[x] + in[x];
      s = s - old[x];
      sum[x] = s;
      out[x] = s / c;
    }
  } else { /* phase 4: shrinking window */
    const float *restrict old = row(ctx, leave);
    const float c = (float)(w - (k - (n - half)));
    for (int x = 0; x < width; x++) {
      sum[x] -= old[x];
      out[x] = sum[x] / c;
    }
  }
}

/* ---- horizontal pass: STRIP rows in lock step ----------------------------- */

#define STRIP 8

/* Runs the horizontal box over STRIP rows held transposed in t[x][r] (n
 * columns). With `full` (a constant at each call) writes the result
 * transposed into o[x][r], else only the sampled columns into sampled[r][j]
 * (64 per row). */
ALWAYS_INLINE void hbox_strip_body(const float *restrict t, float *restrict o, int n, int w,
                                   float (*sampled)[64], const int *cols, const int full) {
  const int half = (w + 2) / 2;
  float sum[STRIP] = {0};
  int j = 0; /* next sampled column */
  int count = 0;
  const float *restrict ri = t, *restrict li = t;
  for (int i = 0; i < half - 1; i++, ri += STRIP) {
    for (int r = 0; r < STRIP; r++)
      sum[r] += ri[r];
    count++;
  }
  for (int x = 0; x < n; x++) {
    if (x <= w - half) {
      for (int r = 0; r < STRIP; r++)
        sum[r] += ri[r];
      ri += STRIP;
      count++;
    } else if (x <= n - half) {
      for (int r = 0; r < STRIP; r++) {
        sum[r] += ri[r];
        sum[r] -= li[r];
      }
      ri += STRIP;
      li += STRIP;
    } else {
      for (int r = 0; r < STRIP; r++)
        sum[r] -= li[r];
      li += STRIP;
      count--;
    }
    const float c = (float)count;
    if (full) {
      for (int r = 0; r < STRIP; r++)
        o[(size_t)x * STRIP + r] = sum[r] / c;
    } else {
      for (; j < 64 && cols[j] == x; j++)
        for (int r = 0; r < STRIP; r++)
          sampled[r][j] = sum[r] / c;
    }
  }
}

/* STRIP rows (row pointers) x n columns -> t[x][r]. */
ALWAYS_INLINE void transpose_in_scalar(const float *const *rowp, int x0, int n, float *restrict t) {
  for (int r = 0; r < STRIP; r++) {
    const float *src = rowp[r];
    for (int x = x0; x < n; x++)
      t[(size_t)x * STRIP + r] = src[x];
  }
}

ALWAYS_INLINE void transpose_out_scalar(const float *restrict o, int rows, int x0, int n,
                                        float *const *rowp) {
  for (int r = 0; r < rows; r++) {
    float *dst = rowp[r];
    for (int x = x0; x < n; x++)
      dst[x] = o[(size_t)x * STRIP + r];
  }
}

#ifdef HAVE_AVX2_VARIANT
/* In-register 8x8 transpose of v[0..7]. */
__attribute__((target("avx2"))) ALWAYS_INLINE void transpose8(__m256 v[8]) {
  __m256 t0 = _mm256_unpacklo_ps(v[0], v[1]), t1 = _mm256_unpackhi_ps(v[0], v[1]);
  __m256 t2 = _mm256_unpacklo_ps(v[2], v[3]), t3 = _mm256_unpackhi_ps(v[2], v[3]);
  __m256 t4 = _mm256_unpacklo_ps(v[4], v[5]), t5 = _mm256_unpackhi_ps(v[4], v[5]);
  __m256 t6 = _mm256_unpacklo_ps(v[6], v[7]), t7 = _mm256_unpackhi_ps(v[6], v[7]);
  __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  v[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  v[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  v[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  v[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  v[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  v[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  v[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  v[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

__attribute__((target("avx2"))) static void transpose_in_avx2(const float *const *rowp,
                                                                      int n, float *restrict t) {
  int x = 0;
  for (; x + 8 <= n; x += 8) {
    __m256 v[8];
    for (int r = 0; r < 8; r++)
      v[r] = _mm256_loadu_ps(rowp[r] + x);
    transpose8(v);
    for (int c = 0; c < 8; c++)
      _mm256_storeu_ps(t + (size_t)(x + c) * STRIP, v[c]);
  }
  transpose_in_scalar(rowp, x, n, t);
}

__attribute__((target("avx2"))) static void transpose_out_avx2(const float *restrict o,
                                                                       int rows, int n,
                                                                       float *const *rowp) {
  int x = 0;
  for (; x + 8 <= n; x += 8) {
    __m256 v[8];
    for (int c = 0; c < 8; c++)
      v[c] = _mm256_loadu_ps(o + (size_t)(x + c) * STRIP);
    transpose8(v);
    for (int r = 0; r < rows; r++)
      _mm256_storeu_ps(rowp[r] + x, v[r]);
  }
  transpose_out_scalar(o, rows, x, n, rowp);
}
#endif

/* The transposes of one sweep instantiation (`avx2` is a compile-time
 * constant in each). */
ALWAYS_INLINE void transpose_in(const float *const *rowp, int n, float *restrict t, int avx2) {
#ifdef HAVE_AVX2_VARIANT
  if (avx2) {
    transpose_in_avx2(rowp, n, t);
    return;
  }
#endif
  (void)avx2;
  transpose_in_scalar(rowp, 0, n, t);
}

ALWAYS_INLINE void transpose_out(const float *restrict o, int rows, int n, float *const *rowp,
                                 int avx2) {
#ifdef HAVE_AVX2_VARIANT
  if (avx2) {
    transpose_out_avx2(o, rows, n, rowp);
    return;
  }
#endif
  (void)avx2;
  transpose_out_scalar(o, rows, 0, n, rowp);
}

/* ---- the fused sweep ------------------------------------------------------- */

typedef struct sweep {
  const hs_luma *luma;
  int h, w, wx, wy;
  int cols[64];
  float *p1;     /* ring of pass-1 rows: p1_cap rows of w floats */
  int p1_cap;    /* rows in the ring */
  int p1_done;   /* pass-1 rows produced so far */
  float *tin, *tout;
  float (*sampled)[64]; /* pass-3 output, h rows of the 64 sampled columns */
} sweep;

static const float *p1_row(void *ctx, int i) {
  sweep *s = ctx;
  return s->p1 + (size_t)(i % s->p1_cap) * s->w;
}

static const float *sampled_row(void *ctx, int i) {
  sweep *s = ctx;
  return s->sampled[i];
}

/* Row pointers of a strip; a short last strip repeats its first row in the
 * unused lanes (computed, never written back). */
static int strip_rows(sweep *s, int y0, const float *in[STRIP], float *out[STRIP]) {
  int rows = s->h - y0 < STRIP ? s->h - y0 : STRIP;
  for (int r = 0; r < STRIP; r++) {
    int y = y0 + (r < rows ? r : 0);
    in[r] = s->luma->data + (size_t)y * s->luma->stride;
    if (out)
      out[r] = s->p1 + (size_t)(y % s->p1_cap) * s->w;
  }
  return rows;
}

/* The whole sweep; `avx2` selects the transposes (a compile-time constant
 * in each instantiation). */
ALWAYS_INLINE void sweep_body(sweep *s, float *p2, float *colsum, float A[64][64], int avx2) {
  const size_t w = (size_t)s->w;
  vbox v2;
  vbox_init(&v2, s->h, s->wy, s->w, colsum);
  int p2_rows = 0, p2_y0 = 0;
  for (int k = 0; k < s->h; k++) {
    /* Pass 1 (horizontal) strip by strip into the ring, as far as pass 2
     * needs it. */
    while (s->p1_done <= vbox_needs(&v2, k)) {
      const float *in[STRIP];
      float *out[STRIP];
      int rows = strip_rows(s, s->p1_done, in, out);
      transpose_in(in, s->w, s->tin, avx2);
      hbox_strip_body(s->tin, s->tout, s->w, s->wx, NULL, NULL, 1);
      transpose_out(s->tout, rows, s->w, out, avx2);
      s->p1_done += rows;
    }
    /* Pass 2 (vertical) one row; pass 3 (horizontal, sampled columns only)
     * on every full strip of pass-2 rows. */
    vbox_step_body(&v2, p1_row, s, p2 + (size_t)p2_rows * w);
    if (++p2_rows == STRIP || k == s->h - 1) {
      const float *in[STRIP];
      float scratch[STRIP][64];
      for (int r = 0; r < STRIP; r++)
        in[r] = p2 + (size_t)(r < p2_rows ? r : 0) * w;
      transpose_in(in, s->w, s->tin, avx2);
      hbox_strip_body(s->tin, NULL, s->w, s->wx, scratch, s->cols, 0);
      memcpy(s->sampled[p2_y0], scratch, sizeof(float) * 64 * (size_t)p2_rows);
      p2_y0 += p2_rows;
      p2_rows = 0;
    }
  }
  /* Pass 4 (vertical) on the 64 sampled columns only; keep sampled rows. */
  vbox v4;
  vbox_init(&v4, s->h, s->wy, 64, colsum);
  float out[64];
  int i = 0;
  for (int k = 0; k < s->h && i < 64; k++) {
    vbox_step_body(&v4, sampled_row, s, out);
    for (; i < 64 && pdq_sample_index(i, s->h) == k; i++)
      memcpy(A[i], out, sizeof out);
  }
}

static void sweep_generic(sweep *s, float *p2, float *colsum, float A[64][64]) {
  sweep_body(s, p2, colsum, A, 0);
}

#ifdef HAVE_AVX2_VARIANT
__attribute__((target("avx2"))) static void sweep_avx2(sweep *s, float *p2, float *colsum,
                                                       float A[64][64]) {
  sweep_body(s, p2, colsum, A, 1);
}
#endif

typedef void (*sweep_fn)(sweep *, float *, float *, float (*)[64]);

/* The variant for this processor; HASHSWEEP_NO_SIMD=1 forces the generic
 * one. */
static sweep_fn pick_sweep(void) {
#ifdef HAVE_AVX2_VARIANT
  if (simd_avx2_allowed())
    return sweep_avx2;
#endif
  return sweep_generic;
}

static sweep_fn chosen_sweep;
static pthread_once_t chosen_once = PTHREAD_ONCE_INIT;
static void choose_sweep(void) { chosen_sweep = pick_sweep(); }

const char *pdq_blur_variant(void) {
  pthread_once(&chosen_once, choose_sweep);
  return chosen_sweep == sweep_generic ? "generic" : "avx2";
}

hs_status pdq_blur_decimate_variant(const hs_luma *luma, hs_workspace *ws, float A[64][64],
                                    int generic) {
  sweep s = {.luma = luma, .h = luma->height, .w = luma->width};
  s.wx = pdq_window(s.w);
  s.wy = pdq_window(s.h);
  for (int j = 0; j < 64; j++)
    s.cols[j] = pdq_sample_index(j, s.w);

  /* The ring must hold the vertical window (wy + 1 rows: entering through
   * leaving) plus one strip being produced. */
  s.p1_cap = s.wy + 1 + STRIP;
  size_t w = (size_t)s.w, h = (size_t)s.h;
  s.p1 = workspace_get(ws, WS_BLUR_RING, sizeof(float) * w * (size_t)s.p1_cap);
  float *p2 = workspace_get(ws, WS_BLUR_STRIP, sizeof(float) * w * STRIP);
  float *tr = workspace_get(ws, WS_TRANSPOSE, sizeof(float) * w * STRIP * 2);
  float *colsum = workspace_get(ws, WS_COLSUM, sizeof(float) * (w > 64 ? w : 64));
  s.sampled = workspace_get(ws, WS_SAMPLED, sizeof(float) * 64 * h);
  if (!s.p1 || !p2 || !tr || !colsum || !s.sampled)
    return HS_ERR_NOMEM;
  s.tin = tr;
  s.tout = tr + w * STRIP;

  pthread_once(&chosen_once, choose_sweep);
  (generic ? sweep_generic : chosen_sweep)(&s, p2, colsum, A);
  return HS_OK;
}

hs_status pdq_blur_decimate(const hs_luma *luma, hs_workspace *ws, float A[64][64]) {
  return pdq_blur_decimate_variant(luma, ws, A, 0);
}
