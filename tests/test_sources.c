// labels: unit
/* tests/test_sources.c - the scan's work items (scan/sources.c): walk order,
 * manifests, standard input, symbolic link loops, broken links, special
 * files, unreadable directories and path limits, on real temporary trees
 * and, where a real one cannot be made (a directory root can read, a path
 * past 4095 bytes), on a made-up file system behind sources_open_fs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scan/sources.h"
#include "test_util.h"

static char *dir;

static void make_dir(void) { dir = tu_mkdtemp(); }
static void remove_dir(void) {
  tu_rmtree(dir);
  free(dir);
}

/* Creates dir/rel: a folder when rel ends in '/', else a small file. */
static void mk(const char *rel) {
  char *p = tu_path(dir, rel);
  size_t n = strlen(p);
  if (p[n - 1] == '/') {
    p[n - 1] = '\0';
    ck_assert_msg(mkdir(p, 0700) == 0, "mkdir %s: %s", p, strerror(errno));
  } else {
    ck_assert_int_eq(tu_write_file(p, "x", 1), 0);
  }
  free(p);
}

static void ln(const char *target, const char *rel) {
  char *p = tu_path(dir, rel);
  ck_assert_msg(symlink(target, p) == 0, "symlink %s: %s", p, strerror(errno));
  free(p);
}

/* Every item of the specs, one per line: the path with the temporary
 * folder written as "D", and for an error item "! PATH: WHY". */
static char *walk_fs(const char *const *specs, size_t n, const sources_fs *fs) {
  sources *s;
  ck_assert_msg(sources_open_fs(specs, n, fs, &s) == HS_OK, "%s", hs_last_error());
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  source_item *it = malloc(sizeof *it);
  int r;
  size_t dlen = strlen(dir);
  while ((r = sources_next(s, it)) == 1) {
    const char *p = it->path;
    int in_dir = strncmp(p, dir, dlen) == 0;
    fprintf(f, "%s%s%s%s%s\n", it->is_error ? "! " : "", in_dir ? "D" : "", in_dir ? p + dlen : p,
            it->is_error ? ": " : "", it->error);
  }
  ck_assert_msg(r == 0, "sources_next: %s", hs_last_error());
  free(it);
  sources_close(s);
  fclose(f);
  return out;
}

static char *walk(const char *const *specs, size_t n) { return walk_fs(specs, n, NULL); }

static void expect_walk(const char *const *specs, size_t n, const char *want) {
  char *got = walk(specs, n);
  ck_assert_str_eq(got, want);
  free(got);
}

START_TEST(walk_order_is_byte_order_depth_first) {
  static const char *const tree[] = {"b.jpg", "a.jpg", "B.jpg", "sub/", "sub/c.png", "sub/a/",
                                     "sub/a/z.gif", "sub2/", "sub2/x", "sub-/", "sub-/y",
                                     "empty/", "\xc3\xa9.jpg"};
  for (size_t i = 0; i < sizeof tree / sizeof tree[0]; i++)
    mk(tree[i]);
  const char *spec[] = {dir};
  /* '-' (0x2d) sorts before 'a'..; "sub" before "sub-" before "sub2"; a
   * directory's files come where its name sorts; UTF-8 sorts by bytes. */
  expect_walk(spec, 1,
              "D/B.jpg\nD/a.jpg\nD/b.jpg\nD/sub/a/z.gif\nD/sub/c.png\nD/sub-/y\nD/sub2/x\n"
              "D/\xc3\xa9.jpg\n");
  /* The same with a trailing slash: no doubled slash in the paths. */
  char *slashed = malloc(strlen(dir) + 2);
  sprintf(slashed, "%s/", dir);
  const char *spec2[] = {slashed};
  char *got = walk(spec2, 1);
  ck_assert_ptr_null(strstr(got, "//"));
  ck_assert_ptr_nonnull(strstr(got, "D/sub/a/z.gif\n"));
  free(got);
  free(slashed);
}
END_TEST

START_TEST(specs_in_order_files_and_missing) {
  mk("d/");
  mk("d/2.jpg");
  mk("d/1.jpg");
  mk("single.png");
  char *single = tu_path(dir, "single.png"), *d = tu_path(dir, "d"),
       *missing = tu_path(dir, "nope.jpg");
  const char *specs[] = {single, d, missing, single};
  /* Specs keep the caller's order (a file twice is listed twice); a
   * missing one is an error item, not a failure. */
  expect_walk(specs, 4, "D/single.png\nD/d/1.jpg\nD/d/2.jpg\n! D/nope.jpg: no such file\n"
                        "D/single.png\n");
  free(single);
  free(d);
  free(missing);
}
END_TEST

START_TEST(manifest_lines) {
  mk("m/");
  mk("m/k.jpg");
  mk("m/j.jpg");
  mk("f.jpg");
  char *m = tu_path(dir, "list.txt");
  /* A file, a blank line, CRLF, a folder (walked where it stands), a
   * missing path, a NUL byte, a line too long for a path, the file again. */
  char long_line[5000];
  memset(long_line, 'a', sizeof long_line - 1);
  long_line[sizeof long_line - 1] = '\0';
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  fprintf(f, "%s/f.jpg\n\n%s/f.jpg\r\n%s/m\n%s/gone.jpg\n", dir, dir, dir, dir);
  fwrite("nul\0byte\n", 1, 9, f);
  fprintf(f, "%s\n%s/f.jpg", long_line, dir); /* the last line has no newline */
  fclose(f);
  ck_assert_int_eq(tu_write_file(m, text, len), 0);
  free(text);
  char *spec = malloc(strlen(m) + 2);
  sprintf(spec, "@%s", m);
  const char *specs[] = {spec};
  char want[2048];
  snprintf(want, sizeof want,
           "D/f.jpg\nD/f.jpg\nD/m/j.jpg\nD/m/k.jpg\n! D/gone.jpg: no such file\n"
           "! D/list.txt:6: line holds a NUL byte (not a path)\n"
           "! D/list.txt:7: line longer than 4095 bytes (not a path)\nD/f.jpg\n");
  expect_walk(specs, 1, want);
  free(spec);
  free(m);
}
END_TEST

START_TEST(missing_manifest_fails_at_open) {
  char *spec = malloc(strlen(dir) + 16);
  sprintf(spec, "@%s/none.txt", dir);
  const char *specs[] = {spec};
  sources *s = NULL;
  ck_assert_int_eq(sources_open(specs, 1, &s), HS_ERR_NOT_FOUND);
  ck_assert_ptr_null(s);
  ck_assert_ptr_nonnull(strstr(hs_last_error(), "manifest "));
  ck_assert_ptr_nonnull(strstr(hs_last_error(), "none.txt"));
  free(spec);
}
END_TEST

START_TEST(stdin_manifest) {
  mk("s1.jpg");
  mk("s2.jpg");
  char *m = tu_path(dir, "stdin.txt");
  char text[1024];
  int n = snprintf(text, sizeof text, "%s/s2.jpg\n%s/s1.jpg\n%s/s3.jpg\n", dir, dir, dir);
  ck_assert_int_eq(tu_write_file(m, text, (size_t)n), 0);
  ck_assert_ptr_nonnull(freopen(m, "r", stdin));
  const char *specs[] = {"-"};
  expect_walk(specs, 1, "D/s2.jpg\nD/s1.jpg\n! D/s3.jpg: no such file\n");
  free(m);
}
END_TEST

START_TEST(links_loops_and_special_files) {
  mk("t/");
  mk("t/real.jpg");
  mk("t/in/");
  mk("t/in/deep.jpg");
  ln("real.jpg", "t/alias.jpg");   /* a link to a file: listed under its own name */
  ln("..", "t/in/up");             /* back to t: a loop */
  ln("in", "t/link-to-in");        /* a link to a folder off the path: walked */
  ln("nowhere.jpg", "t/broken");   /* broken */
  ln("self", "t/self");            /* a link to itself */
  char *fifo = tu_path(dir, "t/pipe");
  ck_assert_int_eq(mkfifo(fifo, 0600), 0);
  free(fifo);
  char *t = tu_path(dir, "t");
  const char *specs[] = {t};
  char want[2048];
  snprintf(want, sizeof want,
           "D/t/alias.jpg\n! D/t/broken: broken symbolic link\nD/t/in/deep.jpg\n"
           "! D/t/in/up: symbolic link loop (leads back to %s/t)\nD/t/link-to-in/deep.jpg\n"
           "! D/t/link-to-in/up: symbolic link loop (leads back to %s/t)\n"
           "! D/t/pipe: not a regular file (FIFO, socket or device)\nD/t/real.jpg\n"
           "! D/t/self: symbolic link loop\n",
           dir, dir);
  expect_walk(specs, 1, want);
  free(t);
}
END_TEST

/* ---- a made-up file system: what a real one cannot give a test ---------- */

/* Folders: /r, /r/locked (its listing fails with EACCES), /r/LONG (a
 * 4000-byte name) holding a 200-byte name; files: /r/a, /r/z. */
static char long_dir[4100], long_file[210];

static int fake_stat(void *user, const char *path, struct stat *st) {
  (void)user;
  memset(st, 0, sizeof *st);
  st->st_dev = 1;
  if (strcmp(path, "/r") == 0 || strcmp(path, "/r/locked") == 0 || strcmp(path, long_dir) == 0) {
    st->st_mode = S_IFDIR | 0700;
    st->st_ino = strlen(path);
    return 0;
  }
  if (strcmp(path, "/r/a") == 0 || strcmp(path, "/r/z") == 0) {
    st->st_mode = S_IFREG | 0600;
    st->st_ino = 100 + (ino_t)path[3];
    return 0;
  }
  errno = ENOENT;
  return -1;
}

static int fake_list(void *user, const char *path, char ***names, size_t *count) {
  (void)user;
  *names = NULL;
  *count = 0;
  const char *in_r[] = {"z", "locked", long_dir + 3, "a"};
  const char *const *src = NULL;
  size_t n = 0;
  if (strcmp(path, "/r") == 0) {
    src = in_r;
    n = 4;
  } else if (strcmp(path, long_dir) == 0) {
    const char *in_long[] = {long_file};
    src = in_long;
    n = 1;
    *names = malloc(sizeof **names);
    (*names)[0] = strdup(src[0]);
    *count = 1;
    return 0;
  } else {
    errno = EACCES;
    return -1;
  }
  *names = malloc(n * sizeof **names);
  for (size_t i = 0; i < n; i++)
    (*names)[i] = strdup(src[i]);
  *count = n;
  return 0;
}

static FILE *fake_open(void *user, const char *path) {
  (void)user;
  (void)path;
  errno = ENOENT;
  return NULL;
}

START_TEST(unreadable_dirs_and_long_paths) {
  strcpy(long_dir, "/r/");
  memset(long_dir + 3, 'L', 4000);
  long_dir[4003] = '\0';
  memset(long_file, 'f', 200);
  long_file[200] = '\0';
  sources_fs fs = {fake_stat, fake_stat, fake_list, fake_open, NULL};
  const char *specs[] = {"/r"};
  char *got = walk_fs(specs, 1, &fs);
  /* Byte order: "L..." < "a" < "locked" < "z". The file below the long
   * folder would be 4204 bytes: an error naming the folder. */
  char *want = malloc(8192);
  snprintf(want, 8192,
           "! %s: path too long (over 4095 bytes) below this directory\n/r/a\n"
           "! /r/locked: cannot read directory: %s\n/r/z\n",
           long_dir, strerror(EACCES));
  /* (Check cannot carry an 8 KiB failure message: the texts go to stderr.) */
  if (strcmp(got, want) != 0)
    fprintf(stderr, "got:\n%s\nwant:\n%s\n", got, want);
  ck_assert_msg(strcmp(got, want) == 0, "the walk differs (see stderr)");
  free(want);
  free(got);
}
END_TEST

int main(void) {
  Suite *s = suite_create("sources");
  TCase *tc = tcase_create("sources");
  tcase_add_checked_fixture(tc, make_dir, remove_dir);
  tcase_add_test(tc, walk_order_is_byte_order_depth_first);
  tcase_add_test(tc, specs_in_order_files_and_missing);
  tcase_add_test(tc, manifest_lines);
  tcase_add_test(tc, missing_manifest_fails_at_open);
  tcase_add_test(tc, stdin_manifest);
  tcase_add_test(tc, links_loops_and_special_files);
  tcase_add_test(tc, unreadable_dirs_and_long_paths);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
