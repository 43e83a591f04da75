/* scan/video_match_stub.c - TEMPORARY stand-in for hashsweep/video_match.h
 * until wip/vindex (which owns video index entries and the real matcher)
 * is merged: DELETE THIS FILE when that branch brings its implementation.
 *
 * What it does: frame-to-image hits only, by brute force on the CPU over
 * the snapshot's active PDQ entries (each frame's 8 dihedral hashes against
 * every entry). The index cannot hold video entries before wip/vindex, so
 * video_fn is never called. Enough for the scan side (pipeline, store,
 * records, rescan) to be built and tested against the header. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "hashsweep/video_match.h"

struct hs_video_matcher {
  hs_video_match_options o;
  hs_index_snapshot *snap;
  hs_index_hashes pdq; /* image entries */
};

void hs_video_match_options_default(hs_video_match_options *o) {
  memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
  o->radius = HS_PDQ_DEFAULT_RADIUS;
  o->min_quality = HS_PDQ_MIN_QUALITY;
  o->query_percent = HS_VIDEO_DEFAULT_QUERY_PERCENT;
  o->compared_percent = HS_VIDEO_DEFAULT_COMPARED_PERCENT;
  o->frame_image_matches = 1;
}

hs_status hs_video_matcher_open(hs_index_snapshot *snap, hs_engine *engine,
                                const hs_video_match_options *opts, hs_video_matcher **out) {
  (void)engine;
  HS_CHECK(snap && opts && out, HS_ERR_INVALID_ARG, "hs_video_matcher_open: NULL argument");
  hs_video_matcher *m = calloc(1, sizeof *m);
  if (!m)
    return error_set(HS_ERR_NOMEM, "out of memory");
  m->o = *opts;
  m->snap = snap;
  hs_index_filter f = {0};
  f.list = opts->list;
  hs_status st = hs_index_load(snap, HS_HASH_PDQ, &f, &m->pdq);
  if (st != HS_OK) {
    free(m);
    return st;
  }
  *out = m;
  return HS_OK;
}

void hs_video_matcher_close(hs_video_matcher *m) {
  if (!m)
    return;
  hs_index_hashes_free(&m->pdq);
  free(m);
}

static int distance(const uint64_t *a, const uint64_t *b) {
  int d = 0;
  for (int i = 0; i < 4; i++)
    d += __builtin_popcountll(a[i] ^ b[i]);
  return d;
}

hs_status hs_video_match(hs_video_matcher *m, const hs_query_frame *frames, size_t n,
                         int (*video_fn)(void *user, const hs_video_hit *hit),
                         int (*frame_fn)(void *user, const hs_frame_hit *hit), void *user) {
  (void)video_fn;
  HS_CHECK(m && (frames || n == 0), HS_ERR_INVALID_ARG, "hs_video_match: NULL argument");
  if (!frame_fn || !m->o.frame_image_matches)
    return HS_OK;
  const uint64_t *hashes = m->pdq.hashes;
  /* Per entry, the last second reported: one hit per entry and second. */
  int64_t *last = malloc((m->pdq.count ? m->pdq.count : 1) * sizeof *last);
  if (!last)
    return error_set(HS_ERR_NOMEM, "out of memory");
  for (size_t e = 0; e < m->pdq.count; e++)
    last[e] = -1;
  for (size_t i = 0; i < n; i++) {
    const hs_query_frame *f = &frames[i];
    if (f->pdq.quality < m->o.min_quality)
      continue;
    for (size_t e = 0; e < m->pdq.count; e++) {
      int best = 257, var = 0;
      for (int v = 0; v < HS_DIH_COUNT; v++) {
        int d = distance(f->pdq.hash[v].w, hashes + 4 * e);
        if (d < best)
          best = d, var = v;
      }
      int64_t second = (int64_t)f->timestamp;
      if (best > m->o.radius || last[e] == second)
        continue;
      last[e] = second;
      hs_index_entry ent;
      hs_status st = hs_index_entry_get(m->snap, m->pdq.ids[e], &ent);
      if (st != HS_OK) {
        free(last);
        return st;
      }
      hs_frame_hit h = {.entry = m->pdq.ids[e], .list_id = ent.list_id, .list = ent.list,
                        .distance = best, .variant = hs_dihedral_name(var), .frame = f->frame,
                        .timestamp = f->timestamp};
      if (frame_fn(user, &h)) {
        free(last);
        return HS_OK;
      }
    }
  }
  free(last);
  return HS_OK;
}
