/* core/clock.h - internal: the monotonic clock every timer in the engine
 * reads (elapsed times, rates, timeouts; never wall-clock time). */
#ifndef HS_CORE_CLOCK_H
#define HS_CORE_CLOCK_H

#include <time.h>

/* Seconds on CLOCK_MONOTONIC (an arbitrary origin: use differences). */
static inline double clock_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif
