/* image/border.c - added-border detection (unletterbox), the CPU reference.
 *
 * Re-uploads are padded to a square, letterboxed into a 16:9 or 9:16
 * frame, framed in a colour or given a screenshot's status and navigation
 * bars. Each of those adds, on one or more sides, a band of lines (rows or
 * columns) that are uniform across: one luma value give or take JPEG noise,
 * the colour drifting slowly from line to line at most (a gradient bar).
 * Content almost never has a whole line that flat, so the test is cheap for
 * images without a border: the outermost line of each side fails at once,
 * four lines read in all.
 *
 * A line is flat when its mean absolute deviation is at most FLAT_MAD levels
 * and at most OUTLIER_SHARE of its pixels lie further than PIXEL_TOL from
 * its mean (a few stray pixels pass; texture does not). FLAT_MAD is low on
 * purpose: an added band is one colour, which JPEG keeps exact away from
 * the content edge (a constant 8x8 block has only its DC term), while a
 * photo's flat sky, fog or wall still carries sensor noise (measured: mean
 * deviation 0.9 to 1.3 levels in the fog of a corpus photo that a 2.5-level
 * limit took for a 45% band). The rows next to the content that JPEG's
 * ringing spoils (the 8x8 blocks the edge crosses) fail that test; up to
 * RAMP_LINES of them still join the band when they stay close to its colour
 * (mean within RAMP_TOL, mean deviation within RAMP_MAD): measured on the
 * corpus, a 9:16 letterbox saved at JPEG Q50 came 2 to 8 bits closer with
 * them stripped. The ramp is only looked at behind a band of flat lines, so
 * it never starts a band by itself.
 * A band ends at the first line that is not flat, or whose mean moved more
 * than STEP_TOL from the line before or DRIFT_TOL from the outermost line
 * (a gentle gradient bar passes, a change of colour does not).
 *
 * Sides are found in two rounds: top and bottom over the full width, then
 * left and right over the rows between them, then top and bottom again over
 * the columns between those. So bands of different colours on different
 * sides (a white pad left and right of a photo inside a black letterbox) are
 * each found. A band thinner than MIN_BAND_FRAC of its dimension (and
 * MIN_BAND_PX) is dropped: a 1-pixel frame drawn by the photographer, or
 * JPEG edge noise, is part of the image, and stripping it would change
 * nothing PDQ sees. The content must be at least BORDER_MIN_CONTENT on each
 * side (far above PDQ's 5x5: below that a hash says little), else there is
 * no content region (a flat image is all border, not a tiny image). */
#include "image/border.h"

#include <math.h>
#include <stddef.h>

#define FLAT_MAD 0.5f
#define PIXEL_TOL 8.0f
#define OUTLIER_SHARE 0.01f
#define STEP_TOL 1.5f
#define DRIFT_TOL 24.0f
#define RAMP_LINES 8
#define RAMP_TOL 8.0f
#define RAMP_MAD 6.0f
#define MIN_BAND_FRAC 0.015
#define MIN_BAND_PX 3

enum { SIDE_TOP, SIDE_BOTTOM, SIDE_LEFT, SIDE_RIGHT };

/* Mean and mean absolute deviation of the line of n values p[0], p[step],
 * ...; *outliers counts values further than PIXEL_TOL from the mean. */
static void line_stats(const float *p, size_t step, int n, float *mean, float *mad,
                       int *outliers) {
  double sum = 0;
  for (int i = 0; i < n; i++)
    sum += p[(size_t)i * step];
  float m = (float)(sum / n);
  double dev = 0;
  int out = 0;
  for (int i = 0; i < n; i++) {
    float d = fabsf(p[(size_t)i * step] - m);
    dev += d;
    out += d > PIXEL_TOL;
  }
  *mean = m;
  *mad = (float)(dev / n);
  *outliers = out;
}

/* Line d of `side` (0: the outermost) starting at position a0 across. */
static const float *line_at(const hs_luma *l, int side, int d, int a0, size_t *step) {
  switch (side) {
  case SIDE_TOP:
    *step = 1;
    return l->data + (size_t)d * l->stride + a0;
  case SIDE_BOTTOM:
    *step = 1;
    return l->data + (size_t)(l->height - 1 - d) * l->stride + a0;
  case SIDE_LEFT:
    *step = l->stride;
    return l->data + (size_t)a0 * l->stride + d;
  default:
    *step = l->stride;
    return l->data + (size_t)a0 * l->stride + (l->width - 1 - d);
  }
}

/* Depth of the band on `side`, reading at most `limit` lines; each line
 * spans positions [a0, a1) across (columns for top/bottom, rows for
 * left/right). */
static int band_depth(const hs_luma *l, int side, int a0, int a1, int limit) {
  int n = a1 - a0;
  if (n <= 0)
    return 0;
  float first = 0, prev = 0, m, mad;
  int d = 0, outliers;
  size_t step;
  for (; d < limit; d++) {
    const float *p = line_at(l, side, d, a0, &step);
    line_stats(p, step, n, &m, &mad, &outliers);
    if (mad > FLAT_MAD || outliers > (int)(n * OUTLIER_SHARE))
      break;
    if (d == 0)
      first = m;
    else if (fabsf(m - prev) > STEP_TOL || fabsf(m - first) > DRIFT_TOL)
      break;
    prev = m;
  }
  if (d == 0)
    return 0;
  /* The ringing lines at the content edge. */
  for (int r = 0; r < RAMP_LINES && d < limit; r++, d++) {
    const float *p = line_at(l, side, d, a0, &step);
    line_stats(p, step, n, &m, &mad, &outliers);
    if (fabsf(m - prev) > RAMP_TOL || mad > RAMP_MAD)
      break;
  }
  return d;
}

/* A band too thin to matter counts as none. */
static int meaningful(int depth, int dim) {
  int min = (int)ceil(dim * MIN_BAND_FRAC);
  return depth >= (min > MIN_BAND_PX ? min : MIN_BAND_PX) ? depth : 0;
}

int border_detect(const hs_luma *l, hs_content_box *box) {
  const int w = l->width, h = l->height;
  *box = (hs_content_box){0, 0, w, h};
  if (!l->data || w < BORDER_MIN_CONTENT || h < BORDER_MIN_CONTENT)
    return 0;
  int top = band_depth(l, SIDE_TOP, 0, w, h);
  if (top >= h)
    return 0; /* flat: all border, no content */
  int bottom = band_depth(l, SIDE_BOTTOM, 0, w, h - top);
  int left = band_depth(l, SIDE_LEFT, top, h - bottom, w);
  if (left >= w)
    return 0;
  int right = band_depth(l, SIDE_RIGHT, top, h - bottom, w - left);
  if (left > 0 || right > 0) {
    /* Bands of another colour above and below the side bands. */
    top = band_depth(l, SIDE_TOP, left, w - right, h);
    if (top >= h)
      return 0;
    bottom = band_depth(l, SIDE_BOTTOM, left, w - right, h - top);
  }
  top = meaningful(top, h), bottom = meaningful(bottom, h);
  left = meaningful(left, w), right = meaningful(right, w);
  if (top + bottom + left + right == 0)
    return 0;
  int cw = w - left - right, ch = h - top - bottom;
  if (cw < BORDER_MIN_CONTENT || ch < BORDER_MIN_CONTENT)
    return 0;
  *box = (hs_content_box){left, top, cw, ch};
  return 1;
}

hs_luma border_crop(const hs_luma *l, const hs_content_box *box) {
  hs_luma v = {box->width, box->height, l->stride,
               l->data + (size_t)box->y * l->stride + (size_t)box->x};
  return v;
}
