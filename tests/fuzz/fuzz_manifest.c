/* tests/fuzz/fuzz_manifest.c - scan manifests (@FILE and standard input):
 * the input is the manifest, read through the scan's sources over a
 * made-up file system, so any path a line names is safe to "visit" and
 * directory walks, link loops, broken links, special files and paths too
 * long all happen. Every item must be a file the fake calls regular or an
 * error item with a cause; the enumeration must end.
 *
 * The fake tree: a path's last component decides what it is by its first
 * byte: 'd' directory (children f.jpg, dx, l, b, p, u while the path is
 * short), 'l' a link back to its parent directory (a loop), 'b' a broken
 * link, 'n' missing, 'e' unreadable, 'u' a directory that cannot be
 * listed, 'p' a FIFO, 'o' too many link levels; anything else a file. */
#include <errno.h>
#include <string.h>

#include "fuzz_util.h"
#include "scan/sources.h"

typedef struct fake {
  const uint8_t *data;
  size_t size;
} fake;

static uint64_t fnv(const char *s, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
  return h;
}

static const char *base_of(const char *path, size_t *dirlen) {
  const char *slash = strrchr(path, '/');
  *dirlen = slash ? (size_t)(slash - path) : 0;
  return slash ? slash + 1 : path;
}

static int fake_lstat(void *user, const char *path, struct stat *st) {
  (void)user;
  memset(st, 0, sizeof *st);
  size_t dirlen;
  const char *b = base_of(path, &dirlen);
  st->st_dev = 1;
  st->st_ino = fnv(path, strlen(path));
  switch (b[0]) {
  case 'd': case 'u': st->st_mode = S_IFDIR | 0755; return 0;
  case 'l': case 'b': case 'o': st->st_mode = S_IFLNK | 0777; return 0;
  case 'n': errno = ENOENT; return -1;
  case 'e': errno = EACCES; return -1;
  case 'p': st->st_mode = S_IFIFO | 0644; return 0;
  default: st->st_mode = S_IFREG | 0644; st->st_size = 1234; return 0;
  }
}

static int fake_stat(void *user, const char *path, struct stat *st) {
  size_t dirlen;
  const char *b = base_of(path, &dirlen);
  switch (b[0]) {
  case 'l': /* the parent directory again */
    memset(st, 0, sizeof *st);
    st->st_dev = 1;
    st->st_ino = fnv(path, dirlen);
    st->st_mode = S_IFDIR | 0755;
    return 0;
  case 'b': errno = ENOENT; return -1;
  case 'o': errno = ELOOP; return -1;
  default: return fake_lstat(user, path, st);
  }
}

static int fake_list(void *user, const char *path, char ***names, size_t *count) {
  (void)user;
  static const char *const kids[] = {"f.jpg", "dx", "l", "b", "p", "u", "n.png"};
  size_t dirlen;
  const char *b = base_of(path, &dirlen);
  *count = 0;
  *names = NULL;
  if (b[0] == 'u') {
    errno = EACCES;
    return -1;
  }
  size_t n = strlen(path) < 48 ? sizeof kids / sizeof kids[0] : 1;
  *names = calloc(n, sizeof **names);
  FUZZ_ASSERT(*names);
  for (size_t i = n; i-- > 0;) /* unsorted on purpose */
    (*names)[(*count)++] = strdup(kids[i]);
  return 0;
}

static FILE *fake_open(void *user, const char *path) {
  fake *f = user;
  FUZZ_ASSERT(strcmp(path, "manifest.txt") == 0);
  return fuzz_stream(f->data, f->size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fake f = {data, size};
  sources_fs fs = {fake_stat, fake_lstat, fake_list, fake_open, &f};
  const char *specs[] = {"@manifest.txt"};
  sources *s = NULL;
  FUZZ_ASSERT(sources_open_fs(specs, 1, &fs, &s) == HS_OK);
  source_item item;
  size_t items = 0;
  int r;
  while ((r = sources_next(s, &item)) == 1) {
    FUZZ_ASSERT(++items < 1000000);
    FUZZ_ASSERT(memchr(item.path, '\0', sizeof item.path));
    if (item.is_error) {
      FUZZ_ASSERT(item.error[0] && memchr(item.error, '\0', sizeof item.error));
    } else {
      struct stat st;
      FUZZ_ASSERT(fake_stat(NULL, item.path, &st) == 0 && S_ISREG(st.st_mode));
    }
  }
  FUZZ_ASSERT(r == 0);
  sources_close(s);
  return 0;
}
