/* device/engine_bench.c - what `hashsweep bench` measures below the public
 * API: a raw host-to-device copy (clEnqueueWriteBuffer, blocking, so the
 * time covers the whole transfer), and the device's identity. In a build
 * without OpenCL, and on the CPU path, neither exists. */
#include "device/engine_bench.h"

#include "core/clock.h"
#include "core/error.h"

#ifdef HS_WITH_OPENCL

#include "device/cl_errors.h"
#include "device/engine_device.h"

/* The copies, with the engine lock held (the queue is shared). */
static hs_status timed_writes(engine_device *d, const void *data, size_t bytes, int reps,
                              double *seconds) {
  cl_mem buf = NULL;
  HS_TRY(clw_buffer(d->rt->ctx, CL_MEM_READ_ONLY, bytes, NULL, &buf, "bench transfer buffer"));
  hs_status st = HS_OK;
  for (int i = -1; st == HS_OK && i < reps; i++) { /* i = -1: untimed first copy */
    double t0 = clock_now_s();
    st = clw_write(d->rt->queue, buf, 0, bytes, data, "bench transfer");
    if (i >= 0)
      seconds[i] = clock_now_s() - t0;
  }
  clw_release_mem(&buf);
  return st;
}

hs_status engine_bench_transfer(hs_engine *engine, const void *data, size_t bytes, int reps,
                                double *seconds) {
  engine_device *d = engine_device_of(engine);
  if (!d)
    return error_set(HS_ERR_UNSUPPORTED, "the CPU path transfers nothing to a device");
  if (bytes > d->rt->dev.info.max_alloc)
    return error_set(HS_ERR_INVALID_ARG, "%s: %zu bytes is above the largest buffer (%llu bytes)",
                     d->rt->dev.info.name, bytes, (unsigned long long)d->rt->dev.info.max_alloc);
  engine_lock(engine);
  hs_status st = timed_writes(d, data, bytes, reps, seconds);
  engine_unlock(engine);
  return st;
}

hs_status engine_bench_device_info(hs_engine *engine, hs_device_info *out) {
  engine_device *d = engine_device_of(engine);
  if (!d)
    return error_set(HS_ERR_UNSUPPORTED, "the CPU path has no OpenCL device");
  *out = d->rt->dev.info;
  return HS_OK;
}

#else /* no OpenCL in this build */

hs_status engine_bench_transfer(hs_engine *engine, const void *data, size_t bytes, int reps,
                                double *seconds) {
  (void)engine;
  (void)data;
  (void)bytes;
  (void)reps;
  (void)seconds;
  return error_set(HS_ERR_UNSUPPORTED, "this build has no OpenCL: nothing is transferred");
}

hs_status engine_bench_device_info(hs_engine *engine, hs_device_info *out) {
  (void)engine;
  (void)out;
  return error_set(HS_ERR_UNSUPPORTED, "this build has no OpenCL device");
}

#endif
