/* serve/batch.h - internal: micro-batching PDQ lookups.
 *
 * Request threads submit their query hashes; a batch is one Hamming search
 * per part of the current view for all the queries gathered (the device's
 * kernels or the CPU index, hs_match_radius). Two ways to run batches:
 *
 * - Leaders (`leaders` > 0, the CPU path): a request that finds fewer than
 *   `leaders` batches running searches itself, at once, for everything
 *   queued (itself included); others queue and are answered by the leader
 *   that takes them, or, when a leader is done and requests are still
 *   queued, the first of them is woken to lead the next batch ("group
 *   commit"). With light load every lookup runs on its own request thread
 *   with no hand-off; under load batches grow by themselves, and at most
 *   `leaders` searches (the cores) run at once.
 * - One matcher thread (`leaders` == 0, the device path): it takes what is
 *   queued, waits at most `wait_us` for more (or until a batch holds
 *   BATCH_MAX_QUERIES, or every request in flight has joined), and
 *   searches: a device launch is what a batch amortises.
 *
 * Either way the queue is bounded: past `max_queue` waiting requests a
 * submit is refused at once (HS_ERR_BUSY: the caller answers 503 with
 * Retry-After), never queued without bound. */
#ifndef HS_SERVE_BATCH_H
#define HS_SERVE_BATCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "serve/live.h"

#define BATCH_MAX_QUERIES 8192

typedef struct batch_req {
  const uint64_t *queries; /* nq x 4 words (hs_hash256 order) */
  size_t nq;
  /* filled by the matcher: target = entry id, query = 0..nq-1; sorted by
   * query, then entry id */
  hs_match_list hits;
  uint64_t version;        /* of the view searched (0: none loaded yet) */
  hs_status status;
  int done;
  int taken;               /* in a batch being searched */
  int lead;                /* woken to lead the next batch (leaders) */
  pthread_cond_t wake;     /* signalled when done or asked to lead */
  struct batch_req *next;
} batch_req;

typedef struct serve_batcher {
  serve_live *live;
  hs_engine *engine;
  int radius;
  unsigned wait_us, max_queue;
  /* batches searched at once by request threads (0: one matcher thread) */
  unsigned leaders;
  unsigned leading;        /* leader slots held now */
  pthread_mutex_t lock;
  pthread_cond_t work;
  batch_req *head, *tail;
  size_t queued, queued_queries;
  int stop, started;
  pthread_t thread;
  hs_logger log;
  /* requests the HTTP layer holds (NULL: unknown). The matcher stops
   * gathering as soon as every one of them is queued: no other lookup can
   * join the batch, so waiting longer would only add latency. */
  atomic_int *in_flight;
  /* called after each batch, by the thread that ran it (metrics); may be
   * NULL */
  void (*on_batch)(void *user, size_t requests, size_t queries, double seconds);
  void *user;
} serve_batcher;

hs_status batcher_start(serve_batcher *b);
/* Refuses new lookups and stops the matcher thread, if any, after the
 * queued requests are answered. */
void batcher_stop(serve_batcher *b);
/* Submits and waits for the answer (r->status, r->hits; free r->hits with
 * hs_match_list_free). HS_ERR_BUSY when the queue is full. */
hs_status batcher_lookup(serve_batcher *b, batch_req *r);
/* Requests waiting now. */
size_t batcher_depth(serve_batcher *b);

#endif
