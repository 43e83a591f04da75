/* video/video_open.c - opening a video safely: our own descriptor behind a
 * custom AVIOContext, content probing, the demuxer and decoder allowlists,
 * and the limits that can be checked before any frame decodes.
 *
 * Why a custom AVIOContext: libavformat given a path picks a protocol and
 * lets demuxers open further URLs (HLS segments, concat entries, MOV
 * external references, image2 patterns). Here FFmpeg only ever sees bytes
 * we read with pread from the one file we opened, and io_open (the hook
 * every nested open goes through) refuses, so a crafted "video" cannot
 * make the scanner read another file. The demuxer allowlist is checked on
 * the probed format before it runs, and again via format_whitelist. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/log.h>

#include "core/clock.h"
#include "core/digest.h"
#include "core/error.h"
#include "core/log.h"
#include "image/decode.h"
#include "video/video_internal.h"

/* Demuxer names FFmpeg reports (AVInputFormat.name) that may run. */
static const char *const allowed_demuxers[] = {
    "mov,mp4,m4a,3gp,3g2,mj2", /* MP4, MOV, 3GP */
    "matroska,webm",
    "avi",
    "mpegts",
    "flv",
};
/* Short names reported in info->format for each, in the same order. */
static const char *const demuxer_short[] = {"mp4", "matroska", "avi", "mpegts", "flv"};
#define FORMAT_WHITELIST "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,flv"

/* Video decoders that may run (by codec id; FFmpeg picks its default
 * decoder for the id, as vPDQ does). AV1 only where a decoder exists. */
static const enum AVCodecID allowed_codecs[] = {
    AV_CODEC_ID_H264, AV_CODEC_ID_HEVC,  AV_CODEC_ID_VP8,   AV_CODEC_ID_VP9,
    AV_CODEC_ID_AV1,  AV_CODEC_ID_MPEG4, AV_CODEC_ID_MJPEG,
};
/* Decoders avformat_find_stream_info may open while it analyses the
 * streams: the video ones above and the common audio ones (audio is never
 * decoded afterwards). */
#define CODEC_WHITELIST                                                                    \
  "h264,hevc,vp8,vp9,libdav1d,libaom-av1,av1,mpeg4,mjpeg,aac,aac_fixed,mp3,mp3float,opus," \
  "libopus,vorbis,ac3,eac3,flac,alac,pcm_s16le,pcm_s16be,pcm_s24le,pcm_u8,pcm_f32le,"       \
  "pcm_alaw,pcm_mulaw"

/* Bytes read for probing (demuxers that need more, e.g. MPEG-TS, find
 * enough packets in this). */
#define PROBE_BYTES 65536
#define AVIO_BUFFER 65536

/* ---- libav's log: to our debug log, and the first complaint per thread ------ */

static _Thread_local char first_msg[256];
static pthread_once_t log_once = PTHREAD_ONCE_INIT;

/* Warnings go to the debug log only; the first error-level message on the
 * thread is kept as the cause to report (e.g. "moov atom not found"). */
static void log_cb(void *avcl, int level, const char *fmt, va_list vl) {
  if (level > AV_LOG_WARNING)
    return;
  char line[512];
  int prefix = 1;
  va_list copy;
  va_copy(copy, vl);
  av_log_format_line2(avcl, level, fmt, copy, line, sizeof line, &prefix);
  va_end(copy);
  size_t n = strlen(line);
  while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    line[--n] = '\0';
  log_debug("ffmpeg: %s", line);
  if (level <= AV_LOG_ERROR && !first_msg[0]) {
    /* Without the "[mov,mp4,... @ 0x...] " context prefix. */
    char plain[256];
    vsnprintf(plain, sizeof plain, fmt, vl);
    n = strlen(plain);
    while (n && (plain[n - 1] == '\n' || plain[n - 1] == '\r' || plain[n - 1] == '.'))
      plain[--n] = '\0';
    snprintf(first_msg, sizeof first_msg, "%s", plain);
  }
}

static void init_log(void) { av_log_set_callback(log_cb); }

void video_log_reset(void) {
  pthread_once(&log_once, init_log);
  first_msg[0] = '\0';
}

const char *video_log_first(void) { return first_msg; }

const char *video_averror(int err, char *buf, size_t cap) {
  if (av_strerror(err, buf, cap) < 0)
    snprintf(buf, cap, "FFmpeg error %d", err);
  return buf;
}

/* ---- I/O on our descriptor --------------------------------------------------- */

static int read_cb(void *opaque, uint8_t *buf, int size) {
  video_src *v = opaque;
  for (;;) {
    ssize_t n = pread(v->fd, buf, (size_t)size, v->pos);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return AVERROR(errno);
    if (n == 0)
      return AVERROR_EOF;
    v->pos += n;
    return (int)n;
  }
}

static int64_t seek_cb(void *opaque, int64_t offset, int whence) {
  video_src *v = opaque;
  whence &= ~AVSEEK_FORCE;
  int64_t to;
  switch (whence) {
  case AVSEEK_SIZE: return v->size;
  case SEEK_SET: to = offset; break;
  case SEEK_CUR: to = v->pos + offset; break;
  case SEEK_END: to = v->size + offset; break;
  default: return AVERROR(EINVAL);
  }
  if (to < 0)
    return AVERROR(EINVAL);
  v->pos = to;
  return to;
}

/* Every nested open (HLS segment, concat entry, MOV reference, ...) comes
 * here and is refused. */
static int refuse_open(AVFormatContext *s, AVIOContext **pb, const char *url, int flags,
                       AVDictionary **options) {
  (void)pb;
  (void)flags;
  (void)options;
  video_src *v = s->opaque;
  if (v)
    v->refused_open = 1;
  log_debug("video: refused a nested open of '%s'", url ? url : "");
  return AVERROR(EPERM);
}

/* Stops libavformat's blocking loops once the decode time is spent. */
static int interrupt_cb(void *opaque) {
  video_src *v = opaque;
  if (v->deadline > 0 && clock_now_s() > v->deadline) {
    v->timed_out = 1;
    return 1;
  }
  return 0;
}

/* ---- opening the file --------------------------------------------------------- */

static hs_status open_fd(const char *path, int *fd_out, struct stat *st) {
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT)
      return error_set(HS_ERR_NOT_FOUND, "%s: no such file", path);
    return error_set(HS_ERR_IO, "%s: cannot open: %s", path, strerror(e));
  }
  if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
    int dir = S_ISDIR(st->st_mode);
    close(fd);
    return error_set(HS_ERR_IO, "%s: %s", path,
                     dir ? "is a directory, not a video file"
                         : "not a regular file (FIFO, socket or device)");
  }
  *fd_out = fd;
  return HS_OK;
}

/* Index in allowed_demuxers, or -1. */
static int demuxer_index(const char *name) {
  for (size_t i = 0; i < sizeof allowed_demuxers / sizeof allowed_demuxers[0]; i++)
    if (strcmp(name, allowed_demuxers[i]) == 0)
      return (int)i;
  return -1;
}

/* libavformat's best guess for these bytes by content alone (no file
 * name, so no extension score), or NULL when nothing is confident. */
static const AVInputFormat *probe_bytes(const uint8_t *data, size_t n, int *score) {
  uint8_t *buf = av_mallocz(n + AVPROBE_PADDING_SIZE);
  if (!buf)
    return NULL;
  memcpy(buf, data, n);
  AVProbeData pd = {.filename = "", .buf = buf, .buf_size = (int)n};
  *score = 0;
  const AVInputFormat *f = av_probe_input_format3(&pd, 1, score);
  av_free(buf);
  return f && *score >= AVPROBE_SCORE_RETRY ? f : NULL;
}

static int is_image_demuxer(const char *name) {
  size_t n = strlen(name);
  return (n > 5 && strcmp(name + n - 5, "_pipe") == 0) || strcmp(name, "image2") == 0 ||
         strcmp(name, "gif") == 0 || strcmp(name, "apng") == 0 || strcmp(name, "webp") == 0;
}

hs_status hs_video_sniff_file(const char *path, int *is_video, char *container, size_t cap) {
  HS_CHECK(path && is_video, HS_ERR_INVALID_ARG, "hs_video_sniff_file: NULL argument");
  *is_video = 0;
  if (container && cap)
    container[0] = '\0';
  int fd;
  struct stat st;
  HS_TRY(open_fd(path, &fd, &st));
  uint8_t buf[PROBE_BYTES];
  ssize_t n;
  do
    n = pread(fd, buf, sizeof buf, 0);
  while (n < 0 && errno == EINTR);
  int e = errno;
  close(fd);
  if (n < 0)
    return error_set(HS_ERR_IO, "%s: read failed: %s", path, strerror(e));
  if (n == 0 || decode_is_trusted_image(buf, (size_t)n))
    return HS_OK;
  video_log_reset();
  int score;
  const AVInputFormat *f = probe_bytes(buf, (size_t)n, &score);
  if (!f || is_image_demuxer(f->name))
    return HS_OK;
  *is_video = 1;
  if (container && cap)
    snprintf(container, cap, "%s", f->name);
  return HS_OK;
}

/* What kind of refusal to report for a demuxer outside the allowlist. */
static const char *refusal_reason(const char *name) {
  static const char *const reference[] = {"hls", "concat", "dash", "image2", "mpl2",
                                          "ffmetadata", "imf", "tee", "data"};
  for (size_t i = 0; i < sizeof reference / sizeof reference[0]; i++)
    if (strcmp(name, reference[i]) == 0)
      return "a playlist or reference format that opens other files";
  return "not an allowed video container";
}

static hs_status open_demuxer(video_src *v, const char *path, hs_video_info *info) {
  uint8_t head[PROBE_BYTES];
  ssize_t n;
  do
    n = pread(v->fd, head, sizeof head, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return error_set(HS_ERR_IO, "%s: read failed: %s", path, strerror(errno));
  if (n == 0)
    return error_set(HS_ERR_DECODE, "%s: empty file (0 bytes)", path);
  int score;
  const AVInputFormat *f = probe_bytes(head, (size_t)n, &score);
  if (!f)
    return error_set(HS_ERR_UNSUPPORTED, "%s: not a video in a supported format", path);
  int idx = demuxer_index(f->name);
  if (idx < 0)
    return error_set(HS_ERR_UNSUPPORTED, "%s: refused: the '%s' format is %s", path, f->name,
                     refusal_reason(f->name));
  snprintf(info->format, sizeof info->format, "%s", demuxer_short[idx]);

  uint8_t *iobuf = av_malloc(AVIO_BUFFER);
  v->avio = iobuf ? avio_alloc_context(iobuf, AVIO_BUFFER, 0, v, read_cb, NULL, seek_cb) : NULL;
  v->fmt = avformat_alloc_context();
  if (!v->avio || !v->fmt) {
    if (!v->avio)
      av_free(iobuf);
    return error_set(HS_ERR_NOMEM, "%s: out of memory opening the video", path);
  }
  v->fmt->pb = v->avio;
  v->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
  v->fmt->opaque = v;
  v->fmt->io_open = refuse_open;
  v->fmt->interrupt_callback.callback = interrupt_cb;
  v->fmt->interrupt_callback.opaque = v;
  AVDictionary *opts = NULL;
  av_dict_set(&opts, "format_whitelist", FORMAT_WHITELIST, 0);
  av_dict_set(&opts, "protocol_whitelist", "file", 0);
  av_dict_set(&opts, "codec_whitelist", CODEC_WHITELIST, 0);
  av_dict_set(&opts, "enable_drefs", "0", 0);
  int rc = avformat_open_input(&v->fmt, "", f, &opts);
  av_dict_free(&opts);
  if (rc < 0) {
    /* avformat_open_input frees the context on failure. */
    v->fmt = NULL;
    char why[128];
    const char *detail = video_log_first()[0] ? video_log_first() : video_averror(rc, why, sizeof why);
    if (v->timed_out)
      return error_set(HS_ERR_TIMEOUT, "%s: opening took longer than the decode time limit", path);
    return error_set(HS_ERR_DECODE, "%s: cannot read %s header: %s", path, info->format, detail);
  }
  return HS_OK;
}

static hs_status check_declared(const char *path, const AVStream *s, const hs_video_options *o,
                                hs_video_info *info) {
  const AVCodecParameters *par = s->codecpar;
  info->width = par->width;
  info->height = par->height;
  uint64_t pixels = (uint64_t)(par->width > 0 ? par->width : 0) *
                    (uint64_t)(par->height > 0 ? par->height : 0);
  if (pixels > o->max_frame_pixels)
    return error_set(HS_ERR_LIMIT,
                     "%s: frames are %dx%d (%.1f megapixels), above the frame pixel limit of "
                     "%.1f megapixels",
                     path, par->width, par->height, pixels / 1e6, o->max_frame_pixels / 1e6);
  return HS_OK;
}

static hs_status find_video_stream(video_src *v, const char *path) {
  v->stream = -1;
  /* The first video stream, as vPDQ takes it. */
  for (unsigned i = 0; i < v->fmt->nb_streams; i++)
    if (v->fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
      v->stream = (int)i;
      break;
    }
  if (v->stream < 0)
    return error_set(HS_ERR_DECODE, "%s: no video stream", path);
  enum AVCodecID id = v->fmt->streams[v->stream]->codecpar->codec_id;
  for (size_t i = 0; i < sizeof allowed_codecs / sizeof allowed_codecs[0]; i++)
    if (id == allowed_codecs[i])
      return HS_OK;
  return error_set(HS_ERR_UNSUPPORTED, "%s: refused: video codec '%s' is not allowed", path,
                   avcodec_get_name(id));
}

/* Frame rate as vPDQ reads it: the average, else the real base rate. */
static hs_status stream_fps(const char *path, const AVStream *s, hs_video_info *info) {
  AVRational r = s->avg_frame_rate;
  if (r.num == 0 || r.den == 0)
    r = s->r_frame_rate;
  double fps = r.den ? (double)r.num / (double)r.den : 0.0;
  if (!(fps > 0.0))
    return error_set(HS_ERR_CORRUPT, "%s: the video declares no frame rate", path);
  if (!isfinite(fps) || fps > HS_VIDEO_MAX_FPS)
    return error_set(HS_ERR_CORRUPT, "%s: absurd frame rate %d/%d (%.6g fps, at most %.0f)", path,
                     r.num, r.den, fps, HS_VIDEO_MAX_FPS);
  info->fps = fps;
  return HS_OK;
}

static hs_status check_duration(const char *path, video_src *v, const hs_video_options *o,
                                hs_video_info *info) {
  const AVStream *s = v->fmt->streams[v->stream];
  double d = -1.0;
  if (v->fmt->duration != AV_NOPTS_VALUE && v->fmt->duration > 0)
    d = (double)v->fmt->duration / AV_TIME_BASE;
  else if (s->duration != AV_NOPTS_VALUE && s->duration > 0)
    d = (double)s->duration * av_q2d(s->time_base);
  info->duration = d;
  if (o->max_duration_s > 0 && d > o->max_duration_s)
    return error_set(HS_ERR_LIMIT, "%s: video is %.1f s long, above the duration limit of %.0f s",
                     path, d, o->max_duration_s);
  return HS_OK;
}

static hs_status open_decoder(video_src *v, const char *path, const hs_video_options *o,
                              hs_video_info *info) {
  const AVCodecParameters *par = v->fmt->streams[v->stream]->codecpar;
  const AVCodec *codec = avcodec_find_decoder(par->codec_id);
  if (!codec)
    return error_set(HS_ERR_UNSUPPORTED, "%s: no decoder for video codec '%s' in this FFmpeg",
                     path, avcodec_get_name(par->codec_id));
  snprintf(info->codec, sizeof info->codec, "%s", codec->name);
  v->dec = avcodec_alloc_context3(codec);
  if (!v->dec)
    return error_set(HS_ERR_NOMEM, "%s: out of memory for the decoder", path);
  if (avcodec_parameters_to_context(v->dec, par) < 0)
    return error_set(HS_ERR_DECODE, "%s: bad codec parameters", path);
  if (v->exact) {
    /* vPDQ's threading: slice threads where the codec has them, else one
     * thread. Frame threads would hold more frames back at the end, and
     * vPDQ does not always flush them (see video_hash.c). */
    v->dec->thread_count = 0;
    if (codec->capabilities & AV_CODEC_CAP_SLICE_THREADS)
      v->dec->thread_type = FF_THREAD_SLICE;
    else
      v->dec->thread_count = 1;
  } else {
    v->dec->thread_count = o->threads;
    v->dec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  }
  AVDictionary *opts = NULL;
  av_dict_set(&opts, "codec_whitelist", CODEC_WHITELIST, 0);
  int rc = avcodec_open2(v->dec, codec, &opts);
  av_dict_free(&opts);
  if (rc < 0) {
    char why[128];
    return error_set(HS_ERR_DECODE, "%s: cannot open the %s decoder: %s", path, codec->name,
                     video_averror(rc, why, sizeof why));
  }
  return HS_OK;
}

static hs_status open_streams(video_src *v, const char *path, const hs_video_options *o,
                              hs_video_info *info) {
  /* Containers without a header (FLV, MPEG-TS) may only show their streams
   * once packets are read, by avformat_find_stream_info. */
  int later = v->fmt->nb_streams == 0 && (v->fmt->ctx_flags & AVFMTCTX_NOHEADER);
  if (!later) {
    HS_TRY(find_video_stream(v, path));
    /* Declared size and codec before any frame decodes
     * (avformat_find_stream_info decodes some): a bomb is refused from the
     * header alone. */
    HS_TRY(check_declared(path, v->fmt->streams[v->stream], o, info));
  }
  int rc = avformat_find_stream_info(v->fmt, NULL);
  if (v->timed_out)
    return error_set(HS_ERR_TIMEOUT, "%s: probing took longer than the decode time limit", path);
  if (v->refused_open)
    return error_set(HS_ERR_UNSUPPORTED, "%s: refused: the file refers to other files", path);
  if (rc < 0) {
    char why[128];
    return error_set(HS_ERR_DECODE, "%s: cannot read the stream information: %s", path,
                     video_averror(rc, why, sizeof why));
  }
  if (later)
    HS_TRY(find_video_stream(v, path));
  const AVStream *s = v->fmt->streams[v->stream];
  HS_TRY(check_declared(path, s, o, info));
  if (info->width <= 0 || info->height <= 0)
    return error_set(HS_ERR_DECODE, "%s: the video stream declares no frame size", path);
  HS_TRY(stream_fps(path, s, info));
  HS_TRY(check_duration(path, v, o, info));
  return open_decoder(v, path, o, info);
}

void video_close(video_src *v) {
  avcodec_free_context(&v->dec);
  if (v->fmt)
    avformat_close_input(&v->fmt);
  if (v->avio) {
    av_freep(&v->avio->buffer);
    avio_context_free(&v->avio);
  }
  if (v->fd >= 0)
    close(v->fd);
  v->fd = -1;
}

hs_status video_open(video_src *v, const char *path, const hs_decode_options *dopts,
                     const hs_video_options *vopts, hs_video_info *info) {
  memset(v, 0, sizeof *v);
  v->fd = -1;
  v->name = path;
  v->exact = dopts->mode != HS_MODE_FAST;
  video_log_reset();
  struct stat st;
  HS_TRY(open_fd(path, &v->fd, &st));
  v->size = (int64_t)st.st_size;
  info->file_bytes = (uint64_t)st.st_size;
  double t0 = clock_now_s();
  if (vopts->max_decode_s > 0)
    v->deadline = t0 + vopts->max_decode_s;
  hs_status rc = HS_OK;
  if (dopts->want_digests) {
    rc = digest_fd(v->fd, path, vopts->max_decode_s, info->md5, info->sha256, &info->file_bytes);
    info->has_digests = rc == HS_OK;
  }
  if (rc == HS_OK)
    rc = open_demuxer(v, path, info);
  if (rc == HS_OK)
    rc = open_streams(v, path, vopts, info);
  if (rc != HS_OK)
    video_close(v);
  return rc;
}

void hs_video_options_default(hs_video_options *o) {
  memset(o, 0, sizeof *o);
  o->seconds_per_hash = 1.0;
  o->max_duration_s = HS_VIDEO_DEFAULT_MAX_DURATION_S;
  o->max_frames = HS_VIDEO_DEFAULT_MAX_FRAMES;
  o->max_frame_pixels = HS_VIDEO_DEFAULT_MAX_FRAME_PIXELS;
  o->max_decode_s = HS_VIDEO_DEFAULT_MAX_DECODE_S;
  o->threads = 0;
}
