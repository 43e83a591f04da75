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
  int r = put_decoded(c, text, strlen(text));
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

void list_record_json(fctx *c, span rec) {
  mark_escapes(c, rec);
  if (c->jsontext.failed) {
    list_report(c, "out of memory");
    return;
  }
  json_error_t err;
  json_t *obj = json_loadb((const char *)c->jsontext.buf, c->jsontext.len,
                           JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
  if (!obj) {
    list_report(c, "JSON: %s at column %d", err.text, err.column);
    return;
  }
  if (!json_is_object(obj)) {
    json_decref(obj);
    list_report(c, "JSON: expected an object");
    return;
  }
  int r = decode_members(c, obj);
  json_decref(obj);
  if (r != 0)
    return;
  /* Spans only now: c->jsonval no longer moves. */
  for (size_t i = 0; i < c->njm; i++) {
    const json_member *m = &c->jm[i];
    const char *base = (const char *)c->jsonval.buf;
    span key = {base + m->koff, m->klen}, val = {base + m->voff, m->vlen};
    int type, role = list_role_of(key, &type);
    if (draft_set(c, role, type, key.s, val) != 0)
      return;
  }
  list_finish_record(c);
}
