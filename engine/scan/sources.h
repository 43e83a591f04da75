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
#include <stdio.h>
#include <sys/stat.h>

#include "hashsweep/core.h"

#define SOURCES_MAX_PATH 4096

typedef struct source_item {
  char path[SOURCES_MAX_PATH];
  int is_error;      /* the item is an error record (error[] says why) */
  char error[256];
} source_item;

typedef struct sources sources;

/* What the enumeration asks of the file system (sources_open uses the real
 * one; tests and the fuzzer put a made-up tree behind it). Each returns as
 * the POSIX call it stands for: 0, or -1 with errno. */
typedef struct sources_fs {
  int (*stat)(void *user, const char *path, struct stat *st);
  int (*lstat)(void *user, const char *path, struct stat *st);
  /* A directory's entry names without "." and "..", in any order, as a
   * malloc'd array of malloc'd strings (freed by the caller, also after a
   * failure part way). */
  int (*list)(void *user, const char *path, char ***names, size_t *count);
  FILE *(*open_manifest)(void *user, const char *path);
  void *user;
} sources_fs;

/* Opens the specs in order. Fails only when a manifest cannot be opened. */
hs_status sources_open(const char *const *specs, size_t n, sources **out);
hs_status sources_open_fs(const char *const *specs, size_t n, const sources_fs *fs,
                          sources **out);
/* Leaves the file `path` names out of the enumeration, by device and inode
 * (any path to it): the run's own output, store and lock files are never
 * inputs. A path that does not exist is ignored. */
hs_status sources_skip(sources *s, const char *path);
/* The same for a file already stat'ed (standard output, by fstat). */
hs_status sources_skip_id(sources *s, dev_t dev, ino_t ino);
/* Next item: 1 with *item filled, 0 at the end, or -1 with the error set
 * (a fatal read error of a manifest). */
int sources_next(sources *s, source_item *item);
void sources_close(sources *s);

#endif
