/* index/lmdb_util.h - internal: LMDB helpers for any engine module that
 * keeps an LMDB environment (the hash index; later the scan's archive
 * store). Every mdb_* call is checked; failures become one-line errors that
 * keep mdb_strerror's text, and damaged or foreign files are told apart
 * from LMDB failures (HS_ERR_CORRUPT vs HS_ERR_INDEX). */
#ifndef HS_INDEX_LMDB_UTIL_H
#define HS_INDEX_LMDB_UTIL_H

#include <lmdb.h>

#include "hashsweep/core.h"
#include "index/lmdb_check.h"

/* Sets the error detail "<what>: <mdb_strerror(rc)>" and returns the status
 * that fits rc (HS_ERR_CORRUPT, HS_ERR_NOT_FOUND, HS_ERR_NOMEM, HS_ERR_IO,
 * HS_ERR_INDEX). Remembers rc for lmdb_last_rc(). */
hs_status lmdb_fail(int rc, const char *fmt, ...) HS_PRINTF(2, 3);
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
  unsigned flags;        /* extra MDB_* env flags (MDB_RDONLY, ...) */
  unsigned maxdbs;       /* named sub-databases */
  size_t mapsize;        /* initial map size (0: default, see .c) */
  int create;            /* make data.mdb (the directory must exist) */
  /* The named sub-databases an existing file may hold: its structure is
   * checked against them before use (lmdb_check.h). NULL: the meta pages
   * only. */
  const lmdb_db_rule *rules;
  size_t nrules;
} lmdb_open_spec;

/* Opens an environment, refusing what is not one: a missing directory or
 * data.mdb (HS_ERR_NOT_FOUND), a data.mdb that is not a regular file, not
 * LMDB, shorter than its own meta page says, or damaged inside
 * (HS_ERR_CORRUPT: LMDB would crash reading it; lmdb_check.h). Always
 * MDB_NOTLS; clears stale reader slots of dead processes. Files are
 * created 0600. */
hs_status lmdb_env_open(const lmdb_open_spec *spec, MDB_env **out);

/* Begins a transaction; when another process grew the map (MDB_MAP_RESIZED)
 * adopts the new size and retries. The caller must have no other
 * transaction open on `env` in this process when that happens. */
hs_status lmdb_txn_begin(MDB_env *env, unsigned flags, MDB_txn **out);

/* Doubles the map size (no transaction may be open in this process). */
hs_status lmdb_grow(MDB_env *env);

/* Re-checks that data.mdb is as long as the committed state needs. */
hs_status lmdb_check_length(MDB_env *env, const char *dir);

/* Integer keys for MDB_INTEGERKEY databases (host order, as LMDB wants). */
static inline MDB_val lmdb_val(const void *data, size_t size) {
  MDB_val v = {size, (void *)data};
  return v;
}

#endif
