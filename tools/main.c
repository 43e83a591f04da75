/* tools/main.c - the hashsweep CLI: dispatches to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const cli_command *const commands[] = {
    &cmd_hash, &cmd_scan, &cmd_rescan, &cmd_index, &cmd_match,
    &cmd_devices, &cmd_eval, &cmd_bench, &cmd_serve, &cmd_review, &cmd_sweep_status,
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out) {
  fprintf(out,
          "usage: hashsweep <command> [options] [arguments]\n"
          "       hashsweep --version | --help\n\n"
          "Finds known images in large archives by perceptual hash (PDQ) matching.\n\n"
          "commands:\n");
  for (size_t i = 0; i < N_COMMANDS; i++)
    fprintf(out, "  %-13s %s\n", commands[i]->name, commands[i]->summary);
  fprintf(out, "\n'hashsweep <command> --help' describes a command.\n"
               "Exit codes: 0 all done, 1 done with per-item errors, 2 usage or configuration\n"
               "error, 3 fatal runtime error.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return EXIT_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return EXIT_ALL_DONE;
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("hashsweep %s (%s)\n", hs_version(), hs_build_features());
    return EXIT_ALL_DONE;
  }
  for (size_t i = 0; i < N_COMMANDS; i++) {
    if (strcmp(argv[1], commands[i]->name) == 0) {
      /* `index match-video` has options of its own and describes them. */
      int own_help = strcmp(argv[1], "index") == 0 && argc > 2 && strcmp(argv[2], "match-video") == 0;
      for (int a = 2; a < argc && !own_help; a++) {
        if (strcmp(argv[a], "--") == 0)
          break;
        if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
          commands[i]->usage(stdout);
          return EXIT_ALL_DONE;
        }
      }
      if (hs_init(argv[0]) != HS_OK) {
        cli_error("%s", hs_last_error());
        return EXIT_FATAL;
      }
      return commands[i]->run(argc - 1, argv + 1);
    }
  }
  cli_error("unknown command '%s'", argv[1]);
  usage(stderr);
  return EXIT_USAGE;
}
