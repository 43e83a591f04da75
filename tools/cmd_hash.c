/* tools/cmd_hash.c - `hashsweep hash`: PDQ (and MD5/SHA-256) of files. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static void hash_usage(FILE *out) {
  fprintf(out,
          "usage: hashsweep hash [options] FILE...\n"
          "PDQ hash, quality and (JSONL) MD5/SHA-256 of each image file. '-' reads paths\n"
          "from standard input, one per line. Files that fail are reported and the others\n"
          "are still hashed (exit code 1).\n\n"
          "options:\n" CLI_DECODE_OPTIONS_HELP
          "  --dihedral               also print the 7 rotated/flipped hashes\n"
          "  --format tsv|jsonl       tsv: pdq<TAB>quality<TAB>path (default); jsonl: one\n"
          "                           object per file with path, pdq, quality, width,\n"
          "                           height, md5, sha256 [, dihedral]\n"
          "  -q, --quiet              no error lines on stderr (JSONL still has them)\n");
}

typedef struct hash_args {
  hs_decode_options decode;
  int dihedral;
  int jsonl;
  int quiet;
  cli_strings paths;
} hash_args;

/* The cause without the leading "path: " (the record names the path). */
static const char *cause_of(const char *detail, const char *path) {
  size_t n = strlen(path);
  if (strncmp(detail, path, n) == 0 && detail[n] == ':' && detail[n + 1] == ' ')
    return detail + n + 2;
  return detail;
}

static void print_ok(const hash_args *a, const char *path, const hs_pdq *pdq,
                     const hs_image_info *info) {
  char hex[65];
  hs_hash256_to_hex(&pdq->hash[HS_DIH_ORIG], hex);
  if (!a->jsonl) {
    printf("%s\t%d\t%s", hex, pdq->quality, path);
    if (a->dihedral)
      for (int v = 1; v < HS_DIH_COUNT; v++) {
        hs_hash256_to_hex(&pdq->hash[v], hex);
        printf("\t%s", hex);
      }
    putchar('\n');
    return;
  }
  char md5[33], sha[65];
  hs_bytes_to_hex(info->md5, 16, md5);
  hs_bytes_to_hex(info->sha256, 32, sha);
  fputs("{\"path\":", stdout);
  hs_json_write_string(stdout, path);
  printf(",\"pdq\":\"%s\",\"quality\":%d,\"width\":%d,\"height\":%d,\"md5\":\"%s\","
         "\"sha256\":\"%s\",\"format\":\"%s\"",
         hex, pdq->quality, info->width, info->height, md5, sha, info->format);
  if (a->dihedral) {
    fputs(",\"dihedral\":{", stdout);
    for (int v = 1; v < HS_DIH_COUNT; v++) {
      hs_hash256_to_hex(&pdq->hash[v], hex);
      printf("%s\"%s\":\"%s\"", v > 1 ? "," : "", hs_dihedral_name(v), hex);
    }
    putchar('}');
  }
  fputs("}\n", stdout);
}

static void print_error(const hash_args *a, const char *path) {
  const char *detail = hs_last_error();
  if (a->jsonl) {
    fputs("{\"path\":", stdout);
    hs_json_write_string(stdout, path);
    fputs(",\"error\":", stdout);
    hs_json_write_string(stdout, cause_of(detail, path));
    fputs("}\n", stdout);
  }
  if (!a->quiet) {
    fflush(stdout);
    cli_error("%s", detail);
  }
}

static int parse_hash_args(int argc, char **argv, hash_args *a) {
  static const struct option longopts[] = {
      {"mode", required_argument, 0, 0},       {"exif-rotate", no_argument, 0, 0},
      {"max-pixels", required_argument, 0, 0}, {"max-file-size", required_argument, 0, 0},
      {"dihedral", no_argument, 0, 0},         {"format", required_argument, 0, 0},
      {"quiet", no_argument, 0, 'q'},          {0, 0, 0, 0}};
  hs_decode_options_default(&a->decode);
  int idx, c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "q", longopts, &idx)) != -1) {
    if (c == 'q') {
      a->quiet = 1;
      continue;
    }
    if (c != 0)
      return cli_usage_error("hash", "unknown option");
    const char *name = longopts[idx].name;
    int r = cli_decode_option("hash", name, optarg, &a->decode);
    if (r < 0)
      return EXIT_USAGE;
    if (r > 0)
      continue;
    if (strcmp(name, "dihedral") == 0) {
      a->dihedral = 1;
    } else if (strcmp(name, "format") == 0) {
      if (strcmp(optarg, "tsv") == 0)
        a->jsonl = 0;
      else if (strcmp(optarg, "jsonl") == 0)
        a->jsonl = 1;
      else
        return cli_usage_error("hash", "--format: expected tsv or jsonl, got '%s'", optarg);
    }
  }
  if (optind >= argc)
    return cli_usage_error("hash", "no FILE given (use '-' to read paths from stdin)");
  for (int i = optind; i < argc; i++) {
    int rc = strcmp(argv[i], "-") == 0 ? cli_strings_read_lines(&a->paths, stdin)
                                       : cli_strings_push(&a->paths, argv[i]);
    if (rc != 0) {
      cli_error("out of memory reading the file list");
      return EXIT_FATAL;
    }
  }
  return EXIT_ALL_DONE;
}

static int hash_run(int argc, char **argv) {
  hash_args a = {0};
  int rc = parse_hash_args(argc, argv, &a);
  if (rc != EXIT_ALL_DONE) {
    cli_strings_free(&a.paths);
    return rc;
  }
  cli_install_logger(a.quiet ? -1 : 0);
  hs_workspace *ws = hs_workspace_create();
  if (!ws) {
    cli_error("out of memory");
    cli_strings_free(&a.paths);
    return EXIT_FATAL;
  }
  int failed = 0;
  for (size_t i = 0; i < a.paths.count; i++) {
    const char *path = a.paths.items[i];
    hs_pdq pdq;
    hs_image_info info;
    hs_status st = hs_hash_file(path, &a.decode, ws, &pdq, &info);
    if (st == HS_OK) {
      print_ok(&a, path, &pdq, &info);
    } else {
      if (st == HS_ERR_NOMEM) {
        cli_error("%s", hs_last_error());
        rc = EXIT_FATAL;
        break;
      }
      failed++;
      print_error(&a, path);
    }
  }
  hs_workspace_destroy(ws);
  cli_strings_free(&a.paths);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    cli_error("cannot write output");
    return EXIT_FATAL;
  }
  if (rc != EXIT_ALL_DONE)
    return rc;
  return failed ? EXIT_ITEM_ERRORS : EXIT_ALL_DONE;
}

const cli_command cmd_hash = {"hash", "PDQ hash image files", hash_run, hash_usage};
