/* index/listattr.c - per-list attributes (listattr.h). */
#include "index/listattr.h"

#include <string.h>

#include "core/error.h"

static hs_status make_key(uint32_t list_id, const char *name, uint8_t key[4 + LISTATTR_MAX_NAME],
                          size_t *klen) {
  size_t n = strlen(name);
  if (n == 0 || n > LISTATTR_MAX_NAME)
    return error_set(HS_ERR_INVALID_ARG, "list attribute name '%s' is empty or too long", name);
  list_key_prefix(key, list_id);
  memcpy(key + 4, name, n);
  *klen = 4 + n;
  return HS_OK;
}

hs_status listattr_get(hs_index *idx, MDB_txn *txn, uint32_t list_id, const char *name,
                       const void **val, size_t *len) {
  uint8_t key[4 + LISTATTR_MAX_NAME];
  size_t klen;
  HS_TRY(make_key(list_id, name, key, &klen));
  if (!idx->has[DB_LISTATTR])
    return HS_ERR_NOT_FOUND;
  MDB_val k = lmdb_val(key, klen), v;
  int rc = mdb_get(txn, idx->dbi[DB_LISTATTR], &k, &v);
  if (rc == MDB_NOTFOUND)
    return HS_ERR_NOT_FOUND;
  if (rc != 0)
    return lmdb_fail(rc, "%s: reading list attribute %s", idx->path, name);
  *val = v.mv_data;
  *len = v.mv_size;
  return HS_OK;
}

hs_status listattr_put(hs_index *idx, MDB_txn *txn, uint32_t list_id, const char *name,
                       const void *val, size_t len) {
  uint8_t key[4 + LISTATTR_MAX_NAME];
  size_t klen;
  HS_TRY(make_key(list_id, name, key, &klen));
  HS_CHECK(idx->has[DB_LISTATTR], HS_ERR_INVALID_ARG, "%s: index opened read-only", idx->path);
  MDB_val k = lmdb_val(key, klen), v = lmdb_val(val, len);
  int rc = mdb_put(txn, idx->dbi[DB_LISTATTR], &k, &v, 0);
  return rc ? lmdb_fail(rc, "%s: writing list attribute %s", idx->path, name) : HS_OK;
}

hs_status listattr_del(hs_index *idx, MDB_txn *txn, uint32_t list_id, const char *name) {
  uint8_t key[4 + LISTATTR_MAX_NAME];
  size_t klen;
  HS_TRY(make_key(list_id, name, key, &klen));
  if (!idx->has[DB_LISTATTR])
    return HS_OK;
  MDB_val k = lmdb_val(key, klen);
  int rc = mdb_del(txn, idx->dbi[DB_LISTATTR], &k, NULL);
  return rc && rc != MDB_NOTFOUND ? lmdb_fail(rc, "%s: deleting list attribute %s", idx->path, name)
                                  : HS_OK;
}

hs_status listattr_get_i64(hs_index *idx, MDB_txn *txn, uint32_t list_id, const char *name,
                           int64_t dflt, int64_t *out) {
  const void *v = NULL;
  size_t n = 0;
  hs_status s = listattr_get(idx, txn, list_id, name, &v, &n);
  if (s == HS_ERR_NOT_FOUND) {
    *out = dflt;
    return HS_OK;
  }
  HS_TRY(s);
  if (n != sizeof *out)
    return error_set(HS_ERR_CORRUPT, "%s: list attribute %s has %zu bytes", idx->path, name, n);
  memcpy(out, v, sizeof *out);
  return HS_OK;
}

hs_status listattr_put_i64(hs_index *idx, MDB_txn *txn, uint32_t list_id, const char *name,
                           int64_t value) {
  return listattr_put(idx, txn, list_id, name, &value, sizeof value);
}

hs_status listattr_each(hs_index *idx, MDB_txn *txn, uint32_t list_id, listattr_fn fn,
                        void *user) {
  if (!idx->has[DB_LISTATTR])
    return HS_OK;
  uint8_t prefix[4];
  list_key_prefix(prefix, list_id);
  MDB_cursor *c;
  int rc = mdb_cursor_open(txn, idx->dbi[DB_LISTATTR], &c);
  if (rc != 0)
    return lmdb_fail(rc, "%s: reading list attributes", idx->path);
  MDB_val k = lmdb_val(prefix, sizeof prefix), v;
  hs_status s = HS_OK;
  for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
    if (k.mv_size < 4 || memcmp(k.mv_data, prefix, 4) != 0)
      break;
    char name[LISTATTR_MAX_NAME + 1];
    size_t n = k.mv_size - 4;
    if (n == 0 || n > LISTATTR_MAX_NAME) {
      s = error_set(HS_ERR_CORRUPT, "%s: damaged list attribute key (%zu bytes)", idx->path,
                    k.mv_size);
      break;
    }
    memcpy(name, (const char *)k.mv_data + 4, n);
    name[n] = '\0';
    if (fn(user, name, v.mv_data, v.mv_size))
      break;
  }
  if (s == HS_OK && rc != 0 && rc != MDB_NOTFOUND)
    s = lmdb_fail(rc, "%s: reading list attributes", idx->path);
  mdb_cursor_close(c);
  return s;
}
