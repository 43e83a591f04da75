/* index/dedup.c - open-addressing sets for import deduplication. */
#include "index/dedup.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

/* Every byte of the hash counts: PDQ hashes of near-duplicates share most
 * words, so hashing a single word would pile them into one chain. */
static uint64_t key_hash(const void *hash, size_t n, unsigned list) {
  const uint8_t *p = hash;
  uint64_t h = mix(list + 0x9E3779B97F4A7C15ULL);
  for (size_t i = 0; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    h = mix(h ^ w);
  }
  return h;
}

void dedup_init(dedup_set *s, size_t hash_bytes) {
  memset(s, 0, sizeof *s);
  s->hash_bytes = hash_bytes;
}

void dedup_free(dedup_set *s) {
  free(s->keys);
  free(s->lists);
  free(s->ids);
  free(s->table);
  size_t hb = s->hash_bytes;
  memset(s, 0, sizeof *s);
  s->hash_bytes = hb;
}

static size_t slot_of(const dedup_set *s, unsigned list, const void *hash, int *found) {
  size_t i = key_hash(hash, s->hash_bytes, list) & s->mask;
  for (;; i = (i + 1) & s->mask) {
    uint32_t e = s->table[i];
    if (e == 0) {
      *found = 0;
      return i;
    }
    e--;
    if (s->lists[e] == list && memcmp(s->keys + e * s->hash_bytes, hash, s->hash_bytes) == 0) {
      *found = 1;
      return i;
    }
  }
}

uint64_t *dedup_slot(const dedup_set *s, unsigned list, const void *hash) {
  if (!s->table)
    return NULL;
  int found;
  size_t i = slot_of(s, list, hash, &found);
  return found ? &s->ids[s->table[i] - 1] : NULL;
}

uint64_t dedup_find(const dedup_set *s, unsigned list, const void *hash) {
  uint64_t *v = dedup_slot(s, list, hash);
  return v ? *v : DEDUP_NONE;
}

static hs_status grow_table(dedup_set *s) {
  size_t size = s->table ? (s->mask + 1) * 2 : 1024;
  uint32_t *t = calloc(size, sizeof *t);
  if (!t)
    return error_set(HS_ERR_NOMEM, "out of memory (dedup table of %zu slots)", size);
  free(s->table);
  s->table = t;
  s->mask = size - 1;
  for (size_t e = 0; e < s->n; e++) {
    size_t i = key_hash(s->keys + e * s->hash_bytes, s->hash_bytes, s->lists[e]) & s->mask;
    while (t[i])
      i = (i + 1) & s->mask;
    t[i] = (uint32_t)(e + 1);
  }
  return HS_OK;
}

static hs_status grow_arrays(dedup_set *s) {
  size_t cap = s->cap ? s->cap * 2 : 4096;
  if (cap > UINT32_MAX - 1)
    return error_set(HS_ERR_LIMIT, "dedup set: more than 2^32 keys");
  uint8_t *k = realloc(s->keys, cap * s->hash_bytes);
  if (k)
    s->keys = k;
  uint16_t *l = realloc(s->lists, cap * sizeof *l);
  if (l)
    s->lists = l;
  uint64_t *d = realloc(s->ids, cap * sizeof *d);
  if (d)
    s->ids = d;
  if (!k || !l || !d)
    return error_set(HS_ERR_NOMEM, "out of memory (dedup set of %zu keys)", cap);
  s->cap = cap;
  return HS_OK;
}

hs_status dedup_put(dedup_set *s, unsigned list, const void *hash, uint64_t id) {
  uint64_t *v = dedup_slot(s, list, hash);
  if (v) {
    *v = id;
    return HS_OK;
  }
  /* Load factor <= 1/2 keeps probe chains short. */
  if (!s->table || (s->n + 1) * 2 > s->mask + 1)
    HS_TRY(grow_table(s));
  if (s->n == s->cap)
    HS_TRY(grow_arrays(s));
  int found;
  size_t i = slot_of(s, list, hash, &found);
  memcpy(s->keys + s->n * s->hash_bytes, hash, s->hash_bytes);
  s->lists[s->n] = (uint16_t)list;
  s->ids[s->n] = id;
  s->table[i] = (uint32_t)(++s->n);
  return HS_OK;
}

/* ---- u64map ----------------------------------------------------------------- */

void u64map_init(u64map *m) { memset(m, 0, sizeof *m); }

void u64map_free(u64map *m) {
  free(m->keys);
  free(m->vals);
  free(m->used);
  memset(m, 0, sizeof *m);
}

int u64map_get(const u64map *m, uint64_t key, uint64_t *val) {
  if (!m->used)
    return 0;
  for (size_t i = mix(key) & m->mask; m->used[i]; i = (i + 1) & m->mask)
    if (m->keys[i] == key) {
      *val = m->vals[i];
      return 1;
    }
  return 0;
}

static hs_status u64map_grow(u64map *m) {
  size_t size = m->used ? (m->mask + 1) * 2 : 64;
  u64map g = {calloc(size, 8), calloc(size, 8), calloc(size, 1), 0, size - 1};
  if (!g.keys || !g.vals || !g.used) {
    u64map_free(&g);
    return error_set(HS_ERR_NOMEM, "out of memory (map of %zu slots)", size);
  }
  for (size_t i = 0; m->used && i <= m->mask; i++)
    if (m->used[i]) {
      size_t j = mix(m->keys[i]) & g.mask;
      while (g.used[j])
        j = (j + 1) & g.mask;
      g.used[j] = 1;
      g.keys[j] = m->keys[i];
      g.vals[j] = m->vals[i];
      g.n++;
    }
  u64map_free(m);
  *m = g;
  return HS_OK;
}

hs_status u64map_put(u64map *m, uint64_t key, uint64_t val) {
  if (!m->used || (m->n + 1) * 2 > m->mask + 1)
    HS_TRY(u64map_grow(m));
  size_t i = mix(key) & m->mask;
  for (; m->used[i]; i = (i + 1) & m->mask)
    if (m->keys[i] == key) {
      m->vals[i] = val;
      return HS_OK;
    }
  m->used[i] = 1;
  m->keys[i] = key;
  m->vals[i] = val;
  m->n++;
  return HS_OK;
}
