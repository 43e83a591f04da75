/* lists/detect.c - what a hash list's columns mean: the file's shape
 * (decided from its first record), the role of each header name, and the
 * headerless shapes (pdq-photo-hasher, `hashsweep hash` TSV, details,
 * dihedral), each turned into a draft for rows.c. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lists/internal.h"

int list_role_of(span name, int *type) {
  static const struct { const char *name; int role, type; } known[] = {
      {"list", R_LIST, -1},        {"type", R_TYPE, -1},          {"signal_type", R_TYPE, -1},
      {"signaltype", R_TYPE, -1},  {"hash", R_HASH, -1},          {"hashvalue", R_HASH, -1},
      {"hash_value", R_HASH, -1},  {"indicator", R_HASH, -1},     {"signal", R_HASH, -1},
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
  *type = -1;
  return R_EXTRA;
}

/* Type names as exchanges spell them. */
int list_type_of(span v) {
  static const struct { const char *name; int type; } alias[] = {
      {"pdq", HS_HASH_PDQ},       {"imagepdq", HS_HASH_PDQ}, {"hash_pdq", HS_HASH_PDQ},
      {"md5", HS_HASH_MD5},       {"videomd5", HS_HASH_MD5}, {"hash_md5", HS_HASH_MD5},
      {"sha256", HS_HASH_SHA256}, {"sha-256", HS_HASH_SHA256}, {"hash_sha256", HS_HASH_SHA256},
      {"h64", HS_HASH_H64},
  };
  v = span_trim(v);
  for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
    if (span_eq(v, alias[i].name))
      return alias[i].type;
  return -1;
}

/* ---- the record shapes ----------------------------------------------------------- */

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

void list_one_record(fctx *c, span rec) {
  draft_reset(&c->d);
  if (c->mode == MODE_JSONL) {
    list_record_json(c, rec);
    return;
  }
  if (c->mode == MODE_PLAIN) {
    /* One hash per line: '#' starts a comment (no hash or type name holds
     * one). Delimited files keep '#' as data (a file name, a label). */
    const char *hash = memchr(rec.s, '#', rec.n);
    if (hash)
      rec.n = (size_t)(hash - rec.s);
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
  span t = span_trim(rec);
  if (t.n && t.s[0] == '{') {
    c->mode = MODE_JSONL;
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
