/* index/entryedit.h - internal: entry-level changes shared by import and
 * withdraw (inside a write transaction, through page_work). */
#ifndef HS_INDEX_ENTRYEDIT_H
#define HS_INDEX_ENTRYEDIT_H

#include "index/entrymeta.h"
#include "index/pagework.h"

/* The metadata of entry `id`, or its implicit first provenance (the
 * import that made `version`). */
hs_status entry_load_meta(hs_index *idx, MDB_txn *txn, uint64_t id, uint32_t version, emeta *m);

/* Marks entry `id` withdrawn: flag in its page, time/version/log seq/reason
 * in its metadata. *was_withdrawn says it already was (nothing changed).
 * An entry's variant slots are withdrawn with it; a variant slot alone is
 * withdrawn alone. Keeps the variant counters (entryvariants.h); the list
 * record's counts are the caller's (for entries only). */
hs_status entry_withdraw(hs_index *idx, MDB_txn *txn, page_work *w, hs_hash_type t, uint64_t id,
                         uint64_t version, uint64_t seq, int64_t now, const char *reason,
                         int *was_withdrawn);

#endif
