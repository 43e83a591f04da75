/* core/lineread.h - internal: reading text input one line at a time with a
 * cap on the line length, so a file without newlines (or with one huge
 * line) costs `max` bytes of memory, not its size. Embedded NUL bytes are
 * kept (the length says where the line ends). */
#ifndef HS_CORE_LINEREAD_H
#define HS_CORE_LINEREAD_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

typedef struct line_buf {
  char *data;      /* the line (without its '\n'), NUL-terminated */
  size_t cap;
  uint64_t cut;    /* bytes of the line dropped beyond `max` (0: whole) */
} line_buf;

/* Sees every byte consumed, the dropped ones and the newline included
 * (digests of the input). */
typedef void (*line_tap)(void *user, const char *bytes, size_t n);

/* Reads the next line into b. Returns the number of bytes kept (<= max,
 * without the newline) or -1: at the end of the input (errno 0) or on a
 * read error (errno set; ferror(f) tells). A '\r' before the newline is
 * kept. tap may be NULL. */
ssize_t line_read(FILE *f, line_buf *b, size_t max, line_tap tap, void *user);
void line_buf_free(line_buf *b);

#endif
