/* video/video_internal.h - internal: an opened video (demuxer on our own
 * descriptor, the first video stream, its decoder), shared by the opener
 * (video_open.c) and the frame sampler (video_hash.c). The only files that
 * include FFmpeg's headers are in engine/video/. */
#ifndef HS_VIDEO_INTERNAL_H
#define HS_VIDEO_INTERNAL_H

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "hashsweep/video.h"

/* A video being decoded. `fd` is ours; libavformat reads it through `avio`
 * with pread, so no path is ever opened by FFmpeg. */
typedef struct video_src {
  const char *name; /* the path, for messages */
  int fd;
  int64_t size, pos;
  double deadline;  /* clock_now_s() value after which decoding stops */
  int timed_out;
  int refused_open; /* a demuxer tried to open another file or URL */
  AVIOContext *avio;
  AVFormatContext *fmt;
  AVCodecContext *dec;
  int stream;       /* index of the first video stream */
  int exact;        /* vPDQ's threading and end-of-stream behaviour */
} video_src;

/* Opens `path` (our fd), digests it when asked, probes and opens the
 * allowed demuxer and decoder, checks the declared limits, and fills the
 * stream facts of `info`. On failure everything is closed again and the
 * error names the file and the cause. */
hs_status video_open(video_src *v, const char *path, const hs_decode_options *dopts,
                     const hs_video_options *vopts, hs_video_info *info);
void video_close(video_src *v);

/* The first warning or error libav logged on this thread since the last
 * video_log_reset() (empty when none), as one line. */
void video_log_reset(void);
const char *video_log_first(void);

/* "Description: text" of an AVERROR code. */
const char *video_averror(int err, char *buf, size_t cap);

#endif
