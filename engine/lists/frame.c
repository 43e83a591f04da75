/* lists/frame.c - the framing of a hash list: physical lines (byte-order
 * mark, CRLF, length cap), records (a quoted CSV field may span lines),
 * fields (RFC 4180 CSV, exact TSV), and the one-line problem reports. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "lists/internal.h"

static void say(fctx *c, hs_index_problem_fn fn, const char *fmt, va_list ap) {
  char where[600], raw[600], cause[600];
  vsnprintf(raw, sizeof raw, fmt, ap);
  /* Causes quote the input: control bytes are shown as \xNN, so a list
   * cannot break the one-line report or forge lines of its own. */
  size_t o = 0;
  for (const unsigned char *q = (const unsigned char *)raw; *q && o + 5 < sizeof cause; q++) {
    if (*q < 0x20 || *q == 0x7f)
      o += (size_t)snprintf(cause + o, sizeof cause - o, "\\x%02x", *q);
    else
      cause[o++] = (char)*q;
  }
  cause[o] = '\0';
  if (c->jpath[0]) /* a record inside a JSON document: its path too */
    snprintf(where, sizeof where, "%s:%u: %s", c->name, c->rec_line, c->jpath);
  else
    snprintf(where, sizeof where, "%s:%u", c->name, c->rec_line);
  if (fn)
    fn(c->p->user, where, cause);
}

void list_report(fctx *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  c->p->rejected++;
  say(c, c->p->problem, fmt, ap);
  va_end(ap);
}

void list_warn(fctx *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  c->p->warnings++;
  say(c, c->p->warning, fmt, ap);
  va_end(ap);
}

/* Every byte read: the file's digest and size for the audit log, and the
 * quotes of the current line (counted here so a line cut at the length
 * limit still closes or opens a quoted field correctly). */
static void tap(void *user, const char *bytes, size_t n) {
  fctx *c = user;
  EVP_DigestUpdate(c->md, bytes, n);
  c->bytes += n;
  for (size_t i = 0; i < n; i++)
    c->line_quotes += bytes[i] == '"';
}

/* Next physical line without its end-of-line (and, on line 1, without a
 * UTF-8 byte-order mark: editors on Windows write one, and it belongs to
 * no format); 1, 0 at EOF, -1 on error. c->line_cut says the line was
 * longer than LIST_MAX_RECORD (kept: the start). */
static int next_line(fctx *c, span *out) {
  c->line_quotes = 0;
  errno = 0;
  ssize_t n = line_read(c->f, &c->lb, LIST_MAX_RECORD, tap, c);
  if (n < 0)
    return ferror(c->f) || errno ? -1 : 0;
  c->line++;
  c->line_cut = c->lb.cut != 0;
  while (n > 0 && c->lb.data[n - 1] == '\r')
    n--;
  out->s = c->lb.data;
  out->n = (size_t)n;
  if (c->line == 1 && out->n >= 3 && memcmp(out->s, "\xEF\xBB\xBF", 3) == 0) {
    out->s += 3;
    out->n -= 3;
  }
  return 1;
}

static int blank_or_comment(span l) {
  size_t i = 0;
  while (i < l.n && (l.s[i] == ' ' || l.s[i] == '\t'))
    i++;
  return i == l.n || l.s[i] == '#';
}

int list_next_record(fctx *c, span *out) {
  span l;
  int r;
  do {
    if ((r = next_line(c, &l)) <= 0)
      return r;
  } while (!c->line_cut && blank_or_comment(l));
  c->rec_line = c->line;
  int too_long = c->line_cut;
  rec_writer_reset(&c->rec);
  rec_put_bytes(&c->rec, l.s, l.n);
  /* Quotes join lines only in CSV: never in JSON (nor in the first line of
   * a file when it opens a JSON object, a page cut short included). */
  span t = span_trim(l);
  int json = c->mode == MODE_JSONL || (!c->shaped && t.n && t.s[0] == '{');
  int csv = !json && (c->delim == ',' || (c->delim == 0 && memchr(l.s, ',', l.n)));
  int open = csv && (c->line_quotes & 1);
  for (int k = 0; open && k < MAX_RECORD_LINES; k++) {
    if ((r = next_line(c, &l)) < 0)
      return r;
    if (r == 0)
      break;
    too_long |= c->line_cut || c->rec.len + 1 + l.n > LIST_MAX_RECORD;
    if (!too_long) {
      rec_put_u8(&c->rec, '\n');
      rec_put_bytes(&c->rec, l.s, l.n);
    }
    open ^= c->line_quotes & 1;
  }
  if (too_long)
    return 3;
  rec_put_u8(&c->rec, 0);
  if (c->rec.failed)
    return -1;
  out->s = (const char *)c->rec.buf;
  out->n = c->rec.len - 1;
  return open ? 2 : 1; /* 2: a quote never closed */
}

static int push_field(fctx *c, size_t off, size_t len, size_t rb, size_t re) {
  if (rec_grow(&c->fields, &c->fcap, c->nfields, sizeof *c->fields, 16) != 0)
    return -1;
  c->fields[c->nfields++] = (field){off, len, rb, re};
  return 0;
}

static int is_space(char ch) { return ch == ' ' || ch == '\t'; }

/* CSV: RFC 4180 quotes (a quoted field keeps its spaces; unquoted ones are
 * trimmed). TSV: tabs only, values exact. No delimiter: one field. */
int list_split(fctx *c, span rec, const char **why) {
  c->nfields = 0;
  rec_writer_reset(&c->fieldbuf);
  if (c->delim == 0) {
    rec_put_bytes(&c->fieldbuf, rec.s, rec.n);
    rec_put_u8(&c->fieldbuf, 0);
    if (push_field(c, 0, rec.n, 0, rec.n) != 0 || c->fieldbuf.failed) {
      *why = "out of memory";
      return -1;
    }
    return 0;
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

span list_field(const fctx *c, size_t k) {
  span s = {(const char *)c->fieldbuf.buf + c->fields[k].off, c->fields[k].len};
  return s;
}

span span_trim(span s) {
  while (s.n && isspace((unsigned char)s.s[0])) {
    s.s++;
    s.n--;
  }
  while (s.n && isspace((unsigned char)s.s[s.n - 1]))
    s.n--;
  return s;
}

int span_eq(span s, const char *lit) {
  size_t n = strlen(lit);
  return s.n == n && strncasecmp(s.s, lit, n) == 0;
}
