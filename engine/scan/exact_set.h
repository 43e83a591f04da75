/* scan/exact_set.h - internal: exact-hash lookup (MD5, SHA-256 of file
 * bytes) against the index's exact entries: an open-addressing table from
 * digest to entry ids (one digest may be listed by several lists). */
#ifndef HS_SCAN_EXACT_SET_H
#define HS_SCAN_EXACT_SET_H

#include <stddef.h>
#include <stdint.h>

#include "hashsweep/core.h"

typedef struct exact_set exact_set;

/* Builds a set over `count` digests of `bytes` each (16 or 32), with
 * parallel entry ids. Copies what it needs. */
hs_status exact_set_build(const uint8_t *digests, const uint64_t *ids, size_t count,
                          size_t bytes, exact_set **out);
void exact_set_destroy(exact_set *s);
/* Entry ids whose digest equals `digest`, in ascending order: up to cap
 * written to ids; returns how many there are in all. */
size_t exact_set_find(const exact_set *s, const uint8_t *digest, uint64_t *ids, size_t cap);

#endif
