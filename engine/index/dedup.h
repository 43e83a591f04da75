/* index/dedup.h - internal: an in-memory map (list, hash) -> entry id,
 * which makes "the same hash imported twice into a list is one entry"
 * without a per-entry by-hash LMDB record (that would cost more than the
 * 48-byte budget per entry). An import puts the keys of its own rows, then
 * one pass over the pages of their type fills in the ids of the entries
 * already active: memory and hashing grow with the import, not with the
 * index, and the pass streams the hash columns.
 *
 * Also a plain uint64 -> uint64 map (page caches, id sets). */
#ifndef HS_INDEX_DEDUP_H
#define HS_INDEX_DEDUP_H

#include <stddef.h>
#include <stdint.h>

#include "hashsweep/core.h"

#define DEDUP_NONE UINT64_MAX

typedef struct dedup_set {
  size_t hash_bytes;
  uint8_t *keys;   /* n x hash_bytes */
  uint16_t *lists; /* n */
  uint64_t *ids;   /* n; DEDUP_NONE: key known, no entry */
  size_t n, cap;
  uint32_t *table; /* 1-based index into the arrays, 0 = empty */
  size_t mask;     /* table size - 1 (power of two) */
} dedup_set;

void dedup_init(dedup_set *s, size_t hash_bytes);
void dedup_free(dedup_set *s);
/* The id of (list, hash): DEDUP_NONE when absent or without an entry. */
uint64_t dedup_find(const dedup_set *s, unsigned list, const void *hash);
/* The id slot of (list, hash), or NULL when the key is absent. */
uint64_t *dedup_slot(const dedup_set *s, unsigned list, const void *hash);
/* Sets (list, hash) -> id, adding the key if needed. */
hs_status dedup_put(dedup_set *s, unsigned list, const void *hash, uint64_t id);

typedef struct u64map {
  uint64_t *keys, *vals;
  uint8_t *used;
  size_t n, mask;
} u64map;
void u64map_init(u64map *m);
void u64map_free(u64map *m);
/* 1 and *val when present, 0 when not. */
int u64map_get(const u64map *m, uint64_t key, uint64_t *val);
hs_status u64map_put(u64map *m, uint64_t key, uint64_t val);

#endif
