/* tests/fuzz/fuzz_serve.c - the service's request-to-lookup path
 * (serve_handle: routing, JSON and multipart parsing, hex, uploads through
 * the decoders, the micro-batcher, the matcher and the answer) over a small
 * index made once per process. The input is
 *     METHOD PATH[?QUERY]\n CONTENT-TYPE\n BODY
 * Whatever it holds, the answer is a status 200..599 with a body of its
 * content type: valid JSON (an object with "error" for a 4xx/5xx) or text. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "hashsweep.h"
#include "serve/server.h"

static serve_ctx ctx;
static hs_engine *engine;
static hs_cancel *cancel;
static char dir[64];

static void cleanup(void) {
  serve_ctx_close(&ctx);
  hs_engine_destroy(engine);
  hs_cancel_destroy(cancel);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "fuzz_serve: could not remove %s\n", dir);
}

/* An index with two PDQ entries and one MD5 entry, in two lists. */
static void make_index(void) {
  snprintf(dir, sizeof dir, "/tmp/fuzz-serve-XXXXXX");
  FUZZ_ASSERT(mkdtemp(dir));
  char idx[128], list[128];
  snprintf(idx, sizeof idx, "%s/idx", dir);
  snprintf(list, sizeof list, "%s/list.txt", dir);
  FUZZ_ASSERT(hs_index_create(idx) == HS_OK);
  FILE *f = fopen(list, "w");
  FUZZ_ASSERT(f);
  fputs("pdq f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22\n"
        "pdq 0000000000000000000000000000000000000000000000000000000000000001\n"
        "md5 d41d8cd98f00b204e9800998ecf8427e\n", f);
  fclose(f);
  hs_index *ix;
  FUZZ_ASSERT(hs_index_open(idx, 0, &ix) == HS_OK);
  hs_import_options io;
  hs_import_options_default(&io);
  io.list = "banka";
  hs_import_result r;
  const char *files[1] = {list};
  FUZZ_ASSERT(hs_index_import(ix, files, 1, &io, &r) == HS_OK && r.added == 3);
  hs_index_close(ix);
  hs_engine_options eo;
  hs_engine_options_default(&eo);
  eo.device = "cpu";
  eo.threads = 1;
  FUZZ_ASSERT(hs_engine_create(&eo, &engine) == HS_OK);
  FUZZ_ASSERT(hs_cancel_create(&cancel) == HS_OK);
  hs_serve_options o;
  hs_serve_options_default(&o);
  o.index_path = idx;
  o.engine = engine;
  o.cancel = cancel;
  o.max_batch = 8;
  o.batch_wait_us = 0;
  o.decode_workers = 1;
  o.decode.max_pixels = 1 << 22; /* keep the fuzzer fast on big headers */
  FUZZ_ASSERT(serve_ctx_open(&ctx, &o, 0) == HS_OK);
  atexit(cleanup);
}

typedef struct query {
  char *keys[16], *vals[16];
  int n;
} query;

static const char *get_arg(void *user, const char *key) {
  query *q = user;
  for (int i = 0; i < q->n; i++)
    if (strcmp(q->keys[i], key) == 0)
      return q->vals[i];
  return NULL;
}

static void split_query(char *s, query *q) {
  q->n = 0;
  for (char *save = NULL, *t = strtok_r(s, "&", &save); t && q->n < 16; t = strtok_r(NULL, "&", &save)) {
    char *eq = strchr(t, '=');
    q->keys[q->n] = t;
    q->vals[q->n] = eq ? (*eq = '\0', eq + 1) : t + strlen(t);
    q->n++;
  }
}

/* The next line of [*p, end) as a NUL-terminated copy (NULL at the end). */
static char *take_line(const uint8_t **p, const uint8_t *end) {
  if (*p >= end)
    return NULL;
  const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
  size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
  char *s = malloc(n + 1);
  FUZZ_ASSERT(s);
  memcpy(s, *p, n);
  s[n] = '\0';
  *p += n + (nl != NULL);
  return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!engine)
    make_index();
  const uint8_t *p = data, *end = data + size;
  char *line = take_line(&p, end);
  char *ct = take_line(&p, end);
  if (!line) {
    free(ct);
    return 0;
  }
  char *sp = strchr(line, ' ');
  const char *method = "GET";
  char *path = line;
  if (sp) {
    *sp = '\0';
    method = line;
    path = sp + 1;
  }
  query q;
  char *qs = strchr(path, '?');
  if (qs) {
    *qs++ = '\0';
    split_query(qs, &q);
  } else {
    q.n = 0;
  }
  serve_request rq = {.method = method, .path = path, .arg = get_arg, .arg_user = &q,
                      .content_type = ct && *ct ? ct : NULL, .body = p,
                      .body_len = (size_t)(end - p)};
  serve_response rs;
  serve_handle(&ctx, &rq, &rs);
  FUZZ_ASSERT(rs.status >= 200 && rs.status <= 599);
  FUZZ_ASSERT(rs.content_type && rs.body && rs.len > 0);
  if (strcmp(rs.content_type, "application/json") == 0) {
    json_error_t e;
    json_t *j = json_loadb(rs.body, rs.len, 0, &e);
    FUZZ_ASSERT(j && json_is_object(j));
    if (rs.status >= 400)
      FUZZ_ASSERT(json_is_string(json_object_get(j, "error")));
    json_decref(j);
  }
  free(rs.body);
  free(line);
  free(ct);
  return 0;
}
