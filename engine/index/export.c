/* index/export.c - hs_index_export: the active entries in a form
 * hs_index_import reads back to the same content (TSV, CSV or JSONL).
 * One row per entry and distinct provenance; columns [list], type, hash,
 * quality, label, source, id, added, then every extra column (sorted).
 * `added` is the source's value when it gave one, else the time of the
 * version that added the entry, so an exported list re-imported elsewhere
 * exports identically. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/json.h"
#include "index/dedup.h"
#include "index/entrymeta.h"
#include "index/entryvariants.h"
#include "index/index_internal.h"
#include "index/passthru.h"
#include "index/vframes.h"

enum { C_LIST, C_TYPE, C_HASH, C_QUALITY, C_LABEL, C_SOURCE, C_ID, C_ADDED, C_FIXED };
static const char *const fixed_names[C_FIXED] = {"list", "type", "hash", "quality",
                                                 "label", "source", "id", "added"};

/* One row as (name, value) pairs; values may be NULL (absent). */
typedef struct row {
  const char *name[C_FIXED + 1024];
  const char *val[C_FIXED + 1024];
  size_t len[C_FIXED + 1024];
  size_t n;
  int json_hash; /* the hash value is JSON text: a video entry's frame list
                    (lists/video.c), written as JSON in JSON Lines */
} row;

typedef struct exporter {
  hs_index *idx;
  MDB_txn *txn;
  FILE *out;
  hs_export_format fmt;
  unsigned list_id;       /* 0: every list, with a list column */
  char **extras;          /* sorted, unique */
  size_t nextras;
  u64map times;           /* version -> unix time */
  rec_arena arena;
  const char *list_names[INDEX_MAX_LISTS + 1];
  const char *cur_list;   /* the list of the pass-through entries walked */
  row r;                  /* the row being written */
  rec_writer scratch;     /* a NUL-terminated copy of one value */
  int has_variants;       /* some exported entry has variants: a column */
  rec_writer vjson;       /* the entry's variants as a JSON object */
  rec_writer frames;      /* a video entry's frames as its hash value */
} exporter;

hs_status hs_export_format_parse(const char *name, hs_export_format *out) {
  static const char *const names[] = {"tsv", "csv", "jsonl", "hma"};
  for (int i = 0; i < 4; i++)
    if (name && strcmp(name, names[i]) == 0) {
      *out = (hs_export_format)i;
      return HS_OK;
    }
  return error_set(HS_ERR_INVALID_ARG, "unknown export format '%s' (tsv, csv, jsonl, hma)",
                   name ? name : "");
}

static int is_fixed_key(const emeta_kv *kv) {
  /* "variants": an older hashsweep kept a `variants` object as a field */
  static const char *const keys[] = {"label", "source", "id", "added", "quality", "variants"};
  for (int i = 0; i < 6; i++)
    if (kv->klen == strlen(keys[i]) && memcmp(kv->key, keys[i], kv->klen) == 0)
      return 1;
  return 0;
}

static int is_fixed_name(const char *name) {
  for (int c = 0; c < C_FIXED; c++)
    if (strcmp(name, fixed_names[c]) == 0)
      return 1;
  return 0;
}

static int extra_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static hs_status add_extra(exporter *e, const emeta_kv *kv) {
  for (size_t i = 0; i < e->nextras; i++)
    if (strlen(e->extras[i]) == kv->klen && memcmp(e->extras[i], kv->key, kv->klen) == 0)
      return HS_OK;
  char **x = realloc(e->extras, (e->nextras + 1) * sizeof *x);
  if (!x)
    return error_set(HS_ERR_NOMEM, "out of memory");
  e->extras = x;
  if (!(x[e->nextras] = rec_arena_strndup(&e->arena, kv->key, kv->klen)))
    return HS_ERR_NOMEM;
  e->nextras++;
  return HS_OK;
}

/* ---- walking the exported entries ------------------------------------------------ */

typedef hs_status (*entry_fn)(exporter *e, hs_hash_type t, uint64_t id, const page_layout *l,
                              void *page, unsigned slot, const emeta *m);

static hs_status walk(exporter *e, entry_fn fn) {
  for (int t = 0; t < HS_HASH_TYPE_COUNT; t++) {
    const page_layout *l = &e->idx->layout[t];
    page_cursor pc;
    HS_TRY(page_cursor_open(e->idx, e->txn, (hs_hash_type)t, &pc));
    hs_status s, st = HS_OK;
    uint32_t no;
    void *p;
    while (st == HS_OK && (s = page_cursor_next(&pc, &no, &p)) == HS_OK) {
      const uint8_t *flags = page_flags(l, p);
      const uint16_t *lists = page_lists(l, p);
      for (unsigned i = 0; i < page_hdr(p)->count && st == HS_OK; i++) {
        /* Variant slots are written with their entry (variants_json). */
        if ((flags[i] & (HS_ENTRY_WITHDRAWN | HS_ENTRY_VARIANT)) ||
            (e->list_id && lists[i] != e->list_id))
          continue;
        emeta m;
        memset(&m, 0, sizeof m);
        int found = 0;
        uint64_t id = page_entry_id(no, i);
        if (flags[i] & HS_ENTRY_HAS_META)
          st = emeta_load(e->idx, e->txn, id, &m, &found);
        if (st == HS_OK)
          st = fn(e, (hs_hash_type)t, id, l, p, i, found ? &m : NULL);
        emeta_free(&m);
      }
    }
    page_cursor_close(&pc);
    if (st != HS_OK)
      return st;
    if (s != HS_ERR_NOT_FOUND)
      return s;
  }
  return HS_OK;
}

/* The active variants of entry `id` as {"name":"hex",...} by name in
 * e->vjson (empty when it has none). Names are [A-Za-z0-9_+-.] and hashes
 * hex: nothing to escape. */
static hs_status variants_json(exporter *e, uint64_t id) {
  rec_writer_reset(&e->vjson);
  uint64_t *ids;
  size_t n;
  HS_TRY(variant_slots_of(e->idx, e->txn, id, &ids, &n));
  hs_index_variant *v = n ? calloc(n, sizeof *v) : NULL;
  char (*names)[HS_VARIANT_MAX_NAME + 1] = n ? calloc(n, sizeof *names) : NULL;
  hs_status s = n && (!v || !names) ? error_set(HS_ERR_NOMEM, "out of memory") : HS_OK;
  size_t k = 0;
  const page_layout *l = &e->idx->layout[HS_HASH_PDQ];
  for (size_t i = 0; i < n && s == HS_OK; i++) {
    uint64_t owner;
    const char *name;
    size_t nlen;
    const void *page;
    s = variant_slot_get(e->idx, e->txn, ids[i], &owner, &name, &nlen);
    if (s == HS_OK)
      s = index_page_get(e->idx, e->txn, HS_HASH_PDQ, page_of_id(ids[i]), &page);
    if (s != HS_OK)
      break;
    unsigned slot = slot_of_id(ids[i]);
    if (page_flags(l, (void *)page)[slot] & HS_ENTRY_WITHDRAWN)
      continue;
    memcpy(names[k], name, nlen);
    v[k].name = names[k];
    memcpy(v[k].hash, page_hashes(l, (void *)page) + slot * l->hash_bytes, l->hash_bytes);
    k++;
  }
  for (size_t i = 1; i < k; i++) /* by name (a handful: insertion sort) */
    for (size_t j = i; j > 0 && strcmp(v[j - 1].name, v[j].name) > 0; j--) {
      hs_index_variant t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  for (size_t i = 0; i < k; i++) {
    char hex[65];
    hs_hash_to_hex(HS_HASH_PDQ, v[i].hash, hex);
    rec_put_bytes(&e->vjson, i ? ",\"" : "{\"", 2);
    rec_put_bytes(&e->vjson, v[i].name, strlen(v[i].name));
    rec_put_bytes(&e->vjson, "\":\"", 3);
    rec_put_bytes(&e->vjson, hex, 64);
    rec_put_bytes(&e->vjson, "\"", 1);
  }
  if (k)
    rec_put_bytes(&e->vjson, "}", 1);
  free(ids);
  free(v);
  free(names);
  return s == HS_OK ? rec_writer_status(&e->vjson) : s;
}

/* The extra columns of one field blob; `what` names its entry. */
static hs_status blob_extras(exporter *e, const uint8_t *blob, uint32_t n, const char *what) {
  rec_reader r = rec_reader_make(blob, n);
  emeta_kv kv;
  int more;
  while ((more = emeta_blob_next(&r, &kv)) == 1) {
    if (e->fmt == HS_EXPORT_TSV &&
        (memchr(kv.val, '\t', kv.vlen) || memchr(kv.val, '\n', kv.vlen) || memchr(kv.val, '\r', kv.vlen)))
      return error_set(HS_ERR_UNSUPPORTED, "%s: %.*s holds a tab or line break, which "
                       "TSV cannot carry; export as csv or jsonl", what, (int)kv.klen, kv.key);
    if (!is_fixed_key(&kv))
      HS_TRY(add_extra(e, &kv));
    else if (kv.klen == 8 && memcmp(kv.key, "variants", 8) == 0)
      e->has_variants = 1;
  }
  if (more < 0)
    return error_set(HS_ERR_CORRUPT, "%s: damaged metadata", what);
  return HS_OK;
}

static hs_status collect_extras(exporter *e, hs_hash_type t, uint64_t id, const page_layout *l,
                                void *page, unsigned slot, const emeta *m) {
  (void)t, (void)l, (void)page, (void)slot;
  if (!e->has_variants && t == HS_HASH_PDQ) {
    HS_TRY(variants_json(e, id));
    e->has_variants = e->vjson.len > 0;
  }
  char what[40];
  snprintf(what, sizeof what, "entry %llu", (unsigned long long)id);
  for (uint32_t i = 0; m && i < m->nprov; i++)
    HS_TRY(blob_extras(e, m->prov[i].blob, m->prov[i].blob_len, what));
  return HS_OK;
}

/* ---- writing ---------------------------------------------------------------------- */

static void put_csv(FILE *f, const char *s, size_t n) {
  int quote = n && (s[0] == ' ' || s[n - 1] == ' ');
  for (size_t i = 0; i < n && !quote; i++)
    quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t';
  if (!quote) {
    fwrite(s, 1, n, f);
    return;
  }
  fputc('"', f);
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"')
      fputc('"', f);
    fputc(s[i], f);
  }
  fputc('"', f);
}

static hs_status write_row(exporter *e, const row *r, uint64_t id) {
  FILE *f = e->out;
  if (e->fmt == HS_EXPORT_JSONL) {
    fputc('{', f);
    int first = 1;
    for (size_t i = 0; i < r->n; i++) {
      if (!r->val[i] || !r->len[i])
        continue;
      if (!first)
        fputc(',', f);
      first = 0;
      hs_json_write_string(f, r->name[i]);
      fputc(':', f);
      if (strcmp(r->name[i], "quality") == 0) {
        fwrite(r->val[i], 1, r->len[i], f);
        continue;
      }
      /* Values point into metadata records (not NUL-terminated). */
      rec_writer_reset(&e->scratch);
      rec_put_bytes(&e->scratch, r->val[i], r->len[i]);
      rec_put_u8(&e->scratch, 0);
      HS_TRY(rec_writer_status(&e->scratch));
      /* caseNumbers, CSPFeedbacks, tags, creation_time: JSON again; the
       * fixed columns (an id of digits) stay strings, but for a video
       * entry's hash. */
      int json_hash = r->json_hash && strcmp(r->name[i], "hash") == 0;
      if ((json_hash || !is_fixed_name(r->name[i])) &&
          json_compact_value((const char *)e->scratch.buf, r->len[i]))
        fwrite(r->val[i], 1, r->len[i], f);
      else
        hs_json_write_string(f, (const char *)e->scratch.buf);
    }
    fputs("}\n", f);
    return HS_OK;
  }
  for (size_t i = 0; i < r->n; i++) {
    if (i)
      fputc(e->fmt == HS_EXPORT_TSV ? '\t' : ',', f);
    const char *v = r->val[i] ? r->val[i] : "";
    size_t n = r->val[i] ? r->len[i] : 0;
    if (e->fmt == HS_EXPORT_CSV) {
      put_csv(f, v, n);
      continue;
    }
    if (memchr(v, '\t', n) || memchr(v, '\n', n) || memchr(v, '\r', n))
      return error_set(HS_ERR_UNSUPPORTED, "entry %llu: %s holds a tab or line break, which TSV "
                       "cannot carry; export as csv or jsonl", (unsigned long long)id, r->name[i]);
    fwrite(v, 1, n, f);
  }
  fputc('\n', f);
  return HS_OK;
}

static hs_status write_header(exporter *e) {
  if (e->fmt == HS_EXPORT_JSONL || e->fmt == HS_EXPORT_HMA)
    return HS_OK;
  row r;
  r.n = 0;
  r.json_hash = 0;
  for (int c = e->list_id ? C_TYPE : C_LIST; c < C_FIXED; c++) {
    r.name[r.n] = fixed_names[c];
    r.val[r.n] = fixed_names[c];
    r.len[r.n++] = strlen(fixed_names[c]);
  }
  for (size_t i = 0; i < e->nextras; i++) {
    r.name[r.n] = e->extras[i];
    r.val[r.n] = e->extras[i];
    r.len[r.n++] = strlen(e->extras[i]);
  }
  if (e->has_variants) {
    r.name[r.n] = r.val[r.n] = "variants";
    r.len[r.n++] = 8;
  }
  return write_row(e, &r, 0);
}

static hs_status version_time(exporter *e, uint64_t v, int64_t *t) {
  uint64_t x;
  if (u64map_get(&e->times, v, &x)) {
    *t = (int64_t)x;
    return HS_OK;
  }
  version_record r;
  HS_TRY(version_get(e->idx, e->txn, v, &r));
  *t = r.time;
  return u64map_put(&e->times, v, (uint64_t)r.time);
}

static hs_status list_of(exporter *e, unsigned id, const char **name) {
  if (!e->list_names[id]) {
    char buf[INDEX_MAX_NAME + 1];
    HS_TRY(list_name(e->idx, e->txn, id, buf, sizeof buf));
    if (!(e->list_names[id] = rec_arena_strndup(&e->arena, buf, strlen(buf))))
      return HS_ERR_NOMEM;
  }
  *name = e->list_names[id];
  return HS_OK;
}

/* HMA's signal type names: its PDQ, its (video) MD5 and vPDQ (whose value
 * is pytx's signal string, the JSON array as a string). */
static hs_status write_hma(exporter *e, hs_hash_type t, uint64_t id, const char *hex) {
  const char *name = t == HS_HASH_PDQ    ? "pdq"
                     : t == HS_HASH_MD5  ? "video_md5"
                     : t == HS_HASH_VPDQ ? "vpdq"
                                         : NULL;
  if (!name)
    return error_set(HS_ERR_UNSUPPORTED, "entry %llu: HMA has no signal type for %s hashes; "
                     "export pdq, md5 and vpdq lists only", (unsigned long long)id,
                     hs_hash_type_name(t));
  if (t == HS_HASH_VPDQ) {
    rec_writer_reset(&e->frames);
    HS_TRY(vframes_text(e->idx, e->txn, id, 1, &e->frames));
    fputs("{\"vpdq\":", e->out);
    hs_json_write_string(e->out, (const char *)e->frames.buf);
    fputs("}\n", e->out);
    return HS_OK;
  }
  fprintf(e->out, "{\"%s\":\"%s\"}\n", name, hex);
  return HS_OK;
}

static void set(row *r, size_t at, const char *name, const char *v, size_t n) {
  r->name[at] = name;
  r->val[at] = v;
  r->len[at] = n;
}

static hs_status write_entry(exporter *e, hs_hash_type t, uint64_t id, const page_layout *l,
                             void *p, unsigned slot, const emeta *m) {
  row *r = &e->r;
  char hex[65], quality[8], added[32];
  hs_hash_to_hex(t, page_hashes(l, p) + slot * l->hash_bytes, hex);
  uint8_t q = page_quality(l, p)[slot];
  int64_t when;
  HS_TRY(version_time(e, page_versions(l, p)[slot], &when));
  hs_time_to_iso(when, added);
  const char *lname = NULL;
  if (!e->list_id)
    HS_TRY(list_of(e, page_lists(l, p)[slot], &lname));
  if (e->fmt == HS_EXPORT_HMA) /* one line per entry, the hash alone */
    return write_hma(e, t, id, hex);
  const char *hv = hex;
  if (t == HS_HASH_VPDQ) { /* a video: its frames are its hash value (lists/video.c) */
    rec_writer_reset(&e->frames);
    HS_TRY(vframes_text(e->idx, e->txn, id, 0, &e->frames));
    hv = (const char *)e->frames.buf;
  }
  uint32_t nprov = m ? m->nprov : 1;
  if (e->has_variants)
    HS_TRY(variants_json(e, id));
  for (uint32_t k = 0; k < nprov; k++) {
    const uint8_t *blob = m ? m->prov[k].blob : NULL;
    uint32_t bl = m ? m->prov[k].blob_len : 0;
    size_t vl;
    const char *v;
    r->n = 0;
    r->json_hash = t == HS_HASH_VPDQ;
    if (!e->list_id)
      set(r, r->n++, "list", lname, strlen(lname));
    set(r, r->n++, "type", hs_hash_type_name(t), strlen(hs_hash_type_name(t)));
    set(r, r->n++, "hash", hv, strlen(hv));
    if ((v = emeta_blob_find(blob, bl, "quality", &vl)) != NULL)
      set(r, r->n++, "quality", v, vl);
    else
      set(r, r->n++, "quality", quality,
          q == HS_QUALITY_UNKNOWN ? 0 : (size_t)snprintf(quality, sizeof quality, "%u", q));
    for (int c = C_LABEL; c < C_FIXED; c++) {
      v = emeta_blob_find(blob, bl, fixed_names[c], &vl);
      if (!v && c == C_ADDED)
        v = added, vl = strlen(added);
      set(r, r->n++, fixed_names[c], v, v ? vl : 0);
    }
    for (size_t x = 0; x < e->nextras; x++) {
      v = emeta_blob_find(blob, bl, e->extras[x], &vl);
      set(r, r->n++, e->extras[x], v, v ? vl : 0);
    }
    if (e->has_variants) { /* on every row of the entry: re-imported, they add nothing */
      v = emeta_blob_find(blob, bl, "variants", &vl);
      if (e->vjson.len)
        v = (const char *)e->vjson.buf, vl = e->vjson.len;
      set(r, r->n++, "variants", v, v ? vl : 0);
    }
    HS_TRY(write_row(e, r, id));
  }
  return HS_OK;
}

/* ---- pass-through entries (passthru.h): after the hash entries, by list
 * name then key, as rows whose type hashsweep does not match ------------- */

static hs_status pass_extras(void *user, const passthru_rec *r) {
  exporter *e = user;
  char what[300];
  snprintf(what, sizeof what, "list '%s': a '%.*s' pass-through entry", e->cur_list,
           (int)(r->type_len > 40 ? 40 : r->type_len), r->type);
  return blob_extras(e, r->blob, r->blob_len, what);
}

static hs_status pass_write(void *user, const passthru_rec *r) {
  exporter *e = user;
  row *w = &e->r;
  w->json_hash = 0;
  char added[32];
  hs_time_to_iso(r->time, added);
  size_t vl;
  const char *v;
  w->n = 0;
  if (!e->list_id)
    set(w, w->n++, "list", e->cur_list, strlen(e->cur_list));
  set(w, w->n++, "type", r->type, r->type_len);
  set(w, w->n++, "hash", r->value, r->value_len);
  set(w, w->n++, "quality", NULL, 0);
  for (int c = C_LABEL; c < C_FIXED; c++) {
    v = emeta_blob_find(r->blob, r->blob_len, fixed_names[c], &vl);
    if (!v && c == C_ADDED)
      v = added, vl = strlen(added);
    set(w, w->n++, fixed_names[c], v, v ? vl : 0);
  }
  for (size_t x = 0; x < e->nextras; x++) {
    v = emeta_blob_find(r->blob, r->blob_len, e->extras[x], &vl);
    set(w, w->n++, e->extras[x], v, v ? vl : 0);
  }
  if (e->fmt == HS_EXPORT_TSV && (memchr(r->value, '\t', r->value_len) ||
                                  memchr(r->value, '\n', r->value_len) ||
                                  memchr(r->value, '\r', r->value_len)))
    return error_set(HS_ERR_UNSUPPORTED, "list '%s': a '%.*s' pass-through entry holds a tab or "
                     "line break, which TSV cannot carry; export as csv or jsonl", e->cur_list,
                     (int)(r->type_len > 40 ? 40 : r->type_len), r->type);
  return write_row(e, w, 0);
}

/* fn over the pass-through entries of the exported list(s), by list name. */
static hs_status walk_pass(exporter *e, const char *list, passthru_fn fn) {
  if (e->fmt == HS_EXPORT_HMA) /* HMA takes hashes of its signal types only */
    return HS_OK;
  if (list) {
    e->cur_list = list;
    return passthru_each(e->idx, e->txn, e->list_id, fn, e);
  }
  MDB_cursor *c;
  int rc = mdb_cursor_open(e->txn, e->idx->dbi[DB_LISTS], &c);
  if (rc != 0)
    return lmdb_fail(rc, "%s: reading lists", e->idx->path);
  MDB_val k, v;
  hs_status s = HS_OK;
  for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && s == HS_OK;
       rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
    list_record rec;
    if (k.mv_size == 0 || k.mv_size > INDEX_MAX_NAME || list_record_read(&v, &rec) != 0) {
      s = error_set(HS_ERR_CORRUPT, "%s: damaged list record", e->idx->path);
      break;
    }
    char *name = rec_arena_strndup(&e->arena, k.mv_data, k.mv_size);
    if (!name) {
      s = HS_ERR_NOMEM;
      break;
    }
    e->cur_list = name;
    s = passthru_each(e->idx, e->txn, rec.id, fn, e);
  }
  if (s == HS_OK && rc != 0 && rc != MDB_NOTFOUND)
    s = lmdb_fail(rc, "%s: reading lists", e->idx->path);
  mdb_cursor_close(c);
  return s;
}

static hs_status run_export(exporter *e, const char *list) {
  if (e->fmt == HS_EXPORT_HMA && !list)
    return error_set(HS_ERR_INVALID_ARG, "an HMA export is one bank: name its list");
  if (list) {
    list_record rec;
    HS_TRY(list_get(e->idx, e->txn, list, &rec));
    e->list_id = rec.id;
  }
  HS_TRY(walk(e, collect_extras));
  HS_TRY(walk_pass(e, list, pass_extras));
  if (e->nextras > 1024)
    return error_set(HS_ERR_LIMIT, "more than 1024 extra columns");
  if (e->nextras) /* extras is NULL when there are none */
    qsort(e->extras, e->nextras, sizeof *e->extras, extra_cmp);
  HS_TRY(write_header(e));
  HS_TRY(walk(e, write_entry));
  HS_TRY(walk_pass(e, list, pass_write));
  if (fflush(e->out) != 0 || ferror(e->out))
    return error_set(HS_ERR_IO, "export: write error");
  return HS_OK;
}

hs_status hs_index_export(hs_index *idx, FILE *out, const char *list, hs_export_format fmt) {
  HS_CHECK(idx && out && (unsigned)fmt <= HS_EXPORT_HMA, HS_ERR_INVALID_ARG,
           "index export: bad argument");
  exporter *e = calloc(1, sizeof *e);
  if (!e)
    return error_set(HS_ERR_NOMEM, "out of memory");
  e->idx = idx;
  e->out = out;
  e->fmt = fmt;
  u64map_init(&e->times);
  hs_status s = lmdb_txn_begin(idx->env, MDB_RDONLY, &e->txn);
  if (s == HS_OK) {
    s = run_export(e, list);
    mdb_txn_abort(e->txn);
  }
  u64map_free(&e->times);
  rec_arena_free(&e->arena);
  rec_writer_free(&e->scratch);
  rec_writer_free(&e->vjson);
  rec_writer_free(&e->frames);
  free(e->extras);
  free(e);
  return s;
}
