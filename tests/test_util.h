/* tests/test_util.h - helpers shared by the Check suites. */
#ifndef HS_TEST_UTIL_H
#define HS_TEST_UTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hashsweep.h"

#define TU_SKIP 77 /* ctest SKIP_RETURN_CODE */

/* The reference test data folder, or NULL when it is absent. */
const char *tu_testdata_dir(void);
/* Joins dir and rel into a static-lifetime-per-call malloc'd path. */
char *tu_path(const char *dir, const char *rel);

/* A parsed TSV file: header names and rows of fields (all owned). */
typedef struct tu_tsv {
  char **header;
  int ncols;
  char ***rows;
  int nrows;
} tu_tsv;
int tu_tsv_load(const char *path, tu_tsv *out);
void tu_tsv_free(tu_tsv *t);
/* Column index by name, or -1. */
int tu_tsv_col(const tu_tsv *t, const char *name);

/* A fresh private temporary directory (removed by tu_rmtree). */
char *tu_mkdtemp(void);
void tu_rmtree(const char *dir);
int tu_write_file(const char *path, const void *data, size_t n);
/* What fn(f, s) writes, as a malloc'd string (the text writers:
 * hs_json_write_string, hs_csv_write_field...). */
char *tu_written(void (*fn)(FILE *f, const char *s), const char *s);

/* Deterministic pseudo-random numbers (splitmix64). */
uint64_t tu_rand(uint64_t *state);
float tu_randf(uint64_t *state); /* [0, 1) */

/* Runs a suite; returns the process exit code (0, 1) for main(). */
int tu_run_suite(Suite *s);

#endif
