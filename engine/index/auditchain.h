/* index/auditchain.h - internal: checking the audit log's hash chain
 * (auditlog.h), one record at a time in key order, for hs_index_verify.
 *
 * What each kind of tampering looks like, and how it is named:
 *  - a record edited in place: the next record's link (or, for the last
 *    record, the log head in meta) no longer matches it -> "changed";
 *  - a record removed: a gap in the keys, or the head naming a record past
 *    the end -> "missing";
 *  - records reordered (values moved between keys): a record's own seq,
 *    written inside it, differs from its key -> "holds record N: moved".
 * A link mismatch next to a moved record is not reported again as an edit.
 * Records of an older hashsweep carry no link: a log that starts with them
 * has its chain start at the first linked record (not a problem); an
 * unlinked record after a linked one is. */
#ifndef HS_INDEX_AUDITCHAIN_H
#define HS_INDEX_AUDITCHAIN_H

#include "index/index_internal.h"

typedef struct audit_chain {
  hs_index_problem_fn fn; /* each problem: where ("audit record N"), cause */
  void *user;
  uint64_t problems;
  int have_prev, prev_moved, linked_seen;
  uint64_t prev_seq;
  uint8_t prev_hash[32];
} audit_chain;

/* One stored record: its key and bytes; linked: 1 a linked record (with
 * stored_seq and prev from it), 0 an unlinked one, -1 one that does not
 * decode (the caller reports it as damaged; the chain still hashes its
 * bytes, so the next link tells whether it was changed). */
void audit_chain_step(audit_chain *c, uint64_t seq, const void *data, size_t n, int linked,
                      uint64_t stored_seq, const uint8_t prev[32]);
/* After the last record: the head in meta against the end of the log. */
hs_status audit_chain_finish(audit_chain *c, hs_index *idx, MDB_txn *txn);

#endif
