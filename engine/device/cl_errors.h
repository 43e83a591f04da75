/* device/cl_errors.h - internal: OpenCL status codes as symbolic names, and
 * thin wrappers at the module edge that turn a failed cl* call into an
 * hs_status with a one-line detail naming the call, the item it worked on
 * and the symbolic code ("pdq.cl: clBuildProgram failed:
 * CL_BUILD_PROGRAM_FAILURE"). Only this folder includes CL/cl.h. */
#ifndef HS_DEVICE_CL_ERRORS_H
#define HS_DEVICE_CL_ERRORS_H

#include <CL/cl.h>
#include <stddef.h>

#include "hashsweep/core.h"

/* "CL_OUT_OF_RESOURCES", ...; "CL_UNKNOWN_ERROR(-1234)" for codes it does
 * not know (the text is then in a per-thread buffer). */
const char *cl_error_name(cl_int err);

/* Sets the error detail "<what>: <call> failed: <NAME>" and returns
 * HS_ERR_DEVICE (HS_ERR_NOMEM for the host/device out-of-memory codes). */
hs_status cl_fail(cl_int err, const char *call, const char *what);

/* Evaluates a cl* call returning cl_int; on failure returns cl_fail(). */
#define CL_TRY(call, what)                                                               \
  do {                                                                                   \
    cl_int cl_try_err_ = (call);                                                         \
    if (cl_try_err_ != CL_SUCCESS)                                                       \
      return cl_fail(cl_try_err_, #call, (what));                                        \
  } while (0)

/* ---- wrappers: each checks its call and names the item on failure -------- */

hs_status clw_buffer(cl_context ctx, cl_mem_flags flags, size_t bytes, void *host, cl_mem *out,
                     const char *what);
/* Releases *m (if any) and sets it to NULL. */
void clw_release_mem(cl_mem *m);
hs_status clw_write(cl_command_queue q, cl_mem buf, size_t offset, size_t bytes,
                    const void *src, const char *what);
hs_status clw_read(cl_command_queue q, cl_mem buf, size_t offset, size_t bytes, void *dst,
                   const char *what);
/* Blocking copy of `rows` rows of `row_bytes` from a strided host plane
 * into a device region with its own row pitch (both in bytes). */
hs_status clw_write_rect(cl_command_queue q, cl_mem buf, size_t dev_offset, size_t dev_pitch,
                         const void *src, size_t src_pitch, size_t row_bytes, size_t rows,
                         const char *what);
hs_status clw_kernel(cl_program prog, const char *name, cl_kernel *out);
hs_status clw_arg(cl_kernel k, cl_uint index, size_t size, const void *value, const char *what);
/* 1- or 2-D launch; `local` may be NULL. */
hs_status clw_launch(cl_command_queue q, cl_kernel k, cl_uint dims, const size_t *global,
                     const size_t *local, const char *what);
hs_status clw_finish(cl_command_queue q, const char *what);

#endif
