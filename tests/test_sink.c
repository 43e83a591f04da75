// labels: unit
/* tests/test_sink.c - the scan's JSONL/CSV writer (scan/sink.c), the
 * escapers every text output uses (core/textsafe.c), and the run's own
 * files left out of the walk (scan/ownfiles.c). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scan/ownfiles.h"
#include "scan/sink.h"
#include "scan/sources.h"
#include "test_util.h"

/* ---- the escapers, table-driven ---------------------------------------------- */

typedef struct esc_case {
  const char *in, *tsv, *csv, *term;
} esc_case;

static const esc_case esc_cases[] = {
    {"plain/name.jpg", "plain/name.jpg", "plain/name.jpg", "plain/name.jpg"},
    /* The row forged through `hash`: newline and tabs stay in the cell. */
    {"evil\nffff\t100\tx.jpg", "evil\\nffff\\t100\\tx.jpg", "evil\\nffff\\t100\\tx.jpg",
     "evil\\nffff\\t100\\tx.jpg"},
    {"a\\b", "a\\\\b", "a\\\\b", "a\\b"}, /* the terminal keeps backslashes */
    {"cr\r.jpg", "cr\\r.jpg", "cr\\r.jpg", "cr\\r.jpg"},
    /* A terminal title sequence and a bell. */
    {"x\033]0;pwn\007", "x\\x1b]0;pwn\\x07", "x\\x1b]0;pwn\\x07", "x\\x1b]0;pwn\\x07"},
    {"del\x7f", "del\\x7f", "del\\x7f", "del\\x7f"},
    /* Valid UTF-8 passes; an invalid byte is shown as a byte. */
    {"caf\xc3\xa9", "caf\xc3\xa9", "caf\xc3\xa9", "caf\xc3\xa9"},
    {"bad\xe9.jpg", "bad\\xe9.jpg", "bad\\xe9.jpg", "bad\\xe9.jpg"},
    {"\xed\xa0\x80", "\\xed\\xa0\\x80", "\\xed\\xa0\\x80", "\\xed\\xa0\\x80"},
    /* C1 CSI (U+009B), line separator, right-to-left override. */
    {"c1\xc2\x9b", "c1\\u009b", "c1\\u009b", "c1\\u009b"},
    {"ls\xe2\x80\xa8", "ls\\u2028", "ls\\u2028", "ls\\u2028"},
    {"gpj\xe2\x80\xae.exe", "gpj\\u202e.exe", "gpj\\u202e.exe", "gpj\\u202e.exe"},
    /* CSV only: quotes, commas, formulas (OWASP), edge spaces. */
    {"a,b", "a,b", "\"a,b\"", "a,b"},
    {"say \"hi\"", "say \"hi\"", "\"say \"\"hi\"\"\"", "say \"hi\""},
    {"=HYPERLINK(\"http://x\")", "=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"",
     "=HYPERLINK(\"http://x\")"},
    {"+1", "+1", "\"'+1\"", "+1"},
    {"-2+3", "-2+3", "\"'-2+3\"", "-2+3"},
    {"@SUM(A1)", "@SUM(A1)", "\"'@SUM(A1)\"", "@SUM(A1)"},
    {"\t=1", "\\t=1", "\"'\\t=1\"", "\\t=1"},
    {"\r=1", "\\r=1", "\"'\\r=1\"", "\\r=1"},
    {"a=b", "a=b", "a=b", "a=b"}, /* only the first character counts */
    {" pad ", " pad ", "\" pad \"", " pad "},
    {"", "", "", ""},
};

START_TEST(escapers) {
  const esc_case *c = &esc_cases[_i];
  char *tsv = tu_written(hs_tsv_write_field, c->in);
  char *csv = tu_written(hs_csv_write_field, c->in);
  char *term = tu_written(hs_term_write_string, c->in);
  ck_assert_str_eq(tsv, c->tsv);
  ck_assert_str_eq(csv, c->csv);
  ck_assert_str_eq(term, c->term);
  /* No output holds a control byte, whatever the input. */
  for (const char *p = tsv; *p; p++)
    ck_assert_msg((unsigned char)*p >= 0x20 && *p != 0x7f, "control byte in %s", tsv);
  for (const char *p = csv; *p; p++)
    ck_assert_msg((unsigned char)*p >= 0x20 && *p != 0x7f, "control byte in %s", csv);
  free(tsv), free(csv), free(term);
}
END_TEST

START_TEST(escapers_every_byte) {
  /* Each byte alone: the escaped TSV field holds no tab, CR, LF or other
   * control byte, and decoding the escapes gives the byte back. */
  for (int b = 1; b < 256; b++) {
    char in[2] = {(char)b, 0};
    char *tsv = tu_written(hs_tsv_write_field, in);
    char dec[2] = {0, 0};
    if (tsv[0] != '\\') {
      dec[0] = tsv[0];
      ck_assert_uint_eq(strlen(tsv), 1);
    } else if (tsv[1] == 'x') {
      dec[0] = (char)strtol(tsv + 2, NULL, 16);
      ck_assert_uint_eq(strlen(tsv), 4);
    } else {
      const char *from = "\\tnr", *to = "\\\t\n\r";
      const char *at = strchr(from, tsv[1]);
      ck_assert_ptr_nonnull(at);
      dec[0] = to[at - from];
    }
    ck_assert_int_eq((unsigned char)dec[0], b);
    for (const char *p = tsv; *p; p++)
      ck_assert((unsigned char)*p >= 0x20 && *p != 0x7f);
    free(tsv);
  }
  /* NULL writes nothing. */
  char *n = tu_written(hs_csv_write_field, NULL);
  ck_assert_str_eq(n, "");
  free(n);
}
END_TEST

/* ---- the sink ------------------------------------------------------------------ */

static char *dir;

static void setup(void) { dir = tu_mkdtemp(); }
static void teardown(void) {
  tu_rmtree(dir);
  free(dir);
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  char *buf = calloc(1, 1 << 16);
  size_t n = fread(buf, 1, (1 << 16) - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static const hs_record sample = {
    .kind = HS_RECORD_MATCH,
    .path = "up/evil\nrow\t.jpg",
    .pdq_hex = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22",
    .quality = 100,
    .md5_hex = "6afd9779d1d22416a7587b95e21f0cb3",
    .entry = 1024,
    .list = "@victims",
    .label = "=cmd|' /C calc'!A0",
    .distance = 3,
    .variant = "flipx",
    .index_version = 7,
};

static void write_all(const char *path, hs_out_format fmt, uint64_t *len) {
  sink *s = NULL;
  ck_assert_int_eq(sink_open(path, fmt, 0, &s), HS_OK);
  sink_match(s, &sample);
  sink_error(s, "-dash\033[2J.jpg", "not an image in a supported format");
  sink_note(s, "flat.png", sample.pdq_hex, 12, NULL, "low quality (12 < 50): PDQ not matched");
  ck_assert_int_eq(sink_flush(s, len), HS_OK);
  sink_close(s);
}

START_TEST(jsonl_records) {
  char *path = tu_path(dir, "out.jsonl");
  uint64_t len = 0;
  write_all(path, HS_OUT_JSONL, &len);
  char *got = slurp(path);
  const char *want =
      "{\"path\":\"up/evil\\nrow\\t.jpg\",\"pdq\":\"d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d"
      "33e6339c4e9c9b22\",\"quality\":100,\"md5\":\"6afd9779d1d22416a7587b95e21f0cb3\",\"entry\":"
      "1024,\"list\":\"@victims\",\"label\":\"=cmd|' /C calc'!A0\",\"distance\":3,\"variant\":"
      "\"flipx\",\"index_version\":7}\n"
      "{\"path\":\"-dash\\u001b[2J.jpg\",\"error\":\"not an image in a supported format\"}\n"
      "{\"path\":\"flat.png\",\"pdq\":\"d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b"
      "22\",\"quality\":12,\"md5\":null,\"note\":\"low quality (12 < 50): PDQ not matched\"}\n";
  ck_assert_str_eq(got, want);
  ck_assert_uint_eq(len, strlen(want));
  free(got), free(path);
}
END_TEST

START_TEST(csv_records) {
  char *path = tu_path(dir, "out.csv");
  write_all(path, HS_OUT_CSV, NULL);
  char *got = slurp(path);
  const char *want =
      "kind,path,pdq,quality,md5,entry,list,label,distance,variant,index_version,error\n"
      "match,up/evil\\nrow\\t.jpg,d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22,"
      "100,6afd9779d1d22416a7587b95e21f0cb3,1024,\"'@victims\",\"'=cmd|' /C calc'!A0\",3,flipx,7,\n"
      "error,\"'-dash\\x1b[2J.jpg\",,,,,,,,,,not an image in a supported format\n"
      "note,flat.png,d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22,12,,,,,,,,"
      "low quality (12 < 50): PDQ not matched\n";
  ck_assert_str_eq(got, want);
  free(got), free(path);
}
END_TEST

/* The guard's records (docs/guard.md): a held match, an allow note. */
START_TEST(guard_records) {
  hs_record held = sample, allow = {
      .kind = HS_RECORD_NOTE, .path = "m1.jpg", .pdq_hex = sample.pdq_hex, .quality = 100,
      .entry = 2049, .list = "benign", .distance = 0, .variant = "orig", .index_version = 9,
      .message = "allow-list entry 2049 (distance 0): 2 matches suppressed", .suppressed = 2};
  held.path = "a.jpg";
  held.list = "victims";
  held.label = NULL;
  held.held = "flood";
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ck_assert_int_eq(hs_record_write(f, HS_OUT_JSONL, &held), HS_OK);
  ck_assert_int_eq(hs_record_write(f, HS_OUT_JSONL, &allow), HS_OK);
  ck_assert_int_eq(hs_record_write(f, HS_OUT_CSV, &held), HS_OK);
  ck_assert_int_eq(hs_record_write(f, HS_OUT_CSV, &allow), HS_OK);
  fclose(f);
  const char *want =
      "{\"path\":\"a.jpg\",\"pdq\":\"d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b"
      "22\",\"quality\":100,\"md5\":\"6afd9779d1d22416a7587b95e21f0cb3\",\"entry\":1024,\"list\":"
      "\"victims\",\"label\":null,\"distance\":3,\"variant\":\"flipx\",\"index_version\":7,"
      "\"held\":\"flood\"}\n"
      "{\"path\":\"m1.jpg\",\"pdq\":\"d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b"
      "22\",\"quality\":100,\"md5\":null,\"entry\":2049,\"list\":\"benign\",\"label\":null,"
      "\"distance\":0,\"variant\":\"orig\",\"suppressed\":2,\"note\":\"allow-list entry 2049 "
      "(distance 0): 2 matches suppressed\"}\n"
      "match,a.jpg,d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22,100,"
      "6afd9779d1d22416a7587b95e21f0cb3,1024,victims,,3,flipx,7,held: flood\n"
      "note,m1.jpg,d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22,100,,2049,"
      "benign,,0,orig,9,allow-list entry 2049 (distance 0): 2 matches suppressed\n";
  ck_assert_str_eq(buf, want);
  free(buf);
}
END_TEST

START_TEST(refuses_to_overwrite_an_input) {
  char *path = tu_path(dir, "photo.jpg");
  static const char jpeg[] = "\xff\xd8\xff\xe0 not really a JPEG";
  ck_assert_int_eq(tu_write_file(path, jpeg, sizeof jpeg - 1), 0);
  sink *s = NULL;
  ck_assert_int_eq(sink_open(path, HS_OUT_JSONL, 0, &s), HS_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(hs_last_error(), "is not a hashsweep output"));
  char *got = slurp(path);
  ck_assert_mem_eq(got, jpeg, sizeof jpeg - 1); /* untouched */
  free(got);
  /* Another program's JSON is not ours either. */
  ck_assert_int_eq(tu_write_file(path, "{\"a\":1}\n", 8), 0);
  ck_assert_int_eq(sink_open(path, HS_OUT_JSONL, 0, &s), HS_ERR_INVALID_ARG);
  /* An earlier output cut short in its first record is ours. */
  ck_assert_int_eq(tu_write_file(path, "kind,pa", 7), 0);
  ck_assert_int_eq(sink_open(path, HS_OUT_CSV, 0, &s), HS_OK);
  sink_close(s);
  ck_assert_int_eq(tu_write_file(path, "{\"pa", 4), 0);
  ck_assert_int_eq(sink_open(path, HS_OUT_JSONL, 0, &s), HS_OK);
  sink_close(s);
  /* An earlier output of either format is ours to overwrite. */
  write_all(path = (free(path), tu_path(dir, "old.csv")), HS_OUT_CSV, NULL);
  ck_assert_int_eq(sink_open(path, HS_OUT_JSONL, 0, &s), HS_OK);
  sink_close(s);
  free(path);
}
END_TEST

START_TEST(existing_output_made_private) {
  char *path = tu_path(dir, "wide.jsonl");
  ck_assert_int_eq(tu_write_file(path, "", 0), 0);
  ck_assert_int_eq(chmod(path, 0666), 0);
  sink *s = NULL;
  ck_assert_int_eq(sink_open(path, HS_OUT_JSONL, 0, &s), HS_OK);
  sink_close(s);
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_uint_eq(st.st_mode & 07777, 0600);
  free(path);
}
END_TEST

START_TEST(write_error_names_the_output) {
  if (access("/dev/full", W_OK) != 0)
    return;
  sink *s = NULL;
  ck_assert_int_eq(sink_open("/dev/full", HS_OUT_JSONL, 0, &s), HS_OK);
  sink_match(s, &sample);
  ck_assert_int_eq(sink_flush(s, NULL), HS_ERR_IO);
  ck_assert_ptr_nonnull(strstr(hs_last_error(), "output /dev/full: write failed"));
  sink_close(s);
}
END_TEST

/* ---- the run's own files ----------------------------------------------------------- */

static int count_items(sources *src, const char *needle) {
  source_item it;
  int n = 0, r;
  while ((r = sources_next(src, &it)) == 1)
    if (!needle || strstr(it.path, needle))
      n++;
  ck_assert_int_eq(r, 0);
  return n;
}

START_TEST(own_files_skipped) {
  /* DIR is both the scanned tree and the store; the output is in it too. */
  const char *names[] = {"a.jpg", "b.jpg", "data.mdb", "lock.mdb", "run.lock", "out.jsonl",
                         "out.jsonl.lock"};
  for (size_t i = 0; i < 7; i++) {
    char *p = tu_path(dir, names[i]);
    ck_assert_int_eq(tu_write_file(p, "x", 1), 0);
    free(p);
  }
  const char *specs[] = {dir};
  sources *src = NULL;
  ck_assert_int_eq(sources_open(specs, 1, &src), HS_OK);
  ck_assert_int_eq(count_items(src, NULL), 7);
  sources_close(src);
  char *out = tu_path(dir, "out.jsonl");
  ck_assert_int_eq(sources_open(specs, 1, &src), HS_OK);
  ck_assert_int_eq(ownfiles_skip(src, out, dir, NULL), HS_OK);
  ck_assert_int_eq(count_items(src, NULL), 2); /* a.jpg, b.jpg */
  sources_close(src);
  /* Another path to the same file is the same file. */
  char *via = tu_path(dir, "./out.jsonl");
  ck_assert_int_eq(sources_open(specs, 1, &src), HS_OK);
  ck_assert_int_eq(ownfiles_skip(src, via, NULL, NULL), HS_OK);
  ck_assert_int_eq(count_items(src, "out.jsonl"), 0);
  ck_assert_int_eq(count_items(src, NULL), 0); /* exhausted */
  sources_close(src);
  free(via), free(out);
}
END_TEST

START_TEST(out_that_is_an_input_refused) {
  char *img = tu_path(dir, "a.jpg"), *man = tu_path(dir, "list.txt");
  ck_assert_int_eq(tu_write_file(img, "x", 1), 0);
  ck_assert_int_eq(tu_write_file(man, "a.jpg\n", 6), 0);
  char at_man[4200];
  snprintf(at_man, sizeof at_man, "@%s", man);
  const char *specs[] = {"-", dir, img, at_man};
  ck_assert_int_eq(ownfiles_check_out(img, specs, 4), HS_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(hs_last_error(), "is also the SOURCE"));
  ck_assert_int_eq(ownfiles_check_out(man, specs, 4), HS_ERR_INVALID_ARG);
  ck_assert_ptr_nonnull(strstr(hs_last_error(), "is also the manifest"));
  char *fresh = tu_path(dir, "new.jsonl");
  ck_assert_int_eq(ownfiles_check_out(fresh, specs, 4), HS_OK);
  ck_assert_int_eq(ownfiles_check_out(NULL, specs, 4), HS_OK);
  free(img), free(man), free(fresh);
}
END_TEST

int main(void) {
  Suite *s = suite_create("sink");
  TCase *tc = tcase_create("escape");
  tcase_add_loop_test(tc, escapers, 0, (int)(sizeof esc_cases / sizeof *esc_cases));
  tcase_add_test(tc, escapers_every_byte);
  suite_add_tcase(s, tc);
  tc = tcase_create("files");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, jsonl_records);
  tcase_add_test(tc, csv_records);
  tcase_add_test(tc, guard_records);
  tcase_add_test(tc, refuses_to_overwrite_an_input);
  tcase_add_test(tc, existing_output_made_private);
  tcase_add_test(tc, write_error_names_the_output);
  tcase_add_test(tc, own_files_skipped);
  tcase_add_test(tc, out_that_is_an_input_refused);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
