/* index/withdraw.c - hs_index_withdraw: withdraw entries by hash, by id or
 * by the hashes of a file, in one write transaction. Entries keep their
 * slot and id; the flag and the metadata record say withdrawn, when, at
 * which version and why. Finding hashes scans the pages of their type once
 * (there is no by-hash record: see dedup.h). */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "index/auditlog.h"
#include "index/dedup.h"
#include "index/entryedit.h"
#include "lists/lists.h"

enum { T_NONE = 0, T_DONE = 1, T_ALREADY = 2 };

typedef struct target {
  uint8_t hash[32];
  uint8_t type;
  uint8_t is_id;
  uint8_t state;
  uint32_t list;   /* list id, 0 = any list */
  uint64_t id;     /* for is_id */
  char where[96];  /* "hash 3", "id 2", "FILE:LINE" */
} target;

typedef struct wlist {
  uint32_t id;
  char name[INDEX_MAX_NAME + 1];
  list_record rec;
  uint64_t version;
  uint64_t withdrawn;
} wlist;

typedef struct withdraw_ctx {
  const hs_withdraw_options *opts;
  hs_withdraw_result *result;
  target *targets;
  size_t ntargets;
  /* per attempt */
  wlist *lists;
  size_t nlists;
  page_work work;
  uint64_t seq;
  int64_t now;
} withdraw_ctx;

void hs_withdraw_options_default(hs_withdraw_options *o) {
  memset(o, 0, sizeof *o);
  o->type = -1;
}

/* ---- targets ---------------------------------------------------------------- */

static hs_status push_target(withdraw_ctx *c, const target *t) {
  target *n = realloc(c->targets, (c->ntargets + 1) * sizeof *n);
  if (!n)
    return error_set(HS_ERR_NOMEM, "out of memory");
  c->targets = n;
  n[c->ntargets++] = *t;
  return HS_OK;
}

static void problem(const hs_withdraw_options *o, const char *where, const char *cause) {
  if (o->problem)
    o->problem(o->user, where, cause);
}

/* A list name -> id (0 when it does not exist: its targets match nothing). */
static hs_status list_id_of(hs_index *idx, const char *name, uint32_t *id) {
  MDB_txn *txn;
  HS_TRY(lmdb_txn_begin(idx->env, MDB_RDONLY, &txn));
  list_record r;
  hs_status s = list_get(idx, txn, name, &r);
  mdb_txn_abort(txn);
  *id = s == HS_OK ? r.id : UINT32_MAX;
  return s == HS_ERR_NOT_FOUND ? HS_OK : s;
}

static hs_status collect_args(hs_index *idx, withdraw_ctx *c, uint32_t list, uint64_t *rejected) {
  const hs_withdraw_options *o = c->opts;
  for (size_t i = 0; i < o->nhashes; i++) {
    target t = {.list = list};
    snprintf(t.where, sizeof t.where, "hash %s", o->hashes[i]);
    hs_hash_type type;
    if (parse_hash_text(o->hashes[i], o->type, &type, t.hash) != HS_OK) {
      problem(o, "hash", hs_last_error());
      (*rejected)++;
      continue;
    }
    t.type = (uint8_t)type;
    HS_TRY(push_target(c, &t));
  }
  for (size_t i = 0; i < o->nids; i++) {
    target t = {.list = list, .is_id = 1, .id = o->ids[i]};
    snprintf(t.where, sizeof t.where, "id %llu", (unsigned long long)o->ids[i]);
    HS_TRY(push_target(c, &t));
  }
  (void)idx;
  return HS_OK;
}

static hs_status collect_files(hs_index *idx, withdraw_ctx *c, uint64_t *rejected) {
  const hs_withdraw_options *o = c->opts;
  import_parser p;
  import_parser_init(&p);
  p.max_rows = HS_IMPORT_DEFAULT_MAX_ROWS;
  p.forced_type = o->type;
  p.default_list = o->list;
  p.list_optional = 1;
  p.group_rotations = 1; /* the entry (and with it its rotations), once */
  p.problem = o->problem;
  p.user = o->user;
  hs_status s = HS_OK;
  for (size_t i = 0; i < o->nfiles && s == HS_OK; i++)
    s = import_parse_file(&p, o->files[i]);
  uint32_t *ids = calloc(p.nlists + 1, sizeof *ids);
  if (s == HS_OK && !ids)
    s = error_set(HS_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < p.nlists && s == HS_OK; i++)
    s = list_id_of(idx, p.lists[i], &ids[i]);
  for (size_t i = 0; i < p.nrows && s == HS_OK; i++) {
    const import_row *r = &p.rows[i];
    target t = {.type = r->type, .list = r->list == PARSE_ANY_LIST ? 0 : ids[r->list]};
    memcpy(t.hash, r->hash, sizeof t.hash);
    snprintf(t.where, sizeof t.where, "%s:%u", p.files[r->file].name, r->line);
    s = push_target(c, &t);
  }
  *rejected += p.rejected;
  free(ids);
  import_parser_free(&p);
  return s;
}

/* ---- the transaction ----------------------------------------------------------- */

/* The per-list state for a list id, taking a version on first use. */
static hs_status touch_list(hs_index *idx, MDB_txn *txn, withdraw_ctx *c, uint32_t id, wlist **out) {
  for (size_t i = 0; i < c->nlists; i++)
    if (c->lists[i].id == id) {
      *out = &c->lists[i];
      return HS_OK;
    }
  wlist *l = realloc(c->lists, (c->nlists + 1) * sizeof *l);
  if (!l)
    return error_set(HS_ERR_NOMEM, "out of memory");
  c->lists = l;
  wlist *w = &l[c->nlists];
  memset(w, 0, sizeof *w);
  w->id = id;
  HS_TRY(list_name(idx, txn, id, w->name, sizeof w->name));
  HS_TRY(list_get(idx, txn, w->name, &w->rec));
  HS_TRY(version_next(idx, txn, id, VERSION_WITHDRAW, c->seq, c->now, &w->version));
  c->nlists++;
  *out = w;
  return HS_OK;
}

static hs_status withdraw_one(hs_index *idx, MDB_txn *txn, withdraw_ctx *c, hs_hash_type t,
                              uint64_t id, unsigned list, target *tg) {
  void *p;
  unsigned slot;
  HS_TRY(pagework_edit(&c->work, t, id, &p, &slot));
  uint8_t flags = page_flags(&idx->layout[t], p)[slot];
  if (flags & HS_ENTRY_WITHDRAWN) {
    if (tg->state == T_NONE)
      tg->state = T_ALREADY;
    return HS_OK;
  }
  /* Only a real change takes a version for the list. */
  wlist *w = NULL;
  HS_TRY(touch_list(idx, txn, c, list, &w));
  int was;
  HS_TRY(entry_withdraw(idx, txn, &c->work, t, id, w->version, c->seq, c->now, c->opts->reason,
                        &was));
  tg->state = T_DONE;
  if (flags & HS_ENTRY_VARIANT) /* a variant slot by id: counted apart */
    return HS_OK;
  w->withdrawn++;
  w->rec.withdrawn++;
  w->rec.active_by_type[t]--;
  return HS_OK;
}

/* One pass over the pages of a type, matching the hash targets. */
static hs_status match_type(hs_index *idx, MDB_txn *txn, withdraw_ctx *c, hs_hash_type t) {
  dedup_set set;
  dedup_init(&set, hs_hash_type_bytes(t));
  hs_status s = HS_OK;
  int any = 0;
  for (size_t i = 0; i < c->ntargets && s == HS_OK; i++)
    if (!c->targets[i].is_id && c->targets[i].type == t && c->targets[i].list != UINT32_MAX) {
      any = 1;
      if (dedup_find(&set, c->targets[i].list, c->targets[i].hash) == DEDUP_NONE)
        s = dedup_put(&set, c->targets[i].list, c->targets[i].hash, i);
    }
  const page_layout *l = &idx->layout[t];
  page_cursor pc = {0};
  if (s == HS_OK && any)
    s = page_cursor_open(idx, txn, t, &pc);
  uint32_t no;
  void *p;
  hs_status walk = HS_ERR_NOT_FOUND;
  while (s == HS_OK && any && (walk = page_cursor_next(&pc, &no, &p)) == HS_OK) {
    const uint8_t *hashes = page_hashes(l, p);
    const uint16_t *lists = page_lists(l, p);
    const uint8_t *flags = page_flags(l, p);
    for (unsigned i = 0; i < page_hdr(p)->count && s == HS_OK; i++) {
      if (flags[i] & HS_ENTRY_VARIANT) /* withdrawn with its entry, or by id */
        continue;
      const uint8_t *h = hashes + i * l->hash_bytes;
      uint64_t a = dedup_find(&set, lists[i], h), b = dedup_find(&set, 0, h);
      if (a != DEDUP_NONE)
        s = withdraw_one(idx, txn, c, t, page_entry_id(no, i), lists[i], &c->targets[a]);
      if (s == HS_OK && b != DEDUP_NONE) {
        target *tb = &c->targets[b];
        if (a != DEDUP_NONE && c->targets[a].state == T_DONE)
          tb->state = T_DONE; /* the same entry, withdrawn just now */
        else
          s = withdraw_one(idx, txn, c, t, page_entry_id(no, i), lists[i], tb);
      }
    }
  }
  if (s == HS_OK && walk != HS_ERR_NOT_FOUND)
    s = walk;
  page_cursor_close(&pc);
  /* Repeated targets share the state of the first one. */
  for (size_t i = 0; i < c->ntargets && s == HS_OK; i++) {
    target *tg = &c->targets[i];
    if (tg->is_id || tg->type != t || tg->list == UINT32_MAX)
      continue;
    uint64_t first = dedup_find(&set, tg->list, tg->hash);
    if (first != DEDUP_NONE && first != i)
      tg->state = c->targets[first].state;
  }
  dedup_free(&set);
  return s;
}

static hs_status match_id(hs_index *idx, MDB_txn *txn, withdraw_ctx *c, target *tg) {
  for (int t = 0; t < HS_HASH_TYPE_COUNT; t++) {
    const void *base;
    hs_status s = index_page_get(idx, txn, (hs_hash_type)t, page_of_id(tg->id), &base);
    if (s == HS_ERR_NOT_FOUND)
      continue;
    HS_TRY(s);
    const page_layout *l = &idx->layout[t];
    unsigned slot = slot_of_id(tg->id);
    if (slot >= page_hdr((void *)base)->count)
      return HS_OK;
    unsigned list = page_lists(l, (void *)base)[slot];
    if (tg->list && tg->list != list)
      return HS_OK;
    return withdraw_one(idx, txn, c, (hs_hash_type)t, tg->id, list, tg);
  }
  return HS_OK;
}

static hs_status close_withdraw(hs_index *idx, MDB_txn *txn, withdraw_ctx *c) {
  hs_withdraw_result *res = c->result;
  audit_part *parts = calloc(c->nlists + 1, sizeof *parts);
  if (!parts)
    return error_set(HS_ERR_NOMEM, "out of memory");
  hs_status s = HS_OK;
  for (size_t i = 0; i < c->nlists && s == HS_OK; i++) {
    wlist *w = &c->lists[i];
    w->rec.version = w->version;
    w->rec.updated = c->now;
    s = list_put(idx, txn, w->name, &w->rec);
    parts[i] = (audit_part){.list_id = w->id, .list = w->name, .version = w->version,
                            .withdrawn = w->withdrawn};
    res->withdrawn += w->withdrawn;
    if (w->version > res->version)
      res->version = w->version;
  }
  for (size_t i = 0; i < c->ntargets; i++) {
    res->already += c->targets[i].state == T_ALREADY;
    res->not_found += c->targets[i].state == T_NONE;
  }
  hs_log_file *files = calloc(c->opts->nfiles + 1, sizeof *files);
  for (size_t i = 0; files && i < c->opts->nfiles; i++)
    files[i].name = c->opts->files[i];
  audit_entry e = {.kind = AUDIT_WITHDRAW, .time = c->now, .rejected = res->rejected,
                   .not_found = res->not_found + res->already, .parts = parts,
                   .nparts = c->nlists, .files = files, .nfiles = files ? c->opts->nfiles : 0,
                   .note = c->opts->note, .command = c->opts->command};
  if (s == HS_OK)
    s = audit_append(idx, txn, c->seq, &e);
  free(files);
  free(parts);
  return s;
}

static hs_status withdraw_txn(hs_index *idx, MDB_txn *txn, void *arg) {
  withdraw_ctx *c = arg;
  pagework_free(&c->work);
  free(c->lists);
  c->lists = NULL;
  c->nlists = 0;
  uint64_t rejected = c->result->rejected;
  memset(c->result, 0, sizeof *c->result);
  c->result->rejected = rejected;
  for (size_t i = 0; i < c->ntargets; i++)
    c->targets[i].state = T_NONE;
  HS_TRY(audit_clock(idx, txn, &c->now));
  HS_TRY(pagework_begin(&c->work, idx, txn));
  HS_TRY(audit_next_seq(idx, txn, &c->seq));
  for (int t = 0; t < HS_HASH_TYPE_COUNT; t++)
    HS_TRY(match_type(idx, txn, c, (hs_hash_type)t));
  for (size_t i = 0; i < c->ntargets; i++)
    if (c->targets[i].is_id && c->targets[i].list != UINT32_MAX)
      HS_TRY(match_id(idx, txn, c, &c->targets[i]));
  HS_TRY(pagework_flush(&c->work));
  return close_withdraw(idx, txn, c);
}

static void report_targets(const withdraw_ctx *c) {
  const char *list = c->opts->list;
  for (size_t i = 0; i < c->ntargets; i++) {
    const target *t = &c->targets[i];
    if (t->state == T_DONE)
      continue;
    char cause[300], hex[65] = "";
    if (!t->is_id)
      hs_hash_to_hex((hs_hash_type)t->type, t->hash, hex);
    if (t->is_id)
      snprintf(hex, sizeof hex, "%llu", (unsigned long long)t->id);
    const char *what = t->is_id ? "entry" : hs_hash_type_name((hs_hash_type)t->type);
    if (t->state == T_ALREADY)
      snprintf(cause, sizeof cause, "%s %s was already withdrawn", what, hex);
    else
      snprintf(cause, sizeof cause, "%s %s is not in %s%s%s", what, hex,
               list ? "list '" : "the index", list ? list : "", list ? "'" : "");
    problem(c->opts, t->where, cause);
  }
}

hs_status hs_index_withdraw(hs_index *idx, const hs_withdraw_options *o, hs_withdraw_result *res) {
  HS_CHECK(idx && o && res, HS_ERR_INVALID_ARG, "index withdraw: NULL argument");
  HS_CHECK(o->reason && *o->reason, HS_ERR_INVALID_ARG, "withdraw: a reason is required");
  HS_CHECK(o->nhashes + o->nids + o->nfiles > 0, HS_ERR_INVALID_ARG,
           "withdraw: nothing to withdraw (give hashes, ids or files)");
  memset(res, 0, sizeof *res);
  withdraw_ctx c;
  memset(&c, 0, sizeof c);
  c.opts = o;
  c.result = res;
  uint32_t list = 0;
  hs_status s = o->list ? list_id_of(idx, o->list, &list) : HS_OK;
  if (s == HS_OK)
    s = collect_args(idx, &c, list, &res->rejected);
  if (s == HS_OK)
    s = collect_files(idx, &c, &res->rejected);
  if (s == HS_OK && res->rejected && !o->skip_bad)
    s = error_set(HS_ERR_FORMAT, "%llu malformed target(s); nothing withdrawn",
                  (unsigned long long)res->rejected);
  if (s == HS_OK)
    s = index_write(idx, withdraw_txn, &c, 0);
  if (s == HS_OK) {
    report_targets(&c);
    log_info("%s: withdrew %llu entries (%llu already withdrawn, %llu not found)", idx->path,
             (unsigned long long)res->withdrawn, (unsigned long long)res->already,
             (unsigned long long)res->not_found);
  }
  pagework_free(&c.work);
  free(c.lists);
  free(c.targets);
  return s;
}
