/* core/timefmt.c - hs_time_to_iso (hashsweep/core.h). */
#include "hashsweep/core.h"

#include <time.h>

void hs_time_to_iso(int64_t unix_seconds, char out[32]) {
  time_t t = (time_t)unix_seconds;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
