/* lists/vpdq_read.c - hs_vpdq_read: one video's frames from a vPDQ hash
 * file, through the import grammar (video.c), for matching a video whose
 * hashes were computed elsewhere (`hashsweep index match-video`). */
#include <stdlib.h>
#include <string.h>

#include "hashsweep/video_match.h"
#include "index/vframes.h"
#include "lists/internal.h"

/* The one video row's frames as query frames. */
static hs_status take_video(const import_parser *p, const char *path, hs_query_frame **out,
                            size_t *n) {
  size_t videos = 0;
  const import_row *row = NULL;
  for (size_t i = 0; i < p->nrows; i++)
    if (p->rows[i].type == HS_HASH_VPDQ && p->rows[i].status == ROW_ADD) {
      videos++;
      row = &p->rows[i];
    } else {
      return error_set(HS_ERR_FORMAT, "%s:%u: not a vPDQ frame list", path, p->rows[i].line);
    }
  if (videos != 1)
    return error_set(HS_ERR_FORMAT, "%s: %zu videos; one vPDQ hash file is one video", path,
                     videos);
  const import_video *v = import_video_find(p, row->hash);
  hs_index_frame *f;
  int fmt;
  if (!v || vframes_decode(p->vframes.buf + v->off, v->len, &f, n, &fmt) != 0)
    return error_set(HS_ERR_INTERNAL, "%s: frames lost", path);
  *out = calloc(*n ? *n : 1, sizeof **out);
  if (!*out) {
    free(f);
    return error_set(HS_ERR_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < *n; i++) {
    hs_query_frame *q = &(*out)[i];
    q->frame = f[i].frame >= 0 ? f[i].frame : (int64_t)i;
    q->timestamp = f[i].timestamp;
    q->pdq.quality = f[i].quality;
    for (int d = 0; d < HS_DIH_COUNT; d++) /* a hash file holds no dihedrals */
      q->pdq.hash[d] = f[i].pdq;
  }
  free(f);
  return HS_OK;
}

hs_status hs_vpdq_read(const char *path, hs_query_frame **frames, size_t *n) {
  HS_CHECK(path && frames && n, HS_ERR_INVALID_ARG, "hs_vpdq_read: NULL argument");
  *frames = NULL;
  *n = 0;
  list_first_problem fp = {{0}, 0};
  import_parser p;
  import_parser_init(&p);
  p.keep_fields = 1;
  p.list_optional = 1;
  p.stop_at_problem = 1;
  p.problem = list_keep_first;
  p.user = &fp;
  hs_status st = import_parse_file(&p, path);
  if (st == HS_OK && fp.seen)
    st = error_set(HS_ERR_FORMAT, "%s", fp.text);
  if (st == HS_OK)
    st = take_video(&p, path, frames, n);
  import_parser_free(&p);
  return st;
}

void hs_query_frames_free(hs_query_frame *frames) { free(frames); }
