/* device/engine.c - PLACEHOLDER CPU-only engine until the OpenCL device
 * layer lands: "auto" and "cpu" both select the CPU path. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "device/engine_internal.h"

struct hs_engine {
  int threads;
  char description[128];
};

void hs_engine_options_default(hs_engine_options *o) { memset(o, 0, sizeof *o); }

hs_status hs_engine_create(const hs_engine_options *opts, hs_engine **out) {
  HS_CHECK(out, HS_ERR_INVALID_ARG, "hs_engine_create: NULL out");
  const char *spec = opts && opts->device ? opts->device : getenv("HASHSWEEP_DEVICE");
  if (spec && *spec && strcmp(spec, "auto") != 0 && strcmp(spec, "cpu") != 0)
    return error_set(HS_ERR_NOT_FOUND, "device '%s': no OpenCL support in this build yet", spec);
  hs_engine *e = calloc(1, sizeof *e);
  if (!e)
    return error_set(HS_ERR_NOMEM, "out of memory");
  e->threads = opts && opts->threads > 0 ? opts->threads : omp_get_max_threads();
  snprintf(e->description, sizeof e->description, "CPU (%d threads)", e->threads);
  *out = e;
  return HS_OK;
}

void hs_engine_destroy(hs_engine *e) { free(e); }
int hs_engine_uses_device(const hs_engine *e) { (void)e; return 0; }
const char *hs_engine_description(const hs_engine *e) { return e->description; }
int engine_cpu_threads(const hs_engine *e) { return e->threads; }

hs_status hs_devices_list(hs_device_info *out, int cap, int *count) {
  (void)out;
  (void)cap;
  *count = 0;
  return HS_OK;
}

hs_status hs_engine_pdq(hs_engine *e, const hs_luma *planes, size_t n, hs_pdq *out) {
  hs_status result = HS_OK;
#pragma omp parallel num_threads(e->threads)
  {
    hs_workspace *ws = hs_workspace_create();
#pragma omp for schedule(dynamic, 1)
    for (size_t i = 0; i < n; i++) {
      hs_status st = ws ? hs_pdq_from_luma(&planes[i], ws, &out[i]) : HS_ERR_NOMEM;
      if (st != HS_OK) {
#pragma omp critical
        result = st;
      }
    }
    hs_workspace_destroy(ws);
  }
  return result;
}
