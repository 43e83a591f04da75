/* device/engine_bench.c - PLACEHOLDER until the OpenCL device layer lands:
 * the engine runs on the CPU path only, so there is no transfer to time
 * and no device to describe. */
#include "device/engine_bench.h"

#include "core/error.h"

hs_status engine_bench_transfer(hs_engine *engine, const void *data, size_t bytes, int reps,
                                double *seconds) {
  (void)engine;
  (void)data;
  (void)bytes;
  (void)reps;
  (void)seconds;
  return error_set(HS_ERR_UNSUPPORTED, "the CPU path transfers nothing to a device");
}

hs_status engine_bench_device_info(hs_engine *engine, hs_device_info *out) {
  (void)engine;
  (void)out;
  return error_set(HS_ERR_UNSUPPORTED, "the CPU path has no OpenCL device");
}
