/* device/cl_selftest.h - internal: the known-answer test a device must pass
 * before an engine uses it. */
#ifndef HS_DEVICE_CL_SELFTEST_H
#define HS_DEVICE_CL_SELFTEST_H

#include "hashsweep/device.h"

/* PDQ of a few small generated planes (including a 64x64 and a blurred
 * one) and a few Hamming searches (radius and top-k, 256- and 64-bit) on
 * the engine's device, compared with the CPU reference. HS_ERR_DEVICE with
 * a detail naming the first mismatch (or the OpenCL failure). */
hs_status cl_selftest(hs_engine *engine);

#endif
