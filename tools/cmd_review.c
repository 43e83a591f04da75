/* tools/cmd_review.c - `hashsweep review`: the HTML report of matches
 * awaiting a decision, `review decide` and `review decisions`; and `index
 * feedback` (the decisions as exchange feedback). */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli_scan.h"
#include "cmd_index.h"

static void review_usage(FILE *out) {
  fprintf(out,
          "usage: hashsweep review --index IDX (--store STORE | --matches F.jsonl) --out DIR\n"
          "                        [options]\n"
          "       hashsweep review decide --index IDX --entry ID --file PATH --decision D\n"
          "                               --reviewer NAME [--note TEXT] [--flood-rejections R]\n"
          "       hashsweep review decisions --index IDX [--entry ID] [--history]\n\n"
          "The report (DIR/index.html) is one self-contained page (no external resources,\n"
          "works offline) of the matches awaiting a decision: the stored hashes of STORE\n"
          "rescanned against IDX (no decoding), grouped by entry, each with a thumbnail of\n"
          "the platform's own file made now, blurred until revealed, and the commands that\n"
          "record a decision. The listed image is never shown.\n\n"
          "  --matches F.jsonl        take the matches from a scan's or rescan's JSON Lines\n"
          "                           output instead of rescanning STORE (video records show\n"
          "                           their segments and frame times)\n"
          "report options:\n"
          "  --list NAME              only matches of this list\n"
          "  --radius R, --min-quality Q   as for rescan (31, 50)\n"
          "  --thumb-size N           longest side of a thumbnail in pixels (default 240)\n"
          "  --include-decided        also show decided matches, with their decision\n"
          "  --title TEXT             page title\n"
          CLI_ENGINE_OPTIONS_HELP
          "decide:\n"
          "  --decision confirm|reject|escalate   confirm: the file is the listed content;\n"
          "                           reject: a false match; escalate: someone else must look\n"
          "  --file PATH              the file as the scan named it, or sha256:<hex> of its\n"
          "                           content; a later decision on the same file supersedes\n"
          "  --reviewer NAME, --note TEXT   kept with the decision and in the audit log\n"
          "  --flood-rejections R     a reject that brings the entry's rejected files to R\n"
          "                           (or 2R, 3R...) quarantines it like a flood (default 3;\n"
          "                           0: off); `hashsweep index release` releases it\n"
          "decisions: the latest decision per (entry, file), or every one with --history,\n"
          "  as JSON Lines.\n\n"
          "Exit codes: 0 done; 2 usage error, unknown entry or index; 3 fatal.\n"
          "Reference: docs/review.md.\n");
}

static int parse_u64(const char *cmd, const char *opt, const char *text, uint64_t *out) {
  char *end;
  unsigned long long v = strtoull(text, &end, 10);
  if (!*text || *end || *text == '-' || v == 0)
    return cli_usage_error(cmd, "%s: '%s' is not an entry id", opt, text);
  *out = v;
  return EXIT_ALL_DONE;
}

/* A count that may be 0 (--flood-rejections). */
static int parse_count(const char *cmd, const char *opt, const char *text, uint64_t *out) {
  char *end;
  unsigned long long v = strtoull(text, &end, 10);
  if (!*text || *end || *text == '-' || v > 1000000)
    return cli_usage_error(cmd, "%s: '%s' is not a count (0..1000000)", opt, text);
  *out = v;
  return EXIT_ALL_DONE;
}

static int fail_status(hs_status st) {
  cli_error("%s", hs_last_error());
  return cli_exit_for(st);
}

/* ---- decide ------------------------------------------------------------------------- */

static int review_decide(int argc, char **argv, const char *cmd) {
  static const struct option longopts[] = {
      {"index", required_argument, 0, 'i'},    {"entry", required_argument, 0, 'e'},
      {"file", required_argument, 0, 'f'},     {"decision", required_argument, 0, 'd'},
      {"reviewer", required_argument, 0, 'r'}, {"note", required_argument, 0, 'n'},
      {"flood-rejections", required_argument, 0, 'R'}, {0, 0, 0, 0}};
  const char *index = NULL, *decision = NULL;
  uint64_t flood_rejections = HS_REVIEW_FLOOD_REJECTIONS_DEFAULT;
  hs_decision d = {0};
  optind = 1;
  opterr = 0;
  int c, rc = EXIT_ALL_DONE;
  while (rc == EXIT_ALL_DONE && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
    case 'i': index = optarg; break;
    case 'e': rc = parse_u64("review decide", "--entry", optarg, &d.entry); break;
    case 'f': d.file = optarg; break;
    case 'd': decision = optarg; break;
    case 'r': d.reviewer = optarg; break;
    case 'n': d.note = optarg; break;
    case 'R': rc = parse_count("review decide", "--flood-rejections", optarg, &flood_rejections);
      break;
    default:
      return cli_usage_error("review decide", "unknown option or missing value: %s",
                             argv[optind - 1]);
    }
  }
  if (rc != EXIT_ALL_DONE)
    return rc;
  if (optind < argc)
    return cli_usage_error("review decide", "unexpected argument '%s'", argv[optind]);
  if (!index || !d.entry || !d.file || !decision || !d.reviewer)
    return cli_usage_error("review decide", "--index, --entry, --file, --decision and --reviewer "
                           "are required");
  if (hs_decision_parse(decision, &d.decision) != HS_OK)
    return cli_usage_error("review decide", "--decision: %s", hs_last_error());
  hs_index *idx;
  if ((rc = index_open_or_fail(index, 0, &idx)) != EXIT_ALL_DONE)
    return rc;
  uint64_t seq = 0;
  int quarantined = 0;
  hs_status st = hs_review_decide_guarded(idx, &d, cmd, flood_rejections, &seq, &quarantined);
  hs_index_close(idx);
  if (st != HS_OK)
    return fail_status(st);
  printf("recorded: %s on entry %llu (audit record %llu)\n", decision,
         (unsigned long long)d.entry, (unsigned long long)seq);
  if (quarantined)
    printf("quarantined: entry %llu (rejected as a false match on a multiple of %llu files; "
           "`hashsweep index release` releases it)\n", (unsigned long long)d.entry,
           (unsigned long long)flood_rejections);
  return EXIT_ALL_DONE;
}

/* ---- decisions ---------------------------------------------------------------------- */

static int print_decision(void *user, const hs_decision *d) {
  (void)user;
  char when[32];
  hs_time_to_iso(d->time, when);
  printf("{\"entry\": %llu, \"file\": ", (unsigned long long)d->entry);
  hs_json_write_string(stdout, d->file);
  printf(", \"decision\": \"%s\", \"reviewer\": ", hs_decision_name(d->decision));
  hs_json_write_string(stdout, d->reviewer);
  fputs(", \"note\": ", stdout);
  hs_json_write_string(stdout, d->note);
  printf(", \"time\": \"%s\", \"seq\": %llu}\n", when, (unsigned long long)d->seq);
  return 0;
}

static int review_decisions(int argc, char **argv) {
  static const struct option longopts[] = {{"index", required_argument, 0, 'i'},
                                           {"entry", required_argument, 0, 'e'},
                                           {"history", no_argument, 0, 'h'},
                                           {0, 0, 0, 0}};
  const char *index = NULL;
  uint64_t entry = 0;
  int history = 0, c, rc = EXIT_ALL_DONE;
  optind = 1;
  opterr = 0;
  while (rc == EXIT_ALL_DONE && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
    case 'i': index = optarg; break;
    case 'e': rc = parse_u64("review decisions", "--entry", optarg, &entry); break;
    case 'h': history = 1; break;
    default:
      return cli_usage_error("review decisions", "unknown option or missing value: %s",
                             argv[optind - 1]);
    }
  }
  if (rc != EXIT_ALL_DONE)
    return rc;
  if (!index || optind < argc)
    return cli_usage_error("review decisions", "expected --index IDX and no other argument");
  hs_index *idx;
  if ((rc = index_open_or_fail(index, HS_INDEX_READONLY, &idx)) != EXIT_ALL_DONE)
    return rc;
  hs_status st = hs_review_decisions(idx, entry, !history, print_decision, NULL);
  hs_index_close(idx);
  return st == HS_OK ? EXIT_ALL_DONE : fail_status(st);
}

/* ---- index feedback ----------------------------------------------------------------- */

int index_feedback(int argc, char **argv) {
  static const struct option longopts[] = {{"index", required_argument, 0, 'i'},
                                           {"list", required_argument, 0, 'l'},
                                           {"out", required_argument, 0, 'o'},
                                           {0, 0, 0, 0}};
  const char *index = NULL, *list = NULL, *out = NULL;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
    switch (c) {
    case 'i': index = optarg; break;
    case 'l': list = optarg; break;
    case 'o': out = optarg; break;
    default:
      return cli_usage_error("index feedback", "unknown option or missing value: %s",
                             argv[optind - 1]);
    }
  }
  if (!index && optind < argc)
    index = argv[optind++];
  if (!index || optind < argc)
    return cli_usage_error("index feedback", "expected one IDX (or --index IDX)");
  hs_index *idx;
  int rc = index_open_or_fail(index, HS_INDEX_READONLY, &idx);
  if (rc != EXIT_ALL_DONE)
    return rc;
  FILE *f = out && strcmp(out, "-") != 0 ? fopen(out, "w") : stdout;
  if (!f) {
    hs_index_close(idx);
    cli_error("%s: cannot write", out);
    return EXIT_FATAL;
  }
  uint64_t n = 0;
  hs_status st = hs_review_feedback_write(idx, list, f, &n);
  hs_index_close(idx);
  if (f != stdout && fclose(f) != 0 && st == HS_OK) {
    cli_error("%s: cannot write", out);
    return EXIT_FATAL;
  }
  if (st != HS_OK)
    return fail_status(st);
  if (f != stdout)
    fprintf(stderr, "feedback on %llu entries written to %s\n", (unsigned long long)n, out);
  return EXIT_ALL_DONE;
}

/* ---- the report ------------------------------------------------------------------------ */

static int parse_report(int argc, char **argv, hs_review_options *o, hs_engine_options *eo) {
  static const struct option longopts[] = {
      {"index", required_argument, 0, 0},       {"store", required_argument, 0, 0},
      {"out", required_argument, 0, 0},         {"list", required_argument, 0, 0},
      {"radius", required_argument, 0, 0},      {"min-quality", required_argument, 0, 0},
      {"thumb-size", required_argument, 0, 0},  {"include-decided", no_argument, 0, 0},
      {"title", required_argument, 0, 0},       {"matches", required_argument, 0, 0},
      CLI_ENGINE_LONGOPTS,
      {0, 0, 0, 0}};
  int c, li;
  long v;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", longopts, &li)) != -1) {
    if (c != 0)
      return cli_usage_error("review", "unknown option or missing value: %s", argv[optind - 1]);
    const char *name = longopts[li].name;
    int r = cli_engine_option("review", name, optarg, eo);
    if (r < 0)
      return EXIT_USAGE;
    if (r > 0)
      continue;
    if (!strcmp(name, "index"))
      o->index = optarg;
    else if (!strcmp(name, "store"))
      o->store = optarg;
    else if (!strcmp(name, "out"))
      o->out_dir = optarg;
    else if (!strcmp(name, "list"))
      o->list = optarg;
    else if (!strcmp(name, "title"))
      o->title = optarg;
    else if (!strcmp(name, "matches"))
      o->matches = optarg;
    else if (!strcmp(name, "include-decided"))
      o->include_decided = 1;
    else {
      long lo = !strcmp(name, "thumb-size") ? 16 : 0, hi = !strcmp(name, "thumb-size") ? 2048
                                                         : !strcmp(name, "radius") ? 255 : 100;
      if (cli_parse_int(optarg, lo, hi, &v) != 0)
        return cli_usage_error("review", "--%s: '%s' is not a number in %ld..%ld", name, optarg,
                               lo, hi);
      *(!strcmp(name, "radius") ? &o->radius
        : !strcmp(name, "min-quality") ? &o->min_quality : &o->thumb_size) = (int)v;
    }
  }
  if (optind < argc)
    return cli_usage_error("review", "unexpected argument '%s'", argv[optind]);
  if (!o->index || !(o->store || o->matches) || !o->out_dir)
    return cli_usage_error("review", "--index IDX, --store STORE (or --matches F) and --out DIR "
                           "are required");
  return EXIT_ALL_DONE;
}

static int review_report(int argc, char **argv) {
  hs_review_options o;
  hs_review_options_default(&o);
  hs_engine_options eo;
  hs_engine_options_default(&eo);
  int rc = parse_report(argc, argv, &o, &eo);
  if (rc != EXIT_ALL_DONE)
    return rc;
  eo.log = cli_install_logger(0);
  hs_engine *engine = NULL; /* only a rescan matches */
  if (!o.matches && (rc = cli_engine_create("review", &eo, &engine)) != EXIT_ALL_DONE)
    return rc;
  o.engine = engine;
  /* The page's commands are pasted elsewhere: name the index absolutely
   * (the files keep the paths the scan reported: decisions match them). */
  char *abs_index = realpath(o.index, NULL);
  o.index_arg = abs_index;
  hs_review_summary s;
  hs_status st = hs_review_report(&o, &s);
  free(abs_index);
  hs_engine_destroy(engine);
  if (st != HS_OK)
    return fail_status(st);
  fflush(stdout);
  printf("review report: %llu files await a decision in %llu entries (%llu matches, %llu "
         "decided, %llu without a thumbnail)\n",
         (unsigned long long)(o.include_decided ? s.shown - s.decided : s.shown),
         (unsigned long long)s.entries, (unsigned long long)s.matches,
         (unsigned long long)s.decided, (unsigned long long)s.thumb_failed);
  fflush(stdout);
  cli_print_line("review report: ", o.out_dir, "/index.html");
  return EXIT_ALL_DONE;
}

static int review_run(int argc, char **argv) {
  int rc;
  if (argc >= 2 && strcmp(argv[1], "decide") == 0) {
    cli_install_logger(0);
    char *cmd = index_command_line(argc, argv);
    rc = review_decide(argc - 1, argv + 1, cmd);
    free(cmd);
  } else if (argc >= 2 && strcmp(argv[1], "decisions") == 0) {
    cli_install_logger(0);
    rc = review_decisions(argc - 1, argv + 1);
  } else {
    rc = review_report(argc, argv);
  }
  if (fflush(stdout) != 0 || ferror(stdout)) {
    cli_error("cannot write output");
    return EXIT_FATAL;
  }
  return rc;
}

const cli_command cmd_review = {"review", "report matches for human review; record decisions",
                                review_run, review_usage};
