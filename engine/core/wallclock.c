/* core/wallclock.c - the wall clock that stamps records (core/clock.h). */
#include <errno.h>
#include <stdlib.h>

#include "core/clock.h"

int64_t clock_wall_s(void) {
  /* A test hook, read on every call so a test can move it between commands
   * (it never changes inside one run that matters). */
  const char *fixed = getenv("HASHSWEEP_NOW");
  if (fixed && *fixed) {
    char *end;
    errno = 0;
    long long v = strtoll(fixed, &end, 10);
    if (errno == 0 && *end == '\0' && v > 0)
      return (int64_t)v;
  }
  return (int64_t)time(NULL);
}
