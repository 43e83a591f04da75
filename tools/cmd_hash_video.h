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
  cli_strings written;      /* .vpdq files written by this run */
} hash_video_ctx;

#define HASH_VIDEO_LONGOPTS CLI_VIDEO_LONGOPTS, {"out-dir", required_argument, 0, 0}
#define HASH_VIDEO_OPTIONS_HELP                                                          \
  CLI_VIDEO_OPTIONS_HELP                                                                 \
  "  --out-dir DIR            with --format vpdq: write DIR/<name>.vpdq per video\n"

/* 1 when `name` is a video option (applied), 0 when not, -1 on a bad value
 * (message printed). */
int hash_video_option(const char *name, const char *arg, hash_video_ctx *c);

/* Prints one video's records (hs_video_result_fn's arguments). Returns 0,
 * or 1 when the file failed or was decoded in part (error record or note
 * printed), or -1 on a fatal error. */
int hash_video_result(hash_video_ctx *c, const char *path, hs_status st, const char *error,
                      const hs_video_info *info, const hs_video_frame *frames, size_t n);

/* The error record (JSONL, with md5/sha256 where known) and the stderr
 * line; shared with the image records of cmd_hash.c. */
void hash_print_error(int jsonl, int quiet, const char *path, const char *cause,
                      const uint8_t *md5, const uint8_t *sha256);

#endif
