/* device/no_opencl.c - a build without OpenCL (HS_WITH_OPENCL=OFF): no
 * device is ever listed or opened, so engines use the CPU path and the
 * device matcher is never called. */
#ifndef HS_WITH_OPENCL
#include "core/error.h"
#include "core/log.h"
#include "device/cl_match.h"
#include "device/engine_select.h"

hs_status hs_devices_list(hs_device_info *out, int cap, int *count) {
  (void)out;
  (void)cap;
  HS_CHECK(count, HS_ERR_INVALID_ARG, "hs_devices_list: NULL count");
  *count = 0;
  return HS_OK;
}

hs_status engine_device_open(hs_engine *e, int spec, const hs_engine_options *o,
                             struct engine_device **slot, char *desc, size_t desc_cap) {
  (void)e, (void)o, (void)desc, (void)desc_cap;
  *slot = NULL;
  if (spec >= 0)
    return error_set(HS_ERR_NOT_FOUND, "device %d: this build has no OpenCL support", spec);
  log_info("no OpenCL support in this build; using the CPU path");
  return HS_OK;
}

void engine_device_close(struct engine_device *dev) { (void)dev; }

hs_status engine_device_pdq(struct engine_device *dev, const hs_luma *planes, size_t n,
                            hs_pdq *out) {
  (void)dev, (void)planes, (void)n, (void)out;
  return error_set(HS_ERR_INTERNAL, "no OpenCL support in this build");
}

const char *engine_device_name(const struct engine_device *dev) {
  (void)dev;
  return "none";
}

const char *engine_device_type(const struct engine_device *dev) {
  (void)dev;
  return "none";
}

#define NO_OPENCL error_set(HS_ERR_UNSUPPORTED, "no OpenCL support in this build")

hs_status cl_haystack_create(hs_engine *e, int words, const uint64_t *data, size_t count,
                             cl_haystack **out) {
  (void)e, (void)words, (void)data, (void)count;
  *out = NULL;
  return NO_OPENCL;
}
void cl_haystack_destroy(cl_haystack *h) { (void)h; }
hs_status cl_match_radius(hs_engine *e, const cl_haystack *h, const uint64_t *q, size_t nq,
                          int r, hs_match_list *out) {
  (void)e, (void)h, (void)q, (void)nq, (void)r, (void)out;
  return NO_OPENCL;
}
hs_status cl_match_topk(hs_engine *e, const cl_haystack *h, const uint64_t *q, size_t nq, int k,
                        hs_match_list *out) {
  (void)e, (void)h, (void)q, (void)nq, (void)k, (void)out;
  return NO_OPENCL;
}
#endif
