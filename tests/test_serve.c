// labels: unit
/* tests/test_serve.c - the pure parts of the lookup service: the multipart
 * parser (serve/multipart.c), the ordering and deduplication of hits and
 * the JSON text of outside strings (serve/resolve.c), --listen parsing
 * (serve/http.c), and the decode workers' copies and stop
 * (serve/decode_pool.c). The HTTP side is driven end to end by
 * tests/cli/test_serve*.sh. */
#include <jansson.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>

#include "serve/decode_pool.h"
#include "serve/http.h"
#include "serve/multipart.h"
#include "serve/resolve.h"
#include "test_util.h"

/* ---- multipart ------------------------------------------------------------------- */

typedef struct mp_case {
  const char *ct, *body;
  int ok;
  const char *name, *data; /* when ok */
  const char *error;       /* a substring of the error when not ok */
} mp_case;

#define CD "Content-Disposition: form-data; "
static const mp_case mp_cases[] = {
    {"multipart/form-data; boundary=xx", "--xx\r\n" CD "name=\"photo\"; filename=\"a.jpg\"\r\n"
     "Content-Type: image/jpeg\r\n\r\nJPEGDATA\r\n--xx--\r\n", 1, "photo", "JPEGDATA", NULL},
    /* quoted boundary, preamble before the first delimiter, data holding CRLF and "--" */
    {"multipart/form-data; boundary=\"a b\"", "preamble\r\n--a b\r\n" CD "name=\"video\"\r\n\r\n"
     "x\r\n--a\r\ny\r\n--a b--", 1, "video", "x\r\n--a\r\ny", NULL},
    /* filename= before name= must not be taken for the name */
    {"multipart/form-data; boundary=b", "--b\r\n" CD "filename=\"f\"; name=\"photo\"\r\n\r\n1\r\n--b--",
     1, "photo", "1", NULL},
    {"multipart/form-data; boundary=b", "--b\r\n" CD "name=\"photo\"\r\n\r\n\r\n--b--", 1, "photo", "",
     NULL},
    {"application/json", "{}", 0, NULL, NULL, "not multipart"},
    {NULL, "x", 0, NULL, NULL, "not multipart"},
    {"multipart/form-data", "x", 0, NULL, NULL, "without a boundary"},
    {"multipart/form-data; boundary=", "x", 0, NULL, NULL, "bad length"},
    {"multipart/form-data; boundary=b", "no delimiter", 0, NULL, NULL, "opening boundary"},
    {"multipart/form-data; boundary=b", "--b\r\n" CD "name=\"photo\"\r\n\r\nabc", 0, NULL, NULL,
     "closing boundary"},
    {"multipart/form-data; boundary=b", "--b\r\nX: y\r\n\r\n1\r\n--b--", 0, NULL, NULL,
     "without Content-Disposition"},
    {"multipart/form-data; boundary=b", "--b\r\n" CD "filename=\"f\"\r\n\r\n1\r\n--b--", 0, NULL,
     NULL, "form field name"},
    {"multipart/form-data; boundary=b", "--b\r\n" CD "name=\"a\"\r\n\r\n1\r\n--b\r\n" CD
     "name=\"b\"\r\n\r\n2\r\n--b--", 0, NULL, NULL, "only one file"},
    {"multipart/form-data; boundary=b", "--b--\r\n", 0, NULL, NULL, "without a part"},
    {"multipart/form-data; boundary=b", "--b\r\n" CD "name=\"photo\"", 0, NULL, NULL,
     "end of its headers"},
};

START_TEST(multipart_cases) {
  const mp_case *c = &mp_cases[_i];
  multipart_file f;
  hs_status st = multipart_single(c->ct, (const uint8_t *)c->body, strlen(c->body), &f);
  if (c->ok) {
    ck_assert_msg(st == HS_OK, "case %d: %s", _i, hs_last_error());
    ck_assert_str_eq(f.name, c->name);
    ck_assert_uint_eq(f.size, strlen(c->data));
    ck_assert(memcmp(f.data, c->data, f.size) == 0);
  } else {
    ck_assert_int_eq(st, HS_ERR_FORMAT);
    ck_assert_msg(strstr(hs_last_error(), c->error), "case %d: '%s' lacks '%s'", _i,
                  hs_last_error(), c->error);
  }
}
END_TEST

/* ---- hits ------------------------------------------------------------------------- */

START_TEST(hits_order_and_dedupe) {
  serve_hit h[] = {
      {.entry = 9, .distance = 12, .variant = 3},       /* entry 9 via rot270 at 12 */
      {.entry = 9, .distance = 12, .variant = 1},       /* ... and rot90 at 12: lower wins */
      {.entry = 4, .distance = 20, .variant = 0},       /* entry 4 at 20 ... */
      {.entry = 4, .distance = 0, .variant = HIT_SHA256}, /* ... and exact: exact wins */
      {.entry = 7, .distance = 0, .variant = HIT_MD5},
      {.entry = 2, .distance = 12, .variant = 8},       /* unletterbox, same distance as 9 */
      {.entry = 5, .distance = 3, .variant = 0},
  };
  size_t n = hits_dedupe(h, sizeof h / sizeof h[0]);
  ck_assert_uint_eq(n, 5);
  /* md5 before sha256, then by distance, then by entry */
  const uint64_t entries[] = {7, 4, 5, 2, 9};
  const int variants[] = {HIT_MD5, HIT_SHA256, 0, 8, 1};
  for (size_t i = 0; i < n; i++) {
    ck_assert_uint_eq(h[i].entry, entries[i]);
    ck_assert_int_eq(h[i].variant, variants[i]);
  }
  ck_assert_str_eq(hit_variant_name(1), "rot90");
  ck_assert_str_eq(hit_variant_name(8 + 5), "unletterbox+flipy");
  ck_assert_str_eq(hit_variant_name(HIT_FRAME), "orig");
  ck_assert_str_eq(hit_variant_name(99), "?");
  ck_assert_uint_eq(hits_dedupe(h, 0), 0);
}
END_TEST

START_TEST(json_text_utf8) {
  json_t *j = json_text("caf\xc3\xa9");
  ck_assert_str_eq(json_string_value(j), "caf\xc3\xa9");
  json_decref(j);
  j = json_text("a\xff" "b\xe2\x82"); /* a stray byte, a cut sequence */
  ck_assert_str_eq(json_string_value(j), "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd");
  json_decref(j);
  j = json_text("\xed\xa0\x80"); /* a UTF-16 surrogate is not UTF-8 */
  ck_assert_str_eq(json_string_value(j), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  json_decref(j);
  j = json_text(NULL);
  ck_assert(json_is_null(j));
  json_decref(j);
}
END_TEST

/* ---- --listen --------------------------------------------------------------------- */

typedef struct listen_case {
  const char *text;
  int ok, ipv6, loopback, port;
} listen_case;

static const listen_case listen_cases[] = {
    {"127.0.0.1:8080", 1, 0, 1, 8080}, {"127.1.2.3:0", 1, 0, 1, 0},
    {"localhost:80", 1, 0, 1, 80},     {"0.0.0.0:8080", 1, 0, 0, 8080},
    {"10.0.0.5:1", 1, 0, 0, 1},        {"[::1]:8080", 1, 1, 1, 8080},
    {"[::]:8080", 1, 1, 0, 8080},      {"::1:8080", 1, 1, 1, 8080},
    {"127.0.0.1", 0, 0, 0, 0},         {"127.0.0.1:", 0, 0, 0, 0},
    {":8080", 0, 0, 0, 0},             {"127.0.0.1:65536", 0, 0, 0, 0},
    {"127.0.0.1:-1", 0, 0, 0, 0},      {"127.0.0.1:80x", 0, 0, 0, 0},
    {"example.org:80", 0, 0, 0, 0},
};

START_TEST(listen_parse) {
  const listen_case *c = &listen_cases[_i];
  http_addr a;
  hs_status st = http_parse_listen(c->text, &a);
  ck_assert_msg((st == HS_OK) == c->ok, "'%s': %s", c->text, hs_last_error());
  if (!c->ok) {
    ck_assert_int_eq(st, HS_ERR_INVALID_ARG);
    ck_assert(strstr(hs_last_error(), c->text));
    return;
  }
  ck_assert_int_eq(a.ipv6, c->ipv6);
  ck_assert_int_eq(a.loopback, c->loopback);
  ck_assert_int_eq(ntohs(c->ipv6 ? a.v6.sin6_port : a.v4.sin_port), c->port);
}
END_TEST

/* ---- the decode workers ------------------------------------------------------------ */

START_TEST(decode_pool_job_args) {
  pool_job j;
  ck_assert_int_eq(pool_job_init(&j, "POST", "/m/lookup", "multipart/form-data; boundary=b",
                                 (const uint8_t *)"xy", 2), 0);
  for (int i = 0; i < 20; i++) /* past the first growth */
    ck_assert_int_eq(pool_job_add_arg(&j, i == 0 ? "flag" : i == 1 ? "banks" : "pad", i == 0 ? NULL
                                      : i == 1 ? "a,b" : "later"), 0);
  ck_assert_int_eq(pool_job_add_arg(&j, "banks", "second"), 0);
  ck_assert_str_eq(j.req.method, "POST");
  ck_assert_str_eq(j.req.path, "/m/lookup");
  ck_assert_str_eq(j.req.content_type, "multipart/form-data; boundary=b");
  ck_assert_int_eq(j.req.body_len, 2);
  /* the first value of a key, as libmicrohttpd's lookup answers */
  ck_assert_str_eq(j.req.arg(j.req.arg_user, "banks"), "a,b");
  ck_assert_str_eq(j.req.arg(j.req.arg_user, "pad"), "later");
  ck_assert_ptr_null(j.req.arg(j.req.arg_user, "flag"));
  ck_assert_ptr_null(j.req.arg(j.req.arg_user, "absent"));
  pool_job_free(&j);
}
END_TEST

/* Job 0's done holds the only worker until released; the others record
 * their answers. */
static struct {
  pthread_mutex_t m;
  pthread_cond_t cv;
  int entered, release, ndone, status[3];
} held = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, {0}};

static void held_done(pool_job *j) {
  intptr_t i = (intptr_t)j->user;
  pthread_mutex_lock(&held.m);
  held.status[i] = j->rs.status;
  held.ndone++;
  pthread_cond_broadcast(&held.cv);
  if (i == 0) {
    held.entered = 1;
    pthread_cond_broadcast(&held.cv);
    while (!held.release)
      pthread_cond_wait(&held.cv, &held.m);
  }
  pthread_mutex_unlock(&held.m);
}

static void *stopper(void *p) {
  pool_stop(p);
  return NULL;
}

static int stopping(decode_pool *p) {
  pthread_mutex_lock(&p->lock);
  int s = p->stop;
  pthread_mutex_unlock(&p->lock);
  return s;
}

/* The queue is bounded; a stop answers what is queued with 503 (a job whose
 * place was reserved before the stop too), lets the running one finish and
 * returns only when every job pushed has had its done: libmicrohttpd must
 * have no connection left suspended when it stops. */
START_TEST(decode_pool_bound_and_stop) {
  serve_ctx ctx;
  memset(&ctx, 0, sizeof ctx); /* "/nope" is answered 404 without the index */
  decode_pool p;
  ck_assert_int_eq(pool_start(&p, &ctx, 1, 2), HS_OK);
  pool_job jobs[3];
  for (intptr_t i = 0; i < 3; i++) {
    ck_assert_int_eq(pool_job_init(&jobs[i], "GET", "/nope", NULL, (const uint8_t *)"", 0), 0);
    jobs[i].done = held_done;
    jobs[i].user = (void *)i;
  }
  ck_assert(pool_reserve(&p));
  pool_push(&p, &jobs[0]);
  pthread_mutex_lock(&held.m);
  while (!held.entered)
    pthread_cond_wait(&held.cv, &held.m);
  pthread_mutex_unlock(&held.m);
  ck_assert(pool_reserve(&p)); /* the worker is busy: job 1 waits */
  pool_push(&p, &jobs[1]);
  ck_assert(pool_reserve(&p)); /* a place for job 2 */
  ck_assert(!pool_reserve(&p)); /* two places: full */
  pthread_t t;
  ck_assert_int_eq(pthread_create(&t, NULL, stopper, &p), 0);
  while (!stopping(&p))
    sched_yield();
  ck_assert(!pool_reserve(&p)); /* stopping: nothing new */
  pthread_mutex_lock(&held.m);
  held.release = 1;
  pthread_cond_broadcast(&held.cv);
  while (held.ndone < 2) /* job 1 answered; the queue is empty */
    pthread_cond_wait(&held.cv, &held.m);
  pthread_mutex_unlock(&held.m);
  pool_push(&p, &jobs[2]); /* reserved before the stop: a worker still waits for it */
  pthread_join(t, NULL);
  ck_assert_int_eq(held.ndone, 3);
  ck_assert_int_eq(held.status[0], 404);
  for (int i = 1; i < 3; i++) {
    ck_assert_int_eq(held.status[i], 503);
    ck_assert_int_eq(jobs[i].rs.retry_after, 1);
    ck_assert(strstr(jobs[i].rs.body, "the service is stopping"));
  }
  for (int i = 0; i < 3; i++)
    pool_job_free(&jobs[i]);
}
END_TEST

int main(void) {
  Suite *s = suite_create("serve");
  TCase *tc = tcase_create("parse");
  tcase_add_loop_test(tc, multipart_cases, 0, (int)(sizeof mp_cases / sizeof *mp_cases));
  tcase_add_loop_test(tc, listen_parse, 0, (int)(sizeof listen_cases / sizeof *listen_cases));
  tcase_add_test(tc, hits_order_and_dedupe);
  tcase_add_test(tc, json_text_utf8);
  tcase_add_test(tc, decode_pool_job_args);
  tcase_add_test(tc, decode_pool_bound_and_stop);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
