/* index/page.c - columnar page layout, sealing and checking. */
#include "index/page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* LMDB's header at the start of an overflow page (PAGEHDRSZ on 64-bit). */
#define LMDB_OVERFLOW_HEADER 16

unsigned page_capacity_for(hs_hash_type type, unsigned psize) {
  size_t slot = hs_hash_type_bytes(type) + PAGE_SLOT_EXTRA;
  size_t fixed = PAGE_HEADER_BYTES + LMDB_OVERFLOW_HEADER;
  /* The largest whole number of LMDB pages that holds at most 1024 slots,
   * then as many slots as fit in it. */
  size_t k = (HS_INDEX_PAGE_IDS * slot + fixed) / psize;
  if (k == 0)
    k = 1;
  size_t cap = (k * psize - fixed) / slot;
  if (cap > HS_INDEX_PAGE_IDS)
    cap = HS_INDEX_PAGE_IDS;
  return (unsigned)cap;
}

void page_layout_init(page_layout *l, hs_hash_type type, unsigned capacity) {
  l->type = type;
  l->capacity = capacity;
  l->hash_bytes = hs_hash_type_bytes(type);
  l->off_hash = PAGE_HEADER_BYTES;
  l->off_version = l->off_hash + capacity * l->hash_bytes;
  l->off_list = l->off_version + capacity * sizeof(uint32_t);
  l->off_quality = l->off_list + capacity * sizeof(uint16_t);
  l->off_flags = l->off_quality + capacity;
  l->value_bytes = l->off_flags + capacity;
}

void *page_new(const page_layout *l, uint32_t page_no) {
  size_t bytes = (l->value_bytes + 63) & ~(size_t)63;
  void *base = aligned_alloc(64, bytes);
  if (!base) {
    error_set(HS_ERR_NOMEM, "cannot allocate an index page (%zu bytes)", bytes);
    return NULL;
  }
  memset(base, 0, bytes);
  page_header *h = page_hdr(base);
  h->magic = PAGE_MAGIC;
  h->type = (uint8_t)l->type;
  h->layout = PAGE_LAYOUT_V1;
  h->capacity = (uint16_t)l->capacity;
  h->page_no = page_no;
  return base;
}

/* 64-bit checksum over whole words, four independent lanes so it runs at
 * memory speed; the layout makes value_bytes a multiple of 8 except for the
 * flag column's tail, which is folded in bytewise. Detects damaged pages in
 * `verify`; not a cryptographic digest. */
uint64_t page_checksum(const page_layout *l, const void *base) {
  const uint8_t *p = base;
  size_t n = l->value_bytes;
  uint64_t lane[4] = {0x9E3779B97F4A7C15ULL, 0xC2B2AE3D27D4EB4FULL, 0x165667B19E3779F9ULL,
                      0x27D4EB2F165667C5ULL};
  size_t words = n / 8;
  for (size_t i = 0; i < words; i++) {
    uint64_t w;
    memcpy(&w, p + 8 * i, 8);
    if (i == offsetof(page_header, checksum) / 8)
      w = 0;
    uint64_t *x = &lane[i & 3];
    *x = (*x ^ w) * 0x100000001B3ULL;
    *x ^= *x >> 29;
  }
  uint64_t h = lane[0] ^ (lane[1] << 1) ^ (lane[2] << 2) ^ (lane[3] << 3) ^ n;
  for (size_t i = words * 8; i < n; i++)
    h = (h ^ p[i]) * 0x100000001B3ULL;
  return h ^ (h >> 31);
}

void page_seal(const page_layout *l, void *base) {
  page_header *h = page_hdr(base);
  const uint32_t *ver = page_versions(l, base);
  const uint8_t *flags = page_flags(l, base);
  uint32_t wd = 0, lo = 0, hi = 0;
  for (uint32_t i = 0; i < h->count; i++) {
    wd += (flags[i] & HS_ENTRY_WITHDRAWN) != 0;
    if (i == 0 || ver[i] < lo)
      lo = ver[i];
    if (ver[i] > hi)
      hi = ver[i];
  }
  h->withdrawn = wd;
  h->min_version = lo;
  h->max_version = hi;
  h->checksum = 0;
  h->checksum = page_checksum(l, base);
}

hs_status page_check(const page_layout *l, const void *data, size_t size, uint32_t page_no,
                     char *cause, size_t cause_len) {
  if (size != l->value_bytes) {
    snprintf(cause, cause_len, "%zu bytes, a %s page has %zu", size, hs_hash_type_name(l->type),
             l->value_bytes);
    return HS_ERR_CORRUPT;
  }
  page_header h;
  memcpy(&h, data, sizeof h);
  const char *why = NULL;
  if (h.magic != PAGE_MAGIC)
    why = "bad magic";
  else if (h.layout != PAGE_LAYOUT_V1)
    why = "unknown page layout";
  else if (h.type != (uint8_t)l->type)
    why = "wrong hash type";
  else if (h.capacity != l->capacity)
    why = "wrong capacity";
  else if (h.page_no != page_no)
    why = "page number differs from its key";
  else if (h.count > h.capacity)
    why = "more slots used than the page has";
  else if (h.withdrawn > h.count)
    why = "more withdrawn slots than used";
  if (why) {
    snprintf(cause, cause_len, "%s", why);
    return HS_ERR_CORRUPT;
  }
  /* Readers take whole columns on the header's word (no withdrawals, all
   * versions above a bound): the summary must be what the slots say.
   * Reads 5 bytes a slot; the checksum over all of it is verify's job. */
  const uint32_t *ver = page_versions(l, (void *)data);
  const uint8_t *flags = page_flags(l, (void *)data);
  uint32_t wd = 0, lo = 0, hi = 0;
  for (uint32_t i = 0; i < h.count; i++) {
    wd += (flags[i] & HS_ENTRY_WITHDRAWN) != 0;
    if (i == 0 || ver[i] < lo)
      lo = ver[i];
    if (ver[i] > hi)
      hi = ver[i];
  }
  if (wd != h.withdrawn || lo != h.min_version || hi != h.max_version) {
    snprintf(cause, cause_len, "its header's summary (%u withdrawn, versions %u..%u) differs "
             "from its slots (%u, %u..%u)", h.withdrawn, h.min_version, h.max_version, wd, lo, hi);
    return HS_ERR_CORRUPT;
  }
  return HS_OK;
}
