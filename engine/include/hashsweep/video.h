/* hashsweep/video.h - video files: recognising them, decoding them with
 * FFmpeg's libraries, and PDQ of frames sampled exactly as Meta's vPDQ.
 *
 * Safety: the file is opened by hashsweep and handed to libavformat through
 * a custom I/O context, so FFmpeg never opens a path itself; any attempt of
 * a demuxer to open another file or URL (playlists, references) is refused.
 * Only an allowlist of demuxers and decoders runs (see docs/video.md). */
#ifndef HASHSWEEP_VIDEO_H
#define HASHSWEEP_VIDEO_H

#include "hashsweep/hash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Defaults of the per-file limits (each has a CLI option). */
#define HS_VIDEO_DEFAULT_MAX_DURATION_S 21600.0        /* 6 hours */
#define HS_VIDEO_DEFAULT_MAX_FRAMES 2000000ULL         /* frames decoded */
#define HS_VIDEO_DEFAULT_MAX_FRAME_PIXELS 35389440ULL  /* 8192 x 4320 */
#define HS_VIDEO_DEFAULT_MAX_DECODE_S 3600.0           /* wall time per file */
/* Frame rates outside (0, HS_VIDEO_MAX_FPS] are refused as corrupt. */
#define HS_VIDEO_MAX_FPS 1000.0

typedef struct hs_video_options {
  double seconds_per_hash; /* sampling period S (default 1); 0: every frame */
  double max_duration_s;   /* refuse a video declared or decoded longer */
  uint64_t max_frames;     /* refuse a video once this many frames decoded */
  uint64_t max_frame_pixels; /* refuse frames with width*height above this */
  double max_decode_s;     /* give up on a file after this much wall time */
  int threads;             /* decoder threads per video (0: FFmpeg's choice) */
} hs_video_options;

HS_API void hs_video_options_default(hs_video_options *opts);

/* What was learnt about a video file. */
typedef struct hs_video_info {
  int width, height;     /* of the first video stream, as declared */
  double fps;            /* average frame rate (else the real base rate) */
  double duration;       /* seconds, as the container declares (-1: none) */
  char format[16];       /* container: "mp4", "matroska", "avi", ... */
  char codec[16];        /* decoder: "h264", "vp9", ... */
  uint64_t frames_decoded;
  uint64_t frames_hashed;
  uint64_t file_bytes;
  uint8_t md5[16];       /* valid when has_digests */
  uint8_t sha256[32];
  int has_digests;
  int partial;           /* decoding stopped early; `note` says why */
  char note[256];
} hs_video_info;

/* One sampled frame: its number counted from 0 in decode order, its time
 * (frame / fps in float32, as vPDQ), and its PDQ (vPDQ's, whatever the
 * options). With unletterbox on (hs_decode_options.no_unletterbox 0), a
 * frame with added borders (a letterbox) also has the PDQ of its content
 * region, cropped to the bands the video's frames agree on (docs/video.md). */
typedef struct hs_video_frame {
  int64_t frame;
  float timestamp;
  hs_pdq pdq;
  int has_content; /* 1: `content` is valid */
  hs_pdq content;
} hs_video_frame;

/* Receives each sampled frame in order. A non-HS_OK return stops the
 * decode and is returned by hs_video_hash_file. `frame` is valid only
 * during the call. */
typedef hs_status (*hs_video_frame_fn)(void *user, const hs_video_frame *frame);

/* One sampled frame before hashing: the luma plane hs_video_hash_file
 * hashes (exact mode: from RGB24 at the declared size; fast mode: the Y
 * plane), and with unletterbox on, when the frame shows added borders, the
 * content region whose PDQ is the frame's content hash (see
 * hs_video_frame). `luma` lives in the workspace: valid only during the
 * call. hs_pdq_from_luma(&luma) and of border_crop(&luma, &box) (or
 * hs_engine_pdq of both) give exactly hs_video_hash_file's frame. */
typedef struct hs_video_plane {
  int64_t frame;
  float timestamp;
  hs_luma luma;
  int has_content; /* 1: `box` is valid */
  hs_content_box box;
} hs_video_plane;

/* Receives each sampled frame's plane in order. A non-HS_OK return stops
 * the decode and is returned by hs_video_decode_file. */
typedef hs_status (*hs_video_plane_fn)(void *user, const hs_video_plane *plane);

/* Is `path` a video? Reads its first bytes: *is_video is 1 when
 * libavformat recognises a media container there and libvips has no
 * trusted image loader for it (so HEIF/AVIF stay images). Allowed or
 * not: a playlist is "video" here and refused by hs_video_hash_file with
 * its reason. `container` (capacity `cap`, may be NULL) receives the
 * demuxer name. Errors: those of opening and reading the file. */
HS_API hs_status hs_video_sniff_file(const char *path, int *is_video, char *container,
                                     size_t cap);

/* Decodes a video file and hashes the frames vPDQ samples: frame n
 * (counted from 1 as decoded) when (n - 1) % step == 0, step =
 * max(1, (int)(S * fps)). dopts->mode: HS_MODE_EXACT converts each sampled
 * frame to RGB24 at full resolution as vPDQ does (same bits as the vpdq
 * package on the same FFmpeg); HS_MODE_FAST takes 8-bit planar YUV frames
 * luma from their Y plane, skipping the RGB conversion (within a measured
 * 6 bits of exact, bench/RESULTS.md), and lets the decoder use frame
 * threads; HS_MODE_STOCK is treated as exact.
 * dopts->want_digests: MD5 and SHA-256 of the file bytes first (into info,
 * even when decoding then fails).
 * Returns HS_OK when at least one frame was hashed (info->partial and
 * info->note tell of a decode that stopped early), else an error:
 * HS_ERR_NOT_FOUND/HS_ERR_IO (the file), HS_ERR_UNSUPPORTED (not a
 * video, a refused container or codec), HS_ERR_DECODE (corrupt, no
 * decodable frame), HS_ERR_LIMIT (a limit), HS_ERR_TIMEOUT, HS_ERR_CORRUPT
 * (absurd declared values). hs_last_error() names the file and cause.
 * Thread-safe for distinct workspaces. */
/* hs_video_hash_file up to the luma planes: decodes and samples the same
 * frames, then hands each plane to `fn` (required) instead of hashing it;
 * info->frames_hashed counts the planes handed over. Same errors, plus
 * whatever `fn` returns. */
HS_API hs_status hs_video_decode_file(const char *path, const hs_decode_options *dopts,
                                      const hs_video_options *vopts, hs_workspace *ws,
                                      hs_video_plane_fn fn, void *user, hs_video_info *info);

HS_API hs_status hs_video_hash_file(const char *path, const hs_decode_options *dopts,
                                    const hs_video_options *vopts, hs_workspace *ws,
                                    hs_video_frame_fn fn, void *user, hs_video_info *info);

#ifdef __cplusplus
}
#endif
#endif
