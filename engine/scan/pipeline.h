/* scan/pipeline.h - internal: the scan scheduler, the only user of OpenMP
 * threads in the scan.
 *
 *   coordinator thread:  produce items in source order into a window of
 *                        slots -> (device path) batch decoded planes to the
 *                        device -> hand completed items, in source order,
 *                        to the consumer (matching, output, store)
 *   worker threads:      read + digest + decode (libvips) each queued item;
 *                        on the CPU path also PDQ it
 *
 * Memory stays bounded whatever the archive size: at most `window` items
 * are in flight, and device planes waiting for a batch are limited to
 * `plane_budget` bytes (one plane is always admitted, however large).
 * Decoding never runs more than `window` items ahead of the consumer. */
#ifndef HS_SCAN_PIPELINE_H
#define HS_SCAN_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "hashsweep/device.h"
#include "hashsweep/hash.h"
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
  /* for the producer/consumer's own use */
  int64_t mtime_ns;
  uint64_t size;
  int flags;
  void *user;
  /* pipeline internals */
  int state;
  hs_luma plane;             /* device path: the decoded plane, owned */
  size_t plane_cap;
} scan_item;

typedef struct pipeline_config {
  int workers;               /* decode threads (>= 1) */
  size_t window;             /* items in flight */
  size_t commit_items;       /* hand completed items over in groups of this */
  double commit_seconds;     /* ... or after this long */
  hs_engine *engine;         /* device PDQ when it uses a device */
  size_t device_batch;       /* planes per device launch */
  size_t plane_budget;       /* bytes of planes waiting for the device */
  hs_decode_options decode;
  /* Called on the coordinator thread. produce: fill the next item (seq,
   * path, kind...) and return 1, or 0 at the end, or -1 (fatal, error set).
   * consume: the next completed items in seq order; a non-OK return stops
   * the scan (fatal). tick: twice a second and at the end. */
  int (*produce)(void *ctx, scan_item *item);
  hs_status (*consume)(void *ctx, scan_item *const *items, size_t n);
  void (*tick)(void *ctx, int done);
  void *ctx;
} pipeline_config;

/* Runs the whole pipeline; returns the first fatal status. */
hs_status pipeline_run(const pipeline_config *cfg);

/* Asks a running pipeline to stop after the current items (signal-safe). */
void pipeline_request_stop(void);

#endif
