/* device/cl_tuning.h - internal: knobs that override the sizes the device
 * code derives from the device's limits, and fault injection. Both exist so
 * tests can force the rare paths (several haystack passes, an overflowing
 * result buffer, the GPU kernel shape on a CPU device, a device failing
 * mid-batch or in its self-test); production code leaves them alone. */
#ifndef HS_DEVICE_CL_TUNING_H
#define HS_DEVICE_CL_TUNING_H

#include <stddef.h>

/* Zero means "derive from the device" for every field. Read when an engine
 * or haystack is created (lanes, qv) or at each call (the sizes). */
typedef struct cl_tuning {
  int pdq_lanes;          /* lines per work-item of the box kernel: 1..16 */
  size_t pdq_batch_bytes; /* device bytes per PDQ sub-batch (forces splits) */
  int match_qv;           /* queries per work-item of the Hamming kernels: 1 or 8 */
  size_t block_entries;   /* haystack entries per device buffer (a "pass") */
  size_t resident_blocks; /* blocks kept on the device; the rest stream */
  size_t result_cap;      /* first result buffer capacity, in matches */
  size_t result_max;      /* largest result buffer before a launch is split */
  size_t tile_entries;    /* haystack entries per cache tile */
} cl_tuning;

extern cl_tuning cl_tuning_override;

/* 1 when the environment variable HASHSWEEP_FAULT (a comma-separated list)
 * names `point`: "selftest" makes the self-test see a wrong answer, "pdq"
 * makes a device PDQ batch fail after its launch, "hamming" makes a device
 * search that found matches fail (match.c drops them and redoes it on the
 * CPU), "slow-pdq" makes every device PDQ batch take 200 ms longer (a busy
 * device: decode workers fill the plane budget and wait, deterministically).
 * Test builds only (HS_FAULT_INJECTION, core/fault.h): the call
 * sites are inside #ifdef HS_FAULT_INJECTION. */
#ifdef HS_FAULT_INJECTION
int cl_fault(const char *point);
#endif

#endif
