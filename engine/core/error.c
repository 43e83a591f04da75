/* core/error.c - status texts and the per-thread error detail. */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* One detail buffer per thread: workers report per-item failures
 * concurrently, and a process-global buffer (as libvips has) would mix them
 * up. 1 KiB holds a long path and its cause. */
static _Thread_local char error_detail[1024];

static const char *const status_text[HS_STATUS_COUNT] = {
    [HS_OK] = "success",
    [HS_ERR_INVALID_ARG] = "invalid argument",
    [HS_ERR_NOMEM] = "out of memory",
    [HS_ERR_IO] = "input/output error",
    [HS_ERR_NOT_FOUND] = "not found",
    [HS_ERR_EXISTS] = "already exists",
    [HS_ERR_FORMAT] = "malformed input",
    [HS_ERR_DECODE] = "cannot decode image",
    [HS_ERR_UNSUPPORTED] = "unsupported format",
    [HS_ERR_LIMIT] = "limit exceeded",
    [HS_ERR_TOO_SMALL] = "image too small",
    [HS_ERR_DEVICE] = "OpenCL device error",
    [HS_ERR_INDEX] = "index error",
    [HS_ERR_CORRUPT] = "damaged or foreign file",
    [HS_ERR_OVERFLOW] = "output buffer too small",
    [HS_ERR_INTERRUPTED] = "interrupted",
    [HS_ERR_TIMEOUT] = "timed out",
    [HS_ERR_INTERNAL] = "internal error",
    [HS_ERR_BUSY] = "in use by another run",
};

const char *hs_strerror(hs_status status) {
  if ((int)status < 0 || status >= HS_STATUS_COUNT || !status_text[status])
    return "unknown status";
  return status_text[status];
}

const char *hs_last_error(void) { return error_detail; }

/* Error text is one line by contract: scripts grep it and JSONL carries it. */
static void flatten_newlines(char *s) {
  for (; *s; s++)
    if (*s == '\n' || *s == '\r' || *s == '\t')
      *s = ' ';
}

hs_status error_set(hs_status status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(error_detail, sizeof error_detail, fmt, ap);
  va_end(ap);
  flatten_newlines(error_detail);
  return status;
}

hs_status error_prefix(hs_status status, const char *fmt, ...) {
  char prefix[512], old[sizeof error_detail];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  memcpy(old, error_detail, sizeof old);
  size_t n = strlen(prefix);
  if (n >= sizeof error_detail)
    n = sizeof error_detail - 1;
  memcpy(error_detail, prefix, n);
  size_t rest = strlen(old);
  if (rest > sizeof error_detail - 1 - n)
    rest = sizeof error_detail - 1 - n;
  memcpy(error_detail + n, old, rest);
  error_detail[n + rest] = '\0';
  flatten_newlines(error_detail);
  return status;
}

void error_clear(void) { error_detail[0] = '\0'; }

const char *hs_version(void) { return HS_VERSION_STRING; }

const char *hs_build_features(void) {
  return ""
#ifdef HS_WITH_OPENCL
         "OpenCL "
#endif
#ifdef HS_WITH_MPI
         "MPI "
#endif
         "OpenMP";
}
