/* index/passthru.h - internal: inactive pass-through entries (optional
 * sub-database "passthrough"). An exchange delivers hashes of types
 * hashsweep does not match (StopNCII VideoTMK, ThreatExchange HASH_TMK,
 * pytx raw_text); they are kept with their list so that the list can be
 * exported and passed on whole, counted by `index lists`, and never
 * matched: they are not in the hash pages at all.
 *
 * Key: the list id as 4 big-endian bytes (a list's records sort together)
 * then the SHA-256 of the type name, a NUL and the value (values are free
 * text, longer than an LMDB key may be). Value: u8 format (1), u64 audit
 * seq of the import that stored it, i64 time, str type, str value, str
 * field blob (entrymeta.h). The same type and value again replaces the
 * fields (the exchange's latest word); a withdrawal deletes the record. */
#ifndef HS_INDEX_PASSTHRU_H
#define HS_INDEX_PASSTHRU_H

#include "index/index_internal.h"
#include "lists/lists.h"

typedef struct passthru_rec {
  uint64_t seq;
  int64_t time;
  const char *type, *value; /* borrowed, not NUL-terminated */
  size_t type_len, value_len;
  const uint8_t *blob;      /* borrowed */
  uint32_t blob_len;
} passthru_rec;

typedef struct passthru_counts {
  uint64_t added;     /* new records */
  uint64_t changed;   /* records whose fields changed */
  uint64_t removed;   /* withdrawn (deleted) */
  uint64_t not_found; /* withdrawals of records never kept */
} passthru_counts;

/* Applies the parser's pass rows: list_ids[i] is the index list id of
 * parser list i. Needs a writable open (the sub-database exists). */
hs_status passthru_import(hs_index *idx, MDB_txn *txn, const import_parser *p,
                          const uint32_t *list_ids, uint64_t seq, int64_t now,
                          passthru_counts *out);
/* Records of one list (0 when the index has no sub-database yet). */
hs_status passthru_count(hs_index *idx, MDB_txn *txn, uint32_t list_id, uint64_t *n);
/* Calls fn for each record of one list, in key order; a non-OK return
 * stops and is returned. `r` is borrowed for the call. */
typedef hs_status (*passthru_fn)(void *user, const passthru_rec *r);
hs_status passthru_each(hs_index *idx, MDB_txn *txn, uint32_t list_id, passthru_fn fn,
                        void *user);

/* The structural check of one stored record (verify): 0 when sound, with
 * its list id; else -1 and a cause. */
int passthru_check(hs_index *idx, const MDB_val *k, const MDB_val *v, uint32_t *list_id,
                   const char **why);

#endif
