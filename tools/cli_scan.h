/* tools/cli_scan.h - progress and summary lines shared by scan and rescan. */
#ifndef HS_TOOLS_CLI_SCAN_H
#define HS_TOOLS_CLI_SCAN_H

#include "cli.h"

/* Progress on stderr (one rewritten line); install only when stderr is a
 * terminal and not --quiet. */
void cli_scan_progress(void *user, const hs_scan_summary *s, uint64_t total, int done);
/* The summary line on stderr. `what` is "scan" or "rescan". */
void cli_scan_summary(const char *what, const hs_scan_summary *s);
/* SIGINT/SIGTERM trigger `cancel` (the run's handle: the run stops and
 * records what is in flight); a second signal ends the process at once (a
 * rerun resumes either way). Install before any work starts, so a signal
 * during engine set-up or index load is not lost. NULL (before the handle
 * is destroyed) restores the default action. */
void cli_scan_install_signals(hs_cancel *cancel);
int cli_parse_out_format(const char *cmd, const char *arg, hs_out_format *out);

/* The output and matching options scan and rescan share: --out, --format,
 * --radius, --min-quality, --match-on, --video-query-percent,
 * --video-compared-percent (CLI_MATCH_VIDEO_LONGOPTS, _HELP). Returns 1 when `opt` was one of
 * them (applied), 0 when not, -1 on a bad value (message printed). */
typedef struct cli_match_opts {
  const char **out;
  hs_out_format *format;
  int *radius, *min_quality;
  hs_placement *match_on;
  uint64_t *flood_files;     /* --flood-files */
  double *flood_per_million; /* --flood-per-million */
  double *video_query_percent, *video_compared_percent;
} cli_match_opts;
/* Help text of the flood guard's options (scan and rescan). */
#define CLI_FLOOD_OPTIONS_HELP \
  "  --flood-files N          flood guard: an entry matching more than\n" \
  "                           max(N, P per million files seen) files in this run is held\n" \
  "                           (\"held\": \"flood\") and quarantined (default 100; 0 = off)\n" \
  "  --flood-per-million P    the scaled part of that limit (default 50)\n"
#define CLI_FLOOD_LONGOPTS \
  {"flood-files", required_argument, 0, 0}, {"flood-per-million", required_argument, 0, 0}
#define CLI_MATCH_VIDEO_LONGOPTS                                                          \
  {"video-query-percent", required_argument, 0, 0},                                       \
      {"video-compared-percent", required_argument, 0, 0}
#define CLI_MATCH_VIDEO_HELP                                                              \
  "  --video-query-percent P  a video matches a listed video when at least P%% of its\n"     \
  "                           unique good frames are within the radius of the listed\n"  \
  "                           video's frames (vPDQ's rule; default 80)\n"                \
  "  --video-compared-percent P  ... and at least P%% of the listed video's unique\n"     \
  "                           frames were matched (default 0)\n"
int cli_match_option(const char *cmd, const char *opt, const char *arg, const cli_match_opts *m);

#endif
