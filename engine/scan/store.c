/* scan/store.c - the archive hash store in LMDB. */
#include "scan/store.h"

#include <errno.h>
#include <lmdb.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

#include "core/error.h"
#include "core/runlock.h"
#include "kv/lmdb_util.h"

#define STORE_MAGIC "hashsweep-store"
#define STORE_SCHEMA 1
#define RECORD_FORMAT 1
/* The same, followed by the content region's quality and 8 hashes; written
 * only for files with added borders, so older builds still read the
 * records of every other file. */
#define RECORD_FORMAT_CONTENT 2
#define REC_CONTENT (1 + 8 * 32)
/* A video: format 1's fields (pdq unused, error = the note), then f64
 * seconds_per_hash, u32 nframes and the frames, REC_FRAME bytes each:
 * i64 frame, f64 timestamp, u8 quality, 8 x 32 bytes of PDQ (the frame's
 * and its 7 dihedral hashes: a mirrored video is matched from them). Older
 * builds call such a record damaged; they never wrote one. */
#define RECORD_FORMAT_VIDEO 3
#define REC_VIDEO_HEAD (8 + 4)
#define REC_FRAME (8 + 8 + 1 + 8 * 32)
/* A video with content frames (unletterbox: a letterboxed video): format
 * 3 with u32 ncontent after nframes, and that many more frames, those of
 * the content regions, after the frames. Written only for such videos, so
 * older builds still read every other video's record. */
#define RECORD_FORMAT_VIDEO_CONTENT 4
/* LMDB keys are limited to 511 bytes; longer paths are keyed by a digest
 * and carry the full path in the value. */
#define MAX_PLAIN_KEY 480
/* Map growths in a row before a write gives up. */
#define MAX_GROWTHS 40

/* What a store file holds (for the structural check at open). */
static const lmdb_db_rule store_dbs[] = {{"meta", 0, 0}, {"files", 0, 0}, {"jobs", 0, 0}};

struct store {
  MDB_env *env;
  MDB_dbi files, jobs, meta;
  MDB_txn *batch; /* open write transaction of a batch, or NULL */
  run_lock *lock; /* held while open for writing */
  char dir[4096];
  uint8_t *buf;   /* record serialisation buffer */
  size_t buf_cap;
  /* The batch's puts, to run again when the map fills and grows:
   * {u32 key bytes, u32 value bytes, key, value} one after another. */
  uint8_t *log;
  size_t log_len, log_cap;
};

/* LMDB turns a short write (a full disk stops a write part-way) into EIO;
 * say what is the likely cause when it is. */
static void disk_hint(const char *dir, int rc, char *out, size_t cap) {
  out[0] = '\0';
  if (rc != EIO && rc != ENOSPC && rc != EFBIG && rc != EDQUOT)
    return;
  struct statvfs vfs;
  struct rlimit lim;
  if (getrlimit(RLIMIT_FSIZE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY)
    snprintf(out, cap, " (a file size limit of %llu bytes is set: disk space used up?)",
             (unsigned long long)lim.rlim_cur);
  else if (statvfs(dir, &vfs) == 0)
    snprintf(out, cap, " (disk full? %llu bytes free on the store's filesystem)",
             (unsigned long long)vfs.f_bavail * vfs.f_frsize);
}

/* A failed LMDB call on the store: the disk hint, and a full disk or map
 * is an I/O failure (exit 3), not a damaged store. Remembers rc
 * (lmdb_last_rc) so the writers can tell a full map. */
static hs_status store_fail(int rc, const char *what, const char *dir) {
  char hint[160];
  disk_hint(dir, rc, hint, sizeof hint);
  hs_status st = rc == MDB_MAP_FULL || rc == ENOSPC || rc == EIO || rc == EFBIG ? HS_ERR_IO
                                                                                : HS_ERR_INDEX;
  return lmdb_fail_hinted(rc, st, hint, "store %s: %s", dir, what);
}

static hs_status begin(store *s, unsigned flags, MDB_txn **txn) {
  hs_status st = lmdb_txn_begin(s->env, flags, txn);
  return st == HS_OK ? HS_OK : error_prefix(st, "store %s: ", s->dir);
}

/* ---- record encoding ---------------------------------------------------- */

/* Value layout (native byte order; LMDB files are not portable across
 * byte orders anyway):
 *   u8 format, u8 status, u8 quality, u8 pipeline, u32 job, u64 size, i64 mtime_ns,
 *   i32 width, i32 height, md5[16], sha256[32], pdq 8 x 4 x u64,
 *   u16 path_len, u16 error_len, path bytes, error bytes
 * and in format 2: u8 content quality, content pdq 8 x 4 x u64 */
#define REC_FIXED (4 + 4 + 8 + 8 + 4 + 4 + 16 + 32 + 8 * 32 + 2 + 2)

static hs_status encode(store *s, const char *path, const store_record *r, MDB_val *v) {
  int video = r->status == STORE_OK && r->is_video;
  int vcontent = video && r->ncontent > 0;
  size_t plen = strlen(path),
         elen = r->status == STORE_ERROR || video ? strnlen(r->error, sizeof r->error - 1) : 0;
  if (plen > 65535)
    return error_set(HS_ERR_LIMIT, "%.200s...: path too long for the store", path);
  int content = r->status == STORE_OK && r->has_content && !video;
  size_t need = REC_FIXED + plen + elen + (content ? REC_CONTENT : 0) +
                (video ? REC_VIDEO_HEAD + (size_t)r->nframes * REC_FRAME : 0) +
                (vcontent ? 4 + (size_t)r->ncontent * REC_FRAME : 0);
  if (need > s->buf_cap) {
    uint8_t *b = realloc(s->buf, need);
    if (!b)
      return error_set(HS_ERR_NOMEM, "out of memory");
    s->buf = b;
    s->buf_cap = need;
  }
  uint8_t *p = s->buf;
  p[0] = vcontent ? RECORD_FORMAT_VIDEO_CONTENT : video ? RECORD_FORMAT_VIDEO : content ? RECORD_FORMAT_CONTENT : RECORD_FORMAT;
  p[1] = r->status;
  p[2] = r->quality;
  p[3] = r->pipeline;
  p += 4;
  memcpy(p, &r->job, 4), p += 4;
  memcpy(p, &r->size, 8), p += 8;
  memcpy(p, &r->mtime_ns, 8), p += 8;
  memcpy(p, &r->width, 4), p += 4;
  memcpy(p, &r->height, 4), p += 4;
  memcpy(p, r->md5, 16), p += 16;
  memcpy(p, r->sha256, 32), p += 32;
  memcpy(p, r->pdq, 8 * 32), p += 8 * 32;
  uint16_t pl = (uint16_t)plen, el = (uint16_t)elen;
  memcpy(p, &pl, 2), p += 2;
  memcpy(p, &el, 2), p += 2;
  memcpy(p, path, plen), p += plen;
  memcpy(p, r->error, elen), p += elen;
  if (content) {
    *p++ = r->content_quality;
    memcpy(p, r->content, 8 * 32);
  }
  if (video) {
    memcpy(p, &r->seconds_per_hash, 8), p += 8;
    memcpy(p, &r->nframes, 4), p += 4;
    if (vcontent)
      memcpy(p, &r->ncontent, 4), p += 4;
    for (uint32_t i = 0; i < r->nframes + r->ncontent; i++) {
      const hs_query_frame *f = &r->frames[i];
      uint8_t q = (uint8_t)f->pdq.quality;
      memcpy(p, &f->frame, 8), p += 8;
      memcpy(p, &f->timestamp, 8), p += 8;
      *p++ = q;
      memcpy(p, f->pdq.hash, 8 * 32), p += 8 * 32;
    }
  }
  v->mv_data = s->buf;
  v->mv_size = need;
  return HS_OK;
}

/* Decodes a value; path_out (may be NULL) receives a pointer into it. */
static hs_status decode(const MDB_val *v, store_record *r, const char **path, size_t *plen,
                        const char *dir) {
  const uint8_t *p = v->mv_data;
  if (v->mv_size < REC_FIXED ||
      (p[0] != RECORD_FORMAT && p[0] != RECORD_FORMAT_CONTENT && p[0] != RECORD_FORMAT_VIDEO &&
       p[0] != RECORD_FORMAT_VIDEO_CONTENT))
    return error_set(HS_ERR_CORRUPT, "store %s: damaged file record (%zu bytes)", dir,
                     v->mv_size);
  memset(r, 0, sizeof *r);
  int video = p[0] == RECORD_FORMAT_VIDEO || p[0] == RECORD_FORMAT_VIDEO_CONTENT;
  size_t head = REC_VIDEO_HEAD + (p[0] == RECORD_FORMAT_VIDEO_CONTENT ? 4 : 0);
  size_t extra = p[0] == RECORD_FORMAT_CONTENT ? REC_CONTENT : 0;
  r->status = p[1];
  r->quality = p[2];
  r->pipeline = p[3];
  p += 4;
  memcpy(&r->job, p, 4), p += 4;
  memcpy(&r->size, p, 8), p += 8;
  memcpy(&r->mtime_ns, p, 8), p += 8;
  memcpy(&r->width, p, 4), p += 4;
  memcpy(&r->height, p, 4), p += 4;
  memcpy(r->md5, p, 16), p += 16;
  memcpy(r->sha256, p, 32), p += 32;
  memcpy(r->pdq, p, 8 * 32), p += 8 * 32;
  uint16_t pl, el;
  memcpy(&pl, p, 2), p += 2;
  memcpy(&el, p, 2), p += 2;
  if (video && REC_FIXED + (size_t)pl + el + head <= v->mv_size) {
    const uint8_t *h = p + pl + el;
    memcpy(&r->seconds_per_hash, h, 8);
    memcpy(&r->nframes, h + 8, 4);
    if (head > REC_VIDEO_HEAD)
      memcpy(&r->ncontent, h + 12, 4);
    r->is_video = 1;
    r->frame_bytes = h + head;
    extra = head + ((size_t)r->nframes + r->ncontent) * REC_FRAME;
  } else if (video) {
    return error_set(HS_ERR_CORRUPT, "store %s: damaged video record", dir);
  }
  if (REC_FIXED + (size_t)pl + el + extra != v->mv_size)
    return error_set(HS_ERR_CORRUPT, "store %s: damaged file record", dir);
  if (path)
    *path = (const char *)p;
  if (plen)
    *plen = pl;
  size_t n = el < sizeof r->error - 1 ? el : sizeof r->error - 1;
  memcpy(r->error, p + pl, n);
  r->error[n] = '\0';
  if (extra && !video) {
    const uint8_t *c = p + pl + el;
    r->has_content = 1;
    r->content_quality = c[0];
    memcpy(r->content, c + 1, 8 * 32);
  }
  return HS_OK;
}

static void make_key(const char *path, uint8_t key[64], MDB_val *k) {
  size_t n = strlen(path);
  if (n > 0 && n <= MAX_PLAIN_KEY && (uint8_t)path[0] != 0xFF) {
    k->mv_data = (void *)path;
    k->mv_size = n;
    return;
  }
  unsigned len = 0;
  key[0] = 0xFF; /* sorts after every plain path (paths hold no 0xFF lead) */
  EVP_Digest(path, n, key + 1, &len, EVP_sha256(), NULL);
  k->mv_data = key;
  k->mv_size = 1 + len;
}

/* ---- environment ---------------------------------------------------------- */

static hs_status check_or_write_magic(store *s, MDB_txn *txn, int readonly) {
  MDB_val k = {sizeof STORE_MAGIC - 1, STORE_MAGIC}, v;
  int rc = mdb_get(txn, s->meta, &k, &v);
  if (rc == MDB_NOTFOUND) {
    MDB_stat st;
    mdb_stat(txn, s->files, &st);
    if (st.ms_entries > 0 || readonly)
      return error_set(HS_ERR_CORRUPT, "%s: not a hashsweep store (no store header)", s->dir);
    uint32_t schema = STORE_SCHEMA;
    MDB_val sv = {sizeof schema, &schema};
    rc = mdb_put(txn, s->meta, &k, &sv, 0);
    return rc ? store_fail(rc, "cannot write header", s->dir) : HS_OK;
  }
  if (rc)
    return store_fail(rc, "cannot read header", s->dir);
  uint32_t schema = 0;
  if (v.mv_size == sizeof schema)
    memcpy(&schema, v.mv_data, sizeof schema);
  if (schema != STORE_SCHEMA)
    return error_set(HS_ERR_CORRUPT, "%s: store schema %u, this hashsweep reads %u", s->dir,
                     schema, STORE_SCHEMA);
  return HS_OK;
}

static hs_status open_dbs_in(store *s, MDB_txn *txn, int readonly) {
  unsigned flags = readonly ? 0 : MDB_CREATE;
  int rc;
  if ((rc = mdb_dbi_open(txn, "meta", flags, &s->meta)) ||
      (rc = mdb_dbi_open(txn, "files", flags, &s->files)) ||
      (rc = mdb_dbi_open(txn, "jobs", flags, &s->jobs))) {
    if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE)
      return error_set(HS_ERR_CORRUPT, "%s: not a hashsweep store", s->dir);
    return store_fail(rc, "cannot open tables", s->dir);
  }
  return check_or_write_magic(s, txn, readonly);
}

static hs_status create_dbs(MDB_txn *txn, void *ctx) { return open_dbs_in(ctx, txn, 0); }

static hs_status open_dbs(store *s, int readonly) {
  if (!readonly)
    return lmdb_write(s->env, create_dbs, s, 0, NULL);
  MDB_txn *txn;
  HS_TRY(begin(s, MDB_RDONLY, &txn));
  hs_status st = open_dbs_in(s, txn, 1);
  if (st != HS_OK) {
    mdb_txn_abort(txn);
    return st;
  }
  /* Committing a read transaction keeps the handles it opened. */
  int rc = mdb_txn_commit(txn);
  return rc ? store_fail(rc, "cannot commit", s->dir) : HS_OK;
}

/* A missing store directory is made, owner-only: hashes of a platform's
 * archive are sensitive. */
static hs_status make_dir(const char *dir, int readonly) {
  struct stat st;
  if (stat(dir, &st) == 0 || errno != ENOENT)
    return HS_OK; /* the open says what is wrong with it */
  if (readonly)
    return error_set(HS_ERR_NOT_FOUND, "store %s: %s", dir, strerror(ENOENT));
  /* EEXIST: another run made it meanwhile; the open and the lock sort
   * that out. */
  if (mkdir(dir, 0700) != 0 && errno != EEXIST)
    return error_set(HS_ERR_IO, "store %s: cannot create: %s", dir, strerror(errno));
  return HS_OK;
}

/* Opening for writing takes the store's run lock (run.lock in the
 * directory) once the environment is known to be a store and before
 * anything of a run is written: one scan at a time per store. */
hs_status store_open(const char *dir, int readonly, store **out) {
  HS_CHECK(dir && out, HS_ERR_INVALID_ARG, "store_open: NULL argument");
  *out = NULL;
  HS_TRY(make_dir(dir, readonly != 0));
  store *s = calloc(1, sizeof *s);
  if (!s)
    return error_set(HS_ERR_NOMEM, "out of memory");
  snprintf(s->dir, sizeof s->dir, "%s", dir);
  int append = readonly == STORE_APPEND;
  readonly = readonly == 1;
  lmdb_open_spec spec = {.dir = dir, .kind = LMDB_KIND_STORE, .format = STORE_SCHEMA,
                         .flags = readonly ? MDB_RDONLY : 0, .maxdbs = 3,
                         .create = !readonly && !append,
                         .rules = store_dbs, .nrules = sizeof store_dbs / sizeof *store_dbs};
  hs_status e = lmdb_env_open(&spec, &s->env);
  if (e == HS_OK && !readonly && !append) {
    char lock[4200], what[4200];
    snprintf(lock, sizeof lock, "%s/run.lock", dir);
    snprintf(what, sizeof what, "store %s", dir);
    e = run_lock_take(lock, what, &s->lock);
  }
  if (e == HS_OK)
    e = open_dbs(s, readonly);
  if (e != HS_OK) {
    store_close(s);
    return e;
  }
  *out = s;
  return HS_OK;
}

void store_close(store *s) {
  if (!s)
    return;
  if (s->batch)
    mdb_txn_abort(s->batch);
  if (s->env)
    mdb_env_close(s->env);
  run_lock_release(s->lock);
  free(s->buf);
  free(s->log);
  free(s);
}

/* ---- jobs ----------------------------------------------------------------- */

static hs_status job_read(store *s, MDB_txn *txn, const char *name, store_job *job, int *found) {
  MDB_val k = {strlen(name), (void *)name}, v;
  int rc = mdb_get(txn, s->jobs, &k, &v);
  *found = 0;
  if (rc == MDB_NOTFOUND)
    return HS_OK;
  if (rc)
    return store_fail(rc, "cannot read job", s->dir);
  if (v.mv_size != sizeof *job)
    return error_set(HS_ERR_CORRUPT, "store %s: damaged job record", s->dir);
  memcpy(job, v.mv_data, sizeof *job);
  *found = 1;
  return HS_OK;
}

static hs_status job_write(store *s, MDB_txn *txn, const char *name, const store_job *job) {
  if (strlen(name) > MAX_PLAIN_KEY)
    return error_set(HS_ERR_LIMIT, "output path too long to name a job");
  MDB_val k = {strlen(name), (void *)name}, v = {sizeof *job, (void *)job};
  int rc = mdb_put(txn, s->jobs, &k, &v, 0);
  return rc ? store_fail(rc, "cannot write job", s->dir) : HS_OK;
}

hs_status store_job_get(store *s, const char *name, store_job *job, int *found) {
  MDB_txn *txn;
  HS_TRY(begin(s, MDB_RDONLY, &txn));
  hs_status st = job_read(s, txn, name, job, found);
  mdb_txn_abort(txn);
  return st;
}

typedef struct job_call {
  store *s;
  const char *name;
  const uint8_t *fingerprint;
  store_job *job;
} job_call;

/* Job ids come from a counter in meta; they only ever grow. */
static hs_status job_begin_in(MDB_txn *txn, void *ctx) {
  job_call *c = ctx;
  MDB_val k = {7, "next_job"}, v;
  uint32_t next = 1;
  int rc = mdb_get(txn, c->s->meta, &k, &v);
  if (rc == 0 && v.mv_size == sizeof next)
    memcpy(&next, v.mv_data, sizeof next);
  store_job *job = c->job;
  memset(job, 0, sizeof *job);
  job->id = next;
  job->state = JOB_RUNNING;
  memcpy(job->fingerprint, c->fingerprint, 32);
  job->started = (int64_t)time(NULL);
  next++;
  v.mv_size = sizeof next;
  v.mv_data = &next;
  rc = mdb_put(txn, c->s->meta, &k, &v, 0);
  if (rc)
    return store_fail(rc, "cannot write job counter", c->s->dir);
  return job_write(c->s, txn, c->name, job);
}

hs_status store_job_begin(store *s, const char *name, const uint8_t fingerprint[32],
                          store_job *job) {
  job_call c = {s, name, fingerprint, job};
  return lmdb_write(s->env, job_begin_in, &c, 0, NULL);
}

static hs_status job_finish_in(MDB_txn *txn, void *ctx) {
  job_call *c = ctx;
  return job_write(c->s, txn, c->name, c->job);
}

hs_status store_job_finish(store *s, const char *name, store_job *job) {
  job->state = JOB_DONE;
  job_call c = {s, name, NULL, job};
  return lmdb_write(s->env, job_finish_in, &c, 0, NULL);
}

/* ---- files ---------------------------------------------------------------- */

static hs_status lookup_in(store *s, MDB_txn *txn, const char *path, store_record *rec,
                           int *found) {
  uint8_t kb[64];
  MDB_val k, v;
  make_key(path, kb, &k);
  int rc = mdb_get(txn, s->files, &k, &v);
  *found = 0;
  if (rc == MDB_NOTFOUND)
    return HS_OK;
  if (rc)
    return store_fail(rc, "cannot read file record", s->dir);
  HS_TRY(decode(&v, rec, NULL, NULL, s->dir));
  *found = 1;
  return HS_OK;
}

void store_frames_unpack(const store_record *rec, hs_query_frame *out) {
  const uint8_t *p = rec->frame_bytes;
  for (uint32_t i = 0; i < rec->nframes + rec->ncontent; i++, p += REC_FRAME) {
    hs_query_frame *f = &out[i];
    memset(f, 0, sizeof *f);
    memcpy(&f->frame, p, 8);
    memcpy(&f->timestamp, p + 8, 8);
    f->pdq.quality = p[16];
    memcpy(f->pdq.hash, p + 17, 8 * 32);
  }
}

/* The frames of a video record, copied out while the transaction that
 * holds them is open; the borrowed pointer is cleared. */
static hs_status copy_frames(store_record *rec, hs_query_frame **frames) {
  *frames = NULL;
  if (rec->is_video && rec->nframes > 0) {
    size_t n = (size_t)rec->nframes + rec->ncontent;
    *frames = malloc(n * sizeof **frames);
    if (!*frames)
      return error_set(HS_ERR_NOMEM, "out of memory for %zu frame hashes", n);
    store_frames_unpack(rec, *frames);
  }
  rec->frame_bytes = NULL;
  return HS_OK;
}

hs_status store_lookup_frames(store *s, const char *path, store_record *rec,
                              hs_query_frame **frames, int *found) {
  if (frames)
    *frames = NULL;
  MDB_txn *txn = s->batch;
  if (!txn)
    HS_TRY(begin(s, MDB_RDONLY, &txn));
  hs_status st = lookup_in(s, txn, path, rec, found);
  if (st == HS_OK && *found)
    st = frames ? copy_frames(rec, frames) : HS_OK;
  if (*found)
    rec->frame_bytes = NULL;
  if (txn != s->batch)
    mdb_txn_abort(txn);
  return st;
}

hs_status store_lookup(store *s, const char *path, store_record *rec, int *found) {
  return store_lookup_frames(s, path, rec, NULL, found);
}

hs_status store_batch_begin(store *s) {
  HS_CHECK(!s->batch, HS_ERR_INTERNAL, "store batch already open");
  s->log_len = 0;
  return begin(s, 0, &s->batch);
}

/* Keeps a put of the batch for replay_batch. */
static hs_status log_put(store *s, const MDB_val *k, const MDB_val *v) {
  size_t need = s->log_len + 8 + k->mv_size + v->mv_size;
  if (need > s->log_cap) {
    size_t cap = need > 2 * s->log_cap ? need : 2 * s->log_cap;
    uint8_t *b = realloc(s->log, cap);
    if (!b)
      return error_set(HS_ERR_NOMEM, "out of memory");
    s->log = b;
    s->log_cap = cap;
  }
  uint32_t sizes[2] = {(uint32_t)k->mv_size, (uint32_t)v->mv_size};
  uint8_t *p = s->log + s->log_len;
  memcpy(p, sizes, 8);
  memcpy(p + 8, k->mv_data, k->mv_size);
  memcpy(p + 8 + k->mv_size, v->mv_data, v->mv_size);
  s->log_len = need;
  return HS_OK;
}

/* The batch's puts again, in a new transaction. */
static hs_status replay_batch(store *s) {
  for (size_t at = 0; at < s->log_len;) {
    uint32_t sizes[2];
    memcpy(sizes, s->log + at, 8);
    MDB_val k = {sizes[0], s->log + at + 8}, v = {sizes[1], s->log + at + 8 + sizes[0]};
    int rc = mdb_put(s->batch, s->files, &k, &v, 0);
    if (rc)
      return store_fail(rc, "cannot write file record", s->dir);
    at += 8 + (size_t)sizes[0] + sizes[1];
  }
  return HS_OK;
}

/* The map filled during a batch (LMDB has then failed the transaction):
 * grow it and redo the batch's puts in a new transaction. */
static hs_status regrow_batch(store *s) {
  for (int attempt = 0; attempt < MAX_GROWTHS; attempt++) {
    store_batch_abort(s);
    HS_TRY(lmdb_grow(s->env));
    HS_TRY(begin(s, 0, &s->batch));
    lmdb_clear_rc();
    hs_status st = replay_batch(s);
    if (st == HS_OK || lmdb_last_rc() != MDB_MAP_FULL)
      return st;
  }
  return error_set(HS_ERR_IO, "store %s: the map is still full after growing it %d times",
                   s->dir, MAX_GROWTHS);
}

hs_status store_batch_put(store *s, const char *path, const store_record *rec) {
  HS_CHECK(s->batch, HS_ERR_INTERNAL, "store batch not open");
  uint8_t kb[64];
  MDB_val k, v;
  make_key(path, kb, &k);
  HS_TRY(encode(s, path, rec, &v));
  HS_TRY(log_put(s, &k, &v));
  int rc = mdb_put(s->batch, s->files, &k, &v, 0);
  if (rc == MDB_MAP_FULL)
    return regrow_batch(s); /* the replay includes this put */
  return rc ? store_fail(rc, "cannot write file record", s->dir) : HS_OK;
}

hs_status store_batch_lookup(store *s, const char *path, store_record *rec, int *found) {
  HS_CHECK(s->batch, HS_ERR_INTERNAL, "store batch not open");
  hs_status st = lookup_in(s, s->batch, path, rec, found);
  rec->frame_bytes = NULL; /* not valid past the call */
  return st;
}

hs_status store_batch_commit(store *s, const char *job_name, const store_job *job) {
  HS_CHECK(s->batch, HS_ERR_INTERNAL, "store batch not open");
  for (int attempt = 0;; attempt++) {
    lmdb_clear_rc();
    hs_status st = job_name ? job_write(s, s->batch, job_name, job) : HS_OK;
    if (st == HS_OK) {
      int rc = mdb_txn_commit(s->batch);
      s->batch = NULL;
      if (rc == 0)
        return HS_OK;
      st = store_fail(rc, "cannot commit", s->dir);
    }
    if (lmdb_last_rc() != MDB_MAP_FULL || attempt >= MAX_GROWTHS) {
      store_batch_abort(s);
      return st;
    }
    HS_TRY(regrow_batch(s));
  }
}

void store_batch_abort(store *s) {
  if (s->batch)
    mdb_txn_abort(s->batch);
  s->batch = NULL;
}

hs_status store_iterate(store *s, store_visit_fn fn, void *ctx, int *stopped) {
  MDB_txn *txn;
  MDB_cursor *cur;
  HS_TRY(begin(s, MDB_RDONLY, &txn));
  int rc = mdb_cursor_open(txn, s->files, &cur);
  if (rc) {
    mdb_txn_abort(txn);
    return store_fail(rc, "cannot open cursor", s->dir);
  }
  hs_status st = HS_OK;
  MDB_val k, v;
  char path[65536 + 1];
  int stop = 0;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !stop;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    store_record r;
    const char *p = NULL;
    size_t plen = 0;
    if ((st = decode(&v, &r, &p, &plen, s->dir)) != HS_OK)
      break;
    memcpy(path, p, plen);
    path[plen] = '\0';
    stop = fn(ctx, path, &r);
  }
  if (st == HS_OK && rc != 0 && rc != MDB_NOTFOUND)
    st = store_fail(rc, "cannot read file records", s->dir);
  mdb_cursor_close(cur);
  mdb_txn_abort(txn);
  if (stopped)
    *stopped = stop;
  return st;
}

hs_status store_count(store *s, uint64_t *count) {
  MDB_txn *txn;
  HS_TRY(begin(s, MDB_RDONLY, &txn));
  MDB_stat st;
  int rc = mdb_stat(txn, s->files, &st);
  mdb_txn_abort(txn);
  if (rc)
    return store_fail(rc, "cannot stat", s->dir);
  *count = st.ms_entries;
  return HS_OK;
}

/* ---- meta series (store.h) ------------------------------------------------ */

static void meta_key(const char *prefix, uint64_t seq, char *buf, MDB_val *k) {
  size_t n = strlen(prefix);
  memcpy(buf, prefix, n);
  buf[n] = '/';
  for (int i = 0; i < 8; i++) /* big-endian: byte order is seq order */
    buf[n + 1 + i] = (char)(seq >> (56 - 8 * i));
  k->mv_data = buf;
  k->mv_size = n + 9;
}

typedef struct meta_call {
  store *s;
  const char *prefix;
  const void *val;
  size_t n;
  uint64_t seq;
} meta_call;

static hs_status meta_append_in(MDB_txn *txn, void *ctx) {
  meta_call *c = ctx;
  char counter[80], key[96];
  snprintf(counter, sizeof counter, "%s_seq", c->prefix);
  MDB_val k = {strlen(counter), counter}, v;
  uint64_t next = 1;
  int rc = mdb_get(txn, c->s->meta, &k, &v);
  if (rc == 0 && v.mv_size == sizeof next)
    memcpy(&next, v.mv_data, sizeof next);
  c->seq = next++;
  v = (MDB_val){sizeof next, &next};
  if ((rc = mdb_put(txn, c->s->meta, &k, &v, 0)) != 0)
    return store_fail(rc, "cannot write a record counter", c->s->dir);
  meta_key(c->prefix, c->seq, key, &k);
  v = (MDB_val){c->n, (void *)c->val};
  rc = mdb_put(txn, c->s->meta, &k, &v, MDB_NOOVERWRITE);
  return rc ? store_fail(rc, "cannot append a record", c->s->dir) : HS_OK;
}

hs_status store_meta_append(store *s, const char *prefix, const void *val, size_t n,
                            uint64_t *seq) {
  HS_CHECK(!s->batch && strlen(prefix) < 64, HS_ERR_INTERNAL, "store_meta_append: misuse");
  meta_call c = {s, prefix, val, n, 0};
  HS_TRY(lmdb_write(s->env, meta_append_in, &c, 0, NULL));
  if (seq)
    *seq = c.seq;
  return HS_OK;
}

hs_status store_meta_each(store *s, const char *prefix, store_meta_fn fn, void *ctx) {
  HS_CHECK(strlen(prefix) < 64, HS_ERR_INTERNAL, "store_meta_each: prefix too long");
  MDB_txn *txn;
  MDB_cursor *cur;
  HS_TRY(begin(s, MDB_RDONLY, &txn));
  int rc = mdb_cursor_open(txn, s->meta, &cur);
  if (rc) {
    mdb_txn_abort(txn);
    return store_fail(rc, "cannot open cursor", s->dir);
  }
  char first[96];
  MDB_val k, v;
  meta_key(prefix, 0, first, &k);
  size_t plen = strlen(prefix) + 1;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (k.mv_size != plen + 8 || memcmp(k.mv_data, first, plen) != 0)
      break; /* past the series */
    const uint8_t *b = (const uint8_t *)k.mv_data + plen;
    uint64_t seq = 0;
    for (int i = 0; i < 8; i++)
      seq = seq << 8 | b[i];
    if (fn(ctx, seq, v.mv_data, v.mv_size) != 0)
      break;
  }
  hs_status st = HS_OK;
  if (rc != 0 && rc != MDB_NOTFOUND)
    st = store_fail(rc, "cannot read records", s->dir);
  mdb_cursor_close(cur);
  mdb_txn_abort(txn);
  return st;
}
