/* eval/clips.c - the audit's video clips, written with libavformat,
 * libavcodec and libswscale (eval/clips.h).
 *
 * An original is a still picture filmed by a moving camera: CLIP_SCENES
 * scenes (a zoom in, two pans, a zoom out over other parts of it), so the
 * frames vPDQ samples differ from each other as in real footage. An edit
 * decodes that file, changes each frame (swscale resizes and pads; the
 * mirror reverses rows; the frame-rate change drops every other frame; the
 * trim keeps the middle half) and encodes the result again, as the
 * re-upload of an edited video would be. Encoders run on one thread: the
 * audit runs clips in parallel on its workers. libav's messages go where
 * the video decoder's go (the debug log; the first error is the cause). */
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "eval/clips.h"
#include "video/video_internal.h"

static const struct {
  const char *name, *describe;
} edits[CLIP_NEDITS] = {
    {"identity", "control: the original file hashed again (every clip with a frame above "
                 "the quality gate must be found)"},
    {"low-bitrate", "re-encoded at 100 kb/s (x264: preset veryfast)"},
    {"360p", "resized to 360 lines high (swscale), re-encoded"},
    {"fps-15", "frame rate halved, 30 to 15 fps (every other frame dropped), re-encoded"},
    {"trim-middle-50", "trimmed to the middle 50% (starting on a sampled second), re-encoded"},
    {"mirror", "mirrored left-right, re-encoded"},
    {"letterbox-9x16", "scaled to 360 wide and padded with black bands into a vertical "
                       "360x640 frame, re-encoded"},
};

const char *clip_edit_name(int e) { return e >= 0 && e < CLIP_NEDITS ? edits[e].name : "?"; }
const char *clip_edit_describe(int e) {
  return e >= 0 && e < CLIP_NEDITS ? edits[e].describe : "?";
}

/* ---- the encoder ---------------------------------------------------------- */

typedef struct choice {
  const char *encoder, *codec, *muxer;
} choice;

static const choice choices[] = {
    {"libx264", "h264", "mp4"}, {"mpeg4", "mpeg4", "mp4"}, {"libvpx", "vp8", "webm"}};

static const choice *choose(void) {
  for (size_t i = 0; i < sizeof choices / sizeof choices[0]; i++)
    if (avcodec_find_encoder_by_name(choices[i].encoder) &&
        av_guess_format(choices[i].muxer, NULL, NULL))
      return &choices[i];
  return NULL;
}

hs_status clip_encoder(char *what, size_t cap) {
  const choice *c = choose();
  HS_CHECK(c, HS_ERR_UNSUPPORTED,
           "this FFmpeg has no libx264, mpeg4 or libvpx encoder: no video clips can be made");
  snprintf(what, cap, "%s (%s in %s)", c->encoder, c->codec, c->muxer);
  return HS_OK;
}

/* "what: libav's reason" for a failed libav call on `path`. */
static hs_status av_fail(const char *path, const char *what, int rc) {
  char why[128];
  const char *logged = video_log_first();
  return error_set(HS_ERR_IO, "%s: %s: %s", path, what,
                   logged[0] ? logged : video_averror(rc, why, sizeof why));
}

/* ---- writing a clip ------------------------------------------------------- */

typedef struct writer {
  const char *path;
  AVFormatContext *oc;
  AVCodecContext *enc;
  AVStream *st;
  AVPacket *pkt;
  int64_t pts;
} writer;

/* Quality settings: `bitrate` (bits/s) when > 0, else the encoder's usual
 * good quality (x264's CRF 23, which is its default). x264 runs its
 * fastest preset (3x quicker than veryfast: the audit's run time) except
 * for the low-bitrate copy, where the preset decides how bad it looks. */
static void set_rate(AVCodecContext *enc, const choice *c, int64_t bitrate) {
  if (!strcmp(c->encoder, "libx264"))
    av_opt_set(enc->priv_data, "preset", bitrate > 0 ? "veryfast" : "ultrafast", 0);
  if (bitrate > 0) {
    enc->bit_rate = bitrate;
  } else if (!strcmp(c->encoder, "mpeg4")) {
    enc->flags |= AV_CODEC_FLAG_QSCALE;
    enc->global_quality = FF_QP2LAMBDA * 3;
  } else if (!strcmp(c->encoder, "libvpx")) {
    enc->bit_rate = 4000000; /* the ceiling for CRF */
    av_opt_set_int(enc->priv_data, "crf", 10, 0);
  }
}

static hs_status writer_open(writer *w, const char *path, int width, int height, int fps,
                             int64_t bitrate) {
  memset(w, 0, sizeof *w);
  w->path = path;
  const choice *c = choose();
  HS_CHECK(c, HS_ERR_UNSUPPORTED, "%s: this FFmpeg has no libx264, mpeg4 or libvpx encoder",
           path);
  const AVCodec *codec = avcodec_find_encoder_by_name(c->encoder);
  int rc = avformat_alloc_output_context2(&w->oc, NULL, c->muxer, path);
  if (rc < 0)
    return av_fail(path, "cannot set up the muxer", rc);
  w->st = avformat_new_stream(w->oc, NULL);
  w->enc = avcodec_alloc_context3(codec);
  w->pkt = av_packet_alloc();
  HS_CHECK(w->st && w->enc && w->pkt, HS_ERR_NOMEM, "%s: out of memory for the encoder", path);
  AVCodecContext *e = w->enc;
  e->width = width;
  e->height = height;
  e->pix_fmt = AV_PIX_FMT_YUV420P;
  e->time_base = (AVRational){1, fps};
  e->framerate = (AVRational){fps, 1};
  e->gop_size = 2 * fps;
  e->thread_count = 1;
  set_rate(e, c, bitrate);
  if (w->oc->oformat->flags & AVFMT_GLOBALHEADER)
    e->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if ((rc = avcodec_open2(e, codec, NULL)) < 0)
    return av_fail(path, "cannot open the encoder", rc);
  if ((rc = avcodec_parameters_from_context(w->st->codecpar, e)) < 0)
    return av_fail(path, "cannot set the stream parameters", rc);
  w->st->time_base = e->time_base;
  if ((rc = avio_open(&w->oc->pb, path, AVIO_FLAG_WRITE)) < 0)
    return av_fail(path, "cannot create the file", rc);
  if ((rc = avformat_write_header(w->oc, NULL)) < 0)
    return av_fail(path, "cannot write the header", rc);
  return HS_OK;
}

/* Encodes `f` (NULL: flush) and writes the packets that come out. */
static hs_status writer_put(writer *w, AVFrame *f) {
  if (f)
    f->pts = w->pts++;
  int rc = avcodec_send_frame(w->enc, f);
  if (rc < 0)
    return av_fail(w->path, "the encoder refused a frame", rc);
  while ((rc = avcodec_receive_packet(w->enc, w->pkt)) == 0) {
    av_packet_rescale_ts(w->pkt, w->enc->time_base, w->st->time_base);
    w->pkt->stream_index = w->st->index;
    if ((rc = av_interleaved_write_frame(w->oc, w->pkt)) < 0)
      return av_fail(w->path, "cannot write a packet", rc);
  }
  return rc == AVERROR(EAGAIN) || rc == AVERROR_EOF ? HS_OK
                                                     : av_fail(w->path, "encoding failed", rc);
}

static hs_status writer_finish(writer *w) {
  HS_TRY(writer_put(w, NULL));
  int rc = av_write_trailer(w->oc);
  return rc < 0 ? av_fail(w->path, "cannot finish the file", rc) : HS_OK;
}

static void writer_free(writer *w) {
  avcodec_free_context(&w->enc);
  av_packet_free(&w->pkt);
  if (w->oc) {
    if (w->oc->pb)
      avio_closep(&w->oc->pb);
    avformat_free_context(w->oc);
  }
}

static AVFrame *yuv_frame(int width, int height) {
  AVFrame *f = av_frame_alloc();
  if (!f)
    return NULL;
  f->format = AV_PIX_FMT_YUV420P;
  f->width = width;
  f->height = height;
  if (av_frame_get_buffer(f, 0) < 0)
    av_frame_free(&f);
  return f;
}

/* ---- the original: a camera over a picture ---------------------------------- */

/* The camera window of frame `i` of `frames`: scene s = which quarter, u its
 * progress 0..1. Sizes are shares of the largest window of the frame's
 * aspect that fits the picture; positions are shares of the room left. */
static void camera(int i, int frames, int w, int h, int win[4]) {
  int s = (int)((long long)i * CLIP_SCENES / frames);
  int first = (int)(((long long)s * frames + CLIP_SCENES - 1) / CLIP_SCENES);
  int next = (int)(((long long)(s + 1) * frames + CLIP_SCENES - 1) / CLIP_SCENES);
  double u = next - first > 1 ? (double)(i - first) / (next - first - 1) : 0.0;
  static const double path[CLIP_SCENES][6] = {
      /* size from, to; x from, to; y from, to */
      {1.00, 0.60, 0.50, 0.50, 0.50, 0.50}, /* zoom in on the centre */
      {0.60, 0.60, 0.05, 0.95, 0.20, 0.20}, /* pan right along the top */
      {0.55, 0.55, 0.85, 0.85, 0.05, 0.95}, /* pan down the right side */
      {0.45, 0.80, 0.15, 0.30, 0.90, 0.60}, /* zoom out from the lower left */
  };
  const double *p = path[s];
  double aspect = (double)CLIP_W / CLIP_H;
  double bw = w < h * aspect ? w : h * aspect, bh = bw / aspect;
  double size = p[0] + u * (p[1] - p[0]);
  int ww = (int)lround(bw * size), wh = (int)lround(bh * size);
  ww = ww < 16 ? 16 : ww > w ? w : ww;
  wh = wh < 16 ? 16 : wh > h ? h : wh;
  win[0] = (int)lround((p[2] + u * (p[3] - p[2])) * (w - ww));
  win[1] = (int)lround((p[4] + u * (p[5] - p[4])) * (h - wh));
  win[2] = ww;
  win[3] = wh;
}

hs_status clip_make(const char *path, const uint8_t *rgb, int w, int h, size_t stride,
                    int frames) {
  HS_CHECK(w >= 16 && h >= 16 && frames > 0, HS_ERR_INVALID_ARG,
           "%s: the picture (%dx%d) is too small for a clip", path, w, h);
  video_log_reset();
  writer wr;
  hs_status st = writer_open(&wr, path, CLIP_W, CLIP_H, CLIP_FPS, 0);
  AVFrame *f = st == HS_OK ? yuv_frame(CLIP_W, CLIP_H) : NULL;
  if (st == HS_OK && !f)
    st = error_set(HS_ERR_NOMEM, "%s: out of memory for a frame", path);
  struct SwsContext *sws = NULL;
  for (int i = 0; st == HS_OK && i < frames; i++) {
    int win[4];
    camera(i, frames, w, h, win);
    sws = sws_getCachedContext(sws, win[2], win[3], AV_PIX_FMT_RGB24, CLIP_W, CLIP_H,
                               AV_PIX_FMT_YUV420P, SWS_BILINEAR, NULL, NULL, NULL);
    if (!sws || av_frame_make_writable(f) < 0) {
      st = error_set(HS_ERR_NOMEM, "%s: cannot set up the frame scaler", path);
      break;
    }
    const uint8_t *src[4] = {rgb + (size_t)win[1] * stride + (size_t)win[0] * 3};
    const int src_stride[4] = {(int)stride};
    sws_scale(sws, src, src_stride, 0, win[3], f->data, f->linesize);
    st = writer_put(&wr, f);
  }
  if (st == HS_OK)
    st = writer_finish(&wr);
  sws_freeContext(sws);
  av_frame_free(&f);
  writer_free(&wr);
  return st;
}

/* ---- reading a clip back ---------------------------------------------------- */

typedef struct reader {
  const char *path;
  AVFormatContext *ic;
  AVCodecContext *dec;
  AVPacket *pkt;
  AVFrame *frame;
  int stream, flushed;
} reader;

static hs_status reader_open(reader *r, const char *path) {
  memset(r, 0, sizeof *r);
  r->path = path;
  int rc = avformat_open_input(&r->ic, path, NULL, NULL);
  if (rc < 0)
    return av_fail(path, "cannot open the clip", rc);
  if ((rc = avformat_find_stream_info(r->ic, NULL)) < 0)
    return av_fail(path, "cannot read the clip's streams", rc);
  const AVCodec *codec = NULL;
  r->stream = av_find_best_stream(r->ic, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
  if (r->stream < 0)
    return av_fail(path, "no video stream", r->stream);
  r->dec = avcodec_alloc_context3(codec);
  r->pkt = av_packet_alloc();
  r->frame = av_frame_alloc();
  HS_CHECK(r->dec && r->pkt && r->frame, HS_ERR_NOMEM, "%s: out of memory for the decoder",
           path);
  if ((rc = avcodec_parameters_to_context(r->dec, r->ic->streams[r->stream]->codecpar)) < 0)
    return av_fail(path, "cannot set up the decoder", rc);
  r->dec->thread_count = 1;
  if ((rc = avcodec_open2(r->dec, codec, NULL)) < 0)
    return av_fail(path, "cannot open the decoder", rc);
  return HS_OK;
}

/* The next decoded frame in r->frame: 1, 0 at the end, or an error. */
static hs_status reader_next(reader *r, int *got) {
  *got = 0;
  for (;;) {
    int rc = avcodec_receive_frame(r->dec, r->frame);
    if (rc == 0) {
      *got = 1;
      return HS_OK;
    }
    if (rc == AVERROR_EOF)
      return HS_OK;
    if (rc != AVERROR(EAGAIN))
      return av_fail(r->path, "decoding failed", rc);
    rc = av_read_frame(r->ic, r->pkt);
    if (rc < 0) {
      if (r->flushed)
        return HS_OK;
      r->flushed = 1;
      rc = avcodec_send_packet(r->dec, NULL);
    } else {
      rc = r->pkt->stream_index == r->stream ? avcodec_send_packet(r->dec, r->pkt) : 0;
      av_packet_unref(r->pkt);
    }
    if (rc < 0 && rc != AVERROR_EOF)
      return av_fail(r->path, "the decoder refused a packet", rc);
  }
}

static void reader_free(reader *r) {
  avcodec_free_context(&r->dec);
  av_packet_free(&r->pkt);
  av_frame_free(&r->frame);
  avformat_close_input(&r->ic);
}

/* ---- the edits ---------------------------------------------------------------- */

/* Reverses every row of the three planes (the chroma planes are half as
 * wide, rounded up). */
static void mirror(AVFrame *f) {
  for (int p = 0; p < 3; p++) {
    int w = p ? (f->width + 1) / 2 : f->width, h = p ? (f->height + 1) / 2 : f->height;
    for (int y = 0; y < h; y++) {
      uint8_t *row = f->data[p] + (size_t)y * f->linesize[p];
      for (int a = 0, b = w - 1; a < b; a++, b--) {
        uint8_t t = row[a];
        row[a] = row[b];
        row[b] = t;
      }
    }
  }
}

/* Black (limited-range YUV) over the whole frame. */
static void fill_black(AVFrame *f) {
  for (int p = 0; p < 3; p++) {
    int h = p ? (f->height + 1) / 2 : f->height;
    memset(f->data[p], p ? 128 : 16, (size_t)f->linesize[p] * h);
  }
}

static int even(double v) { return 2 * (int)lround(v / 2); }

/* The edited clip's shape. */
static void edit_shape(int edit, int in_w, int in_h, int *w, int *h, int *fps, int64_t *rate,
                       int box[2]) {
  *w = in_w, *h = in_h, *fps = CLIP_FPS, *rate = 0;
  box[0] = in_w, box[1] = in_h; /* the picture's size inside the frame */
  if (edit == CLIP_LOW_BITRATE)
    *rate = CLIP_LOW_BITRATE_BPS;
  else if (edit == CLIP_360P)
    *w = box[0] = even(360.0 * in_w / in_h), *h = box[1] = 360;
  else if (edit == CLIP_FPS15)
    *fps = CLIP_FPS / 2;
  else if (edit == CLIP_LETTERBOX)
    *w = box[0] = 360, *h = 640, box[1] = even(360.0 * in_h / in_w);
}

/* Is decoded frame `i` (from 0) of `frames` in the edited clip? */
static int kept(int edit, int i, int frames) {
  if (edit == CLIP_FPS15)
    return i % 2 == 0;
  if (edit == CLIP_TRIM_MIDDLE)
    return i >= frames / 4 && i < frames / 4 + frames / 2;
  return 1;
}

hs_status clip_edit(const char *src, const char *dst, int edit, int frames) {
  HS_CHECK(edit > CLIP_IDENTITY && edit < CLIP_NEDITS, HS_ERR_INVALID_ARG,
           "clip_edit: bad edit %d", edit);
  video_log_reset();
  reader r;
  writer w;
  memset(&w, 0, sizeof w);
  AVFrame *out = NULL;
  struct SwsContext *sws = NULL;
  hs_status st = reader_open(&r, src);
  int got = 0, n = 0, written = 0, ow = 0, oh = 0, box[2] = {0, 0};
  while (st == HS_OK && (st = reader_next(&r, &got)) == HS_OK && got) {
    const AVFrame *in = r.frame;
    if (!out) { /* the first frame sets the shapes */
      int fps;
      int64_t rate;
      edit_shape(edit, in->width, in->height, &ow, &oh, &fps, &rate, box);
      if ((st = writer_open(&w, dst, ow, oh, fps, rate)) != HS_OK)
        break;
      if (!(out = yuv_frame(ow, oh))) {
        st = error_set(HS_ERR_NOMEM, "%s: out of memory for a frame", dst);
        break;
      }
    }
    if (kept(edit, n++, frames)) {
      sws = sws_getCachedContext(sws, in->width, in->height, in->format, box[0], box[1],
                                 AV_PIX_FMT_YUV420P, SWS_BICUBIC, NULL, NULL, NULL);
      if (!sws || av_frame_make_writable(out) < 0) {
        st = error_set(HS_ERR_UNSUPPORTED, "%s: cannot convert the frames of %s", dst, src);
        break;
      }
      uint8_t *dp[4] = {out->data[0], out->data[1], out->data[2], NULL};
      if (edit == CLIP_LETTERBOX) { /* the picture centred, bands above and below */
        int top = even((oh - box[1]) / 2.0);
        fill_black(out);
        dp[0] += (size_t)top * out->linesize[0];
        dp[1] += (size_t)(top / 2) * out->linesize[1];
        dp[2] += (size_t)(top / 2) * out->linesize[2];
      }
      sws_scale(sws, (const uint8_t *const *)in->data, in->linesize, 0, in->height, dp,
                out->linesize);
      if (edit == CLIP_MIRROR)
        mirror(out);
      st = writer_put(&w, out);
      written++;
    }
    av_frame_unref(r.frame);
  }
  if (st == HS_OK && written == 0)
    st = error_set(HS_ERR_DECODE, "%s: no frame of %s decoded for the edit", dst, src);
  if (st == HS_OK)
    st = writer_finish(&w);
  sws_freeContext(sws);
  av_frame_free(&out);
  writer_free(&w);
  reader_free(&r);
  return st;
}
