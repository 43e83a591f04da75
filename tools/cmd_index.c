/* tools/cmd_index.c - `hashsweep index`: create, import into and inspect a hash index. Not implemented yet. */
#include "commands.h"

static void index_usage(FILE *out) { fprintf(out, "usage: hashsweep index ... (not implemented yet)\n"); }

static int index_run(int argc, char **argv) {
  (void)argc;
  (void)argv;
  cli_error("'index' is not implemented yet");
  return EXIT_USAGE;
}

const cli_command cmd_index = {"index", "create, import into and inspect a hash index", index_run, index_usage};
