// labels: unit
/* tests/test_hexlist.c - reading hash lists: what is accepted (case,
 * blanks, comments, CRLF, BOM, no final newline, standard input), the words
 * and line numbers it yields, and every error with its exact one-line
 * message naming file and line. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

static const char *const H256 = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22";
static const char *const H64 = "b4480d3bfab18f3f";

/* Parses `text` as the file "list.txt". */
static hs_status parse(const char *text, hs_hash_list *out) {
  FILE *f = fmemopen((void *)text, strlen(text), "r");
  ck_assert_ptr_nonnull(f);
  hs_status st = hs_hash_list_read_stream(f, "list.txt", out);
  fclose(f);
  return st;
}

/* Parses `text` with embedded NULs (length given). */
static hs_status parse_n(const char *text, size_t n, hs_hash_list *out) {
  FILE *f = fmemopen((void *)text, n, "r");
  ck_assert_ptr_nonnull(f);
  hs_status st = hs_hash_list_read_stream(f, "list.txt", out);
  fclose(f);
  return st;
}

static void expect_error(const char *text, const char *message) {
  hs_hash_list l;
  ck_assert_int_eq(parse(text, &l), HS_ERR_FORMAT);
  ck_assert_str_eq(hs_last_error(), message);
  hs_hash_list_free(&l);
}

START_TEST(reads_256_with_lines) {
  char text[1024];
  snprintf(text, sizeof text,
           "# known hashes\n"
           "%s\n"
           "\n"
           "   D8F8F0CEE0F4A84F0637022A078F67F0B36E2ED596621E1D33E6339C4E9C9B22\t \r\n"
           "%s  # a trailing comment\n"
           "   # indented comment\n"
           "\t\n"
           "%s",
           H256, H256, H256); /* no newline at the end */
  hs_hash_list l;
  ck_assert_int_eq(parse(text, &l), HS_OK);
  ck_assert_int_eq(l.bits, 256);
  ck_assert_uint_eq(l.count, 4);
  static const size_t lines[] = {2, 4, 5, 8};
  hs_hash256 want;
  ck_assert_int_eq(hs_hash256_from_hex(H256, 64, &want), HS_OK);
  for (size_t i = 0; i < 4; i++) {
    ck_assert_uint_eq(l.lines[i], lines[i]);
    ck_assert_int_eq(memcmp(l.words + 4 * i, want.w, 32), 0);
  }
  ck_assert_uint_eq(l.words[0], 0xd8f8f0cee0f4a84fULL); /* hs_hash256 word order */
  hs_hash_list_free(&l);
  ck_assert_ptr_null(l.words);
}
END_TEST

START_TEST(reads_64_and_bom) {
  char text[256];
  snprintf(text, sizeof text, "\xEF\xBB\xBF%s\n0000000000000000\nFFFFFFFFFFFFFFFF\n", H64);
  hs_hash_list l;
  ck_assert_int_eq(parse(text, &l), HS_OK);
  ck_assert_int_eq(l.bits, 64);
  ck_assert_uint_eq(l.count, 3);
  ck_assert_uint_eq(l.words[0], 0xb4480d3bfab18f3fULL);
  ck_assert_uint_eq(l.words[1], 0);
  ck_assert_uint_eq(l.words[2], ~0ULL);
  ck_assert_uint_eq(l.lines[2], 3);
  hs_hash_list_free(&l);
}
END_TEST

START_TEST(empty_lists) {
  static const char *const texts[] = {"", "\n\n", "# only a comment\n", "  \t \r\n#\n"};
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    hs_hash_list l;
    ck_assert_int_eq(parse(texts[i], &l), HS_OK);
    ck_assert_uint_eq(l.count, 0);
    ck_assert_int_eq(l.bits, 0);
    hs_hash_list_free(&l);
  }
}
END_TEST

START_TEST(errors_name_file_line_and_cause) {
  char text[1024], msg[256];
  /* A non-hex digit, with its position in the hash. */
  snprintf(text, sizeof text, "%s\n\n%.10sg%s\n", H256, H256, H256 + 11);
  expect_error(text, "list.txt:3: 'g' at position 11 of the hash is not a hex digit");
  /* Too short, too long, a width that is none of the types. */
  snprintf(text, sizeof text, "%.63s\n", H256);
  expect_error(text, "list.txt:1: 63 hex digits; a hash has 64 (pdq), 32 (md5) or 16 (h64)");
  snprintf(text, sizeof text, "# c\n%s0\n", H256);
  expect_error(text, "list.txt:2: 65 hex digits; a hash has 64 (pdq), 32 (md5) or 16 (h64)");
  /* Mixed types: the message names the line that set the type. */
  snprintf(text, sizeof text, "\n%s\n%s\n%s\n", H256, H256, H64);
  expect_error(text, "list.txt:4: a h64 hash, but line 2 holds pdq; all hashes of a list have "
                     "one type");
  snprintf(text, sizeof text, "%s\n%s\n", H64, H256);
  expect_error(text, "list.txt:2: a pdq hash, but line 1 holds h64; all hashes of a list have "
                     "one type");
  /* Two hashes on a plain line, a 0x prefix, a tab inside a hash. */
  snprintf(text, sizeof text, "%s %s\n", H64, H64);
  expect_error(text, "list.txt:1: two hashes on one line");
  snprintf(text, sizeof text, "  0x%s\n", H64);
  expect_error(text, "list.txt:1: 'x' at position 2 of the hash is not a hex digit");
  snprintf(text, sizeof text, "%s\n%.8s\t%s\n", H64, H64, H64 + 8);
  expect_error(text, "list.txt:2: a tab at position 9 of the hash is not a hex digit");
  /* A NUL byte and a non-ASCII byte. */
  char nul[40];
  memcpy(nul, "0123456789abcdef\n01234567", 26);
  nul[26] = '\0';
  memcpy(nul + 27, "9abcdef\n", 8);
  hs_hash_list l;
  ck_assert_int_eq(parse_n(nul, 35, &l), HS_ERR_FORMAT);
  ck_assert_str_eq(hs_last_error(), "list.txt:2: byte 0x00 at position 9 of the hash is not a hex digit");
  hs_hash_list_free(&l);
  expect_error("0123456789abcde\xC3\xA9\n",
               "list.txt:1: byte 0xc3 at position 16 of the hash is not a hex digit");
  /* A BOM only counts on line 1. */
  snprintf(text, sizeof text, "%s\n\xEF\xBB\xBF%s\n", H64, H64);
  expect_error(text, "list.txt:2: byte 0xef at position 1 of the hash is not a hex digit");
  /* JSON Lines: the cause and the line; a record without a hash. */
  snprintf(text, sizeof text, "{\"hash\":\"%s\"}\n{\"hash\": \n", H64);
  ck_assert_int_eq(parse(text, &l), HS_ERR_FORMAT);
  ck_assert_str_eq(hs_last_error(), "list.txt:2: JSON: unexpected token near end of file at column 9");
  hs_hash_list_free(&l);
  expect_error("{\"path\":\"a.jpg\",\"error\":\"cannot decode\"}\n",
               "list.txt:1: no hash in this record");
  /* Messages are one line. */
  snprintf(msg, sizeof msg, "%s", hs_last_error());
  ck_assert_ptr_null(strchr(msg, '\n'));
}
END_TEST

/* Every format index import reads is a hash list for match too. */
START_TEST(reads_import_formats) {
  static const char *const fmt[] = {
      "pdq %s\n",                             /* typed plain line */
      "hash=%s\n",                            /* hash= prefix */
      "%s,100\n",                             /* pdq-photo-hasher CSV */
      "%s\t100\t/photos/a b#1.jpg\n",        /* hashsweep hash TSV */
      "hash=%s,quality=90,filename=x.jpg\n",  /* --details */
      "list,hash,label\nknown,%s,ncii\n",     /* header CSV */
      "{\"signalType\":\"ImagePDQ\",\"hashValue\":\"%s\",\"hashStatus\":\"Active\"}\n",
      ("{\"path\":\"a.jpg\",\"pdq\":\"%s\",\"quality\":100,\"md5\":"
       "\"d41d8cd98f00b204e9800998ecf8427e\"}\n"), /* hashsweep hash --format jsonl */
      "\xEF\xBB\xBFhash\n%s\n",                 /* BOM before a header */
  };
  hs_hash256 want;
  ck_assert_int_eq(hs_hash256_from_hex(H256, 64, &want), HS_OK);
  for (size_t i = 0; i < sizeof fmt / sizeof fmt[0]; i++) {
    char text[512];
    snprintf(text, sizeof text, fmt[i], H256);
    hs_hash_list l;
    ck_assert_msg(parse(text, &l) == HS_OK, "format %zu: %s", i, hs_last_error());
    ck_assert_uint_eq(l.count, 1);
    ck_assert_int_eq(l.bits, 256);
    ck_assert_int_eq(l.type, HS_HASH_PDQ);
    ck_assert_uint_eq(l.lines[0], strchr(fmt[i], '\n')[1] ? 2 : 1);
    ck_assert_int_eq(memcmp(l.words, want.w, 32), 0);
    hs_hash_list_free(&l);
  }
  /* An MD5 list: 256-bit words, the digest's bytes big-endian, then 0. */
  hs_hash_list l;
  ck_assert_int_eq(parse("d41d8cd98f00b204e9800998ecf8427e\n", &l), HS_OK);
  ck_assert_int_eq(l.type, HS_HASH_MD5);
  ck_assert_int_eq(l.bits, 256);
  ck_assert_uint_eq(l.words[0], 0xd41d8cd98f00b204ULL);
  ck_assert_uint_eq(l.words[1], 0xe9800998ecf8427eULL);
  ck_assert_uint_eq(l.words[2], 0);
  ck_assert_uint_eq(l.words[3], 0);
  hs_hash_list_free(&l);
  /* Withdrawn rows are not listed hashes. */
  char text[512];
  snprintf(text, sizeof text, "hash,status\n%s,withdrawn\n%s,active\n", H64, H64);
  ck_assert_int_eq(parse(text, &l), HS_OK);
  ck_assert_uint_eq(l.count, 1);
  ck_assert_uint_eq(l.lines[0], 3);
  hs_hash_list_free(&l);
}
END_TEST

START_TEST(files_and_stdin) {
  char *dir = tu_mkdtemp();
  char *path = tu_path(dir, "l.txt");
  char text[256];
  int n = snprintf(text, sizeof text, "%s\n\n%s\n", H64, H64);
  ck_assert_int_eq(tu_write_file(path, text, (size_t)n), 0);
  hs_hash_list l;
  ck_assert_int_eq(hs_hash_list_read(path, &l), HS_OK);
  ck_assert_uint_eq(l.count, 2);
  ck_assert_uint_eq(l.lines[1], 3);
  hs_hash_list_free(&l);
  /* A bad line names the path as given. */
  n = snprintf(text, sizeof text, "%s\nxyz\n", H64);
  ck_assert_int_eq(tu_write_file(path, text, (size_t)n), 0);
  ck_assert_int_eq(hs_hash_list_read(path, &l), HS_ERR_FORMAT);
  char want[4200];
  snprintf(want, sizeof want, "%s:2: 'x' at position 1 of the hash is not a hex digit", path);
  ck_assert_str_eq(hs_last_error(), want);
  hs_hash_list_free(&l);
  /* Missing file, a directory. */
  char *missing = tu_path(dir, "missing.txt");
  ck_assert_int_eq(hs_hash_list_read(missing, &l), HS_ERR_NOT_FOUND);
  snprintf(want, sizeof want, "%s: cannot open: No such file or directory", missing);
  ck_assert_str_eq(hs_last_error(), want);
  ck_assert_int_eq(hs_hash_list_read(dir, &l), HS_ERR_IO);
  snprintf(want, sizeof want, "%s: cannot read: Is a directory", dir);
  ck_assert_str_eq(hs_last_error(), want);
  /* '-' reads standard input (this test runs in Check's forked child). */
  n = snprintf(text, sizeof text, "%s\n", H256);
  ck_assert_int_eq(tu_write_file(path, text, (size_t)n), 0);
  ck_assert_ptr_nonnull(freopen(path, "r", stdin));
  ck_assert_int_eq(hs_hash_list_read("-", &l), HS_OK);
  ck_assert_int_eq(l.bits, 256);
  ck_assert_uint_eq(l.count, 1);
  hs_hash_list_free(&l);
  n = snprintf(text, sizeof text, "zz\n");
  ck_assert_int_eq(tu_write_file(path, text, (size_t)n), 0);
  ck_assert_ptr_nonnull(freopen(path, "r", stdin));
  ck_assert_int_eq(hs_hash_list_read("-", &l), HS_ERR_FORMAT);
  ck_assert_str_eq(hs_last_error(), "<stdin>:1: 'z' at position 1 of the hash is not a hex digit");
  hs_hash_list_free(&l);
  free(missing);
  free(path);
  tu_rmtree(dir);
  free(dir);
}
END_TEST

int main(void) {
  Suite *s = suite_create("hexlist");
  TCase *tc = tcase_create("hexlist");
  tcase_add_test(tc, reads_256_with_lines);
  tcase_add_test(tc, reads_64_and_bom);
  tcase_add_test(tc, empty_lists);
  tcase_add_test(tc, errors_name_file_line_and_cause);
  tcase_add_test(tc, reads_import_formats);
  tcase_add_test(tc, files_and_stdin);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
