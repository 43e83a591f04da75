/* lists/hashlist.c - hs_hash_list_read: a hash list for `match`, read with
 * the one grammar of index import (lists.h), so every list an index takes
 * can be matched: plain hex, "pdq <hex>", "hash=<hex>", CSV/TSV with or
 * without a header (`hashsweep hash` TSV), JSON Lines. Unlike an import it
 * stops at the first malformed record, and all its hashes share one type.
 * Rows that withdraw a hash (status withdrawn, should_delete) are not
 * listed hashes and are left out. A record with hashes of several types
 * (`hashsweep hash --format jsonl`: pdq and md5) gives its hash of the
 * list's type, which is the type of the first hash. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "hashsweep/match.h"
#include "lists/lists.h"

_Static_assert(HS_HASH_LIST_MAX_LINE == LIST_MAX_RECORD, "match and import: one record limit");

void list_keep_first(void *user, const char *where, const char *cause) {
  list_first_problem *fp = user;
  if (!fp->seen++)
    snprintf(fp->text, sizeof fp->text, "%s: %s", where, cause);
}

/* Whether the record of row i (its neighbours on the same line) holds a
 * hash of type t. */
static int record_has(const import_parser *p, size_t i, unsigned t) {
  uint32_t line = p->rows[i].line;
  size_t b = i, e = i;
  while (b > 0 && p->rows[b - 1].line == line)
    b--;
  while (e + 1 < p->nrows && p->rows[e + 1].line == line)
    e++;
  for (size_t k = b; k <= e; k++)
    if (p->rows[k].type == t)
      return 1;
  return 0;
}

/* Whether row i is a listed hash of the list's type (once known). */
static int wanted(const import_parser *p, size_t i, int have_type, hs_hash_type type) {
  const import_row *r = &p->rows[i];
  return r->status == ROW_ADD && (!have_type || r->type == type || !record_has(p, i, type));
}

/* Rows -> words and line numbers, one type for the whole list. */
static hs_status take_rows(const import_parser *p, const char *name, hs_hash_list *out) {
  size_t n = 0, first = 0;
  for (size_t i = 0; i < p->nrows; i++) {
    const import_row *r = &p->rows[i];
    if (!wanted(p, i, n > 0, out->type))
      continue;
    if (r->type == HS_HASH_VPDQ) /* its content id is no hash to compare */
      return error_set(HS_ERR_FORMAT, "%s:%u: a video's vPDQ frame list; a hash list holds "
                       "single hashes (import it into an index to match videos)", name, r->line);
    if (n == 0) {
      first = i;
      out->type = (hs_hash_type)r->type;
    } else if (r->type != out->type) {
      return error_set(HS_ERR_FORMAT,
                       "%s:%u: a %s hash, but line %u holds %s; all hashes of a list have one "
                       "type",
                       name, r->line, hs_hash_type_name((hs_hash_type)r->type),
                       p->rows[first].line, hs_hash_type_name(out->type));
    }
    n++;
  }
  if (n == 0)
    return HS_OK;
  uint64_t w[4];
  out->bits = hs_hash_to_words(out->type, p->rows[first].hash, w);
  size_t words = (size_t)out->bits / 64;
  out->words = malloc(n * words * sizeof *out->words);
  out->lines = malloc(n * sizeof *out->lines);
  if (!out->words || !out->lines)
    return error_set(HS_ERR_NOMEM, "%s: out of memory at %zu hashes", name, n);
  for (size_t i = first; i < p->nrows; i++) {
    const import_row *r = &p->rows[i];
    if (!wanted(p, i, 1, out->type))
      continue;
    hs_hash_to_words((hs_hash_type)r->type, r->hash, w);
    memcpy(out->words + out->count * words, w, words * sizeof *w);
    out->lines[out->count++] = r->line;
  }
  return HS_OK;
}

hs_status hs_hash_list_read_stream(FILE *f, const char *name, hs_hash_list *out) {
  HS_CHECK(out, HS_ERR_INVALID_ARG, "hs_hash_list_read_stream: NULL out");
  memset(out, 0, sizeof *out);
  HS_CHECK(f && name, HS_ERR_INVALID_ARG, "hs_hash_list_read_stream: NULL argument");
  list_first_problem fp = {{0}, 0};
  import_parser p;
  import_parser_init(&p);
  p.list_optional = 1;
  p.stop_at_problem = 1;
  p.problem = list_keep_first;
  p.user = &fp;
  hs_status st = import_parse_stream(&p, f, name);
  if (st == HS_OK && fp.seen)
    st = error_set(HS_ERR_FORMAT, "%s", fp.text);
  if (st == HS_OK)
    st = take_rows(&p, name, out);
  import_parser_free(&p);
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
