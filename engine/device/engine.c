/* device/engine.c - compute engines: the --device specification
 * (auto|cpu|N, HASHSWEEP_DEVICE), the CPU path, and PDQ batches with the
 * CPU redo when a device fails. The OpenCL side is in engine_cl.c. */
#include <ctype.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "core/options.h"
#include "device/engine_internal.h"
#include "device/engine_select.h"
#include "device/placement.h"

struct hs_engine {
  int threads;
  hs_placement hash_on, match_on; /* device/placement.c reads them */
  hs_logger log;
  char description[768];
  struct engine_device *dev; /* NULL on the CPU path */
  pthread_mutex_t lock;
};

void hs_engine_options_init(hs_engine_options *dst, size_t size) {
  hs_engine_options o;
  memset(&o, 0, sizeof o);
  options_init(dst, size, &o, sizeof o);
}

int engine_cpu_threads(const hs_engine *e) { return e->threads; }
const hs_logger *engine_logger(const hs_engine *e) { return e ? &e->log : NULL; }
hs_placement engine_stage_placement(const hs_engine *e, placement_stage stage) {
  return stage == STAGE_HASH ? e->hash_on : e->match_on;
}
int hs_engine_uses_device(const hs_engine *e) { return e && e->dev != NULL; }
const char *hs_engine_device_type(const hs_engine *e) {
  return e && e->dev ? engine_device_type(e->dev) : NULL;
}
const char *hs_engine_description(const hs_engine *e) { return e->description; }
struct engine_device *engine_device_of(hs_engine *e) { return e->dev; }
void engine_lock(hs_engine *e) { pthread_mutex_lock(&e->lock); }
void engine_unlock(hs_engine *e) { pthread_mutex_unlock(&e->lock); }

static hs_status parse_spec(const char *spec, int *out) {
  if (!spec || !*spec || strcmp(spec, "auto") == 0) {
    *out = ENGINE_SPEC_AUTO;
    return HS_OK;
  }
  if (strcmp(spec, "cpu") == 0) {
    *out = ENGINE_SPEC_CPU;
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

static hs_status engine_create(const hs_engine_options *opts, hs_engine **out);

hs_status hs_engine_create(const hs_engine_options *opts, hs_engine **out) {
  hs_engine_options own;
  hs_engine_options_default(&own);
  if (opts)
    HS_TRY(options_read(&own, sizeof own, opts, "hs_engine_options"));
  const hs_logger *prev = log_enter(&own.log);
  hs_status st = engine_create(&own, out);
  log_leave(prev);
  return st;
}

static hs_status engine_create(const hs_engine_options *opts, hs_engine **out) {
  HS_CHECK(out, HS_ERR_INVALID_ARG, "hs_engine_create: NULL out");
  *out = NULL;
  hs_engine_options o;
  hs_engine_options_default(&o);
  if (opts)
    o = *opts;
  const char *spec_text = o.device ? o.device : getenv("HASHSWEEP_DEVICE");
  int spec = ENGINE_SPEC_AUTO;
  HS_TRY(parse_spec(spec_text, &spec));
  hs_engine *e = calloc(1, sizeof *e);
  if (!e)
    return error_set(HS_ERR_NOMEM, "out of memory");
  pthread_mutex_init(&e->lock, NULL);
  e->threads = o.threads > 0 ? o.threads : omp_get_max_threads();
  e->hash_on = o.hash_on;
  e->match_on = o.match_on;
  e->log = o.log;
  snprintf(e->description, sizeof e->description, "CPU (%d threads)", e->threads);
  if (spec != ENGINE_SPEC_CPU) {
    hs_status st = engine_device_open(e, spec, &o, &e->dev, e->description,
                                      sizeof e->description);
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
  engine_device_close(e->dev);
  pthread_mutex_destroy(&e->lock);
  free(e);
}

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
  if (!e->dev)
    return cpu_pdq(e, planes, n, out);
  engine_lock(e);
  hs_status st = engine_device_pdq(e->dev, planes, n, out);
  engine_unlock(e);
  if (st == HS_OK || st == HS_ERR_INVALID_ARG)
    return st;
  const hs_logger *prev = log_enter_default(&e->log);
  log_warn("%s failed during a PDQ batch of %zu planes (%s); redoing the batch on the CPU",
           engine_device_name(e->dev), n, hs_last_error());
  log_leave(prev);
  return cpu_pdq(e, planes, n, out);
}
