/* device/cl_errors.c - OpenCL status codes by name, and the checked
 * wrappers every other file of this folder calls instead of raw cl*. */
#include "device/cl_errors.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"

/* Numeric values rather than the CL_* macros: the table also names codes of
 * newer OpenCL versions and of the ICD loader that older headers lack. */
static const struct {
  cl_int code;
  const char *name;
} cl_error_names[] = {
    {0, "CL_SUCCESS"},
    {-1, "CL_DEVICE_NOT_FOUND"},
    {-2, "CL_DEVICE_NOT_AVAILABLE"},
    {-3, "CL_COMPILER_NOT_AVAILABLE"},
    {-4, "CL_MEM_OBJECT_ALLOCATION_FAILURE"},
    {-5, "CL_OUT_OF_RESOURCES"},
    {-6, "CL_OUT_OF_HOST_MEMORY"},
    {-7, "CL_PROFILING_INFO_NOT_AVAILABLE"},
    {-8, "CL_MEM_COPY_OVERLAP"},
    {-9, "CL_IMAGE_FORMAT_MISMATCH"},
    {-10, "CL_IMAGE_FORMAT_NOT_SUPPORTED"},
    {-11, "CL_BUILD_PROGRAM_FAILURE"},
    {-12, "CL_MAP_FAILURE"},
    {-13, "CL_MISALIGNED_SUB_BUFFER_OFFSET"},
    {-14, "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST"},
    {-15, "CL_COMPILE_PROGRAM_FAILURE"},
    {-16, "CL_LINKER_NOT_AVAILABLE"},
    {-17, "CL_LINK_PROGRAM_FAILURE"},
    {-18, "CL_DEVICE_PARTITION_FAILED"},
    {-19, "CL_KERNEL_ARG_INFO_NOT_AVAILABLE"},
    {-30, "CL_INVALID_VALUE"},
    {-31, "CL_INVALID_DEVICE_TYPE"},
    {-32, "CL_INVALID_PLATFORM"},
    {-33, "CL_INVALID_DEVICE"},
    {-34, "CL_INVALID_CONTEXT"},
    {-35, "CL_INVALID_QUEUE_PROPERTIES"},
    {-36, "CL_INVALID_COMMAND_QUEUE"},
    {-37, "CL_INVALID_HOST_PTR"},
    {-38, "CL_INVALID_MEM_OBJECT"},
    {-39, "CL_INVALID_IMAGE_FORMAT_DESCRIPTOR"},
    {-40, "CL_INVALID_IMAGE_SIZE"},
    {-41, "CL_INVALID_SAMPLER"},
    {-42, "CL_INVALID_BINARY"},
    {-43, "CL_INVALID_BUILD_OPTIONS"},
    {-44, "CL_INVALID_PROGRAM"},
    {-45, "CL_INVALID_PROGRAM_EXECUTABLE"},
    {-46, "CL_INVALID_KERNEL_NAME"},
    {-47, "CL_INVALID_KERNEL_DEFINITION"},
    {-48, "CL_INVALID_KERNEL"},
    {-49, "CL_INVALID_ARG_INDEX"},
    {-50, "CL_INVALID_ARG_VALUE"},
    {-51, "CL_INVALID_ARG_SIZE"},
    {-52, "CL_INVALID_KERNEL_ARGS"},
    {-53, "CL_INVALID_WORK_DIMENSION"},
    {-54, "CL_INVALID_WORK_GROUP_SIZE"},
    {-55, "CL_INVALID_WORK_ITEM_SIZE"},
    {-56, "CL_INVALID_GLOBAL_OFFSET"},
    {-57, "CL_INVALID_EVENT_WAIT_LIST"},
    {-58, "CL_INVALID_EVENT"},
    {-59, "CL_INVALID_OPERATION"},
    {-60, "CL_INVALID_GL_OBJECT"},
    {-61, "CL_INVALID_BUFFER_SIZE"},
    {-62, "CL_INVALID_MIP_LEVEL"},
    {-63, "CL_INVALID_GLOBAL_WORK_SIZE"},
    {-64, "CL_INVALID_PROPERTY"},
    {-65, "CL_INVALID_IMAGE_DESCRIPTOR"},
    {-66, "CL_INVALID_COMPILER_OPTIONS"},
    {-67, "CL_INVALID_LINKER_OPTIONS"},
    {-68, "CL_INVALID_DEVICE_PARTITION_COUNT"},
    {-69, "CL_INVALID_PIPE_SIZE"},
    {-70, "CL_INVALID_DEVICE_QUEUE"},
    {-71, "CL_INVALID_SPEC_ID"},
    {-72, "CL_MAX_SIZE_RESTRICTION_EXCEEDED"},
    {-1001, "CL_PLATFORM_NOT_FOUND_KHR"},
};

const char *cl_error_name(cl_int err) {
  for (size_t i = 0; i < sizeof cl_error_names / sizeof cl_error_names[0]; i++)
    if (cl_error_names[i].code == err)
      return cl_error_names[i].name;
  static _Thread_local char unknown[48];
  snprintf(unknown, sizeof unknown, "CL_UNKNOWN_ERROR(%d)", (int)err);
  return unknown;
}

hs_status cl_fail(cl_int err, const char *call, const char *what) {
  /* CL_TRY passes the whole call expression; keep the function name. */
  size_t n = strcspn(call, "( ");
  hs_status st = (err == CL_OUT_OF_HOST_MEMORY || err == CL_MEM_OBJECT_ALLOCATION_FAILURE)
                     ? HS_ERR_NOMEM
                     : HS_ERR_DEVICE;
  return error_set(st, "%s: %.*s failed: %s", what, (int)n, call, cl_error_name(err));
}

hs_status clw_buffer(cl_context ctx, cl_mem_flags flags, size_t bytes, void *host, cl_mem *out,
                     const char *what) {
  cl_int err = CL_SUCCESS;
  *out = clCreateBuffer(ctx, flags, bytes ? bytes : 1, host, &err);
  if (err != CL_SUCCESS || !*out) {
    *out = NULL;
    return cl_fail(err != CL_SUCCESS ? err : CL_INVALID_VALUE, "clCreateBuffer", what);
  }
  return HS_OK;
}

void clw_release_mem(cl_mem *m) {
  if (*m)
    clReleaseMemObject(*m);
  *m = NULL;
}

hs_status clw_write(cl_command_queue q, cl_mem buf, size_t offset, size_t bytes,
                    const void *src, const char *what) {
  if (bytes == 0)
    return HS_OK;
  CL_TRY(clEnqueueWriteBuffer(q, buf, CL_TRUE, offset, bytes, src, 0, NULL, NULL), what);
  return HS_OK;
}

hs_status clw_read(cl_command_queue q, cl_mem buf, size_t offset, size_t bytes, void *dst,
                   const char *what) {
  if (bytes == 0)
    return HS_OK;
  CL_TRY(clEnqueueReadBuffer(q, buf, CL_TRUE, offset, bytes, dst, 0, NULL, NULL), what);
  return HS_OK;
}

hs_status clw_write_rect(cl_command_queue q, cl_mem buf, size_t dev_offset, size_t dev_pitch,
                         const void *src, size_t src_pitch, size_t row_bytes, size_t rows,
                         const char *what) {
  if (rows == 0 || row_bytes == 0)
    return HS_OK;
  if (dev_pitch == row_bytes && src_pitch == row_bytes)
    return clw_write(q, buf, dev_offset, row_bytes * rows, src, what);
  const size_t buf_origin[3] = {dev_offset, 0, 0}, host_origin[3] = {0, 0, 0};
  const size_t region[3] = {row_bytes, rows, 1};
  CL_TRY(clEnqueueWriteBufferRect(q, buf, CL_TRUE, buf_origin, host_origin, region, dev_pitch, 0,
                                  src_pitch, 0, src, 0, NULL, NULL),
         what);
  return HS_OK;
}

hs_status clw_kernel(cl_program prog, const char *name, cl_kernel *out) {
  cl_int err = CL_SUCCESS;
  *out = clCreateKernel(prog, name, &err);
  if (err != CL_SUCCESS || !*out) {
    *out = NULL;
    return cl_fail(err != CL_SUCCESS ? err : CL_INVALID_KERNEL, "clCreateKernel", name);
  }
  return HS_OK;
}

hs_status clw_arg(cl_kernel k, cl_uint index, size_t size, const void *value, const char *what) {
  cl_int err = clSetKernelArg(k, index, size, value);
  if (err != CL_SUCCESS)
    return error_set(HS_ERR_DEVICE, "%s: clSetKernelArg(%u) failed: %s", what, (unsigned)index,
                     cl_error_name(err));
  return HS_OK;
}

hs_status clw_launch(cl_command_queue q, cl_kernel k, cl_uint dims, const size_t *global,
                     const size_t *local, const char *what) {
  CL_TRY(clEnqueueNDRangeKernel(q, k, dims, NULL, global, local, 0, NULL, NULL), what);
  return HS_OK;
}

hs_status clw_finish(cl_command_queue q, const char *what) {
  CL_TRY(clFinish(q), what);
  return HS_OK;
}
