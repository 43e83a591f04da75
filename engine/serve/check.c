/* serve/check.c - hashing uploads (serve/check.h). */
#include "serve/check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fault.h"

/* Frames of one video matched at most (a 6-hour video at 1 frame/s is
 * 21600: bounded by the video limits, this bounds the memory of one). */
#define MAX_FRAMES 100000

/* The cause of the last failure without the name it was reported under. */
static void set_error(upload_hashes *u, hs_status st, const char *name) {
  u->status = st;
  const char *d = hs_last_error();
  size_t n = strlen(name);
  if (strncmp(d, name, n) == 0 && d[n] == ':' && d[n + 1] == ' ')
    d += n + 2;
  snprintf(u->error, sizeof u->error, "%s", *d ? d : hs_strerror(st));
}

static hs_status hash_image(serve_ctx *c, const uint8_t *data, size_t size, hs_workspace *ws,
                            upload_hashes *u) {
  hs_luma luma, grid;
  hs_image_info info;
  hs_decode_options d = c->opts.decode;
  d.want_digests = 0; /* done once for every upload */
  hs_status st = hs_decode_buffer(data, size, "upload", &d, ws, &luma, &info);
  if (st == HS_OK)
    st = hs_grid_for_mode("upload", &d, ws, &luma, &info, &grid);
  if (st == HS_OK && !d.no_unletterbox) {
    hs_content_box box;
    st = hs_pdq_unletterbox(&grid, ws, &box, &u->content, &u->has_content);
  }
  if (st == HS_OK)
    st = hs_pdq_from_luma(&grid, ws, &u->pdq);
  if (st == HS_OK)
    u->kind = UPLOAD_IMAGE;
  return st;
}

typedef struct frames_acc {
  upload_hashes *u;
  size_t cap;
} frames_acc;

static hs_status on_frame(void *user, const hs_video_frame *f) {
  frames_acc *a = user;
  if (a->u->nframes >= MAX_FRAMES)
    return error_set(HS_ERR_LIMIT, "upload: more than %d sampled frames", MAX_FRAMES);
  if (a->u->nframes == a->cap) {
    size_t cap = a->cap ? 2 * a->cap : 64;
    hs_video_frame *p = realloc(a->u->frames, cap * sizeof *p);
    if (!p)
      return error_set(HS_ERR_NOMEM, "out of memory for video frames");
    a->u->frames = p;
    a->cap = cap;
  }
  a->u->frames[a->u->nframes++] = *f;
  return HS_OK;
}

/* A video through an unlinked temporary file (O_TMPFILE: never visible by
 * name, gone when closed or when the process dies). */
static hs_status hash_video(serve_ctx *c, const uint8_t *data, size_t size, hs_workspace *ws,
                            upload_hashes *u, const char **name_out) {
  const char *dir = getenv("TMPDIR");
  int fd = open(dir && *dir ? dir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    return error_set(HS_ERR_IO, "upload: cannot make a temporary file: %s", strerror(errno));
  for (size_t off = 0; off < size;) {
    ssize_t w = write(fd, data + off, size - off);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      int e = errno;
      close(fd);
      return error_set(HS_ERR_IO, "upload: writing a temporary file: %s", strerror(e));
    }
    off += (size_t)w;
  }
  static _Thread_local char name[64];
  snprintf(name, sizeof name, "/proc/self/fd/%d", fd);
  *name_out = name;
  int is_video = 0;
  hs_status st = hs_video_sniff_file(name, &is_video, NULL, 0);
  if (st == HS_OK && !is_video)
    st = error_set(HS_ERR_UNSUPPORTED, "%s: not an image or video in a supported format", name);
  if (st == HS_OK) {
    hs_decode_options d = c->opts.decode;
    d.want_digests = 0;
    /* Unless --no-unletterbox: the content region of letterboxed frames
     * too, matched as the scan matches them (lookup.c). */
    hs_video_info info;
    frames_acc acc = {u, 0};
    st = hs_video_hash_file(name, &d, &c->opts.video, ws, on_frame, &acc, &info);
    if (st == HS_OK)
      u->kind = UPLOAD_VIDEO;
  }
  close(fd);
  return st;
}

hs_status upload_hash(serve_ctx *c, const uint8_t *data, size_t size, upload_hashes *u) {
  memset(u, 0, sizeof *u);
  HS_TRY(hs_digest_md5_sha256(data, size, u->md5, u->sha256));
  /* Test builds: HASHSWEEP_FAULT=hold:serve-upload holds every decode until
   * $HASHSWEEP_FAULT_DIR/release exists (a slow upload, deterministically). */
  if (fault_listed("hold", "serve-upload"))
    fault_wait_release("held");
  hs_workspace *ws = hs_workspace_create();
  hs_status st = ws ? HS_OK : error_set(HS_ERR_NOMEM, "out of memory for a decode workspace");
  const char *name = "upload";
  if (st == HS_OK) {
    st = hash_image(c, data, size, ws, u);
    /* Not an image libvips will open: it may be a video. */
    if (st == HS_ERR_UNSUPPORTED)
      st = hash_video(c, data, size, ws, u, &name);
  }
  if (st != HS_OK)
    set_error(u, st, name);
  hs_workspace_destroy(ws);
  return HS_OK;
}

void upload_free(upload_hashes *u) {
  free(u->frames);
  u->frames = NULL;
  u->nframes = 0;
}

void upload_busy(serve_ctx *c, serve_response *rs) {
  atomic_fetch_add(&c->metrics.rejected_upload_busy, 1);
  serve_error(rs, 503, "busy: every decode worker is in use, retry");
}

int upload_http_status(hs_status st) {
  switch (st) {
  case HS_ERR_LIMIT:
    return 413; /* too many pixels, frames, seconds: a bomb is refused as too large */
  case HS_ERR_NOMEM:
  case HS_ERR_IO:
  case HS_ERR_INTERNAL:
    return 500;
  default:
    return 422; /* undecodable, truncated, unsupported, too small, a playlist */
  }
}
