/* tools/cmd_eval.c - `hashsweep eval`: accuracy audit on edited copies. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_scan.h"
#include "commands.h"

static void eval_usage(FILE *out) {
  fprintf(out,
          "usage: hashsweep eval --originals DIR [--distractors DIR] [--report OUT] [options]\n"
          "Accuracy audit: makes edited copies of every image in DIR in memory (resize, JPEG\n"
          "quality, crops, letterbox, rotations, mirrors, colour, blur, noise, a caption,\n"
          "greyscale, chains of two), hashes them the way a scan does, and reports per edit\n"
          "the share of copies found at thresholds 15/31/47/63 (plain, dihedral, with the\n"
          "content region inside added borders, and against the originals' list-side\n"
          "variants), the distance distribution, and the false-match rate over all pairs of\n"
          "distinct images. Video edits of clips made from the originals are matched by\n"
          "vPDQ's rule (recall per edit). Writes OUT/report.md, OUT/report.html,\n"
          "OUT/report.json and PNG plots.\n\n"
          "options:\n"
          "  --originals DIR          known images (required; searched recursively)\n"
          "  --distractors DIR        other images, for false matches (optional)\n"
          "  --report OUT             report directory (default eval-report)\n"
          "  --edits LIST             comma-separated edits (default: all; see --list-edits);\n"
          "                           a chain is step+step, e.g. crop_centre_10+jpeg_q50\n"
          "  --list-edits             print the default edits and what they do, and exit\n"
          "  --limit N                use only the first N originals (and N distractors)\n"
          "  --min-quality Q          PDQ quality gate, as in scan (default 50)\n"
          "  --jobs N                 worker threads (default: all cores)\n"
          CLI_ENGINE_OPTIONS_HELP
          "  --hash-on auto|cpu|device  where PDQ runs, as for scan (auto: the device when it\n"
          "                           is a GPU or an accelerator, else the CPU path)\n"
          CLI_DECODE_OPTIONS_HELP CLI_UNLETTERBOX_HELP
          "  --variants LIST          list-side variants of each original for the variants\n"
          "                           columns: crops, rotations, crops,rotations (default)\n"
          "                           or none\n"
          "  --video-clips N          video edits: N clips made from the first N originals,\n"
          "                           each edited 6 ways (low bitrate, 360p, 15 fps, trim to\n"
          "                           the middle half, mirror, letterbox 9:16) with FFmpeg's\n"
          "                           libraries and matched by vPDQ's rule (default 2)\n"
          "  --no-video               no video edits (same as --video-clips 0)\n"
          "  --video-seconds S        length of each clip, 4..60 (default 8)\n"
          "  -q, --quiet              no progress and no summary\n"
          "  -v, --verbose            log the path taken\n");
}

static int list_edits(void) {
  for (size_t i = 0; i < hs_eval_edit_count(); i++) {
    char what[400];
    hs_eval_edit_describe(hs_eval_edit_name(i), what, sizeof what);
    printf("%-26s %s\n", hs_eval_edit_name(i), what);
  }
  return EXIT_ALL_DONE;
}

static void progress(void *user, size_t done, size_t total) {
  (void)user;
  fprintf(stderr, "\reval: %zu/%zu images%s", done, total, done == total ? "\n" : "");
}

/* Splits "a,b,c" in place into `list` (borrowed from argv). */
static int split_edits(char *arg, cli_strings *list) {
  for (char *tok = strtok(arg, ","); tok; tok = strtok(NULL, ","))
    if (*tok && cli_strings_push(list, tok) != 0)
      return -1;
  return list->count ? 0 : -1;
}

/* The command line as typed, for the report. */
static void join_args(int argc, char **argv, char *out, size_t cap) {
  size_t n = (size_t)snprintf(out, cap, "hashsweep");
  for (int i = 0; i < argc && n < cap; i++)
    n += (size_t)snprintf(out + n, cap - n, " %s", argv[i]);
}

static int eval_execute(hs_eval_options *o, const hs_engine_options *eo, int quiet,
                        int verbose) {
  hs_engine_options logged = *eo;
  logged.log = cli_install_logger(quiet ? -1 : verbose);
  hs_cancel *cancel = NULL;
  if (hs_cancel_create(&cancel) != HS_OK) {
    cli_error("%s", hs_last_error());
    return EXIT_FATAL;
  }
  cli_scan_install_signals(cancel);
  o->cancel = cancel;
  hs_engine *engine = NULL;
  int rc = cli_engine_create("eval", &logged, &engine);
  hs_status st = HS_OK;
  hs_eval_summary s;
  if (rc == EXIT_ALL_DONE) {
    o->engine = engine;
    if (!quiet && isatty(2))
      o->progress = progress;
    st = hs_eval_run(o, &s);
  }
  hs_engine_destroy(engine);
  cli_scan_install_signals(NULL);
  hs_cancel_destroy(cancel);
  if (rc != EXIT_ALL_DONE)
    return rc;
  if (st != HS_OK) {
    /* The library names no flags; the hint for an unknown edit is ours. */
    cli_error("eval: %s%s", hs_last_error(),
              strstr(hs_last_error(), "unknown step") ? " (see 'hashsweep eval --list-edits')" : "");
    return cli_exit_for(st);
  }
  if (!quiet) {
    char head[512];
    snprintf(head, sizeof head,
             "eval: %zu originals, %zu distractors, %zu copies (%zu failed) in %.1f s; at 31 "
             "(dihedral) lowest recall %.1f%% (%s), false-match rate %.2g; report in ",
             s.originals, s.distractors, s.copies, s.failed_copies, s.elapsed,
             100 * s.min_recall31, s.min_recall31_edit[0] ? s.min_recall31_edit : "-",
             s.false_match_rate31);
    cli_print_line(head, o->report_dir, "/"); /* a path: escaped */
  }
  return s.failed_files || s.failed_copies ? EXIT_ITEM_ERRORS : EXIT_ALL_DONE;
}

/* What the command line says. */
typedef struct eval_args {
  hs_eval_options o;
  hs_engine_options engine;
  cli_strings edits; /* --edits, split */
  int quiet, verbose;
} eval_args;

/* Applies one long option: -1 to go on, else the exit code to stop with
 * (--list-edits, or a bad value). */
static int eval_option(eval_args *a, const char *name, char *arg) {
  long v;
  int r = cli_decode_option("eval", name, arg, &a->o.decode);
  if (r == 0)
    r = cli_engine_option("eval", name, arg, &a->engine);
  if (r != 0)
    return r < 0 ? EXIT_USAGE : -1;
  if (!strcmp(name, "originals"))
    a->o.originals = arg;
  else if (!strcmp(name, "distractors"))
    a->o.distractors = arg;
  else if (!strcmp(name, "report"))
    a->o.report_dir = arg;
  else if (!strcmp(name, "list-edits"))
    return list_edits();
  else if (!strcmp(name, "edits")) {
    if (split_edits(arg, &a->edits))
      return cli_usage_error("eval", "--edits: expected a comma-separated list of edits");
  } else if (!strcmp(name, "limit")) {
    if (cli_parse_int(arg, 1, 1L << 40, &v))
      return cli_usage_error("eval", "--limit: expected a positive count, got '%s'", arg);
    a->o.limit = (size_t)v;
  } else if (!strcmp(name, "min-quality")) {
    if (cli_parse_int(arg, 0, 101, &v))
      return cli_usage_error("eval", "--min-quality: expected 0..101, got '%s'", arg);
    a->o.min_quality = (int)v;
  } else if (!strcmp(name, "jobs")) {
    if (cli_parse_int(arg, 1, 4096, &v))
      return cli_usage_error("eval", "--jobs: expected a positive count, got '%s'", arg);
    a->o.jobs = (int)v;
  } else if (!strcmp(name, "hash-on")) {
    if (hs_placement_parse(arg, &a->engine.hash_on) != HS_OK)
      return cli_usage_error("eval", "--hash-on: %s", hs_last_error());
  } else if (!strcmp(name, "video-clips")) {
    if (cli_parse_int(arg, 0, 10000, &v))
      return cli_usage_error("eval", "--video-clips: expected a count 0..10000, got '%s'", arg);
    a->o.video_clips = (size_t)v;
  } else if (!strcmp(name, "no-video")) {
    a->o.video_clips = 0;
  } else if (!strcmp(name, "video-seconds")) {
    if (cli_parse_int(arg, 4, 60, &v))
      return cli_usage_error("eval", "--video-seconds: expected 4..60 seconds, got '%s'", arg);
    a->o.video_seconds = (int)v;
  } else if (!strcmp(name, "variants")) {
    if (hs_variants_parse(arg, &a->o.variants) != HS_OK)
      return cli_usage_error("eval", "--variants: %s", hs_last_error());
  }
  return -1;
}

static int eval_run(int argc, char **argv) {
  static const struct option longopts[] = {
      {"originals", required_argument, 0, 0},   {"distractors", required_argument, 0, 0},
      {"report", required_argument, 0, 0},      {"edits", required_argument, 0, 0},
      {"list-edits", no_argument, 0, 0},        {"limit", required_argument, 0, 0},
      {"min-quality", required_argument, 0, 0}, {"jobs", required_argument, 0, 0},
      {"mode", required_argument, 0, 0},        {"exif-rotate", no_argument, 0, 0},
      {"no-unletterbox", no_argument, 0, 0},   {"variants", required_argument, 0, 0},
      {"max-pixels", required_argument, 0, 0},  {"max-file-size", required_argument, 0, 0},
      {"read-timeout", required_argument, 0, 0},
      {"quiet", no_argument, 0, 'q'},           {"verbose", no_argument, 0, 'v'},
      {"hash-on", required_argument, 0, 0},     {"video-clips", required_argument, 0, 0},
      {"no-video", no_argument, 0, 0},          {"video-seconds", required_argument, 0, 0},
      CLI_ENGINE_LONGOPTS,
      {0, 0, 0, 0}};
  eval_args a = {0};
  hs_eval_options_default(&a.o);
  hs_engine_options_default(&a.engine);
  a.o.report_dir = "eval-report";
  int idx, c, rc = -1;
  optind = 1;
  while (rc < 0 && (c = getopt_long(argc, argv, "qv", longopts, &idx)) != -1) {
    if (c == 'q' || c == 'v') {
      a.quiet |= c == 'q';
      a.verbose += c == 'v';
    } else {
      rc = c == 0 ? eval_option(&a, longopts[idx].name, optarg)
                  : cli_usage_error("eval", "unknown option");
    }
  }
  if (rc < 0 && !a.o.originals)
    rc = cli_usage_error("eval", "--originals DIR is required");
  if (rc < 0 && optind < argc)
    rc = cli_usage_error("eval", "unexpected argument '%s'", argv[optind]);
  if (rc < 0) {
    char command[8192];
    join_args(argc, argv, command, sizeof command);
    a.o.command_line = command;
    a.o.decode.want_digests = 0; /* the audit compares PDQ only */
    a.o.edits = a.edits.count ? (const char *const *)a.edits.items : NULL;
    a.o.nedits = a.edits.count;
    rc = eval_execute(&a.o, &a.engine, a.quiet, a.verbose);
  }
  cli_strings_free(&a.edits);
  return rc;
}

const cli_command cmd_eval = {"eval", "accuracy audit on edited copies", eval_run, eval_usage};
