/* scan/sources.c - streaming, deterministic enumeration of scan items. */
#include "scan/sources.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/lineread.h"
#include "core/log.h"

/* One directory being walked: its sorted entry names and where we are. */
typedef struct dir_frame {
  char *path;
  char **names;
  size_t count, next;
  dev_t dev;
  ino_t ino;
} dir_frame;

struct sources {
  sources_fs fs;
  char **specs;
  size_t nspecs, next_spec;
  FILE *manifest; /* the manifest being read, or NULL */
  int manifest_is_stdin;
  char manifest_name[SOURCES_MAX_PATH];
  long manifest_line;
  dir_frame *stack;
  size_t depth, cap;
  line_buf line;
  struct file_id {
    dev_t dev;
    ino_t ino;
  } *skip;              /* files that are never items (sources_skip) */
  size_t nskip;
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

/* ---- the real file system --------------------------------------------------- */

static int real_stat(void *user, const char *path, struct stat *st) {
  (void)user;
  return stat(path, st);
}

static int real_lstat(void *user, const char *path, struct stat *st) {
  (void)user;
  return lstat(path, st);
}

/* The handle is closed before returning, so a deep tree never holds many
 * descriptors. */
static int real_list(void *user, const char *path, char ***names, size_t *count) {
  (void)user;
  *names = NULL;
  *count = 0;
  DIR *d = opendir(path);
  if (!d)
    return -1;
  size_t cap = 0;
  struct dirent *e;
  errno = 0;
  while ((e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    if (*count == cap) {
      cap = cap ? cap * 2 : 64;
      char **more = realloc(*names, cap * sizeof *more);
      if (!more) {
        errno = ENOMEM;
        break;
      }
      *names = more;
    }
    if (!((*names)[*count] = strdup(e->d_name))) {
      errno = ENOMEM;
      break;
    }
    (*count)++;
  }
  int err = errno;
  closedir(d);
  errno = err;
  return err ? -1 : 0;
}

static FILE *real_open_manifest(void *user, const char *path) {
  (void)user;
  return fopen(path, "r");
}

static const sources_fs real_fs = {real_stat, real_lstat, real_list, real_open_manifest, NULL};

/* Reads and sorts a directory's names. Returns 0, or -1 with errno. */
static int read_dir(sources *s, const char *path, dir_frame *f) {
  if (s->fs.list(s->fs.user, path, &f->names, &f->count) != 0)
    return -1;
  /* An empty folder has no array at all: qsort must not see NULL. */
  if (f->count > 1)
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
  if (read_dir(s, path, f) != 0) {
    int e = errno;
    frame_free(f);
    set_error(item, path, "cannot read directory: %s", strerror(e));
    return 1;
  }
  if (!(f->path = strdup(path))) {
    frame_free(f);
    set_error(item, path, "%s", "out of memory entering directory");
    return 1;
  }
  f->dev = st->st_dev;
  f->ino = st->st_ino;
  s->depth++;
  return 0;
}

/* Classifies one path: yields a file, enters a directory, skips one of the
 * run's own files, or yields an error. Returns 1 when *item was filled. */
static int visit(sources *s, const char *path, source_item *item) {
  struct stat st;
  if (s->fs.stat(s->fs.user, path, &st) != 0) {
    int e = errno;
    struct stat lst;
    if (e == ENOENT && s->fs.lstat(s->fs.user, path, &lst) == 0 && S_ISLNK(lst.st_mode))
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
  for (size_t i = 0; i < s->nskip; i++)
    if (s->skip[i].dev == st.st_dev && s->skip[i].ino == st.st_ino) {
      log_info("not scanning %s: it is this run's own output or store", path);
      return 0;
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
  return sources_open_fs(specs, n, NULL, out);
}

hs_status sources_open_fs(const char *const *specs, size_t n, const sources_fs *fs,
                          sources **out) {
  sources *s = calloc(1, sizeof *s);
  if (!s)
    return error_set(HS_ERR_NOMEM, "out of memory");
  s->fs = fs ? *fs : real_fs;
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
      FILE *f = s->fs.open_manifest(s->fs.user, specs[i] + 1);
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

hs_status sources_skip_id(sources *s, dev_t dev, ino_t ino) {
  struct file_id *more = realloc(s->skip, (s->nskip + 1) * sizeof *more);
  if (!more)
    return error_set(HS_ERR_NOMEM, "out of memory");
  s->skip = more;
  s->skip[s->nskip++] = (struct file_id){dev, ino};
  return HS_OK;
}

hs_status sources_skip(sources *s, const char *path) {
  struct stat st;
  if (s->fs.stat(s->fs.user, path, &st) != 0)
    return HS_OK;
  return sources_skip_id(s, st.st_dev, st.st_ino);
}

/* Names a manifest line in an error item: "MANIFEST:LINE". */
static void line_error(sources *s, source_item *item, const char *why) {
  char where[512];
  snprintf(where, sizeof where, "%.480s:%ld", s->manifest_name, s->manifest_line);
  set_error(item, where, "%s", why);
}

/* Next path from the open manifest; 0 at its end, -1 on a read error.
 * Lines are read at most SOURCES_MAX_PATH bytes at a time: a longer line
 * (or a file without newlines) is an error item, never a large buffer. */
static int next_from_manifest(sources *s, source_item *item) {
  for (;;) {
    ssize_t len = line_read(s->manifest, &s->line, SOURCES_MAX_PATH, NULL, NULL);
    if (len < 0) {
      int err = ferror(s->manifest) || errno ? (errno ? errno : EIO) : 0;
      if (!s->manifest_is_stdin)
        fclose(s->manifest);
      s->manifest = NULL;
      if (err)
        return error_set(HS_ERR_IO, "%s: read failed: %s", s->manifest_name, strerror(err)),
               -1;
      return 0;
    }
    s->manifest_line++;
    char *line = s->line.data;
    while (len > 0 && line[len - 1] == '\r')
      line[--len] = '\0';
    if (len == 0 && !s->line.cut)
      continue;
    if (s->line.cut || (size_t)len >= SOURCES_MAX_PATH) {
      line_error(s, item, "line longer than 4095 bytes (not a path)");
      return 1;
    }
    if (memchr(line, '\0', (size_t)len)) {
      line_error(s, item, "line holds a NUL byte (not a path)");
      return 1;
    }
    if (visit(s, line, item))
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
      s->manifest = s->manifest_is_stdin ? stdin : s->fs.open_manifest(s->fs.user, spec + 1);
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
  free(s->skip);
  line_buf_free(&s->line);
  free(s);
}
