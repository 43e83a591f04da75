/* serve/serve.c - hs_serve_run: options, start-up order, shutdown. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/log.h"
#include "core/options.h"
#include "serve/http.h"
#include "serve/server.h"

void hs_serve_options_init(hs_serve_options *dst, size_t size) {
  hs_serve_options full, *o = &full;
  memset(o, 0, sizeof *o);
  o->listen = "127.0.0.1:8080";
  o->max_connections = 4096;
  o->timeout_s = 15;
  o->request_timeout_s = 10;
  o->drain_timeout_s = 30;
  o->max_body = 64ull << 20;
  o->max_batch = 1000;
  o->batch_wait_us = 1000;
  o->max_queue = 1024;
  o->poll_ms = 250;
  o->radius = HS_PDQ_DEFAULT_RADIUS;
  o->min_quality = HS_PDQ_MIN_QUALITY;
  hs_decode_options_default(&o->decode);
  hs_video_options_default(&o->video);
  o->video_query_percent = HS_VIDEO_DEFAULT_QUERY_PERCENT;
  o->video_compared_percent = HS_VIDEO_DEFAULT_COMPARED_PERCENT;
  options_init(dst, size, o, sizeof *o);
}

static unsigned cores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (unsigned)n : 1;
}

/* Who runs batches (serve/batch.h). On the CPU a batch saves nothing a
 * search on the request's own thread would pay: searches run there, one per
 * core at most. A device launch is what a batch amortises: one matcher
 * thread gathers. Test hook: HASHSWEEP_SERVE_LEADERS=N sets the leaders
 * (0: the matcher thread; tests/cli/test_serve_load.sh runs 0 and 1 on the
 * CPU); anything but a number 0..1024 there is ignored. */
static unsigned leaders(const hs_engine *engine) {
  const char *e = getenv("HASHSWEEP_SERVE_LEADERS");
  char *end;
  long n = e && *e ? strtol(e, &end, 10) : -1;
  if (n >= 0 && n <= 1024 && *end == '\0')
    return (unsigned)n;
  return hs_engine_uses_device(engine) ? 0 : cores();
}

static hs_status check_options(const hs_serve_options *o) {
  HS_CHECK(o && o->index_path && o->engine && o->cancel, HS_ERR_INVALID_ARG,
           "serve: the index, the engine and the cancel handle are required");
  HS_CHECK(o->radius >= 0 && o->radius <= 256, HS_ERR_INVALID_ARG,
           "serve: radius %d is not 0..256", o->radius);
  HS_CHECK(o->video_query_percent >= 0 && o->video_query_percent <= 100 &&
               o->video_compared_percent >= 0 && o->video_compared_percent <= 100,
           HS_ERR_INVALID_ARG, "serve: the video match percentages must be 0..100");
  HS_CHECK(o->max_batch >= 1 && o->max_queue >= 1 && o->max_body >= 1 && o->timeout_s >= 1 &&
               o->request_timeout_s >= 1,
           HS_ERR_INVALID_ARG, "serve: batch, queue, body and timeout limits must be positive");
  HS_CHECK(o->threads <= SERVE_MAX_THREADS, HS_ERR_INVALID_ARG,
           "serve: %d HTTP threads at most", SERVE_MAX_THREADS);
  HS_CHECK(o->cpu_affinity >= HS_SERVE_AFFINITY_AUTO && o->cpu_affinity <= HS_SERVE_AFFINITY_OFF,
           HS_ERR_INVALID_ARG, "serve: cpu_affinity must be auto, on or off");
  HS_CHECK(!o->tls_cert == !o->tls_key, HS_ERR_INVALID_ARG,
           "serve: TLS needs both the certificate and the key");
  HS_CHECK(!o->token || strlen(o->token) >= 16, HS_ERR_INVALID_ARG,
           "serve: the token must be at least 16 characters");
  return HS_OK;
}

static void batch_metrics(void *user, size_t requests, size_t queries, double seconds) {
  metrics_batch(user, requests, queries, seconds);
}

hs_status serve_ctx_open(serve_ctx *c, const hs_serve_options *opts, int poll) {
  memset(c, 0, sizeof *c);
  HS_TRY(check_options(opts));
  c->opts = *opts;
  /* One HTTP thread per core: lookups search on them (uploads decode on
   * the decode workers), and each may hold one of LMDB's 254 reader slots. */
  if (c->opts.threads == 0)
    c->opts.threads = cores() < 2 ? 2 : cores() > 200 ? 200 : cores();
  if (c->opts.decode_workers == 0)
    c->opts.decode_workers = cores();
  hs_status st = live_open(&c->live, opts->index_path, opts->engine, opts->poll_ms, &opts->log);
  if (st != HS_OK)
    return st;
  c->live.vopts.radius = opts->radius;
  c->live.vopts.min_quality = opts->min_quality;
  c->live.vopts.query_percent = opts->video_query_percent;
  c->live.vopts.compared_percent = opts->video_compared_percent;
  c->batcher = (serve_batcher){.live = &c->live,
                               .engine = opts->engine,
                               .radius = opts->radius,
                               .wait_us = opts->batch_wait_us,
                               .max_queue = opts->max_queue,
                               .leaders = leaders(opts->engine),
                               .log = opts->log,
                               .in_flight = &c->in_flight,
                               .on_batch = batch_metrics,
                               .user = &c->metrics};
  st = batcher_start(&c->batcher);
  if (st == HS_OK)
    st = poll ? live_start(&c->live) : live_load_now(&c->live);
  if (st != HS_OK)
    serve_ctx_close(c);
  return st;
}

void serve_ctx_close(serve_ctx *c) {
  batcher_stop(&c->batcher);
  live_close(&c->live);
}

static void event(const hs_serve_options *o, const char *what, int port) {
  if (o->on_event)
    o->on_event(o->user, what, port);
}

hs_status hs_serve_run(const hs_serve_options *caller) {
  HS_CHECK(caller, HS_ERR_INVALID_ARG, "hs_serve_run: NULL options");
  hs_serve_options own;
  hs_serve_options_init(&own, sizeof own);
  HS_TRY(options_read(&own, sizeof own, caller, "hs_serve_options"));
  const hs_serve_options *opts = &own;
  HS_TRY(check_options(opts));
  const hs_logger *prev = log_enter(&opts->log);
  http_addr addr;
  hs_status st = http_parse_listen(opts->listen ? opts->listen : "127.0.0.1:8080", &addr);
  if (st == HS_OK && !addr.loopback && !opts->token && !opts->insecure)
    st = error_set(HS_ERR_INVALID_ARG,
                   "refusing to listen on %s, not a loopback address, without a bearer token "
                   "(--token-file) or --insecure", opts->listen);
  serve_ctx *c = st == HS_OK ? calloc(1, sizeof *c) : NULL;
  if (st == HS_OK && !c)
    st = error_set(HS_ERR_NOMEM, "out of memory");
  if (st == HS_OK)
    st = serve_ctx_open(c, opts, 1);
  if (st != HS_OK) {
    free(c);
    log_leave(prev);
    return st;
  }
  http_server *d = NULL;
  int port = 0;
  st = http_start(c, &addr, &d, &port);
  if (st == HS_OK) {
    log_info("serve: listening on %s (port %d)%s", opts->listen, port,
             opts->tls_cert ? " with TLS" : "");
    event(opts, "listening", port);
    int ready = 0;
    while (!hs_cancel_triggered(opts->cancel)) {
      if (!ready) {
        serve_view *v = live_view(&c->live);
        if (v) {
          ready = 1;
          log_info("serve: ready at index version %llu", (unsigned long long)v->version);
          event(opts, "ready", port);
        }
        view_release(v);
      }
      struct timespec ts = {0, 20000000L};
      nanosleep(&ts, NULL);
    }
    log_info("serve: stopping: draining %d request(s) in flight", http_requests_in_flight(c));
    http_stop(c, d);
  }
  serve_ctx_close(c);
  free(c);
  log_leave(prev);
  return st;
}
