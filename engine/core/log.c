/* core/log.c - the logging callback. */
#include "core/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

/* Set once by the application before work starts; read by any thread. */
static hs_log_fn log_fn;
static void *log_user;
static atomic_int log_max_level = HS_LOG_ERROR;

void hs_set_logger(hs_log_fn fn, void *user, hs_log_level max_level) {
  log_fn = fn;
  log_user = user;
  atomic_store(&log_max_level, (int)max_level);
}

int log_enabled(hs_log_level level) {
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
  log_fn(log_user, level, msg);
}
