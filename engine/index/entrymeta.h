/* index/entrymeta.h - internal: per-entry metadata (sub-database
 * "entrymeta", key = entry id), present only for entries that have any:
 * provenances beyond a bare first import, and withdrawal.
 *
 * A provenance is a set of fields (label, source, id, added, extra columns)
 * plus the audit-log sequence numbers of the imports that brought exactly
 * that set. The first provenance of an entry without a record is implicit:
 * no fields, brought by the import that made the entry's version.
 *
 * Encoding: u8 format (1), u32 nprov {u32 nseq, u64 seq..., u32 blob bytes,
 * blob}, u8 withdrawn [i64 time, u64 version, u64 seq, str reason]. A blob
 * is the canonical field set: {u16 key bytes, key, u32 value bytes, value}
 * sorted by key, keys unique, values non-empty; two provenances are the
 * same exactly when their blobs are equal. */
#ifndef HS_INDEX_ENTRYMETA_H
#define HS_INDEX_ENTRYMETA_H

#include "index/index_internal.h"
#include "index/record.h"

typedef struct emeta_prov {
  uint32_t nseq;
  uint64_t *seqs;      /* owned */
  const uint8_t *blob; /* borrowed (map or caller memory) */
  uint32_t blob_len;
} emeta_prov;

typedef struct emeta {
  uint32_t nprov;
  emeta_prov *prov;    /* owned */
  int withdrawn;
  int64_t w_time;
  uint64_t w_version, w_seq;
  const char *reason;  /* borrowed, not NUL-terminated */
  size_t reason_len;
} emeta;

/* Loads the record of `id` (*found = 0 and an empty emeta if none). The
 * borrowed pointers are valid until the transaction ends or `id` is
 * written. */
hs_status emeta_load(hs_index *idx, MDB_txn *txn, uint64_t id, emeta *m, int *found);
hs_status emeta_decode(const void *data, size_t n, emeta *m);
hs_status emeta_store(hs_index *idx, MDB_txn *txn, uint64_t id, const emeta *m);
/* An entry without a record: one provenance with no fields. */
hs_status emeta_init_implicit(emeta *m, uint64_t first_seq);
/* Adds `seq` under the provenance with this blob (a new one if none has
 * it). Returns 1 when m changed, 0 when not, -1 when out of memory. */
int emeta_add(emeta *m, const uint8_t *blob, uint32_t blob_len, uint64_t seq);
void emeta_free(emeta *m);

/* ---- field-set blobs ---------------------------------------------------- */
typedef struct emeta_kv {
  const char *key;
  size_t klen;
  const char *val;
  size_t vlen;
} emeta_kv;
/* Appends the canonical blob of kv (sorted here; empty values dropped; a
 * repeated key keeps its smallest value) to w. */
void emeta_blob_build(emeta_kv *kv, size_t n, rec_writer *w);
/* Iterates a blob: returns 1 and the next field, 0 at the end, -1 damaged. */
int emeta_blob_next(rec_reader *r, emeta_kv *kv);
/* Finds key in a blob (NULL if absent). */
const char *emeta_blob_find(const uint8_t *blob, uint32_t n, const char *key, size_t *vlen);

#endif
