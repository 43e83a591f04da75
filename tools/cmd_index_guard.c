/* tools/cmd_index_guard.c - `hashsweep index set-list|release|quarantined`:
 * per-list radius, quality gate and role (allow-lists), and the flood
 * guard's quarantine (docs/guard.md). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_index.h"

/* "default" (the command's value, -1) or an integer in [lo, hi]. */
static int parse_setting(const char *cmd, const char *opt, const char *arg, long lo, long hi,
                         int *out) {
  long v;
  if (strcmp(arg, "default") == 0) {
    *out = -1;
    return EXIT_ALL_DONE;
  }
  if (cli_parse_int(arg, lo, hi, &v))
    return cli_usage_error(cmd, "--%s: expected %ld..%ld or 'default', got '%s'", opt, lo, hi,
                           arg);
  *out = (int)v;
  return EXIT_ALL_DONE;
}

static int index_set_list(int argc, char **argv, const char *cmd) {
  static const struct option longopts[] = {
      {"radius", required_argument, 0, 'r'}, {"min-quality", required_argument, 0, 'q'},
      {"role", required_argument, 0, 'R'},   {"note", required_argument, 0, 'n'},
      {0, 0, 0, 0}};
  hs_set_list_options o = {0};
  optind = 1;
  opterr = 0;
  int c, rc = EXIT_ALL_DONE;
  while (rc == EXIT_ALL_DONE && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
    case 'r':
      o.set_radius = 1;
      rc = parse_setting("index set-list", "radius", optarg, 0, 256, &o.radius);
      break;
    case 'q':
      o.set_min_quality = 1;
      rc = parse_setting("index set-list", "min-quality", optarg, 0, 100, &o.min_quality);
      break;
    case 'R':
      o.set_role = 1;
      if (hs_list_role_parse(optarg, &o.role) != HS_OK)
        rc = cli_usage_error("index set-list", "--role: %s", hs_last_error());
      break;
    case 'n': o.note = optarg; break;
    default:
      return cli_usage_error("index set-list", "unknown option or missing value: %s",
                             argv[optind - 1]);
    }
  }
  if (rc != EXIT_ALL_DONE)
    return rc;
  if (argc - optind != 2)
    return cli_usage_error("index set-list", "expected IDX and LIST");
  if (!o.set_radius && !o.set_min_quality && !o.set_role)
    return cli_usage_error("index set-list", "give --radius, --min-quality or --role");
  hs_index *idx;
  if ((rc = index_open_or_fail(argv[optind], 0, &idx)) != EXIT_ALL_DONE)
    return rc;
  o.list = argv[optind + 1];
  o.command = cmd;
  uint64_t version = 0;
  hs_status st = hs_index_set_list(idx, &o, &version);
  hs_list_settings s;
  if (st == HS_OK)
    st = hs_index_list_settings(idx, o.list, &s);
  hs_index_close(idx);
  if (st != HS_OK) {
    cli_error("%s", hs_last_error());
    return cli_exit_for(st);
  }
  char r[16] = "default", q[16] = "default";
  if (s.radius >= 0)
    snprintf(r, sizeof r, "%d", s.radius);
  if (s.min_quality >= 0)
    snprintf(q, sizeof q, "%d", s.min_quality);
  printf("list %s: role %s, radius %s, min-quality %s; index version %llu\n", o.list,
         hs_list_role_name(s.role), r, q, (unsigned long long)version);
  return EXIT_ALL_DONE;
}

static int index_release(int argc, char **argv, const char *cmd) {
  static const struct option longopts[] = {{"note", required_argument, 0, 'n'}, {0, 0, 0, 0}};
  const char *note = NULL;
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    if (c != 'n')
      return cli_usage_error("index release", "unknown option or missing value: %s",
                             argv[optind - 1]);
    note = optarg;
  }
  if (argc - optind < 2)
    return cli_usage_error("index release", "expected IDX and at least one ENTRY id");
  size_t n = (size_t)(argc - optind - 1);
  uint64_t *ids = calloc(n, sizeof *ids);
  if (!ids)
    return EXIT_FATAL;
  for (size_t i = 0; i < n; i++) {
    const char *t = argv[optind + 1 + i];
    char *end;
    ids[i] = strtoull(t, &end, 10);
    if (!*t || *end || *t == '-') {
      free(ids);
      return cli_usage_error("index release", "'%s' is not an entry id", t);
    }
  }
  hs_index *idx;
  int rc = index_open_or_fail(argv[optind], 0, &idx);
  if (rc != EXIT_ALL_DONE) {
    free(ids);
    return rc;
  }
  uint64_t released = 0, not_held = 0;
  hs_status st =
      hs_index_release(idx, ids, n, note, cmd, index_print_problem, NULL, &released, &not_held);
  hs_index_close(idx);
  free(ids);
  if (st != HS_OK) {
    cli_error("%s", hs_last_error());
    return cli_exit_for(st);
  }
  printf("released %llu entries (%llu not quarantined or not found)\n",
         (unsigned long long)released, (unsigned long long)not_held);
  return not_held ? EXIT_ITEM_ERRORS : EXIT_ALL_DONE;
}

static int print_held(void *user, const hs_index_entry *e, const hs_quarantine_info *q) {
  int jsonl = user != NULL;
  char when[32];
  hs_time_to_iso(q->time, when);
  if (jsonl) {
    fputc('{', stdout);
    cli_json_entry_fields(stdout, e->id, e->list, e->label);
    printf(",\"quarantined\":\"%s\",\"version\":%llu,\"files\":%llu,\"seen\":%llu,"
           "\"limit\":%llu}\n",
           when, (unsigned long long)q->version, (unsigned long long)q->files,
           (unsigned long long)q->seen, (unsigned long long)q->limit);
    return 0;
  }
  printf("%llu\t", (unsigned long long)e->id);
  hs_tsv_write_field(stdout, e->list ? e->list : "");
  putchar('\t');
  hs_tsv_write_field(stdout, e->label ? e->label : "");
  printf("\t%s\t%llu\t%llu\t%llu\t%llu\n", when, (unsigned long long)q->version,
         (unsigned long long)q->files, (unsigned long long)q->seen, (unsigned long long)q->limit);
  return 0;
}

static int index_quarantined(int argc, char **argv) {
  static const struct option longopts[] = {{"format", required_argument, 0, 'f'}, {0, 0, 0, 0}};
  const char *format = "tsv";
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    if (c != 'f')
      return cli_usage_error("index quarantined", "unknown option or missing value: %s",
                             argv[optind - 1]);
    format = optarg;
  }
  if (strcmp(format, "tsv") != 0 && strcmp(format, "jsonl") != 0)
    return cli_usage_error("index quarantined", "--format: expected tsv or jsonl, got '%s'",
                           format);
  if (argc - optind != 1)
    return cli_usage_error("index quarantined", "expected exactly one IDX");
  hs_index *idx;
  int rc = index_open_or_fail(argv[optind], HS_INDEX_READONLY, &idx);
  if (rc != EXIT_ALL_DONE)
    return rc;
  int jsonl = strcmp(format, "jsonl") == 0;
  if (!jsonl)
    puts("entry\tlist\tlabel\tquarantined\tversion\tfiles\tseen\tlimit");
  hs_status st = hs_index_quarantined(idx, print_held, jsonl ? (void *)1 : NULL);
  hs_index_close(idx);
  if (st != HS_OK)
    cli_error("%s", hs_last_error());
  return cli_exit_for(st);
}

int index_guard(const char *sub, int argc, char **argv, const char *cmd) {
  if (strcmp(sub, "set-list") == 0)
    return index_set_list(argc, argv, cmd);
  if (strcmp(sub, "release") == 0)
    return index_release(argc, argv, cmd);
  if (strcmp(sub, "quarantined") == 0)
    return index_quarantined(argc, argv);
  return -1;
}
