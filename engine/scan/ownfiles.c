/* scan/ownfiles.c - the run's own files are not inputs. An --out inside the
 * scanned tree would be read back as an image (an error record on every
 * run), a store in it would have its data.mdb scanned, and an --out that
 * names an input would truncate it. */
#include "scan/ownfiles.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

static int same_file(const struct stat *a, const struct stat *b) {
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

hs_status ownfiles_check_out(const char *out, const char *const *specs, size_t n) {
  struct stat o, st;
  if (!out || stat(out, &o) != 0)
    return HS_OK; /* a new file is nobody's input */
  for (size_t i = 0; i < n; i++) {
    const char *spec = specs[i];
    if (strcmp(spec, "-") == 0)
      continue;
    const char *file = spec[0] == '@' ? spec + 1 : spec;
    if (stat(file, &st) == 0 && S_ISREG(st.st_mode) && same_file(&o, &st))
      return error_set(HS_ERR_INVALID_ARG,
                       "--out %s is also the %s %s: writing the output would destroy it; "
                       "choose another --out",
                       out, spec[0] == '@' ? "manifest" : "SOURCE", file);
  }
  return HS_OK;
}

/* The files LMDB keeps in an environment's directory, and the run lock a
 * writer holds there (run.lock). */
static hs_status skip_env(sources *src, const char *dir) {
  static const char *const names[] = {"data.mdb", "lock.mdb", "run.lock"};
  char path[SOURCES_MAX_PATH];
  for (size_t i = 0; dir && i < sizeof names / sizeof *names; i++) {
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, names[i]) >= sizeof path)
      continue;
    HS_TRY(sources_skip(src, path));
  }
  return HS_OK;
}

hs_status ownfiles_skip(sources *src, const char *out, const char *store, const char *index) {
  if (out) {
    HS_TRY(sources_skip(src, out));
    /* The output's run lock, "<out>.lock" beside it, while the run holds it. */
    char lock[SOURCES_MAX_PATH];
    if ((size_t)snprintf(lock, sizeof lock, "%s.lock", out) < sizeof lock)
      HS_TRY(sources_skip(src, lock));
  } else {
    /* `scan DIR > DIR/matches.jsonl`: the shell made the output. */
    struct stat st;
    if (fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode))
      HS_TRY(sources_skip_id(src, st.st_dev, st.st_ino));
  }
  HS_TRY(skip_env(src, store));
  return skip_env(src, index);
}
