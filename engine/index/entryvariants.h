/* index/entryvariants.h - internal: list-side variants of an entry (extra
 * PDQ slots flagged HS_ENTRY_VARIANT, issue 18) and the optional
 * sub-database "variants" that ties them to their entry.
 *
 * Why extra slots: a scan copies the hash columns of the pages straight into
 * the matcher, so a variant stored as an ordinary slot is matched on the CPU
 * and on the device with no change to either, at the cost of one slot (40
 * bytes) per variant; only a hit on one needs one more lookup (here) to name
 * its entry. The entry keeps one label, one provenance and one id.
 *
 * Records, keyed by a slot id (uint64, INTEGERKEY):
 *   a variant slot: u8 VREC_SLOT, u64 entry id, str name
 *   an entry with variants: u8 VREC_ENTRY, u32 n, n x u64 slot ids (in the
 *   order they were added; withdrawn ones stay listed)
 * Counters: meta "variants" and "variants_withdrawn" (all lists), list
 * attribute "variants" (active variant slots of the list). */
#ifndef HS_INDEX_ENTRYVARIANTS_H
#define HS_INDEX_ENTRYVARIANTS_H

#include "index/index_internal.h"

enum { VREC_SLOT = 1, VREC_ENTRY = 2 };

/* 1 when `name` (n bytes) is a valid variant name: 1..HS_VARIANT_MAX_NAME
 * bytes of letters, digits and _ + - . */
int variant_name_valid(const char *name, size_t n);

/* A variant slot's entry and name (*name points into the map, not
 * NUL-terminated: valid until the transaction ends or the record is
 * written). HS_ERR_NOT_FOUND (no detail) when `id` is no variant slot. */
hs_status variant_slot_get(hs_index *idx, MDB_txn *txn, uint64_t id, uint64_t *entry,
                           const char **name, size_t *nlen);
/* The variant slot ids of an entry: *ids is malloc'd (NULL and 0 when it
 * has none; free it). */
hs_status variant_slots_of(hs_index *idx, MDB_txn *txn, uint64_t entry, uint64_t **ids,
                           size_t *n);
/* Records slot `slot` as variant `name` of `entry` (write transaction). */
hs_status variant_put_slot(hs_index *idx, MDB_txn *txn, uint64_t slot, uint64_t entry,
                           const char *name, size_t nlen);
/* Records the variant slots of `entry` (all of them, n > 0). */
hs_status variant_put_entry(hs_index *idx, MDB_txn *txn, uint64_t entry, const uint64_t *ids,
                            size_t n);
/* Adjusts the counters: `added` new variant slots and `withdrawn` newly
 * withdrawn ones in list `list_id`. */
hs_status variant_count(hs_index *idx, MDB_txn *txn, uint32_t list_id, uint64_t added,
                        uint64_t withdrawn);
/* The index-wide counters (0 when absent). */
hs_status variant_totals(hs_index *idx, MDB_txn *txn, uint64_t *slots, uint64_t *withdrawn);
/* A list's active variant slots (0 when absent). */
hs_status variant_list_active(hs_index *idx, MDB_txn *txn, uint32_t list_id, uint64_t *n);

#endif
