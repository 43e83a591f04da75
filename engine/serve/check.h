/* serve/check.h - internal: hashing an uploaded file (the body of POST
 * /v1/check, the part of POST /m/lookup and /h/hash) with the scan's decode
 * pipeline and limits: an image from memory (libvips), else a video
 * (FFmpeg, through an unlinked temporary file: the video reader takes a
 * file it opens itself, never a URL). At most `decode_workers` uploads
 * decode at once. */
#ifndef HS_SERVE_CHECK_H
#define HS_SERVE_CHECK_H

#include "serve/server.h"

/* How long an upload waits in the decode workers' queue before 503
 * (serve/decode_pool.h). */
#define UPLOAD_WAIT_S 10

typedef enum upload_kind { UPLOAD_UNDECODED = 0, UPLOAD_IMAGE, UPLOAD_VIDEO } upload_kind;

typedef struct upload_hashes {
  upload_kind kind;
  hs_pdq pdq;          /* UPLOAD_IMAGE */
  int has_content;     /* the content region inside added borders */
  hs_pdq content;
  hs_video_frame *frames; /* UPLOAD_VIDEO: sampled frames (malloc'd) */
  size_t nframes;
  uint8_t md5[16], sha256[32]; /* of the bytes, always */
  hs_status status;    /* HS_OK, or why it was not hashed perceptually */
  char error[256];     /* one line, without any path */
} upload_hashes;

/* Hashes `data` on the calling thread (in the service, a decode worker:
 * the decode pool bounds how many run at once). Fails only when the
 * digests cannot be computed (out of memory: callers answer 503, as when
 * busy); a file that does not decode is HS_OK with out->status and
 * out->error set (its digests still match exact entries). */
hs_status upload_hash(serve_ctx *c, const uint8_t *data, size_t size, upload_hashes *out);
void upload_free(upload_hashes *u);

/* The answer when no decode worker was free in time: 503, Retry-After;
 * counted in hashsweep_rejected_upload_busy_total. */
void upload_busy(serve_ctx *c, serve_response *rs);

/* The HTTP status for a decode failure. */
int upload_http_status(hs_status st);

#endif
