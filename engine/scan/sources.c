/* scan/sources.c - streaming, deterministic enumeration of scan items. */
#include "scan/sources.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"

/* One directory being walked: its sorted entry names and where we are. */
typedef struct dir_frame {
  char *path;
  char **names;
  size_t count, next;
  dev_t dev;
  ino_t ino;
} dir_frame;

struct sources {
  char **specs;
  size_t nspecs, next_spec;
  FILE *manifest; /* the manifest being read, or NULL */
  int manifest_is_stdin;
  char manifest_name[SOURCES_MAX_PATH];
  long manifest_line;
  dir_frame *stack;
  size_t depth, cap;
  char *line;
  size_t line_cap;
};

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void frame_free(dir_frame *f) {
  for (size_t i = 0; i < f->count; i++)
    free(f->names[i]);
  free(f->names);
  free(f->path);
  memset(f, 0, sizeof *f);
}

static void set_error(source_item *item, const char *path, const char *fmt, const char *arg) {
  snprintf(item->path, sizeof item->path, "%s", path);
  item->is_error = 1;
  snprintf(item->error, sizeof item->error, fmt, arg);
}

/* Reads and sorts a directory's names (the handle is closed at once, so a
 * deep tree never holds many descriptors). Returns 0, or -1 with errno. */
static int read_dir(const char *path, dir_frame *f) {
  DIR *d = opendir(path);
  if (!d)
    return -1;
  size_t cap = 0;
  struct dirent *e;
  errno = 0;
  while ((e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    if (f->count == cap) {
      cap = cap ? cap * 2 : 64;
      char **names = realloc(f->names, cap * sizeof *names);
      if (!names)
        break;
      f->names = names;
    }
    if (!(f->names[f->count] = strdup(e->d_name)))
      break;
    f->count++;
  }
  int err = errno;
  closedir(d);
  if (err) {
    errno = err;
    return -1;
  }
  qsort(f->names, f->count, sizeof *f->names, by_name);
  return 0;
}

/* Enters directory `path` (already stat'ed as st). Loops are errors. */
static int push_dir(sources *s, const char *path, const struct stat *st, source_item *item) {
  for (size_t i = 0; i < s->depth; i++)
    if (s->stack[i].dev == st->st_dev && s->stack[i].ino == st->st_ino) {
      set_error(item, path, "symbolic link loop (leads back to %s)", s->stack[i].path);
      return 1;
    }
  if (s->depth == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    dir_frame *stack = realloc(s->stack, cap * sizeof *stack);
    if (!stack) {
      set_error(item, path, "%s", "out of memory entering directory");
      return 1;
    }
    s->stack = stack;
    s->cap = cap;
  }
  dir_frame *f = &s->stack[s->depth];
  memset(f, 0, sizeof *f);
  if (read_dir(path, f) != 0) {
    int e = errno;
    frame_free(f);
    set_error(item, path, "cannot read directory: %s", strerror(e));
    return 1;
  }
  f->path = strdup(path);
  f->dev = st->st_dev;
  f->ino = st->st_ino;
  s->depth++;
  return 0;
}

/* Classifies one path: yields a file, enters a directory, or yields an
 * error. Returns 1 when *item was filled. */
static int visit(sources *s, const char *path, source_item *item) {
  struct stat st;
  if (stat(path, &st) != 0) {
    int e = errno;
    struct stat lst;
    if (e == ENOENT && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
      set_error(item, path, "%s", "broken symbolic link");
    else if (e == ELOOP)
      set_error(item, path, "%s", "symbolic link loop");
    else if (e == ENOENT)
      set_error(item, path, "%s", "no such file");
    else
      set_error(item, path, "cannot stat: %s", strerror(e));
    return 1;
  }
  if (S_ISDIR(st.st_mode))
    return push_dir(s, path, &st, item);
  if (!S_ISREG(st.st_mode)) {
    set_error(item, path, "%s", "not a regular file (FIFO, socket or device)");
    return 1;
  }
  snprintf(item->path, sizeof item->path, "%s", path);
  return 1;
}

/* Next item from the directory stack; 0 when it is empty. */
static int next_from_dirs(sources *s, source_item *item) {
  while (s->depth > 0) {
    dir_frame *f = &s->stack[s->depth - 1];
    if (f->next == f->count) {
      frame_free(f);
      s->depth--;
      continue;
    }
    const char *name = f->names[f->next++];
    char path[SOURCES_MAX_PATH];
    size_t plen = strlen(f->path);
    int slash = plen > 0 && f->path[plen - 1] == '/';
    if ((size_t)snprintf(path, sizeof path, "%s%s%s", f->path, slash ? "" : "/", name) >=
        sizeof path) {
      set_error(item, f->path, "%s", "path too long (over 4095 bytes) below this directory");
      return 1;
    }
    if (visit(s, path, item))
      return 1;
  }
  return 0;
}

hs_status sources_open(const char *const *specs, size_t n, sources **out) {
  sources *s = calloc(1, sizeof *s);
  if (!s)
    return error_set(HS_ERR_NOMEM, "out of memory");
  s->specs = calloc(n ? n : 1, sizeof *s->specs);
  if (!s->specs) {
    free(s);
    return error_set(HS_ERR_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++) {
    s->specs[i] = strdup(specs[i]);
    if (!s->specs[i]) {
      s->nspecs = i;
      sources_close(s);
      return error_set(HS_ERR_NOMEM, "out of memory");
    }
    /* Manifests are checked up front: a typo is a usage error, not an
     * item error discovered hours into a scan. */
    if (specs[i][0] == '@') {
      FILE *f = fopen(specs[i] + 1, "r");
      if (!f) {
        int e = errno;
        s->nspecs = i + 1;
        sources_close(s);
        return error_set(e == ENOENT ? HS_ERR_NOT_FOUND : HS_ERR_IO, "manifest %s: %s",
                         specs[i] + 1, strerror(e));
      }
      fclose(f);
    }
  }
  s->nspecs = n;
  *out = s;
  return HS_OK;
}

/* Next path from the open manifest; 0 at its end, -1 on a read error. */
static int next_from_manifest(sources *s, source_item *item) {
  for (;;) {
    errno = 0;
    ssize_t len = getline(&s->line, &s->line_cap, s->manifest);
    if (len < 0) {
      int err = ferror(s->manifest) ? errno : 0;
      if (!s->manifest_is_stdin)
        fclose(s->manifest);
      s->manifest = NULL;
      if (err)
        return error_set(HS_ERR_IO, "%s: read failed: %s", s->manifest_name, strerror(err)),
               -1;
      return 0;
    }
    s->manifest_line++;
    while (len > 0 && (s->line[len - 1] == '\n' || s->line[len - 1] == '\r'))
      s->line[--len] = '\0';
    if (len == 0)
      continue;
    if ((size_t)len >= SOURCES_MAX_PATH) {
      char where[512];
      snprintf(where, sizeof where, "%.480s:%ld", s->manifest_name, s->manifest_line);
      set_error(item, where, "%s", "line longer than 4095 bytes (not a path)");
      return 1;
    }
    if (visit(s, s->line, item))
      return 1;
    /* A directory was entered: its files come first. */
    if (next_from_dirs(s, item))
      return 1;
  }
}

int sources_next(sources *s, source_item *item) {
  item->is_error = 0;
  item->error[0] = '\0';
  for (;;) {
    if (next_from_dirs(s, item))
      return 1;
    if (s->manifest) {
      int r = next_from_manifest(s, item);
      if (r != 0)
        return r;
      continue;
    }
    if (s->next_spec == s->nspecs)
      return 0;
    const char *spec = s->specs[s->next_spec++];
    if (strcmp(spec, "-") == 0 || spec[0] == '@') {
      s->manifest_is_stdin = strcmp(spec, "-") == 0;
      s->manifest = s->manifest_is_stdin ? stdin : fopen(spec + 1, "r");
      snprintf(s->manifest_name, sizeof s->manifest_name, "%s",
               s->manifest_is_stdin ? "(stdin)" : spec + 1);
      s->manifest_line = 0;
      if (!s->manifest)
        return error_set(HS_ERR_IO, "manifest %s: %s", spec + 1, strerror(errno)), -1;
      continue;
    }
    if (visit(s, spec, item))
      return 1;
  }
}

void sources_close(sources *s) {
  if (!s)
    return;
  while (s->depth > 0)
    frame_free(&s->stack[--s->depth]);
  free(s->stack);
  if (s->manifest && !s->manifest_is_stdin)
    fclose(s->manifest);
  for (size_t i = 0; i < s->nspecs; i++)
    free(s->specs[i]);
  free(s->specs);
  free(s->line);
  free(s);
}
