/* lists/detect.c - what a hash list's columns mean: the file's shape
 * (decided from its first record), the role of each header name, and the
 * headerless shapes (pdq-photo-hasher, `hashsweep hash` TSV, details,
 * dihedral), each turned into a draft for rows.c. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lists/internal.h"

int list_role_of(span name, int *type) {
  static const struct { const char *name; int role, type; } known[] = {
      {"list", R_LIST, -1},        {"type", R_TYPE, -1},          {"signal_type", R_TYPE, -1},
      {"signaltype", R_TYPE, -1},  {"hash", R_HASH, -1},          {"hashvalue", R_HASH, -1},
      {"hash_value", R_HASH, -1},  {"indicator", R_HASH, -1},     {"signal", R_HASH, -1},
      {"signal_str", R_HASH, -1},
      /* HMA (Open Media Match): its bank content signals */
      {"signal_val", R_HASH, -1},  {"signal_value", R_HASH, -1},  {"signal_type_name", R_TYPE, -1},
      {"bank", R_LIST, -1},        {"bank_name", R_LIST, -1},     {"bank_content_id", R_ID, -1},
      {"content_id", R_ID, -1},    {"bank_content_timestamp", R_ADDED, -1},
      {"create_time", R_ADDED, -1},
      {"pdq", R_TYPED_HASH, HS_HASH_PDQ},   {"md5", R_TYPED_HASH, HS_HASH_MD5},
      {"sha256", R_TYPED_HASH, HS_HASH_SHA256}, {"sha-256", R_TYPED_HASH, HS_HASH_SHA256},
      {"h64", R_TYPED_HASH, HS_HASH_H64},   {"quality", R_QUALITY, -1},
      {"label", R_LABEL, -1},      {"source", R_SOURCE, -1},      {"id", R_ID, -1},
      {"added", R_ADDED, -1},      {"status", R_STATUS, -1},      {"hashstatus", R_STATUS, -1},
      {"hash_status", R_STATUS, -1}, {"should_delete", R_DELETE, -1},
  };
  name = span_trim(name);
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (span_eq(name, known[i].name)) {
      *type = known[i].type;
      return known[i].role;
    }
  /* A column named by a signal type (HMA's {"video_md5": "..."}). */
  if ((*type = list_type_of(name)) >= 0)
    return R_TYPED_HASH;
  return R_EXTRA;
}

/* Type names as exchanges spell them: pytx signal names (pdq, video_md5,
 * video_sha256), ThreatExchange indicator types (HASH_PDQ, HASH_VIDEO_MD5,
 * VIDEO_HASH_MD5), StopNCII signal types (ImagePDQ, VideoMD5): case, '_'
 * and '-' ignored, then any "hash", "video", "photo", "image" in front. */
int list_type_of(span v) {
  static const char *const media[] = {"hash", "video", "photo", "image"};
  static const struct { const char *name; int type; } base[] = {
      {"pdq", HS_HASH_PDQ}, {"md5", HS_HASH_MD5}, {"sha256", HS_HASH_SHA256}, {"h64", HS_HASH_H64},
      {"vpdq", HS_HASH_VPDQ}};
  v = span_trim(v);
  char name[32];
  size_t n = 0;
  for (size_t i = 0; i < v.n; i++) {
    if (v.s[i] == '_' || v.s[i] == '-')
      continue;
    if (n + 1 == sizeof name)
      return -1;
    name[n++] = (char)tolower((unsigned char)v.s[i]);
  }
  span rest = {name, n};
  for (int again = 1; again;) {
    again = 0;
    for (size_t i = 0; i < sizeof media / sizeof media[0]; i++) {
      size_t m = strlen(media[i]);
      if (rest.n > m && memcmp(rest.s, media[i], m) == 0) {
        rest.s += m;
        rest.n -= m;
        again = 1;
      }
    }
  }
  for (size_t i = 0; i < sizeof base / sizeof base[0]; i++)
    if (span_eq(rest, base[i].name))
      return base[i].type;
  return -1;
}

/* ---- the record shapes ----------------------------------------------------------- */

/* The next blank-separated word of *rest. */
static span next_word(span *rest) {
  size_t i = 0;
  while (i < rest->n && rest->s[i] == ' ')
    i++;
  size_t b = i;
  while (i < rest->n && rest->s[i] != ' ')
    i++;
  span w = {rest->s + b, i - b};
  rest->s += i;
  rest->n -= i;
  return w;
}

static int is_rotation(span w) {
  static const char *const names[] = {"ORIGINAL", "ROTATE90", "ROTATE180", "ROTATE270",
                                      "FLIPX",    "FLIPY",    "FLIPPLUS1", "FLIPMINUS1"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (span_eq(w, names[i]))
      return 1;
  return 0;
}

/* The words of a pytx plain line, beyond "[type] hex" (pytx 1.2):
 *   type hex 'collab' CATEGORY tags...   (`threatexchange dataset -P`)
 *   hex 'collab' CATEGORY                (`dataset -P -s pdq`)
 *   type hex CATEGORY tags...            (`dataset -P -c collab`)
 *   ROTATE90 pdq hex                     (`hash --photo-preprocess rotations`)
 *   'collab' type hex metadata           (earlier pytx)
 *   raw_text The quick brown fox         (a signal type hashsweep lacks)
 * Returns 0 when the line is not one of them (or is plain "[type] hex"). */
typedef struct words {
  span collab, rotation, type, hash, category, tags, rest;
  int unsupported; /* type names a signal type hashsweep does not match */
} words;

static span quoted(span *t) {
  *t = span_trim(*t);
  span q = {0};
  if (t->n > 1 && (t->s[0] == '\'' || t->s[0] == '"')) { /* Python's repr of a str */
    const char *e = memchr(t->s + 1, t->s[0], t->n - 1);
    if (e) {
      q = (span){t->s + 1, (size_t)(e - t->s - 1)};
      *t = (span){e + 1, t->n - (size_t)(e + 1 - t->s)};
    }
  }
  return q;
}

/* pytx names: lower_snake (signal types), UPPER_SNAKE (categories). */
static int is_name(span w, int upper) {
  if (w.n == 0)
    return 0;
  for (size_t i = 0; i < w.n; i++) {
    char ch = w.s[i];
    if (!(ch == '_' || (ch >= '0' && ch <= '9' && i) ||
          (upper ? ch >= 'A' && ch <= 'Z' : ch >= 'a' && ch <= 'z')))
      return 0;
  }
  return 1;
}

static int pytx_words(span rec, words *w) {
  memset(w, 0, sizeof *w);
  span t = span_trim(rec);
  if (memchr(t.s, '\t', t.n)) /* pytx separates words by spaces; a tab is TSV */
    return 0;
  w->collab = quoted(&t);
  span x = next_word(&t);
  if (is_rotation(x)) {
    w->rotation = x;
    x = next_word(&t);
  }
  if (list_type_of(x) >= 0) {
    w->type = x;
    x = next_word(&t);
  } else if (is_name(x, 0) && span_trim(t).n && !list_is_hex_hash(x)) {
    w->type = x; /* raw_text ..., url ..., url_md5 <hex>, trend_query {...} */
    w->unsupported = 1;
    return 1;
  }
  if (!list_is_hex_hash(x))
    return 0;
  w->hash = x;
  if (!w->collab.n)
    w->collab = quoted(&t);
  span peek = t, cat = next_word(&peek);
  if (is_name(cat, 1)) {
    w->category = cat;
    w->tags = span_trim(peek);
  } else {
    w->rest = span_trim(t);
  }
  return w->collab.n || w->rotation.n || w->category.n || w->rest.n;
}

static void record_words(fctx *c, const words *w) {
  if (w->unsupported) {
    c->p->passed_over++;
    list_warn(c, "signal type '%.*s' is not supported (pdq, md5, sha256, h64): passed over",
              (int)(w->type.n > 40 ? 40 : w->type.n), w->type.s);
    return;
  }
  if (list_is_hex_hash(w->rest)) {
    list_report(c, "two hashes on one line");
    return;
  }
  draft_set(c, w->type.n ? R_TYPED_HASH : R_HASH, w->type.n ? list_type_of(w->type) : -1, "",
            w->hash);
  const struct { const char *key; span v; } kept[] = {
      {"collab", w->collab}, {"rotation", w->rotation}, {"category", w->category},
      {"tags", w->tags},     {"metadata", w->rest}};
  for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
    if (kept[i].v.n && draft_set(c, R_EXTRA, -1, kept[i].key, kept[i].v) != 0)
      return;
  list_finish_record(c);
}

static span raw_from(fctx *c, span rec, size_t first, size_t last) {
  span s = {rec.s + c->fields[first].raw_b, c->fields[last].raw_e - c->fields[first].raw_b};
  return s;
}

/* hash=hex,quality=Q,filename=F,... (pdq-photo-hasher --details). Keys are
 * cut in place in the field buffer (NUL at the end of the trimmed key). */
static void record_details(fctx *c) {
  for (size_t k = 0; k < c->nfields; k++) {
    span f = list_field(c, k);
    char *eq = memchr(f.s, '=', f.n);
    if (!eq) {
      list_report(c, "field %zu is not key=value", k + 1);
      return;
    }
    span key = span_trim((span){f.s, (size_t)(eq - f.s)});
    span val = {eq + 1, f.n - (size_t)(eq - f.s) - 1};
    ((char *)key.s)[key.n] = '\0';
    int type, role = list_role_of(key, &type);
    if (draft_set(c, role, type, key.s, val) != 0)
      return;
  }
  list_finish_record(c);
}

/* A record without a header row. */
static void record_headerless(fctx *c, span rec) {
  size_t n = c->nfields;
  span f0 = span_trim(list_field(c, 0));
  if (f0.n >= 5 && strncasecmp(f0.s, "hash=", 5) == 0 && n > 1) {
    record_details(c);
    return;
  }
  draft_set(c, R_HASH, -1, "", f0);
  uint8_t q;
  size_t k = 1;
  if (n >= 10 && list_is_hex_hash(list_field(c, 1))) {
    /* --pdqdih-across: 8 hashes (the first is the image as stored). */
    for (k = 1; k < 8 && list_is_hex_hash(list_field(c, k)); k++)
      ;
    draft_set(c, R_EXTRA, -1, "dihedral", raw_from(c, rec, 1, k - 1));
  }
  if (k < n && list_parse_quality(list_field(c, k), &q) == 0 && span_trim(list_field(c, k)).n) {
    draft_set(c, R_QUALITY, -1, "", list_field(c, k));
    if (k + 1 < n)
      draft_set(c, R_EXTRA, -1, "filename", raw_from(c, rec, k + 1, n - 1));
  } else if (k < n) {
    draft_set(c, R_EXTRA, -1, "metadata", raw_from(c, rec, k, n - 1));
  }
  list_finish_record(c);
}

static void record_header(fctx *c) {
  if (c->nfields > c->ncols) {
    list_report(c, "%zu fields, the header has %zu", c->nfields, c->ncols);
    return;
  }
  for (size_t k = 0; k < c->nfields; k++)
    if (draft_set(c, c->roles[k], c->role_type[k], c->colnames[k], list_field(c, k)) != 0)
      return;
  list_finish_record(c);
}

/* "vpdq [...]": pytx's local-file and dataset lines for a video. */
static int record_video_plain(fctx *c, span rec) {
  span type, frames, rest;
  if (!list_video_plain(rec, &type, &frames, &rest))
    return 0;
  if (draft_set(c, R_TYPED_HASH, HS_HASH_VPDQ, "", frames) == 0 &&
      (rest.n == 0 || draft_set(c, R_EXTRA, -1, "metadata", rest) == 0))
    list_finish_record(c);
  return 1;
}

void list_one_record(fctx *c, span rec) {
  draft_reset(&c->d);
  if (c->mode == MODE_VPDQ) {
    list_vpdq_line(c, rec);
    return;
  }
  if (c->mode == MODE_JSONL) {
    list_record_json(c, rec);
    return;
  }
  if (c->mode == MODE_PLAIN) {
    /* One hash per line: '#' starts a comment (no hash or type name holds
     * one). Delimited files keep '#' as data (a file name, a label). */
    if (record_video_plain(c, rec))
      return;
    const char *hash = memchr(rec.s, '#', rec.n);
    if (hash)
      rec.n = (size_t)(hash - rec.s);
    words w;
    if (pytx_words(rec, &w)) {
      record_words(c, &w);
      return;
    }
  }
  const char *why = NULL;
  if (list_split(c, rec, &why) != 0) {
    list_report(c, "%s", why);
    return;
  }
  if (c->mode == MODE_HEADER)
    record_header(c);
  else
    record_headerless(c, rec);
}

/* ---- header and detection ------------------------------------------------------------ */

int list_setup_header(fctx *c) {
  c->ncols = c->nfields;
  c->roles = calloc(c->ncols, sizeof *c->roles);
  c->role_type = calloc(c->ncols, sizeof *c->role_type);
  c->colnames = calloc(c->ncols, sizeof *c->colnames);
  if (!c->roles || !c->role_type || !c->colnames)
    return -1;
  for (size_t k = 0; k < c->ncols; k++) {
    span name = span_trim(list_field(c, k));
    c->roles[k] = list_role_of(name, &c->role_type[k]);
    if (!(c->colnames[k] = strndup(name.s, name.n)))
      return -1;
    for (size_t j = 0; j < k; j++)
      if (strcasecmp(c->colnames[j], c->colnames[k]) == 0) {
        list_report(c, "column '%s' appears twice in the header", c->colnames[k]);
        return -2;
      }
    if (c->roles[k] == R_EXTRA && name.n == 0) {
      list_report(c, "column %zu of the header has no name", k + 1);
      return -2;
    }
  }
  return 0;
}

static int names_hash_column(fctx *c) {
  int any = 0;
  for (size_t k = 0; k < c->nfields; k++) {
    span f = list_field(c, k);
    if (list_is_hex_hash(f))
      return 0;
    int t, role = list_role_of(f, &t);
    any |= role == R_HASH || role == R_TYPED_HASH;
  }
  return any;
}

int list_detect(fctx *c, span rec) {
  c->shaped = 1;
  span t = span_trim(rec);
  if (t.n && t.s[0] == '{') {
    c->mode = list_is_json_document(t) ? MODE_JSONDOC : MODE_JSONL;
    return 0;
  }
  /* A video: pytx's vPDQ JSON array (the whole file), Meta's vPDQ lines. */
  if (t.n && t.s[0] == '[') {
    c->mode = MODE_VJSON;
    return 0;
  }
  if (list_is_vpdq_line(rec)) {
    c->mode = MODE_VPDQ;
    return 0;
  }
  /* pytx's words (their metadata may hold commas) are a plain line. */
  span vt, vf, vr;
  words w;
  if (list_video_plain(rec, &vt, &vf, &vr) || pytx_words(rec, &w)) {
    c->delim = 0;
    c->mode = MODE_PLAIN;
    return 0;
  }
  /* The delimiter shows before any '#': "hex # note, more" is a plain
   * line with a comment, "hex<TAB>100<TAB>a#1.jpg" a TSV row. */
  const char *hash = memchr(rec.s, '#', rec.n);
  size_t n = hash ? (size_t)(hash - rec.s) : rec.n;
  c->delim = memchr(rec.s, '\t', n) ? '\t' : memchr(rec.s, ',', n) ? ',' : 0;
  const char *why;
  if (list_split(c, rec, &why) == 0 && names_hash_column(c)) {
    c->mode = MODE_HEADER;
    return 1;
  }
  c->mode = c->delim ? MODE_DELIM : MODE_PLAIN;
  return 0;
}
