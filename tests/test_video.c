// labels: unit
/* tests/test_video.c - the video API: sniffing (video, image, other),
 * vPDQ's sampling through the frame callback (frame numbers, float32
 * timestamps, S = 0), exact and fast agreeing within 10 bits, digests of a
 * refused file, a callback error stopping the decode, the planes of
 * hs_video_decode_file hashing to hs_video_hash_file's frames (content
 * regions too), and argument checks.
 * The clips are made with the ffmpeg CLI; the suite is skipped without it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

static char *dir;

static char *make_clip(const char *name, const char *rate, const char *codec) {
  char *path = tu_path(dir, name), cmd[1024];
  snprintf(cmd, sizeof cmd,
           "ffmpeg -v error -y -f lavfi -i testsrc2=size=160x120:rate=%s:duration=2 "
           "-c:v %s -pix_fmt yuv420p '%s'",
           rate, codec, path);
  ck_assert_msg(system(cmd) == 0, "ffmpeg failed: %s", cmd);
  return path;
}

typedef struct seen {
  int64_t frame[400];
  float ts[400];
  hs_pdq pdq[400];
  int n;
  int stop_after; /* return an error after this many frames (0: never) */
} seen;

static hs_status record(void *user, const hs_video_frame *f) {
  seen *s = user;
  if (s->n < 400) {
    s->frame[s->n] = f->frame;
    s->ts[s->n] = f->timestamp;
    s->pdq[s->n] = f->pdq;
  }
  s->n++;
  return s->stop_after && s->n >= s->stop_after ? HS_ERR_INTERRUPTED : HS_OK;
}

static hs_status hash(const char *path, hs_mode mode, double S, seen *s, hs_video_info *info) {
  hs_decode_options d;
  hs_decode_options_default(&d);
  d.mode = mode;
  hs_video_options v;
  hs_video_options_default(&v);
  v.seconds_per_hash = S;
  hs_workspace *ws = hs_workspace_create();
  hs_status st = hs_video_hash_file(path, &d, &v, ws, record, s, info);
  hs_workspace_destroy(ws);
  return st;
}

/* Frames as hs_video_hash_file gives them, and as the CPU PDQ of the
 * planes hs_video_decode_file hands over (ws: the hashing workspace, not
 * the decoder's, as a batch would be). */
typedef struct got_frames {
  hs_video_frame f[64];
  int n;
  hs_workspace *ws;
} got_frames;

static hs_status keep_hashed(void *user, const hs_video_frame *f) {
  got_frames *g = user;
  if (g->n < 64)
    g->f[g->n++] = *f;
  return HS_OK;
}

static hs_status hash_plane(void *user, const hs_video_plane *pl) {
  got_frames *g = user;
  if (g->n >= 64)
    return HS_OK;
  hs_video_frame *f = &g->f[g->n++];
  memset(f, 0, sizeof *f);
  f->frame = pl->frame;
  f->timestamp = pl->timestamp;
  hs_status st = hs_pdq_from_luma(&pl->luma, g->ws, &f->pdq);
  f->has_content = pl->has_content;
  if (pl->has_content) {
    ck_assert_int_ge(pl->box.x, 0);
    ck_assert_int_le(pl->box.y + pl->box.height, pl->luma.height);
    hs_luma view = pl->luma;
    view.data += (size_t)pl->box.y * view.stride + (size_t)pl->box.x;
    view.width = pl->box.width;
    view.height = pl->box.height;
    if (st == HS_OK)
      st = hs_pdq_from_luma(&view, g->ws, &f->content);
  }
  return st;
}

START_TEST(sniff_kinds) {
  char *clip = make_clip("s.mkv", "25", "libx264");
  char *text = tu_path(dir, "t.mp4");
  ck_assert_int_eq(tu_write_file(text, "plain words, not media\n", 23), 0);
  int v = -1;
  char name[64];
  ck_assert_int_eq(hs_video_sniff_file(clip, &v, name, sizeof name), HS_OK);
  ck_assert_int_eq(v, 1);
  ck_assert_str_eq(name, "matroska,webm");
  ck_assert_int_eq(hs_video_sniff_file(text, &v, name, sizeof name), HS_OK);
  ck_assert_int_eq(v, 0);
  ck_assert_int_eq(hs_video_sniff_file(dir, &v, NULL, 0), HS_ERR_IO);
  char *missing = tu_path(dir, "missing.mp4");
  ck_assert_int_eq(hs_video_sniff_file(missing, &v, NULL, 0), HS_ERR_NOT_FOUND);
  free(clip);
  free(text);
  free(missing);
}
END_TEST

START_TEST(sampling_2997) {
  char *clip = make_clip("c.mp4", "30000/1001", "libx264");
  seen s = {0};
  hs_video_info info;
  ck_assert_int_eq(hash(clip, HS_MODE_EXACT, 1.0, &s, &info), HS_OK);
  ck_assert(info.fps > 29.97 && info.fps < 29.971);
  ck_assert_int_eq(info.width, 160);
  ck_assert_int_eq(info.frames_decoded, 60);
  ck_assert_int_eq(info.partial, 0);
  ck_assert_int_eq(info.has_digests, 1);
  ck_assert_str_eq(info.format, "mp4");
  ck_assert_str_eq(info.codec, "h264");
  /* step (int)29.97 = 29: frames 0, 29, 58; timestamps in float32. */
  ck_assert_int_eq(s.n, 3);
  ck_assert_int_eq((int)info.frames_hashed, 3);
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(s.frame[i], 29 * i);
    ck_assert(s.ts[i] == (float)(29 * i) / (float)info.fps);
    ck_assert_int_eq(s.pdq[i].quality, 100);
  }
  seen all = {0};
  ck_assert_int_eq(hash(clip, HS_MODE_EXACT, 0.0, &all, &info), HS_OK);
  ck_assert_int_eq(all.n, 60);
  ck_assert_int_eq(all.frame[59], 59);
  /* The sampled frames are the same frames, with the same hashes. */
  for (int i = 0; i < 3; i++)
    ck_assert_int_eq(hs_hash256_distance(&all.pdq[29 * i].hash[0], &s.pdq[i].hash[0]), 0);
  /* Fast: the same frames, within 10 bits. */
  seen fast = {0};
  ck_assert_int_eq(hash(clip, HS_MODE_FAST, 0.0, &fast, &info), HS_OK);
  ck_assert_int_eq(fast.n, 60);
  for (int i = 0; i < 60; i++) {
    ck_assert_int_eq(fast.frame[i], i);
    ck_assert_int_le(hs_hash256_distance(&fast.pdq[i].hash[0], &all.pdq[i].hash[0]), 10);
  }
  free(clip);
}
END_TEST

START_TEST(callback_error_stops) {
  char *clip = make_clip("k.avi", "24", "mjpeg");
  seen s = {.stop_after = 2};
  hs_video_info info;
  ck_assert_int_eq(hash(clip, HS_MODE_EXACT, 0.25, &s, &info), HS_ERR_INTERRUPTED);
  ck_assert_int_eq(s.n, 2);
  ck_assert_int_eq(s.frame[1], 6); /* step (int)(0.25 * 24) = 6 */
  free(clip);
}
END_TEST

START_TEST(refused_file_keeps_digests) {
  char *m3u = tu_path(dir, "p.m3u8");
  const char *text = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nother.ts\n#EXT-X-ENDLIST\n";
  ck_assert_int_eq(tu_write_file(m3u, text, strlen(text)), 0);
  seen s = {0};
  hs_video_info info;
  ck_assert_int_eq(hash(m3u, HS_MODE_EXACT, 1.0, &s, &info), HS_ERR_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(hs_last_error(), "refused: the 'hls' format"));
  ck_assert_int_eq(info.has_digests, 1);
  uint8_t md5[16], sha[32];
  ck_assert_int_eq(hs_digest_md5_sha256(text, strlen(text), md5, sha), HS_OK);
  ck_assert_mem_eq(info.md5, md5, 16);
  ck_assert_mem_eq(info.sha256, sha, 32);
  ck_assert_int_eq(info.file_bytes, strlen(text));
  ck_assert_int_eq(s.n, 0);
  free(m3u);
}
END_TEST

START_TEST(planes_hash_to_the_frames) {
  /* hs_video_decode_file hands over the planes hs_video_hash_file hashes:
   * their CPU PDQ (and of the content box) is its frames, bit for bit, in
   * exact and fast mode, for a letterboxed clip (content regions) too. */
  char *clip = make_clip("p.mp4", "25", "libx264");
  char *boxed = tu_path(dir, "b.mp4"), cmd[1024];
  snprintf(cmd, sizeof cmd,
           "ffmpeg -v error -y -f lavfi -i testsrc2=size=160x90:rate=25:duration=2 "
           "-vf pad=160:200:0:55:black -c:v libx264 -pix_fmt yuv420p '%s'", boxed);
  ck_assert_msg(system(cmd) == 0, "ffmpeg failed: %s", cmd);
  const char *paths[] = {clip, boxed};
  for (int m = 0; m < 2; m++)
    for (int k = 0; k < 2; k++) {
      hs_decode_options d;
      hs_decode_options_default(&d);
      d.mode = m ? HS_MODE_FAST : HS_MODE_EXACT;
      hs_video_options v;
      hs_video_options_default(&v);
      v.seconds_per_hash = 0.2;
      hs_workspace *ws = hs_workspace_create();
      got_frames want = {0}, got = {0};
      hs_video_info info;
      ck_assert_int_eq(hs_video_hash_file(paths[k], &d, &v, ws, keep_hashed, &want, &info), HS_OK);
      got.ws = hs_workspace_create();
      ck_assert_int_eq(hs_video_decode_file(paths[k], &d, &v, ws, hash_plane, &got, &info), HS_OK);
      ck_assert_int_eq(got.n, 10); /* 2 s, one frame in 5 */
      ck_assert_int_eq((int)info.frames_hashed, 10);
      ck_assert_int_eq(want.n, got.n);
      for (int i = 0; i < got.n; i++) {
        ck_assert_int_eq(got.f[i].frame, 5 * i);
        ck_assert(got.f[i].timestamp == want.f[i].timestamp);
        ck_assert_int_eq(got.f[i].has_content, k); /* the letterboxed one only */
        ck_assert_int_eq(want.f[i].has_content, k);
        ck_assert_mem_eq(&got.f[i].pdq, &want.f[i].pdq, sizeof got.f[i].pdq);
        if (k)
          ck_assert_mem_eq(&got.f[i].content, &want.f[i].content, sizeof got.f[i].content);
      }
      hs_workspace_destroy(got.ws);
      hs_workspace_destroy(ws);
    }
  free(clip);
  free(boxed);
}
END_TEST

START_TEST(bad_arguments) {
  hs_decode_options d;
  hs_decode_options_default(&d);
  hs_video_options v;
  hs_video_options_default(&v);
  ck_assert(v.seconds_per_hash == 1.0);
  hs_video_info info;
  hs_workspace *ws = hs_workspace_create();
  ck_assert_int_eq(hs_video_hash_file(NULL, &d, &v, ws, NULL, NULL, &info), HS_ERR_INVALID_ARG);
  v.seconds_per_hash = -1;
  ck_assert_int_eq(hs_video_hash_file("x.mp4", &d, &v, ws, NULL, NULL, &info),
                   HS_ERR_INVALID_ARG);
  int is_video;
  ck_assert_int_eq(hs_video_sniff_file(NULL, &is_video, NULL, 0), HS_ERR_INVALID_ARG);
  v.seconds_per_hash = 1;
  ck_assert_int_eq(hs_video_decode_file("x.mp4", &d, &v, ws, NULL, NULL, &info),
                   HS_ERR_INVALID_ARG);
  hs_workspace_destroy(ws);
}
END_TEST

static void setup(void) { dir = tu_mkdtemp(); }
static void teardown(void) {
  tu_rmtree(dir);
  free(dir);
}

int main(void) {
  if (system("ffmpeg -version > /dev/null 2>&1") != 0) {
    printf("SKIP: no ffmpeg CLI to make the test videos (tools/install-deps.sh)\n");
    return TU_SKIP;
  }
  Suite *s = suite_create("video");
  TCase *tc = tcase_create("video");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, sniff_kinds);
  tcase_add_test(tc, sampling_2997);
  tcase_add_test(tc, callback_error_stops);
  tcase_add_test(tc, refused_file_keeps_digests);
  tcase_add_test(tc, planes_hash_to_the_frames);
  tcase_add_test(tc, bad_arguments);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
