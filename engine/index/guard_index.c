/* index/guard_index.c - the flood guard's and allow-lists' state in the
 * index (hashsweep/guard.h): per-list settings as listattr values, the
 * quarantine as the page flag HS_ENTRY_QUARANTINED plus a listattr record
 * "quarantine:<entry id>" (when, which run figures), in the list of the
 * entry, so `index lists` counts a list's held entries without a walk of
 * the pages. Each change takes a version for the list (a running scan's
 * refresh sees it) and one audit record. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "hashsweep/guard.h"
#include "index/auditlog.h"
#include "index/guard_index.h"
#include "index/listattr.h"
#include "index/pagework.h"

#define ATTR_RADIUS "radius"
#define ATTR_MIN_QUALITY "min_quality"
#define ATTR_ROLE "role"
#define ATTR_QUARANTINE "quarantine:" /* + decimal entry id */

typedef struct quarantine_rec {
  int64_t time;
  uint64_t version, files, seen, limit;
} quarantine_rec;

const char *hs_list_role_name(hs_list_role role) {
  return role == HS_ROLE_ALLOW ? "allow" : "match";
}

hs_status hs_list_role_parse(const char *name, hs_list_role *out) {
  if (name && strcmp(name, "match") == 0)
    *out = HS_ROLE_MATCH;
  else if (name && strcmp(name, "allow") == 0)
    *out = HS_ROLE_ALLOW;
  else
    return error_set(HS_ERR_INVALID_ARG, "role '%s': expected match or allow", name ? name : "");
  return HS_OK;
}

static void quarantine_key(uint64_t entry, char *buf, size_t cap) {
  snprintf(buf, cap, ATTR_QUARANTINE "%" PRIu64, entry);
}

static int count_quarantined(void *user, const char *name, const void *val, size_t len) {
  (void)val;
  (void)len;
  if (strncmp(name, ATTR_QUARANTINE, sizeof ATTR_QUARANTINE - 1) == 0)
    ++*(uint64_t *)user;
  return 0;
}

static hs_status settings_in(hs_index *idx, MDB_txn *txn, uint32_t id, hs_list_settings *out) {
  int64_t r, q, role;
  HS_TRY(listattr_get_i64(idx, txn, id, ATTR_RADIUS, -1, &r));
  HS_TRY(listattr_get_i64(idx, txn, id, ATTR_MIN_QUALITY, -1, &q));
  HS_TRY(listattr_get_i64(idx, txn, id, ATTR_ROLE, HS_ROLE_MATCH, &role));
  out->radius = (int)r;
  out->min_quality = (int)q;
  out->role = role == HS_ROLE_ALLOW ? HS_ROLE_ALLOW : HS_ROLE_MATCH;
  out->quarantined = 0;
  return listattr_each(idx, txn, id, count_quarantined, &out->quarantined);
}

hs_status hs_index_list_settings(hs_index *idx, const char *list, hs_list_settings *out) {
  HS_CHECK(idx && list && out, HS_ERR_INVALID_ARG, "list settings: NULL argument");
  MDB_txn *txn;
  HS_TRY(lmdb_txn_begin(idx->env, MDB_RDONLY, &txn));
  list_record rec;
  hs_status s = list_get(idx, txn, list, &rec);
  if (s == HS_OK)
    s = settings_in(idx, txn, rec.id, out);
  mdb_txn_abort(txn);
  return s;
}

hs_status hs_index_snapshot_list_settings(hs_index_snapshot *snap, unsigned list_id,
                                          hs_list_settings *out) {
  HS_CHECK(snap && out, HS_ERR_INVALID_ARG, "list settings: NULL argument");
  return settings_in(snapshot_index(snap), snapshot_txn(snap), list_id, out);
}

hs_status hs_index_snapshot_quarantine(hs_index_snapshot *snap, uint64_t entry,
                                       hs_quarantine_info *out) {
  HS_CHECK(snap && out, HS_ERR_INVALID_ARG, "quarantine info: NULL argument");
  hs_index_entry e;
  HS_TRY(hs_index_entry_get(snap, entry, &e));
  if (!e.quarantined)
    return HS_ERR_NOT_FOUND;
  char key[LISTATTR_MAX_NAME];
  quarantine_key(entry, key, sizeof key);
  const void *val;
  size_t len;
  quarantine_rec r;
  memset(out, 0, sizeof *out);
  hs_status s = listattr_get(snapshot_index(snap), snapshot_txn(snap), e.list_id, key, &val, &len);
  if (s == HS_ERR_NOT_FOUND)
    return HS_OK; /* flagged, details lost: still quarantined */
  HS_TRY(s);
  if (len != sizeof r)
    return error_set(HS_ERR_CORRUPT, "entry %" PRIu64 ": damaged quarantine record", entry);
  memcpy(&r, val, sizeof r);
  *out = (hs_quarantine_info){r.time, r.version, r.files, r.seen, r.limit};
  return HS_OK;
}

typedef struct walk_ctx {
  uint64_t *ids;
  size_t n, cap;
} walk_ctx;

static int collect_quarantined(void *user, const char *name, const void *val, size_t len) {
  (void)val;
  (void)len;
  walk_ctx *w = user;
  size_t plen = sizeof ATTR_QUARANTINE - 1;
  if (strncmp(name, ATTR_QUARANTINE, plen) != 0)
    return 0;
  if (w->n == w->cap) {
    size_t cap = w->cap ? 2 * w->cap : 16;
    uint64_t *ids = realloc(w->ids, cap * sizeof *ids);
    if (!ids)
      return 1;
    w->ids = ids;
    w->cap = cap;
  }
  w->ids[w->n++] = strtoull(name + plen, NULL, 10);
  return 0;
}

static int id_order(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

hs_status hs_index_quarantined(hs_index *idx, hs_quarantine_fn fn, void *user) {
  HS_CHECK(idx && fn, HS_ERR_INVALID_ARG, "quarantined: NULL argument");
  hs_index_snapshot *snap;
  HS_TRY(hs_index_snapshot_open(idx, &snap));
  hs_status s = HS_OK;
  int stop = 0;
  for (unsigned id = 1; id <= 65535 && s == HS_OK && !stop; id++) {
    if (!hs_index_snapshot_list_name(snap, id))
      break; /* ids are dense from 1 */
    walk_ctx w = {0};
    s = listattr_each(idx, snapshot_txn(snap), id, collect_quarantined, &w);
    if (s == HS_OK && w.n == 0 && w.cap == 0 && w.ids == NULL)
      continue;
    if (s == HS_OK && !w.ids)
      s = error_set(HS_ERR_NOMEM, "out of memory");
    qsort(w.ids, w.n, sizeof *w.ids, id_order);
    for (size_t i = 0; i < w.n && s == HS_OK && !stop; i++) {
      hs_quarantine_info q;
      s = hs_index_snapshot_quarantine(snap, w.ids[i], &q);
      if (s == HS_ERR_NOT_FOUND) { /* a record without the flag: not held */
        s = HS_OK;
        continue;
      }
      hs_index_entry e;
      if (s == HS_OK)
        s = hs_index_entry_get(snap, w.ids[i], &e);
      if (s == HS_OK)
        stop = fn(user, &e, &q);
    }
    free(w.ids);
  }
  hs_index_snapshot_close(snap);
  return s;
}

/* ---- changes --------------------------------------------------------------- */

/* A list touched by one change: its record and the version it takes. */
typedef struct glist {
  uint32_t id;
  char name[INDEX_MAX_NAME + 1];
  list_record rec;
  uint64_t version;
} glist;

typedef struct guard_txn {
  int nothing; /* the change turned out empty: abort, report success */
  glist *lists;
  size_t nlists, cap;
  uint64_t seq;
  int64_t now;
  page_work work;
} guard_txn;

static void guard_txn_reset(guard_txn *g) {
  pagework_free(&g->work);
  free(g->lists);
  memset(g, 0, sizeof *g);
}

static hs_status guard_txn_begin(hs_index *idx, MDB_txn *txn, guard_txn *g) {
  guard_txn_reset(g);
  HS_TRY(audit_clock(idx, txn, &g->now));
  HS_TRY(pagework_begin(&g->work, idx, txn));
  return audit_next_seq(idx, txn, &g->seq);
}

/* Ends a transaction that changed nothing: index_write aborts it on the
 * error, so no audit sequence number is spent on an empty record. */
static hs_status nothing_done(guard_txn *g) {
  g->nothing = 1;
  return HS_ERR_NOT_FOUND;
}

/* The list with id `id` (by name when id is 0), taking a version on first
 * use. */
static hs_status touch(hs_index *idx, MDB_txn *txn, guard_txn *g, uint32_t id, const char *name,
                       glist **out) {
  for (size_t i = 0; i < g->nlists; i++)
    if (g->lists[i].id == id) {
      *out = &g->lists[i];
      return HS_OK;
    }
  if (g->nlists == g->cap) {
    size_t cap = g->cap ? 2 * g->cap : 4;
    glist *l = realloc(g->lists, cap * sizeof *l);
    if (!l)
      return error_set(HS_ERR_NOMEM, "out of memory");
    g->lists = l;
    g->cap = cap;
  }
  glist *w = &g->lists[g->nlists];
  memset(w, 0, sizeof *w);
  if (name) {
    HS_TRY(list_get_or_create(idx, txn, name, g->now, &w->rec));
    snprintf(w->name, sizeof w->name, "%s", name);
  } else {
    HS_TRY(list_name(idx, txn, id, w->name, sizeof w->name));
    HS_TRY(list_get(idx, txn, w->name, &w->rec));
  }
  w->id = w->rec.id;
  HS_TRY(version_next(idx, txn, w->id, VERSION_GUARD, g->seq, g->now, &w->version));
  g->nlists++;
  *out = w;
  return HS_OK;
}

/* Writes the touched lists' records and the audit record. */
static hs_status guard_txn_close(hs_index *idx, MDB_txn *txn, guard_txn *g, int kind,
                                 const char *note, const char *command) {
  HS_TRY(pagework_flush(&g->work));
  audit_part *parts = calloc(g->nlists + 1, sizeof *parts);
  if (!parts)
    return error_set(HS_ERR_NOMEM, "out of memory");
  hs_status s = HS_OK;
  for (size_t i = 0; i < g->nlists && s == HS_OK; i++) {
    glist *w = &g->lists[i];
    w->rec.version = w->version;
    w->rec.updated = g->now;
    s = list_put(idx, txn, w->name, &w->rec);
    parts[i] = (audit_part){.list_id = w->id, .list = w->name, .version = w->version};
  }
  audit_entry e = {.kind = kind, .time = g->now, .parts = parts, .nparts = g->nlists,
                   .note = note ? note : "", .command = command ? command : ""};
  if (s == HS_OK)
    s = audit_append(idx, txn, g->seq, &e);
  free(parts);
  return s;
}

/* The hash type whose pages hold entry `id`, and that page in the map. */
static hs_status entry_page(hs_index *idx, MDB_txn *txn, uint64_t id, hs_hash_type *type,
                            const void **base) {
  for (int t = 0; t < HS_HASH_TYPE_COUNT; t++) {
    hs_status s = index_page_get(idx, txn, (hs_hash_type)t, page_of_id(id), base);
    if (s == HS_ERR_NOT_FOUND)
      continue;
    HS_TRY(s);
    *type = (hs_hash_type)t;
    return HS_OK;
  }
  return error_set(HS_ERR_NOT_FOUND, "entry %" PRIu64 " does not exist", id);
}

/* The type and flags byte of entry `id` in a writable page copy. */
static hs_status edit_flags(hs_index *idx, MDB_txn *txn, guard_txn *g, uint64_t id,
                            uint8_t **flags, unsigned *list) {
  hs_hash_type t = (hs_hash_type)0;
  const void *base;
  HS_TRY(entry_page(idx, txn, id, &t, &base));
  void *p;
  unsigned slot;
  HS_TRY(pagework_edit(&g->work, t, id, &p, &slot));
  *flags = &page_flags(&idx->layout[t], p)[slot];
  *list = page_lists(&idx->layout[t], p)[slot];
  return HS_OK;
}

/* -- set-list -- */

typedef struct set_ctx {
  const hs_set_list_options *o;
  guard_txn g;
  uint64_t version;
} set_ctx;

static hs_status put_setting(hs_index *idx, MDB_txn *txn, uint32_t id, const char *name,
                             int64_t value, int64_t unset) {
  if (value == unset)
    return listattr_del(idx, txn, id, name);
  return listattr_put_i64(idx, txn, id, name, value);
}

static hs_status set_txn(hs_index *idx, MDB_txn *txn, void *arg) {
  set_ctx *c = arg;
  const hs_set_list_options *o = c->o;
  HS_TRY(guard_txn_begin(idx, txn, &c->g));
  glist *w;
  HS_TRY(touch(idx, txn, &c->g, 0, o->list, &w));
  if (o->set_radius)
    HS_TRY(put_setting(idx, txn, w->id, ATTR_RADIUS, o->radius, -1));
  if (o->set_min_quality)
    HS_TRY(put_setting(idx, txn, w->id, ATTR_MIN_QUALITY, o->min_quality, -1));
  if (o->set_role)
    HS_TRY(put_setting(idx, txn, w->id, ATTR_ROLE, o->role, HS_ROLE_MATCH));
  /* The audit record says what was set, beside the operator's note. */
  char what[160] = "", note[1200];
  size_t n = 0;
  if (o->set_radius)
    n += (size_t)snprintf(what + n, sizeof what - n, " radius=%d", o->radius);
  if (o->set_min_quality && n < sizeof what)
    n += (size_t)snprintf(what + n, sizeof what - n, " min_quality=%d", o->min_quality);
  if (o->set_role && n < sizeof what)
    snprintf(what + n, sizeof what - n, " role=%s", hs_list_role_name(o->role));
  snprintf(note, sizeof note, "set%s%s%s", what, o->note && *o->note ? "; " : "",
           o->note ? o->note : "");
  c->version = w->version;
  return guard_txn_close(idx, txn, &c->g, AUDIT_SET_LIST, note, o->command);
}

hs_status hs_index_set_list(hs_index *idx, const hs_set_list_options *o, uint64_t *version) {
  HS_CHECK(idx && o && o->list, HS_ERR_INVALID_ARG, "set-list: NULL argument");
  HS_TRY(list_check_name(o->list));
  HS_CHECK(o->set_radius || o->set_min_quality || o->set_role, HS_ERR_INVALID_ARG,
           "set-list: nothing to set (give a radius, a quality gate or a role)");
  HS_CHECK(!o->set_radius || (o->radius >= -1 && o->radius <= 256), HS_ERR_INVALID_ARG,
           "set-list: radius %d is out of range (0..256)", o->radius);
  HS_CHECK(!o->set_min_quality || (o->min_quality >= -1 && o->min_quality <= 100),
           HS_ERR_INVALID_ARG, "set-list: quality gate %d is out of range (0..100)",
           o->min_quality);
  HS_CHECK(!o->set_role || o->role == HS_ROLE_MATCH || o->role == HS_ROLE_ALLOW,
           HS_ERR_INVALID_ARG, "set-list: unknown role %d", (int)o->role);
  set_ctx c = {.o = o};
  hs_status s = index_write(idx, set_txn, &c, 0);
  if (s == HS_OK && version)
    *version = c.version;
  guard_txn_reset(&c.g);
  return s;
}

/* -- quarantine -- */

typedef struct quarantine_ctx {
  const hs_quarantine_target *t;
  size_t n;
  uint64_t seen, limit, done;
  const char *command;
  const char *reason; /* the audit note; NULL: the flood guard's */
  guard_txn g;
} quarantine_ctx;

static hs_status quarantine_txn(hs_index *idx, MDB_txn *txn, void *arg) {
  quarantine_ctx *c = arg;
  HS_TRY(guard_txn_begin(idx, txn, &c->g));
  c->done = 0;
  for (size_t i = 0; i < c->n; i++) {
    uint8_t *flags;
    unsigned list;
    HS_TRY(edit_flags(idx, txn, &c->g, c->t[i].entry, &flags, &list));
    if (*flags & (HS_ENTRY_WITHDRAWN | HS_ENTRY_QUARANTINED))
      continue;
    glist *w;
    HS_TRY(touch(idx, txn, &c->g, list, NULL, &w));
    *flags |= HS_ENTRY_QUARANTINED;
    quarantine_rec r = {c->g.now, w->version, c->t[i].files, c->seen, c->limit};
    char key[LISTATTR_MAX_NAME];
    quarantine_key(c->t[i].entry, key, sizeof key);
    HS_TRY(listattr_put(idx, txn, list, key, &r, sizeof r));
    c->done++;
  }
  if (c->done == 0)
    return nothing_done(&c->g); /* aborted: no audit number taken */
  if (c->reason)
    return guard_txn_close(idx, txn, &c->g, AUDIT_QUARANTINE, c->reason, c->command);
  /* The note names every entry and its count: the record a reviewer reads. */
  size_t cap = 128 + 48 * c->n, len = 0;
  char *note = malloc(cap);
  if (!note)
    return error_set(HS_ERR_NOMEM, "out of memory");
  len += (size_t)snprintf(note, cap, "flood guard: %" PRIu64 " files examined, limit %" PRIu64
                          " files per entry; held:", c->seen, c->limit);
  for (size_t i = 0; i < c->n && len < cap; i++)
    len += (size_t)snprintf(note + len, cap - len, " entry %" PRIu64 " (%" PRIu64 " files)",
                            c->t[i].entry, c->t[i].files);
  hs_status s = guard_txn_close(idx, txn, &c->g, AUDIT_QUARANTINE, note, c->command);
  free(note);
  return s;
}

hs_status hs_index_quarantine(hs_index *idx, const hs_quarantine_target *t, size_t n,
                              uint64_t seen, uint64_t limit, const char *command, uint64_t *done) {
  HS_CHECK(idx && (t || n == 0), HS_ERR_INVALID_ARG, "quarantine: NULL argument");
  quarantine_ctx c = {.t = t, .n = n, .seen = seen, .limit = limit, .command = command};
  hs_status s = n ? index_write(idx, quarantine_txn, &c, 0) : HS_OK;
  if (s == HS_ERR_NOT_FOUND && c.g.nothing)
    s = HS_OK;
  if (done)
    *done = s == HS_OK ? c.done : 0;
  guard_txn_reset(&c.g);
  return s;
}

/* The flags byte of entry `id` as the transaction sees it, unchanged. */
static hs_status read_flags(hs_index *idx, MDB_txn *txn, uint64_t id, uint8_t *flags) {
  hs_hash_type t = (hs_hash_type)0;
  const void *base;
  HS_TRY(entry_page(idx, txn, id, &t, &base));
  void *p = (void *)base; /* read only: the accessors take a mutable base */
  if (slot_of_id(id) >= page_hdr(p)->count)
    return error_set(HS_ERR_NOT_FOUND, "entry %" PRIu64 " does not exist", id);
  *flags = page_flags(&idx->layout[t], p)[slot_of_id(id)];
  return HS_OK;
}

hs_status guard_quarantine_in_txn(hs_index *idx, MDB_txn *txn, uint64_t entry, uint64_t files,
                                  uint64_t limit, const char *reason, const char *command,
                                  int *done) {
  *done = 0;
  uint8_t flags = 0;
  HS_TRY(read_flags(idx, txn, entry, &flags));
  /* Checked first: an empty change inside the caller's transaction cannot
   * be aborted without aborting the caller's write too. */
  if (flags & (HS_ENTRY_WITHDRAWN | HS_ENTRY_QUARANTINED))
    return HS_OK;
  hs_quarantine_target t = {entry, files};
  quarantine_ctx c = {.t = &t, .n = 1, .seen = 0, .limit = limit, .command = command,
                      .reason = reason};
  hs_status s = quarantine_txn(idx, txn, &c);
  *done = s == HS_OK && c.done == 1;
  guard_txn_reset(&c.g);
  return s;
}

/* -- release -- */

typedef struct release_ctx {
  const uint64_t *ids;
  size_t n;
  const char *note, *command;
  uint8_t *state; /* per id: 1 released, 2 not quarantined, 3 no such entry */
  uint64_t released;
  guard_txn g;
} release_ctx;

static hs_status release_txn(hs_index *idx, MDB_txn *txn, void *arg) {
  release_ctx *c = arg;
  HS_TRY(guard_txn_begin(idx, txn, &c->g));
  c->released = 0;
  for (size_t i = 0; i < c->n; i++) {
    uint8_t *flags;
    unsigned list;
    hs_status s = edit_flags(idx, txn, &c->g, c->ids[i], &flags, &list);
    if (s == HS_ERR_NOT_FOUND) {
      c->state[i] = 3;
      continue;
    }
    HS_TRY(s);
    if (!(*flags & HS_ENTRY_QUARANTINED)) {
      c->state[i] = 2;
      continue;
    }
    glist *w;
    HS_TRY(touch(idx, txn, &c->g, list, NULL, &w));
    *flags &= (uint8_t)~HS_ENTRY_QUARANTINED;
    char key[LISTATTR_MAX_NAME];
    quarantine_key(c->ids[i], key, sizeof key);
    HS_TRY(listattr_del(idx, txn, list, key));
    c->state[i] = 1;
    c->released++;
  }
  if (c->released == 0)
    return nothing_done(&c->g);
  size_t cap = 64 + 24 * c->n + (c->note ? strlen(c->note) : 0), len = 0;
  char *note = malloc(cap);
  if (!note)
    return error_set(HS_ERR_NOMEM, "out of memory");
  len += (size_t)snprintf(note, cap, "released:");
  for (size_t i = 0; i < c->n && len < cap; i++)
    if (c->state[i] == 1)
      len += (size_t)snprintf(note + len, cap - len, " %" PRIu64, c->ids[i]);
  if (c->note && *c->note && len < cap)
    snprintf(note + len, cap - len, "; %s", c->note);
  hs_status s = guard_txn_close(idx, txn, &c->g, AUDIT_RELEASE, note, c->command);
  free(note);
  return s;
}

hs_status hs_index_release(hs_index *idx, const uint64_t *ids, size_t n, const char *note,
                           const char *command, hs_index_problem_fn problem, void *user,
                           uint64_t *released, uint64_t *not_held) {
  HS_CHECK(idx && ids && n > 0, HS_ERR_INVALID_ARG, "release: give at least one entry id");
  release_ctx c = {.ids = ids, .n = n, .note = note, .command = command};
  c.state = calloc(n, 1);
  if (!c.state)
    return error_set(HS_ERR_NOMEM, "out of memory");
  hs_status s = index_write(idx, release_txn, &c, 0);
  if (s == HS_ERR_NOT_FOUND && c.g.nothing)
    s = HS_OK;
  uint64_t bad = 0;
  for (size_t i = 0; s == HS_OK && i < n; i++) {
    if (c.state[i] == 1)
      continue;
    bad++;
    char where[48];
    snprintf(where, sizeof where, "entry %" PRIu64, ids[i]);
    if (problem)
      problem(user, where, c.state[i] == 2 ? "is not quarantined" : "does not exist");
  }
  if (released)
    *released = s == HS_OK ? c.released : 0;
  if (not_held)
    *not_held = bad;
  free(c.state);
  guard_txn_reset(&c.g);
  return s;
}
