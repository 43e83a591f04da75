/* index/pagework.c - page edits within a write transaction. */
#include "index/pagework.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static uint64_t page_key(hs_hash_type t, uint32_t no) { return (uint64_t)t << 32 | no; }

hs_status pagework_begin(page_work *w, hs_index *idx, MDB_txn *txn) {
  memset(w, 0, sizeof *w);
  w->idx = idx;
  w->txn = txn;
  u64map_init(&w->pages);
  HS_TRY(index_counter_get(idx, txn, "next_page", &w->next_page));
  if (w->next_page == 0 || w->next_page > UINT32_MAX)
    return error_set(HS_ERR_CORRUPT, "%s: damaged page counter", idx->path);
  return HS_OK;
}

/* The in-memory copy of a page (loading it on first use). */
static hs_status load(page_work *w, hs_hash_type t, uint32_t no, void **out) {
  uint64_t v;
  if (u64map_get(&w->pages, page_key(t, no), &v) && v) {
    *out = (void *)(uintptr_t)v;
    return HS_OK;
  }
  const void *src;
  HS_TRY(index_page_get(w->idx, w->txn, t, no, &src));
  void *copy = page_new(&w->idx->layout[t], no);
  if (!copy)
    return HS_ERR_NOMEM;
  memcpy(copy, src, w->idx->layout[t].value_bytes);
  hs_status s = u64map_put(&w->pages, page_key(t, no), (uint64_t)(uintptr_t)copy);
  if (s != HS_OK) {
    free(copy);
    return s;
  }
  *out = copy;
  return HS_OK;
}

static hs_status new_page(page_work *w, hs_hash_type t) {
  if (w->next_page >= UINT32_MAX)
    return error_set(HS_ERR_LIMIT, "%s: all 2^32 page numbers are used", w->idx->path);
  uint32_t no = (uint32_t)w->next_page++;
  void *p = page_new(&w->idx->layout[t], no);
  if (!p)
    return HS_ERR_NOMEM;
  hs_status s = u64map_put(&w->pages, page_key(t, no), (uint64_t)(uintptr_t)p);
  if (s != HS_OK) {
    free(p);
    return s;
  }
  w->tail[t] = p;
  w->tail_no[t] = no;
  return HS_OK;
}

/* Writes a full page now and drops the copy: an import of 10^7 entries
 * must not hold 10^4 pages in memory. */
static hs_status retire(page_work *w, hs_hash_type t, uint32_t no, void *p) {
  HS_TRY(index_page_put(w->idx, w->txn, t, no, p));
  free(p);
  return u64map_put(&w->pages, page_key(t, no), 0);
}

static hs_status find_tail(page_work *w, hs_hash_type t) {
  w->tail_known[t] = 1;
  uint32_t last;
  hs_status s = index_page_last(w->idx, w->txn, t, &last);
  if (s == HS_ERR_NOT_FOUND)
    return new_page(w, t);
  HS_TRY(s);
  void *p;
  HS_TRY(load(w, t, last, &p));
  w->tail[t] = p;
  w->tail_no[t] = last;
  return HS_OK;
}

hs_status pagework_append(page_work *w, hs_hash_type t, const void *hash, uint32_t version,
                          uint16_t list, uint8_t quality, uint8_t flags, uint64_t *id) {
  if (!w->tail_known[t])
    HS_TRY(find_tail(w, t));
  const page_layout *l = &w->idx->layout[t];
  page_header *h = page_hdr(w->tail[t]);
  if (h->count == l->capacity) {
    HS_TRY(retire(w, t, w->tail_no[t], w->tail[t]));
    w->tail[t] = NULL;
    HS_TRY(new_page(w, t));
    h = page_hdr(w->tail[t]);
  }
  void *p = w->tail[t];
  unsigned slot = h->count++;
  memcpy(page_hashes(l, p) + slot * l->hash_bytes, hash, l->hash_bytes);
  page_versions(l, p)[slot] = version;
  page_lists(l, p)[slot] = list;
  page_quality(l, p)[slot] = quality;
  page_flags(l, p)[slot] = flags;
  *id = page_entry_id(w->tail_no[t], slot);
  return HS_OK;
}

hs_status pagework_edit(page_work *w, hs_hash_type t, uint64_t id, void **page, unsigned *slot) {
  uint32_t no = page_of_id(id);
  unsigned s = slot_of_id(id);
  void *p;
  if (w->tail_known[t] && w->tail[t] && w->tail_no[t] == no) {
    p = w->tail[t];
  } else {
    hs_status st = load(w, t, no, &p);
    if (st == HS_ERR_NOT_FOUND)
      return error_set(st, "no %s entry %llu", hs_hash_type_name(t), (unsigned long long)id);
    HS_TRY(st);
  }
  if (s >= page_hdr(p)->count)
    return error_set(HS_ERR_NOT_FOUND, "no %s entry %llu", hs_hash_type_name(t),
                     (unsigned long long)id);
  *page = p;
  *slot = s;
  return HS_OK;
}

hs_status pagework_flush(page_work *w) {
  for (size_t i = 0; w->pages.used && i <= w->pages.mask; i++) {
    if (!w->pages.used[i] || !w->pages.vals[i])
      continue;
    hs_hash_type t = (hs_hash_type)(w->pages.keys[i] >> 32);
    uint32_t no = (uint32_t)w->pages.keys[i];
    void *p = (void *)(uintptr_t)w->pages.vals[i];
    HS_TRY(index_page_put(w->idx, w->txn, t, no, p));
  }
  return index_counter_put(w->idx, w->txn, "next_page", w->next_page);
}

void pagework_free(page_work *w) {
  for (size_t i = 0; w->pages.used && i <= w->pages.mask; i++)
    if (w->pages.used[i] && w->pages.vals[i])
      free((void *)(uintptr_t)w->pages.vals[i]);
  u64map_free(&w->pages);
  memset(w, 0, sizeof *w);
}
