/* scan/pipeline.h - internal: the scan scheduler, the only owner of the
 * scan's threads.
 *
 *   coordinator (the calling thread): produce items in source order into a
 *                        window of slots -> (device path) batch decoded
 *                        planes to the device -> hand completed items, in
 *                        source order, to the consumer (matching, output,
 *                        store); the watchdog
 *   worker threads:      read + digest + decode (libvips) each queued item
 *                        and look for added borders (unletterbox); on the
 *                        CPU path also PDQ it and its content region (on
 *                        the device path both go into the batch). A file libvips does
 *                        not decode is sniffed (libavformat); a video is
 *                        decoded there (vPDQ's sampling, see
 *                        hashsweep/video.h). On the CPU path its sampled
 *                        frames are hashed with the CPU PDQ as they come;
 *                        on the device path each sampled frame's plane
 *                        (and its content region) is copied into the plane
 *                        budget and goes into the device batches beside
 *                        the images' planes, while the worker decodes on:
 *                        one video fills many batches. Either way a video
 *                        ends up holding only its frame hashes
 *                        (hs_query_frame, 280 bytes each: 14,400 for a
 *                        4-hour video at one per second), never its
 *                        pictures. Images pay nothing for this: only files
 *                        that fail as images are sniffed.
 *
 * Memory stays bounded whatever the archive size or video length: at most
 * `window` items are in flight, and device planes waiting for a batch,
 * images' and video frames' alike, are limited to `plane_budget` bytes (one
 * plane is always admitted, however large): a worker whose video samples
 * frames faster than the device hashes them waits for budget, as one with
 * an image does. Decoding never runs more than `window` items ahead of the
 * consumer.
 *
 * The watchdog: an item a worker has been on for item_timeout_ms becomes
 * an error record (HS_ERR_TIMEOUT) and the scan goes on; the worker, maybe
 * blocked in a read() that never returns (a hung network file system), is
 * left behind (detached: it frees itself if the call ever returns, and
 * never touches the pipeline again) and a new worker takes its place.
 * After max_abandoned such items the run stops with HS_ERR_TIMEOUT: the
 * file system is not answering, and rerunning resumes. Workers are plain
 * threads rather than OpenMP's for this: an OpenMP team cannot finish
 * while one of its threads is stuck. */
#ifndef HS_SCAN_PIPELINE_H
#define HS_SCAN_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "hashsweep/device.h"
#include "hashsweep/hash.h"
#include "hashsweep/video.h"
#include "hashsweep/video_match.h"
#include "scan/sources.h"

typedef enum item_kind {
  ITEM_DECODE = 0,  /* read, decode and hash it */
  ITEM_READY = 1,   /* nothing to compute (error from the sources, or hashes
                       already known): passes straight to the consumer */
} item_kind;

/* One work item. The producer fills path/kind/user fields; the pipeline
 * fills the results. */
typedef struct scan_item {
  uint64_t seq;              /* position in the sources, 0-based */
  char path[SOURCES_MAX_PATH];
  item_kind kind;
  /* results */
  hs_status status;          /* HS_OK, or the per-file failure */
  char error[512];           /* one-line cause when status != HS_OK */
  hs_image_info info;
  hs_pdq pdq;
  hs_pdq content;            /* the content region's PDQ inside added
                                borders, when has_content */
  int has_content;
  /* a video (status HS_OK: its frames were hashed; an error: it was
   * recognised as a video and failed) */
  int is_video;
  hs_video_info video;
  hs_query_frame *frames;    /* nframes sampled frames, then ncontent of
                                their content regions (unletterbox), owned
                                by the slot (the producer may set them:
                                stored hashes) */
  size_t nframes, ncontent;
  /* for the producer/consumer's own use */
  int64_t mtime_ns;
  uint64_t size;
  int flags;
  void *user;
  /* pipeline internals */
  int state;
  hs_luma plane;             /* device path: the decoded plane, owned */
  size_t plane_cap;
  hs_content_box content_box; /* device path: the content region in
                                 `plane` when has_content (its PDQ is
                                 computed in the same batch) */
  /* device path, a video: the planes of its sampled frames wait in this
   * list for device batches while the worker decodes on; their hashes
   * land in frames[] (nframes grows as frames are sampled) and, for
   * content regions, in cframes[], joined after the frames when the last
   * plane is hashed. */
  struct frame_plane *vplanes, *vplanes_tail;
  size_t vpending;           /* its planes queued or in a batch */
  size_t frames_cap;
  hs_query_frame *cframes;
  size_t ncframes, cframes_cap;
} scan_item;

typedef struct pipeline_config {
  int workers;               /* decode threads (>= 1) */
  size_t window;             /* items in flight */
  size_t commit_items;       /* hand completed items over in groups of this */
  double commit_seconds;     /* ... or after this long */
  hs_engine *engine;         /* PDQ in batches on this engine when
                                device_batch > 0 (callers set it for a
                                device); else PDQ on the workers */
  size_t device_batch;       /* planes per engine launch */
  size_t plane_budget;       /* bytes of planes waiting for the device */
  hs_decode_options decode;
  hs_video_options video;    /* decoding videos: limits and sampling */
  int videos;                /* 1: a file that is not an image is sniffed and,
                                when a video, decoded as one (else it is
                                the image decoder's error) */
  int item_timeout_ms;       /* watchdog: give up on an item after this
                                (0: never) */
  size_t max_abandoned;      /* stop the run after giving up on more */
  const hs_cancel *cancel;   /* the run's cancel handle, or NULL: once
                                triggered no item is produced; those in
                                flight are finished and handed over, then
                                the run returns HS_ERR_INTERRUPTED */
  /* Called on the coordinator thread. produce: fill the next item (seq,
   * path, kind...) and return 1, or 0 at the end, or -1 (fatal, error set).
   * consume: the next completed items in seq order; a non-OK return stops
   * the scan (fatal). tick: twice a second and at the end. */
  int (*produce)(void *ctx, scan_item *item);
  hs_status (*consume)(void *ctx, scan_item *const *items, size_t n);
  void (*tick)(void *ctx, int done);
  void *ctx;
} pipeline_config;

/* The watchdog's limit for a decode configuration: twice its read timeout
 * (a file whose reads progress gives up by itself within the timeout; an
 * item still busy after twice that is stuck), 0 when reads have none. */
static inline int pipeline_item_timeout(const hs_decode_options *d) {
  return d->read_timeout_ms > 0 && d->read_timeout_ms <= 1000000000 ? 2 * d->read_timeout_ms : 0;
}

/* The sizing every caller shares: `jobs` workers (<= 0: one per core), a
 * window of 8 items per worker plus 64, device batches of 32 planes within
 * 1 GiB (HASHSWEEP_PLANE_BUDGET=BYTES in the environment sets another
 * budget: tests and memory checks) when `engine` runs PDQ on a device, the decode options and the
 * watchdog that follows from them (at least 4 stuck files tolerated), the
 * default video options, videos off.
 * Clears everything else: the caller sets commit_*, the callbacks and ctx. */
void pipeline_config_init(pipeline_config *c, int jobs, hs_engine *engine,
                          const hs_decode_options *decode);

/* Runs the whole pipeline; returns the first fatal status. */
hs_status pipeline_run(const pipeline_config *cfg);

/* Abandoned workers (of any run in this process) whose stuck call has not
 * returned yet. A process that wants to exit cleanly after releasing a
 * stuck file system waits for 0: a detached thread still decoding when
 * exit() runs the libraries' clean-up handlers would race with them. */
size_t pipeline_abandoned_alive(void);

#endif
