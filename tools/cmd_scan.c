/* tools/cmd_scan.c - `hashsweep scan`: scan an archive against an index. Not implemented yet. */
#include "commands.h"

static void scan_usage(FILE *out) { fprintf(out, "usage: hashsweep scan ... (not implemented yet)\n"); }

static int scan_run(int argc, char **argv) {
  (void)argc;
  (void)argv;
  cli_error("'scan' is not implemented yet");
  return EXIT_USAGE;
}

const cli_command cmd_scan = {"scan", "scan an archive against an index", scan_run, scan_usage};
