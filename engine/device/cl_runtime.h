/* device/cl_runtime.h - internal: OpenCL platforms and devices, one
 * context with an in-order queue per engine, and program builds (kernel
 * sources embedded or from a folder, exactness options, the binary cache). */
#ifndef HS_DEVICE_CL_RUNTIME_H
#define HS_DEVICE_CL_RUNTIME_H

#include <CL/cl.h>

#include "hashsweep/device.h"

/* A device and the limits the kernels are sized from, read once. */
typedef struct cl_dev {
  hs_device_info info;
  cl_platform_id platform;
  cl_device_id device;
  cl_device_type type;
  size_t max_wg;          /* CL_DEVICE_MAX_WORK_GROUP_SIZE */
  uint64_t local_mem;     /* bytes */
  int correct_div;        /* CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT supported */
  int available;          /* device and compiler available */
} cl_dev;

/* Enumerates every device of every platform, numbered as hs_device_info
 * index. No platform or no device is not an error (*count = 0). */
hs_status cl_devices(cl_dev *out, int cap, int *count);

typedef struct cl_runtime {
  cl_dev dev;
  cl_context ctx;
  cl_command_queue queue;
  char *kernel_dir; /* NULL: embedded sources */
  int no_cache;
  int is_cpu;       /* CPU device: vector lanes per work-item, small groups */
} cl_runtime;

/* Context and in-order queue on `dev`. kernel_dir NULL = embedded kernels. */
hs_status cl_runtime_open(const cl_dev *dev, const char *kernel_dir, int no_cache,
                          cl_runtime **out);
void cl_runtime_close(cl_runtime *rt);

/* Builds kernels/<file> (e.g. "pdq.cl") with the exactness options plus
 * `defines` ("-DHS_LANES=16 ..."), from the binary cache when it holds a
 * valid entry. A failed build returns HS_ERR_DEVICE with the head of the
 * build log in the detail and logs the whole log at error level. */
hs_status cl_runtime_program(cl_runtime *rt, const char *file, const char *defines,
                             cl_program *out);

/* The source of kernels/<file> with its #include "x.h" of the same set
 * expanded in place; malloc'd, NUL-terminated. dir NULL = embedded. */
hs_status cl_source_load(const char *dir, const char *file, char **text, size_t *len);

/* The options every program is built with: no contraction or relaxed math,
 * correctly rounded division (spec section 11). */
#define CL_EXACT_OPTIONS "-cl-std=CL1.2 -cl-fp32-correctly-rounded-divide-sqrt"

#endif
