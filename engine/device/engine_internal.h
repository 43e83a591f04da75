/* device/engine_internal.h - internal: what other stages may ask of an
 * engine beyond the public API. */
#ifndef HS_DEVICE_ENGINE_INTERNAL_H
#define HS_DEVICE_ENGINE_INTERNAL_H

#include "hashsweep/device.h"

/* Threads the CPU path uses (>= 1). */
int engine_cpu_threads(const hs_engine *engine);

/* The engine's logger (fn NULL when it has none): runs without their own
 * log to it. NULL engine: NULL. */
const hs_logger *engine_logger(const hs_engine *engine);

/* The logger a run uses: its own, else its engine's (NULL: the
 * process-wide one). */
static inline const hs_logger *run_logger(const hs_logger *own, const hs_engine *engine) {
  return own && own->fn ? own : engine_logger(engine);
}

#endif
