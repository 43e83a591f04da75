/* index/vframes.h - internal: a video entry's frames (vframes sub-database,
 * entry id -> record) and the content id that is the entry's stored hash.
 *
 * Record (host byte order, like the other fixed records): u32 magic
 * VFRAMES_MAGIC, u16 version 1, u16 source format (VFRAMES_META: Meta's
 * vPDQ lines with frame numbers, VFRAMES_PYTX: pytx's "hex,quality,
 * timestamp" strings), u32 frame count, u32 0, then per frame: i64 frame
 * number (-1: none given), f64 timestamp, u8 quality, 7 zero bytes, 4 u64
 * PDQ words (hs_hash256 order): 56 bytes.
 *
 * Content id: SHA-256 of the canonical text, one line per frame in order,
 * "<frame>,<quality>,<pdq hex>,<timestamp %.17g>\n" (frame -1 when none):
 * the same frames give the same id on every machine, so importing a video
 * twice into a list keeps one entry. The source format is not part of it. */
#ifndef HS_INDEX_VFRAMES_H
#define HS_INDEX_VFRAMES_H

#include <lmdb.h>

#include "hashsweep/index.h"
#include "index/record.h"

#define VFRAMES_MAGIC 0x51445056u /* "VPDQ" */
enum { VFRAMES_META = 1, VFRAMES_PYTX = 2 };
#define VFRAMES_HEADER 16u
#define VFRAMES_FRAME 56u
/* More frames than this in one video entry is refused: 4 hours at one
 * hash per second is 14400; this allows a day at 2 per second. */
#define VFRAMES_MAX 200000u

/* Appends the record for `frames` to w. */
void vframes_encode(const hs_index_frame *frames, size_t n, int format, rec_writer *w);
/* Decodes a record: *frames malloc'd (NULL when n is 0), *format. 0, -1
 * damaged, -2 out of memory. */
int vframes_decode(const void *data, size_t len, hs_index_frame **frames, size_t *n, int *format);
/* The content id of frames. 0, or -1 when SHA-256 failed. */
int vframes_content_id(const hs_index_frame *frames, size_t n, uint8_t id[32]);

struct hs_index;
hs_status vframes_put(struct hs_index *idx, MDB_txn *txn, uint64_t id, const void *rec,
                      size_t len);
/* The raw record of entry `id` (pointing into the map). HS_ERR_NOT_FOUND
 * when it has none. */
hs_status vframes_get(struct hs_index *idx, MDB_txn *txn, uint64_t id, MDB_val *out);

/* Timestamps as pytx 1.2 writes them: Python's format(t, ".3") (3
 * significant digits, "1.0", "12.3", "1.23e+02"). out holds 32. */
void vframes_pytx_time(double t, char out[32]);

#endif

/* The frames of entry `id` as the text a hash list carries (video.c reads
 * it back): a compact JSON array of strings, "frame,quality,hex,timestamp"
 * (3 decimals) for frames from Meta's format, "hex,quality,timestamp"
 * (vframes_pytx_time) for pytx's, or pytx's always when `pytx` is set.
 * Appended to w, NUL-terminated. */
hs_status vframes_text(struct hs_index *idx, MDB_txn *txn, uint64_t id, int pytx, rec_writer *w);
