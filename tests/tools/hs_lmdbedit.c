/* tests/tools/hs_lmdbedit.c - edits one record of an LMDB sub-database
 * with 8-byte integer keys behind hashsweep's back, as someone with write
 * access to the files could: the audit-chain tests tamper with an index's
 * log this way (the mdb_* tools only read).
 *
 *   hs-lmdbedit DIR DB KEY sub OLD NEW   replace the first OLD in the value
 *                                        by NEW (same length)
 *   hs-lmdbedit DIR DB KEY del           remove the record
 *   hs-lmdbedit DIR DB KEY swap KEY2     exchange the two values
 * Exit 0 done, 1 not found, 2 usage or LMDB error. */
#include <errno.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *what, int rc) {
  fprintf(stderr, "hs-lmdbedit: %s: %s\n", what, mdb_strerror(rc));
  return 2;
}

static int get_copy(MDB_txn *txn, MDB_dbi dbi, uint64_t key, MDB_val *out) {
  MDB_val k = {sizeof key, &key}, v;
  int rc = mdb_get(txn, dbi, &k, &v);
  if (rc)
    return rc;
  out->mv_size = v.mv_size;
  out->mv_data = malloc(v.mv_size ? v.mv_size : 1);
  memcpy(out->mv_data, v.mv_data, v.mv_size);
  return 0;
}

static int put(MDB_txn *txn, MDB_dbi dbi, uint64_t key, MDB_val *v) {
  MDB_val k = {sizeof key, &key};
  return mdb_put(txn, dbi, &k, v, 0);
}

static int edit(MDB_txn *txn, MDB_dbi dbi, uint64_t key, int argc, char **argv) {
  const char *op = argv[4];
  MDB_val v = {0, NULL};
  int rc;
  if (strcmp(op, "del") == 0 && argc == 5) {
    MDB_val k = {sizeof key, &key};
    return mdb_del(txn, dbi, &k, NULL);
  }
  if ((rc = get_copy(txn, dbi, key, &v)) != 0)
    return rc;
  if (strcmp(op, "sub") == 0 && argc == 7 && strlen(argv[5]) == strlen(argv[6])) {
    size_t n = strlen(argv[5]);
    char *p = v.mv_data, *hit = NULL;
    for (size_t i = 0; i + n <= v.mv_size && !hit; i++)
      if (memcmp(p + i, argv[5], n) == 0)
        hit = p + i;
    rc = hit ? (memcpy(hit, argv[6], n), put(txn, dbi, key, &v)) : MDB_NOTFOUND;
  } else if (strcmp(op, "swap") == 0 && argc == 6) {
    uint64_t key2 = strtoull(argv[5], NULL, 10);
    MDB_val w;
    if ((rc = get_copy(txn, dbi, key2, &w)) == 0) {
      rc = put(txn, dbi, key, &w);
      if (rc == 0)
        rc = put(txn, dbi, key2, &v);
      free(w.mv_data);
    }
  } else {
    rc = EINVAL;
  }
  free(v.mv_data);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: hs-lmdbedit DIR DB KEY sub OLD NEW | del | swap KEY2\n");
    return 2;
  }
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  int rc = mdb_env_create(&env);
  if (rc == 0)
    rc = mdb_env_set_maxdbs(env, 64);
  if (rc == 0)
    rc = mdb_env_open(env, argv[1], 0, 0600);
  if (rc)
    return fail(argv[1], rc);
  if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0)
    return fail("begin", rc);
  if ((rc = mdb_dbi_open(txn, argv[2], MDB_INTEGERKEY, &dbi)) != 0)
    return fail(argv[2], rc);
  rc = edit(txn, dbi, strtoull(argv[3], NULL, 10), argc, argv);
  if (rc) {
    mdb_txn_abort(txn);
    mdb_env_close(env);
    if (rc == EINVAL) {
      fprintf(stderr, "hs-lmdbedit: bad arguments\n");
      return 2;
    }
    fprintf(stderr, "hs-lmdbedit: %s\n", mdb_strerror(rc));
    return rc == MDB_NOTFOUND ? 1 : 2;
  }
  rc = mdb_txn_commit(txn);
  mdb_env_close(env);
  return rc ? fail("commit", rc) : 0;
}
