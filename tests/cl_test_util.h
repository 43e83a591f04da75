/* tests/cl_test_util.h - helpers of the device tests (diff_pdq,
 * diff_hamming, test_device): engines on the OpenCL device, and a logger
 * that keeps what the library said so tests can assert on warnings. */
#ifndef HS_TESTS_CL_TEST_UTIL_H
#define HS_TESTS_CL_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"

/* Everything logged since ctu_log_capture(), one message per line. */
static char ctu_log[65536];

static void ctu_logger(void *user, hs_log_level level, const char *msg) {
  (void)user;
  size_t n = strlen(ctu_log);
  snprintf(ctu_log + n, sizeof ctu_log - n, "%d %s\n", (int)level, msg);
  if (getenv("HS_TEST_VERBOSE"))
    fprintf(stderr, "log %d: %s\n", (int)level, msg);
}

static inline void ctu_log_capture(hs_log_level max) {
  ctu_log[0] = '\0';
  hs_set_logger(ctu_logger, NULL, max);
}

/* An engine on `device` ("auto", "0", ...) that must use the OpenCL device. */
static inline hs_engine *ctu_device_engine(const char *device) {
  hs_engine_options o;
  hs_engine_options_default(&o);
  o.device = device;
  /* The device itself is under test: open it even when it is the host
   * CPU (placement auto would leave such a device unopened). */
  o.hash_on = o.match_on = HS_PLACE_DEVICE;
  hs_engine *e = NULL;
  ck_assert_msg(hs_engine_create(&o, &e) == HS_OK, "engine: %s", hs_last_error());
  ck_assert_msg(hs_engine_uses_device(e), "the OpenCL device was not used: %s (log: %s)",
                hs_engine_description(e), ctu_log);
  return e;
}

/* Exit code for main() when there is no OpenCL device, else 0. The
 * question is asked in a child process: an OpenCL runtime initialised
 * before Check forks its test children does not work in them (PoCL's
 * worker threads stay behind in the parent and the children hang). */
static inline int ctu_no_device(void) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    int count = 0;
    _exit(hs_devices_list(NULL, 0, &count) == HS_OK && count > 0 ? 0 : 1);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    fprintf(stderr, "no OpenCL device: skipped\n");
    return TU_SKIP;
  }
  return 0;
}

/* The two ctest entries of a differential test run one program: without
 * arguments the synthetic checks (always), with --golden only the checks
 * on the shared reference data, which are skipped (never passed) where
 * that data is absent. Returns 1 for --golden, 0 otherwise; exits with
 * TU_SKIP when there is no device or (--golden) no `data`. */
static inline int ctu_diff_mode(int argc, char **argv, const char *data) {
  const int golden = argc > 1 && strcmp(argv[1], "--golden") == 0;
  if (ctu_no_device())
    exit(TU_SKIP);
  if (golden && tu_testdata_dir() == NULL) {
    fprintf(stderr, "SKIP: %s absent (set HS_TESTDATA_DIR)\n", data);
    exit(TU_SKIP);
  }
  return golden;
}

#endif
