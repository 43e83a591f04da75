/* index/index.c - creating and opening an index, its counters and the
 * write loop (one transaction, retried after growing a full map). */
#include "index/index_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "index/auditlog.h"

static const char *const db_names[DB_COUNT] = {
    "meta", "lists", "listid", "versions", "log", "entrymeta",
    "pages.pdq", "pages.md5", "pages.sha256", "pages.h64", "pages.vpdq", "listattr",
    "decisions", "variants", "passthrough", "vframes"};

const char *index_db_name(int db) { return db_names[db]; }

int db_optional(int db) { return db >= DB_FIRST_OPTIONAL; }

/* Sub-databases keyed by byte strings rather than native integers. */
static int db_byte_keys(int db) {
  return db == DB_META || db == DB_LISTS || db == DB_LISTATTR || db == DB_DECISIONS ||
         db == DB_PASSTHRU;
}

static unsigned db_flags(int db) { return db_byte_keys(db) ? 0 : MDB_INTEGERKEY; }

/* Integer key sizes: list ids and page numbers are u32, the rest u64. */
static unsigned db_key_bytes(int db) {
  if (db_byte_keys(db))
    return 0;
  return db == DB_LISTID || (db >= DB_PAGES && db < DB_PAGES + HS_HASH_TYPE_COUNT) ? 4 : 8;
}

/* What an index file may hold, for the structural check at open. */
static void db_rules(lmdb_db_rule rules[DB_COUNT]) {
  for (int db = 0; db < DB_COUNT; db++)
    rules[db] = (lmdb_db_rule){db_names[db], db_flags(db), db_key_bytes(db)};
}

int64_t index_now(void) { return clock_wall_s(); }

/* ---- create ---------------------------------------------------------------- */

static hs_status make_dir(const char *path) {
  if (mkdir(path, 0700) == 0)
    return HS_OK;
  if (errno != EEXIST)
    return error_set(HS_ERR_IO, "%s: cannot create the index directory: %s", path, strerror(errno));
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
    return error_set(HS_ERR_EXISTS, "%s: exists and is not a directory", path);
  DIR *d = opendir(path);
  if (!d)
    return error_set(HS_ERR_IO, "%s: %s", path, strerror(errno));
  struct dirent *e;
  int empty = 1;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
      empty = 0;
  closedir(d);
  if (!empty)
    return error_set(HS_ERR_EXISTS, "%s: exists and is not empty; refusing to create an index there",
                     path);
  return HS_OK;
}

/* Owner-only whatever the umask: hash lists are sensitive. */
static hs_status restrict_modes(const char *path) {
  char file[4096];
  if (chmod(path, 0700) != 0)
    return error_set(HS_ERR_IO, "%s: chmod: %s", path, strerror(errno));
  static const char *const names[] = {"data.mdb", "lock.mdb"};
  for (int i = 0; i < 2; i++) {
    snprintf(file, sizeof file, "%s/%s", path, names[i]);
    if (chmod(file, 0600) != 0)
      return error_set(HS_ERR_IO, "%s: chmod: %s", file, strerror(errno));
  }
  return HS_OK;
}

static hs_status init_records(hs_index *idx, MDB_txn *txn, void *ctx) {
  (void)ctx;
  for (int db = 0; db < DB_COUNT; db++) {
    int rc = mdb_dbi_open(txn, db_names[db], MDB_CREATE | db_flags(db), &idx->dbi[db]);
    if (rc != 0)
      return lmdb_fail(rc, "%s: creating sub-database %s", idx->path, db_names[db]);
  }
  index_schema s;
  memset(&s, 0, sizeof s);
  memcpy(s.magic, INDEX_MAGIC, sizeof INDEX_MAGIC);
  s.schema = INDEX_SCHEMA;
  s.endian = INDEX_ENDIAN_TAG;
  s.psize = idx->psize;
  for (int t = 0; t < HS_HASH_TYPE_COUNT; t++)
    s.capacity[t] = (uint16_t)page_capacity_for((hs_hash_type)t, idx->psize);
  s.created = index_now();
  MDB_val k = lmdb_val("schema", 6), v = lmdb_val(&s, sizeof s);
  int rc = mdb_put(txn, idx->dbi[DB_META], &k, &v, MDB_NOOVERWRITE);
  if (rc != 0)
    return lmdb_fail(rc, "%s: writing the schema record", idx->path);
  HS_TRY(index_counter_put(idx, txn, "next_page", 1));
  HS_TRY(index_counter_put(idx, txn, "next_list", 1));
  audit_entry e = {.kind = AUDIT_CREATE, .time = s.created};
  uint64_t seq;
  HS_TRY(audit_next_seq(idx, txn, &seq));
  return audit_append(idx, txn, seq, &e);
}

hs_status hs_index_create(const char *path) {
  HS_CHECK(path && *path, HS_ERR_INVALID_ARG, "index create: no path");
  HS_TRY(make_dir(path));
  lmdb_db_rule rules[DB_COUNT];
  db_rules(rules);
  lmdb_open_spec spec = {.dir = path, .kind = LMDB_KIND_INDEX, .format = INDEX_SCHEMA,
                         .maxdbs = DB_COUNT + 2, .create = 1, .rules = rules, .nrules = DB_COUNT};
  hs_index idx;
  memset(&idx, 0, sizeof idx);
  idx.path = (char *)path;
  /* Owner-only before the open checks the modes (an empty directory made
   * by someone else's umask is fine to take over). */
  if (chmod(path, 0700) != 0)
    return error_set(HS_ERR_IO, "%s: chmod: %s", path, strerror(errno));
  HS_TRY(lmdb_env_open(&spec, &idx.env));
  MDB_stat st;
  int rc = mdb_env_stat(idx.env, &st);
  hs_status s = rc ? lmdb_fail(rc, "%s: mdb_env_stat", path) : HS_OK;
  idx.psize = st.ms_psize;
  if (s == HS_OK)
    s = restrict_modes(path);
  if (s == HS_OK)
    s = index_write(&idx, init_records, NULL, 0);
  mdb_env_close(idx.env);
  return s;
}

/* ---- open ------------------------------------------------------------------ */

static hs_status check_schema(hs_index *idx, const MDB_val *v) {
  index_schema s;
  if (v->mv_size != sizeof s)
    return error_set(HS_ERR_CORRUPT, "%s: not a hashsweep index (schema record of %zu bytes)",
                     idx->path, v->mv_size);
  memcpy(&s, v->mv_data, sizeof s);
  if (memcmp(s.magic, INDEX_MAGIC, sizeof INDEX_MAGIC) != 0)
    return error_set(HS_ERR_CORRUPT, "%s: not a hashsweep index (bad magic)", idx->path);
  if (s.endian != INDEX_ENDIAN_TAG)
    return error_set(HS_ERR_UNSUPPORTED, "%s: index written on a machine of another byte order",
                     idx->path);
  if (s.schema > INDEX_SCHEMA || s.schema == 0)
    return error_set(HS_ERR_UNSUPPORTED,
                     "%s: index schema %u is not supported by this hashsweep (knows %u)",
                     idx->path, s.schema, INDEX_SCHEMA);
  if (s.psize != idx->psize)
    return error_set(HS_ERR_UNSUPPORTED, "%s: index made with %u-byte pages, this system uses %u",
                     idx->path, s.psize, idx->psize);
  for (int t = 0; t < HS_HASH_TYPE_COUNT; t++) {
    /* A type added later has no capacity in an older record (those bytes
     * were padding, written as 0): the page size decides it, as for a new
     * index. */
    if (t >= INDEX_FIRST_NEW_TYPE && s.capacity[t] == 0)
      s.capacity[t] = (uint16_t)page_capacity_for((hs_hash_type)t, idx->psize);
    if (s.capacity[t] == 0 || s.capacity[t] > HS_INDEX_PAGE_IDS)
      return error_set(HS_ERR_CORRUPT, "%s: damaged schema record (page capacity %u)", idx->path,
                       s.capacity[t]);
    page_layout_init(&idx->layout[t], (hs_hash_type)t, s.capacity[t]);
  }
  return HS_OK;
}

static hs_status open_dbis(hs_index *idx, int *missing) {
  MDB_txn *txn;
  *missing = 0;
  HS_TRY(lmdb_txn_begin(idx->env, MDB_RDONLY, &txn));
  hs_status s = HS_OK;
  for (int db = 0; db < DB_COUNT && s == HS_OK; db++) {
    int rc = mdb_dbi_open(txn, db_names[db], db_flags(db), &idx->dbi[db]);
    if (rc == MDB_NOTFOUND && db_optional(db)) {
      *missing = 1;
      continue;
    }
    if (rc == 0)
      idx->has[db] = 1;
    if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE)
      s = error_set(HS_ERR_CORRUPT,
                    "%s: not a hashsweep index (an LMDB environment without sub-database %s)",
                    idx->path, db_names[db]);
    else if (rc != 0)
      s = lmdb_fail(rc, "%s: opening sub-database %s", idx->path, db_names[db]);
    if (s == HS_OK && db == DB_META) {
      MDB_val k = lmdb_val("schema", 6), v;
      rc = mdb_get(txn, idx->dbi[DB_META], &k, &v);
      if (rc == MDB_NOTFOUND)
        s = error_set(HS_ERR_CORRUPT, "%s: not a hashsweep index (no schema record)", idx->path);
      else if (rc != 0)
        s = lmdb_fail(rc, "%s: reading the schema record", idx->path);
      else
        s = check_schema(idx, &v);
    }
  }
  /* Committing a read transaction keeps the handles it opened. */
  int rc = mdb_txn_commit(txn);
  if (s == HS_OK && rc != 0)
    s = lmdb_fail(rc, "%s: mdb_txn_commit", idx->path);
  return s;
}

/* Adds the optional sub-databases an older hashsweep did not make. The
 * handles of a committed write transaction stay open (the caller marks
 * them present then: an attempt retried after a full map starts over). */
static hs_status create_optional(hs_index *idx, MDB_txn *txn, void *ctx) {
  (void)ctx;
  for (int db = DB_FIRST_OPTIONAL; db < DB_COUNT; db++) {
    int rc = mdb_dbi_open(txn, db_names[db], MDB_CREATE | db_flags(db), &idx->dbi[db]);
    if (rc != 0)
      return lmdb_fail(rc, "%s: creating sub-database %s", idx->path, db_names[db]);
  }
  return HS_OK;
}

hs_status hs_index_open(const char *path, unsigned flags, hs_index **out) {
  HS_CHECK(path && *path && out, HS_ERR_INVALID_ARG, "index open: no path");
  *out = NULL;
  hs_index *idx = calloc(1, sizeof *idx);
  if (!idx || !(idx->path = strdup(path))) {
    free(idx);
    return error_set(HS_ERR_NOMEM, "index open: out of memory");
  }
  idx->flags = flags;
  lmdb_db_rule rules[DB_COUNT];
  db_rules(rules);
  lmdb_open_spec spec = {.dir = path, .kind = LMDB_KIND_INDEX, .format = INDEX_SCHEMA,
                         .maxdbs = DB_COUNT + 2,
                         .flags = (flags & HS_INDEX_READONLY) ? MDB_RDONLY : 0,
                         .rules = rules, .nrules = DB_COUNT};
  hs_status s = lmdb_env_open(&spec, &idx->env);
  if (s == HS_OK) {
    MDB_stat st;
    int rc = mdb_env_stat(idx->env, &st);
    s = rc ? lmdb_fail(rc, "%s: mdb_env_stat", path) : HS_OK;
    idx->psize = st.ms_psize;
  }
  int missing = 0;
  if (s == HS_OK)
    s = open_dbis(idx, &missing);
  if (s == HS_OK && missing && !(flags & HS_INDEX_READONLY)) {
    s = index_write(idx, create_optional, NULL, 0);
    for (int db = DB_FIRST_OPTIONAL; s == HS_OK && db < DB_COUNT; db++)
      idx->has[db] = 1;
  }
  if (s != HS_OK) {
    hs_index_close(idx);
    return s;
  }
  *out = idx;
  return HS_OK;
}

void hs_index_close(hs_index *idx) {
  if (!idx)
    return;
  if (atomic_load(&idx->snapshots) != 0)
    log_error("%s: index closed with %d snapshot(s) still open", idx->path,
              atomic_load(&idx->snapshots));
  if (idx->env)
    mdb_env_close(idx->env);
  free(idx->path);
  free(idx);
}

/* ---- counters, versions ---------------------------------------------------- */

hs_status index_counter_get(hs_index *idx, MDB_txn *txn, const char *key, uint64_t *out) {
  MDB_val k = lmdb_val(key, strlen(key)), v;
  int rc = mdb_get(txn, idx->dbi[DB_META], &k, &v);
  if (rc == MDB_NOTFOUND) {
    *out = 0;
    return HS_OK;
  }
  if (rc != 0)
    return lmdb_fail(rc, "%s: reading counter %s", idx->path, key);
  if (v.mv_size != sizeof *out)
    return error_set(HS_ERR_CORRUPT, "%s: counter %s has %zu bytes", idx->path, key, v.mv_size);
  memcpy(out, v.mv_data, sizeof *out);
  return HS_OK;
}

hs_status index_counter_put(hs_index *idx, MDB_txn *txn, const char *key, uint64_t value) {
  MDB_val k = lmdb_val(key, strlen(key)), v = lmdb_val(&value, sizeof value);
  int rc = mdb_put(txn, idx->dbi[DB_META], &k, &v, 0);
  return rc ? lmdb_fail(rc, "%s: writing counter %s", idx->path, key) : HS_OK;
}

hs_status version_next(hs_index *idx, MDB_txn *txn, uint32_t list_id, uint32_t kind,
                       uint64_t log_seq, int64_t now, uint64_t *version) {
  uint64_t v;
  HS_TRY(index_counter_get(idx, txn, "version", &v));
  /* Entries store their version in 32 bits (the page column). */
  if (v >= UINT32_MAX)
    return error_set(HS_ERR_LIMIT, "%s: the index has used all 2^32 versions", idx->path);
  v++;
  version_record r = {.time = now, .log_seq = log_seq, .list_id = list_id, .kind = kind};
  MDB_val k = lmdb_val(&v, sizeof v), d = lmdb_val(&r, sizeof r);
  int rc = mdb_put(txn, idx->dbi[DB_VERSIONS], &k, &d, MDB_NOOVERWRITE);
  if (rc != 0)
    return lmdb_fail(rc, "%s: recording version %llu", idx->path, (unsigned long long)v);
  HS_TRY(index_counter_put(idx, txn, "version", v));
  *version = v;
  return HS_OK;
}

hs_status version_get(hs_index *idx, MDB_txn *txn, uint64_t version, version_record *out) {
  MDB_val k = lmdb_val(&version, sizeof version), v;
  int rc = mdb_get(txn, idx->dbi[DB_VERSIONS], &k, &v);
  if (rc == MDB_NOTFOUND)
    return error_set(HS_ERR_NOT_FOUND, "%s: no version %llu", idx->path,
                     (unsigned long long)version);
  if (rc != 0)
    return lmdb_fail(rc, "%s: reading version %llu", idx->path, (unsigned long long)version);
  if (v.mv_size != sizeof *out)
    return error_set(HS_ERR_CORRUPT, "%s: version record %llu has %zu bytes", idx->path,
                     (unsigned long long)version, v.mv_size);
  memcpy(out, v.mv_data, sizeof *out);
  return HS_OK;
}

/* ---- the write loop -------------------------------------------------------- */

typedef struct write_call {
  hs_index *idx;
  index_write_fn fn;
  void *ctx;
} write_call;

static hs_status write_body(MDB_txn *txn, void *ctx) {
  write_call *c = ctx;
  return c->fn(c->idx, txn, c->ctx);
}

/* Growing moves the map: only safe with no read transaction of ours. */
static hs_status may_grow(void *ctx) {
  hs_index *idx = ((write_call *)ctx)->idx;
  if (atomic_load(&idx->snapshots) != 0)
    return error_set(HS_ERR_LIMIT, "%s: index map full while %d snapshot(s) are open; close "
                     "them or set HASHSWEEP_INDEX_MAPSIZE larger", idx->path,
                     atomic_load(&idx->snapshots));
  return HS_OK;
}

hs_status index_write(hs_index *idx, index_write_fn fn, void *ctx, int dry_run) {
  HS_CHECK(!(idx->flags & HS_INDEX_READONLY), HS_ERR_INVALID_ARG,
           "%s: index opened read-only", idx->path);
  write_call c = {idx, fn, ctx};
  return lmdb_write(idx->env, write_body, &c, dry_run, may_grow);
}

/* ---- pages ------------------------------------------------------------------ */

hs_status index_page_get(hs_index *idx, MDB_txn *txn, hs_hash_type type, uint32_t page_no,
                         const void **base) {
  MDB_val k = lmdb_val(&page_no, sizeof page_no), v;
  int rc = idx->has[DB_PAGES + type] ? mdb_get(txn, idx->dbi[DB_PAGES + type], &k, &v)
                                     : MDB_NOTFOUND;
  if (rc == MDB_NOTFOUND)
    return error_set(HS_ERR_NOT_FOUND, "%s: no %s page %u", idx->path, hs_hash_type_name(type),
                     page_no);
  if (rc != 0)
    return lmdb_fail(rc, "%s: reading %s page %u", idx->path, hs_hash_type_name(type), page_no);
  char cause[160];
  if (page_check(&idx->layout[type], v.mv_data, v.mv_size, page_no, cause, sizeof cause) != HS_OK)
    return error_set(HS_ERR_CORRUPT, "%s: %s page %u is damaged: %s", idx->path,
                     hs_hash_type_name(type), page_no, cause);
  if (((uintptr_t)v.mv_data & 7) != 0)
    return error_set(HS_ERR_INTERNAL, "%s: %s page %u is not 8-byte aligned in the map",
                     idx->path, hs_hash_type_name(type), page_no);
  *base = v.mv_data;
  return HS_OK;
}

hs_status index_page_put(hs_index *idx, MDB_txn *txn, hs_hash_type type, uint32_t page_no,
                         void *base) {
  const page_layout *l = &idx->layout[type];
  page_seal(l, base);
  MDB_val k = lmdb_val(&page_no, sizeof page_no), v = lmdb_val(NULL, l->value_bytes);
  int rc = mdb_put(txn, idx->dbi[DB_PAGES + type], &k, &v, MDB_RESERVE);
  if (rc != 0)
    return lmdb_fail(rc, "%s: writing %s page %u", idx->path, hs_hash_type_name(type), page_no);
  memcpy(v.mv_data, base, l->value_bytes);
  return HS_OK;
}

hs_status index_page_last(hs_index *idx, MDB_txn *txn, hs_hash_type type, uint32_t *page_no) {
  if (!idx->has[DB_PAGES + type]) /* an older index opened read-only */
    return HS_ERR_NOT_FOUND;
  MDB_val k, v;
  int rc = lmdb_last(txn, idx->dbi[DB_PAGES + type], &k, &v);
  if (rc == MDB_NOTFOUND)
    return HS_ERR_NOT_FOUND;
  if (rc != 0)
    return lmdb_fail(rc, "%s: last %s page", idx->path, hs_hash_type_name(type));
  if (k.mv_size != sizeof *page_no)
    return error_set(HS_ERR_CORRUPT, "%s: %s page key of %zu bytes", idx->path,
                     hs_hash_type_name(type), k.mv_size);
  memcpy(page_no, k.mv_data, sizeof *page_no);
  return HS_OK;
}

hs_status page_cursor_open(hs_index *idx, MDB_txn *txn, hs_hash_type type, page_cursor *pc) {
  pc->idx = idx;
  pc->type = type;
  pc->started = 0;
  pc->cur = NULL;
  if (!idx->has[DB_PAGES + type]) /* an older index opened read-only: no pages */
    return HS_OK;
  int rc = mdb_cursor_open(txn, idx->dbi[DB_PAGES + type], &pc->cur);
  if (rc != 0) {
    pc->cur = NULL;
    return lmdb_fail(rc, "%s: mdb_cursor_open", idx->path);
  }
  return HS_OK;
}

hs_status page_cursor_next(page_cursor *pc, uint32_t *no, void **base) {
  hs_index *idx = pc->idx;
  const char *tn = hs_hash_type_name(pc->type);
  if (!pc->cur)
    return HS_ERR_NOT_FOUND;
  MDB_val k, v;
  int rc = mdb_cursor_get(pc->cur, &k, &v, pc->started ? MDB_NEXT : MDB_FIRST);
  pc->started = 1;
  if (rc == MDB_NOTFOUND)
    return HS_ERR_NOT_FOUND;
  if (rc != 0)
    return lmdb_fail(rc, "%s: reading %s pages", idx->path, tn);
  if (k.mv_size != sizeof *no)
    return error_set(HS_ERR_CORRUPT, "%s: %s page key of %zu bytes", idx->path, tn, k.mv_size);
  memcpy(no, k.mv_data, sizeof *no);
  char cause[160];
  if (page_check(&idx->layout[pc->type], v.mv_data, v.mv_size, *no, cause, sizeof cause) != HS_OK)
    return error_set(HS_ERR_CORRUPT, "%s: %s page %u is damaged: %s", idx->path, tn, *no, cause);
  if (((uintptr_t)v.mv_data & 7) != 0)
    return error_set(HS_ERR_INTERNAL, "%s: %s page %u is not 8-byte aligned in the map",
                     idx->path, tn, *no);
  *base = v.mv_data;
  return HS_OK;
}

void page_cursor_close(page_cursor *pc) {
  if (pc->cur)
    mdb_cursor_close(pc->cur);
  pc->cur = NULL;
}
