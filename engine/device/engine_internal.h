/* device/engine_internal.h - internal: what other stages may ask of an
 * engine beyond the public API. */
#ifndef HS_DEVICE_ENGINE_INTERNAL_H
#define HS_DEVICE_ENGINE_INTERNAL_H

#include "hashsweep/device.h"

/* Threads the CPU path uses (>= 1). */
int engine_cpu_threads(const hs_engine *engine);

#endif
