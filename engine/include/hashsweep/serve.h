/* hashsweep/serve.h - the upload-time lookup service: an HTTP front of the
 * index (libmicrohttpd) that keeps the index live and answers hash lookups
 * and image checks in milliseconds. docs/serve.md is the long form: the
 * endpoints, the HMA mapping, the metrics and the deployment.
 *
 * The service opens the index read-only and never writes it: a process
 * killed at any moment loses nothing. A background thread polls the index
 * version (every poll_ms); imports made by other processes are matched
 * within a second, without a rebuild of the whole matcher: the entries
 * added since the matcher's base are searched as a small second haystack
 * until they pass 1/8 of the base, which is then rebuilt in the background
 * while lookups go on on the old one. Withdrawals take effect at once: every
 * answer is checked against the newest committed state of the index. */
#ifndef HASHSWEEP_SERVE_H
#define HASHSWEEP_SERVE_H

#include "hashsweep/core.h"
#include "hashsweep/device.h"
#include "hashsweep/hash.h"
#include "hashsweep/video.h"
#include "hashsweep/video_match.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Whether each HTTP thread keeps to one CPU and accepts the connections
 * whose packets that CPU receives (hs_serve_options.cpu_affinity;
 * docs/serve.md, "CPU affinity"). */
typedef enum hs_serve_affinity {
  HS_SERVE_AFFINITY_AUTO = 0, /* on for a loopback address (behind a local
                                 proxy) on 2 CPUs or more and Linux 6.1 or
                                 later, else off */
  HS_SERVE_AFFINITY_ON = 1,   /* also on a network address: for NICs that
                                 spread flows over CPUs (RSS, RPS) */
  HS_SERVE_AFFINITY_OFF = 2   /* threads run anywhere, connections hashed */
} hs_serve_affinity;

typedef struct hs_serve_options {
  size_t struct_size;      /* set by hs_serve_options_default (docs/library.md) */
  const char *index_path;  /* required */
  const char *listen;      /* "HOST:PORT" (IPv4 dotted, [IPv6] or "localhost");
                              port 0 picks a free one. Default 127.0.0.1:8080 */
  const char *token;       /* bearer token every request but /healthz and
                              /readyz must carry (Authorization: Bearer T);
                              NULL: none. Never logged */
  int insecure;            /* allow a non-loopback address without a token */
  const char *tls_cert;    /* PEM text (not a path) of the certificate chain, */
  const char *tls_key;     /* and of its key; both or neither (HTTPS) */
  unsigned threads;        /* HTTP worker threads (0: cores, 2 to 200) */
  unsigned max_connections;/* open connections at most (default 4096) */
  unsigned timeout_s;      /* a connection idle this long is closed (default 15):
                              a client trickling its request is dropped */
  uint64_t max_body;       /* request body bytes at most (default 64 MiB):
                              a larger Content-Length is refused with 413
                              before a byte of the body is read */
  unsigned max_batch;      /* hashes per /v1/lookup request (default 1000) */
  unsigned batch_wait_us;  /* how long the device's matcher thread waits to
                              gather a micro-batch (default 1000); on the
                              CPU, request threads search at once */
  unsigned max_queue;      /* lookups waiting for the matcher at most
                              (default 1024); beyond: 503 with Retry-After */
  unsigned decode_workers; /* threads decoding image/video checks, off the HTTP
                              threads (0: cores); 16 uploads per worker wait
                              at most, 10 s at most, then 503 */
  unsigned poll_ms;        /* index version poll period (default 250) */
  int radius;              /* PDQ match radius (default HS_PDQ_DEFAULT_RADIUS) */
  int min_quality;         /* uploads below are not PDQ-matched (default 50) */
  hs_decode_options decode;/* limits of image checks (hs_decode_options_default) */
  hs_video_options video;  /* limits of video checks (hs_video_options_default) */
  hs_engine *engine;       /* borrowed: where the Hamming searches run; required */
  hs_logger log;           /* requests are never logged with their hashes or bodies */
  const hs_cancel *cancel; /* required: triggered (SIGTERM), the service stops
                              accepting, drains the requests in flight and
                              hs_serve_run returns HS_OK */
  /* Called once the socket listens (port: the one bound, also when 0 was
   * asked) and once the first matcher is loaded (ready = 1). May be NULL. */
  void (*on_event)(void *user, const char *event, int port);
  void *user;
  /* vPDQ's rule for checked videos against video entries, as scan's
   * --video-query-percent / --video-compared-percent (defaults
   * HS_VIDEO_DEFAULT_QUERY_PERCENT, HS_VIDEO_DEFAULT_COMPARED_PERCENT). */
  double video_query_percent;
  double video_compared_percent;
  /* A request must arrive whole (request line, headers, body) within this
   * many seconds of its first line (default 10), and a connection must send
   * a request line within max(timeout_s, request_timeout_s) of opening or
   * of its previous answer; otherwise it is closed. Bounds a client that
   * trickles bytes, which timeout_s (restarted by every byte) does not. */
  unsigned request_timeout_s;
  /* How long a stop (cancel) waits for the requests in flight (default 30;
   * 0: not at all). Past it, uploads still waiting for a decode worker are
   * answered 503; those being decoded are finished and answered first.
   * Keep it below the orchestrator's own grace period (systemd's
   * TimeoutStopSec, Kubernetes' terminationGracePeriodSeconds, 30 s by
   * default there), or the answers in flight are cut by its SIGKILL. */
  unsigned drain_timeout_s;
  /* hs_serve_affinity (default HS_SERVE_AFFINITY_AUTO). */
  int cpu_affinity;
} hs_serve_options;

/* Fills the defaults above (index_path, engine, cancel stay NULL). */
HS_API void hs_serve_options_init(hs_serve_options *opts, size_t struct_size);
static inline void hs_serve_options_default(hs_serve_options *opts) {
  hs_serve_options_init(opts, sizeof *opts);
}

/* Runs the service until opts->cancel is triggered. Errors before serving:
 * HS_ERR_INVALID_ARG (an option; a non-loopback address without a token
 * and without `insecure`), HS_ERR_UNSUPPORTED (TLS asked of a
 * libmicrohttpd without it), HS_ERR_IO (the address cannot be bound), and
 * those of hs_index_open. */
HS_API hs_status hs_serve_run(const hs_serve_options *opts);

#ifdef __cplusplus
}
#endif
#endif
