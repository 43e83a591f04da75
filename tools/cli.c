/* tools/cli.c - shared CLI helpers. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("hashsweep: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "hashsweep %s: ", cmd);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\nTry 'hashsweep %s --help'.\n", cmd);
  va_end(ap);
  return EXIT_USAGE;
}

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void stderr_logger(void *user, hs_log_level level, const char *msg) {
  (void)user;
  static const char *const names[] = {"error", "warning", "info", "debug"};
  pthread_mutex_lock(&log_lock);
  fprintf(stderr, "hashsweep: %s: %s\n", names[level], msg);
  pthread_mutex_unlock(&log_lock);
}

void cli_install_logger(int verbosity) {
  hs_log_level max = verbosity < 0    ? HS_LOG_ERROR
                     : verbosity == 0 ? HS_LOG_WARN
                     : verbosity == 1 ? HS_LOG_INFO
                                      : HS_LOG_DEBUG;
  hs_set_logger(stderr_logger, NULL, max);
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
    o->unletterbox = 0;
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

int cli_engine_create(const char *cmd, const hs_engine_options *o, int placed_auto,
                      hs_engine **out) {
  hs_engine_options eo = *o;
  eo.auto_skips_host_cpu = placed_auto;
  hs_status st = hs_engine_create(&eo, out);
  if (st == HS_OK)
    return EXIT_ALL_DONE;
  if (st == HS_ERR_INVALID_ARG || st == HS_ERR_NOT_FOUND)
    return cli_usage_error(cmd, "%s", hs_last_error());
  cli_error("%s: %s", cmd, hs_last_error());
  return EXIT_FATAL;
}
