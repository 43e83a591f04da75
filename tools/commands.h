/* tools/commands.h - the subcommands, one file each (tools/cmd_<name>.c). */
#ifndef HS_TOOLS_COMMANDS_H
#define HS_TOOLS_COMMANDS_H

#include "cli.h"

extern const cli_command cmd_hash;
extern const cli_command cmd_match;
extern const cli_command cmd_devices;
extern const cli_command cmd_index;
extern const cli_command cmd_scan;
extern const cli_command cmd_rescan;
extern const cli_command cmd_eval;
extern const cli_command cmd_bench;
extern const cli_command cmd_review;
extern const cli_command cmd_sweep_status;
extern const cli_command cmd_serve;

#endif
