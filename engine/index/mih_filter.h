/* index/mih_filter.h - internal: the inner loop of the multi-index search
 * (mih.c). A probed bucket is a run of 16-bit partner chunks; the filter
 * picks the few whose distance to the query's partner chunk lies in a
 * window, so that only those fetch an id and a code. On random data at 10^7
 * codes a query filters ~41,000 partners and keeps ~1, so this loop is the
 * arithmetic of the search (its latency is the bucket loads, mih.c).
 *
 * One filter per instruction-set tier, each giving exactly the same hits:
 * plain C (the reference), plain C with POPCNT, AVX2 (16 lanes, nibble-table
 * popcount) and AVX-512 BITALG (32 lanes, VPOPCNTW). mih.c picks one at run
 * time. */
#ifndef HS_INDEX_MIH_FILTER_H
#define HS_INDEX_MIH_FILTER_H

#include <stddef.h>
#include <stdint.h>

/* Most entries one call filters (hits are 16-bit offsets). */
#define MIH_FILTER_BLOCK 1024
/* Entries a filter may read past `n` (it ignores them): the partner arrays
 * are allocated this much longer, so a vector load never leaves them. */
#define MIH_FILTER_PAD 32

/* Writes to hits, in increasing order, every i < n (n <= MIH_FILTER_BLOCK)
 * with above < popcount(part[i] ^ qp) <= upto, and returns how many. above
 * is -1 (no lower bound) or 0..16, upto 0..16. */
typedef size_t (*mih_filter_fn)(const uint16_t *part, size_t n, unsigned qp, int above, int upto,
                                uint16_t *hits);

size_t mih_filter_generic(const uint16_t *part, size_t n, unsigned qp, int above, int upto,
                          uint16_t *hits);
#if defined(__x86_64__) && defined(__GNUC__)
#define MIH_FILTER_X86 1
size_t mih_filter_popcnt(const uint16_t *part, size_t n, unsigned qp, int above, int upto,
                         uint16_t *hits);
size_t mih_filter_avx2(const uint16_t *part, size_t n, unsigned qp, int above, int upto,
                       uint16_t *hits);
size_t mih_filter_avx512(const uint16_t *part, size_t n, unsigned qp, int above, int upto,
                         uint16_t *hits);
#endif

#endif
