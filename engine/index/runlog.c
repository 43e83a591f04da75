/* index/runlog.c - appending a run record (runlog.h). */
#include "index/runlog.h"

#include "core/error.h"
#include "index/auditlog.h"

static hs_status append_in(hs_index *idx, MDB_txn *txn, void *ctx) {
  audit_entry e = {.kind = AUDIT_RUN, .details = ctx};
  HS_TRY(audit_clock(idx, txn, &e.time));
  uint64_t seq;
  HS_TRY(audit_next_seq(idx, txn, &seq));
  return audit_append(idx, txn, seq, &e);
}

hs_status index_append_run(const char *path, const char *details) {
  hs_index *idx = NULL;
  HS_TRY(hs_index_open(path, 0, &idx));
  hs_status st = index_write(idx, append_in, (void *)details, 0);
  hs_index_close(idx);
  return st;
}
