/* device/engine_select.h - internal: the split between the engine core
 * (engine.c, no OpenCL) and its device side (engine_cl.c, or no_opencl.c
 * in a build without OpenCL). */
#ifndef HS_DEVICE_ENGINE_SELECT_H
#define HS_DEVICE_ENGINE_SELECT_H

#include <stddef.h>

#include "hashsweep/device.h"

/* A parsed --device: a device index >= 0, or one of these. */
enum { ENGINE_SPEC_AUTO = -1, ENGINE_SPEC_CPU = -2 };

struct engine_device;

/* The engine's device, or NULL on the CPU path. */
struct engine_device *engine_device_of(hs_engine *engine);

/* Serialises use of the device's queue and buffers across threads. */
void engine_lock(hs_engine *engine);
void engine_unlock(hs_engine *engine);

/* Opens the device `spec` asks for (auto or an index), runs its self-test
 * and stores it in *slot (left NULL when the CPU path is to be used: no
 * device, or a device refused with a warning). The engine must already
 * work on the CPU path: the self-test searches through it. `desc` receives
 * the one-line description on success. Errors: HS_ERR_NOT_FOUND (no such
 * index), HS_ERR_DEVICE (an explicit device that cannot run). */
hs_status engine_device_open(hs_engine *engine, int spec, const hs_engine_options *opts,
                             struct engine_device **slot, char *desc, size_t desc_cap);
void engine_device_close(struct engine_device *dev);

/* PDQ of a batch on the device (the caller holds the engine lock);
 * HS_ERR_DEVICE or HS_ERR_NOMEM when the device failed. */
hs_status engine_device_pdq(struct engine_device *dev, const hs_luma *planes, size_t n,
                            hs_pdq *out);
/* The device's name, for messages, and its type ("gpu", "cpu", ...). */
const char *engine_device_name(const struct engine_device *dev);
const char *engine_device_type(const struct engine_device *dev);

#endif
