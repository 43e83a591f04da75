/* video/video_hash.c - decoding a video and hashing the frames Meta's vPDQ
 * samples (behaviour of vpdq's filehasher/ffmpegwrapper, reimplemented):
 *  - frames are counted from 1 in the order the decoder returns them;
 *  - step = (int)(S * fps), at least 1; frame n is hashed when
 *    (n - 1) % step == 0, as frame number n - 1 at (float)(n - 1) / fps;
 *  - a sampled frame is converted to RGB24 with swscale (SWS_AREA, into a
 *    buffer with 1-byte row alignment: the same conversion code path), its
 *    luma taken with PDQ's RGB weights, and hashed with the CPU PDQ.
 * hs_video_decode_file does all this up to the luma plane (and its content
 * region) and hands the plane over: the scan's device path batches the
 * planes to the device; hs_video_hash_file hashes them here, on the CPU.
 * HS_MODE_FAST takes the luma straight from the Y plane of 8-bit planar
 * YUV frames (no RGB conversion; measured within 6 bits of exact, see
 * bench/RESULTS.md), other formats as exact, and lets the decoder use frame
 * threads.
 *
 * One vPDQ quirk is kept in exact mode: at end of stream vPDQ flushes the
 * decoder with the blank packet av_read_frame leaves behind, whose stream
 * index is 0, so when the video is not stream 0 the frames the decoder
 * still holds are never returned. Exact mode does the same; fast mode
 * flushes always. */
#include <libavutil/frame.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
#include <string.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/workspace.h"
#include "hash/pdq_cpu.h"
#include "image/border.h"
#include "video/video_internal.h"

/* The band widths one side showed, with how many frames showed each (the
 * BAND_VALUES most frequent kept; see content_box). */
#define BAND_VALUES 8
typedef struct band_votes {
  int value[BAND_VALUES];
  unsigned count[BAND_VALUES];
  int n;
} band_votes;

typedef struct sampler {
  video_src *v;
  const hs_video_options *o;
  hs_workspace *ws;
  hs_video_info *info;
  hs_video_plane_fn fn;
  void *user;
  int step;
  float fps;
  AVFrame *frame; /* as decoded */
  AVFrame *rgb;   /* RGB24, out_w x out_h, rows linesize[0] bytes apart */
  struct SwsContext *sws;
  int src_w, src_h, src_fmt; /* what `sws` converts from */
  int out_w, out_h;
  uint64_t decoded;
  int unletterbox; /* look for added borders (dopts->no_unletterbox 0) */
  band_votes votes[4]; /* per side (top, bottom, left, right): the bands
                          the frames with borders showed */
  int band[4];     /* the video's bands: the most frequent of each side's
                      votes so far */
  char stopped[200]; /* why decoding stopped early ("" if it did not) */
} sampler;

/* Sets up the converter for the first frame; a later frame of another size
 * or format stops the decode (vPDQ would convert it with the wrong
 * context). */
static hs_status converter_for(sampler *s, const AVFrame *f) {
  if (s->sws) {
    if (f->width == s->src_w && f->height == s->src_h && f->format == s->src_fmt)
      return HS_OK;
    snprintf(s->stopped, sizeof s->stopped, "the frame size changed from %dx%d to %dx%d",
             s->src_w, s->src_h, f->width, f->height);
    return HS_ERR_DECODE;
  }
  const char *name = s->v->name;
  uint64_t pixels = (uint64_t)f->width * (uint64_t)f->height;
  if (pixels > s->o->max_frame_pixels)
    return error_set(HS_ERR_LIMIT, "%s: frames are %dx%d, above the frame pixel limit of %.1f "
                     "megapixels", name, f->width, f->height, s->o->max_frame_pixels / 1e6);
  /* vPDQ converts to the declared size (the codec parameters). */
  int w = s->info->width, h = s->info->height;
  s->out_w = w;
  s->out_h = h;
  if (s->out_w < PDQ_MIN_DIM || s->out_h < PDQ_MIN_DIM)
    return error_set(HS_ERR_TOO_SMALL, "%s: frames are %dx%d, below PDQ's minimum of %dx%d", name,
                     s->out_w, s->out_h, PDQ_MIN_DIM, PDQ_MIN_DIM);
  s->sws = sws_getContext(f->width, f->height, f->format, s->out_w, s->out_h, AV_PIX_FMT_RGB24,
                          SWS_AREA, NULL, NULL, NULL);
  s->rgb = av_frame_alloc();
  if (!s->sws || !s->rgb)
    return error_set(HS_ERR_UNSUPPORTED, "%s: cannot convert %s frames to RGB", name,
                     av_get_pix_fmt_name(f->format) ? av_get_pix_fmt_name(f->format) : "?");
  s->rgb->format = AV_PIX_FMT_RGB24;
  s->rgb->width = s->out_w;
  s->rgb->height = s->out_h;
  if (av_frame_get_buffer(s->rgb, 1) < 0)
    return error_set(HS_ERR_NOMEM, "%s: out of memory for an RGB frame", name);
  s->src_w = f->width;
  s->src_h = f->height;
  s->src_fmt = f->format;
  return HS_OK;
}

/* RGB24 -> float luma (PDQ's weights, no grey shortcut: vPDQ has none). */
static hs_status rgb_to_luma(sampler *s, hs_luma *luma) {
  luma->width = s->out_w;
  luma->height = s->out_h;
  luma->stride = (size_t)s->out_w;
  luma->data = workspace_get(s->ws, WS_LUMA, sizeof(float) * (size_t)s->out_w * s->out_h);
  if (!luma->data)
    return error_prefix(HS_ERR_NOMEM, "%s: ", s->v->name);
  for (int y = 0; y < s->out_h; y++) {
    const uint8_t *row = s->rgb->data[0] + (size_t)y * s->rgb->linesize[0];
    float *out = luma->data + (size_t)y * luma->stride;
    for (int x = 0; x < s->out_w; x++)
      out[x] = pdq_luma_rgb(row[3 * x], row[3 * x + 1], row[3 * x + 2]);
  }
  return HS_OK;
}

/* Fast mode on 8-bit planar YUV: PDQ's luma weights applied to the RGB
 * that BT.601 YUV converts to give back Y itself, so the Y plane is
 * scaled to 0..255 directly (limited range: (Y - 16) * 255 / 219) and the
 * RGB conversion is skipped. Returns 0 when the frame is not such YUV. */
static int y_plane_luma(sampler *s, const AVFrame *f, hs_luma *luma, hs_status *st) {
  int full;
  switch (f->format) {
  case AV_PIX_FMT_YUV420P: case AV_PIX_FMT_YUV422P: case AV_PIX_FMT_YUV444P: full = 0; break;
  case AV_PIX_FMT_YUVJ420P: case AV_PIX_FMT_YUVJ422P: case AV_PIX_FMT_YUVJ444P: full = 1; break;
  default: return 0;
  }
  if (f->color_range == AVCOL_RANGE_JPEG)
    full = 1;
  if (f->width != s->info->width || f->height != s->info->height)
    return 0;
  *st = HS_OK;
  luma->width = f->width;
  luma->height = f->height;
  luma->stride = (size_t)f->width;
  luma->data = workspace_get(s->ws, WS_LUMA, sizeof(float) * (size_t)f->width * f->height);
  if (!luma->data) {
    *st = error_prefix(HS_ERR_NOMEM, "%s: ", s->v->name);
    return 1;
  }
  const float scale = full ? 1.0f : 255.0f / 219.0f, off = full ? 0.0f : 16.0f;
  for (int y = 0; y < f->height; y++) {
    const uint8_t *row = f->data[0] + (size_t)y * f->linesize[0];
    float *out = luma->data + (size_t)y * luma->stride;
    for (int x = 0; x < f->width; x++) {
      float v = ((float)row[x] - off) * scale;
      out[x] = v < 0.0f ? 0.0f : v > 255.0f ? 255.0f : v;
    }
  }
  return 1;
}

/* Counts a frame's band `v` and returns the side's band: the value most
 * frames showed, the thinner on a tie. When all BAND_VALUES slots are taken
 * a new value replaces the least shown one. */
static int band_vote(band_votes *b, int v) {
  int i = 0;
  while (i < b->n && b->value[i] != v)
    i++;
  if (i == b->n) {
    if (b->n < BAND_VALUES) {
      b->n++;
    } else {
      i = 0;
      for (int j = 1; j < b->n; j++)
        if (b->count[j] < b->count[i])
          i = j;
    }
    b->value[i] = v;
    b->count[i] = 0;
  }
  b->count[i]++;
  int best = 0;
  for (int j = 1; j < b->n; j++)
    if (b->count[j] > b->count[best] ||
        (b->count[j] == b->count[best] && b->value[j] < b->value[best]))
      best = j;
  return b->value[best];
}

/* Unletterbox on a video frame. An added letterbox is the same in every
 * frame, but one frame alone can misjudge it both ways: in a dark scene the
 * black picture next to the band joins it (a thicker band, the content
 * cut), and where the encoder's block straddles the content edge the black
 * of its band part can come out just too uneven for border.c's flat test
 * and longer than its ramp (a band a few lines thinner: black lines kept,
 * which moves PDQ by 8 to 14 bits on a 202-line picture, measured on
 * bench/video_edits.sh's letterbox copies, bench/RESULTS.md). So the video counts, per side,
 * the bands its frames showed and uses the one most frames agree on (the
 * thinner on a tie); each frame whose own look finds borders is cropped to
 * that common box. (Taking the thinnest band ever seen, as before, let one
 * ringing frame put black lines into every later content hash.) Frames with
 * no border of their own (a black frame, a video without bands) get no
 * content region, as images without borders. Costs one border_detect (a few
 * lines read) per sampled frame. Returns 1 with the region in *box, else 0. */
static int content_box(sampler *s, const hs_luma *luma, hs_content_box *box) {
  if (!s->unletterbox || !border_detect(luma, box))
    return 0;
  int band[4] = {box->y, luma->height - box->y - box->height, box->x,
                 luma->width - box->x - box->width};
  for (int i = 0; i < 4; i++)
    s->band[i] = band_vote(&s->votes[i], band[i]);
  if (s->band[0] + s->band[1] + s->band[2] + s->band[3] == 0)
    return 0; /* most frames show no band on any side */
  hs_content_box common = {s->band[2], s->band[0], luma->width - s->band[2] - s->band[3],
                          luma->height - s->band[0] - s->band[1]};
  /* Each side's band may come from other frames: a combination that leaves
   * less than border.c's smallest content falls back to this frame's own. */
  if (common.width >= BORDER_MIN_CONTENT && common.height >= BORDER_MIN_CONTENT)
    *box = common;
  return 1;
}

/* Hands a sampled frame's luma plane (and its content region) over. */
static hs_status take_plane(sampler *s, const AVFrame *f, int64_t number) {
  hs_video_plane out = {.frame = number, .timestamp = (float)number / s->fps};
  hs_status yst = HS_OK;
  if (s->v->exact || !y_plane_luma(s, f, &out.luma, &yst)) {
    HS_TRY(converter_for(s, f));
    sws_scale(s->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, s->rgb->data,
              s->rgb->linesize);
    HS_TRY(rgb_to_luma(s, &out.luma));
  }
  HS_TRY(yst);
  out.has_content = content_box(s, &out.luma, &out.box);
  s->info->frames_hashed++;
  return s->fn(s->user, &out);
}

/* Counts one decoded frame, checks the limits, hashes it when sampled. */
static hs_status take_frame(sampler *s) {
  const char *name = s->v->name;
  s->decoded++;
  s->info->frames_decoded = s->decoded;
  if (s->decoded > s->o->max_frames)
    return error_set(HS_ERR_LIMIT, "%s: more than %llu frames decoded (the frame limit)", name,
                     (unsigned long long)s->o->max_frames);
  double t = (double)(s->decoded - 1) / s->info->fps;
  if (s->o->max_duration_s > 0 && t > s->o->max_duration_s)
    return error_set(HS_ERR_LIMIT, "%s: video runs past %.0f s (the duration limit)", name,
                     s->o->max_duration_s);
  if (s->v->deadline > 0 && clock_now_s() > s->v->deadline)
    return error_set(HS_ERR_TIMEOUT, "%s: decoding took longer than %.0f s (the time limit)", name,
                     s->o->max_decode_s);
  int64_t number = (int64_t)(s->decoded - 1);
  if (number % s->step != 0)
    return HS_OK;
  return take_plane(s, s->frame, number);
}

/* Sends one packet (NULL: flush) and takes every frame it yields. A decode
 * error stops the video (as in vPDQ) and is recorded in s->stopped. */
static hs_status decode_packet(sampler *s, const AVPacket *pkt) {
  char why[128];
  int rc = avcodec_send_packet(s->v->dec, pkt);
  if (rc < 0 && rc != AVERROR_EOF) {
    snprintf(s->stopped, sizeof s->stopped, "the decoder refused a packet after frame %llu: %s",
             (unsigned long long)s->decoded, video_averror(rc, why, sizeof why));
    return HS_ERR_DECODE;
  }
  for (;;) {
    rc = avcodec_receive_frame(s->v->dec, s->frame);
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF)
      return HS_OK;
    if (rc < 0) {
      snprintf(s->stopped, sizeof s->stopped, "decoding failed after frame %llu: %s",
               (unsigned long long)s->decoded, video_averror(rc, why, sizeof why));
      return HS_ERR_DECODE;
    }
    hs_status st = take_frame(s);
    av_frame_unref(s->frame);
    if (st != HS_OK)
      return st;
  }
}

/* Reads and decodes the whole video stream. HS_ERR_DECODE with s->stopped
 * set means "stopped early" (the frames so far stand); other errors are
 * final. */
static hs_status run_decode(sampler *s) {
  AVPacket *pkt = av_packet_alloc();
  if (!pkt)
    return error_set(HS_ERR_NOMEM, "%s: out of memory for a packet", s->v->name);
  hs_status st = HS_OK;
  int rc;
  while ((rc = av_read_frame(s->v->fmt, pkt)) >= 0) {
    if (pkt->stream_index == s->v->stream)
      st = decode_packet(s, pkt);
    av_packet_unref(pkt);
    if (st != HS_OK)
      break;
  }
  av_packet_free(&pkt);
  if (st != HS_OK)
    return st;
  if (s->v->timed_out)
    return error_set(HS_ERR_TIMEOUT, "%s: decoding took longer than %.0f s (the time limit)",
                     s->v->name, s->o->max_decode_s);
  if (rc != AVERROR_EOF) {
    char why[128];
    snprintf(s->stopped, sizeof s->stopped, "reading stopped after frame %llu: %s",
             (unsigned long long)s->decoded, video_averror(rc, why, sizeof why));
  }
  if (!s->v->exact || s->v->stream == 0) {
    hs_status fl = decode_packet(s, NULL);
    if (fl != HS_OK && fl != HS_ERR_DECODE)
      return fl;
  }
  return s->stopped[0] ? HS_ERR_DECODE : HS_OK;
}

/* The outcome: frames hashed (a note when decoding stopped early or libav
 * reported errors), or an error when none could be. */
static hs_status finish(sampler *s, hs_status st) {
  if (st != HS_OK && st != HS_ERR_DECODE)
    return st;
  const char *logged = video_log_first();
  const char *why = s->stopped[0] ? s->stopped : logged;
  if (s->info->frames_hashed == 0) {
    if (why[0])
      return error_set(HS_ERR_DECODE, "%s: no decodable video frame (%s)", s->v->name, why);
    return error_set(HS_ERR_DECODE, "%s: no decodable video frame", s->v->name);
  }
  if (why[0]) {
    s->info->partial = 1;
    if (s->stopped[0])
      snprintf(s->info->note, sizeof s->info->note, "partial: %llu frames decoded, then %s",
               (unsigned long long)s->decoded, s->stopped);
    else
      snprintf(s->info->note, sizeof s->info->note,
               "partial: %llu frames decoded, with errors: %s", (unsigned long long)s->decoded,
               logged);
  }
  return HS_OK;
}

hs_status hs_video_decode_file(const char *path, const hs_decode_options *dopts,
                               const hs_video_options *vopts, hs_workspace *ws,
                               hs_video_plane_fn fn, void *user, hs_video_info *info) {
  HS_CHECK(path && dopts && vopts && ws && fn && info, HS_ERR_INVALID_ARG,
           "hs_video_decode_file: NULL argument");
  HS_CHECK(vopts->seconds_per_hash >= 0 && vopts->seconds_per_hash <= 86400, HS_ERR_INVALID_ARG,
           "seconds per hash must be within 0..86400, got %g", vopts->seconds_per_hash);
  memset(info, 0, sizeof *info);
  info->duration = -1.0;
  video_src v;
  HS_TRY(video_open(&v, path, dopts, vopts, info));
  sampler s = {.v = &v, .o = vopts, .ws = ws, .info = info, .fn = fn, .user = user,
               .unletterbox = !dopts->no_unletterbox};
  /* vPDQ: (int)(S * fps) in double, 0 -> 1; timestamps divide by float fps. */
  s.step = (int)(vopts->seconds_per_hash * info->fps);
  if (s.step < 1)
    s.step = 1;
  s.fps = (float)info->fps;
  s.frame = av_frame_alloc();
  hs_status st = s.frame ? run_decode(&s) : error_set(HS_ERR_NOMEM, "%s: out of memory", path);
  st = finish(&s, st);
  av_frame_free(&s.frame);
  av_frame_free(&s.rgb);
  sws_freeContext(s.sws);
  video_close(&v);
  return st;
}

/* hs_video_hash_file's frame hasher: the CPU PDQ of each plane handed over. */
typedef struct plane_hasher {
  const char *name;
  hs_workspace *ws;
  hs_video_frame_fn fn;
  void *user;
} plane_hasher;

static hs_status hash_plane(void *user, const hs_video_plane *pl) {
  plane_hasher *h = user;
  hs_video_frame out = {.frame = pl->frame, .timestamp = pl->timestamp};
  hs_status st = hs_pdq_from_luma(&pl->luma, h->ws, &out.pdq);
  if (st == HS_OK && pl->has_content) {
    hs_luma view = border_crop(&pl->luma, &pl->box);
    st = hs_pdq_from_luma(&view, h->ws, &out.content);
    out.has_content = 1;
  }
  if (st != HS_OK)
    return error_prefix(st, "%s: ", h->name);
  return h->fn ? h->fn(h->user, &out) : HS_OK;
}

hs_status hs_video_hash_file(const char *path, const hs_decode_options *dopts,
                             const hs_video_options *vopts, hs_workspace *ws,
                             hs_video_frame_fn fn, void *user, hs_video_info *info) {
  HS_CHECK(path && dopts && vopts && ws && info, HS_ERR_INVALID_ARG,
           "hs_video_hash_file: NULL argument");
  plane_hasher h = {.name = path, .ws = ws, .fn = fn, .user = user};
  return hs_video_decode_file(path, dopts, vopts, ws, hash_plane, &h, info);
}
