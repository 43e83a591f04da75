/* hashsweep/device.h - compute engines: an OpenCL device, or the plain CPU
 * path. Everything that computes hashes or distances in bulk takes an
 * hs_engine. */
#ifndef HASHSWEEP_DEVICE_H
#define HASHSWEEP_DEVICE_H

#include "hashsweep/core.h"
#include "hashsweep/hash.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One OpenCL device, as listed by `hashsweep devices`. `index` is what
 * --device N and HASHSWEEP_DEVICE=N refer to: devices numbered across all
 * platforms in enumeration order. */
typedef struct hs_device_info {
  int index;
  char name[256];
  char vendor[256];
  char platform[256];
  char type[16];           /* "gpu", "cpu", "accelerator", "other" */
  unsigned compute_units;
  uint64_t global_mem;     /* bytes */
  uint64_t max_alloc;      /* bytes, CL_DEVICE_MAX_MEM_ALLOC_SIZE */
  char driver_version[128];
  char opencl_version[128];
} hs_device_info;

/* Lists OpenCL devices into out[0..cap); *count receives the total number
 * (which may exceed cap). No OpenCL platform is not an error: *count = 0. */
HS_API hs_status hs_devices_list(hs_device_info *out, int cap, int *count);

typedef struct hs_engine hs_engine;

/* Where a stage (PDQ hashing, the Hamming search) runs. AUTO: on the
 * engine's device when it is a GPU or an accelerator; on the native CPU
 * path when there is no device or the device is the host CPU itself
 * (PoCL), because then both share the same cores and the native code is
 * the faster of the two (measured: bench/RESULTS.md). DEVICE on an engine
 * without a device makes the run that needs it fail (HS_ERR_INVALID_ARG). */
typedef enum hs_placement { HS_PLACE_AUTO = 0, HS_PLACE_CPU = 1, HS_PLACE_DEVICE = 2 } hs_placement;
HS_API hs_status hs_placement_parse(const char *name, hs_placement *out);

typedef struct hs_engine_options {
  size_t struct_size;         /* set by hs_engine_options_default (docs/library.md) */
  /* "auto" (a GPU if any, else another OpenCL device, else the CPU path),
   * "cpu" (plain C with OpenMP), or a device index. NULL: the
   * HASHSWEEP_DEVICE environment variable, else "auto". */
  const char *device;
  /* Load the kernel sources (kernels/ *.cl and hs_shared.h) from this
   * folder instead of the copies embedded at build time (kernel
   * development). NULL: embedded. Borrowed for the hs_engine_create call. */
  const char *kernel_dir;
  /* Neither read nor write the compiled-program cache, which otherwise
   * lives in $XDG_CACHE_HOME/hashsweep (else ~/.cache/hashsweep), one file
   * per program keyed by the SHA-256 of source, options, platform, device,
   * driver and library version; a damaged entry is rebuilt. */
  int no_cache;
  int threads;   /* CPU path threads; 0 = all cores */
  /* Where the runs using this engine (scan, rescan, hs_hash_paths, eval)
   * place PDQ hashing and the Hamming search; the engine decides it all
   * (device/placement.c). With "auto" and both stages AUTO, an OpenCL
   * device that is the host CPU itself (PoCL) is left unopened: no stage
   * would run on it, and opening it costs a context, the programs and the
   * self-test for nothing. Calls that take the engine directly
   * (hs_engine_pdq, hs_match_radius, bench) use its device whenever one is
   * open: set a stage to DEVICE to have "auto" open a host-CPU device. */
  hs_placement hash_on;
  hs_placement match_on;
  /* Where the engine logs (device choice, self-test, cache, fallbacks);
   * also the default of the runs that use it (hashsweep/core.h). */
  hs_logger log;
} hs_engine_options;

/* Fills the defaults. The inline wrapper passes sizeof as this header
 * has it, so a library built with a newer header never writes past it. */
HS_API void hs_engine_options_init(hs_engine_options *opts, size_t struct_size);
static inline void hs_engine_options_default(hs_engine_options *opts) { hs_engine_options_init(opts, sizeof *opts); }

/* Creates an engine. Opening a device builds its kernels (or loads them
 * from the cache) and runs a known-answer self-test (PDQ and Hamming
 * results compared with the CPU reference). A device that fails it, or
 * lacks correctly rounded float division, is refused with a warning naming
 * it and the engine falls back to the CPU path. Errors: HS_ERR_INVALID_ARG
 * (a malformed device string), HS_ERR_NOT_FOUND (--device N that does not
 * exist), HS_ERR_DEVICE (an explicit device whose kernels do not build:
 * the detail holds the head of the build log, the whole log is logged at
 * error level). With "auto" such failures are warnings and the next device
 * or the CPU path is used. Engine calls may come from several threads;
 * they are serialised internally where the device needs it. */
HS_API hs_status hs_engine_create(const hs_engine_options *opts, hs_engine **out);
HS_API void hs_engine_destroy(hs_engine *engine);

/* The device's type ("gpu", "cpu", "accelerator", "other"), or NULL on the
 * CPU path. A "cpu" device (PoCL) shares the host's cores with the decode
 * workers (see hs_placement). */
HS_API const char *hs_engine_device_type(const hs_engine *engine);

/* 1 when work runs on an OpenCL device, 0 on the CPU path. */
HS_API int hs_engine_uses_device(const hs_engine *engine);
/* One line naming the path taken: device name, driver, or "CPU (N threads,
 * AVX-512 popcount)". Valid for the engine's lifetime. */
HS_API const char *hs_engine_description(const hs_engine *engine);

/* PDQ of a batch of luma planes of any sizes (hash, 8 dihedral hashes,
 * quality), bit-identical to hs_pdq_from_luma(). On a device the batch runs
 * in one launch sequence; if the device fails mid-batch the batch is redone
 * on the CPU path with a warning. */
HS_API hs_status hs_engine_pdq(hs_engine *engine, const hs_luma *planes, size_t n, hs_pdq *out);

#ifdef __cplusplus
}
#endif
#endif
