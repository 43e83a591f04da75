/* tools/cmd_rescan.c - `hashsweep rescan`: stored hashes against an index,
 * without decoding (the spike-response path). */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_scan.h"
#include "commands.h"

static void rescan_usage(FILE *out) {
  fprintf(out,
          "usage: hashsweep rescan --store STORE --index IDX [options]\n"
          "Matches every hash recorded in STORE (by earlier scans) against the index, or only\n"
          "against the entries added since a version, without decoding a single image. Same\n"
          "output as scan.\n\n"
          "options:\n"
          "  --store STORE            the archive hash store (required)\n"
          "  --index IDX              the hash index (required)\n"
          "  --since-version V        only entries added after index version V\n"
          "  --list NAME              only entries of this list\n"
          "  --out FILE               output file (default: standard output)\n"
          "  --format jsonl|csv       output format (default jsonl)\n"
          "  --radius R               PDQ match threshold, inclusive (default 31)\n"
          "  --min-quality Q          PDQ quality gate (default 50)\n"
          "  --no-unletterbox         do not match the stored content-region hashes of files\n"
          "                           and video frames with added borders\n"
          CLI_FLOOD_OPTIONS_HELP CLI_MATCH_VIDEO_HELP
          CLI_ENGINE_OPTIONS_HELP
          "  --match-on auto|cpu|device where the Hamming search runs: auto = the device when\n"
          "                           it is a GPU or an accelerator, else the CPU (default)\n"
          "  -q, --quiet              no progress and no summary\n"
          "  -v, --verbose            log the path taken\n");
}

static int rescan_run(int argc, char **argv) {
  static const struct option longopts[] = {
      {"store", required_argument, 0, 0},  {"index", required_argument, 0, 0},
      {"since-version", required_argument, 0, 0}, {"list", required_argument, 0, 0},
      {"out", required_argument, 0, 0},    {"format", required_argument, 0, 0},
      {"radius", required_argument, 0, 0}, {"min-quality", required_argument, 0, 0},
      CLI_ENGINE_LONGOPTS, CLI_FLOOD_LONGOPTS,                 {"match-on", required_argument, 0, 0},
      {"quiet", no_argument, 0, 'q'},      {"no-unletterbox", no_argument, 0, 0},
      CLI_MATCH_VIDEO_LONGOPTS,
      {"verbose", no_argument, 0, 'v'},    {0, 0, 0, 0}};
  hs_rescan_options o;
  hs_rescan_options_default(&o);
  o.command = "hashsweep rescan"; /* the quarantine's audit record */
  hs_engine_options eo;
  hs_engine_options_default(&eo);
  int quiet = 0, verbose = 0, idx, c;
  uint64_t u;
  optind = 1;
  while ((c = getopt_long(argc, argv, "qv", longopts, &idx)) != -1) {
    if (c == 'q') {
      quiet = 1;
      continue;
    }
    if (c == 'v') {
      verbose++;
      continue;
    }
    if (c != 0)
      return cli_usage_error("rescan", "unknown option");
    const char *name = longopts[idx].name;
    cli_match_opts mo = {&o.out,         &o.format,          &o.radius,
                         &o.min_quality, &eo.match_on,       &o.flood_files,
                         &o.flood_per_million, &o.video_query_percent,
                         &o.video_compared_percent};
    int r = cli_engine_option("rescan", name, optarg, &eo);
    if (r == 0)
      r = cli_match_option("rescan", name, optarg, &mo);
    if (r < 0)
      return EXIT_USAGE;
    if (r > 0)
      continue;
    if (!strcmp(name, "store"))
      o.store = optarg;
    else if (!strcmp(name, "index"))
      o.index = optarg;
    else if (!strcmp(name, "since-version")) {
      if (cli_parse_size(optarg, 1, &u) || strpbrk(optarg, "kKmMgGtT."))
        return cli_usage_error("rescan", "--since-version: expected a version number, got '%s'",
                               optarg);
      o.since_version = u;
    } else if (!strcmp(name, "list"))
      o.list = optarg;
    else if (!strcmp(name, "no-unletterbox"))
      o.unletterbox = 0;
  }
  if (!o.store || !o.index)
    return cli_usage_error("rescan", "--store STORE and --index IDX are required");
  if (optind < argc)
    return cli_usage_error("rescan", "unexpected argument '%s'", argv[optind]);
  eo.log = cli_install_logger(quiet ? -1 : verbose);
  hs_cancel *cancel = NULL;
  if (hs_cancel_create(&cancel) != HS_OK) {
    cli_error("%s", hs_last_error());
    return EXIT_FATAL;
  }
  cli_scan_install_signals(cancel);
  signal(SIGPIPE, SIG_IGN); /* a closed pipe is a write error, reported */
  o.cancel = cancel;
  hs_engine *engine = NULL;
  int rc = cli_engine_create("rescan", &eo, &engine);
  if (rc != EXIT_ALL_DONE) {
    cli_scan_install_signals(NULL);
    hs_cancel_destroy(cancel);
    return rc;
  }
  o.engine = engine;
  if (!quiet && isatty(2))
    o.progress = cli_scan_progress;
  hs_scan_summary sum;
  hs_status st = hs_rescan_run(&o, &sum);
  hs_engine_destroy(engine);
  cli_scan_install_signals(NULL);
  hs_cancel_destroy(cancel);
  if (st != HS_OK) {
    cli_error("%s", hs_last_error());
    return cli_exit_for(st);
  }
  if (!quiet)
    cli_scan_summary("rescan", &sum);
  return EXIT_ALL_DONE;
}

const cli_command cmd_rescan = {"rescan", "match stored archive hashes against an index, no decoding",
                                rescan_run, rescan_usage};
