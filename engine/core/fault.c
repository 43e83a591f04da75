/* core/fault.c - file-level fault injection for tests (fault.h). */
#include "core/fault.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/cancel.h"

int fault_listed(const char *point, const char *name) {
  const char *list = getenv("HASHSWEEP_FAULT");
  if (!list || !*list)
    return 0;
  size_t plen = strlen(point), nlen = name ? strlen(name) : 0;
  size_t want = name ? plen + 1 + nlen : plen;
  for (const char *p = list; *p;) {
    size_t len = strcspn(p, ",");
    if (len == want && strncmp(p, point, plen) == 0 &&
        (!name || (p[plen] == ':' && strncmp(p + plen + 1, name, nlen) == 0)))
      return 1;
    p += len;
    if (*p == ',')
      p++;
  }
  return 0;
}

int fault_file(const char *point, const char *path) {
  const char *slash = strrchr(path, '/');
  return fault_listed(point, slash ? slash + 1 : path);
}

void fault_wait_release(const char *mark) { fault_wait_release_or_cancel(mark, NULL); }

void fault_wait_release_or_cancel(const char *mark, const hs_cancel *cancel) {
  const char *dir = getenv("HASHSWEEP_FAULT_DIR");
  if (!dir || !*dir)
    dir = ".";
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, mark);
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0)
    close(fd);
  snprintf(path, sizeof path, "%s/release", dir);
  struct timespec tick = {0, 10 * 1000000L};
  for (int i = 0; i < 60000 && access(path, F_OK) != 0 && !cancel_triggered(cancel); i++)
    nanosleep(&tick, NULL);
}
