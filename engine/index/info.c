/* index/info.c - hs_index_lists and hs_index_stats_get. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "index/index_internal.h"

hs_status hs_index_lists(hs_index *idx, int (*fn)(void *user, const hs_list_info *l), void *user) {
  HS_CHECK(idx && fn, HS_ERR_INVALID_ARG, "index lists: NULL argument");
  MDB_txn *txn;
  HS_TRY(lmdb_txn_begin(idx->env, MDB_RDONLY, &txn));
  MDB_cursor *c;
  int rc = mdb_cursor_open(txn, idx->dbi[DB_LISTS], &c);
  if (rc != 0) {
    mdb_txn_abort(txn);
    return lmdb_fail(rc, "%s: mdb_cursor_open", idx->path);
  }
  hs_status s = HS_OK;
  MDB_val k, v;
  for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
    char name[INDEX_MAX_NAME + 1];
    list_record r;
    if (k.mv_size == 0 || k.mv_size > INDEX_MAX_NAME || list_record_read(&v, &r) != 0) {
      s = error_set(HS_ERR_CORRUPT, "%s: damaged list record", idx->path);
      break;
    }
    memcpy(name, k.mv_data, k.mv_size);
    name[k.mv_size] = '\0';
    hs_list_info info = {name, r.id, r.version, r.created, r.updated, r.entries, r.withdrawn, {0}};
    memcpy(info.active_by_type, r.active_by_type, sizeof info.active_by_type);
    if (fn(user, &info) != 0)
      break;
  }
  if (s == HS_OK && rc != 0 && rc != MDB_NOTFOUND)
    s = lmdb_fail(rc, "%s: reading lists", idx->path);
  mdb_cursor_close(c);
  mdb_txn_abort(txn);
  return s;
}

static hs_status db_entries(hs_index *idx, MDB_txn *txn, int db, uint64_t *n) {
  MDB_stat st;
  int rc = mdb_stat(txn, idx->dbi[db], &st);
  if (rc != 0)
    return lmdb_fail(rc, "%s: mdb_stat %s", idx->path, index_db_name(db));
  *n = st.ms_entries;
  return HS_OK;
}

/* Entries and withdrawals per type from the page headers (the first LMDB
 * page of each value only: cheap even at 10^7 entries). */
static hs_status type_stats(hs_index *idx, MDB_txn *txn, hs_hash_type t, hs_index_stats *out) {
  if (!idx->has[DB_PAGES + t]) /* an older index opened read-only */
    return HS_OK;
  MDB_cursor *c;
  int rc = mdb_cursor_open(txn, idx->dbi[DB_PAGES + t], &c);
  if (rc != 0)
    return lmdb_fail(rc, "%s: mdb_cursor_open", idx->path);
  MDB_val k, v;
  hs_status s = HS_OK;
  for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
    page_header h;
    if (v.mv_size < sizeof h) {
      s = error_set(HS_ERR_CORRUPT, "%s: damaged %s page", idx->path, hs_hash_type_name(t));
      break;
    }
    memcpy(&h, v.mv_data, sizeof h);
    out->pages[t]++;
    out->entries[t] += h.count;
    out->withdrawn[t] += h.withdrawn;
  }
  if (s == HS_OK && rc != MDB_NOTFOUND)
    s = lmdb_fail(rc, "%s: reading %s pages", idx->path, hs_hash_type_name(t));
  mdb_cursor_close(c);
  return s;
}

static hs_status fill_stats(hs_index *idx, MDB_txn *txn, hs_index_stats *out) {
  HS_TRY(index_counter_get(idx, txn, "version", &out->version));
  uint64_t n = 0;
  HS_TRY(db_entries(idx, txn, DB_LISTS, &n));
  out->lists = (unsigned)n;
  HS_TRY(db_entries(idx, txn, DB_EMETA, &out->meta_records));
  HS_TRY(db_entries(idx, txn, DB_LOG, &out->log_records));
  for (int t = 0; t < HS_HASH_TYPE_COUNT; t++) {
    out->page_capacity[t] = idx->layout[t].capacity;
    HS_TRY(type_stats(idx, txn, (hs_hash_type)t, out));
  }
  MDB_envinfo info;
  int rc = mdb_env_info(idx->env, &info);
  if (rc != 0)
    return lmdb_fail(rc, "%s: mdb_env_info", idx->path);
  out->lmdb_page_size = idx->psize;
  out->map_bytes = info.me_mapsize;
  out->used_bytes = ((uint64_t)info.me_last_pgno + 1) * idx->psize;
  char path[4096];
  snprintf(path, sizeof path, "%s/data.mdb", idx->path);
  struct stat st;
  if (stat(path, &st) != 0)
    return error_set(HS_ERR_IO, "%s: %s", path, strerror(errno));
  out->file_bytes = (uint64_t)st.st_size;
  return HS_OK;
}

hs_status hs_index_stats_get(hs_index *idx, hs_index_stats *out) {
  HS_CHECK(idx && out, HS_ERR_INVALID_ARG, "index stats: NULL argument");
  memset(out, 0, sizeof *out);
  MDB_txn *txn;
  HS_TRY(lmdb_txn_begin(idx->env, MDB_RDONLY, &txn));
  hs_status s = fill_stats(idx, txn, out);
  mdb_txn_abort(txn);
  return s;
}
