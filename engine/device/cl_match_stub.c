/* device/cl_match_stub.c - PLACEHOLDER until the OpenCL matcher lands. */
#include "core/error.h"
#include "device/cl_match.h"

hs_status cl_haystack_create(hs_engine *e, int words, const uint64_t *data, size_t count,
                             cl_haystack **out) {
  (void)e; (void)words; (void)data; (void)count;
  *out = NULL;
  return error_set(HS_ERR_UNSUPPORTED, "OpenCL matcher not built yet");
}
void cl_haystack_destroy(cl_haystack *h) { (void)h; }
hs_status cl_match_radius(hs_engine *e, const cl_haystack *h, const uint64_t *q, size_t nq, int r,
                          hs_match_list *out) {
  (void)e; (void)h; (void)q; (void)nq; (void)r; (void)out;
  return error_set(HS_ERR_UNSUPPORTED, "OpenCL matcher not built yet");
}
hs_status cl_match_topk(hs_engine *e, const cl_haystack *h, const uint64_t *q, size_t nq, int k,
                        hs_match_list *out) {
  (void)e; (void)h; (void)q; (void)nq; (void)k; (void)out;
  return error_set(HS_ERR_UNSUPPORTED, "OpenCL matcher not built yet");
}
