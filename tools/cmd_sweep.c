/* tools/cmd_sweep.c - `hashsweep sweep-status`: the 48-hour clock of every
 * index entry against the sweeps recorded in a store (hashsweep/sweep.h). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static void sweep_usage(FILE *out) {
  fprintf(out,
          "usage: hashsweep sweep-status --index IDX --store STORE [--due 48h]\n"
          "                              [--format table|jsonl]\n"
          "Lists every entry of the index (PDQ, MD5, SHA-256) with when it arrived and when\n"
          "the whole archive in STORE was first checked against it (a completed sweep: a\n"
          "rescan, or a scan that covered every stored file), and the matches that sweep\n"
          "found. An entry not yet swept and older than --due is overdue.\n\n"
          "options:\n"
          "  --index IDX              the hash index (required)\n"
          "  --store STORE            the archive hash store (required)\n"
          "  --due T                  overdue after T: a number with s, m, h or d (default 48h)\n"
          "  --format table|jsonl     output (default table); jsonl: one object per entry with\n"
          "                           entry, list, label, arrived, swept, hours_to_sweep,\n"
          "                           matches, status\n"
          "  -q, --quiet              no summary line\n\n"
          "exit status: 0 nothing overdue, 1 some entry is overdue, 2 usage, 3 failure.\n"
          "HASHSWEEP_NOW=<unix seconds> fixes the clock (a test hook).\n");
}

/* "48h", "90m", "2d", "3600s" -> seconds; -1 when malformed. */
static int64_t parse_due(const char *s) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || v < 0 || v > 1e6 || end[0] == '\0' || end[1] != '\0')
    return -1;
  switch (end[0]) {
  case 's': return (int64_t)v;
  case 'm': return (int64_t)(v * 60);
  case 'h': return (int64_t)(v * 3600);
  case 'd': return (int64_t)(v * 86400);
  default: return -1;
  }
}

typedef struct printer {
  int jsonl;
} printer;

static void iso_or_null(FILE *f, int64_t t, int quoted) {
  char iso[32];
  if (!t) {
    fputs(quoted ? "null" : "-", f);
    return;
  }
  hs_time_to_iso(t, iso);
  fprintf(f, quoted ? "\"%s\"" : "%s", iso);
}

static int print_entry(void *user, const hs_sweep_entry *e) {
  const printer *p = user;
  const char *status = hs_sweep_state_name(e->status);
  if (p->jsonl) {
    fputc('{', stdout);
    cli_json_entry_fields(stdout, e->entry, e->list, e->label);
    fputs(",\"arrived\":", stdout);
    iso_or_null(stdout, e->arrived, 1);
    fputs(",\"swept\":", stdout);
    iso_or_null(stdout, e->swept, 1);
    if (e->swept)
      printf(",\"hours_to_sweep\":%.2f,\"matches\":%llu", (e->swept - e->arrived) / 3600.0,
             (unsigned long long)e->matches);
    else
      fputs(",\"hours_to_sweep\":null,\"matches\":null", stdout);
    printf(",\"status\":\"%s\"}\n", status);
    return 0;
  }
  /* table: the hours column is the time to sweep, or the age while unswept */
  printf("%llu\t", (unsigned long long)e->entry);
  hs_tsv_write_field(stdout, e->list ? e->list : "");
  printf("\t%s\t", status);
  iso_or_null(stdout, e->arrived, 0);
  putchar('\t');
  iso_or_null(stdout, e->swept, 0);
  if (e->swept)
    printf("\t%.2f\t%llu\t", (e->swept - e->arrived) / 3600.0, (unsigned long long)e->matches);
  else
    printf("\t%.2f\t-\t", e->age / 3600.0);
  hs_tsv_write_field(stdout, e->label ? e->label : "");
  putchar('\n');
  return 0;
}

static int sweep_run(int argc, char **argv) {
  static const struct option longopts[] = {
      {"index", required_argument, 0, 'i'}, {"store", required_argument, 0, 's'},
      {"due", required_argument, 0, 'd'},   {"format", required_argument, 0, 'f'},
      {"quiet", no_argument, 0, 'q'},       {0, 0, 0, 0}};
  hs_sweep_options o;
  hs_sweep_options_default(&o);
  const char *format = "table";
  int quiet = 0, c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "q", longopts, NULL)) != -1) {
    if (c == 'i')
      o.index = optarg;
    else if (c == 's')
      o.store = optarg;
    else if (c == 'f')
      format = optarg;
    else if (c == 'q')
      quiet = 1;
    else if (c == 'd') {
      if ((o.due_s = parse_due(optarg)) < 0)
        return cli_usage_error("sweep-status", "--due: expected a time such as 48h, 90m or 2d, "
                                               "got '%s'", optarg);
    } else
      return cli_usage_error("sweep-status", "unknown option or missing value: %s",
                             argv[optind - 1]);
  }
  if (!o.index || !o.store)
    return cli_usage_error("sweep-status", "--index IDX and --store STORE are required");
  if (optind < argc)
    return cli_usage_error("sweep-status", "unexpected argument '%s'", argv[optind]);
  if (strcmp(format, "table") != 0 && strcmp(format, "jsonl") != 0)
    return cli_usage_error("sweep-status", "--format: expected table or jsonl, got '%s'", format);
  cli_install_logger(quiet ? -1 : 0);
  hs_sweep_summary sum;
  printer p = {strcmp(format, "jsonl") == 0};
  if (!p.jsonl)
    puts("entry\tlist\tstatus\tarrived\tswept\thours\tmatches\tlabel");
  hs_status st = hs_sweep_status(&o, print_entry, &p, &sum);
  fflush(stdout);
  if (st != HS_OK) {
    cli_error("%s", hs_last_error());
    return cli_exit_for(st);
  }
  if (!quiet) {
    char last[32] = "none";
    if (sum.last_sweep)
      hs_time_to_iso(sum.last_sweep, last);
    fprintf(stderr,
            "sweep-status: %llu entries: %llu swept, %llu pending, %llu overdue, %llu withdrawn, "
            "%llu quarantined; %llu sweeps, last %s\n",
            (unsigned long long)sum.entries, (unsigned long long)sum.by_state[HS_SWEEP_SWEPT],
            (unsigned long long)sum.by_state[HS_SWEEP_PENDING],
            (unsigned long long)sum.by_state[HS_SWEEP_OVERDUE],
            (unsigned long long)sum.by_state[HS_SWEEP_WITHDRAWN],
            (unsigned long long)sum.by_state[HS_SWEEP_QUARANTINED],
            (unsigned long long)sum.sweeps, last);
  }
  return sum.by_state[HS_SWEEP_OVERDUE] ? EXIT_ITEM_ERRORS : EXIT_ALL_DONE;
}

const cli_command cmd_sweep_status = {"sweep-status",
                                      "the 48-hour clock: entries not yet swept, overdue ones",
                                      sweep_run, sweep_usage};
