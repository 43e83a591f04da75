/* index/json_in.c - a small strict JSON object reader for JSONL imports. */
#include "index/json_in.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct jp {
  const char *begin, *s, *end;
  json_object *o;
  char *cause;
  size_t cause_len;
} jp;

static int fail(jp *p, const char *why) {
  snprintf(p->cause, p->cause_len, "JSON: %s at column %zu", why, (size_t)(p->s - p->begin) + 1);
  return -1;
}

static void skip_ws(jp *p) {
  while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\r' || *p->s == '\n'))
    p->s++;
}

static int hex4(const char *s, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return -1;
  }
  *out = v;
  return 0;
}

static void put_utf8(rec_writer *w, unsigned cp) {
  uint8_t b[4];
  int n;
  if (cp < 0x80) { b[0] = (uint8_t)cp; n = 1; }
  else if (cp < 0x800) { b[0] = (uint8_t)(0xC0 | cp >> 6); b[1] = (uint8_t)(0x80 | (cp & 63)); n = 2; }
  else if (cp < 0x10000) {
    b[0] = (uint8_t)(0xE0 | cp >> 12); b[1] = (uint8_t)(0x80 | ((cp >> 6) & 63));
    b[2] = (uint8_t)(0x80 | (cp & 63)); n = 3;
  } else {
    b[0] = (uint8_t)(0xF0 | cp >> 18); b[1] = (uint8_t)(0x80 | ((cp >> 12) & 63));
    b[2] = (uint8_t)(0x80 | ((cp >> 6) & 63)); b[3] = (uint8_t)(0x80 | (cp & 63)); n = 4;
  }
  rec_put_bytes(w, b, (size_t)n);
}

/* \uXXXX (and a following low surrogate) at p->s (just after the 'u'). */
static int unicode_escape(jp *p, rec_writer *w) {
  unsigned cp;
  if (p->end - p->s < 4 || hex4(p->s, &cp) != 0)
    return fail(p, "bad \\u escape");
  p->s += 4;
  if (cp >= 0xD800 && cp < 0xDC00 && p->end - p->s >= 6 && p->s[0] == '\\' && p->s[1] == 'u') {
    unsigned lo;
    if (hex4(p->s + 2, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
      p->s += 6;
      put_utf8(w, 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00));
      return 0;
    }
  }
  if (cp >= 0xDC80 && cp <= 0xDCFF) { /* surrogateescape: the raw byte */
    uint8_t b = (uint8_t)(cp - 0xDC00);
    rec_put_bytes(w, &b, 1);
    return 0;
  }
  if (cp >= 0xD800 && cp < 0xE000)
    return fail(p, "unpaired surrogate");
  put_utf8(w, cp);
  return 0;
}

/* A string at p->s (on the opening quote), decoded into the scratch. */
static int string(jp *p, size_t *off, size_t *len) {
  rec_writer *w = &p->o->scratch;
  p->s++;
  *off = w->len;
  while (p->s < p->end && *p->s != '"') {
    unsigned char c = (unsigned char)*p->s;
    if (c < 0x20)
      return fail(p, "control character in a string");
    if (c != '\\') {
      const char *run = p->s;
      while (p->s < p->end && *p->s != '"' && *p->s != '\\' && (unsigned char)*p->s >= 0x20)
        p->s++;
      rec_put_bytes(w, run, (size_t)(p->s - run));
      continue;
    }
    if (++p->s >= p->end)
      return fail(p, "unterminated escape");
    char e = *p->s++, out;
    switch (e) {
    case '"': out = '"'; break;
    case '\\': out = '\\'; break;
    case '/': out = '/'; break;
    case 'b': out = '\b'; break;
    case 'f': out = '\f'; break;
    case 'n': out = '\n'; break;
    case 'r': out = '\r'; break;
    case 't': out = '\t'; break;
    case 'u':
      if (unicode_escape(p, w) != 0)
        return -1;
      continue;
    default: return fail(p, "bad escape");
    }
    rec_put_bytes(w, &out, 1);
  }
  if (p->s >= p->end)
    return fail(p, "unterminated string");
  p->s++;
  *len = w->len - *off;
  rec_put_u8(w, 0);
  return 0;
}

/* Skips a nested value, honouring strings; returns its raw extent. */
static int raw_value(jp *p) {
  int depth = 0;
  const char *start = p->s;
  while (p->s < p->end) {
    char c = *p->s;
    if (c == '"') {
      for (p->s++; p->s < p->end && *p->s != '"'; p->s++)
        if (*p->s == '\\')
          p->s++;
      if (p->s >= p->end)
        return fail(p, "unterminated string");
    } else if (c == '{' || c == '[') {
      depth++;
    } else if (c == '}' || c == ']') {
      if (depth == 0)
        break;
      depth--;
    } else if (depth == 0 && (c == ',' || c == ' ' || c == '\t')) {
      break;
    }
    p->s++;
  }
  if (depth != 0 || p->s == start)
    return fail(p, "bad value");
  return 0;
}

static int value(jp *p, json_member *m) {
  rec_writer *w = &p->o->scratch;
  m->is_null = 0;
  if (p->s < p->end && *p->s == '"')
    return string(p, &m->val_off, &m->val_len);
  const char *start = p->s;
  if (raw_value(p) != 0)
    return -1;
  size_t n = (size_t)(p->s - start);
  if (n == 4 && memcmp(start, "null", 4) == 0)
    m->is_null = 1;
  m->val_off = w->len;
  m->val_len = m->is_null ? 0 : n;
  rec_put_bytes(w, start, m->val_len);
  rec_put_u8(w, 0);
  return 0;
}

static int member(jp *p) {
  json_object *o = p->o;
  if (rec_grow(&o->m, &o->cap, o->n, sizeof *o->m, 16) != 0)
    return fail(p, "out of memory");
  json_member *m = &o->m[o->n];
  if (p->s >= p->end || *p->s != '"')
    return fail(p, "expected a key");
  if (string(p, &m->key_off, &m->key_len) != 0)
    return -1;
  skip_ws(p);
  if (p->s >= p->end || *p->s != ':')
    return fail(p, "expected ':'");
  p->s++;
  skip_ws(p);
  if (value(p, m) != 0)
    return -1;
  o->n++;
  return 0;
}

int json_parse_object(const char *text, size_t len, json_object *obj, char *cause, size_t cause_len) {
  obj->n = 0;
  rec_writer_reset(&obj->scratch);
  jp p = {text, text, text + len, obj, cause, cause_len};
  skip_ws(&p);
  if (p.s >= p.end || *p.s != '{')
    return fail(&p, "expected an object");
  p.s++;
  skip_ws(&p);
  if (p.s < p.end && *p.s == '}') {
    p.s++;
  } else {
    for (;;) {
      if (member(&p) != 0)
        return -1;
      skip_ws(&p);
      if (p.s < p.end && *p.s == ',') {
        p.s++;
        skip_ws(&p);
        continue;
      }
      if (p.s < p.end && *p.s == '}') {
        p.s++;
        break;
      }
      return fail(&p, "expected ',' or '}'");
    }
  }
  skip_ws(&p);
  if (p.s != p.end)
    return fail(&p, "text after the object");
  if (obj->scratch.failed)
    return fail(&p, "out of memory");
  return 0;
}

void json_object_free(json_object *obj) {
  free(obj->m);
  rec_writer_free(&obj->scratch);
  memset(obj, 0, sizeof *obj);
}
