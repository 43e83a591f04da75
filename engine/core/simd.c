/* core/simd.c - the run-time SIMD switch (simd.h). */
#include "core/simd.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static int allowed;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void decide(void) {
  const char *off = getenv("HASHSWEEP_NO_SIMD");
  if (off && *off && strcmp(off, "0") != 0)
    return;
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  /* __builtin_cpu_supports also checks that the OS saves the ymm state. */
  allowed = __builtin_cpu_supports("avx2");
#endif
}

int simd_avx2_allowed(void) {
  pthread_once(&once, decide);
  return allowed;
}
