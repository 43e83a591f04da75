/* serve/deadline.c - the watchdog of whole-request deadlines
 * (serve/deadline.h). */
#include "serve/deadline.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "core/error.h"

/* How often the watchdog looks: a deadline is kept to within this. */
#define TICK_US 200000LL

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Shuts down the sockets past their deadline, with the lock held. The
 * connection stays libmicrohttpd's: it sees the socket closed and closes
 * the connection on its own thread (a request cut short counts as 408). */
static void sweep(serve_deadline *d) {
  long long now = now_us();
  for (deadline_conn *c = d->head; c; c = c->next) {
    long long due = atomic_load(&c->due_us);
    /* (an exchange: a request that became whole meanwhile is left alone) */
    if (due > 0 && now >= due && atomic_compare_exchange_strong(&c->due_us, &due, 0)) {
      shutdown(c->fd, SHUT_RDWR);
      atomic_fetch_add(&d->closed, 1);
    }
  }
}

static void *watchdog(void *arg) {
  serve_deadline *d = arg;
  pthread_mutex_lock(&d->lock);
  while (!d->stop) {
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += (long)(TICK_US * 1000);
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    int rc = 0;
    while (!d->stop && rc != ETIMEDOUT)
      rc = pthread_cond_timedwait(&d->wake, &d->lock, &until);
    if (!d->stop)
      sweep(d);
  }
  pthread_mutex_unlock(&d->lock);
  return NULL;
}

hs_status deadline_start(serve_deadline *d, unsigned request_s, unsigned idle_s) {
  d->request_us = (long long)request_s * 1000000LL;
  d->line_us = (long long)(idle_s > request_s ? idle_s : request_s) * 1000000LL;
  d->head = NULL;
  d->stop = 0;
  atomic_store(&d->closed, 0);
  pthread_mutex_init(&d->lock, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&d->wake, &ca);
  pthread_condattr_destroy(&ca);
  if (pthread_create(&d->thread, NULL, watchdog, d) != 0) {
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->lock);
    return error_set(HS_ERR_NOMEM, "cannot start the request deadline thread");
  }
  d->started = 1;
  return HS_OK;
}

void deadline_stop(serve_deadline *d) {
  if (!d->started)
    return;
  pthread_mutex_lock(&d->lock);
  d->stop = 1;
  pthread_cond_signal(&d->wake);
  pthread_mutex_unlock(&d->lock);
  pthread_join(d->thread, NULL);
  /* libmicrohttpd has closed every connection (and dropped its slot) by
   * now; whatever is left was never dropped: free it. */
  while (d->head) {
    deadline_conn *c = d->head;
    d->head = c->next;
    free(c);
  }
  pthread_cond_destroy(&d->wake);
  pthread_mutex_destroy(&d->lock);
  d->started = 0;
}

deadline_conn *deadline_open(serve_deadline *d, int fd) {
  deadline_conn *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  c->fd = fd;
  atomic_store(&c->due_us, now_us() + d->line_us);
  pthread_mutex_lock(&d->lock);
  c->next = d->head;
  if (d->head)
    d->head->prev = c;
  d->head = c;
  pthread_mutex_unlock(&d->lock);
  return c;
}

void deadline_close(serve_deadline *d, deadline_conn *c) {
  if (!c)
    return;
  pthread_mutex_lock(&d->lock);
  if (c->prev)
    c->prev->next = c->next;
  else
    d->head = c->next;
  if (c->next)
    c->next->prev = c->prev;
  pthread_mutex_unlock(&d->lock);
  free(c);
}

void deadline_request_started(serve_deadline *d, deadline_conn *c) {
  if (!c)
    return;
  atomic_store(&c->busy, 1);
  atomic_store(&c->due_us, now_us() + d->request_us);
}

void deadline_request_received(deadline_conn *c) {
  if (c)
    atomic_store(&c->due_us, 0);
}

void deadline_request_over(serve_deadline *d, deadline_conn *c) {
  if (!c)
    return;
  atomic_store(&c->busy, 0);
  atomic_store(&c->due_us, now_us() + d->line_us);
}

int deadline_busy(serve_deadline *d) {
  int n = 0;
  pthread_mutex_lock(&d->lock);
  for (deadline_conn *c = d->head; c; c = c->next)
    n += atomic_load(&c->busy);
  pthread_mutex_unlock(&d->lock);
  return n;
}
