/* tools/cmd_index_show.c - `hashsweep index lists|stats|export|verify|log`:
 * the read-only index commands (they open the index read-only). */
#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_index.h"

/* Parses "[--format F] [-o FILE] [--list NAME] IDX"; which options are
 * allowed depends on the command. */
typedef struct show_args {
  const char *idx, *format, *list, *out;
  int with_hashes; /* index log: keep hashes in notes, commands, details */
} show_args;

static int parse_show(const char *cmd, int argc, char **argv, int allow_list, show_args *a) {
  static const struct option longopts[] = {{"format", required_argument, 0, 'f'},
                                           {"list", required_argument, 0, 'l'},
                                           {"output", required_argument, 0, 'o'},
                                           {"with-hashes", no_argument, 0, 'H'},
                                           {0, 0, 0, 0}};
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
    if (c == 'f')
      a->format = optarg;
    else if (c == 'l' && allow_list)
      a->list = optarg;
    else if (c == 'o' && allow_list)
      a->out = optarg;
    else if (c == 'H' && strcmp(cmd, "index log") == 0)
      a->with_hashes = 1;
    else
      return cli_usage_error(cmd, "unknown option or missing value: %s", argv[optind - 1]);
  }
  if (argc - optind != 1)
    return cli_usage_error(cmd, "expected exactly one IDX");
  a->idx = argv[optind];
  return EXIT_ALL_DONE;
}

static int check_format(const char *cmd, const char *f, const char *a, const char *b) {
  if (!f || strcmp(f, a) == 0 || strcmp(f, b) == 0)
    return EXIT_ALL_DONE;
  return cli_usage_error(cmd, "--format: expected %s or %s, got '%s'", a, b, f);
}

/* ---- lists -------------------------------------------------------------------------- */

typedef struct lists_ctx {
  int jsonl;
  hs_index *idx;
} lists_ctx;

/* A per-list setting: its value, or "default" (the command's). */
static void setting_text(int v, char buf[16]) {
  if (v < 0)
    snprintf(buf, 16, "default");
  else
    snprintf(buf, 16, "%d", v);
}

static int print_list(void *user, const hs_list_info *l) {
  const lists_ctx *lc = user;
  int jsonl = lc->jsonl;
  hs_list_settings g = {-1, -1, HS_ROLE_MATCH, 0};
  if (hs_index_list_settings(lc->idx, l->name, &g) != HS_OK)
    cli_error("list %s: settings unreadable: %s", l->name, hs_last_error());
  char radius[16], minq[16];
  setting_text(g.radius, radius);
  setting_text(g.min_quality, minq);
  char created[32], updated[32];
  hs_time_to_iso(l->created, created);
  hs_time_to_iso(l->updated, updated);
  uint64_t active = 0;
  for (int t = 0; t < HS_HASH_TYPE_COUNT; t++)
    active += l->active_by_type[t];
  if (jsonl) {
    fputs("{\"list\":", stdout);
    hs_json_write_string(stdout, l->name);
    printf(",\"id\":%u,\"version\":%llu,\"active\":%llu,\"withdrawn\":%llu,\"entries\":%llu",
           l->id, (unsigned long long)l->version, (unsigned long long)active,
           (unsigned long long)l->withdrawn, (unsigned long long)l->entries);
    for (int t = 0; t < HS_HASH_TYPE_COUNT; t++)
      printf(",\"%s\":%llu", hs_hash_type_name((hs_hash_type)t),
             (unsigned long long)l->active_by_type[t]);
    printf(",\"created\":\"%s\",\"updated\":\"%s\",\"passthrough\":%llu", created, updated,
           (unsigned long long)l->passthrough);
    if (l->next_set_timestamp)
      printf(",\"next_set_timestamp\":%lld", (long long)l->next_set_timestamp);
    printf(",\"variants\":%llu,\"role\":\"%s\"", (unsigned long long)l->variants,
           hs_list_role_name(g.role));
    if (g.radius >= 0)
      printf(",\"radius\":%d", g.radius);
    else
      fputs(",\"radius\":null", stdout);
    if (g.min_quality >= 0)
      printf(",\"min_quality\":%d", g.min_quality);
    else
      fputs(",\"min_quality\":null", stdout);
    printf(",\"quarantined\":%llu}\n", (unsigned long long)g.quarantined);
    return 0;
  }
  printf("%s\t%u\t%llu\t%llu\t%llu\t%llu", l->name, l->id, (unsigned long long)l->version,
         (unsigned long long)active, (unsigned long long)l->withdrawn,
         (unsigned long long)l->entries);
  for (int t = 0; t < HS_HASH_TYPE_COUNT; t++)
    printf("\t%llu", (unsigned long long)l->active_by_type[t]);
  printf("\t%s\t%s\t%llu\t", created, updated, (unsigned long long)l->passthrough);
  if (l->next_set_timestamp) /* empty: no StopNCII page was imported */
    printf("%lld", (long long)l->next_set_timestamp);
  printf("\t%llu\t%s\t%s\t%s\t%llu\n", (unsigned long long)l->variants,
         hs_list_role_name(g.role), radius, minq, (unsigned long long)g.quarantined);
  return 0;
}

static int show_lists(hs_index *idx, const show_args *a) {
  int jsonl = a->format && strcmp(a->format, "jsonl") == 0;
  if (!jsonl) {
    fputs("list\tid\tversion\tactive\twithdrawn\tentries", stdout);
    for (int t = 0; t < HS_HASH_TYPE_COUNT; t++) /* a column per type, vpdq (videos) too */
      printf("\t%s", hs_hash_type_name((hs_hash_type)t));
    puts("\tcreated\tupdated\tpassthrough\tnext_set_timestamp\tvariants\trole\tradius"
         "\tmin_quality\tquarantined");
  }
  lists_ctx lc = {jsonl, idx};
  hs_status st = hs_index_lists(idx, print_list, &lc);
  if (st != HS_OK)
    cli_error("%s", hs_last_error());
  return cli_exit_for(st);
}

/* ---- stats -------------------------------------------------------------------------- */

static int show_stats(hs_index *idx, const show_args *a) {
  hs_index_stats s;
  hs_status st = hs_index_stats_get(idx, &s);
  if (st != HS_OK) {
    cli_error("%s", hs_last_error());
    return cli_exit_for(st);
  }
  uint64_t total = 0;
  for (int t = 0; t < HS_HASH_TYPE_COUNT; t++)
    total += s.entries[t];
  double per = total ? (double)s.file_bytes / (double)total : 0;
  int json = a->format && strcmp(a->format, "json") == 0;
  printf(json ? "{\"version\":%llu,\"lists\":%u,\"entries\":%llu,\"file_bytes\":%llu,"
                "\"used_bytes\":%llu,\"map_bytes\":%llu,\"bytes_per_entry\":%.2f,"
                "\"meta_records\":%llu,\"log_records\":%llu,\"lmdb_page_size\":%u,\"types\":{"
              : "version\t%llu\nlists\t%u\nentries\t%llu\nfile_bytes\t%llu\nused_bytes\t%llu\n"
                "map_bytes\t%llu\nbytes_per_entry\t%.2f\nmeta_records\t%llu\nlog_records\t%llu\n"
                "lmdb_page_size\t%u\n",
         (unsigned long long)s.version, s.lists, (unsigned long long)total,
         (unsigned long long)s.file_bytes, (unsigned long long)s.used_bytes,
         (unsigned long long)s.map_bytes, per, (unsigned long long)s.meta_records,
         (unsigned long long)s.log_records, s.lmdb_page_size);
  for (int t = 0; t < HS_HASH_TYPE_COUNT; t++) {
    const char *name = hs_hash_type_name((hs_hash_type)t);
    printf(json ? "%s\"%s\":{\"entries\":%llu,\"withdrawn\":%llu,\"pages\":%llu,"
                  "\"page_capacity\":%u}"
                : "%s%s\tentries %llu\twithdrawn %llu\tpages %llu\tpage_capacity %u\n",
           json && t ? "," : "", name, (unsigned long long)s.entries[t],
           (unsigned long long)s.withdrawn[t], (unsigned long long)s.pages[t],
           s.page_capacity[t]);
  }
  /* Variant slots are PDQ slots of entries above, not entries. */
  printf(json ? "},\"variants\":%llu,\"variants_withdrawn\":%llu}\n"
              : "variants\t%llu\nvariants_withdrawn\t%llu\n",
         (unsigned long long)s.variants, (unsigned long long)s.variants_withdrawn);
  return EXIT_ALL_DONE;
}

/* ---- export ------------------------------------------------------------------------- */

/* --format vpdq -o DIR: one file per video entry. */
static int export_videos(hs_index *idx, const show_args *a) {
  if (!a->out || strcmp(a->out, "-") == 0)
    return cli_usage_error("index export", "--format vpdq writes one file per video entry: "
                           "name the folder with -o DIR");
  uint64_t n = 0;
  hs_status st = hs_index_export_videos(idx, a->out, a->list, &n);
  if (st != HS_OK) {
    cli_error("%s", hs_last_error());
    return cli_exit_for(st);
  }
  fprintf(stderr, "wrote %llu video entries to %s\n", (unsigned long long)n, a->out);
  return EXIT_ALL_DONE;
}

static int show_export(hs_index *idx, const show_args *a) {
  if (a->format && strcmp(a->format, "vpdq") == 0)
    return export_videos(idx, a);
  hs_export_format fmt = HS_EXPORT_TSV;
  if (a->format && hs_export_format_parse(a->format, &fmt) != HS_OK)
    return cli_usage_error("index export", "%s", hs_last_error());
  FILE *out = stdout;
  if (a->out && strcmp(a->out, "-") != 0 && !(out = fopen(a->out, "w"))) {
    cli_error("%s: cannot create", a->out);
    return EXIT_FATAL;
  }
  hs_status st = hs_index_export(idx, out, a->list, fmt);
  if (out != stdout && fclose(out) != 0 && st == HS_OK) {
    cli_error("%s: write error", a->out);
    return EXIT_FATAL;
  }
  if (st != HS_OK)
    cli_error("%s", hs_last_error());
  return cli_exit_for(st);
}

/* ---- verify ------------------------------------------------------------------------- */

typedef struct chain_info {
  uint64_t records, first_linked;
  uint8_t head[32];
} chain_info;

static int chain_visit(void *user, const hs_log_record *r) {
  chain_info *c = user;
  c->records++;
  if (r->linked && !c->first_linked)
    c->first_linked = r->seq;
  memcpy(c->head, r->sha256, 32);
  return 0;
}

/* Where the hash chain starts and its head: the digest to keep outside
 * the index (a ticket, a regulator's copy) to show later that nothing
 * before it changed. */
static void print_chain(const char *idx_path, hs_index *idx) {
  chain_info c = {0};
  if (hs_index_log(idx, chain_visit, &c) != HS_OK || !c.records)
    return;
  char hex[65];
  hs_bytes_to_hex(c.head, 32, hex);
  if (!c.first_linked)
    printf("%s: audit log: %llu records, none hash-chained (written by an older hashsweep)\n",
           idx_path, (unsigned long long)c.records);
  else if (c.first_linked > 1)
    printf("%s: audit log: %llu records; records 1-%llu predate the hash chain (older "
           "hashsweep): the chain starts at record %llu; head %s\n",
           idx_path, (unsigned long long)c.records, (unsigned long long)c.first_linked - 1,
           (unsigned long long)c.first_linked, hex);
  else
    printf("%s: audit log: %llu records, hash chain intact; head %s\n", idx_path,
           (unsigned long long)c.records, hex);
}

static int show_verify(hs_index *idx, const show_args *a) {
  uint64_t problems = 0;
  hs_status st = hs_index_verify(idx, index_print_problem, NULL, &problems);
  if (st == HS_OK) {
    printf("%s: ok\n", a->idx);
    print_chain(a->idx, idx);
    return EXIT_ALL_DONE;
  }
  cli_error("%s", hs_last_error());
  return st == HS_ERR_CORRUPT && problems ? EXIT_ITEM_ERRORS : cli_exit_for(st);
}

/* ---- log ---------------------------------------------------------------------------- */

/* A hash is 16 (h64), 32 (MD5) or 64 (PDQ, SHA-256) hex digits: a run of
 * 16 or more hex digits in a note, a command line (`index withdraw --hash`)
 * or a run's details becomes "[hash]" unless --with-hashes. In JSON text
 * only runs inside strings are touched (a number stays a number). */
#define HASH_RUN 16
static char *redact(const char *s, int json) {
  size_t n = strlen(s);
  char *out = malloc(n + 1), *o = out;
  if (!out)
    return NULL;
  int in_str = !json, esc = 0;
  for (size_t i = 0; i < n;) {
    if (json && !esc && s[i] == '"')
      in_str = !in_str;
    esc = json && in_str && !esc && s[i] == '\\';
    size_t run = 0;
    while (in_str && i + run < n && isxdigit((unsigned char)s[i + run]))
      run++;
    if (run >= HASH_RUN && !(i > 0 && isxdigit((unsigned char)s[i - 1]))) {
      o += sprintf(o, "[hash]"); /* 6 bytes for >= 16: fits */
      i += run;
      continue;
    }
    *o++ = s[i++];
  }
  *o = '\0';
  return out;
}

/* The text to print: as stored, or redacted (*owned to free). */
static const char *shown(const show_args *a, const char *s, int json, char **owned) {
  *owned = NULL;
  if (a->with_hashes || !s)
    return s;
  *owned = redact(s, json);
  return *owned ? *owned : "[unavailable]";
}

static int print_log_tsv(void *user, const hs_log_record *r) {
  const show_args *a = user;
  char when[32], hex[65];
  hs_time_to_iso(r->time, when);
  printf("%llu\t%s\t%s\t", (unsigned long long)r->seq, when, r->kind);
  for (size_t i = 0; i < r->nlists; i++)
    printf("%slist=%s version=%llu added=%llu duplicates=%llu withdrawn=%llu", i ? "; " : "",
           r->lists[i].list, (unsigned long long)r->lists[i].version,
           (unsigned long long)r->lists[i].added, (unsigned long long)r->lists[i].duplicates,
           (unsigned long long)r->lists[i].withdrawn);
  printf("\trejected=%llu not_found=%llu\t", (unsigned long long)r->rejected,
         (unsigned long long)r->not_found);
  for (size_t i = 0; i < r->nfiles; i++) {
    hs_bytes_to_hex(r->files[i].sha256, 32, hex);
    fputs(i ? "; " : "", stdout);
    hs_tsv_write_field(stdout, r->files[i].name); /* names, notes, argv: escaped */
    printf(" sha256=%s bytes=%llu", hex, (unsigned long long)r->files[i].bytes);
  }
  char *o1, *o2, *o3;
  fputs("\tnote=", stdout);
  hs_tsv_write_field(stdout, shown(a, r->note, 0, &o1));
  fputs("\tcommand=", stdout);
  hs_tsv_write_field(stdout, shown(a, r->command, 0, &o2));
  fputs("\tdetails=", stdout);
  hs_tsv_write_field(stdout, shown(a, r->details, 1, &o3));
  hs_bytes_to_hex(r->sha256, 32, hex);
  printf("\t%s\n", r->linked ? hex : "unlinked");
  free(o1), free(o2), free(o3);
  return 0;
}

static int print_log_jsonl(void *user, const hs_log_record *r) {
  const show_args *a = user;
  char when[32], hex[65];
  hs_time_to_iso(r->time, when);
  printf("{\"seq\":%llu,\"time\":\"%s\",\"kind\":\"%s\",\"rejected\":%llu,\"not_found\":%llu,"
         "\"lists\":[", (unsigned long long)r->seq, when, r->kind,
         (unsigned long long)r->rejected, (unsigned long long)r->not_found);
  for (size_t i = 0; i < r->nlists; i++) {
    printf("%s{\"list\":", i ? "," : "");
    hs_json_write_string(stdout, r->lists[i].list);
    printf(",\"version\":%llu,\"added\":%llu,\"duplicates\":%llu,\"withdrawn\":%llu}",
           (unsigned long long)r->lists[i].version, (unsigned long long)r->lists[i].added,
           (unsigned long long)r->lists[i].duplicates, (unsigned long long)r->lists[i].withdrawn);
  }
  fputs("],\"files\":[", stdout);
  for (size_t i = 0; i < r->nfiles; i++) {
    hs_bytes_to_hex(r->files[i].sha256, 32, hex);
    printf("%s{\"name\":", i ? "," : "");
    hs_json_write_string(stdout, r->files[i].name);
    printf(",\"sha256\":\"%s\",\"bytes\":%llu}", hex, (unsigned long long)r->files[i].bytes);
  }
  char *o1, *o2, *o3;
  fputs("],\"note\":", stdout);
  hs_json_write_string(stdout, shown(a, r->note, 0, &o1));
  fputs(",\"command\":", stdout);
  hs_json_write_string(stdout, shown(a, r->command, 0, &o2));
  if (r->details[0]) /* a JSON object (the library checked it) */
    printf(",\"details\":%s", shown(a, r->details, 1, &o3));
  else
    o3 = NULL;
  /* The chain, so a reader can see which records are linked and cite a
   * record by its digest. */
  hs_bytes_to_hex(r->sha256, 32, hex);
  printf(",\"record_sha256\":\"%s\",\"prev_sha256\":", hex);
  hs_bytes_to_hex(r->prev_sha256, 32, hex);
  printf(r->linked ? "\"%s\"}\n" : "null}\n", hex);
  free(o1), free(o2), free(o3);
  return 0;
}

static int show_log(hs_index *idx, const show_args *a) {
  int jsonl = a->format && strcmp(a->format, "jsonl") == 0;
  if (!jsonl)
    puts("seq\ttime\tkind\tlists\tcounts\tfiles\tnote\tcommand\tdetails\trecord_sha256");
  hs_status st = hs_index_log(idx, jsonl ? print_log_jsonl : print_log_tsv, (void *)a);
  if (st != HS_OK)
    cli_error("%s", hs_last_error());
  return cli_exit_for(st);
}

/* ---- dispatch ----------------------------------------------------------------------- */

int index_show(const char *sub, int argc, char **argv) {
  static const struct {
    const char *name;
    int (*run)(hs_index *, const show_args *);
    int allow_list;
    const char *fmt_a, *fmt_b;
  } shows[] = {
      {"lists", show_lists, 0, "tsv", "jsonl"}, {"stats", show_stats, 0, "text", "json"},
      {"export", show_export, 1, NULL, NULL},   {"verify", show_verify, 0, NULL, NULL},
      {"log", show_log, 0, "tsv", "jsonl"},
  };
  for (size_t i = 0; i < sizeof shows / sizeof shows[0]; i++) {
    if (strcmp(sub, shows[i].name) != 0)
      continue;
    char cmd[32];
    snprintf(cmd, sizeof cmd, "index %s", sub);
    show_args a = {0};
    int rc = parse_show(cmd, argc, argv, shows[i].allow_list, &a);
    if (rc == EXIT_ALL_DONE && shows[i].fmt_a)
      rc = check_format(cmd, a.format, shows[i].fmt_a, shows[i].fmt_b);
    if (rc != EXIT_ALL_DONE)
      return rc;
    hs_index *idx;
    if ((rc = index_open_or_fail(a.idx, HS_INDEX_READONLY, &idx)) != EXIT_ALL_DONE)
      return rc;
    rc = shows[i].run(idx, &a);
    hs_index_close(idx);
    return rc;
  }
  return -1;
}
