/* tools/cmd_bench.c - `hashsweep bench`: device micro-benchmarks. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static void bench_usage(FILE *out) {
  fprintf(out,
          "usage: hashsweep bench [--device D] [--json FILE] [options]\n"
          "Micro-benchmarks of one compute engine: host-to-device GB/s (not applicable on\n"
          "the CPU path), PDQ planes/s on 512x512 and 1920x1080 planes, and Hamming\n"
          "comparisons/s (256-bit, radius and top-1) at haystack sizes M with Q queries.\n"
          "Each figure is the median of the repeats after warm-up runs. Prints a table;\n"
          "--json writes it with device, driver and engine versions for collecting.\n\n"
          "options:\n"
          CLI_ENGINE_OPTIONS_HELP
          "  --json FILE              also write the results as JSON ('-': standard output)\n"
          "  --repeats N              timed runs per figure (default 5)\n"
          "  --warmup N               untimed runs first (default 1; CPU-path searches: at\n"
          "                           least 8192 queries)\n"
          "  --sizes M,M              haystack sizes (default 1M,10M; at most 4)\n"
          "  --queries Q              queries per search (default 1000)\n"
          "  --radius R               radius of the radius search (default 31)\n"
          "  --planes-512 N           512x512 planes per PDQ batch (default 64)\n"
          "  --planes-hd N            1920x1080 planes per PDQ batch (default 8)\n"
          "  --transfer-bytes N       bytes per host-to-device copy (default 256M)\n"
          "  --quick                  small sizes, 3 repeats: seconds, for tests\n"
          "  -v, --verbose            log progress and the path taken\n");
}

static void apply_quick(hs_bench_options *o) {
  o->repeats = 3;
  o->warmup = 1;
  o->planes_512 = 4;
  o->planes_hd = 1;
  o->haystacks[0] = 20000;
  o->haystacks[1] = 0;
  o->queries = 100;
  o->transfer_bytes = 8u << 20;
}

static int parse_sizes(char *arg, hs_bench_options *o) {
  size_t n = 0;
  memset(o->haystacks, 0, sizeof o->haystacks);
  for (char *tok = strtok(arg, ","); tok; tok = strtok(NULL, ",")) {
    uint64_t v;
    if (n == sizeof o->haystacks / sizeof o->haystacks[0] || cli_parse_size(tok, 1, &v) ||
        v == 0)
      return -1;
    o->haystacks[n++] = (size_t)v;
  }
  return n ? 0 : -1;
}

static void print_table(const hs_bench_report *r) {
  printf("engine: %s\ndevice: %s%s%s\nhashsweep %s (%s)\n\n", r->engine, r->device,
         r->driver[0] ? ", driver " : "", r->driver, hs_version(), hs_build_features());
  printf("%-16s %14s %14s %14s  %-14s %s\n", "benchmark", "median", "min", "max", "unit",
         "what");
  for (size_t i = 0; i < r->nfigures; i++) {
    const hs_bench_figure *f = &r->figures[i];
    if (f->applicable)
      printf("%-16s %14.4g %14.4g %14.4g  %-14s %s\n", f->name, f->median, f->min, f->max,
             f->unit, f->note);
    else
      printf("%-16s %14s %14s %14s  %-14s %s\n", f->name, "n/a", "", "", f->unit, f->note);
  }
  printf("\n%.1f s\n", r->elapsed);
}

static int write_json(const char *path, const hs_bench_report *r, const hs_bench_options *o) {
  FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
  if (!f) {
    cli_error("bench: %s: cannot create", path);
    return EXIT_FATAL;
  }
  hs_status st = hs_bench_write_json(r, o, f);
  if (f != stdout && fclose(f) != 0)
    st = HS_ERR_IO;
  if (st != HS_OK) {
    cli_error("bench: %s: cannot write", path);
    return EXIT_FATAL;
  }
  return EXIT_ALL_DONE;
}

static int bench_execute(hs_bench_options *o, const hs_engine_options *eo, const char *json,
                         int verbose) {
  cli_install_logger(verbose);
  hs_engine *engine = NULL;
  /* The benchmark measures the device itself, whatever its type: with
   * --device auto a host-CPU OpenCL device is opened too. */
  hs_engine_options placed = *eo;
  placed.hash_on = placed.match_on = HS_PLACE_DEVICE;
  int rc = cli_engine_create("bench", &placed, &engine);
  if (rc != EXIT_ALL_DONE)
    return rc;
  o->engine = engine;
  hs_bench_report *r = malloc(sizeof *r);
  hs_status st = r ? hs_bench_run(o, r) : HS_ERR_NOMEM;
  hs_engine_destroy(engine);
  if (st != HS_OK) {
    cli_error("bench: %s", r ? hs_last_error() : "out of memory");
    rc = EXIT_FATAL;
  } else {
    if (!json || strcmp(json, "-") != 0)
      print_table(r);
    if (json)
      rc = write_json(json, r, o);
  }
  free(r);
  return rc;
}

static int bench_run(int argc, char **argv) {
  static const struct option longopts[] = {
      CLI_ENGINE_LONGOPTS,                     {"json", required_argument, 0, 0},
      {"repeats", required_argument, 0, 0},    {"warmup", required_argument, 0, 0},
      {"sizes", required_argument, 0, 0},      {"queries", required_argument, 0, 0},
      {"radius", required_argument, 0, 0},     {"planes-512", required_argument, 0, 0},
      {"planes-hd", required_argument, 0, 0},  {"transfer-bytes", required_argument, 0, 0},
      {"quick", no_argument, 0, 0},            {"verbose", no_argument, 0, 'v'},
      {0, 0, 0, 0}};
  hs_bench_options o;
  hs_bench_options_default(&o);
  /* --quick first, so that explicit sizes given with it win wherever they stand. */
  for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
    if (strcmp(argv[i], "--quick") == 0)
      apply_quick(&o);
  hs_engine_options eo;
  hs_engine_options_default(&eo);
  const char *json = NULL;
  int verbose = 0, idx, c;
  long v;
  uint64_t u;
  optind = 1;
  while ((c = getopt_long(argc, argv, "v", longopts, &idx)) != -1) {
    if (c == 'v') {
      verbose++;
      continue;
    }
    if (c != 0)
      return cli_usage_error("bench", "unknown option");
    const char *name = longopts[idx].name;
    int r = cli_engine_option("bench", name, optarg, &eo);
    if (r < 0)
      return EXIT_USAGE;
    if (r > 0)
      continue;
    if (!strcmp(name, "json"))
      json = optarg;
    else if (!strcmp(name, "repeats") || !strcmp(name, "warmup")) {
      if (cli_parse_int(optarg, !strcmp(name, "repeats"), 1000, &v))
        return cli_usage_error("bench", "--%s: expected a count, got '%s'", name, optarg);
      *(!strcmp(name, "repeats") ? &o.repeats : &o.warmup) = (int)v;
    } else if (!strcmp(name, "radius")) {
      if (cli_parse_int(optarg, 0, 256, &v))
        return cli_usage_error("bench", "--radius: expected 0..256, got '%s'", optarg);
      o.radius = (int)v;
    } else if (!strcmp(name, "sizes")) {
      if (parse_sizes(optarg, &o))
        return cli_usage_error("bench", "--sizes: expected up to 4 counts, e.g. 1M,10M");
    } else if (strcmp(name, "quick") != 0) { /* the counts */
      int bytes = !strcmp(name, "transfer-bytes");
      if (cli_parse_size(optarg, !bytes, &u) || u == 0)
        return cli_usage_error("bench", "--%s: expected a positive count, got '%s'", name,
                               optarg);
      *(bytes                        ? &o.transfer_bytes
        : !strcmp(name, "queries")   ? &o.queries
        : !strcmp(name, "planes-hd") ? &o.planes_hd
                                     : &o.planes_512) = (size_t)u;
    }
  }
  if (optind < argc)
    return cli_usage_error("bench", "unexpected argument '%s'", argv[optind]);
  return bench_execute(&o, &eo, json, verbose);
}

const cli_command cmd_bench = {"bench", "device micro-benchmarks", bench_run, bench_usage};
