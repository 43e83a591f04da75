/* tools/cmd_index.c - `hashsweep index`: create an index, import into it,
 * withdraw from it (the commands that write), and dispatch to the
 * inspection commands in cmd_index_show.c. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_index.h"

static void index_usage(FILE *out) {
  fprintf(out,
          "usage: hashsweep index create IDX\n"
          "       hashsweep index import IDX --list NAME [options] FILE...\n"
          "       hashsweep index withdraw IDX (--hash H | --id ID | --file F)... --reason TEXT\n"
          "       hashsweep index lists IDX [--format tsv|jsonl]\n"
          "       hashsweep index stats IDX [--format text|json]\n"
          "       hashsweep index export IDX [--list NAME] [--format tsv|csv|jsonl|hma] [-o FILE]\n"
          "       hashsweep index export IDX [--list NAME] --format vpdq -o DIR\n"
          "       hashsweep index match-video IDX [options] FILE...   (--help: its options)\n"
          "       hashsweep index verify IDX\n"
          "       hashsweep index log IDX [--format tsv|jsonl] [--with-hashes]\n"
          "       hashsweep index feedback IDX [--list NAME] [--out FILE]\n"
          "       hashsweep index set-list IDX LIST [--radius R|default]\n"
          "                [--min-quality Q|default] [--role match|allow] [--note TEXT]\n"
          "       hashsweep index release IDX ENTRY... [--note TEXT]\n"
          "       hashsweep index quarantined IDX [--format tsv|jsonl]\n"
          "       hashsweep index show IDX ID...   (entries as JSON Lines, with their variants)\n\n"
          "An index is a directory (LMDB, owner-only permissions) of hash lists with\n"
          "provenance, versions, withdrawals and an audit log. '-' reads standard input.\n\n"
          "import options:\n"
          "  --list NAME        the list to import into (created on first use); optional when\n"
          "                     the input has a list column\n"
          "  --type T           pdq|md5|sha256|h64 for hashes whose type the input does not\n"
          "                     give (default: from the length, 64 hex = pdq, 32 = md5, 16 = h64)\n"
          "  --label TEXT       label for rows without one\n"
          "  --source TEXT      source (provenance) for rows without one\n"
          "  --note TEXT        operator note for the audit log\n"
          "  --skip-bad         import the good rows when some are malformed (they are listed)\n"
          "  --dry-run          check and count only; write nothing\n"
          "  --max-rows N       refuse an import of more than N rows, writing nothing\n"
          "                     (default 50M: rows are held in memory until the commit;\n"
          "                     0 = no limit)\n"
          "feedback: reviewers' decisions (hashsweep review decide) as the body of a StopNCII\n"
          "  SubmitFeedback request: Blocked / NotBlocked / PendingReview per entry\n"
          "  (docs/review.md). --index IDX may stand for IDX.\n"
          "set-list: a list's own radius and quality gate (default: the scan's), or its\n"
          "  role: an allow-list holds known benign hashes; a file near one of them has\n"
          "  its other matches suppressed (the list is created when absent). release: the\n"
          "  flood guard's quarantined entries match again. quarantined: lists them.\n"
          "  Guard and allow-lists: docs/guard.md.\n"
          "withdraw options:\n"
          "  --hash H, --id ID, --file F   what to withdraw (repeatable; F in an import format)\n"
          "  --reason TEXT      why (required; kept with each entry and in the log)\n"
          "  --list NAME        only from this list (default: every list holding the hash)\n"
          "  --type T, --note TEXT, --skip-bad   as for import\n"
          "log options:\n"
          "  --with-hashes      keep hashes in notes, commands and run details (by default\n"
          "                     a run of 16 or more hex digits is shown as [hash])\n"
          "verify checks the audit log's hash chain too and prints its head.\n\n"
          "Malformed lines are reported as FILE:LINE: cause. Exit codes: 0 done; 1 done, but\n"
          "lines were skipped, targets were not found, or verify found problems; 2 usage\n"
          "error, no such index, or an import refused for malformed lines (nothing written);\n"
          "3 fatal (damaged index, I/O).\n"
          "Formats, data model and versions: docs/index.md.\n");
}

/* ---- shared helpers (cmd_index.h) ---------------------------------------------- */

int index_open_or_fail(const char *path, unsigned flags, hs_index **idx) {
  hs_status st = hs_index_open(path, flags, idx);
  if (st != HS_OK) {
    cli_error("%s", hs_last_error());
    return cli_exit_for(st);
  }
  return EXIT_ALL_DONE;
}

void index_print_warning(void *user, const char *where, const char *cause) {
  (void)user;
  fflush(stdout);
  char *text = NULL; /* names the list file and quotes its line: escaped */
  if (asprintf(&text, "%s: warning: %s", where ? where : "", cause) < 0)
    text = NULL;
  cli_print_line("", text ? text : cause, "");
  free(text);
}

void index_print_problem(void *user, const char *where, const char *cause) {
  const char *suffix = user ? (const char *)user : "";
  fflush(stdout);
  char *text = NULL; /* names the list file and quotes its line: escaped */
  if (asprintf(&text, "%s%s%s", where ? where : "", where ? ": " : "", cause) < 0)
    text = NULL;
  cli_print_line("", text ? text : cause, suffix);
  free(text);
}

char *index_command_line(int argc, char **argv) {
  size_t n = 16;
  for (int i = 0; i < argc; i++)
    n += 2 * strlen(argv[i]) + 3;
  char *s = malloc(n), *p = s;
  if (!s)
    return NULL;
  p += sprintf(p, "hashsweep");
  for (int i = 0; i < argc; i++) {
    int quote = argv[i][0] == '\0' || strpbrk(argv[i], " \t'\"\\$") != NULL;
    *p++ = ' ';
    if (quote)
      *p++ = '\'';
    for (const char *c = argv[i]; *c; c++) {
      if (*c == '\'' && quote)
        p += sprintf(p, "'\\''");
      else
        *p++ = *c;
    }
    if (quote)
      *p++ = '\'';
  }
  *p = '\0';
  return s;
}

static int parse_type(const char *cmd, const char *arg, int *type) {
  hs_hash_type t;
  if (hs_hash_type_parse(arg, &t) != HS_OK)
    return cli_usage_error(cmd, "--type: %s", hs_last_error());
  *type = (int)t;
  return EXIT_ALL_DONE;
}

/* ---- create ------------------------------------------------------------------------ */

static int index_create(int argc, char **argv) {
  if (argc != 2)
    return cli_usage_error("index", "create takes exactly one argument: IDX");
  hs_status st = hs_index_create(argv[1]);
  if (st != HS_OK) {
    cli_error("%s", hs_last_error());
    return cli_exit_for(st);
  }
  printf("created index %s\n", argv[1]);
  return EXIT_ALL_DONE;
}

/* ---- import ------------------------------------------------------------------------ */

static int parse_import(int argc, char **argv, hs_import_options *o) {
  static const struct option longopts[] = {
      {"list", required_argument, 0, 'l'},   {"type", required_argument, 0, 't'},
      {"label", required_argument, 0, 'L'},  {"source", required_argument, 0, 's'},
      {"note", required_argument, 0, 'n'},   {"skip-bad", no_argument, 0, 'k'},
      {"dry-run", no_argument, 0, 'd'},      {"max-rows", required_argument, 0, 'm'},
      {0, 0, 0, 0}};
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
    case 'm':
      if (cli_parse_size(optarg, 1, &o->max_rows) != 0)
        return cli_usage_error("index import", "--max-rows: '%s' is not a count (e.g. 100M, "
                               "0 for no limit)", optarg);
      break;
    case 'l': o->list = optarg; break;
    case 't':
      if (parse_type("index import", optarg, &o->type) != EXIT_ALL_DONE)
        return EXIT_USAGE;
      break;
    case 'L': o->label = optarg; break;
    case 's': o->source = optarg; break;
    case 'n': o->note = optarg; break;
    case 'k': o->skip_bad = 1; break;
    case 'd': o->dry_run = 1; break;
    default: return cli_usage_error("index import", "unknown option or missing value: %s",
                                    argv[optind - 1]);
    }
  }
  if (argc - optind < 2)
    return cli_usage_error("index import", "expected IDX and at least one FILE ('-' = stdin)");
  return EXIT_ALL_DONE;
}

static int index_import(int argc, char **argv, const char *cmd) {
  hs_import_options o;
  hs_import_options_default(&o);
  int rc = parse_import(argc, argv, &o);
  if (rc != EXIT_ALL_DONE)
    return rc;
  hs_index *idx;
  if ((rc = index_open_or_fail(argv[optind], 0, &idx)) != EXIT_ALL_DONE)
    return rc;
  o.command = cmd;
  o.problem = index_print_problem;
  o.warning = index_print_warning;
  o.user = o.skip_bad ? " (skipped)" : NULL;
  hs_import_result r;
  hs_status st = hs_index_import(idx, (const char *const *)argv + optind + 1,
                                 (size_t)(argc - optind - 1), &o, &r);
  hs_index_close(idx);
  if (st != HS_OK) {
    /* The library names no flags; the hint for this command's. */
    const char *hint = st == HS_ERR_FORMAT && r.rejected ? " (--skip-bad imports the rest)"
                       : st == HS_ERR_LIMIT ? " (raise --max-rows if this machine has room)"
                                            : "";
    cli_error("%s%s", hs_last_error(), hint);
    return cli_exit_for(st);
  }
  printf("%s %llu rows: %llu added, %llu duplicates, %llu withdrawn, %llu not found, "
         "%llu rejected", o.dry_run ? "dry run (nothing written):" : "imported",
         (unsigned long long)r.rows, (unsigned long long)r.added,
         (unsigned long long)r.duplicates, (unsigned long long)r.withdrawn,
         (unsigned long long)r.not_found, (unsigned long long)r.rejected);
  if (r.variants)
    printf(", %llu variant slots added", (unsigned long long)r.variants);
  if (r.already_withdrawn)
    printf(", %llu already withdrawn", (unsigned long long)r.already_withdrawn);
  if (r.passed_over)
    printf(", %llu passed through (hash type not matched, kept inactive: %llu new, %llu changed, "
           "%llu removed)", (unsigned long long)r.passed_over, (unsigned long long)r.passthrough,
           (unsigned long long)r.passthrough_changed, (unsigned long long)r.passthrough_removed);
  if (r.next_set_timestamp)
    printf(", next set timestamp %lld", (long long)r.next_set_timestamp);
  if (!o.dry_run)
    printf("; index version %llu", (unsigned long long)r.version);
  putchar('\n');
  return r.rejected ? EXIT_ITEM_ERRORS : EXIT_ALL_DONE;
}

/* ---- withdraw ---------------------------------------------------------------------- */

typedef struct withdraw_args {
  cli_strings hashes, files;
  uint64_t *ids;
  size_t nids;
} withdraw_args;

static int push_id(withdraw_args *a, const char *text) {
  uint64_t v;
  char *end;
  v = strtoull(text, &end, 10);
  if (!*text || *end)
    return cli_usage_error("index withdraw", "--id: '%s' is not an entry id", text);
  uint64_t *ids = realloc(a->ids, (a->nids + 1) * sizeof *ids);
  if (!ids)
    return EXIT_FATAL;
  a->ids = ids;
  ids[a->nids++] = v;
  return EXIT_ALL_DONE;
}

static int parse_withdraw(int argc, char **argv, hs_withdraw_options *o, withdraw_args *a) {
  static const struct option longopts[] = {
      {"hash", required_argument, 0, 'h'},  {"id", required_argument, 0, 'i'},
      {"file", required_argument, 0, 'f'},  {"reason", required_argument, 0, 'r'},
      {"list", required_argument, 0, 'l'},  {"type", required_argument, 0, 't'},
      {"note", required_argument, 0, 'n'},  {"skip-bad", no_argument, 0, 'k'},
      {0, 0, 0, 0}};
  optind = 1;
  opterr = 0;
  int c, rc = EXIT_ALL_DONE;
  while (rc == EXIT_ALL_DONE && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
    case 'h': rc = cli_strings_push(&a->hashes, optarg) ? EXIT_FATAL : rc; break;
    case 'f': rc = cli_strings_push(&a->files, optarg) ? EXIT_FATAL : rc; break;
    case 'i': rc = push_id(a, optarg); break;
    case 'r': o->reason = optarg; break;
    case 'l': o->list = optarg; break;
    case 't': rc = parse_type("index withdraw", optarg, &o->type); break;
    case 'n': o->note = optarg; break;
    case 'k': o->skip_bad = 1; break;
    default: return cli_usage_error("index withdraw", "unknown option or missing value: %s",
                                    argv[optind - 1]);
    }
  }
  if (rc != EXIT_ALL_DONE)
    return rc;
  if (argc - optind != 1)
    return cli_usage_error("index withdraw", "expected exactly one IDX");
  if (!o->reason || !*o->reason)
    return cli_usage_error("index withdraw", "--reason TEXT is required");
  if (a->hashes.count + a->files.count + a->nids == 0)
    return cli_usage_error("index withdraw", "give --hash, --id or --file");
  return EXIT_ALL_DONE;
}

static int index_withdraw(int argc, char **argv, const char *cmd) {
  hs_withdraw_options o;
  hs_withdraw_options_default(&o);
  withdraw_args a = {0};
  int rc = parse_withdraw(argc, argv, &o, &a);
  hs_index *idx = NULL;
  if (rc == EXIT_ALL_DONE)
    rc = index_open_or_fail(argv[optind], 0, &idx);
  if (rc == EXIT_ALL_DONE) {
    o.command = cmd;
    o.hashes = (const char *const *)a.hashes.items;
    o.nhashes = a.hashes.count;
    o.files = (const char *const *)a.files.items;
    o.nfiles = a.files.count;
    o.ids = a.ids;
    o.nids = a.nids;
    o.problem = index_print_problem;
    hs_withdraw_result r;
    hs_status st = hs_index_withdraw(idx, &o, &r);
    if (st != HS_OK) {
      cli_error("%s%s", hs_last_error(),
                st == HS_ERR_FORMAT && r.rejected ? " (--skip-bad withdraws the rest)" : "");
      rc = cli_exit_for(st);
    } else {
      printf("withdrew %llu entries (%llu already withdrawn, %llu not found, %llu rejected)",
             (unsigned long long)r.withdrawn, (unsigned long long)r.already,
             (unsigned long long)r.not_found, (unsigned long long)r.rejected);
      if (r.version)
        printf("; index version %llu", (unsigned long long)r.version);
      putchar('\n');
      rc = (r.already || r.not_found || r.rejected) ? EXIT_ITEM_ERRORS : EXIT_ALL_DONE;
    }
  }
  hs_index_close(idx);
  cli_strings_free(&a.hashes);
  cli_strings_free(&a.files);
  free(a.ids);
  return rc;
}

/* ---- dispatch ------------------------------------------------------------------------ */

static int index_run(int argc, char **argv) {
  if (argc < 2)
    return cli_usage_error("index", "expected a subcommand: create, import, withdraw, lists, "
                           "stats, export, match-video, verify, log, show, feedback, "
                           "set-list, release, quarantined");
  cli_install_logger(0);
  const char *sub = argv[1];
  int sargc = argc - 1;
  char **sargv = argv + 1;
  int rc;
  /* Taken before getopt permutes argv: the audit log keeps it as typed. */
  char *cmd = index_command_line(argc, argv);
  if (strcmp(sub, "create") == 0)
    rc = index_create(sargc, sargv);
  else if (strcmp(sub, "import") == 0)
    rc = index_import(sargc, sargv, cmd);
  else if (strcmp(sub, "withdraw") == 0)
    rc = index_withdraw(sargc, sargv, cmd);
  else if (strcmp(sub, "match-video") == 0)
    rc = index_match_video(sargc, sargv);
  else if (strcmp(sub, "feedback") == 0)
    rc = index_feedback(sargc, sargv);
  else if (strcmp(sub, "show") == 0)
    rc = index_show_entries(sargc, sargv);
  else if ((rc = index_guard(sub, sargc, sargv, cmd)) < 0)
    rc = index_show(sub, sargc, sargv);
  free(cmd);
  if (rc < 0)
    return cli_usage_error("index", "unknown subcommand '%s'", sub);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    cli_error("cannot write output");
    return EXIT_FATAL;
  }
  return rc;
}

const cli_command cmd_index = {"index", "create, import into and inspect a hash index", index_run,
                               index_usage};
