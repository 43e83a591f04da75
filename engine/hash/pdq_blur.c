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
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
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

static void add_row(float *restrict sum, const float *restrict row, int width) {
  for (int x = 0; x < width; x++)
    sum[x] += row[x];
}

static void sub_row(float *restrict sum, const float *restrict row, int width) {
  for (int x = 0; x < width; x++)
    sum[x] -= row[x];
}

static void div_row(float *restrict out, const float *restrict sum, float count, int width) {
  for (int x = 0; x < width; x++)
    out[x] = sum[x] / count;
}

/* Produces output row v->next into `out`. row(i) returns input row i. */
typedef const float *(*row_fn)(void *ctx, int i);

static void vbox_step(vbox *v, row_fn row, void *ctx, float *out) {
  const int k = v->next++;
  const int n = v->n, w = v->w, half = v->half;
  if (k == 0) /* phase 1: prime with half-1 rows, no output */
    for (int i = 0; i < half - 1; i++)
      add_row(v->sum, row(ctx, i), v->width);
  const int enter = k + half - 1, leave = k - (w - half) - 1;
  int count;
  if (k <= w - half) { /* phase 2: growing window */
    add_row(v->sum, row(ctx, enter), v->width);
    count = half + k;
  } else if (k <= n - half) { /* phase 3: full window, add then subtract */
    add_row(v->sum, row(ctx, enter), v->width);
    sub_row(v->sum, row(ctx, leave), v->width);
    count = w;
  } else { /* phase 4: shrinking window */
    sub_row(v->sum, row(ctx, leave), v->width);
    count = w - (k - (n - half));
  }
  div_row(out, v->sum, (float)count, v->width);
}

/* ---- horizontal pass: STRIP rows in lock step ----------------------------- */

#define STRIP 16

/* Runs the horizontal box over `rows` (<= STRIP) rows held transposed in
 * t[x][r] (n columns). Writes the result transposed into o[x][r] when
 * o != NULL, else only the sampled columns into sampled[r][j] (64 per row).
 * Lanes r >= rows compute on padding and are never read. */
static void hbox_strip(const float *restrict t, float *restrict o, int n, int w,
                       float (*sampled)[64], const int *cols) {
  const int half = (w + 2) / 2;
  float sum[STRIP] = {0};
  int j = 0; /* next sampled column */
  int count = 0;
  int li = 0, ri = 0;
  for (int i = 0; i < half - 1; i++, ri++) {
    for (int r = 0; r < STRIP; r++)
      sum[r] += t[(size_t)ri * STRIP + r];
    count++;
  }
  for (int x = 0; x < n; x++) {
    if (x <= w - half) {
      for (int r = 0; r < STRIP; r++)
        sum[r] += t[(size_t)ri * STRIP + r];
      ri++;
      count++;
    } else if (x <= n - half) {
      for (int r = 0; r < STRIP; r++) {
        sum[r] += t[(size_t)ri * STRIP + r];
        sum[r] -= t[(size_t)li * STRIP + r];
      }
      ri++;
      li++;
    } else {
      for (int r = 0; r < STRIP; r++)
        sum[r] -= t[(size_t)li * STRIP + r];
      li++;
      count--;
    }
    const float c = (float)count;
    if (o) {
      for (int r = 0; r < STRIP; r++)
        o[(size_t)x * STRIP + r] = sum[r] / c;
    } else {
      for (; j < 64 && cols[j] == x; j++)
        for (int r = 0; r < STRIP; r++)
          sampled[r][j] = sum[r] / c;
    }
  }
}

/* rows x n block (row pointers) -> t[x][r]; missing rows become 0. */
static void transpose_in(const float *const *rowp, int rows, int n, float *restrict t) {
  for (int r = 0; r < STRIP; r++) {
    if (r < rows) {
      const float *src = rowp[r];
      for (int x = 0; x < n; x++)
        t[(size_t)x * STRIP + r] = src[x];
    } else {
      for (int x = 0; x < n; x++)
        t[(size_t)x * STRIP + r] = 0.0f;
    }
  }
}

static void transpose_out(const float *restrict o, int rows, int n, float *const *rowp) {
  for (int r = 0; r < rows; r++) {
    float *dst = rowp[r];
    for (int x = 0; x < n; x++)
      dst[x] = o[(size_t)x * STRIP + r];
  }
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

/* Pass 1 for the next strip of luma rows into the ring. */
static void produce_p1_strip(sweep *s) {
  const float *in[STRIP];
  float *out[STRIP];
  int rows = s->h - s->p1_done < STRIP ? s->h - s->p1_done : STRIP;
  for (int r = 0; r < rows; r++) {
    in[r] = s->luma->data + (size_t)(s->p1_done + r) * s->luma->stride;
    out[r] = s->p1 + (size_t)((s->p1_done + r) % s->p1_cap) * s->w;
  }
  transpose_in(in, rows, s->w, s->tin);
  hbox_strip(s->tin, s->tout, s->w, s->wx, NULL, NULL);
  transpose_out(s->tout, rows, s->w, out);
  s->p1_done += rows;
}

/* Pass 3 on a strip of pass-2 rows; writes sampled[y0 .. y0+rows). */
static void consume_p2_strip(sweep *s, float *p2, int y0, int rows) {
  const float *in[STRIP];
  float scratch[STRIP][64];
  for (int r = 0; r < rows; r++)
    in[r] = p2 + (size_t)r * s->w;
  transpose_in(in, rows, s->w, s->tin);
  hbox_strip(s->tin, NULL, s->w, s->wx, scratch, s->cols);
  memcpy(s->sampled[y0], scratch, sizeof(float) * 64 * (size_t)rows);
}

hs_status pdq_blur_decimate(const hs_luma *luma, hs_workspace *ws, float A[64][64]) {
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

  /* Pass 2 (vertical over whole rows) feeding pass 3 strip by strip. */
  vbox v2;
  vbox_init(&v2, s.h, s.wy, s.w, colsum);
  int strip_rows = 0, strip_y0 = 0;
  for (int k = 0; k < s.h; k++) {
    while (s.p1_done <= vbox_needs(&v2, k))
      produce_p1_strip(&s);
    vbox_step(&v2, p1_row, &s, p2 + (size_t)strip_rows * w);
    if (++strip_rows == STRIP || k == s.h - 1) {
      consume_p2_strip(&s, p2, strip_y0, strip_rows);
      strip_y0 += strip_rows;
      strip_rows = 0;
    }
  }

  /* Pass 4 (vertical) on the 64 sampled columns only; keep sampled rows. */
  vbox v4;
  vbox_init(&v4, s.h, s.wy, 64, colsum);
  float out[64];
  int i = 0;
  for (int k = 0; k < s.h && i < 64; k++) {
    vbox_step(&v4, sampled_row, &s, out);
    for (; i < 64 && pdq_sample_index(i, s.h) == k; i++)
      memcpy(A[i], out, sizeof out);
  }
  return HS_OK;
}
