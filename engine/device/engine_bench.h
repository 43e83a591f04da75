/* device/engine_bench.h - internal: what `hashsweep bench` measures below
 * the public API (a raw host-to-device copy) and the device's identity. */
#ifndef HS_DEVICE_ENGINE_BENCH_H
#define HS_DEVICE_ENGINE_BENCH_H

#include <stddef.h>

#include "hashsweep/device.h"

/* Copies `bytes` from `data` into a device buffer (blocking write) `reps`
 * times after one untimed copy, and stores the seconds of each copy in
 * seconds[0..reps). HS_ERR_UNSUPPORTED on the CPU path (nothing is
 * transferred there), HS_ERR_DEVICE when the device refuses. */
hs_status engine_bench_transfer(hs_engine *engine, const void *data, size_t bytes, int reps,
                                double *seconds);

/* The engine's device as `hashsweep devices` lists it; HS_ERR_UNSUPPORTED
 * on the CPU path. */
hs_status engine_bench_device_info(hs_engine *engine, hs_device_info *out);

#endif
