/* device/engine_device.h - internal: the OpenCL side of an engine, for the
 * files of this folder (the rest of the library sees engine_internal.h). */
#ifndef HS_DEVICE_ENGINE_DEVICE_H
#define HS_DEVICE_ENGINE_DEVICE_H

#include "device/cl_hamming.h"
#include "device/cl_hash.h"
#include "device/engine_internal.h"

typedef struct engine_device {
  cl_runtime *rt;
  cl_pdq *pdq;
  cl_hamming *ham;
} engine_device;

/* The engine's device, or NULL on the CPU path. */
engine_device *engine_device_of(hs_engine *engine);

/* Serialises use of the device's queue and buffers across threads. */
void engine_lock(hs_engine *engine);
void engine_unlock(hs_engine *engine);

#endif
