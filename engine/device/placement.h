/* device/placement.h - internal: the one place that decides where each
 * stage runs (hs_placement, set in hs_engine_options): which OpenCL device
 * "auto" may open, and which engine a run uses for PDQ and for matching. */
#ifndef HS_DEVICE_PLACEMENT_H
#define HS_DEVICE_PLACEMENT_H

#include "hashsweep/device.h"

typedef enum placement_stage { STAGE_HASH = 0, STAGE_MATCH = 1 } placement_stage;

/* 1 when "auto" should leave a host-CPU OpenCL device (PoCL) unopened:
 * no stage is placed on the device explicitly, so none would run there. */
int placement_skips_host_cpu(const hs_engine_options *opts);

/* The engine `stage` runs on: `engine` itself, or a CPU-path engine made
 * here (*owned, destroy it after). HS_ERR_INVALID_ARG when the engine's
 * options place the stage on a device it does not have. */
hs_status placement_engine(hs_engine *engine, placement_stage stage, hs_engine **use,
                           hs_engine **owned);

/* The engine's placement of `stage` (engine.c). */
hs_placement engine_stage_placement(const hs_engine *engine, placement_stage stage);

#endif
