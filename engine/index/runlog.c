/* index/runlog.c - appending a run record (runlog.h). */
#include "index/runlog.h"

#include "core/error.h"
#include "index/auditlog.h"

typedef struct run_call {
  int64_t time;
  const char *details;
} run_call;

static hs_status append_in(hs_index *idx, MDB_txn *txn, void *ctx) {
  const run_call *c = ctx;
  audit_entry e = {.kind = AUDIT_RUN, .details = c->details};
  HS_TRY(audit_clock(idx, txn, c->time, &e.time));
  uint64_t seq;
  HS_TRY(audit_next_seq(idx, txn, &seq));
  return audit_append(idx, txn, seq, &e);
}

hs_status index_append_run(const char *path, int64_t time, const char *details) {
  hs_index *idx = NULL;
  HS_TRY(hs_index_open(path, 0, &idx));
  run_call c = {time, details};
  hs_status st = index_write(idx, append_in, &c, 0);
  hs_index_close(idx);
  return st;
}
