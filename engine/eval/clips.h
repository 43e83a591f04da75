/* eval/clips.h - internal: the audit's video clips, written with FFmpeg's
 * libraries (eval/clips.c; no FFmpeg type appears here): an original made
 * from a still picture with camera motion, and the edited copies people
 * make before re-uploading a video (issue 13). */
#ifndef HS_EVAL_CLIPS_H
#define HS_EVAL_CLIPS_H

#include <stddef.h>
#include <stdint.h>

#include "hashsweep/core.h"

/* The video edits, in report order. CLIP_IDENTITY is the control: the
 * original's file itself, hashed again (recall must be 1). */
enum {
  CLIP_IDENTITY = 0,
  CLIP_LOW_BITRATE,
  CLIP_360P,
  CLIP_FPS15,
  CLIP_TRIM_MIDDLE,
  CLIP_MIRROR,
  CLIP_LETTERBOX,
  CLIP_NEDITS
};
const char *clip_edit_name(int edit);     /* "identity", "low-bitrate", ... */
const char *clip_edit_describe(int edit); /* one line */

/* The originals' shape: CLIP_W x CLIP_H at CLIP_FPS. */
#define CLIP_W 854
#define CLIP_H 480
#define CLIP_FPS 30
#define CLIP_LOW_BITRATE_BPS 100000
#define CLIP_SCENES 4 /* camera moves per clip, one per quarter */

/* The encoder this FFmpeg has, first of libx264 (H.264 in MP4), mpeg4
 * (MPEG-4 part 2 in MP4), libvpx (VP8 in WebM). Writes "libx264 (h264,
 * mp4)" or the like into `what`; HS_ERR_UNSUPPORTED when none is there. */
hs_status clip_encoder(char *what, size_t cap);

/* Writes an original clip of `frames` frames: the picture (RGB24, w x h,
 * rows `stride` bytes apart) seen through a moving camera, CLIP_SCENES
 * scenes, each a zoom or pan over another part of it. */
hs_status clip_make(const char *path, const uint8_t *rgb, int w, int h, size_t stride,
                    int frames);

/* Writes `dst`, the clip `src` (of `frames` frames, as clip_make wrote it)
 * under `edit` (not CLIP_IDENTITY): decoded, changed frame by frame, and
 * encoded again. Errors name the file and the cause. */
hs_status clip_edit(const char *src, const char *dst, int edit, int frames);

#endif
