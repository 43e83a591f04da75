/* tools/cmd_devices.c - `hashsweep devices`: list OpenCL devices. Not implemented yet. */
#include "commands.h"

static void devices_usage(FILE *out) { fprintf(out, "usage: hashsweep devices ... (not implemented yet)\n"); }

static int devices_run(int argc, char **argv) {
  (void)argc;
  (void)argv;
  cli_error("'devices' is not implemented yet");
  return EXIT_USAGE;
}

const cli_command cmd_devices = {"devices", "list OpenCL devices", devices_run, devices_usage};
