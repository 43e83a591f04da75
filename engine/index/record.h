/* index/record.h - internal: the little binary codec of index records
 * (entry metadata, audit log). Little-endian fixed-width integers and
 * length-prefixed byte strings; the reader checks every bound, so a damaged
 * record is reported, never read past its end. */
#ifndef HS_INDEX_RECORD_H
#define HS_INDEX_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "hashsweep/core.h"

/* A growable output buffer. `failed` is set when memory runs out; the
 * writer then ignores further puts and rec_writer_done reports it. */
typedef struct rec_writer {
  uint8_t *buf;
  size_t len, cap;
  int failed;
} rec_writer;

void rec_put_u8(rec_writer *w, uint8_t v);
void rec_put_u16(rec_writer *w, uint16_t v);
void rec_put_u32(rec_writer *w, uint32_t v);
void rec_put_u64(rec_writer *w, uint64_t v);
void rec_put_bytes(rec_writer *w, const void *p, size_t n);
/* u32 length + bytes. */
void rec_put_str(rec_writer *w, const char *s, size_t n);
/* HS_ERR_NOMEM when a put failed. */
hs_status rec_writer_status(const rec_writer *w);
void rec_writer_reset(rec_writer *w);
void rec_writer_free(rec_writer *w);

/* A bounded reader; `bad` is set on any read past the end and the reads
 * then return 0 / empty. */
typedef struct rec_reader {
  const uint8_t *p, *end;
  int bad;
} rec_reader;

rec_reader rec_reader_make(const void *data, size_t n);
uint8_t rec_get_u8(rec_reader *r);
uint16_t rec_get_u16(rec_reader *r);
uint32_t rec_get_u32(rec_reader *r);
uint64_t rec_get_u64(rec_reader *r);
const uint8_t *rec_get_bytes(rec_reader *r, size_t n);
/* Returns a pointer into the record (NOT NUL-terminated) and its length. */
const char *rec_get_str(rec_reader *r, size_t *len);
static inline int rec_at_end(const rec_reader *r) { return r->p == r->end; }



/* Makes room for one more element of a growable array (*items holds *cap
 * elements of `size` bytes, `count` used): doubles the capacity, starting
 * at `first`. 0, or -1 when memory runs out (the array is unchanged). */
int rec_grow(void *items, size_t *cap, size_t count, size_t size, size_t first);

/* ---- an arena for decoded strings (freed all at once) ------------------ */
typedef struct rec_arena {
  struct rec_chunk *head;
} rec_arena;
/* NULL when memory runs out (error set). Memory is 16-byte aligned. */
void *rec_arena_alloc(rec_arena *a, size_t n);
/* A NUL-terminated copy of n bytes. */
char *rec_arena_strndup(rec_arena *a, const char *s, size_t n);
void rec_arena_free(rec_arena *a);
#endif
