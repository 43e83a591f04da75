/* device/engine.c - compute engines: selection of an OpenCL device or the
 * plain CPU path (--device auto|cpu|N, HASHSWEEP_DEVICE), the self-test
 * gate, and PDQ batches with the CPU redo when a device fails. */
#include <ctype.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "device/cl_selftest.h"
#include "device/cl_tuning.h"
#include "device/engine_device.h"

struct hs_engine {
  int threads;
  char description[768];
  engine_device dev; /* dev.rt == NULL on the CPU path */
  pthread_mutex_t lock;
};

void hs_engine_options_default(hs_engine_options *o) { memset(o, 0, sizeof *o); }

int engine_cpu_threads(const hs_engine *e) { return e->threads; }
int hs_engine_uses_device(const hs_engine *e) { return e && e->dev.rt != NULL; }
const char *hs_engine_description(const hs_engine *e) { return e->description; }
engine_device *engine_device_of(hs_engine *e) { return e->dev.rt ? &e->dev : NULL; }
void engine_lock(hs_engine *e) { pthread_mutex_lock(&e->lock); }
void engine_unlock(hs_engine *e) { pthread_mutex_unlock(&e->lock); }

/* ---- the device specification ------------------------------------------------- */

enum { SPEC_AUTO = -1, SPEC_CPU = -2 };

static hs_status parse_spec(const char *spec, int *out) {
  if (!spec || !*spec || strcmp(spec, "auto") == 0) {
    *out = SPEC_AUTO;
    return HS_OK;
  }
  if (strcmp(spec, "cpu") == 0) {
    *out = SPEC_CPU;
    return HS_OK;
  }
  char *end;
  long v = strtol(spec, &end, 10);
  if (!isdigit((unsigned char)spec[0]) || *end || v < 0 || v > 1000000)
    return error_set(HS_ERR_INVALID_ARG,
                     "device '%s': expected auto, cpu or a device index from 'hashsweep devices'",
                     spec);
  *out = (int)v;
  return HS_OK;
}

/* ---- opening a device ------------------------------------------------------------ */

static void close_device(hs_engine *e) {
  cl_hamming_close(e->dev.ham);
  cl_pdq_close(e->dev.pdq);
  cl_runtime_close(e->dev.rt);
  memset(&e->dev, 0, sizeof e->dev);
}

/* Context, programs and the self-test. *refused is set when the device
 * works but cannot be trusted (no exact division, wrong answers). */
static hs_status open_device(hs_engine *e, const cl_dev *d, const hs_engine_options *o,
                             int *refused) {
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
  hs_status st = cl_runtime_open(d, o->kernel_dir, o->no_cache, &e->dev.rt);
  if (st == HS_OK)
    st = cl_pdq_open(e->dev.rt, &e->dev.pdq);
  if (st == HS_OK)
    st = cl_hamming_open(e->dev.rt, &e->dev.ham);
  if (st == HS_OK && (st = cl_selftest(e)) != HS_OK) {
    *refused = 1;
    st = error_prefix(st, "device %d (%s) failed its self-test: ", d->info.index, d->info.name);
  }
  if (st != HS_OK)
    close_device(e);
  return st;
}

static void describe_cpu(hs_engine *e) {
  snprintf(e->description, sizeof e->description, "CPU (%d threads)", e->threads);
}

/* Candidates for "auto": GPUs first, then every other device, each in
 * enumeration order. */
static int auto_order(const cl_dev *devs, int n, int *order) {
  int m = 0;
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < n; i++)
      if (((devs[i].type & CL_DEVICE_TYPE_GPU) != 0) == (pass == 0))
        order[m++] = i;
  return m;
}

/* Opens the chosen device or falls back to the CPU path as device.h says. */
static hs_status select_device(hs_engine *e, int spec, const hs_engine_options *o) {
  int n = 0;
  hs_status listed = cl_devices(NULL, 0, &n);
  if (listed != HS_OK && spec < 0) {
    log_warn("%s; using the CPU path", hs_last_error());
    return HS_OK;
  }
  HS_TRY(listed);
  if (spec >= 0 && spec >= n)
    return error_set(HS_ERR_NOT_FOUND, "device %d: no such OpenCL device (%d found; see "
                     "'hashsweep devices')", spec, n);
  if (n == 0) {
    log_info("no OpenCL device found; using the CPU path");
    return HS_OK;
  }
  cl_dev *devs = calloc((size_t)n, sizeof *devs);
  int *order = calloc((size_t)n, sizeof *order);
  hs_status st = devs && order ? cl_devices(devs, n, &n) : error_set(HS_ERR_NOMEM, "out of memory");
  int m = spec >= 0 ? 1 : auto_order(devs, n, order);
  if (spec >= 0)
    order[0] = spec;
  for (int i = 0; st == HS_OK && i < m; i++) {
    const cl_dev *d = &devs[order[i]];
    int refused = 0;
    hs_status ds = open_device(e, d, o, &refused);
    if (ds == HS_OK) {
      snprintf(e->description, sizeof e->description,
               "OpenCL device %d: %s (%s, driver %s)", d->info.index, d->info.name,
               d->info.platform, d->info.driver_version);
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

hs_status hs_engine_create(const hs_engine_options *opts, hs_engine **out) {
  HS_CHECK(out, HS_ERR_INVALID_ARG, "hs_engine_create: NULL out");
  *out = NULL;
  hs_engine_options o;
  hs_engine_options_default(&o);
  if (opts)
    o = *opts;
  const char *spec_text = o.device ? o.device : getenv("HASHSWEEP_DEVICE");
  int spec = SPEC_AUTO;
  HS_TRY(parse_spec(spec_text, &spec));
  hs_engine *e = calloc(1, sizeof *e);
  if (!e)
    return error_set(HS_ERR_NOMEM, "out of memory");
  pthread_mutex_init(&e->lock, NULL);
  e->threads = o.threads > 0 ? o.threads : omp_get_max_threads();
  describe_cpu(e);
  if (spec != SPEC_CPU) {
    hs_status st = select_device(e, spec, &o);
    if (st != HS_OK) {
      hs_engine_destroy(e);
      return st;
    }
  }
  log_info("engine: %s", e->description);
  *out = e;
  return HS_OK;
}

void hs_engine_destroy(hs_engine *e) {
  if (!e)
    return;
  close_device(e);
  pthread_mutex_destroy(&e->lock);
  free(e);
}

/* ---- PDQ batches ------------------------------------------------------------------ */

/* The CPU path: OpenMP over planes, one workspace per thread. */
static hs_status cpu_pdq(hs_engine *e, const hs_luma *planes, size_t n, hs_pdq *out) {
  hs_status result = HS_OK;
  char detail[1024] = "";
#pragma omp parallel num_threads(e->threads)
  {
    hs_workspace *ws = hs_workspace_create();
#pragma omp for schedule(dynamic, 1)
    for (size_t i = 0; i < n; i++) {
      hs_status st = ws ? hs_pdq_from_luma(&planes[i], ws, &out[i]) : HS_ERR_NOMEM;
      if (st != HS_OK) {
#pragma omp critical
        {
          result = st;
          snprintf(detail, sizeof detail, "%s", hs_last_error());
        }
      }
    }
    hs_workspace_destroy(ws);
  }
  /* The detail was set on a worker thread; carry it to the caller's. */
  if (result != HS_OK)
    error_set(result, "%s", detail);
  return result;
}

hs_status hs_engine_pdq(hs_engine *e, const hs_luma *planes, size_t n, hs_pdq *out) {
  HS_CHECK(e && (planes || n == 0) && (out || n == 0), HS_ERR_INVALID_ARG,
           "hs_engine_pdq: NULL argument");
  if (!e->dev.rt)
    return cpu_pdq(e, planes, n, out);
  engine_lock(e);
  hs_status st = cl_pdq_run(e->dev.pdq, planes, n, out);
  engine_unlock(e);
  if (st == HS_OK && n > 0 && cl_fault("pdq")) { /* tests: a device lost after the launch */
    memset(out, 0xab, n * sizeof *out);
    st = error_set(HS_ERR_DEVICE, "%s: PDQ readback: injected fault (HASHSWEEP_FAULT=pdq)",
                   e->dev.rt->dev.info.name);
  }
  if (st == HS_OK || st == HS_ERR_INVALID_ARG)
    return st;
  log_warn("%s failed during a PDQ batch of %zu planes (%s); redoing the batch on the CPU",
           e->dev.rt->dev.info.name, n, hs_last_error());
  return cpu_pdq(e, planes, n, out);
}
