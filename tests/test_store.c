// labels: unit
// timeout: 120
/* tests/test_store.c - the archive hash store (scan/store.h) on the shared
 * LMDB layer (kv/): records and jobs round trip, a full map grows and the
 * batch goes on, damaged and foreign files are refused in one line (never
 * a signal: each test runs in a forked child, a crash fails it), an index
 * and a store refuse to be opened as each other and are left intact,
 * environments of the previous release (no kind record) still open, run
 * locks, the permission rule and the ulimit -v hint; sweep records (appended
 * beside a running writer, read back in order, a damaged one refused). */
#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/runlock.h"
#include "scan/store.h"
#include "scan/sweeps.h"
#include "test_util.h"

static char *dir;   /* per test */
static char *spath; /* dir/store */
static char *ipath; /* dir/idx */

static void setup(void) {
  umask(022);
  unsetenv("HASHSWEEP_STORE_MAPSIZE");
  unsetenv("HASHSWEEP_INDEX_MAPSIZE");
  dir = tu_mkdtemp();
  ck_assert_ptr_nonnull(dir);
  spath = tu_path(dir, "store");
  ipath = tu_path(dir, "idx");
}

static void teardown(void) {
  tu_rmtree(dir);
  free(dir);
  free(spath);
  free(ipath);
}

static void make_record(uint32_t i, uint32_t job, store_record *r) {
  memset(r, 0, sizeof *r);
  r->status = i % 7 == 0 ? STORE_ERROR : STORE_OK;
  r->quality = (uint8_t)(i % 101);
  r->job = job;
  r->size = 1000 + i;
  r->mtime_ns = (int64_t)i * 1000000007;
  r->width = (int32_t)i;
  r->height = (int32_t)(2 * i);
  for (int b = 0; b < 16; b++)
    r->md5[b] = (uint8_t)(i + b);
  for (int b = 0; b < 32; b++)
    r->sha256[b] = (uint8_t)(i * 3 + b);
  for (int d = 0; d < HS_DIH_COUNT; d++)
    for (int w = 0; w < 4; w++)
      r->pdq[d].w[w] = (uint64_t)i * 0x9E3779B97F4A7C15ull + (uint64_t)(d * 4 + w);
  if (r->status == STORE_ERROR)
    snprintf(r->error, sizeof r->error, "cannot decode file %u", i);
}

static void path_of(uint32_t i, char *out, size_t cap) {
  snprintf(out, cap, "/archive/some/deeper/folder/%06u/image-%u.jpg", i / 100, i);
}

/* n records in batches of 64 (as a scan commits), job "out.jsonl". */
static hs_status fill(store *s, uint32_t n, store_job *job) {
  uint8_t fp[32] = {1, 2, 3};
  hs_status st = store_job_begin(s, "out.jsonl", fp, job);
  for (uint32_t i = 0; i < n && st == HS_OK; i += 64) {
    st = store_batch_begin(s);
    for (uint32_t j = i; j < i + 64 && j < n && st == HS_OK; j++) {
      store_record r;
      char p[128];
      make_record(j, job->id, &r);
      path_of(j, p, sizeof p);
      st = store_batch_put(s, p, &r);
    }
    job->out_offset = 100u * i;
    if (st == HS_OK)
      st = store_batch_commit(s, "out.jsonl", job);
    else
      store_batch_abort(s);
  }
  return st;
}

static void assert_records(store *s, uint32_t n) {
  uint64_t count = 0;
  ck_assert_int_eq(store_count(s, &count), HS_OK);
  ck_assert_uint_eq(count, n);
  for (uint32_t i = 0; i < n; i += n / 17 + 1) {
    store_record want, got;
    char p[128];
    int found = 0;
    make_record(i, 1, &want);
    path_of(i, p, sizeof p);
    ck_assert_int_eq(store_lookup(s, p, &got, &found), HS_OK);
    ck_assert_int_eq(found, 1);
    ck_assert_uint_eq(got.size, want.size);
    ck_assert_int_eq(got.mtime_ns, want.mtime_ns);
    ck_assert_int_eq(got.status, want.status);
    ck_assert_mem_eq(got.sha256, want.sha256, 32);
    ck_assert_mem_eq(got.pdq, want.pdq, sizeof want.pdq);
    ck_assert_str_eq(got.error, want.error);
  }
}

/* ---- records and jobs ---------------------------------------------------------------- */

START_TEST(round_trip) {
  store *s;
  ck_assert_int_eq(store_open(spath, 0, &s), HS_OK);
  store_job job;
  ck_assert_int_eq(fill(s, 300, &job), HS_OK);
  ck_assert_uint_eq(job.id, 1);
  ck_assert_int_eq(store_job_finish(s, "out.jsonl", &job), HS_OK);
  store_close(s);
  ck_assert_int_eq(store_open(spath, 1, &s), HS_OK);
  assert_records(s, 300);
  store_job got;
  int found = 0;
  ck_assert_int_eq(store_job_get(s, "out.jsonl", &got, &found), HS_OK);
  ck_assert_int_eq(found, 1);
  ck_assert_int_eq(got.state, JOB_DONE);
  ck_assert_uint_eq(got.out_offset, 100u * 256);
  store_close(s);
}
END_TEST

/* A video's record (format 3) keeps its frames bit for bit: read back by
 * store_lookup_frames and by store_iterate, beside an image record; a
 * video without frames and one with a note. A store with only older
 * formats is unaffected (round_trip). 3000 frames (800 KB) span many LMDB
 * overflow pages. */
static void make_frames(hs_query_frame *f, uint32_t n, uint32_t seed) {
  for (uint32_t i = 0; i < n; i++) {
    memset(&f[i], 0, sizeof f[i]);
    f[i].frame = (int64_t)i * 30;
    f[i].timestamp = (double)(float)(i * 30 / 29.97);
    f[i].pdq.quality = (int)((i + seed) % 101);
    for (int d = 0; d < HS_DIH_COUNT; d++)
      for (int w = 0; w < 4; w++)
        f[i].pdq.hash[d].w[w] = (uint64_t)(i + seed) * 0x9E3779B97F4A7C15ull + (uint64_t)(d * 4 + w);
  }
}

static int visit_video(void *ctx, const char *path, const store_record *rec) {
  uint32_t *seen = ctx;
  if (strcmp(path, "/v/long.mp4") == 0) {
    ck_assert_int_eq(rec->is_video, 1);
    ck_assert_uint_eq(rec->nframes, 3000);
    hs_query_frame *got = malloc(3000 * sizeof *got), *want = malloc(3000 * sizeof *want);
    store_frames_unpack(rec, got);
    make_frames(want, 3000, 7);
    ck_assert_mem_eq(got, want, 3000 * sizeof *got);
    free(got);
    free(want);
  }
  (*seen)++;
  return 0;
}

START_TEST(video_records) {
  store *s;
  ck_assert_int_eq(store_open(spath, 0, &s), HS_OK);
  hs_query_frame *frames = malloc(3000 * sizeof *frames);
  make_frames(frames, 3000, 7);
  store_record v, img, empty;
  memset(&v, 0, sizeof v);
  v.status = STORE_OK;
  v.is_video = 1;
  v.seconds_per_hash = 1.0;
  v.frames = frames;
  v.nframes = 3000;
  v.width = 1920;
  v.height = 1080;
  v.md5[0] = 0xAB;
  snprintf(v.error, sizeof v.error, "partial: 90000 frames decoded, then the end");
  make_record(1, 1, &img);
  empty = v;
  empty.nframes = 0;
  empty.frames = NULL;
  empty.error[0] = '\0';
  empty.seconds_per_hash = 0.5;
  ck_assert_int_eq(store_batch_begin(s), HS_OK);
  ck_assert_int_eq(store_batch_put(s, "/v/long.mp4", &v), HS_OK);
  ck_assert_int_eq(store_batch_put(s, "/v/photo.jpg", &img), HS_OK);
  ck_assert_int_eq(store_batch_put(s, "/v/none.mkv", &empty), HS_OK);
  ck_assert_int_eq(store_batch_commit(s, NULL, NULL), HS_OK);
  store_close(s);

  ck_assert_int_eq(store_open(spath, 1, &s), HS_OK);
  store_record got;
  hs_query_frame *f = NULL;
  int found = 0;
  ck_assert_int_eq(store_lookup_frames(s, "/v/long.mp4", &got, &f, &found), HS_OK);
  ck_assert_int_eq(found, 1);
  ck_assert_int_eq(got.is_video, 1);
  ck_assert_uint_eq(got.nframes, 3000);
  ck_assert_ptr_null(got.frame_bytes); /* not valid past the call */
  ck_assert(got.seconds_per_hash == 1.0);
  ck_assert_int_eq(got.width, 1920);
  ck_assert_uint_eq(got.md5[0], 0xAB);
  ck_assert_str_eq(got.error, "partial: 90000 frames decoded, then the end");
  ck_assert_ptr_nonnull(f);
  ck_assert_mem_eq(f, frames, 3000 * sizeof *f);
  free(f);
  ck_assert_int_eq(store_lookup_frames(s, "/v/photo.jpg", &got, &f, &found), HS_OK);
  ck_assert_int_eq(got.is_video, 0);
  ck_assert_ptr_null(f);
  ck_assert_mem_eq(got.pdq, img.pdq, sizeof img.pdq);
  ck_assert_int_eq(store_lookup_frames(s, "/v/none.mkv", &got, &f, &found), HS_OK);
  ck_assert_int_eq(got.is_video, 1);
  ck_assert_uint_eq(got.nframes, 0);
  ck_assert(got.seconds_per_hash == 0.5);
  ck_assert_ptr_null(f);
  ck_assert_str_eq(got.error, "");
  uint32_t seen = 0;
  ck_assert_int_eq(store_iterate(s, visit_video, &seen, NULL), HS_OK);
  ck_assert_uint_eq(seen, 3);
  store_close(s);
  free(frames);
}
END_TEST

/* The smallest map the variable allows (64 KiB) holds a few dozen
 * records: 2000 need it grown many times, in the middle of batches and at
 * their commits, and every record must be there once. */
START_TEST(full_map_grows) {
  setenv("HASHSWEEP_STORE_MAPSIZE", "65536", 1);
  store *s;
  ck_assert_int_eq(store_open(spath, 0, &s), HS_OK);
  store_job job;
  hs_status st = fill(s, 2000, &job);
  ck_assert_msg(st == HS_OK, "%s", hs_last_error());
  store_close(s);
  ck_assert_int_eq(store_open(spath, 1, &s), HS_OK);
  assert_records(s, 2000);
  store_close(s);
}
END_TEST

/* ---- damaged and foreign files ------------------------------------------------------- */

static uint8_t *read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  fseek(f, 0, SEEK_END);
  *n = (size_t)ftell(f);
  rewind(f);
  uint8_t *d = malloc(*n);
  ck_assert_uint_eq(fread(d, 1, *n, f), *n);
  fclose(f);
  return d;
}

static void expect_store_refused(int readonly, hs_status want, const char *needle) {
  store *s = (store *)1;
  hs_status st = store_open(spath, readonly, &s);
  ck_assert_msg(st == want, "got %d (%s), want %d", st, hs_last_error(), want);
  ck_assert_ptr_null(s);
  ck_assert_msg(strstr(hs_last_error(), needle) && !strchr(hs_last_error(), '\n'),
                "message '%s' lacks '%s'", hs_last_error(), needle);
}

START_TEST(refuses_damaged) {
  store *s;
  ck_assert_int_eq(store_open(spath, 0, &s), HS_OK);
  store_job job;
  ck_assert_int_eq(fill(s, 400, &job), HS_OK);
  store_close(s);
  char *data = tu_path(spath, "data.mdb");
  size_t n;
  uint8_t *orig = read_file(data, &n), *d = malloc(n);
  ck_assert_uint_gt(n, 8 * 4096);
  uint64_t t0, t1;
  memcpy(&t0, orig + 144, 8);
  memcpy(&t1, orig + 4096 + 144, 8);
  for (int readonly = 0; readonly < 2; readonly++) {
    /* Truncated. */
    ck_assert_int_eq(tu_write_file(data, orig, n / 2), 0);
    expect_store_refused(readonly, HS_ERR_CORRUPT, "truncated");
    /* Garbage over the pages after the meta pages. */
    memcpy(d, orig, n);
    uint64_t seed = 42;
    for (size_t i = 2 * 4096; i < n; i++)
      d[i] = (uint8_t)tu_rand(&seed);
    ck_assert_int_eq(tu_write_file(data, d, n), 0);
    expect_store_refused(readonly, HS_ERR_CORRUPT, "damaged");
    /* The older meta page claiming a later transaction of the wrong
     * parity (LMDB would read garbage roots through the other page). */
    memcpy(d, orig, n);
    uint64_t later = (t1 > t0 ? t1 : t0) + 2;
    memcpy(d + (t1 > t0 ? 0 : 4096) + 144, &later, 8);
    ck_assert_int_eq(tu_write_file(data, d, n), 0);
    expect_store_refused(readonly, HS_ERR_CORRUPT, "holds transaction");
    /* A file of another program. */
    static const char zip[] = "PK\x03\x04 not an LMDB file at all";
    memset(d, 0, n);
    memcpy(d, zip, sizeof zip);
    ck_assert_int_eq(tu_write_file(data, d, n), 0);
    expect_store_refused(readonly, HS_ERR_CORRUPT, "not an LMDB file");
  }
  /* The untouched file still opens. */
  ck_assert_int_eq(tu_write_file(data, orig, n), 0);
  ck_assert_int_eq(store_open(spath, 1, &s), HS_OK);
  assert_records(s, 400);
  store_close(s);
  free(orig);
  free(d);
  free(data);
}
END_TEST

/* A sound LMDB environment that another program made. */
START_TEST(refuses_foreign_lmdb) {
  mkdir(spath, 0700);
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  ck_assert_int_eq(mdb_env_create(&env), 0);
  ck_assert_int_eq(mdb_env_set_maxdbs(env, 4), 0);
  ck_assert_int_eq(mdb_env_open(env, spath, 0, 0600), 0);
  ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
  ck_assert_int_eq(mdb_dbi_open(txn, "sessions", MDB_CREATE, &dbi), 0);
  MDB_val k = {4, "user"}, v = {5, "hello"};
  ck_assert_int_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
  ck_assert_int_eq(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
  char *data = tu_path(spath, "data.mdb");
  size_t n0, n1;
  uint8_t *before = read_file(data, &n0);
  expect_store_refused(0, HS_ERR_CORRUPT, "not a hashsweep store (an LMDB environment with "
                                          "other databases: sessions)");
  uint8_t *after = read_file(data, &n1);
  ck_assert_uint_eq(n0, n1);
  ck_assert_mem_eq(before, after, n0);
  free(before);
  free(after);
  free(data);
}
END_TEST

/* ---- kinds --------------------------------------------------------------------------- */

static hs_index *make_index(void) {
  ck_assert_int_eq(hs_index_create(ipath), HS_OK);
  hs_index *idx;
  ck_assert_int_eq(hs_index_open(ipath, 0, &idx), HS_OK);
  return idx;
}

static void assert_index_ok(void) {
  hs_index *idx;
  ck_assert_msg(hs_index_open(ipath, HS_INDEX_READONLY, &idx) == HS_OK, "%s", hs_last_error());
  uint64_t problems = 1;
  ck_assert_int_eq(hs_index_verify(idx, NULL, NULL, &problems), HS_OK);
  ck_assert_uint_eq(problems, 0);
  hs_index_close(idx);
}

/* Opening an index as a store (scan --store IDX, or --index X --store X)
 * wrote the store's databases into it; now it is refused before anything
 * is written, and the index stays byte for byte what it was. */
START_TEST(store_refuses_index) {
  hs_index_close(make_index());
  char *data = tu_path(ipath, "data.mdb");
  size_t n0, n1;
  uint8_t *before = read_file(data, &n0);
  free(spath);
  spath = strdup(ipath);
  for (int readonly = 0; readonly < 2; readonly++)
    expect_store_refused(readonly, HS_ERR_INVALID_ARG, "is a hashsweep index, not a store");
  uint8_t *after = read_file(data, &n1);
  ck_assert_uint_eq(n0, n1);
  ck_assert_mem_eq(before, after, n0);
  char *lock = tu_path(ipath, "run.lock");
  ck_assert_int_eq(access(lock, F_OK), -1);
  assert_index_ok();
  free(lock);
  free(before);
  free(after);
  free(data);
}
END_TEST

START_TEST(index_refuses_store) {
  store *s;
  ck_assert_int_eq(store_open(spath, 0, &s), HS_OK);
  store_close(s);
  hs_index *idx = (hs_index *)1;
  ck_assert_int_eq(hs_index_open(spath, 0, &idx), HS_ERR_INVALID_ARG);
  ck_assert_ptr_null(idx);
  ck_assert_msg(strstr(hs_last_error(), "is a hashsweep store, not an index"), "%s",
                hs_last_error());
  ck_assert_int_eq(store_open(spath, 1, &s), HS_OK);
  store_close(s);
}
END_TEST

/* Drops the kind record, as environments of the previous release are. */
static void drop_kind_record(const char *path, unsigned maxdbs) {
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  ck_assert_int_eq(mdb_env_create(&env), 0);
  ck_assert_int_eq(mdb_env_set_maxdbs(env, maxdbs), 0);
  ck_assert_int_eq(mdb_env_open(env, path, 0, 0600), 0);
  ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
  ck_assert_int_eq(mdb_dbi_open(txn, "hashsweep", 0, &dbi), 0);
  ck_assert_int_eq(mdb_drop(txn, dbi, 1), 0);
  ck_assert_int_eq(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
}

START_TEST(previous_release_environments) {
  hs_index_close(make_index());
  drop_kind_record(ipath, 16);
  store *s;
  ck_assert_int_eq(store_open(spath, 0, &s), HS_OK);
  store_job job;
  ck_assert_int_eq(fill(s, 100, &job), HS_OK);
  store_close(s);
  drop_kind_record(spath, 16);
  /* Each opens as what its databases say, and still refuses the other. */
  assert_index_ok();
  ck_assert_int_eq(store_open(spath, 0, &s), HS_OK);
  assert_records(s, 100);
  store_close(s);
  hs_index *idx = (hs_index *)1;
  ck_assert_int_eq(hs_index_open(spath, HS_INDEX_READONLY, &idx), HS_ERR_INVALID_ARG);
  ck_assert_msg(strstr(hs_last_error(), "is a hashsweep store, not an index"), "%s",
                hs_last_error());
  char *data = tu_path(ipath, "data.mdb");
  size_t n0, n1;
  uint8_t *before = read_file(data, &n0);
  free(spath);
  spath = strdup(ipath);
  expect_store_refused(0, HS_ERR_INVALID_ARG, "is a hashsweep index, not a store");
  uint8_t *after = read_file(data, &n1);
  ck_assert_uint_eq(n0, n1);
  ck_assert_mem_eq(before, after, n0);
  assert_index_ok();
  free(before);
  free(after);
  free(data);
}
END_TEST

/* ---- run locks ------------------------------------------------------------------------ */

START_TEST(one_writer_per_store) {
  store *a, *b = (store *)1, *r;
  ck_assert_int_eq(store_open(spath, 0, &a), HS_OK);
  char want[64];
  snprintf(want, sizeof want, "in use by process %ld", (long)getpid());
  ck_assert_int_eq(store_open(spath, 0, &b), HS_ERR_BUSY);
  ck_assert_ptr_null(b);
  ck_assert_msg(strstr(hs_last_error(), want), "%s", hs_last_error());
  /* Readers (rescan) are not locked out. */
  ck_assert_int_eq(store_open(spath, 1, &r), HS_OK);
  store_close(r);
  store_close(a);
  char *lock = tu_path(spath, "run.lock");
  ck_assert_int_eq(access(lock, F_OK), -1);
  ck_assert_int_eq(store_open(spath, 0, &b), HS_OK);
  store_close(b);
  free(lock);
}
END_TEST

START_TEST(one_run_per_output) {
  char *out = tu_path(dir, "out.jsonl"), *lock = tu_path(dir, "out.jsonl.lock");
  run_lock *a, *b = (run_lock *)1, *dev;
  ck_assert_int_eq(run_lock_output(out, &a), HS_OK);
  ck_assert_ptr_nonnull(a);
  struct stat st;
  ck_assert_int_eq(stat(lock, &st), 0);
  ck_assert_int_eq(st.st_mode & 0777, 0600);
  ck_assert_int_eq(run_lock_output(out, &b), HS_ERR_BUSY);
  ck_assert_ptr_null(b);
  char want[64];
  snprintf(want, sizeof want, "output %s is in use by process %ld", out, (long)getpid());
  ck_assert_msg(strstr(hs_last_error(), want), "%s", hs_last_error());
  run_lock_release(a);
  ck_assert_int_eq(access(lock, F_OK), -1);
  /* A lock file left by a killed run (its pid, no lock) is taken over. */
  ck_assert_int_eq(tu_write_file(lock, "999999\n", 7), 0);
  ck_assert_int_eq(run_lock_output(out, &b), HS_OK);
  run_lock_release(b);
  /* Devices need none. */
  ck_assert_int_eq(run_lock_output("/dev/null", &dev), HS_OK);
  ck_assert_ptr_null(dev);
  free(out);
  free(lock);
}
END_TEST

/* ---- permissions ---------------------------------------------------------------------- */

static void expect_index_refused(hs_status want, const char *needle) {
  hs_index *idx = (hs_index *)1;
  hs_status st = hs_index_open(ipath, HS_INDEX_READONLY, &idx);
  ck_assert_msg(st == want, "got %d (%s)", st, hs_last_error());
  ck_assert_msg(strstr(hs_last_error(), needle), "'%s' lacks '%s'", hs_last_error(), needle);
}

/* One rule for both kinds: anything others may write is refused, naming
 * the chmod that fixes it. */
START_TEST(permission_rule) {
  store *s;
  ck_assert_int_eq(store_open(spath, 0, &s), HS_OK);
  store_close(s);
  hs_index_close(make_index());
  const char *dirs[] = {spath, ipath};
  for (int i = 0; i < 2; i++) {
    char *data = tu_path(dirs[i], "data.mdb"), *lockf = tu_path(dirs[i], "lock.mdb");
    char want[4200];
    static const mode_t bad_dir[] = {0777, 0770, 0702};
    for (size_t m = 0; m < 3; m++) {
      ck_assert_int_eq(chmod(dirs[i], bad_dir[m]), 0);
      snprintf(want, sizeof want, "refusing to use it: chmod 700 %s", dirs[i]);
      if (i == 0)
        expect_store_refused(1, HS_ERR_INVALID_ARG, want);
      else
        expect_index_refused(HS_ERR_INVALID_ARG, want);
    }
    ck_assert_int_eq(chmod(dirs[i], 0700), 0);
    const char *files[] = {data, lockf};
    for (int f = 0; f < 2; f++) {
      ck_assert_int_eq(chmod(files[f], 0666), 0);
      snprintf(want, sizeof want, "%s: writable by anyone (mode 666)", files[f]);
      if (i == 0)
        expect_store_refused(0, HS_ERR_INVALID_ARG, want);
      else
        expect_index_refused(HS_ERR_INVALID_ARG, want);
      snprintf(want, sizeof want, "chmod 600 %s", files[f]);
      ck_assert_msg(strstr(hs_last_error(), want), "%s", hs_last_error());
      ck_assert_int_eq(chmod(files[f], 0600), 0);
    }
    /* Readable by others: used (with a warning). */
    ck_assert_int_eq(chmod(dirs[i], 0755), 0);
    ck_assert_int_eq(chmod(data, 0644), 0);
    free(data);
    free(lockf);
  }
  ck_assert_int_eq(store_open(spath, 0, &s), HS_OK);
  store_close(s);
  assert_index_ok();
}
END_TEST

/* ---- address space -------------------------------------------------------------------- */

/* ulimit -v below the map reservation: the error names the variable that
 * makes the map smaller, and the variable works. */
START_TEST(address_limit_hint) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return; /* sanitizers reserve terabytes of shadow memory up front */
#else
  hs_index_close(make_index());
  struct rlimit lim = {(rlim_t)8 << 30, (rlim_t)8 << 30};
  ck_assert_int_eq(setrlimit(RLIMIT_AS, &lim), 0);
  store *s = (store *)1;
  ck_assert_int_eq(store_open(spath, 0, &s), HS_ERR_NOMEM);
  ck_assert_msg(strstr(hs_last_error(), "set HASHSWEEP_STORE_MAPSIZE to a smaller byte count"), "%s",
                hs_last_error());
  expect_index_refused(HS_ERR_NOMEM, "set HASHSWEEP_INDEX_MAPSIZE to a smaller byte count");
  setenv("HASHSWEEP_STORE_MAPSIZE", "16777216", 1);
  setenv("HASHSWEEP_INDEX_MAPSIZE", "16777216", 1);
  ck_assert_int_eq(store_open(spath, 0, &s), HS_OK);
  store_close(s);
  assert_index_ok();
#endif
}
END_TEST

typedef struct sweeps_seen {
  int n, bad;
} sweeps_seen;

static int check_sweep(void *ctx, const sweep_record *r) {
  sweeps_seen *c = ctx;
  c->n++;
  uint64_t i = (uint64_t)c->n;
  char list[16];
  snprintf(list, sizeof list, "l%llu", (unsigned long long)i);
  /* in append order, every field as written */
  if (r->seq != i || r->kind != SWEEP_RESCAN || r->start != (int64_t)(1000 + i) ||
      r->end != (int64_t)(2000 + i) || r->index_version != 3 * i || r->since_version != i - 1 ||
      r->files != 7 || r->matches != i % 3 || strcmp(r->index, "/srv/idx") != 0 ||
      strcmp(r->list, list) != 0 || strcmp(r->options, "radius=31") != 0 ||
      strcmp(r->version, "9.9.9") != 0 || r->nhits != i % 3 ||
      (r->nhits && (r->hits[0] != 1024 + i || r->hits[1] != 5)))
    c->bad++;
  return 0;
}

START_TEST(sweep_records) {
  store *w, *a, *r;
  /* A missing store is not made by an append-only open. */
  ck_assert_int_eq(store_open(spath, STORE_APPEND, &a), HS_ERR_NOT_FOUND);
  ck_assert_int_eq(access(spath, F_OK), -1);
  ck_assert_int_eq(store_open(spath, 0, &w), HS_OK);
  /* Beside a writer that holds the run lock (a rescan while a scan runs). */
  ck_assert_int_eq(store_open(spath, STORE_APPEND, &a), HS_OK);
  for (uint64_t i = 1; i <= 300; i++) { /* past 255: keys sort by seq */
    char list[16];
    snprintf(list, sizeof list, "l%llu", (unsigned long long)i);
    uint64_t hits[4] = {1024 + i, 5, 2048 + i, 6};
    sweep_record rec = {.kind = SWEEP_RESCAN, .start = (int64_t)(1000 + i),
                        .end = (int64_t)(2000 + i), .index_version = 3 * i,
                        .since_version = i - 1, .files = 7, .matches = i % 3,
                        .index = "/srv/idx", .list = list, .options = "radius=31",
                        .version = "9.9.9", .nhits = i % 3 ? 1 : 0, .hits = hits};
    if (i % 3 == 2)
      rec.nhits = 2;
    ck_assert_int_eq(sweep_append(a, &rec), HS_OK);
  }
  /* Another series does not leak into this one. */
  ck_assert_int_eq(store_meta_append(a, "swee", "x", 1, NULL), HS_OK);
  store_close(a);
  store_close(w);
  ck_assert_int_eq(store_open(spath, 1, &r), HS_OK);
  sweeps_seen c = {0};
  ck_assert_int_eq(sweep_each(r, check_sweep, &c), HS_OK);
  ck_assert_int_eq(c.n, 300);
  ck_assert_int_eq(c.bad, 0);
  store_close(r);
  /* A damaged record is an error naming it, not a crash. */
  ck_assert_int_eq(store_open(spath, STORE_APPEND, &a), HS_OK);
  ck_assert_int_eq(store_meta_append(a, "sweep", "xx", 2, NULL), HS_OK);
  memset(&c, 0, sizeof c);
  ck_assert_int_eq(sweep_each(a, check_sweep, &c), HS_ERR_CORRUPT);
  ck_assert_msg(strstr(hs_last_error(), "sweep record 301 is damaged"), "%s", hs_last_error());
  store_close(a);
}
END_TEST

static Suite *store_suite(void) {
  Suite *s = suite_create("store");
  TCase *tc = tcase_create("store");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, round_trip);
  tcase_add_test(tc, full_map_grows);
  tcase_add_test(tc, video_records);
  tcase_add_test(tc, refuses_damaged);
  tcase_add_test(tc, refuses_foreign_lmdb);
  tcase_add_test(tc, store_refuses_index);
  tcase_add_test(tc, index_refuses_store);
  tcase_add_test(tc, previous_release_environments);
  tcase_add_test(tc, one_writer_per_store);
  tcase_add_test(tc, one_run_per_output);
  tcase_add_test(tc, sweep_records);
  tcase_add_test(tc, permission_rule);
  tcase_add_test(tc, address_limit_hint);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(store_suite()); }
