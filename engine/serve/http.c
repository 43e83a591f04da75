/* serve/http.c - the HTTP layer: libmicrohttpd daemons (epoll, one thread
 * each), limits, the bearer token, bodies, and the SIGTERM drain. Endpoints
 * live in serve/api.c; this file only moves bytes.
 *
 * Why this mode: with epoll a connection holds its thread only while its
 * handler runs, never while its client is idle or trickling bytes, so 1,000
 * idle connections cost file descriptors, not threads; a connection idle
 * for --timeout seconds is closed. A lookup runs on its HTTP thread (it
 * searches there on the CPU: more threads than cores only add switching),
 * so there is one thread per core, each a daemon of its own on its own
 * listening socket of the one port (serve/listeners.c: the kernel spreads
 * the connections, and behind a local proxy each thread keeps to a CPU and
 * takes that CPU's connections). A request that decodes an upload (100 ms
 * and more) would stall every connection of its thread meanwhile: its
 * connection is suspended and the request runs on a decode worker
 * (serve/decode_pool.h), which resumes the connection with the answer.
 * Headers are bounded by the per-connection memory limit; bodies by
 * --max-body, checked against Content-Length before a byte of the body is
 * read (413). */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "serve/check.h"
#include "serve/decode_pool.h"
#include "serve/http.h"
#include "serve/listeners.h"

/* Per-connection memory for the request line and headers (MHD's pool,
 * libmicrohttpd's default). MHD clears the pool after every request: a
 * larger pool costs time on every lookup, not only memory. */
#define CONNECTION_MEMORY (32u << 10)
/* How long, past the drain, the answers of the stopped decode workers get
 * to be sent. */
#define DRAIN_ANSWERS_S 1
/* Uploads waiting for a decode worker at most, per worker (more: 503). */
#define QUEUE_PER_WORKER 16

typedef struct request_state {
  double t0;
  serve_endpoint ep;
  int answered;         /* a response is queued */
  int status;
  uint8_t *body;
  size_t len, cap;
  /* a request run by a decode worker: its connection is suspended until
   * the worker sets done and resumes it */
  int offloaded;
  atomic_int done;
  struct MHD_Connection *conn;
  pool_job job;
} request_state;

static int constant_time_eq(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  unsigned char d = (unsigned char)(la != lb);
  for (size_t i = 0; i < la; i++)
    d |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
  return d == 0;
}

/* One HTTP thread: its daemon, and the CPU it keeps to. */
typedef struct http_thread {
  serve_ctx *c;
  const http_server *s;
  struct MHD_Daemon *d;
  unsigned index;
  int cpu;            /* -1: any */
  double last_follow; /* touched by the thread itself only */
  int quiesced;
} http_thread;

struct http_server {
  http_listeners l; /* l.n: the threads */
  http_thread t[SERVE_MAX_THREADS];
};

/* The HTTP thread this code runs on (set on its first connection:
 * keep_to_cpu). */
static _Thread_local http_thread *self;

/* A connection follows its client's CPU. When its packets now arrive on
 * another CPU that has a thread of its own (the client was moved there by
 * the scheduler, or connected while running elsewhere), its answer asks
 * the client to reconnect (Connection: close), and the listener of that
 * CPU takes the new connection. Without this a client whose threads all
 * started on one CPU (wrk did, in 3 of 10 starts) keeps every connection
 * on one thread: half the throughput. At most one a FOLLOW_EVERY_S per
 * thread: clients that keep moving cost a reconnection now and then, not
 * one per request. */
#define FOLLOW_EVERY_S 0.002
static int should_follow(struct MHD_Connection *conn) {
  http_thread *t = self;
  if (!t || t->cpu < 0)
    return 0;
  const union MHD_ConnectionInfo *i =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
  int cpu = -1;
  socklen_t len = sizeof cpu;
  if (!i || getsockopt(i->connect_fd, SOL_SOCKET, SO_INCOMING_CPU, &cpu, &len) != 0 ||
      cpu < 0 || cpu == t->cpu)
    return 0;
  int served = 0;
  for (unsigned k = 0; k < t->s->l.n && !served; k++)
    served = t->s->l.cpu[k] == cpu;
  double now = clock_now_s();
  if (!served || now - t->last_follow < FOLLOW_EVERY_S)
    return 0;
  t->last_follow = now;
  return 1;
}

/* The connection's deadline slot (serve/deadline.h), NULL when it has none. */
static deadline_conn *slot(struct MHD_Connection *conn) {
  const union MHD_ConnectionInfo *i =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return i ? i->socket_context : NULL;
}

static enum MHD_Result queue(struct MHD_Connection *conn, request_state *rq, serve_response *rs) {
  struct MHD_Response *r = MHD_create_response_from_buffer(rs->len, rs->body ? rs->body : "",
                                                           rs->body ? MHD_RESPMEM_MUST_FREE
                                                                    : MHD_RESPMEM_PERSISTENT);
  if (!r) {
    free(rs->body);
    return MHD_NO;
  }
  rs->body = NULL;
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rs->content_type);
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  if (rs->retry_after > 0) {
    char s[16];
    snprintf(s, sizeof s, "%d", rs->retry_after);
    MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, s);
  }
  if (rs->allow)
    MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, rs->allow);
  if (rs->status == 401)
    MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
  if (should_follow(conn)) {
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    atomic_fetch_add(&self->c->connections_moved, 1);
  }
  deadline_request_received(slot(conn)); /* an early answer: what follows is dropped */
  enum MHD_Result ok = MHD_queue_response(conn, (unsigned)rs->status, r);
  MHD_destroy_response(r);
  rq->answered = 1;
  rq->status = rs->status;
  return ok;
}

static enum MHD_Result queue_error(struct MHD_Connection *conn, request_state *rq, int status,
                                   const char *msg) {
  serve_response rs = {0};
  serve_error(&rs, status, "%s", msg);
  return queue(conn, rq, &rs);
}

static const char *get_arg(void *user, const char *key) {
  return MHD_lookup_connection_value(user, MHD_GET_ARGUMENT_KIND, key);
}

/* The checks made on a request's headers, before its body. Returns 1 when
 * an answer was queued. */
static int screen(serve_ctx *c, struct MHD_Connection *conn, request_state *rq,
                  enum MHD_Result *ret) {
  *ret = MHD_YES;
  if (c->opts.token && rq->ep != EP_HEALTHZ && rq->ep != EP_READYZ) {
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                   MHD_HTTP_HEADER_AUTHORIZATION);
    if (!auth || strncmp(auth, "Bearer ", 7) != 0 || !constant_time_eq(auth + 7, c->opts.token)) {
      *ret = queue_error(conn, rq, 401, "a valid bearer token is required");
      return 1;
    }
  }
  const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                               MHD_HTTP_HEADER_CONTENT_LENGTH);
  if (cl) {
    errno = 0;
    char *end;
    unsigned long long n = strtoull(cl, &end, 10);
    if (errno || end == cl || n > c->opts.max_body) {
      char msg[96];
      snprintf(msg, sizeof msg, "the body is larger than the limit of %llu bytes",
               (unsigned long long)c->opts.max_body);
      *ret = queue_error(conn, rq, 413, msg);
      return 1;
    }
  }
  return 0;
}

static int append_body(serve_ctx *c, request_state *rq, const char *data, size_t n) {
  if (rq->len + n > c->opts.max_body)
    return -1;
  if (rq->len + n > rq->cap) {
    size_t cap = rq->cap ? rq->cap : 16384;
    while (cap < rq->len + n)
      cap *= 2;
    if (cap > c->opts.max_body)
      cap = c->opts.max_body;
    uint8_t *p = realloc(rq->body, cap);
    if (!p)
      return -2;
    rq->body = p;
    rq->cap = cap;
  }
  memcpy(rq->body + rq->len, data, n);
  rq->len += n;
  return 0;
}

typedef struct arg_copy {
  pool_job *job;
  int failed;
} arg_copy;

static enum MHD_Result copy_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value) {
  (void)kind;
  arg_copy *a = cls;
  if (pool_job_add_arg(a->job, key, value) != 0) {
    a->failed = 1;
    return MHD_NO;
  }
  return MHD_YES;
}

/* A decode worker's last touch of the request: the answer is in the job;
 * libmicrohttpd calls on_request again once the connection is resumed. */
static void job_done(pool_job *j) {
  request_state *rq = j->user;
  struct MHD_Connection *conn = rq->conn;
  atomic_store(&rq->done, 1);
  MHD_resume_connection(conn);
}

/* Hands a whole request that decodes an upload to the decode workers, with
 * copies of what serve_handle reads: a worker never touches the connection.
 * The connection is suspended before the job is queued, so a worker cannot
 * resume it first. */
static enum MHD_Result offload(serve_ctx *c, struct MHD_Connection *conn, request_state *rq,
                               const char *method, const char *url, const char *ct) {
  arg_copy a = {&rq->job, 0};
  if (pool_job_init(&rq->job, method, url, ct, rq->body ? rq->body : (const uint8_t *)"",
                    rq->len) != 0 ||
      MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, copy_arg, &a) < 0 || a.failed) {
    pool_job_free(&rq->job);
    return queue_error(conn, rq, 500, "out of memory for the request");
  }
  if (!pool_reserve(c->decode_pool)) {
    pool_job_free(&rq->job);
    serve_response rs = {0};
    upload_busy(c, &rs);
    return queue(conn, rq, &rs);
  }
  rq->job.done = job_done;
  rq->job.user = rq;
  rq->conn = conn;
  rq->offloaded = 1;
  MHD_suspend_connection(conn);
  pool_push(c->decode_pool, &rq->job);
  return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **state) {
  (void)version;
  serve_ctx *c = cls;
  request_state *rq = *state;
  if (!rq) {
    rq = calloc(1, sizeof *rq);
    if (!rq)
      return MHD_NO;
    rq->t0 = clock_now_s();
    rq->ep = serve_route(url);
    *state = rq;
    atomic_fetch_add(&c->in_flight, 1);
    enum MHD_Result ret;
    if (screen(c, conn, rq, &ret))
      return ret;
    return MHD_YES;
  }
  if (rq->offloaded) /* resumed: the decode worker's answer */
    return atomic_load(&rq->done) ? queue(conn, rq, &rq->job.rs) : MHD_YES;
  if (rq->answered) { /* an early answer: whatever else comes is dropped */
    *upload_size = 0;
    return MHD_YES;
  }
  if (*upload_size > 0) {
    int rc = append_body(c, rq, upload_data, *upload_size);
    *upload_size = 0;
    if (rc == -1)
      return queue_error(conn, rq, 413, "the body is larger than the limit");
    if (rc == -2)
      return queue_error(conn, rq, 500, "out of memory for the body");
    return MHD_YES;
  }
  deadline_request_received(slot(conn)); /* whole: a long decode is not cut */
  const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
  if (c->decode_pool && serve_decodes(url, method))
    return offload(c, conn, rq, method, url, ct);
  serve_request req = {.method = method,
                       .path = url,
                       .arg = get_arg,
                       .arg_user = conn,
                       .content_type = ct,
                       .body = rq->body ? rq->body : (const uint8_t *)"",
                       .body_len = rq->len};
  serve_response rs;
  serve_handle(c, &req, &rs);
  if (strcmp(method, "HEAD") == 0) {
    free(rs.body);
    rs.body = NULL;
    rs.len = 0;
  }
  return queue(conn, rq, &rs);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **state,
                         enum MHD_RequestTerminationCode why) {
  serve_ctx *c = cls;
  deadline_request_over(&c->deadline, slot(conn));
  request_state *rq = *state;
  if (!rq)
    return;
  /* Requests that never got an answer (the client went away, a timeout)
   * count as 408 when they were cut short. */
  int status = rq->answered ? rq->status : 408;
  if (why != MHD_REQUEST_TERMINATED_COMPLETED_OK && !rq->answered)
    status = 408;
  metrics_request(&c->metrics, rq->ep, status, clock_now_s() - rq->t0);
  pool_job_free(&rq->job);
  free(rq->body);
  free(rq);
  *state = NULL;
  atomic_fetch_sub(&c->in_flight, 1);
}

/* Runs on the thread's own daemon thread, which libmicrohttpd starts: the
 * first connection it accepts is where it can be moved to its CPU. */
static void keep_to_cpu(http_thread *t) {
  self = t;
  if (t->cpu < 0)
    return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(t->cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) /* the CPU was taken away: run anywhere */
    log_debug("serve: HTTP thread %u cannot keep to CPU %d: %s", t->index, t->cpu,
              strerror(errno));
}

/* The total of --max-connections over all threads (each daemon's own
 * limit is the whole, so one thread may hold them all). */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t len) {
  (void)addr;
  (void)len;
  serve_ctx *c = cls;
  return (unsigned)atomic_load(&c->connections) < c->opts.max_connections ? MHD_YES : MHD_NO;
}

/* Called before the connection's socket is closed (libmicrohttpd's order),
 * so the deadline slot is gone before its descriptor can be reused. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
  http_thread *t = cls;
  serve_ctx *c = t->c;
  if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
    if (!self)
      keep_to_cpu(t);
    atomic_fetch_add(&c->connections, 1);
    atomic_fetch_add(&c->http_thread_connections[t->index], 1);
    const union MHD_ConnectionInfo *i =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    *socket_context = i ? deadline_open(&c->deadline, i->connect_fd) : NULL;
  } else {
    atomic_fetch_sub(&c->connections, 1);
    atomic_fetch_sub(&c->http_thread_connections[t->index], 1);
    deadline_close(&c->deadline, *socket_context);
    *socket_context = NULL;
  }
}

/* A request line has arrived (before its headers): the request's deadline
 * starts. Returns the request's initial state: none yet (on_request makes
 * it when the headers are in). */
static void *on_request_line(void *cls, const char *uri, struct MHD_Connection *conn) {
  (void)uri;
  serve_ctx *c = cls;
  deadline_request_started(&c->deadline, slot(conn));
  return NULL;
}

/* libmicrohttpd's own messages (malformed requests, resource limits):
 * debug level, as a flood of bad clients must not flood the log. They
 * never carry request bodies. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
  serve_ctx *c = cls;
  if (!c->opts.log.fn || c->opts.log.max_level < HS_LOG_DEBUG)
    return;
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  size_t n = strlen(msg);
  while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
    msg[--n] = '\0';
  c->opts.log.fn(c->opts.log.user, HS_LOG_DEBUG, msg);
}

/* ---- the address ----------------------------------------------------------------- */

hs_status http_parse_listen(const char *listen, http_addr *a) {
  memset(a, 0, sizeof *a);
  const char *colon = strrchr(listen, ':');
  HS_CHECK(colon && colon[1], HS_ERR_INVALID_ARG, "--listen '%s': HOST:PORT expected", listen);
  char host[128];
  size_t hl = (size_t)(colon - listen);
  HS_CHECK(hl > 0 && hl < sizeof host, HS_ERR_INVALID_ARG, "--listen '%s': bad host", listen);
  memcpy(host, listen, hl);
  host[hl] = '\0';
  char *end;
  long port = strtol(colon + 1, &end, 10);
  HS_CHECK(*end == '\0' && port >= 0 && port <= 65535, HS_ERR_INVALID_ARG,
           "--listen '%s': the port must be 0..65535", listen);
  if (host[0] == '[' && host[hl - 1] == ']') {
    host[hl - 1] = '\0';
    memmove(host, host + 1, hl - 1);
  }
  if (strcmp(host, "localhost") == 0)
    snprintf(host, sizeof host, "127.0.0.1");
  if (inet_pton(AF_INET, host, &a->v4.sin_addr) == 1) {
    a->v4.sin_family = AF_INET;
    a->v4.sin_port = htons((uint16_t)port);
    a->ipv6 = 0;
    a->loopback = (ntohl(a->v4.sin_addr.s_addr) >> 24) == 127;
  } else if (inet_pton(AF_INET6, host, &a->v6.sin6_addr) == 1) {
    a->v6.sin6_family = AF_INET6;
    a->v6.sin6_port = htons((uint16_t)port);
    a->ipv6 = 1;
    a->loopback = memcmp(&a->v6.sin6_addr, &in6addr_loopback, sizeof in6addr_loopback) == 0;
  } else {
    return error_set(HS_ERR_INVALID_ARG, "--listen '%s': the host must be an IP address",
                     listen);
  }
  return HS_OK;
}

/* ---- the daemon ------------------------------------------------------------------ */

/* Thread i accepts no more; its listening socket stays open, ours to close. */
static void quiesce(http_server *s, unsigned i) {
  http_thread *t = &s->t[i];
  if (!t->d || t->quiesced)
    return;
  t->quiesced = 1;
  if (MHD_quiesce_daemon(t->d) == MHD_INVALID_SOCKET)
    s->l.fd[i] = -1; /* libmicrohttpd kept it: MHD_stop_daemon closes it */
}

/* After the decode workers stopped: the daemons, the deadline watchdog,
 * the listening sockets. */
static void teardown(serve_ctx *c, http_server *s) {
  for (unsigned i = 0; i < s->l.n; i++)
    if (s->t[i].d) {
      quiesce(s, i);
      MHD_stop_daemon(s->t[i].d);
    }
  free(c->decode_pool);
  c->decode_pool = NULL;
  deadline_stop(&c->deadline);
  listeners_close(&s->l);
  free(s);
}

hs_status http_start(serve_ctx *c, const http_addr *a, http_server **out, int *port) {
  unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
                   MHD_ALLOW_SUSPEND_RESUME;
  if (a->ipv6)
    flags |= MHD_USE_IPv6;
  int tls = c->opts.tls_cert && c->opts.tls_key;
  if (tls) {
    HS_CHECK(MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES, HS_ERR_UNSUPPORTED,
             "this libmicrohttpd was built without TLS");
    flags |= MHD_USE_TLS;
  }
  http_server *s = calloc(1, sizeof *s);
  decode_pool *pool = calloc(1, sizeof *pool);
  if (!s || !pool) {
    free(s);
    free(pool);
    return error_set(HS_ERR_NOMEM, "out of memory for the HTTP threads");
  }
  int pinned = listeners_pinned(c->opts.cpu_affinity, a);
  hs_status st = listeners_open(a, c->opts.listen ? c->opts.listen : "127.0.0.1:8080",
                                c->opts.threads, pinned, &s->l);
  if (st == HS_OK) {
    st = pool_start(pool, c, c->opts.decode_workers,
                    (size_t)QUEUE_PER_WORKER * c->opts.decode_workers);
    if (st == HS_OK)
      st = deadline_start(&c->deadline, c->opts.request_timeout_s, c->opts.timeout_s);
    if (st != HS_OK)
      pool_stop(pool);
  }
  if (st != HS_OK) {
    free(pool);
    listeners_close(&s->l);
    free(s);
    return st;
  }
  c->decode_pool = pool;
  c->http_threads = s->l.n; /* all set before a thread can read them */
  c->http_thread_cpu = s->l.cpu;
  for (unsigned i = 0; i < s->l.n; i++)
    s->t[i] = (http_thread){.c = c, .s = s, .index = i, .cpu = s->l.cpu[i]};
  for (unsigned i = 0; i < s->l.n && st == HS_OK; i++) {
    http_thread *t = &s->t[i];
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_LISTEN_SOCKET, s->l.fd[i], NULL},
        {MHD_OPTION_CONNECTION_LIMIT, c->opts.max_connections, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, c->opts.timeout_s, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, c},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, t},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_request_line, c},
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, c},
        {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)c->opts.tls_cert},
        {tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, (void *)c->opts.tls_key},
        {MHD_OPTION_END, 0, NULL}};
    errno = 0;
    t->d = MHD_start_daemon(flags, 0, on_accept, c, on_request, c, MHD_OPTION_ARRAY, opts,
                            MHD_OPTION_END);
    if (!t->d) {
      int e = errno;
      s->l.fd[i] = -1; /* libmicrohttpd may have closed it: never close a number twice */
      st = error_set(HS_ERR_IO, "cannot serve on %s: %s", c->opts.listen,
                     e ? strerror(e) : "libmicrohttpd refused the settings");
    }
  }
  if (st != HS_OK) {
    pool_stop(pool);
    teardown(c, s);
    return st;
  }
  if (pinned)
    log_info("serve: %u HTTP threads, each kept to a CPU and taking its connections", s->l.n);
  *port = s->l.port;
  *out = s;
  return HS_OK;
}

int http_requests_in_flight(serve_ctx *c) {
  /* (a request whose headers are still arriving has a request line and no
   * handler yet: only the deadline slots know it) */
  int handled = atomic_load(&c->in_flight), begun = deadline_busy(&c->deadline);
  return handled > begun ? handled : begun;
}

/* Waits at most `seconds` for the requests in flight to end; how many are
 * left. */
static int wait_drained(serve_ctx *c, double seconds) {
  double t0 = clock_now_s();
  int left;
  while ((left = http_requests_in_flight(c)) > 0 && clock_now_s() - t0 < seconds) {
    struct timespec ts = {0, 10000000L};
    nanosleep(&ts, NULL);
  }
  return left;
}

void http_stop(serve_ctx *c, http_server *s) {
  /* Stop accepting; let the requests in flight finish (bounded), then close
   * every connection (idle keep-alive ones included). */
  for (unsigned i = 0; i < s->l.n; i++)
    quiesce(s, i);
  unsigned drain_s = c->opts.drain_timeout_s;
  int left = wait_drained(c, drain_s);
  if (left > 0)
    log_warn("serve: %d request(s) still running after the %u s drain: queued uploads get 503, "
             "those decoding finish",
             left, drain_s);
  /* libmicrohttpd stops only with no connection suspended: every upload
   * still queued is answered 503, the running ones finish, and each
   * resumes its connection; their answers get a moment to go out. */
  pool_stop(c->decode_pool);
  wait_drained(c, DRAIN_ANSWERS_S);
  teardown(c, s);
}
