/* match/video_match.c - a video's sampled frames against the index
 * (hashsweep/video_match.h): video entries by vPDQ's rule, image entries
 * frame by frame.
 *
 * The rule is python-threatexchange's VPDQIndex (vpdq_index.py, pytx 1.2):
 * each side's frames are filtered by quality (>= the gate) and then
 * deduplicated by hash; the query percent is the share of the scanned
 * video's unique hashes that have a listed frame within the radius, the
 * compared percent the share of the listed video's unique hashes that have
 * a scanned frame within it (each percent = count * 100 / total, a double,
 * compared with >=). Beyond pytx, a scanned frame also matches through its
 * 7 other dihedral hashes, so a mirrored or rotated copy matches.
 *
 * One haystack holds every unique frame hash of every active video entry
 * (frame -> entry, frame index), another the active PDQ image entries; each
 * call searches the 8 dihedral hashes of the scanned video's unique frames
 * in both, on the engine's device or the CPU (hs_match_radius). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hashsweep/device.h"
#include "hashsweep/video_match.h"

#include "core/error.h"

/* A listed video: its unique frame hashes are haystack positions
 * [first, first + n). */
typedef struct vm_video {
  uint64_t entry;
  unsigned list_id;
  uint32_t first, n;
} vm_video;

struct hs_video_matcher {
  hs_engine *engine;
  hs_engine *own_engine; /* made for a NULL engine: the CPU path */
  hs_video_match_options o;
  char *list_filter;
  char **list_names;     /* by list id, the lists of the loaded entries */
  vm_video *videos;
  size_t nvideos;
  uint32_t *frame_video; /* haystack position -> video */
  hs_haystack *frames;   /* NULL when no video entry has a frame */
  uint64_t *image_ids;
  uint16_t *image_lists;
  hs_haystack *images;   /* NULL when there is no image entry (or unwanted) */
  int16_t *list_radius;  /* copy of the options' table (nlists of them) */
  int16_t *list_gate;    /* copy of list_min_quality (nlists of them) */
  int search_radius;     /* the largest radius in use */
};

/* The radius for the entries of list `id`. */
static int radius_of(const hs_video_matcher *m, unsigned id) {
  return m->list_radius && id < m->o.nlists ? m->list_radius[id] : m->o.radius;
}

/* The frame quality gate for the entries of list `id`: its own, never
 * below min_quality (vPDQ's gate, the floor). */
static int gate_of(const hs_video_matcher *m, unsigned id) {
  int g = m->list_gate && id < m->o.nlists ? m->list_gate[id] : m->o.min_quality;
  return g > m->o.min_quality ? g : m->o.min_quality;
}

void hs_video_match_options_default(hs_video_match_options *o) {
  memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
  o->radius = HS_PDQ_DEFAULT_RADIUS;
  o->min_quality = HS_PDQ_MIN_QUALITY;
  o->query_percent = HS_VIDEO_DEFAULT_QUERY_PERCENT;
  o->compared_percent = HS_VIDEO_DEFAULT_COMPARED_PERCENT;
  o->frame_image_matches = 1;
}

static int cmp_words(const void *a, const void *b) { return memcmp(a, b, 32); }

/* qsort, which must not be given a NULL array even for 0 items. */
static void sort(void *items, size_t n, size_t size, int (*cmp)(const void *, const void *)) {
  if (n > 1)
    qsort(items, n, size, cmp);
}

static int grow(void *items, size_t *cap, size_t need, size_t size) {
  if (need <= *cap)
    return 0;
  size_t c = *cap ? *cap : 64;
  while (c < need)
    c *= 2;
  void **p = items;
  void *q = realloc(*p, c * size);
  if (!q)
    return -1;
  *p = q;
  *cap = c;
  return 0;
}

static hs_status note_list(hs_video_matcher *m, hs_index_snapshot *snap, unsigned id) {
  if (m->list_names[id])
    return HS_OK;
  const char *name = hs_index_snapshot_list_name(snap, id);
  if (!name)
    return error_set(HS_ERR_CORRUPT, "video matcher: no name for list id %u", id);
  if (!(m->list_names[id] = strdup(name)))
    return error_set(HS_ERR_NOMEM, "out of memory");
  return HS_OK;
}

/* Every active video entry's unique frames above the gate. */
static hs_status load_videos(hs_video_matcher *m, hs_index_snapshot *snap, unsigned list) {
  hs_index_iter *it;
  HS_TRY(hs_index_iter_create(snap, HS_HASH_VPDQ, m->o.since_version, &it));
  uint64_t *words = NULL;
  size_t nwords = 0, wcap = 0, vcap = 0, fcap = 0;
  hs_index_block b;
  hs_status st;
  while ((st = hs_index_iter_next(it, &b)) == HS_OK) {
    for (size_t i = 0; i < b.count && st == HS_OK; i++) {
      if ((b.flags[i] & HS_ENTRY_WITHDRAWN) || (list && b.lists[i] != list) ||
          b.versions[i] <= m->o.since_version)
        continue;
      uint64_t id = b.first_id + i;
      hs_index_frame *f;
      size_t n;
      st = hs_index_video_frames(snap, id, &f, &n);
      if (st != HS_OK)
        break;
      if (n == 0) { /* nothing to match (import never makes one) */
        hs_index_frames_free(f);
        continue;
      }
      if (grow(&words, &wcap, nwords + n, 32) != 0 ||
          grow(&m->frame_video, &fcap, nwords + n, sizeof *m->frame_video) != 0 ||
          grow(&m->videos, &vcap, m->nvideos + 1, sizeof *m->videos) != 0) {
        hs_index_frames_free(f);
        st = error_set(HS_ERR_NOMEM, "out of memory loading video entries");
        break;
      }
      uint64_t *w = words + 4 * nwords;
      size_t k = 0;
      int gate = gate_of(m, b.lists[i]);
      for (size_t j = 0; j < n; j++)
        if (f[j].quality >= gate)
          memcpy(w + 4 * k++, f[j].pdq.w, 32);
      hs_index_frames_free(f);
      sort(w, k, 32, cmp_words);
      size_t u = 0;
      for (size_t j = 0; j < k; j++)
        if (u == 0 || memcmp(w + 4 * (u - 1), w + 4 * j, 32) != 0)
          memmove(w + 4 * u++, w + 4 * j, 32);
      if (u == 0) /* no frame passes the gate: it can never match */
        continue;
      for (size_t j = 0; j < u; j++)
        m->frame_video[nwords + j] = (uint32_t)m->nvideos;
      m->videos[m->nvideos++] = (vm_video){id, b.lists[i], (uint32_t)nwords, (uint32_t)u};
      nwords += u;
      st = note_list(m, snap, b.lists[i]);
    }
    if (st != HS_OK)
      break;
  }
  hs_index_iter_destroy(it);
  if (st == HS_ERR_NOT_FOUND)
    st = HS_OK;
  if (st == HS_OK && nwords > UINT32_MAX)
    st = error_set(HS_ERR_LIMIT, "video matcher: more than 2^32 frames");
  if (st == HS_OK && nwords)
    st = hs_haystack_create(m->engine, 256, words, nwords, &m->frames);
  free(words);
  return st;
}

static hs_status load_images(hs_video_matcher *m, hs_index_snapshot *snap) {
  hs_index_filter filter = {.list = m->list_filter, .since_version = m->o.since_version};
  hs_index_hashes h;
  HS_TRY(hs_index_load(snap, HS_HASH_PDQ, &filter, &h));
  hs_status st = HS_OK;
  for (size_t i = 0; i < h.count && st == HS_OK; i++)
    st = note_list(m, snap, h.lists[i]);
  if (st == HS_OK && h.count)
    st = hs_haystack_create(m->engine, 256, h.hashes, h.count, &m->images);
  if (st == HS_OK) {
    m->image_ids = h.ids;
    m->image_lists = h.lists;
    h.ids = NULL;
    h.lists = NULL;
  }
  hs_index_hashes_free(&h);
  return st;
}

/* A copy of a per-list table (NULL stays NULL): the caller's may change
 * once open returns. Each value must be 0..max. */
static hs_status copy_table(const int16_t *src, size_t n, int max, const char *what,
                            int16_t **out) {
  *out = NULL;
  if (!src || !n)
    return HS_OK;
  if (!(*out = malloc(n * sizeof **out)))
    return error_set(HS_ERR_NOMEM, "out of memory");
  memcpy(*out, src, n * sizeof **out);
  for (size_t i = 0; i < n; i++)
    if ((*out)[i] < 0 || (*out)[i] > max)
      return error_set(HS_ERR_INVALID_ARG, "video matcher: list %zu's %s %d is not 0..%d", i,
                       what, (int)(*out)[i], max);
  return HS_OK;
}

hs_status hs_video_matcher_open(hs_index_snapshot *snap, hs_engine *engine,
                                const hs_video_match_options *opts, hs_video_matcher **out) {
  HS_CHECK(snap && out, HS_ERR_INVALID_ARG, "video matcher: NULL argument");
  *out = NULL;
  hs_video_matcher *m = calloc(1, sizeof *m);
  if (!m || !(m->list_names = calloc(65536, sizeof *m->list_names))) {
    free(m);
    return error_set(HS_ERR_NOMEM, "out of memory");
  }
  hs_video_match_options_default(&m->o);
  hs_status st = HS_OK;
  if (opts && opts->struct_size < sizeof *opts)
    st = error_set(HS_ERR_INVALID_ARG,
                   "video matcher: options not set by hs_video_match_options_default");
  else if (opts)
    m->o = *opts;
  if (st == HS_OK && (m->o.radius < 0 || m->o.radius > 256 || m->o.min_quality < 0 || m->o.min_quality > 100 ||
      !(m->o.query_percent >= 0 && m->o.query_percent <= 100) ||
      !(m->o.compared_percent >= 0 && m->o.compared_percent <= 100)))
    st = error_set(HS_ERR_INVALID_ARG, "video matcher: radius 0..256, quality 0..100 and "
                   "percents 0..100 expected");
  m->search_radius = m->o.radius;
  if (st == HS_OK)
    st = copy_table(m->o.list_radius, m->o.nlists, 256, "radius", &m->list_radius);
  if (st == HS_OK)
    st = copy_table(m->o.list_min_quality, m->o.nlists, 100, "quality gate", &m->list_gate);
  for (size_t i = 0; st == HS_OK && m->list_radius && i < m->o.nlists; i++)
    if (m->list_radius[i] > m->search_radius)
      m->search_radius = m->list_radius[i];
  m->o.list_radius = NULL; /* the copy is m->list_radius */
  m->o.list_min_quality = NULL; /* and m->list_gate */
  unsigned list = 0;
  if (st == HS_OK && m->o.list) {
    if (!(m->list_filter = strdup(m->o.list)))
      st = error_set(HS_ERR_NOMEM, "out of memory");
    else
      st = hs_index_snapshot_list_id(snap, m->list_filter, &list);
  }
  m->o.list = m->list_filter;
  if (st == HS_OK && !engine) {
    /* No engine: a private one on the CPU path, one thread per call. */
    hs_engine_options eo;
    hs_engine_options_default(&eo);
    eo.device = "cpu";
    eo.threads = 1;
    st = hs_engine_create(&eo, &m->own_engine);
    engine = m->own_engine;
  }
  m->engine = engine;
  if (st == HS_OK)
    st = load_videos(m, snap, list);
  if (st == HS_OK && m->o.frame_image_matches)
    st = load_images(m, snap);
  if (st != HS_OK) {
    hs_video_matcher_close(m);
    return st;
  }
  *out = m;
  return HS_OK;
}

void hs_video_matcher_close(hs_video_matcher *m) {
  if (!m)
    return;
  hs_haystack_destroy(m->frames);
  hs_haystack_destroy(m->images);
  if (m->list_names)
    for (size_t i = 0; i < 65536; i++)
      free(m->list_names[i]);
  free(m->list_names);
  free(m->videos);
  free(m->frame_video);
  free(m->image_ids);
  free(m->image_lists);
  free(m->list_radius);
  free(m->list_gate);
  free(m->list_filter);
  hs_engine_destroy(m->own_engine);
  free(m);
}

/* ---- one video ------------------------------------------------------------------- */

/* The scanned video's frames above the gate, grouped by hash: unique hash
 * u has its occurrences occ[first[u] .. first[u + 1]) (frame indices in
 * time order). */
typedef struct query_set {
  size_t nu;
  size_t *first;  /* nu + 1 */
  size_t *occ;
  uint64_t *words; /* nu x 8 dihedral hashes x 4 words */
  int *quality;    /* nu: the best quality of the hash's frames (a list
                      whose gate is above it does not count the hash) */
  double period;   /* sampling period (see segments) */
} query_set;

/* The frames being sorted (qsort has no context argument; per thread, so
 * concurrent calls on one matcher do not mix). */
static _Thread_local const hs_query_frame *sort_frames;

static int cmp_time(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  double tx = sort_frames[x].timestamp, ty = sort_frames[y].timestamp;
  if (tx != ty)
    return tx < ty ? -1 : 1;
  return (x > y) - (x < y);
}

/* By hash, then time: each group of equal hashes in time order. */
static int cmp_hash_time(const void *a, const void *b) {
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  int c = memcmp(sort_frames[x].pdq.hash[0].w, sort_frames[y].pdq.hash[0].w, 32);
  return c ? c : cmp_time(a, b);
}

static void query_free(query_set *q) {
  free(q->first);
  free(q->occ);
  free(q->words);
  free(q->quality);
}

static hs_status query_build(const hs_query_frame *f, size_t n, int min_quality, query_set *q) {
  memset(q, 0, sizeof *q);
  size_t nk = 0;
  size_t *idx = malloc((n ? n : 1) * sizeof *idx);
  q->first = malloc((n + 1) * sizeof *q->first);
  q->occ = malloc((n ? n : 1) * sizeof *q->occ);
  q->words = malloc((n ? n : 1) * HS_DIH_COUNT * 32);
  q->quality = malloc((n ? n : 1) * sizeof *q->quality);
  if (!idx || !q->first || !q->occ || !q->words || !q->quality) {
    free(idx);
    query_free(q);
    return error_set(HS_ERR_NOMEM, "out of memory");
  }
  /* The sampling period: the smallest step between the given frames'
   * times (all of them: the gate does not change when frames were taken). */
  sort_frames = f;
  for (size_t i = 0; i < n; i++)
    idx[i] = i;
  sort(idx, n, sizeof *idx, cmp_time);
  for (size_t i = 1; i < n; i++) {
    double d = f[idx[i]].timestamp - f[idx[i - 1]].timestamp;
    if (d > 0 && (q->period == 0 || d < q->period))
      q->period = d;
  }
  /* The frames that pass the gate, grouped by hash. */
  for (size_t i = 0; i < n; i++)
    if (f[i].pdq.quality >= min_quality)
      idx[nk++] = i;
  sort(idx, nk, sizeof *idx, cmp_hash_time);
  for (size_t i = 0; i < nk; i++) {
    if (i == 0 || memcmp(f[idx[i]].pdq.hash[0].w, f[idx[i - 1]].pdq.hash[0].w, 32) != 0) {
      q->first[q->nu] = i;
      memcpy(q->words + q->nu * HS_DIH_COUNT * 4, f[idx[i]].pdq.hash, HS_DIH_COUNT * 32);
      q->quality[q->nu] = 0;
      q->nu++;
    }
    if (f[idx[i]].pdq.quality > q->quality[q->nu - 1])
      q->quality[q->nu - 1] = f[idx[i]].pdq.quality;
    q->occ[i] = idx[i];
  }
  q->first[q->nu] = nk;
  free(idx);
  return HS_OK;
}

/* One (scanned unique hash, listed frame) pair within the radius. */
typedef struct pair {
  uint32_t video;
  uint32_t u;
  uint32_t listed; /* frame index within the listed video */
  uint8_t distance, variant;
} pair;

static int cmp_pair(const void *a, const void *b) {
  const pair *x = a, *y = b;
  if (x->video != y->video)
    return x->video < y->video ? -1 : 1;
  if (x->distance != y->distance)
    return x->distance < y->distance ? -1 : 1;
  return (x->variant > y->variant) - (x->variant < y->variant);
}

/* Matched frame times merged into ranges. Two matched frames in time order
 * are one segment when at most 2 sampling periods apart (one sampled frame
 * between them may miss: a re-encode loses the odd frame); a video whose
 * frames all share one time has period 0 and one segment per time. The
 * 1e-6 relative slack absorbs the rounding of timestamps written with 3
 * decimals. */
static size_t segments_of(const double *t, size_t n, double period, hs_time_range *out) {
  size_t k = 0;
  double gap = 2 * period * (1 + 1e-6) + 1e-9;
  for (size_t i = 0; i < n; i++) {
    if (k && t[i] - out[k - 1].end <= gap)
      out[k - 1].end = t[i];
    else
      out[k++] = (hs_time_range){t[i], t[i]};
  }
  return k;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static hs_status report_videos(hs_video_matcher *m, const hs_query_frame *f, size_t n,
                               const query_set *q, const hs_match_list *res,
                               int (*fn)(void *, const hs_video_hit *), void *user, int *stop) {
  pair *p = malloc((res->count ? res->count : 1) * sizeof *p);
  uint8_t *qseen = calloc(q->nu ? q->nu : 1, 1);
  double *times = malloc((n ? n : 1) * sizeof *times);
  hs_time_range *seg = malloc((n ? n : 1) * sizeof *seg);
  uint8_t *lseen = NULL;
  size_t lcap = 0;
  hs_status st = HS_OK;
  if (!p || !qseen || !times || !seg) {
    st = error_set(HS_ERR_NOMEM, "out of memory");
    goto done;
  }
  size_t np = 0; /* the pairs within their list's radius */
  for (size_t i = 0; i < res->count; i++) {
    const hs_match *r = &res->items[i];
    uint32_t v = m->frame_video[r->target];
    if ((int)r->distance > radius_of(m, m->videos[v].list_id))
      continue;
    p[np++] = (pair){v, r->query / HS_DIH_COUNT, (uint32_t)(r->target - m->videos[v].first),
                     (uint8_t)r->distance, (uint8_t)(r->query % HS_DIH_COUNT)};
  }
  sort(p, np, sizeof *p, cmp_pair);
  for (size_t a = 0, b; a < np && !*stop; a = b) {
    const vm_video *v = &m->videos[p[a].video];
    for (b = a; b < np && p[b].video == p[a].video; b++)
      ;
    if (v->n > lcap) {
      free(lseen);
      lcap = v->n;
      if (!(lseen = malloc(lcap))) {
        st = error_set(HS_ERR_NOMEM, "out of memory");
        break;
      }
    }
    memset(lseen, 0, v->n);
    memset(qseen, 0, q->nu);
    /* The list's gate: the scanned video's unique hashes (and frames)
     * below it do not count, as if the gate had dropped them. */
    int gate = gate_of(m, v->list_id);
    size_t nu = 0;
    for (size_t u = 0; u < q->nu; u++)
      nu += q->quality[u] >= gate;
    size_t qn = 0, ln = 0, best = b;
    for (size_t i = a; i < b; i++) {
      if (q->quality[p[i].u] < gate)
        continue;
      if (best == b)
        best = i; /* the pairs are sorted by distance, variant */
      qn += !qseen[p[i].u];
      qseen[p[i].u] = 1;
      ln += !lseen[p[i].listed];
      lseen[p[i].listed] = 1;
    }
    if (nu == 0 || best == b)
      continue;
    /* As pytx: count * 100 / total in double precision, then >=. */
    double qp = (double)(qn * 100) / (double)nu;
    double cp = (double)(ln * 100) / (double)v->n;
    if (!(qp >= m->o.query_percent && cp >= m->o.compared_percent))
      continue;
    size_t nt = 0;
    for (size_t u = 0; u < q->nu; u++)
      if (qseen[u])
        for (size_t k = q->first[u]; k < q->first[u + 1]; k++)
          if (f[q->occ[k]].pdq.quality >= gate)
            times[nt++] = f[q->occ[k]].timestamp;
    sort(times, nt, sizeof *times, cmp_double);
    hs_video_hit hit = {
        .entry = v->entry,
        .list_id = v->list_id,
        .list = m->list_names[v->list_id],
        .distance = p[best].distance,
        .variant = hs_dihedral_name(p[best].variant),
        .query_percent = qp,
        .compared_percent = cp,
        .frames_hashed = n,
        .segments = seg,
        .nsegments = segments_of(times, nt, q->period, seg),
    };
    if (fn(user, &hit) != 0)
      *stop = 1;
  }
done:
  free(p);
  free(qseen);
  free(times);
  free(seg);
  free(lseen);
  return st;
}

/* A frame-to-image hit being gathered: per entry and second of video, the
 * closest frame. */
typedef struct fhit {
  uint64_t entry;
  int64_t second;
  size_t frame; /* index into the given frames */
  int distance, variant;
  uint16_t list;
} fhit;

static int cmp_fhit_key(const void *a, const void *b) {
  const fhit *x = a, *y = b;
  if (x->entry != y->entry)
    return x->entry < y->entry ? -1 : 1;
  if (x->second != y->second)
    return x->second < y->second ? -1 : 1;
  if (x->distance != y->distance)
    return x->distance < y->distance ? -1 : 1;
  if (x->variant != y->variant)
    return x->variant < y->variant ? -1 : 1;
  return (x->frame > y->frame) - (x->frame < y->frame);
}

static int cmp_fhit_time(const void *a, const void *b) {
  const fhit *x = a, *y = b;
  double tx = sort_frames[x->frame].timestamp, ty = sort_frames[y->frame].timestamp;
  if (tx != ty)
    return tx < ty ? -1 : 1;
  if (x->frame != y->frame)
    return x->frame < y->frame ? -1 : 1;
  return (x->entry > y->entry) - (x->entry < y->entry);
}

static hs_status report_frames(hs_video_matcher *m, const hs_query_frame *f, const query_set *q,
                               const hs_match_list *res, int (*fn)(void *, const hs_frame_hit *),
                               void *user, int *stop) {
  size_t nh = 0, cap = 0;
  fhit *h = NULL;
  for (size_t i = 0; i < res->count; i++) {
    const hs_match *r = &res->items[i];
    if ((int)r->distance > radius_of(m, m->image_lists[r->target]))
      continue;
    size_t u = r->query / HS_DIH_COUNT;
    int gate = gate_of(m, m->image_lists[r->target]);
    for (size_t k = q->first[u]; k < q->first[u + 1]; k++) {
      size_t fi = q->occ[k];
      if (f[fi].pdq.quality < gate)
        continue; /* below its list's gate: not a hit for that list */
      if (grow(&h, &cap, nh + 1, sizeof *h) != 0) {
        free(h);
        return error_set(HS_ERR_NOMEM, "out of memory");
      }
      h[nh++] = (fhit){m->image_ids[r->target], (int64_t)floor(f[fi].timestamp), fi,
                       (int)r->distance, (int)(r->query % HS_DIH_COUNT),
                       m->image_lists[r->target]};
    }
  }
  sort(h, nh, sizeof *h, cmp_fhit_key);
  size_t k = 0;
  for (size_t i = 0; i < nh; i++) /* the first of each (entry, second) is the closest */
    if (i == 0 || h[i].entry != h[i - 1].entry || h[i].second != h[i - 1].second)
      h[k++] = h[i];
  sort_frames = f;
  sort(h, k, sizeof *h, cmp_fhit_time);
  for (size_t i = 0; i < k && !*stop; i++) {
    hs_frame_hit hit = {
        .entry = h[i].entry,
        .list_id = h[i].list,
        .list = m->list_names[h[i].list],
        .distance = h[i].distance,
        .variant = hs_dihedral_name(h[i].variant),
        .frame = f[h[i].frame].frame,
        .timestamp = f[h[i].frame].timestamp,
    };
    if (fn(user, &hit) != 0)
      *stop = 1;
  }
  free(h);
  return HS_OK;
}

hs_status hs_video_match(hs_video_matcher *m, const hs_query_frame *frames, size_t n,
                         int (*video_fn)(void *user, const hs_video_hit *hit),
                         int (*frame_fn)(void *user, const hs_frame_hit *hit), void *user) {
  HS_CHECK(m && (frames || n == 0), HS_ERR_INVALID_ARG, "video match: NULL argument");
  HS_CHECK(n < UINT32_MAX / HS_DIH_COUNT, HS_ERR_LIMIT, "video match: %zu frames", n);
  query_set q;
  HS_TRY(query_build(frames, n, m->o.min_quality, &q));
  hs_status st = HS_OK;
  int stop = 0;
  size_t nq = q.nu * HS_DIH_COUNT;
  if (nq && video_fn && m->frames) {
    hs_match_list res = {0};
    st = hs_match_radius(m->engine, m->frames, q.words, nq, m->search_radius, &res);
    if (st == HS_OK)
      st = report_videos(m, frames, n, &q, &res, video_fn, user, &stop);
    hs_match_list_free(&res);
  }
  if (st == HS_OK && !stop && nq && frame_fn && m->images) {
    hs_match_list res = {0};
    st = hs_match_radius(m->engine, m->images, q.words, nq, m->search_radius, &res);
    if (st == HS_OK)
      st = report_frames(m, frames, &q, &res, frame_fn, user, &stop);
    hs_match_list_free(&res);
  }
  query_free(&q);
  return st;
}
