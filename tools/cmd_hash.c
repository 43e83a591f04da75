/* tools/cmd_hash.c - `hashsweep hash`: PDQ (and MD5/SHA-256) of files. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli_scan.h"
#include "cmd_hash_video.h"
#include "commands.h"

static void hash_usage(FILE *out) {
  fprintf(out,
          "usage: hashsweep hash [options] FILE...\n"
          "PDQ hash, quality and (JSONL) MD5/SHA-256 of each image file, and of the\n"
          "frames of each video file (sampled as Meta's vPDQ). '-' reads paths from\n"
          "standard input, one per line. Files that fail are reported and the others\n"
          "are still hashed (exit code 1).\n\n"
          "options:\n" CLI_DECODE_OPTIONS_HELP
          "  --dihedral               also print the 7 rotated/flipped hashes\n"
          "  --format tsv|jsonl|vpdq  tsv: pdq<TAB>quality<TAB>path (default; control bytes\n"
          "                           and backslashes in the path escaped: \\t \\n \\xHH \\\\;\n"
          "                           videos add <TAB>frame<TAB>timestamp, a line per\n"
          "                           frame); jsonl: one object per file with path, kind,\n"
          "                           pdq, quality, width, height, md5, sha256 [, dihedral]\n"
          "                           (videos: frames); vpdq: Meta's vPDQ text, videos only\n"
          "  --variants LIST          crops, rotations or crops,rotations: add to each JSONL\n"
          "                           record an object variants with the PDQ of named crops\n"
          "                           and small rotations of the image (list-side variants,\n"
          "                           for those who hold the image; implies --format jsonl)\n"
          "  --jobs N                 decode workers (default: all cores)\n"
          CLI_ENGINE_OPTIONS_HELP
          "  --hash-on auto|cpu|device  where PDQ runs (auto: the device when it is a GPU or\n"
          "                           an accelerator, else the CPU workers)\n"
          "  -q, --quiet              no error lines on stderr (JSONL still has them)\n"
          HASH_VIDEO_OPTIONS_HELP);
}

typedef struct hash_args {
  hs_hash_paths_options run;
  hs_engine_options engine;
  hs_decode_options decode;
  int dihedral;
  unsigned variants; /* HS_VARIANTS_* kinds */
  int jsonl;
  int quiet;
  cli_strings paths;
  hash_video_ctx video;
} hash_args;

/* The cause without the leading "path: " (the record names the path). */
static const char *cause_of(const char *detail, const char *path) {
  size_t n = strlen(path);
  if (strncmp(detail, path, n) == 0 && detail[n] == ':' && detail[n + 1] == ' ')
    return detail + n + 2;
  return detail;
}

static void print_ok(const hash_args *a, const char *path, const hs_pdq *pdq,
                     const hs_image_info *info, hs_workspace *ws) {
  char hex[65];
  hs_hash256_to_hex(&pdq->hash[HS_DIH_ORIG], hex);
  if (!a->jsonl) {
    printf("%s\t%d\t", hex, pdq->quality);
    hs_tsv_write_field(stdout, path); /* a tab or newline in a name cannot forge a row */
    if (a->dihedral)
      for (int v = 1; v < HS_DIH_COUNT; v++) {
        hs_hash256_to_hex(&pdq->hash[v], hex);
        printf("\t%s", hex);
      }
    putchar('\n');
    return;
  }
  /* The scan's record writer: one JSON form for both commands; the list-side
   * variants (--variants) are computed here, from the file decoded again. */
  size_t n = hs_variant_count(a->variants);
  hs_pdq *v = n ? calloc(n, sizeof *v) : NULL;
  hs_status st = n == 0 ? HS_OK
                 : v    ? hs_hash_file_variants(path, &a->decode, a->variants, ws, v)
                        : HS_ERR_NOMEM;
  hs_record r = {.kind = HS_RECORD_HASH, .path = path, .pdq = pdq, .info = info,
                 .dihedral = a->dihedral, .variant_kinds = st == HS_OK ? a->variants : 0,
                 .variants = v, .variants_error = st == HS_OK ? NULL : hs_last_error()};
  hs_record_write(stdout, HS_OUT_JSONL, &r);
  free(v);
}

/* Digests are known once the file was read (MD5 is never all zero). */
static int has_digests(const hs_image_info *info) {
  for (int i = 0; i < 16; i++)
    if (info->md5[i])
      return 1;
  return 0;
}

typedef struct hash_state {
  const hash_args *a;
  size_t failed;
  int fatal;        /* a video's records could not be written */
  hash_video_ctx *video; /* a->video, written to (the .vpdq files written) */
  hs_workspace *ws; /* --variants: the file is decoded again here */
} hash_state;

/* Called in input order, on this thread. */
static void on_result(void *user, const char *path, hs_status status, const char *error,
                      const hs_pdq *pdq, const hs_image_info *info) {
  hash_state *h = user;
  if (status == HS_OK && h->a->video.format == HASH_FORMAT_VPDQ)
    status = HS_ERR_UNSUPPORTED, error = "an image: --format vpdq is for videos";
  if (status == HS_OK) {
    print_ok(h->a, path, pdq, info, h->ws);
  } else {
    h->failed++;
    int d = info && has_digests(info);
    const char *cause = cause_of(error ? error : hs_strerror(status), path);
    /* Neither an image (libvips) nor a video (libavformat). */
    if (strcmp(cause, "not an image in a supported format") == 0)
      cause = "not an image or video in a supported format";
    hash_print_error(h->a->jsonl, h->a->quiet, path, cause, d ? info->md5 : NULL,
                     d ? info->sha256 : NULL);
  }
  fflush(stdout); /* one whole record per write (see hash_run) */
}

static int parse_hash_args(int argc, char **argv, hash_args *a) {
  static const struct option longopts[] = {
      {"mode", required_argument, 0, 0},       {"exif-rotate", no_argument, 0, 0},
      {"max-pixels", required_argument, 0, 0}, {"max-file-size", required_argument, 0, 0},
      {"read-timeout", required_argument, 0, 0},
      {"dihedral", no_argument, 0, 0},         {"format", required_argument, 0, 0},
      {"quiet", no_argument, 0, 'q'},          {"jobs", required_argument, 0, 0},
      {"hash-on", required_argument, 0, 0},    CLI_ENGINE_LONGOPTS,
      HASH_VIDEO_LONGOPTS,
      {"variants", required_argument, 0, 0},
      {0, 0, 0, 0}};
  hs_decode_options_default(&a->decode);
  hs_hash_paths_options_default(&a->run);
  hs_engine_options_default(&a->engine);
  hs_video_options_default(&a->video.video);
  long v;
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
    if (r == 0)
      r = cli_engine_option("hash", name, optarg, &a->engine);
    if (r == 0)
      r = hash_video_option(name, optarg, &a->video);
    if (r < 0)
      return EXIT_USAGE;
    if (r > 0)
      continue;
    if (strcmp(name, "jobs") == 0) {
      if (cli_parse_int(optarg, 1, 4096, &v) != 0)
        return cli_usage_error("hash", "--jobs: expected a positive count, got '%s'", optarg);
      a->run.jobs = (int)v;
    } else if (strcmp(name, "hash-on") == 0) {
      if (hs_placement_parse(optarg, &a->engine.hash_on) != HS_OK)
        return cli_usage_error("hash", "--hash-on: %s", hs_last_error());
    } else if (strcmp(name, "variants") == 0) {
      if (hs_variants_parse(optarg, &a->variants) != HS_OK)
        return cli_usage_error("hash", "--variants: %s", hs_last_error());
    } else if (strcmp(name, "dihedral") == 0) {
      a->dihedral = 1;
    } else if (strcmp(name, "format") == 0) {
      a->jsonl = strcmp(optarg, "jsonl") == 0;
      if (strcmp(optarg, "tsv") == 0)
        a->video.format = HASH_FORMAT_TSV;
      else if (a->jsonl)
        a->video.format = HASH_FORMAT_JSONL;
      else if (strcmp(optarg, "vpdq") == 0)
        a->video.format = HASH_FORMAT_VPDQ;
      else
        return cli_usage_error("hash", "--format: expected tsv, jsonl or vpdq, got '%s'", optarg);
    }
  }
  if (a->variants) {
    a->jsonl = 1;
    a->video.format = HASH_FORMAT_JSONL;
  }
  if (optind >= argc)
    return cli_usage_error("hash", "no FILE given (use '-' to read paths from stdin)");
  if (a->video.out_dir && a->video.format != HASH_FORMAT_VPDQ)
    return cli_usage_error("hash", "--out-dir goes with --format vpdq");
  for (int i = optind; i < argc; i++) {
    int rc = strcmp(argv[i], "-") == 0 ? cli_strings_read_lines(&a->paths, stdin)
                                       : cli_strings_push(&a->paths, argv[i]);
    if (rc != 0) {
      cli_error("out of memory reading the file list");
      return EXIT_FATAL;
    }
  }
  if (a->video.format == HASH_FORMAT_VPDQ && a->paths.count > 1 && !a->video.out_dir)
    return cli_usage_error("hash", "--format vpdq with several files needs --out-dir DIR");
  return EXIT_ALL_DONE;
}

/* Images and videos go through the parallel pipeline together (a file
 * that is not an image is probed: images pay nothing for videos); output
 * stays in input order. */
static void on_video_result(void *user, const char *path, hs_status status, const char *error,
                            const hs_video_info *info, const hs_video_frame *frames, size_t n) {
  hash_state *h = user;
  int r = hash_video_result(h->video, path, status, error, info, frames, n);
  if (r < 0)
    h->fatal = 1;
  else
    h->failed += (size_t)r;
  fflush(stdout);
}

static int hash_all(hash_args *a, hash_state *h) {
  a->run.video = a->video.video;
  a->run.video_fn = on_video_result;
  hs_status st = hs_hash_paths((const char *const *)a->paths.items, a->paths.count, &a->run,
                               on_result, h);
  if (st != HS_OK) {
    cli_error("%s", hs_last_error());
    return cli_exit_for(st);
  }
  return h->fatal ? EXIT_FATAL : EXIT_ALL_DONE;
}

static int hash_run(int argc, char **argv) {
  hash_args a = {0};
  int rc = parse_hash_args(argc, argv, &a);
  if (rc != EXIT_ALL_DONE) {
    cli_strings_free(&a.paths);
    return rc;
  }
  a.engine.log = cli_install_logger(a.quiet ? -1 : 0);
  hs_cancel *cancel = NULL;
  if (hs_cancel_create(&cancel) != HS_OK) {
    cli_error("%s", hs_last_error());
    cli_strings_free(&a.paths);
    return EXIT_FATAL;
  }
  cli_scan_install_signals(cancel);
  a.run.cancel = cancel;
  /* Each record is flushed whole: with a buffer larger than any record (a
   * path is at most 4095 bytes, 6 per byte escaped, plus a 511-byte cause)
   * it reaches the file in one write, so a killed run leaves whole lines,
   * not a 4 KiB block cut mid-record. */
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  hs_engine *engine = NULL;
  rc = cli_engine_create("hash", &a.engine, &engine);
  hash_state h = {.a = &a, .video = &a.video};
  if (a.variants && !(h.ws = hs_workspace_create())) {
    cli_error("out of memory for a workspace");
    rc = EXIT_FATAL;
  }
  if (rc == EXIT_ALL_DONE) {
    a.run.decode = a.decode;
    a.run.engine = engine;
    a.video.decode = a.decode;
    a.video.dihedral = a.dihedral;
    a.video.quiet = a.quiet;
    rc = hash_all(&a, &h);
    cli_strings_free(&a.video.written);
  }
  hs_engine_destroy(engine);
  cli_scan_install_signals(NULL);
  hs_cancel_destroy(cancel);
  hs_workspace_destroy(h.ws);
  cli_strings_free(&a.paths);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    cli_error("cannot write output");
    return EXIT_FATAL;
  }
  if (rc != EXIT_ALL_DONE)
    return rc;
  return h.failed ? EXIT_ITEM_ERRORS : EXIT_ALL_DONE;
}

const cli_command cmd_hash = {"hash", "PDQ hashes of image files, vPDQ frame hashes of videos", hash_run,
                             hash_usage};
