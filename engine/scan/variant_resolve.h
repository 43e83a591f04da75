/* scan/variant_resolve.h - internal: a PDQ hit on a list-side variant slot
 * (HS_ENTRY_VARIANT, issue 18) reported as a hit on its entry, with the
 * variant's name in the record's `variant`. The matcher treats variant
 * slots as ordinary slots; only here are they told apart. */
#ifndef HS_SCAN_VARIANT_RESOLVE_H
#define HS_SCAN_VARIANT_RESOLVE_H

#include "hashsweep/index.h"

/* The list-side half of a hit: which entry, through which of its slots. */
typedef struct variant_via {
  uint64_t entry;
  char name[HS_VARIANT_MAX_NAME + 1]; /* "" : the entry's own hash */
} variant_via;

/* Resolves matched slot `slot` to its entry (the slot itself when it is an
 * entry; one index lookup otherwise). */
hs_status variant_resolve(hs_index_snapshot *snap, uint64_t slot, variant_via *out);

/* Whether (distance, via, query) beats the hit kept for the same entry:
 * the closer wins; at equal distance the entry's own hash wins over a
 * variant, then the lower query (the file's own hash before a dihedral,
 * before its content region's). */
int variant_better(int distance, const char *via, int query, int kept_distance,
                   const char *kept_via, int kept_query);

/* The record's `variant`: the query side (`query` 0..7 a dihedral of the
 * file, 8..15 of its content region: "unletterbox") and the list side
 * (`via`, "" for none) joined with '+': "orig", "rot90",
 * "crop_centre_10", "crop_centre_10+rot90", "unletterbox+crop_left_10". */
const char *variant_label(int query, const char *via, char *buf, size_t cap);

#endif
