/* index/pagework.h - internal: changing pages inside one write transaction.
 * Pages are copied out of the map, changed in memory and put back once at
 * the end (or when an appended page fills up), so a page is rewritten
 * copy-on-write at most once per transaction however many of its slots
 * change. */
#ifndef HS_INDEX_PAGEWORK_H
#define HS_INDEX_PAGEWORK_H

#include "index/dedup.h"
#include "index/index_internal.h"

typedef struct page_work {
  hs_index *idx;
  MDB_txn *txn;
  u64map pages;             /* (type << 32 | page_no) -> buffer, 0 once written */
  void *tail[HS_HASH_TYPE_COUNT]; /* page being appended to, per type */
  uint32_t tail_no[HS_HASH_TYPE_COUNT];
  int tail_known[HS_HASH_TYPE_COUNT];
  uint64_t next_page;
} page_work;

hs_status pagework_begin(page_work *w, hs_index *idx, MDB_txn *txn);
/* Appends one entry to the last page of `type` (a new page when full) and
 * returns its id. */
hs_status pagework_append(page_work *w, hs_hash_type type, const void *hash, uint32_t version,
                          uint16_t list, uint8_t quality, uint8_t flags, uint64_t *id);
/* A writable copy of the page holding entry `id` of `type`, and the slot.
 * HS_ERR_NOT_FOUND (detail set) when no such entry exists. */
hs_status pagework_edit(page_work *w, hs_hash_type type, uint64_t id, void **page, unsigned *slot);
/* Writes every changed page and the page counter. */
hs_status pagework_flush(page_work *w);
void pagework_free(page_work *w);

#endif
