/* serve/metrics.h - internal: the counters behind GET /metrics (Prometheus
 * text format 0.0.4). Lock-free: every counter is an atomic, so a request
 * thread never waits on another to count. */
#ifndef HS_SERVE_METRICS_H
#define HS_SERVE_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef enum serve_endpoint {
  EP_HEALTHZ,
  EP_READYZ,
  EP_V1_LOOKUP,
  EP_V1_CHECK,
  EP_M_LOOKUP,
  EP_M_INDEX_STATUS,
  EP_STATUS,
  EP_H_HASH,
  EP_METRICS,
  EP_OTHER, /* unknown paths (404) */
  EP_COUNT
} serve_endpoint;

#define METRICS_CODES 13   /* the status codes counted one by one, + other */
#define METRICS_LAT_BUCKETS 14
#define METRICS_BATCH_BUCKETS 10

typedef struct serve_metrics {
  atomic_uint_fast64_t requests[EP_COUNT][METRICS_CODES];
  atomic_uint_fast64_t latency[EP_COUNT][METRICS_LAT_BUCKETS + 1]; /* last: +Inf */
  atomic_uint_fast64_t latency_sum_us[EP_COUNT];
  atomic_uint_fast64_t hashes_looked_up;  /* hashes in lookups (all endpoints) */
  atomic_uint_fast64_t matches;           /* match objects answered */
  atomic_uint_fast64_t matched_requests;  /* answers with at least one match */
  atomic_uint_fast64_t rejected_busy;     /* 503: lookup queue full */
  atomic_uint_fast64_t rejected_upload_busy; /* 503: every decode worker busy, their
                                                queue full or waited 10 s */
  atomic_uint_fast64_t batches, batch_queries;
  atomic_uint_fast64_t batch_requests[METRICS_BATCH_BUCKETS + 1];
  atomic_uint_fast64_t batch_sum_us;
} serve_metrics;

const char *metrics_endpoint_path(serve_endpoint e);
void metrics_request(serve_metrics *m, serve_endpoint e, int status, double seconds);
void metrics_batch(serve_metrics *m, size_t requests, size_t queries, double seconds);

/* Gauges the metrics do not own, read at render time. */
typedef struct metrics_gauges {
  int ready;
  uint64_t index_version;
  double index_age_s;       /* now - time of that version (-1: unknown) */
  uint64_t reloads, base_builds;
  size_t pdq_entries, exact_entries;
  size_t queue_depth;
  int connections;
  /* per HTTP thread: its open connections and the CPU it keeps to (-1: any) */
  unsigned http_threads;
  const int *thread_connections, *thread_cpu;
  uint64_t connections_moved; /* asked to reconnect on their client's CPU */
  uint64_t deadline_closed; /* connections closed past their request deadline */
} metrics_gauges;

/* The whole exposition as a malloc'd string (NULL: out of memory). */
char *metrics_render(serve_metrics *m, const metrics_gauges *g, size_t *len);

#endif
