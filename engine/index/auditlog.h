/* index/auditlog.h - internal: the append-only audit log (sub-database
 * "log", key = sequence number). A record is written in the same
 * transaction as the change it describes, so the log never claims a change
 * that did not commit, nor misses one that did.
 *
 * Record encoding (record.h codec), format 2 (hash-chained):
 *   u8 format (2), u8 kind, u64 seq, i64 time, u64 rejected, u64 not_found,
 *   u32 nparts {u32 list id, str list, u64 version, added, duplicates,
 *   withdrawn}, u32 nfiles {str name, 32 B sha256, u64 bytes}, str note,
 *   str command, str details, 32 B prev
 * where prev is the SHA-256 of the previous record's stored bytes (zeros
 * for the first record) and details a JSON object (run records) or "".
 * The record's own seq is inside it, so a record moved to another key is
 * told from an edited one. Format 1 (older hashsweep) is the same without
 * seq, details and prev: such records are read, but are not links of the
 * chain (auditchain.c). Meta "log_head" holds {u64 seq, 32 B SHA-256} of
 * the last record, so an edit of the last record or its removal shows too. */
#ifndef HS_INDEX_AUDITLOG_H
#define HS_INDEX_AUDITLOG_H

#include "index/index_internal.h"
#include "index/record.h"

/* AUDIT_DECIDE: a reviewer's decision (decisions.h): no list parts; the
 * note says entry, file, decision and reviewer. AUDIT_RUN: a scan or
 * rescan that used the index (runlog.c); no list parts, the run in
 * `details`. */
enum { AUDIT_CREATE = 1, AUDIT_IMPORT = 2, AUDIT_WITHDRAW = 3, AUDIT_DECIDE = 4, AUDIT_RUN = 5 };
/* The flood guard's kinds (index/guard_index.c), numbered apart from the
 * core ones so that other kinds can be added without renumbering. */
enum { AUDIT_SET_LIST = 16, AUDIT_QUARANTINE = 17, AUDIT_RELEASE = 18 };

typedef struct audit_part {
  uint32_t list_id;
  const char *list;
  uint64_t version, added, duplicates, withdrawn;
} audit_part;

typedef struct audit_entry {
  int kind;
  int64_t time;
  uint64_t rejected, not_found;
  const audit_part *parts;
  size_t nparts;
  const hs_log_file *files;
  size_t nfiles;
  const char *note, *command;
  const char *details; /* a JSON object as jansson writes it compactly, or NULL */
} audit_entry;

/* The time a write transaction records: the wall clock, but never earlier
 * than the newest audit record. Writers take LMDB's one write
 * lock in turn, so a time read before the lock, or a wall clock that stepped
 * back (NTP), would otherwise put a record, a version or a list's update
 * before the one already written, and `index verify` would call the log
 * damaged. Every write transaction takes its one time from here, after the
 * lock. */
hs_status audit_clock(hs_index *idx, MDB_txn *txn, int64_t *now);
/* Takes the next sequence number (stored in meta "log_seq"). */
hs_status audit_next_seq(hs_index *idx, MDB_txn *txn, uint64_t *seq);
/* Appends record `seq`, linked to record seq - 1, and moves the head. */
hs_status audit_append(hs_index *idx, MDB_txn *txn, uint64_t seq, const audit_entry *e);

/* Decodes a stored record; strings and arrays live in `arena`. list ids
 * go to list_ids[i] when list_ids is non-NULL (arena array). */
hs_status audit_decode(const void *data, size_t n, uint64_t seq, rec_arena *arena,
                       hs_log_record *out, uint32_t **list_ids);
const char *audit_kind_name(int kind);

/* SHA-256 of a stored record (what the next record's prev holds). */
void audit_record_hash(const void *data, size_t n, uint8_t out[32]);
/* The head (meta "log_head"): *found 0 for an index whose log was last
 * written by an older hashsweep. */
hs_status audit_head_get(hs_index *idx, MDB_txn *txn, uint64_t *seq, uint8_t sha256[32],
                         int *found);

#endif
