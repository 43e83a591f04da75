/* eval/bench.c - device micro-benchmarks (`hashsweep bench`): transfer,
 * PDQ and Hamming rates of one engine, through the same public calls a scan
 * makes (hs_engine_pdq, hs_match_radius, hs_match_topk), so a figure here
 * is what a scan gets from that engine. Data come from a fixed seed; each
 * figure is the median of `repeats` timed runs after `warmup` untimed ones. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "device/engine_bench.h"
#include "hashsweep/eval.h"
#include "hashsweep/match.h"

#define MIB (1024 * 1024)

void hs_bench_options_default(hs_bench_options *o) {
  memset(o, 0, sizeof *o);
  o->repeats = 5;
  o->warmup = 1;
  o->transfer_bytes = 256 * (size_t)MIB;
  o->planes_512 = 64;
  o->planes_hd = 8;
  o->haystacks[0] = 1000000;
  o->haystacks[1] = 10000000;
  o->queries = 1000;
  o->radius = HS_PDQ_DEFAULT_RADIUS;
  o->seed = 20261122;
}

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Rates from the seconds of each run: work / seconds, median/min/max. */
static void figure_from_times(hs_bench_figure *f, double work, double *secs, int n) {
  for (int i = 0; i < n; i++)
    secs[i] = secs[i] > 0 ? work / secs[i] : 0;
  qsort(secs, (size_t)n, sizeof *secs, cmp_double);
  f->min = secs[0];
  f->max = secs[n - 1];
  f->median = n % 2 ? secs[n / 2] : (secs[n / 2 - 1] + secs[n / 2]) / 2;
  f->repeats = n;
  f->applicable = 1;
}

static hs_bench_figure *new_figure(hs_bench_report *r, const char *name, const char *unit,
                                   uint64_t size, uint64_t queries) {
  if (r->nfigures == HS_BENCH_MAX_FIGURES)
    return NULL;
  hs_bench_figure *f = &r->figures[r->nfigures++];
  memset(f, 0, sizeof *f);
  snprintf(f->name, sizeof f->name, "%s", name);
  snprintf(f->unit, sizeof f->unit, "%s", unit);
  f->size = size;
  f->queries = queries;
  return f;
}

/* ---- transfer ------------------------------------------------------------ */

static hs_status bench_transfer(const hs_bench_options *o, hs_bench_report *r) {
  hs_bench_figure *f = new_figure(r, "h2d", "GB/s", o->transfer_bytes, 0);
  HS_CHECK(f, HS_ERR_INTERNAL, "too many figures");
  if (!hs_engine_uses_device(o->engine)) {
    snprintf(f->note, sizeof f->note, "not applicable: the CPU path transfers nothing");
    return HS_OK;
  }
  uint8_t *buf = malloc(o->transfer_bytes);
  double *secs = calloc((size_t)o->repeats, sizeof *secs);
  hs_status st = buf && secs ? HS_OK : error_set(HS_ERR_NOMEM, "bench: out of memory");
  if (st == HS_OK) {
    memset(buf, 0x5a, o->transfer_bytes);
    st = engine_bench_transfer(o->engine, buf, o->transfer_bytes, o->repeats, secs);
  }
  if (st == HS_OK) {
    figure_from_times(f, (double)o->transfer_bytes / 1e9, secs, o->repeats);
    snprintf(f->note, sizeof f->note, "%.1f MiB per blocking write, after one untimed",
             (double)o->transfer_bytes / MIB);
  }
  else if (st == HS_ERR_UNSUPPORTED) {
    snprintf(f->note, sizeof f->note, "not applicable: %s", hs_last_error());
    st = HS_OK;
  }
  free(buf);
  free(secs);
  return st;
}

/* ---- PDQ ------------------------------------------------------------------ */

/* n planes of w x h: smooth gradients, shapes and noise (PDQ quality 100,
 * like photos), from the seed. One allocation: plane i at i*w*h floats. */
static float *make_planes(int w, int h, size_t n, uint64_t *seed, hs_luma *planes) {
  float *data = malloc(sizeof(float) * (size_t)w * (size_t)h * n);
  if (!data)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    float *p = data + i * (size_t)w * (size_t)h;
    double fx = 1 + (double)(splitmix(seed) % 5), fy = 1 + (double)(splitmix(seed) % 5);
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        double v = 128 + 60 * sin(fx * 6.283 * x / w) * cos(fy * 6.283 * y / h) +
                   ((x / 37 + y / 53) % 2 ? 30 : -30) + (double)(splitmix(seed) % 17);
        p[(size_t)y * w + x] = (float)(v < 0 ? 0 : v > 255 ? 255 : v);
      }
    planes[i] = (hs_luma){.width = w, .height = h, .stride = (size_t)w, .data = p};
  }
  return data;
}

static hs_status bench_pdq(const hs_bench_options *o, hs_bench_report *r, const char *name, int w,
                           int h, size_t n) {
  hs_bench_figure *f = new_figure(r, name, "planes/s", n, 0);
  HS_CHECK(f, HS_ERR_INTERNAL, "too many figures");
  snprintf(f->note, sizeof f->note, "%dx%d planes, %zu per batch", w, h, n);
  uint64_t seed = o->seed + (uint64_t)w;
  hs_luma *planes = calloc(n, sizeof *planes);
  hs_pdq *out = calloc(n, sizeof *out);
  double *secs = calloc((size_t)o->repeats, sizeof *secs);
  float *data = planes ? make_planes(w, h, n, &seed, planes) : NULL;
  hs_status st = planes && out && secs && data ? HS_OK
                                               : error_set(HS_ERR_NOMEM, "bench: out of memory");
  for (int i = 0; st == HS_OK && i < o->warmup + o->repeats; i++) {
    double t0 = clock_now_s();
    st = hs_engine_pdq(o->engine, planes, n, out);
    if (i >= o->warmup)
      secs[i - o->warmup] = clock_now_s() - t0;
  }
  if (st == HS_OK)
    figure_from_times(f, (double)n, secs, o->repeats);
  free(planes);
  free(out);
  free(secs);
  free(data);
  return st;
}

/* ---- Hamming ---------------------------------------------------------------- */

/* m random 256-bit hashes, and q queries each with a planted neighbour at
 * distance i % (radius + 8), so the radius search has results to sort. */
static hs_status make_hashes(const hs_bench_options *o, size_t m, uint64_t **hay,
                             uint64_t **queries) {
  uint64_t seed = o->seed ^ m;
  *hay = malloc(sizeof(uint64_t) * 4 * m);
  *queries = malloc(sizeof(uint64_t) * 4 * o->queries);
  HS_CHECK(*hay && *queries, HS_ERR_NOMEM, "bench: out of memory for %zu hashes", m);
  for (size_t i = 0; i < 4 * m; i++)
    (*hay)[i] = splitmix(&seed);
  for (size_t i = 0; i < 4 * o->queries; i++)
    (*queries)[i] = splitmix(&seed);
  for (size_t i = 0; i < o->queries; i++) {
    uint64_t *near = *hay + 4 * (splitmix(&seed) % m);
    memcpy(near, *queries + 4 * i, sizeof(uint64_t) * 4);
    for (size_t b = 0; b < i % (size_t)(o->radius + 8); b++) {
      unsigned bit = (unsigned)(splitmix(&seed) % 256);
      near[bit / 64] ^= 1ULL << (bit % 64);
    }
  }
  return HS_OK;
}

/* Untimed runs before a search is timed: `warmup`, and on the CPU path
 * at least HS_BENCH_WARMUP_QUERIES queries, so that a multi-index the
 * matcher builds after some brute-force queries (hashsweep/match.h) is in
 * place: the timed runs see what a long scan sees. */
static int search_warmup(const hs_bench_options *o) {
  int runs = o->warmup;
  if (!hs_engine_uses_device(o->engine)) {
    size_t need = (HS_BENCH_WARMUP_QUERIES + o->queries - 1) / o->queries;
    if ((size_t)runs < need)
      runs = (int)need;
  }
  return runs;
}

static hs_status time_search(const hs_bench_options *o, hs_haystack *hs, const uint64_t *queries,
                             int top1, double *secs) {
  hs_status st = HS_OK;
  const int warmup = search_warmup(o);
  for (int i = 0; st == HS_OK && i < warmup + o->repeats; i++) {
    hs_match_list list = {0};
    double t0 = clock_now_s();
    st = top1 ? hs_match_topk(o->engine, hs, queries, o->queries, 1, &list)
              : hs_match_radius(o->engine, hs, queries, o->queries, o->radius, &list);
    double t = clock_now_s() - t0;
    if (i >= warmup)
      secs[i - warmup] = t;
    if (st == HS_OK && top1 && list.count != o->queries)
      st = error_set(HS_ERR_INTERNAL, "bench: top-1 gave %zu results for %zu queries", list.count,
                     o->queries);
    hs_match_list_free(&list);
  }
  return st;
}

static hs_status bench_hamming(const hs_bench_options *o, hs_bench_report *r, size_t m) {
  uint64_t *hay = NULL, *queries = NULL;
  hs_haystack *hs = NULL;
  double *secs = calloc((size_t)o->repeats, sizeof *secs);
  hs_status st = secs ? make_hashes(o, m, &hay, &queries) : error_set(HS_ERR_NOMEM, "bench");
  if (st == HS_OK)
    st = hs_haystack_create(o->engine, 256, hay, m, &hs);
  free(hay); /* the haystack holds its own copy */
  for (int top1 = 0; st == HS_OK && top1 < 2; top1++) {
    char note[64];
    snprintf(note, sizeof note, top1 ? "top-1" : "radius %d", o->radius);
    hs_bench_figure *f = new_figure(r, top1 ? "hamming_top1" : "hamming_radius", "comparisons/s",
                                    m, o->queries);
    if (!f) {
      st = error_set(HS_ERR_INVALID_ARG, "bench: too many haystack sizes");
      break;
    }
    snprintf(f->note, sizeof f->note, "256-bit, %s, M = %zu, Q = %zu", note, m, o->queries);
    st = time_search(o, hs, queries, top1, secs);
    if (st == HS_OK)
      figure_from_times(f, (double)m * (double)o->queries, secs, o->repeats);
  }
  hs_haystack_destroy(hs);
  free(queries);
  free(secs);
  return st;
}

/* ---- the run ------------------------------------------------------------------ */

static void cpu_model(char *out, size_t cap) {
  snprintf(out, cap, "CPU");
  FILE *f = fopen("/proc/cpuinfo", "r");
  char line[512];
  while (f && fgets(line, sizeof line, f)) {
    char *colon = strchr(line, ':');
    if (strncmp(line, "model name", 10) == 0 && colon) {
      colon += colon[1] == ' ' ? 2 : 1;
      colon[strcspn(colon, "\n")] = '\0';
      snprintf(out, cap, "%s", colon);
      break;
    }
  }
  if (f)
    fclose(f);
}

static void describe_engine(hs_engine *e, hs_bench_report *r) {
  snprintf(r->engine, sizeof r->engine, "%s", hs_engine_description(e));
  r->uses_device = hs_engine_uses_device(e);
  hs_device_info info;
  if (r->uses_device && engine_bench_device_info(e, &info) == HS_OK) {
    snprintf(r->device, sizeof r->device, "%s", info.name);
    snprintf(r->driver, sizeof r->driver, "%s", info.driver_version);
    snprintf(r->platform, sizeof r->platform, "%s", info.platform);
  } else {
    cpu_model(r->device, sizeof r->device);
  }
}

hs_status hs_bench_run(const hs_bench_options *o, hs_bench_report *r) {
  HS_CHECK(o && r && o->engine, HS_ERR_INVALID_ARG, "hs_bench_run: options, engine and report "
           "are required");
  HS_CHECK(o->repeats >= 1 && o->warmup >= 0 && o->queries >= 1 && o->radius >= 0 &&
               o->transfer_bytes >= 1 && o->planes_512 >= 1 && o->planes_hd >= 1,
           HS_ERR_INVALID_ARG, "hs_bench_run: repeats, queries, sizes must be positive");
  memset(r, 0, sizeof *r);
  describe_engine(o->engine, r);
  double t0 = clock_now_s();
  HS_TRY(bench_transfer(o, r));
  log_info("bench: PDQ on %s", r->engine);
  HS_TRY(bench_pdq(o, r, "pdq_512", 512, 512, o->planes_512));
  HS_TRY(bench_pdq(o, r, "pdq_1080p", 1920, 1080, o->planes_hd));
  for (size_t i = 0; i < sizeof o->haystacks / sizeof o->haystacks[0] && o->haystacks[i]; i++) {
    log_info("bench: Hamming search, M = %zu", o->haystacks[i]);
    HS_TRY(bench_hamming(o, r, o->haystacks[i]));
  }
  r->elapsed = clock_now_s() - t0;
  return HS_OK;
}

/* ---- JSON ---------------------------------------------------------------------- */

static void json_str(FILE *f, const char *key, const char *v, const char *after) {
  fprintf(f, "\"%s\": ", key);
  hs_json_write_string(f, v);
  fputs(after, f);
}

hs_status hs_bench_write_json(const hs_bench_report *r, const hs_bench_options *o, FILE *f) {
  HS_CHECK(r && o && f, HS_ERR_INVALID_ARG, "hs_bench_write_json: NULL argument");
  char date[32];
  hs_time_to_iso((int64_t)time(NULL), date);
  fputs("{", f);
  json_str(f, "hashsweep_version", hs_version(), ", ");
  json_str(f, "build_features", hs_build_features(), ",\n ");
  json_str(f, "engine", r->engine, ", ");
  fprintf(f, "\"uses_device\": %s,\n ", r->uses_device ? "true" : "false");
  json_str(f, "device", r->device, ", ");
  json_str(f, "driver", r->driver, ", ");
  json_str(f, "platform", r->platform, ",\n ");
  json_str(f, "date", date, ", ");
  fprintf(f, "\"elapsed_s\": %.3f,\n \"options\": {\"repeats\": %d, \"warmup\": %d, "
             "\"seed\": %llu},\n \"figures\": [\n",
          r->elapsed, o->repeats, o->warmup, (unsigned long long)o->seed);
  for (size_t i = 0; i < r->nfigures; i++) {
    const hs_bench_figure *g = &r->figures[i];
    fputs("  {", f);
    json_str(f, "name", g->name, ", ");
    json_str(f, "unit", g->unit, ", ");
    fprintf(f, "\"size\": %llu, \"queries\": %llu, \"applicable\": %s, ",
            (unsigned long long)g->size, (unsigned long long)g->queries,
            g->applicable ? "true" : "false");
    if (g->applicable)
      fprintf(f, "\"median\": %.6g, \"min\": %.6g, \"max\": %.6g, ", g->median, g->min, g->max);
    else
      fputs("\"median\": null, \"min\": null, \"max\": null, ", f);
    fprintf(f, "\"repeats\": %d, ", g->repeats);
    json_str(f, "note", g->note, i + 1 < r->nfigures ? "},\n" : "}\n");
  }
  fputs(" ]\n}\n", f);
  return ferror(f) ? error_set(HS_ERR_IO, "cannot write the benchmark JSON") : HS_OK;
}
