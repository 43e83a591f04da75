/* serve/deadline.h - internal: a whole-request deadline per connection.
 *
 * libmicrohttpd closes a connection idle for --timeout, but it restarts that
 * clock on every byte: a client trickling a header byte a second holds its
 * connection (and its memory) until the header limit, a body byte a second
 * until --max-body. The watchdog bounds the whole request instead: a request
 * must arrive complete (its line, headers and body) within `request_s` of
 * its first line, and a connection that has not sent a whole request line
 * within max(idle_s, request_s) of opening (or of its previous answer) is
 * closed too. The watchdog is one thread that wakes a few times a second and
 * shuts down the socket of each connection past its deadline; libmicrohttpd
 * then sees the socket closed and cleans up on its own thread. No worker is
 * held while a client is slow.
 *
 * Each connection has a slot, made when libmicrohttpd opens it and dropped
 * when it closes it (before it closes the socket: the watchdog never shuts
 * down a reused descriptor). The HTTP threads only store a deadline into
 * their connection's slot (atomic, no lock). */
#ifndef HS_SERVE_DEADLINE_H
#define HS_SERVE_DEADLINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "hashsweep/core.h"

typedef struct deadline_conn {
  int fd;
  atomic_llong due_us;  /* monotonic microseconds; 0: none (a request is answered
                           or being handled) */
  atomic_int busy;      /* a request line arrived, the request is not over */
  struct deadline_conn *prev, *next;
} deadline_conn;

typedef struct serve_deadline {
  long long request_us, line_us;
  pthread_mutex_t lock;  /* the list; held while a socket is shut down */
  pthread_cond_t wake;
  deadline_conn *head;
  int stop, started;
  pthread_t thread;
  atomic_uint_fast64_t closed;  /* connections closed past their deadline */
} serve_deadline;

/* Starts the watchdog: a request has request_s to arrive whole, a request
 * line max(idle_s, request_s). */
hs_status deadline_start(serve_deadline *d, unsigned request_s, unsigned idle_s);
void deadline_stop(serve_deadline *d);

/* A connection opened (its socket fd): its slot, NULL when out of memory
 * (the connection then has no deadline but --timeout). */
deadline_conn *deadline_open(serve_deadline *d, int fd);
/* The connection is being closed: drops its slot. */
void deadline_close(serve_deadline *d, deadline_conn *c);

/* A request line arrived: the request has request_s to be whole. */
void deadline_request_started(serve_deadline *d, deadline_conn *c);
/* The request is whole (or answered early): no deadline while it runs. */
void deadline_request_received(deadline_conn *c);
/* The request is over: the next one's line is awaited. */
void deadline_request_over(serve_deadline *d, deadline_conn *c);

/* Connections with a request begun and not over: the SIGTERM drain waits
 * for these too (a request whose headers are still arriving is in flight
 * before a handler has seen it). */
int deadline_busy(serve_deadline *d);

#endif
