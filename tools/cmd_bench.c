/* tools/cmd_bench.c - `hashsweep bench`: device micro-benchmarks. Not implemented yet. */
#include "commands.h"

static void bench_usage(FILE *out) { fprintf(out, "usage: hashsweep bench ... (not implemented yet)\n"); }

static int bench_run(int argc, char **argv) {
  (void)argc;
  (void)argv;
  cli_error("'bench' is not implemented yet");
  return EXIT_USAGE;
}

const cli_command cmd_bench = {"bench", "device micro-benchmarks", bench_run, bench_usage};
