/* index/guard_index.h - internal: the flood guard's quarantine from inside
 * another write transaction (guard_index.c), for quarantines that must be
 * atomic with what caused them (a reviewer's rejection, decisions.c). */
#ifndef HS_INDEX_GUARD_INDEX_H
#define HS_INDEX_GUARD_INDEX_H

#include "index/index_internal.h"

/* Quarantines `entry` in `txn`: the flag, the quarantine record (files =
 * `files`, seen = 0, limit = `limit`), a version for its list and one
 * `quarantine` audit record with `reason` as its note. An entry already
 * withdrawn or quarantined is left alone (*done 0, nothing written);
 * HS_ERR_NOT_FOUND when it does not exist. */
hs_status guard_quarantine_in_txn(hs_index *idx, MDB_txn *txn, uint64_t entry, uint64_t files,
                                  uint64_t limit, const char *reason, const char *command,
                                  int *done);

#endif
