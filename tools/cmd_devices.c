/* tools/cmd_devices.c - `hashsweep devices`: the OpenCL devices and their
 * limits, numbered as --device N and HASHSWEEP_DEVICE expect. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static void devices_usage(FILE *out) {
  fprintf(out,
          "usage: hashsweep devices [options]\n"
          "Lists the OpenCL devices: index (for --device N and HASHSWEEP_DEVICE), name,\n"
          "vendor, platform, type, compute units, global memory, largest allocation,\n"
          "driver and OpenCL version. With none, computing commands use the CPU path.\n\n"
          "options:\n"
          "  --format text|tsv        text (default) or one tab-separated line per device\n"
          "                           with a header; sizes in bytes\n"
          "  --check                  also build the kernels on each device and run its\n"
          "                           self-test (a device that fails is refused)\n"
          "  --kernel-dir DIR         with --check: kernels from DIR\n"
          "  --no-kernel-cache        with --check: do not use the compiled-kernel cache\n"
          "  -v, --verbose            log the path taken (cache hits, builds)\n");
}

typedef struct devices_args {
  int tsv, check, verbose;
  hs_engine_options engine;
} devices_args;

static int parse_devices_args(int argc, char **argv, devices_args *a) {
  static const struct option longopts[] = {
      {"format", required_argument, 0, 0}, {"check", no_argument, 0, 0},
      {"verbose", no_argument, 0, 'v'},   CLI_ENGINE_LONGOPTS,
      {0, 0, 0, 0}};
  hs_engine_options_default(&a->engine);
  int idx, c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "v", longopts, &idx)) != -1) {
    if (c == 'v') {
      a->verbose = 1;
      continue;
    }
    if (c != 0)
      return cli_usage_error("devices", "unknown option");
    const char *name = longopts[idx].name;
    if (strcmp(name, "device") == 0)
      return cli_usage_error("devices", "--device does not apply; devices lists them all");
    int r = cli_engine_option("devices", name, optarg, &a->engine);
    if (r < 0)
      return EXIT_USAGE;
    if (r > 0)
      continue;
    if (strcmp(name, "check") == 0) {
      a->check = 1;
    } else if (strcmp(name, "format") == 0) {
      if (strcmp(optarg, "text") != 0 && strcmp(optarg, "tsv") != 0)
        return cli_usage_error("devices", "--format: expected text or tsv, got '%s'", optarg);
      a->tsv = strcmp(optarg, "tsv") == 0;
    }
  }
  if (optind < argc)
    return cli_usage_error("devices", "unexpected argument '%s'", argv[optind]);
  return EXIT_ALL_DONE;
}

/* "passed" or "refused"; the warning with the cause goes to stderr. */
static const char *self_test(devices_args *a, int index) {
  char spec[16];
  snprintf(spec, sizeof spec, "%d", index);
  a->engine.device = spec;
  hs_engine *e = NULL;
  const char *verdict = "error";
  if (hs_engine_create(&a->engine, &e) == HS_OK)
    verdict = hs_engine_uses_device(e) ? "passed" : "refused";
  else
    cli_error("device %d: %s", index, hs_last_error());
  hs_engine_destroy(e);
  a->engine.device = NULL;
  return verdict;
}

static double gib(uint64_t bytes) { return (double)bytes / (1024.0 * 1024.0 * 1024.0); }

static void print_text(const hs_device_info *d, const char *check) {
  printf("device %d: %s\n", d->index, d->name);
  printf("  vendor          %s\n", d->vendor);
  printf("  platform        %s\n", d->platform);
  printf("  type            %s\n", d->type);
  printf("  compute units   %u\n", d->compute_units);
  printf("  global memory   %.2f GiB\n", gib(d->global_mem));
  printf("  max allocation  %.2f GiB\n", gib(d->max_alloc));
  printf("  driver          %s\n", d->driver_version);
  printf("  OpenCL          %s\n", d->opencl_version);
  if (check)
    printf("  self-test       %s\n", check);
}

static void print_tsv(const hs_device_info *d, const char *check) {
  printf("%d\t%s\t%s\t%s\t%s\t%u\t%llu\t%llu\t%s\t%s", d->index, d->name, d->vendor, d->platform,
         d->type, d->compute_units, (unsigned long long)d->global_mem,
         (unsigned long long)d->max_alloc, d->driver_version, d->opencl_version);
  if (check)
    printf("\t%s", check);
  putchar('\n');
}

static int devices_run(int argc, char **argv) {
  devices_args a = {0};
  int rc = parse_devices_args(argc, argv, &a);
  if (rc != EXIT_ALL_DONE)
    return rc;
  cli_install_logger(a.verbose);
  int count = 0;
  if (hs_devices_list(NULL, 0, &count) != HS_OK) {
    cli_error("%s", hs_last_error());
    return EXIT_FATAL;
  }
  if (count == 0) {
    if (a.tsv)
      printf("index\tname\tvendor\tplatform\ttype\tcompute_units\tglobal_mem\tmax_alloc"
             "\tdriver\topencl%s\n", a.check ? "\tself_test" : "");
    else
      printf("no OpenCL device found: computing commands use the CPU path (--device cpu)\n");
    return EXIT_ALL_DONE;
  }
  hs_device_info *list = calloc((size_t)count, sizeof *list);
  if (!list || hs_devices_list(list, count, &count) != HS_OK) {
    cli_error("%s", list ? hs_last_error() : "out of memory");
    free(list);
    return EXIT_FATAL;
  }
  if (a.tsv)
    printf("index\tname\tvendor\tplatform\ttype\tcompute_units\tglobal_mem\tmax_alloc"
           "\tdriver\topencl%s\n", a.check ? "\tself_test" : "");
  for (int i = 0; i < count; i++) {
    const char *check = a.check ? self_test(&a, list[i].index) : NULL;
    (a.tsv ? print_tsv : print_text)(&list[i], check);
  }
  if (!a.tsv)
    printf("\n--device auto uses the first GPU, else the first other device, that passes its\n"
           "self-test; else the CPU path.\n");
  free(list);
  return fflush(stdout) == 0 ? EXIT_ALL_DONE : EXIT_FATAL;
}

const cli_command cmd_devices = {"devices", "list OpenCL devices", devices_run, devices_usage};
