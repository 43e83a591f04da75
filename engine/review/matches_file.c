/* review/matches_file.c - the review report's matches from a scan's (or
 * rescan's) JSON Lines output instead of a rescan: for reports on a scan
 * whose files were never put into a store, and for what a rescan does not
 * report (files recorded as failed, whose digests the store lacks). Match
 * records are the lines with an "entry"; hash, error and note records are
 * passed over. Video records keep their times: "kind": "video" with
 * "segments" [[start, end], ...] and "kind": "frame" with "timestamp". The
 * file is trusted no more than the paths in it: a line that is not JSON, or
 * a match record without a path or with a bad entry id, refuses the whole
 * report (FILE:LINE: cause), so no half-read page looks complete. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "review/report.h"

static char *opt_string(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

/* A "video" record's page text: its segments [[start, end], ...] (only
 * the pairs of two numbers) and shares. */
static hs_status video_text(json_t *o, rv_item *it) {
  json_t *segs = json_object_get(o, "segments");
  size_t n = json_is_array(segs) ? json_array_size(segs) : 0, k = 0;
  double *pairs = malloc((n ? n : 1) * 2 * sizeof *pairs);
  if (!pairs)
    return error_set(HS_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    json_t *seg = json_array_get(segs, i);
    json_t *a = json_array_get(seg, 0), *b = json_array_get(seg, 1);
    if (json_is_number(a) && json_is_number(b)) {
      pairs[2 * k] = json_number_value(a);
      pairs[2 * k++ + 1] = json_number_value(b);
    }
  }
  json_t *qp = json_object_get(o, "query_percent"), *cp = json_object_get(o, "compared_percent");
  json_t *fh = json_object_get(o, "frames_hashed");
  hs_status s = report_video_text(json_is_array(segs) ? pairs : NULL, k,
                                  json_is_number(qp) ? json_number_value(qp) : 0,
                                  json_is_number(cp) ? json_number_value(cp) : 0,
                                  json_is_integer(fh) ? (uint64_t)json_integer_value(fh) : 0,
                                  &it->segments, &it->shares);
  free(pairs);
  /* Shares only when the record has them (a hand-made file may not). */
  if (s == HS_OK && !json_is_number(qp)) {
    free(it->shares);
    it->shares = NULL;
  }
  return s;
}

static hs_status add_record(rv_report *r, json_t *o, const char *where) {
  json_t *entry = json_object_get(o, "entry"), *path = json_object_get(o, "path");
  if (!json_is_integer(entry) || json_integer_value(entry) <= 0)
    return error_set(HS_ERR_FORMAT, "%s: \"entry\" is not an entry id", where);
  if (!json_is_string(path))
    return error_set(HS_ERR_FORMAT, "%s: a match record without a \"path\"", where);
  json_t *list = json_object_get(o, "list");
  if (r->opts->list && !(json_is_string(list) && strcmp(json_string_value(list), r->opts->list) == 0))
    return HS_OK;
  r->sum.matches++;
  rv_item *it = report_new_item(r);
  if (!it)
    return HS_ERR_NOMEM;
  it->entry = (uint64_t)json_integer_value(entry);
  it->path = strdup(json_string_value(path));
  it->list = opt_string(o, "list");
  it->label = opt_string(o, "label");
  it->variants = opt_string(o, "variant");
  if (!it->variants)
    it->variants = strdup("?");
  it->kind = opt_string(o, "kind");
  json_t *d = json_object_get(o, "distance");
  it->distance = json_is_integer(d) ? (int)json_integer_value(d) : 0;
  hs_status s = HS_OK;
  if ((it->kind && strcmp(it->kind, "video") == 0) || json_is_array(json_object_get(o, "segments")))
    s = video_text(o, it);
  json_t *ts = json_object_get(o, "timestamp");
  if (s == HS_OK && json_is_number(ts))
    s = report_frame_text(json_number_value(ts), &it->frames);
  if (s == HS_OK && (!it->path || !it->variants))
    s = error_set(HS_ERR_NOMEM, "out of memory");
  uint64_t v = json_is_integer(json_object_get(o, "index_version"))
                   ? (uint64_t)json_integer_value(json_object_get(o, "index_version"))
                   : 0;
  if (v > r->index_version)
    r->index_version = v;
  return s;
}

hs_status report_read_matches(rv_report *r) {
  const char *name = r->opts->matches;
  FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "r");
  if (!f)
    return error_set(HS_ERR_NOT_FOUND, "%s: cannot open: %s", name, strerror(errno));
  char *line = NULL;
  size_t cap = 0, lineno = 0;
  ssize_t n;
  hs_status s = HS_OK;
  while (s == HS_OK && (n = getline(&line, &cap, f)) >= 0) {
    lineno++;
    char where[960];
    snprintf(where, sizeof where, "%.900s:%zu", name, lineno);
    if (strspn(line, " \t\r\n") == (size_t)n)
      continue;
    json_error_t err;
    json_t *o = json_loadb(line, (size_t)n, JSON_REJECT_DUPLICATES, &err);
    if (!json_is_object(o))
      s = error_set(HS_ERR_FORMAT, "%s: not a JSON object: %s", where, o ? "another value" : err.text);
    else if (json_object_get(o, "entry"))
      s = add_record(r, o, where);
    json_decref(o);
  }
  if (s == HS_OK && ferror(f))
    s = error_set(HS_ERR_IO, "%s: read failed", name);
  free(line);
  if (f != stdin)
    fclose(f);
  return s;
}
