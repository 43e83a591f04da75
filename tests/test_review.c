// labels: unit
// timeout: 300
/* tests/test_review.c - reviewers' decisions (hashsweep/review.h): recorded
 * and refused, latest per (entry, file) and the whole history, counts per
 * entry (what the flood guard reads), rejections that quarantine an entry,
 * an index made before the decisions sub-database existed, a damaged
 * record, and the SubmitFeedback body. */
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "index/index_internal.h"
#include "test_util.h"
#include "tu_lmdb.h"

static char *dir, *ipath;
static uint64_t ea, eb; /* the two entries */

#define HASH_A "d85be4331bb7dacc24a5833dc260278771d89d628f13d0d893cd3cc14aef287d"
#define HASH_B "91979df09904db4afa39e0b3ff1e8951fba80fc94e0ebd7704266b2841eb06c8"

static hs_index *fresh(void) {
  ck_assert_int_eq(hs_index_create(ipath), HS_OK);
  hs_index *idx;
  ck_assert_msg(hs_index_open(ipath, 0, &idx) == HS_OK, "%s", hs_last_error());
  char *list = tu_path(dir, "list.txt");
  const char text[] = HASH_A "\n" HASH_B "\n";
  ck_assert_int_eq(tu_write_file(list, text, sizeof text - 1), 0);
  hs_import_options o;
  hs_import_options_default(&o);
  o.list = "ncii";
  const char *files[] = {list};
  hs_import_result r;
  ck_assert_msg(hs_index_import(idx, files, 1, &o, &r) == HS_OK, "%s", hs_last_error());
  ck_assert_int_eq(r.added, 2);
  free(list);
  /* The ids, in hash order of the list. */
  hs_index_snapshot *snap;
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  hs_index_hashes h;
  ck_assert_int_eq(hs_index_load(snap, HS_HASH_PDQ, NULL, &h), HS_OK);
  ck_assert_uint_eq(h.count, 2);
  ea = h.ids[0];
  eb = h.ids[1];
  hs_index_hashes_free(&h);
  hs_index_snapshot_close(snap);
  return idx;
}

static void setup(void) {
  dir = tu_mkdtemp();
  ck_assert_ptr_nonnull(dir);
  ipath = tu_path(dir, "idx");
}

static void teardown(void) {
  tu_rmtree(dir);
  free(dir);
  free(ipath);
}

static hs_status decide(hs_index *idx, uint64_t entry, const char *file, hs_decision_kind k,
                        const char *reviewer, const char *note) {
  hs_decision d = {.entry = entry, .file = file, .decision = k, .reviewer = reviewer,
                   .note = note};
  return hs_review_decide(idx, &d, "test", NULL);
}

/* The index verifies with no problem; then it is closed. */
static void verify_and_close(hs_index *idx) {
  uint64_t problems = 9;
  ck_assert_msg(hs_index_verify(idx, NULL, NULL, &problems) == HS_OK, "%s", hs_last_error());
  ck_assert_uint_eq(problems, 0);
  hs_index_close(idx);
}

static void withdraw(hs_index *idx, uint64_t id) {
  hs_withdraw_options w;
  hs_withdraw_options_default(&w);
  w.ids = &id;
  w.nids = 1;
  w.reason = "test";
  hs_withdraw_result wr;
  ck_assert_int_eq(hs_index_withdraw(idx, &w, &wr), HS_OK);
}

/* What a walk delivered, one "entry:file:decision:reviewer:note" string each. */
typedef struct seen {
  char lines[16][160];
  int n, stop_after;
} seen;

static int collect(void *user, const hs_decision *d) {
  seen *s = user;
  ck_assert_int_lt(s->n, 16);
  snprintf(s->lines[s->n++], sizeof s->lines[0], "%s:%s:%s:%s:%s",
           d->entry == ea ? "A" : d->entry == eb ? "B" : "?", d->file,
           hs_decision_name(d->decision), d->reviewer, d->note);
  ck_assert_int_gt(d->seq, 1);
  ck_assert_int_gt(d->time, 1700000000);
  return s->stop_after && s->n >= s->stop_after;
}

START_TEST(names_round_trip) {
  static const char *const names[] = {"confirm", "reject", "escalate"};
  for (int i = 0; i < 3; i++) {
    hs_decision_kind k;
    ck_assert_int_eq(hs_decision_parse(names[i], &k), HS_OK);
    ck_assert_int_eq(k, i + 1);
    ck_assert_str_eq(hs_decision_name(k), names[i]);
  }
  hs_decision_kind k;
  ck_assert_int_eq(hs_decision_parse("Confirm", &k), HS_ERR_FORMAT);
  ck_assert_str_eq(hs_last_error(), "decision 'Confirm' is not one of confirm, reject, escalate");
  ck_assert_ptr_null(hs_decision_name((hs_decision_kind)0));
  ck_assert_ptr_null(hs_decision_name((hs_decision_kind)4));
}
END_TEST

START_TEST(refused) {
  hs_index *idx = fresh();
  char long_note[HS_DECISION_MAX_TEXT + 2];
  memset(long_note, 'n', sizeof long_note - 1);
  long_note[sizeof long_note - 1] = '\0';
  const struct {
    int entry; /* 0: ea, 1: unknown */
    const char *file, *reviewer, *note;
    int kind;
    hs_status want;
    const char *msg;
  } cases[] = {
      {1, "f", "r", NULL, 2, HS_ERR_NOT_FOUND, "entry 999999 does not exist"},
      {0, "", "r", NULL, 2, HS_ERR_INVALID_ARG, "decision: the file is required"},
      {0, "f", "", NULL, 2, HS_ERR_INVALID_ARG, "decision: the reviewer is required"},
      {0, "f", "a\nb", NULL, 2, HS_ERR_INVALID_ARG,
       "decision: the reviewer has a control character at byte 2"},
      {0, "f", "r", "x\x7f", 2, HS_ERR_INVALID_ARG,
       "decision: the note has a control character at byte 2"},
      {0, "f", "r", NULL, 9, HS_ERR_INVALID_ARG, "decision: unknown kind 9"},
      {0, "f", "r", long_note, 2, HS_ERR_INVALID_ARG,
       "decision: the note is 2001 bytes, above the limit of 2000"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    hs_status s = decide(idx, cases[i].entry ? 999999 : ea, cases[i].file,
                         (hs_decision_kind)cases[i].kind, cases[i].reviewer, cases[i].note);
    ck_assert_int_eq(s, cases[i].want);
    ck_assert_msg(strstr(hs_last_error(), cases[i].msg), "case %zu: %s", i, hs_last_error());
  }
  /* Nothing was written: no decision, no audit record beyond create and import. */
  seen s = {0};
  ck_assert_int_eq(hs_review_decisions(idx, 0, 0, collect, &s), HS_OK);
  ck_assert_int_eq(s.n, 0);
  ck_assert_int_eq(hs_review_decide(NULL, NULL, NULL, NULL), HS_ERR_INVALID_ARG);
  hs_index_close(idx);
}
END_TEST

static int count_log(void *user, const hs_log_record *r) {
  int *n = user;
  if (strcmp(r->kind, "decide") == 0) {
    n[0]++;
    ck_assert_uint_eq(r->nlists, 0);
    ck_assert_str_eq(r->command, "test");
    if (n[0] == 1)
      ck_assert_msg(strstr(r->note, "reject entry ") && strstr(r->note, ", file f1, by ann: blurry"),
                    "%s", r->note);
  }
  return 0;
}

START_TEST(latest_history_counts) {
  hs_index *idx = fresh();
  ck_assert_int_eq(decide(idx, ea, "f1", HS_DECISION_REJECT, "ann", "blurry"), HS_OK);
  ck_assert_int_eq(decide(idx, eb, "f3", HS_DECISION_ESCALATE, "bob", ""), HS_OK);
  ck_assert_int_eq(decide(idx, ea, "f2", HS_DECISION_REJECT, "ann", NULL), HS_OK);
  uint64_t seq = 0;
  hs_decision d = {.entry = ea, .file = "f1", .decision = HS_DECISION_CONFIRM, .reviewer = "cy"};
  ck_assert_int_eq(hs_review_decide(idx, &d, "test", &seq), HS_OK);
  ck_assert_uint_eq(seq, 6); /* after create, import and 3 decisions */

  seen s = {0};
  ck_assert_int_eq(hs_review_decisions(idx, 0, 1, collect, &s), HS_OK);
  ck_assert_int_eq(s.n, 3);
  ck_assert_str_eq(s.lines[0], "A:f2:reject:ann:");
  ck_assert_str_eq(s.lines[1], "A:f1:confirm:cy:");
  ck_assert_str_eq(s.lines[2], "B:f3:escalate:bob:");

  memset(&s, 0, sizeof s);
  ck_assert_int_eq(hs_review_decisions(idx, 0, 0, collect, &s), HS_OK);
  ck_assert_int_eq(s.n, 4);
  ck_assert_str_eq(s.lines[0], "A:f1:reject:ann:blurry");
  ck_assert_str_eq(s.lines[3], "B:f3:escalate:bob:");

  memset(&s, 0, sizeof s);
  ck_assert_int_eq(hs_review_decisions(idx, eb, 0, collect, &s), HS_OK);
  ck_assert_int_eq(s.n, 1);
  memset(&s, 0, sizeof s);
  s.stop_after = 1;
  ck_assert_int_eq(hs_review_decisions(idx, 0, 0, collect, &s), HS_OK);
  ck_assert_int_eq(s.n, 1);

  hs_decision_counts c;
  ck_assert_int_eq(hs_review_counts(idx, ea, &c), HS_OK);
  ck_assert_uint_eq(c.confirmed, 1);
  ck_assert_uint_eq(c.rejected, 1);
  ck_assert_uint_eq(c.escalated, 0);
  ck_assert_int_eq(hs_review_counts(idx, eb, &c), HS_OK);
  ck_assert_uint_eq(c.escalated, 1);
  ck_assert_uint_eq(c.confirmed + c.rejected, 0);
  ck_assert_int_eq(hs_review_counts(idx, 999999, &c), HS_OK);
  ck_assert_uint_eq(c.confirmed + c.rejected + c.escalated, 0);

  int n[1] = {0};
  ck_assert_int_eq(hs_index_log(idx, count_log, n), HS_OK);
  ck_assert_int_eq(n[0], 4);
  verify_and_close(idx);
}
END_TEST

static int decision_time(void *user, const hs_decision *d) {
  *(int64_t *)user = d->time;
  return 0;
}

static int log_times(void *user, const hs_log_record *r) {
  int64_t *t = user; /* [0]: the newest time seen, [1]: 1 once a record went back */
  if (r->time < t[0])
    t[1] = 1;
  t[0] = r->time;
  return 0;
}

/* A decision given an earlier time (made offline, recorded later) keeps it,
 * while its audit record takes the index's clock: the log never goes back. */
START_TEST(backdated_decision) {
  hs_index *idx = fresh();
  hs_decision d = {.entry = ea, .file = "f1", .decision = HS_DECISION_CONFIRM, .reviewer = "ann",
                   .time = 1750000000};
  ck_assert_int_eq(hs_review_decide(idx, &d, "test", NULL), HS_OK);
  int64_t t = 0;
  ck_assert_int_eq(hs_review_decisions(idx, ea, 0, decision_time, &t), HS_OK);
  ck_assert_int_eq(t, 1750000000);
  int64_t lt[2] = {0, 0};
  ck_assert_int_eq(hs_index_log(idx, log_times, lt), HS_OK);
  ck_assert_int_eq(lt[1], 0);
  ck_assert_int_gt(lt[0], 1750000000);
  verify_and_close(idx);
}
END_TEST

static char *feedback(hs_index *idx, const char *list, hs_status *st, uint64_t *count) {
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  *st = hs_review_feedback_write(idx, list, f, count);
  fclose(f);
  return buf;
}

START_TEST(feedback_body) {
  hs_index *idx = fresh();
  hs_status st;
  uint64_t count = 9;
  char *out = feedback(idx, NULL, &st, &count);
  ck_assert_int_eq(st, HS_OK);
  ck_assert_uint_eq(count, 0);
  ck_assert_str_eq(out, "{\"count\": 0, \"hashFeedbacks\": []}\n");
  free(out);
  ck_assert_int_eq(decide(idx, ea, "f1", HS_DECISION_REJECT, "ann", NULL), HS_OK);
  ck_assert_int_eq(decide(idx, eb, "f3", HS_DECISION_REJECT, "bob", NULL), HS_OK);
  ck_assert_int_eq(decide(idx, eb, "f4", HS_DECISION_ESCALATE, "bob", NULL), HS_OK);
  out = feedback(idx, "ncii", &st, &count);
  ck_assert_int_eq(st, HS_OK);
  ck_assert_uint_eq(count, 2);
  ck_assert_str_eq(out,
                   "{\"count\": 2, \"hashFeedbacks\": [\n"
                   "    {\"hashValue\": \"" HASH_A "\", \"feedbackValue\": \"NotBlocked\", "
                   "\"tags\": [\"confirmed:0\", \"rejected:1\", \"escalated:0\"]},\n"
                   "    {\"hashValue\": \"" HASH_B "\", \"feedbackValue\": \"PendingReview\", "
                   "\"tags\": [\"confirmed:0\", \"rejected:1\", \"escalated:1\"]}\n  ]}\n");
  free(out);
  /* A confirmed copy makes the hash Blocked; a withdrawn entry leaves. */
  ck_assert_int_eq(decide(idx, eb, "f5", HS_DECISION_CONFIRM, "cy", NULL), HS_OK);
  withdraw(idx, ea);
  out = feedback(idx, NULL, &st, &count);
  ck_assert_uint_eq(count, 1);
  ck_assert_msg(strstr(out, "\"hashValue\": \"" HASH_B "\", \"feedbackValue\": \"Blocked\""),
                "%s", out);
  ck_assert_ptr_null(strstr(out, HASH_A));
  free(out);
  out = feedback(idx, "nosuch", &st, &count);
  ck_assert_int_eq(st, HS_ERR_NOT_FOUND);
  ck_assert_str_eq(hs_last_error(), "list 'nosuch' does not exist");
  free(out);
  hs_index_close(idx);
}
END_TEST

/* Replaces the value of the first key of sub-database `db` with `junk`,
 * with LMDB itself (a damaged record). */
static void lmdb_damage_first(const char *db, const char *junk) {
  MDB_env *env = tu_lmdb_env(ipath);
  MDB_txn *txn;
  MDB_dbi dbi;
  MDB_cursor *c;
  MDB_val k, v;
  ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
  ck_assert_int_eq(mdb_dbi_open(txn, db, 0, &dbi), 0);
  ck_assert_int_eq(mdb_cursor_open(txn, dbi, &c), 0);
  ck_assert_int_eq(mdb_cursor_get(c, &k, &v, MDB_FIRST), 0);
  MDB_val j = {strlen(junk), (void *)junk};
  ck_assert_int_eq(mdb_cursor_put(c, &k, &j, MDB_CURRENT), 0);
  mdb_cursor_close(c);
  ck_assert_int_eq(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
}

START_TEST(older_index) {
  hs_index *idx = fresh();
  ck_assert_int_eq(decide(idx, ea, "f1", HS_DECISION_REJECT, "ann", NULL), HS_OK);
  hs_index_close(idx);
  tu_drop_subdb(ipath, "decisions");

  ck_assert_int_eq(hs_index_open(ipath, HS_INDEX_READONLY, &idx), HS_OK);
  ck_assert_int_eq(idx->has[DB_DECISIONS], 0);
  seen s = {0};
  ck_assert_int_eq(hs_review_decisions(idx, 0, 0, collect, &s), HS_OK);
  ck_assert_int_eq(s.n, 0);
  hs_decision_counts c;
  ck_assert_int_eq(hs_review_counts(idx, ea, &c), HS_OK);
  ck_assert_uint_eq(c.rejected, 0);
  ck_assert_int_eq(decide(idx, ea, "f1", HS_DECISION_REJECT, "ann", NULL), HS_ERR_INVALID_ARG);
  hs_index_close(idx);

  ck_assert_int_eq(hs_index_open(ipath, 0, &idx), HS_OK);
  ck_assert_int_eq(idx->has[DB_DECISIONS], 1);
  ck_assert_int_eq(decide(idx, ea, "f9", HS_DECISION_CONFIRM, "ann", NULL), HS_OK);
  ck_assert_int_eq(hs_review_counts(idx, ea, &c), HS_OK);
  ck_assert_uint_eq(c.confirmed, 1);
  hs_index_close(idx);
}
END_TEST

START_TEST(damaged_record) {
  hs_index *idx = fresh();
  ck_assert_int_eq(decide(idx, ea, "f1", HS_DECISION_REJECT, "ann", NULL), HS_OK);
  hs_index_close(idx);
  lmdb_damage_first("decisions", "\x01\x02short");
  ck_assert_int_eq(hs_index_open(ipath, HS_INDEX_READONLY, &idx), HS_OK);
  seen s = {0};
  ck_assert_int_eq(hs_review_decisions(idx, 0, 0, collect, &s), HS_ERR_CORRUPT);
  ck_assert_int_eq(s.n, 0);
  char want[128];
  snprintf(want, sizeof want, "the decision of audit record 3 on entry %llu is damaged",
           (unsigned long long)ea);
  ck_assert_msg(strstr(hs_last_error(), want), "%s", hs_last_error());
  hs_index_close(idx);
}
END_TEST

static hs_status reject_guarded(hs_index *idx, uint64_t entry, const char *file, uint64_t r,
                                int *quarantined) {
  hs_decision d = {.entry = entry, .file = file, .decision = HS_DECISION_REJECT,
                   .reviewer = "ann"};
  return hs_review_decide_guarded(idx, &d, "test", r, NULL, quarantined);
}

/* Whether `entry` is held, and its quarantine record's figures. */
static int held(hs_index *idx, uint64_t entry, hs_quarantine_info *q) {
  hs_index_snapshot *snap;
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  hs_index_entry e;
  ck_assert_int_eq(hs_index_entry_get(snap, entry, &e), HS_OK);
  if (e.quarantined)
    ck_assert_int_eq(hs_index_snapshot_quarantine(snap, entry, q), HS_OK);
  hs_index_snapshot_close(snap);
  return e.quarantined;
}

START_TEST(rejections_quarantine) {
  hs_index *idx = fresh();
  int qd = -1;
  hs_quarantine_info q;
  ck_assert_int_eq(reject_guarded(idx, ea, "f1", 2, &qd), HS_OK);
  ck_assert_int_eq(qd, 0);
  ck_assert_int_eq(reject_guarded(idx, ea, "f1", 2, &qd), HS_OK); /* same file: still one */
  ck_assert_int_eq(qd, 0);
  ck_assert_int_eq(held(idx, ea, &q), 0);
  ck_assert_int_eq(reject_guarded(idx, ea, "f2", 2, &qd), HS_OK);
  ck_assert_int_eq(qd, 1);
  ck_assert_int_eq(held(idx, ea, &q), 1);
  ck_assert_uint_eq(q.files, 2);
  ck_assert_uint_eq(q.seen, 0);
  ck_assert_uint_eq(q.limit, 2);
  /* Off (0), and a confirm never quarantines. */
  ck_assert_int_eq(reject_guarded(idx, eb, "f1", 0, &qd), HS_OK);
  ck_assert_int_eq(reject_guarded(idx, eb, "f2", 0, &qd), HS_OK);
  ck_assert_int_eq(qd, 0);
  ck_assert_int_eq(held(idx, eb, &q), 0);
  /* A withdrawn entry is left as it is, the decision still recorded. */
  withdraw(idx, eb);
  ck_assert_int_eq(reject_guarded(idx, eb, "f3", 3, &qd), HS_OK);
  ck_assert_int_eq(qd, 0);
  ck_assert_int_eq(held(idx, eb, &q), 0);
  hs_decision_counts c;
  ck_assert_int_eq(hs_review_counts(idx, eb, &c), HS_OK);
  ck_assert_uint_eq(c.rejected, 3);
  /* An unknown entry: refused before anything is written. */
  ck_assert_int_eq(reject_guarded(idx, 999999, "f1", 1, &qd), HS_ERR_NOT_FOUND);
  hs_index_close(idx);
}
END_TEST

static Suite *review_suite(void) {
  Suite *s = suite_create("review");
  TCase *tc = tcase_create("decisions");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, names_round_trip);
  tcase_add_test(tc, refused);
  tcase_add_test(tc, latest_history_counts);
  tcase_add_test(tc, backdated_decision);
  tcase_add_test(tc, feedback_body);
  tcase_add_test(tc, older_index);
  tcase_add_test(tc, damaged_record);
  tcase_add_test(tc, rejections_quarantine);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(review_suite()); }
