/* hashsweep/match.h - Hamming search: all pairs within a radius, and top-k,
 * for 256-bit (PDQ) and 64-bit hashes, on an OpenCL device or the CPU. */
#ifndef HASHSWEEP_MATCH_H
#define HASHSWEEP_MATCH_H

#include "hashsweep/core.h"
#include "hashsweep/device.h"
#include "hashsweep/index.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Hashes as words: a 256-bit hash is 4 uint64 in hs_hash256 order, a 64-bit
 * hash is 1 uint64 (the value of its 16 hex digits). An array of hashes is
 * hash-major: hash i is words [i * bits/64, (i + 1) * bits/64).
 *
 * Where the search runs: on the engine's OpenCL device when
 * hs_engine_uses_device(), else on the CPU path: a brute-force scan over
 * the engine's threads with the best popcount this processor has (AVX-512
 * VPOPCNTDQ, AVX-512BW, AVX2, POPCNT, or plain C), chosen once per process
 * and logged at info level; the environment variable HASHSWEEP_CPU_KERNEL=
 * avx512|avx512bw|avx2|popcnt|generic overrides the choice. A device search that fails is redone on the
 * CPU path with a warning, so results are never lost. Both paths give the
 * same results, in the same order. */

/* A set of hashes to search in. Copied on creation (into aligned memory)
 * and, when the engine uses a device, uploaded once and kept resident
 * across queries; a haystack larger than device memory is searched in
 * passes. `bits` is 256 or 64; `words` holds count hashes (may be NULL when
 * count is 0). The haystack belongs to `engine`, which must outlive it.
 * Searches on one haystack may run concurrently; destroying it while a
 * search runs is not allowed. */
typedef struct hs_haystack hs_haystack;
HS_API hs_status hs_haystack_create(hs_engine *engine, int bits, const uint64_t *words,
                                    size_t count, hs_haystack **out);
HS_API void hs_haystack_destroy(hs_haystack *haystack);
HS_API size_t hs_haystack_count(const hs_haystack *haystack);
HS_API int hs_haystack_bits(const hs_haystack *haystack);

/* The searches take `nq` query hashes of the haystack's width (`queries`:
 * nq x bits/64 words, hash-major; nq < 2^32) and append results to `out`:
 * hs_match.query is the index in this batch (0..nq-1), hs_match.target the
 * index in the haystack. On failure nothing is appended (out keeps its
 * earlier items). Errors: HS_ERR_INVALID_ARG (NULL, radius < 0, k out of
 * range), HS_ERR_NOMEM. */

/* Appends every (query, target) with distance <= radius, sorted by query
 * then target. A radius at or above the hash width matches every pair.
 * Never silently truncated: a device result buffer that overflows is grown
 * and the launch retried, or the work split. */
HS_API hs_status hs_match_radius(hs_engine *engine, const hs_haystack *haystack,
                                 const uint64_t *queries, size_t nq, int radius,
                                 hs_match_list *out);

/* Appends, per query, the min(k, count) nearest targets (1 <= k <= 64), ties
 * broken by the lower target index; sorted by query, then distance, then
 * target. */
#define HS_TOPK_MAX 64
HS_API hs_status hs_match_topk(hs_engine *engine, const hs_haystack *haystack,
                               const uint64_t *queries, size_t nq, int k, hs_match_list *out);

/* ---- hash lists ------------------------------------------------------------
 *
 * A hash list is read with the grammar of `index import` (docs/formats.md):
 * one hex hash per line (64 digits PDQ, 32 MD5, 16 h64, optionally "<type> "
 * or "hash=" before it, '#' comments), CSV/TSV with or without a header
 * naming a hash column (the TSV `hashsweep hash` writes, pdq-photo-hasher's
 * output), or JSON Lines (index export, exchange formats). Blank lines,
 * comment lines, CRLF and a UTF-8 byte-order mark are skipped. All hashes of
 * one list have one type; rows that withdraw a hash are left out. The first
 * malformed record is an error "NAME:LINE: cause" (HS_ERR_FORMAT), LINE
 * 1-based; so is a record longer than HS_HASH_LIST_MAX_LINE bytes (never
 * held in memory).
 */
#define HS_HASH_LIST_MAX_LINE (1 << 20)
typedef struct hs_hash_list {
  int bits;       /* 256 or 64; 0 when the list holds no hash */
  size_t count;   /* hashes */
  uint64_t *words; /* count x bits/64, hash-major: ready for hs_haystack_create
                      and the searches (hs_hash_to_words) */
  size_t *lines;  /* count: the 1-based line of each hash in its file */
  hs_hash_type type; /* of every hash (meaningful when count > 0): MD5 and
                        SHA-256 digests are 256-bit words, equal at distance 0 */
} hs_hash_list;

/* Reads the file at `path` ("-": standard input) into *out (which is
 * overwritten; free it with hs_hash_list_free, also after a failure).
 * Errors: HS_ERR_NOT_FOUND or HS_ERR_IO ("PATH: cannot open: <reason>"),
 * HS_ERR_FORMAT ("PATH:LINE: <cause>"), HS_ERR_NOMEM. Not thread-safe when
 * two calls read standard input. */
HS_API hs_status hs_hash_list_read(const char *path, hs_hash_list *out);
/* The same from an open stream; `name` is what error messages call it. */
HS_API hs_status hs_hash_list_read_stream(FILE *f, const char *name, hs_hash_list *out);
HS_API void hs_hash_list_free(hs_hash_list *list);

#ifdef __cplusplus
}
#endif
#endif
