// labels: unit
/* tests/test_serve.c - the pure parts of the lookup service: the multipart
 * parser (serve/multipart.c), the ordering and deduplication of hits and
 * the JSON text of outside strings (serve/resolve.c), and --listen parsing
 * (serve/http.c). The HTTP side is driven end to end by
 * tests/cli/test_serve*.sh. */
#include <jansson.h>
#include <string.h>

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
  ck_assert_str_eq(hit_variant_name(HIT_FRAME), "frame");
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

int main(void) {
  Suite *s = suite_create("serve");
  TCase *tc = tcase_create("parse");
  tcase_add_loop_test(tc, multipart_cases, 0, (int)(sizeof mp_cases / sizeof *mp_cases));
  tcase_add_loop_test(tc, listen_parse, 0, (int)(sizeof listen_cases / sizeof *listen_cases));
  tcase_add_test(tc, hits_order_and_dedupe);
  tcase_add_test(tc, json_text_utf8);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
