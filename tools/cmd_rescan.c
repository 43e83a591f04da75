/* tools/cmd_rescan.c - `hashsweep rescan`: match stored archive hashes against an index, no decoding. Not implemented yet. */
#include "commands.h"

static void rescan_usage(FILE *out) { fprintf(out, "usage: hashsweep rescan ... (not implemented yet)\n"); }

static int rescan_run(int argc, char **argv) {
  (void)argc;
  (void)argv;
  cli_error("'rescan' is not implemented yet");
  return EXIT_USAGE;
}

const cli_command cmd_rescan = {"rescan", "match stored archive hashes against an index, no decoding", rescan_run, rescan_usage};
