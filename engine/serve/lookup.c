/* serve/lookup.c - hash and upload lookups (serve/lookup.h). */
#include "serve/lookup.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

size_t view_pdq_count(const serve_view *v) {
  return (v->base ? v->base->npdq : 0) + (v->delta ? v->delta->npdq : 0);
}

size_t view_exact_count(const serve_view *v) {
  size_t n = 0;
  const serve_part *p[2] = {v->base, v->delta};
  for (int i = 0; i < 2; i++)
    if (p[i])
      n += p[i]->nmd5 + p[i]->nsha256;
  return n;
}

hs_status lookup_item_parse(lookup_item *it, const char *type, const char *hex) {
  memset(it, 0, sizeof *it);
  hs_hash_type t;
  if (hs_hash_type_parse(type, &t) != HS_OK || t == HS_HASH_H64)
    return error_set(HS_ERR_FORMAT, "unknown hash type (pdq, md5 or sha256 are looked up)");
  size_t want = 2 * hs_hash_type_bytes(t), len = strlen(hex);
  if (len != want)
    return error_set(HS_ERR_FORMAT, "a %s hash has %zu hex digits, not %zu",
                     hs_hash_type_name(t), want, len);
  if (hs_hash_from_hex(t, hex, len, it->hash) != HS_OK)
    return error_set(HS_ERR_FORMAT, "a %s hash must be hex digits only", hs_hash_type_name(t));
  it->type = t;
  hs_hash_to_hex(t, it->hash, it->hex);
  return HS_OK;
}

/* Runs the PDQ queries through the batcher: 0, or -1 with rs set. */
static int search(serve_ctx *c, const uint64_t *queries, size_t nq, batch_req *br,
                  serve_response *rs) {
  memset(br, 0, sizeof *br);
  if (nq == 0)
    return 0;
  br->queries = queries;
  br->nq = nq;
  atomic_fetch_add(&c->metrics.hashes_looked_up, nq);
  hs_status st = batcher_lookup(&c->batcher, br);
  if (st == HS_ERR_BUSY) {
    atomic_fetch_add(&c->metrics.rejected_busy, 1);
    serve_error(rs, 503, "busy: the lookup queue is full, retry");
    return -1;
  }
  if (st != HS_OK) {
    serve_error(rs, 500, "lookup failed: %s", hs_strerror(st));
    return -1;
  }
  return 0;
}

static void count_answer(serve_ctx *c, size_t matches) {
  atomic_fetch_add(&c->metrics.matches, matches);
  if (matches)
    atomic_fetch_add(&c->metrics.matched_requests, 1);
}

/* Resolves hits (consumed) into a new array, by the view's per-list
 * settings (*allowed: an allow entry that suppressed them, or NULL): 0, or
 * -1 with rs set. */
static int resolve(const serve_view *v, hs_index_snapshot *snap, serve_hit *hits, size_t n,
                   const bank_filter *banks, json_t **out, json_t **allowed, size_t *kept,
                   serve_response *rs) {
  *out = json_array();
  if (!*out ||
      hits_resolve(snap, &v->guard, hits, n, banks, *out, allowed, kept) != HS_OK) {
    json_decref(*out);
    *out = NULL;
    serve_error(rs, 500, "resolving matches failed");
    return -1;
  }
  return 0;
}

/* Collects the hits of item i: its PDQ hits from the batch (br sorted by
 * query; *mi walks it) and its exact hits. */
static hs_status item_hits(const serve_view *v, const lookup_item *it, size_t q,
                           const batch_req *br, size_t *mi, serve_hit **hits, size_t *nh,
                           size_t *cap) {
  *nh = 0;
  if (it->type != HS_HASH_PDQ)
    return hits_exact(v, it->hash, hs_hash_type_bytes(it->type), hits, nh, cap);
  while (*mi < br->hits.count && br->hits.items[*mi].query < q)
    (*mi)++;
  for (; *mi < br->hits.count && br->hits.items[*mi].query == q; (*mi)++)
    HS_TRY(hits_push(hits, nh, cap,
                     (serve_hit){.entry = br->hits.items[*mi].target,
                                 .distance = (int)br->hits.items[*mi].distance,
                                 .variant = HS_DIH_ORIG,
                                 .quality = -1}));
  return HS_OK;
}

int lookup_items(serve_ctx *c, const lookup_item *items, size_t n, const bank_filter *banks,
                 lookup_answer *out, serve_response *rs) {
  memset(out, 0, sizeof *out);
  out->matches = calloc(n ? n : 1, sizeof *out->matches);
  out->allowed = calloc(n ? n : 1, sizeof *out->allowed);
  uint64_t *queries = malloc(sizeof(uint64_t) * 4 * (n ? n : 1));
  if (!out->matches || !out->allowed || !queries) {
    free(queries);
    serve_error(rs, 500, "out of memory");
    return -1;
  }
  size_t nq = 0;
  for (size_t i = 0; i < n; i++)
    if (items[i].type == HS_HASH_PDQ)
      hs_hash_to_words(HS_HASH_PDQ, items[i].hash, queries + 4 * nq++);
  batch_req br = {0};
  serve_view *v = live_view(&c->live);
  hs_index_snapshot *snap = NULL;
  int rc = -1;
  if (!v)
    serve_error(rs, 503, "index not yet ready");
  else if (search(c, queries, nq, &br, rs) == 0)
    rc = 0;
  free(queries);
  serve_hit *hits = NULL;
  size_t cap = 0, mi = 0, q = 0, total = 0;
  atomic_fetch_add(&c->metrics.hashes_looked_up, n - nq);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    size_t nh, kept = 0;
    if (item_hits(v, &items[i], q, &br, &mi, &hits, &nh, &cap) != HS_OK) {
      serve_error(rs, 500, "out of memory");
      rc = -1;
      break;
    }
    q += items[i].type == HS_HASH_PDQ;
    /* Most lookups match nothing: the snapshot is opened for the first hit. */
    if (nh > 0 && !snap && live_snap_get(&c->live, &snap) != HS_OK) {
      serve_error(rs, 503, "cannot read the index now");
      rc = -1;
      break;
    }
    rc = resolve(v, snap, hits, nh, banks, &out->matches[i], &out->allowed[i], &kept, rs);
    total += kept;
  }
  if (rc == 0) {
    out->version = v->version;
    count_answer(c, total);
  }
  free(hits);
  if (nq)
    hs_match_list_free(&br.hits);
  live_snap_put(&c->live, snap);
  view_release(v);
  return rc;
}

void lookup_answer_free(lookup_answer *a, size_t n) {
  for (size_t i = 0; a->matches && i < n; i++)
    json_decref(a->matches[i]);
  for (size_t i = 0; a->allowed && i < n; i++)
    json_decref(a->allowed[i]);
  free(a->matches);
  free(a->allowed);
  a->matches = NULL;
  a->allowed = NULL;
}

/* ---- uploads ------------------------------------------------------------------------- */

/* The upload's PDQ queries, with each query's hit template: those of a
 * quality some list takes (each hit is gated by its list's later). */
static size_t upload_queries(const serve_view *v, const upload_hashes *u, uint64_t *q,
                             serve_hit *tmpl) {
  size_t n = 0;
  int minq = v->guard.query_gate;
  if (u->kind == UPLOAD_IMAGE && u->pdq.quality >= minq) {
    for (int d = 0; d < HS_DIH_COUNT; d++, n++) {
      memcpy(q + 4 * n, u->pdq.hash[d].w, 32);
      tmpl[n] = (serve_hit){.variant = d, .quality = u->pdq.quality};
    }
    if (u->has_content && u->content.quality >= minq)
      for (int d = 0; d < HS_DIH_COUNT; d++, n++) {
        memcpy(q + 4 * n, u->content.hash[d].w, 32);
        tmpl[n] = (serve_hit){.variant = HS_DIH_COUNT + d, .quality = u->content.quality};
      }
  }
  for (size_t f = 0; u->kind == UPLOAD_VIDEO && f < u->nframes; f++) {
    const hs_video_frame *vf = &u->frames[f];
    if (vf->pdq.quality >= minq) {
      memcpy(q + 4 * n, vf->pdq.hash[HS_DIH_ORIG].w, 32);
      tmpl[n++] = (serve_hit){.variant = HIT_FRAME, .frame = vf->frame,
                              .timestamp = vf->timestamp, .quality = vf->pdq.quality};
    }
    /* A letterboxed frame's content region too, as a scan does. */
    if (vf->has_content && vf->content.quality >= minq) {
      memcpy(q + 4 * n, vf->content.hash[HS_DIH_ORIG].w, 32);
      tmpl[n++] = (serve_hit){.variant = HIT_FRAME_CONTENT, .frame = vf->frame,
                              .timestamp = vf->timestamp, .quality = vf->content.quality};
    }
  }
  return n;
}

/* ---- a video against the video entries (vPDQ's rule) ------------------------------ */

typedef struct video_acc {
  serve_hit **hits;
  size_t *nh, *cap;
  json_t *extras; /* owns each hit's extra keys */
  int content;    /* matching the content regions: variants 8..15 */
  hs_status st;
} video_acc;

/* The keys engine/scan/record.c writes for a video match. */
static json_t *video_keys(const hs_video_hit *h) {
  json_t *seg = json_array();
  for (size_t i = 0; seg && i < h->nsegments; i++)
    json_array_append_new(seg, json_pack("[f,f]", h->segments[i].start, h->segments[i].end));
  return json_pack("{s:s,s:f,s:f,s:I,s:o}", "kind", "video", "query_percent", h->query_percent,
                   "compared_percent", h->compared_percent, "frames_hashed",
                   (json_int_t)h->frames_hashed, "segments", seg);
}

static int on_video_hit(void *user, const hs_video_hit *h) {
  video_acc *a = user;
  int dih = HS_DIH_ORIG;
  for (int d = 0; d < HS_DIH_COUNT; d++)
    if (h->variant && strcmp(h->variant, hs_dihedral_name(d)) == 0)
      dih = d;
  json_t *keys = video_keys(h);
  if (!keys || json_array_append_new(a->extras, keys) != 0) {
    a->st = error_set(HS_ERR_NOMEM, "out of memory for a video match");
    return 1;
  }
  a->st = hits_push(a->hits, a->nh, a->cap,
                    (serve_hit){.entry = h->entry, .distance = h->distance,
                                .variant = dih + (a->content ? HS_DIH_COUNT : 0),
                                .extra = keys});
  return a->st != HS_OK;
}

/* The upload's frames against the view's video entries. */
static hs_status video_hits(const serve_view *v, const upload_hashes *u, json_t *extras,
                            serve_hit **hits, size_t *nh, size_t *cap) {
  if (u->kind != UPLOAD_VIDEO || !v->video || u->nframes == 0)
    return HS_OK;
  hs_query_frame *qf = malloc(sizeof *qf * u->nframes);
  if (!qf)
    return error_set(HS_ERR_NOMEM, "out of memory for a video match");
  for (size_t i = 0; i < u->nframes; i++)
    qf[i] = (hs_query_frame){u->frames[i].frame, (double)u->frames[i].timestamp,
                             u->frames[i].pdq};
  video_acc a = {hits, nh, cap, extras, 0, HS_OK};
  hs_status st = hs_video_match(v->video, qf, u->nframes, on_video_hit, NULL, &a);
  if (st == HS_OK)
    st = a.st;
  /* The content regions of a letterboxed video, as a video of their own
   * (a scan's second pass: the frames that have one). */
  size_t nc = 0;
  for (size_t i = 0; i < u->nframes; i++)
    if (u->frames[i].has_content)
      qf[nc++] = (hs_query_frame){u->frames[i].frame, (double)u->frames[i].timestamp,
                                  u->frames[i].content};
  if (st == HS_OK && nc > 0) {
    a.content = 1;
    st = hs_video_match(v->video, qf, nc, on_video_hit, NULL, &a);
    if (st == HS_OK)
      st = a.st;
  }
  free(qf);
  return st;
}

int lookup_upload(serve_ctx *c, const uint8_t *data, size_t size, const bank_filter *banks,
                  upload_hashes *u, json_t **matches, json_t **allowed, uint64_t *version,
                  serve_response *rs) {
  *matches = NULL;
  *allowed = NULL;
  if (upload_hash(c, data, size, u) != HS_OK) {
    upload_busy(c, rs);
    return -1;
  }
  size_t maxq = 2 * HS_DIH_COUNT + 2 * u->nframes; /* a frame and its content region */
  uint64_t *q = malloc(sizeof(uint64_t) * 4 * maxq);
  serve_hit *tmpl = malloc(sizeof *tmpl * maxq);
  serve_view *v = live_view(&c->live);
  hs_index_snapshot *snap = NULL;
  serve_hit *hits = NULL;
  size_t nh = 0, cap = 0, kept = 0;
  batch_req br = {0};
  json_t *extras = json_array();
  int rc = -1;
  if (!q || !tmpl || !extras)
    serve_error(rs, 500, "out of memory");
  else if (!v)
    serve_error(rs, 503, "index not yet ready");
  else if (search(c, q, upload_queries(v, u, q, tmpl), &br, rs) == 0) {
    rc = 0;
    if (hits_exact(v, u->md5, 16, &hits, &nh, &cap) != HS_OK ||
        hits_exact(v, u->sha256, 32, &hits, &nh, &cap) != HS_OK)
      rc = -1;
    for (size_t i = 0; rc == 0 && i < br.hits.count; i++) {
      serve_hit h = tmpl[br.hits.items[i].query];
      h.entry = br.hits.items[i].target;
      h.distance = (int)br.hits.items[i].distance;
      if (hits_push(&hits, &nh, &cap, h) != HS_OK)
        rc = -1;
    }
    if (rc == 0 && video_hits(v, u, extras, &hits, &nh, &cap) != HS_OK)
      rc = -1;
    if (rc != 0)
      serve_error(rs, 500, "out of memory");
    else if (nh > 0 && live_snap_get(&c->live, &snap) != HS_OK) {
      serve_error(rs, 503, "cannot read the index now");
      rc = -1;
    } else
      rc = resolve(v, snap, hits, nh, banks, matches, allowed, &kept, rs);
  }
  atomic_fetch_add(&c->metrics.hashes_looked_up, 2);
  if (rc == 0) {
    *version = v->version;
    count_answer(c, kept);
  } else
    upload_free(u);
  hs_match_list_free(&br.hits);
  live_snap_put(&c->live, snap);
  view_release(v);
  free(hits);
  json_decref(extras); /* the answer's objects hold their own references */
  free(q);
  free(tmpl);
  return rc;
}
