/* index/parse.c - hash-list input formats -> import rows. */
#include "index/parse.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "index/entrymeta.h"
#include "index/json_in.h"

#define MAX_RECORD_LINES 10000 /* a quoted CSV field spanning more is an error */
#define MAX_HASHES_PER_RECORD 8

enum { MODE_PLAIN, MODE_DELIM, MODE_HEADER, MODE_JSONL };
enum role {
  R_EXTRA, R_LIST, R_TYPE, R_HASH, R_TYPED_HASH, R_QUALITY, R_LABEL, R_SOURCE, R_ID, R_ADDED,
  R_STATUS, R_DELETE
};

typedef struct span {
  const char *s;
  size_t n;
} span;

/* A field of the current record: its (unquoted) value and raw extent. */
typedef struct field {
  size_t off, len;     /* value in fctx.fieldbuf */
  size_t raw_b, raw_e; /* raw extent in the record text */
} field;

/* What one record says, before validation. */
typedef struct draft {
  span hash[MAX_HASHES_PER_RECORD];
  int hash_type[MAX_HASHES_PER_RECORD]; /* from a typed column, or -1 */
  int nhash;
  span quality, list, status, type, del;
  emeta_kv *kv;
  size_t nkv, kvcap;
} draft;

typedef struct fctx {
  import_parser *p;
  const char *name;
  uint16_t file;
  FILE *f;
  EVP_MD_CTX *md;
  uint64_t bytes;
  uint32_t line, rec_line;
  char *buf;
  size_t cap;
  rec_writer rec; /* the current record (lines joined for quoted CSV) */
  int mode;
  char delim;
  int *roles, *role_type;
  char **colnames;
  size_t ncols;
  rec_writer fieldbuf;
  field *fields;
  size_t nfields, fcap;
  json_object json;
  draft d;
} fctx;

/* ---- reporting --------------------------------------------------------------- */

static void report(fctx *c, const char *fmt, ...) HS_PRINTF(2, 3);
static void report(fctx *c, const char *fmt, ...) {
  char where[600], cause[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cause, sizeof cause, fmt, ap);
  va_end(ap);
  snprintf(where, sizeof where, "%s:%u", c->name, c->rec_line);
  c->p->rejected++;
  if (c->p->problem)
    c->p->problem(c->p->user, where, cause);
}

/* ---- reading lines ------------------------------------------------------------ */

/* Next physical line without its end-of-line; 1, 0 at EOF, -1 on error. */
static int next_line(fctx *c, span *out) {
  errno = 0;
  ssize_t n = getline(&c->buf, &c->cap, c->f);
  if (n < 0)
    return ferror(c->f) ? -1 : 0;
  EVP_DigestUpdate(c->md, c->buf, (size_t)n);
  c->bytes += (uint64_t)n;
  c->line++;
  while (n > 0 && (c->buf[n - 1] == '\n' || c->buf[n - 1] == '\r'))
    n--;
  out->s = c->buf;
  out->n = (size_t)n;
  return 1;
}

static int odd_quotes(const char *s, size_t n) {
  size_t q = 0;
  for (size_t i = 0; i < n; i++)
    q += s[i] == '"';
  return q & 1;
}

static int blank_or_comment(span l) {
  size_t i = 0;
  while (i < l.n && (l.s[i] == ' ' || l.s[i] == '\t'))
    i++;
  return i == l.n || l.s[i] == '#';
}

/* The next record into c->rec (NUL-terminated): skips blank and comment
 * lines; in CSV a record continues while its quotes are unbalanced. */
static int next_record(fctx *c, span *out) {
  span l;
  int r;
  do {
    if ((r = next_line(c, &l)) <= 0)
      return r;
  } while (blank_or_comment(l));
  c->rec_line = c->line;
  rec_writer_reset(&c->rec);
  rec_put_bytes(&c->rec, l.s, l.n);
  int csv = c->mode == MODE_JSONL ? 0 : (c->delim == ',' || (c->delim == 0 && memchr(l.s, ',', l.n)));
  int open = csv && odd_quotes(l.s, l.n);
  for (int k = 0; open && k < MAX_RECORD_LINES; k++) {
    if ((r = next_line(c, &l)) < 0)
      return r;
    if (r == 0)
      break;
    rec_put_u8(&c->rec, '\n');
    rec_put_bytes(&c->rec, l.s, l.n);
    open ^= odd_quotes(l.s, l.n);
  }
  rec_put_u8(&c->rec, 0);
  if (c->rec.failed)
    return -1;
  out->s = (const char *)c->rec.buf;
  out->n = c->rec.len - 1;
  return open ? 2 : 1; /* 2: a quote never closed */
}

/* ---- splitting fields ------------------------------------------------------------ */

static int push_field(fctx *c, size_t off, size_t len, size_t rb, size_t re) {
  if (rec_grow(&c->fields, &c->fcap, c->nfields, sizeof *c->fields, 16) != 0)
    return -1;
  c->fields[c->nfields++] = (field){off, len, rb, re};
  return 0;
}

static int is_space(char ch) { return ch == ' ' || ch == '\t'; }

/* Splits `rec` on c->delim into c->fields. CSV: RFC 4180 quotes (a quoted
 * field keeps its spaces; unquoted ones are trimmed). TSV: tabs only, values
 * exact. Returns 0, or -1 with a cause in `why`. */
static int split(fctx *c, span rec, const char **why) {
  c->nfields = 0;
  rec_writer_reset(&c->fieldbuf);
  if (c->delim == 0) {
    rec_put_bytes(&c->fieldbuf, rec.s, rec.n);
    return push_field(c, 0, rec.n, 0, rec.n);
  }
  size_t i = 0;
  for (;;) {
    size_t start = i, off = c->fieldbuf.len;
    if (c->delim == ',' && i < rec.n && rec.s[i] == '"') {
      for (i++;; i++) {
        if (i >= rec.n) {
          *why = "a quoted field is not closed";
          return -1;
        }
        if (rec.s[i] == '"') {
          if (i + 1 < rec.n && rec.s[i + 1] == '"') {
            rec_put_u8(&c->fieldbuf, '"');
            i++;
            continue;
          }
          break;
        }
        rec_put_u8(&c->fieldbuf, (uint8_t)rec.s[i]);
      }
      i++;
      if (i < rec.n && rec.s[i] != c->delim) {
        *why = "text after a closing quote";
        return -1;
      }
    } else {
      size_t e = i;
      while (e < rec.n && rec.s[e] != c->delim)
        e++;
      size_t b = i, t = e;
      if (c->delim == ',') {
        while (b < t && is_space(rec.s[b]))
          b++;
        while (t > b && is_space(rec.s[t - 1]))
          t--;
      }
      rec_put_bytes(&c->fieldbuf, rec.s + b, t - b);
      i = e;
    }
    size_t len = c->fieldbuf.len - off;
    rec_put_u8(&c->fieldbuf, 0);
    if (push_field(c, off, len, start, i) != 0 || c->fieldbuf.failed) {
      *why = "out of memory";
      return -1;
    }
    if (i >= rec.n)
      return 0;
    i++; /* the delimiter */
  }
}

static span field_span(const fctx *c, size_t k) {
  span s = {(const char *)c->fieldbuf.buf + c->fields[k].off, c->fields[k].len};
  return s;
}

static span trim(span s) {
  while (s.n && isspace((unsigned char)s.s[0])) {
    s.s++;
    s.n--;
  }
  while (s.n && isspace((unsigned char)s.s[s.n - 1]))
    s.n--;
  return s;
}

static int span_eq(span s, const char *lit) {
  size_t n = strlen(lit);
  return s.n == n && strncasecmp(s.s, lit, n) == 0;
}

/* ---- names and values ----------------------------------------------------------- */

static int role_of(span name, int *type) {
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
  name = trim(name);
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (span_eq(name, known[i].name)) {
      *type = known[i].type;
      return known[i].role;
    }
  *type = -1;
  return R_EXTRA;
}

/* Type names as exchanges spell them. */
static int type_of(span v) {
  static const struct { const char *name; int type; } alias[] = {
      {"pdq", HS_HASH_PDQ},       {"imagepdq", HS_HASH_PDQ}, {"hash_pdq", HS_HASH_PDQ},
      {"md5", HS_HASH_MD5},       {"videomd5", HS_HASH_MD5}, {"hash_md5", HS_HASH_MD5},
      {"sha256", HS_HASH_SHA256}, {"sha-256", HS_HASH_SHA256}, {"hash_sha256", HS_HASH_SHA256},
      {"h64", HS_HASH_H64},
  };
  v = trim(v);
  for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
    if (span_eq(v, alias[i].name))
      return alias[i].type;
  return -1;
}

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

/* Puts one (role, value) of a record into the draft. */
static int draft_set(fctx *c, int role, int type, const char *key, span v) {
  draft *d = &c->d;
  switch (role) {
  case R_HASH:
  case R_TYPED_HASH:
    if (trim(v).n == 0)
      return 0;
    if (d->nhash == MAX_HASHES_PER_RECORD) {
      report(c, "more than %d hashes in one record", MAX_HASHES_PER_RECORD);
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
    report(c, "out of memory");
    return -1;
  }
  return 0;
}

/* ---- hashes ------------------------------------------------------------------------ */

/* "<type> hex", "hash=hex" or "hex" -> type (or -1) and hex span. */
static int strip_prefixes(span *v, int *token_type) {
  *v = trim(*v);
  *token_type = -1;
  if (v->n >= 5 && strncasecmp(v->s, "hash=", 5) == 0) {
    v->s += 5;
    v->n -= 5;
  }
  const char *sp = memchr(v->s, ' ', v->n);
  if (sp) {
    span tok = {v->s, (size_t)(sp - v->s)};
    int t = type_of(tok);
    if (t < 0)
      return -1;
    *token_type = t;
    v->n -= (size_t)(sp - v->s);
    v->s = sp;
    *v = trim(*v);
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
    snprintf(cause, cl, "the input gives type %s but --type is %s", hs_hash_type_name(given),
             hs_hash_type_name(forced));
    return -1;
  }
  int t = given >= 0 ? given : forced >= 0 ? forced : infer_type(v.n);
  if (t < 0) {
    if (v.n == 40)
      snprintf(cause, cl, "40 hex digits look like SHA-1, which is not supported");
    else
      snprintf(cause, cl, "%zu characters is not a hash length (64 hex = pdq, 32 = md5, 16 = h64)",
               v.n);
    return -1;
  }
  if (hs_hash_from_hex((hs_hash_type)t, v.s, v.n, hash) != HS_OK) {
    snprintf(cause, cl, "%s hash: %s", hs_hash_type_name(t), hs_last_error());
    return -1;
  }
  *type = (uint8_t)t;
  return 0;
}

static int parse_quality(span v, uint8_t *q) {
  v = trim(v);
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
  if (rec_grow(&p->rows, &p->cap, p->nrows, sizeof *p->rows, 4096) != 0)
    return -1;
  p->rows[p->nrows++] = *r;
  return 0;
}

static int row_status(fctx *c, uint8_t *status) {
  span s = trim(c->d.status), del = trim(c->d.del);
  *status = ROW_ADD;
  if (del.n) {
    if (span_eq(del, "true") || span_eq(del, "1"))
      *status = ROW_WITHDRAW;
    else if (!span_eq(del, "false") && !span_eq(del, "0")) {
      report(c, "should_delete '%.*s' is not true or false", (int)del.n, del.s);
      return -1;
    }
  }
  if (s.n == 0 || span_eq(s, "active") || span_eq(s, "added"))
    return 0;
  static const char *const gone[] = {"withdrawn", "deleted", "removed", "withdraw", "delete"};
  for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
    if (span_eq(s, gone[i])) {
      *status = ROW_WITHDRAW;
      return 0;
    }
  report(c, "status '%.*s' is neither active nor withdrawn/deleted", (int)(s.n > 40 ? 40 : s.n), s.s);
  return -1;
}

static int row_list(fctx *c, uint16_t *list) {
  import_parser *p = c->p;
  span l = trim(c->d.list);
  if (l.n && p->default_list &&
      (strlen(p->default_list) != l.n || memcmp(p->default_list, l.s, l.n) != 0)) {
    report(c, "the row names list '%.*s' but --list is '%s'", (int)l.n, l.s, p->default_list);
    return -1;
  }
  if (!l.n && p->default_list)
    l = (span){p->default_list, strlen(p->default_list)};
  if (!l.n && p->list_optional) {
    *list = PARSE_ANY_LIST;
    return 0;
  }
  if (!l.n) {
    report(c, "no list: give --list NAME or a list column");
    return -1;
  }
  if (list_index(p, l, list) != 0) {
    report(c, "too many lists");
    return -1;
  }
  return 0;
}

/* Validates the draft and appends its rows (one per hash). */
static void finish_record(fctx *c) {
  import_parser *p = c->p;
  draft *d = &c->d;
  p->records++;
  if (d->nhash == 0) {
    report(c, "no hash in this record");
    return;
  }
  import_row r;
  memset(&r, 0, sizeof r);
  r.line = c->rec_line;
  r.file = c->file;
  int row_type = -1;
  if (trim(d->type).n && (row_type = type_of(d->type)) < 0) {
    report(c, "hash type '%.*s' is not supported (pdq, md5, sha256, h64)",
           (int)(trim(d->type).n > 40 ? 40 : trim(d->type).n), trim(d->type).s);
    return;
  }
  if (parse_quality(d->quality, &r.quality) != 0) {
    report(c, "quality '%.*s' is not an integer 0..100", (int)(d->quality.n > 20 ? 20 : d->quality.n),
           d->quality.s);
    return;
  }
  if (row_status(c, &r.status) != 0 || row_list(c, &r.list) != 0)
    return;
  uint8_t types[MAX_HASHES_PER_RECORD], hashes[MAX_HASHES_PER_RECORD][32];
  for (int i = 0; i < d->nhash; i++) {
    char cause[300];
    if (hash_value(d->hash[i], d->hash_type[i], row_type, p->forced_type, &types[i], hashes[i],
                   cause, sizeof cause) != 0) {
      report(c, "%s", cause);
      return;
    }
  }
  if (p->keep_fields) {
    if (p->default_label && *p->default_label && !draft_has(d, "label"))
      draft_kv(d, "label", 5, (span){p->default_label, strlen(p->default_label)});
    if (p->default_source && *p->default_source && !draft_has(d, "source"))
      draft_kv(d, "source", 6, (span){p->default_source, strlen(p->default_source)});
    r.blob_off = p->blobs.len;
    emeta_blob_build(d->kv, d->nkv, &p->blobs);
    r.blob_len = (uint32_t)(p->blobs.len - r.blob_off);
  }
  for (int i = 0; i < d->nhash; i++) {
    r.type = types[i];
    memcpy(r.hash, hashes[i], sizeof r.hash);
    if (push_row(p, &r) != 0) {
      report(c, "out of memory");
      return;
    }
  }
}

static void draft_reset(draft *d) {
  emeta_kv *kv = d->kv;
  size_t cap = d->kvcap;
  memset(d, 0, sizeof *d);
  d->kv = kv;
  d->kvcap = cap;
}

/* ---- the record shapes ----------------------------------------------------------- */

static int is_hex_hash(span v) {
  int tok;
  if (strip_prefixes(&v, &tok) != 0 || infer_type(v.n) < 0)
    return 0;
  for (size_t i = 0; i < v.n; i++)
    if (!isxdigit((unsigned char)v.s[i]))
      return 0;
  return 1;
}

static span raw_from(fctx *c, span rec, size_t first, size_t last) {
  span s = {rec.s + c->fields[first].raw_b, c->fields[last].raw_e - c->fields[first].raw_b};
  return s;
}

/* hash=hex,quality=Q,filename=F,... (pdq-photo-hasher --details). Keys are
 * cut in place in the field buffer (NUL at the end of the trimmed key). */
static void record_details(fctx *c) {
  for (size_t k = 0; k < c->nfields; k++) {
    span f = field_span(c, k);
    char *eq = memchr(f.s, '=', f.n);
    if (!eq) {
      report(c, "field %zu is not key=value", k + 1);
      return;
    }
    span key = trim((span){f.s, (size_t)(eq - f.s)});
    span val = {eq + 1, f.n - (size_t)(eq - f.s) - 1};
    ((char *)key.s)[key.n] = '\0';
    int type, role = role_of(key, &type);
    if (draft_set(c, role, type, key.s, val) != 0)
      return;
  }
  finish_record(c);
}

/* A record without a header row. */
static void record_headerless(fctx *c, span rec) {
  size_t n = c->nfields;
  span f0 = trim(field_span(c, 0));
  if (f0.n >= 5 && strncasecmp(f0.s, "hash=", 5) == 0 && n > 1) {
    record_details(c);
    return;
  }
  draft_set(c, R_HASH, -1, "", f0);
  uint8_t q;
  size_t k = 1;
  if (n >= 10 && is_hex_hash(field_span(c, 1))) {
    /* --pdqdih-across: 8 hashes (the first is the image as stored). */
    for (k = 1; k < 8 && is_hex_hash(field_span(c, k)); k++)
      ;
    draft_set(c, R_EXTRA, -1, "dihedral", raw_from(c, rec, 1, k - 1));
  }
  if (k < n && parse_quality(field_span(c, k), &q) == 0 && trim(field_span(c, k)).n) {
    draft_set(c, R_QUALITY, -1, "", field_span(c, k));
    if (k + 1 < n)
      draft_set(c, R_EXTRA, -1, "filename", raw_from(c, rec, k + 1, n - 1));
  } else if (k < n) {
    draft_set(c, R_EXTRA, -1, "metadata", raw_from(c, rec, k, n - 1));
  }
  finish_record(c);
}

static void record_header(fctx *c) {
  if (c->nfields > c->ncols) {
    report(c, "%zu fields, the header has %zu", c->nfields, c->ncols);
    return;
  }
  for (size_t k = 0; k < c->nfields; k++)
    if (draft_set(c, c->roles[k], c->role_type[k], c->colnames[k], field_span(c, k)) != 0)
      return;
  finish_record(c);
}

static void record_json(fctx *c, span rec) {
  char cause[200];
  if (json_parse_object(rec.s, rec.n, &c->json, cause, sizeof cause) != 0) {
    report(c, "%s", cause);
    return;
  }
  json_object *o = &c->json;
  for (size_t i = 0; i < o->n; i++) {
    if (o->m[i].is_null)
      continue;
    span key = {json_key(o, i), o->m[i].key_len}, val = {json_val(o, i), o->m[i].val_len};
    int type, role = role_of(key, &type);
    if (draft_set(c, role, type, key.s, val) != 0)
      return;
  }
  finish_record(c);
}

/* ---- header ------------------------------------------------------------------------- */

static int setup_header(fctx *c) {
  c->ncols = c->nfields;
  c->roles = calloc(c->ncols, sizeof *c->roles);
  c->role_type = calloc(c->ncols, sizeof *c->role_type);
  c->colnames = calloc(c->ncols, sizeof *c->colnames);
  if (!c->roles || !c->role_type || !c->colnames)
    return -1;
  for (size_t k = 0; k < c->ncols; k++) {
    span name = trim(field_span(c, k));
    c->roles[k] = role_of(name, &c->role_type[k]);
    if (!(c->colnames[k] = strndup(name.s, name.n)))
      return -1;
    for (size_t j = 0; j < k; j++)
      if (strcasecmp(c->colnames[j], c->colnames[k]) == 0) {
        report(c, "column '%s' appears twice in the header", c->colnames[k]);
        return -2;
      }
    if (c->roles[k] == R_EXTRA && name.n == 0) {
      report(c, "column %zu of the header has no name", k + 1);
      return -2;
    }
  }
  return 0;
}

static int names_hash_column(fctx *c) {
  int any = 0;
  for (size_t k = 0; k < c->nfields; k++) {
    span f = field_span(c, k);
    if (is_hex_hash(f))
      return 0;
    int t, role = role_of(f, &t);
    any |= role == R_HASH || role == R_TYPED_HASH;
  }
  return any;
}

/* Decides the file's shape from its first record. Returns 1 when that
 * record was a header (consumed). */
static int detect(fctx *c, span rec) {
  span t = trim(rec);
  if (t.n && t.s[0] == '{') {
    c->mode = MODE_JSONL;
    return 0;
  }
  c->delim = memchr(rec.s, '\t', rec.n) ? '\t' : memchr(rec.s, ',', rec.n) ? ',' : 0;
  const char *why;
  if (split(c, rec, &why) == 0 && names_hash_column(c)) {
    c->mode = MODE_HEADER;
    return 1;
  }
  c->mode = c->delim ? MODE_DELIM : MODE_PLAIN;
  return 0;
}

static void one_record(fctx *c, span rec) {
  draft_reset(&c->d);
  if (c->mode == MODE_JSONL) {
    record_json(c, rec);
    return;
  }
  const char *why = NULL;
  if (split(c, rec, &why) != 0) {
    report(c, "%s", why);
    return;
  }
  if (c->mode == MODE_HEADER)
    record_header(c);
  else
    record_headerless(c, rec);
}

/* ---- files -------------------------------------------------------------------------- */

static hs_status open_input(fctx *c, const char *path) {
  if (strcmp(path, "-") == 0) {
    c->f = stdin;
    c->name = "<stdin>";
    return HS_OK;
  }
  c->f = fopen(path, "rb");
  c->name = path;
  if (!c->f)
    return error_set(errno == ENOENT ? HS_ERR_NOT_FOUND : HS_ERR_IO, "%s: %s", path,
                     strerror(errno));
  return HS_OK;
}

static void close_input(fctx *c) {
  if (c->f && c->f != stdin)
    fclose(c->f);
  EVP_MD_CTX_free(c->md);
  free(c->buf);
  rec_writer_free(&c->rec);
  rec_writer_free(&c->fieldbuf);
  free(c->fields);
  json_object_free(&c->json);
  free(c->d.kv);
  for (size_t k = 0; k < c->ncols; k++)
    free(c->colnames[k]);
  free(c->colnames);
  free(c->roles);
  free(c->role_type);
}

static hs_status add_file_record(import_parser *p, fctx *c, const char *path) {
  hs_log_file *files = realloc(p->files, (p->nfiles + 1) * sizeof *files);
  if (!files)
    return error_set(HS_ERR_NOMEM, "out of memory");
  p->files = files;
  hs_log_file *lf = &files[p->nfiles];
  memset(lf, 0, sizeof *lf);
  unsigned len = 0;
  if (EVP_DigestFinal_ex(c->md, lf->sha256, &len) != 1 || len != 32)
    return error_set(HS_ERR_INTERNAL, "%s: SHA-256 failed", path);
  lf->bytes = c->bytes;
  if (!(lf->name = strdup(path)))
    return error_set(HS_ERR_NOMEM, "out of memory");
  p->nfiles++;
  return HS_OK;
}

hs_status import_parse_file(import_parser *p, const char *path) {
  HS_CHECK(p->nfiles < 65535, HS_ERR_LIMIT, "too many input files");
  fctx c;
  memset(&c, 0, sizeof c);
  c.p = p;
  c.file = (uint16_t)p->nfiles;
  HS_TRY(open_input(&c, path));
  c.md = EVP_MD_CTX_new();
  hs_status s = HS_OK;
  if (!c.md || EVP_DigestInit_ex(c.md, EVP_sha256(), NULL) != 1)
    s = error_set(HS_ERR_INTERNAL, "%s: cannot start SHA-256", c.name);
  span rec;
  int r = 0, first = 1;
  while (s == HS_OK && (r = next_record(&c, &rec)) > 0) {
    if (r == 2) {
      report(&c, "a quoted field is not closed before the end of the file");
      break;
    }
    if (first) {
      first = 0;
      if (detect(&c, rec)) {
        int h = setup_header(&c);
        if (h == -1)
          s = error_set(HS_ERR_NOMEM, "out of memory");
        if (h != 0)
          break; /* a broken header makes every row meaningless */
        continue;
      }
    }
    one_record(&c, rec);
  }
  if (s == HS_OK && r < 0)
    s = error_set(HS_ERR_IO, "%s: read error after line %u: %s", c.name, c.line, strerror(errno));
  if (s == HS_OK)
    s = add_file_record(p, &c, path);
  close_input(&c);
  return s;
}

void import_parser_init(import_parser *p) {
  memset(p, 0, sizeof *p);
  p->forced_type = -1;
}

void import_parser_free(import_parser *p) {
  free(p->rows);
  rec_writer_free(&p->blobs);
  for (size_t i = 0; i < p->nlists; i++)
    free(p->lists[i]);
  free(p->lists);
  for (size_t i = 0; i < p->nfiles; i++)
    free((char *)p->files[i].name);
  free(p->files);
  memset(p, 0, sizeof *p);
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
