/* eval/eval_plots.c - the report's figures as PNG:
 *   recall.png     recall against threshold, one small panel per edit;
 *   distances.png  distance histograms: copies against distinct pairs;
 *   by_edit.png    per edit the spread of copy distances (dihedral).
 * Everything drawn comes from the computed statistics. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "eval/eval_internal.h"
#include "eval/plot.h"

static const plot_rgb ink_plain = {230, 110, 0}, ink_dih = {120, 160, 230},
                      ink_strip = {40, 150, 60}, ink_var = {140, 60, 170},
                      ink_pairs = {200, 40, 40}, ink_text = {20, 20, 20},
                      ink_thr = {150, 150, 150}, ink_thr31 = {60, 160, 60};

static hs_status save(plot_canvas *c, const char *dir, const char *name) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  hs_status st = HS_OK;
  if (plot_save(c, path) != 0)
    st = error_set(HS_ERR_IO, "%s: cannot write the plot: %s", path, plot_error(c));
  plot_destroy(c);
  return st;
}

static void legend_entry(plot_canvas *c, int x, int y, plot_rgb ink, const char *text, int font) {
  plot_line(c, x, y + font / 2 + 1, x + 28, y + font / 2 + 1, ink, 3);
  plot_text(c, x + 34, y, text, font, ink_text, -1, 0);
}

/* The report's thresholds as vertical lines (31, the default, in green),
 * labelled at label_y (pixels) when `font` > 0. */
static void thresholds_lines(plot_canvas *c, const plot_panel *p, int font, int label_y) {
  char label[16];
  for (int i = 0; i < HS_EVAL_N_THRESHOLDS; i++) {
    int t = hs_eval_threshold(i);
    panel_vline(c, p, t, t == 31 ? ink_thr31 : ink_thr, 1);
    snprintf(label, sizeof label, "%d", t);
    if (font > 0)
      plot_text(c, panel_px(p, t), label_y, label, font, ink_text, 0, 0);
  }
}

/* ---- recall.png ------------------------------------------------------------ */

#define RECALL_XMAX 80

static void recall_panel(plot_canvas *c, const plot_panel *p, const char *title,
                         const edit_stats *s) {
  panel_axes(c, p, 0, NULL, 0.25, "%.2f", 11);
  thresholds_lines(c, p, 11, p->y + p->h + 3);
  plot_text(c, p->x + p->w / 2, p->y - 17, title, 13, ink_text, 0, 0);
  if (!s->made)
    return;
  double xs[RECALL_XMAX + 1], ys[RECALL_XMAX + 1];
  /* Dihedral first and wider: where both curves agree, both stay visible. */
  for (int k = EVAL_NKINDS - 1; k >= 0; k--) {
    for (int t = 0; t <= RECALL_XMAX; t++) {
      xs[t] = t;
      ys[t] = (double)s->curve[k][t] / (double)s->made;
    }
    panel_polyline(c, p, xs, ys, RECALL_XMAX + 1,
                   k == EVAL_PLAIN      ? ink_plain
                   : k == EVAL_DIHEDRAL ? ink_dih
                   : k == EVAL_STRIP    ? ink_strip
                                        : ink_var,
                   k == EVAL_PLAIN ? 1 : k == EVAL_DIHEDRAL ? 4 : 2);
  }
}

static hs_status plot_recall(const eval_data *d, const edit_stats *es, const char *dir) {
  const int cols = 6, pw = 200, ph = 120, gap_x = 62, gap_y = 62, left = 60, top = 110;
  int rows = (int)((d->nedits + cols - 1) / cols);
  int w = left + cols * (pw + gap_x), h = top + rows * (ph + gap_y) + 30;
  plot_canvas *c = plot_create(w, h);
  HS_CHECK(c, HS_ERR_NOMEM, "out of memory for a plot");
  plot_text(c, w / 2, 14, "Recall against match threshold, per edit", 22, ink_text, 0, 0);
  plot_text(c, w / 2, 44,
            "x: threshold (Hamming distance, inclusive)   y: share of copies found "
            "(quality-gated)   lines at 15 31 47 63",
            14, ink_text, 0, 0);
  legend_entry(c, w / 2 - 560, 70, ink_plain, "plain (stored hash)", 14);
  legend_entry(c, w / 2 - 320, 70, ink_dih, "dihedral (closest of 8)", 14);
  legend_entry(c, w / 2 - 80, 70, ink_strip, "unletterbox (content region too)", 14);
  legend_entry(c, w / 2 + 260, 70, ink_var, "variants (original's listed too)", 14);
  for (size_t e = 0; e < d->nedits; e++) {
    plot_panel p = {left + (int)(e % cols) * (pw + gap_x), top + (int)(e / cols) * (ph + gap_y),
                    pw, ph, 0, RECALL_XMAX, 0, 1};
    recall_panel(c, &p, d->edits[e].name, &es[e]);
  }
  return save(c, dir, "recall.png");
}

/* ---- distances.png --------------------------------------------------------- */

#define BIN 4
#define NBINS ((EVAL_MAX_DIST + BIN) / BIN)

/* Share of `n` items per bin of BIN distances, as a step line. */
static void hist_steps(plot_canvas *c, const plot_panel *p, const size_t *hist, size_t n,
                       plot_rgb ink) {
  if (!n)
    return;
  double xs[2 * NBINS + 2], ys[2 * NBINS + 2];
  int m = 0;
  for (int b = 0; b < NBINS; b++) {
    size_t sum = 0;
    for (int v = b * BIN; v < (b + 1) * BIN && v <= EVAL_MAX_DIST; v++)
      sum += hist[v];
    double share = (double)sum / (double)n;
    xs[m] = b * BIN, ys[m++] = share;
    xs[m] = (b + 1) * BIN, ys[m++] = share;
  }
  panel_polyline(c, p, xs, ys, m, ink, 2);
}

static double hist_peak(const size_t *hist, size_t n) {
  double peak = 0;
  for (int b = 0; b < NBINS && n; b++) {
    size_t sum = 0;
    for (int v = b * BIN; v < (b + 1) * BIN && v <= EVAL_MAX_DIST; v++)
      sum += hist[v];
    if ((double)sum / (double)n > peak)
      peak = (double)sum / (double)n;
  }
  return peak;
}

static hs_status plot_distances(const pair_stats *ps, const char *dir) {
  const int w = 1100, ph = 300, left = 80, top = 110, gap = 110;
  plot_canvas *c = plot_create(w, top + EVAL_NKINDS * (ph + gap));
  HS_CHECK(c, HS_ERR_NOMEM, "out of memory for a plot");
  plot_text(c, w / 2, 14, "Distance histograms: edited copies against distinct images", 22,
            ink_text, 0, 0);
  char sub[200];
  snprintf(sub, sizeof sub, "%zu copies (all edits) to their original; %zu pairs of distinct "
           "images; bins of %d", ps->copies, ps->pairs, BIN);
  plot_text(c, w / 2, 44, sub, 14, ink_text, 0, 0);
  legend_entry(c, w / 2 - 250, 70, ink_dih, "copies vs original", 14);
  legend_entry(c, w / 2 + 30, 70, ink_pairs, "distinct pairs", 14);
  for (int k = 0; k < EVAL_NKINDS; k++) {
    double peak = hist_peak(ps->copy_hist[k], ps->copies);
    double pp = hist_peak(ps->hist[k], ps->pairs);
    peak = pp > peak ? pp : peak;
    double ymax = peak > 0.5 ? 1 : peak > 0.2 ? 0.5 : peak > 0.1 ? 0.2 : 0.1;
    plot_panel p = {left, top + 20 + k * (ph + gap), w - left - 40, ph, 0, EVAL_MAX_DIST, 0, ymax};
    panel_axes(c, &p, 32, "%.0f", ymax / 5, "%.2f", 12);
    thresholds_lines(c, &p, 11, p.y + 3);
    hist_steps(c, &p, ps->copy_hist[k], ps->copies, ink_dih);
    hist_steps(c, &p, ps->hist[k], ps->pairs, ink_pairs);
    plot_text(c, p.x + p.w / 2, p.y - 26,
              k == EVAL_PLAIN      ? "plain: stored hashes compared"
              : k == EVAL_DIHEDRAL ? "dihedral: closest of the 8 dihedral hashes"
              : k == EVAL_STRIP    ? "unletterbox: also the content region's 8 (as a scan matches)"
                                   : "variants: against the original's list-side variants too",
              15, ink_text, 0, 0);
    plot_text(c, p.x + p.w / 2, p.y + p.h + 22, "Hamming distance", 13, ink_text, 0, 0);
    plot_text(c, 12, p.y + p.h / 2, "share of items", 13, ink_text, 0, 1);
  }
  return save(c, dir, "distances.png");
}

/* ---- by_edit.png ----------------------------------------------------------- */

static hs_status plot_by_edit(const eval_data *d, const edit_stats *es, const char *dir) {
  const int row = 22, left = 200, top = 100, w = 1000;
  const int h = top + (int)d->nedits * row + 60;
  plot_canvas *c = plot_create(w, h);
  HS_CHECK(c, HS_ERR_NOMEM, "out of memory for a plot");
  plot_text(c, w / 2, 14, "Copy distances per edit (dihedral)", 22, ink_text, 0, 0);
  plot_text(c, w / 2, 44, "bar: min to max; box: median to 90th percentile; tick: median", 14,
            ink_text, 0, 0);
  plot_panel p = {left, top, w - left - 40, (int)d->nedits * row, 0, 128, 0, (double)d->nedits};
  panel_axes(c, &p, 0, NULL, 0, NULL, 12);
  thresholds_lines(c, &p, 12, p.y + p.h + 3);
  char label[8];
  for (int v = 0; v <= 128; v += v ? 16 : 80) {
    snprintf(label, sizeof label, "%d", v);
    plot_text(c, panel_px(&p, v), p.y + p.h + 3, label, 12, ink_text, 0, 0);
  }
  const int k = EVAL_DIHEDRAL;
  for (size_t e = 0; e < d->nedits; e++) {
    int y = top + (int)e * row + row / 2;
    plot_text(c, left - 8, y - 8, d->edits[e].name, 13, ink_text, 1, 0);
    if (!es[e].made)
      continue;
    plot_line(c, panel_px(&p, es[e].dmin[k]), y, panel_px(&p, es[e].dmax[k]), y, ink_dih, 1);
    int x0 = panel_px(&p, es[e].dmed[k]), x1 = panel_px(&p, es[e].dp90[k]);
    plot_rect(c, x0, y - 5, x1 - x0 + 1, 11, (plot_rgb){170, 200, 240}, 1);
    plot_line(c, x0, y - 7, x0, y + 7, ink_dih, 2);
  }
  plot_text(c, p.x + p.w / 2, p.y + p.h + 22, "Hamming distance to the original (axis cut at 128)",
            13, ink_text, 0, 0);
  return save(c, dir, "by_edit.png");
}

hs_status eval_plots_write(const eval_data *d, const edit_stats *es, const pair_stats *ps,
                           const char *dir) {
  HS_TRY(plot_recall(d, es, dir));
  HS_TRY(plot_distances(ps, dir));
  return plot_by_edit(d, es, dir);
}
