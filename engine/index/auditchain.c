/* index/auditchain.c - the audit log's hash chain, checked (auditchain.h). */
#include "index/auditchain.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "index/auditlog.h"

static void report(audit_chain *c, uint64_t seq, const char *fmt, ...) HS_PRINTF(3, 4);
static void report(audit_chain *c, uint64_t seq, const char *fmt, ...) {
  char where[48], cause[256];
  snprintf(where, sizeof where, "audit record %llu", (unsigned long long)seq);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cause, sizeof cause, fmt, ap);
  va_end(ap);
  c->problems++;
  if (c->fn)
    c->fn(c->user, where, cause);
}

void audit_chain_step(audit_chain *c, uint64_t seq, const void *data, size_t n, int linked,
                      uint64_t stored_seq, const uint8_t prev[32]) {
  uint64_t expect = c->have_prev ? c->prev_seq + 1 : 1;
  int gap = seq != expect, moved = linked > 0 && stored_seq != seq;
  if (gap && seq > expect)
    report(c, expect, "missing: removed from the hash chain (the log goes on at record %llu)",
           (unsigned long long)seq);
  if (moved)
    report(c, seq, "holds record %llu: moved (the log was reordered)",
           (unsigned long long)stored_seq);
  if (linked > 0) {
    static const uint8_t zero[32];
    const uint8_t *want = c->have_prev ? c->prev_hash : zero;
    if (!gap && !moved && !c->prev_moved && memcmp(prev, want, 32) != 0) {
      if (c->have_prev)
        report(c, c->prev_seq,
               "changed after it was written: record %llu's link (SHA-256) does not match it",
               (unsigned long long)seq);
      else
        report(c, seq, "the first record links to a record before it: records were removed");
    }
    c->linked_seen = 1;
  } else if (c->linked_seen && linked == 0) {
    report(c, seq, "has no link to the hash chain after linked records (replaced, or written "
                   "by an older hashsweep)");
  }
  audit_record_hash(data, n, c->prev_hash);
  c->prev_seq = seq;
  c->prev_moved = moved;
  c->have_prev = 1;
}

hs_status audit_chain_finish(audit_chain *c, hs_index *idx, MDB_txn *txn) {
  uint64_t head_seq = 0;
  uint8_t head[32];
  int found = 0;
  HS_TRY(audit_head_get(idx, txn, &head_seq, head, &found));
  if (!found) {
    if (c->linked_seen)
      report(c, c->prev_seq, "the log head (meta log_head) is missing");
    return HS_OK;
  }
  if (!c->have_prev || head_seq > c->prev_seq)
    report(c, c->have_prev ? c->prev_seq + 1 : 1,
           "missing: the log head names record %llu, the log ends before it (removed)",
           (unsigned long long)head_seq);
  else if (head_seq < c->prev_seq)
    report(c, head_seq + 1, "appended without moving the log head (by an older hashsweep, or "
                            "added by hand)");
  else if (memcmp(head, c->prev_hash, 32) != 0 && !c->prev_moved)
    report(c, c->prev_seq, "changed after it was written: it does not match the log head");
  return HS_OK;
}
