/* core/error.h - internal: setting the per-thread error detail, early
 * returns. Sites that detect a failure write the message; callers only
 * propagate the status. */
#ifndef HS_CORE_ERROR_H
#define HS_CORE_ERROR_H

#include "hashsweep/core.h"

/* Formats the one-line detail for the calling thread and returns `status`,
 * so a failing site reads `return error_set(HS_ERR_IO, "%s: %s", path, why);` */
hs_status error_set(hs_status status, const char *fmt, ...) HS_PRINTF(2, 3);
/* Prefixes the current detail with more context ("FILE:LINE: " + detail). */
hs_status error_prefix(hs_status status, const char *fmt, ...) HS_PRINTF(2, 3);
void error_clear(void);

#ifdef HS_DEBUG_TRACE
#include <stdio.h>
#define HS_TRACE_FAIL(s) fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, hs_strerror(s))
#else
#define HS_TRACE_FAIL(s) ((void)0)
#endif

/* Returns early with the status of `expr` when it is not HS_OK. */
#define HS_TRY(expr)                                                                     \
  do {                                                                                   \
    hs_status hs_try_status_ = (expr);                                                   \
    if (hs_try_status_ != HS_OK) {                                                       \
      HS_TRACE_FAIL(hs_try_status_);                                                     \
      return hs_try_status_;                                                             \
    }                                                                                    \
  } while (0)

/* Guards a precondition in one line: HS_CHECK(ptr, HS_ERR_INVALID_ARG, "ptr is NULL"). */
#define HS_CHECK(cond, status, ...)                                                      \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      HS_TRACE_FAIL(status);                                                             \
      return error_set((status), __VA_ARGS__);                                           \
    }                                                                                    \
  } while (0)

#define HS_FREE(p)                                                                       \
  do {                                                                                   \
    free(p);                                                                             \
    (p) = NULL;                                                                          \
  } while (0)

#endif
