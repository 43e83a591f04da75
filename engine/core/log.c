/* core/log.c - the logging callbacks.
 *
 * A logger belongs to a context: the engine (hs_engine_options.log) or a
 * run (hs_scan_options.log ...). Each public entry point that has one makes
 * it the calling thread's current logger for the call (log_enter /
 * log_leave), and the pipeline's workers take the run's, so log_emit needs
 * no context argument and two runs in one process log to their own
 * callbacks. The process-wide logger of hs_set_logger is the fallback for
 * threads without one: calls made outside any context (index maintenance)
 * and OpenMP helper threads. */
#include "core/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

/* Set once by the application before work starts; read by any thread. */
static hs_log_fn log_fn;
static void *log_user;
static atomic_int log_max_level = HS_LOG_ERROR;

static _Thread_local const hs_logger *current;

void hs_set_logger(hs_log_fn fn, void *user, hs_log_level max_level) {
  log_fn = fn;
  log_user = user;
  atomic_store(&log_max_level, (int)max_level);
}

const hs_logger *log_enter(const hs_logger *l) {
  const hs_logger *prev = current;
  if (l && l->fn)
    current = l;
  return prev;
}

const hs_logger *log_enter_default(const hs_logger *l) {
  return current ? current : log_enter(l);
}

void log_leave(const hs_logger *prev) { current = prev; }

const hs_logger *log_current(void) { return current; }

int log_enabled(hs_log_level level) {
  if (current)
    return (int)level <= (int)current->max_level;
  return log_fn != NULL && (int)level <= atomic_load(&log_max_level);
}

void log_emit(hs_log_level level, const char *fmt, ...) {
  if (!log_enabled(level))
    return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (current)
    current->fn(current->user, level, msg);
  else
    log_fn(log_user, level, msg);
}
