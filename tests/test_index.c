// labels: unit
// timeout: 300
/* tests/test_index.c - the LMDB hash index: opening and refusing damaged
 * or foreign files, permissions, imports (formats, dedup, provenance,
 * all-or-nothing), withdrawals, versions, snapshots, loading for scans,
 * export round trips, verify catching damage, map growth. */
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"
#include "tu_lmdb.h"
#include "index/index_internal.h"
#include "index/listattr.h"
#include "core/error.h"

static char *dir;   /* per test */
static char *ipath; /* dir/idx */

static char *write_text(const char *name, const char *text) {
  char *p = tu_path(dir, name);
  ck_assert_int_eq(tu_write_file(p, text, strlen(text)), 0);
  return p;
}

static hs_index *fresh(void) {
  ck_assert_int_eq(hs_index_create(ipath), HS_OK);
  hs_index *idx;
  ck_assert_msg(hs_index_open(ipath, 0, &idx) == HS_OK, "%s", hs_last_error());
  return idx;
}

/* Problems reported by the library, one string per line. */
typedef struct problems {
  char lines[64][256];
  int n;
} problems;

/* What the last calls reported; reset per test. */
static problems pr;
static hs_import_result r;

static void setup(void) {
  memset(&pr, 0, sizeof pr);
  memset(&r, 0, sizeof r);
  dir = tu_mkdtemp();
  ck_assert_ptr_nonnull(dir);
  ipath = tu_path(dir, "idx");
}

static void teardown(void) {
  tu_rmtree(dir);
  free(dir);
  free(ipath);
}

static void collect(void *user, const char *where, const char *cause) {
  problems *p = user;
  if (p->n < 64)
    snprintf(p->lines[p->n++], 256, "%s: %s", where ? where : "", cause);
}

static hs_status import_text(hs_index *idx, const char *list, const char *text, int skip_bad,
                             problems *pr, hs_import_result *r) {
  static int serial;
  char name[32];
  snprintf(name, sizeof name, "in%d.txt", serial++);
  char *path = write_text(name, text);
  hs_import_options o;
  hs_import_options_default(&o);
  o.list = list;
  o.skip_bad = skip_bad;
  o.problem = collect;
  o.user = pr;
  const char *files[] = {path};
  hs_status s = hs_index_import(idx, files, 1, &o, r);
  free(path);
  return s;
}

static void assert_verify_ok(hs_index *idx) {
  uint64_t n = 0;
  hs_status s = hs_index_verify(idx, collect, &pr, &n);
  ck_assert_msg(s == HS_OK && n == 0, "verify: %d problems, first: %s", (int)n,
                pr.n ? pr.lines[0] : hs_last_error());
}

static const char *H1 = "d8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22";
static const char *H2 = "2222222222222222222222222222222222222222222222222222222222222222";

/* ---- opening ------------------------------------------------------------------------- */

static int count_attr(void *user, const char *name, const void *val, size_t len) {
  (void)val;
  (void)len;
  ck_assert(strcmp(name, "alpha") == 0 || strcmp(name, "beta") == 0);
  (*(int *)user)++;
  return 0;
}

static hs_status attr_write(hs_index *idx, MDB_txn *txn, void *ctx) {
  (void)ctx;
  HS_TRY(listattr_put_i64(idx, txn, 7, "alpha", -5));
  HS_TRY(listattr_put(idx, txn, 7, "beta", "xy", 2));
  HS_TRY(listattr_put_i64(idx, txn, 8, "alpha", 9));
  return listattr_del(idx, txn, 8, "absent");
}

/* The index's LMDB environment opened directly, to make an index as an
 * older hashsweep left it, or to damage one. */
static MDB_env *raw_env(void) { return tu_lmdb_env(ipath); }

/* An index made before the optional sub-databases existed: a read-only
 * open treats listattr as empty, a writable one adds it. */
START_TEST(optional_subdatabases) {
  hs_index *idx = fresh();
  hs_index_close(idx);
  tu_drop_subdb(ipath, "listattr");
  MDB_txn *txn;

  ck_assert_int_eq(hs_index_open(ipath, HS_INDEX_READONLY, &idx), HS_OK);
  ck_assert_int_eq(idx->has[DB_LISTATTR], 0);
  ck_assert_int_eq(mdb_txn_begin(idx->env, NULL, MDB_RDONLY, &txn), 0);
  int64_t v = 0;
  ck_assert_int_eq(listattr_get_i64(idx, txn, 7, "alpha", 42, &v), HS_OK);
  ck_assert_int_eq(v, 42);
  mdb_txn_abort(txn);
  hs_index_close(idx);

  ck_assert_int_eq(hs_index_open(ipath, 0, &idx), HS_OK);
  ck_assert_int_eq(idx->has[DB_LISTATTR], 1);
  ck_assert_int_eq(index_write(idx, attr_write, NULL, 0), HS_OK);
  ck_assert_int_eq(mdb_txn_begin(idx->env, NULL, MDB_RDONLY, &txn), 0);
  ck_assert_int_eq(listattr_get_i64(idx, txn, 7, "alpha", 0, &v), HS_OK);
  ck_assert_int_eq(v, -5);
  ck_assert_int_eq(listattr_get_i64(idx, txn, 8, "alpha", 0, &v), HS_OK);
  ck_assert_int_eq(v, 9);
  const void *p;
  size_t n;
  ck_assert_int_eq(listattr_get(idx, txn, 7, "beta", &p, &n), HS_OK);
  ck_assert_int_eq(n, 2);
  ck_assert_int_eq(memcmp(p, "xy", 2), 0);
  ck_assert_int_eq(listattr_get(idx, txn, 9, "beta", &p, &n), HS_ERR_NOT_FOUND);
  int seen = 0;
  ck_assert_int_eq(listattr_each(idx, txn, 7, count_attr, &seen), HS_OK);
  ck_assert_int_eq(seen, 2);
  mdb_txn_abort(txn);
  hs_index_close(idx);
  /* The upgraded index passes its own check. */
  ck_assert_int_eq(hs_index_open(ipath, HS_INDEX_READONLY, &idx), HS_OK);
  uint64_t problems = 1;
  ck_assert_int_eq(hs_index_verify(idx, NULL, NULL, &problems), HS_OK);
  ck_assert_int_eq(problems, 0);
  hs_index_close(idx);
}
END_TEST

START_TEST(create_permissions) {
  umask(022);
  hs_index *idx = fresh();
  hs_index_close(idx);
  struct stat st;
  ck_assert_int_eq(stat(ipath, &st), 0);
  ck_assert_int_eq(st.st_mode & 0777, 0700);
  const char *files[] = {"data.mdb", "lock.mdb"};
  for (int i = 0; i < 2; i++) {
    char *p = tu_path(ipath, files[i]);
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    free(p);
  }
  /* Creating again refuses (non-empty). */
  ck_assert_int_eq(hs_index_create(ipath), HS_ERR_EXISTS);
}
END_TEST

static void expect_refused(const char *path, hs_status want, const char *needle) {
  hs_index *idx = (hs_index *)1;
  hs_status s = hs_index_open(path, HS_INDEX_READONLY, &idx);
  ck_assert_msg(s == want, "open %s: got %d (%s), want %d", path, s, hs_last_error(), want);
  ck_assert_ptr_null(idx);
  ck_assert_msg(strstr(hs_last_error(), needle), "message '%s' lacks '%s'", hs_last_error(),
                needle);
}

START_TEST(refuses_damaged_and_foreign) {
  char *missing = tu_path(dir, "missing");
  expect_refused(missing, HS_ERR_NOT_FOUND, "No such file");
  free(missing);
  /* An empty directory is not an index, and opening must not create one. */
  char *empty = tu_path(dir, "empty");
  mkdir(empty, 0700);
  expect_refused(empty, HS_ERR_NOT_FOUND, "no data.mdb");
  char *probe = tu_path(empty, "data.mdb");
  ck_assert_int_ne(access(probe, F_OK), 0);
  /* A plain file (a zip) given as the index. */
  static const unsigned char zip[] = {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0};
  char *zpath = tu_path(dir, "list.zip");
  tu_write_file(zpath, zip, sizeof zip);
  expect_refused(zpath, HS_ERR_CORRUPT, "directory");
  /* data.mdb of random bytes, of a zip, truncated. */
  unsigned char junk[65536];
  uint64_t seed = 7;
  for (size_t i = 0; i < sizeof junk; i++)
    junk[i] = (unsigned char)tu_rand(&seed);
  tu_write_file(probe, junk, sizeof junk);
  expect_refused(empty, HS_ERR_CORRUPT, "not an LMDB file");
  tu_write_file(probe, zip, sizeof zip);
  expect_refused(empty, HS_ERR_CORRUPT, "too short");
  hs_index *idx = fresh();
  char big[70 * 2000 + 1];
  for (int i = 0; i < 2000; i++)
    snprintf(big + 65 * i, 66, "%064x\n", i + 1);
  ck_assert_int_eq(import_text(idx, "l", big, 0, &pr, &r), HS_OK);
  hs_index_close(idx);
  char *data = tu_path(ipath, "data.mdb");
  ck_assert_int_eq(truncate(data, 3 * 4096), 0);
  expect_refused(ipath, HS_ERR_CORRUPT, "truncated");
  free(data);
  free(zpath);
  free(probe);
  free(empty);
}
END_TEST

START_TEST(refuses_foreign_lmdb) {
  mkdir(ipath, 0700);
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  ck_assert_int_eq(mdb_env_create(&env), 0);
  ck_assert_int_eq(mdb_env_open(env, ipath, 0, 0600), 0);
  ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
  ck_assert_int_eq(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
  MDB_val k = {4, "meta"}, v = {5, "hello"};
  ck_assert_int_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
  ck_assert_int_eq(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
  expect_refused(ipath, HS_ERR_CORRUPT, "not a hashsweep index");
}
END_TEST

/* ---- import --------------------------------------------------------------------------- */

START_TEST(import_counts_dedup_versions) {
  hs_index *idx = fresh();
  char text[1024];
  snprintf(text, sizeof text, "# a comment\n%s\n\n%s\r\n%s\nd41d8cd98f00b204e9800998ecf8427e\n"
           "0123456789abcdef\n", H1, H2, H1);
  ck_assert_int_eq(import_text(idx, "ncii", text, 0, &pr, &r), HS_OK);
  ck_assert_int_eq(r.rows, 5);
  ck_assert_int_eq(r.added, 4);
  ck_assert_int_eq(r.duplicates, 1);
  ck_assert_int_eq(r.version, 1);
  /* Same hashes again: all duplicates; the list's version still moves. */
  ck_assert_int_eq(import_text(idx, "ncii", text, 0, &pr, &r), HS_OK);
  ck_assert_int_eq(r.added, 0);
  ck_assert_int_eq(r.duplicates, 5);
  ck_assert_int_eq(r.version, 2);
  /* Another list keeps its own entries. */
  ck_assert_int_eq(import_text(idx, "other", text, 0, &pr, &r), HS_OK);
  ck_assert_int_eq(r.added, 4);
  ck_assert_int_eq(r.version, 3);
  hs_index_stats st;
  ck_assert_int_eq(hs_index_stats_get(idx, &st), HS_OK);
  ck_assert_int_eq(st.entries[HS_HASH_PDQ], 4);
  ck_assert_int_eq(st.entries[HS_HASH_MD5], 2);
  ck_assert_int_eq(st.entries[HS_HASH_H64], 2);
  ck_assert_int_eq(st.lists, 2);
  ck_assert_int_eq(st.version, 3);
  ck_assert_int_eq(pr.n, 0);
  assert_verify_ok(idx);
  hs_index_close(idx);
}
END_TEST

/* A table of single-record inputs: what they import as, or why not. */
typedef struct format_case {
  const char *text;
  int type; /* expected type, -1: rejected */
  int quality;
  const char *field, *value; /* one expected metadata field, or NULL */
  const char *cause;         /* substring of the problem for rejected rows */
} format_case;

static const format_case format_cases[] = {
    {"D8F8F0CCE0F4E84D0E370A22028F67F0B36E2ED596623E1D33E6339C4E9C9B22\n", HS_HASH_PDQ, 255, NULL, NULL, NULL},
    {"pdq d8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22\n", HS_HASH_PDQ, 255, NULL, NULL, NULL},
    {"sha256 d8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22\n", HS_HASH_SHA256, 255, NULL, NULL, NULL},
    {"hash=d8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22\n", HS_HASH_PDQ, 255, NULL, NULL, NULL},
    {"d8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22,87,/photos/a b.jpg\n", HS_HASH_PDQ, 87, "filename", "/photos/a b.jpg", NULL},
    {"d8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22\t100\tx.png\n", HS_HASH_PDQ, 100, "filename", "x.png", NULL},
    {"hash=d8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22,norm=128,delta=0,quality=66,filename=f.jpg\n", HS_HASH_PDQ, 66, "norm", "128", NULL},
    {"d8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22,case 17\n", HS_HASH_PDQ, 255, "metadata", "case 17", NULL},
    {"pdq,label,Category\nd8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22,ncii,A1\n", HS_HASH_PDQ, 255, "Category", "A1", NULL},
    {"md5\tid\nd41d8cd98f00b204e9800998ecf8427e\tx-9\n", HS_HASH_MD5, 255, "id", "x-9", NULL},
    {"{\"signalType\":\"ImagePDQ\",\"hashValue\":\"d8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22\",\"hashStatus\":\"Active\",\"caseNumbers\":{\"u1\":\"x\"}}\n", HS_HASH_PDQ, 255, "caseNumbers", "{\"u1\":\"x\"}", NULL},
    {"{\"type\":\"h64\",\"hash\":\"00000000000000ff\",\"quality\":40,\"label\":\"caf\\u00e9\"}\n", HS_HASH_H64, 40, "label", "caf\xc3\xa9", NULL},
    {"zzzz\n", -1, 0, NULL, NULL, ":1: 'z' at position 1 of the hash is not a hex digit"},
    {"d8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b2g\n", -1, 0, NULL, NULL, "'g' at position 64 of the hash is not a hex digit"},
    {"da39a3ee5e6b4b0d3255bfef95601890afd80709\n", -1, 0, NULL, NULL, "SHA-1"},
    {"hash,quality\nd8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22,101\n", -1, 0, NULL, NULL, ":2: quality '101'"},
    {"hash,label\n\"d8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22\",\"open\n", -1, 0, NULL, NULL, "not closed"},
    {"hash,label\n1,2,3\n", -1, 0, NULL, NULL, "3 fields, the header has 2"},
    {"{\"hash\": \n", -1, 0, NULL, NULL, "JSON"},
    {"md5 d8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22\n", -1, 0, NULL, NULL, "md5 hash"},
    {"{\"signalType\":\"HASH_VIDEO_MD5\",\"hashValue\":\"d41d8cd98f00b204e9800998ecf8427e\"}\n", HS_HASH_MD5, 255, NULL, NULL, NULL},
    {"video_md5 d41d8cd98f00b204e9800998ecf8427e\n", HS_HASH_MD5, 255, NULL, NULL, NULL},
    {"signal_type,signal_str,collab,category,tags\npdq,d8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22,Sample Data,ADULT,a b\n", HS_HASH_PDQ, 255, "collab", "Sample Data", NULL},
    /* A \u0000 is refused, never cut (issue 17); a \udcXX escape (how export
     * writes a byte of invalid UTF-8) reads back as that byte. */
    {"{\"hash\":\"d8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22\",\"label\":\"ab\\u0000cd\"}\n", -1, 0, NULL, NULL, ":1: field 'label' holds \\u0000 (a NUL character), which is not kept"},
    {"{\"hash\":\"d8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22\",\"label\":\"a\\udcffb\\ud83d\\ude00\"}\n", HS_HASH_PDQ, 255, "label", "a\xff" "b\xf0\x9f\x98\x80", NULL},
    {"{\"hash\":\"d8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22\",\"hash\":\"d8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22\"}\n", -1, 0, NULL, NULL, "JSON: duplicate object key"},
};

/* Imports `text` and checks it against the expectations of fc. */
static void check_format(const format_case *fc, const char *text, int i) {
  hs_index *idx = fresh();
  hs_status s = import_text(idx, "l", text, 0, &pr, &r);
  if (fc->type < 0) {
    ck_assert_int_eq(s, HS_ERR_FORMAT);
    ck_assert_int_eq(r.rejected, 1);
    ck_assert_int_eq(pr.n, 1);
    ck_assert_msg(strstr(pr.lines[0], fc->cause), "case %d: '%s' lacks '%s'", i, pr.lines[0],
                  fc->cause);
    hs_index_close(idx);
    return;
  }
  ck_assert_msg(s == HS_OK, "case %d: %s / %s", i, hs_last_error(), pr.n ? pr.lines[0] : "");
  ck_assert_int_eq(r.added, 1);
  hs_index_snapshot *snap;
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  hs_index_hashes h;
  ck_assert_int_eq(hs_index_load(snap, (hs_hash_type)fc->type, NULL, &h), HS_OK);
  ck_assert_int_eq(h.count, 1);
  /* The stored bytes: the hash of the row, in the stored form. */
  const char *hex = fc->type == HS_HASH_MD5 ? "d41d8cd98f00b204e9800998ecf8427e"
                    : fc->type == HS_HASH_H64 ? "00000000000000ff"
                                              : H1;
  uint8_t want[32];
  ck_assert_int_eq(hs_hash_from_hex((hs_hash_type)fc->type, hex, strlen(hex), want), HS_OK);
  ck_assert_int_eq(memcmp(h.hashes, want, hs_hash_type_bytes((hs_hash_type)fc->type)), 0);
  hs_index_entry e;
  ck_assert_int_eq(hs_index_entry_get(snap, h.ids[0], &e), HS_OK);
  ck_assert_int_eq(e.quality, fc->quality);
  ck_assert_str_eq(e.list, "l");
  if (fc->field) {
    int found = 0;
    for (size_t k = 0; k < e.nfields; k++)
      if (strcmp(e.fields[k].key, fc->field) == 0) {
        ck_assert_str_eq(e.fields[k].value, fc->value);
        found = 1;
      }
    ck_assert_msg(found, "case %d: no field %s", i, fc->field);
  }
  hs_index_hashes_free(&h);
  hs_index_snapshot_close(snap);
  assert_verify_ok(idx);
  hs_index_close(idx);
}

START_TEST(import_formats) { check_format(&format_cases[_i], format_cases[_i].text, _i); }
END_TEST

/* A UTF-8 byte-order mark before any format changes nothing (issue 17). */
START_TEST(import_formats_bom) {
  const format_case *fc = &format_cases[_i];
  char *text = malloc(strlen(fc->text) + 4);
  ck_assert_ptr_nonnull(text);
  memcpy(text, "\xEF\xBB\xBF", 3);
  strcpy(text + 3, fc->text);
  check_format(fc, text, _i);
  free(text);
}
END_TEST

START_TEST(import_all_or_nothing) {
  hs_index *idx = fresh();
  char text[512];
  snprintf(text, sizeof text, "%s\nnot-a-hash\n%s\n", H1, H2);
  ck_assert_int_eq(import_text(idx, "l", text, 0, &pr, &r), HS_ERR_FORMAT);
  ck_assert_int_eq(pr.n, 1);
  ck_assert_msg(strstr(pr.lines[0], ".txt:2: "), "%s", pr.lines[0]);
  hs_index_stats st;
  ck_assert_int_eq(hs_index_stats_get(idx, &st), HS_OK);
  ck_assert_int_eq(st.entries[HS_HASH_PDQ], 0);
  ck_assert_int_eq(st.lists, 0);
  ck_assert_int_eq(st.log_records, 1); /* only the creation */
  pr.n = 0;
  ck_assert_int_eq(import_text(idx, "l", text, 1, &pr, &r), HS_OK);
  ck_assert_int_eq(r.added, 2);
  ck_assert_int_eq(r.rejected, 1);
  ck_assert_int_eq(pr.n, 1);
  assert_verify_ok(idx);
  hs_index_close(idx);
}
END_TEST

START_TEST(provenances_kept) {
  hs_index *idx = fresh();
  char a[512], b[512];
  snprintf(a, sizeof a, "hash,source,id\n%s,helpline,c-1\n", H1);
  snprintf(b, sizeof b, "hash,source,id,quality\n%s,exchange,e-7,80\n%s,helpline,c-1,\n", H1, H1);
  ck_assert_int_eq(import_text(idx, "l", a, 0, &pr, &r), HS_OK);
  ck_assert_int_eq(import_text(idx, "l", b, 0, &pr, &r), HS_OK);
  ck_assert_int_eq(r.duplicates, 2);
  hs_index_snapshot *snap;
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  hs_index_hashes h;
  ck_assert_int_eq(hs_index_load(snap, HS_HASH_PDQ, NULL, &h), HS_OK);
  ck_assert_int_eq(h.count, 1);
  hs_index_entry e;
  ck_assert_int_eq(hs_index_entry_get(snap, h.ids[0], &e), HS_OK);
  ck_assert_int_eq(e.provenances, 2);
  ck_assert_str_eq(e.source, "helpline");
  ck_assert_str_eq(e.external_id, "c-1");
  int saw_exchange = 0, saw_quality = 0;
  for (size_t i = 0; i < e.nfields; i++) {
    if (e.fields[i].provenance == 1 && strcmp(e.fields[i].key, "source") == 0)
      saw_exchange = strcmp(e.fields[i].value, "exchange") == 0;
    if (e.fields[i].provenance == 1 && strcmp(e.fields[i].key, "quality") == 0)
      saw_quality = strcmp(e.fields[i].value, "80") == 0;
  }
  ck_assert(saw_exchange && saw_quality);
  ck_assert_int_eq(e.quality, HS_QUALITY_UNKNOWN);
  ck_assert_int_eq(e.version_added, 1);
  hs_index_hashes_free(&h);
  hs_index_snapshot_close(snap);
  assert_verify_ok(idx);
  hs_index_close(idx);
}
END_TEST


START_TEST(default_label_and_source) {
  hs_index *idx = fresh();
  char text[512];
  snprintf(text, sizeof text, "hash,label\n%s,own\n%s,\n", H1, H2);
  char *path = write_text("d.csv", text);
  hs_import_options o;
  hs_import_options_default(&o);
  o.list = "l";
  o.label = "default-label";
  o.source = "default-source";
  const char *files[] = {path};
  ck_assert_int_eq(hs_index_import(idx, files, 1, &o, &r), HS_OK);
  hs_index_snapshot *snap;
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  hs_index_entry e;
  ck_assert_int_eq(hs_index_entry_get(snap, 1 * HS_INDEX_PAGE_IDS + 0, &e), HS_OK);
  ck_assert_str_eq(e.label, "own");
  ck_assert_str_eq(e.source, "default-source");
  ck_assert_int_eq(hs_index_entry_get(snap, 1 * HS_INDEX_PAGE_IDS + 1, &e), HS_OK);
  ck_assert_str_eq(e.label, "default-label");
  hs_index_snapshot_close(snap);
  free(path);
  hs_index_close(idx);
}
END_TEST

/* ---- withdraw, versions, snapshots ---------------------------------------------------- */

static size_t load_count(hs_index *idx, const char *list, uint64_t since, uint64_t *version) {
  hs_index_snapshot *snap;
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  hs_index_filter f = {.list = list, .since_version = since};
  hs_index_hashes h;
  ck_assert_msg(hs_index_load(snap, HS_HASH_PDQ, &f, &h) == HS_OK, "%s", hs_last_error());
  size_t n = h.count;
  if (version)
    *version = h.version;
  hs_index_hashes_free(&h);
  hs_index_snapshot_close(snap);
  return n;
}

START_TEST(withdraw_and_since) {
  hs_index *idx = fresh();
  char text[512];
  snprintf(text, sizeof text, "%s\n%s\n", H1, H2);
  ck_assert_int_eq(import_text(idx, "l", text, 0, &pr, &r), HS_OK);
  ck_assert_int_eq(import_text(idx, "m", "3333333333333333333333333333333333333333333333333333333333333333\n", 0, &pr, &r), HS_OK);
  uint64_t v;
  ck_assert_int_eq(load_count(idx, NULL, 0, &v), 3);
  ck_assert_int_eq(v, 2);
  ck_assert_int_eq(load_count(idx, NULL, 1, NULL), 1);
  ck_assert_int_eq(load_count(idx, "l", 0, NULL), 2);
  hs_withdraw_options o;
  hs_withdraw_options_default(&o);
  const char *hashes[] = {H1, "4444444444444444444444444444444444444444444444444444444444444444"};
  o.hashes = hashes;
  o.nhashes = 2;
  o.reason = "source withdrew it";
  o.problem = collect;
  o.user = &pr;
  hs_withdraw_result wr;
  ck_assert_int_eq(hs_index_withdraw(idx, &o, &wr), HS_OK);
  ck_assert_int_eq(wr.withdrawn, 1);
  ck_assert_int_eq(wr.not_found, 1);
  ck_assert_int_eq(wr.version, 3);
  ck_assert_int_eq(pr.n, 1);
  ck_assert_int_eq(load_count(idx, NULL, 0, &v), 2);
  ck_assert_int_eq(v, 3);
  /* The withdrawn entry keeps its id and says why. */
  hs_index_snapshot *snap;
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  hs_index_entry e;
  uint64_t first = (uint64_t)1 * HS_INDEX_PAGE_IDS; /* page 1, slot 0 */
  ck_assert_int_eq(hs_index_entry_get(snap, first, &e), HS_OK);
  ck_assert_int_eq(e.withdrawn, 1);
  ck_assert_str_eq(e.withdraw_reason, "source withdrew it");
  ck_assert_int_eq(e.withdrawn_version, 3);
  hs_index_snapshot_close(snap);
  /* By id, already withdrawn. */
  uint64_t ids[] = {first};
  o.nhashes = 0;
  o.ids = ids;
  o.nids = 1;
  ck_assert_int_eq(hs_index_withdraw(idx, &o, &wr), HS_OK);
  ck_assert_int_eq(wr.already, 1);
  ck_assert_int_eq(wr.version, 0);
  /* Re-importing a withdrawn hash makes a new entry. */
  snprintf(text, sizeof text, "%s\n", H1);
  ck_assert_int_eq(import_text(idx, "l", text, 0, &pr, &r), HS_OK);
  ck_assert_int_eq(r.added, 1);
  ck_assert_int_eq(load_count(idx, "l", 3, NULL), 1);
  assert_verify_ok(idx);
  hs_index_close(idx);
}
END_TEST

START_TEST(status_rows_withdraw) {
  hs_index *idx = fresh();
  char text[1024];
  snprintf(text, sizeof text, "%s\n%s\n", H1, H2);
  ck_assert_int_eq(import_text(idx, "stopncii", text, 0, &pr, &r), HS_OK);
  snprintf(text, sizeof text,
           "{\"signalType\":\"ImagePDQ\",\"hashValue\":\"%s\",\"hashStatus\":\"Withdrawn\"}\n"
           "{\"signalType\":\"ImagePDQ\",\"hashValue\":\"%s\",\"hashStatus\":\"Deleted\"}\n"
           "{\"indicator\":\"%s\",\"should_delete\":false}\n", H1, H1, H2);
  ck_assert_int_eq(import_text(idx, "stopncii", text, 0, &pr, &r), HS_OK);
  ck_assert_int_eq(r.withdrawn, 1);
  /* The second withdrawal of H1 is a replay: already withdrawn (issue 12). */
  ck_assert_int_eq(r.already_withdrawn, 1);
  ck_assert_int_eq(r.not_found, 0);
  ck_assert_int_eq(r.duplicates, 1);
  ck_assert_int_eq(load_count(idx, NULL, 0, NULL), 1);
  assert_verify_ok(idx);
  hs_index_close(idx);
}
END_TEST

START_TEST(snapshot_isolation) {
  hs_index *idx = fresh();
  ck_assert_int_eq(import_text(idx, "l", "1111111111111111111111111111111111111111111111111111111111111111\n", 0, &pr, &r), HS_OK);
  hs_index_snapshot *snap;
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  ck_assert_int_eq(hs_index_snapshot_version(snap), 1);
  ck_assert_int_eq(import_text(idx, "l", "2222222222222222222222222222222222222222222222222222222222222222\n", 0, &pr, &r), HS_OK);
  hs_index_hashes h;
  ck_assert_int_eq(hs_index_load(snap, HS_HASH_PDQ, NULL, &h), HS_OK);
  ck_assert_int_eq(h.count, 1);
  ck_assert_int_eq(h.version, 1);
  hs_index_hashes_free(&h);
  ck_assert_int_eq(hs_index_snapshot_renew(snap), HS_OK);
  ck_assert_int_eq(hs_index_snapshot_version(snap), 2);
  ck_assert_int_eq(hs_index_load(snap, HS_HASH_PDQ, NULL, &h), HS_OK);
  ck_assert_int_eq(h.count, 2);
  hs_index_hashes_free(&h);
  hs_index_snapshot_close(snap);
  hs_index_close(idx);
}
END_TEST

/* ---- loading for scans --------------------------------------------------------------- */

START_TEST(load_blocks_aligned) {
  hs_index *idx = fresh();
  /* 2500 hashes: 3 PDQ pages (capacity 1022), withdrawals in the middle one. */
  size_t n = 2500;
  char *text = malloc(n * 65 + 1);
  uint64_t seed = 99;
  hs_hash256 *want = malloc(n * sizeof *want);
  for (size_t i = 0; i < n; i++) {
    for (int w = 0; w < 4; w++)
      want[i].w[w] = tu_rand(&seed);
    hs_hash256_to_hex(&want[i], text + 65 * i);
    text[65 * i + 64] = '\n';
  }
  text[65 * n] = '\0';
  ck_assert_int_eq(import_text(idx, "l", text, 0, &pr, &r), HS_OK);
  ck_assert_int_eq(r.added, n);
  hs_withdraw_options o;
  hs_withdraw_options_default(&o);
  uint64_t ids[] = {2 * HS_INDEX_PAGE_IDS + 5, 2 * HS_INDEX_PAGE_IDS + 6};
  o.ids = ids;
  o.nids = 2;
  o.reason = "test";
  hs_withdraw_result wr;
  ck_assert_int_eq(hs_index_withdraw(idx, &o, &wr), HS_OK);
  ck_assert_int_eq(wr.withdrawn, 2);
  hs_index_snapshot *snap;
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  /* Blocks come straight from the map: 8-byte aligned, ids page * 1024 + slot. */
  hs_index_iter *it;
  ck_assert_int_eq(hs_index_iter_create(snap, HS_HASH_PDQ, 0, &it), HS_OK);
  hs_index_block b;
  size_t seen = 0, pages = 0, withdrawn = 0;
  while (hs_index_iter_next(it, &b) == HS_OK) {
    ck_assert_int_eq((uintptr_t)b.hashes % 8, 0);
    ck_assert_int_eq(b.first_id % HS_INDEX_PAGE_IDS, 0);
    ck_assert_int_eq(memcmp(b.hashes, &want[seen], b.count * 32), 0);
    for (size_t i = 0; i < b.count; i++)
      withdrawn += (b.flags[i] & HS_ENTRY_WITHDRAWN) != 0;
    ck_assert_int_eq(b.withdrawn, pages == 1 ? 2 : 0);
    seen += b.count;
    pages++;
  }
  hs_index_iter_destroy(it);
  ck_assert_int_eq(seen, n);
  ck_assert_int_eq(pages, 3);
  ck_assert_int_eq(withdrawn, 2);
  /* Loaded: 64-byte aligned, withdrawn ones left out, order and ids kept. */
  hs_index_hashes h;
  ck_assert_int_eq(hs_index_load(snap, HS_HASH_PDQ, NULL, &h), HS_OK);
  ck_assert_int_eq(h.count, n - 2);
  ck_assert_int_eq((uintptr_t)h.hashes % 64, 0);
  const uint64_t *words = h.hashes;
  for (size_t i = 0, src = 0; i < h.count; i++, src++) {
    if (src == 1022 + 5)
      src += 2;
    ck_assert_int_eq(memcmp(words + 4 * i, &want[src], 32), 0);
    uint64_t id = (src / 1022 + 1) * HS_INDEX_PAGE_IDS + src % 1022;
    ck_assert_int_eq(h.ids[i], id);
  }
  hs_index_hashes_free(&h);
  hs_index_snapshot_close(snap);
  assert_verify_ok(idx);
  free(want);
  free(text);
  hs_index_close(idx);
}
END_TEST

/* ---- export round trip ---------------------------------------------------------------- */

static char *export_to(hs_index *idx, const char *name, hs_export_format f, const char *list) {
  char *p = tu_path(dir, name);
  FILE *out = fopen(p, "w");
  ck_assert_ptr_nonnull(out);
  ck_assert_msg(hs_index_export(idx, out, list, f) == HS_OK, "%s", hs_last_error());
  fclose(out);
  return p;
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  ck_assert_int_eq(fread(s, 1, (size_t)n, f), (size_t)n);
  s[n] = '\0';
  fclose(f);
  return s;
}

START_TEST(export_round_trip) {
  static const hs_export_format fmts[] = {HS_EXPORT_TSV, HS_EXPORT_CSV, HS_EXPORT_JSONL};
  hs_export_format fmt = fmts[_i];
  hs_index *idx = fresh();
  char text[2048];
  snprintf(text, sizeof text,
           "list,hash,quality,label,source,id,note,weird \"col\"\n"
           "a,%s,90,ncii,helpline,c-1,\"with, comma\",x\n"
           "a,%s,,,exchange,e-2,,\n"
           "b,%s,100,, spaced ,,caf\xc3\xa9 \xff,\n"
           "b,sha256 %s,,,,,,\n"
           "a,d41d8cd98f00b204e9800998ecf8427e,,,,,,\n", H1, H1, H2, H2);
  ck_assert_msg(import_text(idx, NULL, text, 0, &pr, &r) == HS_OK, "%s %s", hs_last_error(),
                pr.n ? pr.lines[0] : "");
  ck_assert_int_eq(r.lists, 2);
  ck_assert_int_eq(r.added, 4);
  char *e1 = export_to(idx, "e1", fmt, NULL);
  char *a1 = export_to(idx, "a1", fmt, "a");
  hs_index_close(idx);
  /* Into a fresh index, the whole export and one list. */
  tu_rmtree(ipath);
  idx = fresh();
  hs_import_options o;
  hs_import_options_default(&o);
  const char *files[] = {e1};
  ck_assert_msg(hs_index_import(idx, files, 1, &o, &r) == HS_OK, "%s", hs_last_error());
  char *e2 = export_to(idx, "e2", fmt, NULL);
  char *s1 = slurp(e1), *s2 = slurp(e2);
  ck_assert_str_eq(s1, s2);
  assert_verify_ok(idx);
  hs_index_close(idx);
  tu_rmtree(ipath);
  idx = fresh();
  o.list = "a";
  files[0] = a1;
  ck_assert_msg(hs_index_import(idx, files, 1, &o, &r) == HS_OK, "%s", hs_last_error());
  char *a2 = export_to(idx, "a2", fmt, "a");
  char *t1 = slurp(a1), *t2 = slurp(a2);
  ck_assert_str_eq(t1, t2);
  ck_assert_ptr_nonnull(strstr(t1, "exchange"));
  hs_index_close(idx);
  free(s1), free(s2), free(t1), free(t2), free(e1), free(e2), free(a1), free(a2);
}
END_TEST

/* Whatever export writes imports again (issue 17: a 1,048,576-byte record
 * imported, exported as 1,048,631 bytes and was refused on re-import). The
 * record limit holds on the record as export writes it. */
static char *record_with_label(size_t total, const char *head) {
  char *t = malloc(total + 2);
  ck_assert_ptr_nonnull(t);
  int n = snprintf(t, total + 2, "%s", head);
  memset(t + n, 'a', total - (size_t)n - 2);
  memcpy(t + total - 2, "\"}\n", 4);
  return t;
}

START_TEST(export_limits_symmetric) {
  char head[160];
  snprintf(head, sizeof head, "{\"hash\":\"%s\",\"label\":\"", H1);
  /* The record: refused when imported, with the reason. */
  hs_index *idx = fresh();
  char *t = record_with_label(1048576, head);
  ck_assert_int_eq(import_text(idx, "l", t, 0, &pr, &r), HS_ERR_FORMAT);
  ck_assert_int_eq(pr.n, 1);
  ck_assert_msg(strstr(pr.lines[0], ":1: the fields would export as up to ") &&
                strstr(pr.lines[0], "over the 1048576-byte record limit"), "%s", pr.lines[0]);
  free(t);
  /* Bytes that JSON escapes 6-fold: 200,000 control bytes in a CSV cell
   * (200 KB) would export as a 1.2 MB JSON line. */
  size_t nctl = 200000;
  char *csv = malloc(nctl + 200);
  ck_assert_ptr_nonnull(csv);
  int n = snprintf(csv, 200, "hash,label\n%s,", H1);
  memset(csv + n, 0x01, nctl);
  strcpy(csv + n + nctl, "\n");
  memset(&pr, 0, sizeof pr);
  ck_assert_int_eq(import_text(idx, "l", csv, 0, &pr, &r), HS_ERR_FORMAT);
  ck_assert_msg(pr.n == 1 && strstr(pr.lines[0], ":2: the fields would export as up to 1202070 bytes"),
                "%s", pr.n ? pr.lines[0] : "");
  free(csv);
  /* A record just under the limit imports, exports, and imports again to
   * the same export, in every format. */
  t = record_with_label(1048576 - 2200, head);
  memset(&pr, 0, sizeof pr);
  ck_assert_msg(import_text(idx, "l", t, 0, &pr, &r) == HS_OK, "%s", pr.n ? pr.lines[0] : "");
  free(t);
  static const hs_export_format fmts[] = {HS_EXPORT_TSV, HS_EXPORT_CSV, HS_EXPORT_JSONL};
  char *e1[3];
  for (int f = 0; f < 3; f++) {
    char name[8];
    snprintf(name, sizeof name, "x%d", f);
    e1[f] = export_to(idx, name, fmts[f], NULL);
  }
  hs_index_close(idx);
  for (int f = 0; f < 3; f++) {
    tu_rmtree(ipath);
    idx = fresh();
    hs_import_options o;
    hs_import_options_default(&o);
    const char *files[] = {e1[f]};
    ck_assert_msg(hs_index_import(idx, files, 1, &o, &r) == HS_OK, "format %d: %s", f,
                  hs_last_error());
    char *e2 = export_to(idx, "again", fmts[f], NULL);
    char *s1 = slurp(e1[f]), *s2 = slurp(e2);
    ck_assert_uint_gt(strlen(s1), 1040000);
    ck_assert_str_eq(s1, s2);
    hs_index_close(idx);
    free(s1), free(s2), free(e2), free(e1[f]);
  }
}
END_TEST

/* ---- exchange formats (issue 12) ------------------------------------------------------ */

static problems warned;

/* Imports `text` into list `list` with problems in pr and warnings in
 * `warned`. */
static hs_status import_exchange(hs_index *idx, const char *list, const char *text) {
  char *path = write_text("exchange.json", text);
  hs_import_options o;
  hs_import_options_default(&o);
  o.list = list;
  o.problem = collect;
  o.user = &pr;
  const char *files[] = {path};
  memset(&warned, 0, sizeof warned);
  o.warning = collect;
  /* warnings and problems share `user`: told apart by their text */
  hs_status s = hs_index_import(idx, files, 1, &o, &r);
  for (int i = 0; i < pr.n; i++)
    if (strstr(pr.lines[i], "warning") || strstr(pr.lines[i], "pass-through entry") ||
        strstr(pr.lines[i], "imported as active"))
      memcpy(warned.lines[warned.n++], pr.lines[i], sizeof pr.lines[i]);
  free(path);
  return s;
}

/* A StopNCII FetchHashes response as it arrives (pretty-printed), then a
 * second page after it: every status, a VideoTMK record. */
START_TEST(stopncii_pages) {
  hs_index *idx = fresh();
  char text[4096];
  snprintf(text, sizeof text,
           "{\n  \"count\": 6,\n  \"nextSetTimestamp\": 1733390000,\n  \"hashRecords\": [\n"
           "    {\"signalType\": \"ImagePDQ\", \"hashValue\": \"%s\", \"hashStatus\": \"Received\","
           " \"caseNumbers\": {\"u1\": \"c1\"}},\n"
           "    {\"signalType\": \"ImagePDQ\", \"hashValue\": \"%s\", \"hashStatus\": \"Active\"},\n"
           "    {\"signalType\": \"VideoMD5\", \"hashValue\": \"410ce0038f5de4216c5f985488d3d525\","
           " \"hashStatus\": \"Unknown\"},\n"
           "    {\"signalType\": \"VideoTMK\", \"hashValue\": \"abcd\", \"hashStatus\": \"Active\"},\n"
           "    {\"signalType\": \"ImagePDQ\", \"hashValue\": \"%064d\", \"hashStatus\": \"Deleted\"}\n"
           "  ]\n}\n"
           "{\"count\":1,\"nextSetTimestamp\":1733390099,\"hashRecords\":[{\"signalType\":\"ImagePDQ\","
           "\"hashValue\":\"%s\",\"hashStatus\":\"Withdrawn\"}]}\n",
           H1, H2, 7, H2);
  ck_assert_msg(import_exchange(idx, "stopncii", text) == HS_OK, "%s / %s", hs_last_error(),
                pr.n ? pr.lines[0] : "");
  ck_assert_uint_eq(r.rows, 5);
  ck_assert_uint_eq(r.added, 3);
  ck_assert_uint_eq(r.withdrawn, 1);
  ck_assert_uint_eq(r.not_found, 1);
  ck_assert_uint_eq(r.rejected, 0);
  ck_assert_uint_eq(r.passed_over, 1);
  ck_assert_uint_eq(r.warnings, 2);
  ck_assert_int_eq(r.next_set_timestamp, 1733390099);
  ck_assert_int_eq(warned.n, 2);
  ck_assert_msg(strstr(warned.lines[0], "exchange.json:1: hashRecords[2]: status 'Unknown' is not "
                                        "known: imported as active"), "%s", warned.lines[0]);
  ck_assert_msg(strstr(warned.lines[1], ":1: hashRecords[3]: hash type 'VideoTMK' is not supported"),
                "%s", warned.lines[1]);
  /* Active: H1 (pdq) and the MD5; H2 was withdrawn by the second page. */
  hs_index_snapshot *snap;
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  hs_index_hashes h;
  ck_assert_int_eq(hs_index_load(snap, HS_HASH_PDQ, NULL, &h), HS_OK);
  ck_assert_uint_eq(h.count, 1);
  hs_index_entry e;
  ck_assert_int_eq(hs_index_entry_get(snap, h.ids[0], &e), HS_OK);
  int found = 0;
  for (size_t k = 0; k < e.nfields; k++)
    if (strcmp(e.fields[k].key, "caseNumbers") == 0) {
      ck_assert_str_eq(e.fields[k].value, "{\"u1\":\"c1\"}");
      found = 1;
    }
  ck_assert(found);
  /* Exported as JSON, not as a JSON string, and read back the same. */
  char *e1 = export_to(idx, "page.jsonl", HS_EXPORT_JSONL, NULL), *got = slurp(e1);
  ck_assert_msg(strstr(got, ",\"caseNumbers\":{\"u1\":\"c1\"}"), "%s", got);
  free(got);
  free(e1);
  hs_index_hashes_free(&h);
  ck_assert_int_eq(hs_index_load(snap, HS_HASH_MD5, NULL, &h), HS_OK);
  ck_assert_uint_eq(h.count, 1);
  hs_index_hashes_free(&h);
  hs_index_snapshot_close(snap);
  /* The withdrawal replayed: already withdrawn, not "not found". */
  snprintf(text, sizeof text,
           "{\"hashRecords\":[{\"signalType\":\"ImagePDQ\",\"hashValue\":\"%s\","
           "\"hashStatus\":\"Withdrawn\"}]}\n", H2);
  memset(&pr, 0, sizeof pr);
  ck_assert_int_eq(import_exchange(idx, "stopncii", text), HS_OK);
  ck_assert_uint_eq(r.already_withdrawn, 1);
  ck_assert_uint_eq(r.not_found, 0);
  ck_assert_uint_eq(r.withdrawn, 0);
  /* A truncated page is refused whole, with the byte offset. */
  snprintf(text, sizeof text,
           "{\"count\":2,\"hashRecords\":[{\"signalType\":\"ImagePDQ\",\"hashValue\":\"%064d\"},"
           "{\"signalType\":\"ImagePDQ\",\"hashValue\":\"%s", 5, H1);
  memset(&pr, 0, sizeof pr);
  ck_assert_int_eq(import_exchange(idx, "stopncii", text), HS_ERR_FORMAT);
  ck_assert_int_eq(pr.n, 1);
  char want[128];
  snprintf(want, sizeof want, "premature end of input at byte %zu of the document; the document "
           "is refused whole", strlen(text));
  ck_assert_msg(strstr(pr.lines[0], "exchange.json:1: JSON: ") && strstr(pr.lines[0], want),
                "%s", pr.lines[0]);
  ck_assert_uint_eq(r.added, 0);
  assert_verify_ok(idx);
  hs_index_close(idx);
}
END_TEST

/* python-threatexchange's line shapes. */
START_TEST(pytx_shapes) {
  hs_index *idx = fresh();
  char text[2048];
  snprintf(text, sizeof text,
           "'Sample Data' pdq %s FetchedSignalMetadata(a=1, b='x, y')\n"
           "ROTATE90 pdq %s\n"
           "video_md5 d41d8cd98f00b204e9800998ecf8427e\n"
           "HASH_VIDEO_SHA256 %064d\n",
           H1, H2, 3);
  ck_assert_msg(import_exchange(idx, "pytx", text) == HS_OK, "%s / %s", hs_last_error(),
                pr.n ? pr.lines[0] : "");
  ck_assert_uint_eq(r.added, 4);
  char *e1 = export_to(idx, "pytx.jsonl", HS_EXPORT_JSONL, "pytx");
  char *got = slurp(e1);
  ck_assert_msg(strstr(got, "\"collab\":\"Sample Data\",\"metadata\":\"FetchedSignalMetadata(a=1, "
                            "b='x, y')\""), "%s", got);
  ck_assert_msg(strstr(got, "\"rotation\":\"ROTATE90\""), "%s", got);
  ck_assert_msg(strstr(got, "{\"type\":\"md5\",\"hash\":\"d41d8cd98f00b204e9800998ecf8427e\""), "%s", got);
  ck_assert_msg(strstr(got, "{\"type\":\"sha256\",\"hash\":\"0000"), "%s", got);
  free(got);
  free(e1);
  e1 = NULL;
  got = NULL;
  /* pytx 1.2 `dataset -P`: type hash 'collab' CATEGORY tags; signal types
   * hashsweep lacks are kept as pass-through entries with a warning, never
   * an error. */
  snprintf(text, sizeof text,
           "pdq %s 'Sample Signals' INVESTIGATION_SEED tag1 tag2\n"
           "raw_text The quick brown fox, jumps\n"
           "url_md5 95c3a3934d38b06959d4f6d5bfe48a79 'Sample Signals' INVESTIGATION_SEED\n", H2);
  memset(&pr, 0, sizeof pr);
  ck_assert_msg(import_exchange(idx, "pytx2", text) == HS_OK, "%s", pr.n ? pr.lines[0] : "");
  ck_assert_uint_eq(r.added, 1);
  ck_assert_uint_eq(r.passed_over, 2);
  ck_assert_uint_eq(r.rejected, 0);
  ck_assert_msg(strstr(warned.lines[0], ":2: hash type 'raw_text' is not supported"), "%s",
                warned.lines[0]);
  e1 = export_to(idx, "pytx2.jsonl", HS_EXPORT_JSONL, "pytx2");
  got = slurp(e1);
  ck_assert_msg(strstr(got, "\"category\":\"INVESTIGATION_SEED\",\"collab\":\"Sample Signals\","
                            "\"tags\":\"tag1 tag2\""), "%s", got);
  free(got);
  free(e1);
  /* `threatexchange dataset -P --csv`: its header names the hash column. */
  snprintf(text, sizeof text,
           "collab,signal_type,signal_str,category,tags\n"
           "Sample Data,video_md5,0cc175b9c0f1b6a831c399e269772661,ADULT,a b\n");
  memset(&pr, 0, sizeof pr);
  ck_assert_int_eq(import_exchange(idx, "pytx", text), HS_OK);
  ck_assert_uint_eq(r.added, 1);
  hs_index_close(idx);
}
END_TEST

/* An HMA bank: its database rows (content_signal joined with bank) in,
 * the bodies of POST /c/bank/<bank>/signal out, and round trip. */
START_TEST(hma_bank_round_trip) {
  hs_index *idx = fresh();
  char text[1024];
  snprintf(text, sizeof text,
           "bank_name,bank_content_id,signal_type,signal_val,create_time\n"
           "NCII_BANK,1,pdq,%s,2024-05-01 10:00:00+00\n"
           "NCII_BANK,2,video_md5,d41d8cd98f00b204e9800998ecf8427e,2024-05-02 10:00:00+00\n", H1);
  ck_assert_msg(import_exchange(idx, NULL, text) == HS_OK, "%s / %s", hs_last_error(),
                pr.n ? pr.lines[0] : "");
  ck_assert_uint_eq(r.added, 2);
  FILE *devnull = fopen("/dev/null", "w");
  ck_assert_int_eq(hs_index_export(idx, devnull, NULL, HS_EXPORT_HMA), HS_ERR_INVALID_ARG);
  fclose(devnull);
  char *e1 = export_to(idx, "bank1.jsonl", HS_EXPORT_HMA, "NCII_BANK"), *s1 = slurp(e1);
  char want[512];
  snprintf(want, sizeof want, "{\"pdq\":\"%s\"}\n{\"video_md5\":\"d41d8cd98f00b204e9800998ecf8427e\"}\n",
           H1);
  ck_assert_str_eq(s1, want);
  hs_index_close(idx);
  tu_rmtree(ipath);
  idx = fresh();
  memset(&pr, 0, sizeof pr);
  ck_assert_int_eq(import_exchange(idx, "NCII_BANK", s1), HS_OK);
  ck_assert_uint_eq(r.added, 2);
  char *e2 = export_to(idx, "bank2.jsonl", HS_EXPORT_HMA, "NCII_BANK"), *s2 = slurp(e2);
  ck_assert_str_eq(s1, s2);
  /* A type HMA lacks is refused, naming the entry. */
  snprintf(text, sizeof text, "h64 00000000000000ff\n");
  ck_assert_int_eq(import_exchange(idx, "NCII_BANK", text), HS_OK);
  FILE *f = fopen("/dev/null", "w");
  ck_assert_int_eq(hs_index_export(idx, f, "NCII_BANK", HS_EXPORT_HMA), HS_ERR_UNSUPPORTED);
  fclose(f);
  ck_assert_msg(strstr(hs_last_error(), "HMA has no signal type for h64 hashes"), "%s",
                hs_last_error());
  hs_index_close(idx);
  free(s1), free(s2), free(e1), free(e2);
}
END_TEST

static int find_list(void *user, const hs_list_info *l) {
  hs_list_info *out = user;
  if (strcmp(l->name, "sync") == 0) {
    *out = *l;
    out->name = NULL; /* borrowed for the callback only */
  }
  return 0;
}

static hs_list_info sync_info(hs_index *idx) {
  hs_list_info info;
  memset(&info, 0xff, sizeof info);
  ck_assert_int_eq(hs_index_lists(idx, find_list, &info), HS_OK);
  return info;
}

/* Pass-through entries and the sync position through the library, and an
 * index made before their sub-database existed: read-only it has none, a
 * writable open adds it. */
START_TEST(passthrough_and_sync_position) {
  hs_index *idx = fresh();
  char text[1024];
  snprintf(text, sizeof text,
           "{\"nextSetTimestamp\":1733390099,\"hashRecords\":[{\"signalType\":\"ImagePDQ\","
           "\"hashValue\":\"%s\"},{\"signalType\":\"VideoTMK\",\"hashValue\":\"AAAA\","
           "\"caseNumbers\":{\"u\":\"c\"}},{\"signalType\":\"VideoTMK\",\"hashValue\":\"BBBB\"},"
           "{\"signalType\":\"VideoTMK\",\"hashValue\":\"AAAA\",\"caseNumbers\":{\"u\":\"d\"}}]}\n",
           H1);
  memset(&pr, 0, sizeof pr);
  ck_assert_msg(import_exchange(idx, "sync", text) == HS_OK, "%s", hs_last_error());
  ck_assert_uint_eq(r.added, 1);
  ck_assert_uint_eq(r.passed_over, 3);
  ck_assert_uint_eq(r.passthrough, 2);
  ck_assert_uint_eq(r.passthrough_changed, 1); /* AAAA again, other fields */
  hs_list_info info = sync_info(idx);
  ck_assert_uint_eq(info.passthrough, 2);
  ck_assert_int_eq(info.next_set_timestamp, 1733390099);
  ck_assert_uint_eq(info.active_by_type[HS_HASH_PDQ], 1);
  /* the latest fields win */
  char *e1 = export_to(idx, "sync.jsonl", HS_EXPORT_JSONL, "sync"), *got = slurp(e1);
  ck_assert_msg(strstr(got, "{\"type\":\"VideoTMK\",\"hash\":\"AAAA\",\"added\":") &&
                strstr(got, ",\"caseNumbers\":{\"u\":\"d\"}}\n"), "%s", got);
  ck_assert_ptr_null(strstr(got, "\"u\":\"c\""));
  free(got);
  free(e1);
  /* The same page again adds none; AAAA's fields go to c, then d again. */
  ck_assert_int_eq(import_exchange(idx, "sync", text), HS_OK);
  ck_assert_uint_eq(r.passthrough, 0);
  ck_assert_uint_eq(r.passthrough_changed, 2);
  ck_assert_uint_eq(sync_info(idx).passthrough, 2);
  assert_verify_ok(idx);
  hs_index_close(idx);

  /* Drop the sub-database, as an index from before it would lack it. */
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  env = raw_env();
  ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
  ck_assert_int_eq(mdb_dbi_open(txn, "passthrough", 0, &dbi), 0);
  ck_assert_int_eq(mdb_drop(txn, dbi, 1), 0);
  ck_assert_int_eq(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
  ck_assert_int_eq(hs_index_open(ipath, HS_INDEX_READONLY, &idx), HS_OK);
  ck_assert_int_eq(idx->has[DB_PASSTHRU], 0);
  info = sync_info(idx);
  ck_assert_uint_eq(info.passthrough, 0);
  ck_assert_int_eq(info.next_set_timestamp, 1733390099);
  e1 = export_to(idx, "old.jsonl", HS_EXPORT_JSONL, "sync");
  got = slurp(e1);
  ck_assert_ptr_null(strstr(got, "VideoTMK"));
  free(got);
  free(e1);
  hs_index_close(idx);
  ck_assert_int_eq(hs_index_open(ipath, 0, &idx), HS_OK);
  ck_assert_int_eq(idx->has[DB_PASSTHRU], 1);
  ck_assert_int_eq(import_exchange(idx, "sync", text), HS_OK);
  ck_assert_uint_eq(sync_info(idx).passthrough, 2);
  assert_verify_ok(idx);
  hs_index_close(idx);

  /* verify reads every pass-through record: a damaged one is named. */
  env = raw_env();
  ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
  ck_assert_int_eq(mdb_dbi_open(txn, "passthrough", 0, &dbi), 0);
  uint8_t key[36] = {0, 0, 0, 1};
  MDB_val k = {sizeof key, key}, v = {1, "x"};
  ck_assert_int_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
  ck_assert_int_eq(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
  ck_assert_int_eq(hs_index_open(ipath, HS_INDEX_READONLY, &idx), HS_OK);
  memset(&pr, 0, sizeof pr);
  uint64_t n = 0;
  ck_assert_int_eq(hs_index_verify(idx, collect, &pr, &n), HS_ERR_CORRUPT);
  ck_assert_uint_eq(n, 1);
  ck_assert_msg(strstr(pr.lines[0], "passthrough: a pass-through entry of list id 1: a damaged "
                                    "record"), "%s", pr.lines[0]);
  hs_index_close(idx);
}
END_TEST

/* ---- verify catches damage --------------------------------------------------------------- */

/* An index whose log an older hashsweep wrote (format 1, no links, no
 * head): the chain starts at the first record this build appends, which
 * links to the last old one; verify accepts it. An unlinked record after
 * linked ones (an older build appending later, or a record replaced) is a
 * problem that names it. */
static void put_old_record(uint64_t seq, int kind, int64_t time, int drop_head) {
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi log, meta;
  ck_assert_int_eq(mdb_env_create(&env), 0);
  mdb_env_set_maxdbs(env, 32);
  ck_assert_int_eq(mdb_env_open(env, ipath, 0, 0600), 0);
  ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
  ck_assert_int_eq(mdb_dbi_open(txn, "log", MDB_INTEGERKEY, &log), 0);
  ck_assert_int_eq(mdb_dbi_open(txn, "meta", 0, &meta), 0);
  /* format 1: u8 format, u8 kind, i64 time, u64 rejected, u64 not_found,
   * u32 nparts, u32 nfiles, str note, str command (all empty) */
  unsigned char rec[42] = {1, (unsigned char)kind};
  memcpy(rec + 2, &time, 8);
  MDB_val k = {8, &seq}, v = {sizeof rec, rec};
  ck_assert_int_eq(mdb_put(txn, log, &k, &v, 0), 0);
  if (drop_head) {
    MDB_val hk = {8, "log_head"};
    ck_assert_int_eq(mdb_del(txn, meta, &hk, NULL), 0);
  }
  ck_assert_int_eq(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
}

static int keep_log(void *user, const hs_log_record *rec) {
  hs_log_record *out = user;
  if (rec->seq <= 2)
    out[rec->seq - 1] = *rec; /* only the fixed fields are used after */
  return 0;
}

START_TEST(audit_chain_after_older_records) {
  hs_index *idx = fresh();
  hs_index_close(idx);
  put_old_record(1, 1, 1000, 1); /* the creation, as an older build wrote it */
  ck_assert_int_eq(hs_index_open(ipath, 0, &idx), HS_OK);
  char text[128];
  snprintf(text, sizeof text, "%s\n", H1);
  ck_assert_int_eq(import_text(idx, "l", text, 0, &pr, &r), HS_OK);
  hs_log_record recs[2];
  memset(recs, 0, sizeof recs);
  ck_assert_int_eq(hs_index_log(idx, keep_log, recs), HS_OK);
  ck_assert_int_eq(recs[0].linked, 0);
  ck_assert_int_eq(recs[1].linked, 1);
  ck_assert_int_eq(recs[1].stored_seq, 2);
  /* record 2 links to the old record 1 as stored */
  ck_assert_int_eq(memcmp(recs[1].prev_sha256, recs[0].sha256, 32), 0);
  uint64_t n = 9;
  ck_assert_msg(hs_index_verify(idx, collect, &pr, &n) == HS_OK, "%s", pr.lines[0]);
  ck_assert_int_eq(n, 0);
  hs_index_close(idx);

  /* An unlinked record appended after the linked one. */
  put_old_record(3, 1, 2000000000, 0);
  ck_assert_int_eq(hs_index_open(ipath, HS_INDEX_READONLY, &idx), HS_OK);
  memset(&pr, 0, sizeof pr);
  ck_assert_int_eq(hs_index_verify(idx, collect, &pr, &n), HS_ERR_CORRUPT);
  int named = 0;
  for (int i = 0; i < pr.n; i++)
    named |= strstr(pr.lines[i], "audit record 3: has no link to the hash chain") != NULL;
  ck_assert_msg(named, "%s", pr.lines[0]);
  hs_index_close(idx);
}
END_TEST

START_TEST(verify_detects_damage) {
  hs_index *idx = fresh();
  char text[512];
  snprintf(text, sizeof text, "%s\n%s\n", H1, H2);
  ck_assert_int_eq(import_text(idx, "l", text, 0, &pr, &r), HS_OK);
  hs_index_close(idx);
  /* Change the list's count and flip a byte in a page behind the index's back. */
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi lists, pages;
  ck_assert_int_eq(mdb_env_create(&env), 0);
  mdb_env_set_maxdbs(env, 16);
  ck_assert_int_eq(mdb_env_open(env, ipath, 0, 0600), 0);
  ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
  ck_assert_int_eq(mdb_dbi_open(txn, "lists", 0, &lists), 0);
  ck_assert_int_eq(mdb_dbi_open(txn, "pages.pdq", MDB_INTEGERKEY, &pages), 0);
  MDB_val k = {1, "l"}, v;
  ck_assert_int_eq(mdb_get(txn, lists, &k, &v), 0);
  unsigned char rec[256];
  memcpy(rec, v.mv_data, v.mv_size);
  rec[40]++; /* entries (offset 40 in list_record) */
  MDB_val nv = {v.mv_size, rec};
  ck_assert_int_eq(mdb_put(txn, lists, &k, &nv, 0), 0);
  uint32_t page = 1;
  MDB_val pk = {4, &page};
  ck_assert_int_eq(mdb_get(txn, pages, &pk, &v), 0);
  unsigned char *copy = malloc(v.mv_size);
  memcpy(copy, v.mv_data, v.mv_size);
  copy[64 + 3] ^= 0x10; /* a bit of the first hash */
  MDB_val pv = {v.mv_size, copy};
  ck_assert_int_eq(mdb_put(txn, pages, &pk, &pv, 0), 0);
  ck_assert_int_eq(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
  free(copy);
  ck_assert_int_eq(hs_index_open(ipath, HS_INDEX_READONLY, &idx), HS_OK);
  uint64_t n = 0;
  ck_assert_int_eq(hs_index_verify(idx, collect, &pr, &n), HS_ERR_CORRUPT);
  ck_assert_int_ge(n, 2);
  int saw_checksum = 0, saw_count = 0;
  for (int i = 0; i < pr.n; i++) {
    saw_checksum |= strstr(pr.lines[i], "checksum") != NULL;
    saw_count |= strstr(pr.lines[i], "table says") != NULL;
  }
  ck_assert(saw_checksum && saw_count);
  hs_index_close(idx);
}
END_TEST

/* ---- damage LMDB would crash on -------------------------------------------------------- */

/* An index with two pages of PDQ entries, closed. */
static void damaged_base(void) {
  hs_index *idx = fresh();
  char *text = malloc(1100 * 65 + 1);
  for (int i = 0; i < 1100; i++)
    snprintf(text + 65 * i, 66, "%064x\n", i + 1);
  ck_assert_int_eq(import_text(idx, "l", text, 0, &pr, &r), HS_OK);
  free(text);
  hs_index_close(idx);
}

static uint8_t *read_data(size_t *n) {
  char *p = tu_path(ipath, "data.mdb");
  FILE *f = fopen(p, "rb");
  ck_assert_ptr_nonnull(f);
  fseek(f, 0, SEEK_END);
  *n = (size_t)ftell(f);
  rewind(f);
  uint8_t *d = malloc(*n);
  ck_assert_uint_eq(fread(d, 1, *n, f), *n);
  fclose(f);
  free(p);
  return d;
}

static void write_data(const uint8_t *d, size_t n) {
  char *p = tu_path(ipath, "data.mdb");
  ck_assert_int_eq(tu_write_file(p, d, n), 0);
  free(p);
}

/* LMDB reads these before any check of its own: a page size of 0 divides
 * by zero, a node offset past the page or a child page past the file reads
 * outside the map. Each must be a one-line refusal (the test runs in a
 * forked child: a crash fails it). */
START_TEST(refuses_damaged_structure) {
  damaged_base();
  size_t n;
  uint8_t *orig = read_data(&n), *d = malloc(n);
  /* The newer meta page (larger txnid at offset 144) holds the live roots. */
  uint64_t t0, t1, root;
  memcpy(&t0, orig + 144, 8);
  memcpy(&t1, orig + 4096 + 144, 8);
  size_t meta = t1 > t0 ? 4096 : 0;
  memcpy(&root, orig + meta + 128, 8); /* main database root */
  ck_assert_uint_lt(root * 4096, n);
  static const struct {
    const char *what;
    size_t off; /* from the live meta page (m) or the main root page (r) */
    int in_root;
    uint16_t value;
    const char *needle;
  } cases[] = {
      {"page size 0", 40, 0, 0, "page size 0"},
      {"root page past the file", 128 + 4, 0, 0x7fff, "outside the file"},
      {"environment flags", 44, 0, 0x4001, "environment flags"},
      {"lower bound past upper", 12, 1, 0xfff0, "bounds"},
      {"node offset past the page", 16, 1, 4095, "node 0 at offset"},
      {"page flags", 10, 1, 0x04, "flags 0x4"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    memcpy(d, orig, n);
    size_t at = (cases[i].in_root ? root * 4096 : meta) + cases[i].off;
    memcpy(d + at, &cases[i].value, 2);
    write_data(d, n);
    hs_index *idx = (hs_index *)1;
    hs_status s = hs_index_open(ipath, HS_INDEX_READONLY, &idx);
    ck_assert_msg(s == HS_ERR_CORRUPT, "%s: got %d (%s)", cases[i].what, s, hs_last_error());
    ck_assert_ptr_null(idx);
    ck_assert_msg(strstr(hs_last_error(), cases[i].needle) && !strchr(hs_last_error(), '\n'),
                  "%s: message '%s' lacks '%s'", cases[i].what, hs_last_error(),
                  cases[i].needle);
  }
  /* The older meta page claiming a later transaction of the other
   * parity: LMDB would open with it but read transactions from the other
   * page (by parity), so the check must look where LMDB looks (found by
   * fuzz_index_open: LMDB read garbage roots, SIGBUS). */
  memcpy(d, orig, n);
  uint64_t later = (t1 > t0 ? t1 : t0) + 2;
  memcpy(d + (meta ? 0 : 4096) + 144, &later, 8);
  write_data(d, n);
  hs_index *bad = (hs_index *)1;
  ck_assert_int_eq(hs_index_open(ipath, HS_INDEX_READONLY, &bad), HS_ERR_CORRUPT);
  ck_assert_msg(strstr(hs_last_error(), "holds transaction"), "%s", hs_last_error());
  /* The untouched file still opens and verifies. */
  write_data(orig, n);
  hs_index *idx;
  ck_assert_int_eq(hs_index_open(ipath, HS_INDEX_READONLY, &idx), HS_OK);
  assert_verify_ok(idx);
  hs_index_close(idx);
  free(orig);
  free(d);
}
END_TEST

/* A page whose header says "no withdrawals" over slots that are withdrawn
 * once made hs_index_load copy whole columns into a buffer sized by the
 * slots (found by fuzz_index_open): now every read of the page refuses it. */
START_TEST(refuses_page_summary_mismatch) {
  hs_index *idx = fresh();
  char text[256];
  snprintf(text, sizeof text, "%s\n%s\n", H1, H2);
  ck_assert_int_eq(import_text(idx, "l", text, 0, &pr, &r), HS_OK);
  hs_withdraw_options w;
  hs_withdraw_options_default(&w);
  const char *h[] = {H1};
  w.hashes = h;
  w.nhashes = 1;
  w.reason = "test";
  hs_withdraw_result wr;
  ck_assert_int_eq(hs_index_withdraw(idx, &w, &wr), HS_OK);
  ck_assert_int_eq(wr.withdrawn, 1);
  hs_index_close(idx);
  size_t n;
  uint8_t *d = read_data(&n);
  /* Every copy of the page (LMDB keeps older ones in free pages): the
   * withdrawn count at offset 16 of the page header set to 0. */
  int patched = 0;
  for (size_t at = 0; at + 64 <= n; at += 4096) {
    uint32_t magic, count, withdrawn;
    memcpy(&magic, d + at + 16, 4); /* after LMDB's 16-byte overflow header */
    memcpy(&count, d + at + 16 + 12, 4);
    memcpy(&withdrawn, d + at + 16 + 16, 4);
    if (magic == 0x47505348u && count == 2 && withdrawn == 1) {
      memset(d + at + 16 + 16, 0, 4);
      patched++;
    }
  }
  ck_assert_int_ge(patched, 1);
  write_data(d, n);
  free(d);
  ck_assert_int_eq(hs_index_open(ipath, HS_INDEX_READONLY, &idx), HS_OK);
  hs_index_snapshot *snap;
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  hs_index_hashes hh;
  ck_assert_int_eq(hs_index_load(snap, HS_HASH_PDQ, NULL, &hh), HS_ERR_CORRUPT);
  ck_assert_msg(strstr(hs_last_error(), "summary"), "%s", hs_last_error());
  hs_index_snapshot_close(snap);
  hs_index_close(idx);
}
END_TEST

/* ---- map growth ------------------------------------------------------------------------ */

START_TEST(map_grows_when_full) {
  setenv("HASHSWEEP_INDEX_MAPSIZE", "262144", 1); /* 256 KiB: far too small */
  hs_index *idx = fresh();
  size_t n = 30000;
  char *text = malloc(n * 65 + 1);
  for (size_t i = 0; i < n; i++)
    snprintf(text + 65 * i, 66, "%064zx\n", i + 1);
  ck_assert_msg(import_text(idx, "l", text, 0, &pr, &r) == HS_OK, "%s", hs_last_error());
  ck_assert_int_eq(r.added, n);
  hs_index_stats st;
  ck_assert_int_eq(hs_index_stats_get(idx, &st), HS_OK);
  ck_assert_uint_gt(st.map_bytes, 262144);
  assert_verify_ok(idx);
  hs_index_close(idx);
  unsetenv("HASHSWEEP_INDEX_MAPSIZE");
  free(text);
}
END_TEST

/* ---- a reader process during imports ----------------------------------------------------- */

/* The child keeps opening snapshots while the parent imports batches of 1000:
 * every snapshot must see whole imports only (a multiple of 1000 entries,
 * matching the list table of the same snapshot). */
START_TEST(reader_sees_consistent_snapshots) {
  hs_index *idx = fresh();
  hs_index_close(idx);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    hs_index *ro;
    if (hs_index_open(ipath, HS_INDEX_READONLY, &ro) != HS_OK)
      _exit(2);
    hs_index_snapshot *snap;
    if (hs_index_snapshot_open(ro, &snap) != HS_OK)
      _exit(3);
    size_t last = 0;
    for (int round = 0; round < 4000 && last < 20000; round++) {
      hs_index_hashes h;
      if (hs_index_snapshot_renew(snap) != HS_OK || hs_index_load(snap, HS_HASH_PDQ, NULL, &h))
        _exit(4);
      if (h.count % 1000 != 0 || h.count < last || h.version != h.count / 1000)
        _exit(5);
      last = h.count;
      hs_index_hashes_free(&h);
    }
    hs_index_snapshot_close(snap);
    hs_index_close(ro);
    _exit(0);
  }
  ck_assert_int_eq(hs_index_open(ipath, 0, &idx), HS_OK);
  char *text = malloc(1000 * 65 + 1);
  for (int batch = 0; batch < 20; batch++) {
    for (int i = 0; i < 1000; i++)
      snprintf(text + 65 * i, 66, "%064x\n", batch * 1000 + i + 1);
    problems pr = {0};
    hs_import_result r;
    ck_assert_int_eq(import_text(idx, "l", text, 0, &pr, &r), HS_OK);
  }
  int status;
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "reader failed: status %d",
                WEXITSTATUS(status));
  free(text);
  hs_index_close(idx);
}
END_TEST

static Suite *index_suite(void) {
  Suite *s = suite_create("index");
  TCase *tc = tcase_create("index");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, create_permissions);
  tcase_add_test(tc, refuses_damaged_and_foreign);
  tcase_add_test(tc, refuses_foreign_lmdb);
  tcase_add_test(tc, import_counts_dedup_versions);
  tcase_add_loop_test(tc, import_formats, 0, (int)(sizeof format_cases / sizeof format_cases[0]));
  tcase_add_loop_test(tc, import_formats_bom, 0,
                      (int)(sizeof format_cases / sizeof format_cases[0]));
  tcase_add_test(tc, import_all_or_nothing);
  tcase_add_test(tc, provenances_kept);
  tcase_add_test(tc, default_label_and_source);
  tcase_add_test(tc, withdraw_and_since);
  tcase_add_test(tc, status_rows_withdraw);
  tcase_add_test(tc, snapshot_isolation);
  tcase_add_test(tc, load_blocks_aligned);
  tcase_add_loop_test(tc, export_round_trip, 0, 3);
  tcase_add_test(tc, export_limits_symmetric);
  tcase_add_test(tc, stopncii_pages);
  tcase_add_test(tc, pytx_shapes);
  tcase_add_test(tc, hma_bank_round_trip);
  tcase_add_test(tc, passthrough_and_sync_position);
  tcase_add_test(tc, verify_detects_damage);
  tcase_add_test(tc, refuses_damaged_structure);
  tcase_add_test(tc, refuses_page_summary_mismatch);
  tcase_add_test(tc, map_grows_when_full);
  tcase_add_test(tc, optional_subdatabases);
  tcase_add_test(tc, audit_chain_after_older_records);
  tcase_add_test(tc, reader_sees_consistent_snapshots);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(index_suite()); }
