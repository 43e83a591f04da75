/* index/entryedit.c - withdrawing an entry, loading its metadata. */
#include "index/entryedit.h"

#include <string.h>

#include <stdlib.h>

#include "core/error.h"
#include "index/entryvariants.h"

hs_status entry_load_meta(hs_index *idx, MDB_txn *txn, uint64_t id, uint32_t version, emeta *m) {
  int found;
  HS_TRY(emeta_load(idx, txn, id, m, &found));
  if (found)
    return HS_OK;
  version_record vr;
  HS_TRY(version_get(idx, txn, version, &vr));
  return emeta_init_implicit(m, vr.log_seq);
}

/* Marks one slot withdrawn (flag and metadata). */
static hs_status withdraw_slot(hs_index *idx, MDB_txn *txn, page_work *w, hs_hash_type t,
                               uint64_t id, uint64_t version, uint64_t seq, int64_t now,
                               const char *reason, int *was_withdrawn, uint8_t *flags_out,
                               unsigned *list) {
  void *p;
  unsigned slot;
  HS_TRY(pagework_edit(w, t, id, &p, &slot));
  const page_layout *l = &idx->layout[t];
  uint8_t *flags = &page_flags(l, p)[slot];
  *flags_out = *flags;
  *list = page_lists(l, p)[slot];
  *was_withdrawn = (*flags & HS_ENTRY_WITHDRAWN) != 0;
  if (*was_withdrawn)
    return HS_OK;
  emeta m;
  HS_TRY(entry_load_meta(idx, txn, id, page_versions(l, p)[slot], &m));
  m.withdrawn = 1;
  m.w_time = now;
  m.w_version = version;
  m.w_seq = seq;
  m.reason = reason;
  m.reason_len = strlen(reason);
  hs_status s = emeta_store(idx, txn, id, &m);
  emeta_free(&m);
  *flags |= HS_ENTRY_WITHDRAWN | HS_ENTRY_HAS_META;
  return s;
}

hs_status entry_withdraw(hs_index *idx, MDB_txn *txn, page_work *w, hs_hash_type t, uint64_t id,
                         uint64_t version, uint64_t seq, int64_t now, const char *reason,
                         int *was_withdrawn) {
  uint8_t flags;
  unsigned list;
  HS_TRY(withdraw_slot(idx, txn, w, t, id, version, seq, now, reason, was_withdrawn, &flags,
                       &list));
  if (*was_withdrawn)
    return HS_OK;
  if (flags & HS_ENTRY_VARIANT) /* one variant alone */
    return variant_count(idx, txn, list, 0, 1);
  /* An entry takes its variants with it, in the same transaction. */
  uint64_t *ids;
  size_t n, gone = 0;
  HS_TRY(variant_slots_of(idx, txn, id, &ids, &n));
  hs_status s = HS_OK;
  for (size_t i = 0; i < n && s == HS_OK; i++) {
    int was;
    uint8_t f;
    unsigned l;
    s = withdraw_slot(idx, txn, w, t, ids[i], version, seq, now, reason, &was, &f, &l);
    gone += s == HS_OK && !was;
  }
  free(ids);
  if (s == HS_OK && gone)
    s = variant_count(idx, txn, list, 0, gone);
  return s;
}
