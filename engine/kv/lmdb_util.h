/* kv/lmdb_util.h - internal: the one LMDB layer. Every engine module that
 * keeps an LMDB environment (the hash index, the scan's archive store)
 * opens it here, so each gets the same guards: the file checks and the
 * permission rule before LMDB sees the file, the structural check
 * (lmdb_check.h), the kind check (lmdb_kind.h), stale reader slots
 * cleared, map growth and the MDB_MAP_RESIZED retry. Every mdb_* call is
 * checked; failures become one-line errors that keep mdb_strerror's text,
 * and damaged or foreign files are told apart from LMDB failures
 * (HS_ERR_CORRUPT vs HS_ERR_INDEX). */
#ifndef HS_KV_LMDB_UTIL_H
#define HS_KV_LMDB_UTIL_H

#include <lmdb.h>
#include <stdint.h>

#include "hashsweep/core.h"
#include "kv/lmdb_check.h"

/* What an environment is for. Each environment hashsweep creates records
 * its kind (lmdb_kind.h); an opener refuses the other kind. */
typedef enum lmdb_kind { LMDB_KIND_INDEX = 0, LMDB_KIND_STORE, LMDB_KIND_COUNT } lmdb_kind;

/* "index" or "store". */
const char *lmdb_kind_noun(lmdb_kind kind);

/* The status that fits an LMDB or errno code rc (HS_ERR_CORRUPT,
 * HS_ERR_NOT_FOUND, HS_ERR_NOMEM, HS_ERR_IO, HS_ERR_INDEX). */
hs_status lmdb_status(int rc);
/* Sets the error detail "<what>: <mdb_strerror(rc)>" and returns
 * lmdb_status(rc). Remembers rc for lmdb_last_rc(). */
hs_status lmdb_fail(int rc, const char *fmt, ...) HS_PRINTF(2, 3);
/* The same with status `st` (0: lmdb_status(rc)) and `hint` appended
 * after LMDB's text. */
hs_status lmdb_fail_hinted(int rc, hs_status st, const char *hint, const char *fmt, ...)
    HS_PRINTF(4, 5);
/* The rc of the last lmdb_fail on this thread (0 after lmdb_clear_rc). The
 * write loop uses it to tell MDB_MAP_FULL from other failures. */
int lmdb_last_rc(void);
void lmdb_clear_rc(void);

/* The map size the environment variable `var` gives in bytes (at least
 * 64 KiB; anything else is ignored with a warning), else dflt. */
size_t lmdb_map_size_env(const char *var, size_t dflt);

/* How an environment is opened. */
typedef struct lmdb_open_spec {
  const char *dir;       /* the environment directory */
  lmdb_kind kind;
  uint32_t format;       /* the kind's format version: recorded in a new
                            environment, a newer one is refused */
  unsigned flags;        /* extra MDB_* env flags (MDB_RDONLY, ...) */
  unsigned maxdbs;       /* the kind's named sub-databases */
  size_t mapsize;        /* initial map size (0: the kind's default or its
                            variable, HASHSWEEP_INDEX_MAPSIZE / HASHSWEEP_STORE_MAPSIZE) */
  int create;            /* make data.mdb (the directory must exist) and
                            mark an empty environment as this kind */
  /* The named sub-databases the kind has: an existing file's structure is
   * checked against them before use (lmdb_check.h), and one holding
   * others is refused (lmdb_kind.h). */
  const lmdb_db_rule *rules;
  size_t nrules;
} lmdb_open_spec;

/* Opens an environment, refusing what is not one of spec->kind, before
 * anything is written: a missing directory or data.mdb (HS_ERR_NOT_FOUND),
 * a directory or file others may write (HS_ERR_INVALID_ARG, naming the
 * chmod that fixes it; docs/security.md), a data.mdb that is not a regular
 * file, not LMDB, shorter than its own meta page says, or damaged inside
 * (HS_ERR_CORRUPT: LMDB would crash reading it; lmdb_check.h), an
 * environment of the other kind (HS_ERR_INVALID_ARG) or somebody else's
 * (HS_ERR_CORRUPT). Always MDB_NOTLS; clears stale reader slots of dead
 * processes. Files are created 0600. */
hs_status lmdb_env_open(const lmdb_open_spec *spec, MDB_env **out);

/* Begins a transaction; when another process grew the map (MDB_MAP_RESIZED)
 * adopts the new size and retries. The caller must have no other
 * transaction open on `env` in this process when that happens. */
hs_status lmdb_txn_begin(MDB_env *env, unsigned flags, MDB_txn **out);

/* Doubles the map size (no transaction may be open in this process). */
hs_status lmdb_grow(MDB_env *env);

/* A write: fn fills txn and reports failures through lmdb_fail. */
typedef hs_status (*lmdb_write_fn)(MDB_txn *txn, void *ctx);
/* Asked before the map grows: HS_OK, or why it cannot move now. */
typedef hs_status (*lmdb_grow_ok_fn)(void *ctx);
/* Runs fn in a write transaction and commits it. When the map fills
 * (MDB_MAP_FULL inside fn or at commit) the transaction is aborted, the map
 * grown and fn run again from the start, so fn must only write through
 * txn. dry_run: abort once fn succeeds. grow_ok may be NULL. */
hs_status lmdb_write(MDB_env *env, lmdb_write_fn fn, void *ctx, int dry_run,
                     lmdb_grow_ok_fn grow_ok);

/* Re-checks that data.mdb is as long as the committed state needs. */
hs_status lmdb_check_length(MDB_env *env, const char *dir);

/* The last key and value of dbi: 0, MDB_NOTFOUND for an empty database, or
 * another LMDB error code. */
int lmdb_last(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *val);

/* Integer keys for MDB_INTEGERKEY databases (host order, as LMDB wants). */
static inline MDB_val lmdb_val(const void *data, size_t size) {
  MDB_val v = {size, (void *)data};
  return v;
}

#endif
