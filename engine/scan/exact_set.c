/* scan/exact_set.c - exact-digest lookup table. */
#include "scan/exact_set.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* Entries sorted by digest (then id), plus a power-of-two table of the
 * first index of each distinct digest: a lookup is one probe sequence, and
 * equal digests sit next to each other. */
struct exact_set {
  size_t bytes, count;
  uint8_t *digests; /* count x bytes, sorted */
  uint64_t *ids;
  uint64_t *slots;  /* index+1 of a run of equal digests, 0 = empty */
  size_t mask;
};

typedef struct pair {
  const uint8_t *digest;
  uint64_t id;
} pair;

static int by_digest(const void *a, const void *b, void *bytes) {
  const pair *x = a, *y = b;
  int c = memcmp(x->digest, y->digest, *(const size_t *)bytes);
  if (c)
    return c;
  return x->id < y->id ? -1 : x->id > y->id;
}

static uint64_t digest_hash(const uint8_t *d) {
  uint64_t h;
  memcpy(&h, d, sizeof h); /* digests are uniformly distributed already */
  return h * 0x9E3779B97F4A7C15ULL;
}

hs_status exact_set_build(const uint8_t *digests, const uint64_t *ids, size_t count,
                          size_t bytes, exact_set **out) {
  exact_set *s = calloc(1, sizeof *s);
  pair *pairs = calloc(count ? count : 1, sizeof *pairs);
  size_t cap = 16;
  while (cap < 2 * count)
    cap *= 2;
  if (s) {
    s->digests = malloc(count * bytes + 1);
    s->ids = malloc(sizeof(uint64_t) * (count + 1));
    s->slots = calloc(cap, sizeof(uint64_t));
  }
  if (!s || !pairs || !s->digests || !s->ids || !s->slots) {
    free(pairs);
    exact_set_destroy(s);
    return error_set(HS_ERR_NOMEM, "out of memory for %zu exact hashes", count);
  }
  s->bytes = bytes;
  s->count = count;
  s->mask = cap - 1;
  for (size_t i = 0; i < count; i++)
    pairs[i] = (pair){digests + i * bytes, ids[i]};
  qsort_r(pairs, count, sizeof *pairs, by_digest, &bytes);
  for (size_t i = 0; i < count; i++) {
    memcpy(s->digests + i * bytes, pairs[i].digest, bytes);
    s->ids[i] = pairs[i].id;
  }
  free(pairs);
  for (size_t i = 0; i < count; i++) {
    if (i > 0 && memcmp(s->digests + i * bytes, s->digests + (i - 1) * bytes, bytes) == 0)
      continue;
    size_t h = digest_hash(s->digests + i * bytes) & s->mask;
    while (s->slots[h])
      h = (h + 1) & s->mask;
    s->slots[h] = i + 1;
  }
  *out = s;
  return HS_OK;
}

void exact_set_destroy(exact_set *s) {
  if (!s)
    return;
  free(s->digests);
  free(s->ids);
  free(s->slots);
  free(s);
}

size_t exact_set_find(const exact_set *s, const uint8_t *digest, uint64_t *ids, size_t cap) {
  if (!s || s->count == 0)
    return 0;
  size_t h = digest_hash(digest) & s->mask;
  for (; s->slots[h]; h = (h + 1) & s->mask) {
    size_t first = s->slots[h] - 1;
    if (memcmp(s->digests + first * s->bytes, digest, s->bytes) != 0)
      continue;
    size_t n = 0;
    for (size_t i = first; i < s->count && memcmp(s->digests + i * s->bytes, digest, s->bytes) == 0;
         i++, n++)
      if (n < cap)
        ids[n] = s->ids[i];
    return n;
  }
  return 0;
}
