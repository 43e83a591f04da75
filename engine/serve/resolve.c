/* serve/resolve.c - hits to match objects (serve/resolve.h). */
#include "serve/resolve.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

const char *hit_variant_name(int v) {
  static const char *const content[HS_DIH_COUNT] = {
      "unletterbox",       "unletterbox+rot90", "unletterbox+rot180",    "unletterbox+rot270",
      "unletterbox+flipx", "unletterbox+flipy", "unletterbox+flipplus1", "unletterbox+flipminus1"};
  if (v == HIT_MD5)
    return "md5";
  if (v == HIT_SHA256)
    return "sha256";
  if (v == HIT_FRAME) /* its own hash, as scan's frame records name it */
    return "orig";
  if (v == HIT_FRAME_CONTENT)
    return "unletterbox";
  if (v >= 0 && v < HS_DIH_COUNT)
    return hs_dihedral_name(v);
  return v >= HS_DIH_COUNT && v < 2 * HS_DIH_COUNT ? content[v - HS_DIH_COUNT] : "?";
}

json_t *json_text(const char *s) {
  if (!s)
    return json_null();
  json_t *j = json_string(s);
  if (j)
    return j;
  /* Not UTF-8 (or with NUL-free but invalid sequences): rebuild byte by
   * byte, keeping valid sequences as they are. */
  size_t n = strlen(s);
  char *out = malloc(3 * n + 1);
  if (!out)
    return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)s[i];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len > 0 && i + len <= n) {
      char tmp[5] = {0};
      memcpy(tmp, s + i, len);
      json_t *t = json_string(tmp);
      if (t) {
        json_decref(t);
        memcpy(out + o, s + i, len);
        o += len;
        i += len;
        continue;
      }
    }
    memcpy(out + o, "\xef\xbf\xbd", 3); /* U+FFFD */
    o += 3;
    i++;
  }
  out[o] = '\0';
  j = json_string(out);
  free(out);
  return j;
}

static int is_exact(const serve_hit *h) { return h->variant == HIT_MD5 || h->variant == HIT_SHA256; }
static int is_frame(const serve_hit *h) {
  return h->variant == HIT_FRAME || h->variant == HIT_FRAME_CONTENT;
}

/* The scan's ranking: exact hits first (md5, then sha256), then PDQ by
 * distance; 0 when these do not decide. */
static int rank(const serve_hit *x, const serve_hit *y) {
  if (is_exact(x) != is_exact(y))
    return is_exact(x) ? -1 : 1;
  if (is_exact(x) && x->variant != y->variant)
    return x->variant < y->variant ? -1 : 1;
  if (x->distance != y->distance)
    return x->distance < y->distance ? -1 : 1;
  return 0;
}

/* A hit of a video's frames (near an image entry, or a video entry's). */
static int is_video_hit(const serve_hit *h) { return is_frame(h) || h->extra; }
/* ... through the content regions of its letterboxed frames. */
static int is_content(const serve_hit *h) {
  return h->variant == HIT_FRAME_CONTENT ||
         (h->extra && h->variant >= HS_DIH_COUNT && h->variant < 2 * HS_DIH_COUNT);
}

/* Per entry the best hit first: on a tie the lower variant (orig first).
 * A video's own frames come before its content regions whatever the
 * distance, as a scan reports the content regions' hits only for entries
 * the frames did not match (docs/video.md). */
static int by_entry_then_better(const void *a, const void *b) {
  const serve_hit *x = a, *y = b;
  if (x->entry != y->entry)
    return x->entry < y->entry ? -1 : 1;
  if (is_video_hit(x) && is_video_hit(y) && is_content(x) != is_content(y))
    return is_content(x) ? 1 : -1;
  int c = rank(x, y);
  return c ? c : (x->variant < y->variant ? -1 : x->variant > y->variant);
}

/* The answer's order: by rank, then entry id. */
static int answer_order(const void *a, const void *b) {
  const serve_hit *x = a, *y = b;
  int c = rank(x, y);
  return c ? c : (x->entry < y->entry ? -1 : x->entry > y->entry);
}

size_t hits_dedupe(serve_hit *hits, size_t n) {
  if (n == 0)
    return 0;
  /* The scan reports an exact hit and a PDQ hit of one file separately
   * only when they are different entries; one entry is one match here. */
  qsort(hits, n, sizeof *hits, by_entry_then_better);
  size_t k = 1;
  for (size_t i = 1; i < n; i++)
    if (hits[i].entry != hits[k - 1].entry)
      hits[k++] = hits[i];
  qsort(hits, k, sizeof *hits, answer_order);
  return k;
}

static int bank_allowed(const bank_filter *b, const char *list) {
  if (!b || b->n == 0)
    return 1;
  for (size_t i = 0; i < b->n; i++)
    if (list && strcmp(b->names[i], list) == 0)
      return 1;
  return 0;
}

static json_t *match_object(const hs_index_entry *e, const serve_hit *h) {
  json_t *o = json_object();
  if (!o)
    return NULL;
  json_object_set_new(o, "entry", json_integer((json_int_t)h->entry));
  json_object_set_new(o, "list", json_text(e->list));
  json_object_set_new(o, "label", json_text(e->label));
  json_object_set_new(o, "distance", json_integer(h->distance));
  json_object_set_new(o, "variant", json_string(hit_variant_name(h->variant)));
  if (is_frame(h)) {
    json_object_set_new(o, "kind", json_string("frame"));
    json_object_set_new(o, "frame", json_integer((json_int_t)h->frame));
    json_object_set_new(o, "timestamp", json_real(h->timestamp));
  }
  if (h->extra && json_object_update(o, h->extra) != 0) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* Whether a hit passes its list's radius and gate: PDQ hits only (exact
 * digests are not gated; a video entry's hits were kept by its list's
 * radius and gate in the video matcher). */
static int guard_passes(const scan_guard *g, const hs_index_entry *e, const serve_hit *h) {
  if (!g || !g->nlists || is_exact(h) || h->extra)
    return 1;
  /* A video frame as the scan takes it: the command's gate (vPDQ's 50 by
   * default) stays the floor for frames, a list's gate only raises it. */
  if (is_frame(h) && h->quality < g->min_quality[0])
    return 0;
  /* An unknown quality (a hash given as hex) is not gated, as before. */
  return guard_keeps(g, e->list_id, h->distance, h->quality < 0 ? 1000 : h->quality);
}

static json_t *allow_object(const hs_index_entry *e, const serve_hit *h, size_t suppressed) {
  json_t *o = match_object(e, h);
  if (o && json_object_set_new(o, "suppressed", json_integer((json_int_t)suppressed)) != 0) {
    json_decref(o);
    return NULL;
  }
  return o;
}

hs_status hits_resolve(hs_index_snapshot *snap, const scan_guard *guard, serve_hit *hits,
                       size_t n, const bank_filter *banks, json_t *arr, json_t **allowed,
                       size_t *kept) {
  *kept = 0;
  if (allowed)
    *allowed = NULL;
  n = hits_dedupe(hits, n);
  if (n == 0)
    return HS_OK; /* snap may be NULL then */
  json_t *found = json_array();
  if (!found)
    return error_set(HS_ERR_NOMEM, "out of memory for an answer");
  hs_status st = HS_OK;
  size_t allow = n; /* the closest allow hit: hits are in rank order */
  for (size_t i = 0; i < n && st == HS_OK; i++) {
    hs_index_entry e;
    st = hs_index_entry_get(snap, hits[i].entry, &e);
    if (st == HS_ERR_NOT_FOUND) {
      st = HS_OK;
      continue; /* cannot happen in a read-only world; never a crash */
    }
    if (st != HS_OK || e.withdrawn || e.quarantined || !bank_allowed(banks, e.list) ||
        !guard_passes(guard, &e, &hits[i]))
      continue;
    if (guard && guard_is_allow(guard, e.list_id)) {
      if (allow == n)
        allow = i;
      continue;
    }
    json_t *o = match_object(&e, &hits[i]);
    if (!o || json_array_append_new(found, o) != 0)
      st = error_set(HS_ERR_NOMEM, "out of memory for an answer");
  }
  if (st == HS_OK && allow < n) {
    /* Known benign content: its matches are not answered (as a scan's
     * note, docs/guard.md). Read again: entry strings last until the
     * next hs_index_entry_get. */
    hs_index_entry e;
    st = allowed ? hs_index_entry_get(snap, hits[allow].entry, &e) : HS_OK;
    json_t *a = st == HS_OK && allowed ? allow_object(&e, &hits[allow], json_array_size(found))
                                       : NULL;
    if (st == HS_OK && allowed && !a)
      st = error_set(HS_ERR_NOMEM, "out of memory for an answer");
    if (allowed)
      *allowed = a;
  } else if (st == HS_OK) {
    *kept = json_array_size(found);
    if (json_array_extend(arr, found) != 0)
      st = error_set(HS_ERR_NOMEM, "out of memory for an answer");
  }
  json_decref(found);
  return st;
}

hs_status hits_push(serve_hit **hits, size_t *n, size_t *cap, serve_hit h) {
  if (*n == *cap) {
    size_t c = *cap ? 2 * *cap : 16;
    serve_hit *p = realloc(*hits, c * sizeof *p);
    if (!p)
      return error_set(HS_ERR_NOMEM, "out of memory collecting matches");
    *hits = p;
    *cap = c;
  }
  (*hits)[(*n)++] = h;
  return HS_OK;
}

hs_status hits_exact(const serve_view *view, const uint8_t *digest, size_t bytes,
                     serve_hit **hits, size_t *n, size_t *cap) {
  const serve_part *parts[2] = {view->base, view->delta};
  for (int p = 0; p < 2; p++) {
    if (!parts[p])
      continue;
    const exact_set *set = bytes == 16 ? parts[p]->md5 : parts[p]->sha256;
    uint64_t ids[64];
    size_t k = set ? exact_set_find(set, digest, ids, 64) : 0;
    for (size_t j = 0; j < k && j < 64; j++)
      HS_TRY(hits_push(hits, n, cap,
                       (serve_hit){.entry = ids[j], .variant = bytes == 16 ? HIT_MD5 : HIT_SHA256}));
  }
  return HS_OK;
}
