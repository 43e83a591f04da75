// labels: unit
// timeout: 300
/* tests/test_video_match.c - video entries in the index and vPDQ matching:
 * the percents on constructed frame sets against hand-computed values, the
 * thresholds at their boundary, deduplication and the quality gate on both
 * sides, a mirrored video's frames (through a dihedral hash: constructed,
 * and real PDQ of mirrored frames, which match as flipy), segments,
 * frame-to-image hits, per-list quality gates, withdrawal and the list
 * filter, and the import grammar (.vpdq lines, pytx's JSON array, malformed
 * lines by FILE:LINE). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "test_util.h"
#include "tu_lmdb.h"
#include "index/index_internal.h"

static char *dir, *ipath;
static uint64_t seed;

static void setup(void) {
  dir = tu_mkdtemp();
  ck_assert_ptr_nonnull(dir);
  ipath = tu_path(dir, "idx");
  ck_assert_int_eq(hs_index_create(ipath), HS_OK);
  seed = 12345;
}

static void teardown(void) {
  tu_rmtree(dir);
  free(dir);
  free(ipath);
}

static hs_hash256 rnd(void) {
  hs_hash256 h;
  for (int i = 0; i < 4; i++)
    h.w[i] = tu_rand(&seed);
  return h;
}

/* h with its first `bits` bits flipped. */
static hs_hash256 near(hs_hash256 h, int bits) {
  for (int b = 0; b < bits; b++)
    h.w[b / 64] ^= 1ULL << (b % 64);
  return h;
}

typedef struct lframe {
  hs_hash256 h;
  int quality;
} lframe;

/* Writes a .vpdq file (frame i at i seconds, frame number 30 i). */
static char *write_vpdq(const char *name, const lframe *f, size_t n) {
  char *p = tu_path(dir, name);
  FILE *out = fopen(p, "w");
  ck_assert_ptr_nonnull(out);
  for (size_t i = 0; i < n; i++) {
    char hex[65];
    hs_hash256_to_hex(&f[i].h, hex);
    fprintf(out, "%zu,%d,%s,%.3f\n", 30 * i, f[i].quality, hex, (double)i);
  }
  fclose(out);
  return p;
}

static int problems_count;

static void count_problem(void *user, const char *where, const char *cause) {
  (void)where;
  (void)cause;
  (*(int *)user)++;
}

static hs_status import(const char *list, const char *path, hs_import_result *r) {
  hs_index *idx;
  ck_assert_int_eq(hs_index_open(ipath, 0, &idx), HS_OK);
  hs_import_options o;
  hs_import_options_default(&o);
  o.list = list;
  o.problem = count_problem;
  o.user = &problems_count;
  const char *files[] = {path};
  hs_status st = hs_index_import(idx, files, 1, &o, r);
  hs_index_close(idx);
  return st;
}

/* A random image entry (PDQ) in `list`. */
static hs_hash256 import_image(const char *list) {
  hs_hash256 img = rnd();
  char hex[65], text[100];
  hs_hash256_to_hex(&img, hex);
  snprintf(text, sizeof text, "%s\n", hex);
  char *p = tu_path(dir, "images.txt");
  ck_assert_int_eq(tu_write_file(p, text, strlen(text)), 0);
  hs_import_result r;
  ck_assert_int_eq(import(list, p, &r), HS_OK);
  free(p);
  return img;
}

/* A query frame: hash[0] = h, the other dihedrals random (far). */
static hs_query_frame qframe(hs_hash256 h, int quality, double t) {
  hs_query_frame f;
  memset(&f, 0, sizeof f);
  f.frame = (int64_t)(t * 30);
  f.timestamp = t;
  f.pdq.hash[0] = h;
  for (int v = 1; v < HS_DIH_COUNT; v++)
    f.pdq.hash[v] = rnd();
  f.pdq.quality = quality;
  return f;
}

typedef struct seen {
  int nv, nf;
  hs_video_hit v[8];
  hs_time_range seg[8][8];
  char vvariant[8][16], vlist[8][32]; /* copies: borrowed during the call */
  hs_frame_hit f[16];
  char fvariant[16][16], flist[16][32];
} seen;

static int on_video(void *user, const hs_video_hit *h) {
  seen *s = user;
  ck_assert_int_lt(s->nv, 8);
  s->v[s->nv] = *h;
  snprintf(s->vvariant[s->nv], 16, "%s", h->variant);
  snprintf(s->vlist[s->nv], 32, "%s", h->list);
  for (size_t i = 0; i < h->nsegments && i < 8; i++)
    s->seg[s->nv][i] = h->segments[i];
  s->nv++;
  return 0;
}

static int on_frame(void *user, const hs_frame_hit *h) {
  seen *s = user;
  ck_assert_int_lt(s->nf, 16);
  snprintf(s->fvariant[s->nf], 16, "%s", h->variant);
  snprintf(s->flist[s->nf], 32, "%s", h->list);
  s->f[s->nf++] = *h;
  return 0;
}

static seen run(const hs_video_match_options *o, const hs_query_frame *q, size_t n) {
  hs_index *idx;
  ck_assert_int_eq(hs_index_open(ipath, HS_INDEX_READONLY, &idx), HS_OK);
  hs_index_snapshot *snap;
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  hs_video_matcher *m;
  ck_assert_msg(hs_video_matcher_open(snap, NULL, o, &m) == HS_OK, "%s", hs_last_error());
  seen s;
  memset(&s, 0, sizeof s);
  ck_assert_int_eq(hs_video_match(m, q, n, on_video, on_frame, &s), HS_OK);
  hs_video_matcher_close(m);
  hs_index_snapshot_close(snap);
  hs_index_close(idx);
  return s;
}

/* Listed: 6 unique good frames L0..L5, L2 twice more, one low-quality
 * frame. Query: 7 frames above the gate with 5 unique hashes (near L0, L1,
 * L2 twice, L3, and one unrelated), plus a low-quality frame near L4.
 * Query percent = 4 matched of 5 unique = 80; compared = 4 of 6 = 66.67. */
static hs_hash256 L[6];
static hs_query_frame Q[8];

static void build_case(void) {
  lframe lf[9];
  for (int i = 0; i < 6; i++) {
    L[i] = rnd();
    lf[i] = (lframe){L[i], 90};
  }
  lf[6] = (lframe){L[2], 90};
  lf[7] = (lframe){L[2], 80};
  lf[8] = (lframe){rnd(), 10}; /* under the gate: not in the denominator */
  char *p = write_vpdq("listed.vpdq", lf, 9);
  hs_import_result r;
  ck_assert_msg(import("videos", p, &r) == HS_OK, "%s", hs_last_error());
  ck_assert_int_eq(r.added, 1);
  free(p);
  hs_hash256 other = rnd();
  Q[0] = qframe(near(L[0], 10), 100, 0);
  Q[1] = qframe(near(L[1], 31), 100, 1); /* at the radius: matched */
  Q[2] = qframe(near(L[2], 3), 100, 2);
  Q[3] = qframe(near(L[2], 3), 100, 3); /* the same hash again: one unique */
  Q[4] = qframe(other, 100, 4);
  Q[5] = qframe(near(L[3], 0), 100, 5);
  Q[6] = qframe(other, 70, 6);
  Q[7] = qframe(near(L[4], 0), 49, 7); /* under the gate: ignored */
}

START_TEST(percents_by_hand) {
  build_case();
  hs_video_match_options o;
  hs_video_match_options_default(&o);
  seen s = run(&o, Q, 8);
  ck_assert_int_eq(s.nv, 1);
  ck_assert_double_eq(s.v[0].query_percent, 80.0);
  ck_assert_double_eq(s.v[0].compared_percent, 4 * 100.0 / 6);
  ck_assert_int_eq(s.v[0].distance, 0);
  ck_assert_str_eq(s.vvariant[0], "orig");
  ck_assert_uint_eq(s.v[0].frames_hashed, 8);
  ck_assert_str_eq(s.vlist[0], "videos");
  /* Matched frames at 0, 1, 2, 3, 5 s (period 1 s): 5 - 3 = 2 periods
   * apart, one segment. */
  ck_assert_uint_eq(s.v[0].nsegments, 1);
  ck_assert_double_eq(s.seg[0][0].start, 0);
  ck_assert_double_eq(s.seg[0][0].end, 5);
}
END_TEST

START_TEST(thresholds_at_the_boundary) {
  build_case();
  hs_video_match_options o;
  hs_video_match_options_default(&o);
  o.query_percent = 80.0;
  ck_assert_int_eq(run(&o, Q, 8).nv, 1);
  o.query_percent = 80.0000001;
  ck_assert_int_eq(run(&o, Q, 8).nv, 0);
  o.query_percent = 79.9;
  o.compared_percent = 66.66;
  ck_assert_int_eq(run(&o, Q, 8).nv, 1);
  o.compared_percent = 66.67;
  ck_assert_int_eq(run(&o, Q, 8).nv, 0);
  /* radius 30: the frame at distance 31 no longer counts: 3 of 5. */
  hs_video_match_options_default(&o);
  o.radius = 30;
  ck_assert_int_eq(run(&o, Q, 8).nv, 0);
  o.query_percent = 60;
  seen s = run(&o, Q, 8);
  ck_assert_int_eq(s.nv, 1);
  ck_assert_double_eq(s.v[0].query_percent, 60.0);
  ck_assert_double_eq(s.v[0].compared_percent, 50.0);
}
END_TEST

START_TEST(quality_gate_moves_the_denominators) {
  build_case();
  hs_video_match_options o;
  hs_video_match_options_default(&o);
  o.min_quality = 75; /* drops Q[6] (70; its hash is Q[4]'s, still counted) and
                         nothing listed but the quality-10 frame */
  seen s = run(&o, Q, 8);
  ck_assert_int_eq(s.nv, 1);
  ck_assert_double_eq(s.v[0].query_percent, 80.0);
  o.min_quality = 95; /* the listed frames (90, 80) are all under it */
  ck_assert_int_eq(run(&o, Q, 8).nv, 0);
  o.min_quality = 0; /* Q[7] (quality 49) now matches L4: 5 of 6 unique */
  o.query_percent = 0;
  s = run(&o, Q, 8);
  ck_assert_int_eq(s.nv, 1);
  ck_assert_double_eq(s.v[0].query_percent, 5 * 100.0 / 6);
  /* listed now has 7 unique (the quality-10 frame counts) */
  ck_assert_double_eq(s.v[0].compared_percent, 5 * 100.0 / 7);
}
END_TEST

START_TEST(mirrored_video_matches_through_flipx) {
  build_case();
  hs_query_frame q[4];
  for (int i = 0; i < 4; i++) {
    q[i] = qframe(rnd(), 100, i); /* the mirrored frame's own hash: unrelated */
    q[i].pdq.hash[HS_DIH_FLIPX] = near(L[i], 5);
  }
  hs_video_match_options o;
  hs_video_match_options_default(&o);
  seen s = run(&o, q, 4);
  ck_assert_int_eq(s.nv, 1);
  ck_assert_double_eq(s.v[0].query_percent, 100.0);
  ck_assert_double_eq(s.v[0].compared_percent, 4 * 100.0 / 6);
  ck_assert_int_eq(s.v[0].distance, 5);
  ck_assert_str_eq(s.vvariant[0], "flipx");
}
END_TEST

/* A frame of a made-up video: smooth random blobs (PDQ needs structure). */
static void paint(hs_luma *l, uint64_t *st) {
  double cx[4], cy[4], a[4];
  for (int k = 0; k < 4; k++) {
    cx[k] = tu_randf(st) * l->width;
    cy[k] = tu_randf(st) * l->height;
    a[k] = tu_randf(st) * 255;
  }
  for (int y = 0; y < l->height; y++)
    for (int x = 0; x < l->width; x++) {
      double v = 0;
      for (int k = 0; k < 4; k++)
        v += a[k] / (1 + ((x - cx[k]) * (x - cx[k]) + (y - cy[k]) * (y - cy[k])) / 400.0);
      l->data[(size_t)y * l->stride + (size_t)x] = (float)(v > 255 ? 255 : v);
    }
}

/* Real PDQ: the listed video's frames, and a mirrored copy's frames with
 * their dihedral hashes, as a scan computes them. The copy matches only
 * through a dihedral hash; with its own hashes alone it does not. */
START_TEST(mirrored_frames_with_real_pdq) {
  enum { N = 6, W = 96, H = 64 };
  hs_workspace *ws = hs_workspace_create();
  float *px = malloc(sizeof(float) * W * H), *mx = malloc(sizeof(float) * W * H);
  hs_luma l = {W, H, W, px}, m = {W, H, W, mx};
  lframe lf[N];
  hs_query_frame q[N], own[N];
  uint64_t st = 99;
  for (int i = 0; i < N; i++) {
    paint(&l, &st);
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++)
        mx[y * W + x] = px[y * W + (W - 1 - x)];
    hs_pdq a, b;
    ck_assert_int_eq(hs_pdq_from_luma(&l, ws, &a), HS_OK);
    ck_assert_int_eq(hs_pdq_from_luma(&m, ws, &b), HS_OK);
    lf[i] = (lframe){a.hash[HS_DIH_ORIG], a.quality};
    ck_assert_int_ge(a.quality, 50);
    memset(&q[i], 0, sizeof q[i]);
    q[i].frame = i;
    q[i].timestamp = i;
    q[i].pdq = b;
    own[i] = q[i];
    for (int v = 1; v < HS_DIH_COUNT; v++)
      own[i].pdq.hash[v] = b.hash[HS_DIH_ORIG];
  }
  free(px);
  free(mx);
  hs_workspace_destroy(ws);
  char *p = write_vpdq("real.vpdq", lf, N);
  hs_import_result r;
  ck_assert_int_eq(import("videos", p, &r), HS_OK);
  free(p);
  hs_video_match_options o;
  hs_video_match_options_default(&o);
  seen s = run(&o, q, N);
  ck_assert_int_eq(s.nv, 1);
  ck_assert_double_eq(s.v[0].query_percent, 100.0);
  ck_assert_double_eq(s.v[0].compared_percent, 100.0);
  ck_assert_int_le(s.v[0].distance, 8);
  /* Left-right mirroring is PDQ's flipy (a flip about the vertical axis). */
  ck_assert_str_eq(s.vvariant[0], "flipy");
  ck_assert_int_eq(run(&o, own, N).nv, 0);
}
END_TEST

START_TEST(segments_split_on_two_missing_samples) {
  build_case();
  hs_query_frame q[10];
  int match[10] = {1, 1, 1, 0, 1, 1, 0, 0, 1, 1};
  for (int i = 0; i < 10; i++)
    q[i] = qframe(match[i] ? near(L[i % 6], 1 + i) : rnd(), 100, 0.5 * i);
  hs_video_match_options o;
  hs_video_match_options_default(&o);
  o.query_percent = 0;
  seen s = run(&o, q, 10);
  ck_assert_int_eq(s.nv, 1);
  ck_assert_double_eq(s.v[0].query_percent, 70.0);
  ck_assert_uint_eq(s.v[0].nsegments, 2);
  ck_assert_double_eq(s.seg[0][0].start, 0);
  ck_assert_double_eq(s.seg[0][0].end, 2.5);
  ck_assert_double_eq(s.seg[0][1].start, 4.0);
  ck_assert_double_eq(s.seg[0][1].end, 4.5);
}
END_TEST

START_TEST(frames_match_image_entries) {
  build_case();
  hs_hash256 img = import_image("photos");
  hs_query_frame q[5];
  for (int i = 0; i < 5; i++)
    q[i] = qframe(rnd(), 100, 0.25 * i);
  q[1].pdq.hash[0] = near(img, 9);
  q[2].pdq.hash[0] = near(img, 4); /* same second: the closer one only */
  q[4].pdq.hash[HS_DIH_ROT90] = near(img, 2);
  q[4].timestamp = 3.5;
  hs_video_match_options o;
  hs_video_match_options_default(&o);
  seen s = run(&o, q, 5);
  ck_assert_int_eq(s.nv, 0);
  ck_assert_int_eq(s.nf, 2);
  ck_assert_double_eq(s.f[0].timestamp, 0.5);
  ck_assert_int_eq(s.f[0].distance, 4);
  ck_assert_str_eq(s.fvariant[0], "orig");
  ck_assert_str_eq(s.flist[0], "photos");
  ck_assert_double_eq(s.f[1].timestamp, 3.5);
  ck_assert_int_eq(s.f[1].distance, 2);
  ck_assert_str_eq(s.fvariant[1], "rot90");
  o.frame_image_matches = 0;
  ck_assert_int_eq(run(&o, q, 5).nf, 0);
  o.frame_image_matches = 1;
  o.list = "videos";
  ck_assert_int_eq(run(&o, q, 5).nf, 0);
  /* Entries added after version 1 (the video) only: the image (version 2). */
  o.list = NULL;
  o.since_version = 1;
  ck_assert_int_eq(run(&o, q, 5).nf, 2);
  ck_assert_int_eq(run(&o, Q, 8).nv, 0);
  o.since_version = 0;
  ck_assert_int_eq(run(&o, Q, 8).nv, 1);
  o.since_version = 2;
  ck_assert_int_eq(run(&o, q, 5).nf, 0);
}
END_TEST

/* The id of a list of the index. */
static unsigned list_id(const char *name) {
  hs_index *idx;
  ck_assert_int_eq(hs_index_open(ipath, HS_INDEX_READONLY, &idx), HS_OK);
  hs_index_snapshot *snap;
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  unsigned id = 0;
  ck_assert_int_eq(hs_index_snapshot_list_id(snap, name, &id), HS_OK);
  hs_index_snapshot_close(snap);
  hs_index_close(idx);
  return id;
}

START_TEST(per_list_quality_gate) {
  build_case();
  hs_hash256 img = import_image("photos");
  unsigned vid = list_id("videos"), pid = list_id("photos");
  ck_assert_uint_lt(vid, 4);
  ck_assert_uint_lt(pid, 4);
  int16_t gate[4] = {50, 50, 50, 50};
  hs_video_match_options o;
  hs_video_match_options_default(&o);
  o.list_min_quality = gate;
  o.nlists = 4;
  /* The unrelated hash (Q[4], Q[6]) shows the photo, only at quality 70:
   * under a gate of 75 it leaves the query's denominator and 4 of 4
   * unique hashes match; its two frames are the photo's frame hits. */
  hs_query_frame q[8];
  memcpy(q, Q, sizeof Q);
  q[4].pdq.hash[0] = q[6].pdq.hash[0] = near(img, 5);
  q[4].pdq.quality = 70;
  seen s = run(&o, q, 8);
  ck_assert_int_eq(s.nv, 1);
  ck_assert_double_eq(s.v[0].query_percent, 80.0); /* 4 of 5: all lists at 50 */
  ck_assert_int_eq(s.nf, 2);
  gate[vid] = 75;
  s = run(&o, q, 8);
  ck_assert_int_eq(s.nv, 1);
  ck_assert_double_eq(s.v[0].query_percent, 100.0);
  ck_assert_double_eq(s.v[0].compared_percent, 4 * 100.0 / 6);
  ck_assert_int_eq(s.nf, 2); /* the photos list still at 50 */
  /* Matched frames at 0, 1, 2, 3, 5 s: the gate keeps their times. */
  ck_assert_uint_eq(s.v[0].nsegments, 1);
  ck_assert_double_eq(s.seg[0][0].start, 0);
  ck_assert_double_eq(s.seg[0][0].end, 5);
  gate[vid] = 95; /* every listed frame (90, 80) under it: never matches */
  s = run(&o, q, 8);
  ck_assert_int_eq(s.nv, 0);
  ck_assert_int_eq(s.nf, 2);
  gate[vid] = 50;
  gate[pid] = 71; /* the frames showing the photo are 70: no hit */
  s = run(&o, q, 8);
  ck_assert_int_eq(s.nv, 1);
  ck_assert_double_eq(s.v[0].query_percent, 80.0);
  ck_assert_int_eq(s.nf, 0);
  /* min_quality stays the floor: a list gate of 0 does not let the
   * quality-49 frame near L4 in (still 4 of 5, not 5 of 6). */
  gate[vid] = 0;
  gate[pid] = 0;
  s = run(&o, q, 8);
  ck_assert_int_eq(s.nv, 1);
  ck_assert_double_eq(s.v[0].query_percent, 80.0);
  ck_assert_int_eq(s.nf, 2);
  /* A gate outside 0..100 is refused. */
  gate[vid] = 101;
  hs_index *idx;
  ck_assert_int_eq(hs_index_open(ipath, HS_INDEX_READONLY, &idx), HS_OK);
  hs_index_snapshot *snap;
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  hs_video_matcher *m = NULL;
  ck_assert_int_eq(hs_video_matcher_open(snap, NULL, &o, &m), HS_ERR_INVALID_ARG);
  ck_assert_ptr_null(m);
  hs_index_snapshot_close(snap);
  hs_index_close(idx);
}
END_TEST

START_TEST(withdrawn_and_other_lists_do_not_match) {
  build_case();
  hs_video_match_options o;
  hs_video_match_options_default(&o);
  o.list = "photos-only";
  hs_index *idx;
  ck_assert_int_eq(hs_index_open(ipath, HS_INDEX_READONLY, &idx), HS_OK);
  hs_index_snapshot *snap;
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  hs_video_matcher *m;
  ck_assert_int_eq(hs_video_matcher_open(snap, NULL, &o, &m), HS_ERR_NOT_FOUND);
  hs_index_snapshot_close(snap);
  hs_index_close(idx);
  o.list = "videos";
  ck_assert_int_eq(run(&o, Q, 8).nv, 1);
  /* Withdraw the entry by id. */
  ck_assert_int_eq(hs_index_open(ipath, 0, &idx), HS_OK);
  hs_withdraw_options w;
  hs_withdraw_options_default(&w);
  uint64_t id = HS_INDEX_PAGE_IDS; /* the first page is 1: its first slot */
  w.ids = &id;
  w.nids = 1;
  w.reason = "test";
  hs_withdraw_result wr;
  ck_assert_msg(hs_index_withdraw(idx, &w, &wr) == HS_OK, "%s", hs_last_error());
  ck_assert_int_eq(wr.withdrawn, 1);
  hs_index_close(idx);
  ck_assert_int_eq(run(&o, Q, 8).nv, 0);
}
END_TEST

START_TEST(frames_stored_as_given) {
  lframe lf[3] = {{rnd(), 100}, {rnd(), 7}, {rnd(), 55}};
  char *p = write_vpdq("clip.vpdq", lf, 3);
  hs_import_result r;
  ck_assert_int_eq(import("v", p, &r), HS_OK);
  /* The same file again: one entry (its content id). */
  ck_assert_int_eq(import("v", p, &r), HS_OK);
  ck_assert_int_eq(r.added, 0);
  ck_assert_int_eq(r.duplicates, 1);
  free(p);
  hs_index *idx;
  ck_assert_int_eq(hs_index_open(ipath, HS_INDEX_READONLY, &idx), HS_OK);
  hs_index_snapshot *snap;
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  hs_index_entry e;
  ck_assert_int_eq(hs_index_entry_get(snap, HS_INDEX_PAGE_IDS, &e), HS_OK);
  ck_assert_int_eq(e.type, HS_HASH_VPDQ);
  ck_assert_str_eq(e.label, "clip.vpdq");
  hs_index_frame *f;
  size_t n;
  ck_assert_int_eq(hs_index_video_frames(snap, HS_INDEX_PAGE_IDS, &f, &n), HS_OK);
  ck_assert_uint_eq(n, 3);
  for (size_t i = 0; i < 3; i++) {
    ck_assert_int_eq(f[i].frame, (int64_t)(30 * i));
    ck_assert_double_eq(f[i].timestamp, (double)i);
    ck_assert_int_eq(f[i].quality, lf[i].quality);
    ck_assert_mem_eq(f[i].pdq.w, lf[i].h.w, 32);
  }
  hs_index_frames_free(f);
  ck_assert_int_eq(hs_index_video_frames(snap, HS_INDEX_PAGE_IDS + 1, &f, &n), HS_ERR_NOT_FOUND);
  hs_index_snapshot_close(snap);
  hs_index_close(idx);
}
END_TEST

START_TEST(pytx_array_and_malformed_lines) {
  const char *a = "0000000000000000000000000000000000000000000000000000000000000001";
  char text[600];
  snprintf(text, sizeof text, "[\"%s,100,0.0\", \"%s,90,1.0\", \"%s,80,1.23e+02\"]\n", a, a, a);
  char *p = tu_path(dir, "sig.json");
  ck_assert_int_eq(tu_write_file(p, text, strlen(text)), 0);
  hs_import_result r;
  ck_assert_msg(import("v", p, &r) == HS_OK, "%s", hs_last_error());
  ck_assert_int_eq(r.added, 1);
  free(p);
  /* A bad line names the file and line; nothing is imported. */
  snprintf(text, sizeof text, "0,100,%s,0.000\n30,101,%s,1.000\n60,100,%.60s,2.000\n", a, a, a);
  p = tu_path(dir, "bad.vpdq");
  ck_assert_int_eq(tu_write_file(p, text, strlen(text)), 0);
  problems_count = 0;
  ck_assert_int_eq(import("v", p, &r), HS_ERR_FORMAT);
  ck_assert_int_eq(problems_count, 2);
  ck_assert_int_eq(r.rejected, 2);
  free(p);
  /* A content id alone is not a video entry. */
  snprintf(text, sizeof text, "vpdq %s\n", a);
  p = tu_path(dir, "id.txt");
  ck_assert_int_eq(tu_write_file(p, text, strlen(text)), 0);
  ck_assert_int_eq(import("v", p, &r), HS_ERR_FORMAT);
  free(p);
}
END_TEST

/* An index as the hashsweep before video entries made it: no pages.vpdq
 * and vframes sub-databases, list records with 4 type counters, no page
 * capacity for the fifth type in the schema record. */
static void make_old(void) {
  MDB_env *env = tu_lmdb_env(ipath);
  MDB_txn *txn;
  MDB_dbi dbi;
  ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
  const char *drop[] = {"pages.vpdq", "vframes"};
  for (int i = 0; i < 2; i++) {
    ck_assert_int_eq(mdb_dbi_open(txn, drop[i], MDB_INTEGERKEY, &dbi), 0);
    ck_assert_int_eq(mdb_drop(txn, dbi, 1), 0);
  }
  ck_assert_int_eq(mdb_dbi_open(txn, "lists", 0, &dbi), 0);
  MDB_cursor *c;
  ck_assert_int_eq(mdb_cursor_open(txn, dbi, &c), 0);
  MDB_val k, v;
  int lists = 0;
  for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(c, &k, &v, MDB_NEXT), lists++) {
    ck_assert_uint_eq(v.mv_size, sizeof(list_record));
    uint8_t old[sizeof(list_record)];
    memcpy(old, v.mv_data, LIST_RECORD_V1_BYTES);
    MDB_val nv = {LIST_RECORD_V1_BYTES, old};
    ck_assert_int_eq(mdb_cursor_put(c, &k, &nv, MDB_CURRENT), 0);
  }
  ck_assert_int_eq(lists, 1);
  mdb_cursor_close(c);
  ck_assert_int_eq(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
  k = (MDB_val){6, "schema"};
  ck_assert_int_eq(mdb_get(txn, dbi, &k, &v), 0);
  index_schema sc;
  memcpy(&sc, v.mv_data, sizeof sc);
  sc.capacity[HS_HASH_VPDQ] = 0; /* padding in the older record */
  v = (MDB_val){sizeof sc, &sc};
  ck_assert_int_eq(mdb_put(txn, dbi, &k, &v, 0), 0);
  ck_assert_int_eq(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
}

static int count_list(void *user, const hs_list_info *l) {
  hs_list_info *out = user;
  *out = *l;
  out->name = NULL;
  return 0;
}

START_TEST(an_older_index_opens_and_upgrades) {
  hs_hash256 img = import_image("photos");
  make_old();

  /* Read-only: no video entries, everything else as before. */
  hs_index *idx;
  ck_assert_int_eq(hs_index_open(ipath, HS_INDEX_READONLY, &idx), HS_OK);
  ck_assert_int_eq(idx->has[DB_PAGES + HS_HASH_VPDQ], 0);
  ck_assert_int_eq(idx->has[DB_VFRAMES], 0);
  hs_list_info li;
  ck_assert_int_eq(hs_index_lists(idx, count_list, &li), HS_OK);
  ck_assert_uint_eq(li.active_by_type[HS_HASH_PDQ], 1);
  ck_assert_uint_eq(li.active_by_type[HS_HASH_VPDQ], 0);
  hs_index_stats st;
  ck_assert_int_eq(hs_index_stats_get(idx, &st), HS_OK);
  ck_assert_uint_eq(st.entries[HS_HASH_VPDQ], 0);
  uint64_t problems = 1;
  ck_assert_int_eq(hs_index_verify(idx, NULL, NULL, &problems), HS_OK);
  ck_assert_int_eq(problems, 0);
  FILE *null = fopen("/dev/null", "w");
  ck_assert_int_eq(hs_index_export(idx, null, "photos", HS_EXPORT_JSONL), HS_OK);
  fclose(null);
  hs_index_close(idx);
  hs_query_frame q = qframe(near(img, 3), 100, 1.0);
  hs_video_match_options o;
  hs_video_match_options_default(&o);
  seen s = run(&o, &q, 1);
  ck_assert_int_eq(s.nv, 0);
  ck_assert_int_eq(s.nf, 1);

  /* Writable: the sub-databases are added and a video entry goes in. */
  build_case();
  ck_assert_int_eq(run(&o, Q, 8).nv, 1);
  ck_assert_int_eq(hs_index_open(ipath, HS_INDEX_READONLY, &idx), HS_OK);
  ck_assert_int_eq(hs_index_lists(idx, count_list, &li), HS_OK);
  problems = 1;
  ck_assert_int_eq(hs_index_verify(idx, NULL, NULL, &problems), HS_OK);
  ck_assert_int_eq(problems, 0);
  hs_index_close(idx);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("video_match");
  TCase *t = tcase_create("core");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_add_test(t, percents_by_hand);
  tcase_add_test(t, thresholds_at_the_boundary);
  tcase_add_test(t, quality_gate_moves_the_denominators);
  tcase_add_test(t, mirrored_video_matches_through_flipx);
  tcase_add_test(t, mirrored_frames_with_real_pdq);
  tcase_add_test(t, segments_split_on_two_missing_samples);
  tcase_add_test(t, frames_match_image_entries);
  tcase_add_test(t, per_list_quality_gate);
  tcase_add_test(t, withdrawn_and_other_lists_do_not_match);
  tcase_add_test(t, frames_stored_as_given);
  tcase_add_test(t, pytx_array_and_malformed_lines);
  tcase_add_test(t, an_older_index_opens_and_upgrades);
  suite_add_tcase(s, t);
  return s;
}

int main(void) { return tu_run_suite(suite()); }
