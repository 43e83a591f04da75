/* docs/examples/embed_scan.c - embedding libhashsweep (docs/library.md).
 *
 *   embed_scan [--deadline SECONDS] INDEX PATH...
 *
 * Opens the index to report its size, then scans the PATHs (files or
 * directories) against it. Matches and per-file errors arrive as structs
 * through a record callback and are printed one per line; log messages
 * arrive through the engine's logger. A second thread cancels the scan
 * when the deadline passes (default 600 s). Exit status: 0 done, 1 done
 * with per-file errors, 2 usage, 3 failed or cancelled.
 *
 * Built and run by ctest (tests/cli/test_embed_example.sh). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hashsweep.h"

/* ---- what the embedding program does with records and log lines -------- */

typedef struct tally {
  unsigned long matches, errors, notes;
} tally;

/* Called on the thread that runs hs_scan_run, in output order. Every
 * pointer in `r` is borrowed: copy what must outlive the call. */
static hs_status on_record(void *user, const hs_record *r) {
  tally *t = user;
  switch (r->kind) {
  case HS_RECORD_MATCH:
    t->matches++;
    printf("match %s entry=%llu list=%s distance=%d variant=%s\n", r->path,
           (unsigned long long)r->entry, r->list, r->distance, r->variant);
    break;
  case HS_RECORD_ERROR:
    t->errors++;
    printf("error %s: %s\n", r->path, r->message);
    break;
  default: /* HS_RECORD_NOTE: hashed but too flat to match */
    t->notes++;
    break;
  }
  return HS_OK; /* another status would stop the run with it */
}

/* May be called from several threads at once. */
static void on_log(void *user, hs_log_level level, const char *message) {
  (void)user;
  fprintf(stderr, "embed_scan: %s: %s\n", level == HS_LOG_ERROR ? "error" : "warning", message);
}

/* ---- the thread that cancels ----------------------------------------------- */

typedef struct watchdog {
  pthread_mutex_t lock;
  pthread_cond_t cv;
  int finished;      /* the scan returned */
  double deadline_s; /* cancel after this long */
  hs_cancel *cancel; /* owned by main(), outlives both threads' use */
} watchdog;

static void *watch(void *arg) {
  watchdog *w = arg;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += (time_t)w->deadline_s;
  pthread_mutex_lock(&w->lock);
  int timed_out = 0;
  while (!w->finished && !timed_out)
    timed_out = pthread_cond_timedwait(&w->cv, &w->lock, &until) == ETIMEDOUT;
  pthread_mutex_unlock(&w->lock);
  if (timed_out)
    hs_cancel_trigger(w->cancel); /* safe from any thread, or a signal handler */
  return NULL;
}

/* ---- main ------------------------------------------------------------------- */

int main(int argc, char **argv) {
  double deadline = 600;
  int a = 1;
  if (a + 1 < argc && strcmp(argv[a], "--deadline") == 0) {
    deadline = atof(argv[a + 1]);
    a += 2;
  }
  if (argc - a < 2) {
    fprintf(stderr, "usage: embed_scan [--deadline SECONDS] INDEX PATH...\n");
    return 2;
  }
  const char *index_path = argv[a];

  /* 1. Open the index (read-only) to say what it holds. */
  hs_index *idx = NULL;
  hs_status st = hs_index_open(index_path, HS_INDEX_READONLY, &idx);
  if (st != HS_OK) {
    fprintf(stderr, "embed_scan: %s\n", hs_last_error());
    return 2;
  }
  hs_index_stats stats;
  st = hs_index_stats_get(idx, &stats);
  hs_index_close(idx); /* the scan opens its own read snapshot */
  if (st != HS_OK) {
    fprintf(stderr, "embed_scan: %s\n", hs_last_error());
    return 3;
  }
  printf("index version %llu, %llu PDQ entries\n", (unsigned long long)stats.version,
         (unsigned long long)(stats.entries[HS_HASH_PDQ] - stats.withdrawn[HS_HASH_PDQ]));

  /* 2. An engine: where PDQ and matching run. It may serve many runs, one
   * after another or at once; it must outlive them. The logger set here is
   * also the runs' unless they set their own. */
  hs_engine_options eo;
  hs_engine_options_default(&eo); /* always start from the defaults */
  eo.device = "cpu";              /* or "auto": a GPU when there is one */
  eo.log = (hs_logger){on_log, NULL, HS_LOG_WARN};
  hs_engine *engine = NULL;
  if (hs_engine_create(&eo, &engine) != HS_OK) {
    fprintf(stderr, "embed_scan: %s\n", hs_last_error());
    return 3;
  }

  /* 3. The run's cancel handle, made before the run starts. */
  hs_cancel *cancel = NULL;
  if (hs_cancel_create(&cancel) != HS_OK) {
    hs_engine_destroy(engine);
    return 3;
  }
  watchdog w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, deadline, cancel};
  pthread_t watcher;
  if (pthread_create(&watcher, NULL, watch, &w) != 0) {
    hs_cancel_destroy(cancel);
    hs_engine_destroy(engine);
    return 3;
  }

  /* 4. The scan: records to the callback, no text output, no store. */
  tally t = {0};
  hs_scan_options o;
  hs_scan_options_default(&o);
  o.index = index_path;
  o.sources = (const char *const *)argv + a + 1;
  o.nsources = (size_t)(argc - a - 1);
  o.engine = engine;
  o.jobs = 2;
  o.cancel = cancel;
  o.record = on_record;
  o.record_user = &t;
  hs_scan_summary sum; /* filled on every return */
  st = hs_scan_run(&o, &sum); /* blocks; records arrive on this thread */

  pthread_mutex_lock(&w.lock);
  w.finished = 1;
  pthread_cond_signal(&w.cv);
  pthread_mutex_unlock(&w.lock);
  pthread_join(watcher, NULL);

  if (st == HS_OK)
    printf("scanned %llu files: %lu matches, %lu errors, %lu low quality\n",
           (unsigned long long)sum.seen, t.matches, t.errors, t.notes);
  else
    printf("stopped (%s) after %llu files: %s\n", hs_strerror(st), (unsigned long long)sum.seen,
           hs_last_error());

  /* 5. Tear down: the handle and the engine once no run uses them. */
  hs_cancel_destroy(cancel);
  hs_engine_destroy(engine);
  return st != HS_OK ? 3 : t.errors ? 1 : 0;
}
