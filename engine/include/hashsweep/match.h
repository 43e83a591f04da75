/* hashsweep/match.h - Hamming search: all pairs within a radius, and top-k,
 * for 256-bit (PDQ) and 64-bit hashes, on an OpenCL device or the CPU. */
#ifndef HASHSWEEP_MATCH_H
#define HASHSWEEP_MATCH_H

#include "hashsweep/core.h"
#include "hashsweep/device.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Hashes as words: a 256-bit hash is 4 uint64 in hs_hash256 order, a 64-bit
 * hash is 1 uint64 (the value of its 16 hex digits). */

/* A set of hashes to search in. Copied on creation (into aligned memory)
 * and, when the engine uses a device, uploaded once and kept resident
 * across queries; a haystack larger than device memory is searched in
 * passes. Not thread-safe to destroy while a search runs. */
typedef struct hs_haystack hs_haystack;
HS_API hs_status hs_haystack_create(hs_engine *engine, int bits, const uint64_t *words,
                                    size_t count, hs_haystack **out);
HS_API void hs_haystack_destroy(hs_haystack *haystack);
HS_API size_t hs_haystack_count(const hs_haystack *haystack);
HS_API int hs_haystack_bits(const hs_haystack *haystack);

/* Appends every (query, target) with distance <= radius, sorted by query
 * then target. Never silently truncated: a device result buffer that
 * overflows is grown and the launch retried, or the work split. */
HS_API hs_status hs_match_radius(hs_engine *engine, const hs_haystack *haystack,
                                 const uint64_t *queries, size_t nq, int radius,
                                 hs_match_list *out);

/* Appends, per query, the k nearest targets (k <= 64), ties broken by the
 * lower target index; sorted by query, then distance, then target. */
#define HS_TOPK_MAX 64
HS_API hs_status hs_match_topk(hs_engine *engine, const hs_haystack *haystack,
                               const uint64_t *queries, size_t nq, int k, hs_match_list *out);

#ifdef __cplusplus
}
#endif
#endif
