/* core/clock.h - internal: the monotonic clock every timer in the engine
 * reads (elapsed times, rates, timeouts), and the one wall clock that
 * stamps records (index versions, audit log, store jobs and sweeps). */
#ifndef HS_CORE_CLOCK_H
#define HS_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Seconds on CLOCK_MONOTONIC (an arbitrary origin: use differences). */
static inline double clock_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Unix seconds for records. Test hook: HASHSWEEP_NOW=<unix seconds> in the
 * environment fixes it (the 48-hour clock's tests import, rescan and check
 * at chosen times); anything else there is ignored. Never use it for
 * elapsed times. */
int64_t clock_wall_s(void);

#endif
