/* tools/cmd_index.h - helpers shared by the `index` subcommand files. */
#ifndef HS_TOOLS_CMD_INDEX_H
#define HS_TOOLS_CMD_INDEX_H

#include "commands.h"

/* Opens IDX, printing the error; returns an exit code (0 on success). */
int index_open_or_fail(const char *path, unsigned flags, hs_index **idx);
/* Prints "WHERE: warning: WHAT" on stderr (user unused). */
void index_print_warning(void *user, const char *where, const char *cause);
/* Prints "WHERE: CAUSE<suffix>" on stderr; user is the suffix or NULL. */
void index_print_problem(void *user, const char *where, const char *cause);
/* match-video (cmd_index_video.c). */
int index_match_video(int argc, char **argv);
/* lists, stats, export, verify, log; -1 when `sub` is none of them. */
int index_show(const char *sub, int argc, char **argv);

#endif
