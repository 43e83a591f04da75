/* scan/scan_match.c - matching batches of file hashes against the index. */
#include "scan/scan_match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"

static void unload(scan_matcher *m) {
  hs_haystack_destroy(m->haystack);
  m->haystack = NULL;
  free(m->pdq_ids);
  m->pdq_ids = NULL;
  m->npdq = 0;
  exact_set_destroy(m->md5);
  exact_set_destroy(m->sha256);
  m->md5 = m->sha256 = NULL;
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
    m->pdq_ids = h.ids; /* keep the ids, free the rest */
    h.ids = NULL;
    m->npdq = h.count;
  }
  hs_index_hashes_free(&h);
  if (st == HS_OK)
    st = load_exact(m, HS_HASH_MD5, &m->md5);
  if (st == HS_OK)
    st = load_exact(m, HS_HASH_SHA256, &m->sha256);
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
                       int refresh_s, const hs_cancel *cancel) {
  memset(m, 0, sizeof *m);
  m->engine = engine;
  m->radius = radius;
  m->min_quality = min_quality;
  m->refresh_s = refresh_s;
  if (list)
    snprintf(m->list, sizeof m->list, "%s", list);
  m->filter.list = list ? m->list : NULL;
  m->filter.since_version = since_version;
  m->filter.cancel = cancel; /* index loads (and reloads) stop on it */
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
} hit;

static const char *variant_name(int v) {
  static const char *const content[HS_DIH_COUNT] = {
      "unletterbox",       "unletterbox+rot90", "unletterbox+rot180",    "unletterbox+rot270",
      "unletterbox+flipx", "unletterbox+flipy", "unletterbox+flipplus1", "unletterbox+flipminus1"};
  if (v == VARIANT_MD5)
    return "md5";
  if (v == VARIANT_SHA256)
    return "sha256";
  return v < HS_DIH_COUNT ? hs_dihedral_name(v) : content[v - HS_DIH_COUNT];
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

/* Adds a PDQ hit, keeping per entry the closest (then lowest) variant. */
static void add_pdq_hit(hit *hits, size_t *n, uint64_t entry, int distance, int variant) {
  for (size_t i = 0; i < *n; i++)
    if (hits[i].variant < PDQ_VARIANTS && hits[i].entry == entry) {
      if (distance < hits[i].distance ||
          (distance == hits[i].distance && variant < hits[i].variant)) {
        hits[i].distance = distance;
        hits[i].variant = variant;
      }
      return;
    }
  hits[(*n)++] = (hit){entry, distance, variant};
}

static hs_status emit_hits(scan_matcher *m, const match_input *in, hit *hits, size_t n,
                           sink *out, hs_scan_summary *sum) {
  qsort(hits, n, sizeof *hits, hit_order);
  char pdq_hex[65], md5_hex[33];
  if (in->pdq)
    hs_hash256_to_hex(&in->pdq->hash[HS_DIH_ORIG], pdq_hex);
  if (in->md5)
    hs_bytes_to_hex(in->md5, 16, md5_hex);
  for (size_t i = 0; i < n; i++) {
    hs_index_entry e;
    HS_TRY(hs_index_entry_get(m->snap, hits[i].entry, &e));
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
        .variant = variant_name(hits[i].variant),
        .index_version = m->version,
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
  return x->content && x->content->quality >= m->min_quality;
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
      (*hits)[(*nh)++] = (hit){ids[j], 0, VARIANT_MD5 + d};
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

hs_status matcher_run_batch(scan_matcher *m, const match_input *in, size_t n, sink *out,
                            hs_scan_summary *sum) {
  /* Queries: the 8 variants of every file that passes the quality gate,
   * then the 8 of its content region when it has one that passes too. */
  uint64_t *queries = malloc(sizeof(uint64_t) * 4 * PDQ_VARIANTS * (n ? n : 1));
  if (!queries)
    return error_set(HS_ERR_NOMEM, "out of memory for a match batch");
  size_t nq = 0;
  for (size_t i = 0; i < n; i++)
    if (!in[i].error && in[i].pdq && in[i].pdq->quality >= m->min_quality) {
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
    st = hs_match_radius(m->engine, m->haystack, queries, nq, m->radius, &ml);
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
    int gated = x->pdq && x->pdq->quality >= m->min_quality;
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
        add_pdq_hit(hits, &nh, m->pdq_ids[ml.items[mi].target], (int)ml.items[mi].distance,
                    (int)(ml.items[mi].query - q0));
      }
      q0 = q1;
    } else if (x->pdq) {
      char pdq_hex[65], md5_hex[33], note[96];
      hs_hash256_to_hex(&x->pdq->hash[HS_DIH_ORIG], pdq_hex);
      if (x->md5)
        hs_bytes_to_hex(x->md5, 16, md5_hex);
      snprintf(note, sizeof note, "low quality (%d < %d): PDQ not matched", x->pdq->quality,
               m->min_quality);
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
