/* index/listattr.h - internal: per-list attributes (optional sub-database
 * "listattr"): settings and state that belong to one list, such as a
 * StopNCII sync position, a per-list radius or the list's role. Key: the
 * list id as 4 big-endian bytes (one list's attributes sort together)
 * followed by the attribute name; value: bytes whose meaning the owner of
 * the attribute defines (integers host order, like the other records). */
#ifndef HS_INDEX_LISTATTR_H
#define HS_INDEX_LISTATTR_H

#include "index/index_internal.h"

#define LISTATTR_MAX_NAME 64
/* i64: the nextSetTimestamp of the last StopNCII page imported (import.c) */
#define LISTATTR_NEXT_SET "stopncii.next_set_timestamp"

/* HS_ERR_NOT_FOUND (no error detail) when absent, also when the index has
 * no listattr sub-database yet (read-only open of an older index). *val
 * points into the map: valid until the transaction ends or the attribute
 * is written. */
hs_status listattr_get(hs_index *idx, MDB_txn *txn, uint32_t list_id, const char *name,
                       const void **val, size_t *len);
hs_status listattr_put(hs_index *idx, MDB_txn *txn, uint32_t list_id, const char *name,
                       const void *val, size_t len);
/* Absent is not an error. */
hs_status listattr_del(hs_index *idx, MDB_txn *txn, uint32_t list_id, const char *name);

/* Conveniences for 64-bit integer attributes: *out = dflt when absent. */
hs_status listattr_get_i64(hs_index *idx, MDB_txn *txn, uint32_t list_id, const char *name,
                           int64_t dflt, int64_t *out);
hs_status listattr_put_i64(hs_index *idx, MDB_txn *txn, uint32_t list_id, const char *name,
                           int64_t value);

/* Calls fn for each attribute of one list, by name; a non-zero return
 * stops. `name` is NUL-terminated, `val` borrowed for the call. */
typedef int (*listattr_fn)(void *user, const char *name, const void *val, size_t len);
hs_status listattr_each(hs_index *idx, MDB_txn *txn, uint32_t list_id, listattr_fn fn,
                        void *user);

#endif
