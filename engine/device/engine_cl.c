/* device/engine_cl.c - the OpenCL side of an engine: choosing a device for
 * --device auto|N, opening it (context, programs) and the self-test gate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/log.h"
#include "device/cl_selftest.h"
#include "device/cl_tuning.h"
#include "device/engine_device.h"
#include "device/engine_select.h"
#include "device/placement.h"

const char *engine_device_name(const engine_device *d) { return d->rt->dev.info.name; }
const char *engine_device_type(const engine_device *d) { return d->rt->dev.info.type; }

void engine_device_close(engine_device *d) {
  if (!d)
    return;
  cl_hamming_close(d->ham);
  cl_pdq_close(d->pdq);
  cl_runtime_close(d->rt);
  free(d);
}

hs_status engine_device_pdq(engine_device *d, const hs_luma *planes, size_t n, hs_pdq *out) {
#ifdef HS_FAULT_INJECTION
  if (n > 0 && cl_fault("slow-pdq")) { /* tests: a busy device */
    struct timespec busy = {0, 200 * 1000 * 1000};
    nanosleep(&busy, NULL);
  }
#endif
  hs_status st = cl_pdq_run(d->pdq, planes, n, out);
#ifdef HS_FAULT_INJECTION
  if (st == HS_OK && n > 0 && cl_fault("pdq")) { /* tests: a device lost after the launch */
    memset(out, 0xab, n * sizeof *out);
    st = error_set(HS_ERR_DEVICE, "%s: PDQ readback: injected fault (HASHSWEEP_FAULT=pdq)",
                   engine_device_name(d));
  }
#endif
  return st;
}

/* Context, programs and the self-test. *refused is set when the device
 * works but cannot be trusted (no exact division, wrong answers). */
static hs_status open_one(hs_engine *e, const cl_dev *d, const hs_engine_options *o,
                          engine_device **slot, int *refused) {
  *refused = 0;
  if (!d->available)
    return error_set(HS_ERR_DEVICE, "device %d (%s): not available or has no compiler",
                     d->info.index, d->info.name);
  if (!d->correct_div) {
    *refused = 1;
    return error_set(HS_ERR_DEVICE,
                     "device %d (%s): no correctly rounded float division, PDQ would not be exact",
                     d->info.index, d->info.name);
  }
  engine_device *dev = calloc(1, sizeof *dev);
  if (!dev)
    return error_set(HS_ERR_NOMEM, "out of memory");
  hs_status st = cl_runtime_open(d, o->kernel_dir, o->no_cache, &dev->rt);
  if (st == HS_OK)
    st = cl_pdq_open(dev->rt, &dev->pdq);
  if (st == HS_OK)
    st = cl_hamming_open(dev->rt, &dev->ham);
  if (st == HS_OK) {
    *slot = dev; /* the self-test searches through the engine */
    if ((st = cl_selftest(e)) != HS_OK) {
      *refused = 1;
      st = error_prefix(st, "device %d (%s) failed its self-test: ", d->info.index,
                        d->info.name);
    }
  }
  if (st != HS_OK) {
    *slot = NULL;
    engine_device_close(dev);
  }
  return st;
}

/* Candidates for "auto": GPUs first, then every other device (but the host
 * CPU's when skip_cpu), each in enumeration order. */
static int auto_order(const cl_dev *devs, int n, int skip_cpu, int *order) {
  int m = 0;
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < n; i++)
      if (((devs[i].type & CL_DEVICE_TYPE_GPU) != 0) == (pass == 0) &&
          !(skip_cpu && (devs[i].type & CL_DEVICE_TYPE_CPU)))
        order[m++] = i;
  return m;
}

hs_status engine_device_open(hs_engine *e, int spec, const hs_engine_options *o,
                             engine_device **slot, char *desc, size_t desc_cap) {
  *slot = NULL;
  int n = 0;
  hs_status listed = cl_devices(NULL, 0, &n);
  if (listed != HS_OK && spec < 0) {
    log_warn("%s; using the CPU path", hs_last_error());
    return HS_OK;
  }
  HS_TRY(listed);
  if (spec >= 0 && spec >= n)
    return error_set(HS_ERR_NOT_FOUND,
                     "device %d: no such OpenCL device (%d found; see 'hashsweep devices')", spec,
                     n);
  if (n == 0) {
    log_info("no OpenCL device found; using the CPU path");
    return HS_OK;
  }
  cl_dev *devs = calloc((size_t)n, sizeof *devs);
  int *order = calloc((size_t)n, sizeof *order);
  hs_status st = devs && order ? cl_devices(devs, n, &n) : error_set(HS_ERR_NOMEM, "out of memory");
  int m = spec >= 0 ? 1 : auto_order(devs, n, placement_skips_host_cpu(o), order);
  if (spec >= 0)
    order[0] = spec;
  if (st == HS_OK && m == 0)
    log_info("no GPU or accelerator; the host CPU's OpenCL device is left unopened (its work "
             "would stay on the CPU path); using the CPU path");
  for (int i = 0; st == HS_OK && i < m; i++) {
    const cl_dev *d = &devs[order[i]];
    int refused = 0;
    hs_status ds = open_one(e, d, o, slot, &refused);
    if (ds == HS_OK) {
      snprintf(desc, desc_cap, "OpenCL device %d: %s (%s, driver %s)", d->info.index,
               d->info.name, d->info.platform, d->info.driver_version);
      break;
    }
    if (spec >= 0 && !refused)
      st = ds; /* an explicit device that cannot run is an error */
    else
      log_warn("%s; %s", hs_last_error(),
               i + 1 < m ? "trying the next device" : "using the CPU path");
  }
  free(devs);
  free(order);
  return st;
}
