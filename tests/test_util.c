/* tests/test_util.c - helpers shared by the Check suites. */
#include "test_util.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *tu_testdata_dir(void) {
  const char *env = getenv("HS_TESTDATA_DIR");
  const char *dir = env && *env ? env : HS_TESTDATA_DIR;
  char probe[4096];
  snprintf(probe, sizeof probe, "%s/expected_pdq_noresize.tsv", dir);
  return access(probe, R_OK) == 0 ? dir : NULL;
}

char *tu_path(const char *dir, const char *rel) {
  size_t n = strlen(dir) + strlen(rel) + 2;
  char *p = malloc(n);
  snprintf(p, n, "%s/%s", dir, rel);
  return p;
}

static char **split_tabs(char *line, int *n) {
  int cap = 8, count = 0;
  char **f = malloc(sizeof(char *) * (size_t)cap);
  char *s = line;
  for (;;) {
    char *tab = strchr(s, '\t');
    if (tab)
      *tab = '\0';
    if (count == cap) {
      cap *= 2;
      f = realloc(f, sizeof(char *) * (size_t)cap);
    }
    f[count++] = strdup(s);
    if (!tab)
      break;
    s = tab + 1;
  }
  *n = count;
  return f;
}

int tu_tsv_load(const char *path, tu_tsv *out) {
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "r");
  if (!f)
    return -1;
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  int rcap = 0;
  while ((len = getline(&line, &cap, f)) >= 0) {
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
      line[--len] = '\0';
    if (len == 0)
      continue;
    int n;
    char **fields = split_tabs(line, &n);
    if (!out->header) {
      out->header = fields;
      out->ncols = n;
      continue;
    }
    /* Pad short rows so every row has ncols fields. */
    if (n < out->ncols) {
      fields = realloc(fields, sizeof(char *) * (size_t)out->ncols);
      for (int i = n; i < out->ncols; i++)
        fields[i] = strdup("");
    }
    if (out->nrows == rcap) {
      rcap = rcap ? rcap * 2 : 64;
      out->rows = realloc(out->rows, sizeof(char **) * (size_t)rcap);
    }
    out->rows[out->nrows++] = fields;
  }
  free(line);
  fclose(f);
  return out->header ? 0 : -1;
}

void tu_tsv_free(tu_tsv *t) {
  for (int r = 0; r < t->nrows; r++) {
    for (int c = 0; c < t->ncols; c++)
      free(t->rows[r][c]);
    free(t->rows[r]);
  }
  for (int c = 0; c < t->ncols; c++)
    free(t->header[c]);
  free(t->header);
  free(t->rows);
  memset(t, 0, sizeof *t);
}

int tu_tsv_col(const tu_tsv *t, const char *name) {
  for (int c = 0; c < t->ncols; c++)
    if (strcmp(t->header[c], name) == 0)
      return c;
  return -1;
}

char *tu_mkdtemp(void) {
  const char *base = getenv("TMPDIR");
  char tmpl[4096];
  snprintf(tmpl, sizeof tmpl, "%s/hashsweep-test-XXXXXX", base && *base ? base : "/tmp");
  char *d = mkdtemp(tmpl);
  return d ? strdup(d) : NULL;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  chmod(path, 0700);
  return remove(path);
}

void tu_rmtree(const char *dir) {
  if (dir)
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int tu_write_file(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  size_t w = fwrite(data, 1, n, f);
  return (fclose(f) == 0 && w == n) ? 0 : -1;
}

uint64_t tu_rand(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

float tu_randf(uint64_t *state) { return (float)(tu_rand(state) >> 40) / 16777216.0f; }

int tu_run_suite(Suite *s) {
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? 1 : 0;
}

char *tu_written(void (*fn)(FILE *f, const char *s), const char *s) {
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  if (!f)
    return NULL;
  fn(f, s);
  fclose(f);
  return buf;
}
