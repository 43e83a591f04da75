/* lists/rows.c - a record's draft validated into rows: each hash with its
 * type, the quality, the list, add or withdraw, and the field blob kept
 * with the entry; and the bound that makes export -> import round-trip. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "lists/internal.h"

/* What `index export` writes beyond a record's fields, at most: braces,
 * newline, type, hash, quality and `added` (ISO 8601) in JSON Lines, or an
 * empty cell for each of up to 1024 extra columns other entries have in
 * CSV/TSV (the list name is measured on its own). */
#define EXPORT_ROW_SLACK 2048u

static const char *canonical_key(int role) {
  switch (role) {
  case R_LABEL: return "label";
  case R_SOURCE: return "source";
  case R_ID: return "id";
  case R_ADDED: return "added";
  default: return NULL;
  }
}

static int draft_kv(draft *d, const char *key, size_t klen, span v) {
  if (rec_grow(&d->kv, &d->kvcap, d->nkv, sizeof *d->kv, 16) != 0)
    return -1;
  d->kv[d->nkv++] = (emeta_kv){key, klen, v.s, v.n};
  return 0;
}

/* Whether the record gave a non-empty value for key. */
static int draft_has(const draft *d, const char *key) {
  for (size_t i = 0; i < d->nkv; i++)
    if (d->kv[i].vlen && strcmp(d->kv[i].key, key) == 0)
      return 1;
  return 0;
}

int draft_set(fctx *c, int role, int type, const char *key, span v) {
  draft *d = &c->d;
  switch (role) {
  case R_HASH:
  case R_TYPED_HASH:
    if (span_trim(v).n == 0)
      return 0;
    if (d->nhash == MAX_HASHES_PER_RECORD) {
      list_report(c, "more than %d hashes in one record", MAX_HASHES_PER_RECORD);
      return -1;
    }
    d->hash[d->nhash] = v;
    d->hash_type[d->nhash++] = type;
    return 0;
  case R_QUALITY: d->quality = v; return 0;
  case R_LIST: d->list = v; return 0;
  case R_STATUS: d->status = v; return 0;
  case R_TYPE: d->type = v; return 0;
  case R_DELETE: d->del = v; return 0;
  default:
    break;
  }
  const char *ck = canonical_key(role);
  if (ck)
    key = ck;
  if (draft_kv(d, key, strlen(key), v) != 0) {
    list_report(c, "out of memory");
    return -1;
  }
  return 0;
}

void draft_reset(draft *d) {
  emeta_kv *kv = d->kv;
  size_t cap = d->kvcap;
  memset(d, 0, sizeof *d);
  d->kv = kv;
  d->kvcap = cap;
}

/* ---- hashes ------------------------------------------------------------------------ */

/* "<type> hex", "hash=hex" or "hex" -> type (or -1) and hex span. */
static int strip_prefixes(span *v, int *token_type) {
  *v = span_trim(*v);
  *token_type = -1;
  if (v->n >= 5 && strncasecmp(v->s, "hash=", 5) == 0) {
    v->s += 5;
    v->n -= 5;
  }
  const char *sp = v->n ? memchr(v->s, ' ', v->n) : NULL; /* an empty span may be NULL */
  if (sp) {
    span tok = {v->s, (size_t)(sp - v->s)};
    int t = list_type_of(tok);
    if (t < 0)
      return -1;
    *token_type = t;
    v->n -= (size_t)(sp - v->s);
    v->s = sp;
    *v = span_trim(*v);
  }
  return 0;
}

static int infer_type(size_t n) {
  switch (n) {
  case 64: return HS_HASH_PDQ;
  case 32: return HS_HASH_MD5;
  case 16: return HS_HASH_H64;
  default: return -1;
  }
}

int list_is_hex_hash(span v) {
  int tok;
  if (strip_prefixes(&v, &tok) != 0 || infer_type(v.n) < 0)
    return 0;
  for (size_t i = 0; i < v.n; i++)
    if (!isxdigit((unsigned char)v.s[i]))
      return 0;
  return 1;
}

/* Resolves the type of one hash and parses it; on failure writes the cause. */
static int hash_value(span v, int col_type, int row_type, int forced, uint8_t *type,
                      uint8_t hash[32], char *cause, size_t cl) {
  int tok;
  if (strip_prefixes(&v, &tok) != 0) {
    snprintf(cause, cl, "'%.*s' is not a hash (unknown type token)", (int)(v.n > 80 ? 80 : v.n),
             v.s);
    return -1;
  }
  int given = tok >= 0 ? tok : col_type >= 0 ? col_type : row_type;
  if (given >= 0 && tok >= 0 && col_type >= 0 && tok != col_type) {
    snprintf(cause, cl, "hash says type %s but its column is %s", hs_hash_type_name(tok),
             hs_hash_type_name(col_type));
    return -1;
  }
  if (given >= 0 && forced >= 0 && given != forced) {
    snprintf(cause, cl, "the input gives type %s but the type asked for is %s",
             hs_hash_type_name(given), hs_hash_type_name(forced));
    return -1;
  }
  for (size_t i = 0; i < v.n; i++)
    if (!isxdigit((unsigned char)v.s[i])) {
      unsigned char u = (unsigned char)v.s[i];
      if (u > 32 && u < 127)
        snprintf(cause, cl, "'%c' at position %zu of the hash is not a hex digit", u, i + 1);
      else if (u == ' ' || u == '\t')
        snprintf(cause, cl, "a %s at position %zu of the hash is not a hex digit",
                 u == ' ' ? "space" : "tab", i + 1);
      else
        snprintf(cause, cl, "byte 0x%02x at position %zu of the hash is not a hex digit", u, i + 1);
      return -1;
    }
  int t = given >= 0 ? given : forced >= 0 ? forced : infer_type(v.n);
  if (t < 0) {
    if (v.n == 40)
      snprintf(cause, cl, "40 hex digits look like SHA-1, which is not supported");
    else
      snprintf(cause, cl, "%zu hex digits; a hash has 64 (pdq), 32 (md5) or 16 (h64)", v.n);
    return -1;
  }
  if (hs_hash_from_hex((hs_hash_type)t, v.s, v.n, hash) != HS_OK) {
    snprintf(cause, cl, "%s hash: %s", hs_hash_type_name(t), hs_last_error());
    return -1;
  }
  *type = (uint8_t)t;
  return 0;
}

int list_parse_quality(span v, uint8_t *q) {
  v = span_trim(v);
  if (v.n == 0) {
    *q = HS_QUALITY_UNKNOWN;
    return 0;
  }
  unsigned x = 0;
  for (size_t i = 0; i < v.n; i++) {
    if (!isdigit((unsigned char)v.s[i]) || i > 3)
      return -1;
    x = x * 10 + (unsigned)(v.s[i] - '0');
  }
  if (x > 100)
    return -1;
  *q = (uint8_t)x;
  return 0;
}

/* ---- rows ------------------------------------------------------------------------ */

static int list_index(import_parser *p, span name, uint16_t *out) {
  for (size_t i = 0; i < p->nlists; i++)
    if (strlen(p->lists[i]) == name.n && memcmp(p->lists[i], name.s, name.n) == 0) {
      *out = (uint16_t)i;
      return 0;
    }
  if (p->nlists >= PARSE_ANY_LIST)
    return -1;
  char **l = realloc(p->lists, (p->nlists + 1) * sizeof *l);
  if (!l)
    return -1;
  p->lists = l;
  if (!(l[p->nlists] = strndup(name.s, name.n)))
    return -1;
  *out = (uint16_t)p->nlists++;
  return 0;
}

static int push_row(import_parser *p, const import_row *r) {
  if (p->max_rows && p->nrows >= p->max_rows)
    return 1;
  if (rec_grow(&p->rows, &p->cap, p->nrows, sizeof *p->rows, 4096) != 0)
    return -1;
  p->rows[p->nrows++] = *r;
  return 0;
}

static int row_status(fctx *c, uint8_t *status) {
  span s = span_trim(c->d.status), del = span_trim(c->d.del);
  *status = ROW_ADD;
  if (del.n) {
    if (span_eq(del, "true") || span_eq(del, "1"))
      *status = ROW_WITHDRAW;
    else if (!span_eq(del, "false") && !span_eq(del, "0")) {
      list_report(c, "should_delete '%.*s' is not true or false", (int)(del.n > 40 ? 40 : del.n),
                  del.s);
      return -1;
    }
  }
  /* StopNCII: Received (a new case), Active; Withdrawn, Deleted. */
  if (s.n == 0 || span_eq(s, "active") || span_eq(s, "added") || span_eq(s, "received"))
    return 0;
  static const char *const gone[] = {"withdrawn", "deleted", "removed", "withdraw", "delete"};
  for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
    if (span_eq(s, gone[i])) {
      *status = ROW_WITHDRAW;
      return 0;
    }
  /* Unknown, or a status added after this was written: a hash the source
   * still lists, so it is kept (one record must never block a page). */
  list_warn(c, "status '%.*s' is not known: imported as active", (int)(s.n > 40 ? 40 : s.n),
            s.s);
  return 0;
}

static int row_list(fctx *c, uint16_t *list) {
  import_parser *p = c->p;
  span l = span_trim(c->d.list);
  if (l.n && p->default_list &&
      (strlen(p->default_list) != l.n || memcmp(p->default_list, l.s, l.n) != 0)) {
    list_report(c, "the row names list '%.*s' but the list asked for is '%s'",
                (int)(l.n > 80 ? 80 : l.n), l.s, p->default_list);
    return -1;
  }
  if (!l.n && p->default_list)
    l = (span){p->default_list, strlen(p->default_list)};
  if (!l.n && p->list_optional) {
    *list = PARSE_ANY_LIST;
    return 0;
  }
  if (!l.n) {
    list_report(c, "no list: the row names none and no list was given for the input");
    return -1;
  }
  if (list_index(p, l, list) != 0) {
    list_report(c, "too many lists");
    return -1;
  }
  return 0;
}

/* The fields kept with an entry are written back by `index export`; a NUL
 * byte would be cut there (and is never meant), so it is refused here. */
static int fields_clean(fctx *c) {
  for (size_t i = 0; i < c->d.nkv; i++)
    if ((c->d.kv[i].vlen && memchr(c->d.kv[i].val, 0, c->d.kv[i].vlen)) ||
        (c->d.kv[i].klen && memchr(c->d.kv[i].key, 0, c->d.kv[i].klen))) {
      list_report(c, "field '%.*s' holds a NUL byte", (int)(c->d.kv[i].klen > 80 ? 80 : c->d.kv[i].klen),
                  c->d.kv[i].key);
      return -1;
    }
  return 0;
}

/* An upper bound of the line `index export` writes for this row, in any
 * format (JSON Lines escapes the most: up to 6 bytes for one). Measured on
 * the canonical blob, so a re-imported export measures no more. */
static size_t export_size(const uint8_t *blobs, size_t off, size_t n, const char *list) {
  size_t size = EXPORT_ROW_SLACK + (list ? json_string_len(list) + 8 : 0);
  if (n == 0) /* no field: blobs may still be NULL */
    return size;
  rec_reader r = rec_reader_make(blobs + off, n);
  emeta_kv kv;
  char *tmp = NULL;
  size_t cap = 0;
  while (emeta_blob_next(&r, &kv) == 1) {
    size_t need = kv.klen > kv.vlen ? kv.klen : kv.vlen;
    if (need + 1 > cap) {
      char *t = realloc(tmp, need + 1);
      if (!t) {
        free(tmp);
        return SIZE_MAX;
      }
      tmp = t;
      cap = need + 1;
    }
    memcpy(tmp, kv.key, kv.klen);
    tmp[kv.klen] = 0;
    size += json_string_len(tmp) + 2; /* ':' and ',' */
    memcpy(tmp, kv.val, kv.vlen);
    tmp[kv.vlen] = 0;
    size += json_string_len(tmp);
  }
  free(tmp);
  return size;
}

void list_finish_record(fctx *c) {
  import_parser *p = c->p;
  draft *d = &c->d;
  p->records++;
  if (d->nhash == 0) {
    list_report(c, "no hash in this record");
    return;
  }
  import_row r;
  memset(&r, 0, sizeof r);
  r.line = c->rec_line;
  r.file = c->file;
  int row_type = -1;
  span type = span_trim(d->type);
  if (type.n && (row_type = list_type_of(type)) < 0) {
    /* VideoTMK and other types of an exchange: not an error in the page. */
    c->p->passed_over++;
    list_warn(c, "hash type '%.*s' is not supported (pdq, md5, sha256, h64): passed over",
              (int)(type.n > 40 ? 40 : type.n), type.s);
    return;
  }
  if (list_parse_quality(d->quality, &r.quality) != 0) {
    list_report(c, "quality '%.*s' is not an integer 0..100",
                (int)(d->quality.n > 20 ? 20 : d->quality.n), d->quality.s);
    return;
  }
  if (row_status(c, &r.status) != 0 || row_list(c, &r.list) != 0)
    return;
  uint8_t types[MAX_HASHES_PER_RECORD], hashes[MAX_HASHES_PER_RECORD][32];
  for (int i = 0; i < d->nhash; i++) {
    char cause[300];
    span h = span_trim(d->hash[i]);
    if (d->video_ready || (h.n && h.s[0] == '[')) { /* a video's frames (video.c) */
      int t = d->hash_type[i] >= 0 ? d->hash_type[i] : row_type >= 0 ? row_type : p->forced_type;
      if (t >= 0 && t != HS_HASH_VPDQ) {
        list_report(c, "a frame list is a vpdq hash, not %s", hs_hash_type_name((hs_hash_type)t));
        return;
      }
      if (list_video_hash(c, d->video_ready ? (span){"", 0} : h, hashes[i]) != 0)
        return;
      types[i] = HS_HASH_VPDQ;
      continue;
    }
    if (hash_value(d->hash[i], d->hash_type[i], row_type, p->forced_type, &types[i], hashes[i],
                   cause, sizeof cause) != 0) {
      list_report(c, "%s", cause);
      return;
    }
    if (types[i] == HS_HASH_VPDQ && p->keep_fields) {
      list_report(c, "a vpdq entry is imported from its frames (a .vpdq file or a vPDQ JSON "
                     "array), not from its content id");
      return;
    }
  }
  if (p->keep_fields) {
    if (fields_clean(c) != 0)
      return;
    if (p->default_label && *p->default_label && !draft_has(d, "label"))
      draft_kv(d, "label", 5, (span){p->default_label, strlen(p->default_label)});
    if (p->default_source && *p->default_source && !draft_has(d, "source"))
      draft_kv(d, "source", 6, (span){p->default_source, strlen(p->default_source)});
    r.blob_off = p->blobs.len;
    emeta_blob_build(d->kv, d->nkv, &p->blobs);
    r.blob_len = (uint32_t)(p->blobs.len - r.blob_off);
    size_t out = export_size(p->blobs.buf, r.blob_off, r.blob_len,
                             r.list == PARSE_ANY_LIST ? NULL : p->lists[r.list]);
    if (out > LIST_MAX_RECORD) {
      p->blobs.len = r.blob_off;
      list_report(c, "the fields would export as up to %zu bytes, over the %u-byte record limit "
                     "(an exported list must import again)", out, LIST_MAX_RECORD);
      return;
    }
  }
  for (int i = 0; i < d->nhash; i++) {
    r.type = types[i];
    memcpy(r.hash, hashes[i], sizeof r.hash);
    int pushed = push_row(p, &r);
    if (pushed > 0) {
      c->over_limit = 1;
      return;
    }
    if (pushed < 0) {
      list_report(c, "out of memory");
      return;
    }
  }
}

hs_status parse_hash_text(const char *text, int forced_type, hs_hash_type *type, uint8_t hash[32]) {
  char cause[300];
  uint8_t t;
  span v = {text, strlen(text)};
  if (hash_value(v, -1, -1, forced_type, &t, hash, cause, sizeof cause) != 0)
    return error_set(HS_ERR_FORMAT, "'%s': %s", text, cause);
  *type = (hs_hash_type)t;
  return HS_OK;
}
