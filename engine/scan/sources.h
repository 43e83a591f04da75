/* scan/sources.h - internal: the work items of a scan, in a deterministic
 * order, streamed (an archive of 10^9 files is never listed in memory).
 *
 * A source spec is a directory (walked recursively, entries in byte order
 * of their names, depth first), "@FILE" (a manifest: one path per line;
 * a path naming a directory is walked), or "-" (paths on standard input, as
 * a manifest). Symbolic links are followed; a link that points back to a
 * directory on the current path (a loop), a broken link, an unreadable
 * directory and a special file become error items, never fatal. */
#ifndef HS_SCAN_SOURCES_H
#define HS_SCAN_SOURCES_H

#include <stddef.h>

#include "hashsweep/core.h"

#define SOURCES_MAX_PATH 4096

typedef struct source_item {
  char path[SOURCES_MAX_PATH];
  int is_error;      /* the item is an error record (error[] says why) */
  char error[256];
} source_item;

typedef struct sources sources;

/* Opens the specs in order. Fails only when a manifest cannot be opened. */
hs_status sources_open(const char *const *specs, size_t n, sources **out);
/* Next item: 1 with *item filled, 0 at the end, or -1 with the error set
 * (a fatal read error of a manifest). */
int sources_next(sources *s, source_item *item);
void sources_close(sources *s);

#endif
