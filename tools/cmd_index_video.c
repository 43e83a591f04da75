/* tools/cmd_index_video.c - `hashsweep index match-video IDX FILE...`: the
 * videos whose vPDQ hashes are in FILEs (Meta's .vpdq text or pytx's JSON
 * array) matched against the index's video entries by vPDQ's rule, and
 * their frames against its image entries (hs_video_match, on the CPU). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_index.h"

typedef struct mv_ctx {
  hs_index_snapshot *snap;
  const char *path;
  int jsonl;
  uint64_t version;
  uint64_t hits;
} mv_ctx;

/* The shortest of %.15g / %.17g that reads back as the same double (the
 * percents compare exactly with pytx's). */
static void put_num(double v) {
  char buf[40];
  snprintf(buf, sizeof buf, "%.15g", v);
  if (strtod(buf, NULL) != v)
    snprintf(buf, sizeof buf, "%.17g", v);
  fputs(buf, stdout);
}

static const char *label_of(mv_ctx *c, uint64_t entry) {
  hs_index_entry e;
  return hs_index_entry_get(c->snap, entry, &e) == HS_OK ? e.label : NULL;
}

static void put_common(mv_ctx *c, const char *kind, uint64_t entry, const char *list, int distance,
                       const char *variant) {
  const char *label = label_of(c, entry);
  if (c->jsonl) {
    fputs("{\"path\":", stdout);
    hs_json_write_string(stdout, c->path);
    printf(",\"kind\":\"%s\",", kind);
    cli_json_entry_fields(stdout, entry, list, label);
    printf(",\"distance\":%d,\"variant\":\"%s\"", distance, variant);
    return;
  }
  hs_tsv_write_field(stdout, c->path);
  printf("\t%s\t%llu\t", kind, (unsigned long long)entry);
  hs_tsv_write_field(stdout, list);
  putchar('\t');
  hs_tsv_write_field(stdout, label ? label : "");
  printf("\t%d\t%s\t", distance, variant);
}

static int on_video(void *user, const hs_video_hit *h) {
  mv_ctx *c = user;
  c->hits++;
  put_common(c, "video", h->entry, h->list, h->distance, h->variant);
  if (c->jsonl)
    fputs(",\"query_percent\":", stdout);
  put_num(h->query_percent);
  fputs(c->jsonl ? ",\"compared_percent\":" : "\t", stdout);
  put_num(h->compared_percent);
  printf(c->jsonl ? ",\"frames_hashed\":%llu,\"segments\":[" : "\t%llu\t",
         (unsigned long long)h->frames_hashed);
  for (size_t i = 0; i < h->nsegments; i++) {
    fputs(c->jsonl ? (i ? ",[" : "[") : (i ? " " : ""), stdout);
    put_num(h->segments[i].start);
    fputs(c->jsonl ? "," : "-", stdout);
    put_num(h->segments[i].end);
    if (c->jsonl)
      putchar(']');
  }
  if (c->jsonl)
    printf("],\"index_version\":%llu}\n", (unsigned long long)c->version);
  else
    puts("\t\t");
  return 0;
}

static int on_frame(void *user, const hs_frame_hit *h) {
  mv_ctx *c = user;
  c->hits++;
  put_common(c, "frame", h->entry, h->list, h->distance, h->variant);
  printf(c->jsonl ? ",\"frame\":%lld,\"timestamp\":" : "\t\t\t\t%lld\t", (long long)h->frame);
  put_num(h->timestamp);
  if (c->jsonl)
    printf(",\"index_version\":%llu}", (unsigned long long)c->version);
  putchar('\n');
  return 0;
}

static void usage(FILE *out) {
  fprintf(out,
          "usage: hashsweep index match-video IDX [options] FILE...\n\n"
          "Matches videos given by their vPDQ hashes (Meta's .vpdq text or python-\n"
          "threatexchange's JSON array, one video per FILE) against the index: its video\n"
          "entries by vPDQ's rule, its image entries frame by frame (docs/video.md).\n\n"
          "  --list NAME                  only entries of this list\n"
          "  --radius R                   frame distance, inclusive (default 31)\n"
          "  --min-quality Q              frame quality gate (default 50)\n"
          "  --video-query-percent P      share of the video's unique frames that must\n"
          "                               match (default 80)\n"
          "  --video-compared-percent P   share of the listed video's unique frames that\n"
          "                               must be matched (default 0)\n"
          "  --no-frame-images            do not report frames matching image entries\n"
          "  --format jsonl|tsv           output (default jsonl)\n\n"
          "TSV columns: path kind entry list label distance variant query_percent\n"
          "compared_percent frames_hashed segments frame timestamp. Exit codes: 0 done\n"
          "(matches or none), 1 a FILE could not be read (named), 2 usage, 3 fatal.\n");
}

static int parse_percent(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !(v >= 0 && v <= 100))
    return -1;
  *out = v;
  return 0;
}

int index_match_video(int argc, char **argv) {
  static const struct option longopts[] = {
      {"list", required_argument, 0, 'l'},       {"radius", required_argument, 0, 'r'},
      {"min-quality", required_argument, 0, 'q'}, {"video-query-percent", required_argument, 0, 'Q'},
      {"video-compared-percent", required_argument, 0, 'C'},
      {"no-frame-images", no_argument, 0, 'n'},  {"format", required_argument, 0, 'f'},
      {"help", no_argument, 0, 'h'},             {0, 0, 0, 0}};
  const char *cmd = "index match-video";
  hs_video_match_options o;
  hs_video_match_options_default(&o);
  int jsonl = 1;
  long v;
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    switch (c) {
    case 'l': o.list = optarg; break;
    case 'r':
      if (cli_parse_int(optarg, 0, 256, &v) != 0)
        return cli_usage_error(cmd, "--radius: expected 0..256, got '%s'", optarg);
      o.radius = (int)v;
      break;
    case 'q':
      if (cli_parse_int(optarg, 0, 100, &v) != 0)
        return cli_usage_error(cmd, "--min-quality: expected 0..100, got '%s'", optarg);
      o.min_quality = (int)v;
      break;
    case 'Q':
      if (parse_percent(optarg, &o.query_percent) != 0)
        return cli_usage_error(cmd, "--video-query-percent: expected 0..100, got '%s'", optarg);
      break;
    case 'C':
      if (parse_percent(optarg, &o.compared_percent) != 0)
        return cli_usage_error(cmd, "--video-compared-percent: expected 0..100, got '%s'",
                               optarg);
      break;
    case 'n': o.frame_image_matches = 0; break;
    case 'f':
      if (strcmp(optarg, "jsonl") != 0 && strcmp(optarg, "tsv") != 0)
        return cli_usage_error(cmd, "--format: expected jsonl or tsv, got '%s'", optarg);
      jsonl = strcmp(optarg, "jsonl") == 0;
      break;
    case 'h': usage(stdout); return EXIT_ALL_DONE;
    default:
      return cli_usage_error(cmd, "unknown option or missing value: %s", argv[optind - 1]);
    }
  }
  if (argc - optind < 2)
    return cli_usage_error(cmd, "expected IDX and at least one FILE");
  hs_index *idx;
  int rc = index_open_or_fail(argv[optind], HS_INDEX_READONLY, &idx);
  if (rc != EXIT_ALL_DONE)
    return rc;
  mv_ctx ctx = {.jsonl = jsonl};
  hs_video_matcher *m = NULL;
  hs_status st = hs_index_snapshot_open(idx, &ctx.snap);
  if (st == HS_OK) {
    ctx.version = hs_index_snapshot_version(ctx.snap);
    st = hs_video_matcher_open(ctx.snap, NULL, &o, &m);
  }
  if (st != HS_OK) {
    cli_error("%s", hs_last_error());
    rc = cli_exit_for(st);
  } else if (!jsonl) {
    puts("path\tkind\tentry\tlist\tlabel\tdistance\tvariant\tquery_percent\tcompared_percent\t"
         "frames_hashed\tsegments\tframe\ttimestamp");
  }
  for (int i = optind + 1; st == HS_OK && i < argc; i++) {
    hs_query_frame *f;
    size_t n;
    hs_status r = hs_vpdq_read(argv[i], &f, &n);
    if (r != HS_OK) { /* the next file still runs */
      cli_error("%s", hs_last_error());
      rc = EXIT_ITEM_ERRORS;
      continue;
    }
    ctx.path = argv[i];
    st = hs_video_match(m, f, n, on_video, on_frame, &ctx);
    hs_query_frames_free(f);
    if (st != HS_OK) {
      cli_error("%s: %s", argv[i], hs_last_error());
      rc = cli_exit_for(st);
    }
  }
  hs_video_matcher_close(m);
  hs_index_snapshot_close(ctx.snap);
  hs_index_close(idx);
  return rc;
}
