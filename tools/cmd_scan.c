/* tools/cmd_scan.c - `hashsweep scan`: sweep an archive against an index. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_scan.h"
#include "commands.h"

static void scan_usage(FILE *out) {
  fprintf(out,
          "usage: hashsweep scan --index IDX [--store STORE] [--out FILE] [options] SOURCE...\n"
          "Hashes every image and video under the SOURCEs and reports each file whose PDQ (or any of its\n"
          "7 rotations/flips, or the PDQ of the content inside added borders: variant\n"
          "unletterbox) is within --radius of an active index entry, or whose MD5/SHA-256\n"
          "equals an exact entry. SOURCE: a directory (recursive), @FILE (a manifest, one path\n"
          "per line) or - (paths on standard input). Per-file failures are error records\n"
          "(exit code 1); the scan goes on.\n\n"
          "options:\n"
          "  --index IDX              the hash index (required)\n"
          "  --store STORE            archive hash store: records every file's hashes; rerunning\n"
          "                           the same command after a crash or kill resumes, and later\n"
          "                           scans skip unchanged files (size and mtime)\n"
          "  --out FILE               output file (default: standard output)\n"
          "  --format jsonl|csv       output format (default jsonl)\n"
          "  --radius R               PDQ match threshold, inclusive (default 31)\n"
          "  --min-quality Q          PDQ quality gate (default 50): files below are reported\n"
          "                           with a note and not PDQ-matched\n"
          "  --jobs N                 decode workers (default: all cores)\n"
          "  --shard K/N              only the K-th of N deterministic parts (by path hash)\n"
          CLI_FLOOD_OPTIONS_HELP
          CLI_ENGINE_OPTIONS_HELP
          "  --hash-on auto|cpu|device  where PDQ runs: auto = the device when it is a GPU or\n"
          "                           an accelerator, the CPU workers when it is the host\n"
          "                           CPU itself (PoCL) or there is none (default auto)\n"
          "  --match-on auto|cpu|device where the Hamming search runs (same rule)\n"
          "  --restart                start over when --out belongs to an interrupted scan\n"
          "                           with other options\n"
          "  --index-refresh S        check the index for changes every S seconds (default 30,\n"
          "                           0 never)\n" CLI_DECODE_OPTIONS_HELP CLI_UNLETTERBOX_HELP
          CLI_MATCH_VIDEO_HELP
          "  -q, --quiet              no progress and no summary\n"
          "  -v, --verbose            log the path taken (device, index version)\n"
          CLI_VIDEO_OPTIONS_HELP);
}

/* A failure found by the CLI itself; printed where library failures are. */
static const char *cli_failure;
static hs_status error_msg(hs_status st, const char *msg) {
  cli_failure = msg;
  return st;
}

static int parse_shard(const char *arg, unsigned *k, unsigned *n) {
  char *slash = strchr(arg, '/');
  long a, b;
  if (!slash)
    return -1;
  *slash = '\0';
  int bad = cli_parse_int(arg, 0, 1000000, &a) || cli_parse_int(slash + 1, 1, 1000000, &b) || a >= b;
  *slash = '/';
  if (bad)
    return -1;
  *k = (unsigned)a;
  *n = (unsigned)b;
  return 0;
}

/* One rank's scan. Under MPI each rank takes shard rank/size and writes
 * OUT.rank<k> and STORE.rank<k>; the counters are merged (a collective
 * every rank reaches, whatever happened to it) and rank 0 prints them. */
static int scan_ranked(const hs_scan_options *op, const hs_engine_options *eo, int quiet,
                       int verbose, int rank, int size) {
  hs_scan_options o = *op;
  char out_name[4096], store_name[4096];
  hs_status st = HS_OK;
  if (size > 1) {
    if (o.shard_count > 1)
      st = error_msg(HS_ERR_INVALID_ARG, "--shard cannot be combined with MPI ranks");
    else if (!o.out)
      st = error_msg(HS_ERR_INVALID_ARG, "under MPI every rank needs its own output: give --out");
    o.shard_index = (unsigned)rank;
    o.shard_count = (unsigned)size;
    if (o.out) {
      snprintf(out_name, sizeof out_name, "%s.rank%d", o.out, rank);
      o.out = out_name;
    }
    if (o.store) {
      snprintf(store_name, sizeof store_name, "%s.rank%d", o.store, rank);
      o.store = store_name;
    }
    if (rank != 0)
      quiet = 1;
  }
  hs_engine_options placed = *eo;
  placed.log = cli_install_logger(quiet ? -1 : verbose);
  /* The run's cancel handle exists before any work, so a signal during
   * engine set-up, index load or store open stops the run too. */
  hs_cancel *cancel = NULL;
  if (st == HS_OK)
    st = hs_cancel_create(&cancel);
  if (st == HS_OK) {
    cli_scan_install_signals(cancel);
    signal(SIGPIPE, SIG_IGN); /* a closed pipe is a write error, reported */
    o.cancel = cancel;
  }
  hs_engine *engine = NULL;
  if (st == HS_OK)
    st = hs_engine_create(&placed, &engine);
  hs_scan_summary sum = {0};
  if (st == HS_OK) {
    o.engine = engine;
    if (!quiet && isatty(2))
      o.progress = cli_scan_progress;
    st = hs_scan_run(&o, &sum);
  }
  hs_engine_destroy(engine);
  cli_scan_install_signals(NULL);
  hs_cancel_destroy(cancel);
  if (st != HS_OK) {
    const char *why = cli_failure ? cli_failure : hs_last_error();
    /* The library names no flags: an output that cannot be resumed is
     * EXISTS (another scan's) or CORRUPT (shorter than recorded). */
    const char *hint = !cli_failure && o.store && !o.restart &&
                               (st == HS_ERR_EXISTS || st == HS_ERR_CORRUPT)
                           ? " (--restart starts over)"
                           : "";
    if (size > 1)
      cli_error("rank %d: %s%s", rank, why, hint);
    else
      cli_error("%s%s", why, hint);
  }
  int any_failed = 0, any_fatal = 0;
  hs_mpi_merge_summary(&sum, &any_failed, &any_fatal, st != HS_OK);
  if (!quiet && (st == HS_OK || st == HS_ERR_INTERRUPTED || sum.seen > 0))
    cli_scan_summary(size > 1 ? "scan (all ranks)" : "scan", &sum);
  if (st != HS_OK)
    return cli_exit_for(st);
  if (any_fatal)
    return EXIT_FATAL;
  return any_failed ? EXIT_ITEM_ERRORS : EXIT_ALL_DONE;
}

static int scan_run(int argc, char **argv) {
  static const struct option longopts[] = {
      {"index", required_argument, 0, 0},       {"store", required_argument, 0, 0},
      {"out", required_argument, 0, 0},         {"format", required_argument, 0, 0},
      {"radius", required_argument, 0, 0},      {"min-quality", required_argument, 0, 0},
      {"jobs", required_argument, 0, 0},        {"shard", required_argument, 0, 0},
      CLI_ENGINE_LONGOPTS, CLI_FLOOD_LONGOPTS,                      {"restart", no_argument, 0, 0},
      {"hash-on", required_argument, 0, 0},     {"match-on", required_argument, 0, 0},
      {"index-refresh", required_argument, 0, 0}, {"mode", required_argument, 0, 0},
      {"exif-rotate", no_argument, 0, 0},       {"max-pixels", required_argument, 0, 0},
      {"no-unletterbox", no_argument, 0, 0},
      {"max-file-size", required_argument, 0, 0},
      {"read-timeout", required_argument, 0, 0}, {"quiet", no_argument, 0, 'q'},
      CLI_MATCH_VIDEO_LONGOPTS,                 CLI_VIDEO_LONGOPTS,
      {"verbose", no_argument, 0, 'v'},         {0, 0, 0, 0}};
  hs_scan_options o;
  hs_scan_options_default(&o);
  o.command = "hashsweep scan"; /* the quarantine's audit record */
  hs_engine_options eo;
  hs_engine_options_default(&eo);
  int quiet = 0, verbose = 0, idx, c;
  long v;
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
      return cli_usage_error("scan", "unknown option");
    const char *name = longopts[idx].name;
    cli_match_opts mo = {&o.out,         &o.format,          &o.radius,
                         &o.min_quality, &eo.match_on,       &o.flood_files,
                         &o.flood_per_million, &o.video_query_percent,
                         &o.video_compared_percent};
    int r = cli_decode_option("scan", name, optarg, &o.decode);
    if (r == 0)
      r = cli_video_option("scan", name, optarg, &o.video);
    if (r == 0)
      r = cli_engine_option("scan", name, optarg, &eo);
    if (r == 0)
      r = cli_match_option("scan", name, optarg, &mo);
    if (r < 0)
      return EXIT_USAGE;
    if (r > 0)
      continue;
    if (!strcmp(name, "index"))
      o.index = optarg;
    else if (!strcmp(name, "store"))
      o.store = optarg;
    else if (!strcmp(name, "jobs")) {
      if (cli_parse_int(optarg, 1, 4096, &v))
        return cli_usage_error("scan", "--jobs: expected a positive count, got '%s'", optarg);
      o.jobs = (int)v;
    } else if (!strcmp(name, "shard")) {
      if (parse_shard(optarg, &o.shard_index, &o.shard_count))
        return cli_usage_error("scan", "--shard: expected K/N with 0 <= K < N, got '%s'", optarg);
    } else if (!strcmp(name, "hash-on")) {
      if (hs_placement_parse(optarg, &eo.hash_on))
        return cli_usage_error("scan", "--hash-on: %s", hs_last_error());
    } else if (!strcmp(name, "restart"))
      o.restart = 1;
    else if (!strcmp(name, "index-refresh")) {
      if (cli_parse_int(optarg, 0, 86400 * 365, &v))
        return cli_usage_error("scan", "--index-refresh: expected seconds, got '%s'", optarg);
      o.index_refresh_s = (int)v;
    }
  }
  if (!o.index)
    return cli_usage_error("scan", "--index IDX is required");
  if (optind >= argc)
    return cli_usage_error("scan", "no SOURCE given (a directory, @manifest or -)");
  o.sources = (const char *const *)argv + optind;
  o.nsources = (size_t)(argc - optind);
  int rank = 0, size = 1;
  if (hs_mpi_init(&argc, &argv, &rank, &size) != HS_OK) {
    cli_error("%s", hs_last_error());
    return EXIT_FATAL;
  }
  int rc = scan_ranked(&o, &eo, quiet, verbose, rank, size);
  hs_mpi_finalize();
  return rc;
}

const cli_command cmd_scan = {"scan", "scan an archive against an index", scan_run, scan_usage};
