/* kv/lmdb_kind.h - internal: what an LMDB environment is for, and the
 * record that says so.
 *
 * An index and an archive store are both LMDB environments (a directory
 * with data.mdb). Opening one as the other used to write the opener's
 * databases into it (a store written into an index made the index
 * unreadable). Each environment hashsweep creates now holds a sub-database
 * "hashsweep" with one record, "kind" -> {magic, kind, format version,
 * byte order}, written in the environment's first transaction. An opener
 * reads it, after the structural check and before writing anything, and
 * refuses the other kind. Environments made before the record existed are
 * told by their sub-databases (an index has "lists", a store "files"). */
#ifndef HS_KV_LMDB_KIND_H
#define HS_KV_LMDB_KIND_H

#include <stddef.h>

#include "kv/lmdb_util.h"

/* The sub-database of the kind record (every kind has it). */
#define LMDB_KIND_DB "hashsweep"

typedef struct lmdb_kind_info {
  const char *noun;       /* "index" */
  const char *a_noun;     /* "an index" */
  const char *map_var;    /* "HASHSWEEP_INDEX_MAPSIZE" */
  size_t map_default;     /* bytes of address space reserved by default */
  const char *signature;  /* a sub-database only this kind has */
} lmdb_kind_info;

const lmdb_kind_info *lmdb_kind_info_of(lmdb_kind kind);

/* Called by lmdb_env_open once the structure is checked: refuses an
 * environment of another kind (HS_ERR_INVALID_ARG), with sub-databases
 * spec->kind does not have (HS_ERR_CORRUPT), an empty one that is not to be
 * created (HS_ERR_CORRUPT), a kind record that is damaged (HS_ERR_CORRUPT)
 * or of a newer format or another byte order (HS_ERR_UNSUPPORTED). Writes
 * the kind record into an empty environment when spec->create. */
hs_status lmdb_kind_check(MDB_env *env, const lmdb_open_spec *spec);

#endif
