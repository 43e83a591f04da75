/* index/entryvariants.c - the "variants" sub-database and its counters
 * (entryvariants.h). */
#include "index/entryvariants.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "index/listattr.h"
#include "index/record.h"

int variant_name_valid(const char *name, size_t n) {
  if (n == 0 || n > HS_VARIANT_MAX_NAME)
    return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)name[i];
    if (!isalnum(c) && c != '_' && c != '+' && c != '-' && c != '.')
      return 0;
  }
  return 1;
}

/* The record of `id`: HS_ERR_NOT_FOUND (no detail) when absent. */
static hs_status get_rec(hs_index *idx, MDB_txn *txn, uint64_t id, MDB_val *v) {
  if (!idx->has[DB_VARIANTS])
    return HS_ERR_NOT_FOUND;
  MDB_val k = lmdb_val(&id, sizeof id);
  int rc = mdb_get(txn, idx->dbi[DB_VARIANTS], &k, v);
  if (rc == MDB_NOTFOUND)
    return HS_ERR_NOT_FOUND;
  return rc ? lmdb_fail(rc, "%s: reading the variants of %llu", idx->path,
                        (unsigned long long)id)
            : HS_OK;
}

static hs_status put_rec(hs_index *idx, MDB_txn *txn, uint64_t id, const rec_writer *w) {
  HS_CHECK(idx->has[DB_VARIANTS], HS_ERR_INVALID_ARG, "%s: index opened read-only", idx->path);
  HS_TRY(rec_writer_status(w));
  MDB_val k = lmdb_val(&id, sizeof id), v = lmdb_val(w->buf, w->len);
  /* An import writes an entry's record, then its new slots': ids above
   * every key so far, for a new entry. Appending fills LMDB's pages (a
   * plain put splits them half full): about half the bytes. A key that is
   * not the greatest is refused with MDB_KEYEXIST and put the usual way. */
  int rc = mdb_put(txn, idx->dbi[DB_VARIANTS], &k, &v, MDB_APPEND);
  if (rc == MDB_KEYEXIST)
    rc = mdb_put(txn, idx->dbi[DB_VARIANTS], &k, &v, 0);
  return rc ? lmdb_fail(rc, "%s: writing the variants of %llu", idx->path, (unsigned long long)id)
            : HS_OK;
}

static hs_status damaged(hs_index *idx, uint64_t id) {
  return error_set(HS_ERR_CORRUPT, "%s: damaged variant record of %llu", idx->path,
                   (unsigned long long)id);
}

hs_status variant_slot_get(hs_index *idx, MDB_txn *txn, uint64_t id, uint64_t *entry,
                           const char **name, size_t *nlen) {
  MDB_val v;
  HS_TRY(get_rec(idx, txn, id, &v));
  rec_reader r = rec_reader_make(v.mv_data, v.mv_size);
  uint8_t kind = rec_get_u8(&r);
  if (kind == VREC_ENTRY && !r.bad)
    return HS_ERR_NOT_FOUND;
  *entry = rec_get_u64(&r);
  *name = rec_get_str(&r, nlen);
  if (r.bad || kind != VREC_SLOT || !rec_at_end(&r) || !variant_name_valid(*name, *nlen))
    return damaged(idx, id);
  return HS_OK;
}

hs_status variant_slots_of(hs_index *idx, MDB_txn *txn, uint64_t entry, uint64_t **ids,
                           size_t *n) {
  *ids = NULL;
  *n = 0;
  MDB_val v;
  hs_status s = get_rec(idx, txn, entry, &v);
  if (s == HS_ERR_NOT_FOUND)
    return HS_OK;
  HS_TRY(s);
  rec_reader r = rec_reader_make(v.mv_data, v.mv_size);
  uint8_t kind = rec_get_u8(&r);
  uint32_t count = rec_get_u32(&r);
  if (r.bad || kind != VREC_ENTRY || count == 0 || v.mv_size != 5 + (size_t)count * 8)
    return kind == VREC_SLOT ? HS_OK : damaged(idx, entry);
  uint64_t *out = malloc(count * sizeof *out);
  if (!out)
    return error_set(HS_ERR_NOMEM, "out of memory");
  for (uint32_t i = 0; i < count; i++)
    out[i] = rec_get_u64(&r);
  *ids = out;
  *n = count;
  return HS_OK;
}

hs_status variant_put_slot(hs_index *idx, MDB_txn *txn, uint64_t slot, uint64_t entry,
                           const char *name, size_t nlen) {
  rec_writer w = {0};
  rec_put_u8(&w, VREC_SLOT);
  rec_put_u64(&w, entry);
  rec_put_str(&w, name, nlen);
  hs_status s = put_rec(idx, txn, slot, &w);
  rec_writer_free(&w);
  return s;
}

hs_status variant_put_entry(hs_index *idx, MDB_txn *txn, uint64_t entry, const uint64_t *ids,
                            size_t n) {
  HS_CHECK(n > 0 && n <= UINT32_MAX, HS_ERR_INVALID_ARG, "entry %llu: %zu variant slots",
           (unsigned long long)entry, n);
  rec_writer w = {0};
  rec_put_u8(&w, VREC_ENTRY);
  rec_put_u32(&w, (uint32_t)n);
  for (size_t i = 0; i < n; i++)
    rec_put_u64(&w, ids[i]);
  hs_status s = put_rec(idx, txn, entry, &w);
  rec_writer_free(&w);
  return s;
}

hs_status variant_count(hs_index *idx, MDB_txn *txn, uint32_t list_id, uint64_t added,
                        uint64_t withdrawn) {
  uint64_t slots, gone;
  HS_TRY(variant_totals(idx, txn, &slots, &gone));
  HS_TRY(index_counter_put(idx, txn, "variants", slots + added));
  HS_TRY(index_counter_put(idx, txn, "variants_withdrawn", gone + withdrawn));
  int64_t active;
  HS_TRY(listattr_get_i64(idx, txn, list_id, "variants", 0, &active));
  return listattr_put_i64(idx, txn, list_id, "variants",
                          active + (int64_t)added - (int64_t)withdrawn);
}

hs_status variant_totals(hs_index *idx, MDB_txn *txn, uint64_t *slots, uint64_t *withdrawn) {
  HS_TRY(index_counter_get(idx, txn, "variants", slots));
  return index_counter_get(idx, txn, "variants_withdrawn", withdrawn);
}

hs_status variant_list_active(hs_index *idx, MDB_txn *txn, uint32_t list_id, uint64_t *n) {
  int64_t v;
  HS_TRY(listattr_get_i64(idx, txn, list_id, "variants", 0, &v));
  *n = v > 0 ? (uint64_t)v : 0;
  return HS_OK;
}
