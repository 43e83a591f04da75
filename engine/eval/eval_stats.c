/* eval/eval_stats.c - the audit's figures: recall per edit and threshold,
 * distance distributions, and false matches over distinct pairs. Computed
 * from the collected hashes only; nothing here is typed in. */
#include <stdio.h>
#include <string.h>

#include "eval/eval_internal.h"

static const int thresholds[HS_EVAL_N_THRESHOLDS] = {15, 31, 47, 63};

int hs_eval_threshold(int i) {
  return i >= 0 && i < HS_EVAL_N_THRESHOLDS ? thresholds[i] : -1;
}

/* Closest of `upload`'s 8 dihedral hashes to `known`: what a scan sees when
 * `upload` is the file and `known` the index entry. */
static int dihedral_distance(const hs_pdq *upload, const hs_hash256 *known) {
  int best = EVAL_MAX_DIST;
  for (int v = 0; v < HS_DIH_COUNT; v++) {
    int dv = hs_hash256_distance(&upload->hash[v], known);
    if (dv < best)
      best = dv;
  }
  return best;
}

const char *eval_kind_name(int kind) {
  static const char *const names[EVAL_NKINDS] = {"plain", "dihedral", "unletterbox", "variants"};
  return kind >= 0 && kind < EVAL_NKINDS ? names[kind] : "?";
}

/* The dihedral distance, or the content region's when that is closer. */
static int strip_distance(const hs_pdq *upload, const hs_pdq *content, const hs_hash256 *known) {
  int best = dihedral_distance(upload, known);
  if (content) {
    int dc = dihedral_distance(content, known);
    if (dc < best)
      best = dc;
  }
  return best;
}

/* The strip distance to the closest of `listed`'s hash and its variants. */
static int variants_distance(const hs_pdq *upload, const hs_pdq *content,
                             const eval_image *listed) {
  int best = strip_distance(upload, content, &listed->pdq.hash[HS_DIH_ORIG]);
  for (size_t v = 0; v < listed->nvariants; v++) {
    int dv = strip_distance(upload, content, &listed->variants[v].hash[HS_DIH_ORIG]);
    if (dv < best)
      best = dv;
  }
  return best;
}

void eval_distances(const eval_image *original, const hs_pdq *copy, const hs_pdq *content,
                    int16_t dist[EVAL_NKINDS]) {
  const hs_hash256 *known = &original->pdq.hash[HS_DIH_ORIG];
  dist[EVAL_PLAIN] = (int16_t)hs_hash256_distance(&copy->hash[HS_DIH_ORIG], known);
  dist[EVAL_DIHEDRAL] = (int16_t)dihedral_distance(copy, known);
  dist[EVAL_STRIP] = (int16_t)strip_distance(copy, content, known);
  dist[EVAL_VARIANTS] = (int16_t)variants_distance(copy, content, original);
}

/* The value at quantile q (0..1) of a histogram holding n counts. */
static int hist_quantile(const size_t *hist, size_t n, double q) {
  if (n == 0)
    return -1;
  size_t rank = (size_t)(q * (double)(n - 1)), seen = 0;
  for (int v = 0; v <= EVAL_MAX_DIST; v++) {
    seen += hist[v];
    if (seen > rank)
      return v;
  }
  return EVAL_MAX_DIST;
}

static int hist_max(const size_t *hist) {
  for (int v = EVAL_MAX_DIST; v >= 0; v--)
    if (hist[v])
      return v;
  return -1;
}

void eval_edit_stats(const eval_data *d, size_t e, int min_quality, edit_stats *out) {
  memset(out, 0, sizeof *out);
  size_t hist[EVAL_NKINDS][EVAL_MAX_DIST + 1];
  memset(hist, 0, sizeof hist);
  for (size_t i = 0; i < d->norig; i++) {
    if (d->orig[i].status != HS_OK)
      continue;
    const eval_copy *c = &d->copies[i * d->nedits + e];
    if (c->status != HS_OK) {
      out->failed++;
      continue;
    }
    out->made++;
    out->stripped += c->stripped;
    int gated = c->quality >= min_quality;
    if (!gated)
      out->low_quality++;
    for (int k = 0; k < EVAL_NKINDS; k++) {
      hist[k][c->dist[k]]++;
      if (gated)
        out->curve[k][c->dist[k]]++;
    }
  }
  for (int k = 0; k < EVAL_NKINDS; k++) {
    for (int t = 1; t <= EVAL_MAX_DIST; t++) /* found at t = gated copies within t */
      out->curve[k][t] += out->curve[k][t - 1];
    for (int i = 0; i < HS_EVAL_N_THRESHOLDS; i++) {
      out->found[k][i] = out->curve[k][thresholds[i]];
      out->recall[k][i] = out->made ? (double)out->found[k][i] / (double)out->made : 0;
    }
    out->dmin[k] = hist_quantile(hist[k], out->made, 0);
    out->dmed[k] = hist_quantile(hist[k], out->made, 0.5);
    out->dp90[k] = hist_quantile(hist[k], out->made, 0.9);
    out->dmax[k] = hist_max(hist[k]);
  }
}

/* Adds one unordered pair: the distance in the direction where a scan
 * could match (the uploaded side passing the quality gate), the smaller of
 * the two directions when both can. */
/* The content region a scan would match for an uploaded image: NULL when
 * none was found or it is below the gate. */
static const hs_pdq *gated_content(const eval_image *a, int min_quality) {
  return a->has_content && a->content.quality >= min_quality ? &a->content : NULL;
}

static void add_pair(pair_stats *out, const eval_image *a, const eval_image *b, int min_quality) {
  int ga = a->pdq.quality >= min_quality, gb = b->pdq.quality >= min_quality;
  int plain = hs_hash256_distance(&a->pdq.hash[HS_DIH_ORIG], &b->pdq.hash[HS_DIH_ORIG]);
  int dih = EVAL_MAX_DIST, strip = EVAL_MAX_DIST, var = EVAL_MAX_DIST;
  if (ga) {
    dih = dihedral_distance(&a->pdq, &b->pdq.hash[HS_DIH_ORIG]);
    strip = strip_distance(&a->pdq, gated_content(a, min_quality), &b->pdq.hash[HS_DIH_ORIG]);
    var = variants_distance(&a->pdq, gated_content(a, min_quality), b);
  }
  if (gb) {
    int other = dihedral_distance(&b->pdq, &a->pdq.hash[HS_DIH_ORIG]);
    if (other < dih)
      dih = other;
    other = strip_distance(&b->pdq, gated_content(b, min_quality), &a->pdq.hash[HS_DIH_ORIG]);
    if (other < strip)
      strip = other;
    other = variants_distance(&b->pdq, gated_content(b, min_quality), a);
    if (other < var)
      var = other;
  }
  out->pairs++;
  out->hist[EVAL_PLAIN][plain]++;
  out->hist[EVAL_DIHEDRAL][dih]++;
  out->hist[EVAL_STRIP][strip]++;
  out->hist[EVAL_VARIANTS][var]++;
  for (int i = 0; i < HS_EVAL_N_THRESHOLDS; i++) {
    out->false_matches[EVAL_PLAIN][i] += (ga || gb) && plain <= thresholds[i];
    out->false_matches[EVAL_DIHEDRAL][i] += (ga || gb) && dih <= thresholds[i];
    out->false_matches[EVAL_STRIP][i] += (ga || gb) && strip <= thresholds[i];
    out->false_matches[EVAL_VARIANTS][i] += (ga || gb) && var <= thresholds[i];
  }
}

static const eval_image *image_at(const eval_data *d, size_t i) {
  return i < d->norig ? &d->orig[i] : &d->distr[i - d->norig];
}

void eval_pair_stats(const eval_data *d, int min_quality, pair_stats *out) {
  memset(out, 0, sizeof *out);
  size_t n = d->norig + d->ndistr;
  for (size_t i = 0; i < n; i++) {
    const eval_image *a = image_at(d, i);
    if (a->status != HS_OK)
      continue;
    out->images++;
    if (i < d->norig)
      out->stripped_orig += a->has_content != 0;
    else
      out->stripped_distr += a->has_content != 0;
    for (size_t j = i + 1; j < n; j++) {
      const eval_image *b = image_at(d, j);
      if (b->status == HS_OK)
        add_pair(out, a, b, min_quality);
    }
  }
  for (int k = 0; k < EVAL_NKINDS; k++) {
    for (int i = 0; i < HS_EVAL_N_THRESHOLDS; i++)
      out->rate[k][i] = out->pairs ? (double)out->false_matches[k][i] / (double)out->pairs : 0;
    out->dmin[k] = hist_quantile(out->hist[k], out->pairs, 0);
    out->dmed[k] = hist_quantile(out->hist[k], out->pairs, 0.5);
  }
  for (size_t i = 0; i < d->norig; i++) {
    if (d->orig[i].status != HS_OK)
      continue;
    for (size_t e = 0; e < d->nedits; e++) {
      const eval_copy *c = &d->copies[i * d->nedits + e];
      if (c->status != HS_OK)
        continue;
      out->copies++;
      for (int k = 0; k < EVAL_NKINDS; k++)
        out->copy_hist[k][c->dist[k]]++;
    }
  }
}

void eval_summarise(const eval_data *d, const edit_stats *es, const pair_stats *ps,
                    hs_eval_summary *s) {
  memset(s, 0, sizeof *s);
  s->edits = d->nedits;
  s->min_recall31 = 1;
  for (size_t i = 0; i < d->norig; i++)
    s->originals += d->orig[i].status == HS_OK;
  for (size_t i = 0; i < d->ndistr; i++)
    s->distractors += d->distr[i].status == HS_OK;
  s->failed_files = d->norig + d->ndistr - s->originals - s->distractors;
  for (size_t e = 0; e < d->nedits; e++) {
    s->copies += es[e].made;
    s->failed_copies += es[e].failed;
    if (es[e].made && es[e].recall[EVAL_DIHEDRAL][1] < s->min_recall31) {
      s->min_recall31 = es[e].recall[EVAL_DIHEDRAL][1];
      snprintf(s->min_recall31_edit, sizeof s->min_recall31_edit, "%s", d->edits[e].name);
    }
  }
  s->false_match_rate31 = ps->rate[EVAL_DIHEDRAL][1];
  s->elapsed = d->elapsed;
}
