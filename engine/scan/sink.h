/* scan/sink.h - internal: the scan's output (JSON Lines or CSV), written a
 * batch at a time: records are formatted into memory, then written and
 * (for a file) fsync'ed together, so the store can record the output
 * length that is known complete. A resumed run cuts the file back to that
 * length first: no torn line, nothing twice. */
#ifndef HS_SCAN_SINK_H
#define HS_SCAN_SINK_H

#include <stdint.h>

#include "hashsweep/scan.h"

typedef struct sink sink;

/* path NULL: standard output. resume_offset: keep that many bytes of an
 * existing file and append after them (0: start the file afresh). */
hs_status sink_open(const char *path, hs_out_format format, uint64_t resume_offset, sink **out);
void sink_close(sink *s);

typedef struct match_record {
  const char *path;
  const char *pdq_hex;   /* NULL when there is no PDQ (error before hashing) */
  int quality;
  const char *md5_hex;
  uint64_t entry;
  const char *list;
  const char *label;     /* NULL: none */
  int distance;
  const char *variant;   /* "orig", a dihedral name, "md5" or "sha256" */
  uint64_t index_version;
} match_record;

void sink_match(sink *s, const match_record *m);
void sink_error(sink *s, const char *path, const char *error);
/* A file hashed but not PDQ-matched (quality below the gate). */
void sink_note(sink *s, const char *path, const char *pdq_hex, int quality, const char *md5_hex,
               const char *note);

/* Writes the batch; for a file, fsyncs it. *offset receives the output's
 * length after it. */
hs_status sink_flush(sink *s, uint64_t *offset);

#endif
