/* scan/sweeps.c - encoding, appending and reading sweep records
 * (sweeps.h). */
#include "scan/sweeps.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define SWEEP_FORMAT 1
#define SWEEP_SERIES "sweep"

static size_t str_bytes(const char *s) { return 2 + (s ? strlen(s) : 0); }

static uint8_t *put(uint8_t *p, const void *v, size_t n) {
  memcpy(p, v, n);
  return p + n;
}

static uint8_t *put_str(uint8_t *p, const char *s) {
  uint16_t n = (uint16_t)(s ? strlen(s) : 0);
  p = put(p, &n, 2);
  return put(p, s ? s : "", n);
}

hs_status sweep_append(store *s, const sweep_record *r) {
  const char *strs[4] = {r->index, r->list, r->options, r->version};
  size_t need = 2 + 6 * 8 + 8 + 16 * r->nhits;
  for (int i = 0; i < 4; i++) {
    if (strs[i] && strlen(strs[i]) > 65535)
      return error_set(HS_ERR_LIMIT, "sweep record: a field is too long");
    need += str_bytes(strs[i]);
  }
  uint8_t *buf = malloc(need);
  if (!buf)
    return error_set(HS_ERR_NOMEM, "out of memory");
  uint8_t *p = buf;
  *p++ = SWEEP_FORMAT;
  *p++ = (uint8_t)r->kind;
  p = put(p, &r->start, 8);
  p = put(p, &r->end, 8);
  p = put(p, &r->index_version, 8);
  p = put(p, &r->since_version, 8);
  p = put(p, &r->files, 8);
  p = put(p, &r->matches, 8);
  for (int i = 0; i < 4; i++)
    p = put_str(p, strs[i]);
  uint64_t nh = r->nhits;
  p = put(p, &nh, 8);
  if (nh)
    p = put(p, r->hits, 16 * nh);
  hs_status st = store_meta_append(s, SWEEP_SERIES, buf, (size_t)(p - buf), NULL);
  free(buf);
  return st;
}

typedef struct reader {
  const uint8_t *p, *end;
  int bad;
} reader;

static void get(reader *r, void *out, size_t n) {
  if (r->bad || (size_t)(r->end - r->p) < n) {
    r->bad = 1;
    memset(out, 0, n);
    return;
  }
  memcpy(out, r->p, n);
  r->p += n;
}

/* A string copied out NUL-terminated into *slot (freed by the caller). */
static const char *get_str(reader *r, char **slot) {
  uint16_t n = 0;
  get(r, &n, 2);
  if (r->bad || (size_t)(r->end - r->p) < n) {
    r->bad = 1;
    return "";
  }
  *slot = malloc((size_t)n + 1);
  if (!*slot) {
    r->bad = 1;
    return "";
  }
  memcpy(*slot, r->p, n);
  (*slot)[n] = '\0';
  r->p += n;
  return *slot;
}

typedef struct each_call {
  sweep_fn fn;
  void *ctx;
  hs_status st;
  const char *dir;
} each_call;

static int visit(void *ctx, uint64_t seq, const void *val, size_t n) {
  each_call *c = ctx;
  reader r = {val, (const uint8_t *)val + n, 0};
  sweep_record rec = {.seq = seq};
  uint8_t format = 0, kind = 0;
  get(&r, &format, 1);
  get(&r, &kind, 1);
  rec.kind = kind;
  get(&r, &rec.start, 8);
  get(&r, &rec.end, 8);
  get(&r, &rec.index_version, 8);
  get(&r, &rec.since_version, 8);
  get(&r, &rec.files, 8);
  get(&r, &rec.matches, 8);
  char *strs[4] = {0};
  rec.index = get_str(&r, &strs[0]);
  rec.list = get_str(&r, &strs[1]);
  rec.options = get_str(&r, &strs[2]);
  rec.version = get_str(&r, &strs[3]);
  uint64_t nh = 0;
  get(&r, &nh, 8);
  uint64_t *hits = NULL;
  if (!r.bad && nh <= (size_t)(r.end - r.p) / 16 && (size_t)(r.end - r.p) == 16 * nh) {
    hits = malloc(16 * (nh ? nh : 1));
    if (hits)
      get(&r, hits, 16 * nh);
  } else {
    r.bad = 1;
  }
  int stop = 0;
  if (r.bad || !hits || format != SWEEP_FORMAT ||
      (kind != SWEEP_SCAN && kind != SWEEP_RESCAN)) {
    c->st = error_set(HS_ERR_CORRUPT, "store %s: sweep record %llu is damaged", c->dir,
                      (unsigned long long)seq);
    stop = 1;
  } else {
    rec.nhits = nh;
    rec.hits = hits;
    stop = c->fn(c->ctx, &rec);
  }
  free(hits);
  for (int i = 0; i < 4; i++)
    free(strs[i]);
  return stop;
}

hs_status sweep_each(store *s, sweep_fn fn, void *ctx) {
  each_call c = {fn, ctx, HS_OK, ""};
  HS_TRY(store_meta_each(s, SWEEP_SERIES, visit, &c));
  return c.st;
}
