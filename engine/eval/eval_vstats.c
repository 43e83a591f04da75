/* eval/eval_vstats.c - the video figures: vPDQ's rule between two clips'
 * frame hashes (as match/video_match.c applies it against an index, here
 * pairwise so the shares of copies that miss are known too), recall per
 * edit, and false matches between distinct originals. */
#include <stdlib.h>
#include <string.h>

#include "eval/eval_internal.h"
#include "hashsweep/video_match.h"

/* Indices of the frames that pass the gate, one per distinct own hash. */
static size_t unique_frames(const hs_pdq *f, size_t n, int min_quality, size_t *out) {
  size_t u = 0;
  for (size_t i = 0; i < n; i++) {
    if (f[i].quality < min_quality)
      continue;
    size_t j = 0;
    while (j < u && memcmp(&f[out[j]].hash[HS_DIH_ORIG], &f[i].hash[HS_DIH_ORIG],
                           sizeof(hs_hash256)) != 0)
      j++;
    if (j == u)
      out[u++] = i;
  }
  return u;
}

/* Is query frame q within the radius of listed frame l? */
static int near(const hs_pdq *q, const hs_pdq *l, int radius, int dihedral) {
  for (int v = 0; v < (dihedral ? HS_DIH_COUNT : 1); v++)
    if (hs_hash256_distance(&q->hash[v], &l->hash[HS_DIH_ORIG]) <= radius)
      return 1;
  return 0;
}

void eval_vpdq_shares(const hs_pdq *query, size_t nq, const hs_pdq *listed, size_t nl,
                      int min_quality, int radius, int dihedral, double *query_pct,
                      double *compared_pct) {
  *query_pct = *compared_pct = 0;
  size_t *uq = malloc(sizeof *uq * (nq ? nq : 1)), *ul = malloc(sizeof *ul * (nl ? nl : 1));
  unsigned char *reached = calloc(nl ? nl : 1, 1);
  if (uq && ul && reached) {
    size_t a = unique_frames(query, nq, min_quality, uq);
    size_t b = unique_frames(listed, nl, min_quality, ul);
    size_t qm = 0, cm = 0;
    for (size_t i = 0; i < a; i++) {
      int hit = 0;
      for (size_t j = 0; j < b; j++)
        if (near(&query[uq[i]], &listed[ul[j]], radius, dihedral))
          hit = 1, reached[j] = 1;
      qm += hit;
    }
    for (size_t j = 0; j < b; j++)
      cm += reached[j];
    if (a && b) {
      *query_pct = qm * 100.0 / a;
      *compared_pct = cm * 100.0 / b;
    }
  }
  free(uq);
  free(ul);
  free(reached);
}

static int matches(double q, double c) {
  return q >= HS_VIDEO_DEFAULT_QUERY_PERCENT && c >= HS_VIDEO_DEFAULT_COMPARED_PERCENT;
}

/* Does clip copy `q` match the original `l`, by kind (plain, dihedral,
 * unletterbox: the frames, then the content frames as a video of their own,
 * as a scan matches them)? The shares are those of the best way found. */
static void match_kinds(const eval_vhashes *q, const eval_vhashes *l, int min_quality,
                        int hit[EVAL_VKINDS], double *qp, double *cp) {
  int radius = HS_PDQ_DEFAULT_RADIUS;
  double pq, pc, dq, dc, cq = 0, cc = 0;
  eval_vpdq_shares(q->frames, q->nframes, l->frames, l->nframes, min_quality, radius, 0, &pq,
                   &pc);
  eval_vpdq_shares(q->frames, q->nframes, l->frames, l->nframes, min_quality, radius, 1, &dq,
                   &dc);
  if (q->ncontent)
    eval_vpdq_shares(q->content, q->ncontent, l->frames, l->nframes, min_quality, radius, 1, &cq,
                     &cc);
  hit[EVAL_PLAIN] = matches(pq, pc);
  hit[EVAL_DIHEDRAL] = matches(dq, dc);
  hit[EVAL_STRIP] = hit[EVAL_DIHEDRAL] || matches(cq, cc);
  /* The shares shown: those of the way that matched, else the larger. */
  int dm = hit[EVAL_DIHEDRAL], cm = matches(cq, cc);
  int content_better = (cm && !dm) || (cm == dm && cq > dq);
  *qp = content_better ? cq : dq;
  *cp = content_better ? cc : dc;
}

static int any_gated(const eval_vhashes *h, int min_quality) {
  for (size_t i = 0; i < h->nframes; i++)
    if (h->frames[i].quality >= min_quality)
      return 1;
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, size_t n) {
  if (!n)
    return 0;
  qsort(v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void eval_video_edit_stats(const eval_data *d, int edit, video_edit_stats *out) {
  const eval_video *v = &d->video;
  int gate = d->opt->min_quality;
  memset(out, 0, sizeof *out);
  double *qs = calloc(v->nclips ? v->nclips : 1, sizeof *qs);
  double *cs = calloc(v->nclips ? v->nclips : 1, sizeof *cs);
  double *fs = calloc(v->nclips ? v->nclips : 1, sizeof *fs);
  if (!qs || !cs || !fs) {
    free(qs), free(cs), free(fs);
    return;
  }
  for (size_t i = 0; i < v->nclips; i++) {
    const eval_clip *c = &v->clips[i];
    if (c->status != HS_OK)
      continue;
    if (c->copy_status[edit] != HS_OK) {
      out->failed++;
      continue;
    }
    const eval_vhashes *copy = &c->copy[edit];
    int hit[EVAL_VKINDS];
    double qp, cp;
    match_kinds(copy, &c->orig, gate, hit, &qp, &cp);
    for (int k = 0; k < EVAL_VKINDS; k++)
      out->found[k] += hit[k] != 0;
    out->via_content += hit[EVAL_STRIP] && !hit[EVAL_DIHEDRAL];
    out->no_frames += !any_gated(copy, gate);
    qs[out->made] = qp;
    cs[out->made] = cp;
    fs[out->made] = (double)copy->nframes;
    out->made++;
    for (size_t j = 0; j < v->nclips; j++) {
      if (j == i || v->clips[j].status != HS_OK)
        continue;
      int other[EVAL_VKINDS];
      double oq, oc;
      match_kinds(copy, &v->clips[j].orig, gate, other, &oq, &oc);
      out->false_matches += other[EVAL_STRIP] != 0;
    }
  }
  for (int k = 0; k < EVAL_VKINDS; k++)
    out->recall[k] = out->made ? (double)out->found[k] / out->made : 0;
  out->query_median = median(qs, out->made);
  out->compared_median = median(cs, out->made);
  out->frames_median = (size_t)median(fs, out->made);
  free(qs), free(cs), free(fs);
}

void eval_video_pair_stats(const eval_data *d, video_pair_stats *out) {
  const eval_video *v = &d->video;
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < v->nclips; i++) {
    if (v->clips[i].status != HS_OK)
      continue;
    out->clips++;
    for (size_t j = 0; j < v->nclips; j++) {
      if (j == i || v->clips[j].status != HS_OK)
        continue;
      int hit[EVAL_VKINDS];
      double q, c;
      match_kinds(&v->clips[i].orig, &v->clips[j].orig, d->opt->min_quality, hit, &q, &c);
      out->false_matches += hit[EVAL_STRIP] != 0;
    }
  }
  out->pairs = out->clips * (out->clips ? out->clips - 1 : 0);
  out->rate = out->pairs ? (double)out->false_matches / out->pairs : 0;
}
