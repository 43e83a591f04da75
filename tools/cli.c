/* tools/cli.c - shared CLI helpers. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Messages quote file names, labels and arguments, which may hold any byte:
 * they reach the terminal escaped (hs_term_write_string), so a name cannot
 * move the cursor, retitle the window or forge a line. The line is built
 * first and written with one call: stderr is unbuffered, and a line written
 * piecemeal would interleave with other threads' and processes' lines. */
void cli_json_entry_fields(FILE *out, uint64_t entry, const char *list, const char *label) {
  fprintf(out, "\"entry\":%llu,\"list\":", (unsigned long long)entry);
  hs_json_write_string(out, list ? list : "");
  fputs(",\"label\":", out);
  if (label)
    hs_json_write_string(out, label);
  else
    fputs("null", out);
}

void cli_print_line(const char *prefix, const char *text, const char *suffix) {
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  if (!m) {
    fprintf(stderr, "%s(message lost: out of memory)%s\n", prefix, suffix);
    return;
  }
  fputs(prefix, m);
  hs_term_write_string(m, text);
  fputs(suffix, m);
  fputc('\n', m);
  fclose(m);
  fwrite(buf, 1, len, stderr);
  free(buf);
}

static void print_formatted(const char *prefix, const char *suffix, const char *fmt, va_list ap) {
  char *msg = NULL;
  if (vasprintf(&msg, fmt, ap) < 0)
    msg = NULL;
  cli_print_line(prefix, msg ? msg : "(message lost: out of memory)", suffix);
  free(msg);
}

void cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  print_formatted("hashsweep: ", "", fmt, ap);
  va_end(ap);
}

int cli_exit_for(hs_status st) {
  switch (st) {
  case HS_OK: return EXIT_ALL_DONE;
  case HS_ERR_INVALID_ARG:
  case HS_ERR_NOT_FOUND:
  case HS_ERR_EXISTS:
  case HS_ERR_FORMAT:
  case HS_ERR_UNSUPPORTED:
  case HS_ERR_LIMIT:
  case HS_ERR_BUSY: return EXIT_USAGE;
  case HS_ERR_CORRUPT:
  case HS_ERR_NOMEM:
  case HS_ERR_IO:
  case HS_ERR_DECODE:
  case HS_ERR_TOO_SMALL:
  case HS_ERR_DEVICE:
  case HS_ERR_INDEX:
  case HS_ERR_OVERFLOW:
  case HS_ERR_INTERRUPTED:
  case HS_ERR_TIMEOUT:
  case HS_ERR_INTERNAL:
  case HS_STATUS_COUNT: return EXIT_FATAL;
  }
  return EXIT_FATAL;
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
  /* cmd is one of the CLI's own command names. */
  char prefix[96], hint[128];
  snprintf(prefix, sizeof prefix, "hashsweep %s: ", cmd);
  snprintf(hint, sizeof hint, "\nTry 'hashsweep %s --help'.", cmd);
  va_list ap;
  va_start(ap, fmt);
  print_formatted(prefix, hint, fmt, ap);
  va_end(ap);
  return EXIT_USAGE;
}

static void stderr_logger(void *user, hs_log_level level, const char *msg) {
  (void)user;
  static const char *const prefixes[] = {"hashsweep: error: ", "hashsweep: warning: ",
                                         "hashsweep: info: ", "hashsweep: debug: "};
  cli_print_line(prefixes[level], msg, "");
}

hs_logger cli_install_logger(int verbosity) {
  hs_log_level max = verbosity < 0    ? HS_LOG_ERROR
                     : verbosity == 0 ? HS_LOG_WARN
                     : verbosity == 1 ? HS_LOG_INFO
                                      : HS_LOG_DEBUG;
  hs_set_logger(stderr_logger, NULL, max);
  return (hs_logger){stderr_logger, NULL, max};
}

int cli_parse_size(const char *text, int si, uint64_t *out) {
  if (!text || !*text || !isdigit((unsigned char)*text))
    return -1;
  errno = 0;
  char *end;
  double v = strtod(text, &end);
  if (errno || v < 0)
    return -1;
  double unit = si ? 1000.0 : 1024.0, mult = 1;
  switch (toupper((unsigned char)*end)) {
  case '\0': break;
  case 'K': mult = unit; end++; break;
  case 'M': mult = unit * unit; end++; break;
  case 'G': mult = unit * unit * unit; end++; break;
  case 'T': mult = unit * unit * unit * unit; end++; break;
  default: return -1;
  }
  if (!si && (*end == 'i' || *end == 'I'))
    end++;
  if (!si && (*end == 'B' || *end == 'b'))
    end++;
  if (*end)
    return -1;
  v *= mult;
  if (v > 1.8e19)
    return -1;
  *out = (uint64_t)v;
  return 0;
}

int cli_parse_int(const char *text, long min, long max, long *out) {
  if (!text || !*text)
    return -1;
  errno = 0;
  char *end;
  long v = strtol(text, &end, 10);
  if (errno || *end || v < min || v > max)
    return -1;
  *out = v;
  return 0;
}

int cli_strings_push(cli_strings *l, const char *s) {
  if (l->count == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 64;
    char **items = realloc(l->items, cap * sizeof *items);
    if (!items)
      return -1;
    l->items = items;
    l->cap = cap;
  }
  l->items[l->count] = strdup(s);
  if (!l->items[l->count])
    return -1;
  l->count++;
  return 0;
}

void cli_strings_free(cli_strings *l) {
  for (size_t i = 0; i < l->count; i++)
    free(l->items[i]);
  free(l->items);
  memset(l, 0, sizeof *l);
}

int cli_strings_read_lines(cli_strings *l, FILE *f) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while ((n = getline(&line, &cap, f)) >= 0) {
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
      line[--n] = '\0';
    if (n == 0)
      continue;
    if (cli_strings_push(l, line) != 0) {
      free(line);
      return -1;
    }
  }
  free(line);
  return 0;
}

int cli_decode_option(const char *cmd, const char *opt, const char *arg, hs_decode_options *o) {
  if (strcmp(opt, "mode") == 0) {
    if (hs_mode_parse(arg, &o->mode) != HS_OK) {
      cli_usage_error(cmd, "%s", hs_last_error());
      return -1;
    }
    return 1;
  }
  if (strcmp(opt, "exif-rotate") == 0) {
    o->exif_rotate = 1;
    return 1;
  }
  if (strcmp(opt, "no-unletterbox") == 0) {
    o->no_unletterbox = 1;
    return 1;
  }
  if (strcmp(opt, "max-pixels") == 0) {
    if (cli_parse_size(arg, 1, &o->max_pixels) != 0 || o->max_pixels == 0) {
      cli_usage_error(cmd, "--max-pixels: '%s' is not a positive count (e.g. 200M)", arg);
      return -1;
    }
    return 1;
  }
  if (strcmp(opt, "max-file-size") == 0) {
    if (cli_parse_size(arg, 0, &o->max_file_bytes) != 0 || o->max_file_bytes == 0) {
      cli_usage_error(cmd, "--max-file-size: '%s' is not a positive size (e.g. 256M)", arg);
      return -1;
    }
    return 1;
  }
  if (strcmp(opt, "read-timeout") == 0) {
    char *end;
    errno = 0;
    double s = strtod(arg, &end);
    if (errno || end == arg || *end || !(s >= 0 && s <= 86400)) {
      cli_usage_error(cmd, "--read-timeout: '%s' is not a number of seconds (0..86400)", arg);
      return -1;
    }
    o->read_timeout_ms = (int)(s * 1000 + 0.5);
    if (s > 0 && o->read_timeout_ms == 0)
      o->read_timeout_ms = 1;
    return 1;
  }
  return 0;
}

int cli_engine_option(const char *cmd, const char *opt, const char *arg, hs_engine_options *o) {
  if (strcmp(opt, "device") == 0) {
    if (!arg || !*arg) {
      cli_usage_error(cmd, "--device: expected auto, cpu or a device index");
      return -1;
    }
    o->device = arg;
    return 1;
  }
  if (strcmp(opt, "kernel-dir") == 0) {
    if (!arg || !*arg) {
      cli_usage_error(cmd, "--kernel-dir: expected a folder");
      return -1;
    }
    o->kernel_dir = arg;
    return 1;
  }
  if (strcmp(opt, "no-kernel-cache") == 0) {
    o->no_cache = 1;
    return 1;
  }
  return 0;
}

int cli_engine_create(const char *cmd, const hs_engine_options *o, hs_engine **out) {
  hs_status st = hs_engine_create(o, out);
  if (st == HS_OK)
    return EXIT_ALL_DONE;
  if (st == HS_ERR_INVALID_ARG || st == HS_ERR_NOT_FOUND)
    return cli_usage_error(cmd, "%s", hs_last_error());
  cli_error("%s: %s", cmd, hs_last_error());
  return EXIT_FATAL;
}

int cli_video_option(const char *cmd, const char *opt, const char *arg, hs_video_options *v) {
  char *end = NULL;
  uint64_t n;
  long l;
  if (strcmp(opt, "seconds-per-hash") == 0 || strcmp(opt, "max-duration") == 0 ||
      strcmp(opt, "max-decode-time") == 0) {
    errno = 0;
    double d = strtod(arg, &end);
    if (errno || end == arg || *end || !(d >= 0) || d > 86400.0 * 7) {
      cli_usage_error(cmd, "--%s: expected seconds (a number >= 0), got '%s'", opt, arg);
      return -1;
    }
    if (opt[0] == 's' && d > 86400) {
      cli_usage_error(cmd, "--seconds-per-hash: at most 86400, got '%s'", arg);
      return -1;
    }
    if (opt[0] == 's')
      v->seconds_per_hash = d;
    else if (strcmp(opt, "max-duration") == 0)
      v->max_duration_s = d;
    else
      v->max_decode_s = d;
    return 1;
  }
  if (strcmp(opt, "max-frames") == 0 || strcmp(opt, "max-frame-pixels") == 0) {
    if (cli_parse_size(arg, 1, &n) != 0 || n == 0) {
      cli_usage_error(cmd, "--%s: expected a positive count, got '%s'", opt, arg);
      return -1;
    }
    if (strcmp(opt, "max-frames") == 0)
      v->max_frames = n;
    else
      v->max_frame_pixels = n;
    return 1;
  }
  if (strcmp(opt, "video-threads") == 0) {
    if (cli_parse_int(arg, 0, 256, &l) != 0) {
      cli_usage_error(cmd, "--video-threads: expected 0..256, got '%s'", arg);
      return -1;
    }
    v->threads = (int)l;
    return 1;
  }
  return 0;
}
