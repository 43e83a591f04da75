/* index/verify.c - hs_index_verify: every invariant of the index, one line
 * per problem. Reads the whole index in one read transaction (a consistent
 * snapshot; writers are not blocked). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "index/auditchain.h"
#include "index/auditlog.h"
#include "index/dedup.h"
#include "index/entrymeta.h"
#include "index/entryvariants.h"
#include "index/listattr.h"
#include "index/vframes.h"
#include "index/index_internal.h"
#include "index/passthru.h"

#define REPORT_LIMIT 10000

typedef struct list_sum {
  int exists;
  char name[INDEX_MAX_NAME + 1];
  list_record rec;
  uint64_t entries, withdrawn, active[HS_HASH_TYPE_COUNT]; /* from the pages */
  uint64_t log_added, log_withdrawn;                       /* from the log */
  uint64_t max_version;                                    /* from versions */
  uint64_t variants;                                       /* active variant slots */
} list_sum;

typedef struct verifier {
  hs_index *idx;
  MDB_txn *txn;
  hs_index_problem_fn fn;
  void *user;
  uint64_t problems;
  uint64_t version, next_page, next_list, log_seq;
  list_sum *lists;           /* [INDEX_MAX_LISTS + 1] */
  u64map page_type;          /* page_no -> type + 1 */
  uint64_t meta_flags;       /* entries with HS_ENTRY_HAS_META */
  uint64_t variants, variants_withdrawn; /* variant slots in the pages */
  version_record *versions;  /* [version + 1] */
  uint8_t *version_seen;     /* referenced by a log part */
  uint64_t log_prev;
  int64_t log_time;
  uint64_t vframes_seen;     /* vframes records of existing video entries */
  uint64_t vpdq_entries;     /* video entries in the pages */
  audit_chain chain;
} verifier;

static void problem(verifier *v, const char *where, const char *fmt, ...) HS_PRINTF(3, 4);
static void problem(verifier *v, const char *where, const char *fmt, ...) {
  v->problems++;
  if (v->problems > REPORT_LIMIT)
    return;
  char cause[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cause, sizeof cause, fmt, ap);
  va_end(ap);
  if (v->problems == REPORT_LIMIT)
    snprintf(cause, sizeof cause, "more than %d problems; not listing the rest", REPORT_LIMIT);
  if (v->fn)
    v->fn(v->user, where, cause);
}

typedef hs_status (*kv_fn)(verifier *v, const MDB_val *k, const MDB_val *d);

static hs_status each(verifier *v, int db, kv_fn fn) {
  MDB_cursor *c;
  int rc = mdb_cursor_open(v->txn, v->idx->dbi[db], &c);
  if (rc != 0)
    return lmdb_fail(rc, "%s: mdb_cursor_open", v->idx->path);
  hs_status s = HS_OK;
  MDB_val k, d;
  for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0 && s == HS_OK;
       rc = mdb_cursor_get(c, &k, &d, MDB_NEXT))
    s = fn(v, &k, &d);
  if (s == HS_OK && rc != 0 && rc != MDB_NOTFOUND)
    s = lmdb_fail(rc, "%s: reading %s", v->idx->path, index_db_name(db));
  mdb_cursor_close(c);
  return s;
}

static int u64_key(const MDB_val *k, uint64_t *out) {
  if (k->mv_size != 8)
    return -1;
  memcpy(out, k->mv_data, 8);
  return 0;
}

/* ---- lists ---------------------------------------------------------------------- */

static hs_status check_list(verifier *v, const MDB_val *k, const MDB_val *d) {
  char name[INDEX_MAX_NAME + 1];
  size_t n = k->mv_size < INDEX_MAX_NAME ? k->mv_size : INDEX_MAX_NAME;
  memcpy(name, k->mv_data, n);
  name[n] = '\0';
  list_record r;
  if (list_record_read(d, &r) != 0 || k->mv_size > INDEX_MAX_NAME) {
    problem(v, "lists", "list '%s': damaged record", name);
    return HS_OK;
  }
  if (r.id == 0 || r.id > INDEX_MAX_LISTS || r.id >= v->next_list) {
    problem(v, "lists", "list '%s': id %u out of range", name, r.id);
    return HS_OK;
  }
  list_sum *ls = &v->lists[r.id];
  if (ls->exists)
    problem(v, "lists", "lists '%s' and '%s' share id %u", ls->name, name, r.id);
  ls->exists = 1;
  memcpy(ls->name, name, n + 1);
  ls->rec = r;
  char byid[INDEX_MAX_NAME + 1];
  if (list_name(v->idx, v->txn, r.id, byid, sizeof byid) != HS_OK || strcmp(byid, name) != 0)
    problem(v, "lists", "list '%s': id %u does not map back to it", name, r.id);
  if (r.version > v->version)
    problem(v, "lists", "list '%s': version %llu is newer than the index (%llu)", name,
            (unsigned long long)r.version, (unsigned long long)v->version);
  if (r.updated < r.created)
    problem(v, "lists", "list '%s': updated before it was created", name);
  return HS_OK;
}

static hs_status check_listid(verifier *v, const MDB_val *k, const MDB_val *d) {
  uint32_t id = 0;
  if (k->mv_size == 4)
    memcpy(&id, k->mv_data, 4);
  if (id == 0 || id > INDEX_MAX_LISTS || !v->lists[id].exists ||
      strlen(v->lists[id].name) != d->mv_size ||
      memcmp(v->lists[id].name, d->mv_data, d->mv_size) != 0)
    problem(v, "lists", "list id %u names no list with that id", id);
  return HS_OK;
}

/* ---- pass-through entries ----------------------------------------------------------- */

static hs_status check_passthru(verifier *v, const MDB_val *k, const MDB_val *d) {
  uint32_t id;
  const char *why = NULL;
  if (passthru_check(v->idx, k, d, &id, &why) != 0)
    problem(v, "passthrough", "a pass-through entry of list id %u: %s", id, why);
  else if (id == 0 || id > INDEX_MAX_LISTS || !v->lists[id].exists)
    problem(v, "passthrough", "a pass-through entry of list id %u, which is no list", id);
  return HS_OK;
}

/* ---- versions -------------------------------------------------------------------- */

static hs_status check_version(verifier *v, const MDB_val *k, const MDB_val *d) {
  uint64_t ver;
  version_record r;
  if (u64_key(k, &ver) != 0 || d->mv_size != sizeof r || ver == 0 || ver > v->version) {
    problem(v, "versions", "damaged or out-of-range version record");
    return HS_OK;
  }
  memcpy(&r, d->mv_data, sizeof r);
  v->versions[ver] = r;
  char where[48];
  snprintf(where, sizeof where, "version %llu", (unsigned long long)ver);
  if (r.list_id == 0 || r.list_id > INDEX_MAX_LISTS || !v->lists[r.list_id].exists)
    problem(v, where, "names list id %u, which does not exist", r.list_id);
  else if (ver > v->lists[r.list_id].max_version)
    v->lists[r.list_id].max_version = ver;
  if (r.log_seq == 0 || r.log_seq > v->log_seq)
    problem(v, where, "names audit record %llu, which does not exist",
            (unsigned long long)r.log_seq);
  if (r.kind != VERSION_IMPORT && r.kind != VERSION_WITHDRAW && r.kind != VERSION_GUARD)
    problem(v, where, "unknown kind %u", r.kind);
  if (ver > 1 && v->versions[ver - 1].log_seq && r.time < v->versions[ver - 1].time)
    problem(v, where, "is older than version %llu", (unsigned long long)(ver - 1));
  if (ver > 1 && v->versions[ver - 1].log_seq && r.log_seq < v->versions[ver - 1].log_seq)
    problem(v, where, "belongs to an earlier audit record than version %llu",
            (unsigned long long)(ver - 1));
  return HS_OK;
}

/* ---- pages ----------------------------------------------------------------------- */

/* A variant slot: its record names an entry of the same type and list,
 * which lists it, and it is withdrawn when that entry is. */
static void check_variant(verifier *v, const page_layout *l, uint64_t id, unsigned list,
                          uint8_t flags, const char *where) {
  uint64_t owner, *ids = NULL;
  const char *name;
  size_t nlen, n = 0;
  v->variants++;
  v->variants_withdrawn += (flags & HS_ENTRY_WITHDRAWN) != 0;
  if (variant_slot_get(v->idx, v->txn, id, &owner, &name, &nlen) != HS_OK) {
    problem(v, where, "variant slot %llu has no valid variant record", (unsigned long long)id);
    return;
  }
  const void *page;
  int listed = 0;
  if (variant_slots_of(v->idx, v->txn, owner, &ids, &n) == HS_OK)
    for (size_t i = 0; i < n; i++)
      listed |= ids[i] == id;
  free(ids);
  if (!listed)
    problem(v, where, "variant slot %llu: entry %llu does not list it", (unsigned long long)id,
            (unsigned long long)owner);
  else if (index_page_get(v->idx, v->txn, l->type, page_of_id(owner), &page) != HS_OK ||
           slot_of_id(owner) >= page_hdr((void *)page)->count)
    problem(v, where, "variant slot %llu: entry %llu is not a %s entry", (unsigned long long)id,
            (unsigned long long)owner, hs_hash_type_name(l->type));
  else {
    unsigned slot = slot_of_id(owner);
    uint8_t of = page_flags(l, (void *)page)[slot];
    if ((of & HS_ENTRY_VARIANT) || page_lists(l, (void *)page)[slot] != list)
      problem(v, where, "variant slot %llu: entry %llu is a variant or in another list",
              (unsigned long long)id, (unsigned long long)owner);
    else if ((of & HS_ENTRY_WITHDRAWN) && !(flags & HS_ENTRY_WITHDRAWN))
      problem(v, where, "variant slot %llu is active but its entry %llu is withdrawn",
              (unsigned long long)id, (unsigned long long)owner);
  }
}

static void check_slots(verifier *v, const page_layout *l, uint32_t no, void *p, dedup_set *seen,
                        const char *where) {
  const page_header *h = page_hdr(p);
  const uint32_t *ver = page_versions(l, p);
  const uint16_t *lists = page_lists(l, p);
  const uint8_t *q = page_quality(l, p), *fl = page_flags(l, p), *hashes = page_hashes(l, p);
  for (unsigned i = 0; i < h->count; i++) {
    unsigned list = lists[i];
    uint64_t id = page_entry_id(no, i);
    if (ver[i] == 0 || ver[i] > v->version || !v->versions[ver[i]].log_seq)
      problem(v, where, "entry %llu: version %u is not a recorded version", (unsigned long long)id,
              ver[i]);
    else if (v->versions[ver[i]].list_id != list)
      problem(v, where, "entry %llu: list %u, but its version %u changed list %u",
              (unsigned long long)id, list, ver[i], v->versions[ver[i]].list_id);
    if (list == 0 || !v->lists[list].exists) {
      problem(v, where, "entry %llu: list id %u does not exist", (unsigned long long)id, list);
      continue;
    }
    if (q[i] > 100 && q[i] != HS_QUALITY_UNKNOWN)
      problem(v, where, "entry %llu: quality %u", (unsigned long long)id, q[i]);
    if (fl[i] & ~(HS_ENTRY_WITHDRAWN | HS_ENTRY_HAS_META | HS_ENTRY_VARIANT |
                  HS_ENTRY_QUARANTINED))
      problem(v, where, "entry %llu: unknown flags 0x%02x", (unsigned long long)id, fl[i]);
    if ((fl[i] & HS_ENTRY_WITHDRAWN) && !(fl[i] & HS_ENTRY_HAS_META))
      problem(v, where, "entry %llu: withdrawn without a metadata record", (unsigned long long)id);
    v->meta_flags += (fl[i] & HS_ENTRY_HAS_META) != 0;
    list_sum *ls = &v->lists[list];
    if (fl[i] & HS_ENTRY_VARIANT) { /* not an entry: checked against its own */
      check_variant(v, l, id, list, fl[i], where);
      ls->variants += !(fl[i] & HS_ENTRY_WITHDRAWN);
      continue;
    }
    ls->entries++;
    if (fl[i] & HS_ENTRY_WITHDRAWN) {
      ls->withdrawn++;
      continue;
    }
    ls->active[l->type]++;
    const uint8_t *hash = hashes + i * l->hash_bytes;
    uint64_t other = dedup_find(seen, list, hash);
    if (other != DEDUP_NONE)
      problem(v, where, "entry %llu: same hash as active entry %llu in list '%s'",
              (unsigned long long)id, (unsigned long long)other, ls->name);
    else if (dedup_put(seen, list, hash, id) != HS_OK)
      problem(v, where, "out of memory checking duplicates");
  }
  /* Unused slots are zero in every column. */
  for (unsigned i = h->count; i < l->capacity; i++) {
    int dirty = ver[i] || lists[i] || q[i] || fl[i];
    for (size_t b = 0; b < l->hash_bytes && !dirty; b++)
      dirty = hashes[i * l->hash_bytes + b] != 0;
    if (dirty) {
      problem(v, where, "slot %u is past the used count but not empty", i);
      break;
    }
  }
}

static hs_status check_type(verifier *v, hs_hash_type t) {
  if (!v->idx->has[DB_PAGES + t]) /* an older index opened read-only */
    return HS_OK;
  const page_layout *l = &v->idx->layout[t];
  dedup_set seen;
  dedup_init(&seen, l->hash_bytes);
  MDB_cursor *c;
  int rc = mdb_cursor_open(v->txn, v->idx->dbi[DB_PAGES + t], &c);
  if (rc != 0)
    return lmdb_fail(rc, "%s: mdb_cursor_open", v->idx->path);
  MDB_val k, d;
  int prev_full = 1;
  uint32_t prev_no = 0;
  for (rc = mdb_cursor_get(c, &k, &d, MDB_FIRST); rc == 0; rc = mdb_cursor_get(c, &k, &d, MDB_NEXT)) {
    uint32_t no = 0;
    if (k.mv_size == 4)
      memcpy(&no, k.mv_data, 4);
    char where[64], cause[160];
    snprintf(where, sizeof where, "%s page %u", hs_hash_type_name(t), no);
    if (page_check(l, d.mv_data, d.mv_size, no, cause, sizeof cause) != HS_OK) {
      problem(v, where, "%s", cause);
      continue;
    }
    void *p = d.mv_data;
    if (page_hdr(p)->checksum != page_checksum(l, p))
      problem(v, where, "checksum mismatch (damaged)");
    if (no == 0 || no >= v->next_page)
      problem(v, where, "page number beyond the page counter %llu", (unsigned long long)v->next_page);
    uint64_t other;
    if (u64map_get(&v->page_type, no, &other))
      problem(v, where, "page number also used by a %s page", hs_hash_type_name((hs_hash_type)(other - 1)));
    else
      u64map_put(&v->page_type, no, (uint64_t)t + 1);
    if (!prev_full)
      problem(v, where, "follows page %u, which is not full", prev_no);
    prev_full = page_hdr(p)->count == l->capacity;
    prev_no = no;
    if (t == HS_HASH_VPDQ)
      v->vpdq_entries += page_hdr(p)->count;
    char tmp[sizeof(page_header)];
    memcpy(tmp, p, sizeof tmp);
    page_header h = *(page_header *)(void *)tmp;
    /* withdrawn/min/max as sealing would compute them */
    uint32_t wd = 0, lo = 0, hi = 0;
    for (uint32_t i = 0; i < h.count; i++) {
      wd += (page_flags(l, p)[i] & HS_ENTRY_WITHDRAWN) != 0;
      uint32_t x = page_versions(l, p)[i];
      lo = (i == 0 || x < lo) ? x : lo;
      hi = x > hi ? x : hi;
    }
    if (wd != h.withdrawn || lo != h.min_version || hi != h.max_version)
      problem(v, where, "header counts differ from the columns");
    check_slots(v, l, no, p, &seen, where);
  }
  mdb_cursor_close(c);
  dedup_free(&seen);
  if (rc != MDB_NOTFOUND)
    return lmdb_fail(rc, "%s: reading %s pages", v->idx->path, hs_hash_type_name(t));
  return HS_OK;
}

/* ---- entry metadata ----------------------------------------------------------------- */

static hs_status check_meta(verifier *v, const MDB_val *k, const MDB_val *d) {
  uint64_t id = 0;
  char where[48];
  if (u64_key(k, &id) != 0) {
    problem(v, "entrymeta", "damaged key");
    return HS_OK;
  }
  snprintf(where, sizeof where, "entry %llu", (unsigned long long)id);
  uint64_t t1;
  if (!u64map_get(&v->page_type, page_of_id(id), &t1)) {
    problem(v, where, "metadata for an entry that does not exist");
    return HS_OK;
  }
  hs_hash_type t = (hs_hash_type)(t1 - 1);
  const void *base;
  if (index_page_get(v->idx, v->txn, t, page_of_id(id), &base) != HS_OK ||
      slot_of_id(id) >= page_hdr((void *)base)->count) {
    problem(v, where, "metadata for an entry that does not exist");
    return HS_OK;
  }
  const page_layout *l = &v->idx->layout[t];
  unsigned slot = slot_of_id(id);
  uint8_t fl = page_flags(l, (void *)base)[slot];
  if (!(fl & HS_ENTRY_HAS_META))
    problem(v, where, "has metadata but its flag says none");
  emeta m;
  if (emeta_decode(d->mv_data, d->mv_size, &m) != HS_OK) {
    problem(v, where, "damaged metadata record");
    return HS_OK;
  }
  if (!!m.withdrawn != !!(fl & HS_ENTRY_WITHDRAWN))
    problem(v, where, "withdrawal flag and metadata disagree");
  unsigned list = page_lists(l, (void *)base)[slot];
  if (m.withdrawn && (m.w_version == 0 || m.w_version > v->version ||
                      v->versions[m.w_version].list_id != list))
    problem(v, where, "withdrawn at version %llu, which did not change its list",
            (unsigned long long)m.w_version);
  for (uint32_t i = 0; i < m.nprov; i++) {
    for (uint32_t j = 0; j < m.prov[i].nseq; j++)
      if (m.prov[i].seqs[j] == 0 || m.prov[i].seqs[j] > v->log_seq)
        problem(v, where, "provenance names audit record %llu, which does not exist",
                (unsigned long long)m.prov[i].seqs[j]);
    rec_reader r = rec_reader_make(m.prov[i].blob, m.prov[i].blob_len);
    emeta_kv kv;
    int more;
    while ((more = emeta_blob_next(&r, &kv)) == 1)
      ;
    if (more < 0)
      problem(v, where, "damaged provenance fields");
  }
  emeta_free(&m);
  v->meta_flags--; /* matched one flagged entry */
  return HS_OK;
}

/* ---- video frames ------------------------------------------------------------------- */

/* Each record belongs to a video entry and hashes to its content id; every
 * video entry has one (counted: vframes_seen against the pages). */
static hs_status check_vframes(verifier *v, const MDB_val *k, const MDB_val *d) {
  uint64_t id = 0, t1;
  char where[48];
  if (u64_key(k, &id) != 0) {
    problem(v, "vframes", "damaged key");
    return HS_OK;
  }
  snprintf(where, sizeof where, "entry %llu", (unsigned long long)id);
  const void *base;
  if (!u64map_get(&v->page_type, page_of_id(id), &t1) || t1 - 1 != HS_HASH_VPDQ ||
      index_page_get(v->idx, v->txn, HS_HASH_VPDQ, page_of_id(id), &base) != HS_OK ||
      slot_of_id(id) >= page_hdr((void *)base)->count) {
    problem(v, where, "video frames for an entry that is not a video entry");
    return HS_OK;
  }
  v->vframes_seen++;
  hs_index_frame *f;
  size_t n;
  int fmt;
  int r = vframes_decode(d->mv_data, d->mv_size, &f, &n, &fmt);
  if (r == -2)
    return error_set(HS_ERR_NOMEM, "out of memory");
  if (r != 0) {
    problem(v, where, "damaged video frames record");
    return HS_OK;
  }
  uint8_t cid[32];
  const page_layout *l = &v->idx->layout[HS_HASH_VPDQ];
  if (vframes_content_id(f, n, cid) != 0 ||
      memcmp(cid, page_hashes(l, (void *)base) + slot_of_id(id) * l->hash_bytes, 32) != 0)
    problem(v, where, "its frames do not hash to its content id");
  free(f);
  return HS_OK;
}

/* ---- audit log ---------------------------------------------------------------------- */

static hs_status check_log(verifier *v, const MDB_val *k, const MDB_val *d) {
  uint64_t seq = 0;
  char where[48];
  u64_key(k, &seq);
  snprintf(where, sizeof where, "audit record %llu", (unsigned long long)seq);
  rec_arena a = {0};
  hs_log_record r;
  uint32_t *ids = NULL;
  int ok = audit_decode(d->mv_data, d->mv_size, seq, &a, &r, &ids) == HS_OK;
  /* The chain first: it names the record that was changed, removed or
   * moved, before the consequences below. */
  audit_chain_step(&v->chain, seq, d->mv_data, d->mv_size, ok ? r.linked : -1, ok ? r.stored_seq : 0,
                   ok ? r.prev_sha256 : NULL);
  if (seq != v->log_prev + 1)
    problem(v, where, "follows record %llu (the log must have no gaps)",
            (unsigned long long)v->log_prev);
  v->log_prev = seq;
  if (!ok) {
    problem(v, where, "damaged");
    rec_arena_free(&a);
    return HS_OK;
  }
  if (seq == 1 && strcmp(r.kind, "create") != 0)
    problem(v, where, "the first record is not the creation");
  if (r.time < v->log_time)
    problem(v, where, "is older than the record before it");
  v->log_time = r.time;
  for (size_t i = 0; i < r.nlists; i++) {
    const hs_log_list *p = &r.lists[i];
    uint64_t ver = p->version;
    if (ids[i] == 0 || ids[i] > INDEX_MAX_LISTS || !v->lists[ids[i]].exists) {
      problem(v, where, "names list '%s' (id %u), which does not exist", p->list, ids[i]);
      continue;
    }
    if (ver == 0 || ver > v->version || v->versions[ver].log_seq != seq ||
        v->versions[ver].list_id != ids[i])
      problem(v, where, "list '%s': version %llu is not recorded as this change", p->list,
              (unsigned long long)ver);
    else
      v->version_seen[ver] = 1;
    v->lists[ids[i]].log_added += p->added;
    v->lists[ids[i]].log_withdrawn += p->withdrawn;
  }
  rec_arena_free(&a);
  return HS_OK;
}

/* The chain's problems count and are capped like every other. */
static void chain_problem(void *user, const char *where, const char *cause) {
  problem(user, where, "%s", cause);
}

/* ---- totals ------------------------------------------------------------------------- */

static void check_totals(verifier *v) {
  for (unsigned id = 1; id <= INDEX_MAX_LISTS; id++) {
    list_sum *ls = &v->lists[id];
    if (!ls->exists)
      continue;
    char where[INDEX_MAX_NAME + 16];
    snprintf(where, sizeof where, "list '%s'", ls->name);
    if (ls->entries != ls->rec.entries || ls->withdrawn != ls->rec.withdrawn)
      problem(v, where, "table says %llu entries (%llu withdrawn), pages hold %llu (%llu)",
              (unsigned long long)ls->rec.entries, (unsigned long long)ls->rec.withdrawn,
              (unsigned long long)ls->entries, (unsigned long long)ls->withdrawn);
    for (int t = 0; t < HS_HASH_TYPE_COUNT; t++)
      if (ls->active[t] != ls->rec.active_by_type[t])
        problem(v, where, "table says %llu active %s entries, pages hold %llu",
                (unsigned long long)ls->rec.active_by_type[t], hs_hash_type_name((hs_hash_type)t),
                (unsigned long long)ls->active[t]);
    if (ls->log_added != ls->entries || ls->log_withdrawn != ls->withdrawn)
      problem(v, where, "the audit log adds up to %llu added, %llu withdrawn; pages hold %llu, %llu",
              (unsigned long long)ls->log_added, (unsigned long long)ls->log_withdrawn,
              (unsigned long long)ls->entries, (unsigned long long)ls->withdrawn);
    uint64_t nv = 0;
    if (variant_list_active(v->idx, v->txn, id, &nv) != HS_OK || nv != ls->variants)
      problem(v, where, "its variant counter says %llu active variant slots, pages hold %llu",
              (unsigned long long)nv, (unsigned long long)ls->variants);
    if (ls->rec.version != ls->max_version)
      problem(v, where, "version %llu, but its last change is version %llu",
              (unsigned long long)ls->rec.version, (unsigned long long)ls->max_version);
  }
  uint64_t slots = 0, gone = 0;
  if (variant_totals(v->idx, v->txn, &slots, &gone) != HS_OK || slots != v->variants ||
      gone != v->variants_withdrawn)
    problem(v, "meta", "variant counters say %llu slots (%llu withdrawn), pages hold %llu (%llu)",
            (unsigned long long)slots, (unsigned long long)gone,
            (unsigned long long)v->variants, (unsigned long long)v->variants_withdrawn);
  for (uint64_t ver = 1; ver <= v->version; ver++) {
    char where[48];
    snprintf(where, sizeof where, "version %llu", (unsigned long long)ver);
    if (!v->versions[ver].log_seq)
      problem(v, where, "missing (versions must be 1..%llu)", (unsigned long long)v->version);
    else if (!v->version_seen[ver])
      problem(v, where, "no audit record describes it");
  }
  if (v->meta_flags != 0)
    problem(v, "entrymeta", "%llu entries flagged with metadata have no record",
            (unsigned long long)v->meta_flags);
}

static hs_status check_counters(verifier *v) {
  HS_TRY(index_counter_get(v->idx, v->txn, "version", &v->version));
  HS_TRY(index_counter_get(v->idx, v->txn, "next_page", &v->next_page));
  HS_TRY(index_counter_get(v->idx, v->txn, "next_list", &v->next_list));
  HS_TRY(index_counter_get(v->idx, v->txn, "log_seq", &v->log_seq));
  if (v->next_page == 0 || v->next_list == 0 || v->log_seq == 0)
    problem(v, "meta", "missing counters");
  if (v->version > UINT32_MAX)
    return error_set(HS_ERR_CORRUPT, "%s: version counter out of range", v->idx->path);
  MDB_stat st;
  int rc = mdb_stat(v->txn, v->idx->dbi[DB_LOG], &st);
  if (rc != 0)
    return lmdb_fail(rc, "%s: mdb_stat", v->idx->path);
  if (st.ms_entries != v->log_seq)
    problem(v, "log", "%zu records, but the sequence counter is %llu", (size_t)st.ms_entries,
            (unsigned long long)v->log_seq);
  MDB_cursor *c;
  if ((rc = mdb_cursor_open(v->txn, v->idx->dbi[DB_LOG], &c)) != 0)
    return lmdb_fail(rc, "%s: mdb_cursor_open", v->idx->path);
  MDB_val k, d;
  if (mdb_cursor_get(c, &k, &d, MDB_LAST) == 0) {
    uint64_t last = 0;
    u64_key(&k, &last);
    if (last != v->log_seq)
      problem(v, "log", "last record is %llu, the counter says %llu", (unsigned long long)last,
              (unsigned long long)v->log_seq);
  }
  mdb_cursor_close(c);
  return HS_OK;
}

static hs_status verify_all(verifier *v) {
  HS_TRY(check_counters(v));
  v->lists = calloc(INDEX_MAX_LISTS + 1, sizeof *v->lists);
  v->versions = calloc(v->version + 1, sizeof *v->versions);
  v->version_seen = calloc(v->version + 1, 1);
  if (!v->lists || !v->versions || !v->version_seen)
    return error_set(HS_ERR_NOMEM, "out of memory");
  HS_TRY(each(v, DB_LISTS, check_list));
  HS_TRY(each(v, DB_LISTID, check_listid));
  HS_TRY(each(v, DB_VERSIONS, check_version));
  for (int t = 0; t < HS_HASH_TYPE_COUNT; t++)
    HS_TRY(check_type(v, (hs_hash_type)t));
  HS_TRY(each(v, DB_EMETA, check_meta));
  if (v->idx->has[DB_VFRAMES])
    HS_TRY(each(v, DB_VFRAMES, check_vframes));
  if (v->vframes_seen != v->vpdq_entries)
    problem(v, "vframes", "%llu video entries, %llu have frames",
            (unsigned long long)v->vpdq_entries, (unsigned long long)v->vframes_seen);
  HS_TRY(each(v, DB_LOG, check_log));
  if (v->idx->has[DB_PASSTHRU])
    HS_TRY(each(v, DB_PASSTHRU, check_passthru));
  HS_TRY(audit_chain_finish(&v->chain, v->idx, v->txn));
  check_totals(v);
  return HS_OK;
}

hs_status hs_index_verify(hs_index *idx, hs_index_problem_fn fn, void *user, uint64_t *problems) {
  HS_CHECK(idx, HS_ERR_INVALID_ARG, "index verify: NULL index");
  verifier v;
  memset(&v, 0, sizeof v);
  v.idx = idx;
  v.fn = fn;
  v.user = user;
  u64map_init(&v.page_type);
  v.chain.fn = chain_problem;
  v.chain.user = &v;
  hs_status s = lmdb_txn_begin(idx->env, MDB_RDONLY, &v.txn);
  if (s == HS_OK) {
    s = verify_all(&v);
    mdb_txn_abort(v.txn);
  }
  u64map_free(&v.page_type);
  free(v.lists);
  free(v.versions);
  free(v.version_seen);
  if (problems)
    *problems = v.problems;
  if (s == HS_OK && v.problems)
    s = error_set(HS_ERR_CORRUPT, "%s: %llu problem(s) found", idx->path,
                  (unsigned long long)v.problems);
  return s;
}
