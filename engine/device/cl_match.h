/* device/cl_match.h - internal: Hamming search on an OpenCL device. The
 * dispatcher in match/ calls these when hs_engine_uses_device(); results
 * are appended in any order (the dispatcher sorts). `words` is 1 (64-bit
 * hashes) or 4 (256-bit); data layouts as in hashsweep/match.h. */
#ifndef HS_DEVICE_CL_MATCH_H
#define HS_DEVICE_CL_MATCH_H

#include "hashsweep/device.h"

typedef struct cl_haystack cl_haystack;

/* Copies and uploads `count` hashes; they stay resident on the device
 * across searches (in several buffers / passes when larger than device
 * memory). */
hs_status cl_haystack_create(hs_engine *engine, int words, const uint64_t *data, size_t count,
                             cl_haystack **out);
void cl_haystack_destroy(cl_haystack *haystack);

/* Every (query, target) with distance <= radius. */
hs_status cl_match_radius(hs_engine *engine, const cl_haystack *haystack,
                          const uint64_t *queries, size_t nq, int radius, hs_match_list *out);

/* min(k, count) nearest per query, ties by lower target index. */
hs_status cl_match_topk(hs_engine *engine, const cl_haystack *haystack, const uint64_t *queries,
                        size_t nq, int k, hs_match_list *out);

#endif
