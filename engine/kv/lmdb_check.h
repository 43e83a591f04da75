/* kv/lmdb_check.h - internal: structural checks of an LMDB data file
 * before LMDB reads it.
 *
 * LMDB trusts its data file: a damaged page (a node offset past the page,
 * a child page number beyond the file, a page size of 0 in the meta page)
 * makes it read outside the map (SIGSEGV, SIGBUS), divide by zero or abort
 * on an assertion. An index damaged on disk must be refused with a
 * one-line error instead, so the opener checks first, with pread (never
 * through the map):
 *
 *  - lmdb_check_meta, before mdb_env_open: both meta pages (flags, magic,
 *    format version, page size, roots, last page within the file);
 *  - lmdb_check_tree, after it, inside a read transaction that pins the
 *    snapshot: every B-tree page reachable from that snapshot's roots
 *    (main database, each named sub-database the rules name, the free
 *    list): page numbers within the file, headers, node offsets and sizes
 *    within their page, overflow runs within the file, tree depth, no page
 *    reached twice, integer keys of the size the rules give, free-list
 *    records that fit and name no page in use.
 *
 * Not covered: the contents of values (each module checks its records'
 * sizes and formats when it reads them), key order inside a page (a wrong
 * order gives wrong lookups, which hs_index_verify reports, not a crash),
 * pages written by a later commit of a live writer (LMDB's own output),
 * and lock.mdb (LMDB re-creates it when no process has it open). The
 * format is LMDB 0.9's (data version 1); the checks read every branch and
 * leaf page once, so an index opens in time linear in its B-tree pages
 * (the hash columns are overflow values: only their first page header is
 * read). */
#ifndef HS_KV_LMDB_CHECK_H
#define HS_KV_LMDB_CHECK_H

#include <lmdb.h>

#include "hashsweep/core.h"

/* A named sub-database the file may hold, with the flags it was created
 * with (0 or MDB_INTEGERKEY) and, for integer keys, their size (4 or 8). */
typedef struct lmdb_db_rule {
  const char *name;
  unsigned flags;
  unsigned key_bytes;
} lmdb_db_rule;

/* Checks the meta pages of `file` (a data.mdb). HS_ERR_CORRUPT with the
 * cause, HS_ERR_IO when it cannot be read. */
hs_status lmdb_check_meta(const char *file);

/* Checks the trees of the snapshot a new read transaction on `env` sees.
 * `file` is env's data.mdb; `what` names what it should be in messages
 * ("a hashsweep index"). Sub-databases in `rules` must have the flags and
 * key sizes given there; others are walked with the flags they record when
 * those are 0 or MDB_INTEGERKEY (lmdb_kind.h decides whether they may be
 * there); anything else in the main database is HS_ERR_CORRUPT, "not
 * <what>". */
hs_status lmdb_check_tree(MDB_env *env, const char *file, const char *what,
                          const lmdb_db_rule *rules, size_t nrules);

#endif
