/* tools/cli.h - helpers shared by the subcommands of the hashsweep CLI.
 * The CLI stays thin: it parses arguments, calls libhashsweep, prints. */
#ifndef HS_TOOLS_CLI_H
#define HS_TOOLS_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "hashsweep.h"

/* Exit codes (README, "Exit codes"). */
enum {
  EXIT_ALL_DONE = 0,
  EXIT_ITEM_ERRORS = 1, /* done, but some items failed (listed) */
  EXIT_USAGE = 2,       /* usage or configuration error */
  EXIT_FATAL = 3        /* fatal runtime error */
};

/* The exit code for a library status, the same for every command
 * (docs/exit-codes.md): 2 when what the user gave is wrong (an argument, a
 * missing or malformed file, a limit the input exceeds, something that
 * exists or is not supported), 3 when the run failed (memory, I/O, device,
 * LMDB, a damaged index or store, interruption, timeout, a bug). */
int cli_exit_for(hs_status st);

typedef struct cli_command {
  const char *name;
  const char *summary;
  int (*run)(int argc, char **argv);
  void (*usage)(FILE *out);
} cli_command;

/* Prints "hashsweep: <message>" on stderr, control bytes escaped
 * (hs_term_write_string): messages quote file names. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes prefix, `text` escaped (hs_term_write_string), suffix and a
 * newline on stderr in one call. For text from outside (paths, labels). */
void cli_print_line(const char *prefix, const char *text, const char *suffix);
/* Writes `"entry":N,"list":"...","label":"..."` to `out` (label null when
 * NULL, list "" when NULL): the keys every JSON Lines record about an index
 * entry starts with. */
void cli_json_entry_fields(FILE *out, uint64_t entry, const char *list, const char *label);
/* Prints "hashsweep <cmd>: <message>" and a hint, returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The stderr logger; verbosity 0 = warnings, 1 = info, 2 = debug, -1 =
 * errors only. Returned for the engine options (the context logger of the
 * engine and of the runs that use it) and installed as the process-wide
 * fallback for what has no context (index maintenance). */
hs_logger cli_install_logger(int verbosity);

/* Parses "123", "10k", "200M", "2G" (powers of 1000 for plain counts when
 * si=1, of 1024 for byte sizes when si=0). Returns 0 on success. */
int cli_parse_size(const char *text, int si, uint64_t *out);
int cli_parse_int(const char *text, long min, long max, long *out);

/* A growable list of strings (paths, read from arguments or stdin). */
typedef struct cli_strings {
  char **items;
  size_t count, cap;
} cli_strings;
int cli_strings_push(cli_strings *l, const char *s);
void cli_strings_free(cli_strings *l);
/* Appends non-empty lines of `f` (newline stripped). */
int cli_strings_read_lines(cli_strings *l, FILE *f);

/* Common decode options: --mode, --exif-rotate, --max-pixels, --max-file-size,
 * --read-timeout.
 * Returns 1 when `opt` was one of them (and applied), 0 when not, -1 on a
 * bad value (message printed). */
int cli_decode_option(const char *cmd, const char *opt, const char *arg, hs_decode_options *o);
/* --no-unletterbox, for the commands that match content regions (scan,
 * eval; cli_decode_option applies it). */
#define CLI_UNLETTERBOX_HELP                                                              \
  "  --no-unletterbox         do not look for added borders (padding, letterbox, frame)\n" \
  "                           nor match the content region inside them (images and\n"    \
  "                           video frames)\n"

#define CLI_DECODE_OPTIONS_HELP                                                          \
  "  --mode fast|exact|stock  how images become the PDQ grid (default fast)\n"              \
  "  --exif-rotate            apply EXIF orientation before hashing (default: ignore,\n"    \
  "                           as the reference does)\n"                                     \
  "  --max-pixels N           refuse images above N pixels (default 200M)\n"                \
  "  --max-file-size N        refuse files above N bytes (default 256M)\n"                 \
  "  --read-timeout S         give up on a file whose reading takes longer than S\n"      \
  "                           seconds; a file still being read or decoded after 2xS is\n" \
  "                           an error record and its worker is replaced (default 60,\n" \
  "                           0: no limit)\n"

/* Video limits and sampling, shared by hash and scan: --seconds-per-hash,
 * --max-duration, --max-frames, --max-frame-pixels, --max-decode-time,
 * --video-threads. Returns 1 when `opt` was one of them (and applied), 0
 * when not, -1 on a bad value (message printed). */
int cli_video_option(const char *cmd, const char *opt, const char *arg, hs_video_options *v);
#define CLI_VIDEO_LONGOPTS                                                                \
  {"seconds-per-hash", required_argument, 0, 0}, {"max-duration", required_argument, 0, 0}, \
      {"max-frames", required_argument, 0, 0}, {"max-frame-pixels", required_argument, 0, 0}, \
      {"max-decode-time", required_argument, 0, 0}, {"video-threads", required_argument, 0, 0}
#define CLI_VIDEO_OPTIONS_HELP                                                            \
  "video files (recognised by content: MP4/MOV/3GP, Matroska/WebM, AVI, MPEG-TS, FLV):\n"   \
  "  --seconds-per-hash S     hash one frame every S seconds, as vPDQ (default 1;\n"       \
  "                           0: every frame)\n"                                           \
  "  --max-duration S         refuse videos longer than S seconds (default 21600)\n"      \
  "  --max-frames N           refuse videos once N frames are decoded (default 2M)\n"      \
  "  --max-frame-pixels N     refuse frames above N pixels (default 35.4M, 8192x4320)\n"   \
  "  --max-decode-time S      give up on a video after S seconds (default 3600)\n"        \
  "  --video-threads N        decoder threads per video in fast mode (default: auto)\n"

/* Common engine options: --device auto|cpu|N, --kernel-dir DIR,
 * --no-kernel-cache. Returns 1 when `opt` was one of them (and applied), 0
 * when not, -1 on a bad value (message printed). `arg` must outlive the
 * options (getopt's optarg points into argv). */
int cli_engine_option(const char *cmd, const char *opt, const char *arg, hs_engine_options *o);
/* getopt_long entries for them (include <getopt.h>). */
#define CLI_ENGINE_LONGOPTS                                                              \
  {"device", required_argument, 0, 0}, {"kernel-dir", required_argument, 0, 0},          \
      {"no-kernel-cache", no_argument, 0, 0}
#define CLI_ENGINE_OPTIONS_HELP                                                          \
  "  --device auto|cpu|N      where to compute: auto (a GPU, else another OpenCL\n"         \
  "                           device, else the CPU), cpu (plain C), or N from\n"            \
  "                           'hashsweep devices' (default: $HASHSWEEP_DEVICE, else auto)\n" \
  "  --kernel-dir DIR         load the OpenCL kernels from DIR instead of the built-in\n"   \
  "                           copies (kernel development)\n"                                \
  "  --no-kernel-cache        neither read nor write the compiled-kernel cache\n"
/* Creates the engine the options describe (device and stage placement:
 * the library decides what to open) and logs the path taken at info level.
 * On failure prints the cause and returns EXIT_USAGE (a device that does
 * not exist, a bad --device) or EXIT_FATAL; else EXIT_ALL_DONE. */
int cli_engine_create(const char *cmd, const hs_engine_options *o, hs_engine **out);

#endif
