/* serve/live.h - internal: the service's live view of the index.
 *
 * A view is what lookups search: a base part (the active entries as of one
 * version) and a delta part (entries added after the base's version), each
 * a PDQ haystack with its entry ids and the exact-digest sets. Views are
 * immutable and reference-counted: a lookup takes the current one and
 * keeps it for its whole search, while the poll thread builds the next and
 * swaps it in under a short lock (RCU-style: the old view is freed by
 * whoever drops the last reference), so lookups never wait for a reload.
 *
 * A change of version costs a load of the entries added since the base
 * (pages without such entries are skipped by the index iterator); the base
 * is rebuilt only when the delta passes 1/8 of it. Withdrawn entries stay
 * in the parts: answers are checked against a renewed snapshot (the newest
 * committed state), which drops them at once (serve/resolve.c). Each view
 * also carries a video matcher of the video entries as of its version. */
#ifndef HS_SERVE_LIVE_H
#define HS_SERVE_LIVE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "hashsweep/index.h"
#include "hashsweep/match.h"
#include "hashsweep/video_match.h"
#include "scan/exact_set.h"
#include "scan/guard.h"

typedef struct serve_part {
  atomic_int refs;
  uint64_t version;   /* the index version it was loaded at */
  hs_haystack *pdq;   /* NULL when it holds no PDQ entry */
  uint64_t *pdq_ids;  /* npdq entry ids, haystack order */
  size_t npdq, nmd5, nsha256;
  exact_set *md5, *sha256;
} serve_part;

typedef struct serve_view {
  atomic_int refs;
  uint64_t version;      /* index version the view answers for */
  int64_t version_time;  /* unix seconds of that version (0: unknown) */
  serve_part *base;
  serve_part *delta;     /* NULL: nothing added since the base */
  /* The video entries (vPDQ's rule), rebuilt with every view: video lists
   * are small next to the image ones, and a withdrawal is dropped at once
   * by the answer's snapshot check anyway (serve/resolve.c). Frames near
   * image entries go through the batcher and the parts instead. */
  hs_video_matcher *video;
  /* Per-list radius, quality gate and allow role as of this version
   * (scan/guard.h; its flood part is unused): lookups search at its
   * search_radius and gate uploads at its query_gate, the answer filters
   * each hit by its list's (serve/resolve.c). */
  scan_guard guard;
} serve_view;

typedef struct serve_live {
  hs_index *idx;
  hs_engine *engine;
  unsigned poll_ms;
  hs_video_match_options vopts; /* the video matcher's (set before live_start);
                                   its radius and min_quality are also the
                                   defaults of lists without their own */
  pthread_mutex_t lock;  /* guards cur */
  serve_view *cur;       /* NULL until the first load */
  pthread_t thread;
  int started;
  atomic_int stop;
  atomic_uint_fast64_t reloads, base_builds;
  hs_logger log;         /* the poll thread's logger */
} serve_live;

/* Opens the index read-only. The first view is loaded by live_start's
 * thread; live_view is NULL until then. */
hs_status live_open(serve_live *l, const char *index_path, hs_engine *engine, unsigned poll_ms,
                    const hs_logger *log);
/* Starts the poll thread (first load, then a version check per poll_ms). */
hs_status live_start(serve_live *l);
/* Loads the first view on the calling thread (tests, fuzzing). */
hs_status live_load_now(serve_live *l);
/* Stops the thread, frees the current view and the snapshots, closes the
 * index. Every view taken must have been released. */
void live_close(serve_live *l);

/* The current view with a reference (NULL while none is loaded). */
serve_view *live_view(serve_live *l);
void view_release(serve_view *v);

/* A snapshot of the newest committed state; give it back with
 * live_snap_put. */
hs_status live_snap_get(serve_live *l, hs_index_snapshot **out);
void live_snap_put(serve_live *l, hs_index_snapshot *s);

#endif
