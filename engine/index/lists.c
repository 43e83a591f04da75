/* index/lists.c - the list table: name -> list_record, id -> name. */
#include <string.h>

#include "core/error.h"
#include "index/index_internal.h"

/* Names end up in TSV/CSV exports and log lines: printable, no separators
 * that would need quoting everywhere. */
hs_status list_check_name(const char *name) {
  size_t n = name ? strlen(name) : 0;
  if (n == 0)
    return error_set(HS_ERR_INVALID_ARG, "list name is empty");
  if (n > INDEX_MAX_NAME)
    return error_set(HS_ERR_INVALID_ARG, "list name longer than %d bytes", INDEX_MAX_NAME);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)name[i];
    if (c < 0x20 || c == 0x7f || c == ',' || c == '"')
      return error_set(HS_ERR_INVALID_ARG,
                       "list name '%s': control characters, commas and quotes are not allowed",
                       name);
  }
  return HS_OK;
}

hs_status list_get(hs_index *idx, MDB_txn *txn, const char *name, list_record *out) {
  MDB_val k = lmdb_val(name, strlen(name)), v;
  int rc = mdb_get(txn, idx->dbi[DB_LISTS], &k, &v);
  if (rc == MDB_NOTFOUND)
    return error_set(HS_ERR_NOT_FOUND, "%s: no list '%s'", idx->path, name);
  if (rc != 0)
    return lmdb_fail(rc, "%s: reading list '%s'", idx->path, name);
  if (list_record_read(&v, out) != 0)
    return error_set(HS_ERR_CORRUPT, "%s: list record '%s' has %zu bytes", idx->path, name,
                     v.mv_size);
  return HS_OK;
}

int list_record_read(const MDB_val *v, list_record *out) {
  if (v->mv_size != sizeof *out && v->mv_size != LIST_RECORD_V1_BYTES)
    return -1;
  memset(out, 0, sizeof *out);
  memcpy(out, v->mv_data, v->mv_size);
  return 0;
}

hs_status list_put(hs_index *idx, MDB_txn *txn, const char *name, const list_record *rec) {
  MDB_val k = lmdb_val(name, strlen(name)), v = lmdb_val(rec, sizeof *rec);
  int rc = mdb_put(txn, idx->dbi[DB_LISTS], &k, &v, 0);
  return rc ? lmdb_fail(rc, "%s: writing list '%s'", idx->path, name) : HS_OK;
}

hs_status list_get_or_create(hs_index *idx, MDB_txn *txn, const char *name, int64_t now,
                             list_record *out) {
  hs_status s = list_get(idx, txn, name, out);
  if (s != HS_ERR_NOT_FOUND)
    return s;
  HS_TRY(list_check_name(name));
  uint64_t next;
  HS_TRY(index_counter_get(idx, txn, "next_list", &next));
  if (next == 0 || next > INDEX_MAX_LISTS)
    return error_set(HS_ERR_LIMIT, "%s: cannot create list '%s': %u lists is the limit", idx->path,
                     name, INDEX_MAX_LISTS);
  memset(out, 0, sizeof *out);
  out->id = (uint32_t)next;
  out->created = out->updated = now;
  uint32_t id = out->id;
  MDB_val k = lmdb_val(&id, sizeof id), v = lmdb_val(name, strlen(name));
  int rc = mdb_put(txn, idx->dbi[DB_LISTID], &k, &v, MDB_NOOVERWRITE);
  if (rc != 0)
    return lmdb_fail(rc, "%s: recording list id %u", idx->path, id);
  HS_TRY(index_counter_put(idx, txn, "next_list", next + 1));
  return list_put(idx, txn, name, out);
}

hs_status list_name(hs_index *idx, MDB_txn *txn, unsigned id, char *buf, size_t cap) {
  uint32_t key = id;
  MDB_val k = lmdb_val(&key, sizeof key), v;
  int rc = mdb_get(txn, idx->dbi[DB_LISTID], &k, &v);
  if (rc == MDB_NOTFOUND)
    return error_set(HS_ERR_NOT_FOUND, "%s: no list with id %u", idx->path, id);
  if (rc != 0)
    return lmdb_fail(rc, "%s: reading list id %u", idx->path, id);
  if (v.mv_size == 0 || v.mv_size >= cap)
    return error_set(HS_ERR_CORRUPT, "%s: list id %u has a name of %zu bytes", idx->path, id,
                     v.mv_size);
  memcpy(buf, v.mv_data, v.mv_size);
  buf[v.mv_size] = '\0';
  return HS_OK;
}
