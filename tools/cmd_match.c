/* tools/cmd_match.c - `hashsweep match`: Hamming search of one hash list
 * against another, all pairs within a radius or the K nearest. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"

/* Needles searched per call: bounds the memory the results take before
 * they are printed (the output stays in needle order across batches). */
#define NEEDLE_BATCH ((size_t)1 << 16)

static void match_usage(FILE *out) {
  fprintf(out,
          "usage: hashsweep match [--radius R | --top K] [options] NEEDLES HAYSTACK\n"
          "For each hash in NEEDLES, the hashes in HAYSTACK within Hamming distance R, or\n"
          "its K nearest. Both are hash lists in any format `index import` reads: hex\n"
          "hashes one per line (64 digits PDQ, 16 h64, 32 MD5; '#' comments), CSV/TSV\n"
          "(the output of `hashsweep hash`), JSON Lines. All hashes of a list have one\n"
          "type; MD5 and SHA-256 lists match exactly (radius 0). '-' reads standard input.\n\n"
          "Output: one line per pair, needle_line<TAB>haystack_line<TAB>distance, with the\n"
          "1-based line numbers of the two files, sorted by needle line, then haystack line\n"
          "(also for --top; `sort -k1,1n -k3,3n -k2,2n` lists the nearest first).\n"
          "HAYSTACK may also be a hash index (hashsweep index create): its active entries of\n"
          "the needles' kind (PDQ or h64) are searched, and the second column is the entry\n"
          "id instead of a line number.\n\n"
          "options:\n"
          "  --radius R        every pair within distance R (0..256, default 31)\n"
          "  --top K           the K nearest per needle (1..64); of equal distances the\n"
          "                    lower haystack line wins\n"
          "  --device D        auto, cpu or a device index from 'hashsweep devices'\n"
          "                    (default: $HASHSWEEP_DEVICE, else auto)\n"
          "  --threads N       CPU path threads (default: all cores)\n"
          "  -v, --verbose     log the path taken (device, CPU popcount) on stderr\n\n"
          "Exit: 0 done (with or without matches), 2 usage or input format error, 3 fatal\n"
          "(docs/exit-codes.md).\n");
}

typedef struct match_args {
  int radius, top, threads, verbose, radius_given;
  const char *device;
  const char *needles, *haystack;
} match_args;

static int parse_match_args(int argc, char **argv, match_args *a) {
  static const struct option longopts[] = {
      {"radius", required_argument, 0, 'r'}, {"top", required_argument, 0, 'k'},
      {"device", required_argument, 0, 'd'}, {"threads", required_argument, 0, 't'},
      {"verbose", no_argument, 0, 'v'},      {0, 0, 0, 0}};
  *a = (match_args){.radius = -1};
  long v;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
    switch (c) {
    case 'r':
      if (cli_parse_int(optarg, 0, 256, &v) != 0)
        return cli_usage_error("match", "--radius: '%s' is not a distance 0..256", optarg);
      a->radius = (int)v;
      a->radius_given = 1;
      break;
    case 'k':
      if (cli_parse_int(optarg, 1, HS_TOPK_MAX, &v) != 0)
        return cli_usage_error("match", "--top: '%s' is not a count 1..%d", optarg, HS_TOPK_MAX);
      a->top = (int)v;
      break;
    case 'd': a->device = optarg; break;
    case 't':
      if (cli_parse_int(optarg, 1, 4096, &v) != 0)
        return cli_usage_error("match", "--threads: '%s' is not a count 1..4096", optarg);
      a->threads = (int)v;
      break;
    case 'v': a->verbose = 1; break;
    default: return cli_usage_error("match", "unknown option");
    }
  }
  if (a->radius >= 0 && a->top)
    return cli_usage_error("match", "--radius and --top exclude each other");
  if (a->radius < 0)
    a->radius = 31;
  if (argc - optind != 2)
    return cli_usage_error("match", "expected NEEDLES and HAYSTACK, got %d file argument(s)",
                           argc - optind);
  a->needles = argv[optind];
  a->haystack = argv[optind + 1];
  if (strcmp(a->needles, "-") == 0 && strcmp(a->haystack, "-") == 0)
    return cli_usage_error("match", "only one of NEEDLES and HAYSTACK can be '-'");
  return EXIT_ALL_DONE;
}

static int by_query_target(const void *x, const void *y) {
  const hs_match *a = x, *b = y;
  if (a->query != b->query)
    return a->query < b->query ? -1 : 1;
  return a->target < b->target ? -1 : a->target > b->target;
}

static void print_matches(const hs_match_list *l, const hs_hash_list *needles, size_t first,
                          const hs_hash_list *hay) {
  for (size_t i = 0; i < l->count; i++) {
    const hs_match *m = &l->items[i];
    printf("%zu\t%zu\t%u\n", needles->lines[first + m->query], hay->lines[m->target], m->distance);
  }
}

/* Searches the needles in batches and prints each batch's pairs. */
static hs_status search_all(const match_args *a, hs_engine *e, const hs_haystack *h,
                            const hs_hash_list *needles, const hs_hash_list *hay) {
  size_t words = (size_t)needles->bits / 64;
  for (size_t first = 0; first < needles->count; first += NEEDLE_BATCH) {
    size_t n = needles->count - first < NEEDLE_BATCH ? needles->count - first : NEEDLE_BATCH;
    const uint64_t *q = needles->words + first * words;
    hs_match_list out = {0};
    hs_status st = a->top ? hs_match_topk(e, h, q, n, a->top, &out)
                          : hs_match_radius(e, h, q, n, a->radius, &out);
    if (st != HS_OK) {
      hs_match_list_free(&out);
      return st;
    }
    if (a->top && out.count) /* top-k comes by distance; print in the common order */
      qsort(out.items, out.count, sizeof *out.items, by_query_target);
    print_matches(&out, needles, first, hay);
    hs_match_list_free(&out);
  }
  return HS_OK;
}

static int run_search(const match_args *a, const hs_hash_list *needles, const hs_hash_list *hay) {
  hs_engine_options eo;
  hs_engine_options_default(&eo);
  eo.device = a->device;
  eo.threads = a->threads;
  /* match searches on the engine directly: with --device auto it uses any
   * OpenCL device found, the host CPU's own (PoCL) included. */
  eo.match_on = HS_PLACE_DEVICE;
  hs_engine *e = NULL;
  hs_haystack *h = NULL;
  int bits = hay->bits ? hay->bits : needles->bits ? needles->bits : 256;
  hs_status st = hs_engine_create(&eo, &e);
  if (st == HS_OK)
    st = hs_haystack_create(e, bits, hay->words, hay->count, &h);
  if (st == HS_OK && needles->count > 0)
    st = search_all(a, e, h, needles, hay);
  if (st != HS_OK)
    cli_error("%s", hs_last_error());
  hs_haystack_destroy(h);
  hs_engine_destroy(e);
  return st == HS_OK ? EXIT_ALL_DONE : cli_exit_for(st);
}

/* An index as haystack: its active entries of the needles' type, with the
 * entry ids where a list has line numbers. A list-side variant slot stands
 * for its entry (its id is the entry's). */
static hs_status read_index_haystack(const char *path, hs_hash_type type, hs_hash_list *out) {
  hs_index *idx = NULL;
  hs_index_snapshot *snap = NULL;
  hs_index_hashes h = {0};
  hs_status st = hs_index_open(path, HS_INDEX_READONLY, &idx);
  if (st == HS_OK)
    st = hs_index_snapshot_open(idx, &snap);
  hs_index_stats stats = {0};
  if (st == HS_OK)
    st = hs_index_stats_get(idx, &stats);
  if (st == HS_OK)
    st = hs_index_load(snap, type, NULL, &h);
  for (size_t i = 0; st == HS_OK && stats.variants && i < h.count; i++) {
    hs_status v = hs_index_variant_of(snap, h.ids[i], &h.ids[i], NULL);
    st = v == HS_ERR_NOT_FOUND ? HS_OK : v;
  }
  if (st == HS_OK) {
    uint64_t w[4];
    int bits = type == HS_HASH_H64 ? 64 : 256; /* hs_hash_to_words' width */
    size_t words = (size_t)bits / 64, stored = hs_hash_type_bytes(type);
    out->bits = bits;
    out->type = type;
    out->count = h.count;
    out->words = malloc(h.count * words * sizeof(uint64_t) + 1);
    out->lines = malloc(h.count * sizeof(size_t) + 1);
    if (!out->words || !out->lines) {
      cli_error("out of memory loading %zu index entries", h.count);
      st = HS_ERR_NOMEM;
    } else {
      for (size_t i = 0; i < h.count; i++) {
        hs_hash_to_words(type, (const uint8_t *)h.hashes + i * stored, w);
        memcpy(out->words + i * words, w, words * sizeof *w);
        out->lines[i] = (size_t)h.ids[i];
      }
    }
  }
  hs_index_hashes_free(&h);
  hs_index_snapshot_close(snap);
  hs_index_close(idx);
  return st;
}

static int is_directory(const char *path) {
  struct stat st;
  return strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Digests (MD5, SHA-256) are equal or unrelated: matched at distance 0. */
static int exact_radius(match_args *a, const hs_hash_list *l) {
  if (!l->count || (l->type != HS_HASH_MD5 && l->type != HS_HASH_SHA256))
    return EXIT_ALL_DONE;
  if (a->top || (a->radius_given && a->radius != 0))
    return cli_usage_error("match", "%s hashes match exactly: only --radius 0 applies",
                           hs_hash_type_name(l->type));
  a->radius = 0;
  return EXIT_ALL_DONE;
}

static int match_run(int argc, char **argv) {
  match_args a;
  int rc = parse_match_args(argc, argv, &a);
  if (rc != EXIT_ALL_DONE)
    return rc;
  cli_install_logger(a.verbose);
  hs_hash_list needles = {0}, hay = {0};
  hs_status st = hs_hash_list_read(a.needles, &needles);
  if (st == HS_OK && is_directory(a.haystack))
    st = read_index_haystack(a.haystack, needles.count ? needles.type : HS_HASH_PDQ, &hay);
  else if (st == HS_OK)
    st = hs_hash_list_read(a.haystack, &hay);
  if (st != HS_OK) {
    cli_error("%s", hs_last_error());
    rc = cli_exit_for(st);
  } else if (needles.bits && hay.bits && needles.bits != hay.bits) {
    cli_error("%s has %d-bit hashes but %s has %d-bit hashes; both lists need one kind",
              a.needles, needles.bits, a.haystack, hay.bits);
    rc = EXIT_USAGE;
  } else if (needles.count && hay.count && needles.type != hay.type) {
    cli_error("%s has %s hashes but %s has %s hashes; both lists need one type", a.needles,
              hs_hash_type_name(needles.type), a.haystack, hs_hash_type_name(hay.type));
    rc = EXIT_USAGE;
  } else if ((rc = exact_radius(&a, needles.count ? &needles : &hay)) == EXIT_ALL_DONE) {
    rc = run_search(&a, &needles, &hay);
  }
  hs_hash_list_free(&needles);
  hs_hash_list_free(&hay);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    cli_error("cannot write output");
    return EXIT_FATAL;
  }
  return rc;
}

const cli_command cmd_match = {"match", "Hamming search of hash lists (radius or top-k)",
                               match_run, match_usage};
