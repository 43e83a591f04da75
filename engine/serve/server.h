/* serve/server.h - internal: the service's state shared by the HTTP layer
 * (serve/http.c), the endpoints (serve/api.c) and the request fuzzer. */
#ifndef HS_SERVE_SERVER_H
#define HS_SERVE_SERVER_H

#include <stdatomic.h>

#include "hashsweep/serve.h"
#include "serve/batch.h"
#include "serve/deadline.h"
#include "serve/live.h"
#include "serve/metrics.h"

#define SERVE_MAX_THREADS 200 /* HTTP threads at most */

typedef struct serve_ctx {
  hs_serve_options opts;
  serve_live live;
  serve_batcher batcher;
  serve_metrics metrics;
  serve_deadline deadline; /* whole-request deadlines (the HTTP layer's) */
  struct decode_pool *decode_pool; /* the HTTP layer's decode workers (serve/decode_pool.h) */
  atomic_int connections; /* open HTTP connections */
  atomic_int in_flight;   /* requests between their headers and their answer */
  /* per HTTP thread (set by the HTTP layer): the CPU it keeps to (-1: any)
   * and its open connections */
  unsigned http_threads;
  const int *http_thread_cpu;
  atomic_int http_thread_connections[SERVE_MAX_THREADS];
  atomic_uint_fast64_t connections_moved; /* asked to reconnect on their client's CPU */
} serve_ctx;

/* Opens the index and starts the matcher (and, with `poll`, the poll
 * thread; without it the first view is loaded now). */
hs_status serve_ctx_open(serve_ctx *c, const hs_serve_options *opts, int poll);
void serve_ctx_close(serve_ctx *c);

/* One request, as the HTTP layer read it. */
typedef struct serve_request {
  const char *method;
  const char *path;          /* without the query string */
  /* a query argument's value (URL-decoded), NULL when absent */
  const char *(*arg)(void *user, const char *key);
  void *arg_user;
  const char *content_type;  /* NULL when absent */
  const uint8_t *body;
  size_t body_len;
} serve_request;

typedef struct serve_response {
  int status;
  char *body;                /* malloc'd */
  size_t len;
  const char *content_type;  /* static */
  int retry_after;           /* seconds; 0: no Retry-After */
  const char *allow;         /* 405: the methods allowed */
} serve_response;

/* Which endpoint a path is (EP_OTHER: none). */
serve_endpoint serve_route(const char *path);
/* 1 when the request decodes an upload (its endpoint's POST): the HTTP
 * layer runs it on a decode worker, not on an HTTP thread. */
int serve_decodes(const char *path, const char *method);
/* Answers one request; never fails (errors are answers). */
void serve_handle(serve_ctx *c, const serve_request *rq, serve_response *rs);
/* An error answer {"error": msg, "message": msg} (HMA's clients read
 * "message"). */
void serve_error(serve_response *rs, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
