/* eval/eval_report_video.c - the video edits in the audit report: the
 * section of report.md/report.html, the "video" object of report.json,
 * and the video failures of the failures table. */
#include <stdio.h>
#include <string.h>

#include "eval/eval_internal.h"
#include "eval/report_doc.h"
#include "hashsweep/video_match.h"

static const char *const vkind_names[EVAL_VKINDS] = {"plain", "dihedral", "unletterbox"};

void eval_report_video_section(doc *o, const eval_data *d) {
  const eval_video *v = &d->video;
  doc_heading(o, 2, "Video edits (vPDQ)");
  if (!v->enabled) {
    doc_para(o, "Not run (video clips 0).");
    return;
  }
  if (v->skipped[0]) {
    doc_para(o, "Skipped: %s.", v->skipped);
    return;
  }
  video_pair_stats ps;
  eval_video_pair_stats(d, &ps);
  doc_para(o, "%zu clips of %d s (%d frames, %dx%d at %d fps, encoder %s), each made from one "
              "original picture filmed by a moving camera (%d scenes: zooms and pans over "
              "other parts of it), then edited with FFmpeg's libraries and hashed with vPDQ's "
              "sampling (1 frame per second) through the scan's video path, in %.1f s. A copy "
              "is found when vPDQ's rule matches it to its own original with a scan's defaults: "
              "frames below quality %d dropped, duplicate hashes removed, at least %.0f%% of "
              "the copy's unique frames within %d bits of a frame of the original (compared "
              "share at least %.0f%%). Plain uses the frames' own hashes; dihedral their 8 "
              "dihedral hashes (a mirrored copy); unletterbox also the content frames inside "
              "added borders, matched as a video of their own, as a scan does by default. The "
              "shares are those of the way that matched (else the best). False matches: "
              "copies that match another clip's original (unletterbox).",
           ps.clips, d->opt->video_seconds, v->frames, CLIP_W, CLIP_H, CLIP_FPS, v->encoder,
           CLIP_SCENES, v->elapsed, d->opt->min_quality, HS_VIDEO_DEFAULT_QUERY_PERCENT,
           HS_PDQ_DEFAULT_RADIUS, HS_VIDEO_DEFAULT_COMPARED_PERCENT);
  const char *hdr[] = {"edit",         "clips",          "failed",          "no frame passed the gate",
                       "plain",        "dihedral",       "unletterbox",     "median query %",
                       "median compared %", "median frames", "false matches", "what the edit does"};
  enum { NCOL = sizeof hdr / sizeof hdr[0] };
  doc_table_start(o, hdr, NCOL);
  for (int e = 0; e < CLIP_NEDITS; e++) {
    video_edit_stats s;
    eval_video_edit_stats(d, e, &s);
    char cells[NCOL - 2][32];
    snprintf(cells[0], sizeof cells[0], "%zu", s.made);
    snprintf(cells[1], sizeof cells[0], "%zu", s.failed);
    snprintf(cells[2], sizeof cells[0], "%zu", s.no_frames);
    for (int k = 0; k < EVAL_VKINDS; k++)
      if (s.made)
        snprintf(cells[3 + k], sizeof cells[0], "%.1f%%", 100 * s.recall[k]);
      else
        snprintf(cells[3 + k], sizeof cells[0], "n/a");
    snprintf(cells[6], sizeof cells[0], "%.0f", s.query_median);
    snprintf(cells[7], sizeof cells[0], "%.0f", s.compared_median);
    snprintf(cells[8], sizeof cells[0], "%zu", s.frames_median);
    snprintf(cells[9], sizeof cells[0], "%zu", s.false_matches);
    const char *row[NCOL] = {clip_edit_name(e)};
    for (int i = 0; i < NCOL - 2; i++)
      row[1 + i] = cells[i];
    row[NCOL - 1] = clip_edit_describe(e);
    doc_table_row(o, row, NCOL, 0);
  }
  doc_table_end(o);
  doc_para(o, "False matches between distinct clips: %zu of %zu ordered pairs of originals "
              "matched (rate %.2g).",
           ps.false_matches, ps.pairs, ps.rate);
}

void eval_report_video_summary(doc *o, const eval_data *d) {
  const eval_video *v = &d->video;
  if (!v->enabled || v->skipped[0])
    return;
  double low = 2;
  int low_edit = -1;
  size_t gated = 0;
  for (int e = 0; e < CLIP_NEDITS; e++) {
    video_edit_stats s;
    eval_video_edit_stats(d, e, &s);
    gated += s.no_frames;
    if (s.made && s.recall[EVAL_STRIP] < low)
      low = s.recall[EVAL_STRIP], low_edit = e;
  }
  video_pair_stats ps;
  eval_video_pair_stats(d, &ps);
  if (low_edit < 0) {
    doc_para(o, "Video edits: no copy of the %zu clips could be made (see Failures).", ps.clips);
    return;
  }
  doc_para(o, "Video edits (%zu clips, vPDQ's rule as a scan applies it, dihedral hashes and "
              "content frames included): the lowest recall was %.1f%% (%s); %zu copies had no "
              "frame above the quality gate; %zu of %zu ordered pairs of distinct clips "
              "matched.",
           ps.clips, 100 * low, clip_edit_name(low_edit), gated, ps.false_matches, ps.pairs);
}

void eval_report_video_json(FILE *f, const eval_data *d) {
  const eval_video *v = &d->video;
  fprintf(f, " \"video\": {\"enabled\": %s", v->enabled ? "true" : "false");
  if (!v->enabled) {
    fputs("}", f);
    return;
  }
  fputs(", \"skipped\": ", f);
  if (v->skipped[0])
    hs_json_write_string(f, v->skipped);
  else
    fputs("null", f);
  fputs(", \"encoder\": ", f);
  hs_json_write_string(f, v->encoder);
  video_pair_stats ps;
  eval_video_pair_stats(d, &ps);
  fprintf(f, ", \"clips\": %zu, \"seconds\": %d, \"frames\": %d, \"fps\": %d, "
             "\"size\": [%d, %d], \"radius\": %d, \"query_percent\": %g, "
             "\"compared_percent\": %g,\n  \"edits\": [\n",
          ps.clips, d->opt->video_seconds, v->frames, CLIP_FPS, CLIP_W, CLIP_H,
          HS_PDQ_DEFAULT_RADIUS, HS_VIDEO_DEFAULT_QUERY_PERCENT,
          HS_VIDEO_DEFAULT_COMPARED_PERCENT);
  for (int e = 0; e < CLIP_NEDITS; e++) {
    video_edit_stats s;
    eval_video_edit_stats(d, e, &s);
    fprintf(f, "   {\"name\": \"%s\", \"clips\": %zu, \"failed\": %zu, \"no_frames\": %zu, "
               "\"recall\": {",
            clip_edit_name(e), s.made, s.failed, s.no_frames);
    for (int k = 0; k < EVAL_VKINDS; k++)
      fprintf(f, "%s\"%s\": %.6g", k ? ", " : "", vkind_names[k], s.recall[k]);
    fprintf(f, "}, \"via_content\": %zu, \"query_percent_median\": %.6g, "
               "\"compared_percent_median\": %.6g, \"frames_median\": %zu, "
               "\"false_matches\": %zu}%s\n",
            s.via_content, s.query_median, s.compared_median, s.frames_median, s.false_matches,
            e + 1 < CLIP_NEDITS ? "," : "");
  }
  fprintf(f, "  ],\n  \"pairs\": {\"clips\": %zu, \"pairs\": %zu, \"false_matches\": %zu, "
             "\"false_match_rate\": %.6g}",
          ps.clips, ps.pairs, ps.false_matches, ps.rate);
  fputs("}", f);
}

size_t eval_report_video_failures(doc *o, const eval_data *d) {
  const eval_video *v = &d->video;
  size_t n = 0;
  if (v->enabled && v->skipped[0]) {
    if (o)
      doc_kv(o, "video edits (skipped)", v->skipped);
    n++;
  }
  for (size_t i = 0; i < v->nclips; i++)
    if (v->clips[i].status != HS_OK) {
      if (o)
        doc_kv(o, "video clip", v->clips[i].error);
      n++;
    }
  for (int e = 0; e < CLIP_NEDITS; e++)
    if (v->edit_error[e][0]) {
      if (o)
        doc_kv(o, "video edit (first failure)", v->edit_error[e]);
      n++;
    }
  return n;
}
