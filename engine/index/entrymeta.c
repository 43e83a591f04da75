/* index/entrymeta.c - per-entry metadata records and field-set blobs. */
#include "index/entrymeta.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define EMETA_FORMAT 1

void emeta_free(emeta *m) {
  for (uint32_t i = 0; i < m->nprov; i++)
    free(m->prov[i].seqs);
  free(m->prov);
  memset(m, 0, sizeof *m);
}

static int push_prov(emeta *m, const uint8_t *blob, uint32_t blob_len, uint64_t seq) {
  emeta_prov *p = realloc(m->prov, (m->nprov + 1) * sizeof *p);
  if (!p)
    return -1;
  m->prov = p;
  uint64_t *seqs = malloc(sizeof *seqs);
  if (!seqs)
    return -1;
  seqs[0] = seq;
  p[m->nprov++] = (emeta_prov){1, seqs, blob, blob_len};
  return 1;
}

hs_status emeta_init_implicit(emeta *m, uint64_t first_seq) {
  memset(m, 0, sizeof *m);
  if (push_prov(m, NULL, 0, first_seq) < 0)
    return error_set(HS_ERR_NOMEM, "out of memory (entry metadata)");
  return HS_OK;
}

int emeta_add(emeta *m, const uint8_t *blob, uint32_t blob_len, uint64_t seq) {
  for (uint32_t i = 0; i < m->nprov; i++) {
    emeta_prov *p = &m->prov[i];
    if (p->blob_len != blob_len || (blob_len && memcmp(p->blob, blob, blob_len) != 0))
      continue;
    for (uint32_t j = 0; j < p->nseq; j++)
      if (p->seqs[j] == seq)
        return 0;
    uint64_t *s = realloc(p->seqs, (p->nseq + 1) * sizeof *s);
    if (!s)
      return -1;
    s[p->nseq++] = seq;
    p->seqs = s;
    return 1;
  }
  return push_prov(m, blob, blob_len, seq);
}

hs_status emeta_decode(const void *data, size_t n, emeta *m) {
  memset(m, 0, sizeof *m);
  rec_reader r = rec_reader_make(data, n);
  int ok = rec_get_u8(&r) == EMETA_FORMAT;
  uint32_t nprov = rec_get_u32(&r);
  ok = ok && !r.bad && nprov > 0 && nprov <= n;
  if (ok && !(m->prov = calloc(nprov, sizeof *m->prov)))
    return error_set(HS_ERR_NOMEM, "out of memory (entry metadata)");
  for (uint32_t i = 0; ok && i < nprov; i++) {
    emeta_prov *p = &m->prov[i];
    m->nprov = i + 1;
    p->nseq = rec_get_u32(&r);
    ok = !r.bad && p->nseq > 0 && p->nseq <= n / 8;
    if (ok && !(p->seqs = malloc(p->nseq * sizeof *p->seqs))) {
      emeta_free(m);
      return error_set(HS_ERR_NOMEM, "out of memory (entry metadata)");
    }
    for (uint32_t j = 0; ok && j < p->nseq; j++)
      p->seqs[j] = rec_get_u64(&r);
    p->blob_len = rec_get_u32(&r);
    p->blob = rec_get_bytes(&r, p->blob_len);
    ok = ok && !r.bad;
  }
  m->withdrawn = rec_get_u8(&r);
  if (ok && m->withdrawn == 1) {
    m->w_time = (int64_t)rec_get_u64(&r);
    m->w_version = rec_get_u64(&r);
    m->w_seq = rec_get_u64(&r);
    m->reason = rec_get_str(&r, &m->reason_len);
  }
  ok = ok && !r.bad && m->withdrawn <= 1 && rec_at_end(&r);
  if (!ok) {
    emeta_free(m);
    return error_set(HS_ERR_CORRUPT, "damaged entry metadata record");
  }
  return HS_OK;
}

hs_status emeta_load(hs_index *idx, MDB_txn *txn, uint64_t id, emeta *m, int *found) {
  memset(m, 0, sizeof *m);
  *found = 0;
  MDB_val k = lmdb_val(&id, sizeof id), v;
  int rc = mdb_get(txn, idx->dbi[DB_EMETA], &k, &v);
  if (rc == MDB_NOTFOUND)
    return HS_OK;
  if (rc != 0)
    return lmdb_fail(rc, "%s: reading metadata of entry %llu", idx->path, (unsigned long long)id);
  hs_status s = emeta_decode(v.mv_data, v.mv_size, m);
  if (s != HS_OK)
    return error_prefix(s, "%s: entry %llu: ", idx->path, (unsigned long long)id);
  *found = 1;
  return HS_OK;
}

hs_status emeta_store(hs_index *idx, MDB_txn *txn, uint64_t id, const emeta *m) {
  rec_writer w = {0};
  rec_put_u8(&w, EMETA_FORMAT);
  rec_put_u32(&w, m->nprov);
  for (uint32_t i = 0; i < m->nprov; i++) {
    const emeta_prov *p = &m->prov[i];
    rec_put_u32(&w, p->nseq);
    for (uint32_t j = 0; j < p->nseq; j++)
      rec_put_u64(&w, p->seqs[j]);
    rec_put_u32(&w, p->blob_len);
    rec_put_bytes(&w, p->blob, p->blob_len);
  }
  rec_put_u8(&w, (uint8_t)(m->withdrawn != 0));
  if (m->withdrawn) {
    rec_put_u64(&w, (uint64_t)m->w_time);
    rec_put_u64(&w, m->w_version);
    rec_put_u64(&w, m->w_seq);
    rec_put_str(&w, m->reason, m->reason_len);
  }
  hs_status s = rec_writer_status(&w);
  if (s == HS_OK) {
    MDB_val k = lmdb_val(&id, sizeof id), v = lmdb_val(w.buf, w.len);
    int rc = mdb_put(txn, idx->dbi[DB_EMETA], &k, &v, 0);
    if (rc != 0)
      s = lmdb_fail(rc, "%s: writing metadata of entry %llu", idx->path, (unsigned long long)id);
  }
  rec_writer_free(&w);
  return s;
}

/* ---- blobs ---------------------------------------------------------------- */

static int kv_cmp(const void *a, const void *b) {
  const emeta_kv *x = a, *y = b;
  size_t n = x->klen < y->klen ? x->klen : y->klen;
  int c = memcmp(x->key, y->key, n);
  if (c)
    return c;
  if (x->klen != y->klen)
    return x->klen < y->klen ? -1 : 1;
  /* A repeated key (a JSON object naming it twice) keeps the smallest
   * value: deterministic whatever order qsort leaves equal keys in. */
  n = x->vlen < y->vlen ? x->vlen : y->vlen;
  c = memcmp(x->val, y->val, n);
  return c ? c : (x->vlen > y->vlen) - (x->vlen < y->vlen);
}

void emeta_blob_build(emeta_kv *kv, size_t n, rec_writer *w) {
  if (n == 0)
    return;
  qsort(kv, n, sizeof *kv, kv_cmp);
  const emeta_kv *last = NULL;
  for (size_t i = 0; i < n; i++) {
    if (kv[i].vlen == 0 || kv[i].klen == 0 || kv[i].klen > UINT16_MAX)
      continue;
    if (last && last->klen == kv[i].klen && memcmp(last->key, kv[i].key, kv[i].klen) == 0)
      continue;
    last = &kv[i];
    rec_put_u16(w, (uint16_t)kv[i].klen);
    rec_put_bytes(w, kv[i].key, kv[i].klen);
    rec_put_str(w, kv[i].val, kv[i].vlen);
  }
}

int emeta_blob_next(rec_reader *r, emeta_kv *kv) {
  if (rec_at_end(r))
    return 0;
  kv->klen = rec_get_u16(r);
  kv->key = (const char *)rec_get_bytes(r, kv->klen);
  kv->val = rec_get_str(r, &kv->vlen);
  return r->bad || !kv->key ? -1 : 1;
}

const char *emeta_blob_find(const uint8_t *blob, uint32_t n, const char *key, size_t *vlen) {
  rec_reader r = rec_reader_make(blob, n);
  emeta_kv kv;
  size_t klen = strlen(key);
  while (emeta_blob_next(&r, &kv) == 1)
    if (kv.klen == klen && memcmp(kv.key, key, klen) == 0) {
      *vlen = kv.vlen;
      return kv.val;
    }
  return NULL;
}
