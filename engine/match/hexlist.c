/* match/hexlist.c - reading hash lists: text files of hex hashes, one per
 * line (format in hashsweep/match.h). Streams line by line, so a list of
 * 10^7 hashes costs its words and line numbers, not its text. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/lineread.h"
#include "hashsweep/match.h"

typedef struct list_builder {
  hs_hash_list *list;
  size_t cap;        /* hashes the arrays hold */
  size_t first_line; /* line of the first hash: names the width in errors */
} list_builder;

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }


static hs_status grow(list_builder *b, int words) {
  hs_hash_list *l = b->list;
  if (l->count < b->cap)
    return HS_OK;
  size_t cap = b->cap ? b->cap * 2 : 1024;
  uint64_t *w = realloc(l->words, cap * (size_t)words * sizeof *w);
  if (w)
    l->words = w;
  size_t *lines = w ? realloc(l->lines, cap * sizeof *lines) : NULL;
  if (!lines)
    return error_set(HS_ERR_NOMEM, "hash list: out of memory at %zu hashes", l->count);
  l->lines = lines;
  b->cap = cap;
  return HS_OK;
}

/* Describes a character that is not a hex digit, for an error message. */
static void describe_char(char c, char *out, size_t n) {
  unsigned char u = (unsigned char)c;
  if (u > 32 && u < 127)
    snprintf(out, n, "'%c'", c);
  else if (c == ' ' || c == '\t')
    snprintf(out, n, "a %s", c == ' ' ? "space" : "tab");
  else
    snprintf(out, n, "byte 0x%02x", u);
}

/* Parses the hash text [s, s + n) found at column `col` of line `line`. */
static hs_status parse_hash(list_builder *b, const char *name, size_t line, const char *s,
                            size_t n, size_t col) {
  for (size_t i = 0; i < n; i++)
    if (!isxdigit((unsigned char)s[i])) {
      char what[32];
      describe_char(s[i], what, sizeof what);
      return error_set(HS_ERR_FORMAT, "%s:%zu: %s at column %zu is not a hex digit", name, line,
                       what, col + i);
    }
  if (n != 64 && n != 16)
    return error_set(HS_ERR_FORMAT,
                     "%s:%zu: %zu hex digits; a hash has 64 (PDQ, 256-bit) or 16 (64-bit)", name,
                     line, n);
  hs_hash_list *l = b->list;
  int bits = (int)n * 4;
  if (l->bits && bits != l->bits)
    return error_set(HS_ERR_FORMAT,
                     "%s:%zu: %zu hex digits, but line %zu has %d; all hashes of a list have one "
                     "width",
                     name, line, n, b->first_line, l->bits / 4);
  if (!l->bits) {
    l->bits = bits;
    b->first_line = line;
  }
  int words = bits / 64;
  HS_TRY(grow(b, words));
  uint64_t *w = l->words + l->count * (size_t)words;
  uint8_t bytes[32];
  HS_TRY(hs_bytes_from_hex(s, n, bytes, n / 2)); /* checked above: cannot fail */
  for (int k = 0; k < words; k++) { /* each word reads its 16 digits big-endian */
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
      v = v << 8 | bytes[k * 8 + i];
    w[k] = v;
  }
  l->lines[l->count++] = line;
  return HS_OK;
}

/* One line without its newline: strips a leading BOM on line 1, a comment,
 * surrounding blanks; skips what is then empty. */
static hs_status parse_line(list_builder *b, const char *name, size_t line, const char *s,
                            size_t n) {
  size_t start = 0;
  if (line == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
    start = 3;
  const char *hash = memchr(s, '#', n);
  size_t end = hash ? (size_t)(hash - s) : n;
  while (start < end && is_space(s[start]))
    start++;
  while (end > start && is_space(s[end - 1]))
    end--;
  if (start == end)
    return HS_OK;
  return parse_hash(b, name, line, s + start, end - start, start + 1);
}

hs_status hs_hash_list_read_stream(FILE *f, const char *name, hs_hash_list *out) {
  HS_CHECK(out, HS_ERR_INVALID_ARG, "hs_hash_list_read_stream: NULL out");
  memset(out, 0, sizeof *out);
  HS_CHECK(f && name, HS_ERR_INVALID_ARG, "hs_hash_list_read_stream: NULL argument");
  list_builder b = {.list = out};
  line_buf text = {0};
  size_t line = 0;
  ssize_t n;
  hs_status st = HS_OK;
  while (st == HS_OK && (n = line_read(f, &text, HS_HASH_LIST_MAX_LINE, NULL, NULL)) >= 0) {
    line++;
    if (text.cut)
      st = error_set(HS_ERR_FORMAT, "%s:%zu: line longer than %d bytes (not a hash list)", name,
                     line, HS_HASH_LIST_MAX_LINE);
    else
      st = parse_line(&b, name, line, text.data, (size_t)n);
  }
  if (st == HS_OK && (ferror(f) || errno))
    st = error_set(errno == ENOMEM ? HS_ERR_NOMEM : HS_ERR_IO, "%s: cannot read: %s", name,
                   strerror(errno ? errno : EIO));
  line_buf_free(&text);
  return st;
}

hs_status hs_hash_list_read(const char *path, hs_hash_list *out) {
  HS_CHECK(out, HS_ERR_INVALID_ARG, "hs_hash_list_read: NULL out");
  memset(out, 0, sizeof *out);
  HS_CHECK(path, HS_ERR_INVALID_ARG, "hs_hash_list_read: NULL path");
  if (strcmp(path, "-") == 0)
    return hs_hash_list_read_stream(stdin, "<stdin>", out);
  FILE *f = fopen(path, "r");
  if (!f)
    return error_set(errno == ENOENT ? HS_ERR_NOT_FOUND : HS_ERR_IO, "%s: cannot open: %s", path,
                     strerror(errno));
  hs_status st = hs_hash_list_read_stream(f, path, out);
  fclose(f);
  return st;
}

void hs_hash_list_free(hs_hash_list *list) {
  if (!list)
    return;
  free(list->words);
  free(list->lines);
  memset(list, 0, sizeof *list);
}
