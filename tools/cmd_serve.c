/* tools/cmd_serve.c - `hashsweep serve`: the upload-time lookup service
 * (engine/serve/, docs/serve.md). Parses options, reads the token and TLS
 * files, turns SIGTERM/SIGINT into a drain, and runs hs_serve_run. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "cli_scan.h"
#include "commands.h"

static void serve_usage(FILE *out) {
  fprintf(out,
          "usage: hashsweep serve --index IDX [--listen HOST:PORT] [options]\n"
          "Answers hash lookups and upload checks over HTTP against a live index: imports\n"
          "and withdrawals made by other processes are matched within a second. The index\n"
          "is opened read-only. Endpoints, HMA compatibility and deployment: docs/serve.md.\n\n"
          "options:\n"
          "  --index IDX           the hash index (required)\n"
          "  --listen HOST:PORT    address to listen on (default 127.0.0.1:8080; port 0\n"
          "                        picks a free one)\n"
          "  --port-file F         write the port listened on to F once listening\n"
          "  --token-file F        every request but /healthz and /readyz must carry\n"
          "                        'Authorization: Bearer <the first line of F>'\n"
          "  --insecure            allow a non-loopback address without a token\n"
          "  --tls-cert F --tls-key F   serve HTTPS (PEM files)\n"
          "  --threads N           HTTP worker threads, 1..200 (default: cores, at least\n"
          "                        2; each holds an index reader slot of 254)\n"
          "  --cpu-affinity M      auto, on or off: each HTTP thread keeps to one CPU and\n"
          "                        takes the connections that CPU receives (default\n"
          "                        auto: on for a loopback address, behind a local proxy)\n"
          "  --max-connections N   open connections at most (default 4096)\n"
          "  --timeout S           close a connection idle for S seconds (default 15)\n"
          "  --request-timeout S   close a connection whose request has not arrived whole\n"
          "                        S seconds after its first line (default 10)\n"
          "  --drain-timeout S     on SIGTERM, wait S seconds at most for the requests in\n"
          "                        flight (default 30; 0..3600)\n"
          "  --max-body N          request bodies above N bytes get 413 (default 64M)\n"
          "  --max-batch N         hashes per /v1/lookup request (default 1000)\n"
          "  --batch-wait-ms MS    on a device, gather lookups this long (default 1; the\n"
          "                        CPU searches at once on the request threads)\n"
          "  --max-queue N         lookups waiting at most; beyond, 503 (default 1024)\n"
          "  --decode-workers N    threads decoding uploads, off the HTTP threads\n"
          "                        (default: cores; 16 waiting per worker, then 503)\n"
          "  --poll-ms MS          index version poll period (default 250)\n"
          "  --radius R            PDQ match distance (default 31)\n"
          "  --min-quality Q       uploads below are not PDQ-matched (default 50)\n"
          "  --video-query-percent P     a checked video matches a listed video when at\n"
          "                        least P%% of its unique frames matched (default 80)\n"
          "  --video-compared-percent P  ... and at least P%% of the listed video's\n"
          "                        unique frames were matched (default 0)\n"
          CLI_DECODE_OPTIONS_HELP
          "  --no-unletterbox      match an upload (image or video frames) by its own hash\n"
          "                        only, not also the content inside added borders\n"
          "  --device D            auto, cpu or a device index (Hamming search)\n"
          "  --match-threads N     CPU threads of one Hamming search (default 1: batches\n"
          "                        are small and lookups run side by side; 0: all cores)\n"
          "  -v, --verbose         log more (never hashes or uploads)\n\n"
          "SIGTERM or SIGINT: stop accepting, finish the requests in flight, exit 0.\n"
          "Exit: 0 stopped by a signal, 2 usage or configuration error, 3 fatal.\n");
}

typedef struct serve_args {
  hs_serve_options o;
  const char *token_file, *cert_file, *key_file, *port_file, *device;
  int verbose, match_threads;
} serve_args;

enum {
  OPT_INDEX = 256, OPT_LISTEN, OPT_PORT_FILE, OPT_TOKEN, OPT_INSECURE, OPT_CERT, OPT_KEY,
  OPT_THREADS, OPT_MAXCONN, OPT_TIMEOUT, OPT_MAXBODY, OPT_MAXBATCH, OPT_WAIT, OPT_QUEUE,
  OPT_DECODERS, OPT_POLL, OPT_RADIUS, OPT_QUALITY, OPT_DEVICE, OPT_MATCH_THREADS,
  OPT_VIDEO_QUERY, OPT_VIDEO_COMPARED, OPT_REQUEST_TIMEOUT, OPT_DRAIN_TIMEOUT,
  OPT_AFFINITY
};

static int int_opt(const char *name, const char *arg, long min, long max, long *v) {
  if (cli_parse_int(arg, min, max, v) != 0)
    return cli_usage_error("serve", "--%s: '%s' is not a number %ld..%ld", name, arg, min, max);
  return 0;
}

static int apply_number(serve_args *a, int c, const char *name, const char *arg) {
  long v;
  uint64_t size;
  hs_serve_options *o = &a->o;
  switch (c) {
  case OPT_MAXBODY:
    if (cli_parse_size(arg, 0, &size) != 0 || size == 0)
      return cli_usage_error("serve", "--max-body: '%s' is not a size", arg);
    o->max_body = size;
    return 0;
  case OPT_THREADS: if (int_opt(name, arg, 1, 200, &v)) return EXIT_USAGE; o->threads = (unsigned)v; return 0;
  case OPT_MAXCONN: if (int_opt(name, arg, 1, 1000000, &v)) return EXIT_USAGE; o->max_connections = (unsigned)v; return 0;
  case OPT_TIMEOUT: if (int_opt(name, arg, 1, 86400, &v)) return EXIT_USAGE; o->timeout_s = (unsigned)v; return 0;
  case OPT_REQUEST_TIMEOUT: if (int_opt(name, arg, 1, 86400, &v)) return EXIT_USAGE; o->request_timeout_s = (unsigned)v; return 0;
  case OPT_DRAIN_TIMEOUT: if (int_opt(name, arg, 0, 3600, &v)) return EXIT_USAGE; o->drain_timeout_s = (unsigned)v; return 0;
  case OPT_MAXBATCH: if (int_opt(name, arg, 1, 1000000, &v)) return EXIT_USAGE; o->max_batch = (unsigned)v; return 0;
  case OPT_WAIT: if (int_opt(name, arg, 0, 1000, &v)) return EXIT_USAGE; o->batch_wait_us = (unsigned)v * 1000; return 0;
  case OPT_QUEUE: if (int_opt(name, arg, 1, 1000000, &v)) return EXIT_USAGE; o->max_queue = (unsigned)v; return 0;
  case OPT_DECODERS: if (int_opt(name, arg, 1, 1024, &v)) return EXIT_USAGE; o->decode_workers = (unsigned)v; return 0;
  case OPT_POLL: if (int_opt(name, arg, 10, 60000, &v)) return EXIT_USAGE; o->poll_ms = (unsigned)v; return 0;
  case OPT_RADIUS: if (int_opt(name, arg, 0, 256, &v)) return EXIT_USAGE; o->radius = (int)v; return 0;
  case OPT_QUALITY: if (int_opt(name, arg, 0, 100, &v)) return EXIT_USAGE; o->min_quality = (int)v; return 0;
  case OPT_MATCH_THREADS: if (int_opt(name, arg, 0, 1024, &v)) return EXIT_USAGE; a->match_threads = (int)v; return 0;
  case OPT_VIDEO_QUERY:
  case OPT_VIDEO_COMPARED: {
    char *end;
    double p = strtod(arg, &end);
    if (end == arg || *end || !(p >= 0 && p <= 100))
      return cli_usage_error("serve", "--%s: expected a percentage 0..100, got '%s'", name, arg);
    *(c == OPT_VIDEO_QUERY ? &o->video_query_percent : &o->video_compared_percent) = p;
    return 0;
  }
  }
  return cli_usage_error("serve", "unknown option");
}

static int parse_serve_args(int argc, char **argv, serve_args *a) {
  static const struct option longopts[] = {
      {"index", required_argument, 0, OPT_INDEX}, {"listen", required_argument, 0, OPT_LISTEN},
      {"port-file", required_argument, 0, OPT_PORT_FILE},
      {"token-file", required_argument, 0, OPT_TOKEN}, {"insecure", no_argument, 0, OPT_INSECURE},
      {"tls-cert", required_argument, 0, OPT_CERT}, {"tls-key", required_argument, 0, OPT_KEY},
      {"threads", required_argument, 0, OPT_THREADS},
      {"cpu-affinity", required_argument, 0, OPT_AFFINITY},
      {"max-connections", required_argument, 0, OPT_MAXCONN},
      {"timeout", required_argument, 0, OPT_TIMEOUT},
      {"request-timeout", required_argument, 0, OPT_REQUEST_TIMEOUT},
      {"drain-timeout", required_argument, 0, OPT_DRAIN_TIMEOUT},
      {"max-body", required_argument, 0, OPT_MAXBODY},
      {"max-batch", required_argument, 0, OPT_MAXBATCH},
      {"batch-wait-ms", required_argument, 0, OPT_WAIT},
      {"max-queue", required_argument, 0, OPT_QUEUE},
      {"decode-workers", required_argument, 0, OPT_DECODERS},
      {"poll-ms", required_argument, 0, OPT_POLL}, {"radius", required_argument, 0, OPT_RADIUS},
      {"min-quality", required_argument, 0, OPT_QUALITY},
      {"device", required_argument, 0, OPT_DEVICE},
      {"match-threads", required_argument, 0, OPT_MATCH_THREADS},
      {"video-query-percent", required_argument, 0, OPT_VIDEO_QUERY},
      {"video-compared-percent", required_argument, 0, OPT_VIDEO_COMPARED},
      {"mode", required_argument, 0, 'M'}, {"exif-rotate", no_argument, 0, 'E'},
      {"no-unletterbox", no_argument, 0, 'E'},
      {"max-pixels", required_argument, 0, 'P'}, {"max-file-size", required_argument, 0, 'F'},
      {"read-timeout", required_argument, 0, 'R'}, {"verbose", no_argument, 0, 'v'},
      {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  hs_serve_options_default(&a->o);
  int c, li;
  optind = 1;
  while ((c = getopt_long(argc, argv, "vh", longopts, &li)) != -1) {
    switch (c) {
    case OPT_INDEX: a->o.index_path = optarg; break;
    case OPT_LISTEN: a->o.listen = optarg; break;
    case OPT_PORT_FILE: a->port_file = optarg; break;
    case OPT_TOKEN: a->token_file = optarg; break;
    case OPT_INSECURE: a->o.insecure = 1; break;
    case OPT_CERT: a->cert_file = optarg; break;
    case OPT_KEY: a->key_file = optarg; break;
    case OPT_DEVICE: a->device = optarg; break;
    case OPT_AFFINITY:
      if (strcmp(optarg, "auto") == 0)
        a->o.cpu_affinity = HS_SERVE_AFFINITY_AUTO;
      else if (strcmp(optarg, "on") == 0)
        a->o.cpu_affinity = HS_SERVE_AFFINITY_ON;
      else if (strcmp(optarg, "off") == 0)
        a->o.cpu_affinity = HS_SERVE_AFFINITY_OFF;
      else
        return cli_usage_error("serve", "--cpu-affinity: expected auto, on or off, got '%s'",
                               optarg);
      break;
    case 'v': a->verbose++; break;
    case 'h': serve_usage(stdout); return -1;
    case 'M': case 'E': case 'P': case 'F': case 'R': {
      int r = cli_decode_option("serve", longopts[li].name, optarg, &a->o.decode);
      if (r < 0)
        return EXIT_USAGE;
      break;
    }
    case '?': return cli_usage_error("serve", "unknown option");
    default:
      if (apply_number(a, c, longopts[li].name, optarg) != 0)
        return EXIT_USAGE;
    }
  }
  if (optind < argc)
    return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
  if (!a->o.index_path)
    return cli_usage_error("serve", "--index IDX is required");
  if (!a->cert_file != !a->key_file)
    return cli_usage_error("serve", "--tls-cert and --tls-key go together");
  return 0;
}

/* A whole small file (token, PEM), NUL-terminated; NULL with a message. */
static char *read_small_file(const char *what, const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    cli_error("%s %s: cannot open", what, path);
    return NULL;
  }
  char *buf = malloc(1 << 20);
  size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
  int bad = !buf || ferror(f) || !feof(f);
  fclose(f);
  if (bad) {
    cli_error("%s %s: unreadable or larger than 1 MiB", what, path);
    free(buf);
    return NULL;
  }
  buf[n] = '\0';
  return buf;
}

/* The token: the file's first line, trailing CR/LF/blanks cut. Never printed. */
static char *read_token(const char *path) {
  struct stat st;
  if (stat(path, &st) == 0 && (st.st_mode & 077))
    cli_error("warning: token file %s is readable by other users", path);
  char *t = read_small_file("token file", path);
  if (!t)
    return NULL;
  t[strcspn(t, "\r\n")] = '\0';
  size_t n = strlen(t);
  while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
    t[--n] = '\0';
  if (n < 16) {
    cli_error("token file %s: the token must be at least 16 characters", path);
    free(t);
    return NULL;
  }
  return t;
}

typedef struct serve_events {
  const char *port_file;
  int failed;
} serve_events;

static void on_event(void *user, const char *event, int port) {
  serve_events *e = user;
  if (strcmp(event, "listening") == 0) {
    fprintf(stderr, "hashsweep serve: listening on port %d\n", port);
    if (e->port_file) {
      /* written whole under a temporary name, so a reader never sees half */
      char tmp[4096];
      snprintf(tmp, sizeof tmp, "%s.tmp", e->port_file);
      FILE *f = fopen(tmp, "w");
      if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 || rename(tmp, e->port_file) != 0) {
        cli_error("--port-file %s: cannot write it", e->port_file);
        e->failed = 1;
      }
    }
  } else if (strcmp(event, "ready") == 0) {
    fprintf(stderr, "hashsweep serve: ready\n");
  }
}

/* Idle connections are file descriptors: raise the soft limit to the hard. */
static void raise_fd_limit(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

static int serve_run(int argc, char **argv) {
  serve_args a;
  memset(&a, 0, sizeof a);
  a.match_threads = 1;
  int rc = parse_serve_args(argc, argv, &a);
  if (rc != 0)
    return rc < 0 ? EXIT_ALL_DONE : rc;
  char *token = NULL, *cert = NULL, *key = NULL;
  if (a.token_file && !(token = read_token(a.token_file)))
    return EXIT_USAGE;
  if (a.cert_file && (!(cert = read_small_file("--tls-cert", a.cert_file)) ||
                      !(key = read_small_file("--tls-key", a.key_file)))) {
    free(token);
    free(cert);
    return EXIT_USAGE;
  }
  a.o.token = token;
  a.o.tls_cert = cert;
  a.o.tls_key = key;
  raise_fd_limit();
  hs_engine_options eo;
  hs_engine_options_default(&eo);
  eo.device = a.device;
  eo.threads = a.match_threads;
  eo.log = cli_install_logger(a.verbose);
  a.o.log = eo.log;
  serve_events ev = {a.port_file, 0};
  a.o.on_event = on_event;
  a.o.user = &ev;
  hs_cancel *cancel = NULL;
  hs_engine *engine = NULL;
  hs_status st = hs_cancel_create(&cancel);
  if (st == HS_OK) {
    cli_scan_install_signals(cancel);
    signal(SIGPIPE, SIG_IGN); /* a client that goes away is its connection's end */
    a.o.cancel = cancel;
    st = hs_engine_create(&eo, &engine);
  }
  if (st == HS_OK) {
    a.o.engine = engine;
    st = hs_serve_run(&a.o);
  }
  if (st != HS_OK)
    cli_error("%s", hs_last_error());
  else
    fprintf(stderr, "hashsweep serve: stopped\n");
  hs_engine_destroy(engine);
  cli_scan_install_signals(NULL);
  hs_cancel_destroy(cancel);
  if (token)
    memset(token, 0, strlen(token));
  free(token);
  free(cert);
  free(key);
  if (st != HS_OK)
    return cli_exit_for(st);
  return ev.failed ? EXIT_FATAL : EXIT_ALL_DONE;
}

const cli_command cmd_serve = {"serve", "answer lookups and upload checks over HTTP", serve_run,
                               serve_usage};
