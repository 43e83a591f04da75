/* eval/plot.c - plotting on a libvips image (see plot.h). The canvas is a
 * private RGB image in memory: text is rendered by vips_text and painted
 * with vips_draw_mask, lines and rectangles are set in its memory. A
 * failure is remembered and reported by plot_save, so drawing code stays a
 * plain sequence of calls. */
#include "eval/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>

/* Rendered text is cached: tick labels repeat on every panel, and each
 * vips_text call lays the text out with Pango (milliseconds). */
#define TEXT_CACHE 256
typedef struct text_mask {
  char key[96]; /* size, vertical flag and text */
  VipsImage *mask;
} text_mask;

struct plot_canvas {
  VipsImage *img; /* w x h, 3 bands, uchar, in memory */
  text_mask cache[TEXT_CACHE];
  int ncache;
  int w, h;
  int failed;
  int no_text; /* vips_text failed once (no fonts): skip text from then on */
  char error[256];
};

static void fail(plot_canvas *c, const char *what) {
  if (!c->failed) {
    snprintf(c->error, sizeof c->error, "%s: %s", what, vips_error_buffer());
    c->failed = 1;
  }
  vips_error_clear();
}

plot_canvas *plot_create(int w, int h) {
  plot_canvas *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  VipsImage *black = NULL, *white = NULL, *rgb = NULL;
  int rc = vips_black(&black, w, h, "bands", 3, NULL);
  if (rc == 0)
    rc = vips_linear1(black, &white, 1, 255, NULL);
  if (rc == 0)
    rc = vips_cast_uchar(white, &rgb, NULL);
  if (rc == 0) {
    c->img = vips_image_new_memory();
    if (!c->img || vips_image_write(rgb, c->img) != 0)
      rc = -1;
  }
  if (black)
    g_object_unref(black);
  if (white)
    g_object_unref(white);
  if (rgb)
    g_object_unref(rgb);
  if (rc != 0) {
    vips_error_clear();
    plot_destroy(c);
    return NULL;
  }
  c->img->Type = VIPS_INTERPRETATION_sRGB;
  c->w = w;
  c->h = h;
  return c;
}

void plot_destroy(plot_canvas *c) {
  if (!c)
    return;
  if (c->img)
    g_object_unref(c->img);
  for (int i = 0; i < c->ncache; i++)
    g_object_unref(c->cache[i].mask);
  free(c);
}

static void ink_of(plot_rgb rgb, double ink[3]) {
  ink[0] = rgb.r;
  ink[1] = rgb.g;
  ink[2] = rgb.b;
}

/* Lines and rectangles are set straight in the canvas memory: a libvips
 * draw operation per segment costs an operation object each, and the
 * plots draw tens of thousands of segments. */
static void put(plot_canvas *c, int x, int y, plot_rgb rgb) {
  if (x < 0 || y < 0 || x >= c->w || y >= c->h)
    return;
  VipsPel *px = VIPS_IMAGE_ADDR(c->img, x, y);
  px[0] = rgb.r;
  px[1] = rgb.g;
  px[2] = rgb.b;
}

/* Bresenham. */
static void line1(plot_canvas *c, int x0, int y0, int x1, int y1, plot_rgb rgb) {
  int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
  int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
  int err = dx + dy;
  for (;;) {
    put(c, x0, y0, rgb);
    if (x0 == x1 && y0 == y1)
      break;
    int e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x0 += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y0 += sy;
    }
  }
}

void plot_line(plot_canvas *c, int x0, int y0, int x1, int y1, plot_rgb rgb, int width) {
  /* Thick lines: parallel strokes, offset across the main direction. */
  int steep = abs(y1 - y0) > abs(x1 - x0);
  for (int k = 0; k < (width > 0 ? width : 1); k++) {
    int o = k - (width - 1) / 2;
    int dx = steep ? o : 0, dy = steep ? 0 : o;
    line1(c, x0 + dx, y0 + dy, x1 + dx, y1 + dy, rgb);
  }
}

void plot_rect(plot_canvas *c, int x, int y, int w, int h, plot_rgb rgb, int fill) {
  if (w <= 0 || h <= 0)
    return;
  if (!fill) {
    line1(c, x, y, x + w - 1, y, rgb);
    line1(c, x, y + h - 1, x + w - 1, y + h - 1, rgb);
    line1(c, x, y, x, y + h - 1, rgb);
    line1(c, x + w - 1, y, x + w - 1, y + h - 1, rgb);
    return;
  }
  for (int yy = y; yy < y + h; yy++)
    for (int xx = x; xx < x + w; xx++)
      put(c, xx, yy, rgb);
}

/* The text's mask (0..255 coverage), rotated for vertical text; a
 * borrowed reference when cached, else *owned is set. NULL: no text. */
static VipsImage *text_mask_of(plot_canvas *c, const char *text, int size, int vertical,
                               int *owned) {
  char key[96];
  int n = snprintf(key, sizeof key, "%d|%d|%s", size, vertical, text);
  int cacheable = n > 0 && (size_t)n < sizeof key;
  for (int i = 0; cacheable && i < c->ncache; i++)
    if (strcmp(c->cache[i].key, key) == 0)
      return c->cache[i].mask;
  char font[64];
  snprintf(font, sizeof font, "DejaVu Sans %d", size > 4 ? size : 4);
  VipsImage *mask = NULL, *rot = NULL;
  /* dpi 72: a point is a pixel, so `size` is the font size in pixels. */
  if (vips_text(&mask, text, "font", font, "dpi", 72, NULL) != 0) {
    vips_error_clear();
    c->no_text = 1;
    return NULL;
  }
  if (vertical) {
    int rc = vips_rot(mask, &rot, VIPS_ANGLE_D270, NULL);
    g_object_unref(mask);
    if (rc != 0) {
      fail(c, "rot");
      return NULL;
    }
    mask = rot;
  }
  *owned = !(cacheable && c->ncache < TEXT_CACHE);
  if (!*owned) {
    snprintf(c->cache[c->ncache].key, sizeof c->cache[c->ncache].key, "%s", key);
    c->cache[c->ncache++].mask = mask;
  }
  return mask;
}

void plot_text(plot_canvas *c, int x, int y, const char *text, int size, plot_rgb rgb, int align,
               int vertical) {
  if (c->no_text || !text || !*text)
    return;
  int owned = 0;
  VipsImage *mask = text_mask_of(c, text, size, vertical, &owned);
  if (!mask)
    return;
  int w = vips_image_get_width(mask), h = vips_image_get_height(mask);
  int ax = vertical ? y : x; /* vertical text: `align` is along the y axis */
  int len = vertical ? h : w;
  int start = align < 0 ? ax : align == 0 ? ax - len / 2 : ax - len;
  double ink[3];
  ink_of(rgb, ink);
  int px = vertical ? x : start, py = vertical ? start : y;
  if (vips_draw_mask(c->img, ink, 3, mask, px, py, NULL) != 0)
    fail(c, "draw_mask");
  if (owned)
    g_object_unref(mask);
}

int plot_save(plot_canvas *c, const char *path) {
  if (c->failed)
    return -1;
  if (vips_pngsave(c->img, path, "compression", 6, NULL) != 0) {
    fail(c, path);
    return -1;
  }
  return 0;
}

const char *plot_error(const plot_canvas *c) { return c->error; }

/* ---- panels ------------------------------------------------------------------ */

int panel_px(const plot_panel *p, double x) {
  double t = (x - p->x0) / (p->x1 - p->x0);
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  return p->x + (int)lround(t * (p->w - 1));
}

int panel_py(const plot_panel *p, double y) {
  double t = (y - p->y0) / (p->y1 - p->y0);
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  return p->y + p->h - 1 - (int)lround(t * (p->h - 1));
}

static const plot_rgb grid_ink = {225, 225, 225}, frame_ink = {90, 90, 90},
                      label_ink = {40, 40, 40};

void panel_axes(plot_canvas *c, const plot_panel *p, double xstep, const char *xfmt,
                double ystep, const char *yfmt, int font) {
  char label[32];
  for (double v = p->x0; xstep > 0 && v <= p->x1 + 1e-9; v += xstep) {
    int x = panel_px(p, v);
    plot_line(c, x, p->y, x, p->y + p->h - 1, grid_ink, 1);
    if (xfmt) {
      snprintf(label, sizeof label, xfmt, v);
      plot_text(c, x, p->y + p->h + 3, label, font, label_ink, 0, 0);
    }
  }
  for (double v = p->y0; ystep > 0 && v <= p->y1 + 1e-9; v += ystep) {
    int y = panel_py(p, v);
    plot_line(c, p->x, y, p->x + p->w - 1, y, grid_ink, 1);
    if (yfmt) {
      snprintf(label, sizeof label, yfmt, v);
      plot_text(c, p->x - 4, y - font / 2 - 1, label, font, label_ink, 1, 0);
    }
  }
  plot_rect(c, p->x, p->y, p->w, p->h, frame_ink, 0);
}

void panel_polyline(plot_canvas *c, const plot_panel *p, const double *xs, const double *ys, int n,
                    plot_rgb ink, int width) {
  for (int i = 1; i < n; i++)
    plot_line(c, panel_px(p, xs[i - 1]), panel_py(p, ys[i - 1]), panel_px(p, xs[i]),
              panel_py(p, ys[i]), ink, width);
}

void panel_vline(plot_canvas *c, const plot_panel *p, double x, plot_rgb ink, int width) {
  int px = panel_px(p, x);
  plot_line(c, px, p->y, px, p->y + p->h - 1, ink, width);
}
