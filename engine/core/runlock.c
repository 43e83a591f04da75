/* core/runlock.c - exclusive run locks on lock files (runlock.h). */
#include "core/runlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

struct run_lock {
  int fd;
  char path[4096];
};

/* The pid the holder wrote, or 0 when it has not yet. */
static long holder_pid(int fd) {
  char buf[32];
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  char *end;
  long pid = strtol(buf, &end, 10);
  return pid > 0 && (*end == '\n' || *end == '\0') ? pid : 0;
}

static hs_status busy(const char *what, int fd) {
  long pid = holder_pid(fd);
  char who[48] = "another process";
  if (pid > 0)
    snprintf(who, sizeof who, "process %ld", pid);
  return error_set(HS_ERR_BUSY, "%s is in use by %s (another scan or rescan); wait for it to "
                   "finish, or use another", what, who);
}

/* 1 when `path` still names the file open on fd: a releasing holder
 * unlinks the file before it unlocks, so a lock won on an unlinked file
 * is no lock and is taken again. */
static int still_linked(int fd, const char *path) {
  struct stat a, b;
  return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
         a.st_ino == b.st_ino;
}

hs_status run_lock_take(const char *path, const char *what, run_lock **out) {
  *out = NULL;
  run_lock *l = calloc(1, sizeof *l);
  if (!l)
    return error_set(HS_ERR_NOMEM, "out of memory");
  snprintf(l->path, sizeof l->path, "%s", path);
  for (int attempt = 0; attempt < 100; attempt++) {
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
      int e = errno;
      free(l);
      return error_set(HS_ERR_IO, "%s: cannot make the lock file %s: %s", what, path,
                       strerror(e));
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int e = errno;
      hs_status st = e == EWOULDBLOCK ? busy(what, fd)
                                      : error_set(HS_ERR_IO, "%s: cannot lock %s: %s", what, path,
                                                  strerror(e));
      close(fd);
      free(l);
      return st;
    }
    if (!still_linked(fd, path)) {
      close(fd);
      continue;
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
      int e = errno;
      close(fd);
      free(l);
      return error_set(HS_ERR_IO, "%s: cannot write the lock file %s: %s", what, path,
                       strerror(e));
    }
    l->fd = fd;
    *out = l;
    return HS_OK;
  }
  free(l);
  return error_set(HS_ERR_BUSY, "%s: the lock file %s keeps being replaced", what, path);
}

hs_status run_lock_output(const char *out_path, run_lock **out) {
  *out = NULL;
  struct stat st;
  if (stat(out_path, &st) == 0 && !S_ISREG(st.st_mode))
    return HS_OK;
  char path[4096], what[4200];
  if ((size_t)snprintf(path, sizeof path, "%s.lock", out_path) >= sizeof path)
    return error_set(HS_ERR_LIMIT, "%s: output path too long", out_path);
  snprintf(what, sizeof what, "output %s", out_path);
  return run_lock_take(path, what, out);
}

void run_lock_release(run_lock *lock) {
  if (!lock)
    return;
  /* Unlink first, then unlock (close): a run waiting on the old file sees
   * it gone and starts over on a new one. */
  unlink(lock->path);
  close(lock->fd);
  free(lock);
}
