/* tools/cmd_hash_video.h - `hashsweep hash` for video files: options and
 * the per-file records (kept apart from cmd_hash.c, which handles images). */
#ifndef HS_TOOLS_CMD_HASH_VIDEO_H
#define HS_TOOLS_CMD_HASH_VIDEO_H

#include "cli.h"

enum { HASH_FORMAT_TSV = 0, HASH_FORMAT_JSONL, HASH_FORMAT_VPDQ };

typedef struct hash_video_ctx {
  hs_video_options video;
  hs_decode_options decode; /* mode and digests, as for images */
  int format;               /* HASH_FORMAT_* */
  int dihedral, quiet;
  const char *out_dir;      /* --out-dir: one <name>.vpdq per video */
  hs_workspace *ws;
  cli_strings written;      /* .vpdq files written by this run */
} hash_video_ctx;

#define HASH_VIDEO_LONGOPTS                                                              \
  {"seconds-per-hash", required_argument, 0, 0}, {"max-duration", required_argument, 0, 0}, \
      {"max-frames", required_argument, 0, 0}, {"max-frame-pixels", required_argument, 0, 0}, \
      {"max-decode-time", required_argument, 0, 0},                                        \
      {"video-threads", required_argument, 0, 0}, {"out-dir", required_argument, 0, 0}
#define HASH_VIDEO_OPTIONS_HELP                                                          \
  "video files (recognised by content: MP4/MOV/3GP, Matroska/WebM, AVI, MPEG-TS, FLV):\n"   \
  "  --seconds-per-hash S     hash one frame every S seconds, as vPDQ (default 1;\n"       \
  "                           0: every frame)\n"                                           \
  "  --max-duration S         refuse videos longer than S seconds (default 21600)\n"      \
  "  --max-frames N           refuse videos once N frames are decoded (default 2M)\n"      \
  "  --max-frame-pixels N     refuse frames above N pixels (default 35.4M, 8192x4320)\n"   \
  "  --max-decode-time S      give up on a video after S seconds (default 3600)\n"        \
  "  --video-threads N        decoder threads per video in fast mode (default: auto)\n"   \
  "  --out-dir DIR            with --format vpdq: write DIR/<name>.vpdq per video\n"

/* 1 when `name` is a video option (applied), 0 when not, -1 on a bad value
 * (message printed). */
int hash_video_option(const char *name, const char *arg, hash_video_ctx *c);

/* Hashes one video and prints its records. Returns 0, or 1 when the file
 * failed (error record and message printed), or -1 on a fatal error. */
int hash_video_file(hash_video_ctx *c, const char *path);

/* The error record (JSONL, with md5/sha256 where known) and the stderr
 * line; shared with the image records of cmd_hash.c. */
void hash_print_error(int jsonl, int quiet, const char *path, const char *cause,
                      const uint8_t *md5, const uint8_t *sha256);

#endif
