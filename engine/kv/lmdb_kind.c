/* kv/lmdb_kind.c - the kind record of an environment (lmdb_kind.h). */
#include "kv/lmdb_kind.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"

#define KIND_MAGIC "hashsweep-lmdb"
#define KIND_ENDIAN 0x01020304u

/* Default maps: LMDB reserves address space only (no MDB_WRITEMAP, so the
 * file grows with the data, not with the map). 64 GiB holds ~10^9 PDQ
 * entries; a reader whose map is at least the writer's never sees
 * MDB_MAP_RESIZED, so everyone starting large keeps scans from failing
 * when another process grows the index. A store's records are larger
 * (~400 bytes a file): 1 TiB. The variables override them where address
 * space is limited (ulimit -v, ThreadSanitizer) and in tests that exercise
 * growth. */
static const lmdb_kind_info kinds[LMDB_KIND_COUNT] = {
    [LMDB_KIND_INDEX] = {"index", "an index", "HASHSWEEP_INDEX_MAPSIZE", (size_t)64 << 30, "lists"},
    [LMDB_KIND_STORE] = {"store", "a store", "HASHSWEEP_STORE_MAPSIZE", (size_t)1 << 40, "files"},
};

const lmdb_kind_info *lmdb_kind_info_of(lmdb_kind kind) {
  return &kinds[(unsigned)kind < LMDB_KIND_COUNT ? kind : LMDB_KIND_INDEX];
}

const char *lmdb_kind_noun(lmdb_kind kind) { return lmdb_kind_info_of(kind)->noun; }

/* The record's value (host byte order, as the rest of the file). */
typedef struct kind_record {
  char magic[16];
  char kind[8];   /* the noun, NUL-padded */
  uint32_t format;
  uint32_t endian;
} kind_record;

/* What the main database names. */
typedef struct found {
  int marker;                      /* the kind record's sub-database */
  int names;                       /* sub-databases in all */
  int signature[LMDB_KIND_COUNT];  /* each kind's own sub-database */
  char other[64];                  /* one the spec's kind does not have */
  kind_record rec;
  size_t rec_size;                 /* 0: no record */
} found;

static int is_rule(const lmdb_open_spec *spec, const MDB_val *key) {
  if (key->mv_size == strlen(LMDB_KIND_DB) && memcmp(key->mv_data, LMDB_KIND_DB, key->mv_size) == 0)
    return 1;
  for (size_t i = 0; i < spec->nrules; i++)
    if (strlen(spec->rules[i].name) == key->mv_size &&
        memcmp(spec->rules[i].name, key->mv_data, key->mv_size) == 0)
      return 1;
  return 0;
}

static void note_name(const lmdb_open_spec *spec, const MDB_val *key, found *f) {
  f->names++;
  if (key->mv_size == strlen(LMDB_KIND_DB) && memcmp(key->mv_data, LMDB_KIND_DB, key->mv_size) == 0)
    f->marker = 1;
  for (int k = 0; k < LMDB_KIND_COUNT; k++)
    if (strlen(kinds[k].signature) == key->mv_size &&
        memcmp(kinds[k].signature, key->mv_data, key->mv_size) == 0)
      f->signature[k] = 1;
  if (!f->other[0] && !is_rule(spec, key)) {
    size_t n = key->mv_size < sizeof f->other - 1 ? key->mv_size : sizeof f->other - 1;
    for (size_t i = 0; i < n; i++) {
      char c = ((const char *)key->mv_data)[i];
      f->other[i] = c < 0x20 || c == 0x7f ? '?' : c;
    }
    f->other[n] = '\0';
  }
}

/* Reads the names in the main database and the kind record, if any. The
 * structural check has walked both, so LMDB reads them safely. */
static hs_status survey(MDB_env *env, const lmdb_open_spec *spec, found *f) {
  memset(f, 0, sizeof *f);
  MDB_txn *txn;
  HS_TRY(lmdb_txn_begin(env, MDB_RDONLY, &txn));
  MDB_dbi main_db, kind_db;
  MDB_cursor *cur = NULL;
  MDB_val k, v;
  int rc = mdb_dbi_open(txn, NULL, 0, &main_db);
  if (rc == 0)
    rc = mdb_cursor_open(txn, main_db, &cur);
  for (int op = MDB_FIRST; rc == 0; op = MDB_NEXT)
    if ((rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op)) == 0)
      note_name(spec, &k, f);
  if (cur)
    mdb_cursor_close(cur);
  if (rc == MDB_NOTFOUND && f->marker) {
    rc = mdb_dbi_open(txn, LMDB_KIND_DB, 0, &kind_db);
    MDB_val key = {4, "kind"};
    if (rc == 0 && (rc = mdb_get(txn, kind_db, &key, &v)) == 0) {
      f->rec_size = v.mv_size;
      memcpy(&f->rec, v.mv_data, v.mv_size < sizeof f->rec ? v.mv_size : sizeof f->rec);
    }
  }
  mdb_txn_abort(txn);
  if (rc != 0 && rc != MDB_NOTFOUND)
    return lmdb_fail(rc, "%s: reading what the environment holds", spec->dir);
  return HS_OK;
}

static hs_status check_record(const lmdb_open_spec *spec, const found *f) {
  const kind_record *r = &f->rec;
  const lmdb_kind_info *want = lmdb_kind_info_of(spec->kind);
  if (f->rec_size != sizeof *r || memcmp(r->magic, KIND_MAGIC, sizeof KIND_MAGIC) != 0 ||
      memchr(r->kind, '\0', sizeof r->kind) == NULL)
    return error_set(HS_ERR_CORRUPT, "%s: damaged (its kind record has %zu bytes or a bad magic); "
                     "restore it from a copy", spec->dir, f->rec_size);
  if (r->endian != KIND_ENDIAN)
    return error_set(HS_ERR_UNSUPPORTED, "%s: written on a machine of another byte order",
                     spec->dir);
  if (strcmp(r->kind, want->noun) != 0) {
    const char *is = NULL;
    for (int k = 0; k < LMDB_KIND_COUNT; k++)
      if (strcmp(r->kind, kinds[k].noun) == 0)
        is = kinds[k].noun;
    if (!is)
      return error_set(HS_ERR_UNSUPPORTED, "%s: a hashsweep environment of kind '%s', which this "
                       "hashsweep does not know; not %s", spec->dir, r->kind, want->a_noun);
    return error_set(HS_ERR_INVALID_ARG, "%s is a hashsweep %s, not %s; refusing to use it as "
                     "one (nothing was written)", spec->dir, is, want->a_noun);
  }
  if (r->format == 0 || r->format > spec->format)
    return error_set(HS_ERR_UNSUPPORTED, "%s: %s format %u is not supported by this hashsweep "
                     "(knows %u)", spec->dir, want->noun, r->format, spec->format);
  return HS_OK;
}

/* An environment made before kind records: its sub-databases say what it
 * is. */
static hs_status check_legacy(const lmdb_open_spec *spec, const found *f) {
  const lmdb_kind_info *want = lmdb_kind_info_of(spec->kind);
  int other = -1;
  for (int k = 0; k < LMDB_KIND_COUNT; k++)
    if (k != (int)spec->kind && f->signature[k])
      other = k;
  if (other >= 0 && f->signature[spec->kind])
    return error_set(HS_ERR_CORRUPT, "%s: holds the databases of both an index and a store (an "
                     "earlier hashsweep let a scan's --store write into an index); restore it "
                     "from a copy", spec->dir);
  if (other >= 0)
    return error_set(HS_ERR_INVALID_ARG, "%s is a hashsweep %s, not %s; refusing to use it as one "
                     "(nothing was written)", spec->dir, kinds[other].noun, want->a_noun);
  return HS_OK;
}

static hs_status write_record(MDB_txn *txn, void *ctx) {
  const lmdb_open_spec *spec = ctx;
  kind_record r;
  memset(&r, 0, sizeof r);
  memcpy(r.magic, KIND_MAGIC, sizeof KIND_MAGIC);
  snprintf(r.kind, sizeof r.kind, "%s", lmdb_kind_noun(spec->kind));
  r.format = spec->format;
  r.endian = KIND_ENDIAN;
  MDB_dbi dbi;
  int rc = mdb_dbi_open(txn, LMDB_KIND_DB, MDB_CREATE, &dbi);
  if (rc != 0)
    return lmdb_fail(rc, "%s: creating sub-database " LMDB_KIND_DB, spec->dir);
  MDB_val k = {4, "kind"}, v = {sizeof r, &r};
  rc = mdb_put(txn, dbi, &k, &v, 0);
  return rc ? lmdb_fail(rc, "%s: writing the kind record", spec->dir) : HS_OK;
}

hs_status lmdb_kind_check(MDB_env *env, const lmdb_open_spec *spec) {
  const lmdb_kind_info *want = lmdb_kind_info_of(spec->kind);
  found f;
  HS_TRY(survey(env, spec, &f));
  if (f.names == 0) {
    if (!spec->create || (spec->flags & MDB_RDONLY))
      return error_set(HS_ERR_CORRUPT, "%s: not a hashsweep %s (an empty LMDB environment)",
                       spec->dir, want->noun);
    return lmdb_write(env, write_record, (void *)spec, 0, NULL);
  }
  HS_TRY(f.marker ? check_record(spec, &f) : check_legacy(spec, &f));
  if (f.other[0])
    return error_set(HS_ERR_CORRUPT, "%s: not a hashsweep %s (an LMDB environment with other "
                     "databases: %s)", spec->dir, want->noun, f.other);
  return HS_OK;
}
