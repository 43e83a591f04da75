/* review/report.c - hs_review_report: gathers the matches awaiting a
 * decision and hands them to the page writer (report_html.c).
 *
 * The matches come from a rescan of the archive store (hs_rescan_run with a
 * record callback), not from scan output files: a rescan needs no decoding,
 * is current with the index as it is now (a withdrawn entry no longer asks
 * for review, a newly imported one does), and cannot be fed a stale or
 * edited file. Each (entry, file) pair is one item, whatever number of
 * variants matched it. Decisions are looked up per pair, by the path the
 * scan reported or by the SHA-256 of the file's content. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "image/thumbnail.h"
#include "review/report.h"

void hs_review_options_init(hs_review_options *o, size_t struct_size) {
  if (!o)
    return;
  size_t n = struct_size < sizeof *o ? struct_size : sizeof *o;
  memset(o, 0, n);
  hs_review_options d = {.struct_size = n, .radius = 31, .min_quality = 50, .thumb_size = 240};
  memcpy(o, &d, n);
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* Frees an item's strings and zeroes it, so that a slot freed or moved
 * away from is safe to free again (report_free after an error). */
static void item_free(rv_item *it) {
  free(it->path);
  free(it->list);
  free(it->label);
  free(it->variants);
  free(it->kind);
  free(it->segments);
  free(it->frames);
  free(it->shares);
  free(it->reviewer);
  free(it->note);
  free(it->thumb_uri);
  free(it->thumb_error);
  memset(it, 0, sizeof *it);
}

/* Moves item `from` down to slot `to` (<= from), leaving `from` empty. */
static void move_item(rv_report *r, size_t to, size_t from) {
  if (to != from) {
    r->items[to] = r->items[from];
    memset(&r->items[from], 0, sizeof r->items[from]);
  }
}

static void entry_free(rv_entry *e) {
  free(e->list);
  free(e->label);
  free(e->source);
  free(e->external_id);
  free(e->type);
  free(e->hash_kind);
}

static void report_free(rv_report *r) {
  for (size_t i = 0; i < r->nitems; i++)
    item_free(&r->items[i]);
  for (size_t i = 0; i < r->nentries; i++)
    entry_free(&r->entries[i]);
  free(r->items);
  free(r->entries);
}

/* ---- matches ------------------------------------------------------------------ */

rv_item *report_new_item(rv_report *r) {
  if (r->nitems == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 64;
    rv_item *n = realloc(r->items, cap * sizeof *n);
    if (!n) {
      error_set(HS_ERR_NOMEM, "out of memory");
      return NULL;
    }
    r->items = n;
    r->cap = cap;
  }
  rv_item *it = &r->items[r->nitems++];
  memset(it, 0, sizeof *it);
  return it;
}

hs_status report_video_text(const double *segs, size_t n, double query_percent,
                            double compared_percent, uint64_t frames_hashed, char **segments,
                            char **shares) {
  *segments = *shares = NULL;
  if (asprintf(shares, "query %.2f%%, compared %.2f%%, %llu frames hashed", query_percent,
               compared_percent, (unsigned long long)frames_hashed) < 0) {
    *shares = NULL;
    return error_set(HS_ERR_NOMEM, "out of memory");
  }
  if (!segs)
    return HS_OK;
  size_t len = 0;
  FILE *f = open_memstream(segments, &len);
  if (!f)
    return error_set(HS_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    fprintf(f, "%s%.1f-%.1f s", i ? ", " : "", segs[2 * i], segs[2 * i + 1]);
  if (fclose(f) != 0) {
    free(*segments);
    *segments = NULL;
    return error_set(HS_ERR_NOMEM, "out of memory");
  }
  return HS_OK;
}

hs_status report_frame_text(double timestamp, char **frames) {
  if (asprintf(frames, "%.1f s", timestamp) < 0) {
    *frames = NULL;
    return error_set(HS_ERR_NOMEM, "out of memory");
  }
  return HS_OK;
}

/* A rescan's record keeps what the page shows of a video match: the same
 * as a scan's JSON Lines give (matches_file.c). */
static hs_status item_video_keys(rv_item *it, const hs_record *rec) {
  if (!rec->match_kind)
    return HS_OK;
  if (!(it->kind = strdup(rec->match_kind)))
    return error_set(HS_ERR_NOMEM, "out of memory");
  if (strcmp(rec->match_kind, "frame") == 0)
    return report_frame_text(rec->timestamp, &it->frames);
  static const double none[1] = {0};
  return report_video_text(rec->segments ? rec->segments : none, rec->nsegments,
                           rec->query_percent, rec->compared_percent, rec->frames_hashed,
                           &it->segments, &it->shares);
}

static hs_status on_record(void *user, const hs_record *rec) {
  rv_report *r = user;
  if (rec->kind != HS_RECORD_MATCH)
    return HS_OK;
  r->sum.matches++;
  rv_item *it = report_new_item(r);
  if (!it)
    return HS_ERR_NOMEM;
  it->entry = rec->entry;
  it->distance = rec->distance;
  it->path = dup_or_null(rec->path ? rec->path : "");
  it->list = dup_or_null(rec->list);
  it->label = dup_or_null(rec->label);
  it->variants = dup_or_null(rec->variant ? rec->variant : "?");
  if (!it->path || !it->variants || (rec->list && !it->list) || (rec->label && !it->label))
    return error_set(HS_ERR_NOMEM, "out of memory");
  return item_video_keys(it, rec);
}

static int by_entry_path(const void *a, const void *b) {
  const rv_item *x = a, *y = b;
  if (x->entry != y->entry)
    return x->entry < y->entry ? -1 : 1;
  int c = strcmp(x->path, y->path);
  return c ? c : x->distance - y->distance;
}

/* Appends ", add" to *into (or sets it); with `unique`, not when already
 * there. */
static hs_status join_into(char **into, const char *add, int unique) {
  if (!add || (unique && *into && strstr(*into, add)))
    return HS_OK;
  char *joined = NULL;
  if (asprintf(&joined, "%s%s%s", *into ? *into : "", *into ? ", " : "", add) < 0)
    return error_set(HS_ERR_NOMEM, "out of memory");
  free(*into);
  *into = joined;
  return HS_OK;
}

/* Sorts by entry then path and folds the variants of one pair into one
 * item (the smallest distance first). */
static hs_status fold_pairs(rv_report *r) {
  if (r->nitems)
    qsort(r->items, r->nitems, sizeof *r->items, by_entry_path);
  size_t out = 0;
  for (size_t i = 0; i < r->nitems; i++) {
    rv_item *it = &r->items[i];
    rv_item *prev = out ? &r->items[out - 1] : NULL;
    if (prev && prev->entry == it->entry && strcmp(prev->path, it->path) == 0) {
      hs_status s = join_into(&prev->variants, it->variants, 1);
      if (s == HS_OK)
        s = join_into(&prev->segments, it->segments, 0);
      if (s == HS_OK)
        s = join_into(&prev->frames, it->frames, 0);
      if (s == HS_OK)
        s = join_into(&prev->shares, it->shares, 0);
      if (s == HS_OK && !prev->kind && it->kind) {
        prev->kind = it->kind;
        it->kind = NULL;
      }
      item_free(it);
      if (s != HS_OK)
        return s;
      continue;
    }
    move_item(r, out++, i);
  }
  r->nitems = out;
  return HS_OK;
}

static hs_status gather_matches(rv_report *r) {
  const hs_review_options *o = r->opts;
  if (o->matches) {
    HS_TRY(report_read_matches(r));
    return fold_pairs(r);
  }
  hs_rescan_options ro;
  hs_rescan_options_default(&ro);
  ro.index = o->index;
  ro.store = o->store;
  ro.list = o->list;
  ro.radius = o->radius;
  ro.min_quality = o->min_quality;
  ro.engine = o->engine;
  ro.record = on_record;
  ro.record_user = r;
  hs_scan_summary sum;
  HS_TRY(hs_rescan_run(&ro, &sum));
  r->index_version = sum.index_version;
  return fold_pairs(r);
}

/* ---- decisions ---------------------------------------------------------------- */

typedef struct latest {
  hs_decision *d; /* strings owned */
  size_t n, cap;
} latest;

static int keep_decision(void *user, const hs_decision *d) {
  latest *l = user;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 64;
    hs_decision *n = realloc(l->d, cap * sizeof *n);
    if (!n)
      return 1;
    l->d = n;
    l->cap = cap;
  }
  hs_decision c = *d;
  c.file = strdup(d->file);
  c.reviewer = strdup(d->reviewer);
  c.note = strdup(d->note ? d->note : "");
  l->d[l->n++] = c;
  return !c.file || !c.reviewer || !c.note;
}

static void latest_free(latest *l) {
  for (size_t i = 0; i < l->n; i++) {
    free((char *)l->d[i].file);
    free((char *)l->d[i].reviewer);
    free((char *)l->d[i].note);
  }
  free(l->d);
}

/* The latest decision on (entry, path) or (entry, "sha256:<hex>"). */
static const hs_decision *find_decision(const latest *l, uint64_t entry, const char *path,
                                        const char *sha_key) {
  const hs_decision *best = NULL;
  for (size_t i = 0; i < l->n; i++) {
    const hs_decision *d = &l->d[i];
    if (d->entry != entry)
      continue;
    if ((strcmp(d->file, path) == 0 || (sha_key && strcmp(d->file, sha_key) == 0)) &&
        (!best || d->seq > best->seq))
      best = d;
  }
  return best;
}

static int entry_has_sha_decision(const latest *l, uint64_t entry) {
  for (size_t i = 0; i < l->n; i++)
    if (l->d[i].entry == entry && strncmp(l->d[i].file, "sha256:", 7) == 0)
      return 1;
  return 0;
}

static hs_status apply_decision(rv_item *it, const hs_decision *d) {
  it->decision = d->decision;
  it->decided_at = d->time;
  it->reviewer = strdup(d->reviewer);
  it->note = strdup(d->note);
  return it->reviewer && it->note ? HS_OK : error_set(HS_ERR_NOMEM, "out of memory");
}

/* ---- thumbnails ----------------------------------------------------------------- */

static char *data_uri(const void *jpeg, size_t len) {
  static const char prefix[] = "data:image/jpeg;base64,";
  size_t b64 = 4 * ((len + 2) / 3);
  char *s = malloc(sizeof prefix + b64 + 1);
  if (!s)
    return NULL;
  memcpy(s, prefix, sizeof prefix - 1);
  EVP_EncodeBlock((unsigned char *)s + sizeof prefix - 1, jpeg, (int)len);
  return s;
}

/* Makes the item's thumbnail; a file that cannot be made into one keeps
 * the cause (shown on the page instead). sha_key receives
 * "sha256:<hex>" of the content when it was read. */
static hs_status make_thumb(const hs_review_options *o, rv_item *it, char sha_key[72]) {
  hs_decode_options dopt;
  hs_decode_options_default(&dopt);
  void *jpeg = NULL;
  size_t len = 0;
  uint8_t sha[32];
  int read = 0;
  hs_status s = thumb_jpeg(it->path, o->thumb_size, dopt.max_file_bytes, dopt.max_pixels, &jpeg,
                           &len, sha, &read);
  if (read) {
    memcpy(sha_key, "sha256:", 7);
    hs_bytes_to_hex(sha, 32, sha_key + 7);
  } else {
    sha_key[0] = '\0';
  }
  if (s == HS_OK) {
    it->thumb_uri = data_uri(jpeg, len);
    thumb_free(jpeg);
    return it->thumb_uri ? HS_OK : error_set(HS_ERR_NOMEM, "out of memory");
  }
  if (s == HS_ERR_NOMEM)
    return s;
  /* Per-file causes name the path first; the page shows the path beside. */
  const char *why = hs_last_error();
  size_t n = strlen(it->path);
  if (strncmp(why, it->path, n) == 0 && strncmp(why + n, ": ", 2) == 0)
    why += n + 2;
  it->thumb_error = strdup(why);
  return it->thumb_error ? HS_OK : error_set(HS_ERR_NOMEM, "out of memory");
}

/* Decides which items are shown, making their thumbnails. */
static hs_status settle_items(rv_report *r, const latest *l) {
  const hs_review_options *o = r->opts;
  size_t out = 0;
  for (size_t i = 0; i < r->nitems; i++) {
    rv_item *it = &r->items[i];
    char sha_key[72] = "";
    const hs_decision *d = find_decision(l, it->entry, it->path, NULL);
    int need_content = !d && entry_has_sha_decision(l, it->entry);
    if (need_content || !d || o->include_decided) {
      HS_TRY(make_thumb(o, it, sha_key));
      if (need_content)
        d = find_decision(l, it->entry, it->path, sha_key[0] ? sha_key : NULL);
    }
    if (d) {
      r->sum.decided++;
      HS_TRY(apply_decision(it, d));
    }
    if (d && !o->include_decided) {
      item_free(it);
      continue;
    }
    if (it->thumb_uri)
      r->sum.thumbs++;
    else
      r->sum.thumb_failed++;
    move_item(r, out++, i);
  }
  r->nitems = out;
  r->sum.shown = out;
  return HS_OK;
}

/* ---- entries -------------------------------------------------------------------- */

static hs_status describe_entry(hs_index *idx, const char *path, hs_index_snapshot *snap,
                                rv_entry *e) {
  hs_index_entry ie;
  hs_status s = hs_index_entry_get(snap, e->id, &ie);
  if (s == HS_ERR_NOT_FOUND)
    return error_set(HS_ERR_NOT_FOUND, "%s: entry %llu of the matches does not exist",
                     path, (unsigned long long)e->id);
  HS_TRY(s);
  e->list = dup_or_null(ie.list);
  e->label = dup_or_null(ie.label);
  e->source = dup_or_null(ie.source);
  e->external_id = dup_or_null(ie.external_id);
  e->type = dup_or_null(hs_hash_type_name(ie.type));
  e->added = ie.added_time;
  e->withdrawn = ie.withdrawn;
  if ((ie.list && !e->list) || (ie.label && !e->label) || (ie.source && !e->source) ||
      (ie.external_id && !e->external_id) || !e->type)
    return error_set(HS_ERR_NOMEM, "out of memory");
  return hs_review_counts(idx, e->id, &e->counts);
}

static hs_status group_entries(rv_report *r) {
  size_t n = 0;
  for (size_t i = 0; i < r->nitems; i++)
    n += i == 0 || r->items[i].entry != r->items[i - 1].entry;
  r->entries = calloc(n ? n : 1, sizeof *r->entries);
  if (!r->entries)
    return error_set(HS_ERR_NOMEM, "out of memory");
  hs_index *idx;
  HS_TRY(hs_index_open(r->opts->index, HS_INDEX_READONLY, &idx));
  hs_index_snapshot *snap = NULL;
  hs_status s = hs_index_snapshot_open(idx, &snap);
  for (size_t i = 0; i < r->nitems && s == HS_OK; i++) {
    if (i == 0 || r->items[i].entry != r->items[i - 1].entry) {
      rv_entry *e = &r->entries[r->nentries++];
      e->id = r->items[i].entry;
      e->first = i;
      s = describe_entry(idx, r->opts->index, snap, e);
    }
    r->entries[r->nentries - 1].count++;
  }
  hs_index_snapshot_close(snap);
  hs_index_close(idx);
  r->sum.entries = r->nentries;
  return s;
}

static hs_status load_decisions(const hs_review_options *o, latest *l) {
  hs_index *idx;
  HS_TRY(hs_index_open(o->index, HS_INDEX_READONLY, &idx));
  hs_status s = hs_review_decisions(idx, 0, 1, keep_decision, l);
  hs_index_close(idx);
  return s;
}

/* ---- the file ------------------------------------------------------------------- */

/* Writes DIR/index.html through a temporary file and a rename, so a
 * reviewer never opens half a page. */
static hs_status write_page(const rv_report *r) {
  const char *dir = r->opts->out_dir;
  if (mkdir(dir, 0700) != 0 && errno != EEXIST)
    return error_set(HS_ERR_IO, "%s: cannot create the report directory: %s", dir, strerror(errno));
  char *path = NULL, *tmp = NULL;
  if (asprintf(&path, "%s/index.html", dir) < 0)
    return error_set(HS_ERR_NOMEM, "out of memory");
  if (asprintf(&tmp, "%s/.index.html.%ld", dir, (long)getpid()) < 0) {
    free(path);
    return error_set(HS_ERR_NOMEM, "out of memory");
  }
  hs_status s = HS_OK;
  FILE *f = fopen(tmp, "w");
  if (!f)
    s = error_set(HS_ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
  if (s == HS_OK) {
    s = report_write_html(r, f);
    if (fclose(f) != 0 && s == HS_OK)
      s = error_set(HS_ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
  }
  if (s == HS_OK && rename(tmp, path) != 0)
    s = error_set(HS_ERR_IO, "%s: cannot rename into place: %s", path, strerror(errno));
  if (s != HS_OK)
    unlink(tmp);
  free(path);
  free(tmp);
  return s;
}

hs_status hs_review_report(const hs_review_options *opts, hs_review_summary *summary) {
  HS_CHECK(opts && opts->index && (opts->store || opts->matches) && opts->out_dir &&
               (opts->engine || opts->matches),
           HS_ERR_INVALID_ARG,
           "review report: index, store (or matches), output directory and engine are required");
  HS_CHECK(opts->thumb_size >= 16 && opts->thumb_size <= 2048, HS_ERR_INVALID_ARG,
           "review report: thumbnail size %d is outside 16..2048", opts->thumb_size);
  if (summary)
    memset(summary, 0, sizeof *summary);
  rv_report r = {.opts = opts, .made_at = (int64_t)time(NULL)};
  latest l = {0};
  hs_status s = load_decisions(opts, &l);
  if (s == HS_OK)
    s = gather_matches(&r);
  if (s == HS_OK)
    s = settle_items(&r, &l);
  if (s == HS_OK)
    s = group_entries(&r);
  if (s == HS_OK)
    s = write_page(&r);
  if (summary)
    *summary = r.sum;
  latest_free(&l);
  report_free(&r);
  return s;
}
