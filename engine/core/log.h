/* core/log.h - internal: the library logs only through callbacks: the
 * calling thread's current logger (the context's: engine or run options),
 * else the process-wide one (hs_set_logger). The CLI renders them on
 * stderr. */
#ifndef HS_CORE_LOG_H
#define HS_CORE_LOG_H

#include "hashsweep/core.h"

/* Makes `l` the calling thread's logger (when it has a function; else
 * nothing changes) and returns the one to restore with log_leave. `l` must
 * outlive the scope. */
const hs_logger *log_enter(const hs_logger *l);
/* The same, but only when the thread has no logger yet: an engine call
 * made inside a run logs to the run's logger, one made alone to the
 * engine's. */
const hs_logger *log_enter_default(const hs_logger *l);
void log_leave(const hs_logger *prev);
/* The thread's logger, or NULL (the process-wide one applies). */
const hs_logger *log_current(void);

void log_emit(hs_log_level level, const char *fmt, ...) HS_PRINTF(2, 3);
int log_enabled(hs_log_level level);

#define log_error(...) log_emit(HS_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_emit(HS_LOG_WARN, __VA_ARGS__)
#define log_info(...) log_emit(HS_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_emit(HS_LOG_DEBUG, __VA_ARGS__)

#endif
