/* lists/jsonl.c - one JSON Lines record (the export format; StopNCII- and
 * ThreatExchange-like objects) into a draft, parsed by jansson. String
 * values are decoded; numbers, true/false and nested values are kept as
 * their compact JSON text; null is an absent value.
 *
 * Two things jansson does not do are done around it, with one reserved
 * marker: a NUL character followed by two bytes. hs_json_write_string
 * writes a byte of invalid UTF-8 (a file name's) as the lone surrogate
 * \udcXX, which jansson refuses: before parsing, such an escape becomes
 * \u0000 and the byte's two hex digits, and after parsing the raw byte.
 * A real \u0000 becomes \u0000 and "zz", and is refused with the name of
 * its field (a NUL would cut the value when it is written back). Every NUL
 * in jansson's output therefore comes from this file. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lists/internal.h"

/* The code unit of "\uXXXX" at s (n bytes available), or -1. */
static long unit_at(const char *s, size_t n) {
  uint8_t b[2];
  if (n < 6 || s[0] != '\\' || s[1] != 'u' || hs_bytes_from_hex(s + 2, 4, b, 2) != HS_OK)
    return -1;
  return (long)b[0] << 8 | b[1];
}

/* rec -> c->jsontext with the markers above. */
static void mark_escapes(fctx *c, span rec) {
  rec_writer *w = &c->jsontext;
  rec_writer_reset(w);
  int in_string = 0;
  size_t i = 0;
  while (i < rec.n) {
    char ch = rec.s[i];
    if (ch == '"') {
      in_string = !in_string;
    } else if (in_string && ch == '\\') {
      long u = unit_at(rec.s + i, rec.n - i);
      long lo = u >= 0xD800 && u < 0xDC00 ? unit_at(rec.s + i + 6, rec.n - i - 6) : -1;
      if (lo >= 0xDC00 && lo < 0xE000) { /* a surrogate pair: jansson's */
        rec_put_bytes(w, rec.s + i, 12);
        i += 12;
        continue;
      }
      if (u == 0 || (u >= 0xDC80 && u <= 0xDCFF)) {
        rec_put_bytes(w, "\\u0000", 6);
        rec_put_bytes(w, u == 0 ? "zz" : rec.s + i + 4, 2);
        i += 6;
        continue;
      }
      if (i + 1 < rec.n) { /* any other escape, kept whole */
        rec_put_bytes(w, rec.s + i, 2);
        i += 2;
        continue;
      }
    }
    rec_put_u8(w, (uint8_t)ch);
    i++;
  }
}

/* Appends `s` (n bytes, from jansson) to c->jsonval undoing the markers;
 * -1 when it held a real NUL. */
static int put_decoded(fctx *c, const char *s, size_t n) {
  rec_writer *w = &c->jsonval;
  for (size_t i = 0; i < n; i++) {
    if (s[i] != '\0') {
      size_t run = i;
      while (i < n && s[i] != '\0')
        i++;
      rec_put_bytes(w, s + run, i - run);
      i--;
      continue;
    }
    uint8_t b;
    if (i + 2 >= n || hs_bytes_from_hex(s + i + 1, 2, &b, 1) != HS_OK)
      return -1; /* "zz": a real NUL */
    rec_put_u8(w, b);
    i += 2;
  }
  rec_put_u8(w, 0);
  return 0;
}

/* A value's text into c->jsonval; 1 for null (absent), -1 a real NUL. */
static int put_value(fctx *c, json_t *v) {
  if (json_is_null(v))
    return 1;
  if (json_is_string(v))
    return put_decoded(c, json_string_value(v), json_string_length(v));
  char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
  if (!text) {
    c->jsonval.failed = 1;
    return 0;
  }
  /* Nested text keeps escapes: the markers come back as "\u0000" and two
   * bytes; a byte's turns into its \udcXX again, a real NUL is refused. */
  int r = 0;
  for (const char *s = text; *s && r == 0; s++) {
    if (strncmp(s, "\\u0000", 6) != 0) {
      rec_put_u8(&c->jsonval, (uint8_t)*s);
      continue;
    }
    uint8_t b;
    if (!s[6] || hs_bytes_from_hex(s + 6, 2, &b, 1) != HS_OK) {
      r = -1;
      break;
    }
    rec_put_bytes(&c->jsonval, "\\udc", 4);
    rec_put_bytes(&c->jsonval, s + 6, 2);
    s += 7;
  }
  rec_put_u8(&c->jsonval, 0);
  free(text);
  return r;
}

/* Decodes every member; 0, or -1 (reported). */
static int decode_members(fctx *c, json_t *obj) {
  const char *key;
  size_t klen;
  json_t *v;
  c->njm = 0;
  rec_writer_reset(&c->jsonval);
  json_object_keylen_foreach(obj, key, klen, v) {
    json_member m;
    m.koff = c->jsonval.len;
    if (put_decoded(c, key, klen) != 0) {
      list_report(c, "a key holds \\u0000 (a NUL character)");
      return -1;
    }
    m.klen = c->jsonval.len - 1 - m.koff;
    m.voff = c->jsonval.len;
    int r = put_value(c, v);
    if (r < 0) {
      list_report(c, "field '%s' holds \\u0000 (a NUL character), which is not kept",
                  (const char *)c->jsonval.buf + m.koff);
      return -1;
    }
    if (r > 0)
      continue;
    m.vlen = c->jsonval.len - 1 - m.voff;
    if (rec_grow(&c->jm, &c->jmcap, c->njm, sizeof *c->jm, 16) != 0) {
      list_report(c, "out of memory");
      return -1;
    }
    c->jm[c->njm++] = m;
  }
  if (c->jsonval.failed) {
    list_report(c, "out of memory");
    return -1;
  }
  return 0;
}

#define LOAD_FLAGS (JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL)

/* One JSON object as a record. A ThreatExchange indicator (it has an
 * "indicator") says add or withdraw with should_delete; its "status" is
 * ThreatExchange's opinion (MALICIOUS, NON_MALICIOUS...), kept as the field
 * te_status, since a `status` in a hash list adds or withdraws. */
static void object_record(fctx *c, json_t *obj) {
  draft_reset(&c->d);
  if (!json_is_object(obj)) {
    list_report(c, "JSON: expected an object");
    return;
  }
  int indicator = json_object_get(obj, "indicator") != NULL;
  if (decode_members(c, obj) != 0)
    return;
  /* Spans only now: c->jsonval no longer moves. */
  for (size_t i = 0; i < c->njm; i++) {
    const json_member *m = &c->jm[i];
    const char *base = (const char *)c->jsonval.buf;
    span key = {base + m->koff, m->klen}, val = {base + m->voff, m->vlen};
    int type, role = list_role_of(key, &type);
    if (indicator && role == R_STATUS) {
      role = R_EXTRA;
      key.s = "te_status";
    }
    if (draft_set(c, role, type, key.s, val) != 0)
      return;
  }
  list_finish_record(c);
}

void list_record_json(fctx *c, span rec) {
  mark_escapes(c, rec);
  if (c->jsontext.failed) {
    list_report(c, "out of memory");
    return;
  }
  json_error_t err;
  json_t *obj =
      json_loadb((const char *)c->jsontext.buf, c->jsontext.len, LOAD_FLAGS, &err);
  if (!obj) {
    list_report(c, "JSON: %s at column %d", err.text, err.column);
    return;
  }
  object_record(c, obj);
  json_decref(obj);
}

/* ---- whole documents -------------------------------------------------------------- */

int list_is_json_document(span rec) {
  json_error_t err;
  json_t *j = json_loadb(rec.s, rec.n, 0, &err);
  if (!j) /* cut short by the end of the line: it goes on below */
    return err.position >= 0 && (size_t)err.position >= rec.n;
  int doc = json_is_object(j) && (json_is_array(json_object_get(j, "hashRecords")) ||
                                  json_is_array(json_object_get(j, "data")));
  json_decref(j);
  return doc;
}

static uint32_t lines_in(const char *s, size_t n) {
  uint32_t k = 0;
  for (size_t i = 0; i < n; i++)
    k += s[i] == '\n';
  return k;
}

/* The records of a page object: StopNCII's "hashRecords", or the "data" of
 * a ThreatExchange Graph API response (/threat_updates: {"data": [...],
 * "paging": {...}}); NULL when it is neither (a lone record). */
static json_t *page_array(json_t *page, const char **name) {
  static const char *const names[] = {"hashRecords", "data"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    json_t *a = json_object_get(page, names[i]);
    if (json_is_array(a)) {
      *name = names[i];
      return a;
    }
  }
  return NULL;
}

/* One page: a FetchHashes response ({"hashRecords": [...],
 * "nextSetTimestamp": T, ...}), a threat_updates response, a lone record,
 * or an array of records. */
static void page_records(fctx *c, json_t *page) {
  const char *aname = "";
  json_t *records = json_is_object(page) ? page_array(page, &aname) : NULL;
  if (json_is_object(page) && !records) {
    object_record(c, page);
    return;
  }
  if (!records && !json_is_array(page)) {
    list_report(c, "JSON: a page is an object or an array");
    return;
  }
  json_t *next = json_is_object(page) ? json_object_get(page, "nextSetTimestamp") : NULL;
  if (json_is_integer(next)) { /* where the next fetch starts: the last page's */
    c->p->next_set_timestamp = (int64_t)json_integer_value(next);
    c->p->has_next_set = 1;
  }
  json_t *list = records ? records : page;
  for (size_t i = 0; i < json_array_size(list); i++) {
    snprintf(c->jpath, sizeof c->jpath, "%s[%zu]", aname, i);
    object_record(c, json_array_get(list, i));
  }
  c->jpath[0] = '\0';
}

int list_json_document(fctx *c, span rec) {
  rec_writer text = {0};
  rec_put_bytes(&text, rec.s, rec.n);
  rec_put_u8(&text, '\n');
  int r = list_read_rest(c, &text, LIST_MAX_DOCUMENT);
  if (r == 0 && text.len == rec.n + 1 && !text.failed)
    text.len--; /* the first line was the last: no newline after it */
  if (r < 0 || text.failed) {
    rec_writer_free(&text);
    return -1;
  }
  if (r > 0) {
    list_report(c, "JSON document longer than %u bytes; refused whole", LIST_MAX_DOCUMENT);
    rec_writer_free(&text);
    return 0;
  }
  mark_escapes(c, (span){(const char *)text.buf, text.len});
  rec_writer_free(&text);
  /* Every page is parsed before any record is taken: a truncated or
   * broken page refuses the document whole. */
  const char *s = (const char *)c->jsontext.buf;
  size_t n = c->jsontext.len, off = 0, np = 0, cap = 0;
  struct page {
    json_t *json;
    size_t at; /* byte offset in the document */
  } *pages = NULL;
  uint32_t line0 = c->rec_line;
  int ok = !c->jsontext.failed;
  while (ok) {
    while (off < n && (s[off] == ' ' || s[off] == '\t' || s[off] == '\r' || s[off] == '\n'))
      off++;
    if (off >= n)
      break;
    json_error_t err;
    json_t *j = json_loadb(s + off, n - off, LOAD_FLAGS | JSON_DISABLE_EOF_CHECK, &err);
    size_t where = off + (err.position > 0 ? (size_t)err.position : 0);
    if (!j) {
      c->rec_line = line0 + lines_in(s, where);
      list_report(c, "JSON: %s at byte %zu of the document; the document is refused whole",
                  err.text, where);
      ok = 0;
      break;
    }
    if (rec_grow(&pages, &cap, np, sizeof *pages, 8) != 0) {
      json_decref(j);
      list_report(c, "out of memory");
      ok = 0;
      break;
    }
    pages[np++] = (struct page){j, off};
    off = where;
  }
  for (size_t i = 0; i < np; i++) {
    if (ok) {
      c->rec_line = line0 + lines_in(s, pages[i].at);
      page_records(c, pages[i].json);
    }
    json_decref(pages[i].json);
  }
  free(pages);
  return 0;
}
