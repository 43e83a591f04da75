/* scan/sink.h - internal: where a scan's records go: the caller's record
 * callback (hs_record_fn) and/or the text output (JSON Lines or CSV,
 * formatted by hs_record_write), written a batch at a time: records are
 * formatted into memory, then written and (for a file) fsync'ed together,
 * so the store can record the output length that is known complete. A
 * resumed run cuts the file back to that length first: no torn line,
 * nothing twice. */
#ifndef HS_SCAN_SINK_H
#define HS_SCAN_SINK_H

#include <stdint.h>

#include "hashsweep/scan.h"

typedef struct sink sink;

/* path NULL: standard output. resume_offset: keep that many bytes of an
 * existing file and append after them (0: start the file afresh). */
hs_status sink_open(const char *path, hs_out_format format, uint64_t resume_offset, sink **out);
/* A run's sink: records to `fn` (when set) and text to `path`, or to
 * standard output when `path` is NULL and there is no `fn`. */
hs_status sink_open_run(const char *path, hs_out_format format, uint64_t resume_offset,
                        hs_record_fn fn, void *user, sink **out);
void sink_close(sink *s);

/* kind HS_RECORD_MATCH; the fields of a match. */
void sink_match(sink *s, const hs_record *m);
void sink_error(sink *s, const char *path, const char *error);
/* A file hashed but not PDQ-matched (quality below the gate). */
void sink_note(sink *s, const char *path, const char *pdq_hex, int quality, const char *md5_hex,
               const char *note);

/* Writes the batch; for a file, fsyncs it. *offset receives the output's
 * length after it. A record callback's failure during the batch is
 * returned here, before anything of the batch is written. */
hs_status sink_flush(sink *s, uint64_t *offset);

#endif
