/* index/snapshot.c - the read side for scans: snapshots (LMDB read
 * transactions), page blocks straight from the map, active hashes copied
 * into aligned arrays, and entry metadata by id. */
#include <stdlib.h>
#include <string.h>

#include "core/cancel.h"
#include "core/error.h"
#include "core/fault.h"
#include "index/entrymeta.h"
#include "index/entryvariants.h"
#include "index/record.h"
#include "index/index_internal.h"

struct hs_index_snapshot {
  hs_index *idx;
  MDB_txn *txn;
  uint64_t version;
  rec_arena names;      /* list names, valid until renew/close */
  const char **by_id;   /* nby_id slots, grown to the largest id asked */
  size_t nby_id;
  rec_arena entry;      /* strings of the last hs_index_entry_get */
  hs_index_field *fields;
  size_t fcap;
  hs_index_variant *vars; /* the last entry's variants */
  size_t vcap;
  char vname[HS_VARIANT_MAX_NAME + 1]; /* hs_index_variant_of's name */
};

static hs_status read_version(hs_index_snapshot *s) {
  return index_counter_get(s->idx, s->txn, "version", &s->version);
}

hs_status hs_index_snapshot_open(hs_index *idx, hs_index_snapshot **out) {
  HS_CHECK(idx && out, HS_ERR_INVALID_ARG, "snapshot open: NULL argument");
  hs_index_snapshot *s = calloc(1, sizeof *s);
  if (!s)
    return error_set(HS_ERR_NOMEM, "out of memory");
  s->idx = idx;
  hs_status st = lmdb_txn_begin(idx->env, MDB_RDONLY, &s->txn);
  if (st == HS_OK) {
    atomic_fetch_add(&idx->snapshots, 1);
    st = read_version(s);
    if (st != HS_OK)
      hs_index_snapshot_close(s);
  } else {
    free(s);
  }
  *out = st == HS_OK ? s : NULL;
  return st;
}

static void drop_caches(hs_index_snapshot *s) {
  rec_arena_free(&s->names);
  rec_arena_free(&s->entry);
  free(s->by_id);
  s->by_id = NULL;
  s->nby_id = 0;
}

hs_status hs_index_snapshot_renew(hs_index_snapshot *s) {
  HS_CHECK(s, HS_ERR_INVALID_ARG, "snapshot renew: NULL");
  drop_caches(s);
  mdb_txn_reset(s->txn);
  int rc = mdb_txn_renew(s->txn);
  if (rc != 0)
    return lmdb_fail(rc, "%s: renewing a snapshot", s->idx->path);
  return read_version(s);
}

void hs_index_snapshot_close(hs_index_snapshot *s) {
  if (!s)
    return;
  if (s->txn) {
    mdb_txn_abort(s->txn);
    atomic_fetch_sub(&s->idx->snapshots, 1);
  }
  drop_caches(s);
  free(s->fields);
  free(s->vars);
  free(s);
}

uint64_t hs_index_snapshot_version(const hs_index_snapshot *s) { return s ? s->version : 0; }

hs_index *snapshot_index(hs_index_snapshot *s) { return s->idx; }
MDB_txn *snapshot_txn(hs_index_snapshot *s) { return s->txn; }

const char *hs_index_snapshot_list_name(hs_index_snapshot *s, unsigned id) {
  if (!s || id == 0 || id > INDEX_MAX_LISTS)
    return NULL;
  /* Grown, not 65536 slots at once: a snapshot per lookup (serve) must
   * not clear half a megabyte for a name. */
  if (id >= s->nby_id) {
    size_t n = s->nby_id ? s->nby_id : 16;
    while (n <= id)
      n *= 2;
    const char **p = realloc(s->by_id, n * sizeof *p);
    if (!p)
      return NULL;
    memset(p + s->nby_id, 0, (n - s->nby_id) * sizeof *p);
    s->by_id = p;
    s->nby_id = n;
  }
  if (!s->by_id[id]) {
    char name[INDEX_MAX_NAME + 1];
    if (list_name(s->idx, s->txn, id, name, sizeof name) != HS_OK)
      return NULL;
    s->by_id[id] = rec_arena_strndup(&s->names, name, strlen(name));
  }
  return s->by_id[id];
}

hs_status hs_index_snapshot_list_id(hs_index_snapshot *s, const char *name, unsigned *id) {
  HS_CHECK(s && name && id, HS_ERR_INVALID_ARG, "snapshot list id: NULL argument");
  list_record r;
  HS_TRY(list_get(s->idx, s->txn, name, &r));
  *id = r.id;
  return HS_OK;
}

hs_status hs_index_version_time(hs_index_snapshot *s, uint64_t version, int64_t *t) {
  HS_CHECK(s && t, HS_ERR_INVALID_ARG, "version time: NULL argument");
  if (version == 0) {
    *t = 0;
    return HS_OK;
  }
  version_record r;
  HS_TRY(version_get(s->idx, s->txn, version, &r));
  *t = r.time;
  return HS_OK;
}

/* ---- blocks --------------------------------------------------------------------- */

struct hs_index_iter {
  hs_index_snapshot *snap;
  hs_hash_type type;
  uint64_t since;
  page_cursor pc;
};

hs_status hs_index_iter_create(hs_index_snapshot *s, hs_hash_type type, uint64_t since,
                               hs_index_iter **out) {
  HS_CHECK(s && out && (unsigned)type < HS_HASH_TYPE_COUNT, HS_ERR_INVALID_ARG,
           "iter create: bad argument");
  hs_index_iter *it = calloc(1, sizeof *it);
  if (!it)
    return error_set(HS_ERR_NOMEM, "out of memory");
  hs_status st = page_cursor_open(s->idx, s->txn, type, &it->pc);
  if (st != HS_OK) {
    free(it);
    return st;
  }
  it->snap = s;
  it->type = type;
  it->since = since;
  *out = it;
  return HS_OK;
}

static void fill_block(const page_layout *l, uint32_t no, void *p, hs_index_block *b) {
  const page_header *h = page_hdr(p);
  b->type = l->type;
  b->page = no;
  b->first_id = page_entry_id(no, 0);
  b->count = h->count;
  b->withdrawn = h->withdrawn;
  b->min_version = h->min_version;
  b->max_version = h->max_version;
  b->hashes = page_hashes(l, p);
  b->versions = page_versions(l, p);
  b->lists = page_lists(l, p);
  b->quality = page_quality(l, p);
  b->flags = page_flags(l, p);
}

hs_status hs_index_iter_next(hs_index_iter *it, hs_index_block *b) {
  HS_CHECK(it && b, HS_ERR_INVALID_ARG, "iter next: NULL argument");
  const page_layout *l = &it->snap->idx->layout[it->type];
  uint32_t no;
  void *p;
  hs_status s;
  while ((s = page_cursor_next(&it->pc, &no, &p)) == HS_OK) {
    if (page_hdr(p)->max_version <= it->since)
      continue;
    fill_block(l, no, p, b);
    return HS_OK;
  }
  return s;
}

void hs_index_iter_destroy(hs_index_iter *it) {
  if (!it)
    return;
  page_cursor_close(&it->pc);
  free(it);
}

/* ---- loading into aligned arrays ----------------------------------------------------- */

void hs_index_hashes_free(hs_index_hashes *h) {
  if (!h)
    return;
  free(h->hashes);
  free(h->ids);
  free(h->quality);
  free(h->lists);
  memset(h, 0, sizeof *h);
}

static void *alloc64(size_t bytes) {
  return aligned_alloc(64, ((bytes ? bytes : 1) + 63) & ~(size_t)63);
}

/* Withdrawn and quarantined (flood guard) entries are not matched. */
#define INACTIVE_FLAGS (HS_ENTRY_WITHDRAWN | HS_ENTRY_QUARANTINED)

static int wanted(const hs_index_block *b, size_t i, unsigned list, uint64_t since) {
  return !(b->flags[i] & INACTIVE_FLAGS) && (!list || b->lists[i] == list) &&
         b->versions[i] > since;
}

/* Copies the wanted slots of a block (whole columns when all are) into
 * out[at, cap). Returns the slots copied, or SIZE_MAX when they would not
 * fit (the pages changed between counting and copying: damage). */
static size_t copy_block(const hs_index_block *b, size_t hb, unsigned list, uint64_t since,
                         hs_index_hashes *out, size_t at, size_t cap) {
  int all = b->withdrawn == 0 && !list && b->min_version > since;
  /* The header counts withdrawals only: a quarantined slot is found by its
   * flag (one byte per slot, cheap beside copying the hashes). */
  for (size_t i = 0; all && i < b->count; i++)
    all = !(b->flags[i] & HS_ENTRY_QUARANTINED);
  size_t fits = cap - at;
  if (all && b->count > fits)
    return SIZE_MAX;
  if (all) {
    memcpy((uint8_t *)out->hashes + at * hb, b->hashes, b->count * hb);
    memcpy(out->quality + at, b->quality, b->count);
    memcpy(out->lists + at, b->lists, b->count * sizeof *b->lists);
    for (size_t i = 0; i < b->count; i++)
      out->ids[at + i] = b->first_id + i;
    return b->count;
  }
  size_t n = 0;
  for (size_t i = 0; i < b->count; i++) {
    if (!wanted(b, i, list, since))
      continue;
    if (n == fits)
      return SIZE_MAX;
    memcpy((uint8_t *)out->hashes + (at + n) * hb, (const uint8_t *)b->hashes + i * hb, hb);
    out->quality[at + n] = b->quality[i];
    out->lists[at + n] = b->lists[i];
    out->ids[at + n] = b->first_id + i;
    n++;
  }
  return n;
}

static hs_status count_wanted(hs_index_snapshot *s, hs_hash_type t, unsigned list, uint64_t since,
                              size_t *total) {
  hs_index_iter *it;
  HS_TRY(hs_index_iter_create(s, t, since, &it));
  hs_index_block b;
  hs_status st;
  *total = 0;
  while ((st = hs_index_iter_next(it, &b)) == HS_OK)
    for (size_t i = 0; i < b.count; i++)
      *total += (size_t)wanted(&b, i, list, since);
  hs_index_iter_destroy(it);
  return st == HS_ERR_NOT_FOUND ? HS_OK : st;
}

hs_status hs_index_load(hs_index_snapshot *s, hs_hash_type t, const hs_index_filter *f,
                        hs_index_hashes *out) {
  HS_CHECK(s && out && (unsigned)t < HS_HASH_TYPE_COUNT, HS_ERR_INVALID_ARG,
           "index load: bad argument");
  memset(out, 0, sizeof *out);
  unsigned list = 0;
  uint64_t since = f ? f->since_version : 0;
  if (f && f->list)
    HS_TRY(hs_index_snapshot_list_id(s, f->list, &list));
  size_t n, hb = hs_hash_type_bytes(t);
  HS_TRY(count_wanted(s, t, list, since, &n));
  out->type = t;
  out->version = s->version;
  out->hashes = alloc64(n * hb);
  out->ids = alloc64(n * sizeof *out->ids);
  out->quality = alloc64(n);
  out->lists = alloc64(n * sizeof *out->lists);
  if (!out->hashes || !out->ids || !out->quality || !out->lists) {
    hs_index_hashes_free(out);
    return error_set(HS_ERR_NOMEM, "out of memory loading %zu %s hashes", n, hs_hash_type_name(t));
  }
  const hs_cancel *cancel = f ? f->cancel : NULL;
  /* Test hook: hold the load here until released or cancelled (a signal
   * that arrives during index load, deterministically). */
  if (fault_listed("hold", "index-load"))
    fault_wait_release_or_cancel("held", cancel);
  hs_index_iter *it = NULL;
  hs_status st = hs_index_iter_create(s, t, since, &it);
  hs_index_block b;
  size_t at = 0;
  while (st == HS_OK && (st = hs_index_iter_next(it, &b)) == HS_OK) {
    if (cancel_triggered(cancel)) {
      st = cancel_status();
      break;
    }
    size_t got = copy_block(&b, hb, list, since, out, at, n);
    if (got == SIZE_MAX) {
      st = error_set(HS_ERR_CORRUPT, "index load: %s page %u holds more entries than counted "
                     "(damaged; run hashsweep index verify)", hs_hash_type_name(t), b.page);
      break;
    }
    at += got;
  }
  hs_index_iter_destroy(it);
  if (st == HS_ERR_NOT_FOUND)
    st = HS_OK;
  out->count = at;
  if (st != HS_OK || at != n) {
    hs_index_hashes_free(out);
    return st != HS_OK ? st : error_set(HS_ERR_CORRUPT, "index load: counted %zu, copied %zu",
                                        n, at);
  }
  return HS_OK;
}

/* ---- one entry ----------------------------------------------------------------------- */

static hs_status find_entry(hs_index_snapshot *s, uint64_t id, hs_hash_type *type,
                            const void **page, unsigned *slot) {
  for (int t = 0; t < HS_HASH_TYPE_COUNT; t++) {
    hs_status st = index_page_get(s->idx, s->txn, (hs_hash_type)t, page_of_id(id), page);
    if (st == HS_ERR_NOT_FOUND)
      continue;
    HS_TRY(st);
    *type = (hs_hash_type)t;
    *slot = slot_of_id(id);
    if (*slot < page_hdr((void *)*page)->count)
      return HS_OK;
    break;
  }
  return error_set(HS_ERR_NOT_FOUND, "no entry %llu", (unsigned long long)id);
}

static hs_status push_field(hs_index_snapshot *s, hs_index_entry *e, unsigned prov,
                            const emeta_kv *kv) {
  if (rec_grow(&s->fields, &s->fcap, e->nfields, sizeof *s->fields, 16) != 0)
    return error_set(HS_ERR_NOMEM, "out of memory");
  e->fields = s->fields;
  const char *k = rec_arena_strndup(&s->entry, kv->key, kv->klen);
  const char *v = rec_arena_strndup(&s->entry, kv->val, kv->vlen);
  if (!k || !v)
    return HS_ERR_NOMEM;
  s->fields[e->nfields++] = (hs_index_field){prov, k, v};
  if (prov == 0 && strcmp(k, "label") == 0)
    e->label = v;
  else if (prov == 0 && strcmp(k, "source") == 0)
    e->source = v;
  else if (prov == 0 && strcmp(k, "id") == 0)
    e->external_id = v;
  return HS_OK;
}

static hs_status entry_meta(hs_index_snapshot *s, hs_index_entry *e) {
  emeta m;
  int found;
  HS_TRY(emeta_load(s->idx, s->txn, e->id, &m, &found));
  hs_status st = HS_OK;
  e->provenances = found ? m.nprov : 1;
  for (uint32_t i = 0; found && i < m.nprov && st == HS_OK; i++) {
    rec_reader r = rec_reader_make(m.prov[i].blob, m.prov[i].blob_len);
    emeta_kv kv;
    int more;
    while (st == HS_OK && (more = emeta_blob_next(&r, &kv)) == 1)
      st = push_field(s, e, i, &kv);
    if (st == HS_OK && more < 0)
      st = error_set(HS_ERR_CORRUPT, "entry %llu: damaged metadata", (unsigned long long)e->id);
  }
  if (st == HS_OK && found && m.withdrawn) {
    e->withdrawn_time = m.w_time;
    e->withdrawn_version = m.w_version;
    e->withdraw_reason = rec_arena_strndup(&s->entry, m.reason, m.reason_len);
  }
  emeta_free(&m);
  return st;
}

static int variant_cmp(const void *a, const void *b) {
  const hs_index_variant *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* A variant slot's entry and name, or an entry's variant slots (by name,
 * then id). */
static hs_status entry_variants(hs_index_snapshot *s, hs_index_entry *e, int is_variant) {
  const char *name;
  size_t nlen;
  if (is_variant) {
    HS_TRY(variant_slot_get(s->idx, s->txn, e->id, &e->variant_of, &name, &nlen));
    e->variant = rec_arena_strndup(&s->entry, name, nlen);
    return e->variant ? HS_OK : HS_ERR_NOMEM;
  }
  uint64_t *ids;
  size_t n;
  HS_TRY(variant_slots_of(s->idx, s->txn, e->id, &ids, &n));
  hs_status st = HS_OK;
  if (n > s->vcap) {
    hs_index_variant *v = realloc(s->vars, n * sizeof *v);
    if (!v)
      st = error_set(HS_ERR_NOMEM, "out of memory");
    else
      s->vars = v, s->vcap = n;
  }
  const page_layout *l = &s->idx->layout[e->type];
  for (size_t i = 0; i < n && st == HS_OK; i++) {
    hs_index_variant *v = &s->vars[i];
    uint64_t owner;
    const void *page;
    unsigned slot;
    hs_hash_type t;
    memset(v, 0, sizeof *v);
    v->id = ids[i];
    st = variant_slot_get(s->idx, s->txn, ids[i], &owner, &name, &nlen);
    if (st == HS_OK && !(v->name = rec_arena_strndup(&s->entry, name, nlen)))
      st = HS_ERR_NOMEM;
    if (st == HS_OK)
      st = find_entry(s, ids[i], &t, &page, &slot);
    if (st == HS_OK && (t != e->type || owner != e->id))
      st = error_set(HS_ERR_CORRUPT, "entry %llu: variant slot %llu does not belong to it",
                     (unsigned long long)e->id, (unsigned long long)ids[i]);
    if (st == HS_OK) {
      memcpy(v->hash, page_hashes(l, (void *)page) + slot * l->hash_bytes, l->hash_bytes);
      v->withdrawn = (page_flags(l, (void *)page)[slot] & HS_ENTRY_WITHDRAWN) != 0;
    }
  }
  free(ids);
  if (st == HS_OK && n) {
    qsort(s->vars, n, sizeof *s->vars, variant_cmp);
    e->variants = s->vars;
    e->nvariants = n;
  }
  return st;
}

hs_status hs_index_entry_get(hs_index_snapshot *s, uint64_t id, hs_index_entry *e) {
  HS_CHECK(s && e, HS_ERR_INVALID_ARG, "entry get: NULL argument");
  memset(e, 0, sizeof *e);
  rec_arena_free(&s->entry);
  const void *page = NULL;
  unsigned slot = 0;
  HS_TRY(find_entry(s, id, &e->type, &page, &slot));
  const page_layout *l = &s->idx->layout[e->type];
  void *p = (void *)page;
  e->id = id;
  memcpy(e->hash, page_hashes(l, p) + slot * l->hash_bytes, l->hash_bytes);
  e->quality = page_quality(l, p)[slot];
  e->list_id = page_lists(l, p)[slot];
  e->list = hs_index_snapshot_list_name(s, e->list_id);
  e->version_added = page_versions(l, p)[slot];
  HS_TRY(hs_index_version_time(s, e->version_added, &e->added_time));
  e->withdrawn = (page_flags(l, p)[slot] & HS_ENTRY_WITHDRAWN) != 0;
  e->quarantined = (page_flags(l, p)[slot] & HS_ENTRY_QUARANTINED) != 0;
  e->provenances = 1;
  e->fields = s->fields;
  if (page_flags(l, p)[slot] & HS_ENTRY_HAS_META)
    HS_TRY(entry_meta(s, e));
  return entry_variants(s, e, (page_flags(l, p)[slot] & HS_ENTRY_VARIANT) != 0);
}

hs_status hs_index_variant_of(hs_index_snapshot *s, uint64_t id, uint64_t *entry,
                              const char **name) {
  HS_CHECK(s && entry, HS_ERR_INVALID_ARG, "variant of: NULL argument");
  const char *n;
  size_t nlen;
  HS_TRY(variant_slot_get(s->idx, s->txn, id, entry, &n, &nlen));
  memcpy(s->vname, n, nlen); /* nlen <= HS_VARIANT_MAX_NAME (checked) */
  s->vname[nlen] = '\0';
  if (name)
    *name = s->vname;
  return HS_OK;
}
