/* index/runlog.h - internal: a scan's or rescan's run record in the audit
 * log of the index it used (auditlog.h, kind AUDIT_RUN). */
#ifndef HS_INDEX_RUNLOG_H
#define HS_INDEX_RUNLOG_H

#include <stdint.h>

#include "hashsweep/core.h"

/* Opens the index at `path` for writing, appends one run record (details:
 * a JSON object; its time is the index clock's, taken inside the
 * transaction: audit_clock) in a short write transaction, and closes it. The
 * caller must not hold the index open (LMDB: one environment handle per
 * file and process). Errors are the open's or the write's (a read-only
 * filesystem, no write permission): the caller warns, the run stands. */
hs_status index_append_run(const char *path, const char *details);

#endif
