/* index/record.c - bounded little-endian record codec. */
#include "index/record.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static uint8_t *reserve(rec_writer *w, size_t n) {
  if (w->failed)
    return NULL;
  if (w->cap - w->len < n) {
    size_t cap = w->cap ? w->cap : 256;
    while (cap - w->len < n)
      cap *= 2;
    uint8_t *b = realloc(w->buf, cap);
    if (!b) {
      w->failed = 1;
      return NULL;
    }
    w->buf = b;
    w->cap = cap;
  }
  uint8_t *p = w->buf + w->len;
  w->len += n;
  return p;
}

static void put_le(rec_writer *w, uint64_t v, int bytes) {
  uint8_t *p = reserve(w, (size_t)bytes);
  if (!p)
    return;
  for (int i = 0; i < bytes; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

void rec_put_u8(rec_writer *w, uint8_t v) { put_le(w, v, 1); }
void rec_put_u16(rec_writer *w, uint16_t v) { put_le(w, v, 2); }
void rec_put_u32(rec_writer *w, uint32_t v) { put_le(w, v, 4); }
void rec_put_u64(rec_writer *w, uint64_t v) { put_le(w, v, 8); }

void rec_put_bytes(rec_writer *w, const void *src, size_t n) {
  uint8_t *p = reserve(w, n);
  if (p && n)
    memcpy(p, src, n);
}

void rec_put_str(rec_writer *w, const char *s, size_t n) {
  rec_put_u32(w, (uint32_t)n);
  rec_put_bytes(w, s, n);
}

hs_status rec_writer_status(const rec_writer *w) {
  return w->failed ? error_set(HS_ERR_NOMEM, "out of memory encoding an index record") : HS_OK;
}

void rec_writer_reset(rec_writer *w) {
  w->len = 0;
  w->failed = 0;
}

void rec_writer_free(rec_writer *w) {
  free(w->buf);
  memset(w, 0, sizeof *w);
}

rec_reader rec_reader_make(const void *data, size_t n) {
  rec_reader r = {(const uint8_t *)data, (const uint8_t *)data + n, 0};
  return r;
}

static uint64_t get_le(rec_reader *r, int bytes) {
  if (r->bad || (size_t)(r->end - r->p) < (size_t)bytes) {
    r->bad = 1;
    return 0;
  }
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++)
    v |= (uint64_t)r->p[i] << (8 * i);
  r->p += bytes;
  return v;
}

uint8_t rec_get_u8(rec_reader *r) { return (uint8_t)get_le(r, 1); }
uint16_t rec_get_u16(rec_reader *r) { return (uint16_t)get_le(r, 2); }
uint32_t rec_get_u32(rec_reader *r) { return (uint32_t)get_le(r, 4); }
uint64_t rec_get_u64(rec_reader *r) { return get_le(r, 8); }

const uint8_t *rec_get_bytes(rec_reader *r, size_t n) {
  if (r->bad || (size_t)(r->end - r->p) < n) {
    r->bad = 1;
    return NULL;
  }
  const uint8_t *p = r->p;
  r->p += n;
  return p;
}

const char *rec_get_str(rec_reader *r, size_t *len) {
  uint32_t n = rec_get_u32(r);
  const uint8_t *p = rec_get_bytes(r, n);
  *len = p ? n : 0;
  return p ? (const char *)p : "";
}

/* ---- arena -------------------------------------------------------------- */

struct rec_chunk {
  struct rec_chunk *next;
  size_t used, cap;
  _Alignas(16) unsigned char data[];
};

void *rec_arena_alloc(rec_arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  struct rec_chunk *c = a->head;
  if (!c || c->cap - c->used < n) {
    size_t cap = n > 8192 ? n : 8192;
    c = malloc(sizeof *c + cap);
    if (!c) {
      error_set(HS_ERR_NOMEM, "out of memory decoding index records");
      return NULL;
    }
    c->next = a->head;
    c->used = 0;
    c->cap = cap;
    a->head = c;
  }
  void *p = c->data + c->used;
  c->used += n;
  return p;
}

char *rec_arena_strndup(rec_arena *a, const char *s, size_t n) {
  char *p = rec_arena_alloc(a, n + 1);
  if (p) {
    if (n)
      memcpy(p, s, n);
    p[n] = '\0';
  }
  return p;
}

void rec_arena_free(rec_arena *a) {
  struct rec_chunk *c = a->head;
  while (c) {
    struct rec_chunk *next = c->next;
    free(c);
    c = next;
  }
  a->head = NULL;
}

int rec_grow(void *items, size_t *cap, size_t count, size_t size, size_t first) {
  if (count < *cap)
    return 0;
  size_t n = *cap ? *cap * 2 : first;
  void **p = items;
  void *grown = realloc(*p, n * size);
  if (!grown)
    return -1;
  *p = grown;
  *cap = n;
  return 0;
}
