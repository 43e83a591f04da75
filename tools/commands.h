/* tools/commands.h - the subcommands, one file each (tools/cmd_<name>.c). */
#ifndef HS_TOOLS_COMMANDS_H
#define HS_TOOLS_COMMANDS_H

#include "cli.h"

extern const cli_command cmd_hash;

#endif
