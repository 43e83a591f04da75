/* index/passthru.c - inactive pass-through entries (passthru.h). */
#include "index/passthru.h"

#include <openssl/evp.h>
#include <string.h>

#include "core/error.h"
#include "index/entrymeta.h"
#include "index/record.h"

#define PASSTHRU_FORMAT 1
#define KEY_BYTES (4 + 32)

static hs_status make_key(uint32_t list_id, const char *type, size_t tn, const char *value,
                          size_t vn, uint8_t key[KEY_BYTES]) {
  list_key_prefix(key, list_id);
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  unsigned len = 0;
  int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
           EVP_DigestUpdate(md, type, tn) == 1 && EVP_DigestUpdate(md, "", 1) == 1 &&
           EVP_DigestUpdate(md, value, vn) == 1 && EVP_DigestFinal_ex(md, key + 4, &len) == 1 &&
           len == 32;
  EVP_MD_CTX_free(md);
  return ok ? HS_OK : error_set(HS_ERR_INTERNAL, "SHA-256 failed");
}

static hs_status decode(hs_index *idx, const MDB_val *v, passthru_rec *r) {
  rec_reader rd = rec_reader_make(v->mv_data, v->mv_size);
  uint8_t format = rec_get_u8(&rd);
  r->seq = rec_get_u64(&rd);
  r->time = (int64_t)rec_get_u64(&rd);
  r->type = rec_get_str(&rd, &r->type_len);
  r->value = rec_get_str(&rd, &r->value_len);
  size_t bl = 0;
  r->blob = (const uint8_t *)rec_get_str(&rd, &bl);
  r->blob_len = (uint32_t)bl;
  if (rd.bad || !rec_at_end(&rd) || format != PASSTHRU_FORMAT || r->type_len == 0)
    return error_set(HS_ERR_CORRUPT, "%s: damaged pass-through record (%zu bytes)", idx->path,
                     v->mv_size);
  return HS_OK;
}

/* One pass row: stored, replaced or deleted. */
static hs_status apply_one(hs_index *idx, MDB_txn *txn, const import_parser *p,
                           const pass_row *pr, uint32_t list_id, uint64_t seq, int64_t now,
                           rec_writer *w, passthru_counts *out) {
  const char *text = (const char *)p->blobs.buf + pr->text_off;
  uint8_t key[KEY_BYTES];
  HS_TRY(make_key(list_id, text, pr->type_len, text + pr->type_len, pr->value_len, key));
  MDB_dbi dbi = idx->dbi[DB_PASSTHRU];
  MDB_val k = lmdb_val(key, sizeof key), v;
  int rc = mdb_get(txn, dbi, &k, &v);
  if (rc != 0 && rc != MDB_NOTFOUND)
    return lmdb_fail(rc, "%s: reading a pass-through entry", idx->path);
  passthru_rec old = {0};
  int had = rc == 0;
  if (had)
    HS_TRY(decode(idx, &v, &old));
  if (pr->status == ROW_WITHDRAW) {
    if (!had) {
      out->not_found++;
      return HS_OK;
    }
    rc = mdb_del(txn, dbi, &k, NULL);
    if (rc != 0)
      return lmdb_fail(rc, "%s: deleting a pass-through entry", idx->path);
    out->removed++;
    return HS_OK;
  }
  const uint8_t *blob = p->blobs.buf + pr->blob_off;
  if (had && old.blob_len == pr->blob_len &&
      (pr->blob_len == 0 || memcmp(old.blob, blob, pr->blob_len) == 0))
    return HS_OK; /* the same record again: keeps its first time */
  rec_writer_reset(w);
  rec_put_u8(w, PASSTHRU_FORMAT);
  rec_put_u64(w, seq);
  rec_put_u64(w, (uint64_t)now);
  rec_put_str(w, text, pr->type_len);
  rec_put_str(w, text + pr->type_len, pr->value_len);
  rec_put_str(w, (const char *)blob, pr->blob_len);
  HS_TRY(rec_writer_status(w));
  v = lmdb_val(w->buf, w->len);
  rc = mdb_put(txn, dbi, &k, &v, 0);
  if (rc != 0)
    return lmdb_fail(rc, "%s: writing a pass-through entry", idx->path);
  if (had) /* the fields replaced */
    out->changed++;
  else
    out->added++;
  return HS_OK;
}

hs_status passthru_import(hs_index *idx, MDB_txn *txn, const import_parser *p,
                          const uint32_t *list_ids, uint64_t seq, int64_t now,
                          passthru_counts *out) {
  memset(out, 0, sizeof *out);
  if (p->npass == 0)
    return HS_OK;
  HS_CHECK(idx->has[DB_PASSTHRU], HS_ERR_INVALID_ARG, "%s: index opened read-only", idx->path);
  rec_writer w = {0};
  hs_status s = HS_OK;
  for (size_t i = 0; i < p->npass && s == HS_OK; i++) {
    const pass_row *pr = &p->pass[i];
    s = apply_one(idx, txn, p, pr, list_ids[pr->list], seq, now, &w, out);
    if (s != HS_OK)
      s = error_prefix(s, "%s:%u: ", p->files[pr->file].name, pr->line);
  }
  rec_writer_free(&w);
  return s;
}

hs_status passthru_each(hs_index *idx, MDB_txn *txn, uint32_t list_id, passthru_fn fn,
                        void *user) {
  if (!idx->has[DB_PASSTHRU])
    return HS_OK;
  uint8_t prefix[4];
  list_key_prefix(prefix, list_id);
  MDB_cursor *c;
  int rc = mdb_cursor_open(txn, idx->dbi[DB_PASSTHRU], &c);
  if (rc != 0)
    return lmdb_fail(rc, "%s: reading pass-through entries", idx->path);
  MDB_val k = lmdb_val(prefix, sizeof prefix), v;
  hs_status s = HS_OK;
  for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0 && s == HS_OK;
       rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
    if (k.mv_size < 4 || memcmp(k.mv_data, prefix, 4) != 0)
      break;
    passthru_rec r;
    if (k.mv_size != KEY_BYTES)
      s = error_set(HS_ERR_CORRUPT, "%s: damaged pass-through key (%zu bytes)", idx->path,
                    k.mv_size);
    if (s == HS_OK)
      s = decode(idx, &v, &r);
    if (s == HS_OK)
      s = fn(user, &r);
  }
  if (s == HS_OK && rc != 0 && rc != MDB_NOTFOUND)
    s = lmdb_fail(rc, "%s: reading pass-through entries", idx->path);
  mdb_cursor_close(c);
  return s;
}

static hs_status count_one(void *user, const passthru_rec *r) {
  (void)r;
  ++*(uint64_t *)user;
  return HS_OK;
}

hs_status passthru_count(hs_index *idx, MDB_txn *txn, uint32_t list_id, uint64_t *n) {
  *n = 0;
  return passthru_each(idx, txn, list_id, count_one, n);
}

int passthru_check(hs_index *idx, const MDB_val *k, const MDB_val *v, uint32_t *list_id,
                   const char **why) {
  *list_id = 0;
  if (k->mv_size != KEY_BYTES) {
    *why = "a key of the wrong size";
    return -1;
  }
  const uint8_t *key = k->mv_data;
  *list_id = (uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 | (uint32_t)key[2] << 8 | key[3];
  passthru_rec r;
  if (decode(idx, v, &r) != HS_OK) {
    *why = "a damaged record";
    return -1;
  }
  uint8_t want[KEY_BYTES];
  if (make_key(*list_id, r.type, r.type_len, r.value, r.value_len, want) != HS_OK ||
      memcmp(want, key, KEY_BYTES) != 0) {
    *why = "a key that is not the digest of its type and value";
    return -1;
  }
  rec_reader rd = rec_reader_make(r.blob, r.blob_len);
  emeta_kv kv;
  int more;
  while ((more = emeta_blob_next(&rd, &kv)) == 1)
    ;
  if (more < 0) {
    *why = "damaged fields";
    return -1;
  }
  return 0;
}
