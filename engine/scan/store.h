/* scan/store.h - internal: the archive hash store (one LMDB environment).
 *
 * For every file a scan met: path, size, mtime, MD5, SHA-256, the 8 PDQ
 * hashes, quality, the content region's 8 hashes and quality when it has
 * added borders (unletterbox), status or error, and the id of the scan job that last
 * reported it. It is also the resume journal: a job's record holds the
 * length of its output file that is known complete; a batch of file
 * records and the new length commit in one LMDB transaction, after the
 * output bytes are on disk (fsync). After a crash the output is cut back to
 * the committed length and the files recorded with this job are skipped,
 * so every record is written exactly once.
 *
 * Single-threaded: one store handle is used by one thread at a time. */
#ifndef HS_SCAN_STORE_H
#define HS_SCAN_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "hashsweep/core.h"
#include "hashsweep/hash.h"
#include "hashsweep/video_match.h"

enum { STORE_OK = 0, STORE_ERROR = 1 };

typedef struct store_record {
  uint8_t status;  /* STORE_OK or STORE_ERROR */
  uint8_t quality;
  uint8_t pipeline; /* how the hashes were made: hs_mode | exif_rotate << 4; a
                       scan with other settings hashes the file again */
  uint32_t job;    /* the job that last reported this file */
  uint64_t size;
  int64_t mtime_ns;
  int32_t width, height;
  uint8_t md5[16];
  uint8_t sha256[32];
  hs_hash256 pdq[HS_DIH_COUNT];
  uint8_t has_content;     /* added borders found: content* are valid */
  uint8_t content_quality;
  hs_hash256 content[HS_DIH_COUNT];
  char error[512]; /* STORE_ERROR: the one-line cause; a video: its note
                      ("partial: ...") or "" */
  /* A video (record format 3): the hashes of its sampled frames. pdq and
   * quality are unused (zero); width/height are the video's. */
  uint8_t is_video;
  double seconds_per_hash;     /* the sampling the frames were made with */
  uint32_t nframes;
  uint32_t ncontent;           /* content frames (unletterbox) after the
                                  frames: record format 4 */
  const hs_query_frame *frames; /* writing: the nframes + ncontent frames */
  const uint8_t *frame_bytes;  /* reading: nframes + ncontent packed frames inside the
                                  stored value (store_frames_unpack), valid
                                  only during a store_iterate callback */
} store_record;

/* Unpacks rec->frame_bytes into out (rec->nframes + rec->ncontent
 * entries). */
void store_frames_unpack(const store_record *rec, hs_query_frame *out);

enum { JOB_RUNNING = 1, JOB_DONE = 2 };

typedef struct store_job {
  uint32_t id;
  uint8_t state;          /* JOB_RUNNING or JOB_DONE */
  uint64_t out_offset;    /* bytes of the output known complete */
  uint8_t fingerprint[32];/* options that must match to resume */
  int64_t started;        /* unix seconds */
  /* The job's counters so far (committed with each batch), so a resumed
   * job reports the whole job: seen, hashed, unchanged, matched, matches,
   * failed, low quality. */
  uint64_t counts[7];
} store_job;

typedef struct store store;

/* Opens (creating when absent, with owner-only permissions) the store in
 * directory `dir`. A directory that holds something else is refused.
 * readonly: 0 to write (takes the run lock), 1 to read, STORE_APPEND to
 * append meta records only (store_meta_append; an existing store, no run
 * lock: a rescan records its sweep while a scan may hold the lock, and
 * LMDB serialises the two writers). */
#define STORE_APPEND 2
hs_status store_open(const char *dir, int readonly, store **out);
void store_close(store *s);

/* The job record named `name` (the output path, or "-"). */
hs_status store_job_get(store *s, const char *name, store_job *job, int *found);
/* Starts a new job `name` (a fresh id, RUNNING, offset 0), committed. */
hs_status store_job_begin(store *s, const char *name, const uint8_t fingerprint[32],
                          store_job *job);
/* Marks the job DONE, committed. */
hs_status store_job_finish(store *s, const char *name, store_job *job);

/* Looks up a file's record. */
hs_status store_lookup(store *s, const char *path, store_record *rec, int *found);
/* The same, and for a video the frames, unpacked into *frames (malloc'd,
 * the caller frees; NULL for anything else). */
hs_status store_lookup_frames(store *s, const char *path, store_record *rec,
                              hs_query_frame **frames, int *found);

/* A batch: records and the job's new output length in one transaction. */
hs_status store_batch_begin(store *s);
hs_status store_batch_put(store *s, const char *path, const store_record *rec);
/* Looks up inside the open batch (sees its earlier puts). */
hs_status store_batch_lookup(store *s, const char *path, store_record *rec, int *found);
hs_status store_batch_commit(store *s, const char *job_name, const store_job *job);
void store_batch_abort(store *s);

/* Calls fn for every file record in key (path byte) order; fn returns 0 to
 * go on, non-zero to stop (returned). `path` and `rec` are valid during
 * the call only. */
typedef int (*store_visit_fn)(void *ctx, const char *path, const store_record *rec);
hs_status store_iterate(store *s, store_visit_fn fn, void *ctx, int *stopped);

/* Number of file records. */
hs_status store_count(store *s, uint64_t *count);

/* Records kept beside the files in the meta table, one series per `prefix`
 * (sweeps.c): key prefix "/" + big-endian seq 1, 2, ... Older hashsweep
 * builds never read meta keys they do not know, so adding a series keeps
 * the store readable by them. Append commits at once (not inside a batch). */
hs_status store_meta_append(store *s, const char *prefix, const void *val, size_t n,
                            uint64_t *seq);
/* Calls fn for each record of `prefix` in seq order; non-zero stops. */
typedef int (*store_meta_fn)(void *ctx, uint64_t seq, const void *val, size_t n);
hs_status store_meta_each(store *s, const char *prefix, store_meta_fn fn, void *ctx);

#endif
