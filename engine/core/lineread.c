/* core/lineread.c - bounded line reading (lineread.h). */
#include "core/lineread.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for `need` bytes plus the NUL. */
static int reserve(line_buf *b, size_t need) {
  if (need + 1 <= b->cap)
    return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need + 1)
    cap *= 2;
  char *d = realloc(b->data, cap);
  if (!d)
    return -1;
  b->data = d;
  b->cap = cap;
  return 0;
}

ssize_t line_read(FILE *f, line_buf *b, size_t max, line_tap tap, void *user) {
  size_t len = 0, drop = 0;
  char dropped[4096]; /* bytes beyond the cap, on their way to the tap */
  int any = 0, c = EOF;
  b->cut = 0;
  if (reserve(b, 0) != 0)
    return -1;
  errno = 0;
  flockfile(f);
  /* getc_unlocked per byte: about the speed of getline for the short lines
   * of hash lists and manifests, and it stops storing at the cap. */
  while ((c = getc_unlocked(f)) != EOF) {
    any = 1;
    if (c == '\n')
      break;
    if (len < max) {
      if (len + 1 >= b->cap && reserve(b, len + 1) != 0) {
        funlockfile(f);
        errno = ENOMEM;
        return -1;
      }
      b->data[len++] = (char)c;
      continue;
    }
    if (b->cut++ == 0 && tap)
      tap(user, b->data, len);
    dropped[drop++] = (char)c;
    if (drop == sizeof dropped) {
      if (tap)
        tap(user, dropped, drop);
      drop = 0;
    }
  }
  int err = ferror(f) ? (errno ? errno : EIO) : 0;
  funlockfile(f);
  b->data[len] = '\0';
  if (tap && any) {
    /* Every byte consumed, in order: the digest is of the input as read. */
    if (b->cut == 0)
      tap(user, b->data, len);
    else if (drop)
      tap(user, dropped, drop);
    if (c == '\n')
      tap(user, "\n", 1);
  }
  if (err) {
    errno = err;
    return -1;
  }
  if (!any) {
    errno = 0;
    return -1;
  }
  return (ssize_t)len;
}

void line_buf_free(line_buf *b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}
