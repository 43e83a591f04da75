/* eval/edits.c - the edited copies of `hashsweep eval` (see edits.h for why
 * this file uses libvips directly). Every step works on 8-bit grey or sRGB
 * without alpha and returns the same; sizes in percent are of the image
 * being edited, so the edits mean the same at any resolution. */
#include "eval/edits.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

enum {
  OP_IDENTITY, OP_RESIZE, OP_JPEG, OP_CROP_CENTRE, OP_CROP_SIDE, OP_PAD, OP_ROT, OP_FLIP_H,
  OP_FLIP_V, OP_ROTATE, OP_BRIGHT, OP_CONTRAST, OP_GAMMA, OP_BLUR, OP_NOISE, OP_TEXT, OP_GREY,
  OP_PAD_SQUARE, OP_LETTERBOX, OP_FRAME, OP_BARS, OP_CROP_TOP, OP_ROTATE_FILL, OP_ROTATE_VALID
};

/* The colours of the added-border edits (sRGB; grey images take their
 * luma): a magenta-red frame, a phone screenshot's dark status bar and
 * light navigation bar. */
static const double frame_rgb[3] = {176, 32, 72};
static const double status_rgb[3] = {24, 24, 28};
static const double navbar_rgb[3] = {242, 242, 246};

/* Copies are JPEG at this quality unless a jpeg_qN step says otherwise: a
 * re-upload is re-encoded, and 95 is what editors save by default. */
#define DEFAULT_COPY_QUALITY 95

static const struct {
  const char *name;
  int op;
  double arg;
  const char *what;
} steps[] = {
    {"identity", OP_IDENTITY, 0, "no change, saved as lossless PNG (the decode path alone)"},
    {"resize_0.5", OP_RESIZE, 0.5, "downscaled to 1/2 (Lanczos)"},
    {"resize_0.25", OP_RESIZE, 0.25, "downscaled to 1/4 (Lanczos)"},
    {"jpeg_q90", OP_JPEG, 90, "JPEG recompression"},
    {"jpeg_q70", OP_JPEG, 70, "JPEG recompression"},
    {"jpeg_q50", OP_JPEG, 50, "JPEG recompression"},
    {"jpeg_q30", OP_JPEG, 30, "JPEG recompression"},
    {"crop_centre_5", OP_CROP_CENTRE, 5, "centre kept, 5% of width and height cut (half per edge)"},
    {"crop_centre_10", OP_CROP_CENTRE, 10, "centre kept, 10% of width and height cut"},
    {"crop_centre_20", OP_CROP_CENTRE, 20, "centre kept, 20% of width and height cut"},
    {"crop_side_5", OP_CROP_SIDE, 5, "5% of the width cut off the right edge"},
    {"crop_side_10", OP_CROP_SIDE, 10, "10% of the width cut off the right edge"},
    {"crop_side_20", OP_CROP_SIDE, 20, "20% of the width cut off the right edge"},
    {"pad_10", OP_PAD, 10, "letterbox: black bars above and below, each 10% of the height"},
    {"pad_20", OP_PAD, 20, "letterbox: black bars above and below, each 20% of the height"},
    {"pad_square_white", OP_PAD_SQUARE, 255, "padded to a square with white (centred)"},
    {"pad_square_black", OP_PAD_SQUARE, 0, "padded to a square with black (centred)"},
    {"letterbox_9x16", OP_LETTERBOX, 9.0 / 16,
     "placed in a vertical 9:16 black frame (as a phone video or story), centred"},
    {"frame_colour", OP_FRAME, 8, "a red frame on every side, 8% of the shorter side wide"},
    {"bars_screenshot", OP_BARS, 0,
     "screenshot bars: dark 6% status bar on top, light 11% navigation bar below"},
    {"crop_top_10", OP_CROP_TOP, 10, "10% of the height cut off the top edge"},
    {"rot90", OP_ROT, 90, "rotated 90 degrees counter-clockwise"},
    {"rot180", OP_ROT, 180, "rotated 180 degrees"},
    {"rot270", OP_ROT, 270, "rotated 270 degrees counter-clockwise (90 clockwise)"},
    {"flip_h", OP_FLIP_H, 0, "mirrored left-right"},
    {"flip_v", OP_FLIP_V, 0, "mirrored top-bottom"},
    {"rotate_2", OP_ROTATE, 2, "rotated 2 degrees, canvas grown, black corners"},
    {"rotate_4", OP_ROTATE, 4, "rotated 4 degrees, canvas grown, black corners"},
    {"rotate_8", OP_ROTATE, 8, "rotated 8 degrees, canvas grown, black corners"},
    {"rotate_4_fill", OP_ROTATE_FILL, 4,
     "rotated 4 degrees, cropped back to the original size (black corners)"},
    {"rotate_4_valid", OP_ROTATE_VALID, 4,
     "rotated 4 degrees, cropped to the largest centred area of the same aspect with no "
     "corner"},
    {"bright_plus", OP_BRIGHT, 40, "brightness +40 levels (of 255), clipped"},
    {"bright_minus", OP_BRIGHT, -40, "brightness -40 levels (of 255), clipped"},
    {"contrast", OP_CONTRAST, 1.5, "contrast x1.5 around mid-grey, clipped"},
    {"gamma", OP_GAMMA, 0.6, "gamma: 255 (v/255)^0.6 (lighter mid-tones)"},
    {"blur", OP_BLUR, 0.5, "Gaussian blur, sigma 0.5% of the shorter side"},
    {"noise", OP_NOISE, 12, "Gaussian noise, sigma 12 levels"},
    {"text", OP_TEXT, 0, "white caption with a dark shadow across the lower third"},
    {"grey", OP_GREY, 0, "greyscale"},
};
#define N_STEPS (sizeof steps / sizeof steps[0])

/* Chains of two: the usual pairs (a crop or a resize and a lossy save, a
 * mirror or rotation to dodge matching plus a tweak). */
static const char *const chains[] = {
    "resize_0.5+jpeg_q70", "crop_centre_10+jpeg_q70", "flip_h+crop_side_10",
    "rot90+resize_0.5",    "text+jpeg_q50",           "grey+contrast",
    "pad_10+resize_0.25",  "bright_plus+blur",        "rotate_4+crop_centre_10",
    "pad_20+jpeg_q50",     "pad_square_white+jpeg_q70", "letterbox_9x16+jpeg_q50",
    "frame_colour+jpeg_q70", "bars_screenshot+jpeg_q70", "crop_top_10+jpeg_q70",
    "rotate_2+jpeg_q70",
};
#define N_CHAINS (sizeof chains / sizeof chains[0])

size_t edit_default_count(void) { return N_STEPS + N_CHAINS; }

const char *edit_default_name(size_t i) {
  if (i < N_STEPS)
    return steps[i].name;
  return i < N_STEPS + N_CHAINS ? chains[i - N_STEPS] : NULL;
}

static int step_find(const char *name, size_t len) {
  for (size_t i = 0; i < N_STEPS; i++)
    if (strlen(steps[i].name) == len && strncmp(steps[i].name, name, len) == 0)
      return (int)i;
  return -1;
}

hs_status edit_parse(const char *name, edit *out) {
  HS_CHECK(name && out, HS_ERR_INVALID_ARG, "edit_parse: NULL argument");
  memset(out, 0, sizeof *out);
  HS_CHECK(strlen(name) < sizeof out->name, HS_ERR_INVALID_ARG, "edit '%s': name too long", name);
  snprintf(out->name, sizeof out->name, "%s", name);
  out->jpeg_quality = DEFAULT_COPY_QUALITY;
  const char *p = name;
  for (;;) {
    const char *plus = strchr(p, '+');
    size_t len = plus ? (size_t)(plus - p) : strlen(p);
    int s = step_find(p, len);
    if (s < 0)
      return error_set(HS_ERR_INVALID_ARG, "edit '%s': unknown step '%.*s'", name, (int)len,
                       p);
    if (out->nsteps == EDIT_MAX_STEPS)
      return error_set(HS_ERR_INVALID_ARG, "edit '%s': at most %d steps", name, EDIT_MAX_STEPS);
    out->step[out->nsteps].op = s;
    out->step[out->nsteps].arg = steps[s].arg;
    out->nsteps++;
    if (steps[s].op == OP_JPEG)
      out->jpeg_quality = (int)steps[s].arg;
    if (!plus)
      break;
    p = plus + 1;
  }
  if (out->nsteps == 1 && steps[out->step[0].op].op == OP_IDENTITY)
    out->jpeg_quality = 0;
  return HS_OK;
}

void edit_describe(const edit *e, char *out, size_t cap) {
  size_t n = 0;
  out[0] = '\0';
  for (int i = 0; i < e->nsteps && n < cap; i++)
    n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? "; then " : "", steps[e->step[i].op].what);
  if (e->jpeg_quality > 0 && n < cap)
    snprintf(out + n, cap - n, " (saved as JPEG Q%d)", e->jpeg_quality);
}

/* ---- preparing the original ---------------------------------------------- */

VipsImage *edit_prepare(VipsImage *in) {
  VipsImage *t[3] = {NULL, NULL, NULL};
  VipsImage *cur = in;
  int grey = vips_image_get_bands(in) <= 2 &&
             vips_image_get_interpretation(in) != VIPS_INTERPRETATION_CMYK;
  VipsInterpretation want = grey ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB;
  int ok = 1;
  if (vips_image_get_format(cur) != VIPS_FORMAT_UCHAR ||
      vips_image_get_interpretation(cur) != want) {
    ok = vips_colourspace(cur, &t[0], want, NULL) == 0;
    cur = t[0];
  }
  if (ok && vips_image_get_format(cur) != VIPS_FORMAT_UCHAR) {
    ok = vips_cast_uchar(cur, &t[1], NULL) == 0;
    cur = t[1];
  }
  int colour_bands = grey ? 1 : 3;
  if (ok && vips_image_get_bands(cur) > colour_bands) { /* alpha: ignored, as decode does */
    ok = vips_extract_band(cur, &t[2], 0, "n", colour_bands, NULL) == 0;
    cur = t[2];
  }
  VipsImage *mem = ok ? vips_image_copy_memory(cur) : NULL;
  for (int i = 0; i < 3; i++)
    if (t[i])
      g_object_unref(t[i]);
  return mem;
}

/* ---- steps ------------------------------------------------------------------ */

/* a*v + b per pixel, clipped back to 8 bits. */
static int linear_u8(VipsImage *in, double a, double b, VipsImage **out) {
  VipsImage *f = NULL;
  if (vips_linear1(in, &f, a, b, NULL) != 0)
    return -1;
  int rc = vips_cast_uchar(f, out, NULL);
  g_object_unref(f);
  return rc;
}

static int gamma_u8(VipsImage *in, double exponent, VipsImage **out) {
  VipsImage *a = NULL, *b = NULL;
  int rc = vips_linear1(in, &a, 1.0 / 255, 0, NULL);
  if (rc == 0)
    rc = vips_math2_const1(a, &b, VIPS_OPERATION_MATH2_POW, exponent, NULL);
  if (rc == 0)
    rc = linear_u8(b, 255, 0, out);
  if (a)
    g_object_unref(a);
  if (b)
    g_object_unref(b);
  return rc;
}

static int noise_u8(VipsImage *in, double sigma, unsigned seed, VipsImage **out) {
  VipsImage *n = NULL, *sum = NULL;
  int rc = vips_gaussnoise(&n, vips_image_get_width(in), vips_image_get_height(in), "sigma",
                           sigma, "mean", 0.0, "seed", (int)(seed & 0x7fffffff), NULL);
  if (rc == 0)
    rc = vips_add(in, n, &sum, NULL);
  if (rc == 0)
    rc = vips_cast_uchar(sum, out, NULL);
  if (n)
    g_object_unref(n);
  if (sum)
    g_object_unref(sum);
  return rc;
}

/* A private, writable copy in memory (draw operations change pixels in
 * place, and `in` may be shared). */
static VipsImage *writable_copy(VipsImage *in) {
  VipsImage *mem = vips_image_new_memory();
  if (mem && vips_image_write(in, mem) != 0) {
    g_object_unref(mem);
    return NULL;
  }
  return mem;
}

/* A caption over the lower third, 80% of the width, 12% of the height:
 * dark shadow first, white text on top (legible on any background). */
static int text_u8(VipsImage *in, VipsImage **out) {
  const int w = vips_image_get_width(in), h = vips_image_get_height(in);
  VipsImage *mask = NULL, *img = NULL;
  if (vips_text(&mask, "hashsweep eval 2026", "font", "DejaVu Sans Bold", "width",
                w * 8 / 10 > 1 ? w * 8 / 10 : 1, "height", h * 12 / 100 > 1 ? h * 12 / 100 : 1,
                NULL) != 0)
    return -1;
  img = writable_copy(in);
  int rc = img ? 0 : -1;
  const int bands = vips_image_get_bands(in);
  double black[3] = {0, 0, 0}, white[3] = {255, 255, 255};
  int x = (w - vips_image_get_width(mask)) / 2, y = h * 2 / 3;
  int off = h / 200 > 1 ? h / 200 : 1;
  if (rc == 0)
    rc = vips_draw_mask(img, black, bands, mask, x + off, y + off, NULL);
  if (rc == 0)
    rc = vips_draw_mask(img, white, bands, mask, x, y, NULL);
  g_object_unref(mask);
  if (rc != 0) {
    if (img)
      g_object_unref(img);
    return -1;
  }
  *out = img;
  return 0;
}

static int crop(VipsImage *in, int centre, double percent, VipsImage **out) {
  const int w = vips_image_get_width(in), h = vips_image_get_height(in);
  int cw = (int)lround(w * percent / 100), ch = centre ? (int)lround(h * percent / 100) : 0;
  if (cw >= w)
    cw = w - 1;
  if (ch >= h)
    ch = h - 1;
  return vips_extract_area(in, out, centre ? cw / 2 : 0, ch / 2, w - cw, h - ch, NULL);
}

/* `in` placed at (x, y) on a w x h canvas of colour rgb. */
static int embed_colour(VipsImage *in, int x, int y, int w, int h, const double rgb[3],
                        VipsImage **out) {
  double grey = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
  int bands = vips_image_get_bands(in);
  VipsArrayDouble *bg = vips_array_double_new(bands >= 3 ? rgb : &grey, bands >= 3 ? 3 : 1);
  int rc = vips_embed(in, out, x, y, w, h, "extend", VIPS_EXTEND_BACKGROUND, "background", bg,
                      NULL);
  vips_area_unref(VIPS_AREA(bg));
  return rc;
}

/* Fits the image into a frame of the aspect ratio w:h = `aspect`, black
 * around it, centred. */
static int letterbox(VipsImage *in, double aspect, VipsImage **out) {
  const int w = vips_image_get_width(in), h = vips_image_get_height(in);
  int fw = w, fh = (int)lround(w / aspect);
  if (fh < h) {
    fh = h;
    fw = (int)lround(h * aspect);
  }
  const double black[3] = {0, 0, 0};
  return embed_colour(in, (fw - w) / 2, (fh - h) / 2, fw, fh, black, out);
}

/* Status bar above, navigation bar below, of uneven heights. */
static int screenshot_bars(VipsImage *in, VipsImage **out) {
  const int w = vips_image_get_width(in), h = vips_image_get_height(in);
  int top = (int)lround(h * 0.06), bottom = (int)lround(h * 0.11);
  VipsImage *t = NULL;
  if (embed_colour(in, 0, top, w, h + top, status_rgb, &t) != 0)
    return -1;
  int rc = embed_colour(t, 0, 0, w, h + top + bottom, navbar_rgb, out);
  g_object_unref(t);
  return rc;
}

/* Rotated by `degrees`, then the centred w x h of the original size
 * (valid = 0), or the largest centred rectangle of the original's aspect
 * that holds no corner (valid = 1). */
static int rotate_cropped(VipsImage *in, double degrees, int valid, VipsImage **out) {
  const int w = vips_image_get_width(in), h = vips_image_get_height(in);
  VipsImage *r = NULL;
  if (vips_rotate(in, &r, degrees, NULL) != 0)
    return -1;
  double a = fabs(degrees) * M_PI / 180, scale = 1;
  if (valid) {
    double sx = w / (w * cos(a) + h * sin(a)), sy = h / (w * sin(a) + h * cos(a));
    scale = sx < sy ? sx : sy;
  }
  int cw = (int)floor(w * scale), ch = (int)floor(h * scale);
  const int rw = vips_image_get_width(r), rh = vips_image_get_height(r);
  if (cw > rw)
    cw = rw;
  if (ch > rh)
    ch = rh;
  int rc = vips_extract_area(r, out, (rw - cw) / 2, (rh - ch) / 2, cw, ch, NULL);
  g_object_unref(r);
  return rc;
}

static int apply_step(const edit_step *s, VipsImage *in, unsigned seed, VipsImage **out) {
  const int w = vips_image_get_width(in), h = vips_image_get_height(in);
  const int shorter = w < h ? w : h;
  switch (steps[s->op].op) {
  case OP_IDENTITY:
  case OP_JPEG: /* the quality applies when the copy is saved */
    return vips_copy(in, out, NULL);
  case OP_RESIZE:
    return vips_resize(in, out, s->arg, NULL);
  case OP_CROP_CENTRE:
    return crop(in, 1, s->arg, out);
  case OP_CROP_SIDE:
    return crop(in, 0, s->arg, out);
  case OP_PAD: {
    int bar = (int)lround(h * s->arg / 100);
    return vips_embed(in, out, 0, bar, w, h + 2 * bar, "extend", VIPS_EXTEND_BLACK, NULL);
  }
  case OP_PAD_SQUARE: {
    const int side = w > h ? w : h;
    const double c[3] = {s->arg, s->arg, s->arg};
    return embed_colour(in, (side - w) / 2, (side - h) / 2, side, side, c, out);
  }
  case OP_LETTERBOX:
    return letterbox(in, s->arg, out);
  case OP_FRAME: {
    int f = (int)lround(shorter * s->arg / 100);
    return embed_colour(in, f, f, w + 2 * f, h + 2 * f, frame_rgb, out);
  }
  case OP_BARS:
    return screenshot_bars(in, out);
  case OP_CROP_TOP: {
    int c = (int)lround(h * s->arg / 100);
    if (c >= h)
      c = h - 1;
    return vips_extract_area(in, out, 0, c, w, h - c, NULL);
  }
  case OP_ROT: /* libvips' angles are clockwise; the names are counter-clockwise */
    return vips_rot(in, out,
                    s->arg == 90    ? VIPS_ANGLE_D270
                    : s->arg == 180 ? VIPS_ANGLE_D180
                                    : VIPS_ANGLE_D90,
                    NULL);
  case OP_FLIP_H:
    return vips_flip(in, out, VIPS_DIRECTION_HORIZONTAL, NULL);
  case OP_FLIP_V:
    return vips_flip(in, out, VIPS_DIRECTION_VERTICAL, NULL);
  case OP_ROTATE:
    return vips_rotate(in, out, s->arg, NULL);
  case OP_ROTATE_FILL:
  case OP_ROTATE_VALID:
    return rotate_cropped(in, s->arg, steps[s->op].op == OP_ROTATE_VALID, out);
  case OP_BRIGHT:
    return linear_u8(in, 1, s->arg, out);
  case OP_CONTRAST:
    return linear_u8(in, s->arg, 127.5 * (1 - s->arg), out);
  case OP_GAMMA:
    return gamma_u8(in, s->arg, out);
  case OP_BLUR:
    return vips_gaussblur(in, out, fmax(0.5, shorter * s->arg / 100), NULL);
  case OP_NOISE:
    return noise_u8(in, s->arg, seed, out);
  case OP_TEXT:
    return text_u8(in, out);
  case OP_GREY:
    return vips_colourspace(in, out, VIPS_INTERPRETATION_B_W, NULL);
  }
  vips_error("hashsweep", "unknown edit step %d", s->op);
  return -1;
}

int edit_apply(const edit *e, VipsImage *in, unsigned seed, VipsImage **out) {
  VipsImage *cur = in;
  g_object_ref(cur);
  for (int i = 0; i < e->nsteps; i++) {
    VipsImage *next = NULL;
    int rc = apply_step(&e->step[i], cur, seed + (unsigned)i, &next);
    g_object_unref(cur);
    if (rc != 0)
      return -1;
    cur = next;
  }
  *out = cur;
  return 0;
}

int edit_encode(const edit *e, VipsImage *img, void **data, size_t *size) {
  if (e->jpeg_quality > 0)
    return vips_jpegsave_buffer(img, data, size, "Q", e->jpeg_quality, "strip", TRUE, NULL);
  return vips_pngsave_buffer(img, data, size, "compression", 1, NULL);
}
