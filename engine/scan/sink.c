/* scan/sink.c - JSON Lines / CSV output of matches, errors and notes. */
#include "scan/sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"

struct sink {
  int fd;
  int is_file;
  hs_out_format format;
  char path[4096];
  uint64_t offset; /* bytes written and synced */
  char *buf;       /* the batch being formatted */
  size_t len;
  FILE *mem;       /* NULL: no text output (records to fn only) */
  hs_record_fn fn; /* the caller's record callback, or NULL */
  void *user;
  hs_status fn_status; /* the callback's first failure in this batch */
};

static hs_status mem_reopen(sink *s) {
  if (s->mem)
    fclose(s->mem);
  free(s->buf);
  s->buf = NULL;
  s->len = 0;
  s->mem = open_memstream(&s->buf, &s->len);
  return s->mem ? HS_OK : error_set(HS_ERR_NOMEM, "out of memory for output");
}

/* Never truncate what this program did not write: an existing --out must be
 * empty or start as a hashsweep output does (a JSONL record or the CSV
 * header). An image or another input named as --out by mistake is refused
 * before it is opened for writing. */
static hs_status check_overwrite(const char *path) {
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return HS_OK; /* absent (created), or unreadable: the write open decides */
  struct stat st;
  const char *csv = hs_record_csv_header();
  char head[128];
  ssize_t n = 0;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
    n = pread(fd, head, strlen(csv) < sizeof head ? strlen(csv) : sizeof head, 0);
  close(fd);
  if (n <= 0)
    return HS_OK;
  /* A prefix counts too: an earlier run cut short in its first record. */
  static const char jsonl[] = "{\"path\":";
  size_t len = (size_t)n, lj = len < sizeof jsonl - 1 ? len : sizeof jsonl - 1;
  if (memcmp(head, jsonl, lj) == 0 || memcmp(head, csv, len) == 0)
    return HS_OK;
  /* A bad --out (usage, exit 2), not a failure of the run. */
  return error_set(HS_ERR_INVALID_ARG,
                   "output %s: exists and is not a hashsweep output (an input file?); it is "
                   "left as it is: choose another --out or remove it",
                   path);
}

/* Match lists name abusive files: owner-only, like the store, also when the
 * file existed with a wider mode. */
static hs_status make_private(int fd, const char *path, const struct stat *st) {
  if (!S_ISREG(st->st_mode) || (st->st_mode & 077) == 0 || fchmod(fd, 0600) == 0)
    return HS_OK;
  return error_set(HS_ERR_IO, "output %s: mode %04o lets others read it and cannot be made 0600: %s",
                   path, (unsigned)(st->st_mode & 07777), strerror(errno));
}

hs_status sink_open(const char *path, hs_out_format format, uint64_t resume_offset, sink **out) {
  sink *s = calloc(1, sizeof *s);
  if (!s)
    return error_set(HS_ERR_NOMEM, "out of memory");
  s->format = format;
  s->fd = 1;
  if (path) {
    snprintf(s->path, sizeof s->path, "%s", path);
    hs_status chk = resume_offset == 0 ? check_overwrite(path) : HS_OK;
    if (chk != HS_OK) {
      free(s);
      return chk;
    }
    /* Match lists name abusive files: owner-only, like the store. */
    s->fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (s->fd < 0) {
      int e = errno;
      free(s);
      return error_set(HS_ERR_IO, "output %s: cannot open: %s", path, strerror(e));
    }
    s->is_file = 1;
    struct stat st;
    int have_st = fstat(s->fd, &st) == 0;
    hs_status priv = have_st ? make_private(s->fd, path, &st) : HS_OK;
    if (priv != HS_OK) {
      close(s->fd);
      free(s);
      return priv;
    }
    if (have_st && S_ISREG(st.st_mode)) {
      if ((uint64_t)st.st_size < resume_offset) {
        close(s->fd);
        free(s);
        return error_set(HS_ERR_CORRUPT,
                         "output %s: %lld bytes, shorter than the %llu the store recorded "
                         "(was it edited? restart the scan)",
                         path, (long long)st.st_size, (unsigned long long)resume_offset);
      }
      /* Cut what the interrupted run wrote after its last commit. */
      if (ftruncate(s->fd, (off_t)resume_offset) != 0 ||
          lseek(s->fd, (off_t)resume_offset, SEEK_SET) < 0) {
        int e = errno;
        close(s->fd);
        free(s);
        return error_set(HS_ERR_IO, "output %s: cannot truncate: %s", path, strerror(e));
      }
    } else {
      s->is_file = 0; /* a FIFO or device: just write */
    }
    s->offset = resume_offset;
  }
  hs_status st = mem_reopen(s);
  if (st != HS_OK) {
    sink_close(s);
    return st;
  }
  if (format == HS_OUT_CSV && s->offset == 0)
    fputs(hs_record_csv_header(), s->mem);
  *out = s;
  return HS_OK;
}

hs_status sink_open_run(const char *path, hs_out_format format, uint64_t resume_offset,
                        hs_record_fn fn, void *user, sink **out) {
  sink *s = NULL;
  if (path || !fn) {
    HS_TRY(sink_open(path, format, resume_offset, &s));
  } else {
    s = calloc(1, sizeof *s);
    if (!s)
      return error_set(HS_ERR_NOMEM, "out of memory");
    s->fd = -1;
  }
  s->fn = fn;
  s->user = user;
  *out = s;
  return HS_OK;
}

void sink_close(sink *s) {
  if (!s)
    return;
  if (s->mem)
    fclose(s->mem);
  free(s->buf);
  if (s->fd > 2)
    close(s->fd);
  free(s);
}

/* The record to the callback, then to the text. */
static void deliver(sink *s, const hs_record *r) {
  if (s->fn && s->fn_status == HS_OK)
    s->fn_status = s->fn(s->user, r);
  if (s->mem)
    hs_record_write(s->mem, s->format, r);
}

void sink_match(sink *s, const hs_record *m) { deliver(s, m); }

void sink_error(sink *s, const char *path, const char *error) {
  hs_record r = {.kind = HS_RECORD_ERROR, .path = path, .quality = -1, .message = error};
  deliver(s, &r);
}

void sink_note(sink *s, const char *path, const char *pdq_hex, int quality, const char *md5_hex,
               const char *note) {
  hs_record r = {.kind = HS_RECORD_NOTE, .path = path, .pdq_hex = pdq_hex, .quality = quality,
                 .md5_hex = md5_hex, .message = note};
  deliver(s, &r);
}

hs_status sink_flush(sink *s, uint64_t *offset) {
  if (s->fn_status != HS_OK) {
    hs_status st = s->fn_status;
    s->fn_status = HS_OK;
    return error_set(st, "the record callback returned '%s'", hs_strerror(st));
  }
  if (!s->mem) {
    if (offset)
      *offset = 0;
    return HS_OK;
  }
  if (fflush(s->mem) != 0)
    return error_set(HS_ERR_NOMEM, "out of memory formatting output");
  size_t done = 0;
  while (done < s->len) {
    ssize_t n = write(s->fd, s->buf + done, s->len - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int e = errno;
      return error_set(HS_ERR_IO, "output %s: write failed: %s", s->path[0] ? s->path : "(stdout)",
                       strerror(e));
    }
    done += (size_t)n;
  }
  if (s->is_file && s->len > 0 && fsync(s->fd) != 0) {
    int e = errno;
    return error_set(HS_ERR_IO, "output %s: fsync failed: %s", s->path, strerror(e));
  }
  s->offset += s->len;
  if (offset)
    *offset = s->offset;
  return mem_reopen(s);
}
