/* device/cl_hash.h - internal: PDQ of luma batches on an OpenCL device
 * (kernels/pdq.cl). Setup, launch and readback are separate steps inside;
 * this is the whole-batch entry point the engine calls. */
#ifndef HS_DEVICE_CL_HASH_H
#define HS_DEVICE_CL_HASH_H

#include "device/cl_runtime.h"

typedef struct cl_pdq cl_pdq;

/* Builds pdq.cl for `rt` (borrowed; must outlive the cl_pdq) and uploads
 * the DCT matrix. */
hs_status cl_pdq_open(cl_runtime *rt, cl_pdq **out);
void cl_pdq_close(cl_pdq *pdq);

/* PDQ of n planes into out[0..n), bit-identical to hs_pdq_from_luma().
 * Sides below 5 give the zero hash without touching the device; a plane
 * too large for the device's limits is hashed on the CPU (logged). Any
 * device failure returns HS_ERR_DEVICE (or NOMEM) with the detail; out is
 * then undefined and the caller redoes the batch. Not thread-safe: the
 * engine serialises calls. */
hs_status cl_pdq_run(cl_pdq *pdq, const hs_luma *planes, size_t n, hs_pdq *out);

#endif
