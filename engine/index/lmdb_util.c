/* index/lmdb_util.c - checked LMDB calls with readable errors. */
#include "index/lmdb_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/log.h"

/* Default map: LMDB reserves address space only (no MDB_WRITEMAP, so the
 * file grows with the data, not with the map). 64 GiB holds ~10^9 PDQ
 * entries; a reader whose map is at least the writer's never sees
 * MDB_MAP_RESIZED, so everyone starting large keeps scans from failing
 * when another process grows the index. HS_INDEX_MAPSIZE overrides it (the
 * tests use a tiny map to exercise growth). */
#define LMDB_DEFAULT_MAP ((size_t)64 << 30)

static _Thread_local int last_rc;

int lmdb_last_rc(void) { return last_rc; }
void lmdb_clear_rc(void) { last_rc = 0; }

static hs_status status_for(int rc) {
  switch (rc) {
  case MDB_CORRUPTED:
  case MDB_INVALID:
  case MDB_VERSION_MISMATCH:
  case MDB_PAGE_NOTFOUND:
  case MDB_INCOMPATIBLE:
  case MDB_BAD_VALSIZE:
    return HS_ERR_CORRUPT;
  case MDB_NOTFOUND:
  case ENOENT:
    return HS_ERR_NOT_FOUND;
  case ENOMEM:
    return HS_ERR_NOMEM;
  case EACCES:
  case EPERM:
  case EROFS:
  case EIO:
  case ENOSPC:
    return HS_ERR_IO;
  default:
    return HS_ERR_INDEX;
  }
}

hs_status lmdb_fail(int rc, const char *fmt, ...) {
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  last_rc = rc;
  return error_set(status_for(rc), "%s: %s", what, mdb_strerror(rc));
}

size_t lmdb_map_size_env(const char *var, size_t dflt) {
  const char *env = getenv(var);
  if (env && *env) {
    char *end;
    unsigned long long v = strtoull(env, &end, 10);
    if (*end == '\0' && v >= 65536)
      return (size_t)v;
    log_warn("%s='%s' ignored: not a byte count >= 65536", var, env);
  }
  return dflt;
}

/* The directory and data.mdb must exist (unless creating) and be what they
 * claim, before LMDB sees them: mdb_env_open would create a missing file. */
static hs_status check_files(const lmdb_open_spec *spec, uint64_t *file_bytes) {
  struct stat st;
  if (stat(spec->dir, &st) != 0)
    return error_set(errno == ENOENT ? HS_ERR_NOT_FOUND : HS_ERR_IO, "%s: %s", spec->dir,
                     strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return error_set(HS_ERR_CORRUPT, "%s: not an index (an index is a directory)", spec->dir);
  char path[4096];
  snprintf(path, sizeof path, "%s/data.mdb", spec->dir);
  *file_bytes = 0;
  if (stat(path, &st) != 0) {
    if (errno == ENOENT && spec->create)
      return HS_OK;
    if (errno == ENOENT)
      return error_set(HS_ERR_NOT_FOUND, "%s: not an index (no data.mdb in the directory)",
                       spec->dir);
    return error_set(HS_ERR_IO, "%s: %s", path, strerror(errno));
  }
  if (!S_ISREG(st.st_mode))
    return error_set(HS_ERR_CORRUPT, "%s: not a regular file", path);
  /* LMDB needs its two meta pages; a shorter file is not an environment. */
  if (st.st_size < 2 * 4096)
    return error_set(HS_ERR_CORRUPT, "%s: damaged or not an index (%lld bytes, too short for LMDB)",
                     path, (long long)st.st_size);
  *file_bytes = (uint64_t)st.st_size;
  return HS_OK;
}

hs_status lmdb_check_length(MDB_env *env, const char *dir) {
  MDB_envinfo info;
  MDB_stat st;
  int rc = mdb_env_info(env, &info);
  if (rc == 0)
    rc = mdb_env_stat(env, &st);
  if (rc != 0)
    return lmdb_fail(rc, "%s: mdb_env_info", dir);
  char path[4096];
  snprintf(path, sizeof path, "%s/data.mdb", dir);
  struct stat fs;
  if (stat(path, &fs) != 0)
    return error_set(HS_ERR_IO, "%s: %s", path, strerror(errno));
  uint64_t need = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
  if ((uint64_t)fs.st_size < need)
    return error_set(HS_ERR_CORRUPT,
                     "%s: truncated (%lld bytes, the index needs %llu); restore it from a copy",
                     path, (long long)fs.st_size, (unsigned long long)need);
  return HS_OK;
}

hs_status lmdb_env_open(const lmdb_open_spec *spec, MDB_env **out) {
  *out = NULL;
  uint64_t file_bytes;
  HS_TRY(check_files(spec, &file_bytes));
  char data_file[4096];
  snprintf(data_file, sizeof data_file, "%s/data.mdb", spec->dir);
  if (file_bytes > 0)
    HS_TRY(lmdb_check_meta(data_file));
  MDB_env *env = NULL;
  int rc = mdb_env_create(&env);
  if (rc != 0)
    return lmdb_fail(rc, "%s: mdb_env_create", spec->dir);
  size_t map = spec->mapsize ? spec->mapsize : lmdb_map_size_env("HS_INDEX_MAPSIZE", LMDB_DEFAULT_MAP);
  if (file_bytes * 2 > map)
    map = (size_t)file_bytes * 2;
  if ((rc = mdb_env_set_maxdbs(env, spec->maxdbs)) != 0 ||
      (rc = mdb_env_set_mapsize(env, map)) != 0 || (rc = mdb_env_set_maxreaders(env, 254)) != 0) {
    mdb_env_close(env);
    return lmdb_fail(rc, "%s: configuring LMDB", spec->dir);
  }
  rc = mdb_env_open(env, spec->dir, spec->flags | MDB_NOTLS, 0600);
  if (rc != 0) {
    mdb_env_close(env);
    if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH)
      return lmdb_fail(rc, "%s: damaged or not an index (data.mdb is not an LMDB file)",
                       spec->dir);
    return lmdb_fail(rc, "%s: cannot open", spec->dir);
  }
  hs_status st = lmdb_check_length(env, spec->dir);
  if (st == HS_OK && file_bytes > 0 && spec->rules)
    st = lmdb_check_tree(env, data_file, spec->rules, spec->nrules);
  if (st != HS_OK) {
    mdb_env_close(env);
    return st;
  }
  int dead = 0;
  if (!(spec->flags & MDB_RDONLY) && (rc = mdb_reader_check(env, &dead)) != 0) {
    mdb_env_close(env);
    return lmdb_fail(rc, "%s: mdb_reader_check", spec->dir);
  }
  if (dead > 0)
    log_info("%s: cleared %d reader slot(s) of dead processes", spec->dir, dead);
  *out = env;
  return HS_OK;
}

hs_status lmdb_txn_begin(MDB_env *env, unsigned flags, MDB_txn **out) {
  for (int attempt = 0;; attempt++) {
    int rc = mdb_txn_begin(env, NULL, flags, out);
    if (rc == 0)
      return HS_OK;
    if (rc == MDB_MAP_RESIZED && attempt < 3) {
      /* Another process grew the map: adopt its size (0 = from the file). */
      rc = mdb_env_set_mapsize(env, 0);
      if (rc == 0)
        continue;
    }
    return lmdb_fail(rc, "mdb_txn_begin");
  }
}

hs_status lmdb_grow(MDB_env *env) {
  MDB_envinfo info;
  int rc = mdb_env_info(env, &info);
  if (rc != 0)
    return lmdb_fail(rc, "mdb_env_info");
  size_t next = info.me_mapsize * 2;
  if (next < info.me_mapsize)
    return error_set(HS_ERR_LIMIT, "index map cannot grow beyond %zu bytes", info.me_mapsize);
  rc = mdb_env_set_mapsize(env, next);
  if (rc != 0)
    return lmdb_fail(rc, "growing the index map to %zu bytes", next);
  log_info("index map grown to %zu MiB", next >> 20);
  return HS_OK;
}
