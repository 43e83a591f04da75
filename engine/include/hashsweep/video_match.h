/* hashsweep/video_match.h - matching a video's sampled frames against the
 * index: video entries by vPDQ's rule, image entries frame by frame.
 *
 * vPDQ's rule (python-threatexchange's defaults): frames of the scanned
 * video below the quality gate are dropped and duplicate frame hashes
 * removed; a frame counts as matched when its PDQ, or one of its dihedral
 * hashes (a mirrored video must match), is within the radius of a frame of
 * the listed video. The scanned video matches a listed one when the share
 * of its unique frames that matched is at least query_percent and the
 * share of the listed video's unique frames that were matched is at least
 * compared_percent. Beyond vPDQ, a frame within the radius of an image
 * entry is reported too (a listed photo shown inside a video).
 *
 * Used by scan, rescan (frames from the store, no decoding) and serve. */
#ifndef HASHSWEEP_VIDEO_MATCH_H
#define HASHSWEEP_VIDEO_MATCH_H

#include "hashsweep/hash.h"
#include "hashsweep/index.h"
#include "hashsweep/match.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HS_VIDEO_DEFAULT_QUERY_PERCENT 80.0
#define HS_VIDEO_DEFAULT_COMPARED_PERCENT 0.0

/* One sampled frame of the scanned video. */
typedef struct hs_query_frame {
  int64_t frame;      /* frame number (vPDQ's: decoded frames counted from 0) */
  double timestamp;   /* seconds */
  hs_pdq pdq;         /* hash[0] the frame's own PDQ, hash[1..7] dihedral */
} hs_query_frame;

typedef struct hs_video_match_options {
  size_t struct_size;      /* sizeof(hs_video_match_options) */
  int radius;              /* inclusive (default HS_PDQ_DEFAULT_RADIUS) */
  int min_quality;         /* frame quality gate (default HS_PDQ_MIN_QUALITY) */
  double query_percent;    /* default HS_VIDEO_DEFAULT_QUERY_PERCENT */
  double compared_percent; /* default HS_VIDEO_DEFAULT_COMPARED_PERCENT */
  int frame_image_matches; /* report frames within the radius of image
                              entries (default 1) */
  const char *list;        /* only this list (NULL: all) */
  uint64_t since_version;  /* only entries added after this index version
                              (0: all): what a rescan has not matched yet */
  /* Per-list radius (docs/guard.md): list_radius[id] (0..256) for the
   * entries of list id < nlists, `radius` for the others. The search runs
   * at the largest of them and each frame pair or frame hit is kept only
   * within its entry's list's radius. NULL: `radius` for every list.
   * Copied by hs_video_matcher_open. */
  const int16_t *list_radius;
  size_t nlists;
  /* Per-list frame quality gate (docs/guard.md), like list_radius (nlists
   * entries, 0..100, NULL: `min_quality` for every list): a frame below
   * its list's gate does not count for that list's entries, on either
   * side (the scanned video's frames and the listed video's), nor for a
   * frame hit on its image entries. `min_quality` stays the floor: a list
   * gate below it does not let lower frames in. Copied by
   * hs_video_matcher_open. */
  const int16_t *list_min_quality;
} hs_video_match_options;

HS_API void hs_video_match_options_default(hs_video_match_options *o);

/* A time range [start, end] in seconds of the scanned video. */
typedef struct hs_time_range {
  double start, end;
} hs_time_range;

/* The scanned video matches a listed video entry. Borrowed pointers are
 * valid during the callback. */
typedef struct hs_video_hit {
  uint64_t entry;
  unsigned list_id;
  const char *list;
  int distance;            /* smallest frame distance */
  const char *variant;     /* dihedral name of the closest frame pair
                              ("orig", "flipx", ...) */
  double query_percent;    /* share of the scanned video's unique frames
                              that matched, 0..100 */
  double compared_percent; /* share of the listed video's unique frames
                              that were matched, 0..100 */
  uint64_t frames_hashed;  /* frames of the scanned video given */
  const hs_time_range *segments; /* matched frames of the scanned video as
                              merged time ranges, in order */
  size_t nsegments;
} hs_video_hit;

/* A frame within the radius of an image entry (one per entry and frame
 * with the smallest distance; at most one per entry and second of video
 * is reported when frames repeat). */
typedef struct hs_frame_hit {
  uint64_t entry;
  unsigned list_id;
  const char *list;
  int distance;
  const char *variant;
  int64_t frame;
  double timestamp;
} hs_frame_hit;

typedef struct hs_video_matcher hs_video_matcher;

/* Builds the matcher for a snapshot: the frames of every active video
 * entry and the active PDQ image entries, searched on the engine's device
 * (NULL engine: CPU). Rebuild it after hs_index_snapshot_renew. */
HS_API hs_status hs_video_matcher_open(hs_index_snapshot *snap, hs_engine *engine,
                                       const hs_video_match_options *opts,
                                       hs_video_matcher **out);
HS_API void hs_video_matcher_close(hs_video_matcher *m);

/* Matches one video's frames. Calls video_fn for each matching video entry
 * (by entry id) and frame_fn for each frame-to-image hit (by timestamp),
 * either may be NULL. A non-zero return from a callback stops. Thread-safe
 * for concurrent calls on one matcher. */
HS_API hs_status hs_video_match(hs_video_matcher *m, const hs_query_frame *frames, size_t n,
                                int (*video_fn)(void *user, const hs_video_hit *hit),
                                int (*frame_fn)(void *user, const hs_frame_hit *hit),
                                void *user);

/* Reads one video's sampled frames from a vPDQ hash file: Meta's vPDQ text
 * (frameNumber,quality,pdqHex,timestamp lines) or python-threatexchange's
 * JSON array of "pdqHex,quality,timestamp" strings (docs/formats.md). A
 * file holds no dihedral hashes: each frame's 8 are its hash; frame
 * numbers missing from pytx's form are the frames' positions. *frames
 * (free with hs_query_frames_free) and *n. Errors: HS_ERR_NOT_FOUND,
 * HS_ERR_IO, HS_ERR_FORMAT "FILE:LINE: cause" (also for a file that is not
 * exactly one video). */
HS_API hs_status hs_vpdq_read(const char *path, hs_query_frame **frames, size_t *n);
HS_API void hs_query_frames_free(hs_query_frame *frames);

#ifdef __cplusplus
}
#endif
#endif
