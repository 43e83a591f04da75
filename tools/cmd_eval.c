/* tools/cmd_eval.c - `hashsweep eval`: accuracy audit on edited copies. Not implemented yet. */
#include "commands.h"

static void eval_usage(FILE *out) { fprintf(out, "usage: hashsweep eval ... (not implemented yet)\n"); }

static int eval_run(int argc, char **argv) {
  (void)argc;
  (void)argv;
  cli_error("'eval' is not implemented yet");
  return EXIT_USAGE;
}

const cli_command cmd_eval = {"eval", "accuracy audit on edited copies", eval_run, eval_usage};
