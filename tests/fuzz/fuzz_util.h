/* tests/fuzz/fuzz_util.h - shared by the fuzz targets: an assertion that
 * stops the run (libFuzzer records the input as a crash), and a stream over
 * the input bytes. */
#ifndef HS_FUZZ_UTIL_H
#define HS_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_ASSERT(cond)                                                            \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      abort();                                                                       \
    }                                                                                \
  } while (0)

/* A read-only stream over data[0..size) (fmemopen refuses size 0 on some
 * C libraries: an empty input reads /dev/null instead). */
static inline FILE *fuzz_stream(const uint8_t *data, size_t size) {
  if (size == 0)
    return fopen("/dev/null", "r");
  return fmemopen((void *)data, size, "r");
}

#endif
