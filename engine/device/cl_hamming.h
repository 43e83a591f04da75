/* device/cl_hamming.h - internal: the Hamming kernels of one engine
 * (kernels/hamming.cl); the searches themselves are in cl_match.h. */
#ifndef HS_DEVICE_CL_HAMMING_H
#define HS_DEVICE_CL_HAMMING_H

#include "device/cl_runtime.h"

typedef struct cl_hamming cl_hamming;

/* Builds hamming.cl for `rt` (borrowed; must outlive the cl_hamming). */
hs_status cl_hamming_open(cl_runtime *rt, cl_hamming **out);
void cl_hamming_close(cl_hamming *ham);

#endif
