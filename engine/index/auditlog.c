/* index/auditlog.c - encoding, appending and reading audit-log records. */
#include "index/auditlog.h"

#include <openssl/evp.h>
#include <string.h>

#include "core/error.h"
#include "core/json.h"

#define AUDIT_FORMAT_OLD 1 /* before the hash chain: no seq, details, prev */
#define AUDIT_FORMAT 2

const char *audit_kind_name(int kind) {
  switch (kind) {
  case AUDIT_CREATE: return "create";
  case AUDIT_IMPORT: return "import";
  case AUDIT_WITHDRAW: return "withdraw";
  case AUDIT_DECIDE: return "decide";
  case AUDIT_SET_LIST: return "set-list";
  case AUDIT_QUARANTINE: return "quarantine";
  case AUDIT_RELEASE: return "release";
  case AUDIT_RUN: return "run";
  default: return NULL;
  }
}

/* The head every record starts with: u8 format, u8 kind, [u64 seq in
 * format 2], i64 time. 0, or -1 for a short record or an unknown format. */
typedef struct audit_head {
  int format, kind;
  uint64_t stored_seq; /* format 2 only */
  int64_t time;
} audit_head;

static int read_head(rec_reader *r, audit_head *h) {
  h->format = rec_get_u8(r);
  h->kind = rec_get_u8(r);
  h->stored_seq = h->format == AUDIT_FORMAT ? rec_get_u64(r) : 0;
  h->time = (int64_t)rec_get_u64(r);
  return !r->bad && (h->format == AUDIT_FORMAT || h->format == AUDIT_FORMAT_OLD) ? 0 : -1;
}

hs_status audit_clock(hs_index *idx, MDB_txn *txn, int64_t *now) {
  *now = index_now();
  MDB_val k, v;
  int rc = lmdb_last(txn, idx->dbi[DB_LOG], &k, &v);
  if (rc == MDB_NOTFOUND)
    return HS_OK;
  if (rc != 0)
    return lmdb_fail(rc, "%s: reading the audit log", idx->path);
  rec_reader r = rec_reader_make(v.mv_data, v.mv_size);
  audit_head h;
  if (read_head(&r, &h) != 0)
    return error_set(HS_ERR_CORRUPT, "%s: the newest audit record is damaged", idx->path);
  if (h.time > *now)
    *now = h.time;
  return HS_OK;
}

hs_status audit_next_seq(hs_index *idx, MDB_txn *txn, uint64_t *seq) {
  uint64_t v;
  HS_TRY(index_counter_get(idx, txn, "log_seq", &v));
  HS_TRY(index_counter_put(idx, txn, "log_seq", v + 1));
  *seq = v + 1;
  return HS_OK;
}

static void put_cstr(rec_writer *w, const char *s) { rec_put_str(w, s ? s : "", s ? strlen(s) : 0); }

void audit_record_hash(const void *data, size_t n, uint8_t out[32]) {
  unsigned len = 0;
  EVP_Digest(data, n, out, &len, EVP_sha256(), NULL);
}

#define HEAD_KEY "log_head"

hs_status audit_head_get(hs_index *idx, MDB_txn *txn, uint64_t *seq, uint8_t sha256[32],
                         int *found) {
  MDB_val k = lmdb_val(HEAD_KEY, sizeof HEAD_KEY - 1), v;
  int rc = mdb_get(txn, idx->dbi[DB_META], &k, &v);
  *found = 0;
  if (rc == MDB_NOTFOUND)
    return HS_OK;
  if (rc != 0)
    return lmdb_fail(rc, "%s: reading the audit log head", idx->path);
  if (v.mv_size != 8 + 32)
    return error_set(HS_ERR_CORRUPT, "%s: damaged audit log head", idx->path);
  memcpy(seq, v.mv_data, 8);
  memcpy(sha256, (const uint8_t *)v.mv_data + 8, 32);
  *found = 1;
  return HS_OK;
}

/* The link: the SHA-256 of record seq - 1 as stored (zeros for the first
 * record). A missing previous record is an error: appending would hide
 * the gap behind a valid-looking link. */
static hs_status prev_link(hs_index *idx, MDB_txn *txn, uint64_t seq, uint8_t out[32]) {
  memset(out, 0, 32);
  if (seq <= 1)
    return HS_OK;
  uint64_t prev = seq - 1;
  MDB_val k = lmdb_val(&prev, sizeof prev), v;
  int rc = mdb_get(txn, idx->dbi[DB_LOG], &k, &v);
  if (rc == MDB_NOTFOUND)
    return error_set(HS_ERR_CORRUPT, "%s: audit record %llu is missing (run index verify)",
                     idx->path, (unsigned long long)prev);
  if (rc != 0)
    return lmdb_fail(rc, "%s: reading audit record %llu", idx->path, (unsigned long long)prev);
  audit_record_hash(v.mv_data, v.mv_size, out);
  return HS_OK;
}

static void encode(rec_writer *w, uint64_t seq, const audit_entry *e, const uint8_t prev[32]) {
  rec_put_u8(w, AUDIT_FORMAT);
  rec_put_u8(w, (uint8_t)e->kind);
  rec_put_u64(w, seq);
  rec_put_u64(w, (uint64_t)e->time);
  rec_put_u64(w, e->rejected);
  rec_put_u64(w, e->not_found);
  rec_put_u32(w, (uint32_t)e->nparts);
  for (size_t i = 0; i < e->nparts; i++) {
    const audit_part *p = &e->parts[i];
    rec_put_u32(w, p->list_id);
    put_cstr(w, p->list);
    rec_put_u64(w, p->version);
    rec_put_u64(w, p->added);
    rec_put_u64(w, p->duplicates);
    rec_put_u64(w, p->withdrawn);
  }
  rec_put_u32(w, (uint32_t)e->nfiles);
  for (size_t i = 0; i < e->nfiles; i++) {
    put_cstr(w, e->files[i].name);
    rec_put_bytes(w, e->files[i].sha256, 32);
    rec_put_u64(w, e->files[i].bytes);
  }
  put_cstr(w, e->note);
  put_cstr(w, e->command);
  put_cstr(w, e->details);
  rec_put_bytes(w, prev, 32);
}

hs_status audit_append(hs_index *idx, MDB_txn *txn, uint64_t seq, const audit_entry *e) {
  uint8_t prev[32];
  HS_TRY(prev_link(idx, txn, seq, prev));
  rec_writer w = {0};
  encode(&w, seq, e, prev);
  hs_status s = rec_writer_status(&w);
  if (s == HS_OK) {
    MDB_val k = lmdb_val(&seq, sizeof seq), v = lmdb_val(w.buf, w.len);
    int rc = mdb_put(txn, idx->dbi[DB_LOG], &k, &v, MDB_NOOVERWRITE);
    if (rc != 0)
      s = lmdb_fail(rc, "%s: appending audit record %llu", idx->path, (unsigned long long)seq);
  }
  if (s == HS_OK) {
    uint8_t head[8 + 32];
    memcpy(head, &seq, 8);
    audit_record_hash(w.buf, w.len, head + 8);
    MDB_val k = lmdb_val(HEAD_KEY, sizeof HEAD_KEY - 1), v = lmdb_val(head, sizeof head);
    int rc = mdb_put(txn, idx->dbi[DB_META], &k, &v, 0);
    if (rc != 0)
      s = lmdb_fail(rc, "%s: writing the audit log head", idx->path);
  }
  rec_writer_free(&w);
  return s;
}

static const char *arena_str(rec_reader *r, rec_arena *a) {
  size_t n;
  const char *p = rec_get_str(r, &n);
  return rec_arena_strndup(a, p, n);
}

static hs_status decode_parts(rec_reader *r, rec_arena *a, hs_log_record *out, uint32_t **ids) {
  uint32_t n = rec_get_u32(r);
  if (r->bad || n > (size_t)(r->end - r->p))
    return HS_ERR_CORRUPT;
  hs_log_list *lists = rec_arena_alloc(a, (n ? n : 1) * sizeof *lists);
  uint32_t *lid = rec_arena_alloc(a, (n ? n : 1) * sizeof *lid);
  if (!lists || !lid)
    return HS_ERR_NOMEM;
  for (uint32_t i = 0; i < n && !r->bad; i++) {
    lid[i] = rec_get_u32(r);
    lists[i].list = arena_str(r, a);
    lists[i].version = rec_get_u64(r);
    lists[i].added = rec_get_u64(r);
    lists[i].duplicates = rec_get_u64(r);
    lists[i].withdrawn = rec_get_u64(r);
  }
  out->lists = lists;
  out->nlists = n;
  if (ids)
    *ids = lid;
  return r->bad ? HS_ERR_CORRUPT : HS_OK;
}

static hs_status decode_files(rec_reader *r, rec_arena *a, hs_log_record *out) {
  uint32_t n = rec_get_u32(r);
  if (r->bad || n > (size_t)(r->end - r->p))
    return HS_ERR_CORRUPT;
  hs_log_file *files = rec_arena_alloc(a, (n ? n : 1) * sizeof *files);
  if (!files)
    return HS_ERR_NOMEM;
  for (uint32_t i = 0; i < n && !r->bad; i++) {
    files[i].name = arena_str(r, a);
    const uint8_t *d = rec_get_bytes(r, 32);
    if (d)
      memcpy(files[i].sha256, d, 32);
    files[i].bytes = rec_get_u64(r);
  }
  out->files = files;
  out->nfiles = n;
  return r->bad ? HS_ERR_CORRUPT : HS_OK;
}

hs_status audit_decode(const void *data, size_t n, uint64_t seq, rec_arena *arena,
                       hs_log_record *out, uint32_t **list_ids) {
  memset(out, 0, sizeof *out);
  rec_reader r = rec_reader_make(data, n);
  out->seq = seq;
  audit_record_hash(data, n, out->sha256);
  audit_head h;
  int head_ok = read_head(&r, &h) == 0;
  out->kind = audit_kind_name(h.kind);
  out->linked = h.format == AUDIT_FORMAT;
  out->stored_seq = h.stored_seq;
  out->time = h.time;
  out->rejected = rec_get_u64(&r);
  out->not_found = rec_get_u64(&r);
  hs_status s = head_ok && out->kind && !r.bad ? HS_OK : HS_ERR_CORRUPT;
  if (s == HS_OK)
    s = decode_parts(&r, arena, out, list_ids);
  if (s == HS_OK)
    s = decode_files(&r, arena, out);
  if (s == HS_OK) {
    out->note = arena_str(&r, arena);
    out->command = arena_str(&r, arena);
    out->details = out->linked ? arena_str(&r, arena) : rec_arena_strndup(arena, "", 0);
    if (out->linked) {
      const uint8_t *p = rec_get_bytes(&r, 32);
      if (p)
        memcpy(out->prev_sha256, p, 32);
    }
    if (r.bad || !rec_at_end(&r) || !out->note || !out->command || !out->details)
      s = HS_ERR_CORRUPT;
    /* Exported as JSON as it is: it must be what the writer made. */
    else if (out->details[0] && (out->details[0] != '{' ||
                                !json_compact_value(out->details, strlen(out->details))))
      s = HS_ERR_CORRUPT;
  }
  if (s == HS_ERR_CORRUPT)
    return error_set(s, "audit record %llu is damaged", (unsigned long long)seq);
  return s;
}

hs_status hs_index_log(hs_index *idx, int (*fn)(void *user, const hs_log_record *r), void *user) {
  HS_CHECK(idx && fn, HS_ERR_INVALID_ARG, "index log: NULL argument");
  MDB_txn *txn;
  HS_TRY(lmdb_txn_begin(idx->env, MDB_RDONLY, &txn));
  MDB_cursor *c;
  int rc = mdb_cursor_open(txn, idx->dbi[DB_LOG], &c);
  if (rc != 0) {
    mdb_txn_abort(txn);
    return lmdb_fail(rc, "%s: mdb_cursor_open", idx->path);
  }
  hs_status s = HS_OK;
  MDB_val k, v;
  rec_arena arena = {0};
  for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && s == HS_OK;
       rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
    uint64_t seq = 0;
    if (k.mv_size == sizeof seq)
      memcpy(&seq, k.mv_data, sizeof seq);
    hs_log_record rec;
    s = audit_decode(v.mv_data, v.mv_size, seq, &arena, &rec, NULL);
    if (s == HS_OK && fn(user, &rec) != 0)
      break;
    rec_arena_free(&arena);
  }
  rec_arena_free(&arena);
  if (s == HS_OK && rc != 0 && rc != MDB_NOTFOUND)
    s = lmdb_fail(rc, "%s: reading the audit log", idx->path);
  mdb_cursor_close(c);
  mdb_txn_abort(txn);
  return s;
}
