/* index/export_video.c - hs_index_export_videos: one file per video entry,
 * in the format the entry came in (Meta's .vpdq text, pytx's JSON array). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "index/index_internal.h"
#include "index/vframes.h"

/* The label when it is a plain file name with extension `ext`. */
static int usable_label(const char *label, const char *ext) {
  size_t n = label ? strlen(label) : 0, e = strlen(ext);
  if (n <= e || n > 200 || label[0] == '.' || strcmp(label + n - e, ext) != 0)
    return 0;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)label[i] < 0x20 || label[i] == '/' || label[i] == '\\' || label[i] == 0x7f)
      return 0;
  return 1;
}

static void write_frames(FILE *f, const hs_index_frame *fr, size_t n, int fmt) {
  if (fmt == VFRAMES_META) {
    for (size_t i = 0; i < n; i++) {
      char hex[65];
      hs_hash256_to_hex(&fr[i].pdq, hex);
      fprintf(f, "%lld,%d,%s,%.3f\n", (long long)fr[i].frame, fr[i].quality, hex,
              fr[i].timestamp);
    }
    return;
  }
  /* As pytx's vpdq_to_json writes it (json.dumps of the strings). */
  fputc('[', f);
  for (size_t i = 0; i < n; i++) {
    char hex[65], t[32];
    hs_hash256_to_hex(&fr[i].pdq, hex);
    vframes_pytx_time(fr[i].timestamp, t);
    fprintf(f, "%s\"%s,%d,%s\"", i ? ", " : "", hex, fr[i].quality, t);
  }
  fputs("]\n", f);
}

static hs_status write_one(const char *dir, const char *label, uint64_t id,
                           const hs_index_frame *fr, size_t n, int fmt) {
  const char *ext = fmt == VFRAMES_META ? ".vpdq" : ".json";
  char name[256], path[4096];
  if (usable_label(label, ext))
    snprintf(name, sizeof name, "%s", label);
  else
    snprintf(name, sizeof name, "%llu%s", (unsigned long long)id, ext);
  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
    return error_set(HS_ERR_INVALID_ARG, "%s: path too long", dir);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return error_set(errno == EEXIST ? HS_ERR_EXISTS : HS_ERR_IO, "%s: %s%s", path,
                     strerror(errno), errno == EEXIST ? " (not overwritten)" : "");
  FILE *f = fdopen(fd, "w");
  if (!f) {
    close(fd);
    return error_set(HS_ERR_IO, "%s: %s", path, strerror(errno));
  }
  write_frames(f, fr, n, fmt);
  int bad = ferror(f);
  if (fclose(f) != 0 || bad)
    return error_set(HS_ERR_IO, "%s: write error", path);
  return HS_OK;
}

static hs_status export_from(hs_index_snapshot *snap, const char *dir, unsigned list,
                             uint64_t *written) {
  hs_index *idx = snapshot_index(snap);
  hs_index_iter *it;
  HS_TRY(hs_index_iter_create(snap, HS_HASH_VPDQ, 0, &it));
  hs_index_block b;
  hs_status st;
  while ((st = hs_index_iter_next(it, &b)) == HS_OK) {
    for (size_t i = 0; i < b.count && st == HS_OK; i++) {
      if ((b.flags[i] & HS_ENTRY_WITHDRAWN) || (list && b.lists[i] != list))
        continue;
      uint64_t id = b.first_id + i;
      hs_index_entry e;
      MDB_val v;
      hs_index_frame *fr = NULL;
      size_t n;
      int fmt, r;
      st = hs_index_entry_get(snap, id, &e);
      if (st == HS_OK)
        st = vframes_get(idx, snapshot_txn(snap), id, &v);
      if (st == HS_OK && (r = vframes_decode(v.mv_data, v.mv_size, &fr, &n, &fmt)) != 0)
        st = r == -2 ? error_set(HS_ERR_NOMEM, "out of memory")
                     : error_set(HS_ERR_CORRUPT, "%s: the frames of entry %llu are damaged",
                                 idx->path, (unsigned long long)id);
      if (st == HS_OK)
        st = write_one(dir, e.label, id, fr, n, fmt);
      free(fr);
      if (st == HS_OK)
        ++*written;
    }
    if (st != HS_OK)
      break;
  }
  hs_index_iter_destroy(it);
  return st == HS_ERR_NOT_FOUND ? HS_OK : st;
}

hs_status hs_index_export_videos(hs_index *idx, const char *dir, const char *list,
                                 uint64_t *written) {
  HS_CHECK(idx && dir && *dir, HS_ERR_INVALID_ARG, "export videos: NULL argument");
  uint64_t count = 0;
  if (written)
    *written = 0;
  if (mkdir(dir, 0700) != 0 && errno != EEXIST)
    return error_set(HS_ERR_IO, "%s: cannot create: %s", dir, strerror(errno));
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    return error_set(HS_ERR_INVALID_ARG, "%s: not a directory", dir);
  hs_index_snapshot *snap;
  HS_TRY(hs_index_snapshot_open(idx, &snap));
  unsigned id = 0;
  hs_status s = list ? hs_index_snapshot_list_id(snap, list, &id) : HS_OK;
  if (s == HS_OK)
    s = export_from(snap, dir, id, &count);
  hs_index_snapshot_close(snap);
  if (written)
    *written = count;
  return s;
}
