/* index/mih.h - internal: multi-index hashing for exact Hamming radius
 * search on 256-bit codes (PDQ) on one CPU thread, for the matcher when no
 * device is used and the haystack is large.
 *
 * Split (chosen by measurement, bench/results/index.md): the 256 bits are
 * 8 substrings of 32 bits, each made of two 16-bit chunks, and there is one
 * table per chunk (16). A code within radius r of the query has, by
 * pigeonhole, some substring within t = floor(r / 8), and in it some chunk
 * within t2 = floor(t / 2). So each chunk table is probed at every key
 * within t2 of the query's chunk (17 keys for r = 31), and every entry found
 * carries the 16-bit partner chunk of its substring: chunk + partner
 * distance <= t is checked in the table itself, with no access to the code.
 * Only the survivors (~0.003% of the probed entries on random data) fetch
 * the full code for the exact distance. A match is reported once, from the
 * first substring and chunk that witness it, with no visited set.
 *
 * Tables are compact arrays (CSR): per chunk, 65537 offsets (u32) into
 * parallel arrays of ids (u32) and partner chunks (u16) sorted by key: 96
 * bytes per code in the tables, 32 for the owned copy of the code, plus
 * 4 MiB of offsets.
 *
 * Incremental: mih_add appends codes to a small unsorted tail that queries
 * scan directly, merged into the tables when it grows past 1/8 of them;
 * mih_remove marks a position removed (skipped by queries, dropped at the
 * next merge). Positions never change: they are the targets reported.
 *
 * Threads: mih_radius only reads and may run on many threads at once;
 * mih_add/mih_remove must not run concurrently with anything else. */
#ifndef HS_INDEX_MIH_H
#define HS_INDEX_MIH_H

#include <stddef.h>
#include <stdint.h>

#include "hashsweep/core.h"

typedef struct mih mih;

/* Builds over n codes (4 uint64 words each, hs_hash256 order), copied.
 * Positions 0..n-1. */
hs_status mih_build(const uint64_t *words, size_t n, mih **out);
void mih_destroy(mih *m);

/* Appends every position within `radius` (inclusive, 0..256) of `query`
 * to `out` as {target = position, query = query_index, distance}, each once,
 * in no particular order. Exact: the same set a full scan finds. Radii
 * beyond what the tables serve well (> 63) fall back to a full scan. */
hs_status mih_radius(const mih *m, const uint64_t query[4], int radius, hs_match_list *out,
                     uint32_t query_index);

/* Appends n codes at positions mih_count(m) .. + n - 1. */
hs_status mih_add(mih *m, const uint64_t *words, size_t n);
/* Removes one position (HS_ERR_NOT_FOUND if out of range). */
hs_status mih_remove(mih *m, uint64_t position);

/* Positions handed out (removed ones included). */
size_t mih_count(const mih *m);
/* Bytes of memory the structure holds (tables, codes, bitmaps). */
size_t mih_memory(const mih *m);

#endif
