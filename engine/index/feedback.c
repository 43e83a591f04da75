/* index/feedback.c - hs_review_feedback_write: reviewers' decisions as the
 * body of a StopNCII SubmitFeedback request (hashsweep/review.h).
 *
 * The exchange wants one value per hash: what the platform concluded. An
 * entry's files may have been decided differently (one copy confirmed,
 * another a false match); a confirmed copy means the platform blocked the
 * content, so it wins; an escalation means the review is not finished; only
 * when every decided file was rejected is the hash "NotBlocked". The
 * counts go into tags so that nothing is lost in the summary. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "hashsweep/review.h"

typedef struct fb_ctx {
  hs_index_snapshot *snap;
  uint32_t list_id; /* UINT32_MAX: every list */
  FILE *out;
  uint64_t count;
  uint64_t entry;   /* the group being summed */
  hs_decision_counts c;
  hs_status status;
} fb_ctx;

static const char *feedback_value(const hs_decision_counts *c) {
  if (c->confirmed)
    return "Blocked";
  if (c->escalated)
    return "PendingReview";
  return "NotBlocked";
}

/* Writes the element for the summed entry (when it qualifies). */
static hs_status emit(fb_ctx *f) {
  if (!f->entry)
    return HS_OK;
  hs_index_entry e;
  HS_TRY(hs_index_entry_get(f->snap, f->entry, &e));
  if (e.withdrawn || (f->list_id != UINT32_MAX && e.list_id != f->list_id))
    return HS_OK;
  char hex[65];
  hs_hash_to_hex(e.type, e.hash, hex);
  fprintf(f->out, "%s\n    {\"hashValue\": \"%s\", \"feedbackValue\": \"%s\", \"tags\": "
          "[\"confirmed:%" PRIu64 "\", \"rejected:%" PRIu64 "\", \"escalated:%" PRIu64 "\"]}",
          f->count ? "," : "", hex, feedback_value(&f->c), f->c.confirmed, f->c.rejected,
          f->c.escalated);
  f->count++;
  return HS_OK;
}

static int each_decision(void *user, const hs_decision *d) {
  fb_ctx *f = user;
  if (d->entry != f->entry) {
    if ((f->status = emit(f)) != HS_OK)
      return 1;
    f->entry = d->entry;
    memset(&f->c, 0, sizeof f->c);
  }
  if (d->decision == HS_DECISION_CONFIRM)
    f->c.confirmed++;
  else if (d->decision == HS_DECISION_REJECT)
    f->c.rejected++;
  else
    f->c.escalated++;
  return 0;
}

hs_status hs_review_feedback_write(hs_index *idx, const char *list, FILE *out, uint64_t *count) {
  HS_CHECK(idx && out, HS_ERR_INVALID_ARG, "feedback: NULL argument");
  fb_ctx f = {.out = out, .list_id = UINT32_MAX};
  HS_TRY(hs_index_snapshot_open(idx, &f.snap));
  hs_status s = HS_OK;
  if (list) {
    unsigned id;
    s = hs_index_snapshot_list_id(f.snap, list, &id);
    if (s == HS_ERR_NOT_FOUND)
      s = error_set(HS_ERR_NOT_FOUND, "list '%s' does not exist", list);
    f.list_id = (uint32_t)id;
  }
  if (s == HS_OK) {
    /* The count leads the object but is known only at the end: the
     * elements go first into memory. */
    char *body = NULL;
    size_t n = 0;
    FILE *mem = open_memstream(&body, &n);
    if (!mem)
      s = error_set(HS_ERR_NOMEM, "out of memory");
    if (s == HS_OK) {
      f.out = mem;
      s = hs_review_decisions(idx, 0, 1, each_decision, &f);
      if (s == HS_OK)
        s = f.status;
      if (s == HS_OK)
        s = emit(&f);
      if (fclose(mem) != 0 && s == HS_OK)
        s = error_set(HS_ERR_NOMEM, "out of memory");
    }
    if (s == HS_OK) {
      fprintf(out, "{\"count\": %" PRIu64 ", \"hashFeedbacks\": [%s%s]}\n", f.count, body ? body : "",
              f.count ? "\n  " : "");
      if (ferror(out))
        s = error_set(HS_ERR_IO, "feedback: cannot write the output");
    }
    free(body);
  }
  hs_index_snapshot_close(f.snap);
  if (s == HS_OK && count)
    *count = f.count;
  return s;
}
