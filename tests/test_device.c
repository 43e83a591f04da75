// labels: unit gpu
// timeout: 1200
/* tests/test_device.c - the device layer: OpenCL error names, kernel
 * source expansion, the binary cache file format (unit, no device needed);
 * device listing, --device / HASHSWEEP_DEVICE selection, the self-test
 * refusal, the CPU redo of a failed PDQ batch, the cache on disk (corrupt
 * entries are misses and get rewritten, no_cache), and kernels loaded from
 * a folder (device). Without a device the unit part runs and the result is
 * reported as a skip. */
#ifndef HS_WITH_OPENCL
/* A build without OpenCL (HS_WITH_OPENCL=OFF) has nothing here to test. */
int main(void) { return 77; }
#else
#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cl_test_util.h"
#include "device/cl_cache.h"
#include "device/cl_errors.h"
#include "device/cl_runtime.h"

/* ---- unit: error names, sources, cache files ------------------------------------ */

START_TEST(test_error_names) {
  ck_assert_str_eq(cl_error_name(CL_OUT_OF_RESOURCES), "CL_OUT_OF_RESOURCES");
  ck_assert_str_eq(cl_error_name(CL_BUILD_PROGRAM_FAILURE), "CL_BUILD_PROGRAM_FAILURE");
  ck_assert_str_eq(cl_error_name(CL_INVALID_WORK_GROUP_SIZE), "CL_INVALID_WORK_GROUP_SIZE");
  ck_assert_str_eq(cl_error_name(-1001), "CL_PLATFORM_NOT_FOUND_KHR");
  ck_assert_str_eq(cl_error_name(-9999), "CL_UNKNOWN_ERROR(-9999)");
  ck_assert_int_eq(cl_fail(CL_INVALID_VALUE, "clSetKernelArg(k, 0, 4, &x)", "hs_pdq_box"),
                   HS_ERR_DEVICE);
  ck_assert_str_eq(hs_last_error(), "hs_pdq_box: clSetKernelArg failed: CL_INVALID_VALUE");
  ck_assert_int_eq(cl_fail(CL_MEM_OBJECT_ALLOCATION_FAILURE, "clCreateBuffer", "X"), HS_ERR_NOMEM);
}
END_TEST

/* The embedded sources equal the files, with the shared header expanded. */
START_TEST(test_sources_expand_includes) {
  static const char *const files[] = {"pdq.cl", "hamming.cl"};
  for (int i = 0; i < 2; i++) {
    char *emb, *dir;
    size_t elen, dlen;
    ck_assert_int_eq(cl_source_load(NULL, files[i], &emb, &elen), HS_OK);
    char *kdir = tu_path(HS_SOURCE_DIR, "kernels");
    ck_assert_int_eq(cl_source_load(kdir, files[i], &dir, &dlen), HS_OK);
    ck_assert_uint_eq(elen, dlen);
    ck_assert_int_eq(memcmp(emb, dir, elen), 0);
    ck_assert_ptr_null(strstr(emb, "#include \"hs_shared.h\""));
    ck_assert_ptr_nonnull(strstr(emb, "typedef struct hs_cl_match"));
    ck_assert_ptr_nonnull(strstr(emb, "#line 1 \"hs_shared.h\""));
    ck_assert_ptr_nonnull(strstr(emb, "#pragma OPENCL FP_CONTRACT OFF"));
    free(emb);
    free(dir);
    free(kdir);
  }
  char *text;
  size_t len;
  ck_assert_int_eq(cl_source_load(NULL, "nope.cl", &text, &len), HS_ERR_NOT_FOUND);
  ck_assert_int_eq(cl_source_load("/nonexistent", "pdq.cl", &text, &len), HS_ERR_NOT_FOUND);
}
END_TEST

static size_t file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

/* Rewrites bytes [at, at + n) of a file with `fill`, or truncates it. */
static void damage(const char *path, long at, int n, int fill, int truncate_it) {
  FILE *f = fopen(path, "r+b");
  ck_assert_ptr_nonnull(f);
  if (truncate_it) {
    ck_assert_int_eq(ftruncate(fileno(f), at), 0);
  } else {
    fseek(f, at, SEEK_SET);
    for (int i = 0; i < n; i++)
      fputc(fill, f);
  }
  fclose(f);
}

START_TEST(test_cache_file_format) {
  char *dir = tu_mkdtemp();
  char *sub = tu_path(dir, "a/b");
  const char *parts[] = {"source", "options"};
  const size_t lens[] = {6, 7};
  char key[CL_CACHE_KEY_HEX], key2[CL_CACHE_KEY_HEX];
  ck_assert_int_eq(cl_cache_key(parts, lens, 2, key), HS_OK);
  const char *moved[] = {"sourceo", "ptions"};
  const size_t mlens[] = {7, 6};
  ck_assert_int_eq(cl_cache_key(moved, mlens, 2, key2), HS_OK);
  ck_assert_str_ne(key, key2); /* part boundaries count */
  ck_assert_uint_eq(strlen(key), 64);

  unsigned char payload[1000], *got = NULL;
  for (int i = 0; i < 1000; i++)
    payload[i] = (unsigned char)(i * 7);
  size_t len = 0;
  ck_assert_int_eq(cl_cache_load(sub, key, &got, &len), 0); /* absent */
  ck_assert_int_eq(cl_cache_store(sub, key, payload, sizeof payload), HS_OK);
  ck_assert_int_eq(cl_cache_load(sub, key, &got, &len), 1);
  ck_assert_uint_eq(len, sizeof payload);
  ck_assert_int_eq(memcmp(got, payload, len), 0);
  free(got);

  char path[4200];
  cl_cache_path(sub, key, path, sizeof path);
  const size_t full = file_size(path);
  damage(path, 500, 1, 0x55, 0); /* payload byte: digest mismatch */
  ck_assert_int_eq(cl_cache_load(sub, key, &got, &len), 0);
  ck_assert_int_eq(cl_cache_store(sub, key, payload, sizeof payload), HS_OK);
  damage(path, (long)full - 10, 0, 0, 1); /* truncated */
  ck_assert_int_eq(cl_cache_load(sub, key, &got, &len), 0);
  ck_assert_int_eq(cl_cache_store(sub, key, payload, sizeof payload), HS_OK);
  damage(path, 0, 4, 'X', 0); /* magic */
  ck_assert_int_eq(cl_cache_load(sub, key, &got, &len), 0);
  damage(path, 0, 0, 0, 1); /* empty */
  ck_assert_int_eq(cl_cache_load(sub, key, &got, &len), 0);
  ck_assert_int_eq(cl_cache_store(sub, key, payload, sizeof payload), HS_OK);
  ck_assert_int_eq(cl_cache_load(sub, key, &got, &len), 1);
  free(got);
  ck_assert_uint_eq(file_size(path), full);
  tu_rmtree(dir);
  free(sub);
  free(dir);
}
END_TEST

START_TEST(test_cache_dir) {
  char out[4096];
  setenv("XDG_CACHE_HOME", "/x/cache", 1);
  ck_assert_int_eq(cl_cache_dir(out, sizeof out), HS_OK);
  ck_assert_str_eq(out, "/x/cache/hashsweep");
  unsetenv("XDG_CACHE_HOME");
  setenv("HOME", "/home/u", 1);
  ck_assert_int_eq(cl_cache_dir(out, sizeof out), HS_OK);
  ck_assert_str_eq(out, "/home/u/.cache/hashsweep");
  setenv("XDG_CACHE_HOME", "relative", 1); /* not absolute: ignored (XDG spec) */
  ck_assert_int_eq(cl_cache_dir(out, sizeof out), HS_OK);
  ck_assert_str_eq(out, "/home/u/.cache/hashsweep");
}
END_TEST

static hs_status create(const char *device, hs_engine **e) {
  hs_engine_options o;
  hs_engine_options_default(&o);
  o.device = device;
  /* The device itself is under test: open it even when it is the host
   * CPU (placement auto would leave such a device unopened). */
  o.hash_on = o.match_on = HS_PLACE_DEVICE;
  return hs_engine_create(&o, e);
}

START_TEST(test_bad_specs) {
  hs_engine *e = NULL;
  static const char *const bad[] = {"gpu", "-1", "1x", "0x1", " 0"};
  for (int i = 0; i < 5; i++) {
    ck_assert_int_eq(create(bad[i], &e), HS_ERR_INVALID_ARG);
    ck_assert_ptr_null(e);
    ck_assert_ptr_nonnull(strstr(hs_last_error(), bad[i]));
  }
  ck_assert_int_eq(create("99", &e), HS_ERR_NOT_FOUND);
  ck_assert_ptr_nonnull(strstr(hs_last_error(), "device 99"));
  setenv("HASHSWEEP_DEVICE", "bogus", 1);
  ck_assert_int_eq(create(NULL, &e), HS_ERR_INVALID_ARG);
  ck_assert_int_eq(hs_engine_create(NULL, &e), HS_ERR_INVALID_ARG);
  setenv("HASHSWEEP_DEVICE", "cpu", 1);
  ck_assert_int_eq(hs_engine_create(NULL, &e), HS_OK);
  ck_assert_int_eq(hs_engine_uses_device(e), 0);
  ck_assert_int_eq(strncmp(hs_engine_description(e), "CPU (", 5), 0);
  hs_engine_destroy(e);
}
END_TEST

/* ---- device: listing and selection ------------------------------------------------ */

START_TEST(test_devices_list) {
  int count = 0;
  ck_assert_int_eq(hs_devices_list(NULL, 0, &count), HS_OK);
  ck_assert_int_ge(count, 1);
  hs_device_info info[16];
  int again = 0;
  ck_assert_int_eq(hs_devices_list(info, 16, &again), HS_OK);
  ck_assert_int_eq(again, count);
  for (int i = 0; i < count && i < 16; i++) {
    ck_assert_int_eq(info[i].index, i);
    ck_assert_str_ne(info[i].name, "");
    ck_assert_str_ne(info[i].platform, "");
    ck_assert_str_ne(info[i].driver_version, "");
    ck_assert_ptr_nonnull(strstr(info[i].opencl_version, "OpenCL"));
    ck_assert_msg(strcmp(info[i].type, "gpu") == 0 || strcmp(info[i].type, "cpu") == 0 ||
                      strcmp(info[i].type, "accelerator") == 0 || strcmp(info[i].type, "other") == 0,
                  "type %s", info[i].type);
    ck_assert_uint_ge(info[i].compute_units, 1);
    ck_assert_uint_gt(info[i].global_mem, 0);
    ck_assert_uint_gt(info[i].max_alloc, 0);
  }
  ck_assert_int_eq(hs_devices_list(info, 0, &again), HS_OK); /* count only */
  ck_assert_int_eq(again, count);
}
END_TEST

START_TEST(test_select) {
  ctu_log_capture(HS_LOG_INFO);
  hs_engine *e = NULL;
  ck_assert_int_eq(create("cpu", &e), HS_OK);
  ck_assert_int_eq(hs_engine_uses_device(e), 0);
  ck_assert_ptr_nonnull(strstr(hs_engine_description(e), "CPU ("));
  hs_engine_destroy(e);

  e = ctu_device_engine("0");
  hs_device_info info;
  int count;
  ck_assert_int_eq(hs_devices_list(&info, 1, &count), HS_OK);
  ck_assert_ptr_nonnull(strstr(hs_engine_description(e), info.name));
  hs_engine_destroy(e);

  hs_engine_destroy(ctu_device_engine("auto"));
  hs_engine_destroy(ctu_device_engine(""));

  setenv("HASHSWEEP_DEVICE", "cpu", 1); /* used only when options say nothing */
  hs_engine_destroy(ctu_device_engine("0"));
  ck_assert_int_eq(create(NULL, &e), HS_OK);
  ck_assert_int_eq(hs_engine_uses_device(e), 0);
  hs_engine_destroy(e);
  setenv("HASHSWEEP_DEVICE", "0", 1);
  ck_assert_int_eq(create(NULL, &e), HS_OK);
  ck_assert_int_eq(hs_engine_uses_device(e), 1);
  hs_engine_destroy(e);
}
END_TEST

#ifdef HS_FAULT_INJECTION /* HASHSWEEP_FAULT exists only in test builds */
/* A device that gives a wrong answer is refused with a warning naming it,
 * and the work runs on the CPU path. */
START_TEST(test_selftest_refusal) {
  setenv("HASHSWEEP_FAULT", "selftest", 1);
  hs_device_info info;
  int count;
  ck_assert_int_eq(hs_devices_list(&info, 1, &count), HS_OK);
  static const char *const specs[] = {"auto", "0"};
  for (int i = 0; i < 2; i++) {
    ctu_log_capture(HS_LOG_WARN);
    hs_engine *e = NULL;
    ck_assert_int_eq(create(specs[i], &e), HS_OK);
    ck_assert_int_eq(hs_engine_uses_device(e), 0);
    ck_assert_msg(strstr(ctu_log, "failed its self-test") && strstr(ctu_log, info.name) &&
                      strstr(ctu_log, "using the CPU path"),
                  "warning: %s", ctu_log);
    /* and the CPU path works */
    float px[100];
    for (int k = 0; k < 100; k++)
      px[k] = (float)(k * 37 % 255);
    hs_luma l = {.width = 10, .height = 10, .stride = 10, .data = px};
    hs_pdq a, b;
    ck_assert_int_eq(hs_engine_pdq(e, &l, 1, &a), HS_OK);
    hs_workspace *ws = hs_workspace_create();
    ck_assert_int_eq(hs_pdq_from_luma(&l, ws, &b), HS_OK);
    ck_assert_int_eq(memcmp(&a, &b, sizeof a), 0);
    hs_workspace_destroy(ws);
    hs_engine_destroy(e);
  }
}
END_TEST

/* A device failing mid-batch: the batch is redone on the CPU, warned. */
START_TEST(test_pdq_failure_redone_on_cpu) {
  hs_engine *e = ctu_device_engine("auto");
  setenv("HASHSWEEP_FAULT", "pdq", 1);
  ctu_log_capture(HS_LOG_WARN);
  enum { N = 3 };
  static const int sizes[N][2] = {{200, 150}, {64, 64}, {31, 900}};
  hs_luma l[N];
  hs_pdq got[N], want;
  uint64_t seed = 9;
  hs_workspace *ws = hs_workspace_create();
  for (int i = 0; i < N; i++) {
    size_t n = (size_t)sizes[i][0] * sizes[i][1];
    l[i] = (hs_luma){sizes[i][0], sizes[i][1], (size_t)sizes[i][0], malloc(n * sizeof(float))};
    for (size_t k = 0; k < n; k++)
      l[i].data[k] = tu_randf(&seed) * 255.0f;
  }
  ck_assert_int_eq(hs_engine_pdq(e, l, N, got), HS_OK);
  ck_assert_msg(strstr(ctu_log, "redoing the batch on the CPU") && strstr(ctu_log, "injected"),
                "warning: %s", ctu_log);
  for (int i = 0; i < N; i++) {
    ck_assert_int_eq(hs_pdq_from_luma(&l[i], ws, &want), HS_OK);
    ck_assert_int_eq(memcmp(&want, &got[i], sizeof want), 0);
    free(l[i].data);
  }
  hs_workspace_destroy(ws);
  hs_engine_destroy(e);
}
END_TEST
#endif

/* Engine calls from several threads at once are serialised on the device
 * and each gets its own correct answer. */
typedef struct pdq_job {
  hs_engine *e;
  hs_luma l;
  hs_pdq got;
  hs_status st;
} pdq_job;

static void *pdq_thread(void *arg) {
  pdq_job *j = arg;
  for (int r = 0; r < 5 && j->st == HS_OK; r++)
    j->st = hs_engine_pdq(j->e, &j->l, 1, &j->got);
  return NULL;
}

START_TEST(test_concurrent_calls) {
  hs_engine *e = ctu_device_engine("auto");
  enum { N = 4 };
  pdq_job jobs[N];
  pthread_t th[N];
  uint64_t seed = 77;
  for (int i = 0; i < N; i++) {
    int w = 100 + 60 * i, h = 300 - 50 * i;
    jobs[i] = (pdq_job){.e = e, .l = {w, h, (size_t)w, malloc(sizeof(float) * w * h)}};
    for (int k = 0; k < w * h; k++)
      jobs[i].l.data[k] = tu_randf(&seed) * 255.0f;
  }
  for (int i = 0; i < N; i++)
    ck_assert_int_eq(pthread_create(&th[i], NULL, pdq_thread, &jobs[i]), 0);
  hs_workspace *ws = hs_workspace_create();
  for (int i = 0; i < N; i++) {
    pthread_join(th[i], NULL);
    ck_assert_int_eq(jobs[i].st, HS_OK);
    hs_pdq want;
    ck_assert_int_eq(hs_pdq_from_luma(&jobs[i].l, ws, &want), HS_OK);
    ck_assert_int_eq(memcmp(&want, &jobs[i].got, sizeof want), 0);
    free(jobs[i].l.data);
  }
  hs_workspace_destroy(ws);
  hs_engine_destroy(e);
}
END_TEST

/* ---- device: the cache on disk and kernel folders ---------------------------------- */

static int by_name(const void *a, const void *b) { return strcmp(a, b); }

/* Paths of the *.clbin entries in dir (at most 8), sorted. */
static int cache_entries(const char *dir, char paths[8][4200]) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *ent;
  while (d && (ent = readdir(d)))
    if (strstr(ent->d_name, ".clbin") && n < 8)
      snprintf(paths[n++], 4200, "%s/%s", dir, ent->d_name);
  if (d)
    closedir(d);
  qsort(paths, (size_t)n, sizeof paths[0], by_name);
  return n;
}

static hs_engine *engine_with(const char *device, const char *kernel_dir, int no_cache) {
  hs_engine_options o;
  hs_engine_options_default(&o);
  o.device = device;
  o.kernel_dir = kernel_dir;
  o.no_cache = no_cache;
  /* The device itself is under test: open it even when it is the host
   * CPU (placement auto would leave such a device unopened). */
  o.hash_on = o.match_on = HS_PLACE_DEVICE;
  hs_engine *e = NULL;
  ck_assert_msg(hs_engine_create(&o, &e) == HS_OK, "engine: %s", hs_last_error());
  return e;
}

START_TEST(test_cache_on_disk) {
  char *tmp = tu_mkdtemp();
  setenv("XDG_CACHE_HOME", tmp, 1);
  char *dir = tu_path(tmp, "hashsweep");
  char paths[8][4200];
  size_t sizes[2];

  ctu_log_capture(HS_LOG_INFO);
  hs_engine *e = engine_with("auto", NULL, 0);
  ck_assert_int_eq(hs_engine_uses_device(e), 1);
  hs_engine_destroy(e);
  ck_assert_ptr_nonnull(strstr(ctu_log, "kernel cache miss"));
  int n = cache_entries(dir, paths);
  ck_assert_int_eq(n, 2); /* pdq.cl and hamming.cl */
  for (int i = 0; i < n; i++)
    sizes[i] = file_size(paths[i]);

  ctu_log_capture(HS_LOG_INFO);
  hs_engine_destroy(engine_with("auto", NULL, 0));
  ck_assert_ptr_null(strstr(ctu_log, "kernel cache miss"));
  ck_assert_ptr_nonnull(strstr(ctu_log, "kernel cache hit"));

  /* Corrupt one entry, truncate the other: both are misses, the device
   * still works, and both entries are rewritten whole. */
  damage(paths[0], (long)sizes[0] / 2, 16, 0xee, 0);
  damage(paths[1], (long)sizes[1] / 3, 0, 0, 1);
  ctu_log_capture(HS_LOG_INFO);
  e = engine_with("auto", NULL, 0);
  ck_assert_int_eq(hs_engine_uses_device(e), 1);
  hs_engine_destroy(e);
  ck_assert_ptr_null(strstr(ctu_log, "kernel cache hit"));
  ck_assert_int_eq(cache_entries(dir, paths), 2);
  for (int i = 0; i < 2; i++) { /* valid entries again (the driver may add to a binary) */
    char key[CL_CACHE_KEY_HEX];
    snprintf(key, sizeof key, "%s", strrchr(paths[i], '/') + 1);
    unsigned char *bin = NULL;
    size_t len = 0;
    ck_assert_int_eq(cl_cache_load(dir, key, &bin, &len), 1);
    free(bin);
  }
  ctu_log_capture(HS_LOG_INFO);
  hs_engine_destroy(engine_with("auto", NULL, 0));
  ck_assert_ptr_null(strstr(ctu_log, "kernel cache miss"));
  tu_rmtree(tmp);
  free(dir);
  free(tmp);
}
END_TEST

START_TEST(test_no_cache) {
  char *tmp = tu_mkdtemp();
  setenv("XDG_CACHE_HOME", tmp, 1);
  ctu_log_capture(HS_LOG_INFO);
  hs_engine *e = engine_with("auto", NULL, 1);
  ck_assert_int_eq(hs_engine_uses_device(e), 1);
  hs_engine_destroy(e);
  char *dir = tu_path(tmp, "hashsweep");
  struct stat st;
  ck_assert_int_ne(stat(dir, &st), 0); /* nothing written */
  ck_assert_ptr_null(strstr(ctu_log, "kernel cache"));
  tu_rmtree(tmp);
  free(dir);
  free(tmp);
}
END_TEST

static void copy_file(const char *from, const char *to, const char *append) {
  FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
  ck_assert_ptr_nonnull(in);
  ck_assert_ptr_nonnull(out);
  char buf[8192];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, in)) > 0)
    fwrite(buf, 1, n, out);
  if (append)
    fputs(append, out);
  fclose(in);
  fclose(out);
}

/* A folder of kernel sources: the source files, pdq.cl with `append`. */
static char *kernel_folder(const char *append) {
  char *tmp = tu_mkdtemp();
  static const char *const files[] = {"pdq.cl", "hamming.cl", "hs_shared.h"};
  for (int i = 0; i < 3; i++) {
    char from[4096], to[4096];
    snprintf(from, sizeof from, "%s/kernels/%s", HS_SOURCE_DIR, files[i]);
    snprintf(to, sizeof to, "%s/%s", tmp, files[i]);
    copy_file(from, to, i == 0 ? append : NULL);
  }
  return tmp;
}

START_TEST(test_kernel_dir) {
  char *kdir = kernel_folder("\n/* edited for the kernel_dir test */\n");
  ctu_log_capture(HS_LOG_INFO);
  hs_engine *e = engine_with("0", kdir, 1);
  ck_assert_int_eq(hs_engine_uses_device(e), 1);
  hs_engine_destroy(e);
  tu_rmtree(kdir);
  free(kdir);
}
END_TEST

/* A kernel that does not compile: an explicit device is an error carrying
 * the symbolic code and the build log; "auto" warns and uses the CPU. */
START_TEST(test_build_failure) {
  char *kdir = kernel_folder("\nthis is not OpenCL C;\n");
  ctu_log_capture(HS_LOG_WARN);
  hs_engine_options o;
  hs_engine_options_default(&o);
  o.device = "0";
  o.kernel_dir = kdir;
  o.no_cache = 1;
  /* The device itself is under test: open it even when it is the host
   * CPU (placement auto would leave such a device unopened). */
  o.hash_on = o.match_on = HS_PLACE_DEVICE;
  hs_engine *e = NULL;
  ck_assert_int_eq(hs_engine_create(&o, &e), HS_ERR_DEVICE);
  ck_assert_ptr_null(e);
  ck_assert_msg(strstr(hs_last_error(), "CL_BUILD_PROGRAM_FAILURE") &&
                    strstr(hs_last_error(), "build log") && strstr(hs_last_error(), "pdq.cl"),
                "detail: %s", hs_last_error());
  ck_assert_msg(strstr(ctu_log, "error"), "build log not logged: %s", ctu_log);
  o.device = "auto";
  ctu_log_capture(HS_LOG_WARN);
  ck_assert_int_eq(hs_engine_create(&o, &e), HS_OK);
  ck_assert_int_eq(hs_engine_uses_device(e), 0);
  ck_assert_ptr_nonnull(strstr(ctu_log, "using the CPU path"));
  hs_engine_destroy(e);
  tu_rmtree(kdir);
  free(kdir);
}
END_TEST

int main(void) {
  const int no_device = ctu_no_device();
  Suite *s = suite_create("device");
  TCase *unit = tcase_create("unit");
  tcase_add_test(unit, test_error_names);
  tcase_add_test(unit, test_sources_expand_includes);
  tcase_add_test(unit, test_cache_file_format);
  tcase_add_test(unit, test_cache_dir);
  tcase_add_test(unit, test_bad_specs);
  suite_add_tcase(s, unit);
  if (!no_device) {
    TCase *dev = tcase_create("device");
    tcase_set_timeout(dev, 1200);
    tcase_add_test(dev, test_devices_list);
    tcase_add_test(dev, test_select);
#ifdef HS_FAULT_INJECTION
    tcase_add_test(dev, test_selftest_refusal);
    tcase_add_test(dev, test_pdq_failure_redone_on_cpu);
#else
    fprintf(stderr, "skipped test_selftest_refusal, test_pdq_failure_redone_on_cpu: "
                    "built without HS_FAULT_INJECTION\n");
#endif
    tcase_add_test(dev, test_concurrent_calls);
    tcase_add_test(dev, test_cache_on_disk);
    tcase_add_test(dev, test_no_cache);
    tcase_add_test(dev, test_kernel_dir);
    tcase_add_test(dev, test_build_failure);
    suite_add_tcase(s, dev);
  }
  int rc = tu_run_suite(s);
  return rc == 0 && no_device ? TU_SKIP : rc;
}
#endif
