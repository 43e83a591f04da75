/* index/decisions.c - reviewers' decisions on matches (hashsweep/review.h),
 * kept in the optional sub-database "decisions".
 *
 * Key: the entry id then the audit sequence number of the record that
 * wrote the decision, both 8 bytes big-endian, so one entry's decisions
 * sort together in the order they were made and a lookup by entry is one
 * range walk (the flood guard asks per entry). Value (record.h codec):
 * u8 format (1), u8 decision, i64 time, str file, str reviewer, str note.
 * Decisions are never changed or deleted: a new one on the same (entry,
 * file) pair supersedes the old, whose record stays as history. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "hashsweep/review.h"
#include "index/auditlog.h"
#include "index/guard_index.h"
#include "index/index_internal.h"
#include "index/record.h"

#define DECISION_FORMAT 1

const char *hs_decision_name(hs_decision_kind kind) {
  switch (kind) {
  case HS_DECISION_CONFIRM: return "confirm";
  case HS_DECISION_REJECT: return "reject";
  case HS_DECISION_ESCALATE: return "escalate";
  default: return NULL;
  }
}

hs_status hs_decision_parse(const char *name, hs_decision_kind *out) {
  HS_CHECK(name && out, HS_ERR_INVALID_ARG, "decision: NULL argument");
  for (int k = HS_DECISION_CONFIRM; k <= HS_DECISION_ESCALATE; k++)
    if (strcmp(name, hs_decision_name((hs_decision_kind)k)) == 0) {
      *out = (hs_decision_kind)k;
      return HS_OK;
    }
  return error_set(HS_ERR_FORMAT, "decision '%s' is not one of confirm, reject, escalate", name);
}

static void put_be64(uint8_t *p, uint64_t v) {
  for (int i = 7; i >= 0; i--, v >>= 8)
    p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = v << 8 | p[i];
  return v;
}

/* ---- checking the input ----------------------------------------------------- */

/* Text a person typed: bounded, no control characters (it reaches the
 * audit log, terminals and the report). */
static hs_status check_text(const char *what, const char *s, size_t max, int required) {
  size_t n = s ? strlen(s) : 0;
  if (required && n == 0)
    return error_set(HS_ERR_INVALID_ARG, "decision: %s is required", what);
  if (n > max)
    return error_set(HS_ERR_INVALID_ARG, "decision: %s is %zu bytes, above the limit of %zu",
                     what, n, max);
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
      return error_set(HS_ERR_INVALID_ARG, "decision: %s has a control character at byte %zu",
                       what, i + 1);
  return HS_OK;
}

static hs_status check_decision(hs_index *idx, const hs_decision *d) {
  HS_CHECK(hs_decision_name(d->decision), HS_ERR_INVALID_ARG, "decision: unknown kind %d",
           (int)d->decision);
  HS_TRY(check_text("the file", d->file, HS_DECISION_MAX_FILE, 1));
  HS_TRY(check_text("the reviewer", d->reviewer, HS_DECISION_MAX_TEXT, 1));
  HS_TRY(check_text("the note", d->note, HS_DECISION_MAX_TEXT, 0));
  /* The entry must exist: a decision on a typo would count for nothing,
   * or for the wrong entry. Entries are never deleted, so checking in a
   * snapshot before the write is enough. */
  hs_index_snapshot *snap;
  HS_TRY(hs_index_snapshot_open(idx, &snap));
  hs_index_entry e;
  hs_status s = hs_index_entry_get(snap, d->entry, &e);
  hs_index_snapshot_close(snap);
  if (s == HS_ERR_NOT_FOUND)
    return error_set(HS_ERR_NOT_FOUND, "%s: entry %llu does not exist", idx->path,
                     (unsigned long long)d->entry);
  return s;
}

/* ---- writing ------------------------------------------------------------------ */

typedef struct decide_ctx {
  const hs_decision *d;
  const char *command;
  uint64_t seq;
  uint64_t flood_rejections; /* 0: rejections do not quarantine */
  int quarantined;
} decide_ctx;

static hs_status walk(hs_index *idx, MDB_txn *txn, uint64_t entry, int latest_only,
                      hs_decision_fn fn, void *user);
static int count_one(void *user, const hs_decision *d);

/* The entry's files whose latest decision is a rejection, as txn sees them. */
static hs_status rejected_in(hs_index *idx, MDB_txn *txn, uint64_t entry, uint64_t *out) {
  hs_decision_counts c = {0};
  HS_TRY(walk(idx, txn, entry, 1, count_one, &c));
  *out = c.rejected;
  return HS_OK;
}

/* Rejections feed the flood guard (docs/guard.md): the rejection that
 * brings the entry's rejected files to a multiple of the limit quarantines
 * it, in the transaction that records the decision, so a reviewer's "false
 * match" stops the entry before the next run or the service's next
 * refresh. Multiples, so that an entry a person released after R
 * rejections is held again only after R more, not at the next one. */
static hs_status reject_guard(hs_index *idx, MDB_txn *txn, decide_ctx *c, uint64_t before) {
  uint64_t after;
  HS_TRY(rejected_in(idx, txn, c->d->entry, &after));
  if (after <= before || after % c->flood_rejections != 0)
    return HS_OK;
  char note[160];
  snprintf(note, sizeof note, "review: entry %llu rejected as a false match on %llu files "
           "(limit %llu): quarantined", (unsigned long long)c->d->entry,
           (unsigned long long)after, (unsigned long long)c->flood_rejections);
  return guard_quarantine_in_txn(idx, txn, c->d->entry, after, c->flood_rejections, note,
                                 c->command, &c->quarantined);
}

static hs_status encode(const hs_decision *d, int64_t time, rec_writer *w) {
  const char *note = d->note ? d->note : "";
  rec_put_u8(w, DECISION_FORMAT);
  rec_put_u8(w, (uint8_t)d->decision);
  rec_put_u64(w, (uint64_t)time);
  rec_put_str(w, d->file, strlen(d->file));
  rec_put_str(w, d->reviewer, strlen(d->reviewer));
  rec_put_str(w, note, strlen(note));
  return rec_writer_status(w);
}

static hs_status decide_txn(hs_index *idx, MDB_txn *txn, void *user) {
  decide_ctx *c = user;
  const hs_decision *d = c->d;
  /* The audit record takes the index's clock (never before the record
   * before it); the decision keeps the time its caller gave, if any. */
  int64_t now;
  HS_TRY(audit_clock(idx, txn, &now));
  int64_t decided = d->time ? d->time : now;
  int guarded = d->decision == HS_DECISION_REJECT && c->flood_rejections > 0;
  uint64_t before = 0;
  c->quarantined = 0;
  if (guarded)
    HS_TRY(rejected_in(idx, txn, d->entry, &before));
  HS_TRY(audit_next_seq(idx, txn, &c->seq));
  char *note = NULL;
  if (asprintf(&note, "%s entry %llu, file %s, by %s%s%s", hs_decision_name(d->decision),
               (unsigned long long)d->entry, d->file, d->reviewer,
               d->note && *d->note ? ": " : "", d->note ? d->note : "") < 0)
    return error_set(HS_ERR_NOMEM, "out of memory");
  audit_entry a = {.kind = AUDIT_DECIDE, .time = now, .note = note, .command = c->command};
  hs_status s = audit_append(idx, txn, c->seq, &a);
  free(note);
  HS_TRY(s);
  uint8_t key[16];
  put_be64(key, d->entry);
  put_be64(key + 8, c->seq);
  rec_writer w = {0};
  s = encode(d, decided, &w);
  if (s == HS_OK) {
    MDB_val k = lmdb_val(key, sizeof key), v = lmdb_val(w.buf, w.len);
    int rc = mdb_put(txn, idx->dbi[DB_DECISIONS], &k, &v, MDB_NOOVERWRITE);
    if (rc != 0)
      s = lmdb_fail(rc, "%s: writing the decision on entry %llu", idx->path,
                    (unsigned long long)d->entry);
  }
  rec_writer_free(&w);
  if (s == HS_OK && guarded)
    s = reject_guard(idx, txn, c, before);
  return s;
}

hs_status hs_review_decide_guarded(hs_index *idx, const hs_decision *d, const char *command,
                                   uint64_t flood_rejections, uint64_t *seq_out,
                                   int *quarantined) {
  HS_CHECK(idx && d, HS_ERR_INVALID_ARG, "decide: NULL argument");
  HS_CHECK(idx->has[DB_DECISIONS], HS_ERR_INVALID_ARG, "%s: index opened read-only", idx->path);
  HS_TRY(check_decision(idx, d));
  decide_ctx c = {.d = d, .command = command, .flood_rejections = flood_rejections};
  HS_TRY(index_write(idx, decide_txn, &c, 0));
  if (seq_out)
    *seq_out = c.seq;
  if (quarantined)
    *quarantined = c.quarantined;
  return HS_OK;
}

hs_status hs_review_decide(hs_index *idx, const hs_decision *d, const char *command,
                           uint64_t *seq_out) {
  return hs_review_decide_guarded(idx, d, command, 0, seq_out, NULL);
}

/* ---- reading ------------------------------------------------------------------ */

/* Decodes one stored decision; strings point into the map (not
 * NUL-terminated there), so they are copied into `arena`. */
static hs_status decode(hs_index *idx, const MDB_val *k, const MDB_val *v, rec_arena *arena,
                        hs_decision *out) {
  if (k->mv_size != 16)
    return error_set(HS_ERR_CORRUPT, "%s: damaged decision key (%zu bytes)", idx->path,
                     k->mv_size);
  memset(out, 0, sizeof *out);
  out->entry = get_be64(k->mv_data);
  out->seq = get_be64((const uint8_t *)k->mv_data + 8);
  rec_reader r = rec_reader_make(v->mv_data, v->mv_size);
  int format = rec_get_u8(&r);
  out->decision = (hs_decision_kind)rec_get_u8(&r);
  out->time = (int64_t)rec_get_u64(&r);
  const char *f[3];
  for (int i = 0; i < 3; i++) {
    size_t n;
    const char *p = rec_get_str(&r, &n);
    f[i] = r.bad ? NULL : rec_arena_strndup(arena, p, n);
  }
  out->file = f[0];
  out->reviewer = f[1];
  out->note = f[2];
  if (format != DECISION_FORMAT || !hs_decision_name(out->decision) || r.bad || !rec_at_end(&r) ||
      !f[0] || !f[1] || !f[2])
    return error_set(HS_ERR_CORRUPT, "%s: the decision of audit record %llu on entry %llu is "
                     "damaged", idx->path, (unsigned long long)out->seq,
                     (unsigned long long)out->entry);
  return HS_OK;
}

/* One entry's decisions at a time, so latest_only can look ahead. */
typedef struct group {
  hs_decision *items;
  size_t count, cap;
} group;

static int superseded(const group *g, size_t i) {
  for (size_t j = i + 1; j < g->count; j++)
    if (strcmp(g->items[j].file, g->items[i].file) == 0)
      return 1;
  return 0;
}

/* Delivers a group; 1 when fn asked to stop. */
static int flush(group *g, int latest_only, hs_decision_fn fn, void *user) {
  int stop = 0;
  for (size_t i = 0; i < g->count && !stop; i++)
    if (!latest_only || !superseded(g, i))
      stop = fn(user, &g->items[i]) != 0;
  g->count = 0;
  return stop;
}

static hs_status walk(hs_index *idx, MDB_txn *txn, uint64_t entry, int latest_only,
                      hs_decision_fn fn, void *user) {
  MDB_cursor *c;
  int rc = mdb_cursor_open(txn, idx->dbi[DB_DECISIONS], &c);
  if (rc != 0)
    return lmdb_fail(rc, "%s: reading decisions", idx->path);
  uint8_t start[16] = {0};
  put_be64(start, entry);
  MDB_val k = lmdb_val(start, entry ? 8 : 0), v;
  group g = {0};
  rec_arena arena = {0};
  hs_status s = HS_OK;
  int stop = 0;
  for (rc = mdb_cursor_get(c, &k, &v, entry ? MDB_SET_RANGE : MDB_FIRST); rc == 0 && !stop;
       rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
    /* Past the entry asked for: stop before decoding what is not ours. */
    if (entry && (k.mv_size < 8 || get_be64(k.mv_data) != entry))
      break;
    hs_decision d;
    if ((s = decode(idx, &k, &v, &arena, &d)) != HS_OK)
      break;
    if (g.count && g.items[0].entry != d.entry) {
      stop = flush(&g, latest_only, fn, user);
      rec_arena_free(&arena);
      if (stop)
        break;
      /* The strings of d were in the freed arena: decode again. */
      if ((s = decode(idx, &k, &v, &arena, &d)) != HS_OK)
        break;
    }
    if (rec_grow(&g.items, &g.cap, g.count, sizeof *g.items, 16) != 0) {
      s = error_set(HS_ERR_NOMEM, "out of memory");
      break;
    }
    g.items[g.count++] = d;
  }
  if (s == HS_OK && rc != 0 && rc != MDB_NOTFOUND)
    s = lmdb_fail(rc, "%s: reading decisions", idx->path);
  if (s == HS_OK && !stop)
    flush(&g, latest_only, fn, user);
  rec_arena_free(&arena);
  free(g.items);
  mdb_cursor_close(c);
  return s;
}

hs_status hs_review_decisions(hs_index *idx, uint64_t entry, int latest_only, hs_decision_fn fn,
                              void *user) {
  HS_CHECK(idx && fn, HS_ERR_INVALID_ARG, "decisions: NULL argument");
  if (!idx->has[DB_DECISIONS])
    return HS_OK;
  MDB_txn *txn;
  HS_TRY(lmdb_txn_begin(idx->env, MDB_RDONLY, &txn));
  hs_status s = walk(idx, txn, entry, latest_only, fn, user);
  mdb_txn_abort(txn);
  return s;
}

static int count_one(void *user, const hs_decision *d) {
  hs_decision_counts *c = user;
  if (d->decision == HS_DECISION_CONFIRM)
    c->confirmed++;
  else if (d->decision == HS_DECISION_REJECT)
    c->rejected++;
  else
    c->escalated++;
  return 0;
}

hs_status hs_review_counts(hs_index *idx, uint64_t entry, hs_decision_counts *out) {
  HS_CHECK(out && entry, HS_ERR_INVALID_ARG, "decision counts: NULL argument or entry 0");
  memset(out, 0, sizeof *out);
  return hs_review_decisions(idx, entry, 1, count_one, out);
}
