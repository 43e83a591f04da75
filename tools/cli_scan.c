/* tools/cli_scan.c - progress, summary and signals for scan and rescan. */
#include "cli_scan.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cli_scan_progress(void *user, const hs_scan_summary *s, uint64_t total, int done) {
  (void)user;
  uint64_t n = s->hashed + s->unchanged + s->failed;
  double rate = s->elapsed > 0 ? s->hashed / s->elapsed : 0;
  char eta[32] = "";
  if (total > n && rate > 0)
    snprintf(eta, sizeof eta, ", ETA %.0fs", (double)(total - n) / rate);
  char of[32] = "";
  if (total)
    snprintf(of, sizeof of, "/%llu", (unsigned long long)total);
  fprintf(stderr, "\r\033[K%llu%s files, %.1f files/s, %llu matches, %llu errors%s",
          (unsigned long long)n, of, rate, (unsigned long long)s->matches,
          (unsigned long long)s->failed, eta);
  if (done)
    fputc('\n', stderr);
  fflush(stderr);
}

/* The guard's counters, when it did anything (docs/guard.md). */
static void guard_summary(const hs_scan_summary *s) {
  if (s->allowed)
    fprintf(stderr, ", %llu files allowed (%llu matches suppressed by allow-lists)",
            (unsigned long long)s->allowed, (unsigned long long)s->suppressed);
  if (s->held || s->quarantined)
    fprintf(stderr, ", %llu matches held (flood), %llu entries quarantined",
            (unsigned long long)s->held, (unsigned long long)s->quarantined);
}

void cli_scan_summary(const char *what, const hs_scan_summary *s) {
  if (strcmp(what, "rescan") == 0) {
    fprintf(stderr,
            "hashsweep rescan: %llu files in the store, %llu matched (%llu matches), %llu "
            "recorded as failed, %llu low quality, %.0f files/s, %.2f s elapsed, index version "
            "%llu, nothing decoded",
            (unsigned long long)s->seen, (unsigned long long)s->matched,
            (unsigned long long)s->matches, (unsigned long long)s->failed,
            (unsigned long long)s->low_quality, s->elapsed > 0 ? s->seen / s->elapsed : 0,
            s->elapsed, (unsigned long long)s->index_version);
    guard_summary(s);
    fputc('\n', stderr);
    return;
  }
  double rate = s->elapsed > 0 ? (s->hashed + s->unchanged) / s->elapsed : 0;
  fprintf(stderr,
          "hashsweep %s: %llu files seen, %llu hashed, %llu matched (%llu matches), %llu failed, "
          "%llu skipped as unchanged, %llu low quality, %.1f files/s, %.2f s elapsed, index "
          "version %llu",
          what, (unsigned long long)s->seen, (unsigned long long)s->hashed,
          (unsigned long long)s->matched, (unsigned long long)s->matches,
          (unsigned long long)s->failed, (unsigned long long)s->unchanged,
          (unsigned long long)s->low_quality, rate, s->elapsed,
          (unsigned long long)s->index_version);
  if (s->resumed)
    fprintf(stderr, ", %llu already done by the interrupted run", (unsigned long long)s->resumed);
  if (s->other_shards)
    fprintf(stderr, ", %llu in other shards", (unsigned long long)s->other_shards);
  guard_summary(s);
  fputc('\n', stderr);
}

static volatile sig_atomic_t signals_seen;
static hs_cancel *volatile signal_cancel; /* set before the handlers are installed */

static void on_signal(int sig) {
  if (signals_seen++) {
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  hs_cancel_trigger(signal_cancel); /* async-signal-safe */
}

void cli_scan_install_signals(hs_cancel *cancel) {
  signal_cancel = cancel;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = cancel ? on_signal : SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

int cli_parse_out_format(const char *cmd, const char *arg, hs_out_format *out) {
  if (strcmp(arg, "jsonl") == 0)
    *out = HS_OUT_JSONL;
  else if (strcmp(arg, "csv") == 0)
    *out = HS_OUT_CSV;
  else
    return cli_usage_error(cmd, "--format: expected jsonl or csv, got '%s'", arg);
  return 0;
}

int cli_match_option(const char *cmd, const char *opt, const char *arg, const cli_match_opts *m) {
  long v;
  if (strcmp(opt, "out") == 0) {
    *m->out = arg;
  } else if (strcmp(opt, "format") == 0) {
    if (cli_parse_out_format(cmd, arg, m->format))
      return -1;
  } else if (strcmp(opt, "radius") == 0) {
    if (cli_parse_int(arg, 0, 256, &v))
      return cli_usage_error(cmd, "--radius: expected 0..256, got '%s'", arg), -1;
    *m->radius = (int)v;
  } else if (strcmp(opt, "min-quality") == 0) {
    if (cli_parse_int(arg, 0, 101, &v))
      return cli_usage_error(cmd, "--min-quality: expected 0..101, got '%s'", arg), -1;
    *m->min_quality = (int)v;
  } else if (strcmp(opt, "flood-files") == 0) {
    if (cli_parse_int(arg, 0, 1L << 40, &v))
      return cli_usage_error(cmd, "--flood-files: expected a count (0 = off), got '%s'", arg), -1;
    *m->flood_files = (uint64_t)v;
  } else if (strcmp(opt, "flood-per-million") == 0) {
    char *end;
    double d = strtod(arg, &end);
    if (!*arg || *end || !(d >= 0 && d <= 1e6))
      return cli_usage_error(cmd, "--flood-per-million: expected 0..1000000, got '%s'", arg), -1;
    *m->flood_per_million = d;
  } else if (strcmp(opt, "video-query-percent") == 0 ||
             strcmp(opt, "video-compared-percent") == 0) {
    char *end;
    double p = strtod(arg, &end);
    if (end == arg || *end || !(p >= 0 && p <= 100))
      return cli_usage_error(cmd, "--%s: expected a percentage 0..100, got '%s'", opt, arg), -1;
    *(opt[6] == 'q' ? m->video_query_percent : m->video_compared_percent) = p;
  } else if (strcmp(opt, "match-on") == 0) {
    if (hs_placement_parse(arg, m->match_on) != HS_OK)
      return cli_usage_error(cmd, "--match-on: %s", hs_last_error()), -1;
  } else {
    return 0;
  }
  return 1;
}
