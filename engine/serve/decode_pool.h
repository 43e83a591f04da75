/* serve/decode_pool.h - internal: the decode workers, threads that run the
 * requests whose endpoint decodes an upload (POST /v1/check, POST /m/lookup,
 * POST /h/hash), so that a decode (100 ms and more) never holds an HTTP
 * thread: the HTTP layer suspends such a connection, hands the request to
 * this pool and answers it when the worker is done (serve/http.c).
 *
 * A job carries copies of everything serve_handle reads (method, path,
 * content type, query arguments; the body is the request's own buffer, not
 * libmicrohttpd's): a worker never touches the connection. The pool is the
 * service's bound on decoding: as many uploads decode at once as there are
 * workers. The queue is bounded: beyond it, and for a job that waited
 * longer than UPLOAD_WAIT_S, the answer is 503 with Retry-After
 * (upload_busy). */
#ifndef HS_SERVE_DECODE_POOL_H
#define HS_SERVE_DECODE_POOL_H

#include <pthread.h>

#include "serve/server.h"

typedef struct pool_job {
  struct pool_job *next;
  serve_request req;   /* points into the copies below */
  serve_response rs;   /* the answer, set by the worker */
  double queued_s;
  /* Called by the worker with the answer set, as its last touch of the job
   * (the job may be freed as soon as it is called). */
  void (*done)(struct pool_job *j);
  void *user;
  char *method, *path, *content_type;
  char **args;         /* key, value pairs (a value may be NULL) */
  size_t nargs, cap_args;
} pool_job;

/* Copies the request's strings into the job (body: borrowed, it must stay
 * until done is called). Returns -1 when out of memory. */
int pool_job_init(pool_job *j, const char *method, const char *path, const char *content_type,
                  const uint8_t *body, size_t body_len);
/* Copies one query argument. Returns -1 when out of memory. */
int pool_job_add_arg(pool_job *j, const char *key, const char *value);
/* Frees the copies and an answer the job still holds. */
void pool_job_free(pool_job *j);

typedef struct decode_pool {
  serve_ctx *ctx;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  pool_job *head, *tail;
  size_t held, cap;    /* places taken (queued or reserved), at most cap */
  int stop;
  unsigned nthreads;
  pthread_t *threads;
} decode_pool;

/* Starts `workers` threads with room for `cap` jobs waiting. */
hs_status pool_start(decode_pool *p, serve_ctx *c, unsigned workers, size_t cap);
/* Holds a place in the queue for one pool_push. Returns 0 when the queue
 * is full or the pool stopping (the caller answers 503). */
int pool_reserve(decode_pool *p);
/* Queues a job into a place pool_reserve held; once the pool is stopping,
 * answers it 503 at once instead (its done is called here). */
void pool_push(decode_pool *p, pool_job *j);
/* Answers the jobs still queued with 503 at once (on the calling thread),
 * lets the running ones finish and joins the workers: afterwards every job
 * pushed has had its done called (one pushed after the stop is answered 503
 * by pool_push itself, on the pushing thread). */
void pool_stop(decode_pool *p);

#endif
