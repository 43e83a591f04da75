/* device/cl_runtime.c - OpenCL devices, contexts and program builds. */
#include "device/cl_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "device/cl_cache.h"
#include "device/cl_errors.h"

/* ---- enumeration -------------------------------------------------------------- */

static void info_string(cl_device_id d, cl_device_info what, char *out, size_t cap) {
  out[0] = '\0';
  if (clGetDeviceInfo(d, what, cap, out, NULL) != CL_SUCCESS)
    snprintf(out, cap, "?");
  out[cap - 1] = '\0';
}

static const char *type_name(cl_device_type t) {
  if (t & CL_DEVICE_TYPE_GPU)
    return "gpu";
  if (t & CL_DEVICE_TYPE_CPU)
    return "cpu";
  if (t & CL_DEVICE_TYPE_ACCELERATOR)
    return "accelerator";
  return "other";
}

/* Reads what the kernels are sized from; a query that fails leaves a
 * conservative value (the device is then refused by its self-test if it is
 * really unusable). */
static void describe(cl_platform_id p, cl_device_id d, int index, cl_dev *o) {
  memset(o, 0, sizeof *o);
  o->platform = p;
  o->device = d;
  o->info.index = index;
  info_string(d, CL_DEVICE_NAME, o->info.name, sizeof o->info.name);
  info_string(d, CL_DEVICE_VENDOR, o->info.vendor, sizeof o->info.vendor);
  info_string(d, CL_DRIVER_VERSION, o->info.driver_version, sizeof o->info.driver_version);
  info_string(d, CL_DEVICE_VERSION, o->info.opencl_version, sizeof o->info.opencl_version);
  if (clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof o->info.platform, o->info.platform, NULL) !=
      CL_SUCCESS)
    snprintf(o->info.platform, sizeof o->info.platform, "?");
  o->info.platform[sizeof o->info.platform - 1] = '\0';
  cl_device_type type = CL_DEVICE_TYPE_DEFAULT;
  cl_uint cu = 0;
  cl_ulong gmem = 0, alloc = 0, lmem = 0;
  size_t wg = 1;
  cl_device_fp_config fp = 0;
  cl_bool avail = CL_FALSE, compiler = CL_FALSE;
  clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof type, &type, NULL);
  clGetDeviceInfo(d, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof cu, &cu, NULL);
  clGetDeviceInfo(d, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof gmem, &gmem, NULL);
  clGetDeviceInfo(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof alloc, &alloc, NULL);
  clGetDeviceInfo(d, CL_DEVICE_LOCAL_MEM_SIZE, sizeof lmem, &lmem, NULL);
  clGetDeviceInfo(d, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof wg, &wg, NULL);
  clGetDeviceInfo(d, CL_DEVICE_SINGLE_FP_CONFIG, sizeof fp, &fp, NULL);
  clGetDeviceInfo(d, CL_DEVICE_AVAILABLE, sizeof avail, &avail, NULL);
  clGetDeviceInfo(d, CL_DEVICE_COMPILER_AVAILABLE, sizeof compiler, &compiler, NULL);
  o->type = type;
  snprintf(o->info.type, sizeof o->info.type, "%s", type_name(type));
  o->info.compute_units = cu;
  o->info.global_mem = gmem;
  o->info.max_alloc = alloc;
  o->local_mem = lmem;
  o->max_wg = wg ? wg : 1;
  o->correct_div = (fp & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) != 0;
  o->available = avail && compiler;
}

hs_status cl_devices(cl_dev *out, int cap, int *count) {
  *count = 0;
  cl_uint np = 0;
  cl_int err = clGetPlatformIDs(0, NULL, &np);
  /* The ICD loader answers CL_PLATFORM_NOT_FOUND_KHR (-1001) when no
   * driver is installed: that is "no device", not a failure. */
  if (err == -1001 || np == 0)
    return HS_OK;
  CL_TRY(err, "listing OpenCL platforms");
  cl_platform_id *plats = calloc(np, sizeof *plats);
  if (!plats)
    return error_set(HS_ERR_NOMEM, "out of memory");
  err = clGetPlatformIDs(np, plats, NULL);
  if (err != CL_SUCCESS) {
    free(plats);
    return cl_fail(err, "clGetPlatformIDs", "listing OpenCL platforms");
  }
  int n = 0;
  for (cl_uint p = 0; p < np; p++) {
    cl_uint nd = 0;
    if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 0, NULL, &nd) != CL_SUCCESS || nd == 0)
      continue; /* CL_DEVICE_NOT_FOUND: a platform without devices */
    cl_device_id *devs = calloc(nd, sizeof *devs);
    if (!devs || clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, nd, devs, NULL) != CL_SUCCESS) {
      free(devs);
      continue;
    }
    for (cl_uint d = 0; d < nd; d++, n++)
      if (n < cap)
        describe(plats[p], devs[d], n, &out[n]);
    free(devs);
  }
  free(plats);
  *count = n;
  return HS_OK;
}

hs_status hs_devices_list(hs_device_info *out, int cap, int *count) {
  HS_CHECK(count && (out || cap == 0) && cap >= 0, HS_ERR_INVALID_ARG,
           "hs_devices_list: bad arguments");
  int total = 0;
  HS_TRY(cl_devices(NULL, 0, &total));
  if (total == 0) {
    *count = 0;
    return HS_OK;
  }
  cl_dev *devs = calloc((size_t)total, sizeof *devs);
  if (!devs)
    return error_set(HS_ERR_NOMEM, "out of memory");
  hs_status st = cl_devices(devs, total, count);
  for (int i = 0; st == HS_OK && i < *count && i < cap; i++)
    out[i] = devs[i].info;
  free(devs);
  return st;
}

/* ---- context and queue ---------------------------------------------------------- */

hs_status cl_runtime_open(const cl_dev *dev, const char *kernel_dir, int no_cache,
                          cl_runtime **out) {
  *out = NULL;
  cl_runtime *rt = calloc(1, sizeof *rt);
  if (!rt)
    return error_set(HS_ERR_NOMEM, "out of memory");
  rt->dev = *dev;
  rt->no_cache = no_cache;
  rt->is_cpu = (dev->type & CL_DEVICE_TYPE_CPU) != 0;
  if (kernel_dir && !(rt->kernel_dir = strdup(kernel_dir))) {
    free(rt);
    return error_set(HS_ERR_NOMEM, "out of memory");
  }
  cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)dev->platform, 0};
  cl_int err = CL_SUCCESS;
  rt->ctx = clCreateContext(props, 1, &dev->device, NULL, NULL, &err);
  if (err == CL_SUCCESS)
    rt->queue = clCreateCommandQueue(rt->ctx, dev->device, 0, &err); /* in order */
  if (err != CL_SUCCESS) {
    hs_status st = cl_fail(err, rt->ctx ? "clCreateCommandQueue" : "clCreateContext",
                           dev->info.name);
    cl_runtime_close(rt);
    return st;
  }
  *out = rt;
  return HS_OK;
}

void cl_runtime_close(cl_runtime *rt) {
  if (!rt)
    return;
  if (rt->queue)
    clReleaseCommandQueue(rt->queue);
  if (rt->ctx)
    clReleaseContext(rt->ctx);
  free(rt->kernel_dir);
  free(rt);
}

/* ---- builds ------------------------------------------------------------------------ */

/* The build log of `prog` on the device; malloc'd, never NULL. */
static char *build_log(cl_runtime *rt, cl_program prog) {
  size_t n = 0;
  clGetProgramBuildInfo(prog, rt->dev.device, CL_PROGRAM_BUILD_LOG, 0, NULL, &n);
  char *log = malloc(n + 1);
  if (!log)
    return strdup("");
  if (n == 0 ||
      clGetProgramBuildInfo(prog, rt->dev.device, CL_PROGRAM_BUILD_LOG, n, log, NULL) != CL_SUCCESS)
    n = 0;
  log[n] = '\0';
  return log;
}

static hs_status build_failed(cl_runtime *rt, cl_program prog, cl_int err, const char *file) {
  char *log = build_log(rt, prog);
  log_error("%s: build failed on %s (%s); build log:\n%s", file, rt->dev.info.name,
            cl_error_name(err), log);
  hs_status st = error_set(HS_ERR_DEVICE, "%s: clBuildProgram failed on %s: %s; build log: %.600s",
                           file, rt->dev.info.name, cl_error_name(err), log);
  free(log);
  return st;
}

static hs_status build_from_source(cl_runtime *rt, const char *file, const char *src,
                                   size_t len, const char *options, cl_program *out) {
  cl_int err = CL_SUCCESS;
  cl_program prog = clCreateProgramWithSource(rt->ctx, 1, &src, &len, &err);
  if (err != CL_SUCCESS)
    return cl_fail(err, "clCreateProgramWithSource", file);
  err = clBuildProgram(prog, 1, &rt->dev.device, options, NULL, NULL);
  if (err != CL_SUCCESS) {
    hs_status st = build_failed(rt, prog, err, file);
    clReleaseProgram(prog);
    return st;
  }
  *out = prog;
  return HS_OK;
}

/* A program from a cached binary, or 0 when the driver rejects it. */
static int build_from_binary(cl_runtime *rt, const unsigned char *bin, size_t len,
                             const char *options, cl_program *out) {
  cl_int err = CL_SUCCESS, status = CL_SUCCESS;
  cl_program prog =
      clCreateProgramWithBinary(rt->ctx, 1, &rt->dev.device, &len, &bin, &status, &err);
  if (err != CL_SUCCESS || status != CL_SUCCESS)
    return 0;
  if (clBuildProgram(prog, 1, &rt->dev.device, options, NULL, NULL) != CL_SUCCESS) {
    clReleaseProgram(prog);
    return 0;
  }
  *out = prog;
  return 1;
}

static void cache_store(cl_runtime *rt, const char *dir, const char *key, cl_program prog) {
  size_t len = 0;
  if (clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof len, &len, NULL) != CL_SUCCESS ||
      len == 0)
    return;
  unsigned char *bin = malloc(len);
  if (!bin)
    return;
  unsigned char *bins[1] = {bin};
  hs_status st = HS_OK;
  if (clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof bins, bins, NULL) == CL_SUCCESS)
    st = cl_cache_store(dir, key, bin, len);
  if (st != HS_OK)
    log_warn("kernel cache not written (%s); %s", hs_last_error(), rt->dev.info.name);
  free(bin);
}

hs_status cl_runtime_program(cl_runtime *rt, const char *file, const char *defines,
                             cl_program *out) {
  char *src;
  size_t len;
  HS_TRY(cl_source_load(rt->kernel_dir, file, &src, &len));
  char options[512];
  snprintf(options, sizeof options, "%s %s", CL_EXACT_OPTIONS, defines ? defines : "");

  char dir[4096], key[CL_CACHE_KEY_HEX];
  int use_cache = !rt->no_cache && cl_cache_dir(dir, sizeof dir) == HS_OK;
  if (use_cache) {
    const char *version = hs_version();
    const char *parts[] = {src, options, rt->dev.info.platform, rt->dev.info.name,
                           rt->dev.info.driver_version, rt->dev.info.opencl_version, version};
    size_t lens[7];
    for (int i = 0; i < 7; i++)
      lens[i] = i == 0 ? len : strlen(parts[i]);
    use_cache = cl_cache_key(parts, lens, 7, key) == HS_OK;
  }
  unsigned char *bin = NULL;
  size_t bin_len = 0;
  if (use_cache && cl_cache_load(dir, key, &bin, &bin_len)) {
    int ok = build_from_binary(rt, bin, bin_len, options, out);
    free(bin);
    if (ok) {
      log_info("%s: kernel cache hit (%s/%s.clbin)", file, dir, key);
      free(src);
      return HS_OK;
    }
    log_warn("%s: cached binary %s/%s.clbin rejected by the driver; rebuilding", file, dir, key);
  } else if (use_cache) {
    log_info("%s: kernel cache miss; building for %s", file, rt->dev.info.name);
  }
  hs_status st = build_from_source(rt, file, src, len, options, out);
  free(src);
  if (st == HS_OK && use_cache)
    cache_store(rt, dir, key, *out);
  return st;
}
