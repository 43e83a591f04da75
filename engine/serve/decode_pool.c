/* serve/decode_pool.c - the decode workers (serve/decode_pool.h). */
#include "serve/decode_pool.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/error.h"
#include "serve/check.h"

static char *copy(const char *s, int *failed) {
  if (!s)
    return NULL;
  char *d = strdup(s);
  if (!d)
    *failed = 1;
  return d;
}

/* serve_request.arg over the copied arguments: the first with the key, as
 * libmicrohttpd's lookup answers. */
static const char *job_arg(void *user, const char *key) {
  const pool_job *j = user;
  for (size_t i = 0; i < j->nargs; i++)
    if (strcmp(j->args[2 * i], key) == 0)
      return j->args[2 * i + 1];
  return NULL;
}

int pool_job_init(pool_job *j, const char *method, const char *path, const char *content_type,
                  const uint8_t *body, size_t body_len) {
  memset(j, 0, sizeof *j);
  int failed = 0;
  j->method = copy(method, &failed);
  j->path = copy(path, &failed);
  j->content_type = copy(content_type, &failed);
  j->req = (serve_request){.method = j->method,
                           .path = j->path,
                           .arg = job_arg,
                           .arg_user = j,
                           .content_type = j->content_type,
                           .body = body,
                           .body_len = body_len};
  return failed ? -1 : 0;
}

int pool_job_add_arg(pool_job *j, const char *key, const char *value) {
  if (j->nargs == j->cap_args) {
    size_t cap = j->cap_args ? 2 * j->cap_args : 8;
    char **p = realloc(j->args, 2 * cap * sizeof *p);
    if (!p)
      return -1;
    j->args = p;
    j->cap_args = cap;
  }
  int failed = 0;
  char *k = copy(key ? key : "", &failed), *v = copy(value, &failed);
  if (failed) {
    free(k);
    free(v);
    return -1;
  }
  j->args[2 * j->nargs] = k;
  j->args[2 * j->nargs + 1] = v;
  j->nargs++;
  return 0;
}

void pool_job_free(pool_job *j) {
  for (size_t i = 0; i < 2 * j->nargs; i++)
    free(j->args[i]);
  free(j->args);
  free(j->method);
  free(j->path);
  free(j->content_type);
  free(j->rs.body);
  memset(j, 0, sizeof *j);
}

/* Runs one job: serve_handle as the HTTP thread would have, unless the job
 * waited longer than UPLOAD_WAIT_S (503, as for a full queue). */
static void run(decode_pool *p, pool_job *j) {
  if (clock_now_s() - j->queued_s > UPLOAD_WAIT_S) {
    memset(&j->rs, 0, sizeof j->rs);
    upload_busy(p->ctx, &j->rs);
  } else {
    serve_handle(p->ctx, &j->req, &j->rs);
  }
  j->done(j);
}

/* Past the drain: a job not yet decoded is answered at once, 503. */
static void answer_stopping(pool_job *j) {
  memset(&j->rs, 0, sizeof j->rs);
  serve_error(&j->rs, 503, "the service is stopping");
  j->done(j);
}

static void *worker(void *arg) {
  decode_pool *p = arg;
  pthread_mutex_lock(&p->lock);
  for (;;) {
    /* Once stopping, the queue stays empty (pool_stop emptied it, pool_push
     * answers what comes after), so a job taken here is from before the
     * stop; a worker leaves when no place is still reserved. */
    while (!p->head && !(p->stop && p->held == 0))
      pthread_cond_wait(&p->wake, &p->lock);
    pool_job *j = p->head;
    if (!j) /* stopping and nothing queued or reserved */
      break;
    p->head = j->next;
    if (!p->head)
      p->tail = NULL;
    p->held--;
    pthread_mutex_unlock(&p->lock);
    run(p, j);
    pthread_mutex_lock(&p->lock);
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

hs_status pool_start(decode_pool *p, serve_ctx *c, unsigned workers, size_t cap) {
  memset(p, 0, sizeof *p);
  p->ctx = c;
  p->cap = cap;
  p->threads = calloc(workers, sizeof *p->threads);
  if (!p->threads)
    return error_set(HS_ERR_NOMEM, "out of memory for the decode workers");
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->wake, NULL);
  for (; p->nthreads < workers; p->nthreads++)
    if (pthread_create(&p->threads[p->nthreads], NULL, worker, p) != 0) {
      pool_stop(p);
      return error_set(HS_ERR_NOMEM, "cannot start the decode workers");
    }
  return HS_OK;
}

int pool_reserve(decode_pool *p) {
  pthread_mutex_lock(&p->lock);
  int ok = !p->stop && p->held < p->cap;
  if (ok)
    p->held++;
  pthread_mutex_unlock(&p->lock);
  return ok;
}

void pool_push(decode_pool *p, pool_job *j) {
  j->next = NULL;
  j->queued_s = clock_now_s();
  pthread_mutex_lock(&p->lock);
  if (p->stop) { /* reserved before pool_stop emptied the queue: 503 now */
    if (--p->held == 0)
      pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    answer_stopping(j);
    return;
  }
  if (p->tail)
    p->tail->next = j;
  else
    p->head = j;
  p->tail = j;
  pthread_cond_signal(&p->wake);
  pthread_mutex_unlock(&p->lock);
}

void pool_stop(decode_pool *p) {
  if (!p->threads)
    return;
  pthread_mutex_lock(&p->lock);
  p->stop = 1;
  /* The queued uploads are answered here, now: left to the workers, they
   * would wait for decodes still running (with every worker busy, as long as
   * the longest of them), past the drain the operator set. */
  pool_job *queued = p->head;
  for (pool_job *j = queued; j; j = j->next)
    p->held--;
  p->head = p->tail = NULL;
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->lock);
  while (queued) {
    pool_job *j = queued;
    queued = j->next;
    answer_stopping(j);
  }
  for (unsigned i = 0; i < p->nthreads; i++)
    pthread_join(p->threads[i], NULL);
  free(p->threads);
  p->threads = NULL;
  pthread_cond_destroy(&p->wake);
  pthread_mutex_destroy(&p->lock);
}
