/* index/page.h - internal: the columnar page, the unit in which entries are
 * stored and handed to scans.
 *
 * One LMDB value per page (sub-database "pages.<type>", key = page number
 * as a native uint32, MDB_INTEGERKEY). Every page value has the same size
 * for its type, large enough that LMDB always stores it in overflow pages:
 * the value then starts 16 bytes past a page boundary of the map, so the
 * columns below are 8-byte aligned in place (never 32-byte: the device path
 * copies). The capacity P is chosen at index creation so that header + P
 * slots + LMDB's 16-byte page header fill whole 4 KiB pages with little
 * waste: 1022 PDQ/SHA-256, 1020 MD5, 1019 H64 slots.
 *
 *   offset 0               64-byte header (page_header)
 *   off_hash               P x hash bytes   (PDQ: P x 4 uint64, host order)
 *   off_version            P x uint32       version that added the slot
 *   off_list               P x uint16       list id
 *   off_quality            P x uint8        0..100, 255 unknown
 *   off_flags              P x uint8        HS_ENTRY_* bits
 *
 * Slots [count, P) are all zero. Entry id = page_no * 1024 + slot. */
#ifndef HS_INDEX_PAGE_H
#define HS_INDEX_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "hashsweep/index.h"

#define PAGE_MAGIC 0x47505348u /* "HSPG" */
#define PAGE_LAYOUT_V1 1
#define PAGE_HEADER_BYTES 64
/* Bytes per slot beside the hash: version 4, list 2, quality 1, flags 1. */
#define PAGE_SLOT_EXTRA 8

typedef struct page_header {
  uint32_t magic;
  uint8_t type;
  uint8_t layout;
  uint16_t capacity;
  uint32_t page_no;
  uint32_t count;       /* slots used */
  uint32_t withdrawn;   /* slots with HS_ENTRY_WITHDRAWN */
  uint32_t min_version; /* over used slots (0 when empty) */
  uint32_t max_version;
  uint32_t reserved0;
  uint64_t checksum;    /* page_checksum with this field zero */
  uint8_t reserved[24];
} page_header;
_Static_assert(sizeof(page_header) == PAGE_HEADER_BYTES, "page header is 64 bytes");

typedef struct page_layout {
  hs_hash_type type;
  unsigned capacity;
  size_t hash_bytes;
  size_t off_hash, off_version, off_list, off_quality, off_flags;
  size_t value_bytes;
} page_layout;

/* Slots per page for a type and an LMDB page size (see the header note). */
unsigned page_capacity_for(hs_hash_type type, unsigned lmdb_psize);
void page_layout_init(page_layout *l, hs_hash_type type, unsigned capacity);

/* Typed column pointers of a page at `base` (8-byte aligned). */
static inline page_header *page_hdr(void *base) { return (page_header *)base; }
static inline uint8_t *page_hashes(const page_layout *l, void *base) {
  return (uint8_t *)base + l->off_hash;
}
static inline uint32_t *page_versions(const page_layout *l, void *base) {
  return (uint32_t *)(void *)((uint8_t *)base + l->off_version);
}
static inline uint16_t *page_lists(const page_layout *l, void *base) {
  return (uint16_t *)(void *)((uint8_t *)base + l->off_list);
}
static inline uint8_t *page_quality(const page_layout *l, void *base) {
  return (uint8_t *)base + l->off_quality;
}
static inline uint8_t *page_flags(const page_layout *l, void *base) {
  return (uint8_t *)base + l->off_flags;
}

/* An empty page (all zero, header filled) in a 64-byte aligned buffer of
 * l->value_bytes. NULL when memory runs out (error set). */
void *page_new(const page_layout *l, uint32_t page_no);
/* Recomputes withdrawn, min/max version and the checksum after changes. */
void page_seal(const page_layout *l, void *base);
uint64_t page_checksum(const page_layout *l, const void *base);

/* Checks that an LMDB value is a page of this layout and number. Fills
 * `cause` (one line) and returns HS_ERR_CORRUPT when not. Does not check the
 * checksum (verify does). */
hs_status page_check(const page_layout *l, const void *data, size_t size, uint32_t page_no,
                     char *cause, size_t cause_len);

/* Entry id helpers. */
static inline uint64_t page_entry_id(uint32_t page_no, unsigned slot) {
  return (uint64_t)page_no * HS_INDEX_PAGE_IDS + slot;
}
static inline uint32_t page_of_id(uint64_t id) { return (uint32_t)(id / HS_INDEX_PAGE_IDS); }
static inline unsigned slot_of_id(uint64_t id) { return (unsigned)(id % HS_INDEX_PAGE_IDS); }

#endif
