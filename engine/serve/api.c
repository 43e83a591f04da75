/* serve/api.c - the endpoints: routing, the native API (/v1/...), health
 * and metrics. The HMA-shaped endpoints are in serve/hma.c; both share the
 * lookup helpers of serve/lookup.c. Every answer is JSON except /status
 * (HMA's plain text) and /metrics (Prometheus text). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "serve/check.h"
#include "serve/lookup.h"
#include "serve/resolve.h"
#include "serve/server.h"

/* ---- answers ---------------------------------------------------------------------- */

void serve_json(serve_response *rs, int status, json_t *o) {
  char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
  json_decref(o);
  if (!s) {
    rs->status = 500;
    rs->body = strdup("{\"error\":\"out of memory\"}");
    rs->len = rs->body ? strlen(rs->body) : 0;
  } else {
    rs->status = status;
    size_t n = strlen(s);
    rs->body = malloc(n + 2);
    if (rs->body) {
      memcpy(rs->body, s, n);
      rs->body[n] = '\n';
      rs->len = n + 1;
    }
    free(s);
  }
  rs->content_type = "application/json";
}

void serve_error(serve_response *rs, int status, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  json_t *o = json_object();
  /* "error" is the native key; HMA's error handler answers "message". */
  json_object_set_new(o, "error", json_text(msg));
  json_object_set_new(o, "message", json_text(msg));
  serve_json(rs, status, o);
  if (status == 503 && rs->retry_after == 0)
    rs->retry_after = 1;
}

static void serve_text(serve_response *rs, int status, const char *text, const char *type) {
  rs->status = status;
  rs->body = strdup(text);
  rs->len = rs->body ? strlen(text) : 0;
  rs->content_type = type;
}

/* ---- health --------------------------------------------------------------------- */

static void healthz(serve_ctx *c, const serve_request *rq, serve_response *rs) {
  (void)c, (void)rq;
  json_t *o = json_object();
  json_object_set_new(o, "status", json_string("ok"));
  serve_json(rs, 200, o);
}

static void readyz(serve_ctx *c, const serve_request *rq, serve_response *rs) {
  (void)rq;
  serve_view *v = live_view(&c->live);
  json_t *o = json_object();
  json_object_set_new(o, "ready", json_boolean(v != NULL));
  if (!v) {
    json_object_set_new(o, "error", json_string("index not loaded yet"));
    serve_json(rs, 503, o);
    rs->retry_after = 1;
    return;
  }
  json_object_set_new(o, "index_version", json_integer((json_int_t)v->version));
  json_object_set_new(o, "pdq_entries", json_integer((json_int_t)view_pdq_count(v)));
  json_object_set_new(o, "exact_entries", json_integer((json_int_t)view_exact_count(v)));
  view_release(v);
  serve_json(rs, 200, o);
}

/* HMA's liveness answer: plain text, 503 while the index is not loaded. */
static void status_text(serve_ctx *c, const serve_request *rq, serve_response *rs) {
  (void)rq;
  serve_view *v = live_view(&c->live);
  if (v)
    serve_text(rs, 200, "I-AM-ALIVE", "text/plain");
  else
    serve_text(rs, 503, "INDEX-NOT-LOADED", "text/plain");
  view_release(v);
}

static void metrics(serve_ctx *c, const serve_request *rq, serve_response *rs) {
  (void)rq;
  metrics_gauges g = {0};
  serve_view *v = live_view(&c->live);
  if (v) {
    g.ready = 1;
    g.index_version = v->version;
    g.index_age_s = v->version_time ? (double)(time(NULL) - v->version_time) : -1;
    g.pdq_entries = view_pdq_count(v);
    g.exact_entries = view_exact_count(v);
  } else {
    g.index_age_s = -1;
  }
  view_release(v);
  g.reloads = atomic_load(&c->live.reloads);
  g.base_builds = atomic_load(&c->live.base_builds);
  g.queue_depth = batcher_depth(&c->batcher);
  g.connections = atomic_load(&c->connections);
  int thread_conns[SERVE_MAX_THREADS];
  g.http_threads = c->http_threads;
  for (unsigned i = 0; i < g.http_threads; i++)
    thread_conns[i] = atomic_load(&c->http_thread_connections[i]);
  g.thread_connections = thread_conns;
  g.thread_cpu = c->http_thread_cpu;
  g.connections_moved = atomic_load(&c->connections_moved);
  g.deadline_closed = atomic_load(&c->deadline.closed);
  rs->body = metrics_render(&c->metrics, &g, &rs->len);
  if (!rs->body) {
    serve_error(rs, 500, "out of memory");
    return;
  }
  rs->status = 200;
  rs->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

/* ---- POST /v1/lookup ---------------------------------------------------------------- */

/* {"hashes": [{"type": "pdq"|"md5"|"sha256", "hash": "<hex>"}, ...]} */
static int parse_lookup(serve_ctx *c, const serve_request *rq, lookup_item **items, size_t *n,
                        serve_response *rs) {
  json_error_t jerr;
  json_t *root = json_loadb((const char *)rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
  if (!root) {
    serve_error(rs, 400, "malformed JSON at line %d column %d: %s", jerr.line, jerr.column,
                jerr.text);
    return -1;
  }
  json_t *arr = json_is_object(root) ? json_object_get(root, "hashes") : NULL;
  if (!json_is_array(arr)) {
    json_decref(root);
    serve_error(rs, 400, "the body must be an object with an array \"hashes\"");
    return -1;
  }
  size_t k = json_array_size(arr);
  if (k == 0 || k > c->opts.max_batch) {
    json_decref(root);
    serve_error(rs, k ? 413 : 400, "\"hashes\" holds %zu hashes: 1 to %u are allowed", k,
                c->opts.max_batch);
    return -1;
  }
  lookup_item *it = calloc(k, sizeof *it);
  if (!it) {
    json_decref(root);
    serve_error(rs, 500, "out of memory");
    return -1;
  }
  for (size_t i = 0; i < k; i++) {
    json_t *h = json_array_get(arr, i);
    const char *type = json_string_value(json_object_get(h, "type"));
    const char *hex = json_string_value(json_object_get(h, "hash"));
    if (!json_is_object(h) || !type || !hex) {
      serve_error(rs, 400, "hashes[%zu]: an object with string keys \"type\" and \"hash\" is "
                  "expected", i);
      break;
    }
    if (lookup_item_parse(&it[i], type, hex) != HS_OK) {
      serve_error(rs, 400, "hashes[%zu]: %s", i, hs_last_error());
      break;
    }
  }
  json_decref(root);
  if (rs->body) {
    free(it);
    return -1;
  }
  *items = it;
  *n = k;
  return 0;
}

static void v1_lookup(serve_ctx *c, const serve_request *rq, serve_response *rs) {
  lookup_item *items;
  size_t n;
  if (parse_lookup(c, rq, &items, &n, rs) != 0)
    return;
  lookup_answer ans;
  if (lookup_items(c, items, n, NULL, &ans, rs) == 0) {
    json_t *o = json_object();
    json_t *results = json_array();
    for (size_t i = 0; i < n; i++) {
      json_t *r = json_object();
      json_object_set_new(r, "type", json_string(hs_hash_type_name(items[i].type)));
      json_object_set_new(r, "hash", json_string(items[i].hex));
      json_object_set_new(r, "match", json_boolean(json_array_size(ans.matches[i]) > 0));
      json_object_set_new(r, "matches", json_incref(ans.matches[i]));
      if (ans.allowed[i])
        json_object_set_new(r, "allowed", json_incref(ans.allowed[i]));
      json_array_append_new(results, r);
    }
    json_object_set_new(o, "results", results);
    json_object_set_new(o, "index_version", json_integer((json_int_t)ans.version));
    serve_json(rs, 200, o);
  }
  lookup_answer_free(&ans, n);
  free(items);
}

/* ---- POST /v1/check ---------------------------------------------------------------- */

static void v1_check(serve_ctx *c, const serve_request *rq, serve_response *rs) {
  if (rq->body_len == 0) {
    serve_error(rs, 400, "the body must be the bytes of an image or video");
    return;
  }
  upload_hashes u;
  json_t *matches = NULL, *allowed = NULL;
  uint64_t version = 0;
  if (lookup_upload(c, rq->body, rq->body_len, NULL, &u, &matches, &allowed, &version, rs) != 0)
    return;
  size_t nm = json_array_size(matches);
  if (u.status != HS_OK && nm == 0 && !allowed) {
    /* Nothing decoded and no exact entry: the client learns why. */
    json_decref(matches);
    serve_error(rs, upload_http_status(u.status), "upload: %s", u.error);
    upload_free(&u);
    return;
  }
  json_t *o = json_object();
  json_object_set_new(o, "match", json_boolean(nm > 0));
  json_object_set_new(o, "matches", matches);
  if (allowed) /* known benign: the allow entry, and how many it suppressed */
    json_object_set_new(o, "allowed", allowed);
  char hex[65];
  if (u.kind == UPLOAD_IMAGE) {
    hs_hash256_to_hex(&u.pdq.hash[HS_DIH_ORIG], hex);
    json_object_set_new(o, "pdq", json_string(hex));
    json_object_set_new(o, "quality", json_integer(u.pdq.quality));
  } else {
    json_object_set_new(o, "pdq", json_null());
    json_object_set_new(o, "quality", json_null());
  }
  hs_bytes_to_hex(u.md5, 16, hex);
  json_object_set_new(o, "md5", json_string(hex));
  hs_bytes_to_hex(u.sha256, 32, hex);
  json_object_set_new(o, "sha256", json_string(hex));
  json_object_set_new(o, "index_version", json_integer((json_int_t)version));
  json_object_set_new(o, "kind", json_string(u.kind == UPLOAD_VIDEO   ? "video"
                                             : u.kind == UPLOAD_IMAGE ? "image"
                                                                      : "undecoded"));
  if (u.kind == UPLOAD_VIDEO)
    json_object_set_new(o, "frames", json_integer((json_int_t)u.nframes));
  if (u.status != HS_OK)
    json_object_set_new(o, "error", json_text(u.error));
  upload_free(&u);
  serve_json(rs, 200, o);
}

/* ---- routing ------------------------------------------------------------------------- */

typedef void (*handler_fn)(serve_ctx *, const serve_request *, serve_response *);

typedef struct route {
  serve_endpoint ep;
  const char *path;
  handler_fn get, post;
  int needs_index;
  int post_decodes; /* the POST handler decodes an upload (a decode worker runs it) */
} route;

static const route routes[] = {
    {EP_HEALTHZ, "/healthz", healthz, NULL, 0, 0},
    {EP_READYZ, "/readyz", readyz, NULL, 0, 0},
    {EP_V1_LOOKUP, "/v1/lookup", NULL, v1_lookup, 1, 0},
    {EP_V1_CHECK, "/v1/check", NULL, v1_check, 1, 1},
    {EP_M_LOOKUP, "/m/lookup", hma_lookup_get, hma_lookup_post, 1, 1},
    {EP_M_INDEX_STATUS, "/m/index/status", hma_index_status, NULL, 0, 0},
    {EP_STATUS, "/status", status_text, NULL, 0, 0},
    {EP_H_HASH, "/h/hash", hma_hash_get, hma_hash_post, 0, 1},
    {EP_METRICS, "/metrics", metrics, NULL, 0, 0},
};

static const route *find_route(const char *path) {
  for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
    if (strcmp(path, routes[i].path) == 0)
      return &routes[i];
  return NULL;
}

serve_endpoint serve_route(const char *path) {
  const route *r = path ? find_route(path) : NULL;
  return r ? r->ep : EP_OTHER;
}

int serve_decodes(const char *path, const char *method) {
  const route *r = path ? find_route(path) : NULL;
  return r && r->post_decodes && strcmp(method, "POST") == 0;
}

void serve_handle(serve_ctx *c, const serve_request *rq, serve_response *rs) {
  memset(rs, 0, sizeof *rs);
  const route *r = find_route(rq->path);
  if (!r) {
    serve_error(rs, 404, "no such endpoint");
    return;
  }
  int head = strcmp(rq->method, "HEAD") == 0;
  handler_fn fn = strcmp(rq->method, "GET") == 0 || head ? r->get
                  : strcmp(rq->method, "POST") == 0      ? r->post
                                                         : NULL;
  if (!fn) {
    rs->allow = r->get && r->post ? "GET, HEAD, POST" : r->get ? "GET, HEAD" : "POST";
    serve_error(rs, 405, "method %s is not allowed here (allowed: %s)",
                strlen(rq->method) < 16 ? rq->method : "?", rs->allow);
    return;
  }
  if (r->needs_index) {
    serve_view *v = live_view(&c->live);
    int ready = v != NULL;
    view_release(v);
    if (!ready) {
      serve_error(rs, 503, "index not yet ready");
      return;
    }
  }
  fn(c, rq, rs);
}
