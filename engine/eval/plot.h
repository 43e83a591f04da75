/* eval/plot.h - internal: just enough plotting for the audit report
 * (axes, lines, bars, text, PNG), drawn with libvips' draw operations and
 * vips_text, so the report needs nothing the engine does not already link.
 * Coordinates are pixels from the top left unless a panel maps them. */
#ifndef HS_EVAL_PLOT_H
#define HS_EVAL_PLOT_H

#include <stdint.h>

typedef struct plot_canvas plot_canvas;

typedef struct plot_rgb {
  uint8_t r, g, b;
} plot_rgb;

/* A white canvas of w x h RGB pixels, or NULL. */
plot_canvas *plot_create(int w, int h);
void plot_destroy(plot_canvas *c);

void plot_line(plot_canvas *c, int x0, int y0, int x1, int y1, plot_rgb ink, int width);
void plot_rect(plot_canvas *c, int x, int y, int w, int h, plot_rgb ink, int fill);
/* Text of `size` px (roughly the cap height plus descender), anchored at x
 * by `align` (-1 left, 0 centre, 1 right) and with its top at y; vertical
 * text (rotated counter-clockwise) when `vertical`. Without a text engine
 * (no fonts) the text is left out and the plot stays usable. */
void plot_text(plot_canvas *c, int x, int y, const char *text, int size, plot_rgb ink, int align,
               int vertical);
/* Writes a PNG. Returns 0, or -1 (the first drawing or writing failure;
 * plot_error() says what). */
int plot_save(plot_canvas *c, const char *path);
const char *plot_error(const plot_canvas *c);

/* A rectangle of the canvas mapped to data coordinates. */
typedef struct plot_panel {
  int x, y, w, h;     /* pixels */
  double x0, x1;      /* data range shown left to right */
  double y0, y1;      /* data range shown bottom to top */
} plot_panel;

int panel_px(const plot_panel *p, double x);
int panel_py(const plot_panel *p, double y);
/* Frame, grid lines and tick labels every xstep / ystep (labels with
 * `xfmt` / `yfmt`, printf formats of one double; NULL: no labels). */
void panel_axes(plot_canvas *c, const plot_panel *p, double xstep, const char *xfmt,
                double ystep, const char *yfmt, int font);
/* A polyline through n points in data coordinates (clipped to the panel). */
void panel_polyline(plot_canvas *c, const plot_panel *p, const double *xs, const double *ys, int n,
                    plot_rgb ink, int width);
void panel_vline(plot_canvas *c, const plot_panel *p, double x, plot_rgb ink, int width);

#endif
