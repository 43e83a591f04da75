/* serve/metrics.c - counting requests and batches, and the Prometheus
 * exposition of GET /metrics. */
#include "serve/metrics.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const paths[EP_COUNT] = {
    "/healthz", "/readyz", "/v1/lookup", "/v1/check", "/m/lookup",
    "/m/index/status", "/status", "/h/hash", "/metrics", "other"};

static const int codes[METRICS_CODES - 1] = {200, 400, 401, 403, 404, 405,
                                             408, 413, 415, 422, 500, 503};

/* seconds; from well under a hash lookup to a slow video */
static const double lat_le[METRICS_LAT_BUCKETS] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                   0.005,  0.01,    0.025,  0.05,  0.1,
                                                   0.25,   0.5,     1,      5};

/* requests per batch */
static const int batch_le[METRICS_BATCH_BUCKETS] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 1024};

const char *metrics_endpoint_path(serve_endpoint e) {
  return (unsigned)e < EP_COUNT ? paths[e] : "other";
}

static int code_slot(int status) {
  for (int i = 0; i < METRICS_CODES - 1; i++)
    if (codes[i] == status)
      return i;
  return METRICS_CODES - 1;
}

void metrics_request(serve_metrics *m, serve_endpoint e, int status, double seconds) {
  if ((unsigned)e >= EP_COUNT)
    e = EP_OTHER;
  atomic_fetch_add(&m->requests[e][code_slot(status)], 1);
  int b = 0;
  while (b < METRICS_LAT_BUCKETS && seconds > lat_le[b])
    b++;
  atomic_fetch_add(&m->latency[e][b], 1); /* non-cumulative here; summed when rendered */
  atomic_fetch_add(&m->latency_sum_us[e], (uint64_t)(seconds * 1e6));
}

void metrics_batch(serve_metrics *m, size_t requests, size_t queries, double seconds) {
  atomic_fetch_add(&m->batches, 1);
  atomic_fetch_add(&m->batch_queries, queries);
  atomic_fetch_add(&m->batch_sum_us, (uint64_t)(seconds * 1e6));
  int b = 0;
  while (b < METRICS_BATCH_BUCKETS && (int)requests > batch_le[b])
    b++;
  atomic_fetch_add(&m->batch_requests[b], 1);
}

static void render_requests(FILE *f, serve_metrics *m) {
  fputs("# HELP hashsweep_http_requests_total HTTP requests answered, by endpoint and status.\n"
        "# TYPE hashsweep_http_requests_total counter\n", f);
  for (int e = 0; e < EP_COUNT; e++)
    for (int c = 0; c < METRICS_CODES; c++) {
      uint64_t n = atomic_load(&m->requests[e][c]);
      if (n == 0)
        continue;
      if (c < METRICS_CODES - 1)
        fprintf(f, "hashsweep_http_requests_total{endpoint=\"%s\",code=\"%d\"} %llu\n", paths[e],
                codes[c], (unsigned long long)n);
      else
        fprintf(f, "hashsweep_http_requests_total{endpoint=\"%s\",code=\"other\"} %llu\n",
                paths[e], (unsigned long long)n);
    }
  fputs("# HELP hashsweep_http_request_duration_seconds Time from the request's headers to its "
        "answer.\n# TYPE hashsweep_http_request_duration_seconds histogram\n", f);
  for (int e = 0; e < EP_COUNT; e++) {
    uint64_t cum = 0;
    for (int b = 0; b <= METRICS_LAT_BUCKETS; b++) {
      cum += atomic_load(&m->latency[e][b]);
      if (b < METRICS_LAT_BUCKETS)
        fprintf(f, "hashsweep_http_request_duration_seconds_bucket{endpoint=\"%s\",le=\"%g\"} %llu\n",
                paths[e], lat_le[b], (unsigned long long)cum);
      else
        fprintf(f, "hashsweep_http_request_duration_seconds_bucket{endpoint=\"%s\",le=\"+Inf\"} %llu\n",
                paths[e], (unsigned long long)cum);
    }
    fprintf(f, "hashsweep_http_request_duration_seconds_sum{endpoint=\"%s\"} %.6f\n", paths[e],
            (double)atomic_load(&m->latency_sum_us[e]) / 1e6);
    fprintf(f, "hashsweep_http_request_duration_seconds_count{endpoint=\"%s\"} %llu\n", paths[e],
            (unsigned long long)cum);
  }
}

static void counter(FILE *f, const char *name, const char *help, uint64_t v) {
  fprintf(f, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
          (unsigned long long)v);
}

static void gauge(FILE *f, const char *name, const char *help, double v) {
  fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n%s %.17g\n", name, help, name, name, v);
}

static void render_batches(FILE *f, serve_metrics *m) {
  fputs("# HELP hashsweep_batch_requests Requests gathered into one matcher batch.\n"
        "# TYPE hashsweep_batch_requests histogram\n", f);
  uint64_t cum = 0;
  for (int b = 0; b <= METRICS_BATCH_BUCKETS; b++) {
    cum += atomic_load(&m->batch_requests[b]);
    if (b < METRICS_BATCH_BUCKETS)
      fprintf(f, "hashsweep_batch_requests_bucket{le=\"%d\"} %llu\n", batch_le[b],
              (unsigned long long)cum);
    else
      fprintf(f, "hashsweep_batch_requests_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
  }
  fprintf(f, "hashsweep_batch_requests_count %llu\n", (unsigned long long)cum);
  counter(f, "hashsweep_batch_queries_total", "PDQ query hashes searched in batches.",
          atomic_load(&m->batch_queries));
  gauge(f, "hashsweep_batch_seconds_total", "Time the matcher spent searching batches.",
        (double)atomic_load(&m->batch_sum_us) / 1e6);
}

/* How the connections fall on the HTTP threads: with the threads kept to
 * CPUs, a thread far above the others shows that one CPU receives most
 * connections (docs/serve.md, "CPU affinity"). */
static void render_threads(FILE *f, const metrics_gauges *g) {
  fputs("# HELP hashsweep_http_thread_connections Open HTTP connections per HTTP thread (cpu: "
        "the CPU it keeps to, \"any\" when it keeps to none).\n"
        "# TYPE hashsweep_http_thread_connections gauge\n", f);
  for (unsigned i = 0; i < g->http_threads; i++) {
    char cpu[16] = "any";
    if (g->thread_cpu[i] >= 0)
      snprintf(cpu, sizeof cpu, "%d", g->thread_cpu[i]);
    fprintf(f, "hashsweep_http_thread_connections{thread=\"%u\",cpu=\"%s\"} %d\n", i, cpu,
            g->thread_connections[i]);
  }
}

char *metrics_render(serve_metrics *m, const metrics_gauges *g, size_t *len) {
  char *buf = NULL;
  FILE *f = open_memstream(&buf, len);
  if (!f)
    return NULL;
  render_requests(f, m);
  counter(f, "hashsweep_lookup_hashes_total", "Hashes looked up (lookups and checks).",
          atomic_load(&m->hashes_looked_up));
  counter(f, "hashsweep_matches_total", "Matches answered.", atomic_load(&m->matches));
  counter(f, "hashsweep_matched_requests_total", "Answers with at least one match.",
          atomic_load(&m->matched_requests));
  counter(f, "hashsweep_rejected_busy_total", "Requests refused with 503: lookup queue full.",
          atomic_load(&m->rejected_busy));
  counter(f, "hashsweep_rejected_upload_busy_total",
          "Uploads refused with 503: every decode worker busy and their queue full, or "
          "waited 10 s.",
          atomic_load(&m->rejected_upload_busy));
  render_batches(f, m);
  gauge(f, "hashsweep_queue_depth", "Lookups waiting for the matcher.", (double)g->queue_depth);
  gauge(f, "hashsweep_ready", "1 once the index is loaded.", g->ready);
  gauge(f, "hashsweep_index_version", "Index version the matcher answers for.",
        (double)g->index_version);
  gauge(f, "hashsweep_index_age_seconds", "Seconds since that version was committed.",
        g->index_age_s);
  gauge(f, "hashsweep_index_pdq_entries", "PDQ entries searched (withdrawn ones until rebuilt).",
        (double)g->pdq_entries);
  gauge(f, "hashsweep_index_exact_entries", "MD5 and SHA-256 entries.", (double)g->exact_entries);
  counter(f, "hashsweep_index_reloads_total", "Index versions taken up.", g->reloads);
  counter(f, "hashsweep_index_base_builds_total", "Full matcher builds.", g->base_builds);
  gauge(f, "hashsweep_http_connections", "Open HTTP connections.", g->connections);
  render_threads(f, g);
  counter(f, "hashsweep_http_connections_moved_total",
          "Connections asked to reconnect (Connection: close) because their packets arrived on "
          "another CPU's HTTP thread.",
          g->connections_moved);
  counter(f, "hashsweep_http_deadline_closed_total",
          "Connections closed because a request had not arrived whole in time.",
          g->deadline_closed);
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}
