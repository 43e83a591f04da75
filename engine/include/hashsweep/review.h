/* hashsweep/review.h - human review of matches: reviewers' decisions kept in
 * the index, the exchange feedback made from them, and the HTML report of
 * matches awaiting a decision.
 *
 * A match is a review signal, not a verdict. A reviewer looks at the
 * platform's own file and records a decision on the pair (entry, file):
 * confirm (the file is the listed content), reject (a false match) or
 * escalate (someone else must look). Decisions live in the index (the
 * optional sub-database "decisions", docs/review.md), each one audited in
 * the same transaction as it is written (`hashsweep index log` shows it as
 * kind "decide"). A later decision on the same pair supersedes the earlier
 * one; all of them stay in the history.
 *
 * Thread-safety: as for the index (hashsweep/index.h): any number of
 * readers, writes serialised by LMDB. */
#ifndef HASHSWEEP_REVIEW_H
#define HASHSWEEP_REVIEW_H

#include <stdio.h>

#include "hashsweep/core.h"
#include "hashsweep/index.h"
#include "hashsweep/scan.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hs_decision_kind {
  HS_DECISION_CONFIRM = 1,  /* the file is the listed content: act on it */
  HS_DECISION_REJECT = 2,   /* a false match (counts towards the flood guard) */
  HS_DECISION_ESCALATE = 3  /* undecided: another reviewer must look */
} hs_decision_kind;

/* "confirm", "reject", "escalate"; NULL for anything else. */
HS_API const char *hs_decision_name(hs_decision_kind kind);
/* Parses one of those names: HS_ERR_FORMAT (detail set) otherwise. */
HS_API hs_status hs_decision_parse(const char *name, hs_decision_kind *out);

/* Longest file, reviewer and note texts accepted (bytes). */
#define HS_DECISION_MAX_FILE 4096
#define HS_DECISION_MAX_TEXT 2000

/* One decision. As input to hs_review_decide, every pointer is the
 * caller's; as passed to a callback, borrowed for the call. */
typedef struct hs_decision {
  uint64_t entry;            /* the index entry's id (must exist) */
  const char *file;          /* the file as the scan reported its path, or
                                "sha256:<64 hex>" for its content */
  hs_decision_kind decision;
  const char *reviewer;      /* who decided (required, non-empty) */
  const char *note;          /* why; "" or NULL for none */
  int64_t time;              /* unix seconds; 0 on input: now. A time given
                                (a decision made earlier) is kept with the
                                decision; its audit record takes the index's
                                clock, which never goes back */
  uint64_t seq;              /* output: the audit record that recorded it */
} hs_decision;

/* Records a decision and its audit record in one write transaction.
 * `command` is kept in the audit record (NULL: none). *seq_out (when not
 * NULL) receives the audit sequence number. HS_ERR_NOT_FOUND for an entry
 * id the index does not hold; HS_ERR_INVALID_ARG for an empty file or
 * reviewer, a text over the limits or one with control characters. */
HS_API hs_status hs_review_decide(hs_index *idx, const hs_decision *d, const char *command,
                                  uint64_t *seq_out);

/* hs_review_decide, with rejections feeding the flood guard: when a reject
 * brings the number of the entry's files whose latest decision is a
 * rejection to a multiple of `flood_rejections` (R, R*2, ...), the entry is
 * quarantined in the same transaction (HS_ENTRY_QUARANTINED, a `quarantine`
 * audit record right after the `decide` one; `hashsweep index release`
 * releases it), unless it is withdrawn or already held. *quarantined (when
 * not NULL) is 1 when this call quarantined it. flood_rejections 0: off
 * (hs_review_decide). */
#define HS_REVIEW_FLOOD_REJECTIONS_DEFAULT 3
HS_API hs_status hs_review_decide_guarded(hs_index *idx, const hs_decision *d, const char *command,
                                          uint64_t flood_rejections, uint64_t *seq_out,
                                          int *quarantined);

/* Calls fn for each decision, ordered by entry then time of recording.
 * entry 0: every entry. latest_only: only the last decision on each (entry,
 * file) pair. A non-zero return from fn stops the walk (HS_OK). An index
 * without the decisions sub-database (made by an older hashsweep, opened
 * read-only) has none. */
typedef int (*hs_decision_fn)(void *user, const hs_decision *d);
HS_API hs_status hs_review_decisions(hs_index *idx, uint64_t entry, int latest_only,
                                     hs_decision_fn fn, void *user);

/* Counts of an entry's (entry, file) pairs by their latest decision. */
typedef struct hs_decision_counts {
  uint64_t confirmed, rejected, escalated;
} hs_decision_counts;
HS_API hs_status hs_review_counts(hs_index *idx, uint64_t entry, hs_decision_counts *out);

/* ---- exchange feedback -------------------------------------------------------
 * Writes one JSON object in the shape of StopNCII's SubmitFeedback request
 * body (docs/review.md): {"count": N, "hashFeedbacks": [{"hashValue",
 * "feedbackValue", "tags"}...]}, one element per entry with decisions (of
 * `list` only, unless NULL), the entry's hash in lowercase hex. The value
 * comes from the latest decisions on the entry's files: any confirmed ->
 * "Blocked"; else any escalated -> "PendingReview"; else (all rejected) ->
 * "NotBlocked". Withdrawn entries are left out (nothing to say to an
 * exchange that withdrew them). *count (when not NULL) receives N.
 * HS_ERR_NOT_FOUND when `list` does not exist. */
HS_API hs_status hs_review_feedback_write(hs_index *idx, const char *list, FILE *out,
                                          uint64_t *count);

/* ---- the HTML report ---------------------------------------------------------
 * The matches awaiting a decision, computed by a rescan of the archive
 * store against the index (no decoding: the stored hashes) or read from a
 * scan's output, written as one
 * self-contained page DIR/index.html: no external resource, inline CSS and
 * script, thumbnails of the platform's files as data: URIs made at report
 * time, blurred until revealed. The listed image is never shown (hashsweep
 * never has it). */
typedef struct hs_review_options {
  size_t struct_size;   /* set by hs_review_options_default */
  const char *index;    /* index directory (required) */
  const char *store;    /* archive store directory (required unless
                           `matches` is set) */
  const char *out_dir;  /* created when absent; index.html is replaced */
  const char *list;     /* only matches of this list; NULL: every list */
  int radius;           /* as for rescans (31) */
  int min_quality;      /* as for rescans (50) */
  int thumb_size;       /* longest side of a thumbnail in pixels (240) */
  int include_decided;  /* 1: also matches already decided (shown with the
                           decision); 0: only those awaiting one, decided
                           ones are counted */
  hs_engine *engine;    /* where the rescan's matching runs (required) */
  const char *index_arg;/* how the decision commands name the index (NULL:
                           `index`) */
  const char *title;    /* page title (NULL: "hashsweep review") */
  const char *matches;  /* NULL: rescan the store; else a scan's or
                           rescan's JSON Lines output to take the matches
                           from (store then unused: may be NULL). Video
                           records ("kind": "video" with "segments" and
                           shares, "frame" with "timestamp") are shown
                           with their times, from either source. */
} hs_review_options;

typedef struct hs_review_summary {
  uint64_t matches;     /* match records of the rescan */
  uint64_t shown;       /* items on the page */
  uint64_t decided;     /* matches with a decision (not shown unless
                           include_decided) */
  uint64_t entries;     /* entry groups on the page */
  uint64_t thumbs;      /* thumbnails made */
  uint64_t thumb_failed;/* files that could not be made into one (named on
                           the page) */
} hs_review_summary;

HS_API void hs_review_options_init(hs_review_options *opts, size_t struct_size);
static inline void hs_review_options_default(hs_review_options *opts) { hs_review_options_init(opts, sizeof *opts); }
/* Writes the report; *summary (when not NULL) is filled. */
HS_API hs_status hs_review_report(const hs_review_options *opts, hs_review_summary *summary);

#ifdef __cplusplus
}
#endif
#endif
