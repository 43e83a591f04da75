/* hash/variants.c - list-side variants: the PDQ of fixed, named crops and
 * small rotations of an image, for contributors who hold the image and list
 * more than one hash of it (hashsweep hash --variants).
 *
 * Crops are views of the plane (nothing copied). A rotation turns the plane
 * about its centre (bilinear; black outside the image) and frames it in one
 * of the three ways a rotated re-upload comes: the canvas grown to hold the
 * whole image (rotate_+3), cropped back to the original size (_fill), or
 * cropped to the largest centred area of the original's aspect that holds
 * no corner (_valid). Measured with hashsweep eval on the corpus, a variant
 * matches copies of its own framing only (4 degrees, 12 photos, radius 31:
 * grown 75% / 0% / 0% of grown / fill / valid copies; fill 0 / 83 / 0;
 * valid 0 / 0 / 50), so all three are listed. The angle matters as much:
 * a variant 1 degree off the copy's angle found 50-90% of the copies, 2
 * degrees off about half, 3 degrees off none; so the angles are a 2-degree
 * grid, +-2, 4, 6, 8 (no copy more than 1 degree from one up to 9). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "hash/pdq_cpu.h"

enum { V_CROP_CENTRE, V_CROP_LEFT, V_CROP_RIGHT, V_CROP_TOP, V_CROP_BOTTOM, V_ROTATE,
       V_ROTATE_FILL, V_ROTATE_VALID };

static const struct {
  const char *name;
  unsigned kind;
  int op;
  double arg; /* percent removed, or degrees counter-clockwise */
} table[] = {
    {"crop_centre_5", HS_VARIANTS_CROPS, V_CROP_CENTRE, 5},
    {"crop_centre_10", HS_VARIANTS_CROPS, V_CROP_CENTRE, 10},
    {"crop_centre_15", HS_VARIANTS_CROPS, V_CROP_CENTRE, 15},
    {"crop_centre_20", HS_VARIANTS_CROPS, V_CROP_CENTRE, 20},
    {"crop_left_10", HS_VARIANTS_CROPS, V_CROP_LEFT, 10},
    {"crop_right_10", HS_VARIANTS_CROPS, V_CROP_RIGHT, 10},
    {"crop_top_10", HS_VARIANTS_CROPS, V_CROP_TOP, 10},
    {"crop_bottom_10", HS_VARIANTS_CROPS, V_CROP_BOTTOM, 10},
    {"rotate_+2", HS_VARIANTS_ROTATIONS, V_ROTATE, 2},
    {"rotate_-2", HS_VARIANTS_ROTATIONS, V_ROTATE, -2},
    {"rotate_+4", HS_VARIANTS_ROTATIONS, V_ROTATE, 4},
    {"rotate_-4", HS_VARIANTS_ROTATIONS, V_ROTATE, -4},
    {"rotate_+6", HS_VARIANTS_ROTATIONS, V_ROTATE, 6},
    {"rotate_-6", HS_VARIANTS_ROTATIONS, V_ROTATE, -6},
    {"rotate_+8", HS_VARIANTS_ROTATIONS, V_ROTATE, 8},
    {"rotate_-8", HS_VARIANTS_ROTATIONS, V_ROTATE, -8},
    {"rotate_+2_fill", HS_VARIANTS_ROTATIONS, V_ROTATE_FILL, 2},
    {"rotate_-2_fill", HS_VARIANTS_ROTATIONS, V_ROTATE_FILL, -2},
    {"rotate_+4_fill", HS_VARIANTS_ROTATIONS, V_ROTATE_FILL, 4},
    {"rotate_-4_fill", HS_VARIANTS_ROTATIONS, V_ROTATE_FILL, -4},
    {"rotate_+6_fill", HS_VARIANTS_ROTATIONS, V_ROTATE_FILL, 6},
    {"rotate_-6_fill", HS_VARIANTS_ROTATIONS, V_ROTATE_FILL, -6},
    {"rotate_+8_fill", HS_VARIANTS_ROTATIONS, V_ROTATE_FILL, 8},
    {"rotate_-8_fill", HS_VARIANTS_ROTATIONS, V_ROTATE_FILL, -8},
    {"rotate_+2_valid", HS_VARIANTS_ROTATIONS, V_ROTATE_VALID, 2},
    {"rotate_-2_valid", HS_VARIANTS_ROTATIONS, V_ROTATE_VALID, -2},
    {"rotate_+4_valid", HS_VARIANTS_ROTATIONS, V_ROTATE_VALID, 4},
    {"rotate_-4_valid", HS_VARIANTS_ROTATIONS, V_ROTATE_VALID, -4},
    {"rotate_+6_valid", HS_VARIANTS_ROTATIONS, V_ROTATE_VALID, 6},
    {"rotate_-6_valid", HS_VARIANTS_ROTATIONS, V_ROTATE_VALID, -6},
    {"rotate_+8_valid", HS_VARIANTS_ROTATIONS, V_ROTATE_VALID, 8},
    {"rotate_-8_valid", HS_VARIANTS_ROTATIONS, V_ROTATE_VALID, -8},
};
#define N_VARIANTS (sizeof table / sizeof table[0])

hs_status hs_variants_parse(const char *list, unsigned *kinds) {
  HS_CHECK(list && kinds, HS_ERR_INVALID_ARG, "hs_variants_parse: NULL argument");
  *kinds = 0;
  if (strcmp(list, "none") == 0)
    return HS_OK;
  const char *p = list;
  for (;;) {
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    if (n == 5 && strncmp(p, "crops", 5) == 0)
      *kinds |= HS_VARIANTS_CROPS;
    else if (n == 9 && strncmp(p, "rotations", 9) == 0)
      *kinds |= HS_VARIANTS_ROTATIONS;
    else
      return error_set(HS_ERR_INVALID_ARG,
                       "variants '%s': unknown kind '%.*s' (expected crops, rotations or none)",
                       list, (int)n, p);
    if (!comma)
      return HS_OK;
    p = comma + 1;
  }
}

/* Index into the table of the i-th variant of `kinds`, or -1. */
static int nth(unsigned kinds, size_t i) {
  for (size_t t = 0; t < N_VARIANTS; t++)
    if ((table[t].kind & kinds) && i-- == 0)
      return (int)t;
  return -1;
}

size_t hs_variant_count(unsigned kinds) {
  size_t n = 0;
  for (size_t t = 0; t < N_VARIANTS; t++)
    n += (table[t].kind & kinds) != 0;
  return n;
}

const char *hs_variant_name(unsigned kinds, size_t i) {
  int t = nth(kinds, i);
  return t < 0 ? NULL : table[t].name;
}

/* A crop as a view of `l`: `percent` of the width and height removed, half
 * from each side (centre), or of one dimension from one side. */
static hs_luma crop_view(const hs_luma *l, int op, double percent) {
  int cw = (int)lround(l->width * percent / 100), ch = (int)lround(l->height * percent / 100);
  int x = 0, y = 0, w = l->width, h = l->height;
  switch (op) {
  case V_CROP_CENTRE:
    x = cw / 2, y = ch / 2, w -= cw, h -= ch;
    break;
  case V_CROP_LEFT:
    x = cw, w -= cw;
    break;
  case V_CROP_RIGHT:
    w -= cw;
    break;
  case V_CROP_TOP:
    y = ch, h -= ch;
    break;
  default:
    h -= ch;
    break;
  }
  hs_luma v = {w, h, l->stride, l->data + (size_t)y * l->stride + (size_t)x};
  return v;
}

/* `l` turned `degrees` counter-clockwise (as seen) about its centre, framed
 * as `op` says, black outside the image, into a new plane (*out->data is
 * malloc'd). */
static hs_status rotate_plane(const hs_luma *l, double degrees, int op, hs_luma *out) {
  double a = degrees * M_PI / 180, c = cos(a), s = sin(a), ca = fabs(c), sa = fabs(s);
  int w = (int)ceil(l->width * ca + l->height * sa - 1e-9);
  int h = (int)ceil(l->width * sa + l->height * ca - 1e-9);
  if (op == V_ROTATE_FILL) {
    w = l->width, h = l->height;
  } else if (op == V_ROTATE_VALID) {
    double sx = l->width / (l->width * ca + l->height * sa);
    double sy = l->height / (l->width * sa + l->height * ca);
    double scale = sx < sy ? sx : sy;
    w = (int)floor(l->width * scale), h = (int)floor(l->height * scale);
    w = w < PDQ_MIN_DIM ? PDQ_MIN_DIM : w, h = h < PDQ_MIN_DIM ? PDQ_MIN_DIM : h;
  }
  float *data = malloc(sizeof(float) * (size_t)w * (size_t)h);
  if (!data)
    return error_set(HS_ERR_NOMEM, "out of memory for a %dx%d rotated plane", w, h);
  double cx = (l->width - 1) / 2.0, cy = (l->height - 1) / 2.0;
  double ox = (w - 1) / 2.0, oy = (h - 1) / 2.0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      /* Inverse map; y grows downwards, so counter-clockwise as seen is
       * the mathematical clockwise here. */
      double dx = x - ox, dy = y - oy;
      double sx = cx + c * dx - s * dy, sy = cy + s * dx + c * dy;
      float v = 0;
      if (sx >= 0 && sy >= 0 && sx <= l->width - 1 && sy <= l->height - 1) {
        int x0 = (int)sx, y0 = (int)sy;
        int x1 = x0 + 1 < l->width ? x0 + 1 : x0, y1 = y0 + 1 < l->height ? y0 + 1 : y0;
        float fx = (float)(sx - x0), fy = (float)(sy - y0);
        const float *r0 = l->data + (size_t)y0 * l->stride, *r1 = l->data + (size_t)y1 * l->stride;
        float top = r0[x0] + fx * (r0[x1] - r0[x0]), bottom = r1[x0] + fx * (r1[x1] - r1[x0]);
        v = top + fy * (bottom - top);
      }
      data[(size_t)y * w + x] = v;
    }
  *out = (hs_luma){w, h, (size_t)w, data};
  return HS_OK;
}

hs_status hs_pdq_variants(const hs_luma *grid, unsigned kinds, hs_workspace *ws, hs_pdq *out) {
  HS_CHECK(grid && grid->data && ws && out, HS_ERR_INVALID_ARG, "hs_pdq_variants: NULL argument");
  HS_CHECK(grid->width >= PDQ_MIN_DIM && grid->height >= PDQ_MIN_DIM, HS_ERR_TOO_SMALL,
           "image is %dx%d, below PDQ's minimum of %dx%d", grid->width, grid->height,
           PDQ_MIN_DIM, PDQ_MIN_DIM);
  size_t n = hs_variant_count(kinds);
  for (size_t i = 0; i < n; i++) {
    int t = nth(kinds, i);
    if (table[t].op < V_ROTATE) {
      hs_luma v = crop_view(grid, table[t].op, table[t].arg);
      HS_TRY(hs_pdq_from_luma(&v, ws, &out[i]));
      continue;
    }
    hs_luma r;
    HS_TRY(rotate_plane(grid, table[t].arg, table[t].op, &r));
    hs_status st = hs_pdq_from_luma(&r, ws, &out[i]);
    free(r.data);
    HS_TRY(st);
  }
  return HS_OK;
}
