/* kv/lmdb_util.c - opening environments with every guard, checked LMDB
 * calls with readable errors, map growth. */
#include "kv/lmdb_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/log.h"
#include "kv/lmdb_kind.h"

static _Thread_local int last_rc;

int lmdb_last_rc(void) { return last_rc; }
void lmdb_clear_rc(void) { last_rc = 0; }

hs_status lmdb_status(int rc) {
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
  case EFBIG:
  case EDQUOT:
    return HS_ERR_IO;
  default:
    return HS_ERR_INDEX;
  }
}

static hs_status fail_v(int rc, hs_status st, const char *hint, const char *fmt, va_list ap) {
  char what[512];
  vsnprintf(what, sizeof what, fmt, ap);
  last_rc = rc;
  return error_set(st ? st : lmdb_status(rc), "%s: %s%s", what, mdb_strerror(rc), hint);
}

hs_status lmdb_fail(int rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  hs_status st = fail_v(rc, HS_OK, "", fmt, ap);
  va_end(ap);
  return st;
}

hs_status lmdb_fail_hinted(int rc, hs_status st, const char *hint, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  st = fail_v(rc, st, hint, fmt, ap);
  va_end(ap);
  return st;
}

/* The kind an open environment was opened as (set by lmdb_env_open). */
static const lmdb_kind_info *kind_of(MDB_env *env) {
  const lmdb_kind_info *k = mdb_env_get_userctx(env);
  return k ? k : lmdb_kind_info_of(LMDB_KIND_INDEX);
}

/* ENOMEM from mapping: the address space (ulimit -v) is smaller than the
 * map reservation; name the variable that makes it smaller. */
static void map_hint(int rc, const lmdb_kind_info *k, size_t map, char *out, size_t cap) {
  out[0] = '\0';
  if (rc == ENOMEM)
    snprintf(out, cap, " (reserving %zu MiB of address space for the map failed: under ulimit -v "
             "set %s to a smaller byte count)", map >> 20, k->map_var);
}

size_t lmdb_map_size_env(const char *var, size_t dflt) {
  const char *env = getenv(var);
  /* Earlier releases named the variables HS_INDEX_MAPSIZE / HS_STORE_MAPSIZE;
   * every variable now carries the HASHSWEEP_ prefix (docs/environment.md),
   * and the old names stay accepted so deployed scripts keep working. */
  char alias[64];
  if ((!env || !*env) && strncmp(var, "HASHSWEEP_", 10) == 0 &&
      (size_t)snprintf(alias, sizeof alias, "HS_%s", var + 10) < sizeof alias) {
    env = getenv(alias);
    var = alias;
  }
  if (env && *env) {
    char *end;
    unsigned long long v = strtoull(env, &end, 10);
    if (*end == '\0' && v >= 65536)
      return (size_t)v;
    log_warn("%s='%s' ignored: not a byte count >= 65536", var, env);
  }
  return dflt;
}

/* docs/security.md: an index or a store that someone other than its owner
 * may write is refused (they could change what scans match, or forge what
 * a store says was scanned); one others may read gets a warning (hash
 * lists and archive paths are sensitive). One rule for both kinds, for
 * every open, read-only or not. */
static hs_status check_mode(const char *path, mode_t mode, int is_dir, const lmdb_kind_info *k) {
  if (mode & 022)
    return error_set(HS_ERR_INVALID_ARG, "%s: writable by %s (mode %03o): whoever can write %s "
                     "can change what scans report; refusing to use it: chmod %s %s", path,
                     mode & 002 ? "anyone" : "its group", (unsigned)(mode & 0777), k->a_noun,
                     is_dir ? "700" : "600", path);
  if (mode & 044)
    log_warn("%s: readable by others (mode %03o); %s holds sensitive hashes: chmod %s %s", path,
             (unsigned)(mode & 0777), k->a_noun, is_dir ? "700" : "600", path);
  return HS_OK;
}

/* The directory and data.mdb must exist (unless creating) and be what they
 * claim, before LMDB sees them: mdb_env_open would create a missing file. */
static hs_status check_files(const lmdb_open_spec *spec, const lmdb_kind_info *k,
                             uint64_t *file_bytes) {
  struct stat st;
  if (stat(spec->dir, &st) != 0)
    return error_set(errno == ENOENT ? HS_ERR_NOT_FOUND : HS_ERR_IO, "%s: %s", spec->dir,
                     strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return error_set(HS_ERR_CORRUPT, "%s: not %s (%s is a directory)", spec->dir, k->a_noun,
                     k->a_noun);
  HS_TRY(check_mode(spec->dir, st.st_mode, 1, k));
  char path[4096];
  snprintf(path, sizeof path, "%s/lock.mdb", spec->dir);
  if (lstat(path, &st) == 0)
    HS_TRY(check_mode(path, st.st_mode, 0, k));
  snprintf(path, sizeof path, "%s/data.mdb", spec->dir);
  *file_bytes = 0;
  if (stat(path, &st) != 0) {
    if (errno == ENOENT && spec->create)
      return HS_OK;
    if (errno == ENOENT)
      return error_set(HS_ERR_NOT_FOUND, "%s: not %s (no data.mdb in the directory)", spec->dir,
                       k->a_noun);
    return error_set(HS_ERR_IO, "%s: %s", path, strerror(errno));
  }
  if (!S_ISREG(st.st_mode))
    return error_set(HS_ERR_CORRUPT, "%s: not a regular file", path);
  HS_TRY(check_mode(path, st.st_mode, 0, k));
  /* An empty data.mdb where one may be created: a creation killed between
   * LMDB making the file and writing its meta pages (kill -9 at start-up).
   * LMDB sets up an empty file as a new environment, so the run goes on. */
  if (st.st_size == 0 && spec->create)
    return HS_OK;
  /* LMDB needs its two meta pages; a shorter file is not an environment. */
  if (st.st_size < 2 * 4096)
    return error_set(HS_ERR_CORRUPT, "%s: damaged or not %s (%lld bytes, too short for LMDB)",
                     path, k->a_noun, (long long)st.st_size);
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
                     "%s: truncated (%lld bytes, the %s needs %llu); restore it from a copy",
                     path, (long long)fs.st_size, kind_of(env)->noun, (unsigned long long)need);
  return HS_OK;
}

/* The structural check with the kind record's sub-database added to the
 * kind's own. */
static hs_status check_tree(MDB_env *env, const lmdb_open_spec *spec, const lmdb_kind_info *k,
                            const char *data_file) {
  lmdb_db_rule *rules = calloc(spec->nrules + 1, sizeof *rules);
  if (!rules)
    return error_set(HS_ERR_NOMEM, "%s: out of memory", spec->dir);
  if (spec->nrules)
    memcpy(rules, spec->rules, spec->nrules * sizeof *rules);
  rules[spec->nrules] = (lmdb_db_rule){LMDB_KIND_DB, 0, 0};
  char what[64];
  snprintf(what, sizeof what, "a hashsweep %s", k->noun);
  hs_status st = lmdb_check_tree(env, data_file, what, rules, spec->nrules + 1);
  free(rules);
  return st;
}

static hs_status open_env(const lmdb_open_spec *spec, const lmdb_kind_info *k,
                          uint64_t file_bytes, MDB_env **out) {
  MDB_env *env = NULL;
  int rc = mdb_env_create(&env);
  if (rc != 0)
    return lmdb_fail(rc, "%s: mdb_env_create", spec->dir);
  size_t map = spec->mapsize ? spec->mapsize : lmdb_map_size_env(k->map_var, k->map_default);
  if (file_bytes * 2 > map)
    map = (size_t)file_bytes * 2;
  if ((rc = mdb_env_set_maxdbs(env, spec->maxdbs + 1)) != 0 ||
      (rc = mdb_env_set_mapsize(env, map)) != 0 || (rc = mdb_env_set_maxreaders(env, 254)) != 0 ||
      (rc = mdb_env_set_userctx(env, (void *)k)) != 0) {
    mdb_env_close(env);
    return lmdb_fail(rc, "%s: configuring LMDB", spec->dir);
  }
  rc = mdb_env_open(env, spec->dir, spec->flags | MDB_NOTLS, 0600);
  if (rc != 0) {
    mdb_env_close(env);
    if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH)
      return lmdb_fail(rc, "%s: damaged or not %s (data.mdb is not an LMDB file)", spec->dir,
                       k->a_noun);
    char hint[200];
    map_hint(rc, k, map, hint, sizeof hint);
    return lmdb_fail_hinted(rc, HS_OK, hint, "%s: cannot open", spec->dir);
  }
  *out = env;
  return HS_OK;
}

hs_status lmdb_env_open(const lmdb_open_spec *spec, MDB_env **out) {
  *out = NULL;
  const lmdb_kind_info *k = lmdb_kind_info_of(spec->kind);
  uint64_t file_bytes;
  HS_TRY(check_files(spec, k, &file_bytes));
  char data_file[4096];
  snprintf(data_file, sizeof data_file, "%s/data.mdb", spec->dir);
  if (file_bytes > 0)
    HS_TRY(lmdb_check_meta(data_file));
  MDB_env *env = NULL;
  HS_TRY(open_env(spec, k, file_bytes, &env));
  hs_status st = lmdb_check_length(env, spec->dir);
  if (st == HS_OK && file_bytes > 0)
    st = check_tree(env, spec, k, data_file);
  if (st == HS_OK)
    st = lmdb_kind_check(env, spec);
  int rc, dead = 0;
  if (st == HS_OK && !(spec->flags & MDB_RDONLY) && (rc = mdb_reader_check(env, &dead)) != 0)
    st = lmdb_fail(rc, "%s: mdb_reader_check", spec->dir);
  if (st != HS_OK) {
    mdb_env_close(env);
    return st;
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
  const lmdb_kind_info *k = kind_of(env);
  MDB_envinfo info;
  int rc = mdb_env_info(env, &info);
  if (rc != 0)
    return lmdb_fail(rc, "mdb_env_info");
  size_t next = info.me_mapsize * 2;
  if (next < info.me_mapsize)
    return error_set(HS_ERR_LIMIT, "%s map cannot grow beyond %zu bytes", k->noun,
                     info.me_mapsize);
  rc = mdb_env_set_mapsize(env, next);
  if (rc != 0) {
    char hint[200];
    map_hint(rc, k, next, hint, sizeof hint);
    return lmdb_fail_hinted(rc, HS_OK, hint, "growing the %s map to %zu bytes", k->noun, next);
  }
  log_info("%s map grown to %zu MiB", k->noun, next >> 20);
  return HS_OK;
}

hs_status lmdb_write(MDB_env *env, lmdb_write_fn fn, void *ctx, int dry_run,
                     lmdb_grow_ok_fn grow_ok) {
  for (int attempt = 0;; attempt++) {
    MDB_txn *txn;
    lmdb_clear_rc();
    HS_TRY(lmdb_txn_begin(env, 0, &txn));
    hs_status s = fn(txn, ctx);
    if (s == HS_OK && dry_run) {
      mdb_txn_abort(txn);
      return HS_OK;
    }
    if (s == HS_OK) {
      int rc = mdb_txn_commit(txn);
      if (rc == 0)
        return HS_OK;
      const char *dir = NULL;
      mdb_env_get_path(env, &dir);
      s = lmdb_fail(rc, "%s: committing", dir ? dir : "LMDB");
    } else {
      mdb_txn_abort(txn);
    }
    if (lmdb_last_rc() != MDB_MAP_FULL || attempt >= 40)
      return s;
    /* Growing moves the map: only safe with no read transaction of ours. */
    if (grow_ok)
      HS_TRY(grow_ok(ctx));
    HS_TRY(lmdb_grow(env));
  }
}

int lmdb_last(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *val) {
  MDB_cursor *c;
  int rc = mdb_cursor_open(txn, dbi, &c);
  if (rc != 0)
    return rc;
  rc = mdb_cursor_get(c, key, val, MDB_LAST);
  mdb_cursor_close(c);
  return rc;
}
