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
 * Only the survivors (~0.25% of the probed entries on random data: a
 * partner within 3 - chunk distance of the query's is 1 in ~400; ~100 a
 * query at 10^7) fetch their id and then the full code for the exact
 * distance, both a few survivors after they are found, so that these
 * misses overlap the scans. A match is reported once, from the first
 * substring and chunk that witness it (a visited set, made only once a
 * query has fetched many codes, spares repeated fetches on clustered data).
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
 * Speed at 10^7 codes: a random query reads 272 buckets of ~150 partners
 * each at random places, so the search waits on memory more than it
 * computes. The tables live on huge pages where the kernel allows
 * (MADV_HUGEPAGE: a bucket load then rarely misses the TLB as well), the
 * buckets of many keys, across tables, are loaded ahead of their scan
 * (software pipeline), and the partners are filtered 16 or 32 at a time
 * (mih_filter.h; the tier is chosen at run time, see mih_variant).
 *
 * Threads: mih_radius only reads and may run on many threads at once;
 * mih_add/mih_remove/mih_set_variant must not run concurrently with
 * anything else. mih_build and merges fill the tables on up to 4 threads
 * of their own (identical tables whatever the count). */
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

/* Instruction-set tiers of the search, slowest first. All return the same
 * set; GENERIC (portable C, no POPCNT instruction) is the reference. */
typedef enum mih_variant {
  MIH_VARIANT_AUTO = 0, /* the best available; HASHSWEEP_NO_SIMD=1: POPCNT at most */
  MIH_VARIANT_GENERIC,  /* plain C */
  MIH_VARIANT_POPCNT,   /* x86-64: plain C with the POPCNT instruction */
  MIH_VARIANT_AVX2,     /* x86-64: AVX2 partner filter, 16 lanes */
  MIH_VARIANT_AVX512,   /* x86-64: AVX-512BW + BITALG partner filter, 32 lanes */
  MIH_VARIANT_COUNT
} mih_variant;

/* "auto", "generic", "popcnt", "avx2", "avx512"; "?" when out of range. */
const char *mih_variant_name(mih_variant v);
/* 1 when this build and this processor (and its OS) can run v. */
int mih_variant_available(mih_variant v);
/* Tests and benchmarks: makes later searches on m use v (AUTO: the normal
 * choice, which a new mih starts with). HS_ERR_UNSUPPORTED when v is not
 * available here. */
hs_status mih_set_variant(mih *m, mih_variant v);
/* The variant m's searches run (never AUTO). */
mih_variant mih_variant_used(const mih *m);

/* Positions handed out (removed ones included). */
size_t mih_count(const mih *m);
/* Bytes of memory the structure holds (tables, codes, bitmaps). */
size_t mih_memory(const mih *m);

#endif
