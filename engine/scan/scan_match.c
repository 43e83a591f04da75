/* scan/scan_match.c - matching batches of file hashes against the index. */
#include "scan/scan_match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "scan/variant_resolve.h"

static void unload(scan_matcher *m) {
  hs_haystack_destroy(m->haystack);
  m->haystack = NULL;
  free(m->pdq_ids);
  m->pdq_ids = NULL;
  free(m->pdq_lists);
  m->pdq_lists = NULL;
  guard_free_lists(&m->guard);
  m->npdq = 0;
  exact_set_destroy(m->md5);
  exact_set_destroy(m->sha256);
  m->md5 = m->sha256 = NULL;
  hs_video_matcher_close(m->video);
  m->video = NULL;
}

static hs_status load_exact(scan_matcher *m, hs_hash_type type, exact_set **out) {
  hs_index_hashes h;
  HS_TRY(hs_index_load(m->snap, type, &m->filter, &h));
  hs_status st = exact_set_build(h.hashes, h.ids, h.count, hs_hash_type_bytes(type), out);
  hs_index_hashes_free(&h);
  return st;
}

/* Loads the snapshot's active entries (after the filter). */
static hs_status load(scan_matcher *m) {
  hs_index_hashes h;
  HS_TRY(hs_index_load(m->snap, HS_HASH_PDQ, &m->filter, &h));
  m->version = h.version;
  hs_status st = HS_OK;
  if (h.count > 0)
    st = hs_haystack_create(m->engine, 256, h.hashes, h.count, &m->haystack);
  if (st == HS_OK) {
    m->pdq_ids = h.ids; /* keep the ids and lists, free the rest */
    h.ids = NULL;
    m->pdq_lists = h.lists;
    h.lists = NULL;
    m->npdq = h.count;
  }
  hs_index_hashes_free(&h);
  if (st == HS_OK)
    st = guard_load_lists(&m->guard, m->snap, m->radius, m->min_quality);
  if (st == HS_OK)
    st = load_exact(m, HS_HASH_MD5, &m->md5);
  if (st == HS_OK)
    st = load_exact(m, HS_HASH_SHA256, &m->sha256);
  if (st == HS_OK) {
    /* Each list's radius and frame quality gate for video and frame hits
     * too (the tables are copied by the open). */
    m->vopts.list_radius = m->guard.radius;
    m->vopts.list_min_quality = m->guard.min_quality;
    m->vopts.nlists = m->guard.nlists;
    st = hs_video_matcher_open(m->snap, m->engine, &m->vopts, &m->video);
  }
  if (st != HS_OK) {
    unload(m);
    return st;
  }
  log_info("index version %llu: %zu active PDQ entries%s%s", (unsigned long long)m->version,
           m->npdq, m->list[0] ? " in list " : "", m->list);
  m->last_refresh = clock_now_s();
  return HS_OK;
}

hs_status matcher_open(scan_matcher *m, const char *index_path, hs_engine *engine,
                       const char *list, uint64_t since_version, int radius, int min_quality,
                       double query_percent, double compared_percent, int refresh_s,
                       const hs_cancel *cancel) {
  memset(m, 0, sizeof *m);
  m->engine = engine;
  m->radius = radius;
  m->min_quality = min_quality;
  m->refresh_s = refresh_s;
  guard_init(&m->guard, 0, 0);
  if (list)
    snprintf(m->list, sizeof m->list, "%s", list);
  m->filter.list = list ? m->list : NULL;
  m->filter.since_version = since_version;
  m->filter.cancel = cancel; /* index loads (and reloads) stop on it */
  hs_video_match_options_default(&m->vopts);
  m->vopts.radius = radius;
  m->vopts.min_quality = min_quality;
  m->vopts.query_percent = query_percent;
  m->vopts.compared_percent = compared_percent;
  m->vopts.list = m->filter.list;
  HS_TRY(hs_index_open(index_path, HS_INDEX_READONLY, &m->index));
  hs_status st = hs_index_snapshot_open(m->index, &m->snap);
  if (st == HS_OK)
    st = load(m);
  if (st != HS_OK)
    matcher_close(m);
  return st;
}

hs_status matcher_refresh_if_due(scan_matcher *m) {
  if (m->refresh_s <= 0 || clock_now_s() - m->last_refresh < m->refresh_s)
    return HS_OK;
  m->last_refresh = clock_now_s();
  /* A read transaction sees one version; renewing it is how a long scan
   * picks up imports and withdrawals made while it runs. */
  HS_TRY(hs_index_snapshot_renew(m->snap));
  if (hs_index_snapshot_version(m->snap) == m->version)
    return HS_OK;
  uint64_t old = m->version;
  unload(m);
  HS_TRY(load(m));
  log_info("index changed from version %llu to %llu: reloaded", (unsigned long long)old,
           (unsigned long long)m->version);
  return HS_OK;
}

void matcher_close(scan_matcher *m) {
  unload(m);
  guard_free(&m->guard);
  hs_index_snapshot_close(m->snap);
  hs_index_close(m->index);
  memset(m, 0, sizeof *m);
}

/* ---- one batch ------------------------------------------------------------ */

/* hit.variant: 0..7 the file's dihedral hashes, 8..15 its content
 * region's (unletterbox), then the exact digests. */
#define PDQ_VARIANTS (2 * HS_DIH_COUNT)
#define VARIANT_MD5 PDQ_VARIANTS
#define VARIANT_SHA256 (PDQ_VARIANTS + 1)

typedef struct hit {
  uint64_t entry;
  int distance;
  int variant;
  char via[HS_VARIANT_MAX_NAME + 1]; /* list-side variant slot that matched ("": none) */
} hit;

static const char *variant_name(const hit *h, char *buf, size_t cap) {
  if (h->variant == VARIANT_MD5)
    return "md5";
  if (h->variant == VARIANT_SHA256)
    return "sha256";
  return variant_label(h->variant, h->via, buf, cap);
}

/* Exact hits first (md5, then sha256), then PDQ by distance, then entry. */
static int hit_order(const void *a, const void *b) {
  const hit *x = a, *y = b;
  int xe = x->variant >= PDQ_VARIANTS, ye = y->variant >= PDQ_VARIANTS;
  if (xe != ye)
    return xe ? -1 : 1;
  if (xe && x->variant != y->variant)
    return x->variant < y->variant ? -1 : 1;
  if (x->distance != y->distance)
    return x->distance < y->distance ? -1 : 1;
  return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* Makes room for one more hit. Returns 0, or -1 (hits unchanged). */
static int reserve_hit(hit **hits, size_t n, size_t *cap) {
  if (n < *cap)
    return 0;
  hit *h = realloc(*hits, 2 * *cap * sizeof *h);
  if (!h)
    return -1;
  *hits = h;
  *cap *= 2;
  return 0;
}

/* Adds a PDQ hit, keeping per entry the best one (variant_better): an
 * entry is reported once whichever of its slots matched. */
static void add_pdq_hit(hit *hits, size_t *n, const variant_via *via, int distance, int variant) {
  for (size_t i = 0; i < *n; i++)
    if (hits[i].variant < PDQ_VARIANTS && hits[i].entry == via->entry) {
      if (variant_better(distance, via->name, variant, hits[i].distance, hits[i].via,
                         hits[i].variant)) {
        hits[i].distance = distance;
        hits[i].variant = variant;
        memcpy(hits[i].via, via->name, sizeof hits[i].via);
      }
      return;
    }
  hit *h = &hits[(*n)++];
  *h = (hit){via->entry, distance, variant, ""};
  memcpy(h->via, via->name, sizeof h->via);
}

/* The closest allow-list hit (hits are sorted: the first one), or n. */
static hs_status find_allow(scan_matcher *m, const hit *hits, size_t n, size_t *at) {
  *at = n;
  for (size_t i = 0; i < n; i++) {
    hs_index_entry e;
    HS_TRY(hs_index_entry_get(m->snap, hits[i].entry, &e));
    if (guard_is_allow(&m->guard, e.list_id)) {
      *at = i;
      return HS_OK;
    }
  }
  return HS_OK;
}

/* A file near an allow entry (`entry` at `distance` by `variant`): one
 * note naming it instead of its matches. */
static hs_status report_allowed(scan_matcher *m, const match_input *in, uint64_t entry,
                                int distance, const char *variant, size_t others,
                                const char *pdq_hex, const char *md5_hex, sink *out,
                                hs_scan_summary *sum) {
  hs_index_entry e;
  HS_TRY(hs_index_entry_get(m->snap, entry, &e));
  char note[160];
  snprintf(note, sizeof note, "allow-list entry %llu (distance %d): %zu match%s suppressed",
           (unsigned long long)entry, distance, others, others == 1 ? "" : "es");
  hs_record r = {.kind = HS_RECORD_NOTE, .path = in->path, .pdq_hex = pdq_hex,
                 .quality = in->pdq ? in->pdq->quality : -1, .md5_hex = md5_hex,
                 .entry = entry, .list = e.list, .label = e.label, .distance = distance,
                 .variant = variant, .index_version = m->version,
                 .message = note, .suppressed = others};
  sink_match(out, &r);
  sum->allowed++;
  sum->suppressed += others;
  return HS_OK;
}

static hs_status emit_hits(scan_matcher *m, const match_input *in, hit *hits, size_t n,
                           sink *out, hs_scan_summary *sum) {
  qsort(hits, n, sizeof *hits, hit_order);
  char pdq_hex[65], md5_hex[33];
  if (in->pdq)
    hs_hash256_to_hex(&in->pdq->hash[HS_DIH_ORIG], pdq_hex);
  if (in->md5)
    hs_bytes_to_hex(in->md5, 16, md5_hex);
  size_t allow = n;
  if (m->guard.any_allow)
    HS_TRY(find_allow(m, hits, n, &allow));
  if (allow < n) {
    char label[2 * HS_VARIANT_MAX_NAME];
    return report_allowed(m, in, hits[allow].entry, hits[allow].distance,
                          variant_name(&hits[allow], label, sizeof label), n - 1,
                          in->pdq ? pdq_hex : NULL, in->md5 ? md5_hex : NULL, out, sum);
  }
  for (size_t i = 0; i < n; i++) {
    hs_index_entry e;
    char label[2 * HS_VARIANT_MAX_NAME];
    HS_TRY(hs_index_entry_get(m->snap, hits[i].entry, &e));
    int held = guard_flood_count(&m->guard, hits[i].entry, sum->seen);
    if (held < 0)
      return HS_ERR_NOMEM;
    sum->held += (uint64_t)held;
    hs_record r = {
        .kind = HS_RECORD_MATCH,
        .path = in->path,
        .pdq_hex = in->pdq ? pdq_hex : NULL,
        .quality = in->pdq ? in->pdq->quality : -1,
        .md5_hex = in->md5 ? md5_hex : NULL,
        .entry = hits[i].entry,
        .list = e.list,
        .label = e.label,
        .distance = hits[i].distance,
        .variant = variant_name(&hits[i], label, sizeof label),
        .index_version = m->version,
        .held = held ? "flood" : NULL,
    };
    sink_match(out, &r);
    uint64_t count = 0;
    if (m->entry_matches) {
      u64map_get(m->entry_matches, hits[i].entry, &count);
      HS_TRY(u64map_put(m->entry_matches, hits[i].entry, count + 1));
    }
  }
  if (n > 0) {
    sum->matched++;
    sum->matches += n;
  }
  return HS_OK;
}

/* Whether a file's content-region hash is matched (the file's own hash
 * passed the gate: checked by the caller). */
static int content_gated(const scan_matcher *m, const match_input *x) {
  return x->content && x->content->quality >= m->guard.query_gate;
}

/* The MD5 and SHA-256 entries equal to the file's digests, appended to
 * *hits (at most 16 per digest type). */
static hs_status exact_hits(const scan_matcher *m, const match_input *x, hit **hits, size_t *nh,
                            size_t *cap) {
  uint64_t ids[16];
  const uint8_t *digest[2] = {x->md5, x->sha256};
  exact_set *sets[2] = {m->md5, m->sha256};
  for (int d = 0; d < 2; d++) {
    if (!digest[d])
      continue;
    size_t k = exact_set_find(sets[d], digest[d], ids, 16);
    for (size_t j = 0; j < k && j < 16; j++) {
      if (reserve_hit(hits, *nh, cap) != 0)
        return error_set(HS_ERR_NOMEM, "out of memory collecting matches");
      (*hits)[(*nh)++] = (hit){ids[j], 0, VARIANT_MD5 + d, ""};
    }
  }
  return HS_OK;
}

/* Names that claim an image or a video: such a file that does not decode is
 * damaged or not what it claims, an error. Anything else (a PDF, a text
 * file in an archive) that is neither is only a note: it was read, its
 * digests were matched, and there was nothing perceptual to hash. */
static int claims_media(const char *path) {
  static const char *const ext[] = {
      "jpg", "jpeg", "jpe", "jfif", "png", "webp", "gif", "tif", "tiff", "heic", "heif", "avif",
      "bmp", "mp4", "m4v", "mov", "qt", "avi", "mkv", "webm", "ts", "mts", "m2ts", "flv", "3gp",
      "3g2", "wmv", "mpg", "mpeg", "ogv"};
  const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
  if (!dot || (slash && dot < slash) || dot[1] == '\0')
    return 0;
  for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
    if (strcasecmp(dot + 1, ext[i]) == 0)
      return 1;
  return 0;
}

/* The record of a file that was not hashed perceptually. */
static void report_undecoded(const match_input *x, sink *out, hs_scan_summary *sum) {
  /* A note is not a failure: the summary counts it as seen only. */
  if (x->md5 && strcmp(x->error, "not an image in a supported format") == 0 &&
      !claims_media(x->path)) {
    char md5_hex[33];
    hs_bytes_to_hex(x->md5, 16, md5_hex);
    sink_note(out, x->path, NULL, -1, md5_hex,
              "not an image or video: digests matched, nothing perceptual to hash");
    return;
  }
  sink_error(out, x->path, x->error);
  sum->failed++;
}

/* ---- videos ---------------------------------------------------------------- */

/* A video's match record, gathered before any is written: an allow-list
 * hit among them (or among its exact hits) silences the others, as for an
 * image (docs/guard.md). */
typedef struct vrec {
  uint64_t entry;
  unsigned list_id;
  int distance;
  const char *kind;        /* "video" or "frame" */
  char variant[64];
  double query_percent, compared_percent; /* "video" */
  uint64_t frames_hashed;
  double *segments;        /* "video": nsegments [start, end] pairs (owned) */
  size_t nsegments;
  int64_t frame;           /* "frame" */
  double timestamp;
  int quality;             /* "frame": the frame's (-1: unknown) */
  char pdq_hex[65];        /* "frame": the frame's PDQ ("": unknown) */
  int held;                /* the flood guard holds it (set when written) */
} vrec;

typedef struct video_ctx {
  scan_matcher *m;
  const match_input *x;
  hs_status st;
  /* The content frames' pass (unletterbox): their frames, and what the
   * plain pass reported (entry, frame; frame -1 for a video hit), which it
   * does not report again. */
  int content;
  const hs_query_frame *frames;
  size_t nframes;
  struct reported {
    uint64_t entry;
    int64_t frame;
  } *seen;
  size_t nseen, seen_cap;
  vrec *recs;
  size_t nrecs, rec_cap;
} video_ctx;

/* Was (entry, frame) reported by the plain pass? The plain pass notes it.
 * -1: out of memory (c->st). */
static int reported(video_ctx *c, uint64_t entry, int64_t frame) {
  if (c->content) {
    for (size_t i = 0; i < c->nseen; i++)
      if (c->seen[i].entry == entry && c->seen[i].frame == frame)
        return 1;
    return 0;
  }
  if (c->nseen == c->seen_cap) {
    size_t cap = c->seen_cap ? 2 * c->seen_cap : 16;
    struct reported *p = realloc(c->seen, cap * sizeof *p);
    if (!p) {
      c->st = error_set(HS_ERR_NOMEM, "out of memory");
      return -1;
    }
    c->seen = p;
    c->seen_cap = cap;
  }
  c->seen[c->nseen++] = (struct reported){entry, frame};
  return 0;
}

/* The variant of a hit: the dihedral one, behind "unletterbox" in the
 * content pass. */
static void hit_variant(const video_ctx *c, const char *variant, char *buf, size_t cap) {
  if (!variant)
    variant = "orig";
  if (!c->content)
    snprintf(buf, cap, "%s", variant);
  else
    snprintf(buf, cap, "unletterbox%s%s", strcmp(variant, "orig") ? "+" : "",
             strcmp(variant, "orig") ? variant : "");
}

/* The entry behind a hit, when the run's filter admits it (rescan --since:
 * only entries added after that version). 0: skip; -1: failed (c->st). */
static int hit_entry(video_ctx *c, uint64_t id, hs_index_entry *e) {
  c->st = hs_index_entry_get(c->m->snap, id, e);
  if (c->st != HS_OK)
    return -1;
  return e->version_added > c->m->filter.since_version;
}

/* A new zeroed record at the end (NULL: out of memory, c->st set). */
static vrec *new_rec(video_ctx *c) {
  if (c->nrecs == c->rec_cap) {
    size_t cap = c->rec_cap ? 2 * c->rec_cap : 16;
    vrec *p = realloc(c->recs, cap * sizeof *p);
    if (!p) {
      c->st = error_set(HS_ERR_NOMEM, "out of memory");
      return NULL;
    }
    c->recs = p;
    c->rec_cap = cap;
  }
  vrec *r = &c->recs[c->nrecs++];
  memset(r, 0, sizeof *r);
  r->quality = -1;
  return r;
}

static void recs_free(video_ctx *c) {
  for (size_t i = 0; i < c->nrecs; i++)
    free(c->recs[i].segments);
  free(c->recs);
  free(c->seen);
}

static int on_video_hit(void *user, const hs_video_hit *h) {
  video_ctx *c = user;
  hs_index_entry e;
  int r = hit_entry(c, h->entry, &e);
  if (r <= 0)
    return r < 0;
  if ((r = reported(c, h->entry, -1)) != 0)
    return r < 0;
  vrec *v = new_rec(c);
  if (!v)
    return 1;
  *v = (vrec){.entry = h->entry, .list_id = e.list_id, .distance = h->distance,
              .kind = "video", .query_percent = h->query_percent,
              .compared_percent = h->compared_percent, .frames_hashed = h->frames_hashed,
              .quality = -1};
  hit_variant(c, h->variant, v->variant, sizeof v->variant);
  if (!(v->segments = malloc((h->nsegments ? h->nsegments : 1) * 2 * sizeof *v->segments))) {
    c->st = error_set(HS_ERR_NOMEM, "out of memory");
    return 1;
  }
  for (size_t i = 0; i < h->nsegments; i++) {
    v->segments[2 * i] = h->segments[i].start;
    v->segments[2 * i + 1] = h->segments[i].end;
  }
  v->nsegments = h->nsegments;
  return 0;
}

/* The matched frame with this number (frames are in frame order). */
static const hs_query_frame *frame_of(const video_ctx *c, int64_t frame) {
  size_t lo = 0, hi = c->nframes;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (c->frames[mid].frame < frame)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < c->nframes && c->frames[lo].frame == frame ? &c->frames[lo] : NULL;
}

static int on_frame_hit(void *user, const hs_frame_hit *h) {
  video_ctx *c = user;
  hs_index_entry e;
  int r = hit_entry(c, h->entry, &e);
  if (r <= 0)
    return r < 0;
  if ((r = reported(c, h->entry, h->frame)) != 0)
    return r < 0;
  vrec *v = new_rec(c);
  if (!v)
    return 1;
  const hs_query_frame *f = frame_of(c, h->frame);
  *v = (vrec){.entry = h->entry, .list_id = e.list_id, .distance = h->distance,
              .kind = "frame", .frame = h->frame, .timestamp = h->timestamp,
              .quality = f ? f->pdq.quality : -1};
  hit_variant(c, h->variant, v->variant, sizeof v->variant);
  if (f)
    hs_hash256_to_hex(&f->pdq.hash[HS_DIH_ORIG], v->pdq_hex);
  return 0;
}

/* The closest allow-list hit of a video: its exact hits first (sorted
 * here, as for an image), then its video and frame records by distance.
 * *found 1: *entry, *distance and variant are set. */
static hs_status find_video_allow(scan_matcher *m, hit *hits, size_t nh, const video_ctx *c,
                                  uint64_t *entry, int *distance, char *variant, size_t cap,
                                  int *found) {
  *found = 0;
  size_t at;
  if (nh > 1)
    qsort(hits, nh, sizeof *hits, hit_order);
  HS_TRY(find_allow(m, hits, nh, &at));
  if (at < nh) {
    char label[2 * HS_VARIANT_MAX_NAME];
    *entry = hits[at].entry;
    *distance = hits[at].distance;
    snprintf(variant, cap, "%s", variant_name(&hits[at], label, sizeof label));
    *found = 1;
    return HS_OK;
  }
  const vrec *best = NULL;
  for (size_t i = 0; i < c->nrecs; i++)
    if (guard_is_allow(&m->guard, c->recs[i].list_id) &&
        (!best || c->recs[i].distance < best->distance))
      best = &c->recs[i];
  if (best) {
    *entry = best->entry;
    *distance = best->distance;
    snprintf(variant, cap, "%s", best->variant);
    *found = 1;
  }
  return HS_OK;
}

/* Writes a video's record `i`: held when its entry floods (the flood guard
 * counts the file once per entry, at the entry's first record), counted in
 * the run's per-entry match records. */
static hs_status write_vrec(scan_matcher *m, const match_input *x, const char *md5_hex,
                            const video_ctx *c, size_t i, sink *out, hs_scan_summary *sum) {
  vrec *v = &c->recs[i];
  size_t first = 0;
  while (c->recs[first].entry != v->entry)
    first++;
  if (first == i && (v->held = guard_flood_count(&m->guard, v->entry, sum->seen)) < 0)
    return HS_ERR_NOMEM;
  v->held = c->recs[first].held;
  sum->held += (uint64_t)v->held;
  if (m->entry_matches) {
    uint64_t count = 0;
    u64map_get(m->entry_matches, v->entry, &count);
    HS_TRY(u64map_put(m->entry_matches, v->entry, count + 1));
  }
  hs_index_entry e;
  HS_TRY(hs_index_entry_get(m->snap, v->entry, &e));
  int video = strcmp(v->kind, "video") == 0;
  hs_record rec = {.kind = HS_RECORD_MATCH, .path = x->path,
                   .pdq_hex = v->pdq_hex[0] ? v->pdq_hex : NULL, .quality = v->quality,
                   .md5_hex = md5_hex, .entry = v->entry, .list = e.list, .label = e.label,
                   .distance = v->distance, .variant = v->variant,
                   .index_version = m->version, .match_kind = v->kind,
                   .held = v->held ? "flood" : NULL};
  if (video) {
    rec.query_percent = v->query_percent;
    rec.compared_percent = v->compared_percent;
    rec.frames_hashed = v->frames_hashed;
    rec.segments = v->segments;
    rec.nsegments = v->nsegments;
  } else {
    rec.frame = v->frame;
    rec.timestamp = v->timestamp;
  }
  sink_match(out, &rec);
  return HS_OK;
}

/* A video's records: its exact hits (hits[0..nh), not written yet), its
 * frames against video and image entries, then the note of a partial
 * decode (counted as a failure: the file is damaged, exit 1). An
 * allow-list hit among them all gives one note instead of the matches. */
static hs_status match_video(scan_matcher *m, const match_input *x, hit *hits, size_t nh,
                             sink *out, hs_scan_summary *sum) {
  char md5_hex[33];
  if (x->md5)
    hs_bytes_to_hex(x->md5, 16, md5_hex);
  video_ctx c = {.m = m, .x = x, .frames = x->frames, .nframes = x->nframes};
  hs_status st = HS_OK;
  if (m->video && x->nframes > 0)
    st = hs_video_match(m->video, x->frames, x->nframes, on_video_hit, on_frame_hit, &c);
  if (st == HS_OK)
    st = c.st;
  if (st == HS_OK && m->video && x->ncontent > 0) {
    /* The content regions of a letterboxed video, as a video of their own. */
    c.content = 1;
    c.frames = x->frames + x->nframes;
    c.nframes = x->ncontent;
    st = hs_video_match(m->video, c.frames, c.nframes, on_video_hit, on_frame_hit, &c);
    if (st == HS_OK)
      st = c.st;
  }
  int allowed = 0;
  if (st == HS_OK && m->guard.any_allow) {
    uint64_t entry = 0;
    int distance = 0;
    char variant[64];
    st = find_video_allow(m, hits, nh, &c, &entry, &distance, variant, sizeof variant, &allowed);
    if (st == HS_OK && allowed)
      st = report_allowed(m, x, entry, distance, variant, nh + c.nrecs - 1, NULL,
                          x->md5 ? md5_hex : NULL, out, sum);
  }
  if (st == HS_OK && !allowed) {
    st = emit_hits(m, x, hits, nh, out, sum);
    for (size_t i = 0; i < c.nrecs && st == HS_OK; i++)
      st = write_vrec(m, x, x->md5 ? md5_hex : NULL, &c, i, out, sum);
    if (st == HS_OK && c.nrecs > 0) {
      sum->matches += c.nrecs;
      if (nh == 0)
        sum->matched++; /* emit_hits counted the file when it had exact hits */
    }
  }
  recs_free(&c);
  if (st != HS_OK)
    return st;
  if (x->note) {
    sink_note(out, x->path, NULL, -1, x->md5 ? md5_hex : NULL, x->note);
    sum->failed++;
  }
  return HS_OK;
}

hs_status matcher_run_batch(scan_matcher *m, const match_input *in, size_t n, sink *out,
                            hs_scan_summary *sum) {
  /* Queries: the 8 variants of every file that passes the quality gate,
   * then the 8 of its content region when it has one that passes too. */
  uint64_t *queries = malloc(sizeof(uint64_t) * 4 * PDQ_VARIANTS * (n ? n : 1));
  if (!queries)
    return error_set(HS_ERR_NOMEM, "out of memory for a match batch");
  size_t nq = 0;
  for (size_t i = 0; i < n; i++)
    if (!in[i].error && in[i].pdq && in[i].pdq->quality >= m->guard.query_gate) {
      memcpy(queries + nq * 4, in[i].pdq->hash, sizeof(hs_hash256) * HS_DIH_COUNT);
      nq += HS_DIH_COUNT;
      if (content_gated(m, &in[i])) {
        memcpy(queries + nq * 4, in[i].content->hash, sizeof(hs_hash256) * HS_DIH_COUNT);
        nq += HS_DIH_COUNT;
      }
    }
  hs_match_list ml = {0};
  hs_status st = HS_OK;
  if (nq > 0 && m->haystack)
    st = hs_match_radius(m->engine, m->haystack, queries, nq, m->guard.search_radius, &ml);
  free(queries);
  if (st != HS_OK) {
    hs_match_list_free(&ml);
    return st;
  }

  size_t mi = 0, q0 = 0, cap = 64;
  hit *hits = malloc(cap * sizeof *hits);
  for (size_t i = 0; hits && i < n && st == HS_OK; i++) {
    const match_input *x = &in[i];
    size_t nh = 0;
    st = exact_hits(m, x, &hits, &nh, &cap);
    if (st != HS_OK)
      break;
    if (x->error) {
      /* Exact entries match the bytes whether or not they decode: a listed
       * VideoMD5, a PDF, a corrupt JPEG that was listed as it is. */
      st = emit_hits(m, x, hits, nh, out, sum);
      if (st == HS_OK)
        report_undecoded(x, out, sum);
      continue;
    }
    if (x->is_video) {
      st = match_video(m, x, hits, nh, out, sum);
      continue;
    }
    int gated = x->pdq && x->pdq->quality >= m->guard.query_gate;
    if (gated) {
      /* This file's queries are q0 .. q1-1 (8, or 16 with a content
       * region); ml is sorted by query. */
      size_t q1 = q0 + (content_gated(m, x) ? PDQ_VARIANTS : HS_DIH_COUNT);
      while (mi < ml.count && ml.items[mi].query < q0)
        mi++;
      for (; mi < ml.count && ml.items[mi].query < q1 && st == HS_OK; mi++) {
        if (reserve_hit(&hits, nh, &cap) != 0) {
          st = error_set(HS_ERR_NOMEM, "out of memory collecting matches");
          break;
        }
        int variant = (int)(ml.items[mi].query - q0);
        const hs_pdq *qh = variant < HS_DIH_COUNT ? x->pdq : x->content;
        /* The search ran at the widest radius in use: each list's own. */
        if (!guard_keeps(&m->guard, m->pdq_lists[ml.items[mi].target],
                         (int)ml.items[mi].distance, qh->quality))
          continue;
        variant_via via;
        st = variant_resolve(m->snap, m->pdq_ids[ml.items[mi].target], &via);
        if (st == HS_OK)
          add_pdq_hit(hits, &nh, &via, (int)ml.items[mi].distance, variant);
      }
      q0 = q1;
    } else if (x->pdq) {
      char pdq_hex[65], md5_hex[33], note[96];
      hs_hash256_to_hex(&x->pdq->hash[HS_DIH_ORIG], pdq_hex);
      if (x->md5)
        hs_bytes_to_hex(x->md5, 16, md5_hex);
      snprintf(note, sizeof note, "low quality (%d < %d): PDQ not matched", x->pdq->quality,
               m->guard.query_gate);
      sink_note(out, x->path, pdq_hex, x->pdq->quality, x->md5 ? md5_hex : NULL, note);
      sum->low_quality++;
    }
    if (st == HS_OK)
      st = emit_hits(m, x, hits, nh, out, sum);
  }
  if (!hits)
    st = error_set(HS_ERR_NOMEM, "out of memory collecting matches");
  free(hits);
  hs_match_list_free(&ml);
  return st;
}

/* ---- end of a run: the flood guard ----------------------------------------- */

void matcher_set_flood(scan_matcher *m, uint64_t files, double per_million) {
  m->guard.flood_files = files;
  m->guard.per_million = per_million > 0 ? per_million : 0;
}

/* Records written before an entry crossed the limit went out as
 * actionable: this note (one per held entry) says how many, so a platform
 * that acts on records can hold those too. */
static hs_status flood_notes(scan_matcher *m, uint64_t seen, sink *out) {
  const scan_guard *g = &m->guard;
  for (size_t i = 0; i < g->nslots; i++) {
    const flood_slot *s = &g->slots[i];
    if (!s->held)
      continue;
    hs_index_entry e;
    HS_TRY(hs_index_entry_get(m->snap, s->entry, &e));
    char note[256];
    snprintf(note, sizeof note,
             "flood guard: entry %llu matched %llu files in this run (limit %llu after %llu "
             "files): quarantined; its first %llu match records in this output came before "
             "the limit: hold them too",
             (unsigned long long)s->entry, (unsigned long long)s->files,
             (unsigned long long)guard_flood_limit(g, seen), (unsigned long long)seen,
             (unsigned long long)s->before_hold);
    hs_record r = {.kind = HS_RECORD_NOTE, .path = "", .quality = -1, .entry = s->entry,
                   .list = e.list, .label = e.label, .variant = "flood",
                   .index_version = m->version, .message = note, .held = "flood",
                   .suppressed = s->before_hold};
    sink_match(out, &r);
  }
  return HS_OK;
}

hs_status matcher_finish_flood(scan_matcher *m, const char *index_path, uint64_t seen,
                               const char *command, sink *out, uint64_t *quarantined) {
  *quarantined = 0;
  if (m->guard.held_entries == 0)
    return HS_OK;
  HS_TRY(flood_notes(m, seen, out));
  HS_TRY(sink_flush(out, NULL));
  /* LMDB: one environment handle per process at a time; the read-only one
   * goes before the short write. */
  unload(m);
  hs_index_snapshot_close(m->snap);
  hs_index_close(m->index);
  m->snap = NULL;
  m->index = NULL;
  return guard_quarantine(&m->guard, index_path, seen, command, quarantined);
}
