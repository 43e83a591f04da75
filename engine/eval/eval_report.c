/* eval/eval_report.c - the audit report: report.md and report.html (the
 * same sections, written side by side), report.json (the figures for
 * machines), and the plots. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "eval/eval_internal.h"
#include "eval/report_doc.h"

/* ---- sections ---------------------------------------------------------------- */

static void section_config(doc *o, const eval_data *d, const hs_eval_summary *s) {
  const hs_eval_options *opt = d->opt;
  char buf[4300];
  doc_heading(o, 2, "Configuration");
  const char *hdr[2] = {"setting", "value"};
  doc_table_start(o, hdr, 2);
  doc_kv(o, "date", d->date);
  snprintf(buf, sizeof buf, "%s (%s)", hs_version(), hs_build_features());
  doc_kv(o, "hashsweep", buf);
  doc_kv(o, "engine (device)", hs_engine_description(d->pdq_engine));
  snprintf(buf, sizeof buf, "%s, EXIF orientation %s", hs_mode_name(opt->decode.mode),
           opt->decode.exif_rotate ? "applied" : "ignored");
  doc_kv(o, "mode", buf);
  if (opt->variants) {
    buf[0] = '\0';
    for (size_t i = 0, n = 0; i < hs_variant_count(opt->variants) && n < sizeof buf; i++)
      n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? ", " : "",
                            hs_variant_name(opt->variants, i));
    doc_kv(o, "list-side variants of each original", buf);
  } else {
    doc_kv(o, "list-side variants of each original", "none (the variants columns equal unletterbox)");
  }
  doc_kv(o, "unletterbox", !opt->decode.no_unletterbox
                          ? "on: content regions inside added borders hashed and matched"
                          : "off (--no-unletterbox): the unletterbox column equals dihedral");
  snprintf(buf, sizeof buf, "%d (copies below it are not matched, as in a scan)",
           opt->min_quality);
  doc_kv(o, "quality gate", buf);
  snprintf(buf, sizeof buf, "%s: %zu hashed, %zu listed", opt->originals, s->originals, d->norig);
  doc_kv(o, "originals", buf);
  snprintf(buf, sizeof buf, "%s: %zu hashed, %zu listed",
           opt->distractors ? opt->distractors : "(none)", s->distractors, d->ndistr);
  doc_kv(o, "distractors", buf);
  snprintf(buf, sizeof buf, "%zu edits, %zu copies made and hashed, %zu failed", d->nedits,
           s->copies, s->failed_copies);
  doc_kv(o, "copies", buf);
  if (opt->limit) {
    snprintf(buf, sizeof buf, "%zu", opt->limit);
    doc_kv(o, "limit (originals, distractors)", buf);
  }
  snprintf(buf, sizeof buf, "%.1f s", d->elapsed);
  doc_kv(o, "hashing time", buf);
  if (opt->command_line)
    doc_kv(o, "command", opt->command_line);
  doc_table_end(o);
}

static void pct(char *out, size_t cap, double v) { snprintf(out, cap, "%.1f%%", 100 * v); }

static void section_recall(doc *o, const eval_data *d, const edit_stats *es) {
  doc_heading(o, 2, "Recall per edit");
  doc_para(o, "Share of the copies found at each threshold (distance <= T and quality >= the gate). "
          "Plain compares the copy's stored hash with the original's; dihedral takes the "
          "closest of the copy's 8 dihedral hashes; unletterbox also takes the 8 hashes of the "
          "content region inside added borders when the copy has them (query-side strip), as "
          "a scan does by default. Variants also takes the original's list-side variants as "
          "listed hashes (hashsweep hash --variants: named crops and small rotations), as if a "
          "contributor had listed them. Stripped: copies whose added borders were found.");
  enum { NCOL = 4 + EVAL_NKINDS * HS_EVAL_N_THRESHOLDS };
  char head[NCOL][32];
  const char *hdr[NCOL];
  snprintf(head[0], sizeof head[0], "edit");
  snprintf(head[1], sizeof head[1], "copies");
  snprintf(head[2], sizeof head[2], "low quality");
  snprintf(head[NCOL - 1], sizeof head[0], "stripped");
  for (int k = 0; k < EVAL_NKINDS; k++)
    for (int t = 0; t < HS_EVAL_N_THRESHOLDS; t++)
      snprintf(head[3 + k * HS_EVAL_N_THRESHOLDS + t], sizeof head[0], "%s %d",
               eval_kind_name(k), hs_eval_threshold(t));
  for (int i = 0; i < NCOL; i++)
    hdr[i] = head[i];
  doc_table_start(o, hdr, NCOL);
  for (size_t e = 0; e < d->nedits; e++) {
    char cells[NCOL][EDIT_NAME_MAX + 8];
    const char *row[NCOL];
    snprintf(cells[0], sizeof cells[0], "%s", d->edits[e].name);
    snprintf(cells[1], sizeof cells[1], "%zu", es[e].made);
    snprintf(cells[2], sizeof cells[2], "%zu", es[e].low_quality);
    for (int k = 0; k < EVAL_NKINDS; k++)
      for (int t = 0; t < HS_EVAL_N_THRESHOLDS; t++) {
        char *cell = cells[3 + k * HS_EVAL_N_THRESHOLDS + t];
        if (es[e].made)
          pct(cell, sizeof cells[0], es[e].recall[k][t]);
        else
          snprintf(cell, sizeof cells[0], "n/a");
      }
    snprintf(cells[NCOL - 1], sizeof cells[0], "%zu", es[e].stripped);
    for (int i = 0; i < NCOL; i++)
      row[i] = cells[i];
    doc_table_row(o, row, NCOL, 0);
  }
  doc_table_end(o);
}

static void section_distances(doc *o, const eval_data *d, const edit_stats *es) {
  doc_heading(o, 2, "Distance distribution per edit");
  doc_para(o, "Hamming distance of each copy to its original (all copies made, quality not gated).");
  const char *hdr[] = {"edit", "plain min / median / p90 / max",
                       "dihedral min / median / p90 / max",
                       "unletterbox min / median / p90 / max",
                       "variants min / median / p90 / max", "what the edit does"};
  doc_table_start(o, hdr, 6);
  for (size_t e = 0; e < d->nedits; e++) {
    char q[EVAL_NKINDS][64], what[400];
    for (int k = 0; k < EVAL_NKINDS; k++) {
      snprintf(q[k], sizeof q[k], "n/a");
      if (es[e].made)
        snprintf(q[k], sizeof q[k], "%d / %d / %d / %d", es[e].dmin[k], es[e].dmed[k],
                 es[e].dp90[k], es[e].dmax[k]);
    }
    edit_describe(&d->edits[e], what, sizeof what);
    const char *row[] = {d->edits[e].name, q[EVAL_PLAIN],     q[EVAL_DIHEDRAL],
                         q[EVAL_STRIP],    q[EVAL_VARIANTS], what};
    doc_table_row(o, row, 6, 0);
  }
  doc_table_end(o);
}

static void section_pairs(doc *o, const pair_stats *ps) {
  doc_heading(o, 2, "False matches between distinct images");
  doc_para(o, "All %zu pairs of the %zu distinct images (originals and distractors). A pair counts "
          "when it is within the threshold in a direction where the uploaded image passes the "
          "quality gate. Rate = false matches / pairs. With unletterbox, an image's content "
          "region (when added borders were found in it) is matched too: found in %zu of the "
          "originals and %zu of the distractors.",
       ps->pairs, ps->images, ps->stripped_orig, ps->stripped_distr);
  const char *hdr[] = {"matching", "pairs", "at 15", "at 31", "at 47", "at 63", "min distance",
                       "median distance"};
  doc_table_start(o, hdr, 8);
  for (int k = 0; k < EVAL_NKINDS; k++) {
    char cells[8][64];
    snprintf(cells[0], sizeof cells[0], "%s", eval_kind_name(k));
    snprintf(cells[1], sizeof cells[1], "%zu", ps->pairs);
    for (int t = 0; t < HS_EVAL_N_THRESHOLDS; t++)
      snprintf(cells[2 + t], sizeof cells[0], "%zu (%.2g)", ps->false_matches[k][t],
               ps->rate[k][t]);
    snprintf(cells[6], sizeof cells[0], "%d", ps->dmin[k]);
    snprintf(cells[7], sizeof cells[0], "%d", ps->dmed[k]);
    const char *row[8];
    for (int i = 0; i < 8; i++)
      row[i] = cells[i];
    doc_table_row(o, row, 8, 0);
  }
  doc_table_end(o);
}

static void section_failures(doc *o, const eval_data *d) {
  size_t n = d->nsource_errors;
  for (size_t i = 0; i < d->norig; i++)
    n += d->orig[i].status != HS_OK;
  for (size_t i = 0; i < d->ndistr; i++)
    n += d->distr[i].status != HS_OK;
  for (size_t e = 0; e < d->nedits; e++)
    n += d->edit_error[e][0] != '\0';
  n += eval_report_video_failures(NULL, d);
  doc_heading(o, 2, "Failures");
  if (!n) {
    doc_para(o, "None: every listed file was hashed and every copy (and video clip) was made.");
    return;
  }
  const char *hdr[] = {"item", "cause"};
  doc_table_start(o, hdr, 2);
  for (size_t i = 0; i < d->nsource_errors; i++)
    doc_kv(o, "listing", d->source_errors[i]);
  for (size_t i = 0; i < d->norig; i++)
    if (d->orig[i].status != HS_OK)
      doc_kv(o, "original", d->orig[i].error);
  for (size_t i = 0; i < d->ndistr; i++)
    if (d->distr[i].status != HS_OK)
      doc_kv(o, "distractor", d->distr[i].error);
  for (size_t e = 0; e < d->nedits; e++)
    if (d->edit_error[e][0])
      doc_kv(o, "edit (first failure)", d->edit_error[e]);
  eval_report_video_failures(o, d);
  doc_table_end(o);
}

static void section_summary(doc *o, const eval_data *d, const edit_stats *es,
                            const pair_stats *ps, const hs_eval_summary *s) {
  size_t full = 0, made = 0, gated = 0;
  for (size_t e = 0; e < d->nedits; e++) {
    made += es[e].made > 0;
    full += es[e].made > 0 && es[e].found[EVAL_DIHEDRAL][1] + es[e].low_quality == es[e].made;
    gated += es[e].low_quality;
  }
  doc_heading(o, 2, "Summary");
  doc_para(o, "At the default threshold 31 with dihedral matching, %zu of %zu edits had every copy "
          "found that passes the quality gate; the lowest recall was %.1f%% (%s). %zu of %zu "
          "pairs of distinct images were within 31 (rate %.2g). %zu copies were below the "
          "quality gate: a scan reports such files but does not match them, so they count as "
          "missed here.", full, made, 100 * s->min_recall31,
       s->min_recall31_edit[0] ? s->min_recall31_edit : "none", ps->false_matches[1][1],
       ps->pairs, ps->rate[1][1], gated);
  if (!d->opt->decode.no_unletterbox) {
    size_t strip_full = 0;
    double strip_min = 1;
    const char *strip_min_edit = "none";
    for (size_t e = 0; e < d->nedits; e++) {
      if (!es[e].made)
        continue;
      strip_full += es[e].found[EVAL_STRIP][1] + es[e].low_quality == es[e].made;
      if (es[e].recall[EVAL_STRIP][1] < strip_min) {
        strip_min = es[e].recall[EVAL_STRIP][1];
        strip_min_edit = d->edits[e].name;
      }
    }
    doc_para(o, "With unletterbox (the content region inside added borders matched too, a scan's "
            "default), %zu of %zu edits had every gated copy found at 31; the lowest recall was "
            "%.1f%% (%s). %zu of %zu pairs of distinct images were within 31. Added borders were "
            "found in %zu of %zu originals and %zu of %zu distractors.",
         strip_full, made, 100 * strip_min, strip_min_edit, ps->false_matches[EVAL_STRIP][1],
         ps->pairs, ps->stripped_orig, s->originals, ps->stripped_distr, s->distractors);
  }
  if (d->opt->variants)
    doc_para(o, "With the originals' list-side variants listed too (%zu per original), %zu of %zu "
            "pairs of distinct images were within 31 (%zu within 47).",
         hs_variant_count(d->opt->variants), ps->false_matches[EVAL_VARIANTS][1], ps->pairs,
         ps->false_matches[EVAL_VARIANTS][2]);
  eval_report_video_summary(o, d);
}

static void write_doc(doc *o, const eval_data *d, const edit_stats *es, const pair_stats *ps,
                      const hs_eval_summary *s) {
  fputs("# hashsweep accuracy audit\n", o->md);
  fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>hashsweep accuracy audit"
        "</title>\n<style>body{font-family:sans-serif;max-width:1500px;margin:2em auto;"
        "padding:0 1em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;"
        "padding:2px 8px;text-align:right}td:first-child,th:first-child{text-align:left}"
        "img{max-width:100%}</style></head><body>\n<h1>hashsweep accuracy audit</h1>\n",
        o->html);
  section_summary(o, d, es, ps, s);
  section_config(o, d, s);
  section_recall(o, d, es);
  doc_image(o, "recall.png", "recall against threshold per edit");
  section_distances(o, d, es);
  doc_image(o, "by_edit.png", "copy distances per edit");
  section_pairs(o, ps);
  doc_image(o, "distances.png", "distance histograms of copies and distinct pairs");
  eval_report_video_section(o, d);
  section_failures(o, d);
  fputs("</body></html>\n", o->html);
}

/* ---- report.json --------------------------------------------------------------- */

static void json_kinds(FILE *f, const char *key, const double v[EVAL_NKINDS][HS_EVAL_N_THRESHOLDS]) {
  fprintf(f, "\"%s\": {", key);
  for (int k = 0; k < EVAL_NKINDS; k++) {
    fprintf(f, "%s\"%s\": [", k ? ", " : "", eval_kind_name(k));
    for (int t = 0; t < HS_EVAL_N_THRESHOLDS; t++)
      fprintf(f, "%s%.6g", t ? ", " : "", v[k][t]);
    fputs("]", f);
  }
  fputs("}", f);
}

static void write_json(FILE *f, const eval_data *d, const edit_stats *es, const pair_stats *ps,
                       const hs_eval_summary *s) {
  fputs("{\"hashsweep_version\": ", f);
  hs_json_write_string(f, hs_version());
  fputs(", \"engine\": ", f);
  hs_json_write_string(f, hs_engine_description(d->pdq_engine));
  fprintf(f, ", \"mode\": \"%s\", \"min_quality\": %d, \"date\": \"%s\",\n",
          hs_mode_name(d->opt->decode.mode), d->opt->min_quality, d->date);
  fprintf(f, " \"originals\": %zu, \"distractors\": %zu, \"failed_files\": %zu, "
             "\"copies\": %zu, \"failed_copies\": %zu,\n \"thresholds\": [",
          s->originals, s->distractors, s->failed_files, s->copies, s->failed_copies);
  for (int t = 0; t < HS_EVAL_N_THRESHOLDS; t++)
    fprintf(f, "%s%d", t ? ", " : "", hs_eval_threshold(t));
  fputs("],\n \"edits\": [\n", f);
  for (size_t e = 0; e < d->nedits; e++) {
    fputs("  {\"name\": ", f);
    hs_json_write_string(f, d->edits[e].name);
    fprintf(f, ", \"copies\": %zu, \"failed\": %zu, \"low_quality\": %zu, ", es[e].made,
            es[e].failed, es[e].low_quality);
    json_kinds(f, "recall", es[e].recall);
    fprintf(f, ", \"stripped\": %zu, \"distance\": {", es[e].stripped);
    for (int k = 0; k < EVAL_NKINDS; k++)
      fprintf(f, "%s\"%s\": [%d, %d, %d, %d]", k ? ", " : "", eval_kind_name(k), es[e].dmin[k],
              es[e].dmed[k], es[e].dp90[k], es[e].dmax[k]);
    fprintf(f, "}}%s\n", e + 1 < d->nedits ? "," : "");
  }
  fprintf(f, " ],\n \"pairs\": {\"images\": %zu, \"pairs\": %zu, ", ps->images, ps->pairs);
  json_kinds(f, "false_match_rate", ps->rate);
  fputs(", \"false_matches\": {", f);
  for (int k = 0; k < EVAL_NKINDS; k++) {
    fprintf(f, "%s\"%s\": [", k ? ", " : "", eval_kind_name(k));
    for (int t = 0; t < HS_EVAL_N_THRESHOLDS; t++)
      fprintf(f, "%s%zu", t ? ", " : "", ps->false_matches[k][t]);
    fputs("]", f);
  }
  fprintf(f, "}, \"stripped\": {\"originals\": %zu, \"distractors\": %zu}",
          ps->stripped_orig, ps->stripped_distr);
  fputs(", \"min_distance\": {", f);
  for (int k = 0; k < EVAL_NKINDS; k++)
    fprintf(f, "%s\"%s\": %d", k ? ", " : "", eval_kind_name(k), ps->dmin[k]);
  fputs("}},\n", f);
  eval_report_video_json(f, d);
  fputs("\n}\n", f);
}

/* ---- files ------------------------------------------------------------------- */

static FILE *open_out(const char *dir, const char *name, char *path, size_t cap) {
  snprintf(path, cap, "%s/%s", dir, name);
  return fopen(path, "w");
}

static hs_status close_out(FILE *f, const char *path) {
  int bad = ferror(f);
  if (fclose(f) != 0 || bad)
    return error_set(HS_ERR_IO, "%s: cannot write: %s", path, strerror(errno ? errno : EIO));
  return HS_OK;
}

hs_status eval_report_write(const eval_data *d, const edit_stats *es, const pair_stats *ps,
                            const char *dir) {
  hs_eval_summary s;
  eval_summarise(d, es, ps, &s);
  HS_TRY(eval_plots_write(d, es, ps, dir));
  char pmd[4200], phtml[4200], pjson[4200];
  doc o = {open_out(dir, "report.md", pmd, sizeof pmd),
           open_out(dir, "report.html", phtml, sizeof phtml)};
  FILE *json = open_out(dir, "report.json", pjson, sizeof pjson);
  hs_status st = HS_OK;
  if (!o.md || !o.html || !json)
    st = error_set(HS_ERR_IO, "%s: cannot create the report files: %s", dir, strerror(errno));
  if (st == HS_OK) {
    write_doc(&o, d, es, ps, &s);
    write_json(json, d, es, ps, &s);
  }
  hs_status c1 = o.md ? close_out(o.md, pmd) : HS_OK;
  hs_status c2 = o.html ? close_out(o.html, phtml) : HS_OK;
  hs_status c3 = json ? close_out(json, pjson) : HS_OK;
  return st != HS_OK ? st : c1 != HS_OK ? c1 : c2 != HS_OK ? c2 : c3;
}
