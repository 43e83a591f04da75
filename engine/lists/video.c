/* lists/video.c - the grammar of video entries (vPDQ) in hash lists:
 *  - Meta's vPDQ text (a `.vpdq` file): one line per sampled frame,
 *    "frameNumber,quality,pdqHex,timestamp"; the whole file is one entry;
 *  - python-threatexchange's vPDQ signal: a JSON array of
 *    "pdqHex,quality,timestamp" strings, as a whole file (one entry), after
 *    a type word on a plain line ("vpdq [...]", pytx's local-file and
 *    dataset shapes) or as the hash value of a row (CSV/TSV, JSON Lines);
 *  - the same array with Meta's four-field strings, which is how
 *    `index export` writes an entry imported from a `.vpdq` file.
 * Every frame list becomes one row of type vpdq whose hash is the content
 * id (index/vframes.h); the frames go to parser.vframes for the import. */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "index/vframes.h"
#include "lists/internal.h"

static int parse_i64(span v, int64_t *out) {
  v = span_trim(v);
  if (v.n == 0 || v.n > 18)
    return -1;
  int64_t x = 0;
  for (size_t i = 0; i < v.n; i++) {
    if (!isdigit((unsigned char)v.s[i]))
      return -1;
    x = x * 10 + (v.s[i] - '0');
  }
  *out = x;
  return 0;
}

/* A non-negative finite decimal number (as vPDQ and Python write them). */
static int parse_time(span v, double *out) {
  v = span_trim(v);
  char buf[64];
  if (v.n == 0 || v.n >= sizeof buf)
    return -1;
  for (size_t i = 0; i < v.n; i++)
    if (!(isdigit((unsigned char)v.s[i]) || strchr(".eE+-", v.s[i])))
      return -1;
  memcpy(buf, v.s, v.n);
  buf[v.n] = '\0';
  char *end;
  double t = strtod(buf, &end);
  if (*end || !isfinite(t) || t < 0)
    return -1;
  *out = t;
  return 0;
}

static int parse_pdq(span v, hs_hash256 *h) {
  v = span_trim(v);
  return v.n == 64 && hs_hash256_from_hex(v.s, v.n, h) == HS_OK ? 0 : -1;
}

/* Splits s on ',' into at most 5 parts; returns the count. */
static int split_commas(span s, span parts[5]) {
  int n = 0;
  const char *b = s.s, *e = s.s + s.n;
  for (;;) {
    const char *comma = memchr(b, ',', (size_t)(e - b));
    if (n == 5)
      return 6;
    parts[n++] = (span){b, (size_t)((comma ? comma : e) - b)};
    if (!comma)
      return n;
    b = comma + 1;
  }
}

/* One frame: "frame,quality,hex,timestamp" (Meta) or "hex,quality,timestamp"
 * (pytx). *format is set from the shape. 0, or -1 with *why. */
static int parse_frame(span s, hs_index_frame *f, int *format, const char **why) {
  span p[5];
  int n = split_commas(s, p);
  uint8_t q;
  if (n == 4) {
    *format = VFRAMES_META;
    if (parse_i64(p[0], &f->frame) != 0)
      return *why = "frame number is not a non-negative integer", -1;
    if (list_parse_quality(p[1], &q) != 0 || span_trim(p[1]).n == 0)
      return *why = "quality is not an integer 0..100", -1;
    if (parse_pdq(p[2], &f->pdq) != 0)
      return *why = "PDQ hash is not 64 hex digits", -1;
    if (parse_time(p[3], &f->timestamp) != 0)
      return *why = "timestamp is not a non-negative number", -1;
  } else if (n == 3) {
    *format = VFRAMES_PYTX;
    f->frame = -1;
    if (parse_pdq(p[0], &f->pdq) != 0)
      return *why = "PDQ hash is not 64 hex digits", -1;
    if (list_parse_quality(p[1], &q) != 0 || span_trim(p[1]).n == 0)
      return *why = "quality is not an integer 0..100", -1;
    if (parse_time(p[2], &f->timestamp) != 0)
      return *why = "timestamp is not a non-negative number", -1;
  } else {
    return *why = "a vPDQ frame is frame,quality,pdq,timestamp (Meta) or pdq,quality,timestamp "
                  "(pytx)", -1;
  }
  f->quality = q;
  return 0;
}

int list_is_vpdq_line(span rec) {
  hs_index_frame f;
  int fmt;
  const char *why;
  rec = span_trim(rec);
  return parse_frame(rec, &f, &fmt, &why) == 0 && fmt == VFRAMES_META;
}

static int push_frame(fctx *c, const hs_index_frame *f) {
  if (c->vid.n >= VFRAMES_MAX) {
    list_report(c, "more than %u frames in one video entry", VFRAMES_MAX);
    return -1;
  }
  if (rec_grow(&c->vid.f, &c->vid.cap, c->vid.n, sizeof *c->vid.f, 256) != 0) {
    list_report(c, "out of memory");
    return -1;
  }
  c->vid.f[c->vid.n++] = *f;
  return 0;
}

void list_vpdq_line(fctx *c, span rec) {
  hs_index_frame f;
  int fmt;
  const char *why = NULL;
  span parts[5];
  if (split_commas(span_trim(rec), parts) != 4) {
    list_report(c, "a vPDQ line is frame,quality,pdq,timestamp");
    return;
  }
  if (parse_frame(span_trim(rec), &f, &fmt, &why) != 0) {
    list_report(c, "%s", why);
    return;
  }
  if (c->vid.n && f.frame <= c->vid.f[c->vid.n - 1].frame) {
    list_report(c, "frame %lld does not follow frame %lld", (long long)f.frame,
                (long long)c->vid.f[c->vid.n - 1].frame);
    return;
  }
  c->vid.format = VFRAMES_META;
  push_frame(c, &f);
}

/* A JSON array of frame strings into c->vid. 0, or -1 (reported). */
static int parse_array(fctx *c, span text) {
  json_error_t err;
  json_t *a = json_loadb(text.s, text.n, JSON_REJECT_DUPLICATES, &err);
  if (!a || !json_is_array(a)) {
    if (a)
      list_report(c, "a vPDQ signal is a JSON array of strings");
    else
      list_report(c, "vPDQ JSON: %s (at byte %d)", err.text, err.position);
    json_decref(a);
    return -1;
  }
  c->vid.n = 0;
  c->vid.format = 0;
  int r = 0;
  char saved[sizeof c->jpath];
  memcpy(saved, c->jpath, sizeof saved);
  size_t base = strlen(c->jpath);
  for (size_t i = 0; i < json_array_size(a) && r == 0; i++) {
    json_t *it = json_array_get(a, i);
    snprintf(c->jpath + base, sizeof c->jpath - base, "[%zu]", i);
    hs_index_frame f;
    int fmt;
    const char *why = NULL;
    if (!json_is_string(it)) {
      list_report(c, "a vPDQ frame is a string");
      r = -1;
    } else if (parse_frame((span){json_string_value(it), json_string_length(it)}, &f, &fmt,
                           &why) != 0) {
      list_report(c, "%s", why);
      r = -1;
    } else if (c->vid.format && fmt != c->vid.format) {
      list_report(c, "frames of both shapes (with and without frame numbers) in one entry");
      r = -1;
    } else if (fmt == VFRAMES_META && c->vid.n && f.frame <= c->vid.f[c->vid.n - 1].frame) {
      list_report(c, "frame %lld does not follow frame %lld", (long long)f.frame,
                  (long long)c->vid.f[c->vid.n - 1].frame);
      r = -1;
    } else {
      c->vid.format = fmt;
      r = push_frame(c, &f);
    }
  }
  memcpy(c->jpath, saved, sizeof saved);
  json_decref(a);
  if (r == 0 && c->vid.n == 0) {
    list_report(c, "a video entry without frames");
    r = -1;
  }
  return r;
}

static int attach(fctx *c, uint8_t id[32]) {
  import_parser *p = c->p;
  if (vframes_content_id(c->vid.f, c->vid.n, id) != 0) {
    list_report(c, "SHA-256 failed");
    return -1;
  }
  if (!p->keep_fields) /* withdraw: the id is all that is needed */
    return 0;
  for (size_t i = 0; i < p->nvideos; i++)
    if (memcmp(p->videos[i].id, id, 32) == 0)
      return 0;
  if (rec_grow(&p->videos, &p->vcap, p->nvideos, sizeof *p->videos, 16) != 0) {
    list_report(c, "out of memory");
    return -1;
  }
  import_video *v = &p->videos[p->nvideos];
  memcpy(v->id, id, 32);
  v->off = p->vframes.len;
  vframes_encode(c->vid.f, c->vid.n, c->vid.format, &p->vframes);
  v->len = p->vframes.len - v->off;
  if (p->vframes.failed) {
    list_report(c, "out of memory");
    return -1;
  }
  p->nvideos++;
  return 0;
}

int list_video_hash(fctx *c, span text, uint8_t id[32]) {
  text = span_trim(text);
  if (text.n && parse_array(c, text) != 0)
    return -1;
  if (c->vid.n == 0) {
    list_report(c, "a video entry without frames");
    return -1;
  }
  return attach(c, id);
}

int list_video_plain(span rec, span *type, span *frames, span *rest) {
  rec = span_trim(rec);
  const char *sp = memchr(rec.s, ' ', rec.n);
  if (!sp)
    return 0;
  *type = (span){rec.s, (size_t)(sp - rec.s)};
  if (list_type_of(*type) != HS_HASH_VPDQ)
    return 0;
  span t = span_trim((span){sp, rec.n - (size_t)(sp - rec.s)});
  if (t.n == 0 || t.s[0] != '[')
    return 0;
  const char *close = memchr(t.s, ']', t.n); /* frame strings hold no ']' */
  size_t n = close ? (size_t)(close - t.s) + 1 : t.n;
  *frames = (span){t.s, n};
  *rest = span_trim((span){t.s + n, t.n - n});
  return 1;
}

const char *list_basename(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

void list_video_file_end(fctx *c) {
  if (c->mode != MODE_VPDQ)
    return;
  import_parser *p = c->p;
  draft_reset(&c->d);
  c->d.nhash = 1;
  c->d.hash[0] = (span){"", 0};
  c->d.hash_type[0] = HS_HASH_VPDQ;
  c->d.video_ready = 1;
  if (!(p->default_label && *p->default_label)) {
    const char *b = list_basename(c->name);
    draft_set(c, R_LABEL, -1, "label", (span){b, strlen(b)});
  }
  c->rec_line = 1;
  if (c->vid.n == 0 && p->rejected) /* every line was bad: reported already */
    return;
  list_finish_record(c);
}
