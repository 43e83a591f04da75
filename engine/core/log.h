/* core/log.h - internal: the library logs only through the installed
 * callback (hs_set_logger); the CLI renders it on stderr. */
#ifndef HS_CORE_LOG_H
#define HS_CORE_LOG_H

#include "hashsweep/core.h"

void log_emit(hs_log_level level, const char *fmt, ...) HS_PRINTF(2, 3);
int log_enabled(hs_log_level level);

#define log_error(...) log_emit(HS_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_emit(HS_LOG_WARN, __VA_ARGS__)
#define log_info(...) log_emit(HS_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_emit(HS_LOG_DEBUG, __VA_ARGS__)

#endif
