/* index/import.c - hs_index_import: parse every file first, then apply all
 * rows in one write transaction (all or nothing), deduplicating against
 * the active entries of each list. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/log.h"
#include "index/auditlog.h"
#include "index/dedup.h"
#include "index/entryedit.h"
#include "index/entryvariants.h"
#include "index/listattr.h"
#include "index/passthru.h"
#include "index/vframes.h"
#include "lists/lists.h"

#define STATUS_WITHDRAW_REASON "withdrawn by the source (status in the imported list)"

/* Per-list state of one attempt. */
typedef struct import_list {
  list_record rec;
  uint64_t version;
  audit_part part;
} import_list;

typedef struct import_ctx {
  const hs_import_options *opts;
  import_parser *parser;
  hs_import_result *result;
  /* per attempt */
  import_list *lists;
  dedup_set sets[HS_HASH_TYPE_COUNT];
  /* (list, hash) of status-withdrawn rows -> a withdrawn entry holding it,
   * so a replayed withdrawal counts as "already withdrawn" */
  dedup_set gone[HS_HASH_TYPE_COUNT];
  int set_built[HS_HASH_TYPE_COUNT];
  page_work work;
  uint64_t seq;
  int64_t now;
  rec_writer blob; /* a row's blob with its quality added */
  uint64_t not_found; /* status-withdrawn rows whose hash was never listed */
  uint64_t already;   /* status-withdrawn rows whose hash was withdrawn */
  uint64_t variants;  /* variant slots added */
  size_t next_variant; /* parser->variants[next_variant] is the next to apply */
} import_ctx;

void hs_import_options_default(hs_import_options *o) {
  memset(o, 0, sizeof *o);
  o->type = -1;
  o->max_rows = HS_IMPORT_DEFAULT_MAX_ROWS;
}

/* The map of this import's (list, hash) keys of one type to the active
 * entries that already hold them: the keys from the rows, then one pass
 * over the pages fills in the ids. */
static hs_status build_set(hs_index *idx, MDB_txn *txn, import_ctx *c, hs_hash_type t) {
  c->set_built[t] = 1;
  dedup_set *set = &c->sets[t];
  uint8_t *wanted = calloc(65536, 1);
  if (!wanted)
    return error_set(HS_ERR_NOMEM, "out of memory");
  hs_status s = HS_OK;
  for (size_t i = 0; i < c->parser->nrows && s == HS_OK; i++) {
    const import_row *r = &c->parser->rows[i];
    if (r->type != t)
      continue;
    unsigned list = c->lists[r->list].rec.id;
    wanted[list] = 1;
    s = dedup_put(set, list, r->hash, DEDUP_NONE);
    if (s == HS_OK && r->status == ROW_WITHDRAW)
      s = dedup_put(&c->gone[t], list, r->hash, DEDUP_NONE);
  }
  const page_layout *l = &idx->layout[t];
  page_cursor pc = {0};
  if (s == HS_OK)
    s = page_cursor_open(idx, txn, t, &pc);
  uint32_t no;
  void *p;
  while (s == HS_OK && (s = page_cursor_next(&pc, &no, &p)) == HS_OK) {
    const uint16_t *lists = page_lists(l, p);
    const uint8_t *flags = page_flags(l, p), *hashes = page_hashes(l, p);
    for (unsigned i = 0; i < page_hdr(p)->count; i++) {
      if (!wanted[lists[i]] || (flags[i] & HS_ENTRY_VARIANT)) /* a variant is no entry */
        continue;
      int gone = (flags[i] & HS_ENTRY_WITHDRAWN) != 0;
      uint64_t *id = dedup_slot(gone ? &c->gone[t] : set, lists[i], hashes + i * l->hash_bytes);
      if (id)
        *id = page_entry_id(no, i);
    }
  }
  if (s == HS_ERR_NOT_FOUND)
    s = HS_OK;
  page_cursor_close(&pc);
  free(wanted);
  return s;
}

/* A row whose hash the list already holds: keep its provenance. The
 * quality of this row is part of the provenance when it differs. */
static hs_status merge_duplicate(hs_index *idx, MDB_txn *txn, import_ctx *c, const import_row *r,
                                 uint64_t id) {
  void *p;
  unsigned slot;
  hs_hash_type t = (hs_hash_type)r->type;
  HS_TRY(pagework_edit(&c->work, t, id, &p, &slot));
  const page_layout *l = &idx->layout[t];
  const uint8_t *blob = c->parser->blobs.buf + r->blob_off;
  uint32_t blob_len = r->blob_len;
  uint8_t q = page_quality(l, p)[slot];
  if (r->quality != HS_QUALITY_UNKNOWN && r->quality != q) {
    /* Rebuild the blob with a "quality" field. */
    emeta_kv kv[256];
    size_t n = 0;
    rec_reader rd = rec_reader_make(blob, blob_len);
    while (n < 255 && emeta_blob_next(&rd, &kv[n]) == 1)
      n++;
    char qt[4];
    int ql = snprintf(qt, sizeof qt, "%u", r->quality);
    kv[n++] = (emeta_kv){"quality", 7, qt, (size_t)ql};
    rec_writer_reset(&c->blob);
    emeta_blob_build(kv, n, &c->blob);
    HS_TRY(rec_writer_status(&c->blob));
    blob = c->blob.buf;
    blob_len = (uint32_t)c->blob.len;
  }
  emeta m;
  HS_TRY(entry_load_meta(idx, txn, id, page_versions(l, p)[slot], &m));
  int changed = emeta_add(&m, blob, blob_len, c->seq);
  hs_status s = changed < 0 ? error_set(HS_ERR_NOMEM, "out of memory") : HS_OK;
  if (s == HS_OK && changed) {
    s = emeta_store(idx, txn, id, &m);
    page_flags(l, p)[slot] |= HS_ENTRY_HAS_META;
  }
  emeta_free(&m);
  return s;
}

static hs_status add_row(hs_index *idx, MDB_txn *txn, import_ctx *c, const import_row *r,
                         uint64_t *out) {
  import_list *il = &c->lists[r->list];
  hs_hash_type t = (hs_hash_type)r->type;
  uint8_t flags = r->blob_len ? HS_ENTRY_HAS_META : 0;
  uint64_t id;
  HS_TRY(pagework_append(&c->work, t, r->hash, (uint32_t)il->version, (uint16_t)il->rec.id,
                         r->quality, flags, &id));
  HS_TRY(dedup_put(&c->sets[t], il->rec.id, r->hash, id));
  if (t == HS_HASH_VPDQ) {
    const import_video *v = import_video_find(c->parser, r->hash);
    if (!v)
      return error_set(HS_ERR_INTERNAL, "a video row without its frames");
    HS_TRY(vframes_put(idx, txn, id, c->parser->vframes.buf + v->off, v->len));
  }
  if (r->blob_len) {
    emeta m;
    memset(&m, 0, sizeof m);
    uint64_t seq = c->seq;
    emeta_prov prov = {1, &seq, c->parser->blobs.buf + r->blob_off, r->blob_len};
    m.nprov = 1;
    m.prov = &prov;
    HS_TRY(emeta_store(idx, txn, id, &m));
  }
  il->part.added++;
  il->rec.entries++;
  il->rec.active_by_type[t]++;
  *out = id;
  return HS_OK;
}

/* The active variants an entry already has, for the rows that bring it
 * again: copied, as map values and page copies move when the transaction
 * writes. */
typedef struct known_variant {
  char name[HS_VARIANT_MAX_NAME + 1];
  uint8_t hash[32];
} known_variant;
typedef struct known_variants {
  uint64_t *ids; /* every slot of the entry, active or not */
  size_t nids;
  known_variant *v; /* the active ones */
  size_t n;
} known_variants;

static void known_free(known_variants *k) {
  free(k->ids);
  free(k->v);
  memset(k, 0, sizeof *k);
}

static hs_status known_load(hs_index *idx, MDB_txn *txn, import_ctx *c, uint64_t entry,
                            known_variants *k) {
  HS_TRY(variant_slots_of(idx, txn, entry, &k->ids, &k->nids));
  if (!k->nids)
    return HS_OK;
  if (!(k->v = calloc(k->nids, sizeof *k->v)))
    return error_set(HS_ERR_NOMEM, "out of memory");
  const page_layout *l = &idx->layout[HS_HASH_PDQ];
  for (size_t i = 0; i < k->nids; i++) {
    uint64_t owner;
    const char *name;
    size_t nlen;
    void *p;
    unsigned slot;
    HS_TRY(variant_slot_get(idx, txn, k->ids[i], &owner, &name, &nlen));
    HS_TRY(pagework_edit(&c->work, HS_HASH_PDQ, k->ids[i], &p, &slot));
    if (page_flags(l, p)[slot] & HS_ENTRY_WITHDRAWN)
      continue;
    memcpy(k->v[k->n].name, name, nlen); /* nlen <= HS_VARIANT_MAX_NAME: checked */
    memcpy(k->v[k->n++].hash, page_hashes(l, p) + slot * l->hash_bytes, l->hash_bytes);
  }
  return HS_OK;
}

/* 0: the entry has no active variant of v's name; 1: with v's hash; 2:
 * with another. */
static int known_find(const known_variants *k, const import_variant *v) {
  for (size_t i = 0; i < k->n; i++)
    if (strcmp(k->v[i].name, v->name) == 0)
      return memcmp(k->v[i].hash, v->hash, 32) ? 2 : 1;
  return 0;
}

static void warn_kept(import_ctx *c, const import_row *r, uint64_t entry, const char *name) {
  if (!c->opts->warning)
    return;
  char where[300], what[200];
  snprintf(where, sizeof where, "%s:%u", c->parser->files[r->file].name, r->line);
  snprintf(what, sizeof what, "entry %llu already has variant %s with another hash: kept that one",
           (unsigned long long)entry, name);
  c->opts->warning(c->opts->user, where, what);
}

static void warn_full(import_ctx *c, const import_row *r, uint64_t entry) {
  if (!c->opts->warning)
    return;
  char where[300], what[160];
  snprintf(where, sizeof where, "%s:%u", c->parser->files[r->file].name, r->line);
  snprintf(what, sizeof what, "entry %llu has %u variant slots, the most one entry keeps: the "
           "rest of this row's variants were not added", (unsigned long long)entry,
           HS_VARIANT_MAX_PER_ENTRY);
  c->opts->warning(c->opts->user, where, what);
}

/* The variants the row at `row` gave (parser->variants is in row order)
 * as extra slots of entry `entry`, each name once per entry. An entry this
 * row made (`fresh`) has none yet: nothing to look up. */
static hs_status add_variants(hs_index *idx, MDB_txn *txn, import_ctx *c, size_t row,
                              uint64_t entry, int fresh) {
  const import_parser *p = c->parser;
  const import_row *r = &p->rows[row];
  size_t b = c->next_variant, e = b;
  while (e < p->nvariants && p->variants[e].row == row)
    e++;
  c->next_variant = e;
  if (b == e || r->status == ROW_WITHDRAW || r->type != HS_HASH_PDQ)
    return HS_OK;
  import_list *il = &c->lists[r->list];
  known_variants k = {0};
  hs_status s = fresh ? HS_OK : known_load(idx, txn, c, entry, &k);
  uint64_t *ids = s == HS_OK ? malloc((k.nids + (e - b)) * sizeof *ids) : NULL;
  const char **fresh_names = s == HS_OK ? malloc((e - b) * sizeof *fresh_names) : NULL;
  if (s == HS_OK && (!ids || !fresh_names))
    s = error_set(HS_ERR_NOMEM, "out of memory");
  size_t n = k.nids;
  if (ids && n)
    memcpy(ids, k.ids, n * sizeof *ids);
  for (size_t i = b; i < e && s == HS_OK; i++) {
    const import_variant *v = &p->variants[i];
    int found = known_find(&k, v);
    if (found == 2)
      warn_kept(c, r, entry, v->name);
    if (found)
      continue;
    if (n >= HS_VARIANT_MAX_PER_ENTRY) {
      warn_full(c, r, entry);
      break;
    }
    s = pagework_append(&c->work, HS_HASH_PDQ, v->hash, (uint32_t)il->version,
                        (uint16_t)il->rec.id, HS_QUALITY_UNKNOWN, HS_ENTRY_VARIANT, &ids[n]);
    fresh_names[n - k.nids] = v->name;
    n++;
  }
  uint64_t added = n - k.nids;
  /* The entry's record, then the slots' in id order: keys in ascending
   * order for a new entry (entryvariants.c appends). */
  if (s == HS_OK && added)
    s = variant_put_entry(idx, txn, entry, ids, n);
  for (size_t i = k.nids; i < n && s == HS_OK; i++)
    s = variant_put_slot(idx, txn, ids[i], entry, fresh_names[i - k.nids],
                         strlen(fresh_names[i - k.nids]));
  if (s == HS_OK && added)
    s = variant_count(idx, txn, il->rec.id, added, 0);
  c->variants += s == HS_OK ? added : 0;
  free(ids);
  free(fresh_names);
  known_free(&k);
  return s;
}

static hs_status withdraw_row(hs_index *idx, MDB_txn *txn, import_ctx *c, const import_row *r,
                              uint64_t id) {
  import_list *il = &c->lists[r->list];
  hs_hash_type t = (hs_hash_type)r->type;
  if (id == DEDUP_NONE) {
    if (dedup_find(&c->gone[t], il->rec.id, r->hash) != DEDUP_NONE)
      c->already++;
    else
      c->not_found++;
    return HS_OK;
  }
  int was;
  HS_TRY(entry_withdraw(idx, txn, &c->work, t, id, il->version, c->seq, c->now,
                              STATUS_WITHDRAW_REASON, &was));
  HS_TRY(dedup_put(&c->sets[t], il->rec.id, r->hash, DEDUP_NONE));
  HS_TRY(dedup_put(&c->gone[t], il->rec.id, r->hash, id));
  il->part.withdrawn++;
  il->rec.withdrawn++;
  il->rec.active_by_type[t]--;
  return HS_OK;
}

static hs_status apply_rows(hs_index *idx, MDB_txn *txn, import_ctx *c) {
  const import_parser *p = c->parser;
  for (size_t i = 0; i < p->nrows; i++) {
    const import_row *r = &p->rows[i];
    hs_hash_type t = (hs_hash_type)r->type;
    if (!c->set_built[t])
      HS_TRY(build_set(idx, txn, c, t));
    uint64_t id = dedup_find(&c->sets[t], c->lists[r->list].rec.id, r->hash);
    hs_status s;
    int fresh = 0;
    if (r->status == ROW_WITHDRAW)
      s = withdraw_row(idx, txn, c, r, id);
    else if (id != DEDUP_NONE) {
      c->lists[r->list].part.duplicates++;
      s = merge_duplicate(idx, txn, c, r, id);
    } else {
      s = add_row(idx, txn, c, r, &id);
      fresh = 1;
    }
    if (s == HS_OK)
      s = add_variants(idx, txn, c, i, id, fresh);
    if (s != HS_OK)
      return error_prefix(s, "%s:%u: ", p->files[r->file].name, r->line);
  }
  return HS_OK;
}

static hs_status open_lists(hs_index *idx, MDB_txn *txn, import_ctx *c) {
  for (size_t i = 0; i < c->parser->nlists; i++) {
    import_list *il = &c->lists[i];
    HS_TRY(list_get_or_create(idx, txn, c->parser->lists[i], c->now, &il->rec));
    HS_TRY(version_next(idx, txn, il->rec.id, VERSION_IMPORT, c->seq, c->now, &il->version));
    il->part.list_id = il->rec.id;
    il->part.list = c->parser->lists[i];
    il->part.version = il->version;
  }
  return HS_OK;
}

static hs_status close_lists(hs_index *idx, MDB_txn *txn, import_ctx *c) {
  hs_import_result *res = c->result;
  audit_part *parts = calloc(c->parser->nlists ? c->parser->nlists : 1, sizeof *parts);
  if (!parts)
    return error_set(HS_ERR_NOMEM, "out of memory");
  hs_status s = HS_OK;
  for (size_t i = 0; i < c->parser->nlists && s == HS_OK; i++) {
    import_list *il = &c->lists[i];
    il->rec.version = il->version;
    il->rec.updated = c->now;
    s = list_put(idx, txn, c->parser->lists[i], &il->rec);
    parts[i] = il->part;
    res->added += il->part.added;
    res->duplicates += il->part.duplicates;
    res->withdrawn += il->part.withdrawn;
    if (il->version > res->version)
      res->version = il->version;
  }
  res->lists = (unsigned)c->parser->nlists;
  res->not_found = c->not_found;
  res->already_withdrawn = c->already;
  res->variants = c->variants;
  audit_entry e = {.kind = AUDIT_IMPORT, .time = c->now, .rejected = c->parser->rejected,
                   .not_found = c->not_found, .parts = parts, .nparts = c->parser->nlists, .files = c->parser->files,
                   .nfiles = c->parser->nfiles, .note = c->opts->note, .command = c->opts->command};
  if (s == HS_OK)
    s = audit_append(idx, txn, c->seq, &e);
  free(parts);
  return s;
}

/* What an exchange's pages bring besides hashes: the pass-through
 * entries, and where the next fetch of each list continues. */
static hs_status apply_exchange(hs_index *idx, MDB_txn *txn, import_ctx *c) {
  const import_parser *p = c->parser;
  uint32_t *ids = calloc(p->nlists ? p->nlists : 1, sizeof *ids);
  if (!ids)
    return error_set(HS_ERR_NOMEM, "out of memory");
  hs_status s = HS_OK;
  for (size_t i = 0; i < p->nlists && s == HS_OK; i++) {
    ids[i] = c->lists[i].rec.id;
    if (p->has_next_set)
      s = listattr_put_i64(idx, txn, ids[i], LISTATTR_NEXT_SET, p->next_set_timestamp);
  }
  passthru_counts pc;
  if (s == HS_OK)
    s = passthru_import(idx, txn, p, ids, c->seq, c->now, &pc);
  free(ids);
  HS_TRY(s);
  c->result->passthrough = pc.added;
  c->result->passthrough_changed = pc.changed;
  c->result->passthrough_removed = pc.removed;
  c->not_found += pc.not_found;
  return HS_OK;
}

static void attempt_free(import_ctx *c) {
  for (int t = 0; t < HS_HASH_TYPE_COUNT; t++) {
    dedup_free(&c->sets[t]);
    dedup_free(&c->gone[t]);
  }
  pagework_free(&c->work);
  free(c->lists);
  c->lists = NULL;
  rec_writer_free(&c->blob);
}

static hs_status import_txn(hs_index *idx, MDB_txn *txn, void *arg) {
  import_ctx *c = arg;
  attempt_free(c);
  hs_import_result *res = c->result;
  uint64_t rows = res->rows, rejected = res->rejected;
  memset(res, 0, sizeof *res);
  res->rows = rows;
  res->rejected = rejected;
  res->warnings = c->parser->warnings;
  res->passed_over = c->parser->passed_over;
  res->next_set_timestamp = c->parser->has_next_set ? c->parser->next_set_timestamp : 0;
  c->not_found = c->already = c->variants = 0;
  c->next_variant = 0;
  memset(c->set_built, 0, sizeof c->set_built);
  for (int t = 0; t < HS_HASH_TYPE_COUNT; t++) {
    dedup_init(&c->sets[t], hs_hash_type_bytes((hs_hash_type)t));
    dedup_init(&c->gone[t], hs_hash_type_bytes((hs_hash_type)t));
  }
  HS_TRY(audit_clock(idx, txn, &c->now));
  c->not_found = 0;
  c->lists = calloc(c->parser->nlists ? c->parser->nlists : 1, sizeof *c->lists);
  if (!c->lists)
    return error_set(HS_ERR_NOMEM, "out of memory");
  HS_TRY(pagework_begin(&c->work, idx, txn));
  HS_TRY(audit_next_seq(idx, txn, &c->seq));
  HS_TRY(open_lists(idx, txn, c));
  HS_TRY(apply_rows(idx, txn, c));
  HS_TRY(apply_exchange(idx, txn, c));
  HS_TRY(pagework_flush(&c->work));
  return close_lists(idx, txn, c);
}

/* A directory of pages (a sync job's FetchHashes responses, one file per
 * page): its regular files that do not start with '.', in name order, so
 * pages named by fetch time come in the order they were fetched. */
static hs_status parse_dir(import_parser *p, const char *dir) {
  struct dirent **names;
  int n = scandir(dir, &names, NULL, alphasort);
  if (n < 0)
    return error_set(HS_ERR_IO, "%s: cannot list the directory: %s", dir, strerror(errno));
  hs_status s = HS_OK;
  for (int i = 0; i < n; i++) {
    char path[4096];
    struct stat st;
    if (s == HS_OK && names[i]->d_name[0] != '.' &&
        (size_t)snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name) < sizeof path &&
        stat(path, &st) == 0 && S_ISREG(st.st_mode))
      s = import_parse_file(p, path);
    free(names[i]);
  }
  free(names);
  return s;
}

static hs_status parse_one(import_parser *p, const char *path) {
  struct stat st;
  if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
    return parse_dir(p, path);
  return import_parse_file(p, path);
}

static hs_status parse_all(import_parser *p, const char *const *files, size_t nfiles,
                           const hs_import_options *o) {
  p->forced_type = o->type;
  p->default_list = o->list;
  p->default_label = o->label;
  p->default_source = o->source;
  p->keep_fields = 1;
  p->group_rotations = 1;
  p->max_rows = o->max_rows;
  p->problem = o->problem;
  p->warning = o->warning;
  p->user = o->user;
  if (o->list)
    HS_TRY(list_check_name(o->list));
  for (size_t i = 0; i < nfiles; i++)
    HS_TRY(parse_one(p, files[i]));
  /* --list with an empty input still names the list the import went to. */
  if (p->nlists == 0 && o->list) {
    p->lists = malloc(sizeof *p->lists);
    if (!p->lists || !(p->lists[0] = strdup(o->list)))
      return error_set(HS_ERR_NOMEM, "out of memory");
    p->nlists = 1;
  }
  return HS_OK;
}

hs_status hs_index_import(hs_index *idx, const char *const *files, size_t nfiles,
                          const hs_import_options *opts, hs_import_result *result) {
  HS_CHECK(idx && opts && result && (files || nfiles == 0), HS_ERR_INVALID_ARG,
           "index import: NULL argument");
  HS_CHECK(opts->type >= -1 && opts->type < HS_HASH_TYPE_COUNT, HS_ERR_INVALID_ARG,
           "index import: bad hash type %d", opts->type);
  memset(result, 0, sizeof *result);
  import_parser p;
  import_parser_init(&p);
  hs_status s = parse_all(&p, files, nfiles, opts);
  result->rows = p.nrows;
  result->rejected = p.rejected;
  result->warnings = p.warnings;
  result->passed_over = p.passed_over;
  result->next_set_timestamp = p.has_next_set ? p.next_set_timestamp : 0;
  if (s == HS_OK && p.rejected && !opts->skip_bad)
    s = error_set(HS_ERR_FORMAT, "%llu malformed line(s); nothing imported",
                  (unsigned long long)p.rejected);
  if (s == HS_OK && p.nlists == 0)
    s = error_set(HS_ERR_INVALID_ARG, "nothing to import: no rows and no list named");
  if (s == HS_OK) {
    import_ctx c;
    memset(&c, 0, sizeof c);
    c.opts = opts;
    c.parser = &p;
    c.result = result;
    s = index_write(idx, import_txn, &c, opts->dry_run);
    attempt_free(&c);
    if (opts->dry_run)
      result->version = 0;
    if (s == HS_OK)
      log_info("%s: %s %llu rows: %llu added, %llu duplicates, %llu withdrawn, %llu rejected",
               idx->path, opts->dry_run ? "checked" : "imported", (unsigned long long)result->rows,
               (unsigned long long)result->added, (unsigned long long)result->duplicates,
               (unsigned long long)result->withdrawn, (unsigned long long)result->rejected);
  }
  import_parser_free(&p);
  return s;
}
