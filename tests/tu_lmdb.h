/* tests/tu_lmdb.h - for index tests that need an index as an older
 * hashsweep made it, or a damaged one: opens the LMDB environment at `path`
 * directly and drops one sub-database (the index must be closed). Header-only: only the tests that use
 * LMDB directly include it. */
#ifndef HS_TU_LMDB_H
#define HS_TU_LMDB_H

#include <check.h>
#include <lmdb.h>

/* The index's LMDB environment at `path`, opened by LMDB itself (close it
 * with mdb_env_close): for tests that change records behind hashsweep's back. */
static inline MDB_env *tu_lmdb_env(const char *path) {
  MDB_env *env;
  ck_assert_int_eq(mdb_env_create(&env), 0);
  ck_assert_int_eq(mdb_env_set_maxdbs(env, 32), 0);
  ck_assert_int_eq(mdb_env_set_mapsize(env, (size_t)64 << 20), 0);
  ck_assert_int_eq(mdb_env_open(env, path, 0, 0600), 0);
  return env;
}

static inline void tu_drop_subdb(const char *path, const char *name) {
  MDB_env *env = tu_lmdb_env(path);
  MDB_txn *txn;
  MDB_dbi dbi;
  ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
  ck_assert_int_eq(mdb_dbi_open(txn, name, 0, &dbi), 0);
  ck_assert_int_eq(mdb_drop(txn, dbi, 1), 0);
  ck_assert_int_eq(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
}

#endif
