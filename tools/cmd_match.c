/* tools/cmd_match.c - `hashsweep match`: Hamming search of hash lists (radius or top-k). Not implemented yet. */
#include "commands.h"

static void match_usage(FILE *out) { fprintf(out, "usage: hashsweep match ... (not implemented yet)\n"); }

static int match_run(int argc, char **argv) {
  (void)argc;
  (void)argv;
  cli_error("'match' is not implemented yet");
  return EXIT_USAGE;
}

const cli_command cmd_match = {"match", "Hamming search of hash lists (radius or top-k)", match_run, match_usage};
