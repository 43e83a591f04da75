/* device/engine_device.h - internal: the OpenCL side of an engine, for the
 * files of this folder (the rest of the library sees engine_internal.h). */
#ifndef HS_DEVICE_ENGINE_DEVICE_H
#define HS_DEVICE_ENGINE_DEVICE_H

#include "device/cl_hamming.h"
#include "device/cl_hash.h"
#include "device/engine_internal.h"
#include "device/engine_select.h"

typedef struct engine_device {
  cl_runtime *rt;
  cl_pdq *pdq;
  cl_hamming *ham;
} engine_device;

#endif
